//! LPOP / RPOP (with COUNT) and LMPOP, and the pop helpers the blocking commands share.

use std::ops::Range;

use bytes::Bytes;
use rds_resp::ReplyBuf;
use rds_storage::list::{End, List};
use rds_storage::num::parse_i64;

use super::blocking::Retry;
use super::{changed_key, list_mut, parse_end, pop_command, popped};
use crate::cmd::string::arg_bytes;
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};

/// Writes up to `count` elements from `end` of `list` (one bare bulk when `count` is `None`), then
/// removes them; returns how many were taken. Nothing is copied: elements go from the list's nodes
/// straight into the reply.
pub(super) fn take(list: &mut List, out: &mut ReplyBuf, end: End, count: Option<usize>) -> usize {
    let n = count.unwrap_or(1).min(list.len());
    let Ok(last) = i64::try_from(n) else { return 0 };
    match count {
        None => {
            let item = match end {
                End::Head => list.get(0),
                End::Tail => list.get(-1),
            };
            match item {
                Some(item) => out.bulk(item),
                None => out.null(),
            }
        }
        Some(_) => {
            out.array(n);
            if n > 0 {
                match end {
                    End::Head => list.range(0, last - 1).for_each(|item| out.bulk(item)),
                    End::Tail => list.range(-last, -1).rev().for_each(|item| out.bulk(item)),
                }
            }
        }
    }
    if n > 0 {
        match end {
            End::Head => list.trim(last, -1),
            End::Tail => list.trim(0, -last - 1),
        }
    }
    n
}

/// LPOP / RPOP key [count]
fn pop_command_at(ctx: &mut Ctx, end: End) -> CmdResult {
    if ctx.argc() > 3 {
        return Err(CommandError::WrongArity(ctx.spec.name.to_string()));
    }
    let count = crate::cmd::pop_count(ctx)?;
    let key = ctx.arg(1);
    let Some((list, out)) = list_mut(ctx, key)? else {
        match count {
            Some(_) => ctx.out().null_array(),
            None => ctx.out().null(),
        }
        return Ok(());
    };
    if count == Some(0) {
        out.array(0);
        return Ok(());
    }
    let n = take(list, out, end, count);
    let now_empty = list.is_empty();
    popped(ctx, key, end, now_empty);
    ctx.changed(n as u64);
    Ok(())
}

/// LPOP key [count]
pub fn lpop(ctx: &mut Ctx) -> CmdResult {
    pop_command_at(ctx, End::Head)
}

/// RPOP key [count]
pub fn rpop(ctx: &mut Ctx) -> CmdResult {
    pop_command_at(ctx, End::Tail)
}

/// The parsed arguments of LMPOP / BLMPOP.
#[derive(Debug, Clone)]
pub(super) struct MpopArgs {
    /// Argument indexes of the keys.
    pub keys: Range<usize>,
    /// Which end to pop from.
    pub end: End,
    /// Most elements to pop (COUNT, default 1).
    pub count: usize,
}

/// Parses `numkeys key [key ...] LEFT|RIGHT [COUNT count]` with `numkeys` at argument `numkeys_at`,
/// with Redis's checks in its order.
pub(super) fn parse_mpop(ctx: &Ctx, numkeys_at: usize) -> Result<MpopArgs, CommandError> {
    let numkeys = parse_i64(ctx.arg(numkeys_at))
        .filter(|n| *n > 0)
        .ok_or_else(|| CommandError::err("numkeys should be greater than 0"))?;
    let first = numkeys_at + 1;
    // The keys, then at least the direction.
    let room = ctx.argc().saturating_sub(first + 1);
    let numkeys = usize::try_from(numkeys).ok().filter(|n| *n <= room).ok_or(CommandError::Syntax)?;
    let where_at = first + numkeys;
    let end = parse_end(ctx.arg(where_at)).ok_or(CommandError::Syntax)?;
    let count = super::super::mpop_count(ctx, where_at + 1)?;
    Ok(MpopArgs { keys: first..where_at, end, count })
}

/// Pops from the first non-empty list among argument indexes `keys` (when retrying for a blocked
/// client, from the ready key only): writes `[key, element]` (`count` `None`, BLPOP) or
/// `[key, [elements]]`, and propagates `LPOP/RPOP key` (with the number popped when `count` is
/// given). False when every list is empty. WRONGTYPE on a first run; a retry skips keys holding other
/// types, as Redis leaves such clients blocked.
pub(super) fn pop_first(
    ctx: &mut Ctx,
    keys: Range<usize>,
    end: End,
    count: Option<usize>,
    retry: &Retry,
) -> Result<bool, CommandError> {
    for index in keys {
        let key = ctx.arg(index);
        if !retry.allows(key) {
            continue;
        }
        let (list, out) = match list_mut(ctx, key) {
            Ok(Some(found)) => found,
            Ok(None) => continue,
            Err(_) if retry.active => continue,
            Err(error) => return Err(error),
        };
        out.array(2);
        out.bulk(key);
        let n = take(list, out, end, count);
        let now_empty = list.is_empty();
        popped(ctx, key, end, now_empty);
        changed_key(ctx, key, n as u64);
        ctx.modified_key(index);
        let mut effect = vec![pop_command(end), arg_bytes(ctx, index)];
        if count.is_some() {
            effect.push(Bytes::from(n.to_string()));
        }
        ctx.propagate(effect);
        return Ok(true);
    }
    Ok(false)
}

/// Pops for LMPOP/BLMPOP: `[key, [elements]]` from the first non-empty list of `args.keys`.
pub(super) fn mpop_serve(ctx: &mut Ctx, args: &MpopArgs, retry: &Retry) -> Result<bool, CommandError> {
    pop_first(ctx, args.keys.clone(), args.end, Some(args.count), retry)
}

/// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
pub fn lmpop(ctx: &mut Ctx) -> CmdResult {
    let args = parse_mpop(ctx, 1)?;
    if !mpop_serve(ctx, &args, &Retry::FIRST)? {
        ctx.out().null_array();
    }
    Ok(())
}
