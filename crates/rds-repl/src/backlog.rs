//! [`Backlog`]: the last `repl-backlog-size` bytes of the replication stream, so a replica that lost
//! its link can continue from its offset instead of a full resynchronisation.
//!
//! Offsets are Redis's: the byte at offset `o` is the `o`-th byte ever fed (the first is offset 1). A
//! backlog created when `master_repl_offset` is `n` starts at `first_byte_offset = n + 1` with no
//! history. Memory grows with the history up to the configured size, then the ring wraps.

/// Smallest backlog Redis allows (`CONFIG_REPL_BACKLOG_MIN_SIZE`).
pub const MIN_SIZE: usize = 16 * 1024;

/// The circular history of the stream.
#[derive(Debug, Clone)]
pub struct Backlog {
    /// Ring storage; grows up to `size`, then wraps.
    buf: Vec<u8>,
    /// Capacity in bytes (`repl-backlog-size`).
    size: usize,
    /// Next write position once the ring is full.
    idx: usize,
    /// Bytes of history held.
    histlen: usize,
    /// Offset of the last byte fed (`master_repl_offset`).
    end: u64,
}

impl Backlog {
    /// An empty backlog of `size` bytes whose history will start after `offset`.
    pub fn new(size: usize, offset: u64) -> Self {
        Backlog { buf: Vec::new(), size: size.max(1), idx: 0, histlen: 0, end: offset }
    }

    /// The configured size.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Bytes of history held (`repl_backlog_histlen`).
    pub fn histlen(&self) -> usize {
        self.histlen
    }

    /// Offset of the oldest byte held (`repl_backlog_first_byte_offset`).
    pub fn first_byte_offset(&self) -> u64 {
        self.end + 1 - self.histlen as u64
    }

    /// Offset of the last byte fed.
    pub fn end_offset(&self) -> u64 {
        self.end
    }

    /// Memory held by the ring.
    pub fn memory(&self) -> usize {
        self.buf.capacity()
    }

    /// Appends stream bytes.
    pub fn append(&mut self, data: &[u8]) {
        self.end += data.len() as u64;
        let mut data = data;
        if data.len() >= self.size {
            data = &data[data.len() - self.size..];
            self.buf.clear();
            self.buf.extend_from_slice(data);
            self.idx = 0;
            self.histlen = self.size;
            return;
        }
        self.histlen = (self.histlen + data.len()).min(self.size);
        while !data.is_empty() {
            if self.buf.len() < self.size {
                let n = (self.size - self.buf.len()).min(data.len());
                self.buf.extend_from_slice(&data[..n]);
                data = &data[n..];
                self.idx = self.buf.len() % self.size;
            } else {
                let n = (self.size - self.idx).min(data.len());
                self.buf[self.idx..self.idx + n].copy_from_slice(&data[..n]);
                data = &data[n..];
                self.idx = (self.idx + n) % self.size;
            }
        }
    }

    /// True when a replica asking for `offset` (the first byte it needs) can be served from here:
    /// `first_byte_offset <= offset <= end + 1`.
    pub fn covers(&self, offset: u64) -> bool {
        offset >= self.first_byte_offset() && offset <= self.end + 1
    }

    /// The history from `offset` to the end, as up to two slices (the ring may wrap); `None` when
    /// [`Backlog::covers`] is false.
    pub fn range_from(&self, offset: u64) -> Option<(&[u8], &[u8])> {
        if !self.covers(offset) {
            return None;
        }
        let skip = usize::try_from(offset - self.first_byte_offset()).ok()?;
        let len = self.histlen - skip;
        if len == 0 {
            return Some((&[], &[]));
        }
        let cap = self.buf.len();
        let oldest = if cap < self.size { 0 } else { (self.idx + cap - self.histlen) % cap };
        let pos = (oldest + skip) % cap;
        if pos + len <= cap {
            Some((&self.buf[pos..pos + len], &[]))
        } else {
            Some((&self.buf[pos..], &self.buf[..len - (cap - pos)]))
        }
    }

    /// Changes the size, keeping as much recent history as fits.
    pub fn resize(&mut self, size: usize) {
        let size = size.max(1);
        if size == self.size {
            return;
        }
        let mut history = Vec::with_capacity(self.histlen.min(size));
        if let Some((a, b)) = self.range_from(self.first_byte_offset()) {
            let total = a.len() + b.len();
            let keep = total.min(size);
            let mut skip = total - keep;
            for part in [a, b] {
                let cut = skip.min(part.len());
                history.extend_from_slice(&part[cut..]);
                skip -= cut;
            }
        }
        self.histlen = history.len();
        self.buf = history;
        self.size = size;
        self.idx = self.buf.len() % self.size;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn collect(backlog: &Backlog, offset: u64) -> Option<Vec<u8>> {
        backlog.range_from(offset).map(|(a, b)| [a, b].concat())
    }

    #[test]
    fn starts_after_the_creation_offset() {
        let mut backlog = Backlog::new(MIN_SIZE, 1000);
        assert_eq!(backlog.first_byte_offset(), 1001);
        assert_eq!(backlog.histlen(), 0);
        assert!(backlog.covers(1001));
        assert!(!backlog.covers(1000));
        assert!(!backlog.covers(1002));
        assert_eq!(collect(&backlog, 1001), Some(vec![]));
        backlog.append(b"abc");
        assert_eq!(backlog.first_byte_offset(), 1001);
        assert_eq!(backlog.end_offset(), 1003);
        assert_eq!(collect(&backlog, 1002), Some(b"bc".to_vec()));
        assert_eq!(collect(&backlog, 1004), Some(vec![]));
        assert_eq!(collect(&backlog, 1005), None);
    }

    #[test]
    fn wraps_and_forgets_old_bytes() {
        let mut backlog = Backlog::new(4, 0);
        backlog.append(b"abc");
        backlog.append(b"def");
        assert_eq!(backlog.histlen(), 4);
        assert_eq!(backlog.first_byte_offset(), 3);
        assert_eq!(collect(&backlog, 3), Some(b"cdef".to_vec()));
        assert_eq!(collect(&backlog, 2), None);
        backlog.append(b"0123456789");
        assert_eq!(collect(&backlog, 13), Some(b"6789".to_vec()));
        backlog.resize(2);
        assert_eq!(collect(&backlog, 15), Some(b"89".to_vec()));
        backlog.resize(10);
        backlog.append(b"xyz");
        assert_eq!(collect(&backlog, 15), Some(b"89xyz".to_vec()));
    }

    proptest! {
        #[test]
        fn holds_exactly_the_last_size_bytes(size in 1usize..64, chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 0..20)) {
            let mut backlog = Backlog::new(size, 7);
            let mut all = Vec::new();
            for chunk in &chunks {
                backlog.append(chunk);
                all.extend_from_slice(chunk);
                let keep = all.len().min(size);
                let first = 7 + (all.len() - keep) as u64 + 1;
                prop_assert_eq!(backlog.first_byte_offset(), first);
                prop_assert_eq!(collect(&backlog, first), Some(all[all.len() - keep..].to_vec()));
            }
        }
    }
}
