//! ZPOPMIN / ZPOPMAX, ZMPOP and the blocking forms BZPOPMIN / BZPOPMAX / BZMPOP.
//!
//! A blocking command first runs like its non-blocking form; when every key is missing it asks the
//! dispatcher to block the client (`ctx.block`). After a write to one of its keys the dispatcher runs
//! the command again on the client's behalf (a *retry*): as in Redis 7.0 a retry serves from the key
//! that became ready only, and a key that now holds another type keeps the client blocked. Effects
//! propagate as Redis writes them: BZPOPMIN as `ZPOPMIN key`, ZMPOP and BZMPOP as
//! `ZPOPMIN key count` with the number actually popped.

use std::ops::Range;

use bytes::Bytes;
use rds_resp::ReplyBuf;
use rds_storage::num::parse_i64;
use rds_storage::zset::ZSet;

use super::{changed_key, delete_if_empty, reply_score, write_zset};
use crate::blocking::{parse_timeout, TimeoutReply};
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::notify::ZSET;

/// Whether a run is a retry for a blocked client, and from which key it may serve.
struct Retry {
    active: bool,
    key: Option<Bytes>,
}

impl Retry {
    /// Reads the run's situation: the caller is still registered as blocked only during a retry.
    fn of(ctx: &Ctx) -> Retry {
        if !ctx.server.blocking.is_blocked(ctx.session.id) {
            return Retry { active: false, key: None };
        }
        let key = ctx.server.blocking.serving().filter(|(db, _)| *db == ctx.session.db).map(|(_, key)| key.clone());
        Retry { active: true, key }
    }

    /// True when `key` may be served from in this run.
    fn allows(&self, key: &[u8]) -> bool {
        !self.active || self.key.as_deref() == Some(key)
    }
}

/// Writes up to `count` (at least one) members from the low end of `zset` (the high end when
/// `max`) in pop order, each as a `[member, score]` pair when `nested`, then removes them; returns
/// how many were popped.
fn pop_members(zset: &mut ZSet, out: &mut ReplyBuf, max: bool, count: usize, nested: bool) -> usize {
    zset.pop_with(count, max, |member, score| {
        if nested {
            out.array(2);
        }
        out.bulk(member);
        reply_score(out, score);
    })
}

/// The keyspace event of a pop.
fn pop_event(max: bool) -> &'static str {
    if max {
        "zpopmax"
    } else {
        "zpopmin"
    }
}

/// The command a pop propagates as.
fn pop_command(max: bool) -> Bytes {
    Bytes::from_static(if max { b"ZPOPMAX" } else { b"ZPOPMIN" })
}

/// ZPOPMIN / ZPOPMAX key [count]
fn zpop(ctx: &mut Ctx, max: bool) -> CmdResult {
    if ctx.argc() > 3 {
        return Err(CommandError::Syntax);
    }
    let count = crate::cmd::pop_count(ctx)?;
    let key = ctx.arg(1);
    let Some((zset, out)) = write_zset(ctx, key)? else {
        ctx.out().array(0);
        return Ok(());
    };
    if count == Some(0) {
        out.array(0);
        return Ok(());
    }
    // RESP3 nests [member, score] pairs when a count was given.
    let nested = out.is_resp3() && count.is_some();
    let n = count.unwrap_or(1).min(zset.len());
    out.array(if nested { n } else { n * 2 });
    pop_members(zset, out, max, n, nested);
    let emptied = zset.is_empty();
    ctx.notify(ZSET, pop_event(max), key);
    ctx.changed(n as u64);
    delete_if_empty(ctx, key, emptied);
    Ok(())
}

/// ZPOPMIN key [count]
pub fn zpopmin(ctx: &mut Ctx) -> CmdResult {
    zpop(ctx, false)
}

/// ZPOPMAX key [count]
pub fn zpopmax(ctx: &mut Ctx) -> CmdResult {
    zpop(ctx, true)
}

/// Pops from the first existing set among argument indexes `keys` (the ready key only on a retry),
/// writing `[key, ...]` per `nested`: BZPOPMIN's flat `[key, member, score]` or ZMPOP's
/// `[key, [[member, score], ...]]`. Returns the key's index and how many were popped; `None` when
/// every key is missing. WRONGTYPE on a first run; a retry skips keys holding other types.
fn pop_first(
    ctx: &mut Ctx,
    keys: Range<usize>,
    max: bool,
    count: usize,
    nested: bool,
    retry: &Retry,
) -> Result<Option<(usize, usize)>, CommandError> {
    for index in keys {
        let key = ctx.arg(index);
        if !retry.allows(key) {
            continue;
        }
        let (zset, out) = match write_zset(ctx, key) {
            Ok(Some(found)) => found,
            Ok(None) => continue,
            Err(_) if retry.active => continue,
            Err(error) => return Err(error),
        };
        let n = count.min(zset.len());
        if nested {
            out.array(2);
            out.bulk(key);
            out.array(n);
        } else {
            out.array(n * 2 + 1);
            out.bulk(key);
        }
        pop_members(zset, out, max, n, nested);
        let emptied = zset.is_empty();
        ctx.notify(ZSET, pop_event(max), key);
        changed_key(ctx, key, n as u64);
        ctx.modified_key(index);
        delete_if_empty(ctx, key, emptied);
        return Ok(Some((index, n)));
    }
    Ok(None)
}

/// BZPOPMIN / BZPOPMAX key [key ...] timeout
fn bzpop(ctx: &mut Ctx, max: bool) -> CmdResult {
    let last = ctx.argc().saturating_sub(1);
    let deadline = parse_timeout(ctx.arg(last), ctx.now_ms)?;
    let retry = Retry::of(ctx);
    if let Some((index, _)) = pop_first(ctx, 1..last, max, 1, false, &retry)? {
        let key = ctx.argv[index].clone();
        ctx.propagate(vec![pop_command(max), key]);
        return Ok(());
    }
    let keys = ctx.argv.get(1..last).unwrap_or_default().to_vec();
    ctx.block(keys, deadline, TimeoutReply::NullArray);
    Ok(())
}

/// BZPOPMIN key [key ...] timeout
pub fn bzpopmin(ctx: &mut Ctx) -> CmdResult {
    bzpop(ctx, false)
}

/// BZPOPMAX key [key ...] timeout
pub fn bzpopmax(ctx: &mut Ctx) -> CmdResult {
    bzpop(ctx, true)
}

/// The parsed arguments of ZMPOP / BZMPOP.
struct MpopArgs {
    /// Argument indexes of the keys.
    keys: Range<usize>,
    /// Pop the highest scores (MAX) rather than the lowest (MIN).
    max: bool,
    /// Most members to pop (COUNT, default 1).
    count: usize,
}

/// Parses `numkeys key [key ...] MIN|MAX [COUNT count]` with `numkeys` at `numkeys_at`, with
/// Redis's checks in its order.
fn parse_mpop(ctx: &Ctx, numkeys_at: usize) -> Result<MpopArgs, CommandError> {
    let numkeys = parse_i64(ctx.arg(numkeys_at))
        .filter(|n| *n > 0)
        .ok_or_else(|| CommandError::err("numkeys should be greater than 0"))?;
    let first = numkeys_at + 1;
    let where_at = usize::try_from(numkeys)
        .ok()
        .and_then(|n| first.checked_add(n))
        .filter(|at| *at < ctx.argc())
        .ok_or(CommandError::Syntax)?;
    let max = match ctx.arg(where_at) {
        word if word.eq_ignore_ascii_case(b"min") => false,
        word if word.eq_ignore_ascii_case(b"max") => true,
        _ => return Err(CommandError::Syntax),
    };
    let count = super::super::mpop_count(ctx, where_at + 1)?;
    Ok(MpopArgs { keys: first..where_at, max, count })
}

/// Propagates a served ZMPOP / BZMPOP as `ZPOPMIN|ZPOPMAX key popped`.
fn propagate_mpop(ctx: &mut Ctx, max: bool, index: usize, count: usize) {
    let key = ctx.argv[index].clone();
    ctx.propagate(vec![pop_command(max), key, Bytes::from(count.to_string())]);
}

/// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
pub fn zmpop(ctx: &mut Ctx) -> CmdResult {
    let args = parse_mpop(ctx, 1)?;
    let first_run = Retry { active: false, key: None };
    match pop_first(ctx, args.keys, args.max, args.count, true, &first_run)? {
        Some((index, popped)) => propagate_mpop(ctx, args.max, index, popped),
        None => ctx.out().null_array(),
    }
    Ok(())
}

/// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]
pub fn bzmpop(ctx: &mut Ctx) -> CmdResult {
    let args = parse_mpop(ctx, 2)?;
    let deadline = parse_timeout(ctx.arg(1), ctx.now_ms)?;
    let retry = Retry::of(ctx);
    if let Some((index, popped)) = pop_first(ctx, args.keys.clone(), args.max, args.count, true, &retry)? {
        propagate_mpop(ctx, args.max, index, popped);
        return Ok(());
    }
    let keys = ctx.argv.get(args.keys).unwrap_or_default().to_vec();
    ctx.block(keys, deadline, TimeoutReply::NullArray);
    Ok(())
}
