//! LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]

use rds_storage::num::parse_i64;

use super::list_read;
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};

/// The text Redis replies for `RANK 0`.
const RANK_ZERO: &str =
    "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";

/// LPOS options.
#[derive(Debug, Clone, Copy)]
struct Options {
    /// 1-based match to start from; negative searches from the tail.
    rank: i64,
    /// `None` without COUNT (a single index or null); `Some(0)` for every match.
    count: Option<i64>,
    /// Most elements compared; 0 for all.
    maxlen: i64,
}

/// Parses the options, failing at the first bad one in argument order, as Redis does.
fn parse_options(ctx: &Ctx) -> Result<Options, CommandError> {
    let mut options = Options { rank: 1, count: None, maxlen: 0 };
    let mut index = 3;
    while index < ctx.argc() {
        let has_value = index + 1 < ctx.argc();
        let value = ctx.arg(index + 1);
        if has_value && ctx.arg_is(index, "rank") {
            options.rank = parse_i64(value).ok_or(CommandError::NotInteger)?;
            if options.rank == 0 {
                return Err(CommandError::err(RANK_ZERO));
            }
        } else if has_value && ctx.arg_is(index, "count") {
            let count = parse_i64(value).filter(|c| *c >= 0);
            options.count = Some(count.ok_or_else(|| CommandError::err("COUNT can't be negative"))?);
        } else if has_value && ctx.arg_is(index, "maxlen") {
            let maxlen = parse_i64(value).filter(|m| *m >= 0);
            options.maxlen = maxlen.ok_or_else(|| CommandError::err("MAXLEN can't be negative"))?;
        } else {
            return Err(CommandError::Syntax);
        }
        index += 2;
    }
    Ok(options)
}

/// Finds the matches of `element`. Follows Redis's arithmetic exactly, wrap-arounds included: a rank
/// of `i64::MIN` stays negative once negated, so it matches from the first hit and COUNT never stops
/// it.
fn search<'a>(items: impl Iterator<Item = &'a [u8]>, element: &[u8], options: Options, len: i64) -> Vec<i64> {
    let from_tail = options.rank < 0;
    let rank = if from_tail { options.rank.wrapping_neg() } else { options.rank };
    let mut matches: i64 = 0;
    let mut found = Vec::new();
    for (index, item) in (0i64..).zip(items) {
        if options.maxlen != 0 && index >= options.maxlen {
            break;
        }
        if item != element {
            continue;
        }
        matches += 1;
        if matches < rank {
            continue;
        }
        found.push(if from_tail { len - index - 1 } else { index });
        match options.count {
            None => break,
            Some(count) if count != 0 && matches.wrapping_sub(rank).wrapping_add(1) >= count => break,
            Some(_) => {}
        }
    }
    found
}

/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
pub fn lpos(ctx: &mut Ctx) -> CmdResult {
    let options = parse_options(ctx)?;
    let (key, element) = (ctx.arg(1), ctx.arg(2));
    let (list, out) = list_read(ctx, key)?;
    let found = match list {
        None => Vec::new(),
        Some(list) => {
            let len = i64::try_from(list.len()).unwrap_or(i64::MAX);
            if options.rank < 0 {
                search(list.iter().rev(), element, options, len)
            } else {
                search(list.iter(), element, options, len)
            }
        }
    };
    match (options.count, found.first()) {
        (Some(_), _) => {
            out.array(found.len());
            found.iter().for_each(|index| out.int(*index));
        }
        (None, Some(index)) => out.int(*index),
        (None, None) => out.null(),
    }
    Ok(())
}
