//! HRANDFIELD, and the count parsing and output guard it shares with SRANDMEMBER.

use rds_resp::ReplyBuf;
use rds_storage::hash::Hash;
use rds_storage::rng::{below, distinct_indexes};
use rds_storage::Value;

use super::lookup_read_mut;
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};

/// Largest |count| with WITHVALUES (Redis's `LONG_MAX / 2`, so the RESP2 reply length cannot overflow).
const MAX_COUNT_WITH_VALUES: i64 = i64::MAX / 2;

/// Argument `index` as a count in `-LONG_MAX..=LONG_MAX`, with Redis's texts for each failure.
pub(crate) fn random_count(ctx: &Ctx, index: usize) -> Result<i64, CommandError> {
    match ctx.int_arg(index)? {
        i64::MIN => Err(CommandError::err(
            "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        )),
        count => Ok(count),
    }
}

/// True when `out` passed the normal clients' hard output limit: Redis then marks the client to be
/// closed and stops producing a repeated-sample reply, which could otherwise grow without bound.
fn over_output_limit(out: &ReplyBuf, hard_limit: usize) -> bool {
    hard_limit > 0 && out.buf.len() > hard_limit
}

/// HRANDFIELD key [count [WITHVALUES]]
pub fn hrandfield(ctx: &mut Ctx) -> CmdResult {
    if ctx.argc() >= 3 {
        let count = random_count(ctx, 2)?;
        let with_values = ctx.argc() == 4;
        if ctx.argc() > 4 || (with_values && !ctx.arg_is(3, "withvalues")) {
            return Err(CommandError::Syntax);
        }
        if with_values && !(-MAX_COUNT_WITH_VALUES..=MAX_COUNT_WITH_VALUES).contains(&count) {
            return Err(CommandError::err("value is out of range"));
        }
        return with_count(ctx, count, with_values);
    }
    let key = ctx.arg(1);
    match lookup_read_mut(ctx, key) {
        (Some(Value::Hash(hash)), out) => match hash.random_field() {
            Some((field, _)) => out.bulk(field),
            None => out.null(),
        },
        (Some(_), _) => return Err(CommandError::WrongType),
        (None, out) => out.null(),
    }
    Ok(())
}

/// HRANDFIELD with a count: `count > 0` distinct fields (the whole hash, in order, when it has no
/// more), `count < 0` |count| fields that may repeat. WITHVALUES pairs are nested arrays in RESP3.
fn with_count(ctx: &mut Ctx, count: i64, with_values: bool) -> CmdResult {
    let hard_limit = ctx.server.settings.output_limits[0].hard;
    let key = ctx.arg(1);
    let (hash, out) = match lookup_read_mut(ctx, key) {
        (Some(Value::Hash(hash)), out) => (hash, out),
        (Some(_), _) => return Err(CommandError::WrongType),
        (None, out) => {
            out.array(0);
            return Ok(());
        }
    };
    let pairs = Pairs { with_values, nested: with_values && out.is_resp3() };
    if count == 0 {
        out.array(0);
    } else if count > 1 {
        write_distinct(hash, out, usize::try_from(count).unwrap_or(usize::MAX), pairs);
    } else {
        let samples = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
        if !write_repeated(hash, out, samples, pairs, hard_limit) {
            ctx.session.close_after_reply = true;
        }
    }
    Ok(())
}

/// How HRANDFIELD writes each pick.
#[derive(Clone, Copy)]
struct Pairs {
    with_values: bool,
    /// RESP3 WITHVALUES: each pick is a two-element array.
    nested: bool,
}

impl Pairs {
    /// The array header for `picks` picks (RESP2 WITHVALUES flattens pairs, doubling it).
    fn header(self, out: &mut ReplyBuf, picks: usize) {
        let flat = self.with_values && !self.nested;
        out.array(if flat { picks.saturating_mul(2) } else { picks });
    }

    fn write(self, out: &mut ReplyBuf, field: &[u8], value: &[u8]) {
        if self.nested {
            out.array(2);
        }
        out.bulk(field);
        if self.with_values {
            out.bulk(value);
        }
    }
}

/// `wanted` distinct fields, all of them when the hash has no more.
fn write_distinct(hash: &mut Hash, out: &mut ReplyBuf, wanted: usize, pairs: Pairs) {
    let len = wanted.min(hash.len());
    pairs.header(out, len);
    if hash.encoding_name() == "listpack" && len < hash.len() {
        // Redis samples distinct listpack entries in listpack order (`lpRandomPairsUnique`).
        let mut picks = distinct_indexes(hash.len(), len);
        picks.sort_unstable();
        let mut picks = picks.into_iter().peekable();
        for (index, (field, value)) in hash.iter().enumerate() {
            if picks.next_if_eq(&index).is_some() {
                pairs.write(out, field, value);
            }
        }
    } else {
        hash.random_fields(i64::try_from(wanted).unwrap_or(i64::MAX), |field, value| pairs.write(out, field, value));
    }
}

/// `samples` independent random picks; false when the output limit cut the reply short.
fn write_repeated(hash: &mut Hash, out: &mut ReplyBuf, samples: usize, pairs: Pairs, hard_limit: usize) -> bool {
    pairs.header(out, samples);
    if hash.encoding_name() == "listpack" {
        // Walk the listpack once, not once per pick.
        let listed: Vec<(&[u8], &[u8])> = hash.iter().collect();
        return repeat_picks(out, samples, hard_limit, |out| {
            listed.get(below(listed.len())).map(|&(field, value)| pairs.write(out, field, value)).is_some()
        });
    }
    repeat_picks(out, samples, hard_limit, |out| {
        hash.random_field().map(|(field, value)| pairs.write(out, field, value)).is_some()
    })
}

/// Calls `pick` (which writes one random element, false when there is none) `samples` times, stopping
/// early when the reply passes the output limit; false in that case.
pub(crate) fn repeat_picks(
    out: &mut ReplyBuf,
    samples: usize,
    hard_limit: usize,
    mut pick: impl FnMut(&mut ReplyBuf) -> bool,
) -> bool {
    for _ in 0..samples {
        if !pick(out) {
            break;
        }
        if over_output_limit(out, hard_limit) {
            return false;
        }
    }
    true
}
