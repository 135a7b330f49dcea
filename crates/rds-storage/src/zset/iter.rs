//! [`ZIter`]: iteration over a run of consecutive ranks, forwards or backwards, in either encoding.

use super::listpack::{decode_entry, Listpack};
use super::tree::{Pos, Tree};

/// Members and scores of a rank window, in reply order. Its exact length is known up front, so a
/// reply's array header can be written before the elements.
pub struct ZIter<'a> {
    cursor: Cursor<'a>,
    remaining: usize,
}

enum Cursor<'a> {
    /// Forward through the buffer from a byte offset.
    Listpack { buf: &'a [u8], pos: usize },
    /// Backward: the entries' offsets, consumed from the end (listpack entries only link forward).
    ListpackRev { buf: &'a [u8], offsets: Vec<u32> },
    /// Along the tree's leaves (backwards when `reverse`).
    Skiplist { list: &'a Tree, node: Pos, reverse: bool },
}

impl<'a> ZIter<'a> {
    /// Ranks `[lo, hi)` of a listpack, descending when `reverse`.
    pub(super) fn listpack(lp: &'a Listpack, lo: usize, hi: usize, reverse: bool) -> ZIter<'a> {
        let remaining = hi.saturating_sub(lo);
        let buf = lp.bytes();
        let cursor = if remaining == 0 {
            Cursor::Listpack { buf, pos: buf.len() }
        } else if reverse {
            let offsets = lp.entries().skip(lo).take(remaining).map(|e| e.start as u32).collect();
            Cursor::ListpackRev { buf, offsets }
        } else {
            Cursor::Listpack { buf, pos: lp.offset_of_rank(lo) }
        };
        ZIter { cursor, remaining }
    }

    /// Ranks `[lo, hi)` of a skiplist, descending when `reverse`.
    pub(super) fn skiplist(list: &'a Tree, lo: usize, hi: usize, reverse: bool) -> ZIter<'a> {
        let remaining = hi.min(list.len()).saturating_sub(lo);
        let node = match (remaining, reverse) {
            (0, _) => Pos::NONE,
            (_, true) => list.at_rank(lo + remaining - 1),
            (_, false) => list.at_rank(lo),
        };
        ZIter { cursor: Cursor::Skiplist { list, node, reverse }, remaining }
    }
}

impl<'a> Iterator for ZIter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let item = match &mut self.cursor {
            Cursor::Listpack { buf, pos } => {
                let (member, score, next) = decode_entry(buf, *pos)?;
                *pos = next;
                (member, score)
            }
            Cursor::ListpackRev { buf, offsets } => {
                let offset = offsets.pop()? as usize;
                let (member, score, _) = decode_entry(buf, offset)?;
                (member, score)
            }
            Cursor::Skiplist { list, node, reverse } => {
                let list: &'a Tree = list;
                let entry = list.entry(*node)?;
                *node = if *reverse { list.prev(*node) } else { list.next(*node) };
                entry
            }
        };
        self.remaining -= 1;
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for ZIter<'_> {}
