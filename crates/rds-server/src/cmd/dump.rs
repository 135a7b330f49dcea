//! DUMP and RESTORE: a key's value as an RDB payload (the value serialized as in an RDB file, the RDB
//! version, a CRC-64), and back. The format lives in `rds-rdb`; this file is the commands' semantics.

use bytes::Bytes;
use rds_rdb::{decode_payload, dump_payload_with, verify_payload, LoadLimits};

use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::notify::GENERIC;
use crate::state::AccessPolicy;

/// Largest value of Redis's 24-bit LRU clock.
const LRU_CLOCK_MAX: i64 = (1 << 24) - 1;

/// DUMP key
pub fn dump(ctx: &mut Ctx) -> CmdResult {
    let compression = ctx.server.config.bool("rdbcompression");
    let payload = match ctx.lookup_read(ctx.arg(1)) {
        Some(value) => dump_payload_with(value, compression),
        None => {
            ctx.out().null();
            return Ok(());
        }
    };
    ctx.out().bulk(&payload);
    Ok(())
}

/// RESTORE's options.
#[derive(Default)]
struct Options {
    replace: bool,
    absttl: bool,
    idle_secs: Option<i64>,
    freq: Option<i64>,
}

/// Parses the options after the payload, with Redis's errors and their order.
fn parse_options(ctx: &Ctx) -> Result<Options, CommandError> {
    let mut options = Options::default();
    let mut index = 4;
    while index < ctx.argc() {
        let has_value = index + 1 < ctx.argc();
        if ctx.arg_is(index, "replace") {
            options.replace = true;
        } else if ctx.arg_is(index, "absttl") {
            options.absttl = true;
        } else if ctx.arg_is(index, "idletime") && has_value && options.freq.is_none() {
            let idle = ctx.int_arg(index + 1)?;
            if idle < 0 {
                return Err(CommandError::err("Invalid IDLETIME value, must be >= 0"));
            }
            options.idle_secs = Some(idle);
            index += 1;
        } else if ctx.arg_is(index, "freq") && has_value && options.idle_secs.is_none() {
            let freq = ctx.int_arg(index + 1)?;
            if !(0..=255).contains(&freq) {
                return Err(CommandError::err("Invalid FREQ value, must be >= 0 and <= 255"));
            }
            options.freq = Some(freq);
            index += 1;
        } else {
            return Err(CommandError::Syntax);
        }
        index += 1;
    }
    Ok(options)
}

/// The encoding limits of the server's config, for building the restored value.
fn load_limits(ctx: &Ctx) -> LoadLimits {
    let settings = &ctx.server.settings;
    LoadLimits {
        list_max_listpack_size: settings.list_max_listpack_size,
        hash: settings.hash_limits,
        set: settings.set_limits,
        zset: settings.zset_limits,
    }
}

/// The access metadata of the restored key (Redis's `objectSetLRUOrLFU`): the given LFU counter
/// under an LFU policy, the given idle time otherwise, else that of a new key.
fn restored_access(ctx: &Ctx, options: &Options) -> u32 {
    let policy = ctx.server.settings.access;
    let now = ctx.now_ms;
    match (policy.lfu, options.freq, options.idle_secs) {
        (true, Some(freq), _) => (policy.created(now) & !0xff) | (freq as u32 & 0xff),
        (false, _, Some(idle)) => {
            // Redis scales by its clock resolution in 64-bit arithmetic, which wraps for huge values.
            let idle = idle.wrapping_mul(1000) / 1000;
            let clock = i64::from(AccessPolicy::lru_clock(now));
            let mut absolute = clock.wrapping_sub(idle);
            if absolute < 0 {
                absolute = absolute.wrapping_add(LRU_CLOCK_MAX);
            }
            (absolute & LRU_CLOCK_MAX) as u32
        }
        _ => policy.created(now),
    }
}

/// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
pub fn restore(ctx: &mut Ctx) -> CmdResult {
    let options = parse_options(ctx)?;
    let key = ctx.arg(1);
    if !options.replace && ctx.lookup_write(key).is_some() {
        return Err(CommandError::other("BUSYKEY Target key name already exists."));
    }
    let ttl = ctx.int_arg(2)?;
    if ttl < 0 {
        return Err(CommandError::err("Invalid TTL value, must be >= 0"));
    }
    let payload = ctx.arg(3);
    if verify_payload(payload, true).is_err() {
        return Err(CommandError::err("DUMP payload version or checksum are wrong"));
    }
    let value = decode_payload(payload, &load_limits(ctx)).map_err(|_| CommandError::err("Bad data format"))?;
    let deleted = options.replace && ctx.db().remove(key).is_some();
    // Redis adds in signed 64-bit arithmetic: a huge TTL wraps into the past and expires at once.
    let when = if ttl != 0 && !options.absttl { ttl.wrapping_add(ctx.now_ms as i64) } else { ttl };
    if when != 0 && when <= ctx.now_ms as i64 {
        if deleted {
            let verb = if ctx.server.config.bool("lazyfree-lazy-server-del") { "UNLINK" } else { "DEL" };
            ctx.changed(1);
            ctx.propagate(vec![Bytes::from_static(verb.as_bytes()), Bytes::copy_from_slice(key)]);
            ctx.notify(GENERIC, "del", key);
        }
        ctx.out().ok();
        return Ok(());
    }
    let access = restored_access(ctx, &options);
    let db = ctx.db();
    db.set(key, value, access);
    if when != 0 {
        db.set_expire(key, when as u64);
        if !options.absttl {
            // Replicas get the absolute time, like PEXPIREAT.
            let mut argv = ctx.argv.to_vec();
            argv[2] = Bytes::from(when.to_string());
            argv.push(Bytes::from_static(b"ABSTTL"));
            ctx.propagate(argv);
        }
    }
    ctx.changed(1);
    ctx.notify(GENERIC, "restore", key);
    ctx.out().ok();
    Ok(())
}

#[cfg(test)]
mod tests;
