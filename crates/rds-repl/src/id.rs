//! Replication ids: 40 lowercase hex characters naming one history of the replication stream.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Length of a replication id (Redis's `CONFIG_RUN_ID_SIZE`).
pub const ID_LEN: usize = 40;

/// A replication id. The all-zeros id means "none" (`master_replid2` when unset).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReplId([u8; ID_LEN]);

impl ReplId {
    /// The "no id" value: 40 × `'0'`.
    pub const NONE: ReplId = ReplId([b'0'; ID_LEN]);

    /// A fresh random id.
    pub fn random() -> ReplId {
        let mut id = [0u8; ID_LEN];
        id.copy_from_slice(random_hex(ID_LEN).as_bytes());
        ReplId(id)
    }

    /// Parses exactly 40 bytes (any bytes: a master may send any 40-character id; Redis only checks
    /// the length).
    pub fn parse(bytes: &[u8]) -> Option<ReplId> {
        let array: [u8; ID_LEN] = bytes.try_into().ok()?;
        Some(ReplId(array))
    }

    /// The id's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The id as text (lossy for non-ASCII ids sent by a peer).
    pub fn as_str(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }

    /// True for [`ReplId::NONE`].
    pub fn is_none(&self) -> bool {
        *self == ReplId::NONE
    }
}

impl fmt::Display for ReplId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str())
    }
}

impl fmt::Debug for ReplId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReplId({self})")
    }
}

/// `len` random lowercase hex characters (replication ids, EOF marks).
pub fn random_hex(len: usize) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut out = String::with_capacity(len + 16);
    let seed = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    while out.len() < len {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        // RandomState is seeded from the OS once per thread and varied per instance.
        let word = RandomState::new().hash_one((seed, n));
        out.push_str(&format!("{word:016x}"));
    }
    out.truncate(len);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_are_hex_and_distinct() {
        let a = ReplId::random();
        let b = ReplId::random();
        assert_ne!(a, b);
        assert!(a.as_bytes().iter().all(u8::is_ascii_hexdigit));
        assert_eq!(a.to_string().len(), ID_LEN);
        assert!(!a.is_none());
        assert!(ReplId::NONE.is_none());
        assert_eq!(ReplId::NONE.to_string(), "0".repeat(40));
    }

    #[test]
    fn parses_only_forty_bytes() {
        assert!(ReplId::parse(b"abc").is_none());
        assert_eq!(ReplId::parse(&[b'a'; 40]).map(|id| id.to_string()), Some("a".repeat(40)));
        assert!(ReplId::parse(&[b'a'; 41]).is_none());
    }
}
