//! LZF compression as Redis's bundled liblzf performs it (16-bit hash table, "very fast" mode), so that
//! DEBUG OBJECT's `serializedlength` equals the size Redis would write to an RDB file.

/// Longest literal run.
const MAX_LIT: usize = 1 << 5;
/// Farthest back-reference.
const MAX_OFF: usize = 1 << 13;
/// Longest back-reference.
const MAX_REF: usize = (1 << 8) + (1 << 3);
/// log2 of the hash table size.
const HLOG: u32 = 16;

fn hash_index(h: u32) -> usize {
    let index = (h >> (3 * 8 - HLOG)).wrapping_sub(h.wrapping_mul(5)) & ((1 << HLOG) - 1);
    index as usize
}

fn first(input: &[u8], at: usize) -> u32 {
    let byte = |i: usize| u32::from(input.get(i).copied().unwrap_or(0));
    (byte(at) << 8) | byte(at + 1)
}

fn next(hval: u32, input: &[u8], at: usize) -> u32 {
    (hval << 8) | u32::from(input.get(at + 2).copied().unwrap_or(0))
}

/// Length of the match of `input[ip..]` against `input[reference..]`; three bytes are known equal.
/// Mirrors liblzf's loop, whose unrolled part may run past `max_len` by a couple of bytes.
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

/// The output side of the compressor: the buffer, the write position and the open literal run.
struct Output {
    buf: Vec<u8>,
    /// Next byte to write; the byte before the open run is reserved for its length.
    op: usize,
    /// Bytes in the open literal run.
    lit: usize,
}

impl Output {
    fn push_literal(&mut self, byte: u8) {
        self.lit += 1;
        self.buf[self.op] = byte;
        self.op += 1;
        if self.lit == MAX_LIT {
            self.close_run();
            self.op += 1;
        }
    }

    /// Writes the open run's length into its reserved byte, or gives the byte back if the run is empty.
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

/// Compresses `input` into at most `out_len` bytes; `None` when it does not fit (liblzf returns 0).
pub fn compress(input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    let in_end = input.len();
    if in_end == 0 || out_len == 0 {
        return None;
    }
    // Slack past `out_len`: liblzf checks space conservatively, then writes up to 3 bytes past its check.
    let mut out = Output { buf: vec![0u8; out_len + 8], op: 1, lit: 0 };
    let mut table = vec![0usize; 1 << HLOG];
    let mut ip: usize = 0;
    let mut hval = first(input, ip);
    while ip + 2 < in_end {
        hval = next(hval, input, ip);
        let slot = hash_index(hval);
        let reference = table[slot];
        table[slot] = ip;
        let off = ip.wrapping_sub(reference).wrapping_sub(1);
        let is_match = reference > 0
            && off < MAX_OFF
            && input[reference + 2] == input[ip + 2]
            && input[reference] == input[ip]
            && input[reference + 1] == input[ip + 1];
        if !is_match {
            if out.op >= out_len {
                return None;
            }
            out.push_literal(input[ip]);
            ip += 1;
            continue;
        }
        if out.op + 4 >= out_len && out.op - usize::from(out.lit == 0) + 4 >= out_len {
            return None;
        }
        out.close_run();
        let len = match_len(input, reference, ip, (in_end - ip - 2).min(MAX_REF)) - 2;
        out.push_reference(off, len);
        ip += len + 2;
        if ip + 2 >= in_end {
            break;
        }
        // Hash the two positions just before the end of the match, as liblzf's "very fast" mode does.
        ip -= 2;
        hval = first(input, ip);
        for _ in 0..2 {
            hval = next(hval, input, ip);
            table[hash_index(hval)] = ip;
            ip += 1;
        }
    }
    if out.op + 3 > out_len {
        return None;
    }
    for &byte in &input[ip.min(in_end)..] {
        out.push_literal(byte);
    }
    out.close_run();
    out.buf.truncate(out.op);
    Some(out.buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// liblzf's decompressor, to check that the output is valid LZF.
    fn decompress(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < data.len() {
            let ctrl = usize::from(data[i]);
            i += 1;
            if ctrl < 32 {
                out.extend_from_slice(&data[i..i + ctrl + 1]);
                i += ctrl + 1;
            } else {
                let mut len = ctrl >> 5;
                if len == 7 {
                    len += usize::from(data[i]);
                    i += 1;
                }
                let back = ((ctrl & 0x1f) << 8) + usize::from(data[i]) + 1;
                i += 1;
                let start = out.len() - back;
                for k in 0..len + 2 {
                    out.push(out[start + k]);
                }
            }
        }
        out
    }

    #[test]
    fn round_trips_and_respects_the_output_limit() {
        let inputs: Vec<Vec<u8>> = vec![
            vec![b'a'; 75],
            b"hello hello hello hello hello world".to_vec(),
            (0..2000u32).map(|i| (i % 7) as u8 + b'a').collect(),
            (0..300u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect(),
        ];
        for input in inputs {
            match compress(&input, input.len() - 4) {
                Some(packed) => {
                    assert!(packed.len() <= input.len() - 4);
                    assert_eq!(decompress(&packed), input);
                }
                None => assert!(input.len() == 300, "only the random input is incompressible"),
            }
        }
    }
}
