//! HyperLogLog in Redis's exact byte format, stored as an ordinary string value (PFADD, PFCOUNT,
//! PFMERGE).
//!
//! Why byte-for-byte Redis: an HLL is a plain string, so it travels through GET/SET, RDB files and
//! replication to and from real Redis. A value made by either server must count the same in the other.
//!
//! Layout (Redis `hyperloglog.c`): a 16-byte header `"HYLL"`, an encoding byte (0 dense, 1 sparse),
//! three unused bytes and the cached cardinality (little-endian u64, most significant bit set when
//! stale), then the registers: dense is 16384 six-bit registers packed LSB first (12288 bytes);
//! sparse is a run-length code of `ZERO` (`00xxxxxx`, 1–64 zero registers), `XZERO`
//! (`01xxxxxx yyyyyyyy`, 1–16384 zero registers) and `VAL` (`1vvvvvxx`, 1–4 registers of value
//! 1–32) opcodes. Sparse values are promoted to dense when a register exceeds 32 or the value would
//! grow past `hll-sparse-max-bytes`. Elements are hashed with MurmurHash64A (seed `0xadc83b19`) and
//! counted with Otmar Ertl's estimator, as Redis 7.0 does.

mod estimate;
mod sparse;

use estimate::{estimate, histogram};

/// Number of registers (2^14).
pub const REGISTERS: usize = 1 << P;
/// Length of the header shared by both encodings.
pub const HEADER_LEN: usize = 16;
/// Exact length of a dense value: header plus 16384 six-bit registers.
pub const DENSE_LEN: usize = HEADER_LEN + (REGISTERS * 6).div_ceil(8);
/// Redis's default for the `hll-sparse-max-bytes` directive.
pub const DEFAULT_SPARSE_MAX_BYTES: usize = 3000;

const P: u32 = 14;
/// Bits of the hash left after the register index.
const Q: usize = 64 - P as usize;
const MAGIC: &[u8; 4] = b"HYLL";
const ENCODING_DENSE: u8 = 0;
const ENCODING_SPARSE: u8 = 1;
const REGISTER_MAX: u8 = 63;
const SPARSE_VAL_MAX_VALUE: u8 = 32;
const SPARSE_VAL_MAX_LEN: usize = 4;
const SPARSE_ZERO_MAX_LEN: usize = 64;
const SPARSE_XZERO_MAX_LEN: usize = 16384;
const HASH_SEED: u64 = 0xadc8_3b19;
/// Byte holding the cache-validity bit (MSB of the cached cardinality).
const CACHE_FLAG_BYTE: usize = 15;

/// Why an HLL command failed; the Display text is Redis's full error reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HllError {
    /// The string is not an HLL (bad magic, encoding or length).
    #[error("WRONGTYPE Key is not a valid HyperLogLog string value.")]
    NotHll,
    /// The sparse run-length code does not describe exactly 16384 registers.
    #[error("INVALIDOBJ Corrupted HLL object detected")]
    Corrupted,
}

/// The encoding of a valid HLL value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// 16384 packed six-bit registers.
    Dense,
    /// Run-length coded registers.
    Sparse,
}

/// PFCOUNT's answer for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    /// The estimated cardinality.
    pub cardinality: u64,
    /// True when the cached cardinality was rewritten, so the value changed (Redis then signals
    /// the key as modified and bumps the dirty counter).
    pub cache_written: bool,
}

/// Checks the header like Redis's `isHLLObjectOrReply`: length, magic, encoding, dense length.
pub fn validate(hll: &[u8]) -> Result<Encoding, HllError> {
    if hll.len() < HEADER_LEN || &hll[..4] != MAGIC {
        return Err(HllError::NotHll);
    }
    match hll[4] {
        ENCODING_DENSE if hll.len() == DENSE_LEN => Ok(Encoding::Dense),
        ENCODING_SPARSE => Ok(Encoding::Sparse),
        _ => Err(HllError::NotHll),
    }
}

/// An empty HLL as PFADD and PFMERGE create it: sparse, all registers zero, cached cardinality 0.
pub fn new_sparse() -> Vec<u8> {
    let mut hll = Vec::with_capacity(HEADER_LEN + 2);
    hll.extend_from_slice(MAGIC);
    hll.push(ENCODING_SPARSE);
    hll.extend_from_slice(&[0; 11]);
    // 16384 zero registers fit exactly one XZERO opcode.
    push_xzero(&mut hll, REGISTERS);
    hll
}

/// PFADD on a key that does not exist yet: the new value (PFADD then always replies 1).
pub fn pfadd_new<'a>(elements: impl IntoIterator<Item = &'a [u8]>, sparse_max_bytes: usize) -> Vec<u8> {
    let mut hll = new_sparse();
    // A fresh sparse value is valid, so adding cannot fail; Redis counts the creation as an update.
    let _ = pfadd(&mut hll, elements, sparse_max_bytes);
    invalidate_cache(&mut hll);
    hll
}

/// PFADD on an existing string: returns true when a register changed (reply 1).
///
/// On error, registers already updated by earlier elements stay updated, as in Redis.
pub fn pfadd<'a>(
    hll: &mut Vec<u8>,
    elements: impl IntoIterator<Item = &'a [u8]>,
    sparse_max_bytes: usize,
) -> Result<bool, HllError> {
    validate(hll)?;
    let mut updated = false;
    for element in elements {
        let (index, count) = pattern(element);
        updated |= set_register(hll, index, count, sparse_max_bytes)?;
    }
    if updated {
        invalidate_cache(hll);
    }
    Ok(updated)
}

/// PFCOUNT of one key: the cached cardinality when valid, else a fresh estimate written to the cache.
pub fn pfcount(hll: &mut [u8]) -> Result<Count, HllError> {
    validate(hll)?;
    if hll[CACHE_FLAG_BYTE] & 0x80 == 0 {
        let cardinality = u64::from_le_bytes(cached_bytes(hll));
        return Ok(Count { cardinality, cache_written: false });
    }
    let histogram = histogram(hll)?;
    let cardinality = estimate(&histogram);
    hll[8..16].copy_from_slice(&cardinality.to_le_bytes());
    Ok(Count { cardinality, cache_written: true })
}

/// PFCOUNT of several keys: the cardinality of their union (absent keys are simply left out).
pub fn pfcount_union<'a>(hlls: impl IntoIterator<Item = &'a [u8]>) -> Result<u64, HllError> {
    let mut max = [0u8; REGISTERS];
    for hll in hlls {
        validate(hll)?;
        merge_into(&mut max, hll)?;
    }
    let mut histogram = [0u64; 64];
    for &register in &max {
        histogram[usize::from(register & REGISTER_MAX)] += 1;
    }
    Ok(estimate(&histogram))
}

/// PFMERGE: the new value of the destination, given its current value (`None` when absent) and the
/// sources. Like Redis, the result is dense as soon as any input is dense.
pub fn pfmerge<'a>(
    dest: Option<&'a [u8]>,
    sources: impl IntoIterator<Item = &'a [u8]>,
    sparse_max_bytes: usize,
) -> Result<Vec<u8>, HllError> {
    let mut max = [0u8; REGISTERS];
    let mut use_dense = false;
    for hll in dest.into_iter().chain(sources) {
        use_dense |= validate(hll)? == Encoding::Dense;
        merge_into(&mut max, hll)?;
    }
    let mut out = dest.map_or_else(new_sparse, <[u8]>::to_vec);
    if use_dense {
        to_dense(&mut out)?;
    }
    for (index, &value) in max.iter().enumerate() {
        if value != 0 {
            set_register(&mut out, index, value, sparse_max_bytes)?;
        }
    }
    invalidate_cache(&mut out);
    Ok(out)
}

/// Converts a valid value to the dense encoding in place (PFDEBUG TODENSE); returns true when it
/// was sparse.
pub fn to_dense(hll: &mut Vec<u8>) -> Result<bool, HllError> {
    if validate(hll)? == Encoding::Dense {
        return Ok(false);
    }
    let mut dense = vec![0u8; DENSE_LEN];
    dense[..HEADER_LEN].copy_from_slice(&hll[..HEADER_LEN]);
    dense[4] = ENCODING_DENSE;
    let mut index = 0usize;
    for op in SparseOps::new(&hll[HEADER_LEN..]) {
        match op {
            SparseOp::Zero(run) => index += run,
            SparseOp::Val(value, run) => {
                if index + run > REGISTERS {
                    // A run past the last register is corruption, even right after a full XZERO.
                    return Err(HllError::Corrupted);
                }
                for i in index..index + run {
                    dense_set(&mut dense[HEADER_LEN..], i, value);
                }
                index += run;
            }
        }
    }
    if index != REGISTERS {
        return Err(HllError::Corrupted);
    }
    *hll = dense;
    Ok(true)
}

/// The 16384 register values of a valid value (PFDEBUG GETREG, tests).
pub fn registers(hll: &[u8]) -> Result<Vec<u8>, HllError> {
    validate(hll)?;
    let mut max = vec![0u8; REGISTERS];
    merge_into(&mut max, hll)?;
    Ok(max)
}

/// Redis's MurmurHash64A (MurmurHash2, 64-bit, endian-neutral) with the given seed.
pub fn murmur_hash64a(key: &[u8], seed: u32) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    // Redis computes `len * m` on an `int` length, so only the low 32 bits of the length matter.
    let len = key.len() as i32;
    let mut h = u64::from(seed) ^ (len as i64 as u64).wrapping_mul(M);
    let mut chunks = key.chunks_exact(8);
    for chunk in &mut chunks {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        let mut k = u64::from_le_bytes(bytes);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        for (i, &byte) in tail.iter().enumerate() {
            h ^= u64::from(byte) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The register an element maps to and the length of its `000..1` pattern (Redis's `hllPatLen`).
fn pattern(element: &[u8]) -> (usize, u8) {
    let hash = murmur_hash64a(element, HASH_SEED as u32);
    let index = (hash & (REGISTERS as u64 - 1)) as usize;
    // The sentinel bit caps the count at Q + 1.
    let rest = (hash >> P) | (1u64 << Q);
    (index, rest.trailing_zeros() as u8 + 1)
}

fn invalidate_cache(hll: &mut [u8]) {
    if let Some(byte) = hll.get_mut(CACHE_FLAG_BYTE) {
        *byte |= 0x80;
    }
}

fn cached_bytes(hll: &[u8]) -> [u8; 8] {
    let mut bytes = [0u8; 8];
    if let Some(card) = hll.get(8..16) {
        bytes.copy_from_slice(card);
    }
    bytes
}

/// Raises register `index` to `count` if lower, in either encoding; returns true when it changed.
fn set_register(hll: &mut Vec<u8>, index: usize, count: u8, sparse_max_bytes: usize) -> Result<bool, HllError> {
    match hll.get(4) {
        Some(&ENCODING_DENSE) => Ok(dense_raise(&mut hll[HEADER_LEN..], index, count)),
        Some(&ENCODING_SPARSE) => sparse::set(hll, index, count, sparse_max_bytes),
        _ => Err(HllError::NotHll),
    }
}

/// Promotes a sparse value to dense and raises one register (the end of Redis's `hllSparseSet`).
fn promote_and_set(hll: &mut Vec<u8>, index: usize, count: u8) -> Result<bool, HllError> {
    to_dense(hll)?;
    Ok(dense_raise(&mut hll[HEADER_LEN..], index, count))
}

fn dense_get(registers: &[u8], index: usize) -> u8 {
    let byte = index * 6 / 8;
    let shift = (index * 6) & 7;
    let b0 = u16::from(registers.get(byte).copied().unwrap_or(0));
    // The last register's second byte is Redis's sds terminator: always zero.
    let b1 = u16::from(registers.get(byte + 1).copied().unwrap_or(0));
    (((b0 >> shift) | (b1 << (8 - shift))) & u16::from(REGISTER_MAX)) as u8
}

fn dense_set(registers: &mut [u8], index: usize, value: u8) {
    let byte = index * 6 / 8;
    let shift = (index * 6) & 7;
    let value = u16::from(value & REGISTER_MAX);
    let mask = u16::from(REGISTER_MAX);
    if let Some(b0) = registers.get_mut(byte) {
        *b0 = ((u16::from(*b0) & !(mask << shift)) | (value << shift)) as u8;
    }
    if let Some(b1) = registers.get_mut(byte + 1) {
        let high = 8 - shift;
        *b1 = ((u16::from(*b1) & !(mask >> high)) | (value >> high)) as u8;
    }
}

fn dense_raise(registers: &mut [u8], index: usize, count: u8) -> bool {
    if count > dense_get(registers, index) {
        dense_set(registers, index, count);
        true
    } else {
        false
    }
}

/// Folds a validated value into `max` (Redis's `hllMerge`).
fn merge_into(max: &mut [u8], hll: &[u8]) -> Result<(), HllError> {
    let registers = &hll[HEADER_LEN..];
    if hll[4] == ENCODING_DENSE {
        for (index, slot) in max.iter_mut().enumerate().take(REGISTERS) {
            *slot = (*slot).max(dense_get(registers, index));
        }
        return Ok(());
    }
    let mut index = 0usize;
    for op in SparseOps::new(registers) {
        match op {
            SparseOp::Zero(run) => index += run,
            SparseOp::Val(value, run) => {
                if index + run > REGISTERS {
                    // A run past the last register is corruption, even right after a full XZERO.
                    return Err(HllError::Corrupted);
                }
                for slot in &mut max[index..index + run] {
                    *slot = (*slot).max(value);
                }
                index += run;
            }
        }
    }
    if index == REGISTERS {
        Ok(())
    } else {
        Err(HllError::Corrupted)
    }
}

fn push_xzero(out: &mut Vec<u8>, run: usize) {
    let len = run.clamp(1, SPARSE_XZERO_MAX_LEN) - 1;
    out.push(0x40 | (len >> 8) as u8);
    out.push((len & 0xff) as u8);
}

/// One decoded sparse opcode: a run of zero registers, or `(value, run)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SparseOp {
    Zero(usize),
    Val(u8, usize),
}

/// Decodes sparse opcodes; a truncated XZERO reads its missing byte as zero, like Redis reading the
/// sds terminator.
struct SparseOps<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> SparseOps<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        SparseOps { bytes, pos: 0 }
    }
}

/// Decodes the opcode at `pos`: the op and its length in bytes.
fn decode_op(bytes: &[u8], pos: usize) -> Option<(SparseOp, usize)> {
    let b = *bytes.get(pos)?;
    Some(match b & 0xc0 {
        0x00 => (SparseOp::Zero(usize::from(b & 0x3f) + 1), 1),
        0x40 => {
            let low = usize::from(bytes.get(pos + 1).copied().unwrap_or(0));
            (SparseOp::Zero(((usize::from(b & 0x3f) << 8) | low) + 1), 2)
        }
        _ => (SparseOp::Val(((b >> 2) & 0x1f) + 1, usize::from(b & 3) + 1), 1),
    })
}

impl Iterator for SparseOps<'_> {
    type Item = SparseOp;

    fn next(&mut self) -> Option<SparseOp> {
        let (op, len) = decode_op(self.bytes, self.pos)?;
        self.pos += len;
        Some(op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur_matches_reference_values() {
        // Seed 0xadc83b19, every tail length class; "e:0" lands on register 6225 in Redis's vectors.
        let cases: [(&[u8], u64); 6] = [
            (b"", 0xd8df_ea65_85bc_9732),
            (b"a", 0x53d2_470a_9b43_b1a7),
            (b"abcdefg", 0x22fe_613b_b08c_9602),
            (b"abcdefgh", 0xf3a6_5df5_5991_4567),
            (b"hello world", 0xa919_bc30_51f6_24b7),
            (b"e:0", 0x9537_9ff3_4b68_d851),
        ];
        for (key, expected) in cases {
            assert_eq!(murmur_hash64a(key, HASH_SEED as u32), expected, "{key:?}");
        }
        assert_eq!(pattern(b"e:0").0, 6225);
    }

    #[test]
    fn dense_registers_round_trip_without_touching_neighbours() {
        let mut registers = vec![0u8; DENSE_LEN - HEADER_LEN];
        let mut expected = vec![0u8; REGISTERS];
        let mut seed = 0x1234_5678_u64;
        for (index, slot) in expected.iter_mut().enumerate() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let value = (seed & 63) as u8;
            dense_set(&mut registers, index, value);
            *slot = value;
        }
        for (index, &value) in expected.iter().enumerate() {
            assert_eq!(dense_get(&registers, index), value, "register {index}");
        }
    }

    #[test]
    fn empty_values_count_zero_in_both_encodings() {
        let mut sparse = new_sparse();
        assert_eq!(validate(&sparse), Ok(Encoding::Sparse));
        assert_eq!(sparse.len(), HEADER_LEN + 2);
        assert_eq!(pfcount(&mut sparse).map(|c| c.cardinality), Ok(0));
        let mut dense = sparse.clone();
        assert_eq!(to_dense(&mut dense), Ok(true));
        assert_eq!(dense.len(), DENSE_LEN);
        dense[CACHE_FLAG_BYTE] |= 0x80;
        assert_eq!(pfcount(&mut dense), Ok(Count { cardinality: 0, cache_written: true }));
    }

    #[test]
    fn validation_rejects_what_redis_rejects() {
        assert_eq!(validate(b"HYL"), Err(HllError::NotHll));
        assert_eq!(validate(b"hello world, not an hll"), Err(HllError::NotHll));
        let mut bad = new_sparse();
        bad[4] = 2;
        assert_eq!(validate(&bad), Err(HllError::NotHll));
        bad[4] = ENCODING_DENSE;
        assert_eq!(validate(&bad), Err(HllError::NotHll));
        assert_eq!(HllError::Corrupted.to_string(), "INVALIDOBJ Corrupted HLL object detected");
    }

    #[test]
    fn counts_are_accurate_and_cached() {
        let elements: Vec<Vec<u8>> = (0..20_000).map(|i| format!("item:{i}").into_bytes()).collect();
        let mut hll = pfadd_new(elements.iter().map(Vec::as_slice), DEFAULT_SPARSE_MAX_BYTES);
        assert_eq!(validate(&hll), Ok(Encoding::Dense));
        let first = pfcount(&mut hll).expect("valid");
        assert!(first.cache_written);
        let error = (first.cardinality as f64 - 20_000.0).abs() / 20_000.0;
        assert!(error < 0.03, "estimate {}", first.cardinality);
        let second = pfcount(&mut hll).expect("valid");
        assert_eq!(second, Count { cardinality: first.cardinality, cache_written: false });
        assert_eq!(pfadd(&mut hll, [&b"item:1"[..]], DEFAULT_SPARSE_MAX_BYTES), Ok(false));
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut seed = 7u64;
        for len in 0..300 {
            let mut value = new_sparse();
            value.truncate(HEADER_LEN);
            for _ in 0..len {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                value.push((seed >> 33) as u8);
            }
            let _ = pfcount(&mut value.clone());
            let _ = pfcount_union([value.as_slice()]);
            let _ = pfmerge(Some(&value), [], 100);
            let _ = pfadd(&mut value.clone(), [&b"x"[..], b"y", b"z"], 100);
            let _ = to_dense(&mut value.clone());
        }
    }
}
