//! In-process tests of the AOF: files written, fsync barriers, rewrites, turning it on and off, loading.

use super::load::{debug_loadaof, open_on_start};
use super::manifest::Manifest;
use super::*;
use crate::persist::tests::{harness_in, TestDir};
use crate::persist::{after_batch, finish_jobs};
use crate::testing::Harness;

fn aof_harness(dir: &TestDir, extra: &str) -> Harness {
    let mut h = harness_in(&dir.0, &format!("appendonly yes\n{extra}"));
    open_on_start(&mut h.state, Manifest::default()).unwrap();
    h
}

fn run(h: &mut Harness, words: &[&str]) -> String {
    let reply = h.run(words);
    after_batch(&mut h.state);
    reply
}

fn aof_file(dir: &TestDir, name: &str) -> String {
    String::from_utf8_lossy(&std::fs::read(dir.0.join("appendonlydir").join(name)).unwrap()).into_owned()
}

#[test]
fn startup_creates_the_files_and_batches_append_the_effects() {
    let dir = TestDir::new("aof-start");
    let mut h = aof_harness(&dir, "appendfsync always");
    let files = std::fs::read_dir(dir.0.join("appendonlydir")).unwrap().count();
    assert_eq!(files, 3);
    assert_eq!(
        aof_file(&dir, "appendonly.aof.manifest"),
        "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
    );
    assert_eq!(run(&mut h, &["SET", "a", "1"]), "+OK\r\n");
    assert_eq!(run(&mut h, &["GET", "a"]), "$1\r\n1\r\n");
    assert_eq!(
        aof_file(&dir, "appendonly.aof.1.incr.aof"),
        "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    // The reply of the write may only leave once the fsync thread has synced it.
    if let Some(barrier) = barrier(&mut h.state) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime
            .block_on(async { tokio::time::timeout(std::time::Duration::from_secs(5), barrier.wait()).await.unwrap() });
    }
    assert!(barrier(&mut h.state).is_none(), "everything written is synced");
    let info = h.run(&["INFO", "persistence"]);
    assert!(info.contains("aof_enabled:1\r\n") && info.contains("aof_current_size:"), "{info}");
}

#[test]
fn a_rewrite_swaps_base_and_incr_and_the_files_load_back() {
    let dir = TestDir::new("aof-rewrite");
    let mut h = aof_harness(&dir, "");
    run(&mut h, &["RPUSH", "l", "a", "b"]);
    run(&mut h, &["SELECT", "2"]);
    run(&mut h, &["HSET", "h", "f", "v"]);
    assert_eq!(run(&mut h, &["BGREWRITEAOF"]), "+Background append only file rewriting started\r\n");
    // Written during the rewrite: lands in the new incr file, which starts with its own SELECT.
    run(&mut h, &["SET", "during", "x"]);
    finish_jobs(&mut h.state);
    assert_eq!(
        aof_file(&dir, "appendonly.aof.manifest"),
        "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
    );
    assert!(aof_file(&dir, "appendonly.aof.2.incr.aof").starts_with("*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*3\r\n$3\r\nSET"));
    assert!(!dir.0.join("appendonlydir").join("appendonly.aof.1.incr.aof").exists(), "history is deleted");
    let digest = h.run(&["DEBUG", "DIGEST"]);
    debug_loadaof(&mut h.state).unwrap();
    assert_eq!(h.run(&["DEBUG", "DIGEST"]), digest);
    assert!(h.run(&["INFO", "persistence"]).contains("aof_rewrites:1\r\n"));
}

#[test]
fn config_set_appendonly_turns_it_on_with_a_rewrite_and_off_again() {
    let dir = TestDir::new("aof-toggle");
    let mut h = harness_in(&dir.0, "");
    run(&mut h, &["SET", "before", "1"]);
    assert_eq!(run(&mut h, &["CONFIG", "SET", "appendonly", "yes"]), "+OK\r\n");
    assert_eq!(h.state.persist.aof.status, Status::WaitRewrite);
    run(&mut h, &["SET", "while", "2"]);
    finish_jobs(&mut h.state);
    assert_eq!(h.state.persist.aof.status, Status::On);
    assert_eq!(
        aof_file(&dir, "appendonly.aof.1.incr.aof"),
        "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$5\r\nwhile\r\n$1\r\n2\r\n"
    );
    assert_eq!(run(&mut h, &["CONFIG", "SET", "appendonly", "no"]), "+OK\r\n");
    run(&mut h, &["SET", "after", "3"]);
    assert_eq!(h.state.persist.aof.status, Status::Off);
    assert!(!aof_file(&dir, "appendonly.aof.1.incr.aof").contains("after"));
    assert!(h.run(&["INFO", "persistence"]).contains("aof_enabled:0\r\n"));
}

#[test]
fn replay_keeps_time_frozen_and_transactions_whole() {
    let dir = TestDir::new("aof-replay");
    let mut h = aof_harness(&dir, "");
    run(&mut h, &["SET", "k", "5"]);
    // A TTL in the past when replayed: kept (like Redis while loading), so PERSIST afterwards saves it.
    run(&mut h, &["PEXPIREAT", "k", &(crate::state::now_ms() + 5).to_string()]);
    run(&mut h, &["PERSIST", "k"]);
    run(&mut h, &["MULTI"]);
    run(&mut h, &["INCR", "k"]);
    run(&mut h, &["INCR", "k"]);
    run(&mut h, &["EXEC"]);
    std::thread::sleep(std::time::Duration::from_millis(10));
    debug_loadaof(&mut h.state).unwrap();
    assert_eq!(h.run(&["GET", "k"]), "$1\r\n7\r\n");
    assert_eq!(h.run(&["TTL", "k"]), ":-1\r\n");
}

#[test]
fn a_torn_tail_is_cut_and_an_incomplete_transaction_reverted() {
    let dir = TestDir::new("aof-torn");
    let mut h = aof_harness(&dir, "");
    run(&mut h, &["SET", "a", "1"]);
    let incr = dir.0.join("appendonlydir").join("appendonly.aof.1.incr.aof");
    let good = std::fs::metadata(&incr).unwrap().len();
    h.state.persist.aof = Aof::new(&h.state.config);
    h.state.persist.aof.policy.load_truncated = true;
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new().append(true).open(&incr).unwrap();
    file.write_all(b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n").unwrap();
    debug_loadaof(&mut h.state).unwrap();
    assert_eq!(std::fs::metadata(&incr).unwrap().len(), good);
    assert_eq!(h.run(&["EXISTS", "a", "b"]), ":1\r\n");
    h.state.persist.aof.policy.load_truncated = false;
    file.write_all(b"*2\r\n$3\r\nDEL").unwrap();
    let error = debug_loadaof(&mut h.state).unwrap_err();
    assert!(error.contains("Unexpected end of file") && error.contains(&format!("offset {good}")), "{error}");
}
