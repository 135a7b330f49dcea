//! LZF, the compression of RDB strings, written to produce exactly what Redis's bundled liblzf
//! produces (16-bit hash table, "very fast" mode, the same conservative output-space checks), so our
//! DUMP payloads and files are byte-identical to Redis's, and a string is compressed exactly when
//! Redis would compress it.
//!
//! Format (no header): a control byte `c < 32` starts `c + 1` literal bytes; otherwise `c >> 5` is a
//! back-reference length (7 means "add the next byte"), and `(c & 0x1f) << 8 | next byte` its
//! distance minus one. The decompressor checks every bound and never allocates from the claimed size.

/// Longest literal run.
const MAX_LIT: usize = 1 << 5;
/// Farthest back-reference.
const MAX_OFF: usize = 1 << 13;
/// Longest back-reference.
const MAX_REF: usize = (1 << 8) + (1 << 3);
/// log2 of the hash table size (Redis's `HLOG`).
const HLOG: u32 = 16;

fn hash_index(h: u32) -> usize {
    ((h >> (3 * 8 - HLOG)).wrapping_sub(h.wrapping_mul(5)) & ((1 << HLOG) - 1)) as usize
}

/// A reusable compressor: owns the 64K-slot hash table, which a generation counter invalidates
/// between calls instead of clearing it.
#[derive(Default)]
pub struct Compressor {
    /// Per slot: generation in the high 32 bits, input position in the low 32 bits.
    table: Vec<u64>,
    generation: u32,
}

/// The output side: the buffer, the write position and the open literal run.
struct Output<'a> {
    buf: &'a mut [u8],
    /// Next byte to write; the byte before the open run is reserved for its length.
    op: usize,
    /// Bytes in the open literal run.
    lit: usize,
}

impl Output<'_> {
    fn push_literal(&mut self, byte: u8) {
        self.lit += 1;
        self.buf[self.op] = byte;
        self.op += 1;
        if self.lit == MAX_LIT {
            self.close_run();
            self.op += 1;
        }
    }

    /// Writes the open run's length into its reserved byte, or gives the byte back if it is empty.
    fn close_run(&mut self) {
        self.buf[self.op - self.lit - 1] = (self.lit as u8).wrapping_sub(1);
        self.op -= usize::from(self.lit == 0);
        self.lit = 0;
    }

    /// Writes a back-reference of `len + 2` bytes at distance `off + 1`, then opens a new run.
    fn push_reference(&mut self, off: usize, len: usize) {
        if len < 7 {
            self.buf[self.op] = ((off >> 8) + (len << 5)) as u8;
            self.op += 1;
        } else {
            self.buf[self.op] = ((off >> 8) + (7 << 5)) as u8;
            self.buf[self.op + 1] = (len - 7) as u8;
            self.op += 2;
        }
        self.buf[self.op] = off as u8;
        self.op += 2;
    }
}

/// Length of the match of `input[ip..]` against `input[reference..]` (three bytes are known equal),
/// as liblzf counts it: its unrolled loop may run a couple of bytes past `max_len`.
fn match_len(input: &[u8], reference: usize, ip: usize, max_len: usize) -> usize {
    let same = |len: usize| input.get(reference + len) == input.get(ip + len);
    let mut len = 2;
    if max_len > 16 {
        for _ in 0..16 {
            len += 1;
            if !same(len) {
                return len;
            }
        }
    }
    loop {
        len += 1;
        if !(len < max_len && same(len)) {
            return len;
        }
    }
}

impl Compressor {
    /// A compressor; the table is allocated on first use.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a call: a fresh generation, so every slot of earlier calls reads as empty.
    fn begin(&mut self) {
        if self.table.is_empty() {
            self.table = vec![0; 1 << HLOG];
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.table.fill(0);
            self.generation = 1;
        }
    }

    /// Swaps position `ip` into `slot`; returns the position stored there by this call (0 if none).
    fn swap(&mut self, slot: usize, ip: usize) -> usize {
        let tag = u64::from(self.generation) << 32;
        let entry = self.table.get(slot).copied().unwrap_or(0);
        if let Some(cell) = self.table.get_mut(slot) {
            *cell = tag | ip as u64;
        }
        if entry >> 32 == tag >> 32 {
            (entry & 0xffff_ffff) as usize
        } else {
            0
        }
    }

    /// Compresses `input` into `out` (replacing its contents) if the result fits in `max_out` bytes,
    /// deciding exactly as liblzf's `lzf_compress(in, len, out, max_out)` does; false otherwise.
    pub fn compress(&mut self, input: &[u8], max_out: usize, out: &mut Vec<u8>) -> bool {
        let in_end = input.len();
        if in_end == 0 || max_out == 0 || u32::try_from(in_end).is_err() {
            return false;
        }
        self.begin();
        out.clear();
        // Slack past `max_out`: liblzf checks space conservatively, then writes up to 3 bytes more.
        out.resize(max_out + 8, 0);
        let mut o = Output { buf: out, op: 1, lit: 0 };
        let Some(ip) = self.compress_body(input, max_out, &mut o) else {
            return false;
        };
        if o.op + 3 > max_out {
            return false;
        }
        for &byte in input.get(ip..).unwrap_or(&[]) {
            o.push_literal(byte);
        }
        o.close_run();
        let used = o.op;
        out.truncate(used);
        used <= max_out
    }

    /// The main loop; returns where the trailing literals start, or `None` when out of space.
    fn compress_body(&mut self, input: &[u8], max_out: usize, o: &mut Output<'_>) -> Option<usize> {
        let in_end = input.len();
        let byte = |i: usize| u32::from(input.get(i).copied().unwrap_or(0));
        let mut ip = 0usize;
        let mut hval = (byte(0) << 8) | byte(1);
        while ip + 2 < in_end {
            hval = (hval << 8) | byte(ip + 2);
            let reference = self.swap(hash_index(hval), ip);
            let off = ip.wrapping_sub(reference).wrapping_sub(1);
            let is_match =
                reference > 0 && off < MAX_OFF && input.get(reference..reference + 3) == input.get(ip..ip + 3);
            if !is_match {
                if o.op >= max_out {
                    return None;
                }
                o.push_literal(input[ip]);
                ip += 1;
                continue;
            }
            if o.op + 4 >= max_out && o.op - usize::from(o.lit == 0) + 4 >= max_out {
                return None;
            }
            o.close_run();
            let len = match_len(input, reference, ip, (in_end - ip - 2).min(MAX_REF)) - 2;
            o.push_reference(off, len);
            ip += len + 2;
            if ip + 2 >= in_end {
                break;
            }
            // Hash the two positions just before the end of the match, as "very fast" mode does.
            ip -= 2;
            hval = (byte(ip) << 8) | byte(ip + 1);
            for _ in 0..2 {
                hval = (hval << 8) | byte(ip + 2);
                self.swap(hash_index(hval), ip);
                ip += 1;
            }
        }
        Some(ip)
    }
}

/// Compresses `input` with a per-thread [`Compressor`]; see [`Compressor::compress`].
pub fn compress(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    thread_local! {
        static COMPRESSOR: std::cell::RefCell<Compressor> = std::cell::RefCell::new(Compressor::new());
    }
    let mut out = Vec::new();
    let fits = COMPRESSOR.with(|c| c.borrow_mut().compress(input, max_out, &mut out));
    fits.then_some(out)
}

/// Decompresses `input`, which must expand to exactly `expected` bytes; `None` when malformed. Never
/// allocates more than the output written so far needs (plus a bounded first guess).
pub fn decompress(input: &[u8], expected: usize) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    decompress_into(input, expected, &mut out).then_some(out)
}

/// Decompresses `input` into `out` (cleared first), which must come to exactly `expected` bytes; false
/// when malformed. Reusing `out` saves an allocation per string when loading.
pub fn decompress_into(input: &[u8], expected: usize, out: &mut Vec<u8>) -> bool {
    out.clear();
    out.reserve(expected.min(input.len().saturating_mul(8)).min(1 << 20));
    lzf_body(input, expected, out).is_some()
}

fn lzf_body(input: &[u8], expected: usize, out: &mut Vec<u8>) -> Option<()> {
    let mut i = 0;
    while i < input.len() {
        let ctrl = usize::from(input[i]);
        i += 1;
        if ctrl < 32 {
            let run = input.get(i..i + ctrl + 1)?;
            if out.len() + run.len() > expected {
                return None;
            }
            out.extend_from_slice(run);
            i += ctrl + 1;
            continue;
        }
        let mut len = ctrl >> 5;
        if len == 7 {
            len += usize::from(*input.get(i)?);
            i += 1;
        }
        let back = ((ctrl & 0x1f) << 8) + usize::from(*input.get(i)?) + 1;
        i += 1;
        let len = len + 2;
        let start = out.len().checked_sub(back)?;
        if out.len() + len > expected {
            return None;
        }
        // An overlapping reference (a run) repeats the last `back` bytes: copy them in chunks that
        // double as the output grows, rather than byte by byte.
        // Copied so far is always a whole number of periods, so copying again from `start` keeps the
        // phase.
        let mut remaining = len;
        while remaining > 0 {
            let n = remaining.min(out.len() - start);
            out.extend_from_within(start..start + n);
            remaining -= n;
        }
    }
    (out.len() == expected).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(input: &[u8]) -> Option<usize> {
        let packed = compress(input, input.len().saturating_sub(4))?;
        assert!(packed.len() <= input.len() - 4);
        assert_eq!(decompress(&packed, input.len()).as_deref(), Some(input));
        Some(packed.len())
    }

    #[test]
    fn round_trips_and_respects_the_output_limit() {
        assert_eq!(round_trip(&[b'a'; 75]), Some(9));
        assert!(round_trip(b"hello hello hello hello hello world").is_some());
        let cyclic: Vec<u8> = (0..2000u32).map(|i| (i % 7) as u8 + b'a').collect();
        assert!(round_trip(&cyclic).is_some());
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let noise: Vec<u8> = (0..300)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 56) as u8
            })
            .collect();
        assert_eq!(round_trip(&noise), None);
        let long: Vec<u8> = (0..100_000u32).map(|i| (i / 300) as u8).collect();
        assert!(round_trip(&long).is_some());
    }

    #[test]
    fn compresses_100_a_like_redis() {
        // From a real redis-server 7.0.15 dump: SET big <100 x 'a'> is stored as `c3 09 40 64` + 9 bytes.
        let packed = compress(&[b'a'; 100], 96).unwrap();
        assert_eq!(packed, [0x01, 0x61, 0x61, 0xe0, 0x57, 0x00, 0x01, 0x61, 0x61]);
    }

    #[test]
    fn reused_compressor_gives_the_same_output() {
        let mut c = Compressor::new();
        let inputs: [&[u8]; 3] =
            [b"abcabcabcabcabcabcabcabcabc", b"xyzxyzxyzxyzxyzxyzxyzxyz", b"abcabcabcabcabcabcabcabcabc"];
        let mut first = Vec::new();
        assert!(c.compress(inputs[0], 23, &mut first));
        let mut out = Vec::new();
        assert!(c.compress(inputs[1], 20, &mut out));
        assert!(c.compress(inputs[2], 23, &mut out));
        assert_eq!(first, out);
    }

    #[test]
    fn rejects_malformed_input() {
        assert_eq!(decompress(&[0x05, b'a'], 6), None); // literal run past the end
        assert_eq!(decompress(&[0x20, 0x00], 3), None); // reference before the start
        assert_eq!(decompress(&[0x00, b'a'], 2), None); // wrong length
        assert_eq!(decompress(&[0x00, b'a', 0xe0], 10), None); // missing length byte
        assert_eq!(decompress(&[0x00, b'a', 0x20, 0x00], 2), None); // past `expected`
        assert_eq!(decompress(&[0x00, b'a', 0x20, 0x00], 4).as_deref(), Some(&b"aaaa"[..]));
    }
}
