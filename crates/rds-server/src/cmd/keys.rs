//! Generic keyspace commands: DEL, UNLINK, EXISTS, TYPE, RENAME, RENAMENX, COPY, MOVE, SWAPDB,
//! TOUCH, RANDOMKEY. KEYS and SCAN live in [`scan`], OBJECT in [`object`], TTLs in `expire.rs`.

pub mod object;
pub mod scan;

pub use object::{object, object_encoding, object_freq, object_help, object_idletime, object_refcount};
pub use scan::{keys, scan};

use rds_storage::{Db, Entry, ExpiryMode};

use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::notify::{self, GENERIC};
use crate::state::ServerState;
use crate::watch::presence;

/// Looks `key` up like Redis's `LOOKUP_NOTOUCH` reads (TYPE, EXISTS, TTL, OBJECT): lazy expiry and
/// hit/miss stats apply, but the access clock is left alone so inspecting a key does not make it
/// look recently used to eviction.
pub(crate) fn lookup_notouch<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Option<&'c Entry> {
    let (now, mode, index) = (ctx.now_ms, ctx.server.expiry_mode, ctx.session.db);
    let server = &mut *ctx.server;
    let db = &mut server.keyspace.dbs[index];
    let entry = if db.expire_if_needed(key, now, mode) { None } else { db.peek(key) };
    if entry.is_some() {
        server.stats.keyspace_hits += 1;
    } else {
        server.stats.keyspace_misses += 1;
    }
    entry
}

/// True when `key` lives in `db`, touching its access clock like Redis's `lookupKeyWrite`.
fn exists_for_write(db: &mut Db, key: &[u8], now_ms: u64, mode: ExpiryMode, clock: u32) -> bool {
    match db.get_entry_mut(key, now_ms, mode) {
        Some(entry) => {
            entry.access = clock;
            true
        }
        None => false,
    }
}

/// Argument `index` as a C `int`, with the two errors of Redis's `getIntFromObjectOrReply`.
fn int32_arg(ctx: &Ctx, index: usize) -> Result<i64, CommandError> {
    let value = ctx.int_arg(index)?;
    if i32::try_from(value).is_err() {
        return Err(CommandError::err("value is out of range, value must between -2147483648 and 2147483647"));
    }
    Ok(value)
}

/// The database number `id`, or `ERR DB index is out of range`.
fn db_index(ctx: &Ctx, id: i64) -> Result<usize, CommandError> {
    usize::try_from(id)
        .ok()
        .filter(|index| *index < ctx.server.keyspace.dbs.len())
        .ok_or(CommandError::DbIndexOutOfRange)
}

fn same_object() -> CommandError {
    CommandError::err("source and destination objects are the same")
}

fn cluster_enabled(ctx: &Ctx) -> bool {
    ctx.server.config.bool("cluster-enabled")
}

/// A write created `key` in database `db`: notifies `event` there. The dispatcher already signals
/// WATCH and blocked clients for the keys of the selected database, so only another one needs it.
fn written_in(ctx: &mut Ctx, db: usize, key: &[u8], event: &str) {
    if db != ctx.session.db {
        ctx.server.key_touched(db, key);
    }
    notify::notify(ctx.server, ctx.session, GENERIC, event, key, db);
}

/// DEL key [key ...]
pub fn del(ctx: &mut Ctx) -> CmdResult {
    let (now, mode) = (ctx.now_ms, ctx.server.expiry_mode);
    let mut deleted = 0;
    for index in 1..ctx.argc() {
        let key = ctx.arg(index);
        let db = ctx.db();
        // Expiring first lets an expired key be reported (and propagated) as expired, not deleted.
        // On a replica the key stays hidden but still present, and an explicit DEL removes it.
        db.expire_if_needed(key, now, mode);
        if db.remove(key).is_some() {
            deleted += 1;
            ctx.modified_key(index);
            ctx.notify(GENERIC, "del", key);
        }
    }
    ctx.changed(deleted);
    ctx.out().int(i64::try_from(deleted).unwrap_or(i64::MAX));
    Ok(())
}

/// UNLINK key [key ...]: DEL; rds frees values inline, so there is nothing to defer.
pub fn unlink(ctx: &mut Ctx) -> CmdResult {
    del(ctx)
}

/// EXISTS key [key ...]: counts repeated keys each time.
pub fn exists(ctx: &mut Ctx) -> CmdResult {
    let mut count = 0;
    for index in 1..ctx.argc() {
        if lookup_notouch(ctx, ctx.arg(index)).is_some() {
            count += 1;
        }
    }
    ctx.out().int(count);
    Ok(())
}

/// TYPE key
pub fn key_type(ctx: &mut Ctx) -> CmdResult {
    let name = lookup_notouch(ctx, ctx.arg(1)).map_or("none", |entry| entry.value.type_name());
    ctx.out().simple(name);
    Ok(())
}

/// TOUCH key [key ...]: updates access clocks, counts existing keys.
pub fn touch(ctx: &mut Ctx) -> CmdResult {
    let mut count = 0;
    for index in 1..ctx.argc() {
        if ctx.lookup_read(ctx.arg(index)).is_some() {
            count += 1;
        }
    }
    ctx.out().int(count);
    Ok(())
}

/// RANDOMKEY
pub fn randomkey(ctx: &mut Ctx) -> CmdResult {
    let (now, mode) = (ctx.now_ms, ctx.server.expiry_mode);
    let (db, out) = ctx.db_and_out();
    match db.random_key(now, mode) {
        Some(key) => out.bulk(&key),
        None => out.null(),
    }
    Ok(())
}

/// RENAME key newkey
pub fn rename(ctx: &mut Ctx) -> CmdResult {
    if rename_generic(ctx, false)? {
        ctx.out().ok();
    }
    Ok(())
}

/// RENAMENX key newkey
pub fn renamenx(ctx: &mut Ctx) -> CmdResult {
    let renamed = rename_generic(ctx, true)?;
    ctx.out().int(i64::from(renamed));
    Ok(())
}

/// Renames argv[1] to argv[2]; false when nothing was done (same key, or NX and the target exists).
fn rename_generic(ctx: &mut Ctx, nx: bool) -> Result<bool, CommandError> {
    let (src, dst) = (ctx.arg(1), ctx.arg(2));
    if ctx.lookup_write(src).is_none() {
        return Err(CommandError::NoSuchKey);
    }
    if src == dst {
        // Renaming a key onto itself succeeds without touching the dataset (RENAMENX says 0).
        return Ok(!nx);
    }
    if ctx.lookup_write(dst).is_some() && nx {
        return Ok(false);
    }
    let db = ctx.db();
    let expire = db.expire_at(src);
    let access = db.peek(src).map_or(0, |entry| entry.access);
    let Some(value) = db.remove(src) else {
        return Err(CommandError::NoSuchKey);
    };
    db.set(dst, value, access);
    if let Some(when) = expire {
        db.set_expire(dst, when);
    }
    ctx.changed(1);
    ctx.notify(GENERIC, "rename_from", src);
    ctx.notify(GENERIC, "rename_to", dst);
    Ok(true)
}

/// COPY source destination [DB destination-db] [REPLACE]
pub fn copy(ctx: &mut Ctx) -> CmdResult {
    let (src, dst) = (ctx.arg(1), ctx.arg(2));
    let src_index = ctx.session.db;
    let mut dst_index = src_index;
    let mut replace = false;
    let mut index = 3;
    while index < ctx.argc() {
        if ctx.arg_is(index, "replace") {
            replace = true;
        } else if ctx.arg_is(index, "db") && index + 1 < ctx.argc() {
            let id = int32_arg(ctx, index + 1)?;
            dst_index = db_index(ctx, id)?;
            index += 1;
        } else {
            return Err(CommandError::Syntax);
        }
        index += 1;
    }
    if cluster_enabled(ctx) && (src_index != 0 || dst_index != 0) {
        return Err(CommandError::err("Copying to another database is not allowed in cluster mode"));
    }
    if src_index == dst_index && src == dst {
        return Err(same_object());
    }
    let Some(value) = ctx.lookup_read(src).cloned() else {
        ctx.out().int(0);
        return Ok(());
    };
    let expire = ctx.db().expire_at(src);
    let (now, mode) = (ctx.now_ms, ctx.server.expiry_mode);
    let clock = ctx.server.lru_clock(now);
    let target = &mut ctx.server.keyspace.dbs[dst_index];
    if exists_for_write(target, dst, now, mode, clock) {
        if !replace {
            ctx.out().int(0);
            return Ok(());
        }
        target.remove(dst);
    }
    // The copy is a new object: it starts with a fresh access clock, unlike RENAME and MOVE.
    target.set(dst, value, clock);
    if let Some(when) = expire {
        target.set_expire(dst, when);
    }
    ctx.changed(1);
    written_in(ctx, dst_index, dst, "copy_to");
    ctx.out().int(1);
    Ok(())
}

/// MOVE key db
pub fn move_key(ctx: &mut Ctx) -> CmdResult {
    if cluster_enabled(ctx) {
        return Err(CommandError::err("MOVE is not allowed in cluster mode"));
    }
    let key = ctx.arg(1);
    let id = int32_arg(ctx, 2)?;
    let dst_index = db_index(ctx, id)?;
    let src_index = ctx.session.db;
    if src_index == dst_index {
        return Err(same_object());
    }
    if ctx.lookup_write(key).is_none() {
        ctx.out().int(0);
        return Ok(());
    }
    let (now, mode) = (ctx.now_ms, ctx.server.expiry_mode);
    let clock = ctx.server.lru_clock(now);
    if exists_for_write(&mut ctx.server.keyspace.dbs[dst_index], key, now, mode, clock) {
        ctx.out().int(0);
        return Ok(());
    }
    let source = &mut ctx.server.keyspace.dbs[src_index];
    let expire = source.expire_at(key);
    let access = source.peek(key).map_or(clock, |entry| entry.access);
    let Some(value) = source.remove(key) else {
        ctx.out().int(0);
        return Ok(());
    };
    let target = &mut ctx.server.keyspace.dbs[dst_index];
    target.set(key, value, access);
    if let Some(when) = expire {
        target.set_expire(key, when);
    }
    ctx.changed(1);
    ctx.notify(GENERIC, "move_from", key);
    written_in(ctx, dst_index, key, "move_to");
    ctx.out().int(1);
    Ok(())
}

/// SWAPDB index1 index2
pub fn swapdb(ctx: &mut Ctx) -> CmdResult {
    if cluster_enabled(ctx) {
        return Err(CommandError::err("SWAPDB is not allowed in cluster mode"));
    }
    let first = int32_arg(ctx, 1).map_err(|_| CommandError::err("invalid first DB index"))?;
    let second = int32_arg(ctx, 2).map_err(|_| CommandError::err("invalid second DB index"))?;
    let first = db_index(ctx, first)?;
    let second = db_index(ctx, second)?;
    if !ctx.server.watches.is_empty() {
        let now = ctx.now_ms;
        let (watches, dbs) = (&mut ctx.server.watches, &ctx.server.keyspace.dbs);
        for (db, other) in [(first, second), (second, first)] {
            watches.replace_db(db, |key| presence(&dbs[db], key, now), |key| presence(&dbs[other], key, now));
        }
    }
    // Clients keep their database numbers, so they now see the other dataset, as in Redis.
    ctx.server.keyspace.dbs.swap(first, second);
    swapped_signals(ctx.server, first, second);
    ctx.changed(1);
    ctx.out().ok();
    Ok(())
}

/// After SWAPDB, the content under every awaited key of both databases may have changed: wake
/// clients blocked on a key that now holds a type they can pop from.
fn swapped_signals(server: &mut ServerState, first: usize, second: usize) {
    if server.blocking.is_empty() {
        return;
    }
    let mut ready = Vec::new();
    for client in server.clients.iter() {
        let Some(blocked) = server.blocking.get(client.id) else {
            continue;
        };
        if blocked.db != first && blocked.db != second {
            continue;
        }
        for key in &blocked.request.keys {
            let entry = server.keyspace.dbs[blocked.db].peek(key);
            if entry.is_some_and(|e| matches!(e.value.type_name(), "list" | "zset" | "stream")) {
                ready.push((blocked.db, key.clone()));
            }
        }
    }
    for (db, key) in ready {
        server.blocking.signal(db, &key);
    }
}

#[cfg(test)]
pub(crate) mod tests;
