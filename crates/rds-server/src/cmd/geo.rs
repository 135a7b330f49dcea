//! GEO commands: GEOADD, GEOPOS, GEODIST and GEOHASH here; the searches (GEORADIUS,
//! GEORADIUSBYMEMBER, their _RO forms, GEOSEARCH, GEOSEARCHSTORE) in `geo/search.rs`.
//!
//! A geospatial index is a plain sorted set whose scores are 52-bit geohashes
//! (`rds_storage::geo`), so every sorted set command works on it. As in Redis, GEOADD is ZADD with
//! computed scores: it runs ZADD's handler and replicates as that ZADD, and options are compared
//! like C strings (`strcasecmp`), so an argument ends at its first NUL byte.

mod search;

use bytes::Bytes;
use rds_commands::CommandId;
use rds_resp::ReplyBuf;
use rds_storage::cstr::c_str;
use rds_storage::geo::{hash, text};
use rds_storage::zset::ZSet;
use rds_storage::Value;

use super::longdouble::LongDouble;
use super::zset::parse_score;
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};

pub use search::{georadius, georadius_ro, georadiusbymember, georadiusbymember_ro, geosearch, geosearchstore};

/// The sorted set at `key` for reading (hit/miss counted), with the reply buffer: `None` when
/// missing, WRONGTYPE for other types.
fn read_geo<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Result<(Option<&'c ZSet>, &'c mut ReplyBuf), CommandError> {
    match ctx.lookup_read_with_out(key) {
        (None, out) => Ok((None, out)),
        (Some(Value::ZSet(zset)), out) => Ok((Some(zset), out)),
        (Some(_), _) => Err(CommandError::WrongType),
    }
}

/// True when `arg`, read as a C string, equals `word` ignoring case (`strcasecmp`).
fn is_word(arg: &[u8], word: &str) -> bool {
    c_str(arg).eq_ignore_ascii_case(word.as_bytes())
}

/// The metres in one `unit` (m, km, ft, mi, any case).
fn unit_arg(unit: &[u8]) -> Result<f64, CommandError> {
    match () {
        _ if is_word(unit, "m") => Ok(1.0),
        _ if is_word(unit, "km") => Ok(1000.0),
        _ if is_word(unit, "ft") => Ok(0.3048),
        _ if is_word(unit, "mi") => Ok(1609.34),
        _ => Err(CommandError::err("unsupported unit provided. please use M, KM, FT, MI")),
    }
}

/// The longitude and latitude at arguments `at` and `at + 1`, checked against what a score can hold.
fn lon_lat_args(argv: &[Bytes], at: usize) -> Result<[f64; 2], CommandError> {
    let number = |index: usize| argv.get(index).and_then(|arg| parse_score(arg)).ok_or(CommandError::NotFloat);
    let (longitude, latitude) = (number(at)?, number(at + 1)?);
    if !(hash::LONG_MIN..=hash::LONG_MAX).contains(&longitude) || !(hash::LAT_MIN..=hash::LAT_MAX).contains(&latitude) {
        return Err(CommandError::err(format!("invalid longitude,latitude pair {longitude:.6},{latitude:.6}")));
    }
    Ok([longitude, latitude])
}

/// An option argument cut at its first NUL byte, shared when it has none.
fn argv_word(arg: &Bytes) -> Bytes {
    arg.slice(..c_str(arg).len())
}

/// The position of `member`, decoded from its score; `None` when it is not in the set.
fn member_position(zset: &ZSet, member: &[u8]) -> Option<[f64; 2]> {
    zset.score(member).and_then(hash::decode_score)
}

/// Writes a coordinate as Redis's `addReplyHumanLongDouble` does: a bulk string in RESP2, a double in
/// RESP3, both with up to 17 decimals.
fn reply_coordinate(out: &mut ReplyBuf, value: f64) {
    let text = LongDouble::from(value).to_human_string();
    if out.is_resp3() {
        out.raw(b",");
        out.raw(text.as_bytes());
        out.raw(b"\r\n");
    } else {
        out.bulk(text.as_bytes());
    }
}

/// Writes a `[longitude, latitude]` pair.
fn reply_position(out: &mut ReplyBuf, [longitude, latitude]: [f64; 2]) {
    out.array(2);
    reply_coordinate(out, longitude);
    reply_coordinate(out, latitude);
}

/// GEOADD key [NX|XX] [CH] longitude latitude member [longitude latitude member ...]: ZADD with the
/// members' geohashes as scores, replicated as that ZADD.
pub fn geoadd(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let (mut nx, mut xx) = (false, false);
    let mut first = 2;
    while let Some(arg) = argv.get(first) {
        if is_word(arg, "nx") {
            nx = true;
        } else if is_word(arg, "xx") {
            xx = true;
        } else if !is_word(arg, "ch") {
            break;
        }
        first += 1;
    }
    let elements = argv.len() - first;
    if !elements.is_multiple_of(3) || (nx && xx) {
        return Err(CommandError::Syntax);
    }
    let mut zadd_argv: Vec<Bytes> = Vec::with_capacity(first + elements / 3 * 2);
    zadd_argv.push(Bytes::from_static(b"zadd"));
    zadd_argv.extend(argv.get(1).cloned());
    // Options cut at a NUL byte, as `strcasecmp` reads them, so ZADD sees the option GEOADD saw.
    zadd_argv.extend(argv.iter().take(first).skip(2).map(argv_word));
    for at in (first..argv.len()).step_by(3) {
        let [longitude, latitude] = lon_lat_args(argv, at)?;
        let score = hash::score_of(longitude, latitude).ok_or(CommandError::NotFloat)?;
        zadd_argv.push(Bytes::from(score.to_string()));
        zadd_argv.push(argv.get(at + 2).cloned().unwrap_or_default());
    }
    let spec = rds_commands::spec(CommandId::ZAdd);
    let mut zadd = Ctx::new(&mut *ctx.server, &mut *ctx.session, &zadd_argv, spec, ctx.now_ms);
    super::zset::zadd(&mut zadd)?;
    let changes = zadd.changes;
    if changes > 0 {
        ctx.changed(changes);
        ctx.propagate(zadd_argv);
    }
    Ok(())
}

/// GEOPOS key [member ...]: each member's position, or a null array when it is missing.
pub fn geopos(ctx: &mut Ctx) -> CmdResult {
    reply_per_member(ctx, |out, zset, member| match zset.and_then(|zset| member_position(zset, member)) {
        Some(position) => reply_position(out, position),
        None => out.null_array(),
    })
}

/// GEODIST key member1 member2 [M|KM|FT|MI]: the distance with 4 decimals, or null when a member
/// (or the key) is missing.
pub fn geodist(ctx: &mut Ctx) -> CmdResult {
    let to_meters = match ctx.argc() {
        5 => unit_arg(ctx.arg(4))?,
        argc if argc > 5 => return Err(CommandError::Syntax),
        _ => 1.0,
    };
    let (key, first, second) = (ctx.arg(1), ctx.arg(2), ctx.arg(3));
    let (zset, out) = read_geo(ctx, key)?;
    let positions = zset.and_then(|zset| Some((member_position(zset, first)?, member_position(zset, second)?)));
    match positions {
        Some(([lon1, lat1], [lon2, lat2])) => {
            let meters = rds_storage::geo::shape::distance(lon1, lat1, lon2, lat2);
            out.bulk(text::distance(meters / to_meters).as_bytes());
        }
        None => out.null(),
    }
    Ok(())
}

/// GEOHASH key [member ...]: each member's 11-character geohash, or null when it is missing.
pub fn geohash(ctx: &mut Ctx) -> CmdResult {
    reply_per_member(ctx, |out, zset, member| {
        match zset.and_then(|zset| zset.score(member)).and_then(hash::standard_geohash) {
            Some(text) => out.bulk(&text),
            None => out.null(),
        }
    })
}

/// Replies an array with one element per member named in arguments 2.., written by `each` from the
/// sorted set at argument 1 (`None` when the key is missing).
fn reply_per_member(ctx: &mut Ctx, each: impl Fn(&mut ReplyBuf, Option<&ZSet>, &[u8])) -> CmdResult {
    let members = ctx.argv.get(2..).unwrap_or_default();
    let key = ctx.arg(1);
    let (zset, out) = read_geo(ctx, key)?;
    out.array(members.len());
    for member in members {
        each(out, zset, member);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_compare_like_c_strings() {
        assert!(is_word(b"WithDist", "withdist"));
        assert!(is_word(b"km\0junk", "km"));
        assert!(!is_word(b"kmx", "km"));
        assert_eq!(unit_arg(b"KM").ok(), Some(1000.0));
        assert!(unit_arg(b"yd").is_err());
    }
}
