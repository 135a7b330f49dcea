//! The replies of COMMAND, COMMAND INFO and COMMAND DOCS, written from a command table (the server's
//! [`crate::COMMANDS`] or the sentinel's [`crate::sentinel::commands`]) so both daemons print their
//! table the same way.

use rds_resp::ReplyBuf;

use crate::docs::{Arg, Doc};
use crate::keyspec::{BeginSearch, FindKeys};
use crate::{acl, flags, CommandSpec, KeySpec};

/// COMMAND HELP.
pub const COMMAND_HELP: &[&str] = &[
    "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "(no subcommand)",
    "    Return details about all Redis commands.",
    "COUNT",
    "    Return the total number of commands in this Redis server.",
    "LIST",
    "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full Redis command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full Redis command.",
    "HELP",
    "    Prints this help.",
];

/// Top-level commands of `table` (not subcommands).
pub fn top_level<Id>(table: &[CommandSpec<Id>]) -> impl Iterator<Item = &CommandSpec<Id>> {
    table.iter().filter(|spec| !spec.name.contains('|'))
}

/// Subcommands of `spec` in `table`, in table order (none unless it is a container).
pub fn subcommands<'a, Id>(
    table: &'a [CommandSpec<Id>],
    spec: &'a CommandSpec<Id>,
) -> impl Iterator<Item = &'a CommandSpec<Id>> {
    let name = spec.name;
    let container = spec.has(flags::CONTAINER);
    table.iter().filter(move |sub| {
        container
            && sub.name.len() > name.len() + 1
            && sub.name.starts_with(name)
            && sub.name.as_bytes()[name.len()] == b'|'
    })
}

/// COMMAND (or COMMAND INFO without names): the info of every top-level command.
pub fn all_info<Id>(out: &mut ReplyBuf, table: &[CommandSpec<Id>]) {
    out.array(top_level(table).count());
    for spec in top_level(table) {
        info(out, table, spec);
    }
}

/// One COMMAND INFO entry: name, arity, flags, first/last/step, ACL categories, tips, key specs and
/// subcommands.
pub fn info<Id>(out: &mut ReplyBuf, table: &[CommandSpec<Id>], spec: &CommandSpec<Id>) {
    out.array(10);
    out.bulk(spec.name.as_bytes());
    out.int(i64::from(spec.arity));
    let flag_names = spec.flag_names();
    out.set(flag_names.len());
    for name in flag_names {
        out.simple(name);
    }
    out.int(i64::from(spec.first_key));
    out.int(i64::from(spec.last_key));
    out.int(i64::from(spec.key_step));
    let categories = spec.acl_bits();
    out.set(acl::names(categories).count());
    for name in acl::names(categories) {
        out.raw(b"+@");
        out.raw(name.as_bytes());
        out.raw(b"\r\n");
    }
    out.set(spec.tips.len());
    for tip in spec.tips {
        out.bulk(tip.as_bytes());
    }
    out.set(spec.key_specs.len());
    for key_spec in spec.key_specs {
        reply_key_spec(out, key_spec);
    }
    if spec.has(flags::CONTAINER) {
        out.array(subcommands(table, spec).count());
        for sub in subcommands(table, spec) {
            info(out, table, sub);
        }
    } else {
        out.set(0);
    }
}

fn reply_key_spec(out: &mut ReplyBuf, spec: &KeySpec) {
    out.map(3 + usize::from(spec.notes.is_some()));
    if let Some(notes) = spec.notes {
        out.bulk(b"notes");
        out.bulk(notes.as_bytes());
    }
    out.bulk(b"flags");
    out.set(spec.flag_names().count());
    for name in spec.flag_names() {
        out.simple(name);
    }
    out.bulk(b"begin_search");
    out.map(2);
    out.bulk(b"type");
    match spec.begin {
        BeginSearch::Index(index) => {
            out.bulk(b"index");
            out.bulk(b"spec");
            int_map(out, &[("index", index)]);
        }
        BeginSearch::Keyword { keyword, start_from } => {
            out.bulk(b"keyword");
            out.bulk(b"spec");
            out.map(2);
            out.bulk(b"keyword");
            out.bulk(keyword.as_bytes());
            out.bulk(b"startfrom");
            out.int(i64::from(start_from));
        }
        BeginSearch::Unknown => unknown_spec(out),
    }
    out.bulk(b"find_keys");
    out.map(2);
    out.bulk(b"type");
    match spec.find {
        FindKeys::Range { last_key, key_step, limit } => {
            out.bulk(b"range");
            out.bulk(b"spec");
            int_map(out, &[("lastkey", last_key), ("keystep", key_step), ("limit", limit)]);
        }
        FindKeys::Keynum { keynum_idx, first_key, key_step } => {
            out.bulk(b"keynum");
            out.bulk(b"spec");
            int_map(out, &[("keynumidx", keynum_idx), ("firstkey", first_key), ("keystep", key_step)]);
        }
        FindKeys::Unknown => unknown_spec(out),
    }
}

fn int_map(out: &mut ReplyBuf, fields: &[(&str, i32)]) {
    out.map(fields.len());
    for (name, value) in fields {
        out.bulk(name.as_bytes());
        out.int(i64::from(*value));
    }
}

fn unknown_spec(out: &mut ReplyBuf) {
    out.bulk(b"unknown");
    out.bulk(b"spec");
    out.map(0);
}

/// COMMAND DOCS: a map from each of `specs` to its documentation.
pub fn docs<Id>(out: &mut ReplyBuf, table: &[CommandSpec<Id>], specs: &[&CommandSpec<Id>]) {
    out.map(specs.len());
    for spec in specs {
        out.bulk(spec.name.as_bytes());
        reply_docs(out, table, spec);
    }
}

fn reply_docs<Id>(out: &mut ReplyBuf, table: &[CommandSpec<Id>], spec: &CommandSpec<Id>) {
    let doc = spec.doc();
    let container = spec.has(flags::CONTAINER);
    let fields = doc.map_or(0, doc_field_count) + 1 + usize::from(container);
    out.map(fields);
    match doc {
        Some(doc) => reply_doc_fields(out, doc, spec.group.doc_name()),
        None => {
            out.bulk(b"group");
            out.bulk(spec.group.doc_name().as_bytes());
        }
    }
    if container {
        out.bulk(b"subcommands");
        out.map(subcommands(table, spec).count());
        for sub in subcommands(table, spec) {
            out.bulk(sub.name.as_bytes());
            reply_docs(out, table, sub);
        }
    }
}

/// Number of map entries `doc` adds besides `group` (and `subcommands`).
fn doc_field_count(doc: &Doc) -> usize {
    [
        true,
        true,
        !doc.complexity.is_empty(),
        doc.doc_flags != 0,
        doc.deprecated_since.is_some(),
        doc.replaced_by.is_some(),
        !doc.history.is_empty(),
        !doc.args.is_empty(),
    ]
    .iter()
    .filter(|present| **present)
    .count()
}

fn reply_doc_fields(out: &mut ReplyBuf, doc: &Doc, group: &str) {
    let texts = [("summary", Some(doc.summary)), ("since", Some(doc.since)), ("group", Some(group))];
    bulk_fields(out, &texts);
    if !doc.complexity.is_empty() {
        bulk_fields(out, &[("complexity", Some(doc.complexity))]);
    }
    if doc.doc_flags != 0 {
        out.bulk(b"doc_flags");
        out.set(doc.flag_names().count());
        for name in doc.flag_names() {
            out.simple(name);
        }
    }
    bulk_fields(out, &[("deprecated_since", doc.deprecated_since), ("replaced_by", doc.replaced_by)]);
    if !doc.history.is_empty() {
        out.bulk(b"history");
        out.set(doc.history.len());
        for (version, change) in doc.history {
            out.array(2);
            out.bulk(version.as_bytes());
            out.bulk(change.as_bytes());
        }
    }
    if !doc.args.is_empty() {
        out.bulk(b"arguments");
        reply_args(out, doc.args);
    }
}

/// Writes `name`/value pairs for the values that are present.
fn bulk_fields(out: &mut ReplyBuf, fields: &[(&str, Option<&str>)]) {
    for (name, value) in fields {
        if let Some(value) = value {
            out.bulk(name.as_bytes());
            out.bulk(value.as_bytes());
        }
    }
}

fn reply_args(out: &mut ReplyBuf, args: &[Arg]) {
    out.array(args.len());
    for arg in args {
        let optional = [("token", arg.token), ("since", arg.since), ("deprecated_since", arg.deprecated_since)];
        let present = optional.iter().filter(|(_, value)| value.is_some()).count();
        let fields = 2
            + usize::from(arg.key_spec_index >= 0)
            + present
            + usize::from(arg.flags != 0)
            + usize::from(!arg.args.is_empty());
        out.map(fields);
        bulk_fields(out, &[("name", Some(arg.name)), ("type", Some(arg.kind.name()))]);
        if arg.key_spec_index >= 0 {
            out.bulk(b"key_spec_index");
            out.int(i64::from(arg.key_spec_index));
        }
        bulk_fields(out, &optional);
        if arg.flags != 0 {
            out.bulk(b"flags");
            out.set(arg.flag_names().count());
            for name in arg.flag_names() {
                out.simple(name);
            }
        }
        if !arg.args.is_empty() {
            out.bulk(b"arguments");
            reply_args(out, arg.args);
        }
    }
}
