//! A list node: a packed buffer of entries with back lengths, bounded by `list-max-listpack-size`.
//!
//! The entries sit at the end of the node's vector, behind `head` bytes of room: a pop at the front
//! only moves `head` forward, and a push at the front writes into that room, so neither moves the
//! rest of the node (LPUSH and LPOP would otherwise shift up to a whole node per element). Edits in
//! the middle go through [`Node::vec_mut`], which gives the room back first.

use crate::packed;

/// Packed entries with back lengths, and how many.
#[derive(Clone, Default)]
pub(super) struct Node {
    /// `data[head..]` holds the entries.
    data: Vec<u8>,
    head: u32,
    pub(super) count: u32,
}

impl Node {
    pub(super) fn single(item: &[u8]) -> Node {
        Node { data: packed::encode_entry(item, true), head: 0, count: 1 }
    }

    /// A node holding the entries of `data`.
    fn from_vec(data: Vec<u8>, count: u32) -> Node {
        Node { data, head: 0, count }
    }

    /// The packed entries.
    pub(super) fn bytes(&self) -> &[u8] {
        self.data.get(self.head as usize..).unwrap_or_default()
    }

    /// Bytes of packed entries.
    pub(super) fn len(&self) -> usize {
        self.data.len() - self.head as usize
    }

    /// The entries as a plain vector, for edits anywhere in the node; gives up the front room.
    pub(super) fn vec_mut(&mut self) -> &mut Vec<u8> {
        if self.head > 0 {
            self.data.drain(..self.head as usize);
            self.head = 0;
        }
        &mut self.data
    }

    /// Adds `item` as the first entry, growing like [`grow`] when the front room is too small.
    pub(super) fn push_front(&mut self, item: &[u8], limit: usize) {
        let added = packed::entry_len(item.len(), true);
        let head = self.head as usize;
        if head < added {
            // New room in front: what [`grow`] would reserve, so pushes stay amortized O(1).
            let len = self.len();
            let needed = len + added;
            let target = needed.max((len + len / 2).min(limit));
            let room = target - len;
            let mut data = Vec::with_capacity(target);
            data.resize(room, 0);
            data.extend_from_slice(self.bytes());
            self.data = data;
            self.head = u32::try_from(room).unwrap_or(u32::MAX);
        }
        let start = self.head as usize - added;
        packed::write_entry(&mut self.data[start..start + added], item, true);
        self.head = u32::try_from(start).unwrap_or(0);
        self.count += 1;
    }

    /// Adds `item` as the last entry.
    pub(super) fn push_back(&mut self, item: &[u8], limit: usize) {
        grow(&mut self.data, packed::entry_len(item.len(), true), limit);
        packed::push_entry(&mut self.data, item, true);
        self.count += 1;
    }

    /// Drops the first `bytes` bytes (whole entries) of the entries.
    pub(super) fn drain_front(&mut self, bytes: usize) {
        let head = (self.head as usize + bytes).min(self.data.len());
        self.head = u32::try_from(head).unwrap_or(u32::MAX);
        self.trim_slack();
    }

    /// Keeps the first `bytes` bytes of the entries.
    pub(super) fn truncate(&mut self, bytes: usize) {
        self.data.truncate(self.head as usize + bytes);
        self.trim_slack();
    }

    /// Releases spare capacity and front room (a node that stopped being a list end).
    pub(super) fn shrink_to_fit(&mut self) {
        self.vec_mut().shrink_to_fit();
    }

    /// Returns most of the node's spare room once it is under half used.
    pub(super) fn trim_slack(&mut self) {
        let len = self.len();
        if self.data.capacity() / 2 > len + 16 {
            let data = self.vec_mut();
            data.shrink_to(len + len / 4);
        }
    }

    /// Byte position where entry `index` starts (the buffer's end for `index == count`), walking
    /// from the nearer end.
    pub(super) fn seek(&self, index: usize) -> Option<usize> {
        let count = self.count as usize;
        if index > count {
            return None;
        }
        if index <= count / 2 {
            let mut pos = 0;
            for _ in 0..index {
                pos = packed::read_entry(self.bytes(), pos, true)?.1;
            }
            Some(pos)
        } else {
            let mut pos = self.len();
            for _ in index..count {
                pos = packed::read_entry_back(self.bytes(), pos)?.1;
            }
            Some(pos)
        }
    }

    /// Splits into two nodes of about half the bytes each; gives the node back if it has one entry.
    pub(super) fn split(mut self) -> Result<(Node, Node), Node> {
        let half = self.len() / 2;
        let (mut pos, mut taken) = (0, 0u32);
        while taken + 1 < self.count {
            let Some((_, next)) = packed::read_entry(self.bytes(), pos, true) else {
                return Err(self);
            };
            pos = next;
            taken += 1;
            if pos >= half {
                break;
            }
        }
        if taken == 0 {
            return Err(self);
        }
        let right = Node::from_vec(self.vec_mut().split_off(pos), self.count - taken);
        self.shrink_to_fit();
        self.count = taken;
        Ok((self, right))
    }

    pub(super) fn absorb(&mut self, other: Node) {
        let data = self.vec_mut();
        data.reserve_exact(other.len());
        data.extend_from_slice(other.bytes());
        self.count += other.count;
    }

    /// Removes up to `budget` entries equal to `element`, the last ones when `from_tail`, in one
    /// pass. Returns (entries removed, bytes freed).
    pub(super) fn remove_matching(&mut self, element: &[u8], budget: usize, from_tail: bool) -> (usize, usize) {
        let mut matches = 0;
        let mut pos = 0;
        while let Some((item, next)) = packed::read_entry(self.bytes(), pos, true) {
            matches += usize::from(item == element);
            pos = next;
        }
        let remove = matches.min(budget);
        if remove == 0 {
            return (0, 0);
        }
        let keep_first = if from_tail { matches - remove } else { 0 };
        let buf = self.vec_mut();
        let len = buf.len();
        let (mut read, mut write, mut seen, mut removed) = (0, 0, 0, 0);
        while let Some((item, next)) = packed::read_entry(buf, read, true) {
            let is_match = item == element;
            if is_match && seen >= keep_first && removed < remove {
                removed += 1;
            } else {
                buf.copy_within(read..next, write);
                write += next - read;
            }
            seen += usize::from(is_match);
            read = next;
        }
        buf.copy_within(read..len, write);
        write += len - read;
        buf.truncate(write);
        self.count -= removed as u32;
        self.trim_slack();
        (removed, len - write)
    }
}

/// Grows a node at a list end: 1.5x steps (amortized O(1) pushes) but never past the node limit,
/// so a full node carries no slack.
pub(super) fn grow(buf: &mut Vec<u8>, additional: usize, limit: usize) {
    let needed = buf.len() + additional;
    if needed > buf.capacity() {
        let target = needed.max((buf.len() + buf.len() / 2).min(limit));
        buf.reserve_exact(target - buf.len());
    }
}
