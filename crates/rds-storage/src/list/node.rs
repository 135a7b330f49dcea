//! A list node: a packed buffer of entries with back lengths, bounded by `list-max-listpack-size`.

use crate::packed;

/// Packed entries with back lengths, and how many.
#[derive(Clone, Default)]
pub(super) struct Node {
    pub(super) buf: Vec<u8>,
    pub(super) count: u32,
}

impl Node {
    pub(super) fn single(item: &[u8]) -> Node {
        Node { buf: packed::encode_entry(item, true), count: 1 }
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
                pos = packed::read_entry(&self.buf, pos, true)?.1;
            }
            Some(pos)
        } else {
            let mut pos = self.buf.len();
            for _ in index..count {
                pos = packed::read_entry_back(&self.buf, pos)?.1;
            }
            Some(pos)
        }
    }

    /// Splits into two nodes of about half the bytes each; gives the node back if it has one entry.
    pub(super) fn split(mut self) -> Result<(Node, Node), Node> {
        let half = self.buf.len() / 2;
        let (mut pos, mut taken) = (0, 0u32);
        while taken + 1 < self.count {
            let Some((_, next)) = packed::read_entry(&self.buf, pos, true) else {
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
        let right = Node { buf: self.buf.split_off(pos), count: self.count - taken };
        self.buf.shrink_to_fit();
        self.count = taken;
        Ok((self, right))
    }

    pub(super) fn absorb(&mut self, other: Node) {
        self.buf.reserve_exact(other.buf.len());
        self.buf.extend_from_slice(&other.buf);
        self.count += other.count;
    }

    /// Removes up to `budget` entries equal to `element`, the last ones when `from_tail`, in one
    /// pass. Returns (entries removed, bytes freed).
    pub(super) fn remove_matching(&mut self, element: &[u8], budget: usize, from_tail: bool) -> (usize, usize) {
        let mut matches = 0;
        let mut pos = 0;
        while let Some((item, next)) = packed::read_entry(&self.buf, pos, true) {
            matches += usize::from(item == element);
            pos = next;
        }
        let remove = matches.min(budget);
        if remove == 0 {
            return (0, 0);
        }
        let keep_first = if from_tail { matches - remove } else { 0 };
        let len = self.buf.len();
        let (mut read, mut write, mut seen, mut removed) = (0, 0, 0, 0);
        while let Some((item, next)) = packed::read_entry(&self.buf, read, true) {
            let is_match = item == element;
            if is_match && seen >= keep_first && removed < remove {
                removed += 1;
            } else {
                self.buf.copy_within(read..next, write);
                write += next - read;
            }
            seen += usize::from(is_match);
            read = next;
        }
        self.buf.copy_within(read..len, write);
        write += len - read;
        self.buf.truncate(write);
        self.count -= removed as u32;
        trim_slack(&mut self.buf);
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

/// Returns most of a node's spare capacity once it is under half used.
pub(super) fn trim_slack(buf: &mut Vec<u8>) {
    if buf.capacity() / 2 > buf.len() + 16 {
        buf.shrink_to(buf.len() + buf.len() / 4);
    }
}
