use std::collections::BTreeMap;

use super::*;

/// Total order on (score, member) for the model, matching `cmp_entry` for non-NaN scores.
#[derive(Clone, Debug, PartialEq)]
struct Key(f64, Vec<u8>);

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_entry(self.0, &self.1, other.0, &other.1)
    }
}

fn member(i: u64) -> Vec<u8> {
    // Every seventh member is long enough to live on the heap.
    let pad = match i % 7 {
        0 => "-padded-beyond-the-inline-capacity",
        _ => "",
    };
    format!("m{i:06}{pad}").into_bytes()
}

/// A deterministic generator for the randomized tests.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

impl Tree {
    /// Checks every structural invariant: sorted entries, counts, separators, leaf links.
    fn check(&self) {
        let mut entries = Vec::new();
        let mut leaf = self.first_leaf;
        let mut prev = NIL;
        while leaf != NIL {
            let l = &self.leaves[leaf as usize];
            assert_eq!(l.prev, prev, "prev link of leaf {leaf}");
            assert_eq!(l.scores.len(), l.members.len());
            entries.extend(l.scores.iter().zip(&l.members).map(|(s, m)| Key(*s, m.to_vec())));
            prev = leaf;
            leaf = l.next;
        }
        assert_eq!(prev, self.last_leaf);
        assert_eq!(entries.len(), self.len);
        assert!(entries.windows(2).all(|w| w[0] < w[1]), "entries out of order");
        let heap: usize = entries.iter().map(|k| CompactBytes::new(&k.1).heap_size()).sum();
        assert_eq!(heap, self.member_heap, "member heap accounting");
        assert_eq!(self.subtree(self.root, self.height, None, None), self.len);
    }

    /// Checks the subtree of `node` (at `height` levels above the leaves) lies within bounds, and
    /// returns its entry count.
    fn subtree(&self, node: u32, height: usize, low: Option<&Key>, high: Option<&Key>) -> usize {
        if height == 0 {
            let l = &self.leaves[node as usize];
            for (s, m) in l.scores.iter().zip(&l.members) {
                let key = Key(*s, m.to_vec());
                assert!(low.is_none_or(|low| *low <= key), "entry below its separator");
                assert!(high.is_none_or(|high| key < *high), "entry above its separator");
            }
            return l.scores.len();
        }
        let inner = &self.inners[node as usize];
        assert_eq!(inner.children.len(), inner.counts.len());
        assert_eq!(inner.children.len(), inner.sep_scores.len() + 1);
        assert!(inner.children.len() >= 2 && inner.children.len() <= INNER_CAP);
        let seps: Vec<Key> =
            inner.sep_scores.iter().zip(&inner.sep_members).map(|(s, m)| Key(*s, m.to_vec())).collect();
        let mut total = 0;
        for (i, (&child, &count)) in inner.children.iter().zip(&inner.counts).enumerate() {
            let lo = if i == 0 { low } else { seps.get(i - 1) };
            let hi = if i == seps.len() { high } else { seps.get(i) };
            let n = self.subtree(child, height - 1, lo, hi);
            assert_eq!(n, count as usize, "count of child {i}");
            total += n;
        }
        total
    }
}

fn collect(tree: &Tree) -> Vec<Key> {
    let mut out = Vec::new();
    let mut pos = tree.at_rank(0);
    while let Some((m, s)) = tree.entry(pos) {
        out.push(Key(s, m.to_vec()));
        pos = tree.next(pos);
    }
    out
}

#[test]
fn random_operations_match_a_model() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut tree = Tree::new();
    let mut model: BTreeMap<Key, ()> = BTreeMap::new();
    let mut scores: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
    for step in 0..60_000u64 {
        let m = member(rng.next() % 3000);
        let score = (rng.next() % 200) as f64 / 4.0;
        match rng.next() % 10 {
            0..=4 => match scores.get(&m).copied() {
                Some(old) => {
                    assert!(tree.update_score(&m, old, score));
                    model.remove(&Key(old, m.clone()));
                    model.insert(Key(score, m.clone()), ());
                    scores.insert(m, score);
                }
                None => {
                    assert!(tree.insert(CompactBytes::new(&m), score));
                    model.insert(Key(score, m.clone()), ());
                    scores.insert(m, score);
                }
            },
            5..=7 => {
                if let Some(old) = scores.remove(&m) {
                    assert_eq!(tree.remove(old, &m).map(|s| s.to_vec()), Some(m.clone()));
                    model.remove(&Key(old, m));
                } else {
                    assert!(tree.remove(score, &m).is_none());
                }
            }
            8 => {
                let lo = (rng.next() % (model.len() as u64 + 1)) as usize;
                let hi = lo + (rng.next() % 40) as usize;
                let mut gone = Vec::new();
                tree.remove_ranks(lo, hi, |m, s| gone.push(Key(s, m.to_vec())));
                let expected: Vec<Key> = model.keys().skip(lo).take(hi - lo).cloned().collect();
                assert_eq!(gone, expected);
                for key in expected {
                    scores.remove(&key.1);
                    model.remove(&key);
                }
            }
            _ => {
                let bound = score;
                let n = tree.partition(|s, _| s < bound);
                assert_eq!(n, model.keys().filter(|k| k.0 < bound).count());
            }
        }
        if step % 5000 == 0 {
            tree.check();
            let keys: Vec<Key> = model.keys().cloned().collect();
            assert_eq!(collect(&tree), keys);
            for (rank, key) in keys.iter().enumerate().step_by(37) {
                assert_eq!(tree.rank(key.0, &key.1), Some(rank));
                assert_eq!(tree.entry(tree.at_rank(rank)), Some((&key.1[..], key.0)));
            }
        }
    }
    tree.check();
    let len = tree.len();
    let mut n = 0;
    tree.remove_ranks(0, len, |_, _| n += 1);
    assert_eq!((n, tree.len()), (len, 0));
    tree.check();
}

#[test]
fn grows_and_shrinks_through_many_levels() {
    let mut tree = Tree::new();
    for i in 0..100_000u64 {
        assert!(tree.insert(CompactBytes::new(&member(i)), (i % 1000) as f64));
    }
    tree.check();
    assert!(tree.height >= 2, "height {}", tree.height);
    // Pop from the low end, as ZPOPMIN does, then from the high end.
    for _ in 0..60_000 {
        tree.remove_ranks(0, 1, |_, _| {});
    }
    tree.check();
    for _ in 0..39_990 {
        let last = tree.len() - 1;
        tree.remove_ranks(last, last + 1, |_, _| {});
    }
    tree.check();
    assert_eq!(tree.len(), 10);
    assert_eq!(tree.height, 0);
    let backwards: Vec<f64> = {
        let mut pos = tree.at_rank(tree.len() - 1);
        let mut out = Vec::new();
        while let Some((_, s)) = tree.entry(pos) {
            out.push(s);
            pos = tree.prev(pos);
        }
        out
    };
    assert_eq!(backwards.len(), 10);
}

#[test]
fn built_from_sorted_matches_inserted() {
    for n in [0u64, 1, 47, 48, 49, 500, 5000, 40_000] {
        let entries: Vec<(CompactBytes, f64)> = (0..n).map(|i| (CompactBytes::new(&member(i)), i as f64)).collect();
        let tree = Tree::from_sorted(entries);
        tree.check();
        assert_eq!(tree.len(), n as usize);
        assert_eq!(tree.partition(|s, _| s < 250.0), (n as usize).min(250));
        assert_eq!(tree.at_rank(n as usize), Pos::NONE);
        let mut copy = tree.clone();
        assert_eq!(copy.drain_sorted().len(), n as usize);
        copy.check();
    }
}

#[test]
fn score_updates_inside_a_leaf_keep_order() {
    let mut tree = Tree::new();
    for i in 0..1000u64 {
        tree.insert(CompactBytes::new(&member(i)), i as f64);
    }
    for i in (0..1000u64).step_by(3) {
        assert!(tree.update_score(&member(i), i as f64, i as f64 + 0.5));
        assert!(tree.update_score(&member(i), i as f64 + 0.5, i as f64 - 2.5));
    }
    assert!(!tree.update_score(b"nosuch", 1.0, 2.0));
    tree.check();
}
