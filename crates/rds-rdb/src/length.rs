//! RDB lengths: 6-bit, 14-bit and 32/64-bit big-endian forms, and the "special encoding" marker of
//! strings (integers, LZF).

/// First byte of a 32-bit length.
pub const LEN_32: u8 = 0x80;
/// First byte of a 64-bit length.
pub const LEN_64: u8 = 0x81;
/// Special string encodings, after `0xC0 |`.
pub const ENC_INT8: u8 = 0;
/// A 16-bit little-endian integer string.
pub const ENC_INT16: u8 = 1;
/// A 32-bit little-endian integer string.
pub const ENC_INT32: u8 = 2;
/// An LZF-compressed string.
pub const ENC_LZF: u8 = 3;

/// What the first byte of a length says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Head {
    /// The whole length (6-bit form).
    Done(u64),
    /// 14-bit form: these high bits, then one more byte.
    More14(u8),
    /// 32-bit big-endian length follows.
    More32,
    /// 64-bit big-endian length follows.
    More64,
    /// A special string encoding (`ENC_*`).
    Special(u8),
    /// Not a valid first byte.
    Invalid,
}

/// Classifies the first byte of a length.
pub fn head(first: u8) -> Head {
    match first >> 6 {
        0 => Head::Done(u64::from(first & 0x3f)),
        1 => Head::More14(first & 0x3f),
        3 => Head::Special(first & 0x3f),
        _ => match first {
            LEN_32 => Head::More32,
            LEN_64 => Head::More64,
            _ => Head::Invalid,
        },
    }
}

/// Encodes `len` in the smallest form into `buf`; returns the bytes used.
pub fn encode(len: u64, buf: &mut [u8; 9]) -> usize {
    if len < 1 << 6 {
        buf[0] = len as u8;
        1
    } else if len < 1 << 14 {
        buf[0] = 0x40 | (len >> 8) as u8;
        buf[1] = len as u8;
        2
    } else if let Ok(len) = u32::try_from(len) {
        buf[0] = LEN_32;
        buf[1..5].copy_from_slice(&len.to_be_bytes());
        5
    } else {
        buf[0] = LEN_64;
        buf[1..9].copy_from_slice(&len.to_be_bytes());
        9
    }
}

/// Appends the encoding of `len` to `out`.
pub fn push(out: &mut Vec<u8>, len: u64) {
    let mut buf = [0u8; 9];
    let used = encode(len, &mut buf);
    out.extend_from_slice(&buf[..used]);
}

/// Bytes the encoding of `len` takes.
pub fn encoded_len(len: u64) -> usize {
    encode(len, &mut [0u8; 9])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Option<u64> {
        match head(bytes[0]) {
            Head::Done(len) => Some(len),
            Head::More14(high) => Some((u64::from(high) << 8) | u64::from(bytes[1])),
            Head::More32 => Some(u64::from(u32::from_be_bytes(bytes[1..5].try_into().ok()?))),
            Head::More64 => Some(u64::from_be_bytes(bytes[1..9].try_into().ok()?)),
            _ => None,
        }
    }

    #[test]
    fn uses_the_smallest_form_and_round_trips() {
        let cases: [(u64, usize); 8] =
            [(0, 1), (63, 1), (64, 2), (16383, 2), (16384, 5), (u32::MAX as u64, 5), (1 << 32, 9), (u64::MAX, 9)];
        for (len, size) in cases {
            let mut out = Vec::new();
            push(&mut out, len);
            assert_eq!(out.len(), size, "{len}");
            assert_eq!(encoded_len(len), size);
            assert_eq!(decode(&out), Some(len));
        }
        assert_eq!(head(0x40 | 1), Head::More14(1));
        let mut out = Vec::new();
        push(&mut out, 300);
        assert_eq!(out, [0x41, 0x2c]);
    }

    #[test]
    fn classifies_special_and_invalid_heads() {
        assert_eq!(head(0xc0), Head::Special(ENC_INT8));
        assert_eq!(head(0xc3), Head::Special(ENC_LZF));
        assert_eq!(head(0x82), Head::Invalid);
        assert_eq!(head(0xbf), Head::Invalid);
    }
}
