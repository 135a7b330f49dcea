//! Search shapes (a circle or an axis-aligned box around a point), distances on the sphere, and the
//! cells a search must scan (Redis's `geohash_helper.c`).
//!
//! The formulas, their constants and the order of their floating point operations follow Redis, so
//! that points at the edge of a search fall on the same side and distances print the same digits.

use super::hash::{self, Area, HashBits, LAT_RANGE, LONG_RANGE};

/// Degrees to radians, `M_PI / 180`.
const DEG_TO_RAD: f64 = std::f64::consts::PI / 180.0;
/// The Earth's quadratic mean radius in metres, as Redis uses it.
pub const EARTH_RADIUS_M: f64 = 6_372_797.560856;
/// Half the Web Mercator world width in metres.
const MERCATOR_MAX: f64 = 20_037_726.37;

fn deg_rad(degrees: f64) -> f64 {
    degrees * DEG_TO_RAD
}

fn rad_deg(radians: f64) -> f64 {
    radians / DEG_TO_RAD
}

/// Distance in metres between two latitudes on one meridian (`geohashGetLatDistance`).
pub fn lat_distance(lat1: f64, lat2: f64) -> f64 {
    EARTH_RADIUS_M * (deg_rad(lat2) - deg_rad(lat1)).abs()
}

/// Great-circle (haversine) distance in metres between two points (`geohashGetDistance`).
pub fn distance(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let lon1r = deg_rad(lon1);
    let lon2r = deg_rad(lon2);
    let v = ((lon2r - lon1r) / 2.0).sin();
    // Same longitude: the haversine reduces to the latitude difference.
    if v == 0.0 {
        return lat_distance(lat1, lat2);
    }
    let lat1r = deg_rad(lat1);
    let lat2r = deg_rad(lat2);
    let u = ((lat2r - lat1r) / 2.0).sin();
    let a = u * u + lat1r.cos() * lat2r.cos() * v * v;
    2.0 * EARTH_RADIUS_M * a.sqrt().asin()
}

/// What a search covers around its centre, in the unit of the request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Extent {
    /// A circle of this radius.
    Radius(f64),
    /// A box of this width (east-west) and height (north-south).
    Box {
        /// East-west size.
        width: f64,
        /// North-south size.
        height: f64,
    },
}

/// A search area (`GeoShape`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    /// Centre longitude.
    pub longitude: f64,
    /// Centre latitude.
    pub latitude: f64,
    /// Metres per unit of the extent (1 for m, 1000 for km, 0.3048 for ft, 1609.34 for mi).
    pub to_meters: f64,
    /// The size of the area.
    pub extent: Extent,
}

impl Shape {
    /// The distance in metres from the centre to the point, when the point lies within the shape
    /// (`geoWithinShape`); a box checks the latitude distance first, then the longitude distance
    /// along the point's parallel.
    pub fn distance_if_within(&self, longitude: f64, latitude: f64) -> Option<f64> {
        match self.extent {
            Extent::Radius(radius) => {
                let d = distance(self.longitude, self.latitude, longitude, latitude);
                // Only "farther than the radius" excludes: a NaN distance counts as inside, as in Redis.
                match d.partial_cmp(&(radius * self.to_meters)) {
                    Some(std::cmp::Ordering::Greater) => None,
                    _ => Some(d),
                }
            }
            Extent::Box { width, height } => {
                let (width_m, height_m) = (width * self.to_meters, height * self.to_meters);
                if lat_distance(latitude, self.latitude) > height_m / 2.0 {
                    return None;
                }
                if distance(longitude, latitude, self.longitude, latitude) > width_m / 2.0 {
                    return None;
                }
                Some(distance(self.longitude, self.latitude, longitude, latitude))
            }
        }
    }

    /// The radius in metres the cell size is estimated from: the circle's, or the box's half diagonal.
    fn radius_m(&self) -> f64 {
        let radius = match self.extent {
            Extent::Radius(radius) => radius,
            Extent::Box { width, height } => ((width / 2.0) * (width / 2.0) + (height / 2.0) * (height / 2.0)).sqrt(),
        };
        radius * self.to_meters
    }

    /// The bounding box `[min lon, min lat, max lon, max lat]` (`geohashBoundingBox`): the
    /// longitude margin is measured at the edge nearer the pole.
    pub fn bounding_box(&self) -> [f64; 4] {
        let (half_height, half_width) = match self.extent {
            Extent::Radius(radius) => (self.to_meters * radius, self.to_meters * radius),
            Extent::Box { width, height } => (self.to_meters * (height / 2.0), self.to_meters * (width / 2.0)),
        };
        let lat_delta = rad_deg(half_height / EARTH_RADIUS_M);
        let long_delta = |lat: f64| rad_deg(half_width / EARTH_RADIUS_M / deg_rad(lat).cos());
        let long_delta = if self.latitude < 0.0 {
            long_delta(self.latitude - lat_delta)
        } else {
            long_delta(self.latitude + lat_delta)
        };
        [self.longitude - long_delta, self.latitude - lat_delta, self.longitude + long_delta, self.latitude + lat_delta]
    }
}

/// Bits per axis of the cells a search of `range_m` metres around `latitude` scans
/// (`geohashEstimateStepsByRadius`): cells about as wide as the range, wider towards the poles.
pub fn estimate_steps(range_m: f64, latitude: f64) -> u8 {
    if range_m == 0.0 {
        return 26;
    }
    let mut range = range_m;
    let mut step: i32 = 1;
    while range < MERCATOR_MAX {
        range *= 2.0;
        step += 1;
    }
    step -= 2;
    if !(-66.0..=66.0).contains(&latitude) {
        step -= 1;
        if !(-80.0..=80.0).contains(&latitude) {
            step -= 1;
        }
    }
    step.clamp(1, 26) as u8
}

/// The cells a search scans, in Redis's order: the centre cell, then north, south, east, west,
/// north-east, north-west, south-east, south-west. Cells the search cannot reach are
/// [`HashBits::ZERO`].
pub fn search_cells(shape: &Shape) -> [HashBits; 9] {
    let [min_lon, min_lat, max_lon, max_lat] = shape.bounding_box();
    let (longitude, latitude) = (shape.longitude, shape.latitude);
    let mut steps = estimate_steps(shape.radius_m(), latitude);
    let cells_at = |steps: u8| {
        let center = hash::encode(LONG_RANGE, LAT_RANGE, longitude, latitude, steps)
            .unwrap_or(HashBits { bits: 0, step: steps });
        (center, hash::neighbors(center))
    };
    let area_of = |cell: HashBits| hash::decode(LONG_RANGE, LAT_RANGE, cell).unwrap_or(ZERO_AREA);
    let (mut center, mut around) = cells_at(steps);
    // Near an edge of its cell the search may reach past the neighbours: use cells twice as big.
    let too_small = area_of(around.north).latitude.max < max_lat
        || area_of(around.south).latitude.min > min_lat
        || area_of(around.east).longitude.max < max_lon
        || area_of(around.west).longitude.min > min_lon;
    if steps > 1 && too_small {
        steps -= 1;
        (center, around) = cells_at(steps);
    }
    let area = area_of(center);
    if steps >= 2 {
        // Drop the neighbours on sides the bounding box does not reach.
        if area.latitude.min < min_lat {
            around.south = HashBits::ZERO;
            around.south_west = HashBits::ZERO;
            around.south_east = HashBits::ZERO;
        }
        if area.latitude.max > max_lat {
            around.north = HashBits::ZERO;
            around.north_east = HashBits::ZERO;
            around.north_west = HashBits::ZERO;
        }
        if area.longitude.min < min_lon {
            around.west = HashBits::ZERO;
            around.south_west = HashBits::ZERO;
            around.north_west = HashBits::ZERO;
        }
        if area.longitude.max > max_lon {
            around.east = HashBits::ZERO;
            around.south_east = HashBits::ZERO;
            around.north_east = HashBits::ZERO;
        }
    }
    [
        center,
        around.north,
        around.south,
        around.east,
        around.west,
        around.north_east,
        around.north_west,
        around.south_east,
        around.south_west,
    ]
}

/// What a failed decode leaves in Redis's zero-initialised area.
const ZERO_AREA: Area =
    Area { longitude: hash::Range { min: 0.0, max: 0.0 }, latitude: hash::Range { min: 0.0, max: 0.0 } };

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_match_redis() {
        assert_eq!(DEG_TO_RAD.to_bits(), 0.017453292519943295f64.to_bits());
    }

    #[test]
    fn distances_match_redis() {
        // GEODIST Palermo Catania as redis-server 7.0.15 computes it: 166274.1516 m.
        let [lon1, lat1] = hash::decode_score(3_479_099_956_230_698.0).unwrap();
        let [lon2, lat2] = hash::decode_score(3_479_447_370_796_909.0).unwrap();
        let d = distance(lon1, lat1, lon2, lat2);
        assert!((d - 166_274.151_6).abs() < 0.0001, "{d}");
        assert_eq!(distance(10.0, 1.0, 10.0, 2.0), lat_distance(1.0, 2.0));
        assert_eq!(distance(1.0, 2.0, 1.0, 2.0), 0.0);
    }

    #[test]
    fn steps_grow_as_the_range_shrinks() {
        assert_eq!(estimate_steps(0.0, 0.0), 26);
        assert_eq!(estimate_steps(1.0, 0.0), 24);
        assert_eq!(estimate_steps(1000.0, 0.0), 14);
        assert_eq!(estimate_steps(1000.0, 70.0), 13);
        assert_eq!(estimate_steps(1000.0, -85.0), 12);
        assert_eq!(estimate_steps(1e9, 0.0), 1);
    }

    #[test]
    fn a_box_checks_both_axes() {
        let shape = Shape {
            longitude: 0.0,
            latitude: 0.0,
            to_meters: 1000.0,
            extent: Extent::Box { width: 200.0, height: 100.0 },
        };
        assert!(shape.distance_if_within(0.8, 0.0).is_some());
        assert!(shape.distance_if_within(0.0, 0.8).is_none());
        assert!(shape.distance_if_within(0.0, 0.4).is_some());
        let circle = Shape { extent: Extent::Radius(100.0), ..shape };
        assert!(circle.distance_if_within(1.0, 0.0).is_none());
        assert!(circle.distance_if_within(0.8, 0.0).is_some());
        let [min_lon, min_lat, max_lon, max_lat] = circle.bounding_box();
        assert!(min_lon < -0.89 && max_lon > 0.89 && min_lat < -0.89 && max_lat > 0.89);
    }

    #[test]
    fn search_cells_cover_the_centre() {
        let shape = Shape { longitude: 15.0, latitude: 37.0, to_meters: 1000.0, extent: Extent::Radius(200.0) };
        let cells = search_cells(&shape);
        let center = hash::encode_wgs84(15.0, 37.0, cells[0].step).unwrap();
        assert_eq!(cells[0], center);
        assert!(cells.iter().all(|cell| cell.is_zero() || cell.step == center.step));
    }
}
