//! Counters stored in strings: INCR, DECR, INCRBY, DECRBY and INCRBYFLOAT.

use bytes::Bytes;
use rds_resp::itoa::format_i64;
use rds_storage::num::parse_i64;
use rds_storage::{CompactBytes, Value};

use crate::cmd::longdouble::LongDouble;
use crate::cmd::string::arg_bytes;
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::notify::STRING;

/// Adds `delta` to the integer at key 1, creating it from 0; the TTL is kept.
fn incr_by(ctx: &mut Ctx, delta: i64) -> CmdResult {
    let key = ctx.arg(1);
    let mut digits = [0u8; 20];
    let result = match ctx.lookup_write(key) {
        Some(value) => {
            let current = value.as_string().ok_or(CommandError::WrongType)?;
            let current = parse_i64(current).ok_or(CommandError::NotInteger)?;
            let result = current.checked_add(delta).ok_or(CommandError::Overflow)?;
            *value = Value::Str(CompactBytes::new(format_i64(result, &mut digits)));
            result
        }
        None => {
            ctx.set_value(key, Value::Str(CompactBytes::new(format_i64(delta, &mut digits))));
            delta
        }
    };
    ctx.changed(1);
    ctx.notify(STRING, "incrby", key);
    ctx.out().int(result);
    Ok(())
}

/// INCR key
pub fn incr(ctx: &mut Ctx) -> CmdResult {
    incr_by(ctx, 1)
}

/// DECR key
pub fn decr(ctx: &mut Ctx) -> CmdResult {
    incr_by(ctx, -1)
}

/// INCRBY key increment
pub fn incrby(ctx: &mut Ctx) -> CmdResult {
    let delta = ctx.int_arg(2)?;
    incr_by(ctx, delta)
}

/// DECRBY key decrement
pub fn decrby(ctx: &mut Ctx) -> CmdResult {
    let delta = ctx.int_arg(2)?;
    if delta == i64::MIN {
        return Err(CommandError::err("decrement would overflow"));
    }
    incr_by(ctx, -delta)
}

/// INCRBYFLOAT key increment: computed in x87 extended precision like Redis's `long double`, and
/// replicated as `SET key result KEEPTTL` so replicas never redo the float arithmetic.
pub fn incrbyfloat(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.arg(1);
    let current = match ctx.lookup_write(key) {
        Some(value) => {
            let bytes = value.as_string().ok_or(CommandError::WrongType)?;
            LongDouble::parse(bytes).ok_or(CommandError::NotFloat)?
        }
        None => LongDouble::ZERO,
    };
    let increment = LongDouble::parse(ctx.arg(2)).ok_or(CommandError::NotFloat)?;
    let sum = current.plus(increment);
    if !sum.is_finite() {
        return Err(CommandError::err("increment would produce NaN or Infinity"));
    }
    let text = Bytes::from(sum.to_human_string());
    ctx.set_value_keep_ttl(key, Value::Embstr(CompactBytes::new(&text)));
    ctx.changed(1);
    ctx.notify(STRING, "incrbyfloat", key);
    ctx.out().bulk(&text);
    ctx.propagate(vec![Bytes::from_static(b"SET"), arg_bytes(ctx, 1), text, Bytes::from_static(b"KEEPTTL")]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::testing::Harness;

    #[test]
    fn counters_reply_like_redis() {
        let mut h = Harness::new();
        h.expect_all(&[
            (&["incr", "n"], ":1\r\n"),
            (&["incr", "n"], ":2\r\n"),
            (&["decr", "n"], ":1\r\n"),
            (&["incrby", "n", "10"], ":11\r\n"),
            (&["decrby", "n", "5"], ":6\r\n"),
            (&["incrby", "n", "abc"], "-ERR value is not an integer or out of range\r\n"),
            (&["decrby", "n", "abc"], "-ERR value is not an integer or out of range\r\n"),
            (&["decrby", "n", "-9223372036854775808"], "-ERR decrement would overflow\r\n"),
            (&["decrby", "n", "9223372036854775807"], ":-9223372036854775801\r\n"),
            (&["decr", "n"], ":-9223372036854775802\r\n"),
            (&["set", "n", "9223372036854775807"], "+OK\r\n"),
            (&["incr", "n"], "-ERR increment or decrement would overflow\r\n"),
            (&["incrby", "n", "-9223372036854775807"], ":0\r\n"),
            (&["set", "n", "-9223372036854775808"], "+OK\r\n"),
            (&["decr", "n"], "-ERR increment or decrement would overflow\r\n"),
            (&["incrby", "n", "9223372036854775807"], ":-1\r\n"),
            (&["set", "s", "abc"], "+OK\r\n"),
            (&["incr", "s"], "-ERR value is not an integer or out of range\r\n"),
            (&["set", "s", "01"], "+OK\r\n"),
            (&["incr", "s"], "-ERR value is not an integer or out of range\r\n"),
            (&["set", "s", " 1"], "+OK\r\n"),
            (&["incr", "s"], "-ERR value is not an integer or out of range\r\n"),
            (&["set", "s", "-0"], "+OK\r\n"),
            (&["incr", "s"], "-ERR value is not an integer or out of range\r\n"),
            (&["set", "s", "12345678901234567890"], "+OK\r\n"),
            (&["incr", "s"], "-ERR value is not an integer or out of range\r\n"),
            (&["set", "f", "3"], "+OK\r\n"),
            (&["append", "f", "0"], ":2\r\n"),
            (&["incr", "f"], ":31\r\n"),
            (&["get", "f"], "$2\r\n31\r\n"),
            (&["incrbyfloat", "x", "10.5"], "$4\r\n10.5\r\n"),
            (&["incrbyfloat", "x", "0.1"], "$4\r\n10.6\r\n"),
            (&["incrbyfloat", "x", "-10.6"], "$1\r\n0\r\n"),
            (&["incrbyfloat", "x", "5.0e3"], "$4\r\n5000\r\n"),
            (&["incrbyfloat", "x", "abc"], "-ERR value is not a valid float\r\n"),
            (&["incrbyfloat", "x", "inf"], "-ERR increment would produce NaN or Infinity\r\n"),
            (&["incrbyfloat", "w", "1e25"], "$26\r\n10000000000000000000000000\r\n"),
            (&["incrbyfloat", "y", "123456.789"], "$24\r\n123456.78900000000000148\r\n"),
            (&["incrbyfloat", "y", "0x10"], "$24\r\n123472.78900000000000148\r\n"),
            (&["incrbyfloat", "y", "1e-20"], "$24\r\n123472.78900000000000148\r\n"),
            (&["incrbyfloat", "y", " 1"], "-ERR value is not a valid float\r\n"),
            (&["incrbyfloat", "y", "nan"], "-ERR value is not a valid float\r\n"),
            (&["set", "s", "abc"], "+OK\r\n"),
            (&["incrbyfloat", "s", "1"], "-ERR value is not a valid float\r\n"),
            (&["set", "s", "inf"], "+OK\r\n"),
            (&["incrbyfloat", "s", "1"], "-ERR increment would produce NaN or Infinity\r\n"),
            (&["incrbyfloat", "z", "-1e-20"], "$1\r\n0\r\n"),
        ]);
    }

    #[test]
    fn results_are_int_encoded_and_keep_the_ttl() {
        let mut h = Harness::new();
        h.run(&["SET", "n", "10", "EX", "100"]);
        h.run(&["APPEND", "n", "0"]);
        h.expect_all(&[(&["INCR", "n"], ":101\r\n"), (&["TTL", "n"], ":100\r\n")]);
        assert_eq!(h.state.keyspace.dbs[0].peek(b"n").unwrap().value.encoding_name(), "int");
        h.expect_all(&[(&["INCRBYFLOAT", "n", "0.5"], "$5\r\n101.5\r\n"), (&["TTL", "n"], ":100\r\n")]);
    }

    #[test]
    fn incrbyfloat_propagates_as_set_keepttl() {
        let mut h = Harness::new();
        h.state.effects.enable();
        h.run(&["INCR", "n"]);
        h.run(&["INCRBYFLOAT", "n", "0.5"]);
        h.run(&["INCRBYFLOAT", "n", "x"]);
        let expected = "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n\
                        *4\r\n$3\r\nSET\r\n$1\r\nn\r\n$3\r\n1.5\r\n$7\r\nKEEPTTL\r\n";
        assert_eq!(String::from_utf8_lossy(&h.state.effects.take()), expected);
        assert_eq!(h.state.dirty, 2);
    }
}
