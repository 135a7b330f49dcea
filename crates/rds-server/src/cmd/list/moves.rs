//! LMOVE and RPOPLPUSH: pop from one list and push onto another (or the same) one.

use bytes::Bytes;
use rds_storage::list::End;
use rds_storage::Value;

use super::blocking::Retry;
use super::{list_mut, parse_end, pop_event, push_event, push_items};
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::notify::{GENERIC, LIST};

/// Moves one element from `from` of the list at argument 1 to `to` of the list at argument 2 and
/// writes it as a bulk; `Ok(false)` (nothing written) when the source is missing. The destination's
/// type is checked before anything moves. A retry (a blocked client being served) only takes from
/// the ready key and leaves a source of another type alone instead of failing.
pub(super) fn move_element(ctx: &mut Ctx, from: End, to: End, retry: &Retry) -> Result<bool, CommandError> {
    let (src, dst) = (ctx.arg(1), ctx.arg(2));
    if !retry.allows(src) {
        return Ok(false);
    }
    match list_mut(ctx, src) {
        Ok(Some(_)) => {}
        Ok(None) => return Ok(false),
        Err(_) if retry.active => return Ok(false),
        Err(error) => return Err(error),
    }
    if src != dst && ctx.lookup_write(dst).is_some_and(|value| !matches!(value, Value::List(_))) {
        return Err(CommandError::WrongType);
    }
    let Some((list, _)) = list_mut(ctx, src)? else { return Ok(false) };
    let Some(item) = list.pop(from).map(Bytes::from) else { return Ok(false) };
    let src_emptied = list.is_empty();
    if src == dst {
        // The same list: the element goes back in before the emptiness check, as in Redis.
        list.push(to, &item);
    } else {
        if src_emptied {
            ctx.db().remove(src);
        }
        push_items(ctx, dst, to, std::slice::from_ref(&item), false)?;
    }
    ctx.notify(LIST, push_event(to), dst);
    ctx.notify(LIST, pop_event(from), src);
    if src_emptied && src != dst {
        ctx.notify(GENERIC, "del", src);
    }
    ctx.out().bulk(&item);
    Ok(true)
}

/// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
pub fn lmove(ctx: &mut Ctx) -> CmdResult {
    let from = parse_end(ctx.arg(3)).ok_or(CommandError::Syntax)?;
    let to = parse_end(ctx.arg(4)).ok_or(CommandError::Syntax)?;
    move_command(ctx, from, to)
}

/// RPOPLPUSH source destination
pub fn rpoplpush(ctx: &mut Ctx) -> CmdResult {
    move_command(ctx, End::Tail, End::Head)
}

fn move_command(ctx: &mut Ctx, from: End, to: End) -> CmdResult {
    if move_element(ctx, from, to, &Retry::FIRST)? {
        ctx.changed(1);
    } else {
        ctx.out().null();
    }
    Ok(())
}
