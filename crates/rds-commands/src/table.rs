//! THE command table: one line per command or subcommand. Dispatch, arity checks, COMMAND replies and
//! key extraction (cluster routing) all read it; the server's handler match is exhaustive over
//! [`CommandId`], so an entry without a handler does not compile.
//!
//! A line reads: id, full name, arity, flags, legacy (first, last, step) key positions, group, the ACL
//! categories Redis names explicitly (flags imply the rest, see [`crate::acl::implied`]), then
//! optionally `keys[...]` (key specs) and `tips[...]`. The `real_redis_table` test checks every line
//! against what redis-server 7.0.15 reports.

use crate::flags::*;
use crate::keyspec::*;
use crate::tips::*;
use crate::{CommandSpec, Group};

macro_rules! commands {
    ($(
        $id:ident $name:literal $arity:literal $flags:expr, ($first:literal, $last:literal, $step:literal)
        $group:ident [$($acl:ident)*] $(keys[$($spec:expr),* $(,)?])? $(tips[$($tip:ident),*])?;
    )*) => {
        /// Identifies a command or subcommand of the table.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum CommandId {
            $(
                #[doc = concat!("`", $name, "`")]
                $id,
            )*
        }

        /// Every command and subcommand, in table order.
        pub static COMMANDS: &[CommandSpec] = &[
            $( CommandSpec {
                id: CommandId::$id,
                name: $name,
                arity: $arity,
                flags: $flags,
                first_key: $first,
                last_key: $last,
                key_step: $step,
                group: Group::$group,
                acl: 0 $(| crate::acl::$acl)*,
                key_specs: &[$($($spec),*)?],
                tips: &[$($($tip),*)?],
            }, )*
        ];
    };
}

commands! {
    // connection
    Ping "ping" -1 FAST | SENTINEL, (0, 0, 0) Connection [CONNECTION] tips[ALL_SHARDS, ALL_SUCCEEDED];
    Echo "echo" 2 LOADING | STALE | FAST, (0, 0, 0) Connection [CONNECTION];
    Hello "hello" -1 NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY | SENTINEL, (0, 0, 0) Connection [CONNECTION];
    Auth "auth" -2 NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY | SENTINEL, (0, 0, 0) Connection [CONNECTION];
    Select "select" 2 LOADING | STALE | FAST, (0, 0, 0) Connection [CONNECTION];
    Quit "quit" -1 NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, (0, 0, 0) Connection [CONNECTION];
    Reset "reset" 1 NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, (0, 0, 0) Connection [CONNECTION];
    Client "client" -2 SENTINEL | CONTAINER, (0, 0, 0) Connection [];
    ClientId "client|id" 2 NOSCRIPT | LOADING | STALE | SENTINEL, (0, 0, 0) Connection [CONNECTION];
    ClientSetname "client|setname" 3 NOSCRIPT | LOADING | STALE | SENTINEL, (0, 0, 0) Connection [CONNECTION];
    ClientGetname "client|getname" 2 NOSCRIPT | LOADING | STALE | SENTINEL, (0, 0, 0) Connection [CONNECTION];
    ClientList "client|list" -2 ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL, (0, 0, 0) Connection [CONNECTION] tips[NONDET];
    ClientInfo "client|info" 2 NOSCRIPT | LOADING | STALE | SENTINEL, (0, 0, 0) Connection [CONNECTION] tips[NONDET];
    ClientKill "client|kill" -3 ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL, (0, 0, 0) Connection [CONNECTION];
    ClientNoEvict "client|no-evict" 3 ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL, (0, 0, 0) Connection [CONNECTION];
    ClientReply "client|reply" 3 NOSCRIPT | LOADING | STALE | SENTINEL, (0, 0, 0) Connection [CONNECTION];
    ClientHelp "client|help" 2 LOADING | STALE | SENTINEL, (0, 0, 0) Connection [CONNECTION];

    // strings
    Get "get" 2 READONLY | FAST, (1, 1, 1) String [STRING] keys[key_at(RO | ACCESS, 1)];
    Set "set" -3 WRITE | DENYOOM, (1, 1, 1) String [STRING] keys[key_at(RW | ACCESS | UPDATE | VARIABLE_FLAGS, 1).notes("RW and ACCESS due to the optional `GET` argument")];
    GetEx "getex" -2 WRITE | FAST, (1, 1, 1) String [STRING] keys[key_at(RW | ACCESS | UPDATE, 1).notes("RW and UPDATE because it changes the TTL")];
    GetDel "getdel" 2 WRITE | FAST, (1, 1, 1) String [STRING] keys[key_at(RW | ACCESS | DELETE, 1)];
    GetSet "getset" 3 WRITE | DENYOOM | FAST, (1, 1, 1) String [STRING] keys[key_at(RW | ACCESS | UPDATE, 1)];
    SetNx "setnx" 3 WRITE | DENYOOM | FAST, (1, 1, 1) String [STRING] keys[key_at(OW | INSERT, 1)];
    SetEx "setex" 4 WRITE | DENYOOM, (1, 1, 1) String [STRING] keys[key_at(OW | UPDATE, 1)];
    PSetEx "psetex" 4 WRITE | DENYOOM, (1, 1, 1) String [STRING] keys[key_at(OW | UPDATE, 1)];
    MGet "mget" -2 READONLY | FAST, (1, -1, 1) String [STRING] keys[keys_from(RO | ACCESS, 1, -1, 1)] tips[MULTI_SHARD];
    MSet "mset" -3 WRITE | DENYOOM, (1, -1, 2) String [STRING] keys[keys_from(OW | UPDATE, 1, -1, 2)] tips[MULTI_SHARD, ALL_SUCCEEDED];
    MSetNx "msetnx" -3 WRITE | DENYOOM, (1, -1, 2) String [STRING] keys[keys_from(OW | INSERT, 1, -1, 2)] tips[MULTI_SHARD, AGG_MIN];
    Append "append" 3 WRITE | DENYOOM | FAST, (1, 1, 1) String [STRING] keys[key_at(RW | INSERT, 1)];
    StrLen "strlen" 2 READONLY | FAST, (1, 1, 1) String [STRING] keys[key_at(RO, 1)];
    GetRange "getrange" 4 READONLY, (1, 1, 1) String [STRING] keys[key_at(RO | ACCESS, 1)];
    SubStr "substr" 4 READONLY, (1, 1, 1) String [STRING] keys[key_at(RO | ACCESS, 1)];
    SetRange "setrange" 4 WRITE | DENYOOM, (1, 1, 1) String [STRING] keys[key_at(RW | UPDATE, 1)];
    Incr "incr" 2 WRITE | DENYOOM | FAST, (1, 1, 1) String [STRING] keys[key_at(RW | ACCESS | UPDATE, 1)];
    Decr "decr" 2 WRITE | DENYOOM | FAST, (1, 1, 1) String [STRING] keys[key_at(RW | ACCESS | UPDATE, 1)];
    IncrBy "incrby" 3 WRITE | DENYOOM | FAST, (1, 1, 1) String [STRING] keys[key_at(RW | ACCESS | UPDATE, 1)];
    DecrBy "decrby" 3 WRITE | DENYOOM | FAST, (1, 1, 1) String [STRING] keys[key_at(RW | ACCESS | UPDATE, 1)];
    IncrByFloat "incrbyfloat" 3 WRITE | DENYOOM | FAST, (1, 1, 1) String [STRING] keys[key_at(RW | ACCESS | UPDATE, 1)];
    SetBit "setbit" 4 WRITE | DENYOOM, (1, 1, 1) Bitmap [BITMAP] keys[key_at(RW | ACCESS | UPDATE, 1)];
    GetBit "getbit" 3 READONLY | FAST, (1, 1, 1) Bitmap [BITMAP] keys[key_at(RO | ACCESS, 1)];
    BitCount "bitcount" -2 READONLY, (1, 1, 1) Bitmap [BITMAP] keys[key_at(RO | ACCESS, 1)];
    BitPos "bitpos" -3 READONLY, (1, 1, 1) Bitmap [BITMAP] keys[key_at(RO | ACCESS, 1)];
    BitOp "bitop" -4 WRITE | DENYOOM, (2, -1, 1) Bitmap [BITMAP] keys[key_at(OW | UPDATE, 2), keys_from(RO | ACCESS, 3, -1, 1)];
    Lcs "lcs" -3 READONLY, (1, 2, 1) String [STRING] keys[keys_from(RO | ACCESS, 1, 1, 1)];

    // keys
    Del "del" -2 WRITE, (1, -1, 1) Generic [KEYSPACE] keys[keys_from(RM | DELETE, 1, -1, 1)] tips[MULTI_SHARD, AGG_SUM];
    Unlink "unlink" -2 WRITE | FAST, (1, -1, 1) Generic [KEYSPACE] keys[keys_from(RM | DELETE, 1, -1, 1)] tips[MULTI_SHARD, AGG_SUM];
    Exists "exists" -2 READONLY | FAST, (1, -1, 1) Generic [KEYSPACE] keys[keys_from(RO, 1, -1, 1)] tips[MULTI_SHARD, AGG_SUM];
    Type "type" 2 READONLY | FAST, (1, 1, 1) Generic [KEYSPACE] keys[key_at(RO, 1)];
    Rename "rename" 3 WRITE, (1, 2, 1) Generic [KEYSPACE] keys[key_at(RW | ACCESS | DELETE, 1), key_at(OW | UPDATE, 2)];
    RenameNx "renamenx" 3 WRITE | FAST, (1, 2, 1) Generic [KEYSPACE] keys[key_at(RW | ACCESS | DELETE, 1), key_at(OW | INSERT, 2)];
    Copy "copy" -3 WRITE | DENYOOM, (1, 2, 1) Generic [KEYSPACE] keys[key_at(RO | ACCESS, 1), key_at(OW | UPDATE, 2)];
    Move "move" 3 WRITE | FAST, (1, 1, 1) Generic [KEYSPACE] keys[key_at(RW | ACCESS | UPDATE, 1)];
    SwapDb "swapdb" 3 WRITE | FAST, (0, 0, 0) Server [KEYSPACE DANGEROUS];
    Keys "keys" 2 READONLY, (0, 0, 0) Generic [KEYSPACE DANGEROUS] tips[ALL_SHARDS, NONDET_ORDER];
    Scan "scan" -2 READONLY, (0, 0, 0) Generic [KEYSPACE] tips[NONDET, REQ_SPECIAL];
    RandomKey "randomkey" 1 READONLY, (0, 0, 0) Generic [KEYSPACE] tips[ALL_SHARDS, NONDET];
    Touch "touch" -2 READONLY | FAST, (1, -1, 1) Generic [KEYSPACE] keys[keys_from(RO, 1, -1, 1)] tips[MULTI_SHARD, AGG_SUM];
    Object "object" -2 CONTAINER, (0, 0, 0) Generic [];
    ObjectEncoding "object|encoding" 3 READONLY, (2, 2, 1) Generic [KEYSPACE] keys[key_at(RO, 2)] tips[NONDET];
    ObjectRefcount "object|refcount" 3 READONLY, (2, 2, 1) Generic [KEYSPACE] keys[key_at(RO, 2)] tips[NONDET];
    ObjectIdletime "object|idletime" 3 READONLY, (2, 2, 1) Generic [KEYSPACE] keys[key_at(RO, 2)] tips[NONDET];
    ObjectFreq "object|freq" 3 READONLY, (2, 2, 1) Generic [KEYSPACE] keys[key_at(RO, 2)] tips[NONDET];
    ObjectHelp "object|help" 2 LOADING | STALE, (0, 0, 0) Generic [KEYSPACE];
    Expire "expire" -3 WRITE | FAST, (1, 1, 1) Generic [KEYSPACE] keys[key_at(RW | UPDATE, 1)];
    PExpire "pexpire" -3 WRITE | FAST, (1, 1, 1) Generic [KEYSPACE] keys[key_at(RW | UPDATE, 1)];
    ExpireAt "expireat" -3 WRITE | FAST, (1, 1, 1) Generic [KEYSPACE] keys[key_at(RW | UPDATE, 1)];
    PExpireAt "pexpireat" -3 WRITE | FAST, (1, 1, 1) Generic [KEYSPACE] keys[key_at(RW | UPDATE, 1)];
    Ttl "ttl" 2 READONLY | FAST, (1, 1, 1) Generic [KEYSPACE] keys[key_at(RO | ACCESS, 1)] tips[NONDET];
    PTtl "pttl" 2 READONLY | FAST, (1, 1, 1) Generic [KEYSPACE] keys[key_at(RO | ACCESS, 1)] tips[NONDET];
    ExpireTime "expiretime" 2 READONLY | FAST, (1, 1, 1) Generic [KEYSPACE] keys[key_at(RO | ACCESS, 1)];
    PExpireTime "pexpiretime" 2 READONLY | FAST, (1, 1, 1) Generic [KEYSPACE] keys[key_at(RO | ACCESS, 1)];
    Persist "persist" 2 WRITE | FAST, (1, 1, 1) Generic [KEYSPACE] keys[key_at(RW | UPDATE, 1)];

    // server
    Info "info" -1 LOADING | STALE | SENTINEL, (0, 0, 0) Server [DANGEROUS] tips[NONDET, ALL_SHARDS, RES_SPECIAL];
    DbSize "dbsize" 1 READONLY | FAST, (0, 0, 0) Server [KEYSPACE] tips[ALL_SHARDS, AGG_SUM];
    FlushDb "flushdb" -1 WRITE, (0, 0, 0) Server [KEYSPACE DANGEROUS] tips[ALL_SHARDS, ALL_SUCCEEDED];
    FlushAll "flushall" -1 WRITE, (0, 0, 0) Server [KEYSPACE DANGEROUS] tips[ALL_SHARDS, ALL_SUCCEEDED];
    Config "config" -2 CONTAINER, (0, 0, 0) Server [];
    ConfigGet "config|get" -3 ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0) Server [];
    ConfigSet "config|set" -4 ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0) Server [] tips[ALL_NODES, ALL_SUCCEEDED];
    ConfigResetStat "config|resetstat" 2 ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0) Server [];
    ConfigRewrite "config|rewrite" 2 ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0) Server [];
    ConfigHelp "config|help" 2 LOADING | STALE, (0, 0, 0) Server [];
    Time "time" 1 LOADING | STALE | FAST, (0, 0, 0) Server [] tips[NONDET];
    Shutdown "shutdown" -1 ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | ALLOW_BUSY | SENTINEL, (0, 0, 0) Server [];
    Debug "debug" -2 ADMIN | NOSCRIPT | LOADING | STALE | PROTECTED, (0, 0, 0) Server [];
    Monitor "monitor" 1 ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0) Server [];
    Slowlog "slowlog" -2 CONTAINER, (0, 0, 0) Server [];
    SlowlogGet "slowlog|get" -2 ADMIN | LOADING | STALE, (0, 0, 0) Server [] tips[ALL_NODES, NONDET];
    SlowlogLen "slowlog|len" 2 ADMIN | LOADING | STALE, (0, 0, 0) Server [] tips[ALL_NODES, AGG_SUM, NONDET];
    SlowlogReset "slowlog|reset" 2 ADMIN | LOADING | STALE, (0, 0, 0) Server [] tips[ALL_NODES, ALL_SUCCEEDED];
    SlowlogHelp "slowlog|help" 2 LOADING | STALE, (0, 0, 0) Server [];
    Latency "latency" -2 CONTAINER, (0, 0, 0) Server [];
    LatencyLatest "latency|latest" 2 ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0) Server [] tips[NONDET, ALL_NODES, RES_SPECIAL];
    LatencyReset "latency|reset" -2 ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0) Server [] tips[ALL_NODES, ALL_SUCCEEDED];
    LatencyHistory "latency|history" 3 ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0) Server [] tips[NONDET, ALL_NODES, RES_SPECIAL];
    LatencyHelp "latency|help" 2 LOADING | STALE, (0, 0, 0) Server [];
    Command "command" -1 LOADING | STALE | SENTINEL | CONTAINER, (0, 0, 0) Server [CONNECTION] tips[NONDET_ORDER];
    CommandCount "command|count" 2 LOADING | STALE | SENTINEL, (0, 0, 0) Server [CONNECTION];
    CommandInfo "command|info" -2 LOADING | STALE | SENTINEL, (0, 0, 0) Server [CONNECTION] tips[NONDET_ORDER];
    CommandDocs "command|docs" -2 LOADING | STALE | SENTINEL, (0, 0, 0) Server [CONNECTION] tips[NONDET_ORDER];
    CommandGetKeys "command|getkeys" -4 LOADING | STALE | SENTINEL, (0, 0, 0) Server [CONNECTION];
    CommandList "command|list" -2 LOADING | STALE | SENTINEL, (0, 0, 0) Server [CONNECTION] tips[NONDET_ORDER];
    CommandHelp "command|help" 2 LOADING | STALE | SENTINEL, (0, 0, 0) Server [CONNECTION];
    LastSave "lastsave" 1 LOADING | STALE | FAST, (0, 0, 0) Server [ADMIN DANGEROUS] tips[NONDET];

    // transactions
    Multi "multi" 1 NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, (0, 0, 0) Transactions [TRANSACTION];
    Exec "exec" 1 NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG, (0, 0, 0) Transactions [TRANSACTION];
    Discard "discard" 1 NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, (0, 0, 0) Transactions [TRANSACTION];
    Watch "watch" -2 NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, (1, -1, 1) Transactions [TRANSACTION] keys[keys_from(RO, 1, -1, 1)];
    Unwatch "unwatch" 1 NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, (0, 0, 0) Transactions [TRANSACTION];

    // pub/sub
    Subscribe "subscribe" -2 PUBSUB | NOSCRIPT | LOADING | STALE, (0, 0, 0) PubSub [];
    Psubscribe "psubscribe" -2 PUBSUB | NOSCRIPT | LOADING | STALE, (0, 0, 0) PubSub [];
    Ssubscribe "ssubscribe" -2 PUBSUB | NOSCRIPT | LOADING | STALE, (1, -1, 1) PubSub [] keys[keys_from(NOT_KEY, 1, -1, 1)];
    Unsubscribe "unsubscribe" -1 PUBSUB | NOSCRIPT | LOADING | STALE, (0, 0, 0) PubSub [];
    Punsubscribe "punsubscribe" -1 PUBSUB | NOSCRIPT | LOADING | STALE, (0, 0, 0) PubSub [];
    Sunsubscribe "sunsubscribe" -1 PUBSUB | NOSCRIPT | LOADING | STALE, (1, -1, 1) PubSub [] keys[keys_from(NOT_KEY, 1, -1, 1)];
    Publish "publish" 3 PUBSUB | LOADING | STALE | FAST | SENTINEL, (0, 0, 0) PubSub [];
    Spublish "spublish" 3 PUBSUB | LOADING | STALE | FAST, (1, 1, 1) PubSub [] keys[key_at(NOT_KEY, 1)];
    Pubsub "pubsub" -2 CONTAINER, (0, 0, 0) PubSub [];
    PubsubChannels "pubsub|channels" -2 PUBSUB | LOADING | STALE, (0, 0, 0) PubSub [];
    PubsubNumsub "pubsub|numsub" -2 PUBSUB | LOADING | STALE, (0, 0, 0) PubSub [];
    PubsubNumpat "pubsub|numpat" 2 PUBSUB | LOADING | STALE, (0, 0, 0) PubSub [];
    PubsubShardchannels "pubsub|shardchannels" -2 PUBSUB | LOADING | STALE, (0, 0, 0) PubSub [];
    PubsubShardnumsub "pubsub|shardnumsub" -2 PUBSUB | LOADING | STALE, (0, 0, 0) PubSub [];
    PubsubHelp "pubsub|help" 2 LOADING | STALE, (0, 0, 0) PubSub [];
}
