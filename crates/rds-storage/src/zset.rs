//! [`ZSet`]: the sorted-set value, with Redis's two encodings.
//!
//! - `listpack`: small sets live in one byte buffer sorted by (score, member) (see
//!   `zset/listpack.rs`): a few bytes per entry, linear-time lookups bounded by the threshold.
//! - `skiplist` (the name OBJECT ENCODING reports): past `zset-max-listpack-entries` entries or a
//!   member longer than `zset-max-listpack-value` bytes, a [`Dict`] member→score map gives O(1)
//!   ZSCORE and a SCAN cursor, and an order-statistic B+tree (`zset/tree.rs`) gives O(log n)
//!   insert, delete, rank and range lookups like Redis's skiplist with spans, with a fraction of
//!   its cache misses. Sets never convert back, except through
//!   [`ZSet::convert_to_listpack_if_needed`], which Redis calls on the results of the STORE commands.
//!
//! Order is Redis's: by score (never NaN), ties by member bytes. Each Redis command is one call:
//! ZADD → [`ZSet::add`], ZRANGE → [`ZSet::range_by_rank`] / [`ZSet::range_by_score`] /
//! [`ZSet::range_by_lex`], ZREMRANGEBY* → `remove_range_by_*`, ZPOPMIN/MAX → [`ZSet::pop_with`],
//! ZRANDMEMBER → [`ZSet::random_members`], ZSCAN → [`ZSet::scan`].

mod iter;
mod listpack;
mod query;
mod random;
mod range;
mod tree;

use std::cmp::Ordering;
use std::fmt;

use crate::compact::CompactBytes;
use crate::dict::Dict;
pub use iter::ZIter;
use listpack::Listpack;
pub use range::{LexBound, LexRange, Limit, ScoreRange};
use tree::Tree;

/// The encoding thresholds, from the `zset-max-listpack-*` directives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZSetLimits {
    /// `zset-max-listpack-entries`: most entries kept in the listpack encoding.
    pub max_listpack_entries: usize,
    /// `zset-max-listpack-value`: longest member (bytes) kept in the listpack encoding.
    pub max_listpack_value: usize,
}

impl Default for ZSetLimits {
    fn default() -> Self {
        ZSetLimits { max_listpack_entries: 128, max_listpack_value: 64 }
    }
}

/// Why a sorted-set operation failed; the Display text is Redis's full error reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ZSetError {
    /// ZADD INCR / ZINCRBY produced NaN (e.g. +inf + -inf), or a NaN score was passed.
    #[error("ERR resulting score is not a number (NaN)")]
    NotANumber,
    /// A ZRANGEBYSCORE-style bound is not a float.
    #[error("ERR min or max is not a float")]
    InvalidScoreRange,
    /// A ZRANGEBYLEX-style bound is not `-`, `+`, `[x` or `(x`.
    #[error("ERR min or max not valid string range item")]
    InvalidLexRange,
    /// The set already holds 2^32 - 2 members (unreachable before memory runs out).
    #[error("ERR sorted set is too large")]
    TooLarge,
}

/// ZADD's options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddFlags {
    /// Only add new members.
    pub nx: bool,
    /// Only update existing members.
    pub xx: bool,
    /// Only update when the new score is greater.
    pub gt: bool,
    /// Only update when the new score is less.
    pub lt: bool,
    /// Add the score to the current one (ZINCRBY, ZADD INCR).
    pub incr: bool,
}

/// What one ZADD element did (CH counts `Added` and `Updated`; INCR replies the score or nil).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AddOutcome {
    /// A new member, with its score.
    Added(f64),
    /// An existing member's score changed to this.
    Updated(f64),
    /// The member exists and already had this score.
    Unchanged(f64),
    /// NX, XX, GT or LT prevented the operation (ZADD INCR replies nil).
    Skipped,
}

impl AddOutcome {
    /// The member's score after the call, `None` when skipped.
    pub fn score(self) -> Option<f64> {
        match self {
            AddOutcome::Added(s) | AddOutcome::Updated(s) | AddOutcome::Unchanged(s) => Some(s),
            AddOutcome::Skipped => None,
        }
    }
}

/// A sorted set.
pub struct ZSet {
    repr: Repr,
}

enum Repr {
    Listpack(Listpack),
    Skiplist(Box<Big>),
}

struct Big {
    dict: Dict<f64>,
    list: Tree,
}

impl Default for ZSet {
    fn default() -> Self {
        ZSet::new()
    }
}

impl ZSet {
    /// An empty set in the listpack encoding (allocates nothing).
    pub fn new() -> ZSet {
        ZSet { repr: Repr::Listpack(Listpack::default()) }
    }

    /// An empty set in the encoding `len_hint` members of up to `max_member_len` bytes need (for
    /// ZUNIONSTORE-style destinations and RDB loading).
    pub fn with_hint(len_hint: usize, max_member_len: usize, limits: &ZSetLimits) -> ZSet {
        if len_hint > limits.max_listpack_entries || max_member_len > limits.max_listpack_value {
            ZSet { repr: Repr::Skiplist(Box::new(Big { dict: Dict::new(), list: Tree::new() })) }
        } else {
            ZSet::new()
        }
    }

    /// Number of members (ZCARD).
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Listpack(lp) => lp.len(),
            Repr::Skiplist(big) => big.list.len(),
        }
    }

    /// True when the set has no members (the key must then be deleted).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Hash table statistics (DEBUG HTSTATS-KEY), when encoded as a hash table.
    pub fn table_stats(&self) -> Option<String> {
        match &self.repr {
            Repr::Listpack(_) => None,
            Repr::Skiplist(big) => Some(big.dict.stats()),
        }
    }

    /// The name OBJECT ENCODING replies with.
    pub fn encoding_name(&self) -> &'static str {
        match &self.repr {
            Repr::Listpack(_) => "listpack",
            Repr::Skiplist(_) => "skiplist",
        }
    }

    /// Approximate heap bytes owned, for INFO memory and eviction.
    pub fn heap_size(&self) -> usize {
        match &self.repr {
            Repr::Listpack(lp) => lp.heap_size(),
            Repr::Skiplist(big) => {
                // A dict entry is a boxed (key, score, next) node plus its bucket pointer; its key
                // is a second copy of the member.
                let entry = std::mem::size_of::<CompactBytes>() + 2 * std::mem::size_of::<usize>();
                std::mem::size_of::<Big>()
                    + big.list.heap_size()
                    + big.dict.bucket_count() * std::mem::size_of::<usize>()
                    + big.dict.len() * entry
                    + big.list.member_heap()
            }
        }
    }

    /// The score of `member` (ZSCORE, ZMSCORE).
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match &self.repr {
            Repr::Listpack(lp) => lp.find(member).map(|(_, e)| e.score),
            Repr::Skiplist(big) => big.dict.get(member).copied(),
        }
    }

    /// True when `member` is present.
    pub fn contains(&self, member: &[u8]) -> bool {
        self.score(member).is_some()
    }

    /// ZADD / ZINCRBY for one member, with Redis's `zsetAdd` semantics. Converts to the skiplist
    /// encoding when a new member crosses `limits`.
    pub fn add(
        &mut self,
        member: &[u8],
        score: f64,
        flags: AddFlags,
        limits: &ZSetLimits,
    ) -> Result<AddOutcome, ZSetError> {
        if score.is_nan() {
            return Err(ZSetError::NotANumber);
        }
        if let Repr::Skiplist(big) = &mut self.repr {
            // One dict lookup serves both the check and the update.
            return match big.dict.get_mut(member) {
                Some(slot) => {
                    let current = *slot;
                    match plan_update(current, score, flags)? {
                        Plan::Keep(outcome) => Ok(outcome),
                        Plan::Set(new) => {
                            *slot = new;
                            match big.list.update_score(member, current, new) {
                                true => Ok(AddOutcome::Updated(new)),
                                false => Err(ZSetError::TooLarge),
                            }
                        }
                    }
                }
                None if flags.xx => Ok(AddOutcome::Skipped),
                None => insert_big(big, member, score).map(|()| AddOutcome::Added(score)),
            };
        }
        let Some(current) = self.score(member) else {
            if flags.xx {
                return Ok(AddOutcome::Skipped);
            }
            self.insert_new(member, score, limits)?;
            return Ok(AddOutcome::Added(score));
        };
        let new = match plan_update(current, score, flags)? {
            Plan::Keep(outcome) => return Ok(outcome),
            Plan::Set(new) => new,
        };
        if let Repr::Listpack(lp) = &mut self.repr {
            if let Some((_, e)) = lp.find(member) {
                let (start, end) = (e.start, e.end);
                lp.remove_bytes(start, end, 1);
            }
            lp.insert(member, new);
        }
        Ok(AddOutcome::Updated(new))
    }

    fn insert_new(&mut self, member: &[u8], score: f64, limits: &ZSetLimits) -> Result<(), ZSetError> {
        if let Repr::Listpack(lp) = &mut self.repr {
            let fits = lp.len() < limits.max_listpack_entries
                && member.len() <= limits.max_listpack_value
                && lp.byte_len() + listpack::entry_len(member, score) <= listpack::MAX_BYTES;
            if fits {
                lp.insert(member, score);
                return Ok(());
            }
            self.convert_to_skiplist();
        }
        match &mut self.repr {
            Repr::Skiplist(big) => insert_big(big, member, score),
            Repr::Listpack(_) => Ok(()),
        }
    }

    fn convert_to_skiplist(&mut self) {
        let Repr::Listpack(lp) = &self.repr else {
            return;
        };
        let mut dict = Dict::new();
        let entries: Vec<(CompactBytes, f64)> = lp.entries().map(|e| (CompactBytes::new(e.member), e.score)).collect();
        for (member, score) in &entries {
            insert_absent(&mut dict, member.clone(), *score);
        }
        let list = Tree::from_sorted(entries);
        self.repr = Repr::Skiplist(Box::new(Big { dict, list }));
    }

    /// Converts a skiplist-encoded set back to a listpack when it fits `limits` (Redis's
    /// `zsetConvertToListpackIfNeeded`, applied to ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE/ZRANGESTORE
    /// results).
    pub fn convert_to_listpack_if_needed(&mut self, limits: &ZSetLimits) {
        let Repr::Skiplist(big) = &mut self.repr else {
            return;
        };
        if big.list.len() > limits.max_listpack_entries {
            return;
        }
        let mut max_len = 0;
        let mut total = 0;
        for (member, _) in big.dict.iter() {
            max_len = max_len.max(member.len());
            total += member.len();
        }
        if max_len > limits.max_listpack_value || total > listpack::MAX_BYTES {
            return;
        }
        let mut lp = Listpack::default();
        for (member, score) in big.list.drain_sorted() {
            lp.push_sorted(&member, score);
        }
        lp.shrink();
        self.repr = Repr::Listpack(lp);
    }

    /// ZREM of one member; true when it was present.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Listpack(lp) => {
                let Some((_, e)) = lp.find(member) else {
                    return false;
                };
                let (start, end) = (e.start, e.end);
                lp.remove_bytes(start, end, 1);
                true
            }
            Repr::Skiplist(big) => {
                let Some((_, score)) = big.dict.remove(member) else {
                    return false;
                };
                big.list.remove(score, member);
                true
            }
        }
    }
}

impl Clone for ZSet {
    fn clone(&self) -> Self {
        match &self.repr {
            Repr::Listpack(lp) => ZSet { repr: Repr::Listpack(lp.clone()) },
            Repr::Skiplist(big) => {
                let mut dict = Dict::new();
                for (member, score) in big.dict.iter() {
                    insert_absent(&mut dict, member.clone(), *score);
                }
                ZSet { repr: Repr::Skiplist(Box::new(Big { dict, list: big.list.clone() })) }
            }
        }
    }
}

/// Equal when both hold the same members with the same scores, whatever the encodings.
impl PartialEq for ZSet {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl fmt::Debug for ZSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries: Vec<(String, f64)> =
            self.iter().map(|(member, score)| (String::from_utf8_lossy(member).into_owned(), score)).collect();
        f.debug_struct("ZSet").field("encoding", &self.encoding_name()).field("entries", &entries).finish()
    }
}

/// What ZADD does to an existing member.
enum Plan {
    /// Nothing changes; reply with this outcome.
    Keep(AddOutcome),
    /// Set the score to this.
    Set(f64),
}

/// Applies ZADD's flags to an existing member whose score is `current` (Redis's `zsetAdd`).
fn plan_update(current: f64, score: f64, flags: AddFlags) -> Result<Plan, ZSetError> {
    if flags.nx {
        return Ok(Plan::Keep(AddOutcome::Skipped));
    }
    let new = if flags.incr { current + score } else { score };
    if new.is_nan() {
        return Err(ZSetError::NotANumber);
    }
    if (flags.lt && new >= current) || (flags.gt && new <= current) {
        return Ok(Plan::Keep(AddOutcome::Skipped));
    }
    if new == current {
        return Ok(Plan::Keep(AddOutcome::Unchanged(new)));
    }
    Ok(Plan::Set(new))
}

/// Inserts an absent member into the skiplist encoding's tree and dict.
fn insert_big(big: &mut Big, member: &[u8], score: f64) -> Result<(), ZSetError> {
    let key = CompactBytes::new(member);
    if !big.list.insert(key.clone(), score) {
        return Err(ZSetError::TooLarge);
    }
    insert_absent(&mut big.dict, key, score);
    Ok(())
}

/// Inserts an absent member, advancing any incremental rehash by one bucket first: `insert_new`
/// alone never moves buckets, so a dict only ever inserted into would keep growing its chains.
fn insert_absent(dict: &mut Dict<f64>, member: CompactBytes, score: f64) {
    dict.rehash_steps(1);
    dict.insert_new(member, score);
}

/// Redis's sorted-set order: by score, then by member bytes. Scores are never NaN.
fn cmp_entry(score_a: f64, member_a: &[u8], score_b: f64, member_b: &[u8]) -> Ordering {
    score_a.partial_cmp(&score_b).unwrap_or(Ordering::Equal).then_with(|| member_a.cmp(member_b))
}

#[cfg(test)]
mod tests;
