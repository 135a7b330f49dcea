//! WATCH bookkeeping: which clients watch which keys, and whose transaction a write has invalidated.

use std::collections::{HashMap, HashSet};

use bytes::Bytes;

/// A key watched by one client.
#[derive(Debug, Clone)]
struct Watched {
    db: usize,
    key: Bytes,
    /// The key was already logically expired when watched: only a later change invalidates then.
    expired_when_watched: bool,
}

/// Watched keys of all clients.
#[derive(Debug, Default)]
pub struct Watches {
    by_key: HashMap<(usize, Bytes), Vec<u64>>,
    by_client: HashMap<u64, Vec<Watched>>,
    invalidated: HashSet<u64>,
}

impl Watches {
    /// True when nobody watches anything (the common case, checked before any per-key work).
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// WATCH: `client` watches `key` of `db`.
    pub fn watch(&mut self, client: u64, db: usize, key: &[u8], expired_when_watched: bool) {
        let keys = self.by_client.entry(client).or_default();
        if keys.iter().any(|w| w.db == db && w.key.as_ref() == key) {
            return;
        }
        let key = Bytes::copy_from_slice(key);
        keys.push(Watched { db, key: key.clone(), expired_when_watched });
        self.by_key.entry((db, key)).or_default().push(client);
    }

    /// UNWATCH (also after EXEC, DISCARD and disconnect).
    pub fn unwatch_all(&mut self, client: u64) {
        self.invalidated.remove(&client);
        let Some(keys) = self.by_client.remove(&client) else { return };
        for watched in keys {
            let slot = (watched.db, watched.key);
            if let Some(clients) = self.by_key.get_mut(&slot) {
                clients.retain(|c| *c != client);
                if clients.is_empty() {
                    self.by_key.remove(&slot);
                }
            }
        }
    }

    /// A write touched `key` of `db`: invalidate its watchers' transactions.
    pub fn touch(&mut self, db: usize, key: &[u8]) {
        if self.by_key.is_empty() {
            return;
        }
        if let Some(clients) = self.by_key.get(&(db, Bytes::copy_from_slice(key))) {
            self.invalidated.extend(clients.iter().copied());
        }
    }

    /// FLUSHDB / FLUSHALL / SWAPDB: invalidate watchers of keys of `db` for which `existed` is true.
    pub fn touch_db(&mut self, db: usize, existed: impl Fn(&[u8]) -> bool) {
        for ((key_db, key), clients) in &self.by_key {
            if *key_db == db && existed(key) {
                self.invalidated.extend(clients.iter().copied());
            }
        }
    }

    /// Keys `client` watches, with the database and whether each was expired when watched.
    pub fn watched_by(&self, client: u64) -> Vec<(usize, Bytes, bool)> {
        self.by_client
            .get(&client)
            .map(|keys| keys.iter().map(|w| (w.db, w.key.clone(), w.expired_when_watched)).collect())
            .unwrap_or_default()
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
