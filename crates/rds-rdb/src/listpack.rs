//! Listpacks, Redis 7.0's packed encoding of small hashes, sorted sets and list nodes: a writer that
//! picks the encodings Redis picks, and a checking reader.
//!
//! Layout: `<u32 LE total bytes> <u16 LE count (65535: unknown)> <entry>* 0xFF`, where an entry is
//! its encoding and data followed by a back length. Strings that are canonical decimal integers are
//! stored as integers of the smallest width, as Redis's `lpAppend` does.

use rds_storage::num::parse_i64;

/// Bytes of the header (total bytes, count).
pub const HEADER_LEN: usize = 6;
/// The end marker.
const EOF: u8 = 0xff;
/// Count written when there are 65535 elements or more.
const COUNT_UNKNOWN: u16 = u16::MAX;

/// One element of a listpack or ziplist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Element<'a> {
    /// An integer-encoded element.
    Int(i64),
    /// A string element.
    Str(&'a [u8]),
}

impl<'a> Element<'a> {
    /// The element as bytes: strings as they are, integers formatted into `buf`.
    pub fn bytes<'b>(&self, buf: &'b mut [u8; 20]) -> &'b [u8]
    where
        'a: 'b,
    {
        match *self {
            Element::Str(bytes) => bytes,
            Element::Int(value) => crate::format_i64(value, buf),
        }
    }
}

/// Builds a listpack.
#[derive(Debug, Clone)]
pub struct Writer {
    buf: Vec<u8>,
    count: usize,
}

impl Default for Writer {
    fn default() -> Self {
        Self::new()
    }
}

/// Bytes of the back length of an entry of `len` bytes.
fn backlen_size(len: usize) -> usize {
    match len {
        0..=127 => 1,
        128..16383 => 2,
        16383..2097151 => 3,
        2097151..268435455 => 4,
        _ => 5,
    }
}

/// Bytes of the encoding and data of `value` as an integer entry.
fn int_entry_len(value: i64) -> usize {
    match value {
        0..=127 => 1,
        -4096..=4095 => 2,
        -32768..=32767 => 3,
        -8_388_608..=8_388_607 => 4,
        -2_147_483_648..=2_147_483_647 => 5,
        _ => 9,
    }
}

/// Bytes of the encoding and data of a string entry of `len` bytes.
fn str_entry_len(len: usize) -> usize {
    match len {
        0..64 => 1 + len,
        64..4096 => 2 + len,
        _ => 5 + len,
    }
}

/// Bytes an element takes in a listpack, back length included.
pub fn entry_size(element: &[u8]) -> usize {
    let len = match parse_i64(element) {
        Some(value) => int_entry_len(value),
        None => str_entry_len(element.len()),
    };
    len + backlen_size(len)
}

impl Writer {
    /// An empty listpack.
    pub fn new() -> Self {
        Writer { buf: vec![0; HEADER_LEN], count: 0 }
    }

    /// Size of the finished listpack so far (Redis's `lpBytes`).
    pub fn bytes(&self) -> usize {
        self.buf.len() + 1
    }

    /// Elements so far.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Appends an element, integer-encoded when it is a canonical decimal integer.
    pub fn push(&mut self, element: &[u8]) {
        match parse_i64(element) {
            Some(value) => self.push_int(value),
            None => self.push_str(element),
        }
    }

    /// Appends an integer element.
    pub fn push_int(&mut self, value: i64) {
        let start = self.buf.len();
        let len = int_entry_len(value);
        let bytes = value.to_le_bytes();
        match len {
            1 => self.buf.push(value as u8),
            2 => {
                let v = (value as u16) & 0x1fff;
                self.buf.extend_from_slice(&[0xc0 | (v >> 8) as u8, v as u8]);
            }
            3 => self.buf.extend_from_slice(&[0xf1, bytes[0], bytes[1]]),
            4 => self.buf.extend_from_slice(&[0xf2, bytes[0], bytes[1], bytes[2]]),
            5 => self.buf.extend_from_slice(&[0xf3, bytes[0], bytes[1], bytes[2], bytes[3]]),
            _ => {
                self.buf.push(0xf4);
                self.buf.extend_from_slice(&bytes);
            }
        }
        self.finish_entry(start);
    }

    /// Appends a string element as a string, whatever its content.
    pub fn push_str(&mut self, element: &[u8]) {
        let start = self.buf.len();
        let len = element.len();
        if len < 64 {
            self.buf.push(0x80 | len as u8);
        } else if len < 4096 {
            self.buf.extend_from_slice(&[0xe0 | (len >> 8) as u8, len as u8]);
        } else {
            self.buf.push(0xf0);
            self.buf.extend_from_slice(&(len as u32).to_le_bytes());
        }
        self.buf.extend_from_slice(element);
        self.finish_entry(start);
    }

    fn finish_entry(&mut self, start: usize) {
        let len = self.buf.len() - start;
        let size = backlen_size(len);
        for i in (0..size).rev() {
            let group = ((len >> (7 * i)) & 127) as u8;
            self.buf.push(if i + 1 == size { group } else { group | 128 });
        }
        self.count += 1;
    }

    /// The finished listpack.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.push(EOF);
        let total = u32::try_from(self.buf.len()).unwrap_or(u32::MAX);
        let count = u16::try_from(self.count).unwrap_or(COUNT_UNKNOWN);
        self.buf[0..4].copy_from_slice(&total.to_le_bytes());
        self.buf[4..6].copy_from_slice(&count.to_le_bytes());
        self.buf
    }
}

/// A checking reader over a listpack's entries; [`Elements`] walks it.
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    seen: usize,
    declared: u16,
}

/// Reads the header of `blob`: the total must match the blob's size and it must end with 0xFF.
pub(crate) fn read(blob: &[u8]) -> Result<Reader<'_>, &'static str> {
    let declared = check_header(blob, HEADER_LEN, 4).ok_or("listpack header, size or end marker is wrong")?;
    Ok(Reader { data: blob, pos: HEADER_LEN, seen: 0, declared })
}

/// The header checks of both packed formats: the header fits, the total in its first four bytes is the
/// blob's size and the blob ends with 0xFF. Returns the declared count (a u16 LE at `count_at`).
pub(crate) fn check_header(blob: &[u8], header_len: usize, count_at: usize) -> Option<u16> {
    let header = blob.get(..header_len)?;
    let total = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
    if total != blob.len() || blob.last() != Some(&EOF) {
        return None;
    }
    Some(u16::from_le_bytes([header[count_at], header[count_at + 1]]))
}

/// Reads `n` little-endian bytes at `at` as a sign-extended integer (listpack and ziplist alike).
pub(crate) fn int_le(data: &[u8], at: usize, n: usize) -> Option<i64> {
    let bytes = data.get(at..at + n)?;
    let mut buf = [0u8; 8];
    buf[..n].copy_from_slice(bytes);
    let shift = 64 - 8 * n as u32;
    Some((i64::from_le_bytes(buf) << shift) >> shift)
}

impl<'a> Reader<'a> {
    /// Decodes the entry at `self.pos`: the element and the encoding+data length.
    fn entry(&self) -> Option<(Element<'a>, usize)> {
        let data = self.data;
        let at = self.pos;
        let b = *data.get(at)?;
        let string = |skip: usize, len: usize| -> Option<(Element<'a>, usize)> {
            Some((Element::Str(data.get(at + skip..at + skip + len)?), skip + len))
        };
        match b {
            0x00..=0x7f => Some((Element::Int(i64::from(b)), 1)),
            0x80..=0xbf => string(1, usize::from(b & 0x3f)),
            0xc0..=0xdf => {
                let v = (i64::from(b & 0x1f) << 8) | i64::from(*data.get(at + 1)?);
                Some((Element::Int(if v >= 4096 { v - 8192 } else { v }), 2))
            }
            0xe0..=0xef => string(2, (usize::from(b & 0x0f) << 8) | usize::from(*data.get(at + 1)?)),
            0xf0 => string(5, u32::from_le_bytes(data.get(at + 1..at + 5)?.try_into().ok()?) as usize),
            0xf1 => Some((Element::Int(int_le(data, at + 1, 2)?), 3)),
            0xf2 => Some((Element::Int(int_le(data, at + 1, 3)?), 4)),
            0xf3 => Some((Element::Int(int_le(data, at + 1, 4)?), 5)),
            0xf4 => Some((Element::Int(int_le(data, at + 1, 8)?), 9)),
            _ => None,
        }
    }

    /// The next element, `None` at the end marker once the count checks out.
    pub(crate) fn step(&mut self) -> Result<Option<Element<'a>>, &'static str> {
        if self.data.get(self.pos) == Some(&EOF) {
            if self.pos + 1 != self.data.len() {
                return Err("listpack end marker before its end");
            }
            if self.declared != COUNT_UNKNOWN && usize::from(self.declared) != self.seen {
                return Err("listpack count does not match its entries");
            }
            return Ok(None);
        }
        let (element, len) = self.entry().ok_or("listpack entry is malformed")?;
        let size = backlen_size(len);
        let back = self.data.get(self.pos + len..self.pos + len + size).ok_or("listpack entry overflows")?;
        let value = back.iter().fold(0usize, |acc, &b| (acc << 7) | usize::from(b & 127));
        if value != len {
            return Err("listpack back length is wrong");
        }
        self.pos += len + size;
        self.seen += 1;
        Ok(Some(element))
    }
}

/// Which packed format a blob is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packing {
    /// Redis 7.0's listpack.
    Listpack,
    /// The ziplist of older versions.
    Ziplist,
}

/// The elements of a listpack or ziplist blob, checked as they are read: one walker for both formats.
/// After the end or the first error it yields nothing more.
pub struct Elements<'a> {
    reader: Walker<'a>,
    done: bool,
}

/// The format-specific reader under [`Elements`].
enum Walker<'a> {
    Listpack(Reader<'a>),
    Ziplist(crate::ziplist::Reader<'a>),
}

/// Reads the header of `blob` in `packing` format.
pub fn elements(blob: &[u8], packing: Packing) -> Result<Elements<'_>, &'static str> {
    let reader = match packing {
        Packing::Listpack => Walker::Listpack(read(blob)?),
        Packing::Ziplist => Walker::Ziplist(crate::ziplist::read(blob)?),
    };
    Ok(Elements { reader, done: false })
}

impl<'a> Iterator for Elements<'a> {
    type Item = Result<Element<'a>, &'static str>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let step = match &mut self.reader {
            Walker::Listpack(reader) => reader.step(),
            Walker::Ziplist(reader) => reader.step(),
        };
        if !matches!(step, Ok(Some(_))) {
            self.done = true;
        }
        step.transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(elements: &[&[u8]]) -> Vec<u8> {
        let mut w = Writer::new();
        for e in elements {
            w.push(e);
        }
        let expected = w.bytes();
        let lp = w.finish();
        assert_eq!(lp.len(), expected);
        lp
    }

    #[test]
    fn writes_what_redis_writes() {
        // RPUSH mylist a b 1 2, from a real redis-server 7.0.15 dump.
        let lp = build(&[b"a", b"b", b"1", b"2"]);
        assert_eq!(lp, [0x11, 0, 0, 0, 4, 0, 0x81, 0x61, 2, 0x81, 0x62, 2, 1, 1, 2, 1, 0xff]);
        // ZADD z 1.5 m1 2 m2
        let lp = build(&[b"m1", b"1.5", b"m2", b"2"]);
        let expected = "160000000400826d310383312e3504826d32030201ff";
        let hex: String = lp.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, expected);
    }

    #[test]
    fn round_trips_every_encoding() {
        let long = vec![b'x'; 5000];
        let mid = vec![b'y'; 300];
        let values: Vec<Vec<u8>> = [
            "0",
            "127",
            "128",
            "-1",
            "4095",
            "-4096",
            "4096",
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
            "-9223372036854775808",
            "",
            "a",
            "01",
            "-0",
            "1.5",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .chain([long, mid])
        .collect();
        let refs: Vec<&[u8]> = values.iter().map(Vec::as_slice).collect();
        let lp = build(&refs);
        let mut buf = [0u8; 20];
        let read: Vec<Vec<u8>> =
            elements(&lp, Packing::Listpack).unwrap().map(|e| e.unwrap().bytes(&mut buf).to_vec()).collect();
        assert_eq!(read, values);
        for v in &values {
            let mut w = Writer::new();
            w.push(v);
            assert_eq!(w.bytes() - HEADER_LEN - 1, entry_size(v), "{v:?}");
        }
    }

    #[test]
    fn rejects_malformed_listpacks() {
        let good = build(&[b"a", b"b"]);
        assert!(read(&good[..good.len() - 1]).is_err());
        let mut bad = good.clone();
        bad[8] = 0x05; // wrong back length
        assert!(elements(&bad, Packing::Listpack).unwrap().any(|e| e.is_err()));
        let mut bad = good.clone();
        bad[4] = 3; // wrong count
        assert!(elements(&bad, Packing::Listpack).unwrap().any(|e| e.is_err()));
        let mut bad = good;
        bad[6] = 0xf5; // invalid encoding
        assert!(elements(&bad, Packing::Listpack).unwrap().any(|e| e.is_err()));
        assert!(read(&[1, 2, 3]).is_err());
    }
}
