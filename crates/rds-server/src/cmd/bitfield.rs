//! BITFIELD and BITFIELD_RO: signed and unsigned integers of 1 to 64 bits at any bit offset of a
//! string, read, written or incremented with Redis's overflow policies (WRAP, SAT, FAIL).

use rds_storage::num::parse_i64;
use rds_storage::Value;

use crate::cmd::string::{make_raw, max_string_len};
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::notify::STRING;

/// An integer type such as `i16` or `u8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FieldType {
    signed: bool,
    bits: u32,
}

/// What an over- or underflowing SET / INCRBY does (OVERFLOW).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Overflow {
    Wrap,
    Sat,
    Fail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Get,
    Set(i64),
    IncrBy(i64),
}

/// One parsed operation with the overflow policy in force where it appeared.
#[derive(Debug, Clone, Copy)]
struct FieldOp {
    op: Op,
    field: FieldType,
    offset: u64,
    overflow: Overflow,
}

/// BITFIELD key [GET type offset | [OVERFLOW WRAP|SAT|FAIL] SET type offset value | INCRBY type offset increment] ...
pub fn bitfield(ctx: &mut Ctx) -> CmdResult {
    run(ctx, false)
}

/// BITFIELD_RO key [GET type offset ...]
pub fn bitfield_ro(ctx: &mut Ctx) -> CmdResult {
    run(ctx, true)
}

fn run(ctx: &mut Ctx, read_only: bool) -> CmdResult {
    let ops = parse_ops(ctx, read_only)?;
    let key = ctx.arg(1);
    let highest_write =
        ops.iter().filter(|op| op.op != Op::Get).map(|op| op.offset + u64::from(op.field.bits) - 1).max();
    let Some(highest_write) = highest_write else {
        // Reads only: a missing key reads as zeros, and is not created.
        let bytes = ctx.read_string(key)?.unwrap_or_default();
        let values: Vec<i64> = ops.iter().map(|op| read_field(bytes, op.field, op.offset)).collect();
        let out = ctx.out();
        out.array(values.len());
        for value in values {
            out.int(value);
        }
        return Ok(());
    };
    // Like Redis, the string is created and padded up to the furthest write before any operation
    // runs, even when every write then fails under OVERFLOW FAIL.
    let needed = usize::try_from(highest_write >> 3)
        .map_err(|_| CommandError::err("bit offset is not an integer or out of range"))?
        + 1;
    let mut created = None;
    let bytes = match ctx.lookup_write(key) {
        Some(value) => make_raw(value).ok_or(CommandError::WrongType)?,
        None => created.insert(Vec::new()),
    };
    // As in Redis, a write counts as a change when the string was created or grown (a new key starts
    // empty), or when the field's value differs.
    let grown = bytes.len() < needed;
    if grown {
        bytes.resize(needed, 0);
    }
    let mut replies = Vec::with_capacity(ops.len());
    let mut changes = 0;
    // Writes a SET or INCRBY result, unless it overflowed under OVERFLOW FAIL (the reply is then null).
    let mut store = |bytes: &mut Vec<u8>, op: &FieldOp, old: i64, (new, overflowed): (i64, bool)| {
        if overflowed && op.overflow == Overflow::Fail {
            return None;
        }
        write_field(bytes, op.field, op.offset, new);
        if grown || new != old {
            changes += 1;
        }
        Some(new)
    };
    for op in &ops {
        let old = read_field(bytes, op.field, op.offset);
        let reply = match op.op {
            Op::Get => Some(old),
            // SET replies the old value. Redis checks an unsigned field's new value as a u64: -1 is
            // too big for it, not too small.
            Op::Set(value) => {
                let value = if op.field.signed { i128::from(value) } else { i128::from(value as u64) };
                store(bytes, op, old, add_with_overflow(op.field, value, 0, op.overflow)).map(|_| old)
            }
            Op::IncrBy(increment) => {
                store(bytes, op, old, add_with_overflow(op.field, i128::from(old), increment, op.overflow))
            }
        };
        replies.push(reply);
    }
    if let Some(bytes) = created {
        ctx.set_value(key, Value::Raw(bytes));
    }
    if changes > 0 {
        ctx.changed(changes);
        ctx.notify(STRING, "setbit", key);
    }
    let out = ctx.out();
    out.array(replies.len());
    for reply in replies {
        match reply {
            Some(value) => out.int(value),
            None => out.null(),
        }
    }
    Ok(())
}

/// Parses every operation before any runs, with Redis's checks in its order: the type, the offset,
/// the value, then (BITFIELD_RO) that the operation is a GET.
fn parse_ops(ctx: &Ctx, read_only: bool) -> Result<Vec<FieldOp>, CommandError> {
    let mut ops = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut index = 2;
    while index < ctx.argc() {
        let remaining = ctx.argc() - index - 1;
        let word = ctx.arg(index);
        let op = if word.eq_ignore_ascii_case(b"get") && remaining >= 2 {
            Op::Get
        } else if word.eq_ignore_ascii_case(b"set") && remaining >= 3 {
            Op::Set(0)
        } else if word.eq_ignore_ascii_case(b"incrby") && remaining >= 3 {
            Op::IncrBy(0)
        } else if word.eq_ignore_ascii_case(b"overflow") && remaining >= 1 {
            overflow = parse_overflow(ctx.arg(index + 1))?;
            index += 2;
            continue;
        } else {
            return Err(CommandError::Syntax);
        };
        let field = parse_type(ctx.arg(index + 1))?;
        let offset = parse_offset(ctx, ctx.arg(index + 2), field)?;
        let op = match op {
            Op::Get => op,
            Op::Set(_) | Op::IncrBy(_) => {
                let value = parse_i64(ctx.arg(index + 3)).ok_or(CommandError::NotInteger)?;
                if read_only {
                    return Err(CommandError::err("BITFIELD_RO only supports the GET subcommand"));
                }
                if matches!(op, Op::Set(_)) {
                    Op::Set(value)
                } else {
                    Op::IncrBy(value)
                }
            }
        };
        index += if op == Op::Get { 3 } else { 4 };
        ops.push(FieldOp { op, field, offset, overflow });
    }
    Ok(ops)
}

fn parse_overflow(word: &[u8]) -> Result<Overflow, CommandError> {
    if word.eq_ignore_ascii_case(b"wrap") {
        Ok(Overflow::Wrap)
    } else if word.eq_ignore_ascii_case(b"sat") {
        Ok(Overflow::Sat)
    } else if word.eq_ignore_ascii_case(b"fail") {
        Ok(Overflow::Fail)
    } else {
        Err(CommandError::err("Invalid OVERFLOW type specified"))
    }
}

/// `i1`..`i64` or `u1`..`u63` (the prefix is case-sensitive, as in Redis).
fn parse_type(word: &[u8]) -> Result<FieldType, CommandError> {
    let invalid = || {
        CommandError::err(
            "Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.",
        )
    };
    let signed = match word.first() {
        Some(b'i') => true,
        Some(b'u') => false,
        _ => return Err(invalid()),
    };
    let bits = parse_i64(&word[1..]).ok_or_else(invalid)?;
    let max = if signed { 64 } else { 63 };
    if !(1..=max).contains(&bits) {
        return Err(invalid());
    }
    Ok(FieldType { signed, bits: u32::try_from(bits).map_err(|_| invalid())? })
}

/// A bit offset, or `#n` for the n-th field of this type's width; inside `proto-max-bulk-len` bytes.
fn parse_offset(ctx: &Ctx, word: &[u8], field: FieldType) -> Result<u64, CommandError> {
    let invalid = || CommandError::err("bit offset is not an integer or out of range");
    let (by_index, digits) = match word.split_first() {
        Some((b'#', rest)) => (true, rest),
        _ => (false, word),
    };
    let mut offset = parse_i64(digits).ok_or_else(invalid)?;
    if by_index {
        // Redis multiplies in C's wrapping arithmetic; a product that wraps negative is refused below.
        offset = offset.wrapping_mul(i64::from(field.bits));
    }
    if offset < 0 || max_string_len(ctx).is_some_and(|limit| (offset >> 3) >= limit) {
        return Err(invalid());
    }
    Ok(offset.unsigned_abs())
}

/// Reads the field at bit `offset` (bits past the end of the string read as zero), sign-extended
/// for a signed type.
fn read_field(bytes: &[u8], field: FieldType, offset: u64) -> i64 {
    let mut value: u64 = 0;
    for bit in offset..offset + u64::from(field.bits) {
        let set = usize::try_from(bit >> 3)
            .ok()
            .and_then(|byte| bytes.get(byte))
            .is_some_and(|b| b & (0x80 >> (bit & 7)) != 0);
        value = (value << 1) | u64::from(set);
    }
    if field.signed && field.bits < 64 && value & (1 << (field.bits - 1)) != 0 {
        value |= u64::MAX << field.bits;
    }
    value as i64
}

/// Writes the low `field.bits` bits of `value` at bit `offset`; the string is already long enough.
fn write_field(bytes: &mut [u8], field: FieldType, offset: u64, value: i64) {
    let value = value as u64;
    for (i, bit) in (offset..offset + u64::from(field.bits)).enumerate() {
        let shift = u64::from(field.bits) - 1 - i as u64;
        let Some(byte) = usize::try_from(bit >> 3).ok().and_then(|byte| bytes.get_mut(byte)) else { return };
        let mask = 0x80u8 >> (bit & 7);
        if (value >> shift) & 1 == 1 {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
    }
}

/// `value + increment` in the field's type: the result and whether it overflowed; on overflow the
/// result is wrapped (WRAP) or clamped (SAT); with FAIL the caller discards it.
fn add_with_overflow(field: FieldType, value: i128, increment: i64, overflow: Overflow) -> (i64, bool) {
    let bits = field.bits;
    let (min, max) = if field.signed {
        let max = if bits == 64 { i128::from(i64::MAX) } else { (1i128 << (bits - 1)) - 1 };
        (-max - 1, max)
    } else {
        (0, (1i128 << bits) - 1)
    };
    let sum = value + i128::from(increment);
    if (min..=max).contains(&sum) {
        return (sum as i64, false);
    }
    let result = match overflow {
        Overflow::Sat => {
            if sum > max {
                max as i64
            } else {
                min as i64
            }
        }
        Overflow::Wrap | Overflow::Fail => wrap(field, sum),
    };
    (result, true)
}

/// The low `bits` bits of `sum`, sign-extended for a signed field.
fn wrap(field: FieldType, sum: i128) -> i64 {
    let raw = sum as u64;
    if field.bits == 64 {
        return raw as i64;
    }
    let low = raw & !(u64::MAX << field.bits);
    if field.signed && low & (1 << (field.bits - 1)) != 0 {
        (low | (u64::MAX << field.bits)) as i64
    } else {
        low as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Harness;

    #[test]
    fn bitfield_replies_like_redis() {
        let mut h = Harness::new();
        h.expect_all(&[
            (&["bitfield", "k", "overflow", "fail", "set", "i8", "0", "200"], "*1\r\n$-1\r\n"),
            (&["exists", "k"], ":1\r\n"),
            (&["get", "k"], "$1\r\n\0\r\n"),
            (
                &[
                    "bitfield", "k", "set", "u8", "0", "255", "get", "u8", "0", "incrby", "u8", "0", "10", "overflow",
                    "sat", "incrby", "u8", "0", "10", "overflow", "wrap", "incrby", "i8", "0", "100", "get", "i4",
                    "#1",
                ],
                "*6\r\n:0\r\n:255\r\n:9\r\n:19\r\n:119\r\n:7\r\n",
            ),
            (&["bitfield_ro", "k", "get", "u8", "0", "overflow", "wrap"], "*1\r\n:119\r\n"),
            (&["bitfield_ro", "k", "set", "u8", "0", "1"], "-ERR BITFIELD_RO only supports the GET subcommand\r\n"),
            (&["bitfield_ro", "k", "set", "u8", "0", "x"], "-ERR value is not an integer or out of range\r\n"),
            (&["bitfield_ro", "k", "get", "u8"], "-ERR syntax error\r\n"),
            (
                &["bitfield", "k", "get", "u64", "0"],
                "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n",
            ),
            (
                &["bitfield", "k", "get", "I8", "x"],
                "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n",
            ),
            (&["bitfield", "k", "get", "u8", "#-1"], "-ERR bit offset is not an integer or out of range\r\n"),
            (&["bitfield", "k", "get", "u8", "4294967296"], "-ERR bit offset is not an integer or out of range\r\n"),
            (&["bitfield", "k", "get", "u8", "#536870911"], "*1\r\n:0\r\n"),
            (
                &["bitfield", "k", "get", "i64", "#1152921504606846975"],
                "-ERR bit offset is not an integer or out of range\r\n",
            ),
            (&["bitfield", "k", "overflow", "bad"], "-ERR Invalid OVERFLOW type specified\r\n"),
            (&["bitfield", "k", "foo"], "-ERR syntax error\r\n"),
            (&["bitfield", "k"], "*0\r\n"),
            (&["bitfield", "q", "overflow", "wrap"], "*0\r\n"),
            (&["exists", "q"], ":0\r\n"),
            (&["bitfield", "nokey", "get", "u8", "0"], "*1\r\n:0\r\n"),
            (&["lpush", "l", "a"], ":1\r\n"),
            (
                &["bitfield", "l", "get", "u8", "0"],
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                &["bitfield", "l", "set", "u8", "0", "1"],
                "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            ),
            (
                &[
                    "bitfield", "k", "overflow", "FAIL", "incrby", "u2", "100", "1", "incrby", "u2", "100", "1",
                    "incrby", "u2", "100", "1", "incrby", "u2", "100", "1",
                ],
                "*4\r\n:1\r\n:2\r\n:3\r\n$-1\r\n",
            ),
            (
                &["bitfield", "k", "overflow", "sat", "incrby", "i8", "200", "-1000", "incrby", "u8", "300", "-5"],
                "*2\r\n:-128\r\n:0\r\n",
            ),
            (&["strlen", "k"], ":39\r\n"),
            (
                &["bitfield", "k", "set", "i64", "0", "-9223372036854775808", "incrby", "i64", "0", "-1"],
                "*2\r\n:8574853690513424384\r\n:9223372036854775807\r\n",
            ),
            (&["bitfield", "k", "overflow", "sat", "incrby", "i64", "0", "1"], "*1\r\n:9223372036854775807\r\n"),
            (&["bitfield", "k", "overflow", "wrap", "incrby", "u63", "0", "1"], "*1\r\n:4611686018427387904\r\n"),
            (
                &[
                    "bitfield", "k", "overflow", "sat", "set", "u8", "0", "-1", "get", "u8", "0", "overflow", "wrap",
                    "set", "u8", "0", "-2", "get", "u8", "0", "overflow", "fail", "set", "u8", "0", "-3", "get", "u8",
                    "0", "overflow", "sat", "set", "u8", "0", "300", "get", "u8", "0", "set", "i8", "0", "-200", "get",
                    "i8", "0",
                ],
                "*10\r\n:128\r\n:255\r\n:255\r\n:254\r\n$-1\r\n:254\r\n:254\r\n:255\r\n:-1\r\n:-128\r\n",
            ),
        ]);
    }

    #[test]
    fn only_writes_that_change_the_string_count_as_changes() {
        let mut h = Harness::new();
        let dirty = |h: &Harness| h.state.dirty;
        let start = dirty(&h);
        h.run(&["bitfield", "k", "set", "i5", "0", "0"]);
        assert_eq!(dirty(&h), start + 1, "creating the key is a change");
        h.run(&["bitfield", "k", "set", "i5", "0", "0", "incrby", "u4", "0", "0"]);
        assert_eq!(dirty(&h), start + 1, "writing the same values is not");
        h.run(&["bitfield", "k", "set", "i5", "0", "1", "set", "i5", "0", "1"]);
        assert_eq!(dirty(&h), start + 2, "one write changed the field, the second did not");
        h.run(&["bitfield", "k", "set", "u8", "64", "0"]);
        assert_eq!(dirty(&h), start + 3, "growing the string is a change");
    }

    #[test]
    fn wrapping_matches_twos_complement() {
        let i8 = FieldType { signed: true, bits: 8 };
        let u3 = FieldType { signed: false, bits: 3 };
        assert_eq!(add_with_overflow(i8, 127, 1, Overflow::Wrap), (-128, true));
        assert_eq!(add_with_overflow(i8, -128, -1, Overflow::Wrap), (127, true));
        assert_eq!(add_with_overflow(i8, 100, -300, Overflow::Sat), (-128, true));
        assert_eq!(add_with_overflow(u3, 7, 1, Overflow::Wrap), (0, true));
        assert_eq!(add_with_overflow(u3, 0, -1, Overflow::Wrap), (7, true));
        assert_eq!(add_with_overflow(u3, 0, -1, Overflow::Sat), (0, true));
        assert_eq!(add_with_overflow(u3, 3, 2, Overflow::Fail), (5, false));
    }

    #[test]
    fn fields_round_trip_at_unaligned_offsets() {
        let mut bytes = vec![0u8; 16];
        let i13 = FieldType { signed: true, bits: 13 };
        write_field(&mut bytes, i13, 5, -1234);
        assert_eq!(read_field(&bytes, i13, 5), -1234);
        let u63 = FieldType { signed: false, bits: 63 };
        write_field(&mut bytes, u63, 19, i64::MAX);
        assert_eq!(read_field(&bytes, u63, 19), i64::MAX);
        assert_eq!(read_field(&bytes, i13, 5), -1234);
    }
}
