//! ACL categories: the `@name` sets COMMAND INFO prints and COMMAND LIST FILTERBY ACLCAT selects.
//!
//! A command's categories are the ones its table entry names explicitly plus the ones its flags imply
//! ([`implied`]), the way Redis completes them at startup.

use crate::flags;

/// `@keyspace`.
pub const KEYSPACE: u32 = 1 << 0;
/// `@read`.
pub const READ: u32 = 1 << 1;
/// `@write`.
pub const WRITE: u32 = 1 << 2;
/// `@set`.
pub const SET: u32 = 1 << 3;
/// `@sortedset`.
pub const SORTEDSET: u32 = 1 << 4;
/// `@list`.
pub const LIST: u32 = 1 << 5;
/// `@hash`.
pub const HASH: u32 = 1 << 6;
/// `@string`.
pub const STRING: u32 = 1 << 7;
/// `@bitmap`.
pub const BITMAP: u32 = 1 << 8;
/// `@hyperloglog`.
pub const HYPERLOGLOG: u32 = 1 << 9;
/// `@geo`.
pub const GEO: u32 = 1 << 10;
/// `@stream`.
pub const STREAM: u32 = 1 << 11;
/// `@pubsub`.
pub const PUBSUB: u32 = 1 << 12;
/// `@admin`.
pub const ADMIN: u32 = 1 << 13;
/// `@fast`.
pub const FAST: u32 = 1 << 14;
/// `@slow`.
pub const SLOW: u32 = 1 << 15;
/// `@blocking`.
pub const BLOCKING: u32 = 1 << 16;
/// `@dangerous`.
pub const DANGEROUS: u32 = 1 << 17;
/// `@connection`.
pub const CONNECTION: u32 = 1 << 18;
/// `@transaction`.
pub const TRANSACTION: u32 = 1 << 19;
/// `@scripting`.
pub const SCRIPTING: u32 = 1 << 20;

/// Category names (without `@`) in the order Redis prints them.
pub const NAMES: &[(u32, &str)] = &[
    (KEYSPACE, "keyspace"),
    (READ, "read"),
    (WRITE, "write"),
    (SET, "set"),
    (SORTEDSET, "sortedset"),
    (LIST, "list"),
    (HASH, "hash"),
    (STRING, "string"),
    (BITMAP, "bitmap"),
    (HYPERLOGLOG, "hyperloglog"),
    (GEO, "geo"),
    (STREAM, "stream"),
    (PUBSUB, "pubsub"),
    (ADMIN, "admin"),
    (FAST, "fast"),
    (SLOW, "slow"),
    (BLOCKING, "blocking"),
    (DANGEROUS, "dangerous"),
    (CONNECTION, "connection"),
    (TRANSACTION, "transaction"),
    (SCRIPTING, "scripting"),
];

/// The category named `name` (without `@`, ASCII case-insensitive).
pub fn by_name(name: &[u8]) -> Option<u32> {
    NAMES.iter().find(|(_, known)| known.as_bytes().eq_ignore_ascii_case(name)).map(|(bit, _)| *bit)
}

/// The full category set of a command with `command_flags` and `explicit` categories.
pub fn implied(command_flags: u32, explicit: u32) -> u32 {
    let mut categories = explicit;
    if command_flags & flags::WRITE != 0 {
        categories |= WRITE;
    }
    // Read-only scripting commands (EVAL_RO) stay out of @read, so granting @read never grants scripts.
    if command_flags & flags::READONLY != 0 && categories & SCRIPTING == 0 {
        categories |= READ;
    }
    if command_flags & flags::ADMIN != 0 {
        categories |= ADMIN | DANGEROUS;
    }
    if command_flags & flags::PUBSUB != 0 {
        categories |= PUBSUB;
    }
    if command_flags & flags::FAST != 0 {
        categories |= FAST;
    }
    if command_flags & flags::BLOCKING != 0 {
        categories |= BLOCKING;
    }
    // Every command is either @fast or @slow.
    if categories & FAST == 0 {
        categories |= SLOW;
    }
    categories
}

/// Names (without `@`) of the categories in `categories`, in Redis's order.
pub fn names(categories: u32) -> impl Iterator<Item = &'static str> {
    NAMES.iter().filter(move |(bit, _)| categories & bit != 0).map(|(_, name)| *name)
}
