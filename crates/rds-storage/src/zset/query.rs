//! Rank and range queries and range removals (ZRANK, ZCOUNT, ZLEXCOUNT, ZRANGE in all its forms,
//! ZREMRANGEBY*, ZPOP*): each finds an ascending rank window in O(log n) on the skiplist (O(n) on a
//! listpack), then walks or removes just that window.

use super::range::rank_window;
use super::{LexRange, Limit, Repr, ScoreRange, ZIter, ZSet};
use crate::compact::CompactBytes;

impl ZSet {
    /// ZRANK / ZREVRANK: the 0-based rank of `member` (from the highest score when `reverse`) and its
    /// score.
    pub fn rank(&self, member: &[u8], reverse: bool) -> Option<(usize, f64)> {
        let (rank, score) = match &self.repr {
            Repr::Listpack(lp) => lp.find(member).map(|(rank, e)| (rank, e.score))?,
            Repr::Skiplist(big) => {
                let score = *big.dict.get(member)?;
                (big.list.rank(score, member)?, score)
            }
        };
        let rank = if reverse { self.len().saturating_sub(rank + 1) } else { rank };
        Some((rank, score))
    }

    /// Number of leading members (in ascending order) for which `pred(score, member)` holds.
    fn partition(&self, pred: impl Fn(f64, &[u8]) -> bool) -> usize {
        match &self.repr {
            Repr::Listpack(lp) => lp.partition(pred),
            Repr::Skiplist(big) => big.list.partition(pred),
        }
    }

    /// Ascending ranks `[lo, hi)` of the members whose score lies in `range`.
    fn score_ranks(&self, range: &ScoreRange) -> (usize, usize) {
        let lo = self.partition(|score, _| !range.above_min(score));
        let hi = self.partition(|score, _| range.below_max(score));
        (lo, hi.max(lo))
    }

    /// Ascending ranks `[lo, hi)` of the members in the lex `range`.
    ///
    /// Lex ranges assume equal scores; on a listpack that breaks the assumption, the window is the
    /// one Redis's linear scan finds (from the head, or from the tail when `reverse`), so replies
    /// match there too.
    fn lex_ranks(&self, range: &LexRange, reverse: bool, limit: Limit) -> (usize, usize) {
        if let Repr::Listpack(lp) = &self.repr {
            return lp.lex_window(range, reverse, limit);
        }
        let lo = self.partition(|_, member| !range.above_min(member));
        let hi = self.partition(|_, member| range.below_max(member));
        limit.apply(lo, hi.max(lo), reverse)
    }

    /// ZCOUNT: members whose score lies in `range`, in O(log n).
    pub fn count_by_score(&self, range: &ScoreRange) -> usize {
        let (lo, hi) = self.score_ranks(range);
        hi - lo
    }

    /// ZLEXCOUNT: members in the lex `range`.
    pub fn count_by_lex(&self, range: &LexRange) -> usize {
        let (lo, hi) = self.lex_ranks(range, false, Limit::NONE);
        hi - lo
    }

    /// Every member in ascending order (ZUNION, ZINTER, ZDIFF, RDB, DEBUG DIGEST).
    pub fn iter(&self) -> ZIter<'_> {
        self.ranks(0, self.len(), false)
    }

    /// Iterates ascending ranks `[lo, hi)`, backwards when `reverse`.
    fn ranks(&self, lo: usize, hi: usize, reverse: bool) -> ZIter<'_> {
        match &self.repr {
            Repr::Listpack(lp) => ZIter::listpack(lp, lo, hi, reverse),
            Repr::Skiplist(big) => ZIter::skiplist(&big.list, lo, hi, reverse),
        }
    }

    /// `ZRANGE start stop [REV]`: by index, negative indexes counting from the end; with `reverse`,
    /// index 0 is the highest score.
    pub fn range_by_rank(&self, start: i64, stop: i64, reverse: bool) -> ZIter<'_> {
        let len = self.len();
        match rank_window(start, stop, len) {
            None => self.ranks(0, 0, reverse),
            Some((first, last)) if reverse => self.ranks(len - 1 - last, len - first, true),
            Some((first, last)) => self.ranks(first, last + 1, false),
        }
    }

    /// `ZRANGE BYSCORE [REV] [LIMIT]`: members whose score lies in `range`, ascending or descending,
    /// with the LIMIT window counted in the direction of iteration.
    pub fn range_by_score(&self, range: &ScoreRange, reverse: bool, limit: Limit) -> ZIter<'_> {
        let (lo, hi) = self.score_ranks(range);
        let (lo, hi) = limit.apply(lo, hi, reverse);
        self.ranks(lo, hi, reverse)
    }

    /// `ZRANGE BYLEX [REV] [LIMIT]`: members in the lex `range`.
    pub fn range_by_lex(&self, range: &LexRange, reverse: bool, limit: Limit) -> ZIter<'_> {
        let (lo, hi) = self.lex_ranks(range, reverse, limit);
        self.ranks(lo, hi, reverse)
    }

    /// Removes ascending ranks `[lo, hi)`; returns how many were removed.
    fn remove_ranks(&mut self, lo: usize, hi: usize) -> usize {
        let hi = hi.min(self.len());
        if lo >= hi {
            return 0;
        }
        match &mut self.repr {
            Repr::Listpack(lp) => lp.remove_ranks(lo, hi),
            Repr::Skiplist(big) => {
                let dict = &mut big.dict;
                big.list.remove_ranks(lo, hi, |member, _| {
                    dict.remove(&member);
                });
            }
        }
        hi - lo
    }

    /// ZREMRANGEBYRANK start stop; returns the number removed.
    pub fn remove_range_by_rank(&mut self, start: i64, stop: i64) -> usize {
        match rank_window(start, stop, self.len()) {
            Some((first, last)) => self.remove_ranks(first, last + 1),
            None => 0,
        }
    }

    /// ZREMRANGEBYSCORE; returns the number removed.
    pub fn remove_range_by_score(&mut self, range: &ScoreRange) -> usize {
        let (lo, hi) = self.score_ranks(range);
        self.remove_ranks(lo, hi)
    }

    /// ZREMRANGEBYLEX; returns the number removed.
    pub fn remove_range_by_lex(&mut self, range: &LexRange) -> usize {
        let (lo, hi) = self.lex_ranks(range, false, Limit::NONE);
        self.remove_ranks(lo, hi)
    }

    /// ZPOPMIN / ZPOPMAX (and the blocking and ZMPOP forms): removes up to `count` members from the
    /// low end, or the high end when `max`, handing each to `visit` in pop order before it goes;
    /// returns how many were popped.
    pub fn pop_with(&mut self, count: usize, max: bool, mut visit: impl FnMut(&[u8], f64)) -> usize {
        let len = self.len();
        let count = count.min(len);
        match &mut self.repr {
            Repr::Listpack(_) => {
                let (lo, hi) = if max { (len - count, len) } else { (0, count) };
                self.ranks(lo, hi, max).for_each(|(member, score)| visit(member, score));
                self.remove_ranks(lo, hi);
            }
            Repr::Skiplist(big) => {
                for _ in 0..count {
                    let Some((member, score)) = big.list.pop_edge(max) else { break };
                    visit(&member, score);
                    big.dict.remove(&member);
                }
            }
        }
        count
    }

    /// [`ZSet::pop_with`], collecting the popped members and scores.
    pub fn pop(&mut self, count: usize, max: bool) -> Vec<(CompactBytes, f64)> {
        let mut popped = Vec::with_capacity(count.min(self.len()));
        self.pop_with(count, max, |member, score| popped.push((CompactBytes::new(member), score)));
        popped
    }
}
