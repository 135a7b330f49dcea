//! KEYS and SCAN: walking the keyspace.

use rds_storage::glob::glob_match;
use rds_storage::CompactBytes;

use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};

/// Most keys collected in advance of knowing how many a SCAN will return; COUNT comes from the
/// client, so it only bounds the loop, never an allocation.
const SCAN_PREALLOC: usize = 64;

/// KEYS pattern: every live key matching `pattern`; expired keys are skipped, not deleted.
pub fn keys(ctx: &mut Ctx) -> CmdResult {
    let pattern = ctx.arg(1);
    let every = pattern == b"*";
    let now = ctx.now_ms;
    let (db, out) = ctx.db_and_out();
    let db = &*db;
    let matched: Vec<&CompactBytes> = db
        .iter()
        .map(|(key, _)| key)
        .filter(|key| every || glob_match(pattern, key, false))
        .filter(|key| db.expire_at(key).is_none_or(|when| when > now))
        .collect();
    out.array(matched.len());
    for key in matched {
        out.bulk(key);
    }
    Ok(())
}

/// Parses a SCAN cursor the way Redis 7.0 does with C's `strtoul`: the text stops at a NUL byte, an
/// empty cursor is 0, a sign is accepted (`-1` wraps to the largest cursor), leading whitespace,
/// trailing bytes and overflow are rejected.
pub fn parse_cursor(arg: &[u8]) -> Option<u64> {
    let text = arg.split(|&b| b == 0).next().unwrap_or_default();
    let (negative, digits) = match text.split_first() {
        None => return Some(0),
        Some((first, _)) if b" \t\n\x0b\x0c\r".contains(first) => return None,
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        Some(_) => (false, text),
    };
    if digits.is_empty() {
        return None;
    }
    let mut value: u64 = 0;
    for &byte in digits {
        if !byte.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(byte - b'0'))?;
    }
    Some(if negative { value.wrapping_neg() } else { value })
}

/// The options of SCAN and of HSCAN/SSCAN/ZSCAN.
pub(crate) struct ScanOptions<'a> {
    /// COUNT: elements wanted per call (a hint; compact encodings return everything).
    pub count: usize,
    /// MATCH: the glob pattern, `None` for `*` (which skips matching, as in Redis).
    pub pattern: Option<&'a [u8]>,
    /// TYPE: SCAN only.
    pub type_name: Option<&'a [u8]>,
}

impl ScanOptions<'_> {
    /// True when `element` passes the MATCH filter.
    pub fn matches(&self, element: &[u8]) -> bool {
        self.pattern.is_none_or(|pattern| glob_match(pattern, element, false))
    }

    /// How many buckets a hash-table scan may visit: Redis gives up after `10 * COUNT`.
    pub fn bucket_budget(&self) -> usize {
        self.count.saturating_mul(10)
    }
}

/// Parses `[MATCH pattern] [COUNT count]` from argument `start` on, plus `[TYPE type]` when
/// `allow_type` (SCAN only: Redis answers a syntax error to TYPE in HSCAN/SSCAN/ZSCAN).
pub(crate) fn parse_scan_options<'a>(
    ctx: &Ctx<'a>,
    start: usize,
    allow_type: bool,
) -> Result<ScanOptions<'a>, CommandError> {
    let mut options = ScanOptions { count: 10, pattern: None, type_name: None };
    let mut index = start;
    while index < ctx.argc() {
        let has_value = index + 1 < ctx.argc();
        if ctx.arg_is(index, "count") && has_value {
            let count = ctx.int_arg(index + 1)?;
            if count < 1 {
                return Err(CommandError::Syntax);
            }
            options.count = usize::try_from(count).unwrap_or(usize::MAX);
        } else if ctx.arg_is(index, "match") && has_value {
            let pattern = ctx.arg(index + 1);
            options.pattern = (pattern != b"*").then_some(pattern);
        } else if allow_type && ctx.arg_is(index, "type") && has_value {
            options.type_name = Some(ctx.arg(index + 1));
        } else {
            return Err(CommandError::Syntax);
        }
        index += 2;
    }
    Ok(options)
}

/// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
pub fn scan(ctx: &mut Ctx) -> CmdResult {
    let cursor = parse_cursor(ctx.arg(1)).ok_or_else(|| CommandError::err("invalid cursor"))?;
    let options = parse_scan_options(ctx, 2, true)?;
    let (cursor, candidates) = collect_keys(ctx, cursor, options.count);
    let mut kept = Vec::with_capacity(candidates.len());
    for key in candidates {
        if keep_key(ctx, &key, &options) {
            kept.push(key);
        }
    }
    let out = ctx.out();
    out.array(2);
    out.bulk(cursor.to_string().as_bytes());
    out.array(kept.len());
    for key in &kept {
        out.bulk(key);
    }
    Ok(())
}

/// Visits buckets from `cursor` until `count` keys were collected or the scan is complete; like
/// Redis, gives up after `10 * count` buckets so a sparse table cannot stall the server.
fn collect_keys(ctx: &mut Ctx, mut cursor: u64, count: usize) -> (u64, Vec<CompactBytes>) {
    let db = ctx.db();
    let mut keys = Vec::with_capacity(count.min(SCAN_PREALLOC));
    let mut budget = count.saturating_mul(10);
    loop {
        cursor = db.scan(cursor, |key, _| keys.push(key.clone()));
        if cursor == 0 || budget == 0 || keys.len() >= count {
            return (cursor, keys);
        }
        budget -= 1;
    }
}

/// Applies SCAN's filters in Redis's order: pattern, then expiry (expired keys are deleted on a
/// master), then type (a read lookup, so it counts as a keyspace hit).
fn keep_key(ctx: &mut Ctx, key: &[u8], options: &ScanOptions) -> bool {
    if !options.matches(key) {
        return false;
    }
    let (now, mode) = (ctx.now_ms, ctx.server.expiry_mode);
    if ctx.db().expire_if_needed(key, now, mode) {
        return false;
    }
    let Some(wanted) = options.type_name else {
        return true;
    };
    let actual = super::lookup_notouch(ctx, key).map_or("none", |entry| entry.value.type_name());
    // Redis compares type names as C strings, so a NUL ends the requested name.
    let wanted = wanted.split(|&b| b == 0).next().unwrap_or_default();
    wanted.eq_ignore_ascii_case(actual.as_bytes())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::parse_cursor;
    use crate::cmd::keys::tests::{expire_at, put};
    use crate::testing::Harness;

    #[test]
    fn cursor_parses_like_strtoul() {
        let cases: &[(&[u8], Option<u64>)] = &[
            (b"0", Some(0)),
            (b"00", Some(0)),
            (b"", Some(0)),
            (b"+1", Some(1)),
            (b"-0", Some(0)),
            (b"-1", Some(u64::MAX)),
            (b"18446744073709551615", Some(u64::MAX)),
            (b"-18446744073709551615", Some(1)),
            (b"1\0abc", Some(1)),
            (b"\0abc", Some(0)),
            (b"18446744073709551616", None),
            (b"-18446744073709551616", None),
            (b"x", None),
            (b"-", None),
            (b"+", None),
            (b" 1", None),
            (b"1 ", None),
            (b"1.5", None),
            (b"0x1", None),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_cursor(input), *expected, "{:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn scan_and_keys_reply_like_redis() {
        let mut h = Harness::new();
        for key in ["foo", "fob", "bar"] {
            put(&mut h, 0, key, "1");
        }
        h.expect_all(&[
            (&["KEYS", "x"], "*0\r\n"),
            (&["KEYS", "f[o"], "*0\r\n"),
            (&["SCAN", "0", "COUNT", "0"], "-ERR syntax error\r\n"),
            (&["SCAN", "0", "COUNT", "-1"], "-ERR syntax error\r\n"),
            (&["SCAN", "0", "COUNT", "x"], "-ERR value is not an integer or out of range\r\n"),
            (&["SCAN", "0", "COUNT", "9223372036854775808"], "-ERR value is not an integer or out of range\r\n"),
            (&["SCAN", "0", "COUNT"], "-ERR syntax error\r\n"),
            (&["SCAN", "0", "MATCH"], "-ERR syntax error\r\n"),
            (&["SCAN", "0", "FOO", "bar"], "-ERR syntax error\r\n"),
            (&["SCAN", "x"], "-ERR invalid cursor\r\n"),
            (&["SCAN", "x", "COUNT", "0"], "-ERR invalid cursor\r\n"),
            (&["SCAN", "18446744073709551616"], "-ERR invalid cursor\r\n"),
            (&["SCAN", "", "1"], "-ERR syntax error\r\n"),
            (&["SCAN", "0", "TYPE", "list"], "*2\r\n$1\r\n0\r\n*0\r\n"),
            (&["SCAN", "0", "TYPE", "foo"], "*2\r\n$1\r\n0\r\n*0\r\n"),
            (&["SCAN"], "-ERR wrong number of arguments for 'scan' command\r\n"),
            (&["KEYS"], "-ERR wrong number of arguments for 'keys' command\r\n"),
        ]);
        let sorted = |reply: String| {
            let mut lines: Vec<String> = reply.split("\r\n").map(str::to_string).collect();
            lines.sort();
            lines.join(",")
        };
        assert_eq!(sorted(h.run(&["KEYS", "fo*"])), sorted("*2\r\n$3\r\nfob\r\n$3\r\nfoo\r\n".into()));
        let all = "*2\r\n$1\r\n0\r\n*3\r\n$3\r\nfob\r\n$3\r\nfoo\r\n$3\r\nbar\r\n".to_string();
        for words in [
            &["SCAN", "0"][..],
            &["SCAN", "00"],
            &["SCAN", "-0"],
            &["SCAN", ""],
            &["SCAN", "0", "TYPE", "STRING"],
            &["SCAN", "0", "MATCH", "*", "COUNT", "100", "TYPE", "string"],
        ] {
            assert_eq!(sorted(h.run(words)), sorted(all.clone()), "{words:?}");
        }
        let matched = h.run(&["SCAN", "0", "MATCH", "fo*", "COUNT", "1000"]);
        assert_eq!(sorted(matched), sorted("*2\r\n$1\r\n0\r\n*2\r\n$3\r\nfob\r\n$3\r\nfoo\r\n".into()));
        assert_eq!(h.state.stats.keyspace_hits, 12, "TYPE filters look keys up");
    }

    #[test]
    fn keys_skips_and_scan_expires_expired_keys() {
        let mut h = Harness::new();
        put(&mut h, 0, "live", "v");
        put(&mut h, 0, "dead", "v");
        expire_at(&mut h, 0, "dead", 1);
        h.expect_all(&[(&["KEYS", "*"], "*1\r\n$4\r\nlive\r\n")]);
        assert_eq!(h.state.keyspace.dbs[0].len(), 2, "KEYS does not delete");
        h.expect_all(&[
            (&["SCAN", "0", "TYPE", "none"], "*2\r\n$1\r\n0\r\n*0\r\n"),
            (&["SCAN", "0"], "*2\r\n$1\r\n0\r\n*1\r\n$4\r\nlive\r\n"),
        ]);
        assert_eq!(h.state.keyspace.dbs[0].len(), 1, "SCAN deletes what it finds expired");
    }

    /// Parses a SCAN reply into (cursor, keys).
    fn parse_scan(reply: &str) -> (String, Vec<String>) {
        let lines: Vec<&str> = reply.split("\r\n").collect();
        let cursor = lines[2].to_string();
        let keys = lines[4..].iter().skip(1).step_by(2).map(|s| s.to_string()).collect();
        (cursor, keys)
    }

    #[test]
    fn scan_returns_every_key_while_the_table_grows_and_respects_count() {
        let mut h = Harness::new();
        for i in 0..1000 {
            put(&mut h, 0, &format!("stable:{i}"), "v");
        }
        let mut seen = HashSet::new();
        let mut cursor = "0".to_string();
        let mut round = 0;
        loop {
            let (next, keys) = parse_scan(&h.run(&["SCAN", &cursor, "COUNT", "20"]));
            assert!(keys.len() < 200, "one call stays near COUNT: {}", keys.len());
            seen.extend(keys);
            for j in 0..50 {
                put(&mut h, 0, &format!("new:{round}:{j}"), "v");
            }
            round += 1;
            cursor = next;
            if cursor == "0" {
                break;
            }
        }
        for i in 0..1000 {
            assert!(seen.contains(&format!("stable:{i}")), "stable:{i} missed");
        }
    }

    #[test]
    fn scan_with_count_one_walks_in_several_steps() {
        let mut h = Harness::new();
        for i in 0..100 {
            put(&mut h, 0, &format!("k{i}"), "v");
        }
        let (cursor, keys) = parse_scan(&h.run(&["SCAN", "0", "COUNT", "1"]));
        assert_ne!(cursor, "0");
        assert!(!keys.is_empty() && keys.len() < 10, "{keys:?}");
        let (_, matched) = parse_scan(&h.run(&["SCAN", "0", "MATCH", "nomatch*", "COUNT", "1"]));
        assert!(matched.is_empty());
    }
}
