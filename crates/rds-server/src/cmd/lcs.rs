//! LCS: the longest common subsequence of two strings, with Redis's dynamic-programming table (so the
//! same memory limit and the same choice among equally long answers).

use rds_resp::ReplyBuf;
use rds_storage::Db;

use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};

/// Options of LCS.
#[derive(Debug, Default)]
struct LcsOptions {
    len: bool,
    idx: bool,
    with_match_len: bool,
    min_match_len: u64,
}

fn parse_options(ctx: &Ctx) -> Result<LcsOptions, CommandError> {
    let mut opts = LcsOptions::default();
    let mut index = 3;
    while index < ctx.argc() {
        if ctx.arg_is(index, "idx") {
            opts.idx = true;
        } else if ctx.arg_is(index, "len") {
            opts.len = true;
        } else if ctx.arg_is(index, "withmatchlen") {
            opts.with_match_len = true;
        } else if ctx.arg_is(index, "minmatchlen") && index + 1 < ctx.argc() {
            opts.min_match_len = ctx.int_arg(index + 1)?.max(0).unsigned_abs();
            index += 1;
        } else {
            return Err(CommandError::Syntax);
        }
        index += 1;
    }
    if opts.idx && opts.len {
        return Err(CommandError::err("If you want both the length and indexes, please just use IDX."));
    }
    Ok(opts)
}

/// One matching run: inclusive ranges in the first and the second string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Match {
    a: (usize, usize),
    b: (usize, usize),
}

impl Match {
    fn len(&self) -> usize {
        self.a.1 - self.a.0 + 1
    }
}

/// The DP table: `cell(i, j)` is the LCS length of `a[..i]` and `b[..j]`.
struct Table {
    cells: Vec<u32>,
    width: usize,
}

impl Table {
    fn build(a: &[u8], b: &[u8], limit: i64) -> Result<Table, CommandError> {
        let width = b.len() + 1;
        let size = (a.len() as u128 + 1) * (width as u128);
        if i128::try_from(size * 4).unwrap_or(i128::MAX) > i128::from(limit) {
            return Err(CommandError::err("Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"));
        }
        let mut cells = Vec::new();
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        if cells.try_reserve_exact(size).is_err() {
            return Err(CommandError::err("Insufficient memory, failed allocating transient memory for LCS"));
        }
        cells.resize(size, 0);
        for i in 1..=a.len() {
            for j in 1..width {
                cells[i * width + j] = if a[i - 1] == b[j - 1] {
                    cells[(i - 1) * width + j - 1] + 1
                } else {
                    cells[(i - 1) * width + j].max(cells[i * width + j - 1])
                };
            }
        }
        Ok(Table { cells, width })
    }

    fn cell(&self, i: usize, j: usize) -> u32 {
        self.cells[i * self.width + j]
    }
}

/// Walks the table back from the end, collecting the LCS and its matching runs (last run first, as
/// Redis emits them). Runs shorter than `min_len` are left out.
fn walk(a: &[u8], b: &[u8], table: &Table, min_len: u64) -> (Vec<u8>, Vec<Match>) {
    let total = table.cell(a.len(), b.len()) as usize;
    let mut lcs = vec![0u8; total];
    let mut matches = Vec::new();
    let mut current: Option<Match> = None;
    let (mut i, mut j, mut remaining) = (a.len(), b.len(), total);
    while i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            lcs[remaining - 1] = a[i - 1];
            match &mut current {
                None => current = Some(Match { a: (i - 1, i - 1), b: (j - 1, j - 1) }),
                Some(run) if run.a.0 == i && run.b.0 == j => {
                    run.a.0 -= 1;
                    run.b.0 -= 1;
                }
                Some(_) => emit = true,
            }
            if current.is_some_and(|run| run.a.0 == 0 || run.b.0 == 0) {
                emit = true;
            }
            remaining -= 1;
            i -= 1;
            j -= 1;
        } else {
            if table.cell(i - 1, j) > table.cell(i, j - 1) {
                i -= 1;
            } else {
                j -= 1;
            }
            emit = current.is_some();
        }
        if emit {
            if let Some(run) = current.take() {
                if min_len == 0 || run.len() as u64 >= min_len {
                    matches.push(run);
                }
            }
        }
    }
    (lcs, matches)
}

fn reply_matches(out: &mut ReplyBuf, matches: &[Match], total: usize, with_len: bool) {
    out.map(2);
    out.bulk(b"matches");
    out.array(matches.len());
    for run in matches {
        out.array(if with_len { 3 } else { 2 });
        for (start, end) in [run.a, run.b] {
            out.array(2);
            out.int(start as i64);
            out.int(end as i64);
        }
        if with_len {
            out.int(run.len() as i64);
        }
    }
    out.bulk(b"len");
    out.int(total as i64);
}

/// The string at `key` when the first lookup found it (so no expiry check is needed), else empty.
fn stored<'d>(db: &'d Db, key: &[u8], exists: bool) -> &'d [u8] {
    let entry = if exists { db.peek(key) } else { None };
    entry.and_then(|entry| entry.value.as_string()).unwrap_or_default()
}

/// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]
pub fn lcs(ctx: &mut Ctx) -> CmdResult {
    // Both keys are looked up (expiry, stats) before any option is checked, as in Redis.
    let mut found = [false; 2];
    for (slot, index) in found.iter_mut().zip([1, 2]) {
        if let Some(value) = ctx.lookup_read(ctx.arg(index)) {
            *slot = value.as_string().is_some();
            if !*slot {
                return Err(CommandError::err("The specified keys must contain string values"));
            }
        }
    }
    let opts = parse_options(ctx)?;
    let limit = ctx.server.settings.proto_max_bulk_len;
    let (key_a, key_b) = (ctx.arg(1), ctx.arg(2));
    let db = &ctx.server.keyspace.dbs[ctx.session.db];
    let (a, b) = (stored(db, key_a, found[0]), stored(db, key_b, found[1]));
    if a.len() >= u32::MAX as usize - 1 || b.len() >= u32::MAX as usize - 1 {
        return Err(CommandError::err("String too long for LCS"));
    }
    let table = Table::build(a, b, limit)?;
    let total = table.cell(a.len(), b.len()) as usize;
    let out = &mut ctx.session.reply;
    if opts.idx {
        let (_, matches) = walk(a, b, &table, opts.min_match_len);
        reply_matches(out, &matches, total, opts.with_match_len);
    } else if opts.len {
        out.int(total as i64);
    } else {
        let (lcs, _) = walk(a, b, &table, 0);
        out.bulk(&lcs);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::testing::Harness;

    #[test]
    fn lcs_replies_like_redis() {
        let mut h = Harness::new();
        h.expect_all(&[
            (&["mset", "key1", "ohmytext", "key2", "mynewtext"], "+OK\r\n"),
            (&["lcs", "key1", "key2"], "$6\r\nmytext\r\n"),
            (&["lcs", "key1", "key2", "len"], ":6\r\n"),
            (&["lcs", "key1", "key2", "idx"], "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"),
            (&["lcs", "key1", "key2", "idx", "minmatchlen", "4", "withmatchlen"], "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n"),
            (&["lcs", "key1", "key2", "idx", "withmatchlen"], "*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n"),
            (&["lcs", "key1", "key2", "withmatchlen"], "$6\r\nmytext\r\n"),
            (&["lcs", "key1", "key2", "len", "idx"], "-ERR If you want both the length and indexes, please just use IDX.\r\n"),
            (&["lcs", "key1", "key2", "minmatchlen"], "-ERR syntax error\r\n"),
            (&["lcs", "key1", "key2", "minmatchlen", "abc"], "-ERR value is not an integer or out of range\r\n"),
            (&["lcs", "key1", "key2", "minmatchlen", "-5", "idx"], "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"),
            (&["lcs", "key1", "key2", "foo"], "-ERR syntax error\r\n"),
            (&["lcs", "key1", "key2", "len", "len"], ":6\r\n"),
            (&["lcs", "nokey", "key2"], "$0\r\n\r\n"),
            (&["lcs", "nokey", "key2", "idx"], "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n"),
            (&["lcs", "nokey", "nokey2", "len"], ":0\r\n"),
            (&["lcs", "key1", "key1", "idx", "withmatchlen"], "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:0\r\n:7\r\n*2\r\n:0\r\n:7\r\n:8\r\n$3\r\nlen\r\n:8\r\n"),
            (&["mset", "a", "ABCBDAB", "b", "BDCABA"], "+OK\r\n"),
            (&["lcs", "a", "b"], "$4\r\nBDAB\r\n"),
            (&["lcs", "a", "b", "idx"], "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:5\r\n:6\r\n*2\r\n:3\r\n:4\r\n*2\r\n*2\r\n:3\r\n:4\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:4\r\n"),
        ]);
    }

    #[test]
    fn idx_is_a_map_in_resp3() {
        let mut h = Harness::new().resp3();
        h.run(&["MSET", "key1", "ohmytext", "key2", "mynewtext", "a", "ABCBDAB", "b", "BDCABA"]);
        h.expect_all(&[
            (&["lcs", "key1", "key2", "idx"], "%2\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"),
            (&["lcs", "key1", "key2", "idx", "minmatchlen", "4", "withmatchlen"], "%2\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n"),
            (&["lcs", "key1", "key2", "idx", "withmatchlen"], "%2\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n"),
            (&["lcs", "key1", "key2", "len", "idx"], "-ERR If you want both the length and indexes, please just use IDX.\r\n"),
            (&["lcs", "key1", "key2", "minmatchlen", "-5", "idx"], "%2\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"),
            (&["lcs", "nokey", "key2", "idx"], "%2\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n"),
            (&["lcs", "key1", "key1", "idx", "withmatchlen"], "%2\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:0\r\n:7\r\n*2\r\n:0\r\n:7\r\n:8\r\n$3\r\nlen\r\n:8\r\n"),
            (&["lcs", "a", "b", "idx"], "%2\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:5\r\n:6\r\n*2\r\n:3\r\n:4\r\n*2\r\n*2\r\n:3\r\n:4\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:4\r\n"),
        ]);
    }

    #[test]
    fn the_table_is_bounded_by_proto_max_bulk_len() {
        let mut h = Harness::new();
        h.state.settings.proto_max_bulk_len = 1 << 20;
        let (x511, x512) = ("x".repeat(511), "x".repeat(512));
        h.run(&["MSET", "a", &x511, "b", &x511, "c", &x512]);
        h.expect_all(&[
            (&["LCS", "a", "b", "LEN"], ":511\r\n"),
            (
                &["LCS", "a", "c", "LEN"],
                "-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n",
            ),
        ]);
    }
}
