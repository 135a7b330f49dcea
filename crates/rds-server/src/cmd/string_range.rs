//! Byte-level access to strings: APPEND, STRLEN, GETRANGE (and SUBSTR), SETRANGE. Edits in place
//! turn the value into the `raw` encoding, as in Redis.

use rds_storage::Value;

use crate::cmd::string::{check_string_length, make_raw, max_string_len};
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::notify::STRING;

/// APPEND key value: creates the key as SET would, else grows it in place (`raw`).
pub fn append(ctx: &mut Ctx) -> CmdResult {
    let (key, suffix) = (ctx.arg(1), ctx.arg(2));
    let limit = max_string_len(ctx);
    let total = match ctx.lookup_write(key) {
        None => {
            ctx.set_value(key, Value::string(suffix));
            suffix.len()
        }
        Some(value) => {
            let current = value.as_string().ok_or(CommandError::WrongType)?.len();
            check_string_length(limit, i64::try_from(current).unwrap_or(i64::MAX), suffix.len())?;
            let bytes = make_raw(value).ok_or(CommandError::WrongType)?;
            bytes.extend_from_slice(suffix);
            bytes.len()
        }
    };
    ctx.changed(1);
    ctx.notify(STRING, "append", key);
    ctx.out().int(i64::try_from(total).unwrap_or(i64::MAX));
    Ok(())
}

/// STRLEN key
pub fn strlen(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.arg(1);
    let len = ctx.read_string(key)?.map_or(0, <[u8]>::len);
    ctx.out().int(i64::try_from(len).unwrap_or(i64::MAX));
    Ok(())
}

/// Clamps a GETRANGE-style inclusive range over `len` bytes, negative indexes counting from the end;
/// `None` when it selects nothing.
pub(crate) fn clamp_range(len: usize, start: i64, end: i64) -> Option<(usize, usize)> {
    if start < 0 && end < 0 && start > end {
        return None;
    }
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    let start = if start < 0 { len + start } else { start }.max(0);
    let end = if end < 0 { len + end } else { end }.max(0).min(len - 1);
    if start > end || len == 0 {
        return None;
    }
    Some((usize::try_from(start).ok()?, usize::try_from(end).ok()?))
}

/// GETRANGE key start end (and its old name SUBSTR)
pub fn getrange(ctx: &mut Ctx) -> CmdResult {
    let start = ctx.int_arg(2)?;
    let end = ctx.int_arg(3)?;
    let (value, out) = ctx.lookup_read_with_out(ctx.arg(1));
    let Some(value) = value else {
        out.bulk(b"");
        return Ok(());
    };
    let bytes = value.as_string().ok_or(CommandError::WrongType)?;
    match clamp_range(bytes.len(), start, end) {
        Some((start, end)) => out.bulk(&bytes[start..=end]),
        None => out.bulk(b""),
    }
    Ok(())
}

/// SETRANGE key offset value: zero-pads as needed; the result is `raw`.
pub fn setrange(ctx: &mut Ctx) -> CmdResult {
    let offset = ctx.int_arg(2)?;
    let Ok(start) = usize::try_from(offset) else {
        return Err(CommandError::err("offset is out of range"));
    };
    let (key, patch) = (ctx.arg(1), ctx.arg(3));
    let limit = max_string_len(ctx);
    // Writing nothing changes nothing, even past the end: no key is created, no length checked.
    let total = match ctx.lookup_write(key) {
        None if patch.is_empty() => 0,
        Some(value) if patch.is_empty() => value.as_string().ok_or(CommandError::WrongType)?.len(),
        None => {
            check_string_length(limit, offset, patch.len())?;
            let mut bytes = vec![0u8; start];
            bytes.extend_from_slice(patch);
            let total = bytes.len();
            ctx.set_value(key, Value::Raw(bytes));
            total
        }
        Some(value) => {
            value.as_string().ok_or(CommandError::WrongType)?;
            check_string_length(limit, offset, patch.len())?;
            let bytes = make_raw(value).ok_or(CommandError::WrongType)?;
            let end = start.saturating_add(patch.len());
            if bytes.len() < end {
                bytes.resize(end, 0);
            }
            bytes[start..end].copy_from_slice(patch);
            bytes.len()
        }
    };
    if !patch.is_empty() {
        ctx.changed(1);
        ctx.notify(STRING, "setrange", key);
    }
    ctx.out().int(i64::try_from(total).unwrap_or(i64::MAX));
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::testing::Harness;

    #[test]
    fn append_strlen_and_ranges_reply_like_redis() {
        let mut h = Harness::new();
        h.expect_all(&[
            // APPEND STRLEN GETRANGE SETRANGE
            (&["append", "ap", "hello"], ":5\r\n"),
            (&["append", "ap", " world"], ":11\r\n"),
            (&["get", "ap"], "$11\r\nhello world\r\n"),
            (&["strlen", "ap"], ":11\r\n"),
            (&["strlen", "nokey"], ":0\r\n"),
            (&["append", "empty", ""], ":0\r\n"),
            (&["exists", "empty"], ":1\r\n"),
            (&["strlen", "empty"], ":0\r\n"),
            (&["getrange", "ap", "0", "4"], "$5\r\nhello\r\n"),
            (&["getrange", "ap", "-5", "-1"], "$5\r\nworld\r\n"),
            (&["getrange", "ap", "5", "1"], "$0\r\n\r\n"),
            (&["getrange", "ap", "-1", "-5"], "$0\r\n\r\n"),
            (&["getrange", "ap", "100", "200"], "$0\r\n\r\n"),
            (&["getrange", "ap", "-100", "1"], "$2\r\nhe\r\n"),
            (&["getrange", "ap", "-9223372036854775808", "9223372036854775807"], "$11\r\nhello world\r\n"),
            (&["getrange", "ap", "a", "1"], "-ERR value is not an integer or out of range\r\n"),
            (&["getrange", "nokey", "0", "-1"], "$0\r\n\r\n"),
            (&["getrange", "nokey", "a", "b"], "-ERR value is not an integer or out of range\r\n"),
            (&["substr", "ap", "0", "2"], "$3\r\nhel\r\n"),
            (&["set", "i", "12345"], "+OK\r\n"),
            (&["getrange", "i", "1", "2"], "$2\r\n23\r\n"),
            (&["setrange", "i", "1", "9"], ":5\r\n"),
            (&["get", "i"], "$5\r\n19345\r\n"),
            (&["setrange", "i", "-1", ""], "-ERR offset is out of range\r\n"),
            (&["setrange", "i", "100", ""], ":5\r\n"),
            (&["setrange", "nosr", "5", ""], ":0\r\n"),
            (&["exists", "nosr"], ":0\r\n"),
            (&["setrange", "nosr", "-1", "x"], "-ERR offset is out of range\r\n"),
            (&["setrange", "nosr", "x", "x"], "-ERR value is not an integer or out of range\r\n"),
            (
                &["setrange", "nosr", "536870912", "x"],
                "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n",
            ),
            (
                &["setrange", "nosr", "9223372036854775807", "x"],
                "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n",
            ),
            (&["setrange", "sr", "3", "abc"], ":6\r\n"),
            (&["strlen", "sr"], ":6\r\n"),
            (&["getrange", "sr", "3", "-1"], "$3\r\nabc\r\n"),
            (&["setrange", "sr", "1", "Z"], ":6\r\n"),
            (&["getrange", "sr", "1", "5"], "$5\r\nZ\x00abc\r\n"),
        ]);
    }

    #[test]
    fn encodings_follow_how_the_value_was_written() {
        let mut h = Harness::new();
        let encoding = |h: &mut Harness, key: &[u8]| h.state.keyspace.dbs[0].peek(key).unwrap().value.encoding_name();
        h.run(&["SET", "int", "123"]);
        h.run(&["SET", "emb", "hello"]);
        h.run(&["APPEND", "new", "123"]);
        h.run(&["SET", "app", "abc"]);
        h.run(&["APPEND", "app", "d"]);
        h.run(&["SETRANGE", "sr", "0", "1"]);
        assert_eq!(encoding(&mut h, b"int"), "int");
        assert_eq!(encoding(&mut h, b"emb"), "embstr");
        assert_eq!(encoding(&mut h, b"new"), "int");
        assert_eq!(encoding(&mut h, b"app"), "raw");
        assert_eq!(encoding(&mut h, b"sr"), "raw");
    }
}
