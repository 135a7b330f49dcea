//! End-to-end maxmemory: rds-server started with `--maxmemory 20mb --maxmemory-policy allkeys-lru`
//! takes five times its limit in writes and stays near the limit by evicting, with a bounded RSS;
//! switched to `noeviction` it refuses writes with Redis's OOM error while reads still work.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::Duration;

use rds_testkit::{Client, ServerBuilder};

const LIMIT: u64 = 20 << 20;
/// Bytes written in total: five times the limit.
const WRITTEN: usize = 100 << 20;
const VALUE_LEN: usize = 1000;
/// Keys written a clock tick before the others: a tenth of the limit.
const OLDER_KEYS: usize = (LIMIT as usize / 10) / VALUE_LEN;
/// SETs sent before reading their replies.
const PIPELINE: usize = 500;
const OOM: &str = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";

fn rds() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_rds-server"))
}

/// The value of `name` in an INFO reply.
fn info_field(client: &mut Client, section: &str, name: &str) -> String {
    let text = client.cmd_str(&["INFO", section]);
    let prefix = format!("{name}:");
    text.lines().find_map(|line| line.strip_prefix(prefix.as_str())).unwrap_or_default().to_string()
}

fn info_u64(client: &mut Client, section: &str, name: &str) -> u64 {
    info_field(client, section, name).parse().unwrap_or_else(|_| panic!("INFO {section} {name}"))
}

/// DBSIZE and INFO's evicted_keys, read atomically.
fn dbsize_and_evicted(client: &mut Client) -> (u64, u64) {
    assert_eq!(client.cmd_str(&["MULTI"]), "+OK\r\n");
    assert_eq!(client.cmd_str(&["DBSIZE"]), "+QUEUED\r\n");
    assert_eq!(client.cmd_str(&["INFO", "stats"]), "+QUEUED\r\n");
    let reply = client.cmd_str(&["EXEC"]);
    let mut lines = reply.lines().skip(1);
    let dbsize = lines.next().and_then(|l| l.strip_prefix(':')).and_then(|n| n.parse().ok()).unwrap();
    let evicted = lines.find_map(|l| l.strip_prefix("evicted_keys:")).and_then(|n| n.parse().ok()).unwrap();
    (dbsize, evicted)
}

/// Writes `WRITTEN` bytes of distinct keys, pipelined, checking every reply is +OK.
///
/// The LRU clock counts seconds, as Redis's does, and the whole write takes well under one: keys
/// written in the same second are equally old, and which of them go is up to the sampling. So the
/// first keys, a tenth of the limit, are written a clock tick before the rest: they are then
/// strictly older than every later key and allkeys-lru takes them first.
fn write_five_times_the_limit(client: &mut Client) {
    let keys = WRITTEN / VALUE_LEN;
    write_keys(client, 0..OLDER_KEYS);
    std::thread::sleep(Duration::from_millis(1100));
    write_keys(client, OLDER_KEYS..keys);
}

/// SETs `key:<i>` for every i in `range` to a `VALUE_LEN` value, pipelined.
fn write_keys(client: &mut Client, range: std::ops::Range<usize>) {
    let value = "v".repeat(VALUE_LEN);
    let keys = range.end;
    let mut batch = Vec::with_capacity(PIPELINE * (VALUE_LEN + 64));
    for start in range.step_by(PIPELINE) {
        batch.clear();
        let end = (start + PIPELINE).min(keys);
        for i in start..end {
            let key = format!("key:{i:08}");
            batch.extend_from_slice(&rds_testkit::client::encode_command(&["SET", key.as_str(), value.as_str()]));
        }
        client.send_raw(&batch);
        for _ in start..end {
            assert_eq!(client.read_raw_reply(), b"+OK\r\n");
        }
    }
}

#[test]
fn allkeys_lru_keeps_memory_near_the_limit_and_noeviction_refuses_writes() {
    let server =
        ServerBuilder::new(rds()).args(["--maxmemory", "20mb", "--maxmemory-policy", "allkeys-lru"]).spawn().unwrap();
    let mut client = server.client();
    client.set_timeout(Duration::from_secs(30)).unwrap();
    assert_eq!(info_field(&mut client, "memory", "maxmemory"), LIMIT.to_string());
    assert_eq!(info_field(&mut client, "memory", "maxmemory_human"), "20.00M");
    assert_eq!(info_field(&mut client, "memory", "maxmemory_policy"), "allkeys-lru");

    write_five_times_the_limit(&mut client);

    let used = info_u64(&mut client, "memory", "used_memory");
    assert!(used <= LIMIT + (1 << 20), "used_memory {used} over the 20mb limit");
    assert!(used >= LIMIT / 2, "used_memory {used}: eviction went far below the limit");
    let keys = (WRITTEN / VALUE_LEN) as u64;
    // Every command may evict first: read both figures in one transaction.
    let (dbsize, evicted) = dbsize_and_evicted(&mut client);
    assert!(evicted > keys / 2, "evicted_keys {evicted}");
    assert_eq!(dbsize + evicted, keys, "every key is either kept or evicted");
    let peak = info_u64(&mut client, "memory", "used_memory_peak");
    assert!(peak >= used && peak <= LIMIT + (4 << 20), "used_memory_peak {peak}");
    let rss_mib = server.rss_kib().unwrap() / 1024;
    assert!(rss_mib < 80, "RSS {rss_mib} MiB after writing 100 MiB under a 20 MiB limit");

    // The most recent key survived (LRU); the keys written before the clock tick went. Sampling is
    // approximate: in Redis as in rds an older key survives now and then (about one run in ten).
    let last = format!("key:{:08}", keys - 1);
    assert_eq!(client.cmd_str(&["STRLEN", &last]), format!(":{VALUE_LEN}\r\n"));
    let older: Vec<String> = (0..OLDER_KEYS).map(|i| format!("key:{i:08}")).collect();
    let exists: Vec<&str> = std::iter::once("EXISTS").chain(older.iter().map(String::as_str)).collect();
    let kept: usize = client.cmd_str(&exists).trim_start_matches(':').trim_end().parse().unwrap();
    assert!(kept <= OLDER_KEYS / 100, "{kept} of the {OLDER_KEYS} older keys survived");

    assert_eq!(client.cmd_str(&["CONFIG", "SET", "maxmemory-policy", "noeviction", "maxmemory", "1mb"]), "+OK\r\n");
    let evicted = info_u64(&mut client, "stats", "evicted_keys");
    assert_eq!(client.cmd_str(&["SET", "new", "value"]), OOM);
    assert_eq!(client.cmd_str(&["INCR", "counter"]), OOM);
    assert_eq!(client.cmd_str(&["STRLEN", &last]), format!(":{VALUE_LEN}\r\n"), "reads still work");
    assert_eq!(client.cmd_str(&["DEL", &last]), ":1\r\n", "deletes still work");
    assert_eq!(info_u64(&mut client, "stats", "evicted_keys"), evicted, "noeviction evicts nothing");
    let errors = client.cmd_str(&["INFO", "errorstats"]);
    assert!(errors.contains("errorstat_OOM:count=2\r\n"), "{errors}");
}
