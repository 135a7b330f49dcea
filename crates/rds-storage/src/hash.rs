//! [`Hash`](struct@Hash): the hash type: a packed listpack of field/value pairs while small, a [`Dict`] beyond.
//!
//! Why two encodings: most hashes are small objects (a user, a session) where a linear scan over one
//! exactly-sized buffer beats a table on memory by ~4x and is as fast in practice. Like Redis 7.0,
//! a hash converts to a hash table for good once it has more than `hash-max-listpack-entries`
//! fields or a field or value longer than `hash-max-listpack-value` bytes.

use crate::compact::CompactBytes;
use crate::dict::{self, Dict};
use crate::packed::{self, splice_exact};
use crate::rng;

/// Largest listpack before converting whatever the limits say (Redis's `LISTPACK_MAX_SAFETY_SIZE`).
const LISTPACK_SAFETY_SIZE: usize = 1 << 30;

/// The conversion thresholds, from the server's config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashLimits {
    /// `hash-max-listpack-entries`: most fields a listpack may hold.
    pub max_listpack_entries: usize,
    /// `hash-max-listpack-value`: longest field or value a listpack may hold, in bytes.
    pub max_listpack_value: usize,
}

impl Default for HashLimits {
    /// Redis 7.0's defaults: 512 entries, 64 bytes.
    fn default() -> Self {
        HashLimits { max_listpack_entries: 512, max_listpack_value: 64 }
    }
}

/// A map from binary field names to binary values.
pub struct Hash {
    repr: Repr,
}

enum Repr {
    /// Fields and values alternate as varint-prefixed entries, in insertion order.
    Listpack {
        buf: Box<[u8]>,
        len: u32,
    },
    Table(Box<Table>),
}

struct Table {
    dict: Dict<CompactBytes>,
    /// Heap bytes of fields and values beyond their inline part, kept so `heap_size` is O(1).
    entry_heap: usize,
}

/// Where a pair sits in a listpack: its start, where its value entry starts, and its end.
struct Slot {
    start: usize,
    value_start: usize,
    end: usize,
}

fn read_pair(buf: &[u8], pos: usize) -> Option<(&[u8], &[u8], usize, usize)> {
    let (field, value_start) = packed::read_entry(buf, pos, false)?;
    let (value, end) = packed::read_entry(buf, value_start, false)?;
    Some((field, value, value_start, end))
}

fn find(buf: &[u8], field: &[u8]) -> Option<Slot> {
    let mut pos = 0;
    while let Some((candidate, _, value_start, end)) = read_pair(buf, pos) {
        if candidate == field {
            return Some(Slot { start: pos, value_start, end });
        }
        pos = end;
    }
    None
}

fn pair_starts(buf: &[u8]) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut pos = 0;
    while let Some((_, _, _, end)) = read_pair(buf, pos) {
        starts.push(pos);
        pos = end;
    }
    starts
}

impl Default for Hash {
    fn default() -> Self {
        Self::new()
    }
}

impl Hash {
    /// An empty hash (an empty listpack); allocates nothing.
    pub fn new() -> Self {
        Hash { repr: Repr::Listpack { buf: Box::default(), len: 0 } }
    }

    /// Number of fields (HLEN). O(1).
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Listpack { len, .. } => *len as usize,
            Repr::Table(table) => table.dict.len(),
        }
    }

    /// True when there are no fields (the server then deletes the key).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Hash table statistics (DEBUG HTSTATS-KEY), when encoded as a hash table.
    pub fn table_stats(&self) -> Option<String> {
        match &self.repr {
            Repr::Listpack { .. } => None,
            Repr::Table(table) => Some(table.dict.stats()),
        }
    }

    /// The name OBJECT ENCODING replies with: "listpack" or "hashtable".
    pub fn encoding_name(&self) -> &'static str {
        match self.repr {
            Repr::Listpack { .. } => "listpack",
            Repr::Table(_) => "hashtable",
        }
    }

    /// The value of `field` (HGET, HMGET, HSTRLEN). O(n) as a listpack, O(1) otherwise.
    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match &self.repr {
            Repr::Listpack { buf, .. } => {
                let slot = find(buf, field)?;
                packed::read_entry(buf, slot.value_start, false).map(|(value, _)| value)
            }
            Repr::Table(table) => table.dict.get(field).map(CompactBytes::as_slice),
        }
    }

    /// True when `field` is present (HEXISTS, HSETNX).
    pub fn contains(&self, field: &[u8]) -> bool {
        match &self.repr {
            Repr::Listpack { buf, .. } => find(buf, field).is_some(),
            Repr::Table(table) => table.dict.contains_key(field),
        }
    }

    /// Sets `field` to `value` (HSET, HSETNX, HINCRBY*); true when the field is new. Converts to a
    /// hash table when the pair is too long for a listpack or the listpack grows past `limits`.
    pub fn set(&mut self, field: &[u8], value: &[u8], limits: &HashLimits) -> bool {
        if let Repr::Listpack { buf, len } = &mut self.repr {
            let fits = field.len() <= limits.max_listpack_value
                && value.len() <= limits.max_listpack_value
                && *len < u32::MAX
                && buf.len().saturating_add(field.len()).saturating_add(value.len()) < LISTPACK_SAFETY_SIZE;
            if fits {
                let added = listpack_set(buf, field, value);
                if added {
                    *len += 1;
                }
                if *len as usize > limits.max_listpack_entries {
                    self.convert();
                }
                return added;
            }
            self.convert();
        }
        match &mut self.repr {
            Repr::Table(table) => table.set(field, value),
            Repr::Listpack { .. } => false,
        }
    }

    /// Brings the table slots of `fields` into the cache ahead of lookups (see [`Dict::warm_many`]);
    /// a listpack is one buffer and needs no warming.
    pub fn warm<'k>(&self, fields: impl Iterator<Item = &'k [u8]>) -> usize {
        match &self.repr {
            Repr::Table(table) => table.dict.warm_many(fields, |value| value.len()),
            Repr::Listpack { .. } => 0,
        }
    }

    /// Removes `field` (HDEL); false when it was absent. Never converts back.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Listpack { buf, len } => {
                let Some(slot) = find(buf, field) else {
                    return false;
                };
                splice_exact(buf, slot.start..slot.end, &[]);
                *len -= 1;
                true
            }
            Repr::Table(table) => match table.dict.remove(field) {
                Some((field, value)) => {
                    table.entry_heap = table.entry_heap.saturating_sub(field.heap_size() + value.heap_size());
                    true
                }
                None => false,
            },
        }
    }

    fn convert(&mut self) {
        let Repr::Listpack { buf, .. } = &self.repr else {
            return;
        };
        let mut table = Box::new(Table { dict: Dict::new(), entry_heap: 0 });
        for (field, value) in (PairIter { buf, pos: 0 }) {
            table.set(field, value);
        }
        self.repr = Repr::Table(table);
    }

    /// Every field and value (HGETALL, HKEYS, HVALS): insertion order as a listpack, table order
    /// otherwise.
    pub fn iter(&self) -> Iter<'_> {
        match &self.repr {
            Repr::Listpack { buf, .. } => Iter(IterRepr::Listpack(PairIter { buf, pos: 0 })),
            Repr::Table(table) => Iter(IterRepr::Table(table.dict.iter())),
        }
    }

    /// One HSCAN step: a listpack returns every pair at once with cursor 0 (as Redis does for compact
    /// encodings, whatever the cursor); a table visits a few buckets and returns the next cursor, 0
    /// when done.
    pub fn scan(&self, cursor: u64, mut visit: impl FnMut(&[u8], &[u8])) -> u64 {
        match &self.repr {
            Repr::Listpack { buf, .. } => {
                for (field, value) in (PairIter { buf, pos: 0 }) {
                    visit(field, value);
                }
                0
            }
            Repr::Table(table) => table.dict.scan(cursor, |field, value| visit(field, value)),
        }
    }

    /// A random field and its value (HRANDFIELD without a count).
    pub fn random_field(&mut self) -> Option<(&[u8], &[u8])> {
        match &mut self.repr {
            Repr::Listpack { buf, len } => {
                let index = rng::below(*len as usize);
                PairIter { buf, pos: 0 }.nth(index)
            }
            Repr::Table(table) => table.dict.random_entry().map(|(f, v)| (f.as_slice(), v.as_slice())),
        }
    }

    /// HRANDFIELD with a count: `count > 0` visits `min(count, len)` distinct fields, `count < 0`
    /// visits `|count|` fields that may repeat (the caller bounds `|count|`, as Redis rejects counts
    /// below `-LONG_MAX/2`). O(len) or O(|count|).
    pub fn random_fields(&mut self, count: i64, mut visit: impl FnMut(&[u8], &[u8])) {
        let len = self.len();
        if len == 0 || count == 0 {
            return;
        }
        let wanted = usize::try_from(count).ok();
        if wanted.is_some_and(|wanted| wanted >= len) {
            self.iter().for_each(|(field, value)| visit(field, value));
            return;
        }
        match &mut self.repr {
            Repr::Listpack { buf, .. } => {
                let starts = pair_starts(buf);
                let mut visit_at = |index: usize| {
                    if let Some((field, value, _, _)) = starts.get(index).and_then(|&pos| read_pair(buf, pos)) {
                        visit(field, value);
                    }
                };
                match wanted {
                    Some(wanted) => rng::distinct_indexes(starts.len(), wanted).into_iter().for_each(visit_at),
                    None => (0..count.unsigned_abs()).for_each(|_| visit_at(rng::below(starts.len()))),
                }
            }
            Repr::Table(table) => match wanted {
                Some(wanted) => {
                    for field in rng::distinct_dict_keys(&mut table.dict, wanted) {
                        if let Some(value) = table.dict.get(&field) {
                            visit(&field, value);
                        }
                    }
                }
                None => {
                    for _ in 0..count.unsigned_abs() {
                        if let Some((field, value)) = table.dict.random_entry() {
                            visit(field, value);
                        }
                    }
                }
            },
        }
    }

    /// Approximate heap bytes owned, for memory accounting. O(1).
    pub fn heap_size(&self) -> usize {
        match &self.repr {
            Repr::Listpack { buf, .. } => buf.len(),
            Repr::Table(table) => {
                let dict = &table.dict;
                let node = 2 * std::mem::size_of::<CompactBytes>() + std::mem::size_of::<usize>();
                std::mem::size_of::<Table>()
                    + dict.bucket_count() * std::mem::size_of::<usize>()
                    + dict.len() * node
                    + table.entry_heap
            }
        }
    }
}

/// Sets `field` in a listpack: replaces the value in place or appends the pair. True when new.
fn listpack_set(buf: &mut Box<[u8]>, field: &[u8], value: &[u8]) -> bool {
    match find(buf, field) {
        Some(slot) => {
            let current = packed::read_entry(buf, slot.value_start, false).map(|(current, _)| current);
            if current != Some(value) {
                splice_exact(buf, slot.value_start..slot.end, &packed::encode_entry(value, false));
            }
            false
        }
        None => {
            let mut pair = packed::encode_entry(field, false);
            packed::push_entry(&mut pair, value, false);
            let end = buf.len();
            splice_exact(buf, end..end, &pair);
            true
        }
    }
}

impl Table {
    fn set(&mut self, field: &[u8], value: &[u8]) -> bool {
        let value = CompactBytes::new(value);
        let added_heap = value.heap_size();
        match self.dict.upsert(field, value) {
            Some(old) => {
                self.entry_heap = self.entry_heap.saturating_sub(old.heap_size()) + added_heap;
                false
            }
            None => {
                self.entry_heap += CompactBytes::heap_size_of(field) + added_heap;
                true
            }
        }
    }
}

struct PairIter<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for PairIter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let (field, value, _, end) = read_pair(self.buf, self.pos)?;
        self.pos = end;
        Some((field, value))
    }
}

/// Iterator over a [`Hash`](struct@Hash)'s fields and values.
pub struct Iter<'a>(IterRepr<'a>);

enum IterRepr<'a> {
    Listpack(PairIter<'a>),
    Table(dict::Iter<'a, CompactBytes>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterRepr::Listpack(pairs) => pairs.next(),
            IterRepr::Table(entries) => entries.next().map(|(f, v)| (f.as_slice(), v.as_slice())),
        }
    }
}

impl Clone for Hash {
    fn clone(&self) -> Self {
        match &self.repr {
            Repr::Listpack { buf, len } => Hash { repr: Repr::Listpack { buf: buf.clone(), len: *len } },
            Repr::Table(table) => {
                let mut copy = Box::new(Table { dict: Dict::new(), entry_heap: 0 });
                for (field, value) in table.dict.iter() {
                    copy.set(field, value);
                }
                Hash { repr: Repr::Table(copy) }
            }
        }
    }
}

impl PartialEq for Hash {
    /// Same fields with the same values, whatever the encodings.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(field, value)| other.get(field) == Some(value))
    }
}

impl std::fmt::Debug for Hash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let lossy = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        f.debug_map().entries(self.iter().map(|(field, value)| (lossy(field), lossy(value)))).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashSet};

    const SMALL: HashLimits = HashLimits { max_listpack_entries: 4, max_listpack_value: 8 };

    #[test]
    fn listpack_keeps_insertion_order_and_updates_in_place() {
        let mut hash = Hash::new();
        assert!(hash.set(b"a", b"1", &SMALL));
        assert!(hash.set(b"b", b"2", &SMALL));
        assert!(!hash.set(b"a", b"one", &SMALL));
        assert_eq!(hash.get(b"a"), Some(&b"one"[..]));
        let pairs: Vec<_> = hash.iter().collect();
        assert_eq!(pairs, vec![(&b"a"[..], &b"one"[..]), (&b"b"[..], &b"2"[..])]);
        assert_eq!(hash.encoding_name(), "listpack");
        assert!(hash.remove(b"a") && !hash.remove(b"a"));
        assert_eq!((hash.len(), hash.get(b"a")), (1, None));
    }

    #[test]
    fn converts_past_either_threshold_and_never_back() {
        let mut hash = Hash::new();
        for i in 0..4 {
            hash.set(format!("f{i}").as_bytes(), b"v", &SMALL);
        }
        assert_eq!(hash.encoding_name(), "listpack");
        hash.set(b"f4", b"v", &SMALL);
        assert_eq!(hash.encoding_name(), "hashtable");
        for i in 0..5 {
            hash.remove(format!("f{i}").as_bytes());
        }
        assert_eq!((hash.len(), hash.encoding_name()), (0, "hashtable"));

        let mut long_value = Hash::new();
        long_value.set(b"f", b"123456789", &SMALL);
        assert_eq!(long_value.encoding_name(), "hashtable");
        let mut long_field = Hash::new();
        long_field.set(b"field-too-long", b"v", &SMALL);
        assert_eq!((long_field.encoding_name(), long_field.get(b"field-too-long")), ("hashtable", Some(&b"v"[..])));
    }

    #[test]
    fn ten_small_fields_fit_in_under_200_bytes() {
        let mut hash = Hash::new();
        for i in 0..10 {
            hash.set(format!("field:{i}").as_bytes(), format!("value:{i}").as_bytes(), &HashLimits::default());
        }
        let total = std::mem::size_of::<Hash>() + hash.heap_size();
        assert!(total <= 200, "{total} bytes");
        assert!(std::mem::size_of::<Hash>() <= 24);
    }

    #[test]
    fn scan_of_a_listpack_is_one_step() {
        let mut hash = Hash::new();
        hash.set(b"a", b"1", &SMALL);
        hash.set(b"b", b"2", &SMALL);
        let mut seen = Vec::new();
        assert_eq!(hash.scan(12345, |f, _| seen.push(f.to_vec())), 0);
        assert_eq!(seen.len(), 2);
    }

    #[test]
    fn scan_of_a_table_covers_everything() {
        let mut hash = Hash::new();
        for i in 0..100 {
            hash.set(format!("f{i}").as_bytes(), b"v", &SMALL);
        }
        let mut seen = HashSet::new();
        let mut cursor = 0;
        loop {
            cursor = hash.scan(cursor, |f, _| {
                seen.insert(f.to_vec());
            });
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(seen.len(), 100);
    }

    #[test]
    fn random_fields_follow_hrandfield_counts() {
        for fields in [3usize, 6, 100] {
            let mut hash = Hash::new();
            for i in 0..fields {
                hash.set(format!("f{i}").as_bytes(), format!("v{i}").as_bytes(), &SMALL);
            }
            for count in [1i64, 2, 3, 5, 50, 1000] {
                let mut seen = BTreeMap::new();
                hash.random_fields(count, |f, v| {
                    assert_eq!(hash_value(f), v.to_vec());
                    *seen.entry(f.to_vec()).or_insert(0) += 1;
                });
                let expected = (count as usize).min(fields);
                assert_eq!(seen.len(), expected, "{fields} fields, count {count}");
                assert!(seen.values().all(|&n| n == 1));
            }
            let mut visits = 0;
            hash.random_fields(-7, |f, v| {
                assert_eq!(hash_value(f), v.to_vec());
                visits += 1;
            });
            assert_eq!(visits, 7);
            let (field, value) = hash.random_field().map(|(f, v)| (f.to_vec(), v.to_vec())).unwrap();
            assert_eq!(hash_value(&field), value);
        }
        let mut empty = Hash::new();
        empty.random_fields(-5, |_, _| panic!("empty hash"));
        assert!(empty.random_field().is_none());
    }

    fn hash_value(field: &[u8]) -> Vec<u8> {
        let mut value = field.to_vec();
        value[0] = b'v';
        value
    }

    #[test]
    fn clone_and_eq_ignore_encoding() {
        let mut small = Hash::new();
        let mut big = Hash::new();
        let tiny = HashLimits { max_listpack_entries: 0, max_listpack_value: 0 };
        for i in 0..3 {
            small.set(format!("f{i}").as_bytes(), b"v", &SMALL);
            big.set(format!("f{i}").as_bytes(), b"v", &tiny);
        }
        assert_eq!(big.encoding_name(), "hashtable");
        assert_eq!(small, big);
        assert_eq!(big.clone(), small.clone());
        big.set(b"f0", b"w", &tiny);
        assert_ne!(small, big);
    }
}
