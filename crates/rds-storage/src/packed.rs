//! Packed entry buffers: byte strings stored back to back behind varint length headers, the
//! compact layout (like Redis's listpack) of small hashes and of list nodes.
//!
//! An entry is `varint(len) bytes`, optionally followed by the same header reversed (a "back
//! length", as in listpack) so a buffer can also be walked from its end. A varint is LEB128: 7 bits
//! per byte, the high bit set on every byte but the last, so lengths below 128 cost one byte.
//! Readers return `None` on a malformed buffer instead of panicking.

use std::ops::Range;

/// Longest varint: 10 bytes hold 64 bits.
const MAX_VARINT: usize = 10;

/// Bytes the varint encoding of `value` takes.
pub fn varint_len(value: usize) -> usize {
    let bits = usize::BITS - (value | 1).leading_zeros();
    bits.div_ceil(7) as usize
}

/// Bytes an entry of `len` payload bytes takes, with or without a back length.
pub fn entry_len(len: usize, back: bool) -> usize {
    let header = varint_len(len);
    len + if back { 2 * header } else { header }
}

fn varint_bytes(value: usize) -> ([u8; MAX_VARINT], usize) {
    let mut out = [0u8; MAX_VARINT];
    let mut value = value;
    let mut used = 0;
    loop {
        let low = (value & 0x7f) as u8;
        value >>= 7;
        if let Some(slot) = out.get_mut(used) {
            *slot = if value == 0 { low } else { low | 0x80 };
        }
        used += 1;
        if value == 0 || used == MAX_VARINT {
            return (out, used);
        }
    }
}

/// Appends `bytes` as an entry.
pub fn push_entry(out: &mut Vec<u8>, bytes: &[u8], back: bool) {
    let (header, used) = varint_bytes(bytes.len());
    let header = &header[..used];
    out.extend_from_slice(header);
    out.extend_from_slice(bytes);
    if back {
        out.extend(header.iter().rev());
    }
}

/// Writes `bytes` as an entry into `out`, which must be exactly [`entry_len`] bytes long.
pub fn write_entry(out: &mut [u8], bytes: &[u8], back: bool) {
    let (header, used) = varint_bytes(bytes.len());
    let header = &header[..used];
    let (head, rest) = out.split_at_mut(used.min(out.len()));
    head.copy_from_slice(&header[..head.len()]);
    let (payload, trailer) = rest.split_at_mut(bytes.len().min(rest.len()));
    payload.copy_from_slice(&bytes[..payload.len()]);
    if back {
        for (slot, byte) in trailer.iter_mut().zip(header.iter().rev()) {
            *slot = *byte;
        }
    }
}

/// Replaces `range` of `buf` (whole entries, or an empty range to insert) with `bytes` as one entry.
/// Reserve first to control the allocation: this only moves bytes. O(buffer length).
pub fn splice_entry(buf: &mut Vec<u8>, range: Range<usize>, bytes: &[u8], back: bool) {
    let (header, used) = varint_bytes(bytes.len());
    let header = &header[..used];
    let trailer: &[u8] = if back { header } else { &[] };
    let start = range.start.min(buf.len());
    let end = range.end.clamp(start, buf.len());
    buf.splice(start..end, header.iter().chain(bytes).chain(trailer.iter().rev()).copied());
}

/// The encoded entry for `bytes` as its own buffer, sized exactly.
pub fn encode_entry(bytes: &[u8], back: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(entry_len(bytes.len(), back));
    push_entry(&mut out, bytes, back);
    out
}

/// Reads the entry starting at `pos`: its payload and the position just after it.
pub fn read_entry(buf: &[u8], pos: usize, back: bool) -> Option<(&[u8], usize)> {
    let mut len: usize = 0;
    let mut at = pos;
    for shift in (0..MAX_VARINT as u32).map(|i| i * 7) {
        let byte = *buf.get(at)?;
        at += 1;
        len |= usize::from(byte & 0x7f).checked_shl(shift).unwrap_or(0);
        if byte & 0x80 == 0 {
            let header = at - pos;
            let end = at.checked_add(len)?;
            let payload = buf.get(at..end)?;
            let next = if back { end.checked_add(header)? } else { end };
            return (next <= buf.len()).then_some((payload, next));
        }
    }
    None
}

/// Reads the entry ending at `end`, which must have been written with a back length: its payload
/// and the position where it starts.
pub fn read_entry_back(buf: &[u8], end: usize) -> Option<(&[u8], usize)> {
    let mut len: usize = 0;
    let mut at = end;
    for shift in (0..MAX_VARINT as u32).map(|i| i * 7) {
        at = at.checked_sub(1)?;
        let byte = *buf.get(at)?;
        len |= usize::from(byte & 0x7f).checked_shl(shift).unwrap_or(0);
        if byte & 0x80 == 0 {
            let header = end - at;
            let start = at.checked_sub(len)?.checked_sub(header)?;
            let payload = buf.get(at - len..at)?;
            return Some((payload, start));
        }
    }
    None
}

/// Replaces `range` of a boxed buffer with `insert`, keeping the allocation exactly sized: small
/// collections pay no growth slack, as with Redis's `lpInsert` reallocations. O(buffer length).
pub fn splice_exact(buf: &mut Box<[u8]>, range: Range<usize>, insert: &[u8]) {
    let mut bytes = std::mem::take(buf).into_vec();
    let start = range.start.min(bytes.len());
    let end = range.end.clamp(start, bytes.len());
    let removed = end - start;
    if insert.len() > removed {
        bytes.reserve_exact(insert.len() - removed);
    }
    bytes.splice(start..end, insert.iter().copied());
    *buf = bytes.into_boxed_slice();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_both_ways() {
        for len in [0usize, 1, 127, 128, 300, 16383, 16384, 70000] {
            let payload: Vec<u8> = (0..len).map(|i| i as u8).collect();
            for back in [false, true] {
                let mut buf = vec![9u8];
                push_entry(&mut buf, &payload, back);
                assert_eq!(buf.len(), 1 + entry_len(len, back));
                let (read, next) = read_entry(&buf, 1, back).unwrap();
                assert_eq!(read, &payload[..]);
                assert_eq!(next, buf.len());
                if back {
                    let (read, start) = read_entry_back(&buf, buf.len()).unwrap();
                    assert_eq!(read, &payload[..]);
                    assert_eq!(start, 1);
                }
            }
        }
    }

    #[test]
    fn write_entry_matches_encode_entry() {
        for len in [0usize, 1, 127, 128, 300, 20_000] {
            let item = vec![b'x'; len];
            for back in [false, true] {
                let mut out = vec![0u8; entry_len(len, back)];
                write_entry(&mut out, &item, back);
                assert_eq!(out, encode_entry(&item, back), "len {len} back {back}");
            }
        }
    }

    #[test]
    fn splice_entry_inserts_and_replaces() {
        let mut buf = Vec::new();
        push_entry(&mut buf, b"b", true);
        splice_entry(&mut buf, 0..0, b"a", true);
        let end = buf.len();
        splice_entry(&mut buf, end..end, b"c", true);
        let (_, second) = read_entry(&buf, 0, true).unwrap();
        let (_, third) = read_entry(&buf, second, true).unwrap();
        splice_entry(&mut buf, second..third, b"BBBB", true);
        let mut items = Vec::new();
        let mut pos = 0;
        while let Some((item, next)) = read_entry(&buf, pos, true) {
            items.push(item.to_vec());
            pos = next;
        }
        assert_eq!(items, vec![b"a".to_vec(), b"BBBB".to_vec(), b"c".to_vec()]);
    }

    #[test]
    fn malformed_buffers_give_none() {
        assert_eq!(read_entry(&[], 0, false), None);
        assert_eq!(read_entry(&[5, 1, 2], 0, false), None);
        assert_eq!(read_entry(&[0x80; 12], 0, true), None);
        assert_eq!(read_entry_back(&[3, 1, 3], 3), None);
        assert_eq!(read_entry_back(&[], 0), None);
    }

    #[test]
    fn varint_lengths() {
        assert_eq!(varint_len(0), 1);
        assert_eq!(varint_len(127), 1);
        assert_eq!(varint_len(128), 2);
        assert_eq!(varint_len(usize::MAX), 10);
    }

    #[test]
    fn splice_keeps_exact_size() {
        let mut buf: Box<[u8]> = Box::from(&b"hello"[..]);
        splice_exact(&mut buf, 1..4, b"EYYY");
        assert_eq!(&buf[..], b"hEYYYo");
        splice_exact(&mut buf, 0..6, b"");
        assert!(buf.is_empty());
        splice_exact(&mut buf, 5..9, b"x");
        assert_eq!(&buf[..], b"x");
    }
}
