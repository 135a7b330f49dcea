//! Memory accounting: `used_memory` (what the allocator handed out), its peak and startup baseline,
//! the breakdown INFO memory and MEMORY STATS print, and the footprint of one key (MEMORY USAGE).
//!
//! Why a counting allocator: Redis's `used_memory` is zmalloc's running total of the bytes its
//! allocator handed out, and eviction compares exactly that with `maxmemory`. Any estimate built from
//! key sizes misses what is not a key (client buffers, pending effects, tables) and drifts with every
//! in-place change a handler forgets to report. The `rds-server` binary therefore installs
//! `cap::Cap<System>`, a safe counting wrapper around the system allocator (the crate implements
//! `GlobalAlloc`; declaring it as `#[global_allocator]` takes no `unsafe` in our code), and hands its
//! counter to [`install_counter`]. It counts requested sizes, so malloc's per-chunk rounding (up to 16
//! bytes per allocation) is the only thing not in the figure. Code built without the counter (an
//! embedder) falls back to the resident set size, which only ever over-reports.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use rds_storage::compact::{CompactBytes, INLINE_CAPACITY};
use rds_storage::{Db, Entry, Value};

use crate::client::ClientKind;
use crate::state::ServerState;

/// Reads the bytes currently handed out by the process's counting allocator.
pub type Counter = fn() -> usize;

static COUNTER: OnceLock<Counter> = OnceLock::new();

/// Unit tests get the same counting allocator the binary installs.
#[cfg(test)]
#[global_allocator]
static TEST_ALLOCATOR: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, usize::MAX);

/// Registers the counting allocator's counter (once, before the server starts); false if one already was.
pub fn install_counter(counter: Counter) -> bool {
    COUNTER.set(counter).is_ok()
}

fn counter() -> Option<Counter> {
    #[cfg(test)]
    {
        Some(COUNTER.get().copied().unwrap_or(|| TEST_ALLOCATOR.allocated()))
    }
    #[cfg(not(test))]
    {
        COUNTER.get().copied()
    }
}

/// Where `used_memory` comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The counting allocator's total: the real figure.
    Allocator,
    /// The resident set size: a coarse stand-in when no counting allocator is installed.
    Rss,
    /// The startup baseline plus MEMORY USAGE summed over every key: deterministic and O(keys), for
    /// tests that need memory to move only with the dataset.
    Dataset,
}

/// The accounting state kept in [`ServerState`].
#[derive(Debug, Clone, Copy)]
pub struct Accounting {
    /// What `used_memory` reads.
    pub source: Source,
    /// `used_memory` when the server state was built (`used_memory_startup`).
    pub startup: u64,
}

impl Accounting {
    /// Accounting from the installed counter (or RSS without one), with the baseline measured now.
    pub fn new() -> Self {
        let source = if counter().is_some() { Source::Allocator } else { Source::Rss };
        let startup = match source {
            Source::Allocator => allocated(),
            _ => rss_bytes(),
        };
        Accounting { source, startup }
    }

    /// Deterministic accounting for tests: `startup` plus the sizes of the keys.
    pub fn dataset(startup: u64) -> Self {
        Accounting { source: Source::Dataset, startup }
    }
}

impl Default for Accounting {
    fn default() -> Self {
        Self::new()
    }
}

fn allocated() -> u64 {
    counter().map_or(0, |read| read() as u64)
}

impl ServerState {
    /// Redis's `used_memory`: bytes handed out by the allocator (see the module docs).
    pub fn used_memory(&self) -> u64 {
        match self.memory.source {
            Source::Allocator => allocated(),
            Source::Rss => cached_rss(),
            Source::Dataset => self.memory.startup + self.keyspace.dbs.iter().map(db_usage).sum::<u64>(),
        }
    }

    /// Reads `used_memory` and raises `used_memory_peak` to it (Redis does this after every command
    /// and in its cron); returns the reading.
    pub fn update_memory_peak(&mut self) -> u64 {
        let used = self.used_memory();
        self.stats.peak_memory = self.stats.peak_memory.max(used);
        used
    }
}

/// Sum of [`key_usage`] over a database (the `Dataset` source).
fn db_usage(db: &Db) -> u64 {
    db.iter().map(|(key, entry)| key_usage(key, &entry.value)).sum()
}

/// Bytes malloc reserves for a request of `size`: glibc's 16-byte chunks with an 8-byte header and a
/// 24-byte minimum, what Redis's `zmalloc_size` would report for the same request.
pub fn malloc_size(size: usize) -> u64 {
    if size == 0 {
        return 0;
    }
    let chunk = (size.saturating_add(8 + 15) & !15).max(32);
    (chunk - 8) as u64
}

/// What one key costs (MEMORY USAGE): its dictionary node (key inline up to 22 bytes, value header,
/// access clock, chain pointer), the key's heap copy when longer, and the value's heap.
pub fn key_usage(key: &[u8], value: &Value) -> u64 {
    let key_heap = if key.len() > INLINE_CAPACITY { key.len() } else { 0 };
    malloc_size(KEY_NODE_BYTES) + malloc_size(key_heap) + malloc_size(value.heap_size())
}

/// The RSS fallback is read before every command: re-read /proc at most every 100 ms.
fn cached_rss() -> u64 {
    static READING: AtomicU64 = AtomicU64::new(0);
    static READ_AT_MS: AtomicU64 = AtomicU64::new(0);
    let now = crate::state::now_ms();
    if now.saturating_sub(READ_AT_MS.load(Ordering::Relaxed)) >= 100 {
        READING.store(rss_bytes(), Ordering::Relaxed);
        READ_AT_MS.store(now, Ordering::Relaxed);
    }
    READING.load(Ordering::Relaxed)
}

/// Resident set size of the process (Linux `/proc/self/status` VmRSS; 0 elsewhere).
pub fn rss_bytes() -> u64 {
    kb_field(&read_proc("/proc/self/status"), "VmRSS:")
}

/// Physical memory of the machine (`total_system_memory`).
pub fn total_system_memory() -> u64 {
    kb_field(&read_proc("/proc/meminfo"), "MemTotal:")
}

fn read_proc(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn kb_field(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb.saturating_mul(1024))
}

/// Table overhead of one database (MEMORY STATS `db.N`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DbOverhead {
    /// Database number.
    pub index: usize,
    /// Number of keys.
    pub keys: u64,
    /// Buckets and nodes of the key table, values' heap excluded (`overhead.hashtable.main`).
    pub main: u64,
    /// Buckets and nodes of the TTL table (`overhead.hashtable.expires`).
    pub expires: u64,
}

/// Bytes of one TTL-table node: key copy, expiry time, chain pointer.
const EXPIRE_NODE_BYTES: usize = std::mem::size_of::<CompactBytes>() + 2 * std::mem::size_of::<usize>();
/// Bytes of one key-table node, the value's heap excluded.
const KEY_NODE_BYTES: usize =
    std::mem::size_of::<CompactBytes>() + std::mem::size_of::<Entry>() + std::mem::size_of::<usize>();

fn db_overhead(index: usize, db: &Db) -> DbOverhead {
    let expires = db.expires_len();
    // Tables grow to the next power of two at load factor 1 and start at 4 buckets.
    let expire_buckets = if expires == 0 { 0 } else { expires.next_power_of_two().max(4) };
    let expire_bucket_bytes = expire_buckets * std::mem::size_of::<usize>();
    let main_bucket_bytes = db.overhead_bytes().saturating_sub(expire_bucket_bytes);
    DbOverhead {
        index,
        keys: db.len() as u64,
        main: (main_bucket_bytes as u64) + db.len() as u64 * malloc_size(KEY_NODE_BYTES),
        expires: expire_bucket_bytes as u64 + expires as u64 * malloc_size(EXPIRE_NODE_BYTES),
    }
}

/// Redis's `getMemoryOverheadData`: where `used_memory` goes, for INFO memory, MEMORY STATS and
/// MEMORY DOCTOR.
#[derive(Debug, Clone, Default)]
pub struct Breakdown {
    /// `used_memory` / `total.allocated`.
    pub used: u64,
    /// `used_memory_peak` / `peak.allocated`.
    pub peak: u64,
    /// `used_memory_startup` / `startup.allocated`.
    pub startup: u64,
    /// Resident set size.
    pub rss: u64,
    /// Buffers of ordinary clients (`clients.normal`).
    pub clients_normal: u64,
    /// Buffers of replicas (`clients.slaves`).
    pub clients_replicas: u64,
    /// Number of replicas and of other clients.
    pub client_counts: (u64, u64),
    /// Non-empty databases.
    pub dbs: Vec<DbOverhead>,
    /// Everything but the data (`used_memory_overhead` / `overhead.total`).
    pub overhead: u64,
    /// Keys in all databases.
    pub keys: u64,
}

impl Breakdown {
    /// `used_memory_dataset`: what is left for keys and values.
    pub fn dataset(&self) -> u64 {
        self.used.saturating_sub(self.overhead)
    }

    /// Memory grown since startup (`net_usage`).
    pub fn net(&self) -> u64 {
        self.used.saturating_sub(self.startup)
    }

    /// `keys.bytes-per-key`.
    pub fn bytes_per_key(&self) -> u64 {
        self.net().checked_div(self.keys).unwrap_or(0)
    }

    /// `dataset.percentage` / `used_memory_dataset_perc`, as Redis's `float`.
    pub fn dataset_percent(&self) -> f32 {
        percent(self.dataset(), self.net())
    }

    /// `peak.percentage` / `used_memory_peak_perc`, as Redis's `float`.
    pub fn peak_percent(&self) -> f32 {
        percent(self.used, self.peak)
    }

    /// `mem_fragmentation_ratio` / `fragmentation`: RSS over `used_memory`.
    pub fn fragmentation(&self) -> f32 {
        ratio(self.rss, self.used)
    }

    /// `mem_fragmentation_bytes` / `fragmentation.bytes`.
    pub fn fragmentation_bytes(&self) -> i64 {
        i64::try_from(self.rss).unwrap_or(i64::MAX) - i64::try_from(self.used).unwrap_or(i64::MAX)
    }
}

/// `a * 100 / b` as a float; 0 when `b` is 0.
pub fn percent(a: u64, b: u64) -> f32 {
    if b == 0 {
        return 0.0;
    }
    (a as f64 * 100.0 / b as f64) as f32
}

/// `a / b` as a float; 0 when `b` is 0.
pub fn ratio(a: u64, b: u64) -> f32 {
    if b == 0 {
        return 0.0;
    }
    (a as f64 / b as f64) as f32
}

/// Measures the breakdown now (and raises the peak, as Redis's INFO does).
pub fn breakdown(state: &mut ServerState) -> Breakdown {
    let used = state.update_memory_peak();
    let mut out =
        Breakdown { used, peak: state.stats.peak_memory, startup: state.memory.startup, ..Default::default() };
    out.rss = rss_bytes();
    for client in state.clients.iter() {
        let bytes = (client.query_buffer + client.reply_pending + client.outbox.capacity()) as u64;
        if client.kind == ClientKind::Replica {
            out.clients_replicas += bytes;
            out.client_counts.0 += 1;
        } else {
            out.clients_normal += bytes;
            out.client_counts.1 += 1;
        }
    }
    out.overhead = out.startup + out.clients_normal + out.clients_replicas;
    for (index, db) in state.keyspace.dbs.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        let overhead = db_overhead(index, db);
        out.overhead += overhead.main + overhead.expires;
        out.keys += overhead.keys;
        out.dbs.push(overhead);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malloc_sizes_follow_glibc_chunks() {
        assert_eq!(malloc_size(0), 0);
        assert_eq!(malloc_size(1), 24);
        assert_eq!(malloc_size(24), 24);
        assert_eq!(malloc_size(25), 40);
        assert_eq!(malloc_size(72), 72);
        assert_eq!(malloc_size(1000), 1000);
        assert_eq!(malloc_size(usize::MAX), (usize::MAX & !15) as u64 - 8);
    }

    #[test]
    fn key_usage_grows_with_the_value_and_long_keys() {
        let entry = |bytes: &[u8]| Value::string(bytes);
        let short = key_usage(b"k", &entry(b"v"));
        let long_value = key_usage(b"k", &entry(&[b'x'; 1000]));
        let long_key = key_usage(&[b'k'; 100], &entry(b"v"));
        assert!(short > 0);
        assert_eq!(long_value, short + 1000);
        assert_eq!(long_key, short + malloc_size(100));
    }

    #[test]
    fn dataset_source_moves_with_the_keys() {
        let mut state = ServerState::new(rds_config::Config::defaults());
        state.memory = Accounting::dataset(1000);
        assert_eq!(state.used_memory(), 1000);
        state.keyspace.dbs[0].set(b"k", Value::string(&[b'x'; 100]), 0);
        let with_key = state.used_memory();
        assert!(with_key > 1100, "{with_key}");
        state.keyspace.dbs[0].remove(b"k");
        assert_eq!(state.used_memory(), 1000);
    }

    #[test]
    fn allocator_source_sees_allocations() {
        let state = ServerState::new(rds_config::Config::defaults());
        assert_eq!(state.memory.source, Source::Allocator);
        let before = state.used_memory();
        let block = vec![1u8; 8 << 20];
        let during = state.used_memory();
        drop(block);
        // Other tests allocate concurrently: only a change this large is reliably visible.
        assert!(during > before + (4 << 20) || during > (8 << 20), "{before} -> {during}");
    }

    #[test]
    fn breakdown_splits_overhead_and_dataset() {
        let mut state = ServerState::new(rds_config::Config::defaults());
        state.memory = Accounting::dataset(10_000);
        state.keyspace.dbs[2].set(b"a", Value::string(&[b'x'; 5000]), 0);
        state.keyspace.dbs[2].set(b"b", Value::string(b"1"), 0);
        state.keyspace.dbs[2].set_expire(b"b", u64::MAX);
        let mem = breakdown(&mut state);
        assert_eq!(mem.keys, 2);
        assert_eq!(mem.dbs.len(), 1);
        assert_eq!(mem.dbs[0].index, 2);
        assert!(mem.dbs[0].expires > 0);
        assert!(mem.overhead > 10_000 && mem.dataset() > 4500, "{mem:?}");
        assert_eq!(mem.peak, mem.used);
        assert_eq!(mem.bytes_per_key(), mem.net() / 2);
        assert!(mem.dataset_percent() > 0.0 && mem.dataset_percent() <= 100.0);
    }
}
