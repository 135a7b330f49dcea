//! THE command table: one line per command or subcommand. Dispatch, arity checks, COMMAND replies and
//! key extraction (cluster routing) all read it; the server's handler match is exhaustive over
//! [`CommandId`], so an entry without a handler does not compile.

use crate::flags::*;
use crate::{CommandSpec, Group};

macro_rules! commands {
    ($( $id:ident $name:literal $arity:literal $flags:expr, ($first:literal, $last:literal, $step:literal) $group:ident [$($acl:literal),*]; )*) => {
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
                acl_extra: &[$($acl),*],
            }, )*
        ];
    };
}

commands! {
    // connection
    Ping "ping" -1 FAST | SENTINEL, (0, 0, 0) Connection [];
    Echo "echo" 2 FAST, (0, 0, 0) Connection [];
    Hello "hello" -1 NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | SENTINEL | ALLOW_BUSY, (0, 0, 0) Connection [];
    Auth "auth" -2 NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | SENTINEL | ALLOW_BUSY, (0, 0, 0) Connection [];
    Select "select" 2 LOADING | STALE | FAST, (0, 0, 0) Connection [];
    Quit "quit" -1 ALLOW_BUSY | NOSCRIPT | LOADING | STALE | FAST | NO_AUTH, (0, 0, 0) Connection [];
    Reset "reset" 1 NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, (0, 0, 0) Connection [];
    Client "client" -2 SENTINEL | CONTAINER, (0, 0, 0) Connection [];
    ClientId "client|id" 2 NOSCRIPT | LOADING | STALE | SENTINEL, (0, 0, 0) Connection [];
    ClientSetname "client|setname" 3 NOSCRIPT | LOADING | STALE | SENTINEL, (0, 0, 0) Connection [];
    ClientGetname "client|getname" 2 NOSCRIPT | LOADING | STALE | SENTINEL, (0, 0, 0) Connection [];
    ClientList "client|list" -2 ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL, (0, 0, 0) Connection ["dangerous"];
    ClientInfo "client|info" 2 NOSCRIPT | LOADING | STALE | SENTINEL, (0, 0, 0) Connection [];
    ClientKill "client|kill" -3 ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL, (0, 0, 0) Connection ["dangerous"];
    ClientNoEvict "client|no-evict" 3 ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL, (0, 0, 0) Connection ["dangerous"];
    ClientReply "client|reply" 3 NOSCRIPT | LOADING | STALE | SENTINEL, (0, 0, 0) Connection [];
    ClientHelp "client|help" 2 LOADING | STALE | SENTINEL, (0, 0, 0) Connection [];

    // strings
    Get "get" 2 READONLY | FAST, (1, 1, 1) String [];
    Set "set" -3 WRITE | DENYOOM, (1, 1, 1) String [];
    GetEx "getex" -2 WRITE | FAST, (1, 1, 1) String [];
    GetDel "getdel" 2 WRITE | FAST, (1, 1, 1) String [];
    GetSet "getset" 3 WRITE | DENYOOM | FAST, (1, 1, 1) String [];
    SetNx "setnx" 3 WRITE | DENYOOM | FAST, (1, 1, 1) String [];
    SetEx "setex" 4 WRITE | DENYOOM, (1, 1, 1) String [];
    PSetEx "psetex" 4 WRITE | DENYOOM, (1, 1, 1) String [];
    MGet "mget" -2 READONLY | FAST, (1, -1, 1) String [];
    MSet "mset" -3 WRITE | DENYOOM, (1, -1, 2) String [];
    MSetNx "msetnx" -3 WRITE | DENYOOM, (1, -1, 2) String [];
    Append "append" 3 WRITE | DENYOOM | FAST, (1, 1, 1) String [];
    StrLen "strlen" 2 READONLY | FAST, (1, 1, 1) String [];
    GetRange "getrange" 4 READONLY, (1, 1, 1) String [];
    SubStr "substr" 4 READONLY, (1, 1, 1) String [];
    SetRange "setrange" 4 WRITE | DENYOOM, (1, 1, 1) String [];
    Incr "incr" 2 WRITE | DENYOOM | FAST, (1, 1, 1) String [];
    Decr "decr" 2 WRITE | DENYOOM | FAST, (1, 1, 1) String [];
    IncrBy "incrby" 3 WRITE | DENYOOM | FAST, (1, 1, 1) String [];
    DecrBy "decrby" 3 WRITE | DENYOOM | FAST, (1, 1, 1) String [];
    IncrByFloat "incrbyfloat" 3 WRITE | DENYOOM | FAST, (1, 1, 1) String [];
    SetBit "setbit" 4 WRITE | DENYOOM, (1, 1, 1) Bitmap [];
    GetBit "getbit" 3 READONLY | FAST, (1, 1, 1) Bitmap [];
    BitCount "bitcount" -2 READONLY, (1, 1, 1) Bitmap [];
    BitPos "bitpos" -3 READONLY, (1, 1, 1) Bitmap [];
    BitOp "bitop" -4 WRITE | DENYOOM, (2, -1, 1) Bitmap [];
    Lcs "lcs" -3 READONLY, (1, 2, 1) String [];

    // keys
    Del "del" -2 WRITE, (1, -1, 1) Generic [];
    Unlink "unlink" -2 WRITE | FAST, (1, -1, 1) Generic [];
    Exists "exists" -2 READONLY | FAST, (1, -1, 1) Generic [];
    Type "type" 2 READONLY | FAST, (1, 1, 1) Generic [];
    Rename "rename" 3 WRITE, (1, 2, 1) Generic [];
    RenameNx "renamenx" 3 WRITE | FAST, (1, 2, 1) Generic [];
    Copy "copy" -3 WRITE | DENYOOM, (1, 2, 1) Generic [];
    Move "move" 3 WRITE | FAST, (1, 1, 1) Generic [];
    SwapDb "swapdb" 3 WRITE | FAST, (0, 0, 0) Generic ["dangerous"];
    Keys "keys" 2 READONLY, (0, 0, 0) Generic ["dangerous"];
    Scan "scan" -2 READONLY, (0, 0, 0) Generic [];
    RandomKey "randomkey" 1 READONLY, (0, 0, 0) Generic [];
    Touch "touch" -2 READONLY | FAST, (1, -1, 1) Generic [];
    Object "object" -2 CONTAINER, (0, 0, 0) Generic [];
    ObjectEncoding "object|encoding" 3 READONLY, (2, 2, 1) Generic [];
    ObjectRefcount "object|refcount" 3 READONLY, (2, 2, 1) Generic [];
    ObjectIdletime "object|idletime" 3 READONLY, (2, 2, 1) Generic [];
    ObjectFreq "object|freq" 3 READONLY, (2, 2, 1) Generic [];
    ObjectHelp "object|help" 2 LOADING | STALE, (0, 0, 0) Generic [];
    Expire "expire" -3 WRITE | FAST, (1, 1, 1) Generic [];
    PExpire "pexpire" -3 WRITE | FAST, (1, 1, 1) Generic [];
    ExpireAt "expireat" -3 WRITE | FAST, (1, 1, 1) Generic [];
    PExpireAt "pexpireat" -3 WRITE | FAST, (1, 1, 1) Generic [];
    Ttl "ttl" 2 READONLY | FAST, (1, 1, 1) Generic [];
    PTtl "pttl" 2 READONLY | FAST, (1, 1, 1) Generic [];
    ExpireTime "expiretime" 2 READONLY | FAST, (1, 1, 1) Generic [];
    PExpireTime "pexpiretime" 2 READONLY | FAST, (1, 1, 1) Generic [];
    Persist "persist" 2 WRITE | FAST, (1, 1, 1) Generic [];

    // server
    Info "info" -1 LOADING | STALE | SENTINEL, (0, 0, 0) Server [];
    DbSize "dbsize" 1 READONLY | FAST, (0, 0, 0) Server [];
    FlushDb "flushdb" -1 WRITE, (0, 0, 0) Server ["dangerous"];
    FlushAll "flushall" -1 WRITE, (0, 0, 0) Server ["dangerous"];
    Config "config" -2 CONTAINER, (0, 0, 0) Server [];
    ConfigGet "config|get" -3 ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0) Server [];
    ConfigSet "config|set" -4 ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0) Server [];
    ConfigResetStat "config|resetstat" 2 ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0) Server [];
    ConfigRewrite "config|rewrite" 2 ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0) Server [];
    ConfigHelp "config|help" 2 LOADING | STALE, (0, 0, 0) Server [];
    Time "time" 1 LOADING | STALE | FAST, (0, 0, 0) Server [];
    Shutdown "shutdown" -1 ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | SENTINEL | ALLOW_BUSY, (0, 0, 0) Server [];
    Debug "debug" -2 ADMIN | NOSCRIPT | LOADING | STALE | PROTECTED, (0, 0, 0) Server [];
    Monitor "monitor" 1 ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0) Server [];
    Slowlog "slowlog" -2 CONTAINER, (0, 0, 0) Server [];
    SlowlogGet "slowlog|get" -2 ADMIN | LOADING | STALE, (0, 0, 0) Server [];
    SlowlogLen "slowlog|len" 2 ADMIN | LOADING | STALE, (0, 0, 0) Server [];
    SlowlogReset "slowlog|reset" 2 ADMIN | LOADING | STALE, (0, 0, 0) Server [];
    SlowlogHelp "slowlog|help" 2 LOADING | STALE, (0, 0, 0) Server [];
    Latency "latency" -2 CONTAINER, (0, 0, 0) Server [];
    LatencyLatest "latency|latest" 2 ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0) Server [];
    LatencyReset "latency|reset" -2 ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0) Server [];
    LatencyHistory "latency|history" 3 ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0) Server [];
    LatencyHelp "latency|help" 2 LOADING | STALE, (0, 0, 0) Server [];
    Command "command" -1 LOADING | STALE | SENTINEL | CONTAINER, (0, 0, 0) Server [];
    CommandCount "command|count" 2 LOADING | STALE | SENTINEL, (0, 0, 0) Server [];
    CommandInfo "command|info" -2 LOADING | STALE | SENTINEL, (0, 0, 0) Server [];
    CommandDocs "command|docs" -2 LOADING | STALE | SENTINEL, (0, 0, 0) Server [];
    CommandGetKeys "command|getkeys" -3 LOADING | STALE | SENTINEL, (0, 0, 0) Server [];
    CommandList "command|list" -2 LOADING | STALE | SENTINEL, (0, 0, 0) Server [];
    CommandHelp "command|help" 2 LOADING | STALE | SENTINEL, (0, 0, 0) Server [];
    LastSave "lastsave" 1 LOADING | STALE | FAST, (0, 0, 0) Server ["admin", "dangerous"];

    // transactions
    Multi "multi" 1 NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, (0, 0, 0) Transactions [];
    Exec "exec" 1 NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG, (0, 0, 0) Transactions [];
    Discard "discard" 1 NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, (0, 0, 0) Transactions [];
    Watch "watch" -2 NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, (1, -1, 1) Transactions [];
    Unwatch "unwatch" 1 NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, (0, 0, 0) Transactions [];

    // pub/sub
    Subscribe "subscribe" -2 PUBSUB | NOSCRIPT | LOADING | STALE, (0, 0, 0) PubSub [];
    Psubscribe "psubscribe" -2 PUBSUB | NOSCRIPT | LOADING | STALE, (0, 0, 0) PubSub [];
    Ssubscribe "ssubscribe" -2 PUBSUB | NOSCRIPT | LOADING | STALE, (1, -1, 1) PubSub [];
    Unsubscribe "unsubscribe" -1 PUBSUB | NOSCRIPT | LOADING | STALE, (0, 0, 0) PubSub [];
    Punsubscribe "punsubscribe" -1 PUBSUB | NOSCRIPT | LOADING | STALE, (0, 0, 0) PubSub [];
    Sunsubscribe "sunsubscribe" -1 PUBSUB | NOSCRIPT | LOADING | STALE, (1, -1, 1) PubSub [];
    Publish "publish" 3 PUBSUB | LOADING | STALE | FAST | MAY_REPLICATE | SENTINEL, (0, 0, 0) PubSub [];
    Spublish "spublish" 3 PUBSUB | LOADING | STALE | FAST | MAY_REPLICATE, (1, 1, 1) PubSub [];
    Pubsub "pubsub" -2 CONTAINER, (0, 0, 0) PubSub [];
    PubsubChannels "pubsub|channels" -2 PUBSUB | LOADING | STALE, (0, 0, 0) PubSub [];
    PubsubNumsub "pubsub|numsub" -2 PUBSUB | LOADING | STALE, (0, 0, 0) PubSub [];
    PubsubNumpat "pubsub|numpat" 2 PUBSUB | LOADING | STALE, (0, 0, 0) PubSub [];
    PubsubShardchannels "pubsub|shardchannels" -2 PUBSUB | LOADING | STALE, (0, 0, 0) PubSub [];
    PubsubShardnumsub "pubsub|shardnumsub" -2 PUBSUB | LOADING | STALE, (0, 0, 0) PubSub [];
    PubsubHelp "pubsub|help" 2 LOADING | STALE, (0, 0, 0) PubSub [];
}
