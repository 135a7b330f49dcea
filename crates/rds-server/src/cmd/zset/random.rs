//! ZRANDMEMBER and ZSCAN.

use rds_resp::ReplyBuf;
use rds_storage::zset::ZSet;
use rds_storage::Value;

use super::{bulk_score, read_zset, reply_score};
use crate::cmd::hash::random::random_count;
use crate::cmd::hash::scan::{scan_and_reply, scan_cursor, scan_options, write_empty_scan};
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};

/// Largest |count| with WITHSCORES (Redis's `LONG_MAX / 2`, so the RESP2 reply length cannot overflow).
const MAX_COUNT_WITH_SCORES: i64 = i64::MAX / 2;

/// ZRANDMEMBER key [count [WITHSCORES]]
pub fn zrandmember(ctx: &mut Ctx) -> CmdResult {
    if ctx.argc() >= 3 {
        let count = random_count(ctx, 2)?;
        let withscores = ctx.argc() == 4;
        if ctx.argc() > 4 || (withscores && !ctx.arg_is(3, "withscores")) {
            return Err(CommandError::Syntax);
        }
        if withscores && !(-MAX_COUNT_WITH_SCORES..=MAX_COUNT_WITH_SCORES).contains(&count) {
            return Err(CommandError::err("value is out of range"));
        }
        return with_count(ctx, count, withscores);
    }
    let key = ctx.arg(1);
    let (zset, out) = read_zset(ctx, key)?;
    let mut written = false;
    if let Some(zset) = zset {
        zset.random_members(1, false, |member, _| {
            out.bulk(member);
            written = true;
            false
        });
    }
    if !written {
        out.null();
    }
    Ok(())
}

/// Writes one pick: a `[member, score]` pair in RESP3 WITHSCORES, flat otherwise.
fn write_pick(out: &mut ReplyBuf, member: &[u8], score: f64, withscores: bool) {
    if withscores && out.is_resp3() {
        out.array(2);
    }
    out.bulk(member);
    if withscores {
        reply_score(out, score);
    }
}

/// The reply's array header for `picks` picks (RESP2 WITHSCORES flattens pairs, doubling it).
fn header(out: &mut ReplyBuf, picks: usize, withscores: bool) {
    let flat = withscores && !out.is_resp3();
    out.array(if flat { picks.saturating_mul(2) } else { picks });
}

/// ZRANDMEMBER with a count: `count > 0` distinct members (the whole set, in order, when it has no
/// more), `count < 0` |count| members that may repeat. A repeated-sample reply stops, and the
/// client is closed, once it passes the normal clients' hard output limit, as in Redis.
fn with_count(ctx: &mut Ctx, count: i64, withscores: bool) -> CmdResult {
    let hard_limit = ctx.server.settings.output_limits[0].hard;
    let key = ctx.arg(1);
    let (zset, out) = read_zset(ctx, key)?;
    let Some(zset) = zset else {
        out.array(0);
        return Ok(());
    };
    let unique = count > 1;
    let wanted = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
    if wanted == 0 {
        out.array(0);
        return Ok(());
    }
    header(out, if unique { wanted.min(zset.len()) } else { wanted }, withscores);
    let complete = write_picks(zset, out, wanted, unique, withscores, hard_limit);
    if !complete {
        ctx.session.close_after_reply = true;
    }
    Ok(())
}

/// Writes the picks; false when the output limit cut the reply short.
fn write_picks(
    zset: &ZSet,
    out: &mut ReplyBuf,
    wanted: usize,
    unique: bool,
    withscores: bool,
    hard_limit: usize,
) -> bool {
    let mut complete = true;
    zset.random_members(wanted, unique, |member, score| {
        write_pick(out, member, score, withscores);
        if !unique && hard_limit > 0 && out.buf.len() > hard_limit {
            complete = false;
        }
        complete
    });
    complete
}

/// ZSCAN key cursor [MATCH pattern] [COUNT count]: members and their scores (as `%.17g` strings),
/// flat; a listpack-encoded set is returned whole with cursor 0.
pub fn zscan(ctx: &mut Ctx) -> CmdResult {
    let cursor = scan_cursor(ctx)?;
    let key = ctx.arg(1);
    // Option errors only count once the key is known to be a sorted set.
    let options = scan_options(ctx);
    let (zset, out) = match ctx.lookup_read_with_out(key) {
        (Some(Value::ZSet(zset)), out) => (zset, out),
        (Some(_), _) => return Err(CommandError::WrongType),
        (None, out) => {
            write_empty_scan(out);
            return Ok(());
        }
    };
    let options = options?;
    scan_and_reply(out, &options, cursor, |cursor, tally| {
        zset.scan(cursor, |member, score| {
            tally.visited += 2;
            if options.matches(member) {
                tally.elements.bulk(member);
                bulk_score(&mut tally.elements, score);
                tally.kept += 2;
            }
        })
    });
    Ok(())
}
