//! Bulk loading: a tree built from sorted entries in O(n), leaves three-quarters full.

use super::{leaf_vectors, Inner, Leaf, Tree, INNER_CAP, INNER_MIN, LEAF_CAP, NIL};
use crate::compact::CompactBytes;

impl Tree {
    /// Builds from entries already in order, in O(n): full leaves, then each inner level.
    pub fn from_sorted(entries: impl IntoIterator<Item = (CompactBytes, f64)>) -> Tree {
        let mut tree = Tree::new();
        let mut leaves = Vec::new();
        let (mut scores, mut members) = leaf_vectors();
        for (member, score) in entries {
            if scores.len() == LEAF_CAP * 3 / 4 {
                leaves.push((std::mem::take(&mut scores), std::mem::take(&mut members)));
                (scores, members) = leaf_vectors();
            }
            tree.member_heap += member.heap_size();
            scores.push(score);
            members.push(member);
        }
        if !scores.is_empty() || leaves.is_empty() {
            leaves.push((scores, members));
        }
        tree.len = leaves.iter().map(|(s, _)| s.len()).sum();
        tree.leaves.clear();
        let count = leaves.len() as u32;
        for (i, (scores, members)) in (0u32..).zip(leaves) {
            let prev = if i == 0 { NIL } else { i - 1 };
            let next = if i + 1 == count { NIL } else { i + 1 };
            tree.leaves.push(Leaf { scores, members, prev, next });
        }
        tree.first_leaf = 0;
        tree.last_leaf = count - 1;
        tree.build_inner_levels(count);
        tree
    }

    /// Builds inner levels over leaves `0..count` (bulk loading).
    pub(super) fn build_inner_levels(&mut self, count: u32) {
        let mut level: Vec<(u32, u32, f64, CompactBytes)> = (0..count)
            .map(|id| {
                let leaf = &self.leaves[id as usize];
                let min = leaf.members.first().cloned().unwrap_or_default();
                (id, leaf.scores.len() as u32, leaf.scores.first().copied().unwrap_or(0.0), min)
            })
            .collect();
        self.root = 0;
        self.height = 0;
        while level.len() > 1 {
            let mut next = Vec::new();
            for group in level.chunks(INNER_CAP * 3 / 4) {
                let mut inner = Inner::default();
                for (i, (child, n, score, member)) in group.iter().enumerate() {
                    if i > 0 {
                        inner.sep_scores.push(*score);
                        inner.sep_members.push(member.clone());
                    }
                    inner.children.push(*child);
                    inner.counts.push(*n);
                }
                let total = inner.counts.iter().sum();
                let (score, member) = (group[0].2, group[0].3.clone());
                next.push((self.alloc_inner(inner), total, score, member));
            }
            // A lone last group would be an underfull node: fold it into its neighbour.
            if next.len() > 1 {
                self.fix_last_group(&mut next);
            }
            level = next;
            self.height += 1;
        }
        self.root = level.first().map_or(0, |l| l.0);
    }

    /// Rebalances the last two nodes of a freshly built level so the last is not underfull.
    pub(super) fn fix_last_group(&mut self, level: &mut [(u32, u32, f64, CompactBytes)]) {
        let n = level.len();
        let (left, right) = (level[n - 2].0, level[n - 1].0);
        if self.inners[right as usize].children.len() >= INNER_MIN {
            return;
        }
        // Separator between them: the lower bound of the right node.
        let sep = (level[n - 1].2, level[n - 1].3.clone());
        let new_sep = self.redistribute_inners(left, right, sep);
        level[n - 2].1 = self.inners[left as usize].counts.iter().sum();
        level[n - 1].1 = self.inners[right as usize].counts.iter().sum();
        level[n - 1].2 = new_sep.0;
        level[n - 1].3 = new_sep.1;
    }
}
