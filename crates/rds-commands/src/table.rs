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
    ClientPause "client|pause" -3 ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL, (0, 0, 0) Connection [CONNECTION];
    ClientUnpause "client|unpause" 2 ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL, (0, 0, 0) Connection [CONNECTION];
    ClientUnblock "client|unblock" -3 ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0) Connection [CONNECTION];
    ClientTracking "client|tracking" -3 NOSCRIPT | LOADING | STALE | SENTINEL, (0, 0, 0) Connection [CONNECTION];
    ClientCaching "client|caching" 3 NOSCRIPT | LOADING | STALE | SENTINEL, (0, 0, 0) Connection [CONNECTION];
    ClientGetredir "client|getredir" 2 NOSCRIPT | LOADING | STALE | SENTINEL, (0, 0, 0) Connection [CONNECTION];
    ClientTrackinginfo "client|trackinginfo" 2 NOSCRIPT | LOADING | STALE | SENTINEL, (0, 0, 0) Connection [CONNECTION];

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
    BitField "bitfield" -2 WRITE | DENYOOM, (1, 1, 1) Bitmap [BITMAP] keys[key_at(RW | ACCESS | UPDATE | VARIABLE_FLAGS, 1).notes("This command allows both access and modification of the key")];
    BitFieldRo "bitfield_ro" -2 READONLY | FAST, (1, 1, 1) Bitmap [BITMAP] keys[key_at(RO | ACCESS, 1)];
    Lcs "lcs" -3 READONLY, (1, 2, 1) String [STRING] keys[keys_from(RO | ACCESS, 1, 1, 1)];

    // lists
    LPush "lpush" -3 WRITE | DENYOOM | FAST, (1, 1, 1) List [LIST] keys[key_at(RW | INSERT, 1)];
    RPush "rpush" -3 WRITE | DENYOOM | FAST, (1, 1, 1) List [LIST] keys[key_at(RW | INSERT, 1)];
    LPushX "lpushx" -3 WRITE | DENYOOM | FAST, (1, 1, 1) List [LIST] keys[key_at(RW | INSERT, 1)];
    RPushX "rpushx" -3 WRITE | DENYOOM | FAST, (1, 1, 1) List [LIST] keys[key_at(RW | INSERT, 1)];
    LPop "lpop" -2 WRITE | FAST, (1, 1, 1) List [LIST] keys[key_at(RW | ACCESS | DELETE, 1)];
    RPop "rpop" -2 WRITE | FAST, (1, 1, 1) List [LIST] keys[key_at(RW | ACCESS | DELETE, 1)];
    LLen "llen" 2 READONLY | FAST, (1, 1, 1) List [LIST] keys[key_at(RO, 1)];
    LRange "lrange" 4 READONLY, (1, 1, 1) List [LIST] keys[key_at(RO | ACCESS, 1)];
    LIndex "lindex" 3 READONLY, (1, 1, 1) List [LIST] keys[key_at(RO | ACCESS, 1)];
    LSet "lset" 4 WRITE | DENYOOM, (1, 1, 1) List [LIST] keys[key_at(RW | UPDATE, 1)];
    LInsert "linsert" 5 WRITE | DENYOOM, (1, 1, 1) List [LIST] keys[key_at(RW | INSERT, 1)];
    LRem "lrem" 4 WRITE, (1, 1, 1) List [LIST] keys[key_at(RW | DELETE, 1)];
    LTrim "ltrim" 4 WRITE, (1, 1, 1) List [LIST] keys[key_at(RW | DELETE, 1)];
    LPos "lpos" -3 READONLY, (1, 1, 1) List [LIST] keys[key_at(RO | ACCESS, 1)];
    LMove "lmove" 5 WRITE | DENYOOM, (1, 2, 1) List [LIST] keys[key_at(RW | ACCESS | DELETE, 1), key_at(RW | INSERT, 2)];
    RPopLPush "rpoplpush" 3 WRITE | DENYOOM, (1, 2, 1) List [LIST] keys[key_at(RW | ACCESS | DELETE, 1), key_at(RW | INSERT, 2)];
    LMPop "lmpop" -4 WRITE | MOVABLE_KEYS, (0, 0, 0) List [LIST] keys[KeySpec::new(RW | ACCESS | DELETE, BeginSearch::Index(1), FindKeys::Keynum { keynum_idx: 0, first_key: 1, key_step: 1 })];
    BLPop "blpop" -3 WRITE | NOSCRIPT | BLOCKING, (1, -2, 1) List [LIST] keys[keys_from(RW | ACCESS | DELETE, 1, -2, 1)];
    BRPop "brpop" -3 WRITE | NOSCRIPT | BLOCKING, (1, -2, 1) List [LIST] keys[keys_from(RW | ACCESS | DELETE, 1, -2, 1)];
    BLMove "blmove" 6 WRITE | DENYOOM | NOSCRIPT | BLOCKING, (1, 2, 1) List [LIST] keys[key_at(RW | ACCESS | DELETE, 1), key_at(RW | INSERT, 2)];
    BRPopLPush "brpoplpush" 4 WRITE | DENYOOM | NOSCRIPT | BLOCKING, (1, 2, 1) List [LIST] keys[key_at(RW | ACCESS | DELETE, 1), key_at(RW | INSERT, 2)];
    BLMPop "blmpop" -5 WRITE | BLOCKING | MOVABLE_KEYS, (0, 0, 0) List [LIST] keys[KeySpec::new(RW | ACCESS | DELETE, BeginSearch::Index(2), FindKeys::Keynum { keynum_idx: 0, first_key: 1, key_step: 1 })];

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
    Scan "scan" -2 READONLY | TOUCHES_ARBITRARY_KEYS, (0, 0, 0) Generic [KEYSPACE] tips[NONDET, REQ_SPECIAL];
    RandomKey "randomkey" 1 READONLY | TOUCHES_ARBITRARY_KEYS, (0, 0, 0) Generic [KEYSPACE] tips[ALL_SHARDS, NONDET];
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

    // dump/restore
    Dump "dump" 2 READONLY, (1, 1, 1) Generic [KEYSPACE] keys[key_at(RO | ACCESS, 1)] tips[NONDET];
    Restore "restore" -4 WRITE | DENYOOM, (1, 1, 1) Generic [KEYSPACE DANGEROUS] keys[key_at(OW | UPDATE, 1)];

    // hashes
    HSet "hset" -4 WRITE | DENYOOM | FAST, (1, 1, 1) Hash [HASH] keys[key_at(RW | UPDATE, 1)];
    HSetNx "hsetnx" 4 WRITE | DENYOOM | FAST, (1, 1, 1) Hash [HASH] keys[key_at(RW | INSERT, 1)];
    HGet "hget" 3 READONLY | FAST, (1, 1, 1) Hash [HASH] keys[key_at(RO | ACCESS, 1)];
    HMGet "hmget" -3 READONLY | FAST, (1, 1, 1) Hash [HASH] keys[key_at(RO | ACCESS, 1)];
    HMSet "hmset" -4 WRITE | DENYOOM | FAST, (1, 1, 1) Hash [HASH] keys[key_at(RW | UPDATE, 1)];
    HDel "hdel" -3 WRITE | FAST, (1, 1, 1) Hash [HASH] keys[key_at(RW | DELETE, 1)];
    HLen "hlen" 2 READONLY | FAST, (1, 1, 1) Hash [HASH] keys[key_at(RO, 1)];
    HStrLen "hstrlen" 3 READONLY | FAST, (1, 1, 1) Hash [HASH] keys[key_at(RO, 1)];
    HExists "hexists" 3 READONLY | FAST, (1, 1, 1) Hash [HASH] keys[key_at(RO, 1)];
    HKeys "hkeys" 2 READONLY, (1, 1, 1) Hash [HASH] keys[key_at(RO | ACCESS, 1)] tips[NONDET_ORDER];
    HVals "hvals" 2 READONLY, (1, 1, 1) Hash [HASH] keys[key_at(RO | ACCESS, 1)] tips[NONDET_ORDER];
    HGetAll "hgetall" 2 READONLY, (1, 1, 1) Hash [HASH] keys[key_at(RO | ACCESS, 1)] tips[NONDET_ORDER];
    HIncrBy "hincrby" 4 WRITE | DENYOOM | FAST, (1, 1, 1) Hash [HASH] keys[key_at(RW | ACCESS | UPDATE, 1)];
    HIncrByFloat "hincrbyfloat" 4 WRITE | DENYOOM | FAST, (1, 1, 1) Hash [HASH] keys[key_at(RW | ACCESS | UPDATE, 1)];
    HRandField "hrandfield" -2 READONLY, (1, 1, 1) Hash [HASH] keys[key_at(RO | ACCESS, 1)] tips[NONDET];
    HScan "hscan" -3 READONLY, (1, 1, 1) Hash [HASH] keys[key_at(RO | ACCESS, 1)] tips[NONDET];

    // sets
    SAdd "sadd" -3 WRITE | DENYOOM | FAST, (1, 1, 1) Set [SET] keys[key_at(RW | INSERT, 1)];
    SRem "srem" -3 WRITE | FAST, (1, 1, 1) Set [SET] keys[key_at(RW | DELETE, 1)];
    SCard "scard" 2 READONLY | FAST, (1, 1, 1) Set [SET] keys[key_at(RO, 1)];
    SIsMember "sismember" 3 READONLY | FAST, (1, 1, 1) Set [SET] keys[key_at(RO, 1)];
    SMIsMember "smismember" -3 READONLY | FAST, (1, 1, 1) Set [SET] keys[key_at(RO | ACCESS, 1)];
    SMembers "smembers" 2 READONLY, (1, 1, 1) Set [SET] keys[key_at(RO | ACCESS, 1)] tips[NONDET_ORDER];
    SPop "spop" -2 WRITE | FAST, (1, 1, 1) Set [SET] keys[key_at(RW | ACCESS | DELETE, 1)] tips[NONDET];
    SRandMember "srandmember" -2 READONLY, (1, 1, 1) Set [SET] keys[key_at(RO | ACCESS, 1)] tips[NONDET];
    SMove "smove" 4 WRITE | FAST, (1, 2, 1) Set [SET] keys[key_at(RW | ACCESS | DELETE, 1), key_at(RW | INSERT, 2)];
    SInter "sinter" -2 READONLY, (1, -1, 1) Set [SET] keys[keys_from(RO | ACCESS, 1, -1, 1)] tips[NONDET_ORDER];
    SInterStore "sinterstore" -3 WRITE | DENYOOM, (1, -1, 1) Set [SET] keys[key_at(RW | UPDATE, 1), keys_from(RO | ACCESS, 2, -1, 1)];
    SInterCard "sintercard" -3 READONLY | MOVABLE_KEYS, (0, 0, 0) Set [SET] keys[KeySpec::new(RO | ACCESS, BeginSearch::Index(1), FindKeys::Keynum { keynum_idx: 0, first_key: 1, key_step: 1 })];
    SUnion "sunion" -2 READONLY, (1, -1, 1) Set [SET] keys[keys_from(RO | ACCESS, 1, -1, 1)] tips[NONDET_ORDER];
    SUnionStore "sunionstore" -3 WRITE | DENYOOM, (1, -1, 1) Set [SET] keys[key_at(OW | UPDATE, 1), keys_from(RO | ACCESS, 2, -1, 1)];
    SDiff "sdiff" -2 READONLY, (1, -1, 1) Set [SET] keys[keys_from(RO | ACCESS, 1, -1, 1)] tips[NONDET_ORDER];
    SDiffStore "sdiffstore" -3 WRITE | DENYOOM, (1, -1, 1) Set [SET] keys[key_at(OW | UPDATE, 1), keys_from(RO | ACCESS, 2, -1, 1)];
    SScan "sscan" -3 READONLY, (1, 1, 1) Set [SET] keys[key_at(RO | ACCESS, 1)] tips[NONDET];

    // sorted sets
    ZAdd "zadd" -4 WRITE | DENYOOM | FAST, (1, 1, 1) SortedSet [SORTEDSET] keys[key_at(RW | UPDATE, 1)];
    ZIncrBy "zincrby" 4 WRITE | DENYOOM | FAST, (1, 1, 1) SortedSet [SORTEDSET] keys[key_at(RW | ACCESS | UPDATE, 1)];
    ZRem "zrem" -3 WRITE | FAST, (1, 1, 1) SortedSet [SORTEDSET] keys[key_at(RW | DELETE, 1)];
    ZCard "zcard" 2 READONLY | FAST, (1, 1, 1) SortedSet [SORTEDSET] keys[key_at(RO, 1)];
    ZScore "zscore" 3 READONLY | FAST, (1, 1, 1) SortedSet [SORTEDSET] keys[key_at(RO | ACCESS, 1)];
    ZMScore "zmscore" -3 READONLY | FAST, (1, 1, 1) SortedSet [SORTEDSET] keys[key_at(RO | ACCESS, 1)];
    ZRank "zrank" 3 READONLY | FAST, (1, 1, 1) SortedSet [SORTEDSET] keys[key_at(RO | ACCESS, 1)];
    ZRevRank "zrevrank" 3 READONLY | FAST, (1, 1, 1) SortedSet [SORTEDSET] keys[key_at(RO | ACCESS, 1)];
    ZCount "zcount" 4 READONLY | FAST, (1, 1, 1) SortedSet [SORTEDSET] keys[key_at(RO | ACCESS, 1)];
    ZLexCount "zlexcount" 4 READONLY | FAST, (1, 1, 1) SortedSet [SORTEDSET] keys[key_at(RO | ACCESS, 1)];
    ZRange "zrange" -4 READONLY, (1, 1, 1) SortedSet [SORTEDSET] keys[key_at(RO | ACCESS, 1)];
    ZRangeStore "zrangestore" -5 WRITE | DENYOOM, (1, 2, 1) SortedSet [SORTEDSET] keys[key_at(OW | UPDATE, 1), key_at(RO | ACCESS, 2)];
    ZRevRange "zrevrange" -4 READONLY, (1, 1, 1) SortedSet [SORTEDSET] keys[key_at(RO | ACCESS, 1)];
    ZRangeByScore "zrangebyscore" -4 READONLY, (1, 1, 1) SortedSet [SORTEDSET] keys[key_at(RO | ACCESS, 1)];
    ZRevRangeByScore "zrevrangebyscore" -4 READONLY, (1, 1, 1) SortedSet [SORTEDSET] keys[key_at(RO | ACCESS, 1)];
    ZRangeByLex "zrangebylex" -4 READONLY, (1, 1, 1) SortedSet [SORTEDSET] keys[key_at(RO | ACCESS, 1)];
    ZRevRangeByLex "zrevrangebylex" -4 READONLY, (1, 1, 1) SortedSet [SORTEDSET] keys[key_at(RO | ACCESS, 1)];
    ZRemRangeByRank "zremrangebyrank" 4 WRITE, (1, 1, 1) SortedSet [SORTEDSET] keys[key_at(RW | DELETE, 1)];
    ZRemRangeByScore "zremrangebyscore" 4 WRITE, (1, 1, 1) SortedSet [SORTEDSET] keys[key_at(RW | DELETE, 1)];
    ZRemRangeByLex "zremrangebylex" 4 WRITE, (1, 1, 1) SortedSet [SORTEDSET] keys[key_at(RW | DELETE, 1)];
    ZPopMin "zpopmin" -2 WRITE | FAST, (1, 1, 1) SortedSet [SORTEDSET] keys[key_at(RW | ACCESS | DELETE, 1)];
    ZPopMax "zpopmax" -2 WRITE | FAST, (1, 1, 1) SortedSet [SORTEDSET] keys[key_at(RW | ACCESS | DELETE, 1)];
    BZPopMin "bzpopmin" -3 WRITE | NOSCRIPT | BLOCKING | FAST, (1, -2, 1) SortedSet [SORTEDSET] keys[keys_from(RW | ACCESS | DELETE, 1, -2, 1)];
    BZPopMax "bzpopmax" -3 WRITE | NOSCRIPT | BLOCKING | FAST, (1, -2, 1) SortedSet [SORTEDSET] keys[keys_from(RW | ACCESS | DELETE, 1, -2, 1)];
    ZMPop "zmpop" -4 WRITE | MOVABLE_KEYS, (0, 0, 0) SortedSet [SORTEDSET] keys[KeySpec::new(RW | ACCESS | DELETE, BeginSearch::Index(1), FindKeys::Keynum { keynum_idx: 0, first_key: 1, key_step: 1 })];
    BZMPop "bzmpop" -5 WRITE | BLOCKING | MOVABLE_KEYS, (0, 0, 0) SortedSet [SORTEDSET] keys[KeySpec::new(RW | ACCESS | DELETE, BeginSearch::Index(2), FindKeys::Keynum { keynum_idx: 0, first_key: 1, key_step: 1 })];
    ZUnion "zunion" -3 READONLY | MOVABLE_KEYS, (0, 0, 0) SortedSet [SORTEDSET] keys[KeySpec::new(RO | ACCESS, BeginSearch::Index(1), FindKeys::Keynum { keynum_idx: 0, first_key: 1, key_step: 1 })];
    ZUnionStore "zunionstore" -4 WRITE | DENYOOM | MOVABLE_KEYS, (1, 1, 1) SortedSet [SORTEDSET] keys[key_at(OW | UPDATE, 1), KeySpec::new(RO | ACCESS, BeginSearch::Index(2), FindKeys::Keynum { keynum_idx: 0, first_key: 1, key_step: 1 })];
    ZInter "zinter" -3 READONLY | MOVABLE_KEYS, (0, 0, 0) SortedSet [SORTEDSET] keys[KeySpec::new(RO | ACCESS, BeginSearch::Index(1), FindKeys::Keynum { keynum_idx: 0, first_key: 1, key_step: 1 })];
    ZInterStore "zinterstore" -4 WRITE | DENYOOM | MOVABLE_KEYS, (1, 1, 1) SortedSet [SORTEDSET] keys[key_at(OW | UPDATE, 1), KeySpec::new(RO | ACCESS, BeginSearch::Index(2), FindKeys::Keynum { keynum_idx: 0, first_key: 1, key_step: 1 })];
    ZInterCard "zintercard" -3 READONLY | MOVABLE_KEYS, (0, 0, 0) SortedSet [SORTEDSET] keys[KeySpec::new(RO | ACCESS, BeginSearch::Index(1), FindKeys::Keynum { keynum_idx: 0, first_key: 1, key_step: 1 })];
    ZDiff "zdiff" -3 READONLY | MOVABLE_KEYS, (0, 0, 0) SortedSet [SORTEDSET] keys[KeySpec::new(RO | ACCESS, BeginSearch::Index(1), FindKeys::Keynum { keynum_idx: 0, first_key: 1, key_step: 1 })];
    ZDiffStore "zdiffstore" -4 WRITE | DENYOOM | MOVABLE_KEYS, (1, 1, 1) SortedSet [SORTEDSET] keys[key_at(OW | UPDATE, 1), KeySpec::new(RO | ACCESS, BeginSearch::Index(2), FindKeys::Keynum { keynum_idx: 0, first_key: 1, key_step: 1 })];
    ZRandMember "zrandmember" -2 READONLY, (1, 1, 1) SortedSet [SORTEDSET] keys[key_at(RO | ACCESS, 1)] tips[NONDET];
    ZScan "zscan" -3 READONLY, (1, 1, 1) SortedSet [SORTEDSET] keys[key_at(RO | ACCESS, 1)] tips[NONDET];

    // geo: sorted sets whose scores are geohashes
    GeoAdd "geoadd" -5 WRITE | DENYOOM, (1, 1, 1) Geo [GEO] keys[key_at(RW | UPDATE, 1)];
    GeoDist "geodist" -4 READONLY, (1, 1, 1) Geo [GEO] keys[key_at(RO | ACCESS, 1)];
    GeoHash "geohash" -2 READONLY, (1, 1, 1) Geo [GEO] keys[key_at(RO | ACCESS, 1)];
    GeoPos "geopos" -2 READONLY, (1, 1, 1) Geo [GEO] keys[key_at(RO | ACCESS, 1)];
    GeoRadius "georadius" -6 WRITE | DENYOOM | MOVABLE_KEYS, (1, 1, 1) Geo [GEO] keys[key_at(RO | ACCESS, 1), after_keyword(OW | UPDATE, "STORE", 6), after_keyword(OW | UPDATE, "STOREDIST", 6)];
    GeoRadiusRo "georadius_ro" -6 READONLY, (1, 1, 1) Geo [GEO] keys[key_at(RO | ACCESS, 1)];
    GeoRadiusByMember "georadiusbymember" -5 WRITE | DENYOOM | MOVABLE_KEYS, (1, 1, 1) Geo [GEO] keys[key_at(RO | ACCESS, 1), after_keyword(OW | UPDATE, "STORE", 5), after_keyword(OW | UPDATE, "STOREDIST", 5)];
    GeoRadiusByMemberRo "georadiusbymember_ro" -5 READONLY, (1, 1, 1) Geo [GEO] keys[key_at(RO | ACCESS, 1)];
    GeoSearch "geosearch" -7 READONLY, (1, 1, 1) Geo [GEO] keys[key_at(RO | ACCESS, 1)];
    GeoSearchStore "geosearchstore" -8 WRITE | DENYOOM, (1, 2, 1) Geo [GEO] keys[key_at(OW | UPDATE, 1), key_at(RO | ACCESS, 2)];

    // sort
    Sort "sort" -2 WRITE | DENYOOM | MOVABLE_KEYS, (1, 1, 1) Generic [SET SORTEDSET LIST DANGEROUS] keys[key_at(RO | ACCESS, 1), unknown(RO | ACCESS).notes("For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort"), unknown(OW | UPDATE).notes("For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array")];
    SortRo "sort_ro" -2 READONLY | MOVABLE_KEYS, (1, 1, 1) Generic [SET SORTEDSET LIST DANGEROUS] keys[key_at(RO | ACCESS, 1), unknown(RO | ACCESS).notes("For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort")];

    // hyperloglog
    PfAdd "pfadd" -2 WRITE | DENYOOM | FAST, (1, 1, 1) HyperLogLog [HYPERLOGLOG] keys[key_at(RW | INSERT, 1)];
    PfCount "pfcount" -2 READONLY | MAY_REPLICATE, (1, -1, 1) HyperLogLog [HYPERLOGLOG] keys[keys_from(RW | ACCESS, 1, -1, 1).notes("RW because it may change the internal representation of the key, and propagate to replicas")];
    PfMerge "pfmerge" -2 WRITE | DENYOOM, (1, -1, 1) HyperLogLog [HYPERLOGLOG] keys[key_at(RW | ACCESS | INSERT, 1), keys_from(RO | ACCESS, 2, -1, 1)];
    PfDebug "pfdebug" 3 WRITE | DENYOOM | ADMIN, (2, 2, 1) HyperLogLog [HYPERLOGLOG] keys[key_at(RW | ACCESS, 2)];
    PfSelfTest "pfselftest" 1 ADMIN | MAY_REPLICATE, (0, 0, 0) HyperLogLog [HYPERLOGLOG];

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
    Module "module" -2 CONTAINER, (0, 0, 0) Server [];
    ModuleHelp "module|help" 2 LOADING | STALE, (0, 0, 0) Server [];
    ModuleList "module|list" 2 ADMIN | NOSCRIPT, (0, 0, 0) Server [] tips[NONDET_ORDER];
    ModuleLoad "module|load" -3 ADMIN | NOSCRIPT | NO_ASYNC_LOADING | PROTECTED, (0, 0, 0) Server [];
    ModuleLoadEx "module|loadex" -3 ADMIN | NOSCRIPT | NO_ASYNC_LOADING | PROTECTED, (0, 0, 0) Server [];
    ModuleUnload "module|unload" 3 ADMIN | NOSCRIPT | NO_ASYNC_LOADING | PROTECTED, (0, 0, 0) Server [];
    Latency "latency" -2 CONTAINER, (0, 0, 0) Server [];
    LatencyLatest "latency|latest" 2 ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0) Server [] tips[NONDET, ALL_NODES, RES_SPECIAL];
    LatencyReset "latency|reset" -2 ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0) Server [] tips[ALL_NODES, ALL_SUCCEEDED];
    LatencyHistory "latency|history" 3 ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0) Server [] tips[NONDET, ALL_NODES, RES_SPECIAL];
    LatencyHistogram "latency|histogram" -2 ADMIN | NOSCRIPT | LOADING | STALE, (0, 0, 0) Server [] tips[NONDET, ALL_NODES, RES_SPECIAL];
    LatencyHelp "latency|help" 2 LOADING | STALE, (0, 0, 0) Server [];
    Command "command" -1 LOADING | STALE | SENTINEL | CONTAINER, (0, 0, 0) Server [CONNECTION] tips[NONDET_ORDER];
    CommandCount "command|count" 2 LOADING | STALE | SENTINEL, (0, 0, 0) Server [CONNECTION];
    CommandInfo "command|info" -2 LOADING | STALE | SENTINEL, (0, 0, 0) Server [CONNECTION] tips[NONDET_ORDER];
    CommandDocs "command|docs" -2 LOADING | STALE | SENTINEL, (0, 0, 0) Server [CONNECTION] tips[NONDET_ORDER];
    CommandGetKeys "command|getkeys" -4 LOADING | STALE | SENTINEL, (0, 0, 0) Server [CONNECTION];
    CommandGetKeysAndFlags "command|getkeysandflags" -4 LOADING | STALE | SENTINEL, (0, 0, 0) Server [CONNECTION];
    CommandList "command|list" -2 LOADING | STALE | SENTINEL, (0, 0, 0) Server [CONNECTION] tips[NONDET_ORDER];
    CommandHelp "command|help" 2 LOADING | STALE | SENTINEL, (0, 0, 0) Server [CONNECTION];
    LastSave "lastsave" 1 LOADING | STALE | FAST, (0, 0, 0) Server [ADMIN DANGEROUS] tips[NONDET];

    // persistence
    Save "save" 1 ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI, (0, 0, 0) Server [];
    BgSave "bgsave" -1 ADMIN | NOSCRIPT | NO_ASYNC_LOADING, (0, 0, 0) Server [];
    BgRewriteAof "bgrewriteaof" 1 ADMIN | NOSCRIPT | NO_ASYNC_LOADING, (0, 0, 0) Server [];

    // replication
    Replconf "replconf" -1 ADMIN | NOSCRIPT | LOADING | STALE | ALLOW_BUSY, (0, 0, 0) Server [];
    Psync "psync" -3 ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI, (0, 0, 0) Server [];
    Sync "sync" 1 ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI, (0, 0, 0) Server [];
    Replicaof "replicaof" 3 ADMIN | NOSCRIPT | STALE | NO_ASYNC_LOADING, (0, 0, 0) Server [];
    Slaveof "slaveof" 3 ADMIN | NOSCRIPT | STALE | NO_ASYNC_LOADING, (0, 0, 0) Server [];
    Role "role" 1 NOSCRIPT | LOADING | STALE | FAST | SENTINEL, (0, 0, 0) Server [ADMIN DANGEROUS];
    Wait "wait" 3 NOSCRIPT, (0, 0, 0) Generic [CONNECTION] tips[ALL_SHARDS, AGG_MIN];
    Failover "failover" -1 ADMIN | NOSCRIPT | STALE, (0, 0, 0) Server [];

    // memory
    Memory "memory" -2 CONTAINER, (0, 0, 0) Server [];
    MemoryDoctor "memory|doctor" 2 0, (0, 0, 0) Server [] tips[NONDET, ALL_SHARDS, RES_SPECIAL];
    MemoryHelp "memory|help" 2 LOADING | STALE, (0, 0, 0) Server [];
    MemoryMallocStats "memory|malloc-stats" 2 0, (0, 0, 0) Server [] tips[NONDET, ALL_SHARDS, RES_SPECIAL];
    MemoryPurge "memory|purge" 2 0, (0, 0, 0) Server [] tips[ALL_SHARDS, ALL_SUCCEEDED];
    MemoryStats "memory|stats" 2 0, (0, 0, 0) Server [] tips[NONDET, ALL_SHARDS, RES_SPECIAL];
    MemoryUsage "memory|usage" -3 READONLY, (2, 2, 1) Server [] keys[key_at(RO, 2)];

    // transactions
    Multi "multi" 1 NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, (0, 0, 0) Transactions [TRANSACTION];
    Exec "exec" 1 NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG, (0, 0, 0) Transactions [TRANSACTION];
    Discard "discard" 1 NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, (0, 0, 0) Transactions [TRANSACTION];
    Watch "watch" -2 NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, (1, -1, 1) Transactions [TRANSACTION] keys[keys_from(RO, 1, -1, 1)];
    Unwatch "unwatch" 1 NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, (0, 0, 0) Transactions [TRANSACTION];

    // pub/sub
    Subscribe "subscribe" -2 PUBSUB | NOSCRIPT | LOADING | STALE | SENTINEL, (0, 0, 0) PubSub [];
    Psubscribe "psubscribe" -2 PUBSUB | NOSCRIPT | LOADING | STALE | SENTINEL, (0, 0, 0) PubSub [];
    Ssubscribe "ssubscribe" -2 PUBSUB | NOSCRIPT | LOADING | STALE, (1, -1, 1) PubSub [] keys[keys_from(NOT_KEY, 1, -1, 1)];
    Unsubscribe "unsubscribe" -1 PUBSUB | NOSCRIPT | LOADING | STALE | SENTINEL, (0, 0, 0) PubSub [];
    Punsubscribe "punsubscribe" -1 PUBSUB | NOSCRIPT | LOADING | STALE | SENTINEL, (0, 0, 0) PubSub [];
    Sunsubscribe "sunsubscribe" -1 PUBSUB | NOSCRIPT | LOADING | STALE, (1, -1, 1) PubSub [] keys[keys_from(NOT_KEY, 1, -1, 1)];
    Publish "publish" 3 PUBSUB | LOADING | STALE | FAST | MAY_REPLICATE | SENTINEL, (0, 0, 0) PubSub [];
    Spublish "spublish" 3 PUBSUB | LOADING | STALE | FAST | MAY_REPLICATE, (1, 1, 1) PubSub [] keys[key_at(NOT_KEY, 1)];
    Pubsub "pubsub" -2 CONTAINER, (0, 0, 0) PubSub [];
    PubsubChannels "pubsub|channels" -2 PUBSUB | LOADING | STALE, (0, 0, 0) PubSub [];
    PubsubNumsub "pubsub|numsub" -2 PUBSUB | LOADING | STALE, (0, 0, 0) PubSub [];
    PubsubNumpat "pubsub|numpat" 2 PUBSUB | LOADING | STALE, (0, 0, 0) PubSub [];
    PubsubShardchannels "pubsub|shardchannels" -2 PUBSUB | LOADING | STALE, (0, 0, 0) PubSub [];
    PubsubShardnumsub "pubsub|shardnumsub" -2 PUBSUB | LOADING | STALE, (0, 0, 0) PubSub [];
    PubsubHelp "pubsub|help" 2 LOADING | STALE, (0, 0, 0) PubSub [];

    // functions: rds has no script engine, so the function library is always empty
    Function "function" -2 CONTAINER, (0, 0, 0) Scripting [];
    FunctionFlush "function|flush" -2 WRITE | NOSCRIPT, (0, 0, 0) Scripting [SCRIPTING] tips[ALL_SHARDS, ALL_SUCCEEDED];
}
