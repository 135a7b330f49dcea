//! WATCH bookkeeping: which clients watch which keys, and whose transaction a write has invalidated.
//!
//! A key that is already logically expired when watched ("stale") gets Redis's special treatment:
//! its deletion (lazy or active expiry, DEL, FLUSHDB, SWAPDB with no key) changes nothing a client
//! could have read, so it does not fail EXEC; any other write to it does.

use std::collections::{HashMap, HashSet};

use bytes::Bytes;
use rds_storage::Db;

/// What a database holds under a key, as far as WATCH cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// No entry at all.
    Absent,
    /// An entry that is not expired.
    Live,
    /// An entry whose TTL has passed but that has not been deleted yet.
    Stale,
}

/// What `db` holds under `key` at `now_ms`.
pub fn presence(db: &Db, key: &[u8], now_ms: u64) -> Presence {
    match (db.peek(key), db.expire_at(key)) {
        (None, _) => Presence::Absent,
        (Some(_), Some(when)) if when <= now_ms => Presence::Stale,
        (Some(_), _) => Presence::Live,
    }
}

/// One client watching a key.
#[derive(Debug, Clone, Copy)]
struct Watcher {
    client: u64,
    /// The key was stale when watched (or became so by a SWAPDB): its deletion is no change.
    stale: bool,
}

/// Watched keys of all clients.
#[derive(Debug, Default)]
pub struct Watches {
    by_key: HashMap<(usize, Bytes), Vec<Watcher>>,
    by_client: HashMap<u64, Vec<(usize, Bytes)>>,
    invalidated: HashSet<u64>,
}

impl Watches {
    /// True when nobody watches anything (the common case, checked before any per-key work).
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// WATCH: `client` watches `key` of `db`, which was `stale` (logically expired) at that moment.
    pub fn watch(&mut self, client: u64, db: usize, key: &[u8], stale: bool) {
        let keys = self.by_client.entry(client).or_default();
        if keys.iter().any(|(watched_db, watched)| *watched_db == db && watched.as_ref() == key) {
            return;
        }
        let key = Bytes::copy_from_slice(key);
        keys.push((db, key.clone()));
        self.by_key.entry((db, key)).or_default().push(Watcher { client, stale });
    }

    /// UNWATCH (also after EXEC, DISCARD and disconnect).
    pub fn unwatch_all(&mut self, client: u64) {
        self.invalidated.remove(&client);
        let Some(keys) = self.by_client.remove(&client) else { return };
        for slot in keys {
            if let Some(watchers) = self.by_key.get_mut(&slot) {
                watchers.retain(|w| w.client != client);
                if watchers.is_empty() {
                    self.by_key.remove(&slot);
                }
            }
        }
    }

    /// A write (or a deletion) touched `key` of database `index`, which `dataset` now is: invalidate
    /// its watchers' transactions, except for a stale-watched key that is now gone (no change).
    pub fn touch(&mut self, index: usize, key: &[u8], dataset: &Db) {
        if self.by_key.is_empty() {
            return;
        }
        let Some(watchers) = self.by_key.get_mut(&(index, Bytes::copy_from_slice(key))) else { return };
        let deleted = watchers.iter().any(|w| w.stale) && dataset.peek(key).is_none();
        for watcher in watchers.iter_mut() {
            if watcher.stale && deleted {
                // Once deleted, the key is simply absent: a later write is a change again.
                watcher.stale = false;
            } else {
                self.invalidated.insert(watcher.client);
            }
        }
    }

    /// FLUSHDB, SWAPDB, a full resync: the dataset of `db` is replaced wholesale. `before` and
    /// `after` tell what the old and the new dataset hold under a key. A watcher is invalidated when
    /// what it could read changed: a stale key that goes away or stays stale is no change, nor is an
    /// absent key replaced by a stale one (which is then watched as stale).
    pub fn replace_db(&mut self, db: usize, before: impl Fn(&[u8]) -> Presence, after: impl Fn(&[u8]) -> Presence) {
        for ((key_db, key), watchers) in &mut self.by_key {
            if *key_db != db {
                continue;
            }
            let (was, now) = (before(key), after(key));
            if was == Presence::Absent && now == Presence::Absent {
                continue;
            }
            for watcher in watchers.iter_mut() {
                if watcher.stale {
                    match now {
                        Presence::Absent => {
                            watcher.stale = false;
                            continue;
                        }
                        Presence::Stale => continue,
                        Presence::Live => {}
                    }
                } else if was == Presence::Absent && now == Presence::Stale {
                    watcher.stale = true;
                    continue;
                }
                self.invalidated.insert(watcher.client);
            }
        }
    }

    /// True when `expired(db, key)` holds for a key `client` watched while it was live: EXEC fails
    /// when such a key has expired since, even if nothing deleted it yet.
    pub fn any_live_watched(&self, client: u64, mut expired: impl FnMut(usize, &[u8]) -> bool) -> bool {
        let Some(keys) = self.by_client.get(&client) else { return false };
        keys.iter().any(|slot| {
            let live =
                self.by_key.get(slot).and_then(|ws| ws.iter().find(|w| w.client == client)).is_some_and(|w| !w.stale);
            live && expired(slot.0, &slot.1)
        })
    }

    /// True when a write touched a key `client` watches since it started watching.
    pub fn is_invalidated(&self, client: u64) -> bool {
        self.invalidated.contains(&client)
    }

    /// True when `client` watches anything.
    pub fn is_watching(&self, client: u64) -> bool {
        self.by_client.contains_key(&client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database holding `k` when `present`.
    fn dataset(present: bool) -> Db {
        let mut db = Db::default();
        if present {
            db.set(b"k", rds_storage::Value::Str(rds_storage::compact::CompactBytes::new(b"v")), 0);
        }
        db
    }

    #[test]
    fn a_write_invalidates_watchers_of_that_key_in_that_db_only() {
        let mut watches = Watches::default();
        watches.watch(1, 0, b"k", false);
        watches.watch(2, 1, b"k", false);
        watches.touch(0, b"k", &dataset(true));
        assert!(watches.is_invalidated(1));
        assert!(!watches.is_invalidated(2));
    }

    #[test]
    fn deleting_a_stale_key_is_no_change_but_a_later_write_is() {
        let mut watches = Watches::default();
        watches.watch(1, 0, b"k", true);
        watches.touch(0, b"k", &dataset(false));
        assert!(!watches.is_invalidated(1));
        watches.touch(0, b"k", &dataset(true));
        assert!(watches.is_invalidated(1));
    }

    #[test]
    fn writing_over_a_stale_key_is_a_change() {
        let mut watches = Watches::default();
        watches.watch(1, 0, b"k", true);
        watches.touch(0, b"k", &dataset(true));
        assert!(watches.is_invalidated(1));
    }

    #[test]
    fn replacing_a_dataset_follows_what_the_watcher_could_read() {
        use Presence::*;
        let cases = [
            // (stale when watched, before, after, invalidated)
            (false, Live, Absent, true),
            (false, Absent, Live, true),
            (false, Absent, Absent, false),
            (false, Absent, Stale, false),
            (false, Stale, Absent, true),
            (true, Stale, Absent, false),
            (true, Stale, Stale, false),
            (true, Stale, Live, true),
            (true, Absent, Stale, false),
        ];
        for (stale, before, after, invalidated) in cases {
            let mut watches = Watches::default();
            watches.watch(1, 0, b"k", stale);
            watches.replace_db(0, |_| before, |_| after);
            assert_eq!(watches.is_invalidated(1), invalidated, "stale {stale}, {before:?} -> {after:?}");
        }
    }

    #[test]
    fn an_absent_key_replaced_by_a_stale_one_is_then_watched_as_stale() {
        let mut watches = Watches::default();
        watches.watch(1, 0, b"k", false);
        watches.replace_db(0, |_| Presence::Absent, |_| Presence::Stale);
        assert!(!watches.any_live_watched(1, |_, _| true));
        watches.touch(0, b"k", &dataset(false));
        assert!(!watches.is_invalidated(1));
    }

    #[test]
    fn unwatch_forgets_keys_and_invalidation() {
        let mut watches = Watches::default();
        watches.watch(1, 0, b"k", false);
        watches.touch(0, b"k", &dataset(true));
        watches.unwatch_all(1);
        assert!(!watches.is_invalidated(1));
        assert!(!watches.is_watching(1));
        assert!(watches.is_empty());
    }
}
