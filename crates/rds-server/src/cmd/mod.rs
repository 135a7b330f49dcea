//! Command handlers, one file per family, bound to the command table by one exhaustive match.

pub mod bitfield;
pub mod bitops;
pub mod client;
pub mod command;
pub mod connection;
pub mod counter;
pub mod debug;
pub mod dump;
pub mod expire;
pub mod function;
pub mod geo;
pub mod hash;
pub mod hll;
pub mod info;
pub mod keys;
pub mod lcs;
pub mod list;
pub mod longdouble;
pub mod memory;
pub mod module;
pub mod persist;
pub mod pubsub;
pub mod repl;
pub mod server;
pub mod set;
pub mod sort;
pub mod string;
pub mod string_range;
pub mod tx;
pub mod zset;

use rds_commands::CommandId;

use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};

/// A command handler.
pub type Handler = fn(&mut Ctx) -> CmdResult;

/// The handler of `id`.
pub fn handler(id: CommandId) -> Handler {
    use CommandId::*;
    match id {
        Ping => connection::ping,
        Echo => connection::echo,
        Hello => connection::hello,
        Auth => connection::auth,
        Select => connection::select,
        Quit => connection::quit,
        Reset => connection::reset,
        Client => container,
        ClientId => client::id,
        ClientSetname => client::setname,
        ClientGetname => client::getname,
        ClientList => client::list,
        ClientInfo => client::info,
        ClientKill => client::kill,
        ClientNoEvict => client::no_evict,
        ClientReply => client::reply,
        ClientHelp => client::help,
        ClientPause => client::pause,
        ClientUnpause => client::unpause,
        ClientUnblock => list::client_unblock,
        ClientTracking => client::tracking,
        ClientCaching => client::caching,
        ClientGetredir => client::getredir,
        ClientTrackinginfo => client::tracking_info,
        Get => string::get,
        Set => string::set,
        GetEx => string::getex,
        GetDel => string::getdel,
        GetSet => string::getset,
        SetNx => string::setnx,
        SetEx => string::setex,
        PSetEx => string::psetex,
        MGet => string::mget,
        MSet => string::mset,
        MSetNx => string::msetnx,
        Append => string_range::append,
        StrLen => string_range::strlen,
        GetRange => string_range::getrange,
        SubStr => string_range::getrange,
        SetRange => string_range::setrange,
        Incr => counter::incr,
        Decr => counter::decr,
        IncrBy => counter::incrby,
        DecrBy => counter::decrby,
        IncrByFloat => counter::incrbyfloat,
        SetBit => bitops::setbit,
        GetBit => bitops::getbit,
        BitCount => bitops::bitcount,
        BitPos => bitops::bitpos,
        BitOp => bitops::bitop,
        BitField => bitfield::bitfield,
        BitFieldRo => bitfield::bitfield_ro,
        Lcs => lcs::lcs,
        LPush => list::lpush,
        RPush => list::rpush,
        LPushX => list::lpushx,
        RPushX => list::rpushx,
        LPop => list::lpop,
        RPop => list::rpop,
        LLen => list::llen,
        LRange => list::lrange,
        LIndex => list::lindex,
        LSet => list::lset,
        LInsert => list::linsert,
        LRem => list::lrem,
        LTrim => list::ltrim,
        LPos => list::lpos,
        LMove => list::lmove,
        RPopLPush => list::rpoplpush,
        LMPop => list::lmpop,
        BLPop => list::blpop,
        BRPop => list::brpop,
        BLMove => list::blmove,
        BRPopLPush => list::brpoplpush,
        BLMPop => list::blmpop,
        HSet => hash::hset,
        HSetNx => hash::hsetnx,
        HGet => hash::hget,
        HMGet => hash::hmget,
        HMSet => hash::hmset,
        HDel => hash::hdel,
        HLen => hash::hlen,
        HStrLen => hash::hstrlen,
        HExists => hash::hexists,
        HKeys => hash::hkeys,
        HVals => hash::hvals,
        HGetAll => hash::hgetall,
        HIncrBy => hash::hincrby,
        HIncrByFloat => hash::hincrbyfloat,
        HRandField => hash::hrandfield,
        HScan => hash::hscan,
        SAdd => set::sadd,
        SRem => set::srem,
        SCard => set::scard,
        SIsMember => set::sismember,
        SMIsMember => set::smismember,
        SMembers => set::smembers,
        SPop => set::spop,
        SRandMember => set::srandmember,
        SMove => set::smove,
        SInter => set::sinter,
        SInterStore => set::sinterstore,
        SInterCard => set::sintercard,
        SUnion => set::sunion,
        SUnionStore => set::sunionstore,
        SDiff => set::sdiff,
        SDiffStore => set::sdiffstore,
        SScan => set::sscan,
        ZAdd => zset::zadd,
        ZIncrBy => zset::zincrby,
        ZRem => zset::zrem,
        ZCard => zset::zcard,
        ZScore => zset::zscore,
        ZMScore => zset::zmscore,
        ZRank => zset::zrank,
        ZRevRank => zset::zrevrank,
        ZCount => zset::zcount,
        ZLexCount => zset::zlexcount,
        ZRange => zset::zrange,
        ZRangeStore => zset::zrangestore,
        ZRevRange => zset::zrevrange,
        ZRangeByScore => zset::zrangebyscore,
        ZRevRangeByScore => zset::zrevrangebyscore,
        ZRangeByLex => zset::zrangebylex,
        ZRevRangeByLex => zset::zrevrangebylex,
        ZRemRangeByRank => zset::zremrangebyrank,
        ZRemRangeByScore => zset::zremrangebyscore,
        ZRemRangeByLex => zset::zremrangebylex,
        ZPopMin => zset::zpopmin,
        ZPopMax => zset::zpopmax,
        BZPopMin => zset::bzpopmin,
        BZPopMax => zset::bzpopmax,
        ZMPop => zset::zmpop,
        BZMPop => zset::bzmpop,
        ZUnion => zset::zunion,
        ZUnionStore => zset::zunionstore,
        ZInter => zset::zinter,
        ZInterStore => zset::zinterstore,
        ZInterCard => zset::zintercard,
        ZDiff => zset::zdiff,
        ZDiffStore => zset::zdiffstore,
        ZRandMember => zset::zrandmember,
        ZScan => zset::zscan,
        GeoAdd => geo::geoadd,
        GeoDist => geo::geodist,
        GeoHash => geo::geohash,
        GeoPos => geo::geopos,
        GeoRadius => geo::georadius,
        GeoRadiusRo => geo::georadius_ro,
        GeoRadiusByMember => geo::georadiusbymember,
        GeoRadiusByMemberRo => geo::georadiusbymember_ro,
        GeoSearch => geo::geosearch,
        GeoSearchStore => geo::geosearchstore,
        Del => keys::del,
        Unlink => keys::unlink,
        Exists => keys::exists,
        Type => keys::key_type,
        Rename => keys::rename,
        RenameNx => keys::renamenx,
        Copy => keys::copy,
        Move => keys::move_key,
        SwapDb => keys::swapdb,
        Keys => keys::keys,
        Scan => keys::scan,
        RandomKey => keys::randomkey,
        Touch => keys::touch,
        Object => keys::object,
        ObjectEncoding => keys::object_encoding,
        ObjectRefcount => keys::object_refcount,
        ObjectIdletime => keys::object_idletime,
        ObjectFreq => keys::object_freq,
        ObjectHelp => keys::object_help,
        Expire => expire::expire,
        PExpire => expire::pexpire,
        ExpireAt => expire::expireat,
        PExpireAt => expire::pexpireat,
        Ttl => expire::ttl,
        PTtl => expire::pttl,
        ExpireTime => expire::expiretime,
        PExpireTime => expire::pexpiretime,
        Persist => expire::persist,
        Dump => dump::dump,
        Restore => dump::restore,
        Sort => sort::sort,
        SortRo => sort::sort_ro,
        PfAdd => hll::pfadd,
        PfCount => hll::pfcount,
        PfMerge => hll::pfmerge,
        PfDebug => hll::pfdebug,
        PfSelfTest => hll::pfselftest,
        Info => info::info,
        DbSize => server::dbsize,
        FlushDb => server::flushdb,
        FlushAll => server::flushall,
        Config => server::container,
        ConfigGet => server::config_get,
        ConfigSet => server::config_set,
        ConfigResetStat => server::config_resetstat,
        ConfigRewrite => server::config_rewrite,
        ConfigHelp => server::config_help,
        Module => server::container,
        ModuleHelp => module::help,
        ModuleList => module::list,
        ModuleLoad => module::load,
        ModuleLoadEx => module::loadex,
        ModuleUnload => module::unload,
        Time => server::time,
        Shutdown => server::shutdown,
        Debug => debug::debug,
        Monitor => server::monitor,
        Slowlog => server::container,
        SlowlogGet => server::slowlog_get,
        SlowlogLen => server::slowlog_len,
        SlowlogReset => server::slowlog_reset,
        SlowlogHelp => server::slowlog_help,
        Latency => server::container,
        LatencyLatest => server::latency_latest,
        LatencyReset => server::latency_reset,
        LatencyHistory => server::latency_history,
        LatencyHistogram => server::latency_histogram,
        LatencyHelp => server::latency_help,
        Command => command::command,
        CommandCount => command::count,
        CommandInfo => command::info,
        CommandDocs => command::docs,
        CommandGetKeys => command::getkeys,
        CommandGetKeysAndFlags => command::getkeys_and_flags,
        CommandList => command::list,
        CommandHelp => command::help,
        LastSave => server::lastsave,
        Save => persist::save,
        BgSave => persist::bgsave,
        BgRewriteAof => persist::bgrewriteaof,
        Memory => container,
        Function => container,
        FunctionFlush => function::flush,
        MemoryDoctor => memory::doctor,
        MemoryHelp => memory::help,
        MemoryMallocStats => memory::malloc_stats,
        MemoryPurge => memory::purge,
        MemoryStats => memory::stats,
        MemoryUsage => memory::usage,
        Multi => tx::multi,
        Exec => tx::exec,
        Discard => tx::discard,
        Watch => tx::watch,
        Unwatch => tx::unwatch,
        Subscribe => pubsub::subscribe,
        Psubscribe => pubsub::psubscribe,
        Ssubscribe => pubsub::ssubscribe,
        Unsubscribe => pubsub::unsubscribe,
        Punsubscribe => pubsub::punsubscribe,
        Sunsubscribe => pubsub::sunsubscribe,
        Publish => pubsub::publish,
        Spublish => pubsub::spublish,
        Pubsub => container,
        PubsubChannels => pubsub::pubsub_channels,
        PubsubNumsub => pubsub::pubsub_numsub,
        PubsubNumpat => pubsub::pubsub_numpat,
        PubsubShardchannels => pubsub::pubsub_shardchannels,
        PubsubShardnumsub => pubsub::pubsub_shardnumsub,
        PubsubHelp => pubsub::pubsub_help,
        Replconf => repl::replconf,
        Psync => repl::psync,
        Sync => repl::sync,
        Replicaof | Slaveof => repl::replicaof,
        Role => repl::role,
        Wait => repl::wait,
        Failover => repl::failover,
    }
}

/// A container command (CONFIG, CLIENT, ...) is only reached through its subcommands; the dispatcher's
/// arity check rejects it alone, so this only runs if the table's arity is wrong.
fn container(ctx: &mut Ctx) -> CmdResult {
    Err(CommandError::WrongArity(ctx.spec.name.to_string()))
}

/// The optional `count` of LPOP/RPOP/ZPOPMIN/ZPOPMAX at argument 2: `None` when absent.
fn pop_count(ctx: &Ctx) -> Result<Option<usize>, CommandError> {
    if ctx.argc() < 3 {
        return Ok(None);
    }
    rds_storage::num::parse_i64(ctx.arg(2))
        .and_then(|c| usize::try_from(c).ok())
        .map(Some)
        .ok_or_else(|| CommandError::err("value is out of range, must be positive"))
}

/// Deletes `key` when its container was emptied, with the `del` event (after the command's own event).
fn delete_if_empty(ctx: &mut Ctx, key: &[u8], now_empty: bool) {
    if now_empty {
        ctx.db().remove(key);
        ctx.notify(crate::notify::GENERIC, "del", key);
    }
}

/// Records `n` changes to `key` alone: for commands whose other key arguments were not touched
/// (BLPOP, LMPOP, BZPOPMIN, ZMPOP), so WATCHes on those stay valid. The caller propagates its effect
/// explicitly.
fn changed_key(ctx: &mut Ctx, key: &[u8], n: u64) {
    ctx.server.dirty += n;
    ctx.touch(key);
}

/// The optional `COUNT n` tail of LMPOP/BLMPOP/ZMPOP/BZMPOP starting at argument `from`: 1 when absent.
fn mpop_count(ctx: &Ctx, from: usize) -> Result<usize, CommandError> {
    let mut count = None;
    let mut index = from;
    while index < ctx.argc() {
        if count.is_none() && index + 1 < ctx.argc() && ctx.arg_is(index, "count") {
            let value = rds_storage::num::parse_i64(ctx.arg(index + 1))
                .filter(|c| *c > 0)
                .and_then(|c| usize::try_from(c).ok())
                .ok_or_else(|| CommandError::err("count should be greater than 0"))?;
            count = Some(value);
            index += 2;
        } else {
            return Err(CommandError::Syntax);
        }
    }
    Ok(count.unwrap_or(1))
}
