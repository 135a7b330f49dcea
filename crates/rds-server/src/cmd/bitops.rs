//! Bitmap commands over strings: SETBIT, GETBIT, BITCOUNT, BITPOS and BITOP. Bit 0 is the most
//! significant bit of the first byte, as in Redis.

use rds_storage::num::parse_i64;
use rds_storage::Value;

use crate::cmd::string::{make_raw, max_string_len};
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::notify::{GENERIC, STRING};

/// Parses a bit offset: non-negative and, unless limits are off, inside `proto-max-bulk-len` bytes.
fn bit_offset(ctx: &Ctx, index: usize) -> Result<u64, CommandError> {
    let invalid = || CommandError::err("bit offset is not an integer or out of range");
    let offset = parse_i64(ctx.arg(index)).filter(|offset| *offset >= 0).ok_or_else(invalid)?;
    if max_string_len(ctx).is_some_and(|limit| (offset >> 3) >= limit) {
        return Err(invalid());
    }
    Ok(offset.unsigned_abs())
}

/// SETBIT key offset value: replies with the previous bit; grows the string with zero bytes.
pub fn setbit(ctx: &mut Ctx) -> CmdResult {
    let offset = bit_offset(ctx, 2)?;
    let on = match parse_i64(ctx.arg(3)) {
        Some(bit @ (0 | 1)) => bit == 1,
        _ => return Err(CommandError::err("bit is not an integer or out of range")),
    };
    let byte =
        usize::try_from(offset >> 3).map_err(|_| CommandError::err("bit offset is not an integer or out of range"))?;
    let mask = 0x80u8 >> (offset & 7);
    let key = ctx.arg(1);
    let (previous, modified) = match ctx.lookup_write(key) {
        Some(value) => {
            let bytes = make_raw(value).ok_or(CommandError::WrongType)?;
            let grown = bytes.len() <= byte;
            if grown {
                bytes.resize(byte + 1, 0);
            }
            let previous = bytes[byte] & mask != 0;
            if on {
                bytes[byte] |= mask;
            } else {
                bytes[byte] &= !mask;
            }
            (previous, grown || previous != on)
        }
        None => {
            let mut bytes = vec![0u8; byte + 1];
            if on {
                bytes[byte] |= mask;
            }
            ctx.set_value(key, Value::Raw(bytes));
            (false, true)
        }
    };
    if modified {
        ctx.changed(1);
        ctx.notify(STRING, "setbit", key);
    }
    ctx.out().int(i64::from(previous));
    Ok(())
}

/// GETBIT key offset
pub fn getbit(ctx: &mut Ctx) -> CmdResult {
    let offset = bit_offset(ctx, 2)?;
    let key = ctx.arg(1);
    let bytes = ctx.read_string(key)?.unwrap_or_default();
    let bit = usize::try_from(offset >> 3)
        .ok()
        .and_then(|byte| bytes.get(byte))
        .is_some_and(|b| b & (0x80 >> (offset & 7)) != 0);
    ctx.out().int(i64::from(bit));
    Ok(())
}

/// The string at `key` without expiry or stats: only for a key just looked up with `read_string`.
fn peek_string<'c>(ctx: &'c Ctx, key: &[u8]) -> &'c [u8] {
    let entry = ctx.server.keyspace.dbs[ctx.session.db].peek(key);
    entry.and_then(|entry| entry.value.as_string()).unwrap_or_default()
}

/// Whether a BITCOUNT/BITPOS range counts bytes or bits.
fn parse_range_unit(word: &[u8]) -> Result<bool, CommandError> {
    if word.eq_ignore_ascii_case(b"bit") {
        Ok(true)
    } else if word.eq_ignore_ascii_case(b"byte") {
        Ok(false)
    } else {
        Err(CommandError::Syntax)
    }
}

/// Clamps `start..=end` (negative from the end) over `total` units; `None` when empty.
fn clamp_units(total: i64, start: i64, end: i64) -> Option<(u64, u64)> {
    let start = if start < 0 { total + start } else { start }.max(0);
    let end = if end < 0 { total + end } else { end }.max(0).min(total - 1);
    (start <= end).then(|| (start.unsigned_abs(), end.unsigned_abs()))
}

/// Counts set bits in `bytes` between bit positions `first..=last`.
fn count_bits(bytes: &[u8], first: u64, last: u64) -> u64 {
    let (first_byte, last_byte) = ((first / 8) as usize, (last / 8) as usize);
    let Some(span) = bytes.get(first_byte..=last_byte) else {
        return 0;
    };
    let mut count: u64 = 0;
    let mut chunks = span.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        count += u64::from(u64::from_ne_bytes(word).count_ones());
    }
    count += chunks.remainder().iter().map(|b| u64::from(b.count_ones())).sum::<u64>();
    let head_excluded = span[0] & !(0xffu8 >> (first % 8));
    let tail_mask = 0xffu8.checked_shr((last % 8 + 1) as u32).unwrap_or(0);
    let tail_excluded = span[span.len() - 1] & tail_mask;
    count - u64::from(head_excluded.count_ones()) - u64::from(tail_excluded.count_ones())
}

/// BITCOUNT key [start end [BYTE | BIT]]: a missing key counts 0 whatever the arguments.
pub fn bitcount(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.arg(1);
    let Some(len) = ctx.read_string(key)?.map(<[u8]>::len) else {
        ctx.out().int(0);
        return Ok(());
    };
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    let range = match ctx.argc() {
        2 => clamp_units(len * 8, 0, -1),
        4 | 5 => {
            let start = ctx.int_arg(2)?;
            let end = ctx.int_arg(3)?;
            if start < 0 && end < 0 && start > end {
                None
            } else {
                let bits = ctx.argc() == 5 && parse_range_unit(ctx.arg(4))?;
                if bits {
                    clamp_units(len * 8, start, end)
                } else {
                    clamp_units(len, start, end).map(|(s, e)| (s * 8, e * 8 + 7))
                }
            }
        }
        _ => return Err(CommandError::Syntax),
    };
    let count = range.map_or(0, |(first, last)| count_bits(peek_string(ctx, key), first, last));
    ctx.out().int(i64::try_from(count).unwrap_or(i64::MAX));
    Ok(())
}

/// The first bit equal to `bit` between positions `first..=last`.
fn find_bit(bytes: &[u8], first: u64, last: u64, bit: bool) -> Option<u64> {
    let skip = if bit { 0u8 } else { 0xff };
    let mut index = first / 8;
    while index <= last / 8 {
        let at = usize::try_from(index).ok()?;
        // Whole uninteresting words are skipped eight bytes at a time.
        if index > first / 8 && index + 8 <= last / 8 {
            if let Some(word) = bytes.get(at..at + 8) {
                if word.iter().all(|&b| b == skip) {
                    index += 8;
                    continue;
                }
            }
        }
        let mut mask = 0xffu8;
        if index == first / 8 {
            mask &= 0xff >> (first % 8);
        }
        if index == last / 8 {
            mask &= !(0x7fu8 >> (last % 8));
        }
        let byte = bytes.get(at).copied().unwrap_or(0);
        let candidates = if bit { byte } else { !byte } & mask;
        if candidates != 0 {
            return Some(index * 8 + u64::from(candidates.leading_zeros()));
        }
        index += 1;
    }
    None
}

/// Reads BITPOS's optional range: `(first bit, last bit, end given)`, `None` when empty.
fn bitpos_range(ctx: &Ctx, len: i64) -> Result<Option<(u64, u64, bool)>, CommandError> {
    if ctx.argc() == 3 {
        return Ok(clamp_units(len * 8, 0, -1).map(|(s, e)| (s, e, false)));
    }
    let start = ctx.int_arg(3)?;
    let bits = ctx.argc() == 6 && parse_range_unit(ctx.arg(5))?;
    let end_given = ctx.argc() >= 5;
    let end = if end_given { ctx.int_arg(4)? } else { -1 };
    let range = if bits {
        clamp_units(len * 8, start, end)
    } else {
        clamp_units(len, start, end).map(|(s, e)| (s * 8, e * 8 + 7))
    };
    Ok(range.map(|(s, e)| (s, e, end_given)))
}

/// BITPOS key bit [start [end [BYTE | BIT]]]: without an explicit end, a string of ones is taken to be
/// followed by zeros, so looking for 0 answers the first bit past the string.
pub fn bitpos(ctx: &mut Ctx) -> CmdResult {
    let bit = match ctx.int_arg(2)? {
        0 => false,
        1 => true,
        _ => return Err(CommandError::err("The bit argument must be 1 or 0.")),
    };
    let key = ctx.arg(1);
    let Some(len) = ctx.read_string(key)?.map(<[u8]>::len) else {
        ctx.out().int(if bit { -1 } else { 0 });
        return Ok(());
    };
    if ctx.argc() > 6 {
        return Err(CommandError::Syntax);
    }
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    let position = match bitpos_range(ctx, len)? {
        None => -1,
        Some((first, last, end_given)) => match find_bit(peek_string(ctx, key), first, last, bit) {
            Some(position) => i64::try_from(position).unwrap_or(i64::MAX),
            None if bit || end_given => -1,
            None => i64::try_from((last / 8 + 1) * 8).unwrap_or(i64::MAX),
        },
    };
    ctx.out().int(position);
    Ok(())
}

/// A BITOP operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BitOp {
    And,
    Or,
    Xor,
    Not,
}

/// BITOP AND|OR|XOR|NOT destkey key [key ...]: missing sources are empty strings, shorter ones are
/// zero-padded; an empty result deletes the destination.
pub fn bitop(ctx: &mut Ctx) -> CmdResult {
    let op = match ctx.arg(1) {
        w if w.eq_ignore_ascii_case(b"and") => BitOp::And,
        w if w.eq_ignore_ascii_case(b"or") => BitOp::Or,
        w if w.eq_ignore_ascii_case(b"xor") => BitOp::Xor,
        w if w.eq_ignore_ascii_case(b"not") => BitOp::Not,
        _ => return Err(CommandError::Syntax),
    };
    if op == BitOp::Not && ctx.argc() != 4 {
        return Err(CommandError::err("BITOP NOT must be called with a single source key."));
    }
    // First pass: expiry, stats and type checks; the second reads the values without copying them.
    let mut found = Vec::with_capacity(ctx.argc() - 3);
    for index in 3..ctx.argc() {
        let exists = match ctx.lookup_read(ctx.arg(index)) {
            Some(value) => value.as_string().map(|_| true).ok_or(CommandError::WrongType)?,
            None => false,
        };
        found.push(exists);
    }
    let db = &ctx.server.keyspace.dbs[ctx.session.db];
    let sources: Vec<&[u8]> = (3..ctx.argc())
        .zip(&found)
        .map(|(index, &exists)| {
            let value = if exists { db.peek(ctx.arg(index)) } else { None };
            value.and_then(|entry| entry.value.as_string()).unwrap_or_default()
        })
        .collect();
    let result = combine(op, &sources);
    let len = result.len();
    let dest = ctx.arg(2);
    if len > 0 {
        ctx.set_value(dest, Value::Raw(result));
        ctx.changed(1);
        ctx.notify(STRING, "set", dest);
    } else if ctx.db().remove(dest).is_some() {
        ctx.changed(1);
        ctx.notify(GENERIC, "del", dest);
    }
    ctx.out().int(i64::try_from(len).unwrap_or(i64::MAX));
    Ok(())
}

/// Applies `op` byte by byte over the zero-padded sources.
fn combine(op: BitOp, sources: &[&[u8]]) -> Vec<u8> {
    let len = sources.iter().map(|s| s.len()).max().unwrap_or(0);
    let Some((first, rest)) = sources.split_first() else {
        return Vec::new();
    };
    let mut result = vec![0u8; len];
    result[..first.len()].copy_from_slice(first);
    match op {
        BitOp::Not => result.iter_mut().for_each(|b| *b = !*b),
        BitOp::And => {
            for source in rest {
                for (index, byte) in result.iter_mut().enumerate() {
                    *byte &= source.get(index).copied().unwrap_or(0);
                }
            }
        }
        BitOp::Or | BitOp::Xor => {
            for source in rest {
                for (byte, other) in result.iter_mut().zip(source.iter()) {
                    if op == BitOp::Or {
                        *byte |= other;
                    } else {
                        *byte ^= other;
                    }
                }
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use crate::testing::Harness;

    #[test]
    fn bit_commands_reply_like_redis() {
        let mut h = Harness::new();
        h.expect_all(&[
            // SETBIT GETBIT
            (&["setbit", "b", "7", "1"], ":0\r\n"),
            (&["setbit", "b", "7", "1"], ":1\r\n"),
            (&["setbit", "b", "7", "0"], ":1\r\n"),
            (&["get", "b"], "$1\r\n\x00\r\n"),
            (&["setbit", "b", "1", "1"], ":0\r\n"),
            (&["get", "b"], "$1\r\n@\r\n"),
            (&["setbit", "b", "-1", "1"], "-ERR bit offset is not an integer or out of range\r\n"),
            (&["setbit", "b", "abc", "1"], "-ERR bit offset is not an integer or out of range\r\n"),
            (&["setbit", "b", "4294967296", "1"], "-ERR bit offset is not an integer or out of range\r\n"),
            (&["setbit", "b", "0", "2"], "-ERR bit is not an integer or out of range\r\n"),
            (&["setbit", "b", "0", "-1"], "-ERR bit is not an integer or out of range\r\n"),
            (&["setbit", "b", "0", "01"], "-ERR bit is not an integer or out of range\r\n"),
            (&["setbit", "b", "abc", "2"], "-ERR bit offset is not an integer or out of range\r\n"),
            (&["getbit", "b", "1"], ":1\r\n"),
            (&["getbit", "b", "100"], ":0\r\n"),
            (&["getbit", "b", "-1"], "-ERR bit offset is not an integer or out of range\r\n"),
            (&["getbit", "b", "4294967296"], "-ERR bit offset is not an integer or out of range\r\n"),
            (&["getbit", "nokey", "0"], ":0\r\n"),
            (&["getbit", "nokey", "x"], "-ERR bit offset is not an integer or out of range\r\n"),
            (&["set", "i", "1"], "+OK\r\n"),
            (&["getbit", "i", "2"], ":1\r\n"),
            (&["getbit", "i", "7"], ":1\r\n"),
            (&["setbit", "i", "6", "1"], ":0\r\n"),
            (&["get", "i"], "$1\r\n3\r\n"),
            (&["setbit", "big", "23", "1"], ":0\r\n"),
            (&["strlen", "big"], ":3\r\n"),
            // BITCOUNT
            (&["set", "s", "foobar"], "+OK\r\n"),
            (&["bitcount", "s"], ":26\r\n"),
            (&["bitcount", "s", "0", "0"], ":4\r\n"),
            (&["bitcount", "s", "1", "-2"], ":18\r\n"),
            (&["bitcount", "s", "5", "30", "bit"], ":17\r\n"),
            (&["bitcount", "s", "5", "30", "BYTE"], ":4\r\n"),
            (&["bitcount", "s", "0"], "-ERR syntax error\r\n"),
            (&["bitcount", "s", "0", "1", "2"], "-ERR syntax error\r\n"),
            (&["bitcount", "s", "a", "b"], "-ERR value is not an integer or out of range\r\n"),
            (&["bitcount", "s", "-1", "-2", "foo"], ":0\r\n"),
            (&["bitcount", "s", "0", "1", "foo"], "-ERR syntax error\r\n"),
            (&["bitcount", "s", "-100", "-50"], ":4\r\n"),
            (&["bitcount", "s", "-8", "-1", "bit"], ":4\r\n"),
            (&["bitcount", "s", "-9223372036854775808", "9223372036854775807", "bit"], ":26\r\n"),
            (&["bitcount", "nokey", "a", "b"], ":0\r\n"),
            (&["bitcount", "nokey", "0", "1", "2", "3"], ":0\r\n"),
            // BITPOS
            (&["set", "ones", "123"], "+OK\r\n"),
            (&["bitpos", "s", "1"], ":1\r\n"),
            (&["bitpos", "s", "0"], ":0\r\n"),
            (&["bitpos", "s", "1", "2"], ":17\r\n"),
            (&["bitpos", "s", "0", "1", "1"], ":8\r\n"),
            (&["bitpos", "s", "1", "7", "15", "bit"], ":9\r\n"),
            (&["bitpos", "s", "0", "0", "5", "bit"], ":0\r\n"),
            (&["bitpos", "s", "1", "-1"], ":41\r\n"),
            (&["bitpos", "s", "2"], "-ERR The bit argument must be 1 or 0.\r\n"),
            (&["bitpos", "s", "x"], "-ERR value is not an integer or out of range\r\n"),
            (&["bitpos", "s", "1", "x"], "-ERR value is not an integer or out of range\r\n"),
            (&["bitpos", "s", "1", "0", "1", "foo"], "-ERR syntax error\r\n"),
            (&["bitpos", "s", "1", "0", "x", "foo"], "-ERR syntax error\r\n"),
            (&["bitpos", "s", "1", "0", "x", "bit"], "-ERR value is not an integer or out of range\r\n"),
            (&["bitpos", "s", "1", "0", "1", "bit", "x"], "-ERR syntax error\r\n"),
            (&["bitpos", "s", "1", "5", "2"], ":-1\r\n"),
            (&["bitpos", "nokey", "1"], ":-1\r\n"),
            (&["bitpos", "nokey", "0"], ":0\r\n"),
            (&["bitpos", "nokey", "2"], "-ERR The bit argument must be 1 or 0.\r\n"),
            (&["bitpos", "nokey", "1", "x", "y"], ":-1\r\n"),
            // BITOP
            (&["set", "a", "abc"], "+OK\r\n"),
            (&["set", "b", "a"], "+OK\r\n"),
            (&["bitop", "and", "d", "a", "b"], ":3\r\n"),
            (&["get", "d"], "$3\r\na\x00\x00\r\n"),
            (&["bitop", "or", "d", "a", "b"], ":3\r\n"),
            (&["get", "d"], "$3\r\nabc\r\n"),
            (&["bitop", "xor", "d", "a", "b"], ":3\r\n"),
            (&["get", "d"], "$3\r\n\x00bc\r\n"),
            (&["bitop", "not", "d", "b"], ":1\r\n"),
            (&["bitop", "NOT", "d", "a", "b"], "-ERR BITOP NOT must be called with a single source key.\r\n"),
            (&["bitop", "foo", "d", "a"], "-ERR syntax error\r\n"),
            (&["bitop", "and", "d", "nokey"], ":0\r\n"),
            (&["exists", "d"], ":0\r\n"),
            (&["bitop", "or", "d", "a", "nokey"], ":3\r\n"),
            (&["get", "d"], "$3\r\nabc\r\n"),
            (&["bitop", "and", "d", "a", "nokey"], ":3\r\n"),
            (&["strlen", "d"], ":3\r\n"),
        ]);
    }

    #[test]
    fn bitpos_over_binary_data_matches_redis() {
        let mut h = Harness::new();
        h.run_bytes(&[b"SET", b"a", b"\xff\xf0\x00"]);
        h.run_bytes(&[b"SET", b"c", b"\xff\xff\xff"]);
        let cases: &[(&str, &str)] = &[
            ("BITPOS a 0", ":12\r\n"),
            ("BITPOS c 0", ":24\r\n"),
            ("BITPOS c 0 1", ":24\r\n"),
            ("BITPOS c 0 0 -1", ":-1\r\n"),
            ("BITPOS c 0 -100", ":24\r\n"),
            ("BITPOS c 0 100", ":-1\r\n"),
            ("BITPOS a 0 0 11 bit", ":-1\r\n"),
            ("BITPOS a 0 0 12 bit", ":12\r\n"),
            ("BITPOS a 1 9 10 bit", ":9\r\n"),
            ("BITPOS a 0 8 100 bit", ":12\r\n"),
            ("BITCOUNT a 4 11 bit", ":8\r\n"),
            ("BITCOUNT c -1 -1 bit", ":1\r\n"),
        ];
        for (command, expected) in cases {
            let words: Vec<&str> = command.split(' ').collect();
            assert_eq!(h.run(&words), *expected, "{command}");
        }
        h.run_bytes(&[b"BITOP", b"NOT", b"n", b"a"]);
        assert_eq!(h.run_bytes(&[b"GET", b"n"]), b"$3\r\n\x00\x0f\xff\r\n");
    }

    #[test]
    fn unchanged_bits_are_not_propagated() {
        let mut h = Harness::new();
        h.state.effects.enable();
        h.run(&["SETBIT", "b", "3", "0"]);
        h.run(&["SETBIT", "b", "3", "0"]);
        h.run(&["SETBIT", "b", "3", "1"]);
        h.run(&["BITOP", "AND", "d", "nokey"]);
        let expected = "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*4\r\n$6\r\nSETBIT\r\n$1\r\nb\r\n$1\r\n3\r\n$1\r\n0\r\n\
                        *4\r\n$6\r\nSETBIT\r\n$1\r\nb\r\n$1\r\n3\r\n$1\r\n1\r\n";
        assert_eq!(String::from_utf8_lossy(&h.state.effects.take()), expected);
        h.run(&["SET", "s", "12"]);
        h.run(&["SETBIT", "s", "0", "0"]);
        assert_eq!(h.state.keyspace.dbs[0].peek(b"s").unwrap().value.encoding_name(), "raw");
    }
}
