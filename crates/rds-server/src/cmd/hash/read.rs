//! Hash readers: HGET, HMGET, HLEN, HSTRLEN, HEXISTS, HKEYS, HVALS and HGETALL. A missing key reads as
//! an empty hash; replies are written straight from the stored bytes.

use super::read_hash;
use crate::ctx::Ctx;
use crate::error::CmdResult;

/// HGET key field: the value, or null.
pub fn hget(ctx: &mut Ctx) -> CmdResult {
    let (key, field) = (ctx.arg(1), ctx.arg(2));
    match read_hash(ctx, key)? {
        (Some(hash), out) => match hash.get(field) {
            Some(value) => out.bulk(value),
            None => out.null(),
        },
        (None, out) => out.null(),
    }
    Ok(())
}

/// HMGET key field [field ...]: one value or null per field.
pub fn hmget(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.arg(1);
    let fields = ctx.argv.get(2..).unwrap_or_default();
    let (hash, out) = read_hash(ctx, key)?;
    out.array(fields.len());
    for field in fields {
        match hash.and_then(|hash| hash.get(field)) {
            Some(value) => out.bulk(value),
            None => out.null(),
        }
    }
    Ok(())
}

/// HLEN key: the number of fields.
pub fn hlen(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.arg(1);
    let (hash, out) = read_hash(ctx, key)?;
    out.int(hash.map_or(0, |hash| hash.len() as i64));
    Ok(())
}

/// HSTRLEN key field: the length of the value, 0 when absent.
pub fn hstrlen(ctx: &mut Ctx) -> CmdResult {
    let (key, field) = (ctx.arg(1), ctx.arg(2));
    let (hash, out) = read_hash(ctx, key)?;
    out.int(hash.and_then(|hash| hash.get(field)).map_or(0, |value| value.len() as i64));
    Ok(())
}

/// HEXISTS key field: 1 when the field exists.
pub fn hexists(ctx: &mut Ctx) -> CmdResult {
    let (key, field) = (ctx.arg(1), ctx.arg(2));
    let (hash, out) = read_hash(ctx, key)?;
    out.int(i64::from(hash.is_some_and(|hash| hash.contains(field))));
    Ok(())
}

/// What HKEYS, HVALS and HGETALL return of each pair.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Parts {
    Fields,
    Values,
    Both,
}

/// Writes every pair's `parts`: a map for HGETALL (a flat array in RESP2), an array otherwise.
fn get_all(ctx: &mut Ctx, parts: Parts) -> CmdResult {
    let key = ctx.arg(1);
    let (hash, out) = read_hash(ctx, key)?;
    let len = hash.map_or(0, |hash| hash.len());
    if parts == Parts::Both {
        out.map(len);
    } else {
        out.array(len);
    }
    for (field, value) in hash.into_iter().flat_map(|hash| hash.iter()) {
        if parts != Parts::Values {
            out.bulk(field);
        }
        if parts != Parts::Fields {
            out.bulk(value);
        }
    }
    Ok(())
}

/// HKEYS key: every field.
pub fn hkeys(ctx: &mut Ctx) -> CmdResult {
    get_all(ctx, Parts::Fields)
}

/// HVALS key: every value.
pub fn hvals(ctx: &mut Ctx) -> CmdResult {
    get_all(ctx, Parts::Values)
}

/// HGETALL key: every field and value.
pub fn hgetall(ctx: &mut Ctx) -> CmdResult {
    get_all(ctx, Parts::Both)
}
