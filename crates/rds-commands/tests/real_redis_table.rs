//! Checks every entry of the command table against what redis-server 7.0.15 reports about the same
//! command, captured once into `tests/data/` by `tests/data/capture.py`.

mod common;

use common::{by_name, doc_json, info_line};
use rds_commands::COMMANDS;

const INFO: &str = include_str!("data/command_info.txt");
const DOCS: &str = include_str!("data/command_docs.txt");

#[test]
fn command_info_matches_real_redis() {
    let real = by_name(INFO);
    let mut mismatches = Vec::new();
    for spec in COMMANDS {
        let ours = info_line(spec);
        match real.get(spec.name) {
            None => mismatches.push(format!("{}: not a Redis 7.0.15 command", spec.name)),
            Some(theirs) if *theirs != ours => {
                mismatches.push(format!("{}:\n  redis: {theirs}\n  rds:   {ours}", spec.name))
            }
            Some(_) => {}
        }
    }
    assert!(mismatches.is_empty(), "{} entries differ from Redis 7.0.15:\n{}", mismatches.len(), mismatches.join("\n"));
}

#[test]
fn command_docs_match_real_redis() {
    let real = by_name(DOCS);
    let mut mismatches = Vec::new();
    for spec in COMMANDS {
        let Some(doc) = spec.doc() else {
            mismatches.push(format!("{}: no docs entry", spec.name));
            continue;
        };
        let ours = doc_json(doc, spec.group.doc_name());
        match real.get(spec.name) {
            Some(theirs) if *theirs == ours => {}
            theirs => mismatches.push(format!("{}:\n  redis: {theirs:?}\n  rds:   {ours}", spec.name)),
        }
    }
    assert!(mismatches.is_empty(), "{} docs differ from Redis 7.0.15:\n{}", mismatches.len(), mismatches.join("\n"));
}

#[test]
fn every_docs_entry_has_a_table_entry() {
    for doc in rds_commands::docs::all() {
        assert!(rds_commands::lookup(doc.name.as_bytes()).is_some(), "docs for unknown command {}", doc.name);
    }
}
