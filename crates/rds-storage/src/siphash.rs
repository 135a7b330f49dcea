//! SipHash-1-2 over a whole byte slice, the keyed hash Redis uses for its dictionaries.
//!
//! Keys come from clients, so the table hash must be keyed (an attacker who cannot predict the hash
//! cannot build long chains); one compression and two finalization rounds are what Redis settled on
//! for that job. Hashing the slice in one call (instead of through `std::hash::Hasher`, which also
//! hashes a length prefix and buffers partial words) makes it several times cheaper for short keys.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::OnceLock;

/// A 128-bit SipHash key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SipKey {
    k0: u64,
    k1: u64,
}

impl SipKey {
    /// A key from its two halves.
    pub const fn new(k0: u64, k1: u64) -> Self {
        SipKey { k0, k1 }
    }

    /// The process-wide random key, drawn from the OS once (like Redis's `dictSetHashFunctionSeed`).
    /// One key for every table means a key hashes the same in all of them.
    pub fn process() -> Self {
        static KEY: OnceLock<SipKey> = OnceLock::new();
        *KEY.get_or_init(|| {
            let state = RandomState::new();
            SipKey::new(state.hash_one(0x6b30_u64), state.hash_one(0x6b31_u64))
        })
    }

    /// SipHash-1-2 of `data`.
    pub fn hash(&self, data: &[u8]) -> u64 {
        sip::<1, 2>(self, data)
    }
}

struct State {
    v0: u64,
    v1: u64,
    v2: u64,
    v3: u64,
}

impl State {
    #[inline(always)]
    fn round(&mut self) {
        self.v0 = self.v0.wrapping_add(self.v1);
        self.v1 = self.v1.rotate_left(13) ^ self.v0;
        self.v0 = self.v0.rotate_left(32);
        self.v2 = self.v2.wrapping_add(self.v3);
        self.v3 = self.v3.rotate_left(16) ^ self.v2;
        self.v0 = self.v0.wrapping_add(self.v3);
        self.v3 = self.v3.rotate_left(21) ^ self.v0;
        self.v2 = self.v2.wrapping_add(self.v1);
        self.v1 = self.v1.rotate_left(17) ^ self.v2;
        self.v2 = self.v2.rotate_left(32);
    }

    #[inline(always)]
    fn compress<const C: usize>(&mut self, word: u64) {
        self.v3 ^= word;
        for _ in 0..C {
            self.round();
        }
        self.v0 ^= word;
    }
}

/// SipHash-C-D of `data` under `key` (C compression rounds per word, D finalization rounds).
#[inline]
fn sip<const C: usize, const D: usize>(key: &SipKey, data: &[u8]) -> u64 {
    let mut s = State {
        v0: key.k0 ^ 0x736f_6d65_7073_6575,
        v1: key.k1 ^ 0x646f_7261_6e64_6f6d,
        v2: key.k0 ^ 0x6c79_6765_6e65_7261,
        v3: key.k1 ^ 0x7465_6462_7974_6573,
    };
    let mut words = data.chunks_exact(8);
    for word in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        s.compress::<C>(u64::from_le_bytes(bytes));
    }
    let tail = words.remainder();
    let mut last = [0u8; 8];
    last[..tail.len()].copy_from_slice(tail);
    // The length's low byte goes into the top byte of the last word, as the specification says.
    last[7] = data.len() as u8;
    s.compress::<C>(u64::from_le_bytes(last));
    s.v2 ^= 0xff;
    for _ in 0..D {
        s.round();
    }
    s.v0 ^ s.v1 ^ s.v2 ^ s.v3
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The first outputs of the reference SipHash-2-4 test vectors (key 00..0f, message 00..len-1).
    #[test]
    fn siphash24_matches_the_reference_vectors() {
        let key = SipKey::new(0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908);
        let message: Vec<u8> = (0..64u8).collect();
        let expected: [u64; 4] =
            [0x726f_db47_dd0e_0e31, 0x74f8_39c5_93dc_67fd, 0x0d6c_8009_d9a9_4f5a, 0x8567_6696_d7fb_7e2d];
        for (len, want) in expected.iter().enumerate() {
            assert_eq!(sip::<2, 4>(&key, &message[..len]), *want, "length {len}");
        }
    }

    /// Our one-shot loop against std's streaming SipHash-2-4 for every length across two words.
    #[test]
    #[allow(deprecated)]
    fn siphash24_matches_std_for_all_lengths() {
        use std::hash::Hasher;
        let key = SipKey::new(0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210);
        let message: Vec<u8> = (0..100u8).map(|b| b.wrapping_mul(37).wrapping_add(11)).collect();
        for len in 0..message.len() {
            let mut reference = std::hash::SipHasher::new_with_keys(key.k0, key.k1);
            reference.write(&message[..len]);
            assert_eq!(sip::<2, 4>(&key, &message[..len]), reference.finish(), "length {len}");
        }
    }

    #[test]
    fn siphash12_is_keyed_and_length_sensitive() {
        let a = SipKey::new(1, 2);
        let b = SipKey::new(1, 3);
        assert_ne!(a.hash(b"key:000000000001"), b.hash(b"key:000000000001"));
        assert_ne!(a.hash(b""), a.hash(b"\0"));
        assert_eq!(SipKey::process(), SipKey::process());
    }
}
