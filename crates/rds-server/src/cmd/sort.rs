//! SORT and SORT_RO: sort a list, set or sorted set numerically or lexicographically, optionally by
//! the values of other keys (`BY pattern`, `BY nosort`), project other keys (`GET pattern`, `GET #`,
//! `GET key->field`), window the result (`LIMIT`) and store it as a list (`STORE`).
//!
//! Orderings reproduce Redis 7.0 exactly, ties included: a full sort is glibc's `qsort`, a stable
//! merge sort (so `sort_by`); BY with a partial LIMIT uses Redis's partial quicksort (`rds_storage::pqsort`),
//! whose order of equal elements only that algorithm gives. Numeric scores are C `strtod` results
//! ([`strtod`]); ALPHA compares C strings byte-wise (`strcoll` in the C/C.UTF-8 locale stops at a NUL
//! byte), except with STORE, where Redis compares the full binary strings.

mod pattern;
mod strtod;
#[cfg(test)]
mod tests;

use std::cmp::Ordering;

use rds_storage::list::{End, List};
use rds_storage::zset::{AddFlags, ZSet};
use rds_storage::Value;

use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::notify::{GENERIC, LIST};

use pattern::{lookup_by_pattern, reply_get, Pattern};
use rds_storage::cstr::c_str;

/// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE destination]
pub fn sort(ctx: &mut Ctx) -> CmdResult {
    sort_generic(ctx, false)
}

/// SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
pub fn sort_ro(ctx: &mut Ctx) -> CmdResult {
    sort_generic(ctx, true)
}

/// The parsed options of one call.
struct Options<'a> {
    desc: bool,
    alpha: bool,
    limit_start: i64,
    limit_count: i64,
    store: Option<&'a [u8]>,
    by: Option<&'a [u8]>,
    /// BY was given a pattern without `*` (once is enough: a later real pattern does not undo it).
    dontsort: bool,
    gets: Vec<&'a [u8]>,
}

fn parse_options<'a>(ctx: &Ctx<'a>, readonly: bool) -> Result<Options<'a>, CommandError> {
    let mut opts = Options {
        desc: false,
        alpha: false,
        limit_start: 0,
        limit_count: -1,
        store: None,
        by: None,
        dontsort: false,
        gets: Vec::new(),
    };
    let cluster = || ctx.server.config.bool("cluster-enabled");
    let mut j = 2;
    while j < ctx.argc() {
        let left = ctx.argc() - j - 1;
        if ctx.arg_is(j, "asc") {
            opts.desc = false;
        } else if ctx.arg_is(j, "desc") {
            opts.desc = true;
        } else if ctx.arg_is(j, "alpha") {
            opts.alpha = true;
        } else if ctx.arg_is(j, "limit") && left >= 2 {
            opts.limit_start = ctx.int_arg(j + 1)?;
            opts.limit_count = ctx.int_arg(j + 2)?;
            j += 2;
        } else if !readonly && ctx.arg_is(j, "store") && left >= 1 {
            opts.store = Some(ctx.arg(j + 1));
            j += 1;
        } else if ctx.arg_is(j, "by") && left >= 1 {
            let by = ctx.arg(j + 1);
            opts.by = Some(by);
            if !c_str(by).contains(&b'*') {
                opts.dontsort = true;
            } else if cluster() {
                return Err(CommandError::err("BY option of SORT denied in Cluster mode."));
            }
            j += 1;
        } else if ctx.arg_is(j, "get") && left >= 1 {
            if cluster() {
                return Err(CommandError::err("GET option of SORT denied in Cluster mode."));
            }
            opts.gets.push(ctx.arg(j + 1));
            j += 1;
        } else {
            return Err(CommandError::Syntax);
        }
        j += 1;
    }
    Ok(opts)
}

/// One element to sort: its bytes in the arena, and what it is compared by.
#[derive(Debug, Clone, Copy)]
struct Item {
    elem: (usize, usize),
    score: f64,
    /// The BY value for ALPHA sorts (`None`: the BY key is missing or not a string/hash field).
    by: Option<(usize, usize)>,
}

/// The elements to sort and the BY values, all in one byte arena (no allocation per element).
struct Vector {
    arena: Vec<u8>,
    items: Vec<Item>,
}

impl Vector {
    fn with_capacity(len: usize) -> Self {
        Vector { arena: Vec::new(), items: Vec::with_capacity(len) }
    }

    fn push(&mut self, elem: &[u8]) {
        let start = self.arena.len();
        self.arena.extend_from_slice(elem);
        self.items.push(Item { elem: (start, elem.len()), score: 0.0, by: None });
    }

    fn bytes(&self, (start, len): (usize, usize)) -> &[u8] {
        self.arena.get(start..start + len).unwrap_or(&[])
    }
}

/// The type of the key being sorted; a missing key sorts as an empty list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    List,
    Set,
    ZSet,
}

fn sort_generic(ctx: &mut Ctx, readonly: bool) -> CmdResult {
    let mut opts = parse_options(ctx, readonly)?;
    let key = ctx.arg(1);
    let (kind, len) = match ctx.lookup_read(key) {
        None => (Kind::List, 0),
        Some(Value::List(list)) => (Kind::List, list.len()),
        Some(Value::Set(set)) => (Kind::Set, set.len()),
        Some(Value::ZSet(zset)) => (Kind::ZSet, zset.len()),
        Some(_) => return Err(CommandError::WrongType),
    };
    // A set has no order of its own: with STORE, Redis sorts it (ALPHA) so replicas store the same list.
    if opts.dontsort && kind == Kind::Set && opts.store.is_some() {
        opts.dontsort = false;
        opts.alpha = true;
        opts.by = None;
    }
    if kind == Kind::ZSet {
        convert_to_skiplist(ctx, key);
    }
    let (mut start, mut end) = window(opts.limit_start, opts.limit_count, len);
    let direct = opts.dontsort && kind != Kind::Set;
    let mut vector = Vector::with_capacity(if direct { usize::try_from(end - start + 1).unwrap_or(0) } else { len });
    if len > 0 {
        load(ctx, key, &opts, direct.then_some((start, end)), &mut vector);
    }
    if direct {
        // The window was applied while loading.
        end -= start;
        start = 0;
    }
    if !opts.dontsort {
        if !score(ctx, &opts, &mut vector) {
            return Err(CommandError::err("One or more scores can't be converted into double"));
        }
        order(&opts, &mut vector, start, end);
    }
    let count = usize::try_from(end - start + 1).unwrap_or(0);
    let outputlen = if opts.gets.is_empty() { count } else { count * opts.gets.len() };
    let range = usize::try_from(start).unwrap_or(0)..usize::try_from(start).unwrap_or(0) + count;
    match opts.store {
        None => reply(ctx, &opts, &vector, range, outputlen),
        Some(dest) => store(ctx, &opts, &vector, range, outputlen, dest),
    }
    Ok(())
}

/// Redis's LIMIT arithmetic: the inclusive window `start..=end`, empty when `end < start`.
fn window(limit_start: i64, limit_count: i64, len: usize) -> (i64, i64) {
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    let mut start = limit_start.max(0);
    let mut end = if limit_count < 0 { len - 1 } else { start.saturating_add(limit_count) - 1 };
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    if end >= len {
        end = len - 1;
    }
    (start, end)
}

/// SORT converts a listpack sorted set to the skiplist encoding for good (OBJECT ENCODING shows it).
fn convert_to_skiplist(ctx: &mut Ctx, key: &[u8]) {
    let limits = ctx.server.settings.zset_limits;
    let Some(Value::ZSet(zset)) = ctx.lookup_write(key) else { return };
    if zset.encoding_name() == "skiplist" {
        return;
    }
    let mut converted = ZSet::with_hint(usize::MAX, usize::MAX, &limits);
    for (member, score) in zset.iter() {
        // Members are unique and scores never NaN, so adding cannot fail.
        let _ = converted.add(member, score, AddFlags::default(), &limits);
    }
    **zset = converted;
}

/// Copies the elements to sort into `vector`: all of them, or with `window` (BY nosort on a list or
/// sorted set) only that range, in native order, reversed for DESC.
fn load(ctx: &mut Ctx, key: &[u8], opts: &Options, window: Option<(i64, i64)>, vector: &mut Vector) {
    let Some(value) = ctx.db().peek(key).map(|entry| &entry.value) else { return };
    match (value, window) {
        (Value::List(list), Some((start, end))) if end >= start => {
            let len = i64::try_from(list.len()).unwrap_or(i64::MAX);
            if opts.desc {
                list.range(len - 1 - end, len - 1 - start).rev().for_each(|e| vector.push(e));
            } else {
                list.range(start, end).for_each(|e| vector.push(e));
            }
        }
        (Value::List(list), None) => list.iter().for_each(|e| vector.push(e)),
        (Value::Set(set), _) => set.iter().for_each(|m| vector.push(&m)),
        (Value::ZSet(zset), Some((start, end))) if end >= start => {
            zset.range_by_rank(start, end, opts.desc).for_each(|(m, _)| vector.push(m));
        }
        (Value::ZSet(zset), None) => zset.iter().for_each(|(m, _)| vector.push(m)),
        _ => {}
    }
}

/// Computes what each element is compared by; false when a numeric score does not convert.
fn score(ctx: &mut Ctx, opts: &Options, vector: &mut Vector) -> bool {
    let mut valid = true;
    let Some(pattern) = opts.by.map(Pattern::parse) else {
        if !opts.alpha {
            for index in 0..vector.items.len() {
                match strtod::sort_score(vector.bytes(vector.items[index].elem)) {
                    Some(score) => vector.items[index].score = score,
                    None => valid = false,
                }
            }
        }
        return valid;
    };
    let (mut elem, mut key) = (Vec::new(), Vec::new());
    for index in 0..vector.items.len() {
        elem.clear();
        elem.extend_from_slice(vector.bytes(vector.items[index].elem));
        let Some(value) = lookup_by_pattern(ctx, &pattern, &elem, &mut key) else { continue };
        if opts.alpha {
            let start = vector.arena.len();
            vector.arena.extend_from_slice(value);
            vector.items[index].by = Some((start, value.len()));
        } else {
            match strtod::sort_score(value) {
                Some(score) => vector.items[index].score = score,
                None => valid = false,
            }
        }
    }
    valid
}

/// Sorts `vector`: fully and stably, or with BY and a partial window, Redis's partial quicksort.
fn order(opts: &Options, vector: &mut Vector, start: i64, end: i64) {
    let Vector { arena, items } = vector;
    let bytes = |(s, l): (usize, usize)| arena.get(s..s + l).unwrap_or(&[]);
    let by_pattern = opts.by.is_some();
    let binary = opts.store.is_some();
    let mut compare = |a: &Item, b: &Item| {
        let order = if !opts.alpha {
            if a.score > b.score {
                Ordering::Greater
            } else if a.score < b.score {
                Ordering::Less
            } else {
                bytes(a.elem).cmp(bytes(b.elem))
            }
        } else if by_pattern {
            match (a.by, b.by) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (Some(x), Some(y)) => compare_strings(bytes(x), bytes(y), binary),
            }
        } else {
            compare_strings(bytes(a.elem), bytes(b.elem), binary)
        };
        if opts.desc {
            order.reverse()
        } else {
            order
        }
    };
    let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
    if by_pattern && (start != 0 || end != len - 1) {
        rds_storage::pqsort::partial_sort(items, start, end, &mut compare);
    } else {
        items.sort_by(compare);
    }
}

/// ALPHA order: binary (memcmp, then length) with STORE, else `strcoll` in the C locale, which
/// compares unsigned bytes up to the first NUL.
fn compare_strings(a: &[u8], b: &[u8], binary: bool) -> Ordering {
    if binary {
        a.cmp(b)
    } else {
        c_str(a).cmp(c_str(b))
    }
}

/// Replies the window, each element followed (or replaced) by its GET values.
fn reply(ctx: &mut Ctx, opts: &Options, vector: &Vector, range: std::ops::Range<usize>, outputlen: usize) {
    ctx.out().array(outputlen);
    let patterns: Vec<Pattern> = opts.gets.iter().map(|p| Pattern::parse(p)).collect();
    let mut scratch = Vec::new();
    for item in vector.items.get(range).unwrap_or(&[]) {
        let elem = vector.bytes(item.elem);
        if patterns.is_empty() {
            ctx.out().bulk(elem);
        }
        for pattern in &patterns {
            reply_get(ctx, pattern, elem, &mut scratch);
        }
    }
}

/// STORE: the window (or its GET values, missing ones as "") becomes a list at `dest`; an empty
/// result deletes `dest`.
fn store(ctx: &mut Ctx, opts: &Options, vector: &Vector, range: std::ops::Range<usize>, outputlen: usize, dest: &[u8]) {
    let mut list = List::new(ctx.server.settings.list_max_listpack_size);
    let patterns: Vec<Pattern> = opts.gets.iter().map(|p| Pattern::parse(p)).collect();
    let mut scratch = Vec::new();
    for item in vector.items.get(range).unwrap_or(&[]) {
        let elem = vector.bytes(item.elem);
        if patterns.is_empty() {
            list.push(End::Tail, elem);
        }
        for pattern in &patterns {
            let value = lookup_by_pattern(ctx, pattern, elem, &mut scratch).unwrap_or(&[]);
            list.push(End::Tail, value);
        }
    }
    if outputlen > 0 {
        // Like Redis's setKey: a logically expired destination is expired (and propagated) first.
        let _ = ctx.lookup_write(dest);
        ctx.set_value(dest, Value::List(Box::new(list)));
        ctx.notify(LIST, "sortstore", dest);
        ctx.changed(u64::try_from(outputlen).unwrap_or(u64::MAX));
    } else if ctx.db().remove(dest).is_some() {
        ctx.notify(GENERIC, "del", dest);
        ctx.changed(1);
    }
    ctx.out().int(i64::try_from(outputlen).unwrap_or(i64::MAX));
}
