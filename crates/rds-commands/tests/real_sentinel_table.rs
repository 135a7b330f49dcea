//! Checks the sentinel's command table (derived from the server table plus its own entries) against
//! what redis-sentinel 7.0.15 reports through COMMAND INFO and COMMAND DOCS, captured into
//! `tests/data/sentinel_command_*.txt` by `tests/data/capture.py <port> --sentinel`.

mod common;

use common::{by_name, doc_json, info_line};
use rds_commands::sentinel::commands;

const INFO: &str = include_str!("data/sentinel_command_info.txt");
const DOCS: &str = include_str!("data/sentinel_command_docs.txt");

#[test]
fn sentinel_command_info_matches_real_redis_sentinel() {
    let real = by_name(INFO);
    let mut mismatches = Vec::new();
    for spec in commands() {
        match real.get(spec.name) {
            None => mismatches.push(format!("{}: not a redis-sentinel 7.0.15 command", spec.name)),
            Some(theirs) if *theirs != info_line(spec) => {
                mismatches.push(format!("{}:\n  redis: {theirs}\n  rds:   {}", spec.name, info_line(spec)))
            }
            Some(_) => {}
        }
    }
    let ours: Vec<&str> = commands().iter().map(|spec| spec.name).collect();
    for name in real.keys().filter(|name| !ours.contains(name)) {
        mismatches.push(format!("{name}: missing from the sentinel table"));
    }
    assert!(mismatches.is_empty(), "{} entries differ:\n{}", mismatches.len(), mismatches.join("\n"));
}

#[test]
fn sentinel_command_docs_match_real_redis_sentinel() {
    let real = by_name(DOCS);
    let mut mismatches = Vec::new();
    for spec in commands() {
        let ours = spec.doc().map(|doc| doc_json(doc, spec.group.doc_name()));
        if ours.as_deref() != real.get(spec.name).copied() {
            mismatches.push(format!("{}:\n  redis: {:?}\n  rds:   {ours:?}", spec.name, real.get(spec.name)));
        }
    }
    assert!(mismatches.is_empty(), "{} docs differ:\n{}", mismatches.len(), mismatches.join("\n"));
}
