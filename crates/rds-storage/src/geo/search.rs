//! Searching a sorted set of geohash scores (`membersOfAllNeighbors`): each cell of
//! [`search_cells`] is a contiguous score interval, scanned in score order, and each point in it
//! is kept when it lies inside the shape.

use std::cmp::Ordering;

use super::hash::{decode_score, HashBits};
use super::shape::{search_cells, Shape};
use super::sort::merge_sort;
use crate::pqsort::partial_sort;
use crate::zset::{Limit, ScoreRange, ZSet};

/// One point found by a search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint<'a> {
    /// The member.
    pub member: &'a [u8],
    /// Its score (the 52-bit geohash).
    pub score: f64,
    /// Decoded longitude.
    pub longitude: f64,
    /// Decoded latitude.
    pub latitude: f64,
    /// Distance from the centre of the search, in metres.
    pub distance: f64,
}

/// The order of search results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    /// The order points were found in.
    Unsorted,
    /// Nearest first.
    Ascending,
    /// Farthest first.
    Descending,
}

/// The points of `zset` within `shape`, in the order Redis finds them; with `limit` > 0 the scan
/// stops as soon as that many were found (COUNT ... ANY).
pub fn search<'a>(zset: &'a ZSet, shape: &Shape, limit: usize) -> Vec<GeoPoint<'a>> {
    let cells = search_cells(shape);
    let mut found = Vec::new();
    let mut last_scanned = 0;
    for (index, cell) in cells.iter().enumerate() {
        if cell.is_zero() {
            continue;
        }
        // Very large areas give neighbours equal to each other: skip a repeat of the last scanned
        // one (the centre cell, index 0, is never compared, as in Redis).
        if last_scanned != 0 && cells.get(last_scanned) == Some(cell) {
            continue;
        }
        if limit > 0 && found.len() >= limit {
            break;
        }
        scan_cell(zset, *cell, shape, limit, &mut found);
        last_scanned = index;
    }
    found
}

/// Appends the points of one cell's score interval `[min, max)` that lie within `shape`.
fn scan_cell<'a>(zset: &'a ZSet, cell: HashBits, shape: &Shape, limit: usize, found: &mut Vec<GeoPoint<'a>>) {
    let min = cell.align52() as f64;
    let max = HashBits { bits: cell.bits.wrapping_add(1), step: cell.step }.align52() as f64;
    let range = ScoreRange { min, max, min_exclusive: false, max_exclusive: true };
    for (member, score) in zset.range_by_score(&range, false, Limit::NONE) {
        if let Some([longitude, latitude]) = decode_score(score) {
            if let Some(distance) = shape.distance_if_within(longitude, latitude) {
                found.push(GeoPoint { member, score, longitude, latitude, distance });
            }
        }
        if limit > 0 && found.len() >= limit {
            break;
        }
    }
}

/// Redis's comparator: the sign of the distance difference, "less" whenever a NaN is involved.
fn by_distance(a: &GeoPoint, b: &GeoPoint) -> Ordering {
    if a.distance > b.distance {
        Ordering::Greater
    } else if a.distance == b.distance {
        Ordering::Equal
    } else {
        Ordering::Less
    }
}

/// Orders `points` as Redis does before replying `returned` of them: a full sort when every point
/// is returned, a partial one (only the first `returned` ranks) otherwise.
pub fn sort_points(points: &mut [GeoPoint], order: SortOrder, returned: usize) {
    let descending = |a: &GeoPoint, b: &GeoPoint| by_distance(a, b).reverse();
    let last = i64::try_from(returned).unwrap_or(i64::MAX) - 1;
    match order {
        SortOrder::Unsorted => {}
        SortOrder::Ascending if returned >= points.len() => merge_sort(points, &by_distance),
        SortOrder::Descending if returned >= points.len() => merge_sort(points, &descending),
        SortOrder::Ascending => partial_sort(points, 0, last, &mut by_distance),
        SortOrder::Descending => partial_sort(points, 0, last, &mut |a: &GeoPoint, b: &GeoPoint| descending(a, b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::hash::score_of;
    use crate::geo::shape::Extent;
    use crate::zset::ZSetLimits;

    fn sicily() -> ZSet {
        let mut zset = ZSet::new();
        let limits = ZSetLimits::default();
        for (name, lon, lat) in [
            ("Palermo", 13.361389, 38.115556),
            ("Catania", 15.087269, 37.502669),
            ("Agrigento", 13.583333, 37.316667),
            ("Rome", 12.496366, 41.902782),
        ] {
            let score = score_of(lon, lat).unwrap() as f64;
            zset.add(name.as_bytes(), score, Default::default(), &limits).unwrap();
        }
        zset
    }

    #[test]
    fn finds_points_within_a_radius() {
        let zset = sicily();
        let shape = Shape { longitude: 15.0, latitude: 37.0, to_meters: 1000.0, extent: Extent::Radius(200.0) };
        let mut found = search(&zset, &shape, 0);
        let all = found.len();
        sort_points(&mut found, SortOrder::Ascending, all);
        let names: Vec<&[u8]> = found.iter().map(|p| p.member).collect();
        assert_eq!(names, vec![&b"Catania"[..], b"Agrigento", b"Palermo"]);
        // GEORADIUS ... WITHDIST on redis-server 7.0.15 prints 56.4413 km.
        assert!((found[0].distance / 1000.0 - 56.4413).abs() < 0.00005, "{}", found[0].distance);
        let any = search(&zset, &shape, 1);
        assert_eq!(any.len(), 1);
    }

    #[test]
    fn finds_points_within_a_box() {
        let zset = sicily();
        let shape = Shape {
            longitude: 13.0,
            latitude: 38.0,
            to_meters: 1000.0,
            extent: Extent::Box { width: 200.0, height: 200.0 },
        };
        let mut found = search(&zset, &shape, 0);
        sort_points(&mut found, SortOrder::Descending, 1);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].member, b"Agrigento");
    }
}
