//! String commands: GET and SET with their variants (SETNX, SETEX, PSETEX, GETEX, GETDEL, GETSET), MGET/MSET.
//! Byte-range commands live in `string_range.rs`, counters in `counter.rs`, bitmaps in `bitops.rs`, LCS
//! in `lcs.rs`; the x87 arithmetic of INCRBYFLOAT in `longdouble.rs`.

use bytes::Bytes;
use rds_storage::num::parse_i64;
use rds_storage::{ExpiryMode, Value};

use crate::client::ClientKind;
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::notify::{GENERIC, STRING};

/// How SET/GETEX read an expiry argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExpireUnit {
    /// Relative seconds.
    Ex,
    /// Relative milliseconds.
    Px,
    /// Absolute Unix seconds.
    ExAt,
    /// Absolute Unix milliseconds.
    PxAt,
}

impl ExpireUnit {
    fn from_word(word: &[u8]) -> Option<Self> {
        if word.eq_ignore_ascii_case(b"ex") {
            Some(ExpireUnit::Ex)
        } else if word.eq_ignore_ascii_case(b"px") {
            Some(ExpireUnit::Px)
        } else if word.eq_ignore_ascii_case(b"exat") {
            Some(ExpireUnit::ExAt)
        } else if word.eq_ignore_ascii_case(b"pxat") {
            Some(ExpireUnit::PxAt)
        } else {
            None
        }
    }

    fn in_seconds(self) -> bool {
        matches!(self, ExpireUnit::Ex | ExpireUnit::ExAt)
    }

    fn is_relative(self) -> bool {
        matches!(self, ExpireUnit::Ex | ExpireUnit::Px)
    }
}

/// The options of SET (NX XX GET KEEPTTL EX PX EXAT PXAT) and GETEX (PERSIST EX PX EXAT PXAT).
#[derive(Debug, Default)]
struct SetOptions<'a> {
    nx: bool,
    xx: bool,
    get: bool,
    keep_ttl: bool,
    persist: bool,
    expire: Option<(ExpireUnit, &'a [u8])>,
}

/// Parses options from argument `start` on. Conflicting options are syntax errors; repeating an option
/// is allowed (the last expiry wins), as in Redis.
fn parse_options<'a>(ctx: &Ctx<'a>, start: usize, for_set: bool) -> Result<SetOptions<'a>, CommandError> {
    let mut opts = SetOptions::default();
    let mut index = start;
    while index < ctx.argc() {
        let word = ctx.arg(index);
        if for_set && word.eq_ignore_ascii_case(b"nx") && !opts.xx {
            opts.nx = true;
        } else if for_set && word.eq_ignore_ascii_case(b"xx") && !opts.nx {
            opts.xx = true;
        } else if for_set && word.eq_ignore_ascii_case(b"get") {
            opts.get = true;
        } else if for_set && word.eq_ignore_ascii_case(b"keepttl") && opts.expire.is_none() {
            opts.keep_ttl = true;
        } else if !for_set && word.eq_ignore_ascii_case(b"persist") && opts.expire.is_none() {
            opts.persist = true;
        } else if let Some(unit) = ExpireUnit::from_word(word) {
            let other_unit = opts.expire.is_some_and(|(seen, _)| seen != unit);
            if opts.keep_ttl || opts.persist || other_unit || index + 1 >= ctx.argc() {
                return Err(CommandError::Syntax);
            }
            opts.expire = Some((unit, ctx.arg(index + 1)));
            index += 1;
        } else {
            return Err(CommandError::Syntax);
        }
        index += 1;
    }
    Ok(opts)
}

/// Turns an expiry argument into an absolute time in ms, with Redis's checks and error texts.
fn expire_at_ms(command: &str, now_ms: u64, unit: ExpireUnit, raw: &[u8]) -> Result<i64, CommandError> {
    let value = parse_i64(raw).ok_or(CommandError::NotInteger)?;
    let invalid = || CommandError::err(format!("invalid expire time in '{command}' command"));
    if value <= 0 || (unit.in_seconds() && value > i64::MAX / 1000) {
        return Err(invalid());
    }
    let mut when = if unit.in_seconds() { value * 1000 } else { value };
    if unit.is_relative() {
        let now = i64::try_from(now_ms).unwrap_or(i64::MAX);
        when = when.checked_add(now).ok_or_else(invalid)?;
    }
    Ok(when)
}

/// The argument at `index` as shared bytes, for propagation.
pub(crate) fn arg_bytes(ctx: &Ctx, index: usize) -> Bytes {
    ctx.argv.get(index).cloned().unwrap_or_default()
}

/// The longest string a command may build, or `None` when limits do not apply (our master's stream).
pub(crate) fn max_string_len(ctx: &Ctx) -> Option<i64> {
    let from_master = ctx.server.clients.get(ctx.session.id).is_some_and(|c| c.kind == ClientKind::Master);
    (!from_master).then_some(ctx.server.settings.proto_max_bulk_len)
}

/// Fails when growing a string of `size` bytes by `append` bytes would exceed `limit`.
pub(crate) fn check_string_length(limit: Option<i64>, size: i64, append: usize) -> CmdResult {
    let Some(limit) = limit else { return Ok(()) };
    let total = i128::from(size) + i128::try_from(append).unwrap_or(i128::MAX);
    if total > i128::from(limit) {
        return Err(CommandError::err("string exceeds maximum allowed size (proto-max-bulk-len)"));
    }
    Ok(())
}

/// The string at `key` as a mutable byte vector (the `raw` encoding), converting a whole-string value;
/// `None` when the value is not a string.
pub(crate) fn make_raw(value: &mut Value) -> Option<&mut Vec<u8>> {
    if let Value::Str(bytes) = value {
        let owned = bytes.to_vec();
        *value = Value::Raw(owned);
    }
    if let Value::Raw(bytes) = value {
        Some(bytes)
    } else {
        None
    }
}

/// Replies with the string at `key` or null (Redis's `getGenericCommand`); WRONGTYPE writes nothing.
fn reply_string(ctx: &mut Ctx, key: &[u8]) -> CmdResult {
    let (value, out) = ctx.lookup_read_with_out(key);
    match value {
        None => out.null(),
        Some(value) => out.bulk(value.as_string().ok_or(CommandError::WrongType)?),
    }
    Ok(())
}

/// GET key
pub fn get(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.arg(1);
    reply_string(ctx, key)
}

/// SET key value [NX | XX] [GET] [EX s | PX ms | EXAT s | PXAT ms | KEEPTTL]
pub fn set(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.arg(1);
    if ctx.argc() == 3 {
        ctx.set_value(key, Value::string(ctx.arg(2)));
        ctx.changed(1);
        ctx.notify(STRING, "set", key);
        ctx.out().ok();
        return Ok(());
    }
    let opts = parse_options(ctx, 3, true)?;
    set_generic(ctx, &opts, 2, false)
}

/// SETNX key value
pub fn setnx(ctx: &mut Ctx) -> CmdResult {
    let opts = SetOptions { nx: true, ..SetOptions::default() };
    set_generic(ctx, &opts, 2, true)
}

/// SETEX key seconds value
pub fn setex(ctx: &mut Ctx) -> CmdResult {
    let opts = SetOptions { expire: Some((ExpireUnit::Ex, ctx.arg(2))), ..SetOptions::default() };
    set_generic(ctx, &opts, 3, false)
}

/// PSETEX key milliseconds value
pub fn psetex(ctx: &mut Ctx) -> CmdResult {
    let opts = SetOptions { expire: Some((ExpireUnit::Px, ctx.arg(2))), ..SetOptions::default() };
    set_generic(ctx, &opts, 3, false)
}

/// The body of SET, SETNX, SETEX and PSETEX (Redis's `setGenericCommand`): validate the expiry, reply
/// the old value for GET, honour NX/XX, store, then propagate relative expiries as `SET .. PXAT`.
/// `int_replies` selects SETNX's `:1`/`:0` instead of `+OK`/null.
fn set_generic(ctx: &mut Ctx, opts: &SetOptions, value_index: usize, int_replies: bool) -> CmdResult {
    let key = ctx.arg(1);
    let when = match opts.expire {
        Some((unit, raw)) => Some(expire_at_ms(ctx.spec.name, ctx.now_ms, unit, raw)?),
        None => None,
    };
    if opts.get {
        reply_string(ctx, key)?;
    }
    let found = ctx.lookup_write(key).is_some();
    if (opts.nx && found) || (opts.xx && !found) {
        if !opts.get {
            if int_replies {
                ctx.out().int(0);
            } else {
                ctx.out().null();
            }
        }
        return Ok(());
    }
    let value = Value::string(ctx.arg(value_index));
    if opts.keep_ttl {
        ctx.set_value_keep_ttl(key, value);
    } else {
        ctx.set_value(key, value);
    }
    ctx.changed(1);
    ctx.notify(STRING, "set", key);
    if let Some(when) = when {
        ctx.db().set_expire(key, when.unsigned_abs());
        ctx.notify(GENERIC, "expire", key);
        let effect = vec![
            Bytes::from_static(b"SET"),
            arg_bytes(ctx, 1),
            arg_bytes(ctx, value_index),
            Bytes::from_static(b"PXAT"),
            Bytes::from(when.to_string()),
        ];
        ctx.propagate(effect);
    } else if opts.get {
        // Replicas must not see GET: it would make them reply, and it changes nothing.
        let effect = (0..ctx.argc()).filter(|&i| i < 3 || !ctx.arg_is(i, "get")).map(|i| arg_bytes(ctx, i)).collect();
        ctx.propagate(effect);
    }
    if !opts.get {
        if int_replies {
            ctx.out().int(1);
        } else {
            ctx.out().ok();
        }
    }
    Ok(())
}

/// GETEX key [EX s | PX ms | EXAT s | PXAT ms | PERSIST]
pub fn getex(ctx: &mut Ctx) -> CmdResult {
    let opts = parse_options(ctx, 2, false)?;
    let key = ctx.arg(1);
    let (command, now) = (ctx.spec.name, ctx.now_ms);
    let (value, out) = ctx.lookup_read_with_out(key);
    let Some(value) = value else {
        out.null();
        return Ok(());
    };
    let bytes = value.as_string().ok_or(CommandError::WrongType)?;
    let when = match opts.expire {
        Some((unit, raw)) => Some((unit, expire_at_ms(command, now, unit, raw)?)),
        None => None,
    };
    out.bulk(bytes);
    let replica = ctx.server.expiry_mode == ExpiryMode::HideOnly;
    match when {
        Some((unit, when)) if !unit.is_relative() && when.unsigned_abs() <= now && !replica => {
            ctx.db().remove(key);
            let verb = if ctx.server.config.bool("lazyfree-lazy-expire") { "UNLINK" } else { "DEL" };
            ctx.propagate(vec![Bytes::from_static(verb.as_bytes()), arg_bytes(ctx, 1)]);
            ctx.changed(1);
            ctx.notify(GENERIC, "del", key);
        }
        Some((_, when)) => {
            ctx.db().set_expire(key, when.unsigned_abs());
            let effect = vec![Bytes::from_static(b"PEXPIREAT"), arg_bytes(ctx, 1), Bytes::from(when.to_string())];
            ctx.propagate(effect);
            ctx.changed(1);
            ctx.notify(GENERIC, "expire", key);
        }
        None if opts.persist && ctx.db().persist(key) => {
            ctx.propagate(vec![Bytes::from_static(b"PERSIST"), arg_bytes(ctx, 1)]);
            ctx.changed(1);
            ctx.notify(GENERIC, "persist", key);
        }
        None => {}
    }
    Ok(())
}

/// GETDEL key
pub fn getdel(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.arg(1);
    reply_string(ctx, key)?;
    if ctx.db().remove(key).is_some() {
        let verb = if ctx.server.config.bool("lazyfree-lazy-user-del") { "UNLINK" } else { "DEL" };
        ctx.propagate(vec![Bytes::from_static(verb.as_bytes()), arg_bytes(ctx, 1)]);
        ctx.changed(1);
        ctx.notify(GENERIC, "del", key);
    }
    Ok(())
}

/// GETSET key value: replicated as SET.
pub fn getset(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.arg(1);
    reply_string(ctx, key)?;
    ctx.set_value(key, Value::string(ctx.arg(2)));
    ctx.changed(1);
    ctx.notify(STRING, "set", key);
    ctx.propagate(vec![Bytes::from_static(b"SET"), arg_bytes(ctx, 1), arg_bytes(ctx, 2)]);
    Ok(())
}

/// MGET key [key ...]: null for missing keys and for keys of other types.
pub fn mget(ctx: &mut Ctx) -> CmdResult {
    let count = ctx.argc() - 1;
    ctx.out().array(count);
    for index in 1..ctx.argc() {
        let (value, out) = ctx.lookup_read_with_out(ctx.arg(index));
        match value.and_then(Value::as_string) {
            Some(bytes) => out.bulk(bytes),
            None => out.null(),
        }
    }
    Ok(())
}

/// MSET key value [key value ...]
pub fn mset(ctx: &mut Ctx) -> CmdResult {
    mset_generic(ctx, false)
}

/// MSETNX key value [key value ...]: sets nothing when any key exists.
pub fn msetnx(ctx: &mut Ctx) -> CmdResult {
    mset_generic(ctx, true)
}

fn mset_generic(ctx: &mut Ctx, nx: bool) -> CmdResult {
    // The name plus key/value pairs: an odd count.
    if ctx.argc() % 2 != 1 {
        return Err(CommandError::WrongArity(ctx.spec.name.to_string()));
    }
    if nx && (1..ctx.argc()).step_by(2).any(|index| ctx.lookup_write(ctx.arg(index)).is_some()) {
        ctx.out().int(0);
        return Ok(());
    }
    for index in (1..ctx.argc()).step_by(2) {
        ctx.set_value(ctx.arg(index), Value::string(ctx.arg(index + 1)));
        ctx.notify(STRING, "set", ctx.arg(index));
    }
    ctx.changed(((ctx.argc() - 1) / 2) as u64);
    if nx {
        ctx.out().int(1);
    } else {
        ctx.out().ok();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::testing::Harness;

    /// The effect stream since the last call, as text.
    fn effects(h: &mut Harness) -> String {
        String::from_utf8_lossy(&h.state.effects.take()).into_owned()
    }

    /// Replaces the absolute time in a `$13` bulk with `<ms>`, checking it is `offset_ms` from now.
    fn mask_time(text: &str, offset_ms: u64) -> String {
        let now = crate::state::now_ms();
        let Some(at) = text.find("$13\r\n") else {
            return text.to_string();
        };
        let when: u64 = text[at + 5..at + 18].parse().unwrap();
        assert!(when >= now + offset_ms - 2000 && when <= now + offset_ms, "{when} vs {now}");
        format!("{}$13\r\n<ms>{}", &text[..at], &text[at + 18..])
    }

    #[test]
    fn set_get_and_their_variants_reply_like_redis() {
        let mut h = Harness::new();
        h.expect_all(&[
            // SET options and their conflicts
            (&["set", "k", "v"], "+OK\r\n"),
            (&["get", "k"], "$1\r\nv\r\n"),
            (&["set", "k", "v2", "nx"], "$-1\r\n"),
            (&["set", "k", "v2", "xx"], "+OK\r\n"),
            (&["set", "k2", "v", "xx"], "$-1\r\n"),
            (&["set", "k2", "v", "nx", "get"], "$-1\r\n"),
            (&["set", "k2", "v2", "xx", "get"], "$1\r\nv\r\n"),
            (&["set", "k3", "v", "get"], "$-1\r\n"),
            (&["set", "k", "v", "ex", "10", "keepttl"], "-ERR syntax error\r\n"),
            (&["set", "k", "v", "keepttl", "px", "10"], "-ERR syntax error\r\n"),
            (&["set", "k", "v", "ex", "10", "px", "10"], "-ERR syntax error\r\n"),
            (&["set", "k", "v", "nx", "xx"], "-ERR syntax error\r\n"),
            (&["set", "k", "v", "ex"], "-ERR syntax error\r\n"),
            (&["set", "k", "v", "foo"], "-ERR syntax error\r\n"),
            (&["set", "k", "v", "persist"], "-ERR syntax error\r\n"),
            (&["set", "k", "v", "ex", "0"], "-ERR invalid expire time in 'set' command\r\n"),
            (&["set", "k", "v", "px", "-1"], "-ERR invalid expire time in 'set' command\r\n"),
            (&["set", "k", "v", "ex", "abc"], "-ERR value is not an integer or out of range\r\n"),
            (&["set", "k", "v", "ex", "9223372036854775"], "-ERR invalid expire time in 'set' command\r\n"),
            (&["set", "k", "v", "px", "9223372036854775807"], "-ERR invalid expire time in 'set' command\r\n"),
            (&["set", "k", "v", "ex", "100", "ex", "200"], "+OK\r\n"),
            (&["ttl", "k"], ":200\r\n"),
            (&["set", "k", "v", "keepttl"], "+OK\r\n"),
            (&["ttl", "k"], ":200\r\n"),
            (&["set", "k", "v2", "GeT"], "$1\r\nv\r\n"),
            (&["set", "k", "v"], "+OK\r\n"),
            (&["ttl", "k"], ":-1\r\n"),
            (&["set", "k", "v", "exat", "99999999999"], "+OK\r\n"),
            (&["expiretime", "k"], ":99999999999\r\n"),
            (&["set", "k", "v", "pxat", "99999999999000", "get"], "$1\r\nv\r\n"),
            (&["expiretime", "k"], ":99999999999\r\n"),
            (&["set", "k"], "-ERR wrong number of arguments for 'set' command\r\n"),
            // SETNX SETEX PSETEX GETSET
            (&["setnx", "k", "v"], ":0\r\n"),
            (&["setnx", "nx1", "v"], ":1\r\n"),
            (&["setex", "sx", "100", "v"], "+OK\r\n"),
            (&["ttl", "sx"], ":100\r\n"),
            (&["setex", "sx", "0", "v"], "-ERR invalid expire time in 'setex' command\r\n"),
            (&["setex", "sx", "abc", "v"], "-ERR value is not an integer or out of range\r\n"),
            (&["psetex", "sx", "-1", "v"], "-ERR invalid expire time in 'psetex' command\r\n"),
            (&["psetex", "sx", "100000", "w"], "+OK\r\n"),
            (&["ttl", "sx"], ":100\r\n"),
            (&["get", "sx"], "$1\r\nw\r\n"),
            (&["getset", "k", "new"], "$1\r\nv\r\n"),
            (&["getset", "gs1", "v"], "$-1\r\n"),
            (&["getset", "gs1", "w"], "$1\r\nv\r\n"),
            // GETEX GETDEL
            (&["getex", "nokey", "ex", "abc"], "$-1\r\n"),
            (&["getex", "nokey", "foo"], "-ERR syntax error\r\n"),
            (&["getex", "k", "foo"], "-ERR syntax error\r\n"),
            (&["getex", "k", "ex", "10", "persist"], "-ERR syntax error\r\n"),
            (&["getex", "k", "persist", "ex", "10"], "-ERR syntax error\r\n"),
            (&["getex", "k", "keepttl"], "-ERR syntax error\r\n"),
            (&["getex", "k", "ex", "0"], "-ERR invalid expire time in 'getex' command\r\n"),
            (&["getex", "k", "exat", "9223372036854775"], "$3\r\nnew\r\n"),
            (&["getex", "k", "ex", "100"], "$3\r\nnew\r\n"),
            (&["ttl", "k"], ":100\r\n"),
            (&["getex", "k", "persist"], "$3\r\nnew\r\n"),
            (&["ttl", "k"], ":-1\r\n"),
            (&["getex", "k", "pxat", "99999999999999"], "$3\r\nnew\r\n"),
            (&["pexpiretime", "k"], ":99999999999999\r\n"),
            (&["getex", "k", "exat", "1"], "$3\r\nnew\r\n"),
            (&["exists", "k"], ":0\r\n"),
            (&["getdel", "nokey"], "$-1\r\n"),
            (&["set", "k", "v"], "+OK\r\n"),
            (&["getdel", "k"], "$1\r\nv\r\n"),
            (&["getdel", "k"], "$-1\r\n"),
            // MGET MSET MSETNX
            (&["mset", "a", "1", "b", "2"], "+OK\r\n"),
            (&["mset", "a", "1", "b"], "-ERR wrong number of arguments for 'mset' command\r\n"),
            (&["mget", "a", "nokey", "b"], "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n"),
            (&["msetnx", "a", "1", "c", "3"], ":0\r\n"),
            (&["msetnx", "c", "3", "d", "4"], ":1\r\n"),
            (&["msetnx", "e", "1", "e", "2"], ":1\r\n"),
            (&["get", "e"], "$1\r\n2\r\n"),
            (&["msetnx", "c", "1", "d"], "-ERR wrong number of arguments for 'msetnx' command\r\n"),
        ]);
    }

    #[test]
    fn resp3_uses_the_null_type() {
        let mut h = Harness::new().resp3();
        h.expect_all(&[
            (&["set", "k", "v"], "+OK\r\n"),
            (&["get", "nokey"], "_\r\n"),
            (&["mget", "k", "nokey"], "*2\r\n$1\r\nv\r\n_\r\n"),
            (&["set", "k", "v", "nx"], "_\r\n"),
            (&["set", "nokey2", "v", "xx", "get"], "_\r\n"),
            (&["getex", "nokey"], "_\r\n"),
            (&["getdel", "nokey"], "_\r\n"),
            (&["getset", "nokey3", "v"], "_\r\n"),
            (&["getrange", "nokey", "0", "1"], "$0\r\n\r\n"),
        ]);
    }

    #[test]
    fn writes_propagate_their_effects() {
        let mut h = Harness::new();
        h.state.effects.enable();
        h.run(&["set", "k", "v"]);
        assert_eq!(effects(&mut h), "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n");
        let cases: &[(&[&str], u64, &str)] = &[
            (
                &["set", "k", "v", "ex", "100"],
                100_000,
                "*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$4\r\nPXAT\r\n$13\r\n<ms>\r\n",
            ),
            (
                &["setex", "k", "100", "v"],
                100_000,
                "*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$4\r\nPXAT\r\n$13\r\n<ms>\r\n",
            ),
            (
                &["psetex", "k", "5000", "v"],
                5000,
                "*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$4\r\nPXAT\r\n$13\r\n<ms>\r\n",
            ),
            (&["getex", "k", "ex", "100"], 100_000, "*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$13\r\n<ms>\r\n"),
        ];
        for (command, offset, expected) in cases {
            h.run(command);
            assert_eq!(mask_time(&effects(&mut h), *offset), *expected, "{command:?}");
        }
        let cases: &[(&[&str], &str)] = &[
            (&["set", "k", "v", "GET", "xx", "get"], "*4\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n$2\r\nxx\r\n"),
            (&["set", "k", "v", "nx"], ""),
            (
                &["set", "k", "v", "get", "exat", "99999999999"],
                "*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$4\r\nPXAT\r\n$14\r\n99999999999000\r\n",
            ),
            (
                &["getex", "k", "pxat", "99999999999999"],
                "*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$14\r\n99999999999999\r\n",
            ),
            (&["getex", "k", "persist"], "*2\r\n$7\r\nPERSIST\r\n$1\r\nk\r\n"),
            (&["getex", "k", "persist"], ""),
            (&["getex", "k"], ""),
            (&["getex", "k", "exat", "1"], "*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n"),
            (&["getset", "k", "v"], "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"),
            (&["getdel", "k"], "*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n"),
            (&["getdel", "k"], ""),
            (&["set", "k", "v", "exat", "1"], "*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$4\r\nPXAT\r\n$4\r\n1000\r\n"),
            // The key was stored already expired: the next access deletes it, and that is replicated.
            (&["get", "k"], "*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n"),
            (&["setnx", "k", "v"], "*3\r\n$5\r\nsetnx\r\n$1\r\nk\r\n$1\r\nv\r\n"),
            (&["setnx", "k", "v"], ""),
            (&["msetnx", "k", "v", "a", "b"], ""),
            (&["setrange", "k", "0", ""], ""),
            (&["append", "k", ""], "*3\r\n$6\r\nappend\r\n$1\r\nk\r\n$0\r\n\r\n"),
        ];
        for (command, expected) in cases {
            h.run(command);
            assert_eq!(effects(&mut h), *expected, "{command:?}");
        }
    }

    #[test]
    fn dirty_counts_changed_keys() {
        let mut h = Harness::new();
        h.run(&["MSET", "a", "1", "b", "2", "c", "3"]);
        assert_eq!(h.state.dirty, 3);
        h.run(&["SET", "a", "1", "NX"]);
        h.run(&["GETEX", "a", "PERSIST"]);
        h.run(&["SETRANGE", "a", "0", ""]);
        assert_eq!(h.state.dirty, 3);
    }
}
