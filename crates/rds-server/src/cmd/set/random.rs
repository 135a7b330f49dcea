//! SPOP and SRANDMEMBER.
//!
//! SPOP is replicated as its effect: `SREM key member` per popped member (wrapped in MULTI/EXEC when
//! there are several), or `DEL key` when the whole set was taken, exactly as Redis 7.0 does, so
//! replicas never redo the random choice.

use bytes::Bytes;
use rds_resp::ReplyBuf;
use rds_storage::set::{Set, SetLimits};
use rds_storage::Value;

use super::write_set;
use crate::cmd::hash::lookup_read_mut;
use crate::cmd::hash::random::{random_count, repeat_picks};
use crate::cmd::string::arg_bytes;
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::notify::{GENERIC, SET};

/// SPOP key [count]
pub fn spop(ctx: &mut Ctx) -> CmdResult {
    match ctx.argc() {
        3 => return spop_count(ctx),
        4.. => return Err(CommandError::Syntax),
        _ => {}
    }
    let key = ctx.arg(1);
    let Some(set) = write_set(ctx, key)? else {
        ctx.out().null();
        return Ok(());
    };
    let Some(member) = set.pop_random() else {
        ctx.out().null();
        return Ok(());
    };
    let emptied = set.is_empty();
    ctx.notify(SET, "spop", key);
    ctx.out().bulk(&member);
    if emptied {
        ctx.db().remove(key);
        ctx.notify(GENERIC, "del", key);
    }
    ctx.changed(1);
    ctx.propagate(vec![Bytes::from_static(b"SREM"), arg_bytes(ctx, 1), Bytes::copy_from_slice(&member)]);
    Ok(())
}

/// SPOP key count: `count` distinct members, as a RESP3 set; taking the whole set deletes the key.
fn spop_count(ctx: &mut Ctx) -> CmdResult {
    let count = match ctx.int_arg(2) {
        Ok(count) if count >= 0 => usize::try_from(count).unwrap_or(usize::MAX),
        _ => return Err(CommandError::err("value is out of range, must be positive")),
    };
    let key = ctx.arg(1);
    let limits = ctx.server.settings.set_limits;
    let Some(set) = write_set(ctx, key)? else {
        ctx.out().set(0);
        return Ok(());
    };
    if count == 0 {
        ctx.out().set(0);
        return Ok(());
    }
    if count >= set.len() {
        // Redis answers with the members of a copy built like SUNION's result (sorted when it is an
        // intset, whatever the source's encoding), then deletes the key.
        let whole = Set::from_members(set.iter(), &limits);
        ctx.notify(SET, "spop", key);
        reply_members(ctx.out(), &whole);
        ctx.db().remove(key);
        ctx.notify(GENERIC, "del", key);
        ctx.changed(whole.len() as u64);
        ctx.propagate(vec![Bytes::from_static(b"DEL"), arg_bytes(ctx, 1)]);
        return Ok(());
    }
    let popped = pop_some(set, count, &limits);
    ctx.notify(SET, "spop", key);
    let out = ctx.out();
    out.set(popped.len());
    for member in &popped {
        out.bulk(member);
    }
    ctx.changed(popped.len() as u64);
    for member in popped {
        ctx.propagate(vec![Bytes::from_static(b"SREM"), arg_bytes(ctx, 1), member]);
    }
    Ok(())
}

/// Redis's SPOP_MOVE_STRATEGY_MUL: popping one by one pays while what stays is at least a fifth of
/// what goes.
const MOVE_STRATEGY_MUL: usize = 5;

/// Pops `count` (< size) random members the way Redis does: one by one while few are taken, else by
/// moving the members that stay into a new set (built like a fresh one, so its encoding may change)
/// and answering with the rest in the old set's order (ascending for an intset).
fn pop_some(set: &mut Set, count: usize, limits: &SetLimits) -> Vec<Bytes> {
    let remaining = set.len().saturating_sub(count);
    if remaining.saturating_mul(MOVE_STRATEGY_MUL) > count {
        return set.pop_random_many(count).iter().map(|member| Bytes::copy_from_slice(member)).collect();
    }
    let mut kept = Set::new();
    for _ in 0..remaining {
        if let Some(member) = set.pop_random() {
            kept.insert(&member, limits);
        }
    }
    let popped = set.iter().map(|member| Bytes::copy_from_slice(&member)).collect();
    *set = kept;
    popped
}

fn reply_members(out: &mut ReplyBuf, set: &Set) {
    out.set(set.len());
    for member in set.iter() {
        out.bulk(&member);
    }
}

/// SRANDMEMBER key [count]
pub fn srandmember(ctx: &mut Ctx) -> CmdResult {
    match ctx.argc() {
        3 => return srandmember_count(ctx),
        4.. => return Err(CommandError::Syntax),
        _ => {}
    }
    let key = ctx.arg(1);
    match lookup_read_mut(ctx, key) {
        (Some(Value::Set(set)), out) => match set.random_member() {
            Some(member) => out.bulk(&member),
            None => out.null(),
        },
        (Some(_), _) => return Err(CommandError::WrongType),
        (None, out) => out.null(),
    }
    Ok(())
}

/// SRANDMEMBER key count: `count > 0` distinct members (the whole set, in order, when it has no
/// more), `count < 0` |count| members that may repeat; always an array, never a RESP3 set.
fn srandmember_count(ctx: &mut Ctx) -> CmdResult {
    let count = random_count(ctx, 2)?;
    let hard_limit = ctx.server.settings.output_limits[0].hard;
    let key = ctx.arg(1);
    let (set, out) = match lookup_read_mut(ctx, key) {
        (Some(Value::Set(set)), out) => (set, out),
        (Some(_), _) => return Err(CommandError::WrongType),
        (None, out) => {
            out.array(0);
            return Ok(());
        }
    };
    if count > 1 {
        out.array(usize::try_from(count).unwrap_or(usize::MAX).min(set.len()));
        set.random_members(count, |member| out.bulk(member));
        return Ok(());
    }
    let samples = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
    out.array(samples);
    let complete =
        repeat_picks(out, samples, hard_limit, |out| set.random_member().map(|member| out.bulk(&member)).is_some());
    if !complete {
        ctx.session.close_after_reply = true;
    }
    Ok(())
}
