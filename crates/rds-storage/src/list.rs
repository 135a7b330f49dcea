//! [`List`]: the list type, a deque of packed nodes like Redis's quicklist.
//!
//! Why nodes: one allocation per element costs ~40 bytes of overhead per item, and one big packed
//! buffer makes every push at the head O(n). Like Redis's quicklist, elements live in packed buffers
//! ("nodes") bounded by `list-max-listpack-size`, kept in a `VecDeque`: a push or pop touches one
//! bounded node (O(1)), and an index lookup skips whole nodes by their counts and walks one node
//! from its nearer end. Entries carry a back length so nodes can be walked from either end.
//!
//! Redis 7.0 reports every list as "quicklist", even a one-node list (the "listpack" list encoding
//! arrived in 7.2), so [`List::encoding_name`] does too.

mod iter;
mod node;

use std::collections::VecDeque;

pub use iter::Iter;
use node::Node;

use crate::packed;

/// Node byte limits for `list-max-listpack-size` -1 to -5 (Redis's `optimization_level`).
const SIZE_LEVELS: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// Largest node when `list-max-listpack-size` counts entries (Redis's `SIZE_SAFETY_LIMIT`).
pub const SIZE_SAFETY_LIMIT: usize = 8192;
/// Most entries per node `list-max-listpack-size` may ask for (Redis's `FILL_MAX`).
const FILL_MAX: i64 = 1 << 15;
/// Redis's default `list-max-listpack-size`: nodes of at most 8 KB.
pub const DEFAULT_FILL: i64 = -2;

/// One end of a list (LPUSH/RPUSH, LPOP/RPOP, LMOVE's LEFT/RIGHT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The first element (left).
    Head,
    /// The last element (right).
    Tail,
}

/// Redis's LRANGE/LTRIM index rules: negative indexes count from the end, out-of-range ends are
/// clamped; `None` when the range is empty. Returns inclusive `(first, last)`.
pub fn range_indexes(start: i64, stop: i64, len: usize) -> Option<(usize, usize)> {
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    let start = if start < 0 { len + start } else { start }.max(0);
    let stop = if stop < 0 { len + stop } else { stop };
    if start > stop || start >= len {
        return None;
    }
    let stop = stop.min(len - 1);
    Some((usize::try_from(start).ok()?, usize::try_from(stop).ok()?))
}

/// A list of binary-safe elements.
#[derive(Clone)]
pub struct List {
    nodes: VecDeque<Node>,
    len: usize,
    /// Sum of the nodes' buffer lengths, so `heap_size` is O(1).
    bytes: usize,
    /// `list-max-listpack-size` when the list was created (as Redis's `quicklist->fill`).
    fill: i32,
}

impl Default for List {
    fn default() -> Self {
        Self::new(DEFAULT_FILL)
    }
}

impl List {
    /// An empty list whose nodes follow `list-max-listpack-size` (negative: -1 to -5 for 4 to 64 KB
    /// per node; positive: entries per node, within 8 KB), clamped as Redis does. Allocates nothing.
    pub fn new(max_listpack_size: i64) -> Self {
        let fill = max_listpack_size.clamp(-5, FILL_MAX) as i32;
        List { nodes: VecDeque::new(), len: 0, bytes: 0, fill }
    }

    /// Number of elements (LLEN). O(1).
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the list has no elements (the server then deletes the key).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The name OBJECT ENCODING replies with: always "quicklist", as in Redis 7.0.
    pub fn encoding_name(&self) -> &'static str {
        "quicklist"
    }

    /// Number of nodes (DEBUG and tests).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The `list-max-listpack-size` the list was created with, after clamping.
    pub fn fill(&self) -> i64 {
        i64::from(self.fill)
    }

    fn size_limit(&self) -> usize {
        if self.fill >= 0 {
            return SIZE_SAFETY_LIMIT;
        }
        let level = (self.fill.unsigned_abs() as usize).saturating_sub(1);
        SIZE_LEVELS.get(level).copied().unwrap_or(SIZE_SAFETY_LIMIT)
    }

    /// Whether a node of `bytes` and `count` entries is within limits; one entry always is.
    fn fits(&self, bytes: usize, count: usize) -> bool {
        if count <= 1 {
            return true;
        }
        match usize::try_from(self.fill) {
            Ok(max_count) => bytes <= SIZE_SAFETY_LIMIT && count <= max_count,
            Err(_) => bytes <= self.size_limit(),
        }
    }

    /// Adds `item` at `end` (LPUSH, RPUSH, LMOVE's destination). O(1): at most one bounded node moves.
    pub fn push(&mut self, end: End, item: &[u8]) {
        let added = packed::entry_len(item.len(), true);
        let index = match end {
            End::Head => 0,
            End::Tail => self.nodes.len().saturating_sub(1),
        };
        let limit = self.size_limit();
        let fits = self.nodes.get(index).is_some_and(|node| self.fits(node.len() + added, node.count as usize + 1));
        match self.nodes.get_mut(index) {
            Some(node) if fits => match end {
                End::Head => node.push_front(item, limit),
                End::Tail => node.push_back(item, limit),
            },
            full => {
                // The old end node is now interior and will not grow again: drop its slack.
                if let Some(node) = full {
                    node.shrink_to_fit();
                }
                if self.nodes.len() == self.nodes.capacity() {
                    self.nodes.reserve_exact((self.nodes.len() / 2).max(1));
                }
                match end {
                    End::Head => self.nodes.push_front(Node::single(item)),
                    End::Tail => self.nodes.push_back(Node::single(item)),
                }
            }
        }
        self.len += 1;
        self.bytes += added;
    }

    /// Removes and returns the element at `end` (LPOP, RPOP, LMOVE's source). O(1).
    pub fn pop(&mut self, end: End) -> Option<Vec<u8>> {
        let index = match end {
            End::Head => 0,
            End::Tail => self.nodes.len().checked_sub(1)?,
        };
        let node = self.nodes.get_mut(index)?;
        let (item, range) = match end {
            End::Head => packed::read_entry(node.bytes(), 0, true).map(|(item, next)| (item.to_vec(), 0..next))?,
            End::Tail => {
                let len = node.len();
                packed::read_entry_back(node.bytes(), len).map(|(item, start)| (item.to_vec(), start..len))?
            }
        };
        self.bytes -= range.len();
        node.count -= 1;
        self.len -= 1;
        if node.count == 0 {
            self.nodes.remove(index);
            self.shrink_nodes();
        } else if end == End::Head {
            node.drain_front(range.end);
        } else {
            node.truncate(range.start);
        }
        Some(item)
    }

    /// Returns the node array's spare room once it is under a quarter used, so a list that grew
    /// big and shrank does not keep its peak footprint.
    fn shrink_nodes(&mut self) {
        if self.nodes.capacity() / 4 > self.nodes.len() + 4 {
            self.nodes.shrink_to(self.nodes.len() * 2);
        }
    }

    /// `index` (negative counts from the tail) as a position, if in range.
    fn resolve(&self, index: i64) -> Option<usize> {
        if index < 0 {
            self.len.checked_sub(usize::try_from(index.unsigned_abs()).ok()?)
        } else {
            usize::try_from(index).ok().filter(|&i| i < self.len)
        }
    }

    /// The node holding element `index` and the byte position of the element in it.
    fn locate(&self, index: usize) -> Option<(usize, usize)> {
        if index >= self.len {
            return None;
        }
        let (node, local) = if index < self.len / 2 {
            let mut rest = index;
            self.nodes.iter().enumerate().find_map(|(i, node)| {
                let count = node.count as usize;
                if rest < count {
                    return Some((i, rest));
                }
                rest -= count;
                None
            })?
        } else {
            let mut rest = self.len - 1 - index;
            self.nodes.iter().enumerate().rev().find_map(|(i, node)| {
                let count = node.count as usize;
                if rest < count {
                    return Some((i, count - 1 - rest));
                }
                rest -= count;
                None
            })?
        };
        Some((node, self.nodes.get(node)?.seek(local)?))
    }

    /// The element at `index`, negative counting from the tail (LINDEX). O(N) in nodes skipped.
    pub fn get(&self, index: i64) -> Option<&[u8]> {
        let (node, pos) = self.locate(self.resolve(index)?)?;
        packed::read_entry(self.nodes.get(node)?.bytes(), pos, true).map(|(item, _)| item)
    }

    /// Replaces the element at `index` (LSET); false when out of range.
    pub fn set(&mut self, index: i64, item: &[u8]) -> bool {
        let Some((n, pos)) = self.resolve(index).and_then(|i| self.locate(i)) else {
            return false;
        };
        let Some(node) = self.nodes.get_mut(n) else {
            return false;
        };
        let Some((_, end)) = packed::read_entry(node.bytes(), pos, true) else {
            return false;
        };
        let added = packed::entry_len(item.len(), true);
        let buf = node.vec_mut();
        buf.reserve_exact(added.saturating_sub(end - pos));
        packed::splice_entry(buf, pos..end, item, true);
        self.bytes = self.bytes - (end - pos) + added;
        self.repair(n, n);
        true
    }

    /// Inserts `item` so it becomes element `index` (0..=len); false when `index > len`.
    pub fn insert(&mut self, index: usize, item: &[u8]) -> bool {
        if index == 0 || index == self.len {
            self.push(if index == 0 { End::Head } else { End::Tail }, item);
            return true;
        }
        let Some((n, pos)) = self.locate(index) else {
            return false;
        };
        let Some(node) = self.nodes.get_mut(n) else {
            return false;
        };
        let added = packed::entry_len(item.len(), true);
        let buf = node.vec_mut();
        buf.reserve_exact(added);
        packed::splice_entry(buf, pos..pos, item, true);
        node.count += 1;
        self.len += 1;
        self.bytes += added;
        self.repair(n, n);
        true
    }

    /// LINSERT: inserts `item` before or after the first element equal to `pivot`; false when
    /// there is no such element. O(N).
    pub fn insert_relative(&mut self, pivot: &[u8], item: &[u8], after: bool) -> bool {
        match self.iter().position(|element| element == pivot) {
            Some(index) => self.insert(index + usize::from(after), item),
            None => false,
        }
    }

    /// LREM: removes up to `count` elements equal to `element` from the head (`count > 0`), from
    /// the tail (`count < 0`), or all of them (`count == 0`); returns how many. O(N).
    pub fn remove_matching(&mut self, element: &[u8], count: i64) -> usize {
        let from_tail = count < 0;
        let mut budget = match count {
            0 => usize::MAX,
            _ => usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX),
        };
        let (mut removed, mut touched) = (0, None);
        let nodes = self.nodes.len();
        for step in 0..nodes {
            let index = if from_tail { nodes - 1 - step } else { step };
            let Some(node) = self.nodes.get_mut(index) else {
                break;
            };
            let (gone, freed) = node.remove_matching(element, budget, from_tail);
            if gone > 0 {
                budget -= gone;
                removed += gone;
                self.bytes -= freed;
                touched =
                    Some(touched.map_or((index, index), |(lo, hi): (usize, usize)| (lo.min(index), hi.max(index))));
            }
            if budget == 0 {
                break;
            }
        }
        self.len -= removed;
        if let Some((lo, hi)) = touched {
            self.repair(lo, hi);
            self.shrink_nodes();
        }
        removed
    }

    /// LPOS: indexes (from the head) of elements equal to `element`. `rank` skips `|rank| - 1`
    /// matches and searches from the tail when negative; `count` caps the matches (0 = all);
    /// `maxlen` caps the elements compared (0 = all). LPOS without COUNT is `count = 1`.
    pub fn positions(&self, element: &[u8], rank: i64, count: usize, maxlen: usize) -> Vec<usize> {
        let mut skip = rank.unsigned_abs().saturating_sub(1);
        let wanted = if count == 0 { usize::MAX } else { count };
        let compared = if maxlen == 0 { usize::MAX } else { maxlen };
        let mut found = Vec::new();
        let mut consider = |index: usize, item: &[u8]| {
            if item == element {
                if skip > 0 {
                    skip -= 1;
                } else {
                    found.push(index);
                }
            }
            found.len() >= wanted
        };
        if rank >= 0 {
            for (index, item) in self.iter().enumerate().take(compared) {
                if consider(index, item) {
                    break;
                }
            }
        } else {
            for (back, item) in self.iter().rev().enumerate().take(compared) {
                if consider(self.len - 1 - back, item) {
                    break;
                }
            }
        }
        found
    }

    /// LTRIM: keeps only elements `start..=stop` (LRANGE index rules); may leave the list empty.
    /// O(removed elements): whole nodes are dropped at once.
    pub fn trim(&mut self, start: i64, stop: i64) {
        match range_indexes(start, stop, self.len) {
            None => self.clear(),
            Some((first, last)) => {
                let from_tail = self.len - 1 - last;
                self.remove_front(first);
                self.remove_back(from_tail);
                self.shrink_nodes();
            }
        }
    }

    fn remove_front(&mut self, count: usize) {
        let mut left = count.min(self.len);
        self.len -= left;
        while left > 0 {
            let Some(node) = self.nodes.front_mut() else {
                break;
            };
            if node.count as usize <= left {
                left -= node.count as usize;
                self.bytes -= node.len();
                self.nodes.pop_front();
                continue;
            }
            let Some(pos) = node.seek(left) else { break };
            node.drain_front(pos);
            node.count -= left as u32;
            self.bytes -= pos;
            left = 0;
        }
    }

    fn remove_back(&mut self, count: usize) {
        let mut left = count.min(self.len);
        self.len -= left;
        while left > 0 {
            let Some(node) = self.nodes.back_mut() else {
                break;
            };
            if node.count as usize <= left {
                left -= node.count as usize;
                self.bytes -= node.len();
                self.nodes.pop_back();
                continue;
            }
            let Some(pos) = node.seek(node.count as usize - left) else {
                break;
            };
            self.bytes -= node.len() - pos;
            node.truncate(pos);
            node.count -= left as u32;
            left = 0;
        }
    }

    /// Removes every element.
    pub fn clear(&mut self) {
        *self = List::new(self.fill());
    }

    /// Re-establishes the node invariants around nodes `lo..=hi` after a change in the middle:
    /// drops empty nodes, splits oversized ones in halves, and merges neighbours that fit together
    /// (as Redis's `_quicklistMergeNodes`), so a list stays mostly full nodes.
    fn repair(&mut self, lo: usize, hi: usize) {
        let Some(last) = self.nodes.len().checked_sub(1) else {
            return;
        };
        let (lo, hi) = (lo.saturating_sub(1).min(last), hi.saturating_add(1).min(last));
        let taken: Vec<Node> = (lo..=hi).filter_map(|i| self.nodes.get_mut(i).map(std::mem::take)).collect();
        let mut rebuilt: Vec<Node> = Vec::with_capacity(taken.len() + 1);
        for node in taken {
            let mut pending = vec![node];
            while let Some(node) = pending.pop() {
                if node.count == 0 {
                    continue;
                }
                let node = if self.fits(node.len(), node.count as usize) {
                    node
                } else {
                    match node.split() {
                        Ok((left, right)) => {
                            pending.extend([right, left]);
                            continue;
                        }
                        Err(node) => node,
                    }
                };
                match rebuilt.last_mut() {
                    Some(prev) if self.fits(prev.len() + node.len(), (prev.count + node.count) as usize) => {
                        prev.absorb(node)
                    }
                    _ => rebuilt.push(node),
                }
            }
        }
        let span = hi - lo + 1;
        let kept = rebuilt.len().min(span);
        let mut rebuilt = rebuilt.into_iter();
        for (offset, node) in rebuilt.by_ref().take(kept).enumerate() {
            if let Some(slot) = self.nodes.get_mut(lo + offset) {
                *slot = node;
            }
        }
        self.nodes.drain(lo + kept..lo + span);
        for (offset, node) in rebuilt.enumerate() {
            self.nodes.insert(lo + kept + offset, node);
        }
    }

    /// Elements `start..=stop` with LRANGE's index rules, double-ended. O(S+N): seeks once.
    pub fn range(&self, start: i64, stop: i64) -> Iter<'_> {
        match range_indexes(start, stop, self.len) {
            Some((first, last)) => self.iter_between(first, last),
            None => Iter::empty(&self.nodes),
        }
    }

    /// Every element, head to tail (double-ended: `.rev()` walks from the tail).
    pub fn iter(&self) -> Iter<'_> {
        match self.len.checked_sub(1) {
            Some(last) => self.iter_between(0, last),
            None => Iter::empty(&self.nodes),
        }
    }

    fn iter_between(&self, first: usize, last: usize) -> Iter<'_> {
        let front = self.locate(first);
        let back = self.locate(last).and_then(|(n, pos)| {
            let (_, end) = packed::read_entry(self.nodes.get(n)?.bytes(), pos, true)?;
            Some((n, end))
        });
        match (front, back) {
            (Some(front), Some(back)) if first <= last => {
                Iter { nodes: &self.nodes, front, back, remaining: last - first + 1 }
            }
            _ => Iter::empty(&self.nodes),
        }
    }

    /// Approximate heap bytes owned (node buffers plus the node array), for memory accounting. O(1).
    pub fn heap_size(&self) -> usize {
        self.bytes + self.nodes.capacity() * std::mem::size_of::<Node>()
    }

    /// Checks the internal invariants (counts, byte totals, node limits, entry framing); for tests.
    /// O(N).
    pub fn validate(&self) -> Result<(), String> {
        let (mut len, mut bytes) = (0, 0);
        for (i, node) in self.nodes.iter().enumerate() {
            let mut entries = 0;
            let mut pos = 0;
            while let Some((_, next)) = packed::read_entry(node.bytes(), pos, true) {
                entries += 1;
                pos = next;
            }
            if pos != node.len() || entries != node.count as usize || entries == 0 {
                return Err(format!("node {i}: {entries} entries parsed, count {}", node.count));
            }
            if !self.fits(node.len(), entries) {
                return Err(format!("node {i}: {} bytes, {entries} entries over the limit", node.len()));
            }
            len += entries;
            bytes += node.len();
        }
        if (len, bytes) != (self.len, self.bytes) {
            return Err(format!("counted {len} elements, {bytes} bytes; recorded {}, {}", self.len, self.bytes));
        }
        Ok(())
    }
}

impl PartialEq for List {
    /// Same elements in the same order, whatever the node layout.
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl std::fmt::Debug for List {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter().map(String::from_utf8_lossy)).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list_of(fill: i64, items: &[&str]) -> List {
        let mut list = List::new(fill);
        for item in items {
            list.push(End::Tail, item.as_bytes());
        }
        list
    }

    fn strings<'a>(iter: impl Iterator<Item = &'a [u8]>) -> Vec<String> {
        iter.map(|item| String::from_utf8_lossy(item).into_owned()).collect()
    }

    #[test]
    fn pushes_and_pops_at_both_ends() {
        let mut list = List::default();
        list.push(End::Tail, b"b");
        list.push(End::Head, b"a");
        list.push(End::Tail, b"c");
        assert_eq!(strings(list.iter()), ["a", "b", "c"]);
        assert_eq!(strings(list.iter().rev()), ["c", "b", "a"]);
        assert_eq!(list.pop(End::Head), Some(b"a".to_vec()));
        assert_eq!(list.pop(End::Tail), Some(b"c".to_vec()));
        assert_eq!(list.pop(End::Tail), Some(b"b".to_vec()));
        assert_eq!(list.pop(End::Head), None);
        assert!(list.is_empty());
        list.validate().unwrap();
    }

    #[test]
    fn indexes_follow_redis_rules() {
        let list = list_of(2, &["a", "b", "c", "d", "e"]);
        assert_eq!(list.node_count(), 3);
        assert_eq!(list.get(0), Some(&b"a"[..]));
        assert_eq!(list.get(3), Some(&b"d"[..]));
        assert_eq!(list.get(-1), Some(&b"e"[..]));
        assert_eq!(list.get(-5), Some(&b"a"[..]));
        for out in [5, -6, i64::MAX, i64::MIN] {
            assert_eq!(list.get(out), None);
        }
        assert_eq!(strings(list.range(1, -2)), ["b", "c", "d"]);
        assert_eq!(strings(list.range(-100, 100)), ["a", "b", "c", "d", "e"]);
        assert_eq!(strings(list.range(3, 1)).len(), 0);
        assert_eq!(strings(list.range(i64::MIN, i64::MIN)).len(), 0);
        assert_eq!(strings(list.range(4, i64::MAX)), ["e"]);
        assert_eq!(strings(list.range(1, 3).rev()), ["d", "c", "b"]);
    }

    #[test]
    fn positive_fill_counts_entries_and_zero_means_one() {
        let list = list_of(3, &["1", "2", "3", "4", "5", "6", "7"]);
        assert_eq!(list.node_count(), 3);
        let single = list_of(0, &["1", "2", "3"]);
        assert_eq!(single.node_count(), 3);
        assert_eq!(List::new(-100).fill(), -5);
        assert_eq!(List::new(i64::MAX).fill(), 1 << 15);
    }

    #[test]
    fn size_fill_bounds_node_bytes() {
        let mut list = List::new(-1);
        let item = [7u8; 100];
        for _ in 0..1000 {
            list.push(End::Tail, &item);
        }
        list.validate().unwrap();
        // 102 bytes per entry, 40 per 4 KB node.
        assert_eq!(list.node_count(), 25);
        let big = vec![1u8; 10_000];
        list.push(End::Head, &big);
        assert_eq!(list.get(0), Some(&big[..]));
        list.validate().unwrap();
    }

    #[test]
    fn insert_set_and_linsert_split_and_merge_nodes() {
        let mut list = list_of(4, &["a", "b", "c", "d", "e", "f", "g", "h"]);
        assert!(list.insert(3, b"X"));
        assert!(list.insert_relative(b"f", b"Y", true));
        assert!(list.insert_relative(b"a", b"Z", false));
        assert!(!list.insert_relative(b"nope", b"W", false));
        assert!(!list.insert(100, b"W"));
        assert_eq!(strings(list.iter()), ["Z", "a", "b", "c", "X", "d", "e", "f", "Y", "g", "h"]);
        list.validate().unwrap();
        assert!(list.set(-1, b"H"));
        assert!(list.set(4, &[b'x'; 9000]));
        assert!(!list.set(11, b"?") && !list.set(-12, b"?"));
        assert_eq!(list.get(-1), Some(&b"H"[..]));
        assert_eq!(list.get(4).map(<[u8]>::len), Some(9000));
        list.validate().unwrap();
    }

    #[test]
    fn lrem_counts_from_either_end() {
        let items = ["x", "a", "x", "b", "x", "c", "x"];
        let mut head = list_of(2, &items);
        assert_eq!(head.remove_matching(b"x", 2), 2);
        assert_eq!(strings(head.iter()), ["a", "b", "x", "c", "x"]);
        let mut tail = list_of(2, &items);
        assert_eq!(tail.remove_matching(b"x", -3), 3);
        assert_eq!(strings(tail.iter()), ["x", "a", "b", "c"]);
        let mut all = list_of(2, &items);
        assert_eq!(all.remove_matching(b"x", 0), 4);
        assert_eq!(strings(all.iter()), ["a", "b", "c"]);
        assert_eq!(all.remove_matching(b"x", i64::MIN), 0);
        for list in [&head, &tail, &all] {
            list.validate().unwrap();
        }
    }

    #[test]
    fn lpos_ranks_counts_and_maxlen() {
        let list = list_of(3, &["a", "b", "c", "1", "2", "3", "c", "c"]);
        assert_eq!(list.positions(b"c", 1, 1, 0), vec![2]);
        assert_eq!(list.positions(b"c", 1, 0, 0), vec![2, 6, 7]);
        assert_eq!(list.positions(b"c", 2, 0, 0), vec![6, 7]);
        assert_eq!(list.positions(b"c", -1, 0, 0), vec![7, 6, 2]);
        assert_eq!(list.positions(b"c", -1, 2, 0), vec![7, 6]);
        assert_eq!(list.positions(b"c", 1, 0, 3), vec![2]);
        assert_eq!(list.positions(b"c", i64::MIN, 0, 0), Vec::<usize>::new());
        assert_eq!(list.positions(b"z", 1, 0, 0), Vec::<usize>::new());
    }

    #[test]
    fn ltrim_drops_whole_nodes_and_partial_ones() {
        let items: Vec<String> = (0..20).map(|i| i.to_string()).collect();
        let refs: Vec<&str> = items.iter().map(String::as_str).collect();
        let mut list = list_of(4, &refs);
        list.trim(3, -5);
        assert_eq!(strings(list.iter()), refs[3..16]);
        list.validate().unwrap();
        list.trim(5, 2);
        assert!(list.is_empty());
        assert_eq!(list.heap_size(), 0);
        let mut whole = list_of(4, &refs);
        whole.trim(i64::MIN, i64::MAX);
        assert_eq!(whole.len(), 20);
    }

    #[test]
    fn memory_is_within_redis_quicklist_for_100_byte_items() {
        let mut list = List::default();
        let item = [b'v'; 100];
        for _ in 0..10_000 {
            list.push(End::Tail, &item);
        }
        // Redis 7.0: 103 bytes per listpack entry, 79 entries per 8 KB node plus a 32-byte node
        // header: about 104 bytes per element.
        let per_item = (list.heap_size() + std::mem::size_of::<List>()) as f64 / 10_000.0;
        assert!(per_item <= 104.0, "{per_item} bytes per item");
        let mut small = List::default();
        small.push(End::Tail, b"a");
        small.push(End::Tail, b"b");
        assert!(small.heap_size() <= 64, "{}", small.heap_size());
    }

    #[test]
    fn a_drained_list_gives_its_memory_back() {
        let mut list = List::new(1);
        for _ in 0..1000 {
            list.push(End::Tail, b"x");
        }
        let peak = list.heap_size();
        while list.len() > 1 {
            list.pop(End::Head);
        }
        assert!(list.heap_size() * 10 < peak, "{} of {peak}", list.heap_size());
        list.validate().unwrap();
    }

    #[test]
    fn clone_eq_and_debug() {
        let list = list_of(2, &["a", "b", "c"]);
        let other = list_of(-2, &["a", "b", "c"]);
        assert_eq!(list, other);
        assert_eq!(list.clone(), list);
        assert_eq!(format!("{list:?}"), r#"["a", "b", "c"]"#);
        assert_ne!(list, list_of(2, &["a", "b"]));
    }
}
