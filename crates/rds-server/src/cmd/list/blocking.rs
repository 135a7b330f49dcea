//! BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP and CLIENT UNBLOCK.
//!
//! A blocking command first runs like its non-blocking form; when every list is empty it asks the
//! dispatcher to block the client (`ctx.block`). After a write to one of its keys the dispatcher runs
//! the command again on the client's behalf (a *retry*). As in Redis 7.0, a retry serves from the
//! key that became ready only, and a key that now holds another type keeps the client blocked
//! instead of failing it (BLMOVE's destination is the exception: WRONGTYPE, and the client is
//! unblocked). Effects propagate as the non-blocking command that took place: BLPOP as `LPOP key`,
//! BLMPOP as `LPOP key n`, BLMOVE as `LMOVE` (positions in lowercase when served after blocking),
//! BRPOPLPUSH as `RPOPLPUSH`.
//!
//! Timeouts reply a null array, BLMOVE and BRPOPLPUSH included (Redis's timeout path is shared);
//! inside MULTI, where blocking is denied, BLMOVE and BRPOPLPUSH reply a null bulk instead.

use bytes::{Bytes, BytesMut};
use rds_resp::ReplyBuf;
use rds_storage::list::End;

use super::moves::move_element;
use super::parse_end;
use super::pop::{mpop_serve, parse_mpop, pop_first};
use crate::blocking::{parse_timeout, TimeoutReply};
use crate::cmd::string::arg_bytes;
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};

/// Whether a run is a retry for a blocked client, and from which key it may serve.
#[derive(Debug, Clone)]
pub(super) struct Retry {
    /// True when the dispatcher re-runs the command of a blocked client.
    pub active: bool,
    /// The ready key being served (in the client's database), if any.
    pub key: Option<Bytes>,
}

impl Retry {
    /// A first run: every key may serve, and a key of another type is an error.
    pub const FIRST: Retry = Retry { active: false, key: None };

    /// Reads the run's situation: the caller is still registered as blocked only during a retry.
    fn of(ctx: &Ctx) -> Retry {
        if !ctx.server.blocking.is_blocked(ctx.session.id) {
            return Retry::FIRST;
        }
        let key = ctx.server.blocking.serving().filter(|(db, _)| *db == ctx.session.db).map(|(_, key)| key.clone());
        Retry { active: true, key }
    }

    /// True when `key` may be served from in this run.
    pub fn allows(&self, key: &[u8]) -> bool {
        !self.active || self.key.as_deref() == Some(key)
    }
}

/// BLPOP / BRPOP key [key ...] timeout
fn bpop(ctx: &mut Ctx, end: End) -> CmdResult {
    let last = ctx.argc().saturating_sub(1);
    let deadline = parse_timeout(ctx.arg(last), ctx.now_ms)?;
    let retry = Retry::of(ctx);
    if pop_first(ctx, 1..last, end, None, &retry)? {
        return Ok(());
    }
    let keys = ctx.argv.get(1..last).unwrap_or_default().to_vec();
    ctx.block(keys, deadline, TimeoutReply::NullArray);
    Ok(())
}

/// BLPOP key [key ...] timeout
pub fn blpop(ctx: &mut Ctx) -> CmdResult {
    bpop(ctx, End::Head)
}

/// BRPOP key [key ...] timeout
pub fn brpop(ctx: &mut Ctx) -> CmdResult {
    bpop(ctx, End::Tail)
}

/// The lowercase position word Redis propagates for a served BLMOVE.
fn end_word(end: End) -> Bytes {
    match end {
        End::Head => Bytes::from_static(b"left"),
        End::Tail => Bytes::from_static(b"right"),
    }
}

/// BLMOVE / BRPOPLPUSH with the timeout at argument `timeout_at`; `as_lmove` picks the effect.
fn bmove(ctx: &mut Ctx, from: End, to: End, timeout_at: usize, as_lmove: bool) -> CmdResult {
    let deadline = parse_timeout(ctx.arg(timeout_at), ctx.now_ms)?;
    let retry = Retry::of(ctx);
    if move_element(ctx, from, to, &retry)? {
        ctx.changed(1);
        let (src, dst) = (arg_bytes(ctx, 1), arg_bytes(ctx, 2));
        let effect = match (as_lmove, retry.active) {
            (false, _) => vec![Bytes::from_static(b"RPOPLPUSH"), src, dst],
            (true, true) => vec![Bytes::from_static(b"LMOVE"), src, dst, end_word(from), end_word(to)],
            (true, false) => vec![Bytes::from_static(b"LMOVE"), src, dst, arg_bytes(ctx, 3), arg_bytes(ctx, 4)],
        };
        ctx.propagate(effect);
        return Ok(());
    }
    if ctx.session.deny_blocking {
        ctx.out().null();
        return Ok(());
    }
    ctx.block(vec![arg_bytes(ctx, 1)], deadline, TimeoutReply::NullArray);
    Ok(())
}

/// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
pub fn blmove(ctx: &mut Ctx) -> CmdResult {
    let from = parse_end(ctx.arg(3)).ok_or(CommandError::Syntax)?;
    let to = parse_end(ctx.arg(4)).ok_or(CommandError::Syntax)?;
    bmove(ctx, from, to, 5, true)
}

/// BRPOPLPUSH source destination timeout
pub fn brpoplpush(ctx: &mut Ctx) -> CmdResult {
    bmove(ctx, End::Tail, End::Head, 3, false)
}

/// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
pub fn blmpop(ctx: &mut Ctx) -> CmdResult {
    let args = parse_mpop(ctx, 2)?;
    let deadline = parse_timeout(ctx.arg(1), ctx.now_ms)?;
    let retry = Retry::of(ctx);
    if mpop_serve(ctx, &args, &retry)? {
        return Ok(());
    }
    let keys = ctx.argv.get(args.keys.clone()).unwrap_or_default().to_vec();
    ctx.block(keys, deadline, TimeoutReply::NullArray);
    Ok(())
}

/// The error a client unblocked with `CLIENT UNBLOCK id ERROR` receives.
const UNBLOCKED_ERROR: &str = "UNBLOCKED client unblocked via CLIENT UNBLOCK";

/// CLIENT UNBLOCK client-id [TIMEOUT|ERROR]: the target gets its timeout reply (or the UNBLOCKED
/// error) in its own protocol; replies 1 when a blocked client was unblocked, else 0.
pub fn client_unblock(ctx: &mut Ctx) -> CmdResult {
    if ctx.argc() > 4 {
        return Err(CommandError::err(format!(
            "unknown subcommand or wrong number of arguments for '{}'. Try CLIENT HELP.",
            String::from_utf8_lossy(ctx.arg(1))
        )));
    }
    let as_error = match ctx.argc() {
        4 if ctx.arg_is(3, "timeout") => false,
        4 if ctx.arg_is(3, "error") => true,
        4 => return Err(CommandError::err("CLIENT UNBLOCK reason should be TIMEOUT or ERROR")),
        _ => false,
    };
    let id = ctx.int_arg(2)?;
    let unblocked = u64::try_from(id).ok().and_then(|id| ctx.server.blocking.unblock(id).map(|blocked| (id, blocked)));
    let Some((id, blocked)) = unblocked else {
        ctx.out().int(0);
        return Ok(());
    };
    let mut reply = ReplyBuf { buf: BytesMut::new(), protocol: blocked.protocol };
    if as_error {
        reply.error(UNBLOCKED_ERROR.as_bytes());
        ctx.server.stats.error_replies += 1;
        ctx.server.stats.errors.record(UNBLOCKED_ERROR);
    } else {
        blocked.request.timeout_reply.write(&mut reply);
    }
    // Redis counts the ended command as failed, whichever the reason.
    if let rds_commands::Resolved::Command(spec) = rds_commands::resolve(&blocked.argv) {
        ctx.server.stats.commands.record_failed(spec.id);
    }
    if let Some(record) = ctx.server.clients.get_mut(id) {
        record.push(&reply.buf);
    }
    ctx.out().int(1);
    Ok(())
}
