//! A writable replica's own keys with a TTL (Redis's `slaveKeysWithExpire`).
//!
//! A replica never expires keys on its own: it waits for its master's DEL so that both datasets stay
//! the same. Keys that the replica's own clients wrote (`replica-read-only no`) never came from the
//! master, so no DEL will ever come for them; the replica remembers those that got a TTL and its
//! active expiry deletes them when they expire.

use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::dispatch::propagate_expired;
use crate::state::ServerState;

/// Keys checked in a row that still have a future TTL before a cycle stops (as Redis's `noexpire > 3`).
const STOP_AFTER_LIVE: usize = 4;

/// The remembered keys, checked round-robin.
#[derive(Debug, Default)]
pub struct ReplicaKeysWithExpire {
    queue: VecDeque<(usize, Bytes)>,
    queued: HashSet<(usize, Bytes)>,
}

impl ReplicaKeysWithExpire {
    /// A client (not the master) gave `key` of `db` a TTL on this replica.
    pub fn remember(&mut self, db: usize, key: &[u8]) {
        let slot = (db, Bytes::copy_from_slice(key));
        if self.queued.insert(slot.clone()) {
            self.queue.push_back(slot);
        }
    }

    /// Forgets every key: the dataset was flushed or replaced by a full resync, or we became a master.
    pub fn clear(&mut self) {
        self.queue.clear();
        self.queued.clear();
    }

    /// Number of keys remembered.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// True when no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

/// One cron's pass over the remembered keys: deletes the expired ones (counted, notified and written to
/// the AOF like any expiry), keeps those whose TTL is still ahead, forgets those without a TTL. Stops
/// after a few live keys in a row or when `budget` is spent, like Redis's `expireSlaveKeys`.
pub fn expire_cycle(state: &mut ServerState, now_ms: u64, budget: Duration) {
    let started = Instant::now();
    let mut live_in_a_row = 0;
    for _ in 0..state.replica_keys_with_expire.len() {
        let Some((db, key)) = state.replica_keys_with_expire.queue.pop_front() else { break };
        let Some(dataset) = state.keyspace.dbs.get_mut(db) else {
            state.replica_keys_with_expire.queued.remove(&(db, key));
            continue;
        };
        match dataset.expire_at(&key) {
            Some(when) if when <= now_ms => {
                dataset.expire_if_needed(&key, now_ms, rds_storage::ExpiryMode::Delete);
                state.replica_keys_with_expire.queued.remove(&(db, key));
                live_in_a_row = 0;
            }
            Some(_) => {
                state.replica_keys_with_expire.queue.push_back((db, key));
                live_in_a_row += 1;
                if live_in_a_row >= STOP_AFTER_LIVE {
                    break;
                }
            }
            None => {
                state.replica_keys_with_expire.queued.remove(&(db, key));
            }
        }
        if started.elapsed() > budget {
            break;
        }
    }
    propagate_expired(state);
    state.flush_effects_unwrapped();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Harness;

    #[test]
    fn expired_keys_are_deleted_and_live_ones_kept() {
        let mut h = Harness::new();
        h.run(&["SET", "gone", "v", "PX", "1"]);
        h.run(&["SET", "kept", "v", "EX", "100"]);
        h.run(&["SET", "plain", "v"]);
        for key in ["gone", "kept", "plain"] {
            h.state.replica_keys_with_expire.remember(0, key.as_bytes());
        }
        let later = crate::state::now_ms() + 10;
        expire_cycle(&mut h.state, later, Duration::from_secs(1));
        assert_eq!(h.state.keyspace.dbs[0].peek(b"gone").map(|_| ()), None);
        assert!(h.state.keyspace.dbs[0].peek(b"kept").is_some());
        assert!(h.state.keyspace.dbs[0].peek(b"plain").is_some());
        assert_eq!(h.state.stats.expired_keys, 1);
        assert_eq!(h.state.replica_keys_with_expire.len(), 1, "only the key with a TTL ahead stays");
    }

    #[test]
    fn a_key_is_remembered_once() {
        let mut keys = ReplicaKeysWithExpire::default();
        keys.remember(0, b"k");
        keys.remember(0, b"k");
        keys.remember(1, b"k");
        assert_eq!(keys.len(), 2);
        keys.clear();
        assert!(keys.is_empty());
    }
}
