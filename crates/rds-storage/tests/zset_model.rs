//! Model test: random ZADD/ZREM/ZREMRANGEBY*/ZPOP sequences applied to [`ZSet`] and to a plain
//! `BTreeMap` model, compared after every step, with small thresholds so sets cross from listpack
//! to skiplist mid-run.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashSet};

use proptest::prelude::*;
use rds_storage::zset::{AddFlags, AddOutcome, LexRange, Limit, ScoreRange, ZSet, ZSetError, ZSetLimits};

/// What to query after a step: a score range, a lex range, ZRANGE start/stop, LIMIT, REV.
type Probe = (ScoreRange, LexRange, i64, i64, Limit, bool);

#[derive(Debug, Clone)]
enum Op {
    Add(Vec<u8>, f64, AddFlags),
    Remove(Vec<u8>),
    RemoveRank(i64, i64),
    RemoveScore(ScoreRange),
    RemoveLex(LexRange),
    Pop(usize, bool),
    Convert,
}

/// Members sorted like Redis: by score, then bytes.
fn sorted(model: &BTreeMap<Vec<u8>, f64>) -> Vec<(Vec<u8>, f64)> {
    let mut entries: Vec<(Vec<u8>, f64)> = model.iter().map(|(m, s)| (m.clone(), *s)).collect();
    entries.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap().then_with(|| a.0.cmp(&b.0)));
    entries
}

fn member() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(vec![b'a', b'b', b'c', b'\0', 0xff]), 0..7)
}

fn score() -> impl Strategy<Value = f64> {
    prop_oneof![
        prop::sample::select(vec![f64::NEG_INFINITY, -2.5, -1.0, 0.0, 0.5, 1.0, 2.0, 1e300, f64::INFINITY]),
        (-5i32..5).prop_map(f64::from),
    ]
}

fn score_bound() -> impl Strategy<Value = Vec<u8>> {
    (any::<bool>(), prop::sample::select(vec!["-inf", "+inf", "-1", "0", "0.5", "1", "2", "3"]))
        .prop_map(|(ex, v)| format!("{}{v}", if ex { "(" } else { "" }).into_bytes())
}

fn score_range() -> impl Strategy<Value = ScoreRange> {
    (score_bound(), score_bound()).prop_map(|(a, b)| ScoreRange::parse(&a, &b).unwrap())
}

fn lex_bound() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"-".to_vec()),
        Just(b"+".to_vec()),
        (any::<bool>(), member()).prop_map(|(ex, m)| [if ex { b"(" } else { b"[" }.to_vec(), m].concat()),
    ]
}

fn lex_range() -> impl Strategy<Value = LexRange> {
    (lex_bound(), lex_bound()).prop_map(|(a, b)| LexRange::parse(&a, &b).unwrap())
}

fn flags() -> impl Strategy<Value = AddFlags> {
    (0u8..32).prop_map(|bits| AddFlags {
        nx: bits & 1 != 0 && bits & 2 == 0,
        xx: bits & 2 != 0,
        gt: bits & 4 != 0 && bits & 1 == 0,
        lt: bits & 8 != 0 && bits & 4 == 0 && bits & 1 == 0,
        incr: bits & 16 != 0,
    })
}

fn index() -> impl Strategy<Value = i64> {
    prop_oneof![8 => -12i64..12, 1 => Just(i64::MIN), 1 => Just(i64::MAX)]
}

fn op(lex_only: bool) -> impl Strategy<Value = Op> {
    let add_score = if lex_only { Just(1.0).boxed() } else { score().boxed() };
    let add_flags = if lex_only { Just(AddFlags::default()).boxed() } else { flags().boxed() };
    prop_oneof![
        6 => (member(), add_score, add_flags).prop_map(|(m, s, f)| Op::Add(m, s, f)),
        2 => member().prop_map(Op::Remove),
        1 => (index(), index()).prop_map(|(a, b)| Op::RemoveRank(a, b)),
        1 => score_range().prop_map(Op::RemoveScore),
        1 => lex_range().prop_map(Op::RemoveLex),
        1 => (0usize..4, any::<bool>()).prop_map(|(n, max)| Op::Pop(n, max)),
        1 => Just(Op::Convert),
    ]
}

struct Model {
    map: BTreeMap<Vec<u8>, f64>,
    skiplist: bool,
    limits: ZSetLimits,
}

impl Model {
    /// Redis's `zsetAdd`, written out plainly.
    fn add(&mut self, member: &[u8], score: f64, flags: AddFlags) -> Result<AddOutcome, ZSetError> {
        let Some(&current) = self.map.get(member) else {
            if flags.xx {
                return Ok(AddOutcome::Skipped);
            }
            if self.map.len() + 1 > self.limits.max_listpack_entries || member.len() > self.limits.max_listpack_value {
                self.skiplist = true;
            }
            self.map.insert(member.to_vec(), self.normalize(score));
            return Ok(AddOutcome::Added(score));
        };
        if flags.nx {
            return Ok(AddOutcome::Skipped);
        }
        let new = if flags.incr { current + score } else { score };
        if new.is_nan() {
            return Err(ZSetError::NotANumber);
        }
        if (flags.lt && new >= current) || (flags.gt && new <= current) {
            return Ok(AddOutcome::Skipped);
        }
        if new == current {
            return Ok(AddOutcome::Unchanged(new));
        }
        let stored = self.normalize(new);
        self.map.insert(member.to_vec(), stored);
        Ok(AddOutcome::Updated(new))
    }

    /// The listpack keeps -0 as 0, like Redis's (it stores scores as text).
    fn normalize(&self, score: f64) -> f64 {
        if score == 0.0 && !self.skiplist {
            0.0
        } else {
            score
        }
    }

    fn remove_window(&mut self, lo: usize, hi: usize) -> usize {
        let entries = sorted(&self.map);
        for (member, _) in entries.get(lo..hi.max(lo)).unwrap_or(&[]) {
            self.map.remove(member);
        }
        hi.saturating_sub(lo)
    }

    fn window(
        &self,
        pred_lo: impl Fn(&(Vec<u8>, f64)) -> bool,
        pred_hi: impl Fn(&(Vec<u8>, f64)) -> bool,
    ) -> (usize, usize) {
        let entries = sorted(&self.map);
        let lo = entries.iter().take_while(|e| pred_lo(e)).count();
        let hi = entries.iter().take_while(|e| pred_hi(e)).count();
        (lo, hi.max(lo))
    }

    fn apply(&mut self, op: &Op, zset: &mut ZSet) {
        match op {
            Op::Add(member, score, flags) => {
                let expected = self.add(member, *score, *flags);
                assert_eq!(zset.add(member, *score, *flags, &self.limits), expected);
            }
            Op::Remove(member) => {
                assert_eq!(zset.remove(member), self.map.remove(member).is_some())
            }
            Op::RemoveRank(start, stop) => {
                let len = self.map.len() as i64;
                let first = if *start < 0 { start.saturating_add(len).max(0) } else { *start };
                let last = if *stop < 0 { stop.saturating_add(len) } else { (*stop).min(len - 1) };
                let expected = if first > last || first >= len {
                    0
                } else {
                    self.remove_window(first as usize, last as usize + 1)
                };
                assert_eq!(zset.remove_range_by_rank(*start, *stop), expected);
            }
            Op::RemoveScore(range) => {
                let (lo, hi) = self.window(|e| !range.above_min(e.1), |e| range.below_max(e.1));
                let expected = self.remove_window(lo, hi);
                assert_eq!(zset.remove_range_by_score(range), expected);
            }
            Op::RemoveLex(range) => {
                if sorted(&self.map).windows(2).any(|w| w[0].1 != w[1].1) {
                    return; // Unspecified when scores differ, as in Redis.
                }
                let (lo, hi) = self.window(|e| !range.above_min(&e.0), |e| range.below_max(&e.0));
                let expected = self.remove_window(lo, hi);
                assert_eq!(zset.remove_range_by_lex(range), expected);
            }
            Op::Pop(count, max) => {
                let mut entries = sorted(&self.map);
                if *max {
                    entries.reverse();
                }
                entries.truncate(*count);
                for (member, _) in &entries {
                    self.map.remove(member);
                }
                let popped: Vec<(Vec<u8>, f64)> =
                    zset.pop(*count, *max).into_iter().map(|(m, s)| (m.to_vec(), s)).collect();
                assert_eq!(popped, entries);
            }
            Op::Convert => {
                let fits = self.map.len() <= self.limits.max_listpack_entries
                    && self.map.keys().all(|m| m.len() <= self.limits.max_listpack_value);
                if fits {
                    self.skiplist = false;
                }
                zset.convert_to_listpack_if_needed(&self.limits);
            }
        }
    }

    fn check(&self, zset: &ZSet, probe: &Probe) {
        let (range, lex, start, stop, limit, reverse) = probe;
        let entries = sorted(&self.map);
        let owned =
            |it: rds_storage::zset::ZIter<'_>| -> Vec<(Vec<u8>, f64)> { it.map(|(m, s)| (m.to_vec(), s)).collect() };
        assert_eq!(zset.len(), entries.len());
        assert_eq!(zset.encoding_name(), if self.skiplist { "skiplist" } else { "listpack" });
        assert_eq!(owned(zset.iter()), entries);
        for (rank, (member, score)) in entries.iter().enumerate() {
            assert_eq!(zset.score(member), Some(*score));
            assert_eq!(zset.rank(member, false), Some((rank, *score)));
            assert_eq!(zset.rank(member, true), Some((entries.len() - 1 - rank, *score)));
        }
        // Score ranges, with LIMIT, in both directions.
        let (lo, hi) = self.window(|e| !range.above_min(e.1), |e| range.below_max(e.1));
        assert_eq!(zset.count_by_score(range), hi - lo);
        let mut window: Vec<(Vec<u8>, f64)> = entries[lo..hi].to_vec();
        if *reverse {
            window.reverse();
        }
        let window: Vec<_> = if limit.offset < 0 {
            Vec::new()
        } else {
            let skipped = window.into_iter().skip(limit.offset as usize);
            if limit.count < 0 {
                skipped.collect()
            } else {
                skipped.take(limit.count as usize).collect()
            }
        };
        let got = zset.range_by_score(range, *reverse, *limit);
        assert_eq!(got.len(), window.len());
        assert_eq!(owned(got), window);
        // Rank ranges.
        let len = entries.len() as i64;
        let s = if *start < 0 { start.saturating_add(len).max(0) } else { *start };
        let e = if *stop < 0 { stop.saturating_add(len) } else { (*stop).min(len - 1) };
        let mut by_rank: Vec<(Vec<u8>, f64)> = Vec::new();
        if s <= e && s < len {
            let mut ordered = entries.clone();
            if *reverse {
                ordered.reverse();
            }
            by_rank = ordered[s as usize..=e as usize].to_vec();
        }
        assert_eq!(owned(zset.range_by_rank(*start, *stop, *reverse)), by_rank);
        // Lex ranges are only specified when all scores are equal.
        if entries.windows(2).all(|w| w[0].1 == w[1].1) {
            let (lo, hi) = self.window(|e| !lex.above_min(&e.0), |e| lex.below_max(&e.0));
            assert_eq!(zset.count_by_lex(lex), hi - lo);
            let mut expected = entries[lo..hi].to_vec();
            if *reverse {
                expected.reverse();
            }
            assert_eq!(owned(zset.range_by_lex(lex, *reverse, Limit::NONE)), expected);
        }
        // SCAN and random members see exactly the members.
        let mut scanned = HashSet::new();
        let mut cursor = 0;
        loop {
            cursor = zset.scan(cursor, |m, s| assert!(scanned.insert((m.to_vec(), s.to_bits()))));
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(scanned.len(), entries.len());
        let mut picked = HashSet::new();
        zset.random_members(3, true, |m, s| {
            assert_eq!(self.map.get(m), Some(&s));
            assert!(picked.insert(m.to_vec()));
            true
        });
        assert_eq!(picked.len(), entries.len().min(3));
        assert_eq!(&zset.clone(), zset);
    }
}

fn probe() -> impl Strategy<Value = Probe> {
    (score_range(), lex_range(), index(), index(), (-1i64..4, -1i64..4), any::<bool>())
        .prop_map(|(r, l, a, b, (offset, count), rev)| (r, l, a, b, Limit { offset, count }, rev))
}

fn run(ops: Vec<(Op, Probe)>, entries: usize, value: usize) {
    let limits = ZSetLimits { max_listpack_entries: entries, max_listpack_value: value };
    let mut model = Model { map: BTreeMap::new(), skiplist: false, limits };
    let mut zset = ZSet::new();
    for (op, probe) in &ops {
        model.apply(op, &mut zset);
        model.check(&zset, probe);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn zset_matches_model(ops in prop::collection::vec((op(false), probe()), 1..60), entries in 0usize..8, value in 0usize..6) {
        run(ops, entries, value);
    }

    #[test]
    fn lex_ranges_match_model(ops in prop::collection::vec((op(true), probe()), 1..60), entries in 0usize..8) {
        run(ops, entries, 6);
    }
}

#[test]
fn large_sets_match_model_through_many_operations() {
    let limits = ZSetLimits::default();
    let mut model = Model { map: BTreeMap::new(), skiplist: false, limits };
    let mut zset = ZSet::new();
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for step in 0..20_000u64 {
        let member = format!("m{}", next() % 3000).into_bytes();
        let roll = next() % 10;
        let op = match roll {
            0..=5 => Op::Add(member, (next() % 200) as f64 / 4.0, AddFlags { incr: roll == 0, ..AddFlags::default() }),
            6..=7 => Op::Remove(member),
            8 => Op::Pop((next() % 3) as usize, next() & 1 == 0),
            _ => {
                let lo = (next() % 200) as f64 / 4.0;
                Op::RemoveScore(ScoreRange { min: lo, max: lo + 0.5, min_exclusive: false, max_exclusive: true })
            }
        };
        model.apply(&op, &mut zset);
        if step % 2000 < 1 {
            let probe = (ScoreRange::ALL, LexRange::ALL, 10, -10, Limit { offset: 5, count: 20 }, step % 4000 < 1);
            model.check(&zset, &probe);
        }
    }
    assert_eq!(zset.encoding_name(), "skiplist");
}
