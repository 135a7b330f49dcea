//! Random members (ZRANDMEMBER) and ZSCAN, plus the tiny generator behind random picks.

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::collections::HashSet;
use std::hash::BuildHasher;

use super::listpack;
use super::tree::Tree;
use super::{Repr, ZSet};

impl ZSet {
    /// ZRANDMEMBER: `count` members, distinct when `unique` (all of them, highest score first, when
    /// `count` covers the set), with repetitions otherwise. Visits them without allocating per member, so the
    /// caller can stream a large reply; `visit` returns false to stop early.
    pub fn random_members(&self, count: usize, unique: bool, mut visit: impl FnMut(&[u8], f64) -> bool) {
        let len = self.len();
        if len == 0 || count == 0 {
            return;
        }
        if unique && count >= len {
            // Redis walks the whole set from its highest score down (`zuiNext`).
            for (member, score) in self.range_by_rank(0, -1, true) {
                if !visit(member, score) {
                    return;
                }
            }
            return;
        }
        if unique && count.saturating_mul(3) > len {
            // Selection sampling (Knuth's algorithm S): one ordered pass, exactly `count` picks.
            let mut needed = count;
            for (seen, (member, score)) in self.iter().enumerate() {
                if random_below(len - seen) < needed {
                    needed -= 1;
                    if !visit(member, score) || needed == 0 {
                        return;
                    }
                }
            }
            return;
        }
        let access = RankAccess::new(self);
        let mut picked = HashSet::new();
        let mut produced = 0;
        while produced < count {
            let rank = random_below(len);
            if unique && !picked.insert(rank) {
                continue;
            }
            if let Some((member, score)) = access.get(rank) {
                if !visit(member, score) {
                    return;
                }
            }
            produced += 1;
        }
    }

    /// ZSCAN: one step from `cursor`, returning the next cursor. A listpack returns everything at
    /// once with cursor 0, like Redis; a skiplist set follows the [`Dict`](crate::dict::Dict) cursor.
    pub fn scan(&self, cursor: u64, mut visit: impl FnMut(&[u8], f64)) -> u64 {
        match &self.repr {
            Repr::Listpack(lp) => {
                lp.entries().for_each(|e| visit(e.member, e.score));
                0
            }
            Repr::Skiplist(big) => big.dict.scan(cursor, |member, score| visit(member, *score)),
        }
    }
}

/// O(1) (listpack, after one pass) or O(log n) (skiplist) access by rank, for random picks.
enum RankAccess<'a> {
    Listpack(&'a [u8], Vec<u32>),
    Skiplist(&'a Tree),
}

impl<'a> RankAccess<'a> {
    fn new(zset: &'a ZSet) -> Self {
        match &zset.repr {
            Repr::Listpack(lp) => RankAccess::Listpack(lp.bytes(), lp.offsets()),
            Repr::Skiplist(big) => RankAccess::Skiplist(&big.list),
        }
    }

    fn get(&self, rank: usize) -> Option<(&'a [u8], f64)> {
        match self {
            RankAccess::Listpack(buf, offsets) => {
                let offset = *offsets.get(rank)? as usize;
                listpack::decode_entry(buf, offset).map(|(member, score, _)| (member, score))
            }
            RankAccess::Skiplist(list) => list.entry(list.at_rank(rank)),
        }
    }
}

thread_local! {
    static RNG: Cell<u64> = Cell::new(RandomState::new().hash_one(0x2e75_u64) | 1);
}

/// xorshift64*: random members need speed, not cryptographic strength.
pub(super) fn random_u64() -> u64 {
    RNG.with(|state| {
        let mut x = state.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        state.set(x);
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    })
}

/// A random number below `bound` (0 when `bound` is 0).
fn random_below(bound: usize) -> usize {
    ((u128::from(random_u64()) * bound as u128) >> 64) as usize
}
