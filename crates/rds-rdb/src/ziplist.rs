//! Ziplists, the packed encoding of Redis before 7.0 (list, hash and sorted-set blobs, quicklist
//! nodes of RDB type 14): a checking reader, and a writer for tests and tools.
//!
//! Layout: `<u32 LE total bytes> <u32 LE offset of the last entry> <u16 LE count (65535: unknown)>
//! <entry>* 0xFF`, an entry being `<prevlen> <encoding> <data>`.

use rds_storage::num::parse_i64;

pub use crate::listpack::Element;
use crate::listpack::{check_header, int_le};

/// Bytes of the header.
const HEADER_LEN: usize = 10;
/// The end marker.
const EOF: u8 = 0xff;

/// A checking reader over a ziplist's entries; [`crate::listpack::Elements`] walks it.
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    prev_len: usize,
    last_start: usize,
    seen: usize,
    declared: u16,
}

/// Reads the header of `blob`: the total must match the blob's size and it must end with 0xFF.
pub(crate) fn read(blob: &[u8]) -> Result<Reader<'_>, &'static str> {
    let declared = check_header(blob, HEADER_LEN, 8).ok_or("ziplist header, size or end marker is wrong")?;
    Ok(Reader { data: blob, pos: HEADER_LEN, prev_len: 0, last_start: HEADER_LEN, seen: 0, declared })
}

impl<'a> Reader<'a> {
    /// Decodes the encoding and data at `at`: the element and the bytes they take.
    fn body(&self, at: usize) -> Option<(Element<'a>, usize)> {
        let data = self.data;
        let b = *data.get(at)?;
        let string = |skip: usize, len: usize| -> Option<(Element<'a>, usize)> {
            Some((Element::Str(data.get(at + skip..at + skip + len)?), skip + len))
        };
        match b {
            0x00..=0x3f => string(1, usize::from(b)),
            0x40..=0x7f => string(2, (usize::from(b & 0x3f) << 8) | usize::from(*data.get(at + 1)?)),
            0x80 => string(5, u32::from_be_bytes(data.get(at + 1..at + 5)?.try_into().ok()?) as usize),
            0xc0 => Some((Element::Int(int_le(data, at + 1, 2)?), 3)),
            0xd0 => Some((Element::Int(int_le(data, at + 1, 4)?), 5)),
            0xe0 => Some((Element::Int(int_le(data, at + 1, 8)?), 9)),
            0xf0 => Some((Element::Int(int_le(data, at + 1, 3)?), 4)),
            0xfe => Some((Element::Int(int_le(data, at + 1, 1)?), 2)),
            0xf1..=0xfd => Some((Element::Int(i64::from(b & 0x0f) - 1), 1)),
            _ => None,
        }
    }

    /// The next element, `None` at the end marker once the tail offset and count check out.
    pub(crate) fn step(&mut self) -> Result<Option<Element<'a>>, &'static str> {
        let first = *self.data.get(self.pos).ok_or("ziplist entry overflows")?;
        if first == EOF {
            let tail = u32::from_le_bytes([self.data[4], self.data[5], self.data[6], self.data[7]]) as usize;
            if self.pos + 1 != self.data.len() || tail != self.last_start {
                return Err("ziplist end or tail offset is wrong");
            }
            if self.declared != u16::MAX && usize::from(self.declared) != self.seen {
                return Err("ziplist count does not match its entries");
            }
            return Ok(None);
        }
        let (prev, header) = if first < 254 {
            (usize::from(first), 1)
        } else {
            let bytes = self.data.get(self.pos + 1..self.pos + 5).ok_or("ziplist entry overflows")?;
            (u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize, 5)
        };
        if prev != self.prev_len {
            return Err("ziplist previous-entry length is wrong");
        }
        let (element, len) = self.body(self.pos + header).ok_or("ziplist entry is malformed")?;
        self.last_start = self.pos;
        self.prev_len = header + len;
        self.pos += header + len;
        self.seen += 1;
        Ok(Some(element))
    }
}

/// Appends the encoding and data of `element` as Redis's ziplist would store it.
fn push_body(out: &mut Vec<u8>, element: &[u8]) {
    match parse_i64(element).filter(|_| element.len() < 32) {
        Some(v @ 0..=12) => out.push(0xf1 + v as u8),
        Some(v) if i8::try_from(v).is_ok() => out.extend_from_slice(&[0xfe, v as u8]),
        Some(v) if i16::try_from(v).is_ok() => {
            out.push(0xc0);
            out.extend_from_slice(&(v as i16).to_le_bytes());
        }
        Some(v) if (-8_388_608..=8_388_607).contains(&v) => {
            out.push(0xf0);
            out.extend_from_slice(&v.to_le_bytes()[..3]);
        }
        Some(v) if i32::try_from(v).is_ok() => {
            out.push(0xd0);
            out.extend_from_slice(&(v as i32).to_le_bytes());
        }
        Some(v) => {
            out.push(0xe0);
            out.extend_from_slice(&v.to_le_bytes());
        }
        None => {
            let len = element.len();
            if len < 64 {
                out.push(len as u8);
            } else if len < 16384 {
                out.extend_from_slice(&[0x40 | (len >> 8) as u8, len as u8]);
            } else {
                out.push(0x80);
                out.extend_from_slice(&(len as u32).to_be_bytes());
            }
            out.extend_from_slice(element);
        }
    }
}

/// A ziplist of `elements`, encoded as Redis 6 would (for tests and conversion tools).
pub fn encode<E: AsRef<[u8]>>(elements: &[E]) -> Vec<u8> {
    let mut out = vec![0u8; HEADER_LEN];
    let (mut prev, mut last) = (0usize, HEADER_LEN);
    for element in elements {
        last = out.len();
        if prev < 254 {
            out.push(prev as u8);
        } else {
            out.push(254);
            out.extend_from_slice(&(prev as u32).to_le_bytes());
        }
        push_body(&mut out, element.as_ref());
        prev = out.len() - last;
    }
    out.push(EOF);
    let total = out.len() as u32;
    out[0..4].copy_from_slice(&total.to_le_bytes());
    out[4..8].copy_from_slice(&(last as u32).to_le_bytes());
    let count = u16::try_from(elements.len()).unwrap_or(u16::MAX);
    out[8..10].copy_from_slice(&count.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(blob: &[u8]) -> Result<Vec<Vec<u8>>, &'static str> {
        let mut buf = [0u8; 20];
        crate::listpack::elements(blob, crate::listpack::Packing::Ziplist)?
            .map(|e| e.map(|e| e.bytes(&mut buf).to_vec()))
            .collect()
    }

    #[test]
    fn reads_the_example_of_the_format_description() {
        let blob = [0x0f, 0, 0, 0, 0x0c, 0, 0, 0, 0x02, 0, 0x00, 0xf3, 0x02, 0xf6, 0xff];
        assert_eq!(decode(&blob).unwrap(), vec![b"2".to_vec(), b"5".to_vec()]);
        assert_eq!(encode(&["2", "5"]), blob);
    }

    #[test]
    fn round_trips_every_encoding() {
        let values: Vec<Vec<u8>> = [
            "0",
            "12",
            "13",
            "-1",
            "127",
            "-128",
            "128",
            "32767",
            "-32768",
            "32768",
            "8388607",
            "-8388608",
            "8388608",
            "2147483647",
            "-2147483648",
            "2147483648",
            "9223372036854775807",
            "",
            "abc",
            "01",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .chain([vec![b'x'; 300], vec![b'y'; 20000]])
        .collect();
        assert_eq!(decode(&encode(&values)).unwrap(), values);
    }

    #[test]
    fn rejects_malformed_ziplists() {
        let good = encode(&["a", "bb"]);
        let mut bad = good.clone();
        bad[13] = 9; // wrong prevlen of the second entry
        assert!(decode(&bad).is_err());
        let mut bad = good.clone();
        bad[8] = 5;
        assert!(decode(&bad).is_err());
        let mut bad = good;
        bad[11] = 0xc5;
        assert!(decode(&bad).is_err());
        assert!(decode(&[0; 4]).is_err());
    }
}
