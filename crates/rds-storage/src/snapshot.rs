//! Point-in-time snapshots without fork: a copy-on-write walk of each database.
//!
//! A snapshot walks every database's key table bucket by bucket, a few keys at a time, while clients
//! keep writing. Table resizing is paused meanwhile, so the next bucket of the walk tells exactly which
//! buckets were already written out. Before a write changes a key whose bucket the walk has not reached
//! yet, the database emits the key's old value (its pre-image) and remembers to skip the key when the
//! walk gets there; keys created after the start are skipped the same way. The result is exactly the
//! dataset as it was when the snapshot began, at the cost of one copy of each key written during the
//! walk — not of the whole dataset. RDB files (BGSAVE) and full resynchronisation of replicas both
//! consume it.

use std::collections::HashSet;

use crate::compact::CompactBytes;
use crate::value::Value;

/// One key of a snapshot.
#[derive(Debug, Clone)]
pub struct SnapshotEntry {
    /// Database number at the moment the snapshot began.
    pub db: usize,
    /// The key.
    pub key: CompactBytes,
    /// Its value when the snapshot began.
    pub value: Value,
    /// Absolute expiry in ms, if any.
    pub expire_ms: Option<u64>,
    /// Access metadata (LRU clock or LFU counter).
    pub access: u32,
}

/// A database's progress in a snapshot.
#[derive(Debug)]
pub(crate) struct DbSnapshot {
    /// Database number when the snapshot began (SWAPDB moves the state with the data).
    pub db: usize,
    /// The next bucket of the walk (buckets are visited in order; see [`crate::dict::Dict::walk_buckets`]).
    pub next_bucket: usize,
    /// The walk has covered the whole table.
    pub done: bool,
    /// Keys the walk must skip: already emitted as pre-images, or created after the start.
    pub skip: HashSet<CompactBytes>,
}

impl DbSnapshot {
    pub(crate) fn new(db: usize) -> Self {
        DbSnapshot { db, next_bucket: 0, done: false, skip: HashSet::new() }
    }
}
