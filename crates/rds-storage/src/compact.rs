//! [`CompactBytes`]: a byte string stored inline when short, so most keys and small values cost no
//! allocation of their own.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

/// Longest byte string kept inline.
pub const INLINE_CAPACITY: usize = 22;

/// A binary-safe, immutable byte string: inline up to 22 bytes, boxed beyond.
#[derive(Clone)]
pub enum CompactBytes {
    /// Short strings, with their length.
    Inline(u8, [u8; INLINE_CAPACITY]),
    /// Longer strings.
    Heap(Box<[u8]>),
}

impl CompactBytes {
    /// Copies `bytes`.
    pub fn new(bytes: &[u8]) -> Self {
        if bytes.len() <= INLINE_CAPACITY {
            let mut inline = [0u8; INLINE_CAPACITY];
            inline[..bytes.len()].copy_from_slice(bytes);
            CompactBytes::Inline(bytes.len() as u8, inline)
        } else {
            CompactBytes::Heap(bytes.into())
        }
    }

    /// Takes ownership of `bytes` without copying when it is long.
    pub fn from_vec(bytes: Vec<u8>) -> Self {
        if bytes.len() <= INLINE_CAPACITY {
            Self::new(&bytes)
        } else {
            CompactBytes::Heap(bytes.into_boxed_slice())
        }
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        match self {
            CompactBytes::Inline(len, bytes) => &bytes[..usize::from(*len)],
            CompactBytes::Heap(bytes) => bytes,
        }
    }

    /// Heap bytes a `CompactBytes` of `bytes` would own, without building it.
    pub fn heap_size_of(bytes: &[u8]) -> usize {
        if bytes.len() <= INLINE_CAPACITY {
            0
        } else {
            bytes.len()
        }
    }

    /// Heap bytes owned beyond the value itself, for memory accounting.
    pub fn heap_size(&self) -> usize {
        match self {
            CompactBytes::Inline(..) => 0,
            CompactBytes::Heap(bytes) => bytes.len(),
        }
    }
}

impl Default for CompactBytes {
    fn default() -> Self {
        CompactBytes::Inline(0, [0; INLINE_CAPACITY])
    }
}

impl Deref for CompactBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsRef<[u8]> for CompactBytes {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl Borrow<[u8]> for CompactBytes {
    fn borrow(&self) -> &[u8] {
        self.as_slice()
    }
}

impl PartialEq for CompactBytes {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for CompactBytes {}

impl PartialOrd for CompactBytes {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CompactBytes {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

impl Hash for CompactBytes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl fmt::Debug for CompactBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_slice()))
    }
}

impl From<&[u8]> for CompactBytes {
    fn from(bytes: &[u8]) -> Self {
        CompactBytes::new(bytes)
    }
}

impl From<&str> for CompactBytes {
    fn from(text: &str) -> Self {
        CompactBytes::new(text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_three_words_and_round_trips() {
        assert_eq!(std::mem::size_of::<CompactBytes>(), 24);
        for len in [0, 1, 22, 23, 100] {
            let bytes: Vec<u8> = (0..len).map(|i| i as u8).collect();
            assert_eq!(CompactBytes::new(&bytes).as_slice(), &bytes[..]);
            assert_eq!(CompactBytes::from_vec(bytes.clone()).as_slice(), &bytes[..]);
        }
    }
}
