//! Read-only queries: rank of an entry, entry at a rank, the length of a range's prefix, and
//! stepping between neighbouring positions.

use super::{lower_bound, prefix_len, route, Pos, Tree, NIL};

impl Tree {
    /// 0-based rank of (score, member), if present.
    pub fn rank(&self, score: f64, member: &[u8]) -> Option<usize> {
        let mut before = 0usize;
        let mut node = self.root;
        for _ in 0..self.height {
            let inner = &self.inners[node as usize];
            let child = route(inner, score, member);
            before += inner.counts[..child].iter().map(|&c| c as usize).sum::<usize>();
            node = inner.children[child];
        }
        let leaf = &self.leaves[node as usize];
        let at = lower_bound(leaf, score, member);
        let found = leaf.scores.get(at) == Some(&score) && leaf.members.get(at).map(|m| m.as_slice()) == Some(member);
        found.then_some(before + at)
    }

    /// The position of 0-based `rank`, or [`Pos::NONE`].
    pub fn at_rank(&self, rank: usize) -> Pos {
        if rank >= self.len {
            return Pos::NONE;
        }
        let mut left = rank;
        let mut node = self.root;
        for _ in 0..self.height {
            let inner = &self.inners[node as usize];
            let child;
            (child, left) = inner.child_for_rank(left);
            node = inner.children[child];
        }
        Pos { leaf: node, index: left as u32 }
    }

    /// Number of leading entries for which `pred(score, member)` holds, assuming it holds for a
    /// prefix of the order.
    pub fn partition(&self, pred: impl Fn(f64, &[u8]) -> bool) -> usize {
        let mut before = 0usize;
        let mut node = self.root;
        for _ in 0..self.height {
            let inner = &self.inners[node as usize];
            let child = prefix_len(inner.sep_scores.len(), |i| pred(inner.sep_scores[i], &inner.sep_members[i]));
            before += inner.counts[..child].iter().map(|&c| c as usize).sum::<usize>();
            node = inner.children[child];
        }
        let leaf = &self.leaves[node as usize];
        before + prefix_len(leaf.scores.len(), |i| pred(leaf.scores[i], &leaf.members[i]))
    }

    /// The member and score at `pos`.
    pub fn entry(&self, pos: Pos) -> Option<(&[u8], f64)> {
        let leaf = self.leaves.get(pos.leaf as usize)?;
        let index = pos.index as usize;
        Some((leaf.members.get(index)?.as_slice(), *leaf.scores.get(index)?))
    }

    /// The position after `pos`, or [`Pos::NONE`].
    pub fn next(&self, pos: Pos) -> Pos {
        let Some(leaf) = self.leaves.get(pos.leaf as usize) else { return Pos::NONE };
        if (pos.index as usize) + 1 < leaf.scores.len() {
            return Pos { leaf: pos.leaf, index: pos.index + 1 };
        }
        match leaf.next {
            NIL => Pos::NONE,
            next => Pos { leaf: next, index: 0 },
        }
    }

    /// The position before `pos`, or [`Pos::NONE`].
    pub fn prev(&self, pos: Pos) -> Pos {
        let Some(leaf) = self.leaves.get(pos.leaf as usize) else { return Pos::NONE };
        if pos.index > 0 {
            return Pos { leaf: pos.leaf, index: pos.index - 1 };
        }
        match leaf.prev {
            NIL => Pos::NONE,
            prev => {
                let last = self.leaves[prev as usize].scores.len().saturating_sub(1);
                Pos { leaf: prev, index: last as u32 }
            }
        }
    }
}
