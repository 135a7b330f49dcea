//! The command table of a sentinel, as redis-sentinel 7.0 builds it: the server's top-level commands
//! flagged [`flags::SENTINEL`] with all their subcommands (same arity, flags, categories, tips and docs
//! as in server mode), plus the SENTINEL container, which only a sentinel has, and ACL, which Redis
//! serves in both modes but rds only in the sentinel so far. The `real_sentinel_table` test checks it
//! against what redis-sentinel 7.0.15 reports.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::docs::{block, doc, integer, oneof, pattern, pure, string, Arg, ArgType, Doc};
use crate::flags::{ADMIN, CONTAINER, LOADING, NOSCRIPT, ONLY_SENTINEL, SENTINEL, STALE};
use crate::{CommandId, CommandSpec, Group, Resolved, COMMANDS};

/// An entry of the sentinel's table: shared entries keep their server [`CommandId`], SENTINEL and its
/// subcommands have none.
pub type SentinelSpec = CommandSpec<Option<CommandId>>;

/// The entries only the sentinel's table has: name, arity, flags ([`ONLY_SENTINEL`] added), group,
/// explicit ACL categories (the flags imply the rest). Besides SENTINEL, these are commands Redis
/// serves in both modes but rds-server does not serve yet (ACL); they move to the server table when
/// it does.
const SENTINEL_ONLY: [(&str, i32, u32, Group, u32); 36] = [
    ("acl", -2, CONTAINER, Group::Server, 0),
    ("acl|cat", -2, NOSCRIPT | LOADING | STALE, Group::Server, 0),
    ("acl|deluser", -3, ADMIN | NOSCRIPT | LOADING | STALE, Group::Server, 0),
    ("acl|dryrun", -4, ADMIN | NOSCRIPT | LOADING | STALE, Group::Server, 0),
    ("acl|genpass", -2, NOSCRIPT | LOADING | STALE, Group::Server, 0),
    ("acl|getuser", 3, ADMIN | NOSCRIPT | LOADING | STALE, Group::Server, 0),
    ("acl|help", 2, LOADING | STALE, Group::Server, 0),
    ("acl|list", 2, ADMIN | NOSCRIPT | LOADING | STALE, Group::Server, 0),
    ("acl|load", 2, ADMIN | NOSCRIPT | LOADING | STALE, Group::Server, 0),
    ("acl|log", -2, ADMIN | NOSCRIPT | LOADING | STALE, Group::Server, 0),
    ("acl|save", 2, ADMIN | NOSCRIPT | LOADING | STALE, Group::Server, 0),
    ("acl|setuser", -3, ADMIN | NOSCRIPT | LOADING | STALE, Group::Server, 0),
    ("acl|users", 2, ADMIN | NOSCRIPT | LOADING | STALE, Group::Server, 0),
    ("acl|whoami", 2, NOSCRIPT | LOADING | STALE, Group::Server, 0),
    ("sentinel", -2, ADMIN | CONTAINER, Group::Sentinel, 0),
    ("sentinel|ckquorum", 3, ADMIN, Group::Sentinel, 0),
    ("sentinel|config", -3, ADMIN, Group::Sentinel, 0),
    ("sentinel|debug", -2, ADMIN, Group::Sentinel, 0),
    ("sentinel|failover", 3, ADMIN, Group::Sentinel, 0),
    ("sentinel|flushconfig", 2, ADMIN, Group::Sentinel, 0),
    ("sentinel|get-master-addr-by-name", 3, ADMIN, Group::Sentinel, 0),
    ("sentinel|help", 2, LOADING | STALE, Group::Sentinel, 0),
    ("sentinel|info-cache", -3, ADMIN, Group::Sentinel, 0),
    ("sentinel|is-master-down-by-addr", 6, ADMIN, Group::Sentinel, 0),
    ("sentinel|master", 3, ADMIN, Group::Sentinel, 0),
    ("sentinel|masters", 2, ADMIN, Group::Sentinel, 0),
    ("sentinel|monitor", 6, ADMIN, Group::Sentinel, 0),
    ("sentinel|myid", 2, ADMIN, Group::Sentinel, 0),
    ("sentinel|pending-scripts", 2, ADMIN, Group::Sentinel, 0),
    ("sentinel|remove", 3, ADMIN, Group::Sentinel, 0),
    ("sentinel|replicas", 3, ADMIN, Group::Sentinel, 0),
    ("sentinel|reset", 3, ADMIN, Group::Sentinel, 0),
    ("sentinel|sentinels", 3, ADMIN, Group::Sentinel, 0),
    ("sentinel|set", -5, ADMIN, Group::Sentinel, 0),
    ("sentinel|simulate-failure", -3, ADMIN, Group::Sentinel, 0),
    ("sentinel|slaves", 3, ADMIN, Group::Sentinel, 0),
];

/// Every entry of the sentinel's table: shared commands in server table order, then SENTINEL.
pub fn commands() -> &'static [SentinelSpec] {
    static TABLE: OnceLock<Vec<SentinelSpec>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let served = |name: &str| crate::lookup(name.as_bytes()).is_some_and(|spec| spec.has(SENTINEL));
        let mut table: Vec<SentinelSpec> = COMMANDS
            .iter()
            .filter(|spec| served(spec.container().unwrap_or(spec.name)))
            .map(|spec| CommandSpec {
                id: Some(spec.id),
                name: spec.name,
                arity: spec.arity,
                flags: spec.flags,
                first_key: spec.first_key,
                last_key: spec.last_key,
                key_step: spec.key_step,
                group: spec.group,
                acl: spec.acl,
                key_specs: spec.key_specs,
                tips: spec.tips,
            })
            .collect();
        table.extend(SENTINEL_ONLY.iter().map(|&(name, arity, flags, group, acl)| CommandSpec {
            id: None,
            name,
            arity,
            flags: flags | ONLY_SENTINEL,
            first_key: 0,
            last_key: 0,
            key_step: 0,
            group,
            acl,
            key_specs: &[],
            tips: &[],
        }));
        table
    })
}

/// Finds an entry by full name, case-insensitively (`ping`, `sentinel|masters`).
pub fn lookup(name: &[u8]) -> Option<&'static SentinelSpec> {
    static INDEX: OnceLock<HashMap<&'static str, &'static SentinelSpec>> = OnceLock::new();
    let index = INDEX.get_or_init(|| commands().iter().map(|spec| (spec.name, spec)).collect());
    let lower = std::str::from_utf8(name).ok()?.to_ascii_lowercase();
    index.get(lower.as_str()).copied()
}

/// Resolves `argv` (name and, for containers, subcommand) to an entry of the sentinel's table.
pub fn resolve(argv: &[impl AsRef<[u8]>]) -> Resolved<Option<CommandId>> {
    let Some(name) = argv.first() else { return Resolved::UnknownCommand };
    let Some(spec) = lookup(name.as_ref()).filter(|spec| spec.container().is_none()) else {
        return Resolved::UnknownCommand;
    };
    if !spec.has(CONTAINER) || argv.len() < 2 {
        return Resolved::Command(spec);
    }
    let mut full = spec.name.as_bytes().to_vec();
    full.push(b'|');
    full.extend_from_slice(argv[1].as_ref());
    match lookup(&full) {
        Some(sub) => Resolved::Command(sub),
        None => Resolved::UnknownSubcommand(spec),
    }
}

/// A pure token that COMMAND DOCS shows without a `token` field (SIMULATE-FAILURE's modes).
const fn bare_token(name: &'static str) -> Arg {
    Arg {
        name,
        kind: ArgType::PureToken,
        key_spec_index: -1,
        token: None,
        since: None,
        deprecated_since: None,
        flags: 0,
        args: &[],
    }
}

const MASTER_NAME: &[Arg] = &[string("master-name")];

/// COMMAND DOCS of the sentinel-only entries, as redis-sentinel 7.0.15 prints them.
static DOCS: &[Doc] = &[
    doc("acl", "A container for Access List Control commands ", "6.0.0", "Depends on subcommand."),
    doc("acl|cat", "List the ACL categories or the commands inside a category", "6.0.0", "O(1) since the categories and commands are a fixed set.")
        .args(&[string("categoryname").optional()]),
    doc("acl|deluser", "Remove the specified ACL users and the associated rules", "6.0.0", "O(1) amortized time considering the typical user.")
        .args(&[string("username").multiple()]),
    doc("acl|dryrun", "Returns whether the user can execute the given command without executing the command.", "7.0.0", "O(1).")
        .args(&[string("username"), string("command"), string("arg").optional().multiple()]),
    doc("acl|genpass", "Generate a pseudorandom secure password to use for ACL users", "6.0.0", "O(1)")
        .args(&[integer("bits").optional()]),
    doc("acl|getuser", "Get the rules for a specific ACL user", "6.0.0", "O(N). Where N is the number of password, command and pattern rules that the user has.")
        .history(&[
            ("6.2.0", "Added Pub/Sub channel patterns."),
            ("7.0.0", "Added selectors and changed the format of key and channel patterns from a list to their rule representation."),
        ])
        .args(&[string("username")]),
    doc("acl|help", "Show helpful text about the different subcommands", "6.0.0", "O(1)"),
    doc("acl|list", "List the current ACL rules in ACL config file format", "6.0.0", "O(N). Where N is the number of configured users."),
    doc("acl|load", "Reload the ACLs from the configured ACL file", "6.0.0", "O(N). Where N is the number of configured users."),
    doc("acl|log", "List latest events denied because of ACLs in place", "6.0.0", "O(N) with N being the number of entries shown.")
        .args(&[
            oneof("operation", &[
                integer("count"),
                pure("reset", "RESET"),
            ]).optional(),
        ]),
    doc("acl|save", "Save the current ACL rules in the configured ACL file", "6.0.0", "O(N). Where N is the number of configured users."),
    doc("acl|setuser", "Modify or create the rules for a specific ACL user", "6.0.0", "O(N). Where N is the number of rules provided.")
        .history(&[
            ("6.2.0", "Added Pub/Sub channel patterns."),
            ("7.0.0", "Added selectors and key based permissions."),
        ])
        .args(&[string("username"), string("rule").optional().multiple()]),
    doc("acl|users", "List the username of all the configured ACL rules", "6.0.0", "O(N). Where N is the number of configured users."),
    doc("acl|whoami", "Return the name of the user associated to the current connection", "6.0.0", "O(1)"),
    doc("sentinel", "A container for Sentinel commands", "2.8.4", "Depends on subcommand."),
    doc("sentinel|ckquorum", "Check for a Sentinel quorum", "2.8.4", "").args(MASTER_NAME),
    doc("sentinel|config", "Configure Sentinel", "6.2.0", "O(1)").args(&[oneof(
        "set_or_get",
        &[
            block("set_param_value", &[string("parameter"), string("value")]).token("SET").multiple(),
            string("parameter").token("GET").multiple(),
        ],
    )]),
    doc(
        "sentinel|debug",
        "List or update the current configurable parameters",
        "7.0.0",
        "O(N) where N is the number of configurable parameters",
    )
    .args(&[block("parameter_value", &[string("parameter"), string("value")]).multiple()]),
    doc("sentinel|failover", "Force a failover", "2.8.4", "").args(MASTER_NAME),
    doc("sentinel|flushconfig", "Rewrite configuration file", "2.8.4", "O(1)"),
    doc("sentinel|get-master-addr-by-name", "Get port and address of a master", "2.8.4", "O(1)").args(MASTER_NAME),
    doc("sentinel|help", "Show helpful text about the different subcommands", "6.2.0", "O(1)"),
    doc(
        "sentinel|info-cache",
        "Get cached INFO from the instances in the deployment",
        "3.2.0",
        "O(N) where N is the number of instances",
    )
    .args(&[string("nodename").multiple()]),
    doc("sentinel|is-master-down-by-addr", "Check if a master is down", "2.8.4", "O(1)").args(&[
        string("ip"),
        integer("port"),
        integer("current-epoch"),
        string("runid"),
    ]),
    doc("sentinel|master", "Shows the state of a master", "2.8.4", "O(1)").args(MASTER_NAME),
    doc("sentinel|masters", "List the monitored masters", "2.8.4", "O(N) where N is the number of masters"),
    doc("sentinel|monitor", "Start monitoring", "2.8.4", "O(1)").args(&[
        string("name"),
        string("ip"),
        integer("port"),
        integer("quorum"),
    ]),
    doc("sentinel|myid", "Get the Sentinel instance ID", "6.2.0", "O(1)"),
    doc("sentinel|pending-scripts", "Get information about pending scripts", "2.8.4", ""),
    doc("sentinel|remove", "Stop monitoring", "2.8.4", "O(1)").args(MASTER_NAME),
    doc("sentinel|replicas", "List the monitored replicas", "5.0.0", "O(N) where N is the number of replicas")
        .args(MASTER_NAME),
    doc("sentinel|reset", "Reset masters by name pattern", "2.8.4", "O(N) where N is the number of monitored masters")
        .args(&[pattern("pattern")]),
    doc("sentinel|sentinels", "List the Sentinel instances", "2.8.4", "O(N) where N is the number of Sentinels")
        .args(MASTER_NAME),
    doc("sentinel|set", "Change the configuration of a monitored master", "2.8.4", "O(1)").args(&[
        string("master-name"),
        block("option_value", &[string("option"), string("value")]).multiple(),
    ]),
    doc("sentinel|simulate-failure", "Simulate failover scenarios", "3.2.0", "").args(&[oneof(
        "mode",
        &[bare_token("crash-after-election"), bare_token("crash-after-promotion"), bare_token("help")],
    )
    .optional()
    .multiple()]),
    doc("sentinel|slaves", "List the monitored slaves", "2.8.0", "O(N) where N is the number of slaves")
        .deprecated()
        .deprecated_since("5.0.0")
        .replaced_by("`SENTINEL REPLICAS`")
        .args(MASTER_NAME),
];

/// The COMMAND DOCS entry of a sentinel-only entry (SENTINEL, ACL and their subcommands).
pub fn doc_of(name: &str) -> Option<&'static Doc> {
    DOCS.iter().find(|doc| doc.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_entries_keep_their_ids_and_sentinel_only_entries_have_docs() {
        assert!(matches!(resolve(&["PING"]), Resolved::Command(s) if s.id == Some(CommandId::Ping)));
        assert!(matches!(resolve(&["sentinel", "MASTERS"]), Resolved::Command(s) if s.id.is_none()));
        assert!(matches!(resolve(&["sentinel", "nope"]), Resolved::UnknownSubcommand(_)));
        assert!(matches!(resolve(&["get", "x"]), Resolved::UnknownCommand));
        assert!(matches!(resolve(&["client", "tracking"]), Resolved::Command(s) if s.arity == -3));
        for spec in commands() {
            assert!(spec.doc().is_some(), "{} has no docs", spec.name);
        }
    }
}
