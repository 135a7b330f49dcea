//! DEBUG: the subcommands tests and tools rely on (SLEEP, SET-ACTIVE-EXPIRE, DIGEST, DIGEST-VALUE, HTSTATS,
//! OBJECT, POPULATE, PROTOCOL, ERROR, LOG, CHANGE-REPL-ID, RELOAD, LOADAOF), with Redis's replies and errors.
//!
//! The dataset digest follows Redis's construction so that two servers holding the same data (rds or
//! Redis) print the same value: each key/value pair is hashed on its own, the pairs are combined with
//! XOR (so iteration order does not matter), and each non-empty database's number is mixed in between.

pub mod digest;
use rds_rdb::lzf;

use digest::{dataset_digest, value_digest};

use rds_resp::Protocol;
use rds_storage::{Entry, Value};

use crate::cmd::server::{reply_help, subcommand_syntax_error};
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::sha1::{to_hex, DIGEST_LEN};

/// Integers below this are shared objects in Redis (`OBJ_SHARED_INTEGERS`), shown with refcount INT_MAX.
const SHARED_INTEGERS: i64 = 10_000;
/// Longest key DEBUG POPULATE builds (Redis formats it into a 128-byte buffer).
const POPULATE_KEY_MAX: usize = 127;

const HELP: &[&str] = &[
    "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "AOF-FLUSH-SLEEP <microsec>",
    "    Server will sleep before flushing the AOF, this is used for testing.",
    "ASSERT",
    "    Crash by assertion failed.",
    "CHANGE-REPL-ID",
    "    Change the replication IDs of the instance.",
    "    Dangerous: should be used only for testing the replication subsystem.",
    "CONFIG-REWRITE-FORCE-ALL",
    "    Like CONFIG REWRITE but writes all configuration options, including",
    "    keywords not listed in original configuration file or default values.",
    "CRASH-AND-RECOVER [<milliseconds>]",
    "    Hard crash and restart after a <milliseconds> delay (default 0).",
    "DIGEST",
    "    Output a hex signature representing the current DB content.",
    "DIGEST-VALUE <key> [<key> ...]",
    "    Output a hex signature of the values of all the specified keys.",
    "ERROR <string>",
    "    Return a Redis protocol error with <string> as message. Useful for clients",
    "    unit tests to simulate Redis errors.",
    "LEAK <string>",
    "    Create a memory leak of the input string.",
    "LOG <message>",
    "    Write <message> to the server log.",
    "HTSTATS <dbid>",
    "    Return hash table statistics of the specified Redis database.",
    "HTSTATS-KEY <key>",
    "    Like HTSTATS but for the hash table stored at <key>'s value.",
    "LOADAOF",
    "    Flush the AOF buffers on disk and reload the AOF in memory.",
    "REPLICATE <string>",
    "    Replicates the provided string to replicas, allowing data divergence.",
    "MALLCTL <key> [<val>]",
    "    Get or set a malloc tuning integer.",
    "MALLCTL-STR <key> [<val>]",
    "    Get or set a malloc tuning string.",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "DROP-CLUSTER-PACKET-FILTER <packet-type>",
    "    Drop all packets that match the filtered type. Set to -1 allow all packets.",
    "OOM",
    "    Crash the server simulating an out-of-memory error.",
    "PANIC",
    "    Crash the server simulating a panic.",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix. These are not propagated to",
    "    replicas. Cluster slots are not respected so keys not belonging to the",
    "    current node can be created in cluster mode.",
    "PROTOCOL <type>",
    "    Reply with a test value of the specified type. <type> can be: string,",
    "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
    "    true, false.",
    "RELOAD [option ...]",
    "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
    "    * MERGE: conflicting keys will be loaded from RDB.",
    "    * NOFLUSH: the existing database will not be removed before load, but",
    "      conflicting keys will generate an exception and kill the server.",
    "    * NOSAVE: the database will be loaded from an existing RDB file.",
    "    Examples:",
    "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
    "      the database.",
    "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
    "      existing RDB file.",
    "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
    "      file to the database.",
    "RESTART [<milliseconds>]",
    "    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
    "SDSLEN <key>",
    "    Show low level SDS string info representing `key` and value.",
    "SEGFAULT",
    "    Crash the server with sigsegv.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "QUICKLIST-PACKED-THRESHOLD <size>",
    "    Sets the threshold for elements to be inserted as plain vs packed nodes",
    "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
    "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
    "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    "STRINGMATCH-TEST",
    "    Run a fuzz tester against the stringmatchlen() function.",
    "STRUCTSIZE",
    "    Return the size of different Redis core C structures.",
    "LISTPACK <key>",
    "    Show low level info about the listpack encoding of <key>.",
    "QUICKLIST <key> [<0|1>]",
    "    Show low level info about the quicklist encoding of <key>.",
    "    The optional argument (0 by default) sets the level of detail",
    "CLIENT-EVICTION",
    "    Show low level client eviction pools info (maxmemory-clients).",
    "PAUSE-CRON <0|1>",
    "    Stop periodic cron job processing.",
    "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
    "    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
    "    In case NEVER is provided the last observed peak will never be reset",
    "    In case RESET is provided the peak reset time will be restored to the default value",
    "REPLYBUFFER RESIZING <0|1>",
    "    Enable or disable the reply buffer resize cron job",
    "CLUSTERLINK KILL <to|from|all> <node-id>",
    "    Kills the link based on the direction to/from (both) with the provided node.",
    "HELP",
    "    Prints this help.",
];

/// DEBUG <subcommand> ...
pub fn debug(ctx: &mut Ctx) -> CmdResult {
    let argc = ctx.argc();
    let is = |word: &str| ctx.arg_is(1, word);
    if is("help") && argc == 2 {
        reply_help(ctx, HELP);
        Ok(())
    } else if is("sleep") && argc == 3 {
        sleep(ctx)
    } else if is("pause-cron") && argc == 3 {
        ctx.server.cron_paused = c_atoi(ctx.arg(2)) != 0;
        ctx.out().ok();
        Ok(())
    } else if is("set-active-expire") && argc == 3 {
        ctx.server.active_expire_enabled = c_atoi(ctx.arg(2)) != 0;
        ctx.out().ok();
        Ok(())
    } else if is("digest") && argc == 2 {
        let digest = dataset_digest(&ctx.server.keyspace.dbs);
        ctx.out().simple(&to_hex(&digest));
        Ok(())
    } else if is("digest-value") {
        digest_value(ctx)
    } else if is("object") && argc == 3 {
        object(ctx)
    } else if is("htstats") && argc == 3 {
        htstats(ctx)
    } else if is("htstats-key") && argc == 3 {
        htstats_key(ctx)
    } else if is("populate") && (3..=5).contains(&argc) {
        populate(ctx)
    } else if is("reload") {
        reload(ctx)
    } else if is("loadaof") && argc == 2 {
        crate::persist::aof::load::debug_loadaof(ctx.server).map_err(|error| {
            tracing::warn!("DEBUG LOADAOF failed: {error}");
            CommandError::err("Error trying to load the AOF files, check server logs.")
        })?;
        ctx.out().ok();
        Ok(())
    } else if is("quicklist-packed-threshold") && argc == 3 {
        let size = rds_config::parse_memory(ctx.arg(2)).and_then(|size| u64::try_from(size).ok());
        if !size.is_some_and(rds_rdb::encode::set_packed_threshold) {
            return Err(CommandError::err("argument must be a memory value bigger than 1 and smaller than 4gb"));
        }
        ctx.out().ok();
        Ok(())
    } else if is("protocol") && argc == 3 {
        protocol(ctx)
    } else if is("error") && argc == 3 {
        Err(CommandError::other(String::from_utf8_lossy(ctx.arg(2)).into_owned()))
    } else if is("log") && argc == 3 {
        tracing::warn!("DEBUG LOG: {}", String::from_utf8_lossy(ctx.arg(2)));
        ctx.out().ok();
        Ok(())
    } else if is("change-repl-id") && argc == 2 {
        ctx.server.repl.ids = rds_repl::psync::Ids::fresh();
        tracing::info!("Changing replication IDs after receiving DEBUG change-repl-id");
        ctx.out().ok();
        Ok(())
    } else {
        Err(subcommand_syntax_error(ctx, "DEBUG"))
    }
}

/// DEBUG SLEEP seconds: stops the whole server, like Redis, by sleeping with the server lock held.
fn sleep(ctx: &mut Ctx) -> CmdResult {
    let seconds = c_strtod(ctx.arg(2));
    // Redis truncates to whole microseconds; a negative or absurd value makes nanosleep fail at once.
    let micros = (seconds * 1_000_000.0).trunc();
    if micros.is_finite() && micros > 0.0 && micros < u64::MAX as f64 {
        std::thread::sleep(std::time::Duration::from_micros(micros as u64));
    }
    ctx.out().ok();
    Ok(())
}

/// DEBUG DIGEST-VALUE key ...: one digest per key, zeros for a missing key.
fn digest_value(ctx: &mut Ctx) -> CmdResult {
    let db = &ctx.server.keyspace.dbs[ctx.session.db];
    // Logically expired keys are still digested: DEBUG looks at what is stored.
    let digests: Vec<String> = (2..ctx.argc())
        .map(|index| {
            let key = ctx.arg(index);
            let digest = db.peek(key).map_or([0u8; DIGEST_LEN], |entry| {
                value_digest([0u8; DIGEST_LEN], &entry.value, db.expire_at(key).is_some())
            });
            to_hex(&digest)
        })
        .collect();
    let out = ctx.out();
    out.array(digests.len());
    for digest in &digests {
        out.simple(digest);
    }
    Ok(())
}

/// DEBUG OBJECT key
fn object(ctx: &mut Ctx) -> CmdResult {
    let compression = ctx.server.config.bool("rdbcompression");
    let shared_integers = shared_integers_enabled(ctx);
    let clock = ctx.server.lru_clock(ctx.now_ms);
    let db = &ctx.server.keyspace.dbs[ctx.session.db];
    let Some(entry) = db.peek(ctx.arg(2)) else {
        return Err(CommandError::NoSuchKey);
    };
    let line = object_line(entry, compression, shared_integers, clock);
    ctx.out().simple(&line);
    Ok(())
}

/// DEBUG HTSTATS dbid: the keyspace's and the TTLs' hash table statistics.
fn htstats(ctx: &mut Ctx) -> CmdResult {
    let index = ctx.int_arg(2)?;
    let Some(db) = usize::try_from(index).ok().and_then(|index| ctx.server.keyspace.dbs.get(index)) else {
        return Err(CommandError::err("Out of range database"));
    };
    let (keys, expires) = db.table_stats();
    let text = format!("[Dictionary HT]\n{keys}[Expires HT]\n{expires}");
    ctx.out().verbatim(text.as_bytes());
    Ok(())
}

/// DEBUG HTSTATS-KEY key: the statistics of the hash table a set, hash or sorted set is encoded with.
fn htstats_key(ctx: &mut Ctx) -> CmdResult {
    // Redis looks the key up as OBJECT does: an expired key is gone.
    let key = ctx.arg(2).to_vec();
    let Some(entry) = crate::cmd::keys::lookup_notouch(ctx, &key) else {
        return Err(CommandError::NoSuchKey);
    };
    let stats = match &entry.value {
        Value::Set(set) => set.table_stats(),
        Value::Hash(hash) => hash.table_stats(),
        Value::ZSet(zset) => zset.table_stats(),
        _ => None,
    };
    let Some(text) = stats else {
        return Err(CommandError::err("The value stored at the specified key is not represented using an hash table"));
    };
    ctx.out().verbatim(text.as_bytes());
    Ok(())
}

/// Redis shares small integers unless an LRU/LFU maxmemory policy needs per-object access times.
fn shared_integers_enabled(ctx: &Ctx) -> bool {
    let policy = ctx.server.config.str("maxmemory-policy");
    ctx.server.config.int("maxmemory") == 0 || !(policy.ends_with("-lru") || policy.ends_with("-lfu"))
}

fn object_line(entry: &Entry, compression: bool, shared_integers: bool, clock: u32) -> String {
    let encoding = entry.value.encoding_name();
    let int_value = match &entry.value {
        Value::Str(bytes) if encoding == "int" => rds_storage::num::parse_i64(bytes),
        _ => None,
    };
    let shared = shared_integers && int_value.is_some_and(|v| (0..SHARED_INTEGERS).contains(&v));
    let refcount = if shared { i32::MAX } else { 1 };
    let serialized = entry.value.as_string().map_or(0, |bytes| match int_value {
        Some(v) => saved_int_len(v).unwrap_or_else(|| saved_string_len(v.to_string().as_bytes(), compression)),
        None => saved_string_len(bytes, compression),
    });
    // The LRU clock wraps at 24 bits; Redis counts idle time across the wrap.
    let lru_max = 0x00ff_ffff_u64;
    let (now, lru) = (u64::from(clock), u64::from(entry.access) & lru_max);
    let idle = if now >= lru { now - lru } else { now + (lru_max - lru) };
    format!(
        "Value at:{:p} refcount:{refcount} encoding:{encoding} serializedlength:{serialized} lru:{} lru_seconds_idle:{idle}",
        entry, entry.access
    )
}

/// Bytes of an RDB length prefix.
fn saved_len_len(len: usize) -> usize {
    match len {
        0..=63 => 1,
        64..=16383 => 2,
        _ if u32::try_from(len).is_ok() => 5,
        _ => 9,
    }
}

/// Bytes of an integer the RDB format stores in 8, 16 or 32 bits, if it fits.
fn saved_int_len(value: i64) -> Option<usize> {
    if i8::try_from(value).is_ok() {
        Some(2)
    } else if i16::try_from(value).is_ok() {
        Some(3)
    } else if i32::try_from(value).is_ok() {
        Some(5)
    } else {
        None
    }
}

/// Bytes an RDB file spends on a string: as an integer when it is a short canonical one, LZF
/// compressed when that helps, raw otherwise.
fn saved_string_len(bytes: &[u8], compression: bool) -> usize {
    let len = bytes.len();
    if len <= 11 {
        let canonical = rds_storage::num::parse_i64(bytes).filter(|v| v.to_string().as_bytes() == bytes);
        if let Some(size) = canonical.and_then(saved_int_len) {
            return size;
        }
    }
    if compression && len > 20 {
        if let Some(packed) = lzf::compress(bytes, len - 4) {
            return 1 + saved_len_len(packed.len()) + saved_len_len(len) + packed.len();
        }
    }
    saved_len_len(len) + len
}

/// Longest number prefix `c_strtod` considers, which bounds its (quadratic) search.
const STRTOD_MAX_LEN: usize = 512;

/// C's `strtod` on a prefix: the longest leading number, 0 when there is none.
fn c_strtod(bytes: &[u8]) -> f64 {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(STRTOD_MAX_LEN)]);
    let text = text.trim_start();
    (1..=text.len())
        .rev()
        .filter(|&end| text.is_char_boundary(end))
        .find_map(|end| text[..end].parse::<f64>().ok())
        .unwrap_or(0.0)
}

/// C's `atoi`: optional sign and leading digits, 0 when there are none.
fn c_atoi(bytes: &[u8]) -> i64 {
    let mut rest = bytes.iter().skip_while(|b| b.is_ascii_whitespace()).peekable();
    let negative = match rest.peek() {
        Some(b'-') => {
            rest.next();
            true
        }
        Some(b'+') => {
            rest.next();
            false
        }
        _ => false,
    };
    let mut value: i64 = 0;
    for digit in rest.take_while(|b| b.is_ascii_digit()) {
        value = value.wrapping_mul(10).wrapping_add(i64::from(digit - b'0'));
    }
    if negative {
        value.wrapping_neg()
    } else {
        value
    }
}

/// A non-negative integer argument, or Redis's error for POPULATE's count and size.
fn positive_arg(ctx: &Ctx, index: usize) -> Result<usize, CommandError> {
    let value = ctx.int_arg(index).ok().and_then(|v| usize::try_from(v).ok());
    value.ok_or_else(|| CommandError::err("value is out of range, must be positive"))
}

/// DEBUG POPULATE count [prefix] [size]: creates `prefix:N` keys holding `value:N`, skipping existing
/// keys. Like Redis, nothing is propagated and the dirty counter does not move.
fn populate(ctx: &mut Ctx) -> CmdResult {
    let count = positive_arg(ctx, 2)?;
    let size = if ctx.argc() == 5 { positive_arg(ctx, 4)? } else { 0 };
    let prefix = if ctx.argc() >= 4 { ctx.arg(3) } else { b"key" };
    // Redis builds the key with printf's %s, which stops at a NUL byte.
    let prefix = &prefix[..prefix.iter().position(|&b| b == 0).unwrap_or(prefix.len())];
    let mut key = Vec::with_capacity(prefix.len() + 21);
    let mut value = Vec::new();
    for n in 0..count {
        key.clear();
        key.extend_from_slice(prefix);
        key.push(b':');
        key.extend_from_slice(n.to_string().as_bytes());
        key.truncate(POPULATE_KEY_MAX);
        if ctx.lookup_write(&key).is_some() {
            continue;
        }
        value.clear();
        value.extend_from_slice(format!("value:{n}").as_bytes());
        if size > 0 {
            value.resize(size, 0);
        }
        ctx.set_value(&key, Value::string(&value));
    }
    ctx.out().ok();
    Ok(())
}

/// DEBUG RELOAD [MERGE|NOFLUSH|NOSAVE ...]: save the RDB, empty the keyspace, load the file back.
fn reload(ctx: &mut Ctx) -> CmdResult {
    let (mut merge, mut flush, mut save) = (false, true, true);
    for index in 2..ctx.argc() {
        if ctx.arg_is(index, "merge") {
            merge = true;
        } else if ctx.arg_is(index, "noflush") {
            flush = false;
        } else if ctx.arg_is(index, "nosave") {
            save = false;
        } else {
            return Err(CommandError::err("DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."));
        }
    }
    crate::persist::load::debug_reload(ctx.server, merge, flush, save)?;
    ctx.out().ok();
    Ok(())
}

/// DEBUG PROTOCOL type: a sample reply of each RESP type, for client tests.
fn protocol(ctx: &mut Ctx) -> CmdResult {
    let name = String::from_utf8_lossy(ctx.arg(2)).to_ascii_lowercase();
    let resp3 = ctx.out().protocol == Protocol::Resp3;
    if name == "push" && !resp3 {
        return Err(CommandError::err("RESP2 is not supported by this command"));
    }
    let out = ctx.out();
    match name.as_str() {
        "string" => out.bulk(b"Hello World"),
        "integer" => out.int(12345),
        // Redis's sample value, not an approximation of pi.
        #[allow(clippy::approx_constant)]
        "double" => out.double(3.141),
        "bignum" if resp3 => out.raw(b"(1234567999999999999999999999999999999\r\n"),
        "bignum" => out.bulk(b"1234567999999999999999999999999999999"),
        "null" => out.null(),
        "array" | "set" => {
            if name == "set" {
                out.set(3);
            } else {
                out.array(3);
            }
            for j in 0..3 {
                out.int(j);
            }
        }
        "map" => {
            out.map(3);
            for j in 0..3 {
                out.int(j);
                out.boolean(j == 1);
            }
        }
        "attrib" => {
            if resp3 {
                out.raw(b"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n");
            }
            out.bulk(b"Some real reply following the attribute");
        }
        "push" => {
            out.push(2);
            out.bulk(b"server-cpu-usage");
            out.int(42);
            out.bulk(b"Some real reply following the push reply");
        }
        "verbatim" => out.verbatim(b"This is a verbatim\nstring"),
        "true" => out.boolean(true),
        "false" => out.boolean(false),
        _ => {
            return Err(CommandError::err(
                "Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false",
            ))
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
