//! `maxmemory` and the eviction policies, with Redis 7.0's semantics.
//!
//! Before every command (when `maxmemory` is set) the dispatcher calls [`check_oom`], which runs
//! [`perform_evictions`]: while `used_memory` is over the limit, pick a victim by the policy, delete it
//! (propagated as DEL, or UNLINK with `lazyfree-lazy-eviction`), count it in `evicted_keys` and publish
//! an `evicted` keyspace event. Victims come from Redis's approximation of LRU/LFU/TTL: every round
//! samples `maxmemory-samples` keys of each database into a pool of the 16 best candidates seen so far
//! (kept across calls), then evicts the best one still alive. The random policies pick a random key,
//! visiting databases round-robin. A run stops after `maxmemory-eviction-tenacity`'s time limit and is
//! continued by the cron, so one command never stalls the server; when nothing can be evicted
//! (`noeviction`, or volatile policies without volatile keys) commands flagged DENYOOM, and every
//! command queued inside MULTI, get the OOM error.

use std::time::{Duration, Instant};

use bytes::Bytes;
use rds_commands::{flags, resolve, CommandSpec, Resolved};
use rds_config::Config;
use rds_storage::compact::CompactBytes;
use rds_storage::ExpiryMode;

use crate::client::Session;
use crate::error::CommandError;
use crate::memory::{key_usage, Source};
use crate::notify::EVICTED;
use crate::state::{now_ms, now_us, AccessPolicy, ServerState};

/// Candidates kept in the eviction pool (Redis's `EVPOOL_SIZE`).
pub const POOL_SIZE: usize = 16;
/// Keys evicted between checks of the time limit (and, with lazy freeing, of memory).
const CHECK_EVERY_KEYS: u64 = 16;
/// Pool refills tried before giving up on finding a victim (sampling a sparse table can come back
/// empty; Redis loops until it finds one, rds bounds the loop).
const MAX_POOL_ROUNDS: usize = 64;
/// Keys sampled to pick a random victim from, and attempts at getting any.
const RANDOM_SAMPLE: usize = 16;
const RANDOM_TRIES: usize = 16;
/// Largest value of the 24-bit LRU clock.
const LRU_CLOCK_MAX: u32 = 0x00ff_ffff;

/// The reply to a command refused for lack of memory.
pub fn oom_error() -> CommandError {
    CommandError::other("OOM command not allowed when used memory > 'maxmemory'.")
}

/// `maxmemory-policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Policy {
    /// `volatile-lru`: least recently used among keys with a TTL.
    VolatileLru,
    /// `volatile-lfu`: least frequently used among keys with a TTL.
    VolatileLfu,
    /// `volatile-random`: any key with a TTL.
    VolatileRandom,
    /// `volatile-ttl`: the key with the nearest expiry.
    VolatileTtl,
    /// `allkeys-lru`: least recently used.
    AllKeysLru,
    /// `allkeys-lfu`: least frequently used.
    AllKeysLfu,
    /// `allkeys-random`: any key.
    AllKeysRandom,
    /// `noeviction`: refuse writes instead.
    #[default]
    NoEviction,
}

impl Policy {
    /// The policy named `name` (the config table only admits the eight names).
    pub fn parse(name: &str) -> Policy {
        match name {
            "volatile-lru" => Policy::VolatileLru,
            "volatile-lfu" => Policy::VolatileLfu,
            "volatile-random" => Policy::VolatileRandom,
            "volatile-ttl" => Policy::VolatileTtl,
            "allkeys-lru" => Policy::AllKeysLru,
            "allkeys-lfu" => Policy::AllKeysLfu,
            "allkeys-random" => Policy::AllKeysRandom,
            _ => Policy::NoEviction,
        }
    }

    /// True when any key may be evicted, false when only keys with a TTL may.
    pub fn all_keys(self) -> bool {
        matches!(self, Policy::AllKeysLru | Policy::AllKeysLfu | Policy::AllKeysRandom)
    }

    fn is_random(self) -> bool {
        matches!(self, Policy::VolatileRandom | Policy::AllKeysRandom)
    }
}

/// The eviction settings, cached from the config with the other hot settings.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits {
    /// `maxmemory` in bytes; 0 disables the limit.
    pub maxmemory: u64,
    /// `maxmemory-policy`.
    pub policy: Policy,
    /// `maxmemory-samples`.
    pub samples: usize,
    /// `maxmemory-eviction-tenacity` (0..100).
    pub tenacity: u32,
    /// `lazyfree-lazy-eviction`: propagate UNLINK instead of DEL.
    pub lazy: bool,
    /// `replica-ignore-maxmemory`.
    pub replica_ignore: bool,
}

impl Limits {
    /// Reads the eviction directives of `config`.
    pub fn from_config(config: &Config) -> Self {
        Limits {
            maxmemory: u64::try_from(config.int("maxmemory")).unwrap_or(0),
            policy: Policy::parse(&config.str("maxmemory-policy")),
            samples: usize::try_from(config.int("maxmemory-samples")).unwrap_or(5).max(1),
            tenacity: u32::try_from(config.int("maxmemory-eviction-tenacity")).unwrap_or(10).min(100),
            lazy: config.bool("lazyfree-lazy-eviction"),
            replica_ignore: config.bool("replica-ignore-maxmemory"),
        }
    }

    /// How long one eviction run may take, in µs: 50 µs per step up to tenacity 10, then 15% more
    /// per step, unlimited at 100 (Redis's `evictionTimeLimitUs`).
    pub fn time_limit_us(self) -> u64 {
        match self.tenacity {
            0..=10 => 50 * u64::from(self.tenacity),
            11..=99 => (500.0 * 1.15f64.powi(i32::try_from(self.tenacity).unwrap_or(99) - 10)) as u64,
            _ => u64::MAX,
        }
    }
}

/// One eviction candidate: the higher `idle`, the better a victim.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Candidate {
    idle: u64,
    db: usize,
    key: CompactBytes,
}

/// The eviction pool: the best candidates seen by sampling, in ascending `idle` order.
#[derive(Debug, Default)]
pub struct Pool {
    entries: Vec<Candidate>,
}

impl Pool {
    /// Offers a sampled key: kept if the pool has room or it beats the worst candidate (which is then
    /// dropped).
    pub fn insert(&mut self, idle: u64, db: usize, key: CompactBytes) {
        let position = self.entries.partition_point(|c| c.idle < idle);
        if self.entries.len() >= POOL_SIZE {
            if position == 0 {
                return;
            }
            self.entries.remove(0);
            self.entries.insert(position - 1, Candidate { idle, db, key });
        } else {
            self.entries.insert(position, Candidate { idle, db, key });
        }
    }

    /// Takes the best candidate out: (db, key, idle).
    pub fn pop_best(&mut self) -> Option<(usize, CompactBytes, u64)> {
        self.entries.pop().map(|c| (c.db, c.key, c.idle))
    }

    /// Number of candidates held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the pool holds no candidate.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Eviction state kept across runs.
#[derive(Debug, Default)]
pub struct Eviction {
    /// The candidates pool of the LRU, LFU and TTL policies.
    pub pool: Pool,
    /// Last database the random policies evicted from.
    next_db: usize,
}

/// How an eviction run ended (Redis's `EVICT_OK`, `EVICT_RUNNING`, `EVICT_FAIL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Under the limit (or no limit applies).
    Ok,
    /// Still over the limit when the run's time was up; the cron goes on.
    Running,
    /// Over the limit and nothing can be evicted.
    Fail,
}

/// The OOM check of Redis's `processCommand`: evicts as needed, then refuses DENYOOM commands (and
/// anything queued inside MULTI) if memory is still over the limit.
pub fn check_oom(server: &mut ServerState, session: &mut Session, spec: &CommandSpec) -> Result<(), CommandError> {
    if server.settings.maxmemory.maxmemory == 0 {
        return Ok(());
    }
    if perform_evictions(server, session) != Outcome::Fail {
        return Ok(());
    }
    let denyoom = spec.has(flags::DENYOOM) || (spec.name == "exec" && queued_denyoom(session));
    let queuing = session.multi.is_some() && !matches!(spec.name, "exec" | "discard" | "quit" | "reset");
    if denyoom || queuing {
        return Err(oom_error());
    }
    Ok(())
}

/// True when the transaction being queued holds a DENYOOM command.
fn queued_denyoom(session: &Session) -> bool {
    let Some(transaction) = &session.multi else { return false };
    transaction.queued.iter().any(|argv| matches!(resolve(argv), Resolved::Command(spec) if spec.has(flags::DENYOOM)))
}

/// Replicas mirror their master and leave eviction to it (`replica-ignore-maxmemory`); nothing is
/// evicted while clients are paused (the dataset stays still).
fn safe_to_evict(server: &ServerState) -> bool {
    let replica = server.settings.maxmemory.replica_ignore && server.expiry_mode == ExpiryMode::HideOnly;
    !replica && !server.repl.pause.is_active()
}

/// Evicts keys until `used_memory` is under `maxmemory`, nothing is left to evict, or the run's time
/// is up (Redis's `performEvictions`). Keyspace events go through `session`, the calling client.
pub fn perform_evictions(server: &mut ServerState, session: &mut Session) -> Outcome {
    let limits = server.settings.maxmemory;
    if limits.maxmemory == 0 || !safe_to_evict(server) {
        return Outcome::Ok;
    }
    let used = server.used_memory();
    if used <= limits.maxmemory {
        return record_exceeded(server, Outcome::Ok);
    }
    if limits.policy == Policy::NoEviction {
        return record_exceeded(server, Outcome::Fail);
    }
    let to_free = used - limits.maxmemory;
    let started = Instant::now();
    let now = now_ms();
    let (mut freed, mut evicted, mut outcome) = (0u64, 0u64, Outcome::Ok);
    while freed < to_free {
        let Some((db, key)) = pick_victim(server, limits, now) else {
            outcome = Outcome::Fail;
            break;
        };
        freed += evict_key(server, session, db, key, limits.lazy);
        evicted += 1;
        if evicted % CHECK_EVERY_KEYS == 0 {
            if limits.lazy && server.used_memory() <= limits.maxmemory {
                break;
            }
            if started.elapsed().as_micros() > u128::from(limits.time_limit_us()) {
                outcome = Outcome::Running;
                break;
            }
        }
    }
    server.flush_effects_unwrapped();
    record_latency(server, "eviction-cycle", Some(started));
    record_exceeded(server, outcome)
}

/// Tracks how long memory has been over the limit (INFO's `*_eviction_exceeded_time`).
fn record_exceeded(server: &mut ServerState, outcome: Outcome) -> Outcome {
    let stats = &mut server.stats;
    match (outcome, stats.eviction_exceeded_since_us) {
        (Outcome::Ok, Some(since)) => {
            stats.eviction_exceeded_total_us += now_us().saturating_sub(since);
            stats.eviction_exceeded_since_us = None;
        }
        (Outcome::Running | Outcome::Fail, None) => stats.eviction_exceeded_since_us = Some(now_us()),
        _ => {}
    }
    outcome
}

/// Feeds the latency monitor; `started` is only taken while the monitor is on, as in Redis.
fn record_latency(server: &mut ServerState, event: &str, started: Option<Instant>) {
    let threshold = server.settings.latency_threshold_ms;
    if let (true, Some(started)) = (threshold > 0, started) {
        let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        server.latency.record(event, ms, now_ms() / 1000, threshold);
    }
}

fn latency_start(server: &ServerState) -> Option<Instant> {
    (server.settings.latency_threshold_ms > 0).then(Instant::now)
}

/// Deletes one victim like Redis's eviction loop and returns the bytes it freed.
fn evict_key(server: &mut ServerState, session: &mut Session, db: usize, key: CompactBytes, lazy: bool) -> u64 {
    let before = server.used_memory();
    let started = latency_start(server);
    let Some(value) = server.keyspace.dbs[db].remove(&key) else { return 0 };
    let estimate = key_usage(key.as_slice(), &value);
    drop(value);
    record_latency(server, "eviction-del", started);
    let freed = match server.memory.source {
        Source::Rss => estimate,
        _ => before.saturating_sub(server.used_memory()),
    };
    server.stats.evicted_keys += 1;
    server.key_removed(db, &key);
    if server.settings.notify_flags != 0 {
        crate::notify::notify(server, session, EVICTED, "evicted", &key, db);
    }
    if server.effects.is_enabled() {
        let verb = if lazy { Bytes::from_static(b"UNLINK") } else { Bytes::from_static(b"DEL") };
        server.pending_effects.push((db, vec![verb, Bytes::copy_from_slice(&key)]));
    }
    freed
}

/// The next victim: (db, key), or `None` when the policy finds nothing to evict.
fn pick_victim(server: &mut ServerState, limits: Limits, now: u64) -> Option<(usize, CompactBytes)> {
    if limits.policy.is_random() {
        return random_victim(server, limits.policy.all_keys());
    }
    for _ in 0..MAX_POOL_ROUNDS {
        let mut total_keys = 0;
        for db in 0..server.keyspace.dbs.len() {
            let database = &server.keyspace.dbs[db];
            let keys = if limits.policy.all_keys() { database.len() } else { database.expires_len() };
            if keys > 0 {
                populate(server, db, limits, now);
                total_keys += keys;
            }
        }
        if total_keys == 0 {
            return None;
        }
        while let Some((db, key, _)) = server.eviction.pool.pop_best() {
            // Candidates deleted (or made persistent) since they were sampled are ghosts: skip them.
            let live = server.keyspace.dbs.get(db).is_some_and(|database| {
                if limits.policy.all_keys() {
                    database.peek(&key).is_some()
                } else {
                    database.expire_at(&key).is_some()
                }
            });
            if live {
                return Some((db, key));
            }
        }
    }
    None
}

/// Samples database `db` into the pool (Redis's `evictionPoolPopulate`).
fn populate(server: &mut ServerState, db: usize, limits: Limits, now: u64) {
    let access = server.settings.access;
    let database = &mut server.keyspace.dbs[db];
    let pool = &mut server.eviction.pool;
    if limits.policy.all_keys() {
        for (key, clock) in database.sample_keys(limits.samples) {
            pool.insert(score(limits.policy, access, clock, now), db, key);
        }
        return;
    }
    for (key, when) in database.sample_volatile(limits.samples) {
        let idle = if limits.policy == Policy::VolatileTtl {
            u64::MAX - when
        } else {
            let Some(entry) = database.peek(&key) else { continue };
            score(limits.policy, access, entry.access, now)
        };
        pool.insert(idle, db, key);
    }
}

/// How good a victim a key with access metadata `clock` is: idle milliseconds under LRU, 255 minus
/// the decayed counter under LFU.
pub fn score(policy: Policy, access: AccessPolicy, clock: u32, now_ms: u64) -> u64 {
    match policy {
        Policy::AllKeysLfu | Policy::VolatileLfu => 255 - u64::from(access.decayed_counter(clock, now_ms).min(255)),
        _ => idle_ms(AccessPolicy::lru_clock(now_ms), clock),
    }
}

/// Milliseconds since the 24-bit LRU clock value `clock`, across the clock's wrap-around.
fn idle_ms(now_clock: u32, clock: u32) -> u64 {
    let seconds = if now_clock >= clock { now_clock - clock } else { now_clock + (LRU_CLOCK_MAX - clock) };
    u64::from(seconds) * 1000
}

/// A random key, from the databases in turn (Redis's `volatile-random` / `allkeys-random`).
fn random_victim(server: &mut ServerState, all_keys: bool) -> Option<(usize, CompactBytes)> {
    let count = server.keyspace.dbs.len();
    for _ in 0..count {
        server.eviction.next_db = (server.eviction.next_db + 1) % count;
        let db = server.eviction.next_db;
        let database = &mut server.keyspace.dbs[db];
        let size = if all_keys { database.len() } else { database.expires_len() };
        if size == 0 {
            continue;
        }
        // Sampling walks consecutive buckets from a random one and can come back empty from a
        // sparse table: take a few keys and pick one of them, retrying a bounded number of times.
        for _ in 0..RANDOM_TRIES {
            let mut keys: Vec<CompactBytes> = if all_keys {
                database.sample_keys(RANDOM_SAMPLE).into_iter().map(|(key, _)| key).collect()
            } else {
                database.sample_volatile(RANDOM_SAMPLE).into_iter().map(|(key, _)| key).collect()
            };
            if !keys.is_empty() {
                let pick = (rds_storage::rng::next_u64() % keys.len() as u64) as usize;
                return Some((db, keys.swap_remove(pick)));
            }
        }
    }
    None
}

/// Cron work: raises the memory peak, and continues an eviction run cut short by its time limit (or
/// one made necessary by CONFIG SET maxmemory) for at most `budget`.
pub fn cron(server: &mut ServerState, budget: Duration) {
    server.update_memory_peak();
    if server.settings.maxmemory.maxmemory == 0 {
        return;
    }
    // Evictions from the cron have no calling client: events are published like any other message.
    let mut nobody = Session::new(0, true, true);
    let started = Instant::now();
    while perform_evictions(server, &mut nobody) == Outcome::Running && started.elapsed() < budget {}
}

#[cfg(test)]
mod tests;
