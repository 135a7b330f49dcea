//! [`Set`]: the set type: an [`IntSet`] while every member is an integer and the set is small, a
//! [`Dict`] beyond.
//!
//! Redis 7.0 has exactly these two encodings ("intset" and "hashtable"; a listpack for small
//! non-integer sets only arrived in 7.2), and converts one way only: adding a non-integer member
//! (by `string2ll` rules, so "01" is not an integer) or growing past `set-max-intset-entries` moves
//! the set to a hash table for good.

use std::ops::Deref;

use crate::compact::CompactBytes;
use crate::dict::{self, Dict};
use crate::intset::{self, format_i64, IntSet};
use crate::num::parse_i64;
use crate::rng;

/// The conversion threshold, from the server's config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetLimits {
    /// `set-max-intset-entries`: most members an intset may hold.
    pub max_intset_entries: usize,
}

impl Default for SetLimits {
    /// Redis 7.0's default: 512.
    fn default() -> Self {
        SetLimits { max_intset_entries: 512 }
    }
}

/// A set of binary-safe members.
pub struct Set {
    repr: Repr,
}

enum Repr {
    Intset(IntSet),
    Table(Box<Table>),
}

struct Table {
    dict: Dict<()>,
    /// Heap bytes of the members beyond their inline part, kept so `heap_size` is O(1).
    member_heap: usize,
}

/// One member, as bytes: borrowed from a hash-table set, or an intset integer formatted inline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Member<'a> {
    /// An integer member of an intset, in decimal.
    Int(CompactBytes),
    /// A member stored as bytes.
    Bytes(&'a [u8]),
}

impl Member<'_> {
    /// An owned copy.
    pub fn to_compact(&self) -> CompactBytes {
        match self {
            Member::Int(digits) => digits.clone(),
            Member::Bytes(bytes) => CompactBytes::new(bytes),
        }
    }
}

impl AsRef<[u8]> for Member<'_> {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl Deref for Member<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Member::Int(digits) => digits.as_slice(),
            Member::Bytes(bytes) => bytes,
        }
    }
}

impl Default for Set {
    fn default() -> Self {
        Self::new()
    }
}

impl Set {
    /// An empty set (an empty intset, so a first non-integer member converts it at once, matching
    /// Redis's `setTypeCreate`); allocates nothing.
    pub fn new() -> Self {
        Set { repr: Repr::Intset(IntSet::new()) }
    }

    /// A set of `members`, converted as the limits require (SINTERSTORE, SUNIONSTORE, RDB load).
    pub fn from_members<M: AsRef<[u8]>>(members: impl IntoIterator<Item = M>, limits: &SetLimits) -> Self {
        let mut set = Set::new();
        for member in members {
            set.insert(member.as_ref(), limits);
        }
        set
    }

    /// Number of members (SCARD). O(1).
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Intset(ints) => ints.len(),
            Repr::Table(table) => table.dict.len(),
        }
    }

    /// True when the set has no members (the server then deletes the key).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Hash table statistics (DEBUG HTSTATS-KEY), when encoded as a hash table.
    pub fn table_stats(&self) -> Option<String> {
        match &self.repr {
            Repr::Intset(_) => None,
            Repr::Table(table) => Some(table.dict.stats()),
        }
    }

    /// The name OBJECT ENCODING replies with: "intset" or "hashtable".
    pub fn encoding_name(&self) -> &'static str {
        match self.repr {
            Repr::Intset(_) => "intset",
            Repr::Table(_) => "hashtable",
        }
    }

    /// True when `member` is present (SISMEMBER, SMISMEMBER). O(log n) as an intset, O(1) otherwise.
    pub fn contains(&self, member: &[u8]) -> bool {
        match &self.repr {
            Repr::Intset(ints) => parse_i64(member).is_some_and(|value| ints.contains(value)),
            Repr::Table(table) => table.dict.contains_key(member),
        }
    }

    /// Adds `member` (SADD); false when it was already present. Converts to a hash table when
    /// `member` is not an integer or the intset grows past `limits`.
    pub fn insert(&mut self, member: &[u8], limits: &SetLimits) -> bool {
        if let Repr::Intset(ints) = &mut self.repr {
            if let Some(value) = parse_i64(member) {
                let added = ints.insert(value);
                // Redis caps the limit at 2^30 entries, past which intsets are impractical anyway.
                if ints.len() > limits.max_intset_entries.min(1 << 30) {
                    self.convert();
                }
                return added;
            }
            self.convert();
        }
        match &mut self.repr {
            Repr::Table(table) => table.insert(member),
            Repr::Intset(_) => false,
        }
    }

    /// Brings the table slots of `members` into the cache ahead of lookups (see [`Dict::warm_many`]);
    /// an intset is one buffer and needs no warming.
    pub fn warm<'k>(&self, members: impl Iterator<Item = &'k [u8]>) -> usize {
        match &self.repr {
            Repr::Table(table) => table.dict.warm_many(members, |_| 0),
            Repr::Intset(_) => 0,
        }
    }

    /// Removes `member` (SREM, SMOVE); false when it was absent. Never converts back.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Intset(ints) => parse_i64(member).is_some_and(|value| ints.remove(value)),
            Repr::Table(table) => table.remove(member).is_some(),
        }
    }

    fn convert(&mut self) {
        let Repr::Intset(ints) = &self.repr else {
            return;
        };
        let mut table = Box::new(Table { dict: Dict::new(), member_heap: 0 });
        for value in ints.iter() {
            table.insert(&format_i64(value));
        }
        self.repr = Repr::Table(table);
    }

    /// Every member (SMEMBERS, SORT): ascending integers as an intset, table order otherwise.
    pub fn iter(&self) -> Iter<'_> {
        match &self.repr {
            Repr::Intset(ints) => Iter::Ints(ints.iter()),
            Repr::Table(table) => Iter::Table(table.dict.iter()),
        }
    }

    /// One SSCAN step: an intset returns every member at once with cursor 0 (as Redis does for
    /// compact encodings, whatever the cursor); a table visits a few buckets and returns the next
    /// cursor, 0 when done.
    pub fn scan(&self, cursor: u64, mut visit: impl FnMut(&[u8])) -> u64 {
        match &self.repr {
            Repr::Intset(ints) => {
                for value in ints.iter() {
                    visit(&format_i64(value));
                }
                0
            }
            Repr::Table(table) => table.dict.scan(cursor, |member, _| visit(member)),
        }
    }

    /// A random member (SRANDMEMBER without a count). O(1).
    pub fn random_member(&mut self) -> Option<Member<'_>> {
        match &mut self.repr {
            Repr::Intset(ints) => ints.get(rng::below(ints.len())).map(|v| Member::Int(format_i64(v))),
            Repr::Table(table) => table.dict.random_entry().map(|(member, _)| Member::Bytes(member)),
        }
    }

    /// SRANDMEMBER with a count: `count > 0` visits `min(count, len)` distinct members, `count < 0`
    /// visits `|count|` members that may repeat (the caller bounds `|count|`, as Redis rejects
    /// counts below `-LONG_MAX/2`). O(len) or O(|count|).
    pub fn random_members(&mut self, count: i64, mut visit: impl FnMut(&[u8])) {
        let len = self.len();
        if len == 0 || count == 0 {
            return;
        }
        let Ok(wanted) = usize::try_from(count) else {
            for _ in 0..count.unsigned_abs() {
                match self.random_member() {
                    Some(member) => visit(&member),
                    None => return,
                }
            }
            return;
        };
        if wanted >= len {
            self.iter().for_each(|member| visit(&member));
            return;
        }
        match &mut self.repr {
            Repr::Intset(ints) => {
                for index in rng::distinct_indexes(len, wanted) {
                    if let Some(value) = ints.get(index) {
                        visit(&format_i64(value));
                    }
                }
            }
            Repr::Table(table) => {
                for member in rng::distinct_dict_keys(&mut table.dict, wanted) {
                    visit(&member);
                }
            }
        }
    }

    /// Removes and returns a random member (SPOP without a count). O(1) as a table, O(n) as an intset.
    pub fn pop_random(&mut self) -> Option<CompactBytes> {
        match &mut self.repr {
            Repr::Intset(ints) => ints.remove_at(rng::below(ints.len())).map(format_i64),
            Repr::Table(table) => {
                let member = table.dict.random_entry()?.0.clone();
                table.remove(&member)
            }
        }
    }

    /// Removes and returns `min(count, len)` distinct random members (SPOP with a count); takes the
    /// whole set when `count >= len`. O(count) as a table, O(n) as an intset.
    pub fn pop_random_many(&mut self, count: usize) -> Vec<CompactBytes> {
        let len = self.len();
        if count >= len {
            let all = self.iter().map(|member| member.to_compact()).collect();
            match &mut self.repr {
                Repr::Intset(ints) => *ints = IntSet::new(),
                Repr::Table(table) => {
                    table.dict.clear();
                    table.member_heap = 0;
                }
            }
            return all;
        }
        match &mut self.repr {
            Repr::Intset(ints) => {
                let picked = rng::distinct_indexes(len, count);
                let mut taken = vec![false; len];
                let popped = picked
                    .iter()
                    .filter_map(|&index| {
                        *taken.get_mut(index)? = true;
                        ints.get(index).map(format_i64)
                    })
                    .collect();
                ints.retain_positions(|index| !taken.get(index).copied().unwrap_or(false));
                popped
            }
            Repr::Table(_) => (0..count).map_while(|_| self.pop_random()).collect(),
        }
    }

    /// Approximate heap bytes owned, for memory accounting. O(1).
    pub fn heap_size(&self) -> usize {
        match &self.repr {
            Repr::Intset(ints) => ints.heap_size(),
            Repr::Table(table) => {
                let dict = &table.dict;
                let node = std::mem::size_of::<CompactBytes>() + std::mem::size_of::<usize>();
                std::mem::size_of::<Table>()
                    + dict.bucket_count() * std::mem::size_of::<usize>()
                    + dict.len() * node
                    + table.member_heap
            }
        }
    }

    /// Members of every set (SINTER, SINTERSTORE, SINTERCARD): stops after `limit` members when
    /// `limit > 0`. Walks the smallest set and probes the others, like Redis. A missing key is an
    /// empty set, which makes the result empty.
    pub fn intersection(sets: &[&Set], limit: usize) -> Vec<CompactBytes> {
        let mut order: Vec<&Set> = sets.to_vec();
        order.sort_by_key(|set| set.len());
        let Some((smallest, others)) = order.split_first() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for member in smallest.iter() {
            if others.iter().all(|set| set.contains(&member)) {
                out.push(member.to_compact());
                if limit > 0 && out.len() >= limit {
                    break;
                }
            }
        }
        out
    }

    /// Members of any set (SUNION, SUNIONSTORE), as a new set built under `limits`.
    pub fn union(sets: &[&Set], limits: &SetLimits) -> Set {
        let mut out = Set::new();
        for set in sets {
            for member in set.iter() {
                out.insert(&member, limits);
            }
        }
        out
    }

    /// Members of the first set in none of the others (SDIFF, SDIFFSTORE), as a new set. Picks the
    /// cheaper of Redis's two algorithms: probe every other set per member (O(N*M)), or copy the
    /// first set and remove every member of the others (O(total size)).
    pub fn difference(sets: &[&Set], limits: &SetLimits) -> Set {
        let Some((first, others)) = sets.split_first() else {
            return Set::new();
        };
        let probe_work = first.len().saturating_mul(others.len());
        let remove_work: usize = sets.iter().map(|set| set.len()).sum();
        if probe_work / 2 <= remove_work {
            let kept = first.iter().filter(|member| !others.iter().any(|set| set.contains(member)));
            let mut out = Set::new();
            kept.for_each(|member| {
                out.insert(&member, limits);
            });
            out
        } else {
            let mut out = Set::from_members(first.iter(), limits);
            for set in others {
                for member in set.iter() {
                    out.remove(&member);
                    if out.is_empty() {
                        return out;
                    }
                }
            }
            out
        }
    }
}

impl Table {
    fn insert(&mut self, member: &[u8]) -> bool {
        if self.dict.upsert(member, ()).is_some() {
            return false;
        }
        self.member_heap += CompactBytes::heap_size_of(member);
        true
    }

    fn remove(&mut self, member: &[u8]) -> Option<CompactBytes> {
        let (member, ()) = self.dict.remove(member)?;
        self.member_heap = self.member_heap.saturating_sub(member.heap_size());
        Some(member)
    }
}

/// Iterator over a [`Set`]'s members.
pub enum Iter<'a> {
    /// Over an intset.
    Ints(intset::Iter<'a>),
    /// Over a hash table.
    Table(dict::Iter<'a, ()>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = Member<'a>;

    fn next(&mut self) -> Option<Member<'a>> {
        match self {
            Iter::Ints(values) => values.next().map(|value| Member::Int(format_i64(value))),
            Iter::Table(entries) => entries.next().map(|(member, _)| Member::Bytes(member.as_slice())),
        }
    }
}

impl Clone for Set {
    fn clone(&self) -> Self {
        match &self.repr {
            Repr::Intset(ints) => Set { repr: Repr::Intset(ints.clone()) },
            Repr::Table(table) => {
                let mut copy = Box::new(Table { dict: Dict::new(), member_heap: 0 });
                for (member, _) in table.dict.iter() {
                    copy.insert(member);
                }
                Set { repr: Repr::Table(copy) }
            }
        }
    }
}

impl PartialEq for Set {
    /// Same members, whatever the encodings.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|member| other.contains(&member))
    }
}

impl std::fmt::Debug for Set {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter().map(|member| String::from_utf8_lossy(&member).into_owned())).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    const SMALL: SetLimits = SetLimits { max_intset_entries: 4 };

    fn set_of(members: &[&str], limits: &SetLimits) -> Set {
        Set::from_members(members.iter().map(|m| m.as_bytes()), limits)
    }

    fn sorted(set: &Set) -> Vec<String> {
        let members: BTreeSet<String> = set.iter().map(|m| String::from_utf8_lossy(&m).into_owned()).collect();
        members.into_iter().collect()
    }

    #[test]
    fn integers_stay_an_intset_until_the_limit() {
        let mut set = set_of(&["3", "1", "2", "-5"], &SMALL);
        assert_eq!(set.encoding_name(), "intset");
        let members: Vec<Vec<u8>> = set.iter().map(|m| m.to_vec()).collect();
        assert_eq!(members, [&b"-5"[..], b"1", b"2", b"3"]);
        assert!(!set.insert(b"3", &SMALL));
        assert!(set.insert(b"4", &SMALL));
        assert_eq!(set.encoding_name(), "hashtable");
        assert!(set.contains(b"4") && set.contains(b"-5") && !set.contains(b"6"));
        for member in ["-5", "1", "2", "3", "4"] {
            assert!(set.remove(member.as_bytes()));
        }
        assert_eq!((set.len(), set.encoding_name()), (0, "hashtable"));
    }

    #[test]
    fn non_canonical_integers_convert() {
        for member in ["01", "+1", " 1", "1.0", "abc", "9223372036854775808"] {
            let mut set = set_of(&["1"], &SMALL);
            assert!(!set.contains(member.as_bytes()) && !set.remove(member.as_bytes()));
            assert!(set.insert(member.as_bytes(), &SMALL), "{member}");
            assert_eq!(set.encoding_name(), "hashtable", "{member}");
            assert!(set.contains(member.as_bytes()) && set.contains(b"1"));
        }
        let extremes = set_of(&["-9223372036854775808", "9223372036854775807"], &SMALL);
        assert_eq!(extremes.encoding_name(), "intset");
        assert_eq!(sorted(&extremes), ["-9223372036854775808", "9223372036854775807"]);
    }

    #[test]
    fn spop_and_srandmember_counts() {
        for (members, limits) in [(10, SMALL), (10, SetLimits::default()), (300, SMALL)] {
            let names: Vec<String> = (0..members).map(|i| format!("{i}")).collect();
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            let mut set = set_of(&refs, &limits);
            for count in [1i64, 3, 9, 10, 50] {
                let mut seen = BTreeSet::new();
                set.random_members(count, |m| assert!(seen.insert(m.to_vec())));
                assert_eq!(seen.len(), (count as usize).min(members));
            }
            let mut repeats = 0;
            set.random_members(-25, |m| {
                assert!(names.iter().any(|n| n.as_bytes() == m));
                repeats += 1;
            });
            assert_eq!(repeats, 25);
            assert!(set.random_member().is_some());
            let popped = set.pop_random_many(4);
            assert_eq!(popped.len(), 4);
            assert_eq!(set.len(), members - 4);
            assert!(popped.iter().all(|m| !set.contains(m)));
            let one = set.pop_random().unwrap();
            assert!(!set.contains(&one));
            let rest = set.pop_random_many(usize::MAX);
            assert_eq!(rest.len(), members - 5);
            assert!(set.is_empty() && set.pop_random().is_none());
            set.random_members(-3, |_| panic!("empty set"));
        }
    }

    #[test]
    fn algebra_matches_redis() {
        let a = set_of(&["1", "2", "3", "x"], &SMALL);
        let b = set_of(&["2", "3", "4"], &SMALL);
        let c = set_of(&["3", "x", "2"], &SMALL);
        let empty = Set::new();
        let limits = SetLimits::default();
        let inter = Set::from_members(Set::intersection(&[&a, &b, &c], 0), &limits);
        assert_eq!(sorted(&inter), ["2", "3"]);
        assert_eq!(inter.encoding_name(), "intset");
        assert_eq!(Set::intersection(&[&a, &b], 1).len(), 1);
        assert!(Set::intersection(&[&a, &empty], 0).is_empty());
        assert!(Set::intersection(&[], 0).is_empty());
        assert_eq!(sorted(&Set::union(&[&a, &b, &empty], &limits)), ["1", "2", "3", "4", "x"]);
        assert_eq!(sorted(&Set::difference(&[&a, &b], &limits)), ["1", "x"]);
        assert_eq!(sorted(&Set::difference(&[&a, &b, &c], &limits)), ["1"]);
        assert_eq!(Set::difference(&[&a, &a], &limits).len(), 0);
        // Many small sets against a large first one take the copy-and-remove path.
        let big: Vec<String> = (0..100).map(|i| i.to_string()).collect();
        let big = Set::from_members(big.iter(), &limits);
        let tiny: Vec<Set> = (0..10).map(|i| set_of(&[&i.to_string()], &limits)).collect();
        let mut operands = vec![&big];
        operands.extend(tiny.iter());
        assert_eq!(Set::difference(&operands, &limits).len(), 90);
    }

    #[test]
    fn scan_of_an_intset_is_one_step() {
        let set = set_of(&["1", "2", "3"], &SMALL);
        let mut seen = Vec::new();
        assert_eq!(set.scan(99, |m| seen.push(m.to_vec())), 0);
        assert_eq!(seen.len(), 3);
    }

    #[test]
    fn sizes_and_equality_across_encodings() {
        assert!(std::mem::size_of::<Set>() <= 24);
        let ints = set_of(&["1", "2", "3"], &SetLimits::default());
        assert_eq!(ints.heap_size(), 6);
        let table = set_of(&["1", "2", "3"], &SetLimits { max_intset_entries: 0 });
        assert_eq!(table.encoding_name(), "hashtable");
        assert_eq!(ints, table);
        assert_eq!(table.clone(), ints.clone());
        assert!(table.heap_size() > ints.heap_size());
        assert_eq!(format!("{ints:?}"), r#"{"1", "2", "3"}"#);
    }
}
