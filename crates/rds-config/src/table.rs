//! THE directive table: every directive Redis 7.0.15 knows, in the spirit of `static_configs[]` in
//! Redis's `config.c`. Parsing, CONFIG GET/SET/REWRITE and the docs all read this one list.
//!
//! `.rds()` marks the directives rds acts on; everything else is accepted, stored, printed and rewritten
//! like Redis but has no effect (see `Config::unsupported_in_use`).

use crate::checks::*;
use crate::kind::*;

const INT_MAX: i128 = i32::MAX as i128;
const INT_MIN: i128 = i32::MIN as i128;
const UINT_MAX: i128 = u32::MAX as i128;
const LONG_MAX: i128 = i64::MAX as i128;
const ULLONG_MAX: i128 = u64::MAX as i128;
const MB: i128 = 1024 * 1024;

const MAXMEMORY_POLICY: &[(&str, i32)] = &[
    ("volatile-lru", 0),
    ("volatile-lfu", 1),
    ("volatile-random", 2),
    ("volatile-ttl", 3),
    ("allkeys-lru", 4),
    ("allkeys-lfu", 5),
    ("allkeys-random", 6),
    ("noeviction", 7),
];
const SYSLOG_FACILITY: &[(&str, i32)] = &[
    ("user", 0),
    ("local0", 1),
    ("local1", 2),
    ("local2", 3),
    ("local3", 4),
    ("local4", 5),
    ("local5", 6),
    ("local6", 7),
    ("local7", 8),
];
const LOGLEVEL: &[(&str, i32)] = &[("debug", 0), ("verbose", 1), ("notice", 2), ("warning", 3)];
const SUPERVISED: &[(&str, i32)] = &[("upstart", 1), ("systemd", 2), ("auto", 3), ("no", 0)];
const AOF_FSYNC: &[(&str, i32)] = &[("everysec", 2), ("always", 1), ("no", 0)];
const DISKLESS_LOAD: &[(&str, i32)] = &[("disabled", 0), ("on-empty-db", 1), ("swapdb", 2)];
const TLS_AUTH_CLIENTS: &[(&str, i32)] = &[("no", 0), ("yes", 1), ("optional", 2)];
const OOM_SCORE_ADJ: &[(&str, i32)] = &[("no", 0), ("yes", 1), ("relative", 1), ("absolute", 2)];
const ACL_PUBSUB_DEFAULT: &[(&str, i32)] = &[("allchannels", 1), ("resetchannels", 0)];
const SANITIZE_DUMP: &[(&str, i32)] = &[("no", 0), ("yes", 1), ("clients", 2)];
const PROTECTED_ACTION: &[(&str, i32)] = &[("no", 0), ("yes", 1), ("local", 2)];
const ENDPOINT_TYPE: &[(&str, i32)] = &[("ip", 0), ("hostname", 1), ("unknown-endpoint", 2)];
const PROPAGATION_ERROR: &[(&str, i32)] = &[("ignore", 0), ("panic", 1), ("panic-on-replicas", 2)];
/// `shutdown-on-sig*` flags; MULTI_ARG makes them OR-able.
pub(crate) const SHUTDOWN_ON_SIG: &[(&str, i32)] =
    &[("default", 0), ("save", 1), ("nosave", 2), ("now", 4), ("force", 8)];

/// Numeric value of `enable-protected-configs yes`.
pub(crate) const PROTECTED_YES: i32 = 1;
/// Numeric value of `enable-protected-configs local`.
pub(crate) const PROTECTED_LOCAL: i32 = 2;

/// Redis `CONFIG_DEFAULT_PROC_TITLE_TEMPLATE`.
pub(crate) const PROC_TITLE: &str = "{title} {listen-addr} {server-mode}";

/// Every directive, canonical names first; aliases live in each entry.
#[rustfmt::skip]
pub(crate) static DIRECTIVES: &[Directive] = &[
    // Bool configs.
    boolean("rdbchecksum", true).flags(IMMUTABLE).rds(),
    boolean("daemonize", false).flags(IMMUTABLE).rds(),
    boolean("io-threads-do-reads", false).flags(IMMUTABLE),
    boolean("always-show-logo", false).flags(IMMUTABLE).rds(),
    boolean("protected-mode", true).rds(),
    boolean("rdbcompression", true).rds(),
    boolean("rdb-del-sync-files", false),
    boolean("activerehashing", true).rds(),
    boolean("stop-writes-on-bgsave-error", true).rds(),
    boolean("set-proc-title", true).flags(IMMUTABLE),
    boolean("dynamic-hz", true).rds(),
    boolean("lazyfree-lazy-eviction", false).rds(),
    boolean("lazyfree-lazy-expire", false).rds(),
    boolean("lazyfree-lazy-server-del", false).rds(),
    boolean("lazyfree-lazy-user-del", false).rds(),
    boolean("lazyfree-lazy-user-flush", false).rds(),
    boolean("repl-disable-tcp-nodelay", false),
    boolean("repl-diskless-sync", true).rds(),
    boolean("aof-rewrite-incremental-fsync", true),
    boolean("no-appendfsync-on-rewrite", false).rds(),
    boolean("cluster-require-full-coverage", true),
    boolean("rdb-save-incremental-fsync", true),
    boolean("aof-load-truncated", true).rds(),
    boolean("aof-use-rdb-preamble", true).rds(),
    boolean("aof-timestamp-enabled", false).rds(),
    boolean("cluster-replica-no-failover", false).alias(&["cluster-slave-no-failover"]),
    boolean("replica-lazy-flush", false).alias(&["slave-lazy-flush"]),
    boolean("replica-serve-stale-data", true).alias(&["slave-serve-stale-data"]).rds(),
    boolean("replica-read-only", true).alias(&["slave-read-only"]).rds(),
    boolean("replica-ignore-maxmemory", true).alias(&["slave-ignore-maxmemory"]),
    boolean("jemalloc-bg-thread", true),
    boolean_checked("activedefrag", false, active_defrag_ok),
    boolean("syslog-enabled", false).flags(IMMUTABLE),
    boolean("cluster-enabled", false).flags(IMMUTABLE).rds(),
    boolean("appendonly", false).flags(DENY_LOADING).rds(),
    boolean("cluster-allow-reads-when-down", false),
    boolean("cluster-allow-pubsubshard-when-down", true),
    boolean("crash-log-enabled", true),
    boolean("crash-memcheck-enabled", true),
    boolean("use-exit-on-panic", false).flags(HIDDEN),
    boolean("disable-thp", true).flags(IMMUTABLE),
    boolean("cluster-allow-replica-migration", true),
    boolean("replica-announced", true).rds(),
    boolean("latency-tracking", true),
    boolean("aof-disable-auto-gc", false).rds(),
    boolean("replica-ignore-disk-write-errors", false),
    // String configs.
    string_or_empty("aclfile", "", None).flags(IMMUTABLE),
    string("unixsocket").flags(IMMUTABLE).rds(),
    string("pidfile").flags(IMMUTABLE).rds(),
    string("replica-announce-ip").alias(&["slave-announce-ip"]).rds(),
    string("masteruser").flags(SENSITIVE).rds(),
    string("cluster-announce-ip"),
    string_or_empty("cluster-config-file", "nodes.conf", None).flags(IMMUTABLE).rds(),
    string_checked("cluster-announce-hostname", hostname_ok),
    string_or_empty("syslog-ident", "redis", None).flags(IMMUTABLE),
    string_or_empty("dbfilename", "dump.rdb", Some(dbfilename_ok)).flags(PROTECTED).rds(),
    string_or_empty("appendfilename", "appendonly.aof", Some(aof_name_ok)).flags(IMMUTABLE).rds(),
    string_or_empty("appenddirname", "appendonlydir", Some(aof_dir_ok)).flags(IMMUTABLE).rds(),
    string("server_cpulist").flags(IMMUTABLE),
    string("bio_cpulist").flags(IMMUTABLE),
    string("aof_rewrite_cpulist").flags(IMMUTABLE),
    string("bgsave_cpulist").flags(IMMUTABLE),
    string_or_empty("ignore-warnings", "", None),
    string_or_empty("proc-title-template", PROC_TITLE, Some(proc_title_ok)),
    string("bind-source-addr").rds(),
    string_or_empty("logfile", "", None).flags(IMMUTABLE).rds(),
    string("masterauth").flags(SENSITIVE).rds(),
    string("requirepass").flags(SENSITIVE).rds(),
    // Enum configs.
    enumeration("supervised", SUPERVISED, 0).flags(IMMUTABLE),
    enumeration("syslog-facility", SYSLOG_FACILITY, 1).flags(IMMUTABLE),
    enumeration("repl-diskless-load", DISKLESS_LOAD, 0).flags(DENY_LOADING).rds(),
    enumeration("loglevel", LOGLEVEL, 2).rds(),
    enumeration("maxmemory-policy", MAXMEMORY_POLICY, 7).rds(),
    enumeration("appendfsync", AOF_FSYNC, 2).rds(),
    enumeration("oom-score-adj", OOM_SCORE_ADJ, 0),
    enumeration("acl-pubsub-default", ACL_PUBSUB_DEFAULT, 0),
    enumeration("sanitize-dump-payload", SANITIZE_DUMP, 0),
    enumeration("enable-protected-configs", PROTECTED_ACTION, 0).flags(IMMUTABLE),
    enumeration("enable-debug-command", PROTECTED_ACTION, 0).flags(IMMUTABLE).rds(),
    enumeration("enable-module-command", PROTECTED_ACTION, 0).flags(IMMUTABLE),
    enumeration("cluster-preferred-endpoint-type", ENDPOINT_TYPE, 0),
    enumeration("propagation-error-behavior", PROPAGATION_ERROR, 0),
    enumeration_checked("shutdown-on-sigint", SHUTDOWN_ON_SIG, 0, save_xor_nosave).flags(MULTI_ARG).rds(),
    enumeration_checked("shutdown-on-sigterm", SHUTDOWN_ON_SIG, 0, save_xor_nosave).flags(MULTI_ARG).rds(),
    // Integer configs.
    int("databases", 1, INT_MAX, 16).flags(IMMUTABLE).rds(),
    int("port", 0, 65535, 6379).rds(),
    int("io-threads", 1, 128, 1).flags(IMMUTABLE).rds(),
    int("auto-aof-rewrite-percentage", 0, INT_MAX, 100).rds(),
    int("cluster-replica-validity-factor", 0, INT_MAX, 10).alias(&["cluster-slave-validity-factor"]),
    int("list-max-listpack-size", INT_MIN, INT_MAX, -2).alias(&["list-max-ziplist-size"]).rds(),
    int("tcp-keepalive", 0, INT_MAX, 300).rds(),
    int("cluster-migration-barrier", 0, INT_MAX, 1),
    int("active-defrag-cycle-min", 1, 99, 1),
    int("active-defrag-cycle-max", 1, 99, 25),
    int("active-defrag-threshold-lower", 0, 1000, 10),
    int("active-defrag-threshold-upper", 0, 1000, 100),
    int("lfu-log-factor", 0, INT_MAX, 10),
    int("lfu-decay-time", 0, INT_MAX, 1),
    int("replica-priority", 0, INT_MAX, 100).alias(&["slave-priority"]).rds(),
    int("repl-diskless-sync-delay", 0, INT_MAX, 5).rds(),
    int("maxmemory-samples", 1, INT_MAX, 5).rds(),
    int("maxmemory-eviction-tenacity", 0, 100, 10),
    int("timeout", 0, INT_MAX, 0).rds(),
    int("replica-announce-port", 0, 65535, 0).alias(&["slave-announce-port"]).rds(),
    int("tcp-backlog", 0, INT_MAX, 511).flags(IMMUTABLE),
    int("cluster-port", 0, 65535, 0).flags(IMMUTABLE).rds(),
    int("cluster-announce-bus-port", 0, 65535, 0),
    int("cluster-announce-port", 0, 65535, 0),
    int("cluster-announce-tls-port", 0, 65535, 0),
    int("repl-timeout", 1, INT_MAX, 60).rds(),
    int("repl-ping-replica-period", 1, INT_MAX, 10).alias(&["repl-ping-slave-period"]).rds(),
    int("list-compress-depth", 0, INT_MAX, 0),
    int("rdb-key-save-delay", INT_MIN, INT_MAX, 0).flags(HIDDEN),
    int("key-load-delay", INT_MIN, INT_MAX, 0).flags(HIDDEN),
    int("active-expire-effort", 1, 10, 1),
    int("hz", 0, INT_MAX, 10).rds(),
    int("min-replicas-to-write", 0, INT_MAX, 0).alias(&["min-slaves-to-write"]).rds(),
    int("min-replicas-max-lag", 0, INT_MAX, 10).alias(&["min-slaves-max-lag"]).rds(),
    int("watchdog-period", 0, INT_MAX, 0).flags(HIDDEN),
    int("shutdown-timeout", 0, INT_MAX, 10),
    int("repl-diskless-sync-max-replicas", 0, INT_MAX, 0).rds(),
    // Unsigned int configs.
    uint("maxclients", 1, UINT_MAX, 10000).rds(),
    octal("unixsocketperm", 0, 0o777, 0).flags(IMMUTABLE).rds(),
    uint("socket-mark-id", 0, UINT_MAX, 0).flags(IMMUTABLE),
    // Unsigned long configs (Redis bounds-checks them as signed).
    int("active-defrag-max-scan-fields", 1, LONG_MAX, 1000),
    int("slowlog-max-len", 0, LONG_MAX, 128).rds(),
    int("acllog-max-len", 0, LONG_MAX, 128),
    // Long long configs.
    int("busy-reply-threshold", 0, LONG_MAX, 5000).alias(&["lua-time-limit"]),
    int("cluster-node-timeout", 0, LONG_MAX, 15000).rds(),
    int("slowlog-log-slower-than", -1, LONG_MAX, 10000).rds(),
    int("latency-monitor-threshold", 0, LONG_MAX, 0).rds(),
    mem("proto-max-bulk-len", MB, LONG_MAX, 512 * MB).rds(),
    int("stream-node-max-entries", 0, LONG_MAX, 100),
    mem("repl-backlog-size", 1, LONG_MAX, MB).rds(),
    // Unsigned long long configs.
    umem("maxmemory", 0, ULLONG_MAX, 0).rds(),
    umem("cluster-link-sendbuf-limit", 0, ULLONG_MAX, 0),
    // size_t configs.
    uint("hash-max-listpack-entries", 0, LONG_MAX, 512).alias(&["hash-max-ziplist-entries"]).rds(),
    uint("set-max-intset-entries", 0, LONG_MAX, 512).rds(),
    uint("zset-max-listpack-entries", 0, LONG_MAX, 128).alias(&["zset-max-ziplist-entries"]).rds(),
    umem("active-defrag-ignore-bytes", 1, LONG_MAX, 100 * MB),
    umem("hash-max-listpack-value", 0, LONG_MAX, 64).alias(&["hash-max-ziplist-value"]).rds(),
    umem("stream-node-max-bytes", 0, LONG_MAX, 4096),
    umem("zset-max-listpack-value", 0, LONG_MAX, 64).alias(&["zset-max-ziplist-value"]).rds(),
    umem("hll-sparse-max-bytes", 0, LONG_MAX, 3000),
    uint("tracking-table-max-keys", 0, LONG_MAX, 1_000_000),
    umem("client-query-buffer-limit", MB, LONG_MAX, 1024 * MB).rds(),
    mem_percent("maxmemory-clients", -100, LONG_MAX, 0),
    // Other numeric configs.
    int("repl-backlog-ttl", 0, LONG_MAX, 3600).rds(),
    mem("auto-aof-rewrite-min-size", 0, LONG_MAX, 64 * MB).rds(),
    int("loading-process-events-interval-bytes", 1024, INT_MAX, 2 * MB,).flags(HIDDEN),
    // TLS configs (Debian builds with TLS).
    int("tls-port", 0, 65535, 0),
    int("tls-session-cache-size", 0, INT_MAX, 20 * 1024),
    int("tls-session-cache-timeout", 0, INT_MAX, 300),
    boolean("tls-cluster", false),
    boolean("tls-replication", false),
    enumeration("tls-auth-clients", TLS_AUTH_CLIENTS, 1),
    boolean("tls-prefer-server-ciphers", false),
    boolean("tls-session-caching", true),
    string("tls-cert-file"),
    string("tls-key-file"),
    string("tls-key-file-pass"),
    string("tls-client-cert-file"),
    string("tls-client-key-file"),
    string("tls-client-key-file-pass"),
    string("tls-dh-params-file"),
    string("tls-ca-cert-file"),
    string("tls-ca-cert-dir"),
    string("tls-protocols"),
    string("tls-ciphers"),
    string("tls-ciphersuites"),
    // Special configs.
    special("dir", Special::Dir).flags(PROTECTED | DENY_LOADING).rds(),
    special("save", Special::Save).flags(MULTI_ARG).rds(),
    special("client-output-buffer-limit", Special::ClientOutputBufferLimit,).flags(MULTI_ARG).rds(),
    special("oom-score-adj-values", Special::OomScoreAdjValues).flags(MULTI_ARG),
    special("notify-keyspace-events", Special::NotifyKeyspaceEvents).rds(),
    special("bind", Special::Bind).flags(MULTI_ARG).rds(),
    special("replicaof", Special::ReplicaOf).alias(&["slaveof"]).flags(IMMUTABLE | MULTI_ARG).rds(),
    special("latency-tracking-info-percentiles", Special::LatencyPercentiles,).flags(MULTI_ARG),
    // File-only directives (not in CONFIG GET/SET, like Redis).
    special("include", Special::Include).flags(FILE_ONLY).rds(),
    special("rename-command", Special::RenameCommand).flags(FILE_ONLY),
    special("user", Special::User).flags(FILE_ONLY),
    special("loadmodule", Special::LoadModule).flags(FILE_ONLY),
];

/// Index of the directive whose name or alias is `name` (ASCII case-insensitive), with the registered
/// (lowercase) name that matched: the canonical name or the alias.
pub(crate) fn lookup(name: &[u8]) -> Option<(usize, &'static str)> {
    DIRECTIVES.iter().enumerate().find_map(|(index, d)| {
        std::iter::once(&d.name)
            .chain(d.aliases)
            .find(|key| key.as_bytes().eq_ignore_ascii_case(name))
            .map(|key| (index, *key))
    })
}

/// Like [`lookup`] but only for directives that CONFIG GET/SET know (not file-only ones).
pub(crate) fn lookup_config(name: &[u8]) -> Option<(usize, &'static str)> {
    lookup(name).filter(|&(index, _)| !DIRECTIVES[index].has(FILE_ONLY))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases_are_unique_and_lowercase() {
        let mut seen = std::collections::HashSet::new();
        for d in DIRECTIVES {
            for name in std::iter::once(&d.name).chain(d.aliases) {
                assert_eq!(*name, name.to_ascii_lowercase());
                assert!(seen.insert(*name), "duplicate {name}");
            }
        }
    }

    #[test]
    fn lookup_finds_names_and_aliases() {
        assert_eq!(lookup(b"PORT").map(|(i, k)| (DIRECTIVES[i].name, k)), Some(("port", "port")));
        assert_eq!(lookup(b"SlaveOf").map(|(i, k)| (DIRECTIVES[i].name, k)), Some(("replicaof", "slaveof")));
        assert!(lookup_config(b"include").is_none());
        assert!(lookup(b"include").is_some());
        assert!(lookup(b"nope").is_none());
    }
}
