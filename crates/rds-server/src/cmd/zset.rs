//! Sorted set commands. This file holds the shared helpers and the single-member commands (ZADD,
//! ZINCRBY, ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK, ZCOUNT, ZLEXCOUNT); `range.rs` the
//! ZRANGE family, ZRANGESTORE and ZREMRANGEBY*; `pop.rs` ZPOPMIN/ZPOPMAX, ZMPOP and the blocking
//! pops; `algebra.rs` ZUNION/ZINTER/ZDIFF (and STORE), ZINTERCARD; `random.rs` ZRANDMEMBER and
//! ZSCAN. The value type, listpack or skiplist encoded, is `rds_storage::zset`.
//!
//! As in Redis, arguments are validated before the key is looked up (so a bad score beats
//! WRONGTYPE), an emptied set is deleted with a `del` event after the command's own event, and
//! replies are written straight from the set.

mod algebra;
mod pop;
mod random;
mod range;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_blocking;

use bytes::Bytes;
use rds_resp::double::format_g17;
use rds_resp::ReplyBuf;
use rds_storage::num::parse_f64;
use rds_storage::zset::{AddFlags, AddOutcome, LexRange, ScoreRange, ZSet, ZSetError, ZSetLimits};
use rds_storage::Value;

use super::{changed_key, delete_if_empty};
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::notify::ZSET;

pub use algebra::{zdiff, zdiffstore, zinter, zintercard, zinterstore, zunion, zunionstore};
pub use pop::{bzmpop, bzpopmax, bzpopmin, zmpop, zpopmax, zpopmin};
pub use random::{zrandmember, zscan};
pub use range::{
    zrange, zrangebylex, zrangebyscore, zrangestore, zremrangebylex, zremrangebyrank, zremrangebyscore, zrevrange,
    zrevrangebylex, zrevrangebyscore,
};

/// The sorted set at `key` for reading, with the reply buffer (hit/miss counted, as Redis's
/// `lookupKeyRead`): `None` when missing, WRONGTYPE for other types.
fn read_zset<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Result<(Option<&'c ZSet>, &'c mut ReplyBuf), CommandError> {
    match ctx.lookup_read_with_out(key) {
        (None, out) => Ok((None, out)),
        (Some(Value::ZSet(zset)), out) => Ok((Some(zset), out)),
        (Some(_), _) => Err(CommandError::WrongType),
    }
}

/// The sorted set at `key` for writing, with the reply buffer (lazy expiry, no hit/miss accounting,
/// as `lookupKeyWrite`): `None` when missing, WRONGTYPE for other types.
fn write_zset<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Result<Option<(&'c mut ZSet, &'c mut ReplyBuf)>, CommandError> {
    let mode = ctx.server.expiry_mode;
    let now = ctx.now_ms;
    let policy = ctx.server.settings.access;
    let out = &mut ctx.session.reply;
    let Some(db) = ctx.server.keyspace.dbs.get_mut(ctx.session.db) else { return Ok(None) };
    let Some(entry) = db.get_entry_mut(key, now, mode) else { return Ok(None) };
    entry.access = policy.touched(entry.access, now);
    match &mut entry.value {
        Value::ZSet(zset) => Ok(Some((zset, out))),
        _ => Err(CommandError::WrongType),
    }
}

/// Writes a score the way Redis's `addReplyDouble` does (`%.17g`, a bulk string in RESP2, a double
/// in RESP3), without the general formatter for integral scores.
pub(crate) fn reply_score(out: &mut ReplyBuf, score: f64) {
    let mut digits = [0u8; 24];
    match (integral_text(score, &mut digits), out.is_resp3()) {
        (Some(text), false) => out.bulk(text),
        (Some(text), true) => {
            out.raw(b",");
            out.raw(text);
            out.raw(b"\r\n");
        }
        (None, _) => out.double(score),
    }
}

/// Writes a score as a `%.17g` bulk string whatever the protocol (ZSCAN).
fn bulk_score(out: &mut ReplyBuf, score: f64) {
    let mut digits = [0u8; 24];
    match integral_text(score, &mut digits) {
        Some(text) => out.bulk(text),
        None => out.bulk(format_g17(score).as_bytes()),
    }
}

/// The `%.17g` text of an integral score below 1e17 (which prints as a plain integer), formatted
/// without allocating; `None` for other scores, and for -0 (which prints as "-0").
fn integral_text(score: f64, buf: &mut [u8; 24]) -> Option<&[u8]> {
    let integral = score.fract() == 0.0 && score.abs() < 1e17 && !(score == 0.0 && score.is_sign_negative());
    integral.then(|| format_int(score as i64, buf))
}

/// The decimal digits of `value`, written at the end of `buf`.
fn format_int(value: i64, buf: &mut [u8; 24]) -> &[u8] {
    let mut start = buf.len();
    let mut magnitude = value.unsigned_abs();
    loop {
        start -= 1;
        buf[start] = b'0' + (magnitude % 10) as u8;
        magnitude /= 10;
        if magnitude == 0 {
            break;
        }
    }
    if value < 0 {
        start -= 1;
        buf[start] = b'-';
    }
    &buf[start..]
}

/// Parses a score like Redis's `getDoubleFromObject`: `strtod` over the whole argument, no leading
/// space, no NaN, and an overflow (to ±inf) or an underflow (to 0) is an error.
pub(crate) fn parse_score(arg: &[u8]) -> Option<f64> {
    // Fast path: short decimal integers (every one below 2^53 is exact).
    if (1..=15).contains(&arg.len()) {
        let (negative, digits) = match arg.split_first() {
            Some((b'-', rest)) if !rest.is_empty() => (true, rest),
            _ => (false, arg),
        };
        if digits.iter().all(u8::is_ascii_digit) {
            let magnitude = digits.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
            let value = magnitude as f64;
            return Some(if negative { -value } else { value });
        }
    }
    let lower = arg.to_ascii_lowercase();
    let unsigned = lower.strip_prefix(b"-").or_else(|| lower.strip_prefix(b"+")).unwrap_or(&lower);
    let hex = unsigned.strip_prefix(b"0x");
    let value = match hex {
        Some(digits) if !arg.first().is_some_and(u8::is_ascii_whitespace) => {
            let magnitude = parse_hex_float(digits)?;
            if lower.first() == Some(&b'-') {
                -magnitude
            } else {
                magnitude
            }
        }
        _ => parse_f64(arg)?,
    };
    let exponent_mark = if hex.is_some() { b'p' } else { b'e' };
    let mantissa = hex.unwrap_or(unsigned).iter().take_while(|&&b| b != exponent_mark);
    let nonzero = mantissa.clone().any(|&b| b.is_ascii_hexdigit() && b != b'0');
    if value.is_infinite() && !unsigned.starts_with(b"inf") {
        return None;
    }
    if value == 0.0 && nonzero {
        return None;
    }
    Some(value)
}

/// The value of a hexadecimal float's digits after `0x` (`1.8p-3`), as `strtod` reads them; `None`
/// when malformed.
fn parse_hex_float(text: &[u8]) -> Option<f64> {
    let (digits, exponent) = match text.iter().position(|&b| b == b'p') {
        Some(at) => {
            // A decimal exponent with an optional sign, as Rust's integer parsing reads it.
            let exponent: i64 = std::str::from_utf8(text.get(at + 1..)?).ok()?.parse().ok()?;
            (text.get(..at)?, exponent)
        }
        None => (text, 0),
    };
    let (int_part, frac_part) = match digits.iter().position(|&b| b == b'.') {
        Some(at) => (digits.get(..at)?, digits.get(at + 1..)?),
        None => (digits, &[][..]),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    // Up to 15 significant hex digits (60 bits) are kept; later ones only set a sticky bit.
    let mut mantissa = 0u64;
    let mut scale = exponent.clamp(-100_000, 100_000);
    let mut kept = 0;
    for (index, &byte) in int_part.iter().chain(frac_part).enumerate() {
        let digit = u64::from(char::from(byte).to_digit(16)?);
        let fraction = index >= int_part.len();
        if kept < 15 && (mantissa != 0 || digit != 0) {
            mantissa = mantissa << 4 | digit;
            kept += 1;
            scale -= i64::from(fraction) * 4;
        } else if kept < 15 {
            scale -= i64::from(fraction) * 4;
        } else {
            mantissa |= u64::from(digit != 0);
            scale += i64::from(!fraction) * 4;
        }
    }
    Some(scale_by_power_of_two(mantissa as f64, scale))
}

/// `value * 2^exponent` in steps that stay exact until the last one rounds.
fn scale_by_power_of_two(mut value: f64, mut exponent: i64) -> f64 {
    while exponent != 0 && value != 0.0 && value.is_finite() {
        let step = exponent.clamp(-1000, 1000);
        value *= 2f64.powi(i32::try_from(step).unwrap_or(0));
        exponent -= step;
    }
    value
}

/// The score argument at `index`, or `ERR value is not a valid float`.
fn score_arg(ctx: &Ctx, index: usize) -> Result<f64, CommandError> {
    parse_score(ctx.arg(index)).ok_or(CommandError::NotFloat)
}

/// A storage error as its reply.
fn storage_error(error: ZSetError) -> CommandError {
    CommandError::other(error.to_string())
}

/// Parses a score range (`min max`, in that order) or `ERR min or max is not a float`.
fn score_range(min: &[u8], max: &[u8]) -> Result<ScoreRange, CommandError> {
    ScoreRange::parse(min, max).map_err(storage_error)
}

/// Parses a lex range (`min max`, in that order) or `ERR min or max not valid string range item`.
fn lex_range(min: &[u8], max: &[u8]) -> Result<LexRange, CommandError> {
    LexRange::parse(min, max).map_err(storage_error)
}

/// ZADD's options as parsed: the storage flags, CH, and where the score/member pairs begin.
struct AddArgs {
    flags: AddFlags,
    ch: bool,
    first: usize,
    pairs: usize,
}

/// Parses ZADD's (or ZINCRBY's) options and checks them in Redis's order.
fn parse_add(ctx: &Ctx, incr: bool) -> Result<AddArgs, CommandError> {
    let mut flags = AddFlags { incr, ..AddFlags::default() };
    let mut ch = false;
    let mut index = 2;
    while index < ctx.argc() {
        let arg = ctx.arg(index);
        match arg.len() {
            2 if arg.eq_ignore_ascii_case(b"nx") => flags.nx = true,
            2 if arg.eq_ignore_ascii_case(b"xx") => flags.xx = true,
            2 if arg.eq_ignore_ascii_case(b"gt") => flags.gt = true,
            2 if arg.eq_ignore_ascii_case(b"lt") => flags.lt = true,
            2 if arg.eq_ignore_ascii_case(b"ch") => ch = true,
            4 if arg.eq_ignore_ascii_case(b"incr") => flags.incr = true,
            _ => break,
        }
        index += 1;
    }
    let elements = ctx.argc() - index;
    if elements == 0 || !elements.is_multiple_of(2) {
        return Err(CommandError::Syntax);
    }
    if flags.nx && flags.xx {
        return Err(CommandError::err("XX and NX options at the same time are not compatible"));
    }
    if (flags.nx && (flags.gt || flags.lt)) || (flags.gt && flags.lt) {
        return Err(CommandError::err("GT, LT, and/or NX options at the same time are not compatible"));
    }
    if flags.incr && elements > 2 {
        return Err(CommandError::err("INCR option supports a single increment-element pair"));
    }
    Ok(AddArgs { flags, ch, first: index, pairs: elements / 2 })
}

/// What a ZADD did: counts for the reply and the score of the last processed element (INCR).
#[derive(Default)]
struct AddTally {
    added: u64,
    updated: u64,
    processed: bool,
    score: f64,
}

/// Applies every score/member pair of `args` to `zset` (the scores were validated already).
fn apply_adds(
    argv: &[Bytes],
    limits: &ZSetLimits,
    zset: &mut ZSet,
    args: &AddArgs,
    first_score: f64,
) -> Result<AddTally, CommandError> {
    let mut tally = AddTally::default();
    for pair in 0..args.pairs {
        let at = args.first + 2 * pair;
        let score = match pair {
            0 => first_score,
            _ => argv.get(at).and_then(|arg| parse_score(arg)).ok_or(CommandError::NotFloat)?,
        };
        let member = argv.get(at + 1).map_or(&[][..], |m| m.as_ref());
        let outcome = zset.add(member, score, args.flags, limits).map_err(storage_error)?;
        match outcome {
            AddOutcome::Added(_) => tally.added += 1,
            AddOutcome::Updated(_) => tally.updated += 1,
            AddOutcome::Unchanged(_) | AddOutcome::Skipped => {}
        }
        if let Some(score) = outcome.score() {
            tally.processed = true;
            tally.score = score;
        }
    }
    Ok(tally)
}

/// ZADD / ZINCRBY (`zaddGenericCommand`).
fn add_generic(ctx: &mut Ctx, incr: bool) -> CmdResult {
    let args = parse_add(ctx, incr)?;
    let first_score = score_arg(ctx, args.first)?;
    for pair in 1..args.pairs {
        score_arg(ctx, args.first + 2 * pair)?;
    }
    let (argv, limits) = (ctx.argv, ctx.server.settings.zset_limits);
    let key = ctx.arg(1);
    let tally = match ctx.lookup_write(key) {
        Some(Value::ZSet(zset)) => apply_adds(argv, &limits, zset, &args, first_score)?,
        Some(_) => return Err(CommandError::WrongType),
        None if args.flags.xx => AddTally::default(),
        None => {
            let mut zset = ZSet::new();
            let tally = apply_adds(argv, &limits, &mut zset, &args, first_score)?;
            if !zset.is_empty() {
                ctx.set_value(key, Value::ZSet(Box::new(zset)));
            }
            tally
        }
    };
    let out = ctx.out();
    match (args.flags.incr, tally.processed) {
        (true, true) => reply_score(out, tally.score),
        (true, false) => out.null(),
        (false, _) => {
            let count = if args.ch { tally.added + tally.updated } else { tally.added };
            out.int(count as i64);
        }
    }
    if tally.added + tally.updated > 0 {
        ctx.changed(tally.added + tally.updated);
        ctx.notify(ZSET, if args.flags.incr { "zincr" } else { "zadd" }, key);
    }
    Ok(())
}

/// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]
pub fn zadd(ctx: &mut Ctx) -> CmdResult {
    add_generic(ctx, false)
}

/// ZINCRBY key increment member
pub fn zincrby(ctx: &mut Ctx) -> CmdResult {
    add_generic(ctx, true)
}

/// ZREM key member [member ...]: the number removed; an emptied set is deleted.
pub fn zrem(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let key = ctx.arg(1);
    let Some((zset, out)) = write_zset(ctx, key)? else {
        ctx.out().int(0);
        return Ok(());
    };
    let mut deleted = 0u64;
    for member in argv.get(2..).unwrap_or_default() {
        deleted += u64::from(zset.remove(member));
        if zset.is_empty() {
            break;
        }
    }
    out.int(deleted as i64);
    let emptied = zset.is_empty();
    if deleted > 0 {
        ctx.notify(ZSET, "zrem", key);
        ctx.changed(deleted);
    }
    delete_if_empty(ctx, key, emptied);
    Ok(())
}

/// ZCARD key
pub fn zcard(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.arg(1);
    let (zset, out) = read_zset(ctx, key)?;
    out.int(zset.map_or(0, |z| z.len() as i64));
    Ok(())
}

/// ZSCORE key member
pub fn zscore(ctx: &mut Ctx) -> CmdResult {
    let (key, member) = (ctx.arg(1), ctx.arg(2));
    let (zset, out) = read_zset(ctx, key)?;
    match zset.and_then(|z| z.score(member)) {
        Some(score) => reply_score(out, score),
        None => out.null(),
    }
    Ok(())
}

/// ZMSCORE key member [member ...]: a score or nil per member (a missing key is an empty set).
pub fn zmscore(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let key = ctx.arg(1);
    let members = argv.get(2..).unwrap_or_default();
    let (zset, out) = read_zset(ctx, key)?;
    out.array(members.len());
    for member in members {
        match zset.and_then(|z| z.score(member)) {
            Some(score) => reply_score(out, score),
            None => out.null(),
        }
    }
    Ok(())
}

/// ZRANK / ZREVRANK key member
fn rank_generic(ctx: &mut Ctx, reverse: bool) -> CmdResult {
    let (key, member) = (ctx.arg(1), ctx.arg(2));
    let (zset, out) = read_zset(ctx, key)?;
    match zset.and_then(|z| z.rank(member, reverse)) {
        Some((rank, _)) => out.int(rank as i64),
        None => out.null(),
    }
    Ok(())
}

/// ZRANK key member
pub fn zrank(ctx: &mut Ctx) -> CmdResult {
    rank_generic(ctx, false)
}

/// ZREVRANK key member
pub fn zrevrank(ctx: &mut Ctx) -> CmdResult {
    rank_generic(ctx, true)
}

/// ZCOUNT key min max
pub fn zcount(ctx: &mut Ctx) -> CmdResult {
    let range = score_range(ctx.arg(2), ctx.arg(3))?;
    let key = ctx.arg(1);
    let (zset, out) = read_zset(ctx, key)?;
    out.int(zset.map_or(0, |z| z.count_by_score(&range) as i64));
    Ok(())
}

/// ZLEXCOUNT key min max
pub fn zlexcount(ctx: &mut Ctx) -> CmdResult {
    let range = lex_range(ctx.arg(2), ctx.arg(3))?;
    let key = ctx.arg(1);
    let (zset, out) = read_zset(ctx, key)?;
    out.int(zset.map_or(0, |z| z.count_by_lex(&range) as i64));
    Ok(())
}
