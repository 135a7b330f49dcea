//! Command handlers, one file per family, bound to the command table by one exhaustive match.

pub mod connection;
pub mod pubsub;
pub mod tx;

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
        Client => pending,
        ClientId => pending,
        ClientSetname => pending,
        ClientGetname => pending,
        ClientList => pending,
        ClientInfo => pending,
        ClientKill => pending,
        ClientNoEvict => pending,
        ClientReply => pending,
        ClientHelp => pending,
        Get => pending,
        Set => pending,
        GetEx => pending,
        GetDel => pending,
        GetSet => pending,
        SetNx => pending,
        SetEx => pending,
        PSetEx => pending,
        MGet => pending,
        MSet => pending,
        MSetNx => pending,
        Append => pending,
        StrLen => pending,
        GetRange => pending,
        SubStr => pending,
        SetRange => pending,
        Incr => pending,
        Decr => pending,
        IncrBy => pending,
        DecrBy => pending,
        IncrByFloat => pending,
        SetBit => pending,
        GetBit => pending,
        BitCount => pending,
        BitPos => pending,
        BitOp => pending,
        Lcs => pending,
        Del => pending,
        Unlink => pending,
        Exists => pending,
        Type => pending,
        Rename => pending,
        RenameNx => pending,
        Copy => pending,
        Move => pending,
        SwapDb => pending,
        Keys => pending,
        Scan => pending,
        RandomKey => pending,
        Touch => pending,
        Object => pending,
        ObjectEncoding => pending,
        ObjectRefcount => pending,
        ObjectIdletime => pending,
        ObjectFreq => pending,
        ObjectHelp => pending,
        Expire => pending,
        PExpire => pending,
        ExpireAt => pending,
        PExpireAt => pending,
        Ttl => pending,
        PTtl => pending,
        ExpireTime => pending,
        PExpireTime => pending,
        Persist => pending,
        Info => pending,
        DbSize => pending,
        FlushDb => pending,
        FlushAll => pending,
        Config => pending,
        ConfigGet => pending,
        ConfigSet => pending,
        ConfigResetStat => pending,
        ConfigRewrite => pending,
        ConfigHelp => pending,
        Time => pending,
        Shutdown => pending,
        Debug => pending,
        Monitor => pending,
        Slowlog => pending,
        SlowlogGet => pending,
        SlowlogLen => pending,
        SlowlogReset => pending,
        SlowlogHelp => pending,
        Latency => pending,
        LatencyLatest => pending,
        LatencyReset => pending,
        LatencyHistory => pending,
        LatencyHelp => pending,
        Command => pending,
        CommandCount => pending,
        CommandInfo => pending,
        CommandDocs => pending,
        CommandGetKeys => pending,
        CommandList => pending,
        CommandHelp => pending,
        LastSave => pending,
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
    }
}

/// A container command (CONFIG, CLIENT, ...) is only reached through its subcommands; the dispatcher's
/// arity check rejects it alone, so this only runs if the table's arity is wrong.
fn container(ctx: &mut Ctx) -> CmdResult {
    Err(CommandError::WrongArity(ctx.spec.name.to_string()))
}

/// Placeholder for commands whose handler is being written; replies like an unknown command.
fn pending(ctx: &mut Ctx) -> CmdResult {
    Err(CommandError::err(format!("command '{}' is not implemented yet", ctx.spec.name)))
}
