//! Rendering of our command tables in the format of the captures of real Redis in `tests/data/`
//! (`capture.py`), shared by the redis-server and redis-sentinel table checks.

use std::collections::HashMap;

use rds_commands::docs::{Arg, Doc};
use rds_commands::CommandSpec;

/// name → rest of the line, for the tab-separated captures.
pub fn by_name(data: &'static str) -> HashMap<&'static str, &'static str> {
    data.lines().filter_map(|line| line.split_once('\t')).collect()
}

/// The COMMAND INFO fields of `spec` in the capture's format (everything after the name).
pub fn info_line<Id>(spec: &CommandSpec<Id>) -> String {
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
pub fn doc_json(doc: &Doc, group: &str) -> String {
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
