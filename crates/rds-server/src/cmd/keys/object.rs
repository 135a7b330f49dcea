//! OBJECT ENCODING | REFCOUNT | IDLETIME | FREQ | HELP: inspecting how a value is stored.
//!
//! rds has no shared objects and keeps only an access clock per key, so REFCOUNT and FREQ are
//! derived the way Redis would have set them (see each handler).

use rds_storage::num::parse_i64;
use rds_storage::Value;

use super::lookup_notouch;
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};

/// The refcount Redis reports for its shared objects (`OBJ_SHARED_REFCOUNT`).
const SHARED_REFCOUNT: i64 = i32::MAX as i64;
/// Redis shares the integers 0..10000 between keys (`OBJ_SHARED_INTEGERS`).
const SHARED_INTEGERS: i64 = 10_000;
/// Largest value of the 24-bit LRU clock.
const LRU_CLOCK_MAX: u32 = 0x00ff_ffff;

const HELP: &[&str] = &[
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
];

/// The eviction policy's family, which decides what `Entry.access` holds.
fn policy(ctx: &Ctx) -> (bool, bool) {
    let policy = ctx.server.config.str("maxmemory-policy");
    (policy.ends_with("-lru"), policy.ends_with("-lfu"))
}

/// OBJECT (the container alone): its arity requires a subcommand.
pub fn object(_ctx: &mut Ctx) -> CmdResult {
    Err(CommandError::WrongArity("object".into()))
}

/// OBJECT HELP
pub fn object_help(ctx: &mut Ctx) -> CmdResult {
    let out = ctx.out();
    out.array(HELP.len());
    for line in HELP {
        out.simple(line);
    }
    Ok(())
}

/// OBJECT ENCODING key
pub fn object_encoding(ctx: &mut Ctx) -> CmdResult {
    match lookup_notouch(ctx, ctx.arg(2)).map(|entry| entry.value.encoding_name()) {
        Some(name) => ctx.out().bulk(name.as_bytes()),
        None => ctx.out().null(),
    }
    Ok(())
}

/// True when Redis would have stored `value` as one of its shared integers: `int`-encoded, in
/// 0..10000, and no LRU/LFU eviction that needs a clock per object.
fn is_shared_integer(value: &Value, no_shared: bool) -> bool {
    if no_shared || value.encoding_name() != "int" {
        return false;
    }
    let number = value.as_string().and_then(parse_i64);
    number.is_some_and(|n| (0..SHARED_INTEGERS).contains(&n))
}

/// OBJECT REFCOUNT key: 2147483647 for what Redis shares, 1 otherwise. Redis decides when the value
/// is written; rds decides with the current `maxmemory` settings.
pub fn object_refcount(ctx: &mut Ctx) -> CmdResult {
    let (lru, lfu) = policy(ctx);
    let no_shared = ctx.server.config.int("maxmemory") != 0 && (lru || lfu);
    let refcount = lookup_notouch(ctx, ctx.arg(2)).map(|entry| {
        if is_shared_integer(&entry.value, no_shared) {
            SHARED_REFCOUNT
        } else {
            1
        }
    });
    match refcount {
        Some(refcount) => ctx.out().int(refcount),
        None => ctx.out().null(),
    }
    Ok(())
}

/// Seconds since the access clock `access`, across the 24-bit clock's wrap-around.
pub fn idle_seconds(clock: u32, access: u32) -> u32 {
    if clock >= access {
        clock - access
    } else {
        clock + (LRU_CLOCK_MAX - access)
    }
}

/// OBJECT IDLETIME key
pub fn object_idletime(ctx: &mut Ctx) -> CmdResult {
    let (_, lfu) = policy(ctx);
    let clock = ctx.server.lru_clock(ctx.now_ms);
    let Some(access) = lookup_notouch(ctx, ctx.arg(2)).map(|entry| entry.access) else {
        ctx.out().null();
        return Ok(());
    };
    if lfu {
        return Err(CommandError::err(
            "An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
        ));
    }
    ctx.out().int(i64::from(idle_seconds(clock, access)));
    Ok(())
}

/// The LFU counter of `access` (last-decrement minute in bits 8..24, log counter in bits 0..8)
/// after the decay Redis applies when reading it: one step per `decay_minutes` elapsed.
pub fn lfu_decayed_counter(access: u32, now_ms: u64, decay_minutes: i64) -> i64 {
    let last_minute = (access >> 8) & 0xffff;
    let counter = i64::from(access & 0xff);
    let now_minute = u32::try_from((now_ms / 60_000) & 0xffff).unwrap_or(0);
    let elapsed = if now_minute >= last_minute { now_minute - last_minute } else { 0xffff - last_minute + now_minute };
    let periods = if decay_minutes > 0 { i64::from(elapsed) / decay_minutes } else { 0 };
    (counter - periods).max(0)
}

/// OBJECT FREQ key
pub fn object_freq(ctx: &mut Ctx) -> CmdResult {
    let (_, lfu) = policy(ctx);
    let decay_minutes = ctx.server.config.int("lfu-decay-time");
    let now = ctx.now_ms;
    let Some(access) = lookup_notouch(ctx, ctx.arg(2)).map(|entry| entry.access) else {
        ctx.out().null();
        return Ok(());
    };
    if !lfu {
        return Err(CommandError::err(
            "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
        ));
    }
    ctx.out().int(lfu_decayed_counter(access, now, decay_minutes));
    Ok(())
}

#[cfg(test)]
mod tests {
    use rds_config::Config;
    use rds_storage::Value;

    use super::{idle_seconds, lfu_decayed_counter, HELP};
    use crate::cmd::keys::tests::put;
    use crate::testing::Harness;

    #[test]
    fn object_subcommands_reply_like_redis() {
        let mut h = Harness::new();
        put(&mut h, 0, "k1", "1");
        put(&mut h, 0, "k2", "hello");
        put(&mut h, 0, "k3", &"a".repeat(45));
        put(&mut h, 0, "k4", "12345678901234567890");
        put(&mut h, 0, "k5", "-1");
        put(&mut h, 0, "k6", "10000");
        put(&mut h, 0, "k7", "9999");
        h.state.keyspace.dbs[0].set(b"k8", Value::Raw(b"12".to_vec()), 0);
        let freq_err = "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n";
        h.expect_all(&[
            (&["OBJECT", "ENCODING", "k1"], "$3\r\nint\r\n"),
            (&["OBJECT", "ENCODING", "k2"], "$6\r\nembstr\r\n"),
            (&["OBJECT", "ENCODING", "k3"], "$3\r\nraw\r\n"),
            (&["OBJECT", "ENCODING", "k4"], "$6\r\nembstr\r\n"),
            (&["object", "encoding", "k8"], "$3\r\nraw\r\n"),
            (&["OBJECT", "ENCODING", "nokey"], "$-1\r\n"),
            (&["OBJECT", "REFCOUNT", "k1"], ":2147483647\r\n"),
            (&["OBJECT", "REFCOUNT", "k2"], ":1\r\n"),
            (&["OBJECT", "REFCOUNT", "k5"], ":1\r\n"),
            (&["OBJECT", "REFCOUNT", "k6"], ":1\r\n"),
            (&["OBJECT", "REFCOUNT", "k7"], ":2147483647\r\n"),
            (&["OBJECT", "REFCOUNT", "nokey"], "$-1\r\n"),
            (&["OBJECT", "IDLETIME", "k1"], ":0\r\n"),
            (&["OBJECT", "IDLETIME", "nokey"], "$-1\r\n"),
            (&["OBJECT", "FREQ", "k1"], freq_err),
            (&["OBJECT", "FREQ", "nokey"], "$-1\r\n"),
            (&["OBJECT", "FOO"], "-ERR unknown subcommand 'FOO'. Try OBJECT HELP.\r\n"),
            (&["OBJECT"], "-ERR wrong number of arguments for 'object' command\r\n"),
            (&["OBJECT", "ENCODING"], "-ERR wrong number of arguments for 'object|encoding' command\r\n"),
            (&["OBJECT", "ENCODING", "a", "b"], "-ERR wrong number of arguments for 'object|encoding' command\r\n"),
            (&["OBJECT", "HELP", "x"], "-ERR wrong number of arguments for 'object|help' command\r\n"),
        ]);
        assert_eq!(h.state.stats.keyspace_misses, 4);
        let mut h3 = Harness::new().resp3();
        h3.expect_all(&[(&["OBJECT", "ENCODING", "nokey"], "_\r\n")]);
    }

    #[test]
    fn object_help_matches_redis() {
        let mut h = Harness::new();
        let help = h.run(&["OBJECT", "help"]);
        let mut expected = format!("*{}\r\n", HELP.len());
        for line in HELP {
            expected.push_str(&format!("+{line}\r\n"));
        }
        assert_eq!(help, expected);
        assert!(help.starts_with(
            "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+ENCODING <key>\r\n"
        ));
        assert!(help.ends_with("+HELP\r\n+    Prints this help.\r\n"));
    }

    #[test]
    fn lfu_policy_switches_idletime_for_freq() {
        let config = Config::load(None, &["--maxmemory-policy".into(), "allkeys-lfu".into()]);
        let mut h = Harness::with_config(config.unwrap());
        // 5 is the counter Redis gives a new key (LFU_INIT_VAL), stamped with the current minute.
        let minute = u32::try_from((crate::state::now_ms() / 60_000) & 0xffff).unwrap();
        h.state.keyspace.dbs[0].set(b"k", Value::string(b"v"), (minute << 8) | 5);
        h.expect_all(&[
            (&["OBJECT", "IDLETIME", "k"], "-ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n"),
            (&["OBJECT", "IDLETIME", "nokey"], "$-1\r\n"),
            (&["OBJECT", "FREQ", "k"], ":5\r\n"),
            (&["OBJECT", "FREQ", "nokey"], "$-1\r\n"),
        ]);
    }

    #[test]
    fn clocks_wrap_and_decay_like_redis() {
        assert_eq!(idle_seconds(100, 40), 60);
        assert_eq!(idle_seconds(5, 0x00ff_fff0), 20);
        let minute_ms = 60_000;
        let access = (10 << 8) | 7;
        assert_eq!(lfu_decayed_counter(access, 10 * minute_ms, 1), 7);
        assert_eq!(lfu_decayed_counter(access, 13 * minute_ms, 1), 4);
        assert_eq!(lfu_decayed_counter(access, 13 * minute_ms, 2), 6);
        assert_eq!(lfu_decayed_counter(access, 30 * minute_ms, 1), 0);
        assert_eq!(lfu_decayed_counter(access, 30 * minute_ms, 0), 7);
        assert_eq!(lfu_decayed_counter((0xfffe << 8) | 3, 2 * minute_ms, 1), 0);
    }
}
