//! [`IntSet`]: a sorted array of integers stored at the narrowest width that fits them all (2, 4 or
//! 8 bytes, like Redis's intset), searched by bisection.
//!
//! Why: a set of small numbers is common (ids, flags), and 2 bytes per member with no per-member
//! allocation is an order of magnitude below any hash table. Inserts and removes are O(n) memmoves,
//! which is why sets convert to a hash table past `set-max-intset-entries`.

use std::cmp::Ordering;

use crate::compact::CompactBytes;
use crate::packed::splice_exact;

/// A sorted set of distinct `i64`s in one exactly-sized allocation.
#[derive(Clone, PartialEq, Eq)]
pub struct IntSet {
    /// Bytes per value: 2, 4 or 8; only grows, as in Redis.
    width: u8,
    /// Little-endian values of `width` bytes, ascending.
    buf: Box<[u8]>,
}

impl Default for IntSet {
    fn default() -> Self {
        Self::new()
    }
}

/// The narrowest width that holds `value`.
fn width_for(value: i64) -> u8 {
    if i16::try_from(value).is_ok() {
        2
    } else if i32::try_from(value).is_ok() {
        4
    } else {
        8
    }
}

fn encode(value: i64, width: u8) -> ([u8; 8], usize) {
    let bytes = value.to_le_bytes();
    // Little-endian two's complement: the low `width` bytes hold any value that fits the width.
    (bytes, usize::from(width))
}

fn decode(bytes: &[u8]) -> Option<i64> {
    Some(match bytes.len() {
        2 => i64::from(i16::from_le_bytes(bytes.try_into().ok()?)),
        4 => i64::from(i32::from_le_bytes(bytes.try_into().ok()?)),
        8 => i64::from_le_bytes(bytes.try_into().ok()?),
        _ => return None,
    })
}

impl IntSet {
    /// An empty set; allocates nothing.
    pub fn new() -> Self {
        IntSet { width: 2, buf: Box::default() }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.buf.len() / usize::from(self.width)
    }

    /// True when there are no members.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Bytes per member (2, 4 or 8), as Redis's `intset->encoding`.
    pub fn width(&self) -> u8 {
        self.width
    }

    /// The member at sorted position `index`.
    pub fn get(&self, index: usize) -> Option<i64> {
        let width = usize::from(self.width);
        let start = index.checked_mul(width)?;
        decode(self.buf.get(start..start.checked_add(width)?)?)
    }

    /// `Ok(position)` of `value`, or `Err(position)` where it would be inserted. O(log n).
    pub fn search(&self, value: i64) -> Result<usize, usize> {
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let mid = low + (high - low) / 2;
            match self.get(mid).map(|probe| probe.cmp(&value)) {
                Some(Ordering::Less) => low = mid + 1,
                Some(Ordering::Greater) => high = mid,
                Some(Ordering::Equal) => return Ok(mid),
                None => return Err(low),
            }
        }
        Err(low)
    }

    /// True when `value` is a member.
    pub fn contains(&self, value: i64) -> bool {
        width_for(value) <= self.width && self.search(value).is_ok()
    }

    /// Adds `value`; false when it was already present. O(n).
    pub fn insert(&mut self, value: i64) -> bool {
        if width_for(value) > self.width {
            self.upgrade(width_for(value));
        }
        match self.search(value) {
            Ok(_) => false,
            Err(position) => {
                let width = usize::from(self.width);
                let at = position * width;
                let (bytes, used) = encode(value, self.width);
                splice_exact(&mut self.buf, at..at, &bytes[..used]);
                true
            }
        }
    }

    /// Removes `value`; false when it was absent. O(n).
    pub fn remove(&mut self, value: i64) -> bool {
        if width_for(value) > self.width {
            return false;
        }
        match self.search(value) {
            Ok(position) => {
                self.remove_at(position);
                true
            }
            Err(_) => false,
        }
    }

    /// Removes and returns the member at sorted position `index`. O(n).
    pub fn remove_at(&mut self, index: usize) -> Option<i64> {
        let value = self.get(index)?;
        let width = usize::from(self.width);
        splice_exact(&mut self.buf, index * width..(index + 1) * width, &[]);
        Some(value)
    }

    /// Keeps only the members at positions for which `keep` is true, in one O(n) pass.
    pub fn retain_positions(&mut self, mut keep: impl FnMut(usize) -> bool) {
        let width = usize::from(self.width);
        let mut kept = Vec::with_capacity(self.buf.len());
        for (index, chunk) in self.buf.chunks_exact(width).enumerate() {
            if keep(index) {
                kept.extend_from_slice(chunk);
            }
        }
        self.buf = kept.into_boxed_slice();
    }

    fn upgrade(&mut self, width: u8) {
        let mut wider = Vec::with_capacity(self.len() * usize::from(width));
        for value in self.iter() {
            let (bytes, used) = encode(value, width);
            wider.extend_from_slice(&bytes[..used]);
        }
        self.width = width;
        self.buf = wider.into_boxed_slice();
    }

    /// The members in ascending order.
    pub fn iter(&self) -> Iter<'_> {
        Iter { chunks: self.buf.chunks_exact(usize::from(self.width)) }
    }

    /// Heap bytes owned.
    pub fn heap_size(&self) -> usize {
        self.buf.len()
    }
}

impl std::fmt::Debug for IntSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// Iterator over an [`IntSet`]'s members, ascending.
#[derive(Clone)]
pub struct Iter<'a> {
    chunks: std::slice::ChunksExact<'a, u8>,
}

impl Iterator for Iter<'_> {
    type Item = i64;

    fn next(&mut self) -> Option<i64> {
        self.chunks.next().and_then(decode)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.chunks.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<i64> {
        self.chunks.next_back().and_then(decode)
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// `value` in decimal, as Redis's `ll2string`; always inline (at most 20 bytes).
pub fn format_i64(value: i64) -> CompactBytes {
    let mut digits = [0u8; 20];
    CompactBytes::new(rds_itoa::format_i64(value, &mut digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_sorted_and_widens() {
        let mut set = IntSet::new();
        for value in [5, -3, 100, 5, 0] {
            set.insert(value);
        }
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![-3, 0, 5, 100]);
        assert_eq!((set.width(), set.heap_size()), (2, 8));
        assert!(set.insert(70_000));
        assert_eq!(set.width(), 4);
        assert!(set.insert(i64::MIN));
        assert_eq!(set.width(), 8);
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![i64::MIN, -3, 0, 5, 100, 70_000]);
        assert!(set.contains(70_000) && !set.contains(6));
        assert!(set.remove(i64::MIN) && !set.remove(i64::MIN));
        assert_eq!(set.width(), 8, "never narrows, like Redis");
        assert_eq!(set.len(), 5);
    }

    #[test]
    fn wide_values_are_absent_from_narrow_sets() {
        let mut set = IntSet::new();
        set.insert(1);
        assert!(!set.contains(i64::MAX) && !set.remove(1 << 40));
        assert_eq!(set.get(5), None);
        assert_eq!(set.get(usize::MAX), None);
    }

    #[test]
    fn retain_positions_filters() {
        let mut set = IntSet::new();
        for value in 0..10 {
            set.insert(value);
        }
        set.retain_positions(|i| i % 3 == 0);
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![0, 3, 6, 9]);
    }

    #[test]
    fn formats_like_ll2string() {
        for value in [0, 7, -7, 1234567890, i64::MIN, i64::MAX] {
            assert_eq!(format_i64(value).as_slice(), value.to_string().as_bytes());
        }
    }
}
