//! A tiny per-thread xorshift generator for random member selection (SPOP, SRANDMEMBER,
//! HRANDFIELD, ZRANDMEMBER).
//!
//! Why not a crate: these commands need speed and rough uniformity, not cryptographic strength, and
//! the storage crate stays free of dependencies. Each thread is seeded once from `RandomState`, so
//! runs differ the way Redis's `random()` does.

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::collections::HashSet;
use std::hash::BuildHasher;

use crate::compact::CompactBytes;
use crate::dict::Dict;

thread_local! {
    static STATE: Cell<u64> = Cell::new(RandomState::new().hash_one(0x5eed_u64) | 1);
}

/// A random 64-bit number (xorshift64*).
pub fn next_u64() -> u64 {
    STATE.with(|state| {
        let mut x = state.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        state.set(x);
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    })
}

/// A random index below `bound` (0 when `bound` is 0).
pub fn below(bound: usize) -> usize {
    // Multiply-shift (Lemire) maps 64 random bits onto the range without a division or bias worth noting.
    ((u128::from(next_u64()) * bound as u128) >> 64) as usize
}

/// `count` distinct indexes below `len`, in random order (a partial Fisher-Yates shuffle); all of them
/// when `count >= len`. O(len) time and memory.
pub fn distinct_indexes(len: usize, count: usize) -> Vec<usize> {
    let mut indexes: Vec<usize> = (0..len).collect();
    let count = count.min(len);
    for i in 0..count {
        let j = i + below(len - i);
        indexes.swap(i, j);
    }
    indexes.truncate(count);
    indexes
}

/// `wanted` distinct random keys of a dict with more than `wanted` entries: copies everything and
/// shuffles when `wanted` is a large share (like case 3 of Redis's SRANDMEMBER), else draws random
/// entries until enough distinct ones are found (case 4); the caller checks `wanted < len`. O(len) or O(wanted).
pub fn distinct_dict_keys<V>(dict: &mut Dict<V>, wanted: usize) -> Vec<CompactBytes> {
    let len = dict.len();
    if wanted.saturating_mul(3) > len {
        let all: Vec<&CompactBytes> = dict.iter().map(|(member, _)| member).collect();
        return distinct_indexes(len, wanted).into_iter().filter_map(|i| all.get(i).map(|m| (*m).clone())).collect();
    }
    let mut picked: HashSet<CompactBytes> = HashSet::with_capacity(wanted);
    let mut attempts = wanted.saturating_mul(64);
    while picked.len() < wanted && attempts > 0 {
        attempts -= 1;
        match dict.random_entry() {
            Some((member, _)) if !picked.contains(member.as_slice()) => {
                picked.insert(member.clone());
            }
            Some(_) => {}
            None => break,
        }
    }
    // Only a broken random source gets here; fill up deterministically rather than loop forever.
    for (member, _) in dict.iter() {
        if picked.len() >= wanted {
            break;
        }
        if !picked.contains(member.as_slice()) {
            picked.insert(member.clone());
        }
    }
    picked.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_stays_in_range_and_covers_it() {
        assert_eq!(below(0), 0);
        let mut seen = [false; 7];
        for _ in 0..1000 {
            let i = below(7);
            assert!(i < 7);
            seen[i] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn distinct_indexes_are_distinct() {
        let mut picked = distinct_indexes(100, 30);
        assert_eq!(picked.len(), 30);
        picked.sort_unstable();
        picked.dedup();
        assert_eq!(picked.len(), 30);
        assert!(picked.iter().all(|&i| i < 100));
        assert_eq!(distinct_indexes(3, 10).len(), 3);
        assert!(distinct_indexes(0, 5).is_empty());
    }
}
