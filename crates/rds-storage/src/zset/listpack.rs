//! The compact ("listpack") encoding of small sorted sets: one byte buffer of entries sorted by
//! (score, member).
//!
//! Layout: a little-endian u32 entry count, then per entry `varint(member_len) member score`, where
//! the score is `varint(zigzag(n) << 1)` for integral values below 2^53 in magnitude (one byte for
//! -32..=31) and `0x01` followed by the 8 bytes of the f64 otherwise. Like Redis's listpack, which
//! stores scores as strings, -0 reads back as 0. A set of ten short members with small integer
//! scores takes about 50 bytes, less than Redis's listpack. Lookups are linear, which is what the
//! entry-count threshold (default 128) bounds.

use std::cmp::Ordering;

use super::cmp_entry;
use super::range::{LexRange, Limit};

/// Bytes of the entry-count header.
const HEADER: usize = 4;
/// Largest integer magnitude stored in the integer form (every such integer is an exact f64).
const MAX_EXACT_INT: f64 = 9_007_199_254_740_992.0;
/// Like Redis's `LISTPACK_MAX_SAFETY_SIZE`: past 1 GiB the set must use the skiplist encoding.
pub(super) const MAX_BYTES: usize = 1 << 30;

/// Entries sorted by (score, member) in one buffer.
#[derive(Clone, Default)]
pub(super) struct Listpack {
    buf: Vec<u8>,
}

/// Where an entry sits: its byte range, member and score.
#[derive(Clone, Copy)]
pub(super) struct Found<'a> {
    pub start: usize,
    pub end: usize,
    pub member: &'a [u8],
    pub score: f64,
}

impl Listpack {
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.buf.get(..HEADER).map_or(0, |h| u32::from_le_bytes([h[0], h[1], h[2], h[3]]) as usize)
    }

    fn set_len(&mut self, len: usize) {
        if self.buf.len() < HEADER {
            self.buf.resize(HEADER, 0);
        }
        let len = u32::try_from(len).unwrap_or(u32::MAX);
        self.buf[..HEADER].copy_from_slice(&len.to_le_bytes());
    }

    /// Buffer size, for the 1 GiB safety limit.
    pub fn byte_len(&self) -> usize {
        self.buf.len()
    }

    /// Heap bytes owned.
    pub fn heap_size(&self) -> usize {
        self.buf.capacity()
    }

    /// The raw buffer, for iterators.
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Entries in order, with their positions.
    pub fn entries(&self) -> impl Iterator<Item = Found<'_>> {
        let buf = self.buf.as_slice();
        let mut pos = HEADER;
        std::iter::from_fn(move || {
            let (member, score, end) = decode_entry(buf, pos)?;
            let found = Found { start: pos, end, member, score };
            pos = end;
            Some(found)
        })
    }

    /// The entry holding `member` (a linear scan, as in Redis).
    pub fn find(&self, member: &[u8]) -> Option<(usize, Found<'_>)> {
        self.entries().enumerate().find(|(_, e)| e.member == member)
    }

    /// Inserts an entry known to be absent, at its sorted position.
    pub fn insert(&mut self, member: &[u8], score: f64) {
        let pos = self
            .entries()
            .find(|e| cmp_entry(e.score, e.member, score, member) == Ordering::Greater)
            .map_or(self.buf.len().max(HEADER), |e| e.start);
        let mut entry = Vec::with_capacity(entry_len(member, score));
        encode_entry(&mut entry, member, score);
        let len = self.len();
        self.set_len(len + 1);
        // Grow to the exact size, as listpack's realloc does: small sets must not pay for slack.
        self.buf.reserve_exact(entry.len());
        self.buf.splice(pos..pos, entry);
    }

    /// Appends an entry that sorts after every present one (building from sorted input).
    pub fn push_sorted(&mut self, member: &[u8], score: f64) {
        let len = self.len();
        self.set_len(len + 1);
        encode_entry(&mut self.buf, member, score);
    }

    /// Removes the `count` entries starting at byte `start` and ending at byte `end`.
    pub fn remove_bytes(&mut self, start: usize, end: usize, count: usize) {
        if start >= end || end > self.buf.len() {
            return;
        }
        self.buf.drain(start..end);
        let len = self.len().saturating_sub(count);
        if len == 0 {
            self.buf = Vec::new();
            return;
        }
        self.set_len(len);
        if self.buf.capacity() > self.buf.len() + self.buf.len() / 4 + 32 {
            self.buf.shrink_to_fit();
        }
    }

    /// Removes the entries of ascending ranks `[lo, hi)`.
    pub fn remove_ranks(&mut self, lo: usize, hi: usize) {
        if lo >= hi {
            return;
        }
        let start = self.offset_of_rank(lo);
        let end = self.offset_of_rank(hi);
        self.remove_bytes(start, end, hi - lo);
    }

    /// Byte offset of the entry at `rank` (the end of the buffer when `rank >= len`).
    pub fn offset_of_rank(&self, rank: usize) -> usize {
        self.entries().nth(rank).map_or(self.buf.len().max(HEADER), |e| e.start)
    }

    /// Byte offsets of every entry, for reverse and random access.
    pub fn offsets(&self) -> Vec<u32> {
        self.entries().map(|e| e.start as u32).collect()
    }

    /// Number of leading entries for which `pred(score, member)` holds.
    pub fn partition(&self, mut pred: impl FnMut(f64, &[u8]) -> bool) -> usize {
        self.entries().take_while(|e| pred(e.score, e.member)).count()
    }

    /// The ascending ranks `[lo, hi)` a lex range selects, found the way Redis scans a listpack:
    /// from the first member not below `min` (the last not above `max` when `reverse`), skip
    /// `limit.offset` entries without checking them, then take entries while they stay within the
    /// other bound, at most `limit.count`. When all scores are equal (the case lex ranges are meant
    /// for) this is the sorted window; otherwise it is still exactly what Redis replies.
    pub fn lex_window(&self, range: &LexRange, reverse: bool, limit: Limit) -> (usize, usize) {
        let members: Vec<&[u8]> = self.entries().map(|e| e.member).collect();
        let (Some(first), Some(last)) = (members.first(), members.last()) else { return (0, 0) };
        if range.is_empty_interval() || !range.above_min(last) || !range.below_max(first) {
            return (0, 0);
        }
        let Ok(offset) = usize::try_from(limit.offset) else { return (0, 0) };
        let most = usize::try_from(limit.count).unwrap_or(usize::MAX);
        if reverse {
            let Some(end) = members.iter().rposition(|m| range.below_max(m)) else { return (0, 0) };
            if !range.above_min(members[end]) || offset > end {
                return (0, 0);
            }
            let start = end - offset;
            let taken = members[..=start].iter().rev().take(most).take_while(|m| range.above_min(m)).count();
            return (start + 1 - taken, start + 1);
        }
        let Some(first_in) = members.iter().position(|m| range.above_min(m)) else { return (0, 0) };
        if !range.below_max(members[first_in]) {
            return (0, 0);
        }
        let start = first_in.saturating_add(offset).min(members.len());
        let taken = members[start..].iter().take(most).take_while(|m| range.below_max(m)).count();
        (start, start + taken)
    }

    /// Shrinks the buffer to its length (after building).
    pub fn shrink(&mut self) {
        self.buf.shrink_to_fit();
    }
}

/// Bytes an entry takes.
pub(super) fn entry_len(member: &[u8], score: f64) -> usize {
    varint_len(member.len() as u64) + member.len() + score_len(score)
}

fn int_form(score: f64) -> Option<u64> {
    if score.trunc() == score && score.abs() < MAX_EXACT_INT {
        let n = score as i64;
        Some((((n << 1) ^ (n >> 63)) as u64) << 1)
    } else {
        None
    }
}

fn score_len(score: f64) -> usize {
    int_form(score).map_or(9, varint_len)
}

fn encode_entry(out: &mut Vec<u8>, member: &[u8], score: f64) {
    write_varint(out, member.len() as u64);
    out.extend_from_slice(member);
    match int_form(score) {
        Some(tagged) => write_varint(out, tagged),
        None => {
            out.push(1);
            out.extend_from_slice(&score.to_le_bytes());
        }
    }
}

/// The entry at `pos`: member, score and the offset after it; `None` at the end (or if malformed).
pub(super) fn decode_entry(buf: &[u8], pos: usize) -> Option<(&[u8], f64, usize)> {
    let (len, pos) = read_varint(buf, pos)?;
    let end = pos.checked_add(usize::try_from(len).ok()?)?;
    let member = buf.get(pos..end)?;
    let (tag, pos) = read_varint(buf, end)?;
    if tag & 1 == 0 {
        let zigzag = tag >> 1;
        let n = ((zigzag >> 1) as i64) ^ -((zigzag & 1) as i64);
        return Some((member, n as f64, pos));
    }
    let bytes: [u8; 8] = buf.get(pos..pos + 8)?.try_into().ok()?;
    Some((member, f64::from_le_bytes(bytes), pos + 8))
}

fn varint_len(value: u64) -> usize {
    let bits = 64 - (value | 1).leading_zeros();
    bits.div_ceil(7) as usize
}

fn write_varint(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let low = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(low);
            return;
        }
        out.push(low | 0x80);
    }
}

fn read_varint(buf: &[u8], mut pos: usize) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *buf.get(pos)?;
        pos += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some((value, pos));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_round_trip_in_both_forms() {
        for score in [0.0, 1.0, -1.0, 31.0, -32.0, 1e15, -9e15, 0.5, 1e300, f64::INFINITY, f64::NEG_INFINITY, 1e16] {
            let mut buf = Vec::new();
            encode_entry(&mut buf, b"m", score);
            assert_eq!(buf.len(), entry_len(b"m", score));
            let (member, decoded, end) = decode_entry(&buf, 0).expect("decodes");
            assert_eq!((member, decoded.to_bits(), end), (&b"m"[..], score.to_bits(), buf.len()));
        }
        let mut buf = Vec::new();
        encode_entry(&mut buf, b"m", -0.0);
        assert_eq!(decode_entry(&buf, 0).map(|e| e.1.to_bits()), Some(0.0f64.to_bits()));
        assert_eq!(entry_len(b"ab", 7.0), 4);
    }

    #[test]
    fn keeps_entries_sorted_and_small() {
        let mut lp = Listpack::default();
        for (i, member) in ["j", "i", "h", "g", "f", "e", "d", "c", "b", "a"].iter().enumerate() {
            lp.insert(member.as_bytes(), (i % 3) as f64);
        }
        let order: Vec<(Vec<u8>, f64)> = lp.entries().map(|e| (e.member.to_vec(), e.score)).collect();
        let mut sorted = order.clone();
        sorted.sort_by(|a, b| cmp_entry(a.1, &a.0, b.1, &b.0));
        assert_eq!(order, sorted);
        assert_eq!(lp.len(), 10);
        assert_eq!(lp.byte_len(), HEADER + 10 * 3);
        assert!(lp.heap_size() <= 64, "{}", lp.heap_size());
        lp.remove_ranks(2, 5);
        assert_eq!(lp.len(), 7);
        lp.remove_ranks(0, 7);
        assert_eq!((lp.len(), lp.heap_size()), (0, 0));
    }

    #[test]
    fn malformed_buffers_end_iteration() {
        assert!(decode_entry(&[5, b'a'], 0).is_none());
        assert!(decode_entry(&[0xff; 12], 0).is_none());
        assert!(decode_entry(&[1, b'a', 1, 0, 0], 0).is_none());
    }
}
