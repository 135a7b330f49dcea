//! Hash commands: HSET/HMSET/HSETNX/HDEL and the counters in [`write`], the readers (HGET ... HGETALL)
//! in [`read`], HRANDFIELD in [`random`] and HSCAN (with the SCAN option parser SSCAN shares) in
//! [`scan`]. The hash type itself, with its listpack/hashtable encodings, is `rds_storage::hash`.

pub mod random;
pub mod read;
pub mod scan;
pub mod write;

#[cfg(test)]
pub(crate) mod tests;

use rds_resp::ReplyBuf;
use rds_storage::hash::Hash;
use rds_storage::Value;

use crate::ctx::Ctx;
use crate::error::CommandError;

pub use random::hrandfield;
pub use read::{hexists, hget, hgetall, hkeys, hlen, hmget, hstrlen, hvals};
pub use scan::hscan;
pub use write::{hdel, hincrby, hincrbyfloat, hmset, hset, hsetnx};

/// Looks `key` up like [`Ctx::lookup_read`] (lazy expiry, access clock, hit/miss stats) but lends the
/// value mutably, with the reply buffer: random sampling of a hash table advances its rehash.
pub(crate) fn lookup_read_mut<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> (Option<&'c mut Value>, &'c mut ReplyBuf) {
    let (mode, now, policy, index) = (ctx.server.expiry_mode, ctx.now_ms, ctx.server.settings.access, ctx.session.db);
    let server = &mut *ctx.server;
    let reply = &mut ctx.session.reply;
    let value = match server.keyspace.dbs[index].get_entry_mut(key, now, mode) {
        Some(entry) => {
            entry.access = policy.touched(entry.access, now);
            server.stats.keyspace_hits += 1;
            Some(&mut entry.value)
        }
        None => {
            server.stats.keyspace_misses += 1;
            None
        }
    };
    (value, reply)
}

/// The hash at `key` for reading, with the reply buffer: `None` when missing, WRONGTYPE for other types.
fn read_hash<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Result<(Option<&'c Hash>, &'c mut ReplyBuf), CommandError> {
    match ctx.lookup_read_with_out(key) {
        (None, out) => Ok((None, out)),
        (Some(Value::Hash(hash)), out) => Ok((Some(hash), out)),
        (Some(_), _) => Err(CommandError::WrongType),
    }
}

/// The hash at `key` for writing: `None` when missing, WRONGTYPE for other types.
fn write_hash<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Result<Option<&'c mut Hash>, CommandError> {
    match ctx.lookup_write(key) {
        None => Ok(None),
        Some(Value::Hash(hash)) => Ok(Some(hash)),
        Some(_) => Err(CommandError::WrongType),
    }
}
