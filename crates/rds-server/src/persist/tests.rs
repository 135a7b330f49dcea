//! Unit tests of the snapshot engine and the RDB side of persistence, driven in-process.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rds_config::Config;
use rds_rdb::{Decoder, Item, LoadLimits};
use rds_storage::Value;

use super::snapshot::{AccessSave, SnapshotFormat, SnapshotJob};
use super::*;
use crate::testing::Harness;

/// A directory under the system temp dir, removed on drop.
pub(crate) struct TestDir(pub PathBuf);

impl TestDir {
    pub(crate) fn new(name: &str) -> Self {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let path = std::env::temp_dir().join(format!("rds-persist-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        TestDir(path)
    }

    pub(crate) fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A harness whose `dir` is `dir`, with extra config lines.
pub(crate) fn harness_in(dir: &Path, extra: &str) -> Harness {
    let text = format!("dir \"{}\"\nsave \"\"\nenable-debug-command yes\n{extra}\n", dir.display());
    Harness::with_config(Config::from_text(&text, "").unwrap())
}

/// A `Write` whose bytes the test can read after the writer thread is done.
#[derive(Clone, Default)]
struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn decode(bytes: &[u8]) -> Vec<(u64, Vec<u8>, Value, Option<i64>)> {
    let mut out = Vec::new();
    for item in Decoder::new(bytes, LoadLimits::default()).unwrap() {
        if let Item::Entry(e) = item.unwrap() {
            out.push((e.db, e.key.to_vec(), e.value, e.expire_ms));
        }
    }
    out.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    out
}

fn dataset(h: &Harness) -> Vec<(u64, Vec<u8>, Value, Option<i64>)> {
    let mut out = Vec::new();
    for (index, db) in h.state.keyspace.dbs.iter().enumerate() {
        for (key, entry) in db.iter() {
            let ttl = db.expire_at(key).map(|ms| ms as i64);
            out.push((index as u64, key.as_slice().to_vec(), entry.value.clone(), ttl));
        }
    }
    out.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    out
}

#[test]
fn snapshot_job_writes_the_dataset_as_it_was_when_it_began() {
    let mut h = Harness::new();
    for i in 0..3000 {
        h.run(&["SET", &format!("k{i}"), &format!("v{i}")]);
    }
    h.run(&["SELECT", "2"]);
    h.run(&["RPUSH", "list", "a", "b", "c"]);
    h.run(&["HSET", "hash", "f", "v"]);
    h.run(&["SADD", "set", "1", "2", "x"]);
    h.run(&["ZADD", "zset", "1.5", "m"]);
    h.run(&["SET", "ttl", "v", "PX", "100000"]);
    h.run(&["SELECT", "0"]);
    let before = dataset(&h);
    let buf = SharedBuf::default();
    let format = SnapshotFormat::Rdb { options: rds_rdb::EncodeOptions::default(), aux: rds_rdb::AuxFields::default() };
    let mut job =
        SnapshotJob::start(&mut h.state.keyspace, format, AccessSave::None, buf.clone(), Box::new(|w| w.map(drop)))
            .unwrap();
    let mut round = 0;
    loop {
        if let snapshot::Progress::Finished(result) = job.step(&mut h.state.keyspace, Duration::from_micros(50)) {
            assert_eq!(result.unwrap().keys, before.len() as u64);
            break;
        }
        round += 1;
        // Writes meanwhile: overwrite, delete, create, other databases, FLUSHDB of one.
        h.run(&["SET", &format!("k{}", round * 7 % 3000), "changed"]);
        h.run(&["DEL", &format!("k{}", round * 13 % 3000)]);
        h.run(&["SET", &format!("new{round}"), "x"]);
        if round == 3 {
            h.run(&["SELECT", "2"]);
            h.run(&["FLUSHDB"]);
            h.run(&["SELECT", "0"]);
        }
        std::thread::sleep(Duration::from_micros(100));
    }
    assert_eq!(decode(&buf.0.lock().unwrap()), before);
    assert!(h.state.keyspace.dbs.iter().all(|db| !db.in_snapshot() && db.snapshot_preimages.is_empty()));
}

/// A writer slower than the walk, so the channel fills up and the walk must wait for it.
#[derive(Clone, Default)]
struct SlowBuf(SharedBuf);

impl Write for SlowBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        std::thread::sleep(Duration::from_millis(2));
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_slow_writer_pauses_the_walk_and_still_gets_everything() {
    let mut h = Harness::new();
    let value = "v".repeat(1000);
    for i in 0..20_000 {
        h.run(&["SET", &format!("k{i}"), &value]);
    }
    let before = dataset(&h);
    let buf = SlowBuf::default();
    let format = SnapshotFormat::Rdb {
        options: rds_rdb::EncodeOptions { compression: false, checksum: true },
        aux: rds_rdb::AuxFields::default(),
    };
    let job =
        SnapshotJob::start(&mut h.state.keyspace, format, AccessSave::None, buf.clone(), Box::new(|w| w.map(drop)))
            .unwrap();
    let stats = job.run_to_end(&mut h.state.keyspace).unwrap();
    assert_eq!(stats.keys, 20_000);
    assert_eq!(decode(&buf.0 .0.lock().unwrap()), before);
}

#[test]
fn save_then_debug_reload_restores_the_same_digest() {
    let dir = TestDir::new("reload");
    let mut h = harness_in(&dir.0, "");
    h.run(&["DEBUG", "POPULATE", "500"]);
    h.run(&["RPUSH", "l", "a", "b"]);
    h.run(&["SET", "gone", "v", "PX", "1"]);
    h.run(&["SET", "stays", "v", "PX", "100000"]);
    std::thread::sleep(Duration::from_millis(5));
    h.run(&["SET", "other", "x"]);
    let digest_before = h.run(&["DEBUG", "DIGEST-VALUE", "l", "stays", "key:7"]);
    assert_eq!(h.run(&["SAVE"]), "+OK\r\n");
    assert!(dir.0.join("dump.rdb").exists());
    assert!(h.run(&["INFO", "persistence"]).contains("rdb_changes_since_last_save:0\r\n"));
    h.run(&["SET", "after", "save"]);
    assert_eq!(h.run(&["DEBUG", "RELOAD"]), "+OK\r\n");
    assert_eq!(h.run(&["DEBUG", "DIGEST-VALUE", "l", "stays", "key:7"]), digest_before);
    assert_eq!(h.run(&["EXISTS", "gone"]), ":0\r\n");
    assert_eq!(h.run(&["EXISTS", "after"]), ":1\r\n");
    assert_eq!(
        h.run(&["DEBUG", "RELOAD", "bogus"]),
        "-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.\r\n"
    );
    h.run(&["SET", "extra", "1"]);
    assert_eq!(h.run(&["DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE"]), "+OK\r\n");
    assert_eq!(h.run(&["EXISTS", "extra"]), ":1\r\n");
    assert_eq!(
        h.run(&["DEBUG", "RELOAD", "NOSAVE", "NOFLUSH"]),
        "-ERR Error trying to load the RDB dump, check server logs.\r\n",
        "a duplicate key without MERGE fails (Redis would crash)"
    );
    assert_eq!(dir.files(), vec!["dump.rdb"]);
}

#[test]
fn bgsave_replies_and_status_follow_redis() {
    let dir = TestDir::new("bgsave");
    let mut h = harness_in(&dir.0, "");
    h.run(&["DEBUG", "POPULATE", "20000"]);
    h.run(&["SET", "a", "1"]);
    h.expect_all(&[
        (&["BGSAVE", "foo"], "-ERR syntax error\r\n"),
        (&["BGSAVE", "schedule", "x"], "-ERR syntax error\r\n"),
        (&["BGSAVE"], "+Background saving started\r\n"),
        (&["BGSAVE"], "-ERR Background save already in progress\r\n"),
        (&["BGSAVE", "SCHEDULE"], "-ERR Background save already in progress\r\n"),
        (&["SAVE"], "-ERR Background save already in progress\r\n"),
        (&["BGREWRITEAOF"], "+Background append only file rewriting scheduled\r\n"),
    ]);
    let info = h.run(&["INFO", "persistence"]);
    assert!(info.contains("rdb_bgsave_in_progress:1\r\n"), "{info}");
    assert!(info.contains("current_save_keys_total:20001\r\n"), "{info}");
    h.state.persist.aof.rewrite_scheduled = false;
    h.run(&["SET", "b", "2"]);
    finish_jobs(&mut h.state);
    let info = h.run(&["INFO", "persistence"]);
    assert!(info.contains("rdb_bgsave_in_progress:0\r\n"), "{info}");
    assert!(info.contains("rdb_last_bgsave_status:ok\r\n"), "{info}");
    assert!(info.contains("rdb_changes_since_last_save:1\r\n"), "the write during BGSAVE stays dirty: {info}");
    assert!(info.contains("rdb_saves:1\r\n"), "{info}");
    assert_eq!(dir.files(), vec!["dump.rdb"]);
    let loaded = decode(&std::fs::read(dir.0.join("dump.rdb")).unwrap());
    assert_eq!(loaded.len(), 20001, "b was written after the snapshot began");
}

#[test]
fn bgsave_inside_exec_is_scheduled_and_runs_later() {
    let dir = TestDir::new("sched");
    let mut h = harness_in(&dir.0, "");
    h.run(&["SET", "a", "1"]);
    h.run(&["MULTI"]);
    h.run(&["BGSAVE"]);
    assert_eq!(h.run(&["EXEC"]), "*1\r\n+Background saving scheduled\r\n");
    assert!(h.state.persist.job.is_none() && h.state.persist.rdb.bgsave_scheduled);
    cron(&mut h.state);
    assert!(h.state.persist.bgsave_in_progress());
    finish_jobs(&mut h.state);
    assert!(dir.0.join("dump.rdb").exists());
}

#[test]
fn save_points_start_a_bgsave_after_enough_changes_and_time() {
    let dir = TestDir::new("points");
    let mut h = harness_in(&dir.0, "save 2 3");
    h.run(&["SET", "a", "1"]);
    h.run(&["SET", "a", "2"]);
    h.state.last_save_secs -= 10;
    cron(&mut h.state);
    assert!(h.state.persist.job.is_none(), "2 changes < 3");
    h.run(&["SET", "a", "3"]);
    h.state.last_save_secs = now_ms() / 1000 - 2;
    cron(&mut h.state);
    assert!(h.state.persist.job.is_none(), "2 seconds is not more than 2");
    h.state.last_save_secs -= 1;
    cron(&mut h.state);
    assert!(h.state.persist.bgsave_in_progress());
    finish_jobs(&mut h.state);
    assert_eq!(h.state.dirty, 0);
    assert_eq!(h.state.last_save_secs, now_ms() / 1000);
}

#[test]
fn failed_bgsave_makes_writes_and_ping_fail_with_misconf() {
    let dir = TestDir::new("misconf");
    let mut h = harness_in(&dir.0, "save 3600 1");
    std::fs::create_dir(dir.0.join("dump.rdb")).unwrap();
    h.run(&["SET", "a", "1"]);
    assert_eq!(h.run(&["SAVE"]), "-ERR\r\n");
    assert_eq!(h.run(&["BGSAVE"]), "+Background saving started\r\n");
    finish_jobs(&mut h.state);
    let misconf = format!("-{MISCONF_RDB}\r\n");
    h.expect_all(&[
        (&["SET", "b", "2"], &misconf),
        (&["PING"], &misconf),
        (&["GET", "a"], "$1\r\n1\r\n"),
        (&["MULTI"], "+OK\r\n"),
        (&["SET", "a", "2"], &misconf),
        (&["EXEC"], "-EXECABORT Transaction discarded because of previous errors.\r\n"),
        (&["SHUTDOWN"], "-ERR Errors trying to SHUTDOWN. Check logs.\r\n"),
        (&["CONFIG", "SET", "stop-writes-on-bgsave-error", "no"], "+OK\r\n"),
        (&["SET", "b", "2"], "+OK\r\n"),
    ]);
    assert!(h.run(&["INFO", "persistence"]).contains("rdb_last_bgsave_status:err\r\n"));
    assert!(!h.state.shutdown_requested);
    assert_eq!(dir.files(), vec!["dump.rdb"], "no temporary file is left behind");
}

#[test]
fn commands_without_the_loading_flag_get_loading_while_the_dataset_loads() {
    let mut h = Harness::new();
    h.state.persist.loading = Some(Loading { started_secs: now_ms() / 1000, total_bytes: 100, ..Loading::default() });
    assert_eq!(h.run(&["GET", "a"]), "-LOADING Redis is loading the dataset in memory\r\n");
    assert_eq!(h.run(&["PING"]), "-LOADING Redis is loading the dataset in memory\r\n");
    let info = h.run(&["INFO", "persistence"]);
    assert!(info.contains("loading:1\r\n") && info.contains("loading_total_bytes:100\r\n"), "{info}");
    h.state.persist.loading = None;
    assert_eq!(h.run(&["PING"]), "+PONG\r\n");
}

#[test]
fn flushall_with_save_points_saves_and_aborts_a_running_bgsave() {
    let dir = TestDir::new("flushall");
    let mut h = harness_in(&dir.0, "save 3600 1");
    h.run(&["DEBUG", "POPULATE", "50000"]);
    h.run(&["SET", "x", "1"]);
    assert_eq!(h.run(&["BGSAVE"]), "+Background saving started\r\n");
    assert_eq!(h.run(&["FLUSHALL"]), "+OK\r\n");
    assert!(h.state.persist.job.is_none());
    assert_eq!(h.state.dirty, 0);
    assert_eq!(dir.files(), vec!["dump.rdb"]);
    assert!(decode(&std::fs::read(dir.0.join("dump.rdb")).unwrap()).is_empty());
}

#[test]
fn loading_drops_expired_keys_unless_asked_to_keep_them() {
    let dir = TestDir::new("expired");
    let mut h = harness_in(&dir.0, "");
    h.run(&["SET", "old", "v", "PX", "1"]);
    h.run(&["SET", "new", "v"]);
    std::thread::sleep(Duration::from_millis(5));
    h.run(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    let path = dir.0.join("dump.rdb");
    rdb::write_dataset(&h.state, &path, false).unwrap();
    h.run(&["FLUSHALL"]);
    let report = load::load_file_now(&mut h.state, &path, load::LoadOptions::default()).unwrap().unwrap();
    assert_eq!((report.keys_loaded, report.keys_expired), (1, 1));
    h.run(&["FLUSHALL"]);
    let keep = load::LoadOptions { keep_expired: true, merge: false };
    let report = load::load_file_now(&mut h.state, &path, keep).unwrap().unwrap();
    assert_eq!((report.keys_loaded, report.keys_expired), (2, 0));
}

#[test]
fn a_corrupt_file_is_reported_with_its_name_and_offset() {
    let dir = TestDir::new("corrupt");
    let mut h = harness_in(&dir.0, "");
    h.run(&["DEBUG", "POPULATE", "100"]);
    let path = dir.0.join("dump.rdb");
    rdb::write_dataset(&h.state, &path, false).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let error =
        load::load_file_now(&mut h.state, &path, load::LoadOptions { merge: true, ..Default::default() }).unwrap_err();
    assert!(error.to_string().contains("Short read"), "{error}");
    assert!(error.to_string().contains("dump.rdb") && error.offset > 0, "{error}");
    let mut flipped = bytes.clone();
    // The last byte of the last value, just before EOF and the checksum: only the checksum can tell.
    flipped[bytes.len() - 10] ^= 1;
    std::fs::write(&path, &flipped).unwrap();
    let error =
        load::load_file_now(&mut h.state, &path, load::LoadOptions { merge: true, ..Default::default() }).unwrap_err();
    assert!(error.reason.starts_with("Wrong RDB checksum expected: ("), "{error}");
}

#[test]
fn external_jobs_report_to_their_token_and_exclude_each_other() {
    let mut h = Harness::new();
    h.run(&["SET", "k", "v"]);
    let buf = SharedBuf::default();
    let aux = rds_rdb::AuxFields::default();
    let token = start_external(&mut h.state, aux.clone(), buf.clone(), Box::new(|w| w.map(drop))).unwrap();
    let busy = start_external(&mut h.state, aux, buf.clone(), Box::new(|w| w.map(drop)));
    assert_eq!(busy.unwrap_err(), StartError::Busy);
    finish_jobs(&mut h.state);
    assert_eq!(h.state.persist.external_results.len(), 1);
    assert_eq!(h.state.persist.external_results[0].0, token);
    assert_eq!(decode(&buf.0.lock().unwrap()).len(), 1);
}
