//! [`Db`]: one numbered database: keys, their expiry times, lazy and active expiry.

use crate::compact::CompactBytes;
use crate::dict::Dict;
use crate::slot::{key_slot, SLOT_COUNT};
use crate::snapshot::{DbSnapshot, SnapshotEntry};
use crate::value::{Entry, Value};

/// Keys sampled per database per active-expiry loop (Redis's `ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP`).
pub const EXPIRE_KEYS_PER_LOOP: usize = 20;
/// An active-expiry loop repeats while more than this percentage of sampled keys were expired.
pub const EXPIRE_ACCEPTABLE_STALE_PERCENT: usize = 10;

/// How lookups treat keys whose time has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryMode {
    /// A master deletes expired keys when it meets them and reports them for propagation.
    Delete,
    /// A replica hides expired keys from reads but waits for the master's DEL.
    HideOnly,
}

/// One database.
pub struct Db {
    keys: Dict<Entry>,
    expires: Dict<u64>,
    slot_counts: Option<Box<[u32]>>,
    /// Keys deleted by expiry since the owner last drained them (to propagate DEL and notify).
    pub expired: Vec<CompactBytes>,
    /// Average TTL of keys seen by active expiry, in ms (INFO keyspace `avg_ttl`).
    pub avg_ttl_ms: u64,
    /// The snapshot in progress, if any.
    snapshot: Option<Box<DbSnapshot>>,
    /// Pre-images of keys written during a snapshot before its walk reached them; the snapshot's
    /// consumer drains them.
    pub snapshot_preimages: Vec<SnapshotEntry>,
}

impl Default for Db {
    fn default() -> Self {
        Self::new(false)
    }
}

impl Db {
    /// An empty database; `count_slots` keeps per-hash-slot key counts for cluster mode.
    pub fn new(count_slots: bool) -> Self {
        Db {
            keys: Dict::new(),
            expires: Dict::new(),
            slot_counts: count_slots.then(|| vec![0u32; SLOT_COUNT].into_boxed_slice()),
            expired: Vec::new(),
            avg_ttl_ms: 0,
            snapshot: None,
            snapshot_preimages: Vec::new(),
        }
    }

    /// Number of keys, including expired ones not yet reclaimed (like DBSIZE).
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when the database holds no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Sizes the empty tables for `keys` keys, `expires` of them with a TTL (RDB RESIZEDB hints).
    pub fn reserve(&mut self, keys: usize, expires: usize) {
        self.keys.reserve(keys);
        self.expires.reserve(expires);
    }

    /// Number of keys with a TTL.
    pub fn expires_len(&self) -> usize {
        self.expires.len()
    }

    /// Hash table statistics of the keys and of the TTLs (DEBUG HTSTATS).
    pub fn table_stats(&self) -> (String, String) {
        (self.keys.stats(), self.expires.stats())
    }

    /// The absolute expiry time of `key` in ms, if it has one.
    pub fn expire_at(&self, key: &[u8]) -> Option<u64> {
        self.expires.get(key).copied()
    }

    fn is_expired(&self, key: &[u8], now_ms: u64) -> bool {
        self.expires.get(key).is_some_and(|&when| when <= now_ms)
    }

    /// Applies lazy expiry to `key`; returns true when the key is (logically) gone.
    pub fn expire_if_needed(&mut self, key: &[u8], now_ms: u64, mode: ExpiryMode) -> bool {
        if !self.is_expired(key, now_ms) {
            return false;
        }
        if mode == ExpiryMode::Delete {
            if let Some((stored, _)) = self.remove_entry(key) {
                self.expired.push(stored);
            }
        }
        true
    }

    /// The live value of `key` after lazy expiry.
    pub fn get(&mut self, key: &[u8], now_ms: u64, mode: ExpiryMode) -> Option<&Value> {
        if self.expire_if_needed(key, now_ms, mode) {
            return None;
        }
        self.keys.get(key).map(|entry| &entry.value)
    }

    /// The live entry of `key` (value plus access metadata), mutable for a write, after lazy expiry.
    pub fn get_entry_mut(&mut self, key: &[u8], now_ms: u64, mode: ExpiryMode) -> Option<&mut Entry> {
        if self.expire_if_needed(key, now_ms, mode) {
            return None;
        }
        self.before_write(key);
        self.keys.get_mut(key)
    }

    /// The live entry of `key` for a read that only updates its access metadata (no snapshot copy).
    pub fn get_entry_for_read(&mut self, key: &[u8], now_ms: u64, mode: ExpiryMode) -> Option<&mut Entry> {
        if self.expire_if_needed(key, now_ms, mode) {
            return None;
        }
        self.keys.get_mut(key)
    }

    /// The live value of `key`, mutable, after lazy expiry.
    pub fn get_mut(&mut self, key: &[u8], now_ms: u64, mode: ExpiryMode) -> Option<&mut Value> {
        self.get_entry_mut(key, now_ms, mode).map(|entry| &mut entry.value)
    }

    /// The entry of `key` without expiry checks (DEBUG, OBJECT, persistence).
    pub fn peek(&self, key: &[u8]) -> Option<&Entry> {
        self.keys.get(key)
    }

    /// Brings `key`'s bucket into the cache ahead of a lookup (see [`Dict::warm`]).
    pub fn warm(&self, key: &[u8]) -> usize {
        self.keys.warm(key)
    }

    /// Brings the buckets and entries of several keys into the cache at once (see [`Dict::warm_many`]).
    pub fn warm_many<'k>(&self, keys: impl Iterator<Item = &'k [u8]>) -> usize {
        self.keys.warm_many(keys, |entry| entry.access as usize)
    }

    /// Brings the slots of `members` in the hash or set at `key` into the cache (HSET, SADD, ... on a
    /// big collection miss the cache in its table as keyspace lookups do in theirs).
    pub fn warm_members<'k>(&self, key: &[u8], members: impl Iterator<Item = &'k [u8]>) -> usize {
        match self.keys.get(key).map(|entry| &entry.value) {
            Some(Value::Hash(hash)) => hash.warm(members),
            Some(Value::Set(set)) => set.warm(members),
            _ => 0,
        }
    }

    /// True when `key` exists and is live.
    pub fn contains(&mut self, key: &[u8], now_ms: u64, mode: ExpiryMode) -> bool {
        !self.expire_if_needed(key, now_ms, mode) && self.keys.contains_key(key)
    }

    /// Sets `key` to `value`, clearing any TTL (SET semantics). Returns the previous value.
    pub fn set(&mut self, key: &[u8], value: Value, access: u32) -> Option<Value> {
        self.before_write(key);
        if !self.expires.is_empty() {
            self.expires.remove(key);
        }
        self.set_keep_ttl(key, value, access)
    }

    /// Sets `key` to `value`, keeping its TTL (KEEPTTL semantics). Returns the previous value.
    pub fn set_keep_ttl(&mut self, key: &[u8], value: Value, access: u32) -> Option<Value> {
        self.before_write(key);
        let previous = self.keys.upsert(key, Entry { value, access });
        if previous.is_none() {
            self.count_slot(key, 1);
        }
        previous.map(|entry| entry.value)
    }

    /// Adds a key read from a snapshot with its TTL, hashing it once per table (loading an RDB, where
    /// keys are new); gives the key and value back, with nothing changed, when the key exists already.
    pub fn insert_loaded(
        &mut self,
        key: CompactBytes,
        value: Value,
        access: u32,
        expire_ms: Option<u64>,
    ) -> Result<(), (CompactBytes, Value)> {
        self.before_write(&key);
        let slot_key = self.slot_counts.is_some().then(|| key.clone());
        let expire = expire_ms.map(|when| (key.clone(), when));
        if let Err((key, entry)) = self.keys.insert_if_absent(key, Entry { value, access }) {
            return Err((key, entry.value));
        }
        if let Some(key) = slot_key {
            self.count_slot(&key, 1);
        }
        if let Some((key, when)) = expire {
            self.expires.insert_new(key, when);
        }
        Ok(())
    }

    /// Removes `key` (expired or not) with its TTL.
    pub fn remove(&mut self, key: &[u8]) -> Option<Value> {
        self.remove_entry(key).map(|(_, entry)| entry.value)
    }

    fn remove_entry(&mut self, key: &[u8]) -> Option<(CompactBytes, Entry)> {
        self.before_write(key);
        let removed = self.keys.remove(key)?;
        if !self.expires.is_empty() {
            self.expires.remove(key);
        }
        self.count_slot(key, -1);
        Some(removed)
    }

    /// Sets the absolute expiry of an existing key; false when the key does not exist.
    pub fn set_expire(&mut self, key: &[u8], when_ms: u64) -> bool {
        self.before_write(key);
        let Some((stored, _)) = self.keys.get_key_value(key) else { return false };
        let stored = stored.clone();
        if let Some(existing) = self.expires.get_mut(key) {
            *existing = when_ms;
        } else {
            self.expires.insert_new(stored, when_ms);
        }
        true
    }

    /// Removes the TTL of `key`; true when it had one.
    pub fn persist(&mut self, key: &[u8]) -> bool {
        self.before_write(key);
        self.expires.remove(key).is_some()
    }

    /// Removes every key.
    pub fn clear(&mut self) {
        if let Some(snapshot) = self.snapshot.take() {
            // The snapshot still needs every key its walk has not reached: emit them all first.
            self.snapshot = Some(snapshot);
            let mut rest = Vec::new();
            while !self.snapshot_step(usize::MAX, &mut rest) {}
            self.snapshot_preimages.extend(rest);
            self.end_snapshot();
        }
        self.keys.clear();
        self.expires.clear();
        if let Some(counts) = &mut self.slot_counts {
            counts.fill(0);
        }
    }

    fn count_slot(&mut self, key: &[u8], delta: i32) {
        if let Some(counts) = &mut self.slot_counts {
            let slot = usize::from(key_slot(key));
            counts[slot] = counts[slot].saturating_add_signed(delta);
        }
    }

    /// Keys in hash `slot` (cluster mode only; 0 otherwise).
    pub fn count_keys_in_slot(&self, slot: u16) -> u32 {
        self.slot_counts.as_ref().and_then(|c| c.get(usize::from(slot)).copied()).unwrap_or(0)
    }

    /// Up to `count` keys of hash `slot`.
    pub fn keys_in_slot(&self, slot: u16, count: usize) -> Vec<CompactBytes> {
        if self.count_keys_in_slot(slot) == 0 {
            return Vec::new();
        }
        self.keys.iter().filter(|(k, _)| key_slot(k) == slot).take(count).map(|(k, _)| k.clone()).collect()
    }

    /// One SCAN step over the keys.
    pub fn scan(&self, cursor: u64, visit: impl FnMut(&CompactBytes, &Entry)) -> u64 {
        self.keys.scan(cursor, visit)
    }

    /// Iterates over every key and entry, expired ones included.
    pub fn iter(&self) -> impl Iterator<Item = (&CompactBytes, &Entry)> {
        self.keys.iter()
    }

    /// A random live key (RANDOMKEY): expired keys met on the way are expired (or skipped on replicas).
    pub fn random_key(&mut self, now_ms: u64, mode: ExpiryMode) -> Option<CompactBytes> {
        // Like Redis, give up hiding expired keys after a bounded number of tries when all have a TTL.
        let all_volatile = self.keys.len() == self.expires.len();
        for tries in 0..100 {
            let key = self.keys.random_entry().map(|(k, _)| k.clone())?;
            if !self.is_expired(&key, now_ms) {
                return Some(key);
            }
            if mode == ExpiryMode::HideOnly && all_volatile && tries >= 99 {
                return Some(key);
            }
            self.expire_if_needed(&key, now_ms, mode);
        }
        None
    }

    /// Up to `count` sampled keys with their expiry times, for eviction.
    pub fn sample_volatile(&mut self, count: usize) -> Vec<(CompactBytes, u64)> {
        let mut out = Vec::with_capacity(count);
        self.expires.sample(count, |key, when| out.push((key.clone(), *when)));
        out
    }

    /// Up to `count` sampled keys with their access metadata, for eviction.
    pub fn sample_keys(&mut self, count: usize) -> Vec<(CompactBytes, u32)> {
        let mut out = Vec::with_capacity(count);
        self.keys.sample(count, |key, entry| out.push((key.clone(), entry.access)));
        out
    }

    /// One loop of Redis's active expiry on this database: samples keys with a TTL and deletes those
    /// whose time has passed. Returns (sampled, expired).
    pub fn active_expire_step(&mut self, now_ms: u64) -> (usize, usize) {
        let mut sampled = Vec::with_capacity(EXPIRE_KEYS_PER_LOOP);
        self.expires.sample(EXPIRE_KEYS_PER_LOOP, |key, when| sampled.push((key.clone(), *when)));
        let mut expired = 0;
        let mut ttl_sum = 0u64;
        let mut ttl_count = 0u64;
        for (key, when) in &sampled {
            if *when <= now_ms {
                if let Some((stored, _)) = self.remove_entry(key) {
                    self.expired.push(stored);
                    expired += 1;
                }
            } else {
                // TTLs may be near u64::MAX (EXPIREAT far in the future): never overflow the sum.
                ttl_sum = ttl_sum.saturating_add(when - now_ms);
                ttl_count += 1;
            }
        }
        if let Some(avg) = ttl_sum.checked_div(ttl_count) {
            // Running average weighted like Redis (2% of the new sample per loop).
            self.avg_ttl_ms = if self.avg_ttl_ms == 0 {
                avg
            } else {
                (self.avg_ttl_ms / 50).saturating_mul(49).saturating_add(avg / 50)
            };
        }
        (sampled.len(), expired)
    }

    /// Starts a snapshot of this database, numbered `db` in the snapshot.
    pub fn begin_snapshot(&mut self, db: usize) {
        self.keys.finish_rehash();
        self.keys.pause_resize(true);
        self.snapshot = Some(Box::new(DbSnapshot::new(db)));
    }

    /// True while a snapshot walks this database.
    pub fn in_snapshot(&self) -> bool {
        self.snapshot.is_some()
    }

    /// Walks the snapshot forward by at least `max_keys` keys (whole buckets), appending them to `out`;
    /// returns true when the walk is complete (the snapshot then ends for this database).
    pub fn snapshot_step(&mut self, max_keys: usize, out: &mut Vec<SnapshotEntry>) -> bool {
        let Some(snapshot) = self.snapshot.as_mut() else { return true };
        let mut emitted = 0;
        while !snapshot.done && emitted < max_keys {
            let db = snapshot.db;
            let expires = &self.expires;
            let skip = &snapshot.skip;
            let next = self.keys.walk_buckets(
                snapshot.next_bucket,
                max_keys - emitted,
                |entry| entry.value.warm(),
                |key, entry| {
                    if skip.is_empty() || !skip.contains(key.as_slice()) {
                        out.push(SnapshotEntry {
                            db,
                            key: key.clone(),
                            value: entry.value.clone(),
                            expire_ms: if expires.is_empty() { None } else { expires.get(key).copied() },
                            access: entry.access,
                        });
                        emitted += 1;
                    }
                },
            );
            match next {
                Some(bucket) => snapshot.next_bucket = bucket,
                None => snapshot.done = true,
            }
        }
        let done = snapshot.done;
        if done {
            self.end_snapshot();
        }
        done
    }

    /// Ends (or abandons) the snapshot of this database.
    pub fn end_snapshot(&mut self) {
        self.snapshot = None;
        self.keys.pause_resize(false);
    }

    /// Before `key` changes during a snapshot: emit its pre-image if the walk has not reached it yet.
    fn before_write(&mut self, key: &[u8]) {
        let Some(snapshot) = self.snapshot.as_mut() else { return };
        if snapshot.done || snapshot.skip.contains(key) {
            return;
        }
        if self.keys.bucket_of(key) < snapshot.next_bucket {
            return;
        }
        let stored = CompactBytes::new(key);
        if let Some(entry) = self.keys.get(key) {
            self.snapshot_preimages.push(SnapshotEntry {
                db: snapshot.db,
                key: stored.clone(),
                value: entry.value.clone(),
                expire_ms: self.expires.get(key).copied(),
                access: entry.access,
            });
        }
        snapshot.skip.insert(stored);
    }

    /// Moves a few rehash steps forward when the server is otherwise idle.
    pub fn rehash_idle(&mut self, budget_buckets: usize) {
        if self.snapshot.is_some() {
            return;
        }
        self.keys.rehash_idle(budget_buckets);
        self.expires.rehash_idle(budget_buckets);
    }

    /// Bytes of bookkeeping (buckets) plus an estimate of per-key overhead, for INFO memory.
    pub fn overhead_bytes(&self) -> usize {
        (self.keys.bucket_count() + self.expires.bucket_count()) * std::mem::size_of::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lazy_expiry_deletes_on_master_and_hides_on_replica() {
        let mut db = Db::new(false);
        db.set(b"k", Value::string(b"v"), 0);
        assert!(db.set_expire(b"k", 100));
        assert!(db.get(b"k", 50, ExpiryMode::Delete).is_some());
        assert!(db.get(b"k", 150, ExpiryMode::HideOnly).is_none());
        assert_eq!(db.len(), 1);
        assert!(db.get(b"k", 150, ExpiryMode::Delete).is_none());
        assert_eq!(db.len(), 0);
        assert_eq!(db.expired.len(), 1);
    }

    #[test]
    fn warming_reads_only_what_exists() {
        use crate::hash::{Hash, HashLimits};
        use crate::set::{Set, SetLimits};
        let mut db = Db::new(false);
        assert_eq!(db.warm_many([b"k".as_slice()].into_iter()), 0);
        db.set(b"k", Value::string(b"v"), 0);
        assert!(db.warm_many([b"k".as_slice(), b"missing"].into_iter()) > 0);
        let mut hash = Hash::new();
        let mut set = Set::new();
        for i in 0..600 {
            hash.set(format!("f{i}").as_bytes(), b"v", &HashLimits::default());
            set.insert(format!("m{i}").as_bytes(), &SetLimits::default());
        }
        db.set(b"h", Value::Hash(hash), 0);
        db.set(b"s", Value::Set(set), 0);
        let fields = [b"f1".as_slice(), b"f2", b"nope"];
        assert!(db.warm_members(b"h", fields.iter().copied()) > 0);
        assert!(db.warm_members(b"s", [b"m7".as_slice()].into_iter()) > 0);
        assert_eq!(db.warm_members(b"k", fields.iter().copied()), 0, "strings have no members");
        assert_eq!(db.warm_members(b"missing", fields.iter().copied()), 0);
    }

    #[test]
    fn set_clears_ttl_and_keepttl_keeps_it() {
        let mut db = Db::new(false);
        db.set(b"k", Value::string(b"v"), 0);
        db.set_expire(b"k", 1000);
        db.set_keep_ttl(b"k", Value::string(b"w"), 0);
        assert_eq!(db.expire_at(b"k"), Some(1000));
        db.set(b"k", Value::string(b"x"), 0);
        assert_eq!(db.expire_at(b"k"), None);
    }

    #[test]
    fn active_expiry_reclaims_without_reads() {
        let mut db = Db::new(false);
        for i in 0..1000 {
            let key = format!("k{i}");
            db.set(key.as_bytes(), Value::string(b"v"), 0);
            db.set_expire(key.as_bytes(), 10);
        }
        for _ in 0..500 {
            db.active_expire_step(20);
        }
        assert_eq!(db.len(), 0);
        assert_eq!(db.expires_len(), 0);
    }

    #[test]
    fn snapshot_sees_the_dataset_as_it_was_at_the_start() {
        let mut db = Db::new(false);
        for i in 0..2000 {
            db.set(format!("k{i}").as_bytes(), Value::string(format!("v{i}").as_bytes()), 0);
        }
        // TTLs that exist at the start must come out with their keys, whatever happens to them later.
        for i in (0..2000).step_by(10) {
            db.set_expire(format!("k{i}").as_bytes(), 1_000_000 + i);
        }
        db.begin_snapshot(3);
        let mut out = Vec::new();
        let mut round = 0;
        while !db.snapshot_step(50, &mut out) {
            // Interleave writes: overwrite, delete, create, expire.
            round += 1;
            db.set(format!("k{}", round * 7 % 2000).as_bytes(), Value::string(b"changed"), 0);
            db.remove(format!("k{}", round * 13 % 2000).as_bytes());
            db.set(format!("new{round}").as_bytes(), Value::string(b"new"), 0);
            db.set_expire(format!("k{}", round * 17 % 2000).as_bytes(), 5);
            for _ in 0..50 {
                db.set(format!("grow{round}-{}", out.len()).as_bytes(), Value::string(b"x"), 0);
            }
        }
        out.extend(std::mem::take(&mut db.snapshot_preimages));
        let mut seen = std::collections::HashMap::new();
        for entry in out {
            assert_eq!(entry.db, 3);
            assert!(
                seen.insert(entry.key.clone(), (entry.value, entry.expire_ms)).is_none(),
                "duplicate {:?}",
                entry.key
            );
        }
        assert_eq!(seen.len(), 2000);
        for i in 0..2000 {
            let (value, expire) = &seen[format!("k{i}").as_bytes()];
            assert_eq!(value.as_string(), Some(format!("v{i}").as_bytes()));
            assert_eq!(*expire, (i % 10 == 0).then_some(1_000_000 + i), "k{i}");
        }
    }

    #[test]
    fn counts_keys_per_slot_in_cluster_mode() {
        let mut db = Db::new(true);
        db.set(b"{a}1", Value::string(b"v"), 0);
        db.set(b"{a}2", Value::string(b"v"), 0);
        let slot = key_slot(b"a");
        assert_eq!(db.count_keys_in_slot(slot), 2);
        assert_eq!(db.keys_in_slot(slot, 10).len(), 2);
        db.remove(b"{a}1");
        assert_eq!(db.count_keys_in_slot(slot), 1);
    }
}
