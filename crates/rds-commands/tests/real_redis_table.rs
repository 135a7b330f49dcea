//! Checks every entry of the command table against what redis-server 7.0.15 reports about the same
//! command, captured once into `tests/data/` by `tests/data/capture.py`.

use std::collections::HashMap;

use rds_commands::docs::{Arg, Doc};
use rds_commands::{CommandSpec, COMMANDS};

const INFO: &str = include_str!("data/command_info.txt");
const DOCS: &str = include_str!("data/command_docs.txt");

/// name → rest of the line, for the tab-separated captures.
fn by_name(data: &'static str) -> HashMap<&'static str, &'static str> {
    data.lines().filter_map(|line| line.split_once('\t')).collect()
}

/// The COMMAND INFO fields of `spec` in the capture's format (everything after the name).
fn info_line(spec: &CommandSpec) -> String {
    let acl: Vec<String> = spec.acl_categories().iter().map(|c| format!("@{c}")).collect();
    let specs: Vec<String> = spec.key_specs.iter().map(|s| s.describe()).collect();
    [
        spec.arity.to_string(),
        spec.flag_names().join(" "),
        spec.first_key.to_string(),
        spec.last_key.to_string(),
        spec.key_step.to_string(),
        acl.join(" "),
        spec.tips.join(" "),
        specs.join("; "),
    ]
    .join("\t")
}

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

/// A JSON string literal, escaped like Python's `json.dumps`.
fn json_str(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let items: Vec<String> = items.map(json_str).collect();
    format!("[{}]", items.join(","))
}

fn arg_json(arg: &Arg) -> String {
    let mut fields =
        vec![format!("\"name\":{}", json_str(arg.name)), format!("\"type\":{}", json_str(arg.kind.name()))];
    if arg.key_spec_index >= 0 {
        fields.push(format!("\"key_spec_index\":{}", arg.key_spec_index));
    }
    let optional = [("token", arg.token), ("since", arg.since), ("deprecated_since", arg.deprecated_since)];
    for (name, value) in optional {
        if let Some(value) = value {
            fields.push(format!("\"{name}\":{}", json_str(value)));
        }
    }
    if arg.flags != 0 {
        fields.push(format!("\"flags\":{}", json_list(arg.flag_names())));
    }
    if !arg.args.is_empty() {
        let args: Vec<String> = arg.args.iter().map(arg_json).collect();
        fields.push(format!("\"arguments\":[{}]", args.join(",")));
    }
    format!("{{{}}}", fields.join(","))
}

/// `doc` as the capture renders COMMAND DOCS (minus subcommands).
fn doc_json(doc: &Doc, group: &str) -> String {
    let mut fields = vec![
        format!("\"summary\":{}", json_str(doc.summary)),
        format!("\"since\":{}", json_str(doc.since)),
        format!("\"group\":{}", json_str(group)),
    ];
    if !doc.complexity.is_empty() {
        fields.push(format!("\"complexity\":{}", json_str(doc.complexity)));
    }
    if doc.doc_flags != 0 {
        fields.push(format!("\"doc_flags\":{}", json_list(doc.flag_names())));
    }
    for (name, value) in [("deprecated_since", doc.deprecated_since), ("replaced_by", doc.replaced_by)] {
        if let Some(value) = value {
            fields.push(format!("\"{name}\":{}", json_str(value)));
        }
    }
    if !doc.history.is_empty() {
        let entries: Vec<String> =
            doc.history.iter().map(|(version, text)| format!("[{},{}]", json_str(version), json_str(text))).collect();
        fields.push(format!("\"history\":[{}]", entries.join(",")));
    }
    if !doc.args.is_empty() {
        let args: Vec<String> = doc.args.iter().map(arg_json).collect();
        fields.push(format!("\"arguments\":[{}]", args.join(",")));
    }
    format!("{{{}}}", fields.join(","))
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
