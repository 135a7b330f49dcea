//! Differential tests: every script in `tests/diff/*.txt` runs against our `rds-server` and a real
//! `redis-server` 7.0, both fresh, and every reply must match byte for byte (in RESP2, and also in
//! RESP3 for scripts marked `!resp3`). The script format is described in `rds_testkit::script`.
//!
//! A failure lists every mismatching line with both replies, not only the first one.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use rds_testkit::diff::{run_script, Mismatch, Side};
use rds_testkit::script::{parse_script, Compare, Script};
use rds_testkit::util::in_ci;
use rds_testkit::{require_redis, ServerBuilder};

/// The script files; `every_script_file_has_a_test` keeps this list in sync with the directory.
const SCRIPTS: &[&str] = &[
    "strings.txt",
    "bitmaps.txt",
    "keys.txt",
    "expire.txt",
    "connection.txt",
    "server.txt",
    "errors.txt",
    "resp3.txt",
    "transactions.txt",
    "pubsub.txt",
    "tracking.txt",
    "wrongtype.txt",
    "sort.txt",
    "hyperloglog.txt",
    "memory.txt",
    "lists.txt",
    "hashes.txt",
    "sets.txt",
    "zsets.txt",
    "geo.txt",
    "dump.txt",
    "persistence.txt",
    "replication.txt",
    "pause.txt",
];

/// Arguments both servers get, so neither writes files and DEBUG is available.
const SERVER_ARGS: [&str; 6] = ["--save", "", "--appendonly", "no", "--enable-debug-command", "yes"];

fn diff_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diff")
}

fn load(file: &str) -> Script {
    let path = diff_dir().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    parse_script(file, &text).unwrap_or_else(|e| panic!("parse {}: {e:#}", path.display()))
}

/// Runs `script` on fresh servers started from `ours` and `theirs`, in RESP2 and, when marked, RESP3.
fn run_against(script: &Script, ours: &Path, theirs: &Path) -> Vec<Mismatch> {
    let mut found = Vec::new();
    let protocols: &[bool] = if script.resp3 { &[false, true] } else { &[false] };
    for &resp3 in protocols {
        let a = ServerBuilder::new(ours).args(SERVER_ARGS).spawn().unwrap();
        let b = ServerBuilder::new(theirs).args(SERVER_ARGS).spawn().unwrap();
        let a_name = a.name().to_string();
        let b_name = if a.name() == b.name() { format!("{} #2", b.name()) } else { b.name().to_string() };
        let mismatches =
            run_script(script, resp3, Side { name: &a_name, port: a.port() }, Side { name: &b_name, port: b.port() });
        // A broken connection usually means a crash or a panic: show what the servers logged.
        let panicked = a.log().contains("panicked");
        if panicked || mismatches.iter().any(|m| m.command.contains("[connection failed")) {
            a.print_log_tail();
            b.print_log_tail();
        }
        found.extend(mismatches);
        if panicked {
            found.push(Mismatch {
                location: format!("{}:0", script.name),
                protocol: if resp3 { "RESP3" } else { "RESP2" },
                command: "(whole script)".to_string(),
                compare: Compare::Exact,
                ours: "<panicked: see its log above>".to_string(),
                theirs: "<no panic>".to_string(),
                names: (a_name.clone(), b_name.clone()),
            });
        }
    }
    found
}

fn report(file: &str, mismatches: &[Mismatch]) {
    if mismatches.is_empty() {
        return;
    }
    let listing: Vec<String> = mismatches.iter().map(ToString::to_string).collect();
    panic!("{} mismatching replies in tests/diff/{file}:\n\n{}\n", mismatches.len(), listing.join("\n\n"));
}

/// The commands of `script`'s `!needs` line that are not in rds's command table yet.
fn missing_commands(script: &Script) -> Vec<&str> {
    let table: Vec<&str> = rds_commands::COMMANDS.iter().map(|spec| spec.name).collect();
    script.needs.iter().map(String::as_str).filter(|name| !table.contains(name)).collect()
}

fn check_script(file: &str) {
    let Some(bins) = require_redis() else { return };
    let script = load(file);
    let missing = missing_commands(&script);
    if !missing.is_empty() {
        // Like a missing redis-server: a local skip, but never a green CI run that compared nothing.
        assert!(!in_ci(), "tests/diff/{file} needs {missing:?}, which are not in the command table (CI is set)");
        eprintln!("skipping tests/diff/{file}: needs {missing:?}, which are not in the command table yet");
        return;
    }
    let ours = PathBuf::from(env!("CARGO_BIN_EXE_rds-server"));
    report(file, &run_against(&script, &ours, &bins.server));
}

macro_rules! diff_tests {
    ($($name:ident => $file:literal,)*) => {
        $(
            #[test]
            fn $name() {
                check_script($file);
            }
        )*
    };
}

diff_tests! {
    strings_match_redis => "strings.txt",
    bitmaps_match_redis => "bitmaps.txt",
    keys_match_redis => "keys.txt",
    expire_matches_redis => "expire.txt",
    connection_matches_redis => "connection.txt",
    server_matches_redis => "server.txt",
    errors_match_redis => "errors.txt",
    resp3_matches_redis => "resp3.txt",
    transactions_match_redis => "transactions.txt",
    pubsub_matches_redis => "pubsub.txt",
    tracking_matches_redis => "tracking.txt",
    wrong_types_match_redis => "wrongtype.txt",
    sort_matches_redis => "sort.txt",
    hyperloglog_matches_redis => "hyperloglog.txt",
    memory_and_eviction_match_redis => "memory.txt",
    lists_match_redis => "lists.txt",
    hashes_match_redis => "hashes.txt",
    sets_match_redis => "sets.txt",
    zsets_match_redis => "zsets.txt",
    geo_matches_redis => "geo.txt",
    dump_restore_match_redis => "dump.txt",
    persistence_matches_redis => "persistence.txt",
    replication_commands_match_redis => "replication.txt",
    client_pause_and_failover_errors_match_redis => "pause.txt",
}

#[test]
fn every_script_file_has_a_test() {
    let mut on_disk: Vec<String> = std::fs::read_dir(diff_dir())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".txt"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = SCRIPTS.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "tests/diff/*.txt and SCRIPTS (and the diff_tests! list) must agree");
}

#[test]
fn scripts_cover_every_command_in_the_table() {
    let scripts: Vec<Script> = SCRIPTS.iter().map(|file| load(file)).collect();
    let sent: Vec<(String, String)> = scripts
        .iter()
        .flat_map(|script| script.commands())
        .map(|argv| {
            let word = |i: usize| argv.get(i).map_or(String::new(), |a| String::from_utf8_lossy(a).to_lowercase());
            (word(0), word(1))
        })
        .collect();
    let missing: Vec<&str> = rds_commands::COMMANDS
        .iter()
        .map(|spec| spec.name)
        .filter(|name| match name.split_once('|') {
            Some((container, sub)) => !sent.iter().any(|(a, b)| a == container && b == sub),
            None => !sent.iter().any(|(a, _)| a == name),
        })
        .collect();
    assert!(missing.is_empty(), "commands of the table that no tests/diff script sends: {missing:?}");
}

/// Runs every script against two real Redis servers: a line that differs there is nondeterministic
/// and needs a `~`, `?` or `%` prefix, or a rewrite, before it can say anything about rds.
#[test]
fn scripts_are_deterministic_on_real_redis() {
    let Some(bins) = require_redis() else { return };
    let mut all = Vec::new();
    for file in SCRIPTS {
        // Scripts with `!needs` run here too: real Redis has every command.
        all.extend(run_against(&load(file), &bins.server, &bins.server));
    }
    report("*.txt (redis-server against itself)", &all);
}
