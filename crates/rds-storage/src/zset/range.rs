//! Range arguments of the sorted-set commands: score intervals (`1.5`, `(1.5`, `-inf`, `+inf`),
//! lexicographic intervals (`[a`, `(a`, `-`, `+`) and `LIMIT offset count`, parsed exactly as
//! Redis's `zslParseRange` / `zslParseLexRange` do.

use super::ZSetError;
use crate::num::parse_f64;

/// A score interval such as ZRANGEBYSCORE's `min max`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreRange {
    /// Lower bound.
    pub min: f64,
    /// Upper bound.
    pub max: f64,
    /// True when `min` itself is excluded (`(min`).
    pub min_exclusive: bool,
    /// True when `max` itself is excluded (`(max`).
    pub max_exclusive: bool,
}

impl ScoreRange {
    /// Every score: `-inf +inf`.
    pub const ALL: ScoreRange =
        ScoreRange { min: f64::NEG_INFINITY, max: f64::INFINITY, min_exclusive: false, max_exclusive: false };

    /// Parses `min` and `max` arguments; in reverse commands (ZREVRANGEBYSCORE max min) the caller
    /// passes them in min, max order.
    pub fn parse(min: &[u8], max: &[u8]) -> Result<ScoreRange, ZSetError> {
        let (min, min_exclusive) = parse_score_bound(min).ok_or(ZSetError::InvalidScoreRange)?;
        let (max, max_exclusive) = parse_score_bound(max).ok_or(ZSetError::InvalidScoreRange)?;
        Ok(ScoreRange { min, max, min_exclusive, max_exclusive })
    }

    /// True when `score` is not below the lower bound.
    pub fn above_min(&self, score: f64) -> bool {
        if self.min_exclusive {
            score > self.min
        } else {
            score >= self.min
        }
    }

    /// True when `score` is not above the upper bound.
    pub fn below_max(&self, score: f64) -> bool {
        if self.max_exclusive {
            score < self.max
        } else {
            score <= self.max
        }
    }

    /// True when `score` lies in the interval.
    pub fn contains(&self, score: f64) -> bool {
        self.above_min(score) && self.below_max(score)
    }
}

/// `strtod` semantics as Redis uses them: leading whitespace is skipped, trailing bytes are an
/// error (up to a NUL byte, where the C string ends), NaN is an error, and an empty string reads as 0 (strtod converts nothing and stops at the
/// terminator).
fn parse_score_bound(arg: &[u8]) -> Option<(f64, bool)> {
    // `strtod` reads a C string: a NUL byte ends the argument.
    let arg = crate::cstr::c_str(arg);
    let (exclusive, text) = match arg.split_first() {
        Some((b'(', rest)) => (true, rest),
        _ => (false, arg),
    };
    if text.is_empty() {
        return Some((0.0, exclusive));
    }
    let start = text.iter().position(|b| !matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))?;
    let text = text.get(start..)?;
    if text.first().is_some_and(|&b| b == b'+' || b == b'-') && text.get(1).is_some_and(|&b| b == b'+' || b == b'-') {
        return None;
    }
    parse_f64(text).map(|value| (value, exclusive))
}

/// One end of a lexicographic interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LexBound {
    /// `-`: below every member.
    NegInf,
    /// `+`: above every member.
    PosInf,
    /// `[member`: the member itself is included.
    Inclusive(Vec<u8>),
    /// `(member`: the member itself is excluded.
    Exclusive(Vec<u8>),
}

impl LexBound {
    /// Parses `-`, `+`, `[member` or `(member`.
    pub fn parse(arg: &[u8]) -> Result<LexBound, ZSetError> {
        // Redis tests the byte after `+`/`-` against the C string terminator, so "+\0..." passes.
        let alone = |rest: &[u8]| rest.first().is_none_or(|&b| b == 0);
        match arg.split_first() {
            Some((b'+', rest)) if alone(rest) => Ok(LexBound::PosInf),
            Some((b'-', rest)) if alone(rest) => Ok(LexBound::NegInf),
            Some((b'(', rest)) => Ok(LexBound::Exclusive(rest.to_vec())),
            Some((b'[', rest)) => Ok(LexBound::Inclusive(rest.to_vec())),
            _ => Err(ZSetError::InvalidLexRange),
        }
    }
}

/// A lexicographic interval such as ZRANGEBYLEX's `min max`. Like Redis, lex ranges assume every
/// member has the same score; otherwise which members match is unspecified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexRange {
    /// Lower bound.
    pub min: LexBound,
    /// Upper bound.
    pub max: LexBound,
}

impl LexRange {
    /// Every member: `- +`.
    pub const ALL: LexRange = LexRange { min: LexBound::NegInf, max: LexBound::PosInf };

    /// Parses `min` and `max` arguments (in min, max order, also for the REV forms).
    pub fn parse(min: &[u8], max: &[u8]) -> Result<LexRange, ZSetError> {
        Ok(LexRange { min: LexBound::parse(min)?, max: LexBound::parse(max)? })
    }

    /// True when `member` is not below the lower bound.
    pub fn above_min(&self, member: &[u8]) -> bool {
        match &self.min {
            LexBound::NegInf => true,
            LexBound::PosInf => false,
            LexBound::Inclusive(bound) => member >= bound.as_slice(),
            LexBound::Exclusive(bound) => member > bound.as_slice(),
        }
    }

    /// True when `member` is not above the upper bound.
    pub fn below_max(&self, member: &[u8]) -> bool {
        match &self.max {
            LexBound::NegInf => false,
            LexBound::PosInf => true,
            LexBound::Inclusive(bound) => member <= bound.as_slice(),
            LexBound::Exclusive(bound) => member < bound.as_slice(),
        }
    }

    /// True when `member` lies in the interval.
    pub fn contains(&self, member: &[u8]) -> bool {
        self.above_min(member) && self.below_max(member)
    }

    /// True when no member can lie in the interval, as Redis decides it before scanning
    /// (`sdscmplex`): `min` above `max`, or equal with either end exclusive (`-`/`+` are exclusive).
    pub fn is_empty_interval(&self) -> bool {
        use LexBound::{Exclusive, Inclusive, NegInf, PosInf};
        match (&self.min, &self.max) {
            (NegInf, NegInf) | (PosInf, PosInf) => true,
            (NegInf, _) | (_, PosInf) => false,
            (PosInf, _) | (_, NegInf) => true,
            (Inclusive(a) | Exclusive(a), Inclusive(b) | Exclusive(b)) => {
                let exclusive = matches!(self.min, Exclusive(_)) || matches!(self.max, Exclusive(_));
                a > b || (a == b && exclusive)
            }
        }
    }
}

/// `LIMIT offset count` with Redis's meaning: a negative offset selects nothing, a negative count
/// means "all the rest".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Matching elements to skip first.
    pub offset: i64,
    /// Most elements to return; negative for no limit.
    pub count: i64,
}

impl Limit {
    /// No LIMIT clause.
    pub const NONE: Limit = Limit { offset: 0, count: -1 };

    /// Narrows the ascending rank interval `[lo, hi)` to the LIMIT window, counted from `lo`, or from
    /// `hi` backwards when `reverse`.
    pub(crate) fn apply(&self, lo: usize, hi: usize, reverse: bool) -> (usize, usize) {
        let Ok(offset) = usize::try_from(self.offset) else {
            return (lo, lo);
        };
        let available = hi.saturating_sub(lo);
        let skip = offset.min(available);
        let rest = available - skip;
        let take = usize::try_from(self.count).map_or(rest, |count| count.min(rest));
        if reverse {
            (hi - skip - take, hi - skip)
        } else {
            (lo + skip, lo + skip + take)
        }
    }
}

impl Default for Limit {
    fn default() -> Self {
        Limit::NONE
    }
}

/// Ascending, inclusive ranks selected by ZRANGE-style `start stop` indexes (negative ones count
/// from the end), or `None` when the selection is empty.
pub(crate) fn rank_window(start: i64, stop: i64, len: usize) -> Option<(usize, usize)> {
    let len = i64::try_from(len).ok()?;
    let start = if start < 0 { start.saturating_add(len).max(0) } else { start };
    let stop = if stop < 0 { stop.saturating_add(len) } else { stop };
    if start > stop || start >= len {
        return None;
    }
    let stop = stop.min(len - 1);
    Some((usize::try_from(start).ok()?, usize::try_from(stop).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_bounds_parse_like_redis() {
        let range = ScoreRange::parse(b"(1.5", b"+inf").expect("valid");
        assert_eq!(range, ScoreRange { min: 1.5, max: f64::INFINITY, min_exclusive: true, max_exclusive: false });
        assert!(!range.contains(1.5) && range.contains(1.6) && range.contains(f64::INFINITY));
        assert_eq!(ScoreRange::parse(b"", b"(").map(|r| (r.min, r.max, r.max_exclusive)), Ok((0.0, 0.0, true)));
        assert_eq!(ScoreRange::parse(b" 1", b"-inf").map(|r| r.min), Ok(1.0));
        for bad in [&b"1 "[..], b"nan", b"(nan", b"abc", b"  ", b"((1", b"1e", b"--1"] {
            assert_eq!(ScoreRange::parse(bad, b"1"), Err(ZSetError::InvalidScoreRange), "{bad:?}");
        }
    }

    #[test]
    fn lex_bounds_parse_like_redis() {
        let range = LexRange::parse(b"[a", b"(c").expect("valid");
        assert!(range.contains(b"a") && range.contains(b"b") && !range.contains(b"c"));
        assert_eq!(LexBound::parse(b"-"), Ok(LexBound::NegInf));
        assert_eq!(LexBound::parse(b"+\0x"), Ok(LexBound::PosInf));
        assert_eq!(LexBound::parse(b"("), Ok(LexBound::Exclusive(Vec::new())));
        for bad in [&b""[..], b"a", b"+a", b"-a"] {
            assert_eq!(LexBound::parse(bad), Err(ZSetError::InvalidLexRange));
        }
        let inverted = LexRange::parse(b"+", b"-").expect("valid");
        assert!(!inverted.contains(b"x"));
    }

    #[test]
    fn limits_and_rank_windows() {
        assert_eq!(Limit::NONE.apply(2, 10, false), (2, 10));
        assert_eq!(Limit { offset: 1, count: 3 }.apply(2, 10, false), (3, 6));
        assert_eq!(Limit { offset: 1, count: 3 }.apply(2, 10, true), (6, 9));
        assert_eq!(Limit { offset: -1, count: 3 }.apply(2, 10, false), (2, 2));
        assert_eq!(Limit { offset: 100, count: -1 }.apply(2, 10, true), (2, 2));
        assert_eq!(rank_window(0, -1, 5), Some((0, 4)));
        assert_eq!(rank_window(-100, 100, 5), Some((0, 4)));
        assert_eq!(rank_window(i64::MIN, i64::MAX, 5), Some((0, 4)));
        assert_eq!(rank_window(3, 1, 5), None);
        assert_eq!(rank_window(5, 10, 5), None);
        assert_eq!(rank_window(0, -6, 5), None);
        assert_eq!(rank_window(0, 0, 0), None);
    }
}
