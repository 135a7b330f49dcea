//! End-to-end tests of RDB persistence with the real binaries: SAVE / BGSAVE / save points, loading at
//! startup (with `-LOADING` meanwhile), SHUTDOWN and SIGTERM saves, crash safety under `kill -9`,
//! refusal of corrupt files, and round trips through a real redis-server 7.0 compared with DEBUG DIGEST.

#![allow(clippy::unwrap_used)]

mod persist_support;

use std::process::Command;
use std::time::{Duration, Instant};

use persist_support::{digest, files, fill_every_type, rds, slow_client, start, start_failing, ttls};
use rds_testkit::util::find_in_path;
use rds_testkit::{require_redis, wait_until, Client, ServerBuilder, TempDir};

#[test]
fn rdb_round_trips_rds_to_redis_to_rds_with_every_type_and_ttl() {
    let Some(bins) = require_redis() else { return };
    let dir = TempDir::new("rds-persist-roundtrip").unwrap();
    let (expected, expected_ttls) = {
        let server = start(&rds(), dir.path(), &[]);
        let mut c = server.client();
        fill_every_type(&mut c);
        assert_eq!(c.cmd_str(&["SAVE"]), "+OK\r\n");
        (digest(&mut c), ttls(&mut c))
    };
    if let Some(check) = find_in_path("redis-check-rdb") {
        let output = Command::new(check).arg(dir.path().join("dump.rdb")).output().unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success() && text.contains("RDB looks OK!"), "redis-check-rdb: {text}");
    }
    {
        let server = start(&bins.server, dir.path(), &[]);
        let mut c = server.client();
        assert_eq!(digest(&mut c), expected, "real Redis loaded our RDB");
        assert_eq!(ttls(&mut c), expected_ttls);
        assert_eq!(c.cmd_str(&["OBJECT", "ENCODING", "bigzset"]), "$8\r\nskiplist\r\n");
        assert_eq!(c.cmd_str(&["SAVE"]), "+OK\r\n");
    }
    let server = start(&rds(), dir.path(), &[]);
    let mut c = server.client();
    assert_eq!(digest(&mut c), expected, "we loaded real Redis's RDB");
    assert_eq!(ttls(&mut c), expected_ttls);
    for (key, encoding) in
        [("intset", "intset"), ("bigintset", "hashtable"), ("hash", "listpack"), ("zset", "listpack")]
    {
        assert_eq!(c.cmd_str(&["OBJECT", "ENCODING", key]), format!("${}\r\n{encoding}\r\n", encoding.len()), "{key}");
    }
}

#[test]
fn bgsave_writes_a_file_and_startup_loads_it_while_clients_get_loading() {
    let dir = TempDir::new("rds-persist-load").unwrap();
    let expected = {
        let server = start(&rds(), dir.path(), &[]);
        let mut c = slow_client(&server);
        assert_eq!(c.cmd_str(&["DEBUG", "POPULATE", "100000", "key", "64"]), "+OK\r\n");
        fill_every_type(&mut c);
        assert_eq!(c.cmd_str(&["BGSAVE"]), "+Background saving started\r\n");
        assert!(wait_until(Duration::from_secs(60), || {
            c.cmd_str(&["INFO", "persistence"]).contains("rdb_bgsave_in_progress:0")
        }));
        let info = c.cmd_str(&["INFO", "persistence"]);
        assert!(info.contains("rdb_last_bgsave_status:ok"), "{info}");
        assert!(server.log().contains("Background saving started"));
        assert!(server.wait_for_log("Background saving terminated with success", Duration::from_secs(5)));
        digest(&mut c)
    };
    assert_eq!(files(dir.path()), vec!["dump.rdb"]);
    let mut server = ServerBuilder::new(rds())
        .args(["--dir", dir.path().to_str().unwrap(), "--save", "", "--enable-debug-command", "yes"])
        .no_wait()
        .spawn()
        .unwrap();
    let mut saw_loading = false;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "never finished loading");
        assert!(server.try_wait().is_none(), "exited while loading");
        let Ok(mut c) = Client::connect(server.port()) else {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        };
        let reply = c.cmd_str(&["PING"]);
        if reply.starts_with("-LOADING Redis is loading the dataset in memory") {
            saw_loading = true;
            let info = c.cmd_str(&["INFO", "persistence"]);
            if info.contains("loading:1") {
                assert!(info.contains("loading_total_bytes:"), "{info}");
            }
            continue;
        }
        assert_eq!(reply, "+PONG\r\n");
        assert_eq!(digest(&mut c), expected);
        break;
    }
    assert!(saw_loading, "a client connected during loading gets -LOADING");
    assert!(server.log().contains("DB loaded from disk: "), "{}", server.log());
    server.kill();
}

#[test]
fn shutdown_and_sigterm_save_when_save_points_exist() {
    let dir = TempDir::new("rds-persist-shutdown").unwrap();
    let dir_arg = dir.path().to_str().unwrap();
    // SHUTDOWN NOSAVE never saves; SHUTDOWN SAVE always does.
    let mut server = start(&rds(), dir.path(), &["--save", "3600", "1"]);
    let mut c = server.client();
    c.cmd_str(&["SET", "a", "1"]);
    c.send_cmd(&["SHUTDOWN", "NOSAVE"]).unwrap();
    assert!(server.wait_exit(Duration::from_secs(10)).unwrap().success());
    assert!(!dir.path().join("dump.rdb").exists());
    let mut server = start(&rds(), dir.path(), &[]);
    let mut c = server.client();
    c.cmd_str(&["SET", "a", "2"]);
    c.send_cmd(&["SHUTDOWN", "SAVE"]).unwrap();
    assert!(server.wait_exit(Duration::from_secs(10)).unwrap().success());
    assert!(server.log().contains("Saving the final RDB snapshot before exiting."), "{}", server.log());
    // SIGTERM saves when save points exist.
    let mut server = start(&rds(), dir.path(), &["--save", "3600", "1"]);
    let mut c = server.client();
    assert_eq!(c.cmd_str(&["GET", "a"]), "$1\r\n2\r\n");
    c.cmd_str(&["SET", "a", "3"]);
    server.signal("TERM").unwrap();
    assert!(server.wait_exit(Duration::from_secs(10)).unwrap().success());
    assert!(server.log().contains("Received SIGTERM scheduling shutdown..."));
    assert!(server.log().contains("DB saved on disk"));
    let server = ServerBuilder::new(rds()).args(["--dir", dir_arg, "--save", ""]).spawn().unwrap();
    assert_eq!(server.client().cmd_str(&["GET", "a"]), "$1\r\n3\r\n");
}

#[test]
fn save_points_trigger_a_background_save() {
    let dir = TempDir::new("rds-persist-points").unwrap();
    let server = start(&rds(), dir.path(), &["--save", "1", "2"]);
    let mut c = server.client();
    c.cmd_str(&["SET", "a", "1"]);
    c.cmd_str(&["SET", "b", "2"]);
    assert!(server.wait_for_log("2 changes in 1 seconds. Saving...", Duration::from_secs(10)), "{}", server.log());
    assert!(wait_until(Duration::from_secs(10), || dir.path().join("dump.rdb").exists()));
    assert!(wait_until(Duration::from_secs(10), || c
        .cmd_str(&["INFO", "persistence"])
        .contains("rdb_changes_since_last_save:0")));
}

#[test]
fn failed_background_saves_stop_writes_with_misconf_until_a_save_succeeds() {
    let dir = TempDir::new("rds-persist-misconf").unwrap();
    let server = start(&rds(), dir.path(), &["--save", "3600", "1"]);
    let mut c = server.client();
    c.cmd_str(&["SET", "a", "1"]);
    std::fs::create_dir(dir.path().join("dump.rdb")).unwrap();
    assert_eq!(c.cmd_str(&["BGSAVE"]), "+Background saving started\r\n");
    assert!(wait_until(Duration::from_secs(10), || c
        .cmd_str(&["SET", "b", "2"])
        .starts_with("-MISCONF Redis is configured to save RDB snapshots")));
    assert!(c.cmd_str(&["PING"]).starts_with("-MISCONF"));
    assert_eq!(c.cmd_str(&["GET", "a"]), "$1\r\n1\r\n");
    assert!(server.log().contains("Background saving error"));
    std::fs::remove_dir(dir.path().join("dump.rdb")).unwrap();
    assert_eq!(c.cmd_str(&["BGSAVE"]), "+Background saving started\r\n");
    assert!(wait_until(Duration::from_secs(10), || c.cmd_str(&["SET", "b", "2"]) == "+OK\r\n"));
    assert_eq!(files(dir.path()), vec!["dump.rdb"]);
}

#[test]
fn kill_9_during_bgsave_keeps_the_previous_file_and_the_restart_removes_temp_files() {
    let dir = TempDir::new("rds-persist-kill").unwrap();
    let baseline = {
        let mut server = start(&rds(), dir.path(), &[]);
        let mut c = slow_client(&server);
        assert_eq!(c.cmd_str(&["DEBUG", "POPULATE", "100000", "key", "100"]), "+OK\r\n");
        assert_eq!(c.cmd_str(&["SAVE"]), "+OK\r\n");
        let baseline = digest(&mut c);
        c.cmd_str(&["SET", "marker", "after-save"]);
        assert_eq!(c.cmd_str(&["BGSAVE"]), "+Background saving started\r\n");
        // Kill while the temporary file is being written.
        wait_until(Duration::from_secs(5), || files(dir.path()).iter().any(|f| f.starts_with("temp-")));
        server.signal("KILL").unwrap();
        server.wait_exit(Duration::from_secs(10)).unwrap();
        baseline
    };
    let server = start(&rds(), dir.path(), &[]);
    let mut c = slow_client(&server);
    assert_eq!(digest(&mut c), baseline, "the file of the last completed save loads");
    assert_eq!(c.cmd_str(&["EXISTS", "marker"]), ":0\r\n");
    assert_eq!(files(dir.path()), vec!["dump.rdb"], "no temporary file survives the restart");
}

#[test]
fn corrupt_or_foreign_rdb_files_refuse_to_start_naming_the_file_and_offset() {
    let dir = TempDir::new("rds-persist-corrupt").unwrap();
    {
        let server = start(&rds(), dir.path(), &[]);
        let mut c = server.client();
        c.cmd_str(&["DEBUG", "POPULATE", "1000"]);
        assert_eq!(c.cmd_str(&["SAVE"]), "+OK\r\n");
    }
    let good = std::fs::read(dir.path().join("dump.rdb")).unwrap();
    let mut flipped = good.clone();
    let at = good.len() - 10;
    flipped[at] ^= 1;
    let mut magic = good.clone();
    magic[1] = b'A';
    let mut version = good.clone();
    version[5..9].copy_from_slice(b"0011");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated", good[..good.len() / 2].to_vec(), "Short read"),
        ("flipped", flipped, "Wrong RDB checksum expected"),
        ("magic", magic, "Wrong signature trying to load DB from file"),
        ("version", version, "Can't handle RDB format version 11"),
    ];
    for (name, bytes, message) in cases {
        let file = format!("{name}.rdb");
        std::fs::write(dir.path().join(&file), bytes).unwrap();
        let (status, log) = start_failing(&rds(), dir.path(), &["--dbfilename", &file]);
        assert!(!status.success(), "{name}: {status}");
        assert!(log.contains(message), "{name}: {log}");
        assert!(log.contains(&file) && log.contains("offset"), "{name} names the file and the offset: {log}");
        assert!(!log.contains("Ready to accept connections"), "{name}: {log}");
    }
}

#[test]
fn bgsave_does_not_stall_clients() {
    let dir = TempDir::new("rds-persist-latency").unwrap();
    let server = start(&rds(), dir.path(), &[]);
    let mut c = slow_client(&server);
    assert_eq!(c.cmd_str(&["DEBUG", "POPULATE", "100000", "key", "64"]), "+OK\r\n");
    let mut probe = server.client();
    assert_eq!(c.cmd_str(&["BGSAVE"]), "+Background saving started\r\n");
    let mut worst = Duration::ZERO;
    let mut during = 0;
    while c.cmd_str(&["INFO", "persistence"]).contains("rdb_bgsave_in_progress:1") {
        let started = Instant::now();
        assert_eq!(probe.cmd_str(&["GET", "key:42"]).len(), 64 + 7);
        worst = worst.max(started.elapsed());
        during += 1;
    }
    // A save that stalled clients would let only a probe or two through while it runs.
    assert!(during > 20, "only {during} GETs were served during BGSAVE");
    // Generous for a debug build on a loaded 2-core machine: a stall would be the whole save.
    assert!(worst < Duration::from_millis(500), "worst GET latency during BGSAVE: {worst:?}");
}
