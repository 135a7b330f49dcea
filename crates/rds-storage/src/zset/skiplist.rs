//! The ordered index of large sorted sets: Redis's skiplist with spans (`zskiplist` in t_zset.c),
//! stored in an arena of nodes linked by `u32` indexes instead of pointers (no unsafe code).
//!
//! Spans make rank queries O(log n): a link's span is how many nodes it skips, so summing the spans
//! followed on the way down gives a node's rank. Node 0 is the header; index 0 also means "no node",
//! since no link ever points back to the header. Freed slots are reused, and the arena is rebuilt
//! once more than half of it is free, so memory follows the set's size.

use super::cmp_entry;
use super::random::random_u64;
use crate::compact::CompactBytes;

/// Redis's `ZSKIPLIST_MAXLEVEL`.
const MAX_LEVEL: usize = 32;
/// The header node, and the "no node" link target.
const NIL: u32 = 0;

#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
struct Link {
    next: u32,
    span: u32,
}

#[derive(Clone)]
struct Node {
    member: CompactBytes,
    score: f64,
    backward: u32,
    /// Level 0 is inline because three nodes in four have no other level.
    level0: Link,
    upper: Option<Box<[Link]>>,
}

impl Node {
    fn new(member: CompactBytes, score: f64, height: usize) -> Node {
        let upper = (height > 1).then(|| vec![Link::default(); height - 1].into_boxed_slice());
        Node {
            member,
            score,
            backward: NIL,
            level0: Link::default(),
            upper,
        }
    }

    fn height(&self) -> usize {
        1 + self.upper.as_ref().map_or(0, |upper| upper.len())
    }
}

/// A skiplist of (member, score) ordered by score, then member bytes.
#[derive(Clone)]
pub(super) struct SkipList {
    nodes: Vec<Node>,
    free: Vec<u32>,
    tail: u32,
    level: usize,
    len: usize,
    /// Heap bytes of upper levels, kept current so `heap_size` is O(1).
    upper_heap: usize,
    /// Heap bytes of long members.
    member_heap: usize,
}

impl Default for SkipList {
    fn default() -> Self {
        SkipList::new()
    }
}

impl SkipList {
    pub fn new() -> SkipList {
        let header = Node::new(CompactBytes::default(), 0.0, MAX_LEVEL);
        SkipList {
            nodes: vec![header],
            free: Vec::new(),
            tail: NIL,
            level: 1,
            len: 0,
            upper_heap: (MAX_LEVEL - 1) * std::mem::size_of::<Link>(),
            member_heap: 0,
        }
    }

    /// Builds from entries already in order, in O(n).
    pub fn from_sorted(entries: impl IntoIterator<Item = (CompactBytes, f64)>) -> SkipList {
        let mut list = SkipList::new();
        let mut last = [NIL; MAX_LEVEL];
        let mut last_rank = [0u32; MAX_LEVEL];
        for (member, score) in entries {
            let height = random_level();
            let Some(x) = list.alloc(Node::new(member, score, height)) else {
                break;
            };
            let rank = list.len as u32 + 1;
            for i in 0..height {
                list.set_link(
                    last[i],
                    i,
                    Link {
                        next: x,
                        span: rank - last_rank[i],
                    },
                );
                last[i] = x;
                last_rank[i] = rank;
            }
            list.level = list.level.max(height);
            list.node_mut(x).backward = list.tail;
            list.tail = x;
            list.len += 1;
        }
        let len = list.len as u32;
        for i in 0..list.level {
            list.set_link(
                last[i],
                i,
                Link {
                    next: NIL,
                    span: len - last_rank[i],
                },
            );
        }
        list
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// Approximate heap bytes (nodes, upper levels and long members).
    pub fn heap_size(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.free.capacity() * 4
            + self.upper_heap
            + self.member_heap
    }

    /// Heap bytes of the members alone (the member→score dict holds a second copy).
    pub fn member_heap(&self) -> usize {
        self.member_heap
    }

    fn node(&self, x: u32) -> Option<&Node> {
        self.nodes.get(x as usize)
    }

    fn node_mut(&mut self, x: u32) -> &mut Node {
        // Indexes come from links this list wrote; slot 0 (the header) absorbs any stray write.
        let index = if (x as usize) < self.nodes.len() {
            x as usize
        } else {
            0
        };
        &mut self.nodes[index]
    }

    fn link(&self, x: u32, i: usize) -> Link {
        let Some(node) = self.node(x) else {
            return Link::default();
        };
        match i {
            0 => node.level0,
            _ => node
                .upper
                .as_ref()
                .and_then(|u| u.get(i - 1).copied())
                .unwrap_or_default(),
        }
    }

    fn set_link(&mut self, x: u32, i: usize, link: Link) {
        let node = self.node_mut(x);
        if i == 0 {
            node.level0 = link;
        } else if let Some(slot) = node.upper.as_mut().and_then(|u| u.get_mut(i - 1)) {
            *slot = link;
        }
    }

    /// The member and score of node `x`.
    pub fn entry(&self, x: u32) -> Option<(&[u8], f64)> {
        self.node(x)
            .filter(|_| x != NIL)
            .map(|n| (n.member.as_slice(), n.score))
    }

    /// The node after `x`, or `NIL`.
    pub fn next(&self, x: u32) -> u32 {
        self.link(x, 0).next
    }

    /// The node before `x`, or `NIL`.
    pub fn prev(&self, x: u32) -> u32 {
        self.node(x).map_or(NIL, |n| n.backward)
    }

    /// True when node `x` sorts before (score, member).
    fn before(&self, x: u32, score: f64, member: &[u8]) -> bool {
        self.node(x)
            .is_some_and(|n| cmp_entry(n.score, &n.member, score, member).is_lt())
    }

    fn alloc(&mut self, node: Node) -> Option<u32> {
        self.account(&node, true);
        if let Some(x) = self.free.pop() {
            *self.node_mut(x) = node;
            return Some(x);
        }
        let Some(x) = u32::try_from(self.nodes.len())
            .ok()
            .filter(|&x| x < u32::MAX)
        else {
            self.account(&node, false);
            return None;
        };
        self.nodes.push(node);
        Some(x)
    }

    /// Adds (or, when `added` is false, removes) a node's heap bytes to the running totals.
    fn account(&mut self, node: &Node, added: bool) {
        let upper = (node.height() - 1) * std::mem::size_of::<Link>();
        let member = node.member.heap_size();
        if added {
            self.upper_heap += upper;
            self.member_heap += member;
        } else {
            self.upper_heap = self.upper_heap.saturating_sub(upper);
            self.member_heap = self.member_heap.saturating_sub(member);
        }
    }

    /// For each level, the last node before (score, member), and its rank.
    fn find_update(&self, score: f64, member: &[u8]) -> ([u32; MAX_LEVEL], [u32; MAX_LEVEL]) {
        let mut update = [NIL; MAX_LEVEL];
        let mut rank = [0u32; MAX_LEVEL];
        let mut x = NIL;
        for i in (0..self.level).rev() {
            rank[i] = if i + 1 == self.level { 0 } else { rank[i + 1] };
            loop {
                let link = self.link(x, i);
                if link.next == NIL || !self.before(link.next, score, member) {
                    break;
                }
                rank[i] += link.span;
                x = link.next;
            }
            update[i] = x;
        }
        (update, rank)
    }

    /// Inserts an entry whose member is absent (`zslInsert`); false when the arena is full.
    pub fn insert(&mut self, member: CompactBytes, score: f64) -> bool {
        let (mut update, mut rank) = self.find_update(score, &member);
        let height = random_level();
        if height > self.level {
            for i in self.level..height {
                rank[i] = 0;
                update[i] = NIL;
                self.set_link(
                    NIL,
                    i,
                    Link {
                        next: NIL,
                        span: self.len as u32,
                    },
                );
            }
            self.level = height;
        }
        let Some(x) = self.alloc(Node::new(member, score, height)) else {
            return false;
        };
        for i in 0..height {
            let before = self.link(update[i], i);
            let skipped = rank[0] - rank[i];
            self.set_link(
                x,
                i,
                Link {
                    next: before.next,
                    span: before.span.saturating_sub(skipped),
                },
            );
            self.set_link(
                update[i],
                i,
                Link {
                    next: x,
                    span: skipped + 1,
                },
            );
        }
        for (i, &u) in update.iter().enumerate().take(self.level).skip(height) {
            let mut link = self.link(u, i);
            link.span += 1;
            self.set_link(u, i, link);
        }
        self.node_mut(x).backward = update[0];
        let next = self.next(x);
        if next == NIL {
            self.tail = x;
        } else {
            self.node_mut(next).backward = x;
        }
        self.len += 1;
        true
    }

    /// Unlinks node `x` given its predecessors (`zslDeleteNode`) and frees its slot.
    fn unlink(&mut self, x: u32, update: &[u32; MAX_LEVEL]) -> CompactBytes {
        for (i, &u) in update.iter().enumerate().take(self.level) {
            let mut link = self.link(u, i);
            if link.next == x {
                let own = self.link(x, i);
                link = Link {
                    next: own.next,
                    span: (link.span + own.span).saturating_sub(1),
                };
            } else {
                link.span = link.span.saturating_sub(1);
            }
            self.set_link(u, i, link);
        }
        let next = self.next(x);
        let backward = self.prev(x);
        if next == NIL {
            self.tail = backward;
        } else {
            self.node_mut(next).backward = backward;
        }
        while self.level > 1 && self.link(NIL, self.level - 1).next == NIL {
            self.level -= 1;
        }
        self.len -= 1;
        let node = std::mem::replace(self.node_mut(x), Node::new(CompactBytes::default(), 0.0, 1));
        self.account(&node, false);
        let member = node.member;
        self.free.push(x);
        member
    }

    /// Removes (score, member); returns the stored member.
    pub fn remove(&mut self, score: f64, member: &[u8]) -> Option<CompactBytes> {
        let (update, _) = self.find_update(score, member);
        let x = self.next(update[0]);
        let (found, found_score) = self.entry(x)?;
        if found != member || found_score != score {
            return None;
        }
        let member = self.unlink(x, &update);
        self.compact_if_sparse();
        Some(member)
    }

    /// Changes a member's score, in place when its position does not change (`zslUpdateScore`).
    pub fn update_score(&mut self, member: &[u8], old: f64, new: f64) -> bool {
        let (update, _) = self.find_update(old, member);
        let x = self.next(update[0]);
        if self.entry(x).is_none_or(|(m, s)| m != member || s != old) {
            return false;
        }
        let prev_ok = update[0] == NIL || self.node(update[0]).is_some_and(|p| p.score < new);
        let next = self.next(x);
        let next_ok = next == NIL || self.node(next).is_some_and(|n| n.score > new);
        if prev_ok && next_ok {
            self.node_mut(x).score = new;
            return true;
        }
        let stored = self.unlink(x, &update);
        self.insert(stored, new)
    }

    /// 0-based rank of (score, member), if present (`zslGetRank`).
    pub fn rank(&self, score: f64, member: &[u8]) -> Option<usize> {
        let (update, rank) = self.find_update(score, member);
        let x = self.next(update[0]);
        let (found, found_score) = self.entry(x)?;
        (found == member && found_score == score).then_some(rank[0] as usize)
    }

    /// The node at 0-based `rank` (`zslGetElementByRank`), or `NIL`.
    pub fn at_rank(&self, rank: usize) -> u32 {
        let Ok(target) = u32::try_from(rank + 1) else {
            return NIL;
        };
        let mut traversed = 0u32;
        let mut x = NIL;
        for i in (0..self.level).rev() {
            loop {
                let link = self.link(x, i);
                if link.next == NIL || traversed + link.span > target {
                    break;
                }
                traversed += link.span;
                x = link.next;
            }
            if traversed == target {
                return x;
            }
        }
        NIL
    }

    /// Number of leading nodes for which `pred(score, member)` holds, assuming it holds for a
    /// prefix of the order.
    pub fn partition(&self, pred: impl Fn(f64, &[u8]) -> bool) -> usize {
        let mut count = 0usize;
        let mut x = NIL;
        for i in (0..self.level).rev() {
            loop {
                let link = self.link(x, i);
                match self.node(link.next) {
                    Some(n) if link.next != NIL && pred(n.score, &n.member) => {
                        count += link.span as usize;
                        x = link.next;
                    }
                    _ => break,
                }
            }
        }
        count
    }

    /// Removes ascending ranks `[lo, hi)`, handing each removed entry to `removed`
    /// (`zslDeleteRangeByRank`).
    pub fn remove_ranks(
        &mut self,
        lo: usize,
        hi: usize,
        mut removed: impl FnMut(CompactBytes, f64),
    ) {
        if lo >= hi || lo >= self.len {
            return;
        }
        let mut update = [NIL; MAX_LEVEL];
        let mut traversed = 0usize;
        let mut x = NIL;
        for i in (0..self.level).rev() {
            loop {
                let link = self.link(x, i);
                if link.next == NIL || traversed + link.span as usize > lo {
                    break;
                }
                traversed += link.span as usize;
                x = link.next;
            }
            update[i] = x;
        }
        let mut x = self.next(update[0]);
        for _ in lo..hi.min(self.len) {
            if x == NIL {
                break;
            }
            let next = self.next(x);
            let score = self.node(x).map_or(0.0, |n| n.score);
            let member = self.unlink(x, &update);
            removed(member, score);
            x = next;
        }
        self.compact_if_sparse();
    }

    /// First node (lowest), or `NIL`.
    pub fn first(&self) -> u32 {
        self.next(NIL)
    }

    /// Moves the live entries out in order.
    pub fn drain_sorted(&mut self) -> Vec<(CompactBytes, f64)> {
        let mut out = Vec::with_capacity(self.len);
        let mut x = self.first();
        while x != NIL {
            let next = self.next(x);
            let node = self.node_mut(x);
            out.push((std::mem::take(&mut node.member), node.score));
            x = next;
        }
        *self = SkipList::new();
        out
    }

    /// Rebuilds the arena when most of it is free slots, so a shrunken set gives memory back.
    fn compact_if_sparse(&mut self) {
        if self.free.len() > 64 && self.free.len() > self.len {
            let entries = self.drain_sorted();
            *self = SkipList::from_sorted(entries);
        }
    }

    #[cfg(test)]
    pub fn check_invariants(&self) {
        let mut ranks = std::collections::HashMap::new();
        ranks.insert(NIL, 0u32);
        let mut x = self.first();
        let mut rank = 0u32;
        let mut prev = NIL;
        while x != NIL {
            rank += 1;
            ranks.insert(x, rank);
            assert_eq!(self.prev(x), prev, "backward link of rank {rank}");
            if let (Some((pm, ps)), Some((m, s))) = (self.entry(prev), self.entry(x)) {
                assert!(cmp_entry(ps, pm, s, m).is_lt(), "order at rank {rank}");
            }
            prev = x;
            x = self.next(x);
        }
        assert_eq!(rank as usize, self.len);
        assert_eq!(self.tail, prev);
        let upper: usize = self
            .nodes
            .iter()
            .map(|n| (n.height() - 1) * std::mem::size_of::<Link>())
            .sum();
        let members: usize = self.nodes.iter().map(|n| n.member.heap_size()).sum();
        assert_eq!(
            (self.upper_heap, self.member_heap),
            (upper, members),
            "heap accounting"
        );
        for i in 0..self.level {
            let mut x = NIL;
            loop {
                let link = self.link(x, i);
                let from = ranks[&x];
                if link.next == NIL {
                    assert_eq!(link.span, self.len as u32 - from, "null span at level {i}");
                    break;
                }
                assert_eq!(link.span, ranks[&link.next] - from, "span at level {i}");
                x = link.next;
            }
        }
    }
}

/// Redis's `zslRandomLevel`: each extra level with probability 1/4.
fn random_level() -> usize {
    let mut level = 1;
    while level < MAX_LEVEL && (random_u64() & 0xffff) < 0xffff / 4 {
        level += 1;
    }
    level
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(i: usize) -> CompactBytes {
        // Every seventh member is long enough to live on the heap.
        let pad = match i % 7 {
            0 => "-padded-beyond-the-inline-capacity",
            _ => "",
        };
        CompactBytes::new(format!("m{i:05}{pad}").as_bytes())
    }

    #[test]
    fn ranks_and_updates_stay_consistent() {
        let mut list = SkipList::new();
        for i in 0..2000 {
            assert!(list.insert(member(i), (i % 97) as f64));
        }
        list.check_invariants();
        for i in (0..2000).step_by(3) {
            assert!(list.update_score(&member(i), (i % 97) as f64, (i % 13) as f64 + 0.5));
        }
        list.check_invariants();
        let mut x = list.first();
        let mut rank = 0;
        while x != NIL {
            let (m, s) = list.entry(x).expect("live node");
            assert_eq!(list.rank(s, m), Some(rank));
            assert_eq!(list.at_rank(rank), x);
            rank += 1;
            x = list.next(x);
        }
        let mut removed = 0;
        list.remove_ranks(100, 1900, |_, _| removed += 1);
        assert_eq!((removed, list.len()), (1800, 200));
        list.check_invariants();
        assert!(
            list.nodes.len() < 1000,
            "arena compacted: {}",
            list.nodes.len()
        );
    }

    #[test]
    fn built_from_sorted_matches_inserted() {
        let entries: Vec<(CompactBytes, f64)> = (0..500).map(|i| (member(i), i as f64)).collect();
        let list = SkipList::from_sorted(entries);
        list.check_invariants();
        assert_eq!(list.partition(|s, _| s < 250.0), 250);
        assert_eq!(list.at_rank(500), NIL);
    }
}
