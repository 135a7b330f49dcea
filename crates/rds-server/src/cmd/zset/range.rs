//! The ZRANGE family (ZRANGE with BYSCORE/BYLEX/REV/LIMIT/WITHSCORES, ZREVRANGE, ZRANGEBYSCORE,
//! ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX), ZRANGESTORE and ZREMRANGEBYRANK/SCORE/LEX.
//!
//! All the range reads go through one parser, like Redis's `zrangeGenericCommand`: the options
//! first (so a syntax error wins), then the conflicts, then the range itself, then the key.

use rds_resp::ReplyBuf;
use rds_storage::zset::{LexRange, Limit, ScoreRange, ZIter, ZSet};
use rds_storage::Value;

use super::{delete_if_empty, lex_range, read_zset, reply_score, score_range, write_zset};
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::notify::{GENERIC, ZSET};

/// How a range is selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Rank,
    Score,
    Lex,
}

/// A parsed range selection.
enum Selection {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange),
}

/// The parsed arguments of a range read.
struct RangeArgs {
    selection: Selection,
    reverse: bool,
    withscores: bool,
    limit: Limit,
}

impl RangeArgs {
    /// The selected members of `zset`, in reply order.
    fn iter<'z>(&self, zset: &'z ZSet) -> ZIter<'z> {
        match &self.selection {
            Selection::Rank(start, stop) => zset.range_by_rank(*start, *stop, self.reverse),
            Selection::Score(range) => zset.range_by_score(range, self.reverse, self.limit),
            Selection::Lex(range) => zset.range_by_lex(range, self.reverse, self.limit),
        }
    }
}

/// Parses `<key> <min> <max> [options]` with the key at `key_at`; `kind` and `reverse` are fixed by
/// the legacy commands and chosen by options (BYSCORE, BYLEX, REV) in ZRANGE / ZRANGESTORE.
fn parse_range(
    ctx: &Ctx,
    key_at: usize,
    store: bool,
    kind: Option<Kind>,
    reverse: Option<bool>,
) -> Result<RangeArgs, CommandError> {
    let (mut kind_opt, mut reverse_opt) = (kind, reverse);
    let mut withscores = false;
    let mut limit = Limit::NONE;
    let mut index = key_at + 3;
    while index < ctx.argc() {
        let left = ctx.argc() - index - 1;
        if !store && ctx.arg_is(index, "withscores") {
            withscores = true;
        } else if ctx.arg_is(index, "limit") && left >= 2 {
            limit = Limit { offset: ctx.int_arg(index + 1)?, count: ctx.int_arg(index + 2)? };
            index += 2;
        } else if reverse_opt.is_none() && ctx.arg_is(index, "rev") {
            reverse_opt = Some(true);
        } else if kind_opt.is_none() && ctx.arg_is(index, "bylex") {
            kind_opt = Some(Kind::Lex);
        } else if kind_opt.is_none() && ctx.arg_is(index, "byscore") {
            kind_opt = Some(Kind::Score);
        } else {
            return Err(CommandError::Syntax);
        }
        index += 1;
    }
    let kind = kind_opt.unwrap_or(Kind::Rank);
    let reverse = reverse_opt.unwrap_or(false);
    if limit.count != -1 && kind == Kind::Rank {
        return Err(CommandError::err(
            "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if withscores && kind == Kind::Lex {
        return Err(CommandError::err("syntax error, WITHSCORES not supported in combination with BYLEX"));
    }
    let (mut min, mut max) = (ctx.arg(key_at + 1), ctx.arg(key_at + 2));
    if reverse && kind != Kind::Rank {
        // The reverse forms take `max min`.
        std::mem::swap(&mut min, &mut max);
    }
    let selection = match kind {
        Kind::Rank => Selection::Rank(ctx.int_arg(key_at + 1)?, ctx.int_arg(key_at + 2)?),
        Kind::Score => Selection::Score(score_range(min, max)?),
        Kind::Lex => Selection::Lex(lex_range(min, max)?),
    };
    Ok(RangeArgs { selection, reverse, withscores, limit })
}

/// Writes members (and scores) as Redis replies a range: a flat array in RESP2, [member, score]
/// pairs in RESP3 when `withscores`.
pub(super) fn write_members<'z>(
    out: &mut ReplyBuf,
    items: impl ExactSizeIterator<Item = (&'z [u8], f64)>,
    withscores: bool,
) {
    let resp3 = out.is_resp3();
    let len = items.len();
    out.array(if withscores && !resp3 { len * 2 } else { len });
    for (member, score) in items {
        if withscores && resp3 {
            out.array(2);
        }
        out.bulk(member);
        if withscores {
            reply_score(out, score);
        }
    }
}

/// A range read with the key at argument 1.
fn range_read(ctx: &mut Ctx, kind: Option<Kind>, reverse: Option<bool>) -> CmdResult {
    let args = parse_range(ctx, 1, false, kind, reverse)?;
    let key = ctx.arg(1);
    let (zset, out) = read_zset(ctx, key)?;
    match zset {
        Some(zset) => write_members(out, args.iter(zset), args.withscores),
        None => out.array(0),
    }
    Ok(())
}

/// ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
pub fn zrange(ctx: &mut Ctx) -> CmdResult {
    range_read(ctx, None, None)
}

/// ZREVRANGE key start stop [WITHSCORES]
pub fn zrevrange(ctx: &mut Ctx) -> CmdResult {
    range_read(ctx, Some(Kind::Rank), Some(true))
}

/// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
pub fn zrangebyscore(ctx: &mut Ctx) -> CmdResult {
    range_read(ctx, Some(Kind::Score), Some(false))
}

/// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
pub fn zrevrangebyscore(ctx: &mut Ctx) -> CmdResult {
    range_read(ctx, Some(Kind::Score), Some(true))
}

/// ZRANGEBYLEX key min max [LIMIT offset count]
pub fn zrangebylex(ctx: &mut Ctx) -> CmdResult {
    range_read(ctx, Some(Kind::Lex), Some(false))
}

/// ZREVRANGEBYLEX key max min [LIMIT offset count]
pub fn zrevrangebylex(ctx: &mut Ctx) -> CmdResult {
    range_read(ctx, Some(Kind::Lex), Some(true))
}

/// ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]: stores the range (an
/// empty one deletes `dst`), replies its size.
pub fn zrangestore(ctx: &mut Ctx) -> CmdResult {
    let args = parse_range(ctx, 2, true, None, None)?;
    let (dst, src) = (ctx.arg(1), ctx.arg(2));
    let limits = ctx.server.settings.zset_limits;
    let (zset, _) = read_zset(ctx, src)?;
    let mut result = ZSet::new();
    if let Some(zset) = zset {
        let members = args.iter(zset);
        // Redis knows the size of a rank range up front and creates a big result as a skiplist
        // (keeping -0); other ranges start as a listpack and convert when they outgrow it.
        if matches!(args.selection, Selection::Rank(..)) {
            result = ZSet::with_hint(members.len(), 0, &limits);
        }
        for (member, score) in members {
            // Members are distinct and scores valid, so adding cannot fail.
            let _ = result.add(member, score, Default::default(), &limits);
        }
    }
    store_result(ctx, dst, result, "zrangestore");
    Ok(())
}

/// Stores a STORE command's `result` at `dst` (replacing any value and TTL) and replies its size;
/// an empty result deletes `dst` instead (Redis's finalize step of ZRANGESTORE and
/// ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE).
pub(super) fn store_result(ctx: &mut Ctx, dst: &[u8], result: ZSet, event: &str) {
    let len = result.len();
    if len > 0 {
        ctx.set_value(dst, Value::ZSet(Box::new(result)));
        ctx.out().int(len as i64);
        ctx.notify(ZSET, event, dst);
        ctx.changed(1);
    } else {
        ctx.out().int(0);
        if ctx.db().remove(dst).is_some() {
            ctx.notify(GENERIC, "del", dst);
            ctx.changed(1);
        }
    }
}

/// ZREMRANGEBYRANK / ZREMRANGEBYSCORE / ZREMRANGEBYLEX key min max
fn remove_range(ctx: &mut Ctx, kind: Kind) -> CmdResult {
    let (min, max) = (ctx.arg(2), ctx.arg(3));
    let selection = match kind {
        Kind::Rank => Selection::Rank(ctx.int_arg(2)?, ctx.int_arg(3)?),
        Kind::Score => Selection::Score(score_range(min, max)?),
        Kind::Lex => Selection::Lex(lex_range(min, max)?),
    };
    let key = ctx.arg(1);
    let Some((zset, out)) = write_zset(ctx, key)? else {
        ctx.out().int(0);
        return Ok(());
    };
    let removed = match &selection {
        Selection::Rank(start, stop) => zset.remove_range_by_rank(*start, *stop),
        Selection::Score(range) => zset.remove_range_by_score(range),
        Selection::Lex(range) => zset.remove_range_by_lex(range),
    };
    out.int(removed as i64);
    let emptied = zset.is_empty();
    if removed > 0 {
        let event = match kind {
            Kind::Rank => "zremrangebyrank",
            Kind::Score => "zremrangebyscore",
            Kind::Lex => "zremrangebylex",
        };
        ctx.notify(ZSET, event, key);
        ctx.changed(removed as u64);
        delete_if_empty(ctx, key, emptied);
    }
    Ok(())
}

/// ZREMRANGEBYRANK key start stop
pub fn zremrangebyrank(ctx: &mut Ctx) -> CmdResult {
    remove_range(ctx, Kind::Rank)
}

/// ZREMRANGEBYSCORE key min max
pub fn zremrangebyscore(ctx: &mut Ctx) -> CmdResult {
    remove_range(ctx, Kind::Score)
}

/// ZREMRANGEBYLEX key min max
pub fn zremrangebylex(ctx: &mut Ctx) -> CmdResult {
    remove_range(ctx, Kind::Lex)
}
