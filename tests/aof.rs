//! End-to-end tests of the Redis 7.0 multi-part AOF with the real binaries: the files and manifest
//! match what redis-server writes byte for byte, real Redis and rds load each other's AOF directory,
//! `redis-check-aof` accepts ours, acknowledged writes survive `kill -9` with `appendfsync always`,
//! a killed rewrite leaves loadable files, and damaged files are truncated or refused like Redis does.

#![allow(clippy::unwrap_used)]

mod persist_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use persist_support::{digest, fill_every_type, rds, start, start_failing};
use rds_testkit::util::find_in_path;
use rds_testkit::{require_redis, wait_until, Client, TempDir, TestServer};

const AOF: [&str; 2] = ["--appendonly", "yes"];
/// For comparing file bytes right after the replies: with `everysec`, real Redis postpones its write(2)
/// for up to 2 s while a background fsync runs, so the file a client reads may lag its replies.
const AOF_ALWAYS: [&str; 4] = ["--appendonly", "yes", "--appendfsync", "always"];

fn aof_dir(dir: &Path) -> PathBuf {
    dir.join("appendonlydir")
}

fn read(path: PathBuf) -> String {
    String::from_utf8_lossy(&std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display())))
        .into_owned()
}

fn aof_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = match std::fs::read_dir(aof_dir(dir)) {
        Ok(entries) => entries.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}

fn with_aof<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = AOF.to_vec();
    args.extend_from_slice(extra);
    args
}

fn stop(server: &mut TestServer) {
    let mut c = server.client();
    c.send_cmd(&["SHUTDOWN", "NOSAVE"]).unwrap();
    assert!(server.wait_exit(Duration::from_secs(10)).is_some());
}

/// Commands whose effects are deterministic, so the incr files can be compared byte for byte.
const SCRIPT: &[&[&str]] = &[
    &["SET", "a", "1"],
    &["incr", "a"],
    &["INCRBYFLOAT", "f", "1.5"],
    &["RPUSH", "l", "x", "y", "z"],
    &["LPOP", "l"],
    &["HSET", "h", "f", "v"],
    &["SADD", "s", "m1", "m2"],
    &["ZADD", "z", "1", "m"],
    &["EXPIREAT", "z", "9999999999"],
    &["DEL", "a", "nokey"],
    &["GETDEL", "nokey"],
    &["SELECT", "3"],
    &["SET", "b", "2"],
    &["MULTI"],
    &["SET", "c", "1"],
    &["SET", "d", "2"],
    &["EXEC"],
    &["SELECT", "0"],
    &["APPEND", "s2", "hello"],
    &["SETRANGE", "s2", "0", "J"],
    &["FLUSHDB"],
    &["SET", "e", "v"],
];

fn run_script(c: &mut Client) {
    for argv in SCRIPT {
        let reply = c.cmd_str(argv);
        assert!(!reply.starts_with('-'), "{argv:?}: {reply}");
    }
}

#[test]
fn files_and_manifest_match_redis_byte_for_byte() {
    let Some(bins) = require_redis() else { return };
    let mut outputs = Vec::new();
    for program in [rds(), bins.server.clone()] {
        let dir = TempDir::new("rds-aof-bytes").unwrap();
        let mut server = start(&program, dir.path(), &AOF_ALWAYS);
        run_script(&mut server.client());
        assert_eq!(
            aof_files(dir.path()),
            ["appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest"]
        );
        let incr = read(aof_dir(dir.path()).join("appendonly.aof.1.incr.aof"));
        let manifest = read(aof_dir(dir.path()).join("appendonly.aof.manifest"));
        let mut c = server.client();
        assert_eq!(c.cmd_str(&["BGREWRITEAOF"]), "+Background append only file rewriting started\r\n");
        assert!(wait_until(Duration::from_secs(10), || aof_files(dir.path())
            .contains(&"appendonly.aof.2.base.rdb".to_string())));
        assert!(wait_until(Duration::from_secs(10), || !c
            .cmd_str(&["INFO", "persistence"])
            .contains("aof_rewrite_in_progress:1")));
        c.cmd_str(&["SET", "after", "rewrite"]);
        let after = (aof_files(dir.path()), read(aof_dir(dir.path()).join("appendonly.aof.manifest")));
        let incr2 = read(aof_dir(dir.path()).join("appendonly.aof.2.incr.aof"));
        stop(&mut server);
        outputs.push((incr, manifest, after, incr2));
    }
    assert_eq!(outputs[0], outputs[1], "rds (left) and redis-server (right) wrote different files");
}

#[test]
fn real_redis_loads_our_aof_and_we_load_theirs() {
    let Some(bins) = require_redis() else { return };
    let dir = TempDir::new("rds-aof-interop").unwrap();
    let expected = {
        let mut server = start(&rds(), dir.path(), &AOF);
        let mut c = server.client();
        fill_every_type(&mut c);
        assert_eq!(c.cmd_str(&["BGREWRITEAOF"]), "+Background append only file rewriting started\r\n");
        assert!(wait_until(Duration::from_secs(10), || !c
            .cmd_str(&["INFO", "persistence"])
            .contains("aof_rewrite_in_progress:1")));
        run_script(&mut c);
        let expected = digest(&mut c);
        stop(&mut server);
        expected
    };
    if let Some(check) = find_in_path("redis-check-aof") {
        let output = Command::new(check).arg(aof_dir(dir.path()).join("appendonly.aof.manifest")).output().unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && text.contains("All AOF files and manifest are valid"),
            "redis-check-aof: {text}"
        );
    }
    let expected = {
        let mut server = start(&bins.server, dir.path(), &AOF);
        let mut c = server.client();
        assert_eq!(digest(&mut c), expected, "real Redis loaded our AOF");
        c.cmd_str(&["RPUSH", "from-redis", "1"]);
        let expected = digest(&mut c);
        stop(&mut server);
        expected
    };
    let server = start(&rds(), dir.path(), &AOF);
    assert_eq!(digest(&mut server.client()), expected, "we loaded real Redis's AOF");
}

#[test]
fn appendfsync_always_keeps_every_acknowledged_write_across_kill_9() {
    let dir = TempDir::new("rds-aof-always").unwrap();
    let mut server = start(&rds(), dir.path(), &with_aof(&["--appendfsync", "always"]));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let stop_flag = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|thread| {
            let (acked, stop_flag, port) = (acked.clone(), stop_flag.clone(), server.port());
            std::thread::spawn(move || {
                let mut c = Client::connect(port).unwrap();
                c.set_timeout(Duration::from_secs(5)).unwrap();
                for i in 0.. {
                    if stop_flag.load(Ordering::Relaxed) {
                        return;
                    }
                    let key = format!("k:{thread}:{i}");
                    match c.try_cmd(&["SET", key.as_str(), &i.to_string()]) {
                        Ok(reply) if reply == b"+OK\r\n" => acked.lock().unwrap().push((key, i)),
                        _ => return,
                    }
                }
            })
        })
        .collect();
    assert!(wait_until(Duration::from_secs(30), || acked.lock().unwrap().len() >= 400));
    server.signal("KILL").unwrap();
    server.wait_exit(Duration::from_secs(10)).unwrap();
    stop_flag.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let server = start(&rds(), dir.path(), &AOF);
    let mut c = server.client();
    for (key, value) in &acked {
        assert_eq!(c.cmd_str(&["GET", key]), format!("${}\r\n{value}\r\n", value.to_string().len()), "{key}");
    }
}

#[test]
fn kill_9_during_a_rewrite_keeps_the_aof_loadable_and_the_restart_removes_temp_files() {
    let dir = TempDir::new("rds-aof-kill-rewrite").unwrap();
    let expected = {
        let mut server = start(&rds(), dir.path(), &AOF);
        let mut c = persist_support::slow_client(&server);
        // DEBUG POPULATE is not propagated: a first rewrite puts the keys into the base.
        assert_eq!(c.cmd_str(&["DEBUG", "POPULATE", "100000", "key", "100"]), "+OK\r\n");
        assert_eq!(c.cmd_str(&["BGREWRITEAOF"]), "+Background append only file rewriting started\r\n");
        assert!(wait_until(Duration::from_secs(30), || !c
            .cmd_str(&["INFO", "persistence"])
            .contains("aof_rewrite_in_progress:1")));
        fill_every_type(&mut c);
        let expected = digest(&mut c);
        assert_eq!(c.cmd_str(&["BGREWRITEAOF"]), "+Background append only file rewriting started\r\n");
        c.cmd_str(&["SET", "during", "rewrite"]);
        let expected_with_write = digest(&mut c);
        assert!(wait_until(Duration::from_secs(5), || persist_support::files(dir.path())
            .iter()
            .any(|f| f.starts_with("temp-rewriteaof-bg-"))));
        server.signal("KILL").unwrap();
        server.wait_exit(Duration::from_secs(10)).unwrap();
        assert_ne!(expected, expected_with_write);
        expected_with_write
    };
    let server = start(&rds(), dir.path(), &AOF);
    assert_eq!(digest(&mut persist_support::slow_client(&server)), expected, "every write before the kill is back");
    assert!(
        persist_support::files(dir.path()).iter().all(|f| !f.starts_with("temp-")),
        "{:?}",
        persist_support::files(dir.path())
    );
    assert!(aof_files(dir.path()).iter().all(|f| !f.starts_with("temp-")), "{:?}", aof_files(dir.path()));
}

/// Starts `program` with the AOF on `dir`, writes `a`, stops it, and returns the incr file's path.
fn make_aof(program: &Path, dir: &Path) -> PathBuf {
    let mut server = start(program, dir, &AOF);
    server.client().cmd_str(&["SET", "a", "1"]);
    stop(&mut server);
    aof_dir(dir).join("appendonly.aof.1.incr.aof")
}

fn append(path: &Path, bytes: &[u8]) {
    use std::io::Write;
    std::fs::OpenOptions::new().append(true).open(path).unwrap().write_all(bytes).unwrap();
}

#[test]
fn a_torn_tail_is_truncated_exactly_like_redis_or_refused() {
    let Some(bins) = require_redis() else { return };
    let torn = b"*3\r\n$3\r\nset\r\n$1\r\nc\r\n$1";
    let multi = b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nset\r\n$1\r\nx\r\n$1\r\n1\r\n";
    for tail in [&torn[..], &multi[..]] {
        let mut sizes = Vec::new();
        for program in [rds(), bins.server.clone()] {
            let dir = TempDir::new("rds-aof-torn").unwrap();
            let incr = make_aof(&program, dir.path());
            let good = std::fs::metadata(&incr).unwrap().len();
            append(&incr, tail);
            let server = start(&program, dir.path(), &AOF);
            let mut c = server.client();
            assert_eq!(c.cmd_str(&["GET", "a"]), "$1\r\n1\r\n");
            assert_eq!(c.cmd_str(&["EXISTS", "x", "c"]), ":0\r\n");
            assert!(server.log().contains("loaded anyway because aof-load-truncated is enabled"), "{}", server.log());
            sizes.push((good, std::fs::metadata(&incr).unwrap().len()));
        }
        assert_eq!(sizes[0], sizes[1], "rds and Redis cut the file at the same offset");
        assert_eq!(sizes[0].0, sizes[0].1);
    }
    let dir = TempDir::new("rds-aof-torn-refused").unwrap();
    let incr = make_aof(&rds(), dir.path());
    let good = std::fs::metadata(&incr).unwrap().len();
    append(&incr, torn);
    let (status, log) = start_failing(&rds(), dir.path(), &with_aof(&["--aof-load-truncated", "no"]));
    assert!(!status.success());
    assert!(log.contains("Unexpected end of file reading the append only file appendonly.aof.1.incr.aof"), "{log}");
    assert!(log.contains(&format!("offset {good}")), "{log}");
    assert_eq!(std::fs::metadata(&incr).unwrap().len(), good + torn.len() as u64, "a refused file is left alone");
}

#[test]
fn damaged_aof_directories_refuse_to_start_naming_the_file() {
    // A manifest naming a file that does not exist.
    let dir = TempDir::new("rds-aof-missing").unwrap();
    make_aof(&rds(), dir.path());
    std::fs::remove_file(aof_dir(dir.path()).join("appendonly.aof.1.base.rdb")).unwrap();
    let (status, log) = start_failing(&rds(), dir.path(), &AOF);
    assert!(!status.success());
    assert!(log.contains("Unable to obtain the AOF file appendonly.aof.1.base.rdb length"), "{log}");
    // Garbage in an incr file.
    let dir = TempDir::new("rds-aof-garbage").unwrap();
    let incr = make_aof(&rds(), dir.path());
    append(&incr, b"this is not a command\r\n");
    let (status, log) = start_failing(&rds(), dir.path(), &AOF);
    assert!(!status.success());
    assert!(log.contains("Bad file format reading the append only file appendonly.aof.1.incr.aof"), "{log}");
    // An unknown command.
    let dir = TempDir::new("rds-aof-unknown").unwrap();
    let incr = make_aof(&rds(), dir.path());
    append(&incr, b"*1\r\n$7\r\nNOTACMD\r\n");
    let (status, log) = start_failing(&rds(), dir.path(), &AOF);
    assert!(!status.success());
    assert!(log.contains("Unknown command 'NOTACMD' reading the append only file appendonly.aof.1.incr.aof"), "{log}");
    // A broken manifest.
    let dir = TempDir::new("rds-aof-manifest").unwrap();
    make_aof(&rds(), dir.path());
    std::fs::write(aof_dir(dir.path()).join("appendonly.aof.manifest"), "file x seq 1 type x\n").unwrap();
    let (status, log) = start_failing(&rds(), dir.path(), &AOF);
    assert!(!status.success());
    assert!(log.contains("Unknown AOF file type") && log.contains("appendonly.aof.manifest"), "{log}");
    // A torn file that is not the last one.
    let dir = TempDir::new("rds-aof-torn-middle").unwrap();
    let incr = make_aof(&rds(), dir.path());
    append(&incr, b"*2\r\n$3\r\nDEL");
    let manifest = "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n";
    std::fs::write(aof_dir(dir.path()).join("appendonly.aof.manifest"), manifest).unwrap();
    std::fs::write(aof_dir(dir.path()).join("appendonly.aof.2.incr.aof"), "").unwrap();
    let (status, log) = start_failing(&rds(), dir.path(), &AOF);
    assert!(!status.success());
    assert!(log.contains("the truncated file is not the last file"), "{log}");
}

#[test]
fn turning_the_aof_on_at_runtime_rewrites_it_like_redis() {
    let dir = TempDir::new("rds-aof-runtime").unwrap();
    let expected = {
        let mut server = start(&rds(), dir.path(), &[]);
        let mut c = server.client();
        fill_every_type(&mut c);
        assert_eq!(c.cmd_str(&["CONFIG", "SET", "appendonly", "yes"]), "+OK\r\n");
        c.cmd_str(&["SET", "after", "enable"]);
        assert!(server.wait_for_log("Background AOF rewrite finished successfully", Duration::from_secs(10)));
        assert!(server.log().contains("Creating AOF incr file temp-appendonly.aof.incr on background rewrite"));
        assert_eq!(
            aof_files(dir.path()),
            ["appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest"]
        );
        c.cmd_str(&["SET", "after", "rewrite"]);
        let expected = digest(&mut c);
        stop(&mut server);
        expected
    };
    let server = start(&rds(), dir.path(), &AOF);
    assert_eq!(digest(&mut server.client()), expected);
}

#[test]
fn timestamps_commands_base_and_automatic_rewrites_load_in_redis_too() {
    let dir = TempDir::new("rds-aof-options").unwrap();
    let extra = with_aof(&[
        "--aof-timestamp-enabled",
        "yes",
        "--aof-use-rdb-preamble",
        "no",
        "--auto-aof-rewrite-min-size",
        "4096",
        "--auto-aof-rewrite-percentage",
        "100",
    ]);
    let expected = {
        let mut server = start(&rds(), dir.path(), &extra);
        let mut c = server.client();
        fill_every_type(&mut c);
        assert!(
            server.wait_for_log("Starting automatic rewriting of AOF on", Duration::from_secs(10)),
            "{}",
            server.log()
        );
        assert!(wait_until(Duration::from_secs(10), || aof_files(dir.path())
            .iter()
            .any(|f| f.ends_with(".base.aof") && !f.contains(".1."))));
        run_script(&mut c);
        let expected = digest(&mut c);
        stop(&mut server);
        expected
    };
    let manifest = read(aof_dir(dir.path()).join("appendonly.aof.manifest"));
    let incr = manifest.lines().last().unwrap().split(' ').nth(1).unwrap().to_string();
    assert!(read(aof_dir(dir.path()).join(incr)).starts_with("#TS:"));
    let server = start(&rds(), dir.path(), &extra);
    assert_eq!(digest(&mut server.client()), expected);
    drop(server);
    if let Some(bins) = require_redis() {
        let server = start(&bins.server, dir.path(), &extra);
        assert_eq!(digest(&mut server.client()), expected, "real Redis loads the commands base and annotations");
    }
}
