use super::*;
use crate::memory::Accounting;
use crate::testing::Harness;

fn int_reply(reply: &str) -> i64 {
    reply.strip_prefix(':').and_then(|r| r.trim_end().parse().ok()).unwrap_or(-1)
}

#[test]
fn usage_validates_options_before_the_lookup() {
    let mut h = Harness::new();
    h.expect_all(&[
        (&["MEMORY", "USAGE"], "-ERR wrong number of arguments for 'memory|usage' command\r\n"),
        (&["MEMORY", "USAGE", "nokey"], "$-1\r\n"),
        (&["MEMORY", "USAGE", "nokey", "SAMPLES", "x"], "-ERR value is not an integer or out of range\r\n"),
        (&["MEMORY", "USAGE", "nokey", "bogus"], "-ERR syntax error\r\n"),
        (&["SET", "foo", "bar"], "+OK\r\n"),
        (&["MEMORY", "USAGE", "foo", "samples"], "-ERR syntax error\r\n"),
        (&["MEMORY", "USAGE", "foo", "samples", "-1"], "-ERR syntax error\r\n"),
        (&["MEMORY", "USAGE", "foo", "bogus", "1"], "-ERR syntax error\r\n"),
    ]);
    let plain = int_reply(&h.run(&["MEMORY", "USAGE", "foo"]));
    assert!(plain > 0);
    assert_eq!(int_reply(&h.run(&["MEMORY", "USAGE", "foo", "SAMPLES", "0"])), plain);
    assert_eq!(int_reply(&h.run(&["memory", "usage", "foo", "samples", "1", "samples", "2"])), plain);
    h.run(&["SET", "big", &"x".repeat(10_000)]);
    let big = int_reply(&h.run(&["MEMORY", "USAGE", "big"]));
    assert!(big >= plain + 10_000, "{big} vs {plain}");
    assert_eq!(Harness::new().resp3().run(&["MEMORY", "USAGE", "nokey"]), "_\r\n");
}

#[test]
fn usage_reports_expired_keys_still_present_like_redis() {
    let mut h = Harness::new();
    h.run(&["SET", "k", "v", "PX", "1"]);
    std::thread::sleep(std::time::Duration::from_millis(5));
    assert!(h.run(&["MEMORY", "USAGE", "k"]).starts_with(':'));
}

#[test]
fn help_and_allocator_commands() {
    let mut h = Harness::new();
    let help = h.run(&["MEMORY", "HELP"]);
    assert!(help.starts_with("*14\r\n+MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"), "{help}");
    assert!(help.ends_with("+HELP\r\n+    Prints this help.\r\n"), "{help}");
    h.expect_all(&[
        (&["MEMORY", "PURGE"], "+OK\r\n"),
        (&["MEMORY", "MALLOC-STATS"], "$45\r\nStats not supported for the current allocator\r\n"),
        (&["MEMORY", "DOCTOR", "x"], "-ERR wrong number of arguments for 'memory|doctor' command\r\n"),
        (&["MEMORY", "STATS", "x"], "-ERR wrong number of arguments for 'memory|stats' command\r\n"),
        (&["MEMORY"], "-ERR wrong number of arguments for 'memory' command\r\n"),
        (&["MEMORY", "bogus"], "-ERR unknown subcommand 'bogus'. Try MEMORY HELP.\r\n"),
    ]);
}

#[test]
fn stats_lists_redis_fields_with_one_entry_per_used_database() {
    let mut h = Harness::new().resp3();
    h.state.memory = Accounting::dataset(1 << 20);
    h.run(&["SET", "a", "1"]);
    h.run(&["SELECT", "3"]);
    h.run(&["SET", "b", "2"]);
    let stats = h.run(&["MEMORY", "STATS"]);
    assert!(stats.starts_with("%29\r\n$14\r\npeak.allocated\r\n:"), "{stats}");
    let names: Vec<&str> = stats.lines().filter(|l| !l.starts_with(['$', ':', ',', '%', '*'])).collect();
    let expected = [
        "peak.allocated",
        "total.allocated",
        "startup.allocated",
        "replication.backlog",
        "clients.slaves",
        "clients.normal",
        "cluster.links",
        "aof.buffer",
        "lua.caches",
        "functions.caches",
        "db.0",
        "overhead.hashtable.main",
        "overhead.hashtable.expires",
        "overhead.hashtable.slot-to-keys",
        "db.3",
        "overhead.hashtable.main",
        "overhead.hashtable.expires",
        "overhead.hashtable.slot-to-keys",
        "overhead.total",
        "keys.count",
        "keys.bytes-per-key",
        "dataset.bytes",
        "dataset.percentage",
        "peak.percentage",
        "allocator.allocated",
        "allocator.active",
        "allocator.resident",
        "allocator-fragmentation.ratio",
        "allocator-fragmentation.bytes",
        "allocator-rss.ratio",
        "allocator-rss.bytes",
        "rss-overhead.ratio",
        "rss-overhead.bytes",
        "fragmentation",
        "fragmentation.bytes",
    ];
    assert_eq!(names, expected);
    assert!(stats.contains("$17\r\nstartup.allocated\r\n:1048576\r\n"), "{stats}");
    assert!(stats.contains("$10\r\nkeys.count\r\n:2\r\n"), "{stats}");
    assert!(stats.contains("$18\r\ndataset.percentage\r\n,"), "{stats}");
    h.run(&["FLUSHALL"]);
    let mut h2 = Harness::new();
    assert!(h2.run(&["MEMORY", "STATS"]).starts_with("*54\r\n"), "RESP2: a flat array, no db entries");
}

#[test]
fn doctor_reports_like_redis() {
    let mut h = Harness::new();
    h.state.memory = Accounting::dataset(0);
    let reply = h.run(&["MEMORY", "DOCTOR"]);
    assert_eq!(reply, format!("${}\r\n{DOCTOR_EMPTY}\r\n", DOCTOR_EMPTY.len()));
    let healthy =
        Breakdown { used: 100 << 20, peak: 110 << 20, rss: 105 << 20, client_counts: (0, 1), ..Default::default() };
    assert_eq!(doctor_report(&healthy), DOCTOR_FINE);
    let troubled = Breakdown {
        used: 10 << 20,
        peak: 40 << 20,
        rss: 60 << 20,
        clients_normal: 1 << 20,
        client_counts: (0, 2),
        ..Default::default()
    };
    let report = doctor_report(&troubled);
    assert!(
        report.starts_with("Sam, I detected a few issues in this Redis instance memory implants:\n\n * Peak memory:")
    );
    assert!(report.contains(" * High total RSS: "));
    assert!(report.contains("The currently used allocator is \"libc\".\n\n"));
    assert!(report.contains(" * Big client buffers: "));
    assert!(!report.contains("replica buffers"));
    assert!(report.ends_with("I'm here to keep you safe, Sam. I want to help you.\n"));
}

#[test]
fn info_memory_reports_the_accounting() {
    let mut h = Harness::new();
    h.state.memory = Accounting::dataset(2 << 20);
    h.run(&["CONFIG", "SET", "maxmemory", "100mb", "maxmemory-policy", "allkeys-lru"]);
    h.run(&["SET", "k", &"x".repeat(1000)]);
    let info = h.run(&["INFO", "memory"]);
    let used = h.state.used_memory();
    assert!(used > (2 << 20) + 1000);
    for line in [
        format!("used_memory:{used}\r\n"),
        "used_memory_startup:2097152\r\n".to_string(),
        "maxmemory:104857600\r\nmaxmemory_human:100.00M\r\nmaxmemory_policy:allkeys-lru\r\n".to_string(),
        format!("used_memory_peak:{used}\r\n"),
    ] {
        assert!(info.contains(&line), "{line} in {info}");
    }
    h.run(&["DEL", "k"]);
    let info = h.run(&["INFO", "memory"]);
    assert!(info.contains(&format!("used_memory_peak:{used}\r\n")), "the peak stays: {info}");
    assert!(info.contains("mem_fragmentation_ratio:"), "{info}");
}
