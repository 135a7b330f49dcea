//! The command table of rds: what each command is called, how many arguments it takes, what it may do
//! (flags), where its keys are and which group it belongs to.
//!
//! Everything that needs to know about commands reads [`COMMANDS`]: the server's dispatcher (lookup,
//! arity, permission and replica checks), the COMMAND command (INFO, DOCS, GETKEYS, LIST), and cluster
//! key routing. This crate is pure data and lookups (its only dependency, rds-resp, writes the COMMAND replies).
//!
//! Layout: `table.rs` (one line per command), [`flags`], [`acl`] (categories), [`keyspec`] (key
//! specifications and key extraction), [`docs`] with its data in `docs_table.rs`, [`sentinel`] (the
//! sentinel's table, derived from this one plus its SENTINEL container), [`reply`] (COMMAND INFO
//! and DOCS replies over either table), [`help`] (HELP texts both daemons print) and [`errors`]
//! (unknown command and subcommand texts).

pub mod acl;
pub mod docs;
mod docs_table;
pub mod errors;
pub mod flags;
pub mod help;
pub mod keyspec;
pub mod reply;
pub mod sentinel;
mod table;

use std::collections::HashMap;
use std::sync::OnceLock;

pub use keyspec::{KeyRef, KeySpec};
pub use table::{CommandId, COMMANDS};

/// Command tips (COMMAND INFO `tips`): hints for clients and cluster proxies.
pub mod tips {
    /// The reply may differ between runs on the same data.
    pub const NONDET: &str = "nondeterministic_output";
    /// The reply's order may differ between runs on the same data.
    pub const NONDET_ORDER: &str = "nondeterministic_output_order";
    /// Send to every node, primaries and replicas.
    pub const ALL_NODES: &str = "request_policy:all_nodes";
    /// Send to every primary shard.
    pub const ALL_SHARDS: &str = "request_policy:all_shards";
    /// Split by key across the shards.
    pub const MULTI_SHARD: &str = "request_policy:multi_shard";
    /// Routing needs command-specific handling.
    pub const REQ_SPECIAL: &str = "request_policy:special";
    /// Combine shard replies with logical AND.
    pub const AGG_LOGICAL_AND: &str = "response_policy:agg_logical_and";
    /// Combine shard replies with min.
    pub const AGG_MIN: &str = "response_policy:agg_min";
    /// Combine shard replies by summing.
    pub const AGG_SUM: &str = "response_policy:agg_sum";
    /// Succeeds when every shard succeeded.
    pub const ALL_SUCCEEDED: &str = "response_policy:all_succeeded";
    /// Succeeds when one shard succeeded.
    pub const ONE_SUCCEEDED: &str = "response_policy:one_succeeded";
    /// Combining replies needs command-specific handling.
    pub const RES_SPECIAL: &str = "response_policy:special";
}

/// The documentation group of a command (COMMAND DOCS `group`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Keyspace commands.
    Generic,
    /// Strings.
    String,
    /// Bit operations on strings.
    Bitmap,
    /// Lists.
    List,
    /// Sets.
    Set,
    /// Sorted sets.
    SortedSet,
    /// Geospatial indexes (sorted sets of geohashes).
    Geo,
    /// Hashes.
    Hash,
    /// HyperLogLog.
    HyperLogLog,
    /// Pub/sub.
    PubSub,
    /// MULTI/EXEC.
    Transactions,
    /// Connection management.
    Connection,
    /// Server management.
    Server,
    /// Scripting and functions.
    Scripting,
    /// Cluster.
    Cluster,
    /// Sentinel.
    Sentinel,
}

impl Group {
    /// The name COMMAND DOCS prints.
    pub fn doc_name(self) -> &'static str {
        match self {
            Group::Generic => "generic",
            Group::String => "string",
            Group::Bitmap => "bitmap",
            Group::List => "list",
            Group::Set => "set",
            Group::SortedSet => "sorted-set",
            Group::Geo => "geo",
            Group::Hash => "hash",
            Group::HyperLogLog => "hyperloglog",
            Group::PubSub => "pubsub",
            Group::Transactions => "transactions",
            Group::Connection => "connection",
            Group::Server => "server",
            Group::Scripting => "scripting",
            Group::Cluster => "cluster",
            Group::Sentinel => "sentinel",
        }
    }
}

/// One entry of a command table: the server's ([`COMMANDS`], identified by [`CommandId`]) or the
/// sentinel's ([`sentinel::commands`], where entries shared with the server keep their id).
#[derive(Debug, Clone)]
pub struct CommandSpec<Id: 'static = CommandId> {
    /// Identifier used by the dispatcher.
    pub id: Id,
    /// Lowercase full name; subcommands are `container|sub`.
    pub name: &'static str,
    /// Redis arity: `n` exactly n arguments (name included), `-n` at least n.
    pub arity: i32,
    /// Bitwise OR of [`flags`].
    pub flags: u32,
    /// Position of the first key, 0 when there are none.
    pub first_key: i32,
    /// Position of the last key; negative counts from the end.
    pub last_key: i32,
    /// Distance between keys.
    pub key_step: i32,
    /// Documentation group.
    pub group: Group,
    /// ACL categories Redis names explicitly ([`acl`] bits); flags imply the others.
    pub acl: u32,
    /// Key specifications, in COMMAND INFO order.
    pub key_specs: &'static [KeySpec],
    /// Command tips ([`tips`]).
    pub tips: &'static [&'static str],
}

impl<Id> CommandSpec<Id> {
    /// True when the command has `flag`.
    pub fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }

    /// True when `argc` arguments (name included) satisfy the arity.
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = i64::try_from(argc).unwrap_or(i64::MAX);
        let arity = i64::from(self.arity);
        if arity >= 0 {
            argc == arity
        } else {
            argc >= -arity
        }
    }

    /// The name without the container prefix (`get` for `config|get`).
    pub fn short_name(&self) -> &'static str {
        self.name.rsplit('|').next().unwrap_or(self.name)
    }

    /// The container's name for a subcommand.
    pub fn container(&self) -> Option<&'static str> {
        self.name.split_once('|').map(|(container, _)| container)
    }

    /// Flag names as COMMAND INFO prints them.
    pub fn flag_names(&self) -> Vec<&'static str> {
        flags::FLAG_NAMES.iter().filter(|(flag, _)| self.has(*flag)).map(|(_, name)| *name).collect()
    }

    /// All ACL categories of the command ([`acl`] bits), explicit and implied.
    pub fn acl_bits(&self) -> u32 {
        acl::implied(self.flags, self.acl)
    }

    /// ACL categories (without `@`) as COMMAND INFO prints them.
    pub fn acl_categories(&self) -> Vec<&'static str> {
        acl::names(self.acl_bits()).collect()
    }

    /// True when some key spec finds real keys (COMMAND GETKEYS refuses other commands).
    pub fn has_key_args(&self) -> bool {
        self.key_specs.iter().any(|spec| spec.flags & keyspec::NOT_KEY == 0)
    }

    /// The COMMAND DOCS entry.
    pub fn doc(&self) -> Option<&'static docs::Doc> {
        docs::lookup(self.name).or_else(|| sentinel::doc_of(self.name))
    }

    /// Argument positions of the keys in an `argc`-argument call, from the legacy (first, last, step)
    /// triple: exact for commands without MOVABLE_KEYS.
    pub fn key_positions(&self, argc: usize) -> Vec<usize> {
        self.key_position_iter(argc).collect()
    }

    /// [`CommandSpec::key_positions`] without allocating.
    pub fn key_position_iter(&self, argc: usize) -> std::iter::StepBy<std::ops::Range<usize>> {
        let first = usize::try_from(self.first_key).unwrap_or(0);
        let last = match usize::try_from(self.last_key) {
            Ok(last) => last,
            Err(_) => argc.saturating_sub(self.last_key.unsigned_abs() as usize),
        };
        let end = if first == 0 { 0 } else { last.saturating_add(1).min(argc) };
        let step = usize::try_from(self.key_step).unwrap_or(1).max(1);
        (first..end).step_by(step)
    }
}

impl CommandSpec {
    /// Subcommands of a container command, in table order.
    pub fn subcommands(&self) -> impl Iterator<Item = &'static CommandSpec> {
        let prefix_len = self.name.len();
        let name = self.name;
        let container = self.has(flags::CONTAINER);
        COMMANDS.iter().filter(move |spec| {
            container
                && spec.name.len() > prefix_len + 1
                && spec.name.starts_with(name)
                && spec.name.as_bytes()[prefix_len] == b'|'
        })
    }

    /// The keys of `argv` (command name first) found by the key specs; `None` when the arguments do not
    /// fit them (see [`keyspec::find_keys`]).
    pub fn keys(&self, argv: &[impl AsRef<[u8]>]) -> Option<Vec<KeyRef>> {
        // Specs with VARIABLE_FLAGS find the right keys but not their flags: the parser knows both.
        if self.key_specs.iter().any(|spec| spec.flags & keyspec::VARIABLE_FLAGS != 0) {
            if let Some(keys) = keyspec::movable_keys(self.id, argv) {
                return Some(keys);
            }
        }
        keyspec::find_keys(self.key_specs, argv).or_else(|| keyspec::movable_keys(self.id, argv))
    }

    /// The keys a call that changed the dataset may have written, for WATCH and blocked clients: the
    /// keys its specs find except read-only ones (Redis signals only the keys a command modifies, so
    /// SORT ... STORE touches its destination, not the sorted key); the legacy positions when the
    /// specs do not fit the arguments.
    pub fn written_keys(&self, argv: &[impl AsRef<[u8]>]) -> Vec<usize> {
        match self.keys(argv) {
            Some(keys) if !self.key_specs.is_empty() => {
                keys.iter().filter(|key| key.flags & keyspec::RO == 0).map(|key| key.pos).collect()
            }
            _ => self.key_positions(argv.len()),
        }
    }
}

fn index() -> &'static HashMap<&'static str, &'static CommandSpec> {
    static INDEX: OnceLock<HashMap<&'static str, &'static CommandSpec>> = OnceLock::new();
    INDEX.get_or_init(|| COMMANDS.iter().map(|spec| (spec.name, spec)).collect())
}

/// Longest command name in the table, so lookups can lowercase into a stack buffer.
const MAX_NAME_LEN: usize = 40;

/// Finds a command by its full lowercase-insensitive name (`get`, `config|get`).
pub fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    if name.len() > MAX_NAME_LEN {
        return None;
    }
    let mut lower = [0u8; MAX_NAME_LEN];
    for (dst, src) in lower.iter_mut().zip(name) {
        *dst = src.to_ascii_lowercase();
    }
    let lower = std::str::from_utf8(&lower[..name.len()]).ok()?;
    index().get(lower).copied()
}

/// The outcome of resolving argv to a table entry.
#[derive(Debug)]
pub enum Resolved<Id: 'static = CommandId> {
    /// A command or subcommand.
    Command(&'static CommandSpec<Id>),
    /// No such command.
    UnknownCommand,
    /// The container exists but not the subcommand.
    UnknownSubcommand(&'static CommandSpec<Id>),
}

/// Resolves `argv` (name and, for containers, subcommand) to a table entry.
pub fn resolve(argv: &[impl AsRef<[u8]>]) -> Resolved {
    let Some(name) = argv.first() else {
        return Resolved::UnknownCommand;
    };
    // Only top-level names are commands: `client|id` typed as a name is unknown, as in Redis.
    let Some(spec) = lookup(name.as_ref()).filter(|spec| spec.container().is_none()) else {
        return Resolved::UnknownCommand;
    };
    if !spec.has(flags::CONTAINER) || argv.len() < 2 {
        return Resolved::Command(spec);
    }
    let sub = argv[1].as_ref();
    let mut full = Vec::with_capacity(spec.name.len() + 1 + sub.len());
    full.extend_from_slice(spec.name.as_bytes());
    full.push(b'|');
    full.extend_from_slice(sub);
    match lookup(&full) {
        Some(sub_spec) => Resolved::Command(sub_spec),
        None => Resolved::UnknownSubcommand(spec),
    }
}

/// Finds the table entry for `id`.
pub fn spec(id: CommandId) -> &'static CommandSpec {
    // The table is generated in enum order, so the discriminant is the index.
    &COMMANDS[id as usize]
}

/// Top-level commands (not subcommands), for COMMAND and COMMAND COUNT.
pub fn top_level() -> impl Iterator<Item = &'static CommandSpec> {
    COMMANDS.iter().filter(|spec| !spec.name.contains('|'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        for (index, spec) in COMMANDS.iter().enumerate() {
            assert_eq!(spec.id as usize, index);
            assert!(spec.name.len() <= MAX_NAME_LEN);
            assert_eq!(spec.name, spec.name.to_lowercase());
            if let Some(container) = spec.container() {
                let parent = lookup(container.as_bytes()).expect("container exists");
                assert!(parent.has(flags::CONTAINER), "{} must be a container", parent.name);
            }
        }
    }

    #[test]
    fn resolves_commands_and_subcommands() {
        assert!(matches!(resolve(&["GeT"]), Resolved::Command(s) if s.id == CommandId::Get));
        assert!(matches!(resolve(&["config", "GET"]), Resolved::Command(s) if s.id == CommandId::ConfigGet));
        assert!(matches!(resolve(&["config", "blah"]), Resolved::UnknownSubcommand(_)));
        assert!(matches!(resolve(&["nope"]), Resolved::UnknownCommand));
        assert!(matches!(resolve(&["config|get", "x"]), Resolved::UnknownCommand));
        assert!(matches!(resolve(&["config", "get|x"]), Resolved::UnknownSubcommand(_)));
        assert!(matches!(resolve(&["config"]), Resolved::Command(s) if s.id == CommandId::Config));
    }

    #[test]
    fn extracts_key_positions() {
        let mset = spec(CommandId::MSet);
        assert_eq!(mset.key_positions(5), vec![1, 3]);
        let del = spec(CommandId::Del);
        assert_eq!(del.key_positions(4), vec![1, 2, 3]);
        assert_eq!(spec(CommandId::Ping).key_positions(2), Vec::<usize>::new());
        // A negative last key counts from the end: BLPOP's timeout is not a key.
        let blpop = spec(CommandId::BLPop);
        assert_eq!(blpop.key_positions(4), vec![1, 2]);
        assert_eq!(blpop.key_positions(1), Vec::<usize>::new());
    }

    #[test]
    fn written_keys_leave_out_read_only_keys() {
        let sort = spec(CommandId::Sort);
        assert_eq!(sort.written_keys(&["sort", "k", "store", "d"]), vec![3]);
        assert_eq!(sort.written_keys(&["sort", "k"]), Vec::<usize>::new());
        let pfmerge = spec(CommandId::PfMerge);
        assert_eq!(pfmerge.written_keys(&["pfmerge", "d", "a", "b"]), vec![1]);
        let del = spec(CommandId::Del);
        assert_eq!(del.written_keys(&["del", "a", "b"]), vec![1, 2]);
    }

    #[test]
    fn derives_acl_categories() {
        assert_eq!(spec(CommandId::Get).acl_categories(), vec!["read", "string", "fast"]);
        assert_eq!(spec(CommandId::Set).acl_categories(), vec!["write", "string", "slow"]);
        assert_eq!(spec(CommandId::ClientList).acl_categories(), vec!["admin", "slow", "dangerous", "connection"]);
        assert_eq!(spec(CommandId::Client).acl_categories(), vec!["slow"]);
    }
}
