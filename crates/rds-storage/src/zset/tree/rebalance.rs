//! Keeping the tree balanced after removals: an underfull node is merged with a sibling when both
//! fit in one node, or refilled from it otherwise; a root left with a single child is dropped.

use super::{Path, Tree, INNER_CAP, INNER_MIN, LEAF_CAP, LEAF_MIN, NIL};
use crate::compact::CompactBytes;

impl Tree {
    /// Fixes a leaf that may have become underfull, then its ancestors.
    pub(super) fn rebalance_leaf(&mut self, id: u32, mut path: Path) {
        let Some((parent, child)) = path.last() else { return };
        if self.leaves[id as usize].scores.len() >= LEAF_MIN {
            return;
        }
        let Some((lc, rc)) = self.inners[parent as usize].sibling_pair(child) else { return };
        let left = self.inners[parent as usize].children[lc];
        let right = self.inners[parent as usize].children[rc];
        let total = self.leaves[left as usize].scores.len() + self.leaves[right as usize].scores.len();
        if total <= LEAF_CAP {
            let moved = std::mem::take(&mut self.leaves[right as usize]);
            let target = &mut self.leaves[left as usize];
            target.scores.extend(moved.scores);
            target.members.extend(moved.members);
            target.next = moved.next;
            match moved.next {
                NIL => self.last_leaf = left,
                next => self.leaves[next as usize].prev = left,
            }
            self.free_leaf(right);
            self.inners[parent as usize].remove_merged(lc, total as u32);
            path.pop();
            self.rebalance_inner(parent, path);
            return;
        }
        let mut moved = std::mem::take(&mut self.leaves[right as usize]);
        let target = &mut self.leaves[left as usize];
        let want = total / 2;
        if target.scores.len() > want {
            let tail_scores: Vec<f64> = target.scores.drain(want..).collect();
            let tail_members: Vec<CompactBytes> = target.members.drain(want..).collect();
            moved.scores.splice(0..0, tail_scores);
            moved.members.splice(0..0, tail_members);
        } else {
            let take = want - target.scores.len();
            target.scores.extend(moved.scores.drain(..take));
            target.members.extend(moved.members.drain(..take));
        }
        let (left_n, right_n) = (target.scores.len() as u32, moved.scores.len() as u32);
        let sep = (moved.scores[0], moved.members[0].clone());
        self.leaves[right as usize] = moved;
        self.inners[parent as usize].set_pair(lc, (left_n, right_n), sep);
    }

    /// Fixes an inner node that may have become underfull (or a root left with one child).
    pub(super) fn rebalance_inner(&mut self, id: u32, mut path: Path) {
        let Some((parent, child)) = path.last() else {
            if self.height > 0 && self.inners[id as usize].children.len() == 1 {
                self.root = self.inners[id as usize].children[0];
                self.height -= 1;
                self.free_inner(id);
            }
            return;
        };
        if self.inners[id as usize].children.len() >= INNER_MIN {
            return;
        }
        let Some((lc, rc)) = self.inners[parent as usize].sibling_pair(child) else { return };
        let left = self.inners[parent as usize].children[lc];
        let right = self.inners[parent as usize].children[rc];
        let sep = (self.inners[parent as usize].sep_scores[lc], self.inners[parent as usize].sep_members[lc].clone());
        let total = self.inners[left as usize].children.len() + self.inners[right as usize].children.len();
        if total <= INNER_CAP {
            let moved = std::mem::take(&mut self.inners[right as usize]);
            self.inners[left as usize].append(sep, moved);
            self.free_inner(right);
            let inner = &mut self.inners[parent as usize];
            inner.remove_merged(lc, inner.counts[lc] + inner.counts[rc]);
            path.pop();
            self.rebalance_inner(parent, path);
            return;
        }
        let new_sep = self.redistribute_inners(left, right, sep);
        let left_n = self.inners[left as usize].counts.iter().sum();
        let right_n = self.inners[right as usize].counts.iter().sum();
        self.inners[parent as usize].set_pair(lc, (left_n, right_n), new_sep);
    }

    /// Evens out the children of two adjacent inner nodes separated by `sep`; returns their new
    /// separator.
    pub(super) fn redistribute_inners(
        &mut self,
        left: u32,
        right: u32,
        sep: (f64, CompactBytes),
    ) -> (f64, CompactBytes) {
        let moved = std::mem::take(&mut self.inners[right as usize]);
        let target = &mut self.inners[left as usize];
        target.append(sep, moved);
        let split = target.split_off(target.children.len() / 2);
        let up = (target.sep_scores.pop().unwrap_or(0.0), target.sep_members.pop().unwrap_or_default());
        self.inners[right as usize] = split;
        up
    }
}
