//! The ordered index of large sorted sets: an order-statistic B+tree over (score, member).
//!
//! Redis uses a skiplist with spans; this tree answers the same queries (insert, delete, rank,
//! element by rank, first element of a range) in O(log n) with far fewer cache misses: a lookup
//! touches one node per level (three or four levels for a million members), and inside a node it
//! binary-searches a contiguous array of scores, comparing members only on equal scores. Inner
//! nodes keep the number of entries under each child, which gives ranks; leaves are linked both
//! ways for range iteration.
//!
//! Nodes live in arenas indexed by `u32` (no unsafe code). An inner node's separator `i` is a lower
//! bound of child `i + 1` and above everything in child `i`; deletions may leave it stale (not an
//! entry any more), which routing tolerates.

use std::cmp::Ordering;

use super::cmp_entry;
use crate::compact::CompactBytes;

/// Most entries in a leaf.
const LEAF_CAP: usize = 64;
/// A non-root leaf with fewer entries is merged with, or refilled from, a sibling.
const LEAF_MIN: usize = LEAF_CAP / 4;
/// Most children of an inner node.
const INNER_CAP: usize = 64;
/// A non-root inner node with fewer children is merged with, or refilled from, a sibling.
const INNER_MIN: usize = INNER_CAP / 4;
/// Deepest path: with at least 16 children per inner node, 2^32 entries need 8 levels.
const MAX_HEIGHT: usize = 16;
/// No node.
const NIL: u32 = u32::MAX;

#[derive(Clone, Default)]
struct Leaf {
    scores: Vec<f64>,
    members: Vec<CompactBytes>,
    prev: u32,
    next: u32,
}

#[derive(Clone, Default)]
struct Inner {
    /// `sep_scores[i]`, `sep_members[i]`: the lower bound of `children[i + 1]`.
    sep_scores: Vec<f64>,
    sep_members: Vec<CompactBytes>,
    children: Vec<u32>,
    /// Entries under each child.
    counts: Vec<u32>,
}

impl Inner {
    /// The child holding 0-based `rank` and the rank within that child.
    fn child_for_rank(&self, mut rank: usize) -> (usize, usize) {
        let mut child = 0;
        while child + 1 < self.counts.len() && rank >= self.counts[child] as usize {
            rank -= self.counts[child] as usize;
            child += 1;
        }
        (child, rank)
    }

    /// Moves the children from `mid` on into a new node. The separator left last in `self` bounds
    /// the new node: the caller pops it to move it up.
    fn split_off(&mut self, mid: usize) -> Inner {
        Inner {
            sep_scores: self.sep_scores.split_off(mid),
            sep_members: self.sep_members.split_off(mid),
            children: self.children.split_off(mid),
            counts: self.counts.split_off(mid),
        }
    }

    /// Appends the children of `right`, the node that follows this one under separator `sep`.
    fn append(&mut self, sep: (f64, CompactBytes), right: Inner) {
        self.sep_scores.push(sep.0);
        self.sep_members.push(sep.1);
        self.sep_scores.extend(right.sep_scores);
        self.sep_members.extend(right.sep_members);
        self.children.extend(right.children);
        self.counts.extend(right.counts);
    }

    /// The adjacent pair an underfull `child` is merged or evened out with: it and the next
    /// child, or the previous one and it when it is last; `None` for an only child.
    fn sibling_pair(&self, child: usize) -> Option<(usize, usize)> {
        match self.children.len() {
            0 | 1 => None,
            n if child + 1 < n => Some((child, child + 1)),
            _ => Some((child - 1, child)),
        }
    }

    /// Drops the child after `lc` (merged into it, which now holds `count` entries) and the
    /// separator between them.
    fn remove_merged(&mut self, lc: usize, count: u32) {
        self.counts[lc] = count;
        self.children.remove(lc + 1);
        self.counts.remove(lc + 1);
        self.sep_scores.remove(lc);
        self.sep_members.remove(lc);
    }

    /// Records entries moved between the children `lc` and `lc + 1`: their counts and separator.
    fn set_pair(&mut self, lc: usize, counts: (u32, u32), sep: (f64, CompactBytes)) {
        self.counts[lc] = counts.0;
        self.counts[lc + 1] = counts.1;
        self.sep_scores[lc] = sep.0;
        self.sep_members[lc] = sep.1;
    }
}

/// A position in the tree: a leaf and an index in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Pos {
    leaf: u32,
    index: u32,
}

impl Pos {
    /// No position (past either end).
    pub const NONE: Pos = Pos { leaf: NIL, index: 0 };
}

/// The route from the root to a leaf: (inner node, child index) per level.
struct Path {
    steps: [(u32, u32); MAX_HEIGHT],
    len: usize,
}

impl Path {
    fn new() -> Path {
        Path { steps: [(NIL, 0); MAX_HEIGHT], len: 0 }
    }

    fn push(&mut self, node: u32, child: usize) {
        if let Some(slot) = self.steps.get_mut(self.len) {
            *slot = (node, child as u32);
            self.len += 1;
        }
    }

    fn last(&self) -> Option<(u32, usize)> {
        self.len.checked_sub(1).map(|i| (self.steps[i].0, self.steps[i].1 as usize))
    }

    fn pop(&mut self) {
        self.len = self.len.saturating_sub(1);
    }
}

/// A sorted multiset-free index of (score, member) entries.
#[derive(Clone)]
pub(super) struct Tree {
    leaves: Vec<Leaf>,
    inners: Vec<Inner>,
    free_leaves: Vec<u32>,
    free_inners: Vec<u32>,
    root: u32,
    /// Levels of inner nodes above the leaves (0: the root is a leaf).
    height: usize,
    len: usize,
    first_leaf: u32,
    last_leaf: u32,
    /// Heap bytes of long members, kept current so `heap_size` is O(1).
    member_heap: usize,
}

impl Default for Tree {
    fn default() -> Self {
        Tree::new()
    }
}

/// Index of the first entry of `leaf` not below (score, member).
fn lower_bound(leaf: &Leaf, score: f64, member: &[u8]) -> usize {
    let (mut lo, mut hi) = (0, leaf.scores.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        let below = match leaf.scores[mid].partial_cmp(&score) {
            Some(Ordering::Less) => true,
            Some(Ordering::Greater) => false,
            _ => leaf.members[mid].as_slice() < member,
        };
        if below {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The child of `inner` that holds (score, member): the number of separators not above it.
fn route(inner: &Inner, score: f64, member: &[u8]) -> usize {
    let (mut lo, mut hi) = (0, inner.sep_scores.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        let not_above = match inner.sep_scores[mid].partial_cmp(&score) {
            Some(Ordering::Less) => true,
            Some(Ordering::Greater) => false,
            _ => inner.sep_members[mid].as_slice() <= member,
        };
        if not_above {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Number of leading items (by index below `len`) for which `holds(index)` is true, assuming it
/// holds for a prefix.
fn prefix_len(len: usize, holds: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, len);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if holds(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// A leaf's vectors with room for a full leaf plus the entry that makes it split, so they never
/// reallocate.
fn leaf_vectors() -> (Vec<f64>, Vec<CompactBytes>) {
    (Vec::with_capacity(LEAF_CAP + 1), Vec::with_capacity(LEAF_CAP + 1))
}

impl Tree {
    /// An empty tree (allocates only the root leaf's slot).
    pub fn new() -> Tree {
        Tree {
            leaves: vec![Leaf { prev: NIL, next: NIL, ..Leaf::default() }],
            inners: Vec::new(),
            free_leaves: Vec::new(),
            free_inners: Vec::new(),
            root: 0,
            height: 0,
            len: 0,
            first_leaf: 0,
            last_leaf: 0,
            member_heap: 0,
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Approximate heap bytes (nodes, their arrays, long members).
    pub fn heap_size(&self) -> usize {
        let leaves: usize = self
            .leaves
            .iter()
            .map(|l| l.scores.capacity() * 8 + l.members.capacity() * std::mem::size_of::<CompactBytes>())
            .sum();
        let inners: usize = self
            .inners
            .iter()
            .map(|n| {
                n.sep_scores.capacity() * 8
                    + n.sep_members.capacity() * std::mem::size_of::<CompactBytes>()
                    + n.children.capacity() * 8
            })
            .sum();
        self.leaves.capacity() * std::mem::size_of::<Leaf>()
            + self.inners.capacity() * std::mem::size_of::<Inner>()
            + leaves
            + inners
            + self.member_heap
    }

    /// Heap bytes of the long members alone.
    pub fn member_heap(&self) -> usize {
        self.member_heap
    }

    fn alloc_leaf(&mut self, leaf: Leaf) -> u32 {
        match self.free_leaves.pop() {
            Some(id) => {
                self.leaves[id as usize] = leaf;
                id
            }
            None => {
                self.leaves.push(leaf);
                (self.leaves.len() - 1) as u32
            }
        }
    }

    fn alloc_inner(&mut self, inner: Inner) -> u32 {
        match self.free_inners.pop() {
            Some(id) => {
                self.inners[id as usize] = inner;
                id
            }
            None => {
                self.inners.push(inner);
                (self.inners.len() - 1) as u32
            }
        }
    }

    fn free_leaf(&mut self, id: u32) {
        self.leaves[id as usize] = Leaf::default();
        self.free_leaves.push(id);
    }

    fn free_inner(&mut self, id: u32) {
        self.inners[id as usize] = Inner::default();
        self.free_inners.push(id);
    }

    /// The leaf that holds (or would hold) (score, member), with the route to it.
    fn descend(&self, score: f64, member: &[u8]) -> (u32, Path) {
        let mut path = Path::new();
        let mut node = self.root;
        for _ in 0..self.height {
            let inner = &self.inners[node as usize];
            let child = route(inner, score, member);
            path.push(node, child);
            node = inner.children[child];
        }
        (node, path)
    }

    /// Adds `delta` (±1) to the counts along `path`.
    fn adjust_counts(&mut self, path: &Path, delta: i64) {
        for &(node, child) in &path.steps[..path.len] {
            let count = &mut self.inners[node as usize].counts[child as usize];
            *count = (i64::from(*count) + delta) as u32;
        }
    }

    /// Inserts an entry whose member is absent; false when the tree is full (2^32 - 2 entries).
    pub fn insert(&mut self, member: CompactBytes, score: f64) -> bool {
        if self.len >= u32::MAX as usize - 1 {
            return false;
        }
        let (leaf_id, path) = self.descend(score, &member);
        self.adjust_counts(&path, 1);
        self.member_heap += member.heap_size();
        let leaf = &mut self.leaves[leaf_id as usize];
        let at = lower_bound(leaf, score, &member);
        if leaf.scores.capacity() == 0 {
            (leaf.scores, leaf.members) = leaf_vectors();
        }
        leaf.scores.insert(at, score);
        leaf.members.insert(at, member);
        self.len += 1;
        if leaf.scores.len() > LEAF_CAP {
            self.split_leaf(leaf_id, path);
        }
        true
    }

    /// Splits an overfull leaf in two and links the new right half into the parent.
    fn split_leaf(&mut self, id: u32, path: Path) {
        let (mut scores, mut members) = leaf_vectors();
        let leaf = &mut self.leaves[id as usize];
        let mid = leaf.scores.len() / 2;
        scores.extend(leaf.scores.drain(mid..));
        members.extend(leaf.members.drain(mid..));
        let next = leaf.next;
        let left_count = leaf.scores.len() as u32;
        let right_count = scores.len() as u32;
        let sep = (scores[0], members[0].clone());
        let right = self.alloc_leaf(Leaf { scores, members, prev: id, next });
        self.leaves[id as usize].next = right;
        match next {
            NIL => self.last_leaf = right,
            next => self.leaves[next as usize].prev = right,
        }
        self.insert_child(path, id, right, sep, (left_count, right_count));
    }

    /// After node `left` (the child at the end of `path`) split off `right`, adds `right` and
    /// their separator to the parent, splitting parents in turn; grows a new root at the top.
    fn insert_child(&mut self, mut path: Path, left: u32, right: u32, sep: (f64, CompactBytes), counts: (u32, u32)) {
        let Some((parent, child)) = path.last() else {
            let root = Inner {
                sep_scores: vec![sep.0],
                sep_members: vec![sep.1],
                children: vec![left, right],
                counts: vec![counts.0, counts.1],
            };
            self.root = self.alloc_inner(root);
            self.height += 1;
            return;
        };
        path.pop();
        let inner = &mut self.inners[parent as usize];
        inner.counts[child] = counts.0;
        inner.children.insert(child + 1, right);
        inner.counts.insert(child + 1, counts.1);
        inner.sep_scores.insert(child, sep.0);
        inner.sep_members.insert(child, sep.1);
        if inner.children.len() <= INNER_CAP {
            return;
        }
        let split = inner.split_off(inner.children.len() / 2);
        // The separator at mid - 1 moves up: it bounds the new right node.
        let up_score = inner.sep_scores.pop().unwrap_or(0.0);
        let up_member = inner.sep_members.pop().unwrap_or_default();
        let left_count = inner.counts.iter().sum();
        let right_count = split.counts.iter().sum();
        let new_right = self.alloc_inner(split);
        self.insert_child(path, parent, new_right, (up_score, up_member), (left_count, right_count));
    }

    /// Removes (score, member); returns the stored member.
    pub fn remove(&mut self, score: f64, member: &[u8]) -> Option<CompactBytes> {
        let (leaf_id, path) = self.descend(score, member);
        let leaf = &mut self.leaves[leaf_id as usize];
        let at = lower_bound(leaf, score, member);
        if leaf.scores.get(at) != Some(&score) || leaf.members.get(at).map(|m| m.as_slice()) != Some(member) {
            return None;
        }
        leaf.scores.remove(at);
        let stored = leaf.members.remove(at);
        self.len -= 1;
        self.member_heap = self.member_heap.saturating_sub(stored.heap_size());
        self.adjust_counts(&path, -1);
        self.rebalance_leaf(leaf_id, path);
        Some(stored)
    }

    /// Changes a member's score (its entry must exist); false when it does not. When the new key
    /// stays between other entries of the same leaf, it moves inside the leaf and no count changes.
    pub fn update_score(&mut self, member: &[u8], old: f64, new: f64) -> bool {
        let (leaf_id, _) = self.descend(old, member);
        let leaf = &mut self.leaves[leaf_id as usize];
        let at = lower_bound(leaf, old, member);
        if leaf.scores.get(at) != Some(&old) || leaf.members.get(at).map(|m| m.as_slice()) != Some(member) {
            return false;
        }
        let last = leaf.scores.len() - 1;
        let below = |i: usize| cmp_entry(leaf.scores[i], &leaf.members[i], new, member).is_lt();
        let above = |i: usize| cmp_entry(new, member, leaf.scores[i], &leaf.members[i]).is_lt();
        // Another entry of this leaf on each side (or no leaf at all on that side).
        let smallest_other = if at == 0 { 1 } else { 0 };
        let largest_other = if at == last { last.wrapping_sub(1) } else { last };
        let low_ok = leaf.prev == NIL || (smallest_other <= last && smallest_other != at && below(smallest_other));
        let high_ok = leaf.next == NIL || (largest_other <= last && largest_other != at && above(largest_other));
        if !(low_ok && high_ok) {
            return match self.remove(old, member) {
                Some(stored) => self.insert(stored, new),
                None => false,
            };
        }
        if (at == 0 || below(at - 1)) && (at == last || above(at + 1)) {
            leaf.scores[at] = new;
            return true;
        }
        let stored = leaf.members.remove(at);
        leaf.scores.remove(at);
        let to = lower_bound(leaf, new, member);
        leaf.scores.insert(to, new);
        leaf.members.insert(to, stored);
        true
    }

    /// Removes ascending ranks `[lo, hi)`, handing each removed entry to `removed`.
    pub fn remove_ranks(&mut self, lo: usize, hi: usize, mut removed: impl FnMut(CompactBytes, f64)) {
        let mut remaining = hi.min(self.len).saturating_sub(lo);
        if remaining == self.len && remaining > 0 {
            for (member, score) in self.drain_sorted() {
                removed(member, score);
            }
            return;
        }
        while remaining > 0 {
            let (leaf_id, path) = self.descend_rank(lo);
            let start = self.rank_of_leaf_start(&path);
            let leaf = &mut self.leaves[leaf_id as usize];
            let at = lo.saturating_sub(start).min(leaf.scores.len());
            let take = remaining.min(leaf.scores.len() - at);
            if take == 0 {
                break;
            }
            for index in at..at + take {
                let member = std::mem::take(&mut leaf.members[index]);
                self.member_heap = self.member_heap.saturating_sub(member.heap_size());
                removed(member, leaf.scores[index]);
            }
            leaf.members.drain(at..at + take);
            leaf.scores.drain(at..at + take);
            self.len -= take;
            remaining -= take;
            for &(node, child) in &path.steps[..path.len] {
                self.inners[node as usize].counts[child as usize] -= take as u32;
            }
            self.rebalance_leaf(leaf_id, path);
        }
    }

    /// Removes and returns the lowest entry, or the highest when `max` (ZPOPMIN / ZPOPMAX): the
    /// route to either end is known without comparing keys.
    pub fn pop_edge(&mut self, max: bool) -> Option<(CompactBytes, f64)> {
        if self.len == 0 {
            return None;
        }
        let mut path = Path::new();
        let mut node = self.root;
        for _ in 0..self.height {
            let inner = &self.inners[node as usize];
            let child = if max { inner.children.len() - 1 } else { 0 };
            path.push(node, child);
            node = inner.children[child];
        }
        let leaf = &mut self.leaves[node as usize];
        let (member, score) = match max {
            true => (leaf.members.pop()?, leaf.scores.pop()?),
            false if leaf.scores.is_empty() => return None,
            false => (leaf.members.remove(0), leaf.scores.remove(0)),
        };
        self.len -= 1;
        self.member_heap = self.member_heap.saturating_sub(member.heap_size());
        self.adjust_counts(&path, -1);
        self.rebalance_leaf(node, path);
        Some((member, score))
    }

    /// The leaf holding `rank` and the route to it.
    fn descend_rank(&self, rank: usize) -> (u32, Path) {
        let mut path = Path::new();
        let mut left = rank;
        let mut node = self.root;
        for _ in 0..self.height {
            let inner = &self.inners[node as usize];
            let child;
            (child, left) = inner.child_for_rank(left);
            path.push(node, child);
            node = inner.children[child];
        }
        (node, path)
    }

    /// The rank of the first entry of the leaf at the end of `path`.
    fn rank_of_leaf_start(&self, path: &Path) -> usize {
        path.steps[..path.len]
            .iter()
            .map(|&(node, child)| {
                self.inners[node as usize].counts[..child as usize].iter().map(|&c| c as usize).sum::<usize>()
            })
            .sum()
    }

    /// Moves every entry out in order, leaving the tree empty.
    pub fn drain_sorted(&mut self) -> Vec<(CompactBytes, f64)> {
        let mut out = Vec::with_capacity(self.len);
        let mut leaf = self.first_leaf;
        while leaf != NIL {
            let taken = std::mem::take(&mut self.leaves[leaf as usize]);
            out.extend(taken.members.into_iter().zip(taken.scores));
            leaf = taken.next;
        }
        *self = Tree::new();
        out
    }
}

mod build;
mod query;
mod rebalance;
#[cfg(test)]
mod tests;
