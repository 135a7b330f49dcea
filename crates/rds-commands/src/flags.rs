//! Command flags, with the names Redis prints in COMMAND INFO (its `CMD_*` flags).

/// Modifies the dataset.
pub const WRITE: u32 = 1 << 0;
/// Only reads the dataset.
pub const READONLY: u32 = 1 << 1;
/// May increase memory use: refused when over `maxmemory`.
pub const DENYOOM: u32 = 1 << 2;
/// Administrative.
pub const ADMIN: u32 = 1 << 3;
/// Pub/sub related.
pub const PUBSUB: u32 = 1 << 4;
/// Not allowed from scripts.
pub const NOSCRIPT: u32 = 1 << 5;
/// May block the client.
pub const BLOCKING: u32 = 1 << 6;
/// Allowed while the dataset is loading.
pub const LOADING: u32 = 1 << 7;
/// Allowed on a replica with stale data.
pub const STALE: u32 = 1 << 8;
/// Not shown to MONITOR.
pub const SKIP_MONITOR: u32 = 1 << 9;
/// Not recorded in the slow log.
pub const SKIP_SLOWLOG: u32 = 1 << 10;
/// Allowed on an importing slot after ASKING.
pub const ASKING: u32 = 1 << 11;
/// O(1) or O(log N).
pub const FAST: u32 = 1 << 12;
/// Allowed before authentication.
pub const NO_AUTH: u32 = 1 << 13;
/// May replicate even when read-only (e.g. PUBLISH, EVAL).
pub const MAY_REPLICATE: u32 = 1 << 14;
/// Served by rds-sentinel too.
pub const SENTINEL: u32 = 1 << 15;
/// Served by rds-sentinel only.
pub const ONLY_SENTINEL: u32 = 1 << 16;
/// Key arguments are optional.
pub const NO_MANDATORY_KEYS: u32 = 1 << 17;
/// Disabled unless enabled by config (DEBUG, MODULE).
pub const PROTECTED: u32 = 1 << 18;
/// Refused during async loading.
pub const NO_ASYNC_LOADING: u32 = 1 << 19;
/// Not allowed inside MULTI.
pub const NO_MULTI: u32 = 1 << 20;
/// Key positions need argument parsing.
pub const MOVABLE_KEYS: u32 = 1 << 21;
/// Allowed while a script is busy.
pub const ALLOW_BUSY: u32 = 1 << 22;
/// Has subcommands (`NAME|SUB` entries).
pub const CONTAINER: u32 = 1 << 23;
/// Deletes keys it meets expired anywhere in the keyspace (SCAN, RANDOMKEY): their lazy-expiry DELs
/// are propagated one by one, not wrapped in MULTI/EXEC. Hidden from COMMAND INFO, as in Redis.
pub const TOUCHES_ARBITRARY_KEYS: u32 = 1 << 24;

/// Flag names in the order COMMAND INFO prints them (`may_replicate`, `sentinel`, `only_sentinel` and
/// `protected` are hidden, as in Redis).
pub const FLAG_NAMES: &[(u32, &str)] = &[
    (WRITE, "write"),
    (READONLY, "readonly"),
    (DENYOOM, "denyoom"),
    (ADMIN, "admin"),
    (PUBSUB, "pubsub"),
    (NOSCRIPT, "noscript"),
    (BLOCKING, "blocking"),
    (LOADING, "loading"),
    (STALE, "stale"),
    (SKIP_MONITOR, "skip_monitor"),
    (SKIP_SLOWLOG, "skip_slowlog"),
    (ASKING, "asking"),
    (FAST, "fast"),
    (NO_AUTH, "no_auth"),
    (NO_MANDATORY_KEYS, "no_mandatory_keys"),
    (NO_ASYNC_LOADING, "no_async_loading"),
    (NO_MULTI, "no_multi"),
    (MOVABLE_KEYS, "movablekeys"),
    (ALLOW_BUSY, "allow_busy"),
];
