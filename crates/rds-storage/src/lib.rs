//! The rds keyspace: numbered databases of binary keys, typed values, and expiry.
//!
//! Layout:
//! - [`dict`]: the incremental-rehash hash table with a rehash-safe SCAN cursor.
//! - [`db`]: one database (keys, TTLs, lazy and active expiry, per-slot counts for cluster mode).
//! - [`value`]: the value enum and Redis's type/encoding names.
//! - [`compact`]: inline short byte strings, so small keys and values need no allocation of their own.
//! - [`num`], [`glob`], [`slot`]: Redis's number parsing, glob matching and hash-slot function.
//! - [`geo`]: geohash scores, distances and searches over sorted sets (the GEO commands' math).
//!
//! This crate is synchronous and knows nothing of RESP, sockets or tokio: callers pass `now_ms`, and
//! expired keys are queued in [`Db::expired`] for the server to propagate.

pub mod compact;
pub mod cstr;
pub mod db;
pub mod dict;
pub mod geo;
pub mod glob;
pub mod hash;
pub mod hll;
pub mod intset;
pub mod list;
pub mod num;
pub mod packed;
pub mod pqsort;
pub mod rng;
pub mod set;
pub mod siphash;
pub mod slot;
pub mod snapshot;
pub mod value;
pub mod zset;

pub use compact::CompactBytes;
pub use db::{Db, ExpiryMode};
pub use value::{Entry, Value};

/// All databases of a server.
pub struct Keyspace {
    /// The databases, indexed by number.
    pub dbs: Vec<Db>,
}

impl Keyspace {
    /// `count` empty databases.
    pub fn new(count: usize, cluster_mode: bool) -> Self {
        Keyspace { dbs: (0..count).map(|_| Db::new(cluster_mode)).collect() }
    }

    /// Total keys across databases.
    pub fn total_keys(&self) -> usize {
        self.dbs.iter().map(Db::len).sum()
    }
}

#[cfg(test)]
mod size_tests {
    use super::*;

    #[test]
    fn entries_stay_compact() {
        assert_eq!(std::mem::size_of::<Value>(), 32);
        assert!(std::mem::size_of::<Entry>() <= 40);
    }
}
