//! Set commands: membership (SADD, SREM, SCARD, SISMEMBER, SMISMEMBER, SMOVE) and SSCAN here, the
//! algebra (SMEMBERS, SINTER, SUNION, SDIFF, their STORE forms, SINTERCARD) in [`algebra`], SPOP and
//! SRANDMEMBER in [`random`]. The set type, intset or hashtable encoded, is `rds_storage::set`.

pub mod algebra;
pub mod random;

#[cfg(test)]
mod tests;

use rds_resp::ReplyBuf;
use rds_storage::set::Set;
use rds_storage::Value;

use crate::cmd::hash::scan::{scan_and_reply, scan_cursor, scan_options, write_empty_scan};
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::notify::{GENERIC, SET};

pub use algebra::{sdiff, sdiffstore, sinter, sintercard, sinterstore, smembers, sunion, sunionstore};
pub use random::{spop, srandmember};

/// The set at `key` for reading, with the reply buffer: `None` when missing, WRONGTYPE for other types.
fn read_set<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Result<(Option<&'c Set>, &'c mut ReplyBuf), CommandError> {
    match ctx.lookup_read_with_out(key) {
        (None, out) => Ok((None, out)),
        (Some(Value::Set(set)), out) => Ok((Some(set), out)),
        (Some(_), _) => Err(CommandError::WrongType),
    }
}

/// The set at `key` for writing: `None` when missing, WRONGTYPE for other types.
fn write_set<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Result<Option<&'c mut Set>, CommandError> {
    match ctx.lookup_write(key) {
        None => Ok(None),
        Some(Value::Set(set)) => Ok(Some(set)),
        Some(_) => Err(CommandError::WrongType),
    }
}

/// SADD key member [member ...]: the number of members added.
pub fn sadd(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.arg(1);
    let members = ctx.argv.get(2..).unwrap_or_default();
    let limits = ctx.server.settings.set_limits;
    let added = match write_set(ctx, key)? {
        Some(set) => members.iter().filter(|member| set.insert(member, &limits)).count(),
        None => {
            let mut set = Set::new();
            let added = members.iter().filter(|member| set.insert(member, &limits)).count();
            ctx.set_value(key, Value::Set(set));
            added
        }
    };
    if added > 0 {
        ctx.changed(added as u64);
        ctx.notify(SET, "sadd", key);
    }
    ctx.out().int(added as i64);
    Ok(())
}

/// SREM key member [member ...]: the number of members removed; an emptied set is deleted.
pub fn srem(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.arg(1);
    let members = ctx.argv.get(2..).unwrap_or_default();
    let Some(set) = write_set(ctx, key)? else {
        ctx.out().int(0);
        return Ok(());
    };
    let mut removed = 0;
    for member in members {
        if set.remove(member) {
            removed += 1;
            if set.is_empty() {
                break;
            }
        }
    }
    let emptied = set.is_empty();
    if emptied {
        ctx.db().remove(key);
    }
    if removed > 0 {
        ctx.changed(removed);
        ctx.notify(SET, "srem", key);
        if emptied {
            ctx.notify(GENERIC, "del", key);
        }
    }
    ctx.out().int(removed as i64);
    Ok(())
}

/// SCARD key: the number of members.
pub fn scard(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.arg(1);
    let (set, out) = read_set(ctx, key)?;
    out.int(set.map_or(0, |set| set.len() as i64));
    Ok(())
}

/// SISMEMBER key member: 1 when `member` is in the set.
pub fn sismember(ctx: &mut Ctx) -> CmdResult {
    let (key, member) = (ctx.arg(1), ctx.arg(2));
    let (set, out) = read_set(ctx, key)?;
    out.int(i64::from(set.is_some_and(|set| set.contains(member))));
    Ok(())
}

/// SMISMEMBER key member [member ...]: 1 or 0 per member.
pub fn smismember(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.arg(1);
    let members = ctx.argv.get(2..).unwrap_or_default();
    let (set, out) = read_set(ctx, key)?;
    out.array(members.len());
    for member in members {
        out.int(i64::from(set.is_some_and(|set| set.contains(member))));
    }
    Ok(())
}

/// What a key holds, for SMOVE's checks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Held {
    Nothing,
    Set,
    Other,
}

fn held(ctx: &mut Ctx, key: &[u8]) -> Held {
    match ctx.lookup_write(key) {
        None => Held::Nothing,
        Some(Value::Set(_)) => Held::Set,
        Some(_) => Held::Other,
    }
}

/// SMOVE source destination member: 1 when `member` was moved (or both keys are the same set holding
/// it). A missing source answers 0 before any type check of the destination, as in Redis.
pub fn smove(ctx: &mut Ctx) -> CmdResult {
    let (source, destination, member) = (ctx.arg(1), ctx.arg(2), ctx.arg(3));
    let (from, to) = (held(ctx, source), held(ctx, destination));
    if from == Held::Nothing {
        ctx.out().int(0);
        return Ok(());
    }
    if from == Held::Other || to == Held::Other {
        return Err(CommandError::WrongType);
    }
    let Some(set) = write_set(ctx, source)? else { return Ok(()) };
    if source == destination {
        let present = set.contains(member);
        ctx.out().int(i64::from(present));
        return Ok(());
    }
    if !set.remove(member) {
        ctx.out().int(0);
        return Ok(());
    }
    let emptied = set.is_empty();
    ctx.notify(SET, "srem", source);
    if emptied {
        ctx.db().remove(source);
        ctx.notify(GENERIC, "del", source);
    }
    let limits = ctx.server.settings.set_limits;
    let added = match write_set(ctx, destination)? {
        Some(set) => set.insert(member, &limits),
        None => {
            ctx.set_value(destination, Value::Set(Set::from_members([member], &limits)));
            true
        }
    };
    ctx.changed(1 + u64::from(added));
    ctx.modified_key(1);
    if added {
        ctx.modified_key(2);
        ctx.notify(SET, "sadd", destination);
    }
    ctx.out().int(1);
    Ok(())
}

/// SSCAN key cursor [MATCH pattern] [COUNT count]
pub fn sscan(ctx: &mut Ctx) -> CmdResult {
    let cursor = scan_cursor(ctx)?;
    let key = ctx.arg(1);
    // Option errors only count once the key is known to be a set.
    let options = scan_options(ctx);
    let (set, out) = match read_set(ctx, key)? {
        (Some(set), out) => (set, out),
        (None, out) => {
            write_empty_scan(out);
            return Ok(());
        }
    };
    let options = options?;
    scan_and_reply(out, &options, cursor, |cursor, tally| {
        set.scan(cursor, |member| {
            tally.visited += 1;
            if options.matches(member) {
                tally.elements.bulk(member);
                tally.kept += 1;
            }
        })
    });
    Ok(())
}
