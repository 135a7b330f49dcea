//! Eviction tests on a deterministic memory source: used memory is the sum of the keys' sizes, so a
//! limit one byte under it forces exactly one eviction, and access metadata is crafted per key.

use rds_storage::ExpiryMode;

use super::*;
use crate::memory::Accounting;
use crate::state::now_ms;
use crate::testing::Harness;

const OOM: &str = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";

/// A server whose used memory is exactly its keys' sizes, with `policy` and every key sampled.
fn harness(policy: &str) -> Harness {
    let mut h = Harness::new();
    h.state.memory = Accounting::dataset(0);
    assert_eq!(h.run(&["CONFIG", "SET", "maxmemory-policy", policy, "maxmemory-samples", "64"]), "+OK\r\n");
    h
}

/// Ten keys `k0`..`k9` with 100-byte values; `access(i)` gives key i's access metadata.
fn fill(h: &mut Harness, access: impl Fn(u32) -> u32) {
    for i in 0..10u32 {
        let key = format!("k{i}");
        h.run(&["SET", &key, &"x".repeat(100)]);
        let entry = h.state.keyspace.dbs[0].get_entry_mut(key.as_bytes(), now_ms(), ExpiryMode::Delete);
        if let Some(entry) = entry {
            entry.access = access(i);
        }
    }
}

/// Sets maxmemory `under` bytes below the current use.
fn limit_below_use(h: &mut Harness, under: u64) {
    let limit = h.state.used_memory() - under;
    set_limit(h, limit);
}

fn set_limit(h: &mut Harness, limit: u64) {
    assert_eq!(h.run(&["CONFIG", "SET", "maxmemory", &limit.to_string()]), "+OK\r\n");
}

/// The LRU clock `seconds` before `clock`, across the 24-bit wrap-around.
fn ago(clock: u32, seconds: u32) -> u32 {
    clock.wrapping_sub(seconds) & 0x00ff_ffff
}

fn keys(h: &Harness) -> Vec<String> {
    let mut keys: Vec<String> =
        h.state.keyspace.dbs[0].iter().map(|(k, _)| String::from_utf8_lossy(k).into_owned()).collect();
    keys.sort();
    keys
}

fn without(gone: &[&str]) -> Vec<String> {
    (0..10).map(|i| format!("k{i}")).filter(|k| !gone.contains(&k.as_str())).collect()
}

#[test]
fn pool_keeps_the_sixteen_best_candidates_in_order() {
    let mut pool = Pool::default();
    for idle in [5u64, 1, 9, 3] {
        pool.insert(idle, 0, CompactBytes::new(format!("k{idle}").as_bytes()));
    }
    assert_eq!(pool.pop_best().map(|(_, _, idle)| idle), Some(9));
    for idle in 10..40u64 {
        pool.insert(idle, 1, CompactBytes::new(b"x"));
    }
    assert_eq!(pool.len(), POOL_SIZE);
    pool.insert(0, 0, CompactBytes::new(b"worse than all"));
    let mut order = Vec::new();
    while let Some((_, _, idle)) = pool.pop_best() {
        order.push(idle);
    }
    assert_eq!(order, (24..40).rev().collect::<Vec<u64>>());
    assert!(pool.is_empty());
}

#[test]
fn allkeys_lru_evicts_the_least_recently_used() {
    let mut h = harness("allkeys-lru");
    let clock = AccessPolicy::lru_clock(now_ms());
    // k3 was used longest ago; k7 next.
    fill(&mut h, |i| match i {
        3 => ago(clock, 500),
        7 => ago(clock, 400),
        _ => ago(clock, i),
    });
    limit_below_use(&mut h, 1);
    assert_eq!(h.run(&["PING"]), "+PONG\r\n");
    assert_eq!(keys(&h), without(&["k3"]));
    limit_below_use(&mut h, 1);
    assert_eq!(h.run(&["GET", "nothing"]), "$-1\r\n");
    assert_eq!(keys(&h), without(&["k3", "k7"]));
    assert_eq!(h.state.stats.evicted_keys, 2);
}

#[test]
fn allkeys_lfu_evicts_the_least_frequently_used() {
    let mut h = harness("allkeys-lfu");
    let minutes = u32::try_from((now_ms() / 60_000) & 0xffff).unwrap_or(0);
    // Counters 20..29 except k6, which was hardly ever used.
    fill(&mut h, |i| (minutes << 8) | if i == 6 { 1 } else { 20 + i });
    limit_below_use(&mut h, 1);
    h.run(&["PING"]);
    assert_eq!(keys(&h), without(&["k6"]));
}

#[test]
fn volatile_ttl_evicts_the_nearest_expiry_and_spares_persistent_keys() {
    let mut h = harness("volatile-ttl");
    fill(&mut h, |_| 0);
    for (key, seconds) in [("k1", "900"), ("k2", "100"), ("k5", "500")] {
        h.run(&["EXPIRE", key, seconds]);
    }
    limit_below_use(&mut h, 1);
    h.run(&["PING"]);
    assert_eq!(keys(&h), without(&["k2"]));
    // Far over the limit: only the volatile keys can go, then writes are refused.
    set_limit(&mut h, 1);
    assert_eq!(h.run(&["SET", "new", "v"]), OOM);
    assert_eq!(keys(&h), without(&["k1", "k2", "k5"]));
    assert_eq!(h.run(&["GET", "k0"]), format!("$100\r\n{}\r\n", "x".repeat(100)));
}

#[test]
fn volatile_lru_without_volatile_keys_refuses_denyoom_commands() {
    let mut h = harness("volatile-lru");
    fill(&mut h, |_| 0);
    limit_below_use(&mut h, 1);
    assert_eq!(h.run(&["SET", "k0", "y"]), OOM);
    assert_eq!(h.run(&["APPEND", "k0", "y"]), OOM);
    assert_eq!(h.run(&["STRLEN", "k0"]), ":100\r\n");
    assert_eq!(h.run(&["DEL", "k0"]), ":1\r\n");
    assert_eq!(h.run(&["SET", "k0", "y"]), "+OK\r\n", "DEL freed enough");
    assert_eq!(h.state.stats.evicted_keys, 0);
}

#[test]
fn random_policies_evict_from_the_right_set() {
    let mut h = harness("volatile-random");
    fill(&mut h, |_| 0);
    h.run(&["EXPIRE", "k4", "100"]);
    h.run(&["EXPIRE", "k8", "100"]);
    limit_below_use(&mut h, 300);
    h.run(&["PING"]);
    assert_eq!(keys(&h), without(&["k4", "k8"]));

    let mut h = harness("allkeys-random");
    fill(&mut h, |_| 0);
    limit_below_use(&mut h, 1);
    h.run(&["PING"]);
    assert_eq!(h.state.keyspace.dbs[0].len(), 9);
}

#[test]
fn noeviction_refuses_writes_but_serves_reads() {
    let mut h = harness("noeviction");
    fill(&mut h, |_| 0);
    limit_below_use(&mut h, 1);
    h.expect_all(&[
        (&["SET", "a", "1"], OOM),
        (&["INCR", "n"], OOM),
        (&["GET", "k1"], &format!("$100\r\n{}\r\n", "x".repeat(100))),
        (&["EXISTS", "k1"], ":1\r\n"),
        (&["MULTI"], "+OK\r\n"),
        (&["GET", "k1"], OOM),
        (&["EXEC"], "-EXECABORT Transaction discarded because of previous errors.\r\n"),
        (&["MULTI"], "+OK\r\n"),
        (&["DISCARD"], "+OK\r\n"),
    ]);
    assert_eq!(h.state.keyspace.dbs[0].len(), 10);
    let info = h.run(&["INFO", "stats"]);
    assert!(info.contains("evicted_keys:0\r\n"), "{info}");
    assert!(h.state.stats.eviction_exceeded_since_us.is_some(), "memory is over the limit");
    set_limit(&mut h, 0);
    set_limit(&mut h, u64::MAX >> 1);
    h.run(&["PING"]);
    assert!(h.state.stats.eviction_exceeded_since_us.is_none(), "back under the limit");
}

#[test]
fn exec_is_refused_when_memory_ran_out_after_queueing_a_denyoom_command() {
    let mut h = harness("noeviction");
    fill(&mut h, |_| 0);
    h.expect_all(&[(&["MULTI"], "+OK\r\n"), (&["SET", "a", "1"], "+QUEUED\r\n")]);
    // CONFIG SET would be queued: set the limit directly, as another client's CONFIG SET would.
    h.state.settings.maxmemory.maxmemory = h.state.used_memory() - 1;
    let reply =
        "-EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.\r\n";
    assert_eq!(h.run(&["EXEC"]), reply);
    h.expect_all(&[(&["MULTI"], "+OK\r\n"), (&["EXEC"], "*0\r\n")]);
}

#[test]
fn evictions_are_propagated_as_del_or_unlink() {
    let mut h = harness("allkeys-lru");
    let clock = AccessPolicy::lru_clock(now_ms());
    fill(&mut h, |i| if i == 0 { ago(clock, 1000) } else { clock });
    h.state.effects.enable();
    limit_below_use(&mut h, 1);
    h.state.effects.take();
    h.run(&["PING"]);
    assert_eq!(&h.state.effects.take()[..], &b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*2\r\n$3\r\nDEL\r\n$2\r\nk0\r\n"[..]);
    h.run(&["CONFIG", "SET", "lazyfree-lazy-eviction", "yes"]);
    limit_below_use(&mut h, 1);
    h.state.effects.take();
    h.run(&["SET", "k0", "v"]);
    let effects = String::from_utf8_lossy(&h.state.effects.take()).into_owned();
    assert!(effects.starts_with("*2\r\n$6\r\nUNLINK\r\n"), "{effects}");
    assert!(effects.ends_with("*3\r\n$3\r\nSET\r\n$2\r\nk0\r\n$1\r\nv\r\n"), "not wrapped in MULTI: {effects}");
}

#[test]
fn evictions_publish_evicted_events_to_the_calling_client() {
    let mut h = harness("allkeys-lru").resp3();
    let clock = AccessPolicy::lru_clock(now_ms());
    fill(&mut h, |i| if i == 9 { ago(clock, 1000) } else { clock });
    h.run(&["CONFIG", "SET", "notify-keyspace-events", "Ee"]);
    h.run(&["SUBSCRIBE", "__keyevent@0__:evicted"]);
    limit_below_use(&mut h, 1);
    let reply = h.run(&["PING"]);
    assert_eq!(reply, ">3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:evicted\r\n$2\r\nk9\r\n+PONG\r\n");
}

#[test]
fn replicas_ignore_maxmemory_unless_told_otherwise() {
    let mut h = harness("allkeys-lru");
    fill(&mut h, |_| 0);
    h.state.expiry_mode = ExpiryMode::HideOnly;
    limit_below_use(&mut h, 1);
    h.run(&["PING"]);
    assert_eq!(h.state.keyspace.dbs[0].len(), 10);
    h.run(&["CONFIG", "SET", "replica-ignore-maxmemory", "no"]);
    h.run(&["PING"]);
    assert_eq!(h.state.keyspace.dbs[0].len(), 9);
}

#[test]
fn a_run_stops_at_its_time_limit_and_the_cron_finishes_it() {
    let mut h = harness("allkeys-random");
    for i in 0..100 {
        h.run(&["SET", &format!("key:{i}"), "v"]);
    }
    h.run(&["CONFIG", "SET", "maxmemory-eviction-tenacity", "0", "maxmemory", "1"]);
    // Tenacity 0 allows one batch of 16 keys; the command still runs (eviction is in progress).
    assert_eq!(h.run(&["SET", "last", "v"]), "+OK\r\n");
    assert_eq!(h.state.keyspace.dbs[0].len(), 100 - 16 + 1);
    cron(&mut h.state, Duration::from_secs(5));
    assert_eq!(h.state.keyspace.dbs[0].len(), 0);
    let info = h.run(&["INFO", "stats"]);
    assert!(info.contains("evicted_keys:101\r\n"), "{info}");
    assert_eq!(h.run(&["SET", "x", "y"]), "+OK\r\n", "an empty keyspace is under 1 byte here");
}

#[test]
fn time_limits_follow_tenacity() {
    let limit = |tenacity| Limits { tenacity, ..Limits::default() }.time_limit_us();
    assert_eq!(limit(0), 0);
    assert_eq!(limit(10), 500);
    assert_eq!(limit(11), 575);
    assert!(limit(99) > 100_000_000);
    assert_eq!(limit(100), u64::MAX);
}

#[test]
fn policy_names_parse() {
    for (name, all_keys) in [("allkeys-lru", true), ("allkeys-random", true), ("volatile-ttl", false)] {
        assert_eq!(Policy::parse(name).all_keys(), all_keys, "{name}");
    }
    assert_eq!(Policy::parse("noeviction"), Policy::NoEviction);
    assert_eq!(Policy::parse("volatile-lfu"), Policy::VolatileLfu);
}
