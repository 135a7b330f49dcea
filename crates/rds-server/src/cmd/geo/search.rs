//! The GEO searches, one parser for all of them like Redis's `georadiusGeneric`: GEORADIUS and
//! GEORADIUSBYMEMBER (with STORE / STOREDIST), their read-only _RO forms, GEOSEARCH and
//! GEOSEARCHSTORE.
//!
//! Redis's order of checks is kept because it decides which error a bad request gets: the source
//! key's type first, then the fixed arguments, then the options left to right (each validated when
//! met), then the combinations. A missing source key still parses everything (GEORADIUSBYMEMBER
//! and FROMMEMBER skip the member lookup), then replies an empty array, or 0 after deleting the
//! destination of a STORE.

use bytes::Bytes;
use rds_resp::ReplyBuf;
use rds_storage::geo::{self, text, Extent, GeoPoint, Shape, SortOrder};
use rds_storage::zset::{ZSet, ZSetLimits};
use rds_storage::Value;

use super::{is_word, lon_lat_args, member_position, read_geo, reply_position, unit_arg};
use crate::cmd::zset::parse_score;
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError};
use crate::notify::{GENERIC, ZSET};

/// Which command family is parsing (Redis's RADIUS_COORDS / RADIUS_MEMBER / GEOSEARCH flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    /// GEORADIUS key longitude latitude radius unit ...
    Radius,
    /// GEORADIUSBYMEMBER key member radius unit ...
    RadiusByMember,
    /// GEOSEARCH key FROM... BY... ...
    Search,
    /// GEOSEARCHSTORE destination source FROM... BY... ...
    SearchStore,
}

impl Variant {
    fn is_search(self) -> bool {
        matches!(self, Variant::Search | Variant::SearchStore)
    }
}

/// Where results go instead of the reply.
#[derive(Debug, Clone, Copy)]
struct Store {
    /// Argument index of the destination key.
    key_at: usize,
    /// Store distances (STOREDIST) rather than geohashes as scores.
    distances: bool,
}

/// A parsed search request.
struct Query {
    center: Option<[f64; 2]>,
    extent: Option<(Extent, f64)>,
    store: Option<Store>,
    with_dist: bool,
    with_hash: bool,
    with_coord: bool,
    order: SortOrder,
    count: usize,
    any: bool,
}

impl Query {
    /// The search area, once both its centre and its extent are known.
    fn shape(&self) -> Option<Shape> {
        let [longitude, latitude] = self.center?;
        let (extent, to_meters) = self.extent?;
        Some(Shape { longitude, latitude, to_meters, extent })
    }
}

/// `radius unit` at `at`: the radius in its unit and the unit's metres.
fn radius_args(argv: &[Bytes], at: usize) -> Result<(Extent, f64), CommandError> {
    let arg = |index: usize| argv.get(index).map_or(&[][..], |a| a.as_ref());
    let radius = parse_score(arg(at)).ok_or_else(|| CommandError::err("need numeric radius"))?;
    if radius < 0.0 {
        return Err(CommandError::err("radius cannot be negative"));
    }
    Ok((Extent::Radius(radius), unit_arg(arg(at + 1))?))
}

/// `width height unit` at `at`.
fn box_args(argv: &[Bytes], at: usize) -> Result<(Extent, f64), CommandError> {
    let arg = |index: usize| argv.get(index).map_or(&[][..], |a| a.as_ref());
    let width = parse_score(arg(at)).ok_or_else(|| CommandError::err("need numeric width"))?;
    let height = parse_score(arg(at + 1)).ok_or_else(|| CommandError::err("need numeric height"))?;
    if height < 0.0 || width < 0.0 {
        return Err(CommandError::err("height or width cannot be negative"));
    }
    Ok((Extent::Box { width, height }, unit_arg(arg(at + 2))?))
}

/// The position of `member` in `zset`, or Redis's error for a member it cannot find.
fn member_center(zset: &ZSet, member: &[u8]) -> Result<[f64; 2], CommandError> {
    member_position(zset, member).ok_or_else(|| CommandError::err("could not decode requested zset member"))
}

/// Which of GEOSEARCH's FROM* and BY* options were given.
#[derive(Default)]
struct Given {
    from_member: bool,
    from_lonlat: bool,
    by_radius: bool,
    by_box: bool,
}

/// Parses the arguments after the source key, as `georadiusGeneric` does.
fn parse(argv: &[Bytes], variant: Variant, no_store: bool, zset: Option<&ZSet>) -> Result<Query, CommandError> {
    let mut query = Query {
        center: None,
        extent: None,
        store: None,
        with_dist: false,
        with_hash: false,
        with_coord: false,
        order: SortOrder::Unsorted,
        count: 0,
        any: false,
    };
    let mut i = parse_fixed(argv, variant, zset, &mut query)?;
    let mut given = Given::default();
    while i < argv.len() {
        i += 1 + parse_option(argv, i, variant, no_store, zset, &mut query, &mut given)?;
    }
    check_combination(argv, variant, &query, &given)?;
    Ok(query)
}

/// Parses the fixed arguments of GEORADIUS / GEORADIUSBYMEMBER (GEOSEARCHSTORE's are keys);
/// returns where the options begin.
fn parse_fixed(
    argv: &[Bytes],
    variant: Variant,
    zset: Option<&ZSet>,
    query: &mut Query,
) -> Result<usize, CommandError> {
    Ok(match variant {
        Variant::Radius => {
            query.center = Some(lon_lat_args(argv, 2)?);
            query.extent = Some(radius_args(argv, 4)?);
            6
        }
        Variant::RadiusByMember => {
            // Without a source key the member cannot be looked up; the reply is empty anyway.
            if let Some(zset) = zset {
                query.center = Some(member_center(zset, argv.get(2).map_or(&[][..], |a| a.as_ref()))?);
                query.extent = Some(radius_args(argv, 3)?);
            }
            5
        }
        Variant::Search => 2,
        Variant::SearchStore => {
            query.store = Some(Store { key_at: 1, distances: false });
            3
        }
    })
}

/// Parses the option at argument `i`; returns how many of its values it consumed.
fn parse_option(
    argv: &[Bytes],
    i: usize,
    variant: Variant,
    no_store: bool,
    zset: Option<&ZSet>,
    query: &mut Query,
    given: &mut Given,
) -> Result<usize, CommandError> {
    let arg = |index: usize| argv.get(index).map_or(&[][..], |a| a.as_ref());
    let (word, left, search) = (arg(i), argv.len() - i - 1, variant.is_search());
    let flag = |name: &str| is_word(word, name);
    if flag("withdist") {
        query.with_dist = true;
    } else if flag("withhash") {
        query.with_hash = true;
    } else if flag("withcoord") {
        query.with_coord = true;
    } else if flag("any") {
        query.any = true;
    } else if flag("asc") {
        query.order = SortOrder::Ascending;
    } else if flag("desc") {
        query.order = SortOrder::Descending;
    } else if flag("count") && left >= 1 {
        let count = rds_storage::num::parse_i64(arg(i + 1)).ok_or(CommandError::NotInteger)?;
        if count <= 0 {
            return Err(CommandError::err("COUNT must be > 0"));
        }
        query.count = usize::try_from(count).unwrap_or(usize::MAX);
        return Ok(1);
    } else if (flag("store") || flag("storedist")) && left >= 1 && !no_store && !search {
        query.store = Some(Store { key_at: i + 1, distances: flag("storedist") });
        return Ok(1);
    } else if flag("storedist") && variant == Variant::SearchStore {
        query.store = Some(Store { key_at: 1, distances: true });
    } else if flag("frommember") && left >= 1 && search && !given.from_lonlat {
        if let Some(zset) = zset {
            query.center = Some(member_center(zset, arg(i + 1))?);
        }
        given.from_member = true;
        return Ok(1);
    } else if flag("fromlonlat") && left >= 2 && search && !given.from_member {
        query.center = Some(lon_lat_args(argv, i + 1)?);
        given.from_lonlat = true;
        return Ok(2);
    } else if flag("byradius") && left >= 2 && search && !given.by_box {
        query.extent = Some(radius_args(argv, i + 1)?);
        given.by_radius = true;
        return Ok(2);
    } else if flag("bybox") && left >= 3 && search && !given.by_radius {
        query.extent = Some(box_args(argv, i + 1)?);
        given.by_box = true;
        return Ok(3);
    } else {
        return Err(CommandError::Syntax);
    }
    Ok(0)
}

/// The checks Redis makes once every option was read, in its order.
fn check_combination(argv: &[Bytes], variant: Variant, query: &Query, given: &Given) -> Result<(), CommandError> {
    if query.store.is_some() && (query.with_dist || query.with_hash || query.with_coord) {
        let what = if variant == Variant::SearchStore { "GEOSEARCHSTORE" } else { "STORE option in GEORADIUS" };
        return Err(CommandError::err(format!(
            "{what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
        )));
    }
    // Redis names the command as the client spelled it.
    let name = String::from_utf8_lossy(argv.first().map_or(&[][..], |a| a.as_ref()));
    if variant.is_search() && !(given.from_member || given.from_lonlat) {
        return Err(CommandError::err(format!("exactly one of FROMMEMBER or FROMLONLAT can be specified for {name}")));
    }
    if variant.is_search() && !(given.by_radius || given.by_box) {
        return Err(CommandError::err(format!("exactly one of BYRADIUS and BYBOX can be specified for {name}")));
    }
    if query.any && query.count == 0 {
        return Err(CommandError::err("the ANY argument requires COUNT argument"));
    }
    Ok(())
}

/// Writes the first `returned` points as the reply: members alone, or [member, distance, hash,
/// [longitude, latitude]] arrays with the requested parts.
fn reply_points(out: &mut ReplyBuf, points: &[GeoPoint], query: &Query, to_meters: f64) {
    let extras = usize::from(query.with_dist) + usize::from(query.with_hash) + usize::from(query.with_coord);
    out.array(points.len());
    for point in points {
        if extras > 0 {
            out.array(extras + 1);
        }
        out.bulk(point.member);
        if query.with_dist {
            out.bulk(text::distance(point.distance / to_meters).as_bytes());
        }
        if query.with_hash {
            out.int(point.score as i64);
        }
        if query.with_coord {
            reply_position(out, [point.longitude, point.latitude]);
        }
    }
}

/// The sorted set a STORE writes: the points' geohashes, or their distances in the request's unit.
fn stored_set(points: &[GeoPoint], distances: bool, to_meters: f64, limits: &ZSetLimits) -> ZSet {
    let mut result = ZSet::new();
    for point in points {
        let score = if distances { point.distance / to_meters } else { point.score };
        // Members are distinct and scores are numbers, so adding cannot fail.
        let _ = result.add(point.member, score, Default::default(), limits);
    }
    result
}

/// Stores `result` at the destination (an empty result deletes it) and replies its size.
fn store_result(ctx: &mut Ctx, store: Store, result: ZSet, event: &str) {
    let key = ctx.arg(store.key_at);
    let len = result.len();
    if len > 0 {
        ctx.set_value(key, Value::ZSet(Box::new(result)));
        ctx.notify(ZSET, event, key);
        ctx.changed(len as u64);
        ctx.modified_key(store.key_at);
    } else if ctx.db().remove(key).is_some() {
        ctx.notify(GENERIC, "del", key);
        ctx.changed(1);
        ctx.modified_key(store.key_at);
    }
    ctx.out().int(len as i64);
}

/// Runs a search with the source key at `src_at` (`georadiusGeneric`).
fn search_generic(ctx: &mut Ctx, src_at: usize, variant: Variant, no_store: bool) -> CmdResult {
    let argv = ctx.argv;
    let limits = ctx.server.settings.zset_limits;
    let key = ctx.arg(src_at);
    let (zset, out) = read_geo(ctx, key)?;
    let query = parse(argv, variant, no_store, zset)?;
    let event = if variant.is_search() { "geosearchstore" } else { "georadiusstore" };
    let (Some(zset), Some(shape)) = (zset, query.shape()) else {
        match query.store {
            Some(store) => store_result(ctx, store, ZSet::new(), event),
            None => ctx.out().array(0),
        }
        return Ok(());
    };
    let order = match query.order {
        SortOrder::Unsorted if query.count != 0 && !query.any => SortOrder::Ascending,
        order => order,
    };
    let mut points = geo::search(zset, &shape, if query.any { query.count } else { 0 });
    let returned = if query.count == 0 { points.len() } else { points.len().min(query.count) };
    geo::sort_points(&mut points, order, returned);
    let points = points.get(..returned).unwrap_or_default();
    match query.store {
        None => reply_points(out, points, &query, shape.to_meters),
        Some(store) => {
            let result = stored_set(points, store.distances, shape.to_meters, &limits);
            store_result(ctx, store, result, event);
        }
    }
    Ok(())
}

/// GEORADIUS key longitude latitude radius unit [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT n [ANY]]
/// [ASC|DESC] [STORE key|STOREDIST key]
pub fn georadius(ctx: &mut Ctx) -> CmdResult {
    search_generic(ctx, 1, Variant::Radius, false)
}

/// GEORADIUS_RO: GEORADIUS without STORE.
pub fn georadius_ro(ctx: &mut Ctx) -> CmdResult {
    search_generic(ctx, 1, Variant::Radius, true)
}

/// GEORADIUSBYMEMBER key member radius unit [options as GEORADIUS]
pub fn georadiusbymember(ctx: &mut Ctx) -> CmdResult {
    search_generic(ctx, 1, Variant::RadiusByMember, false)
}

/// GEORADIUSBYMEMBER_RO: GEORADIUSBYMEMBER without STORE.
pub fn georadiusbymember_ro(ctx: &mut Ctx) -> CmdResult {
    search_generic(ctx, 1, Variant::RadiusByMember, true)
}

/// GEOSEARCH key FROMMEMBER member|FROMLONLAT longitude latitude BYRADIUS radius unit|BYBOX width
/// height unit [ASC|DESC] [COUNT n [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]
pub fn geosearch(ctx: &mut Ctx) -> CmdResult {
    search_generic(ctx, 1, Variant::Search, false)
}

/// GEOSEARCHSTORE destination source FROM... BY... [ASC|DESC] [COUNT n [ANY]] [STOREDIST]
pub fn geosearchstore(ctx: &mut Ctx) -> CmdResult {
    search_generic(ctx, 2, Variant::SearchStore, false)
}
