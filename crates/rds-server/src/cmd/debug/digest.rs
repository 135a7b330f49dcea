//! DEBUG DIGEST: a fingerprint of the dataset that is independent of iteration order and equal to the
//! one Redis 7.0 prints for the same data, so tests can compare an rds server with a Redis one.
//!
//! Each key/value pair is hashed on its own (key, type code, content, whether it has a TTL); the pairs
//! are combined with XOR, so order does not matter; each non-empty database's number is mixed in before
//! its keys, so the same data in another database gives another digest.

use rds_storage::{Db, Value};

use crate::sha1::{sha1, Sha1, DIGEST_LEN};

/// Redis's type codes (`OBJ_STRING` ...), hashed into each value's digest.
pub mod type_code {
    /// Strings.
    pub const STRING: u32 = 0;
    /// Lists.
    pub const LIST: u32 = 1;
    /// Sets.
    pub const SET: u32 = 2;
    /// Sorted sets.
    pub const ZSET: u32 = 3;
    /// Hashes.
    pub const HASH: u32 = 4;
    /// Streams.
    pub const STREAM: u32 = 6;
}

/// XORs the SHA-1 of `data` into `digest`.
fn xor_digest(digest: &mut [u8; DIGEST_LEN], data: &[u8]) {
    for (d, h) in digest.iter_mut().zip(sha1(data)) {
        *d ^= h;
    }
}

/// XORs `data` in, then rehashes, so that the order of mixed items matters.
fn mix_digest(digest: &mut [u8; DIGEST_LEN], data: &[u8]) {
    xor_digest(digest, data);
    let mut hasher = Sha1::new();
    hasher.update(digest);
    *digest = hasher.finish();
}

/// The digest of one value, built per type the way Redis builds it:
/// - string: `ordered(content)`;
/// - list: `ordered(element)` for each element, head to tail;
/// - set: `unordered(member)` for each member;
/// - hash: `unordered_pair(field, value)` for each field;
/// - sorted set: `unordered_pair(member, score)` with the score printed as `%.17g`.
pub struct ValueDigest {
    digest: [u8; DIGEST_LEN],
}

impl ValueDigest {
    /// Continues `digest` (zeros, or the key's digest) with a value of Redis type `code`.
    pub fn start(digest: [u8; DIGEST_LEN], code: u32) -> Self {
        let mut value = ValueDigest { digest };
        mix_digest(&mut value.digest, &code.to_be_bytes());
        value
    }

    /// Adds an element whose position matters.
    pub fn ordered(&mut self, element: &[u8]) {
        mix_digest(&mut self.digest, element);
    }

    /// Adds an element of an unordered collection.
    pub fn unordered(&mut self, element: &[u8]) {
        xor_digest(&mut self.digest, element);
    }

    /// Adds a (field, value) pair of an unordered collection.
    pub fn unordered_pair(&mut self, first: &[u8], second: &[u8]) {
        let mut pair = [0u8; DIGEST_LEN];
        mix_digest(&mut pair, first);
        mix_digest(&mut pair, second);
        xor_digest(&mut self.digest, &pair);
    }

    /// Finishes the digest; a TTL (whatever its time) changes it.
    pub fn finish(mut self, has_ttl: bool) -> [u8; DIGEST_LEN] {
        if has_ttl {
            xor_digest(&mut self.digest, b"!!expire!!");
        }
        self.digest
    }
}

/// Continues `digest` with `value` (DEBUG DIGEST-VALUE starts from zeros).
pub fn value_digest(digest: [u8; DIGEST_LEN], value: &Value, has_ttl: bool) -> [u8; DIGEST_LEN] {
    // Each new value type adds its arm here, following the rules on `ValueDigest`.
    if let Value::List(list) = value {
        let mut builder = ValueDigest::start(digest, type_code::LIST);
        list.iter().for_each(|element| builder.ordered(element));
        return builder.finish(has_ttl);
    }
    if let Value::Hash(hash) = value {
        let mut builder = ValueDigest::start(digest, type_code::HASH);
        hash.iter().for_each(|(field, value)| builder.unordered_pair(field, value));
        return builder.finish(has_ttl);
    }
    if let Value::Set(set) = value {
        let mut builder = ValueDigest::start(digest, type_code::SET);
        set.iter().for_each(|member| builder.unordered(&member));
        return builder.finish(has_ttl);
    }
    if let Value::ZSet(zset) = value {
        let mut builder = ValueDigest::start(digest, type_code::ZSET);
        zset.iter()
            .for_each(|(member, score)| builder.unordered_pair(member, rds_resp::double::format_g17(score).as_bytes()));
        return builder.finish(has_ttl);
    }
    let mut builder = ValueDigest::start(digest, type_code::STRING);
    if let Some(bytes) = value.as_string() {
        builder.ordered(bytes);
    }
    builder.finish(has_ttl)
}

/// The DEBUG DIGEST of every database: all zeros when the dataset is empty.
pub fn dataset_digest(dbs: &[Db]) -> [u8; DIGEST_LEN] {
    let mut digest = [0u8; DIGEST_LEN];
    for (index, db) in dbs.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        mix_digest(&mut digest, &index.to_be_bytes());
        for (key, entry) in db.iter() {
            let mut pair = [0u8; DIGEST_LEN];
            mix_digest(&mut pair, key);
            let pair = value_digest(pair, &entry.value, db.expire_at(key).is_some());
            xor_digest(&mut digest, &pair);
        }
    }
    digest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sha1::to_hex;

    /// Digests of `RPUSH l a b c`, `SADD s a b c`, `HSET h f1 v1 f2 v2` and `ZADD z 1 a 2.5 b`, as
    /// DEBUG DIGEST-VALUE prints them on Redis 7.0.15.
    #[test]
    fn collection_rules_match_redis() {
        let build = |code: u32, add: &dyn Fn(&mut ValueDigest)| {
            let mut digest = ValueDigest::start([0; DIGEST_LEN], code);
            add(&mut digest);
            to_hex(&digest.finish(false))
        };
        let list = build(type_code::LIST, &|d| ["a", "b", "c"].iter().for_each(|e| d.ordered(e.as_bytes())));
        assert_eq!(list, "8bf72d812571eea9b927f3c11beb0c4165a6ff89");
        let set = build(type_code::SET, &|d| ["c", "a", "b"].iter().for_each(|e| d.unordered(e.as_bytes())));
        assert_eq!(set, "593c2414786d75446e97f4ea5d4b731f3313da72");
        let hash = build(type_code::HASH, &|d| {
            d.unordered_pair(b"f2", b"v2");
            d.unordered_pair(b"f1", b"v1");
        });
        assert_eq!(hash, "047cc60ea73a34cde6d08a2721a4a26d19ee6570");
        let zset = build(type_code::ZSET, &|d| {
            d.unordered_pair(b"a", b"1");
            d.unordered_pair(b"b", b"2.5");
        });
        assert_eq!(zset, "c45c5b051acd64070e5ed1a949939d5145f806c5");
    }
}
