//! ZUNION, ZINTER, ZDIFF, their STORE forms, and ZINTERCARD (Redis's
//! `zunionInterDiffGenericCommand`).
//!
//! Inputs may be sorted sets or plain sets (every member scoring 1); a missing key is an empty set.
//! As in Redis, every input is looked up before the options are parsed (so WRONGTYPE wins over a
//! syntax error), union and intersection visit the inputs from the smallest to the largest (equal
//! sizes keep their argument order), which fixes the order scores are summed in, and a sum of
//! +inf and -inf is 0.

use std::collections::HashMap;
use std::ops::Range;

use rds_storage::compact::CompactBytes;
use rds_storage::num::parse_i64;
use rds_storage::set::Set;
use rds_storage::zset::ZSet;
use rds_storage::{Db, Entry, Value};

use super::parse_score;
use super::range::{store_result, write_members};
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};

/// The set operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Inter,
    Diff,
}

/// How scores of a member found in several inputs combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

impl Aggregate {
    /// Combines `value` into `target` (`zunionInterAggregate`).
    fn apply(self, target: &mut f64, value: f64) {
        match self {
            Aggregate::Sum => {
                *target += value;
                if target.is_nan() {
                    *target = 0.0;
                }
            }
            Aggregate::Min => *target = if value < *target { value } else { *target },
            Aggregate::Max => *target = if value > *target { value } else { *target },
        }
    }
}

/// One input: a sorted set, a set (scores 1), or nothing.
#[derive(Clone, Copy)]
enum Source<'a> {
    Missing,
    ZSet(&'a ZSet),
    Set(&'a Set),
}

impl Source<'_> {
    fn len(&self) -> usize {
        match self {
            Source::Missing => 0,
            Source::ZSet(zset) => zset.len(),
            Source::Set(set) => set.len(),
        }
    }

    /// The score of `member`, if present.
    fn find(&self, member: &[u8]) -> Option<f64> {
        match self {
            Source::Missing => None,
            Source::ZSet(zset) => zset.score(member),
            Source::Set(set) => set.contains(member).then_some(1.0),
        }
    }

    /// Calls `visit` with every member and score (ascending for a sorted set) until it returns false.
    fn for_each(&self, mut visit: impl FnMut(&[u8], f64) -> bool) {
        match self {
            Source::Missing => {}
            Source::ZSet(zset) => {
                for (member, score) in zset.iter() {
                    if !visit(member, score) {
                        return;
                    }
                }
            }
            Source::Set(set) => {
                for member in set.iter() {
                    if !visit(&member, 1.0) {
                        return;
                    }
                }
            }
        }
    }

    /// True when both are the same stored value.
    fn same(&self, other: &Source) -> bool {
        match (self, other) {
            (Source::ZSet(a), Source::ZSet(b)) => std::ptr::eq(*a, *b),
            (Source::Set(a), Source::Set(b)) => std::ptr::eq(*a, *b),
            _ => false,
        }
    }
}

/// The parsed arguments.
struct Args {
    keys: Range<usize>,
    weights: Vec<f64>,
    aggregate: Aggregate,
    withscores: bool,
    limit: usize,
}

/// Parses `numkeys` at `numkeys_at` and checks the keys fit, in Redis's order.
fn parse_numkeys(ctx: &Ctx, numkeys_at: usize) -> Result<Range<usize>, CommandError> {
    let numkeys = ctx.int_arg(numkeys_at)?;
    if numkeys < 1 {
        return Err(CommandError::err(format!("at least 1 input key is needed for '{}' command", ctx.spec.name)));
    }
    let first = numkeys_at + 1;
    let available = ctx.argc().saturating_sub(first);
    match usize::try_from(numkeys) {
        Ok(n) if n <= available => Ok(first..first + n),
        _ => Err(CommandError::Syntax),
    }
}

/// Parses the options after the keys: WEIGHTS and AGGREGATE (union, intersection), WITHSCORES
/// (replying forms), LIMIT (ZINTERCARD).
fn parse_options(ctx: &Ctx, keys: Range<usize>, op: Op, store: bool, card: bool) -> Result<Args, CommandError> {
    let numkeys = keys.len();
    let mut args = Args { keys, weights: vec![1.0; numkeys], aggregate: Aggregate::Sum, withscores: false, limit: 0 };
    let mut index = args.keys.end;
    while index < ctx.argc() {
        let remaining = ctx.argc() - index;
        let weighted = op != Op::Diff && !card;
        if weighted && remaining > numkeys && ctx.arg_is(index, "weights") {
            for weight in args.weights.iter_mut() {
                index += 1;
                *weight =
                    parse_score(ctx.arg(index)).ok_or_else(|| CommandError::err("weight value is not a float"))?;
            }
        } else if weighted && remaining >= 2 && ctx.arg_is(index, "aggregate") {
            index += 1;
            args.aggregate = match ctx.arg(index) {
                word if word.eq_ignore_ascii_case(b"sum") => Aggregate::Sum,
                word if word.eq_ignore_ascii_case(b"min") => Aggregate::Min,
                word if word.eq_ignore_ascii_case(b"max") => Aggregate::Max,
                _ => return Err(CommandError::Syntax),
            };
        } else if !store && !card && ctx.arg_is(index, "withscores") {
            args.withscores = true;
        } else if card && remaining >= 2 && ctx.arg_is(index, "limit") {
            index += 1;
            let limit = parse_i64(ctx.arg(index)).filter(|l| *l >= 0);
            args.limit = limit
                .and_then(|l| usize::try_from(l).ok())
                .ok_or_else(|| CommandError::err("LIMIT can't be negative"))?;
        } else {
            return Err(CommandError::Syntax);
        }
        index += 1;
    }
    Ok(args)
}

/// Looks every input up (for writing when storing, as Redis does), applying lazy expiry; WRONGTYPE
/// at the first key that is neither a sorted set nor a set.
fn check_inputs(ctx: &mut Ctx, keys: Range<usize>, store: bool) -> CmdResult {
    for index in keys {
        let key = ctx.arg(index);
        let value = if store { ctx.lookup_write(key).map(|v| &*v) } else { ctx.lookup_read(key) };
        if let Some(value) = value {
            if !matches!(value, Value::ZSet(_) | Value::Set(_)) {
                return Err(CommandError::WrongType);
            }
        }
    }
    Ok(())
}

/// The inputs, as found by [`check_inputs`].
fn sources<'d>(db: &'d Db, ctx_argv: &[bytes::Bytes], keys: Range<usize>) -> Vec<Source<'d>> {
    ctx_argv
        .get(keys)
        .unwrap_or_default()
        .iter()
        .map(|key| match db.peek(key) {
            Some(Entry { value: Value::ZSet(zset), .. }) => Source::ZSet(zset),
            Some(Entry { value: Value::Set(set), .. }) => Source::Set(set),
            _ => Source::Missing,
        })
        .collect()
}

/// Indexes of `sources` from the smallest to the largest, equal sizes in argument order.
fn by_size(sources: &[Source]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..sources.len()).collect();
    order.sort_by_key(|&i| sources[i].len());
    order
}

/// The union: each member with its aggregated weighted score.
fn union(sources: &[Source], args: &Args) -> Vec<(CompactBytes, f64)> {
    let mut acc: HashMap<CompactBytes, f64> = HashMap::new();
    for i in by_size(sources) {
        let weight = args.weights[i];
        sources[i].for_each(|member, score| {
            let mut score = weight * score;
            if score.is_nan() {
                score = 0.0;
            }
            match acc.get_mut(member) {
                Some(total) => args.aggregate.apply(total, score),
                None => {
                    acc.insert(CompactBytes::new(member), score);
                }
            }
            true
        });
    }
    acc.into_iter().collect()
}

/// The intersection (or, with `count_only`, just its size up to `args.limit`, 0 for no limit).
fn inter(sources: &[Source], args: &Args, count_only: bool) -> (Vec<(CompactBytes, f64)>, usize) {
    let order = by_size(sources);
    let mut found = Vec::new();
    let mut count = 0usize;
    let Some((&first, rest)) = order.split_first() else { return (found, 0) };
    let base = sources[first];
    base.for_each(|member, raw| {
        let mut score = args.weights[first] * raw;
        if score.is_nan() {
            score = 0.0;
        }
        for &j in rest {
            let value = if sources[j].same(&base) { Some(raw) } else { sources[j].find(member) };
            let Some(value) = value else { return true };
            args.aggregate.apply(&mut score, value * args.weights[j]);
        }
        count += 1;
        if count_only {
            return args.limit == 0 || count < args.limit;
        }
        found.push((CompactBytes::new(member), score));
        true
    });
    (found, count)
}

/// The difference: members of the first input in none of the others, with their scores.
fn diff(sources: &[Source]) -> Vec<(CompactBytes, f64)> {
    let Some((first, rest)) = sources.split_first() else { return Vec::new() };
    let mut found = Vec::new();
    if rest.iter().any(|other| other.same(first)) {
        return found;
    }
    first.for_each(|member, score| {
        if rest.iter().all(|other| other.find(member).is_none()) {
            found.push((CompactBytes::new(member), score));
        }
        true
    });
    found
}

/// Sorts a result in Redis's order: by score (-0 equal to 0), then member bytes.
fn sort_result(result: &mut [(CompactBytes, f64)]) {
    result.sort_by(|a, b| {
        a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal).then_with(|| a.0.as_slice().cmp(b.0.as_slice()))
    });
}

/// The shared command: `dst_at` is the destination of the STORE forms, `numkeys_at` the key count.
fn generic(ctx: &mut Ctx, op: Op, dst_at: Option<usize>, numkeys_at: usize, card: bool) -> CmdResult {
    let keys = parse_numkeys(ctx, numkeys_at)?;
    let store = dst_at.is_some();
    check_inputs(ctx, keys.clone(), store)?;
    let args = parse_options(ctx, keys, op, store, card)?;
    let argv = ctx.argv;
    let limits = ctx.server.settings.zset_limits;
    let (db, out) = ctx.db_and_out();
    let sources = sources(db, argv, args.keys.clone());
    let (mut result, count) = match op {
        Op::Union => (union(&sources, &args), 0),
        Op::Inter => inter(&sources, &args, card),
        Op::Diff => (diff(&sources), 0),
    };
    if card {
        out.int(count as i64);
        return Ok(());
    }
    sort_result(&mut result);
    let Some(dst_at) = dst_at else {
        write_members(out, result.iter().map(|(m, s)| (m.as_slice(), *s)), args.withscores);
        return Ok(());
    };
    // Built in the skiplist encoding and converted at the end, as Redis does (a listpack would read
    // -0 back as 0 before the conversion decision).
    let mut zset = ZSet::with_hint(usize::MAX, usize::MAX, &limits);
    for (member, score) in &result {
        // Members are distinct and scores are never NaN here, so adding cannot fail.
        let _ = zset.add(member.as_slice(), *score, Default::default(), &limits);
    }
    zset.convert_to_listpack_if_needed(&limits);
    let event = match op {
        Op::Union => "zunionstore",
        Op::Inter => "zinterstore",
        Op::Diff => "zdiffstore",
    };
    store_result(ctx, argv[dst_at].as_ref(), zset, event);
    Ok(())
}

/// ZUNION numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
pub fn zunion(ctx: &mut Ctx) -> CmdResult {
    generic(ctx, Op::Union, None, 1, false)
}

/// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX]
pub fn zunionstore(ctx: &mut Ctx) -> CmdResult {
    generic(ctx, Op::Union, Some(1), 2, false)
}

/// ZINTER numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
pub fn zinter(ctx: &mut Ctx) -> CmdResult {
    generic(ctx, Op::Inter, None, 1, false)
}

/// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX]
pub fn zinterstore(ctx: &mut Ctx) -> CmdResult {
    generic(ctx, Op::Inter, Some(1), 2, false)
}

/// ZINTERCARD numkeys key [key ...] [LIMIT limit]
pub fn zintercard(ctx: &mut Ctx) -> CmdResult {
    generic(ctx, Op::Inter, None, 1, true)
}

/// ZDIFF numkeys key [key ...] [WITHSCORES]
pub fn zdiff(ctx: &mut Ctx) -> CmdResult {
    generic(ctx, Op::Diff, None, 1, false)
}

/// ZDIFFSTORE destination numkeys key [key ...]
pub fn zdiffstore(ctx: &mut Ctx) -> CmdResult {
    generic(ctx, Op::Diff, Some(1), 2, false)
}
