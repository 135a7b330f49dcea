//! Key expiry: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (with NX | XX | GT | LT), TTL, PTTL,
//! EXPIRETIME, PEXPIRETIME and PERSIST.
//!
//! Replicas must end up with the same absolute deadline as the master, so every relative form is
//! propagated as `PEXPIREAT key <ms>` (options kept), and a deadline already in the past becomes an
//! explicit `DEL` (or `UNLINK` with `lazyfree-lazy-expire`).

use bytes::Bytes;
use rds_storage::ExpiryMode;

use super::keys::lookup_notouch;
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::notify::GENERIC;

const NX: u8 = 1;
const XX: u8 = 2;
const GT: u8 = 4;
const LT: u8 = 8;

/// The unit of the time argument.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    Seconds,
    Millis,
}

/// EXPIRE key seconds [NX | XX | GT | LT]
pub fn expire(ctx: &mut Ctx) -> CmdResult {
    let now = i64::try_from(ctx.now_ms).unwrap_or(i64::MAX);
    expire_generic(ctx, now, Unit::Seconds)
}

/// PEXPIRE key milliseconds [NX | XX | GT | LT]
pub fn pexpire(ctx: &mut Ctx) -> CmdResult {
    let now = i64::try_from(ctx.now_ms).unwrap_or(i64::MAX);
    expire_generic(ctx, now, Unit::Millis)
}

/// EXPIREAT key unix-time-seconds [NX | XX | GT | LT]
pub fn expireat(ctx: &mut Ctx) -> CmdResult {
    expire_generic(ctx, 0, Unit::Seconds)
}

/// PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]
pub fn pexpireat(ctx: &mut Ctx) -> CmdResult {
    expire_generic(ctx, 0, Unit::Millis)
}

/// Text of a C string argument: Redis prints options with `%s`, which stops at a NUL byte.
fn c_text(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// Parses the NX/XX/GT/LT options after the time argument.
fn parse_flags(ctx: &Ctx) -> Result<u8, CommandError> {
    let mut flags = 0;
    for index in 3..ctx.argc() {
        flags |= if ctx.arg_is(index, "nx") {
            NX
        } else if ctx.arg_is(index, "xx") {
            XX
        } else if ctx.arg_is(index, "gt") {
            GT
        } else if ctx.arg_is(index, "lt") {
            LT
        } else {
            return Err(CommandError::err(format!("Unsupported option {}", c_text(ctx.arg(index)))));
        };
    }
    if flags & NX != 0 && flags & (XX | GT | LT) != 0 {
        return Err(CommandError::err("NX and XX, GT or LT options at the same time are not compatible"));
    }
    if flags & GT != 0 && flags & LT != 0 {
        return Err(CommandError::err("GT and LT options at the same time are not compatible"));
    }
    Ok(flags)
}

/// The absolute deadline in ms, or Redis's error when it does not fit in 64 bits.
fn deadline(ctx: &Ctx, basetime: i64, unit: Unit) -> Result<i64, CommandError> {
    let invalid = || CommandError::err(format!("invalid expire time in '{}' command", ctx.spec.name));
    let when = ctx.int_arg(2)?;
    let when = match unit {
        Unit::Seconds => when.checked_mul(1000).ok_or_else(invalid)?,
        Unit::Millis => when,
    };
    // Only a positive overflow is an error: a very negative deadline simply lies in the past.
    if when > i64::MAX - basetime {
        return Err(invalid());
    }
    Ok(when + basetime)
}

/// Whether the NX/XX/GT/LT conditions let `when` replace `current` (no TTL counts as infinite).
fn flags_allow(flags: u8, when: i64, current: Option<i64>) -> bool {
    match current {
        None => flags & (XX | GT) == 0,
        Some(current) => {
            flags & NX == 0 && !(flags & GT != 0 && when <= current) && !(flags & LT != 0 && when >= current)
        }
    }
}

fn expire_generic(ctx: &mut Ctx, basetime: i64, unit: Unit) -> CmdResult {
    let flags = parse_flags(ctx)?;
    let when = deadline(ctx, basetime, unit)?;
    let key = ctx.arg(1);
    if ctx.lookup_write(key).is_none() {
        ctx.out().int(0);
        return Ok(());
    }
    let current = ctx.db().expire_at(key).map(|at| i64::try_from(at).unwrap_or(i64::MAX));
    if !flags_allow(flags, when, current) {
        ctx.out().int(0);
        return Ok(());
    }
    let now = i64::try_from(ctx.now_ms).unwrap_or(i64::MAX);
    // A replica keeps the key with its past deadline and waits for the master's DEL.
    if when <= now && ctx.server.expiry_mode == ExpiryMode::Delete {
        ctx.db().remove(key);
        ctx.changed(1);
        let lazy = ctx.server.config.bool("lazyfree-lazy-expire");
        let name: &'static [u8] = if lazy { b"UNLINK" } else { b"DEL" };
        ctx.propagate(vec![Bytes::from_static(name), Bytes::copy_from_slice(key)]);
        ctx.notify(GENERIC, "del", key);
        ctx.out().int(1);
        return Ok(());
    }
    ctx.db().set_expire(key, u64::try_from(when).unwrap_or(0));
    ctx.changed(1);
    ctx.notify(GENERIC, "expire", key);
    if basetime != 0 || unit == Unit::Seconds {
        let mut effect = ctx.argv.to_vec();
        effect[0] = Bytes::from_static(b"PEXPIREAT");
        effect[2] = Bytes::from(when.to_string());
        ctx.propagate(effect);
    }
    ctx.out().int(1);
    Ok(())
}

/// TTL key
pub fn ttl(ctx: &mut Ctx) -> CmdResult {
    ttl_generic(ctx, Unit::Seconds, false)
}

/// PTTL key
pub fn pttl(ctx: &mut Ctx) -> CmdResult {
    ttl_generic(ctx, Unit::Millis, false)
}

/// EXPIRETIME key
pub fn expiretime(ctx: &mut Ctx) -> CmdResult {
    ttl_generic(ctx, Unit::Seconds, true)
}

/// PEXPIRETIME key
pub fn pexpiretime(ctx: &mut Ctx) -> CmdResult {
    ttl_generic(ctx, Unit::Millis, true)
}

/// -2 for a missing key, -1 without a TTL, else the remaining time (or the deadline when
/// `absolute`), never negative; seconds are rounded to the nearest like Redis.
fn ttl_generic(ctx: &mut Ctx, unit: Unit, absolute: bool) -> CmdResult {
    let key = ctx.arg(1);
    if lookup_notouch(ctx, key).is_none() {
        ctx.out().int(-2);
        return Ok(());
    }
    let Some(at) = ctx.db().expire_at(key) else {
        ctx.out().int(-1);
        return Ok(());
    };
    let at = i128::from(at);
    let ms = if absolute { at } else { at - i128::from(ctx.now_ms) }.max(0);
    let reply = match unit {
        Unit::Millis => ms,
        Unit::Seconds => (ms + 500) / 1000,
    };
    ctx.out().int(i64::try_from(reply).unwrap_or(i64::MAX));
    Ok(())
}

/// PERSIST key
pub fn persist(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.arg(1);
    let removed = ctx.lookup_write(key).is_some() && ctx.db().persist(key);
    if removed {
        ctx.changed(1);
        ctx.notify(GENERIC, "persist", key);
    }
    ctx.out().int(i64::from(removed));
    Ok(())
}

#[cfg(test)]
mod tests {
    use rds_storage::ExpiryMode;

    use crate::cmd::keys::tests::{expire_at, put};
    use crate::testing::Harness;

    const BOTH: &str = "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n";
    const GT_LT: &str = "-ERR GT and LT options at the same time are not compatible\r\n";

    #[test]
    fn expire_options_reply_like_redis() {
        let mut h = Harness::new();
        put(&mut h, 0, "k", "v");
        h.expect_all(&[
            (&["EXPIRE", "k", "100", "GT"], ":0\r\n"),
            (&["EXPIRE", "k", "100", "XX"], ":0\r\n"),
            (&["EXPIRE", "k", "100"], ":1\r\n"),
            (&["TTL", "k"], ":100\r\n"),
            (&["EXPIRE", "k", "100", "NX"], ":0\r\n"),
            (&["EXPIRE", "k", "100", "XX"], ":1\r\n"),
            (&["EXPIRE", "k", "200", "GT"], ":1\r\n"),
            (&["EXPIRE", "k", "50", "GT"], ":0\r\n"),
            (&["EXPIRE", "k", "50", "lt"], ":1\r\n"),
            (&["EXPIRE", "k", "60", "LT"], ":0\r\n"),
            (&["EXPIRE", "k", "10", "GT", "GT"], ":0\r\n"),
            (&["EXPIRE", "k", "10", "xx", "lt"], ":1\r\n"),
            (&["EXPIRE", "k", "10", "NX", "XX"], BOTH),
            (&["EXPIRE", "k", "10", "XX", "NX"], BOTH),
            (&["EXPIRE", "k", "10", "GT", "NX"], BOTH),
            (&["EXPIRE", "k", "10", "NX", "LT", "GT"], BOTH),
            (&["EXPIRE", "k", "10", "LT", "GT"], GT_LT),
            (&["EXPIRE", "k", "10", "FOO"], "-ERR Unsupported option FOO\r\n"),
            (&["EXPIRE", "k", "10", "FOO", "nx"], "-ERR Unsupported option FOO\r\n"),
            (&["EXPIRE", "k", "x", "FOO"], "-ERR Unsupported option FOO\r\n"),
            (&["EXPIRE", "k", "x"], "-ERR value is not an integer or out of range\r\n"),
            (&["EXPIRE", "nokey", "10"], ":0\r\n"),
            (&["EXPIRE", "nokey", "10", "FOO"], "-ERR Unsupported option FOO\r\n"),
            (&["EXPIRE", "k"], "-ERR wrong number of arguments for 'expire' command\r\n"),
        ]);
        put(&mut h, 0, "p", "v");
        h.expect_all(&[(&["EXPIRE", "p", "100", "LT"], ":1\r\n"), (&["TTL", "p"], ":100\r\n")]);
    }

    #[test]
    fn overflowing_deadlines_are_rejected_with_the_command_name() {
        let mut h = Harness::new();
        put(&mut h, 0, "k", "v");
        let invalid = |name: &str| format!("-ERR invalid expire time in '{name}' command\r\n");
        for (words, expected) in [
            (&["EXPIRE", "k", "9223372036854775807"][..], invalid("expire")),
            (&["EXPIRE", "k", "9223372036854775"], invalid("expire")),
            (&["EXPIRE", "k", "-9223372036854775808"], invalid("expire")),
            (&["PEXPIRE", "k", "9223372036854775807"], invalid("pexpire")),
            (&["PEXPIRE", "k", "9223372036854775000"], invalid("pexpire")),
            (&["EXPIREAT", "k", "9223372036854775807"], invalid("expireat")),
            (&["expire", "nokey", "9223372036854775807"], invalid("expire")),
            (&["EXPIRE", "k", "9223372036854"], ":1\r\n".into()),
            (&["PEXPIRE", "k", "9223370000000000000"], ":1\r\n".into()),
            (&["EXPIREAT", "k", "9223372036854775"], ":1\r\n".into()),
            (&["EXPIRETIME", "k"], ":9223372036854775\r\n".into()),
            (&["PEXPIREAT", "k", "9223372036854775807"], ":1\r\n".into()),
            (&["EXPIRETIME", "k"], ":9223372036854776\r\n".into()),
            (&["PEXPIRETIME", "k"], ":9223372036854775807\r\n".into()),
            (&["PEXPIREAT", "k", "-9223372036854775808"], ":1\r\n".into()),
            (&["EXISTS", "k"], ":0\r\n".into()),
        ] {
            assert_eq!(h.run(words), expected, "{words:?}");
        }
    }

    #[test]
    fn ttl_family_and_persist_reply_like_redis() {
        let mut h = Harness::new();
        put(&mut h, 0, "k", "v");
        h.expect_all(&[
            (&["TTL", "k"], ":-1\r\n"),
            (&["PTTL", "k"], ":-1\r\n"),
            (&["EXPIRETIME", "k"], ":-1\r\n"),
            (&["PEXPIRETIME", "k"], ":-1\r\n"),
            (&["TTL", "nokey"], ":-2\r\n"),
            (&["PTTL", "nokey"], ":-2\r\n"),
            (&["EXPIRETIME", "nokey"], ":-2\r\n"),
            (&["PEXPIRETIME", "nokey"], ":-2\r\n"),
            (&["PERSIST", "k"], ":0\r\n"),
            (&["PERSIST", "nokey"], ":0\r\n"),
            (&["PEXPIREAT", "k", "2000000000499"], ":1\r\n"),
            (&["EXPIRETIME", "k"], ":2000000000\r\n"),
            (&["PEXPIREAT", "k", "2000000000500"], ":1\r\n"),
            (&["EXPIRETIME", "k"], ":2000000001\r\n"),
            (&["PEXPIRETIME", "k"], ":2000000000500\r\n"),
            (&["PERSIST", "k"], ":1\r\n"),
            (&["PERSIST", "k"], ":0\r\n"),
            (&["TTL", "k"], ":-1\r\n"),
            (&["TTL"], "-ERR wrong number of arguments for 'ttl' command\r\n"),
        ]);
        h.expect_all(&[(&["PEXPIRE", "k", "1499"], ":1\r\n"), (&["TTL", "k"], ":1\r\n")]);
        h.expect_all(&[(&["PEXPIRE", "k", "400"], ":1\r\n"), (&["TTL", "k"], ":0\r\n")]);
        let pttl: i64 = h.run(&["PTTL", "k"])[1..].trim().parse().unwrap();
        assert!((0..=400).contains(&pttl), "{pttl}");
        assert_eq!(h.state.dirty, 5);
    }

    #[test]
    fn a_past_deadline_deletes_and_propagates_del() {
        let mut h = Harness::new();
        h.state.effects.enable();
        for (words, expected) in [
            (&["EXPIRE", "a", "-1"][..], ":1\r\n"),
            (&["EXPIRE", "b", "0"], ":1\r\n"),
            (&["PEXPIREAT", "c", "1", "nx"], ":1\r\n"),
            (&["EXPIRE", "d", "-5", "GT"], ":0\r\n"),
            (&["EXPIRE", "e", "-5", "LT"], ":1\r\n"),
        ] {
            put(&mut h, 0, words[1], "v");
            assert_eq!(h.run(words), expected, "{words:?}");
        }
        h.expect_all(&[(&["EXISTS", "a", "b", "c", "d", "e"], ":1\r\n")]);
        let effects = String::from_utf8_lossy(&h.state.effects.take()).into_owned();
        let mut expected = "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n".to_string();
        for key in ["a", "b", "c", "e"] {
            expected.push_str(&format!("*2\r\n$3\r\nDEL\r\n$1\r\n{key}\r\n"));
        }
        assert_eq!(effects, expected);
        assert_eq!(h.state.stats.expired_keys, 0, "an explicit deletion is not an expiry");
    }

    #[test]
    fn a_replica_keeps_keys_with_past_deadlines() {
        let mut h = Harness::new();
        h.state.expiry_mode = ExpiryMode::HideOnly;
        put(&mut h, 0, "k", "v");
        h.expect_all(&[(&["PEXPIREAT", "k", "1"], ":1\r\n"), (&["EXISTS", "k"], ":0\r\n")]);
        assert_eq!(h.state.keyspace.dbs[0].len(), 1);
        assert_eq!(h.state.keyspace.dbs[0].expire_at(b"k"), Some(1));
    }

    #[test]
    fn relative_and_second_forms_propagate_as_pexpireat_with_options() {
        let mut h = Harness::new();
        put(&mut h, 0, "k", "v");
        h.state.effects.enable();
        let mut expected = "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n".to_string();
        let mut push = |h: &mut Harness, extra: &[&str]| {
            let at = h.state.keyspace.dbs[0].expire_at(b"k").unwrap().to_string();
            let mut args = vec!["PEXPIREAT", "k", at.as_str()];
            args.extend_from_slice(extra);
            expected.push_str(&format!("*{}\r\n", args.len()));
            for arg in args {
                expected.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
            }
        };
        h.run(&["EXPIRE", "k", "100", "NX"]);
        push(&mut h, &["NX"]);
        h.run(&["EXPIRE", "k", "50", "GT"]);
        h.run(&["pexpire", "k", "100000", "xx"]);
        push(&mut h, &["xx"]);
        h.run(&["EXPIREAT", "k", "2000000000"]);
        push(&mut h, &[]);
        h.run(&["PEXPIREAT", "k", "2000000000001", "GT"]);
        expected.push_str("*4\r\n$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$13\r\n2000000000001\r\n$2\r\nGT\r\n");
        h.run(&["PERSIST", "k"]);
        h.run(&["PERSIST", "k"]);
        expected.push_str("*2\r\n$7\r\nPERSIST\r\n$1\r\nk\r\n");
        let effects = String::from_utf8_lossy(&h.state.effects.take()).into_owned();
        assert_eq!(effects, expected);
        assert!(h.state.keyspace.dbs[0].expire_at(b"k").is_none());
    }

    #[test]
    fn ttl_hides_expired_keys() {
        let mut h = Harness::new();
        put(&mut h, 0, "k", "v");
        expire_at(&mut h, 0, "k", 1);
        h.expect_all(&[(&["TTL", "k"], ":-2\r\n"), (&["PERSIST", "k"], ":0\r\n")]);
        assert_eq!(h.state.stats.expired_keys, 1);
    }
}
