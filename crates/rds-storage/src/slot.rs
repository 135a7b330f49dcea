//! Cluster hash slots: CRC16 (XMODEM) of the key or of its `{hash tag}`, modulo 16384.

use crc::{Crc, CRC_16_XMODEM};

/// Number of hash slots in a Redis Cluster.
pub const SLOT_COUNT: usize = 16384;

const CRC16: Crc<u16> = Crc::<u16>::new(&CRC_16_XMODEM);

/// The hash slot of `key`, honouring `{hash tags}` as Redis does.
pub fn key_slot(key: &[u8]) -> u16 {
    let hashed = match key.iter().position(|&b| b == b'{') {
        Some(open) => match key[open + 1..].iter().position(|&b| b == b'}') {
            Some(len) if len > 0 => &key[open + 1..open + 1 + len],
            _ => key,
        },
        None => key,
    };
    CRC16.checksum(hashed) & (SLOT_COUNT as u16 - 1)
}

#[cfg(test)]
mod tests {
    use super::key_slot;

    #[test]
    fn matches_redis_vectors() {
        assert_eq!(key_slot(b"123456789"), 0x31c3 & 16383);
        assert_eq!(key_slot(b"foo"), 12182);
        assert_eq!(key_slot(b"{user1000}.following"), key_slot(b"user1000"));
        assert_eq!(key_slot(b"foo{}{bar}"), key_slot(b"foo{}{bar}"));
        assert_eq!(key_slot(b"{}foo"), key_slot(b"{}foo"));
    }
}
