//! [`Dict`]: a chained hash table with incremental rehashing and a rehash-safe scan cursor, the
//! structure Redis's keyspace is built on.
//!
//! Why not `std::collections::HashMap`: growing a table of millions of keys in one step stalls every
//! client for tens of milliseconds, and its open addressing moves entries around so a SCAN cursor could
//! miss keys. Here the table grows one bucket per operation, and SCAN visits buckets in reverse-binary
//! order so every key present for the whole scan is returned at least once, whatever resizes happen
//! between calls. A bucket is one pointer, which also keeps memory per key low.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

use crate::compact::CompactBytes;
use crate::siphash::SipKey;

/// Smallest non-empty table.
const INITIAL_SIZE: usize = 4;
/// Buckets moved per write while rehashing.
const REHASH_STEP: usize = 1;
/// Most keys [`Dict::warm_many`] warms per call.
pub const WARM_MAX: usize = 64;
/// Entries sampled for one fair random pick (Redis's `GETFAIR_NUM_ENTRIES`).
pub const FAIR_SAMPLE: usize = 15;
/// Buckets whose nodes [`Dict::walk_buckets`] loads together.
const WALK_BATCH: usize = 32;

/// Key first and value last (`repr(C)`): a node spans two cache lines, and [`Dict::warm_many`] touches
/// one field at each end to bring both in.
#[repr(C)]
struct Node<V> {
    key: CompactBytes,
    next: Option<Box<Node<V>>>,
    value: V,
}

/// Chain lengths counted apart by [`Dict::stats`] (Redis's `DICT_STATS_VECTLEN`).
const STATS_CHAIN_LENGTHS: usize = 50;
/// Size of the buffer Redis formats [`Dict::stats`] into, terminating NUL included.
const STATS_BUFFER: usize = 4096;

struct Table<V> {
    buckets: Vec<Option<Box<Node<V>>>>,
    used: usize,
}

impl<V> Table<V> {
    /// One table's part of [`Dict::stats`]; `index` 0 is the main table, 1 the rehashing target.
    fn stats(&self, index: usize) -> String {
        use std::fmt::Write as _;
        let name = if index == 0 { "main hash table" } else { "rehashing target" };
        if self.used == 0 {
            return format!("Hash table {index} stats ({name}):\nNo stats available for empty dictionaries\n");
        }
        let mut lengths = [0u64; STATS_CHAIN_LENGTHS];
        let (mut slots, mut longest, mut total) = (0u64, 0u64, 0u64);
        for bucket in &self.buckets {
            let mut length = 0u64;
            let mut node = bucket.as_deref();
            while let Some(n) = node {
                length += 1;
                node = n.next.as_deref();
            }
            let slot = usize::try_from(length).unwrap_or(usize::MAX).min(STATS_CHAIN_LENGTHS - 1);
            lengths[slot] += 1;
            if length > 0 {
                slots += 1;
                longest = longest.max(length);
                total += length;
            }
        }
        let size = self.buckets.len();
        // Redis divides in single precision before printing.
        let ratio = |a: u64, b: u64| f64::from(a as f32 / b as f32);
        let mut text = format!(
            "Hash table {index} stats ({name}):\n table size: {size}\n number of elements: {}\n \
             different slots: {slots}\n max chain length: {longest}\n avg chain length (counted): {:.2}\n \
             avg chain length (computed): {:.2}\n Chain length distribution:\n",
            self.used,
            ratio(total, slots),
            ratio(self.used as u64, slots),
        );
        // The last entry gathers chains too long to list, and is not printed.
        for (length, &count) in lengths[..STATS_CHAIN_LENGTHS - 1].iter().enumerate() {
            if count > 0 {
                let percent = f64::from(count as f32 / size as f32 * 100.0);
                let _ = writeln!(text, "   {length}: {count} ({percent:.2}%)");
            }
        }
        text
    }

    fn empty() -> Self {
        Table { buckets: Vec::new(), used: 0 }
    }

    fn with_size(size: usize) -> Self {
        let mut buckets = Vec::with_capacity(size);
        buckets.resize_with(size, || None);
        Table { buckets, used: 0 }
    }

    fn mask(&self) -> usize {
        self.buckets.len().wrapping_sub(1)
    }
}

/// A hash table from binary keys to `V`.
pub struct Dict<V> {
    tables: [Table<V>; 2],
    /// Next bucket of `tables[0]` to move into `tables[1]`, while rehashing.
    rehash_index: Option<usize>,
    hasher: SipKey,
    rng: u64,
    /// While a snapshot walks the table, bucket positions must not move: no resize starts.
    resize_paused: bool,
}

impl<V> Default for Dict<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V> Dict<V> {
    /// An empty dictionary; allocates nothing until the first insert.
    pub fn new() -> Self {
        let hasher = SipKey::process();
        let rng = RandomState::new().hash_one(0xdead_beef_u64) | 1;
        Dict { tables: [Table::empty(), Table::empty()], rehash_index: None, hasher, rng, resize_paused: false }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.tables[0].used + self.tables[1].used
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Redis's `dictGetStats` text (DEBUG HTSTATS): chain statistics of the main table, and of the
    /// rehashing target while a rehash is in progress, cut to the 4095 bytes of Redis's buffer.
    pub fn stats(&self) -> String {
        let mut text = self.tables[0].stats(0);
        if self.rehash_index.is_some() {
            text.push_str(&self.tables[1].stats(1));
        }
        text.truncate(STATS_BUFFER - 1);
        text
    }

    /// Total buckets, for INFO-style reporting and memory estimates.
    pub fn bucket_count(&self) -> usize {
        self.tables[0].buckets.len() + self.tables[1].buckets.len()
    }

    fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash(key)
    }

    /// The value stored under `key`.
    pub fn get(&self, key: &[u8]) -> Option<&V> {
        self.get_key_value(key).map(|(_, value)| value)
    }

    /// The stored key and value under `key`.
    pub fn get_key_value(&self, key: &[u8]) -> Option<(&CompactBytes, &V)> {
        if self.is_empty() {
            return None;
        }
        let hash = self.hash(key);
        for table in self.live_tables() {
            let mut node = table.buckets[(hash as usize) & table.mask()].as_deref();
            while let Some(n) = node {
                if n.key.as_slice() == key {
                    return Some((&n.key, &n.value));
                }
                node = n.next.as_deref();
            }
        }
        None
    }

    /// A mutable reference to the value under `key`.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut V> {
        if self.is_empty() {
            return None;
        }
        self.rehash_steps(REHASH_STEP);
        let hash = self.hash(key);
        self.find_mut(hash, key)
    }

    fn find_mut(&mut self, hash: u64, key: &[u8]) -> Option<&mut V> {
        let rehashing = self.rehash_index.is_some();
        let (first, second) = self.tables.split_at_mut(1);
        let candidates =
            if rehashing { [Some(&mut first[0]), Some(&mut second[0])] } else { [Some(&mut first[0]), None] };
        for table in candidates.into_iter().flatten() {
            if table.buckets.is_empty() {
                continue;
            }
            let mask = table.mask();
            let mut node = table.buckets[(hash as usize) & mask].as_deref_mut();
            while let Some(n) = node {
                if n.key.as_slice() == key {
                    return Some(&mut n.value);
                }
                node = n.next.as_deref_mut();
            }
        }
        None
    }

    /// Stores `value` under `key`, replacing and returning the previous value; the key is hashed once
    /// for the lookup and the insert.
    pub fn upsert(&mut self, key: &[u8], value: V) -> Option<V> {
        self.rehash_steps(REHASH_STEP);
        let hash = self.hash(key);
        if let Some(slot) = self.find_mut(hash, key) {
            return Some(std::mem::replace(slot, value));
        }
        self.insert_hashed(hash, CompactBytes::new(key), value);
        None
    }

    /// Reads the bucket and first node `key` hashes to, so a lookup right after hits the cache. Warming
    /// several keys in a row overlaps their memory latency (safe Rust has no prefetch instruction);
    /// the returned number only keeps the reads from being optimised away.
    pub fn warm(&self, key: &[u8]) -> usize {
        if self.is_empty() {
            return 0;
        }
        let hash = self.hash(key);
        self.live_tables()
            .filter_map(|table| table.buckets[(hash as usize) & table.mask()].as_deref())
            .map(|node| node.key.len())
            .sum()
    }

    /// Warms the buckets and first nodes of up to [`WARM_MAX`] keys in three passes (hashes, then
    /// bucket loads, then node loads), so the cache misses of each pass are independent of each other
    /// and overlap, instead of two dependent misses per key queued behind each other's hashing.
    /// `touch` reads a field at the end of the value, bringing in the node's second cache line.
    pub fn warm_many<'k>(&self, keys: impl Iterator<Item = &'k [u8]>, touch: impl Fn(&V) -> usize) -> usize {
        if self.is_empty() {
            return 0;
        }
        let mut hashes = [0u64; WARM_MAX];
        let mut count = 0;
        let mut previous: Option<&[u8]> = None;
        for key in keys.take(WARM_MAX) {
            // Pipelines often repeat one key (RPUSH, SPOP, HSET on one collection): hash it once.
            if previous == Some(key) {
                continue;
            }
            previous = Some(key);
            hashes[count] = self.hash(key);
            count += 1;
        }
        let mut sum = 0;
        for table in self.live_tables() {
            let mask = table.mask();
            let mut firsts: [Option<&Node<V>>; WARM_MAX] = [None; WARM_MAX];
            for (first, hash) in firsts.iter_mut().zip(&hashes[..count]) {
                *first = table.buckets[(*hash as usize) & mask].as_deref();
            }
            for node in firsts[..count].iter().flatten() {
                sum += node.key.len() + touch(&node.value);
            }
        }
        sum
    }

    /// True when `key` is present.
    pub fn contains_key(&self, key: &[u8]) -> bool {
        self.get_key_value(key).is_some()
    }

    /// Inserts or replaces; returns the previous value.
    pub fn insert(&mut self, key: CompactBytes, value: V) -> Option<V> {
        self.rehash_steps(REHASH_STEP);
        let hash = self.hash(&key);
        if let Some(slot) = self.find_mut(hash, &key) {
            return Some(std::mem::replace(slot, value));
        }
        self.insert_hashed(hash, key, value);
        None
    }

    /// Inserts a key known to be absent.
    pub fn insert_new(&mut self, key: CompactBytes, value: V) {
        let hash = self.hash(&key);
        self.insert_hashed(hash, key, value);
    }

    fn insert_hashed(&mut self, hash: u64, key: CompactBytes, value: V) {
        // Callers that only ever insert must still move a rehash forward, or it never ends.
        self.rehash_steps(REHASH_STEP);
        self.expand_if_needed();
        let table = if self.rehash_index.is_some() { &mut self.tables[1] } else { &mut self.tables[0] };
        let index = (hash as usize) & table.mask();
        let next = table.buckets[index].take();
        table.buckets[index] = Some(Box::new(Node { key, value, next }));
        table.used += 1;
    }

    /// Inserts `key` unless it is present, hashing it once (bulk loading, where every key is new but a
    /// corrupt file may repeat one); gives the pair back when the key was already there.
    pub fn insert_if_absent(&mut self, key: CompactBytes, value: V) -> Result<(), (CompactBytes, V)> {
        self.rehash_steps(REHASH_STEP);
        self.expand_if_needed();
        let hash = self.hash(&key);
        for table in self.live_tables() {
            let mut node = table.buckets[(hash as usize) & table.mask()].as_deref();
            while let Some(n) = node {
                if n.key.as_slice() == key.as_slice() {
                    return Err((key, value));
                }
                node = n.next.as_deref();
            }
        }
        let table = if self.rehash_index.is_some() { &mut self.tables[1] } else { &mut self.tables[0] };
        let index = (hash as usize) & table.mask();
        let next = table.buckets[index].take();
        table.buckets[index] = Some(Box::new(Node { key, value, next }));
        table.used += 1;
        Ok(())
    }

    /// Removes `key`, returning its stored key and value.
    pub fn remove(&mut self, key: &[u8]) -> Option<(CompactBytes, V)> {
        if self.is_empty() {
            return None;
        }
        self.rehash_steps(REHASH_STEP);
        let hash = self.hash(key);
        let table_count = if self.rehash_index.is_some() { 2 } else { 1 };
        for table in &mut self.tables[..table_count] {
            let index = (hash as usize) & table.mask();
            if let Some(removed) = remove_from_chain(&mut table.buckets[index], key) {
                table.used -= 1;
                let node = *removed;
                self.shrink_if_needed();
                return Some((node.key, node.value));
            }
        }
        None
    }

    /// Sizes an empty table for `entries` (loading an RDB with RESIZEDB hints), so it does not grow
    /// through every power of two; does nothing once the table holds entries.
    pub fn reserve(&mut self, entries: usize) {
        if self.is_empty() && self.rehash_index.is_none() && entries > INITIAL_SIZE {
            self.tables[0] = Table::with_size(entries.next_power_of_two());
        }
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        // Dropping a long chain recursively could overflow the stack: unlink iteratively.
        for table in &mut self.tables {
            for bucket in &mut table.buckets {
                let mut node = bucket.take();
                while let Some(mut n) = node {
                    node = n.next.take();
                }
            }
        }
        self.tables = [Table::empty(), Table::empty()];
        self.rehash_index = None;
    }

    fn live_tables(&self) -> impl Iterator<Item = &Table<V>> {
        let count = if self.rehash_index.is_some() { 2 } else { 1 };
        self.tables[..count].iter().filter(|t| !t.buckets.is_empty())
    }

    fn expand_if_needed(&mut self) {
        if self.rehash_index.is_some() || (self.resize_paused && !self.tables[0].buckets.is_empty()) {
            return;
        }
        let table = &self.tables[0];
        if table.buckets.is_empty() {
            self.tables[0] = Table::with_size(INITIAL_SIZE);
        } else if table.used >= table.buckets.len() {
            self.start_rehash((table.used + 1).next_power_of_two());
        }
    }

    fn shrink_if_needed(&mut self) {
        let table = &self.tables[0];
        if self.rehash_index.is_none()
            && !self.resize_paused
            && table.buckets.len() > INITIAL_SIZE
            && table.used * 10 < table.buckets.len()
        {
            self.start_rehash(table.used.max(INITIAL_SIZE).next_power_of_two());
        }
    }

    fn start_rehash(&mut self, size: usize) {
        if size == self.tables[0].buckets.len() {
            return;
        }
        self.tables[1] = Table::with_size(size);
        self.rehash_index = Some(0);
    }

    /// Moves up to `steps` buckets to the new table; visits at most `10 * steps` empty buckets.
    pub fn rehash_steps(&mut self, steps: usize) -> bool {
        let Some(mut index) = self.rehash_index else { return false };
        let mut empty_visits = steps * 10;
        let mut moved = 0;
        while moved < steps && self.tables[0].used > 0 {
            while self.tables[0].buckets[index].is_none() {
                index += 1;
                empty_visits -= 1;
                if empty_visits == 0 {
                    self.rehash_index = Some(index);
                    return true;
                }
            }
            let mut node = self.tables[0].buckets[index].take();
            while let Some(mut n) = node {
                node = n.next.take();
                let target = (self.hash(&n.key) as usize) & self.tables[1].mask();
                n.next = self.tables[1].buckets[target].take();
                self.tables[1].buckets[target] = Some(n);
                self.tables[0].used -= 1;
                self.tables[1].used += 1;
            }
            index += 1;
            moved += 1;
        }
        if self.tables[0].used == 0 {
            self.tables[0] = std::mem::replace(&mut self.tables[1], Table::empty());
            self.rehash_index = None;
            return false;
        }
        self.rehash_index = Some(index);
        true
    }

    /// Completes a rehash in progress at once.
    pub fn finish_rehash(&mut self) {
        while self.rehash_steps(1024) {}
    }

    /// Stops (or allows again) resizing, so bucket positions stay put while a snapshot scans the
    /// table; call [`Dict::finish_rehash`] first. Chains grow past load factor 1 meanwhile, as in
    /// Redis while it has a fork child.
    pub fn pause_resize(&mut self, paused: bool) {
        self.resize_paused = paused;
    }

    /// The bucket `key` lives in (outside a rehash): its position in a [`Dict::walk_buckets`] walk.
    pub fn bucket_of(&self, key: &[u8]) -> usize {
        self.hash(key) as usize & self.tables[0].mask()
    }

    /// Visits the entries of the buckets from `start` on, in bucket order, until at least `max_entries`
    /// were visited; returns the next bucket to visit, or `None` after the last one. Bucket positions
    /// are only stable while no rehash runs, so the caller must have finished any rehash and paused
    /// resizing ([`Dict::finish_rehash`], [`Dict::pause_resize`]) for the length of the walk.
    ///
    /// A walk reads memory no client touched lately, so nearly every node and value is a cache miss.
    /// Buckets are taken [`WALK_BATCH`] at a time and their first nodes, then what `touch` reads
    /// behind each node (a value's heap bytes), are loaded in separate passes before `visit` runs:
    /// the misses of a batch then overlap instead of each waiting for the one before.
    pub fn walk_buckets(
        &self,
        start: usize,
        max_entries: usize,
        touch: impl Fn(&V) -> usize,
        mut visit: impl FnMut(&CompactBytes, &V),
    ) -> Option<usize> {
        debug_assert!(self.rehash_index.is_none(), "walk_buckets during a rehash");
        let buckets = &self.tables[0].buckets;
        let mut bucket = start;
        let mut visited = 0;
        while bucket < buckets.len() && visited < max_entries {
            let batch = &buckets[bucket..buckets.len().min(bucket + WALK_BATCH)];
            let mut warmed = 0;
            for node in batch.iter().filter_map(|slot| slot.as_deref()) {
                warmed += node.key.len();
            }
            for node in batch.iter().filter_map(|slot| slot.as_deref()) {
                warmed += touch(&node.value);
            }
            std::hint::black_box(warmed);
            for slot in batch {
                let mut node = slot.as_deref();
                while let Some(n) = node {
                    visit(&n.key, &n.value);
                    visited += 1;
                    node = n.next.as_deref();
                }
            }
            bucket += batch.len();
        }
        (bucket < buckets.len()).then_some(bucket)
    }

    /// Rehashes for about `budget_buckets` buckets; used by the server's cron when idle.
    pub fn rehash_idle(&mut self, budget_buckets: usize) {
        let mut left = budget_buckets;
        while left >= 100 && self.rehash_steps(100) {
            left -= 100;
        }
    }

    /// Visits one step of a scan starting at `cursor`, calling `visit` for each entry of the buckets
    /// covered, and returns the next cursor (0 when the scan is complete).
    pub fn scan(&self, cursor: u64, mut visit: impl FnMut(&CompactBytes, &V)) -> u64 {
        if self.is_empty() {
            return 0;
        }
        let mut cursor = cursor;
        let visit_bucket = |table: &Table<V>, index: u64, visit: &mut dyn FnMut(&CompactBytes, &V)| {
            let mut node = table.buckets[(index as usize) & table.mask()].as_deref();
            while let Some(n) = node {
                visit(&n.key, &n.value);
                node = n.next.as_deref();
            }
        };
        if self.rehash_index.is_none() {
            let table = &self.tables[0];
            let mask = table.mask() as u64;
            visit_bucket(table, cursor & mask, &mut visit);
            return next_cursor(cursor, mask);
        }
        // While rehashing, visit the bucket in the small table and all its expansions in the large one.
        let (small, large) = if self.tables[0].buckets.len() <= self.tables[1].buckets.len() {
            (&self.tables[0], &self.tables[1])
        } else {
            (&self.tables[1], &self.tables[0])
        };
        let small_mask = small.mask() as u64;
        let large_mask = large.mask() as u64;
        visit_bucket(small, cursor & small_mask, &mut visit);
        loop {
            visit_bucket(large, cursor & large_mask, &mut visit);
            cursor = next_cursor(cursor, large_mask);
            if cursor & (small_mask ^ large_mask) == 0 {
                break;
            }
        }
        cursor
    }

    /// Iterates over every entry.
    pub fn iter(&self) -> Iter<'_, V> {
        Iter { dict: self, table: 0, bucket: 0, node: None }
    }

    fn next_random(&mut self) -> u64 {
        xorshift(&mut self.rng)
    }

    /// A random entry, as Redis's `dictGetFairRandomKey`: one picked uniformly among up to
    /// [`FAIR_SAMPLE`] entries of consecutive buckets. Picking a bucket, then an entry of its chain,
    /// favours entries in short chains (SRANDMEMBER's and HRANDFIELD's histograms showed it).
    pub fn random_entry(&mut self) -> Option<(&CompactBytes, &V)> {
        if self.is_empty() {
            return None;
        }
        let mut positions = [(0, 0, 0); FAIR_SAMPLE];
        let count = self.sample_positions(&mut positions);
        let chosen = (count > 0).then(|| positions[self.next_random() as usize % count]);
        match chosen {
            Some(position) => self.node_at(position).map(|n| (&n.key, &n.value)),
            None => self.bucket_random_entry(),
        }
    }

    /// A uniformly chosen bucket's random entry, as Redis's `dictGetRandomKey`.
    fn bucket_random_entry(&mut self) -> Option<(&CompactBytes, &V)> {
        if self.is_empty() {
            return None;
        }
        self.rehash_steps(REHASH_STEP);
        let (table_index, bucket) = loop {
            let random = self.next_random() as usize;
            if let Some(start) = self.rehash_index {
                let size0 = self.tables[0].buckets.len();
                let total = size0 + self.tables[1].buckets.len();
                let pick = start + random % (total - start);
                let (t, b) = if pick >= size0 { (1, pick - size0) } else { (0, pick) };
                if self.tables[t].buckets[b].is_some() {
                    break (t, b);
                }
            } else {
                let b = random & self.tables[0].mask();
                if self.tables[0].buckets[b].is_some() {
                    break (0, b);
                }
            }
        };
        let chain_len = {
            let mut len = 0;
            let mut node = self.tables[table_index].buckets[bucket].as_deref();
            while let Some(n) = node {
                len += 1;
                node = n.next.as_deref();
            }
            len
        };
        let skip = (self.next_random() as usize) % chain_len;
        let mut node = self.tables[table_index].buckets[bucket].as_deref();
        for _ in 0..skip {
            node = node.and_then(|n| n.next.as_deref());
        }
        node.map(|n| (&n.key, &n.value))
    }

    /// Up to `count` entries from consecutive buckets starting at a random one (Redis's
    /// `dictGetSomeKeys`): cheap sampling for expiry and eviction, not uniform.
    pub fn sample(&mut self, count: usize, mut visit: impl FnMut(&CompactBytes, &V)) {
        let mut positions = vec![(0, 0, 0); count];
        let found = self.sample_positions(&mut positions);
        for &position in &positions[..found] {
            if let Some(node) = self.node_at(position) {
                visit(&node.key, &node.value);
            }
        }
    }

    /// The node at a position found by [`Dict::sample_positions`].
    fn node_at(&self, (table, bucket, depth): Position) -> Option<&Node<V>> {
        let mut node = self.tables[table].buckets[bucket].as_deref();
        for _ in 0..depth {
            node = node.and_then(|n| n.next.as_deref());
        }
        node
    }

    /// The walk of [`Dict::sample`]: fills `out` with the positions of up to `out.len()` entries,
    /// returning how many. Like Redis 7.0.12+'s `dictGetSomeKeys`, the chain where `out` fills up is
    /// read to its end, each further entry replacing a held one with probability `out.len() / seen`
    /// (reservoir sampling): stopping at the first entries of a chain would leave the deeper ones,
    /// the oldest keys, never sampled, so eviction would never find them.
    fn sample_positions(&mut self, out: &mut [Position]) -> usize {
        let count = out.len();
        if self.is_empty() || count == 0 {
            return 0;
        }
        self.rehash_steps(count);
        let mut rng = self.rng;
        let mut seen = 0;
        let mut empty_run = 0;
        let max_steps = count * 10;
        let tables = if self.rehash_index.is_some() { 2 } else { 1 };
        let largest_mask = self.tables[..tables].iter().map(Table::mask).max().unwrap_or(0);
        let mut index = (xorshift(&mut rng) as usize) & largest_mask;
        // Redis wraps around and can give an entry twice; stopping after one lap gives each entry of a
        // small table once, which keeps the fair random pick uniform.
        'walk: for _ in 0..max_steps.min(largest_mask + 1) {
            for (table_index, table) in self.tables[..tables].iter().enumerate() {
                if table.buckets.is_empty() || index > table.mask() {
                    continue;
                }
                let mut node = table.buckets[index].as_deref();
                if node.is_none() {
                    empty_run += 1;
                    continue;
                }
                empty_run = 0;
                let mut depth = 0;
                while let Some(n) = node {
                    let position = (table_index, index, depth);
                    if seen < count {
                        out[seen] = position;
                    } else {
                        let slot = xorshift(&mut rng) as usize % (seen + 1);
                        if slot < count {
                            out[slot] = position;
                        }
                    }
                    seen += 1;
                    depth += 1;
                    node = n.next.as_deref();
                }
                if seen >= count {
                    break 'walk;
                }
            }
            if empty_run >= 5 && empty_run > count {
                index = (xorshift(&mut rng) as usize) & largest_mask;
                empty_run = 0;
            } else {
                index = (index + 1) & largest_mask;
            }
        }
        self.rng = rng;
        seen.min(count)
    }
}

/// Where a sampled entry is: (table, bucket, depth in its chain).
type Position = (usize, usize, usize);

/// xorshift64*: sampling needs speed, not cryptographic strength.
fn xorshift(state: &mut u64) -> u64 {
    let mut x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    x.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

impl<V> Drop for Dict<V> {
    fn drop(&mut self) {
        self.clear();
    }
}

fn remove_from_chain<V>(link: &mut Option<Box<Node<V>>>, key: &[u8]) -> Option<Box<Node<V>>> {
    let mut link = link;
    loop {
        match link {
            None => return None,
            Some(node) if node.key.as_slice() == key => {
                let mut removed = link.take()?;
                *link = removed.next.take();
                return Some(removed);
            }
            Some(node) => link = &mut node.next,
        }
    }
}

/// Redis's reverse-binary cursor increment: set the unmasked bits, reverse, add one, reverse back.
fn next_cursor(cursor: u64, mask: u64) -> u64 {
    let mut v = cursor | !mask;
    v = v.reverse_bits();
    v = v.wrapping_add(1);
    v.reverse_bits()
}

/// Iterator over a [`Dict`]'s entries.
pub struct Iter<'a, V> {
    dict: &'a Dict<V>,
    table: usize,
    bucket: usize,
    node: Option<&'a Node<V>>,
}

impl<'a, V> Iterator for Iter<'a, V> {
    type Item = (&'a CompactBytes, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(node) = self.node {
                self.node = node.next.as_deref();
                return Some((&node.key, &node.value));
            }
            let table = self.dict.tables.get(self.table)?;
            if self.bucket >= table.buckets.len() {
                self.table += 1;
                self.bucket = 0;
                continue;
            }
            self.node = table.buckets[self.bucket].as_deref();
            self.bucket += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    fn key(i: usize) -> CompactBytes {
        CompactBytes::new(format!("key:{i}").as_bytes())
    }

    #[test]
    fn behaves_like_a_map_through_growth_and_shrink() {
        let mut dict = Dict::new();
        let mut model = HashMap::new();
        for i in 0..5000 {
            assert_eq!(dict.insert(key(i), i), model.insert(key(i), i));
        }
        for i in (0..5000).step_by(3) {
            assert_eq!(dict.remove(&key(i)).map(|(_, v)| v), model.remove(&key(i)));
        }
        assert_eq!(dict.len(), model.len());
        for i in 0..5000 {
            assert_eq!(dict.get(&key(i)), model.get(&key(i)));
        }
        assert_eq!(dict.iter().count(), model.len());
    }

    #[test]
    fn scan_returns_every_stable_key_despite_resizes() {
        let mut dict = Dict::new();
        for i in 0..1000 {
            dict.insert(key(i), ());
        }
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut round = 0;
        loop {
            cursor = dict.scan(cursor, |k, _| {
                seen.insert(k.clone());
            });
            // Grow and shrink the table between calls with keys outside the stable set.
            round += 1;
            if round % 2 == 0 {
                for j in 0..200 {
                    dict.insert(key(100_000 + round * 1000 + j), ());
                }
            } else {
                for j in 0..200 {
                    dict.remove(&key(100_000 + (round - 1) * 1000 + j));
                }
            }
            if cursor == 0 {
                break;
            }
        }
        for i in 0..1000 {
            assert!(seen.contains(&key(i)), "key {i} missed");
        }
    }

    #[test]
    fn stats_print_redis_chain_distribution() {
        let mut dict: Dict<usize> = Dict::new();
        assert_eq!(dict.stats(), "Hash table 0 stats (main hash table):\nNo stats available for empty dictionaries\n");
        for i in 0..1000 {
            dict.insert(key(i), i);
        }
        dict.finish_rehash();
        let text = dict.stats();
        assert!(
            text.starts_with("Hash table 0 stats (main hash table):\n table size: 1024\n number of elements: 1000\n"),
            "{text}"
        );
        let counts: Vec<u64> = text
            .lines()
            .skip_while(|line| *line != " Chain length distribution:")
            .skip(1)
            .map(|line| line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("count"))
            .collect();
        assert_eq!(counts.iter().sum::<u64>(), 1024, "{text}");
        assert!(text.contains("(computed): 1.") && text.ends_with("%)\n"), "{text}");
    }

    #[test]
    fn random_and_sample_find_entries() {
        let mut dict = Dict::new();
        assert!(dict.random_entry().is_none());
        for i in 0..100 {
            dict.insert(key(i), i);
        }
        assert!(dict.random_entry().is_some());
        let mut sampled = 0;
        dict.sample(20, |_, _| sampled += 1);
        assert_eq!(sampled, 20);
    }

    #[test]
    fn sampling_reaches_entries_deep_in_long_chains() {
        // Four buckets holding 400 entries: chains of ~100. Stopping a sample at the first entries
        // of a chain would never reach the deeper ones (the oldest: new entries go on top).
        let mut dict = Dict::new();
        for i in 0..4 {
            dict.insert(key(i), i);
        }
        dict.finish_rehash();
        dict.pause_resize(true);
        for i in 4..400 {
            dict.insert(key(i), i);
        }
        assert_eq!(dict.bucket_count(), 4);
        let mut seen = vec![false; 400];
        for _ in 0..2000 {
            dict.sample(5, |_, &value| seen[value] = true);
        }
        let missed: Vec<usize> = (0..400).filter(|&i| !seen[i]).collect();
        assert!(missed.is_empty(), "never sampled: {missed:?}");
    }

    #[test]
    fn random_entries_are_uniform_whatever_the_chain_lengths() {
        // Redis's own histogram check (unit/type/set.tcl): 10 entries, chi-square under 40 (df 9).
        let mut dict = Dict::new();
        for i in 0..10 {
            dict.insert(key(i), i);
        }
        let draws = 10_000;
        let mut counts = [0u32; 10];
        for _ in 0..draws {
            let (_, &value) = dict.random_entry().expect("not empty");
            counts[value] += 1;
        }
        let expected = f64::from(draws) / 10.0;
        let chi_square: f64 = counts.iter().map(|&c| (f64::from(c) - expected).powi(2) / expected).sum();
        assert!(chi_square < 40.0, "chi-square {chi_square}, counts {counts:?}");
    }
}
