//! Geohashes as Redis computes them: a longitude/latitude pair becomes two integers of `step` bits
//! (the cell's position along each axis), interleaved so that the latitude bits sit in the even
//! positions and the longitude bits in the odd ones. At 26 steps the 52-bit result is a sorted
//! set score that doubles survive exactly.
//!
//! Every operation follows Redis's arithmetic step by step (the same divisions and
//! multiplications in the same order), because replies print decoded coordinates with 17 decimals
//! and scores must be identical for identical input.

/// Smallest longitude GEOADD accepts.
pub const LONG_MIN: f64 = -180.0;
/// Largest longitude GEOADD accepts.
pub const LONG_MAX: f64 = 180.0;
/// Smallest latitude GEOADD accepts (the limit of the Web Mercator projection, EPSG:3857).
pub const LAT_MIN: f64 = -85.05112878;
/// Largest latitude GEOADD accepts.
pub const LAT_MAX: f64 = 85.05112878;
/// Bits per axis of a stored score: 26 + 26 = 52.
pub const STEP_MAX: u8 = 26;

/// An interval of one axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// Lower end.
    pub min: f64,
    /// Upper end.
    pub max: f64,
}

impl Range {
    /// True when both ends are 0 (Redis's `RANGEISZERO`: an unusable range).
    fn is_zero(&self) -> bool {
        self.min == 0.0 && self.max == 0.0
    }
}

/// The longitude range of stored scores.
pub const LONG_RANGE: Range = Range { min: LONG_MIN, max: LONG_MAX };
/// The latitude range of stored scores.
pub const LAT_RANGE: Range = Range { min: LAT_MIN, max: LAT_MAX };
/// The latitude range of standard geohash strings (GEOHASH's output).
pub const STANDARD_LAT_RANGE: Range = Range { min: -90.0, max: 90.0 };

/// An interleaved hash of `step` bits per axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashBits {
    /// The interleaved bits (latitude in even positions, longitude in odd ones).
    pub bits: u64,
    /// Bits per axis.
    pub step: u8,
}

impl HashBits {
    /// The "no area" marker Redis uses for search boxes it drops (`GZERO`).
    pub const ZERO: HashBits = HashBits { bits: 0, step: 0 };

    /// True for [`HashBits::ZERO`] (`HASHISZERO`).
    pub fn is_zero(&self) -> bool {
        self.bits == 0 && self.step == 0
    }

    /// The hash left-aligned to 52 bits: the smallest score of the cell (`geohashAlign52Bits`).
    pub fn align52(&self) -> u64 {
        let shift = 52u32.saturating_sub(u32::from(self.step) * 2);
        self.bits.checked_shl(shift).unwrap_or(0)
    }
}

/// A cell: the ranges of both axes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    /// Longitude range.
    pub longitude: Range,
    /// Latitude range.
    pub latitude: Range,
}

/// The eight cells around a cell, same step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Neighbors {
    /// North.
    pub north: HashBits,
    /// South.
    pub south: HashBits,
    /// East.
    pub east: HashBits,
    /// West.
    pub west: HashBits,
    /// North-east.
    pub north_east: HashBits,
    /// North-west.
    pub north_west: HashBits,
    /// South-east.
    pub south_east: HashBits,
    /// South-west.
    pub south_west: HashBits,
}

/// Spreads the low 32 bits of `value` to the even bit positions.
fn spread(value: u32) -> u64 {
    let mut x = u64::from(value);
    x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF;
    x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x << 2)) & 0x3333_3333_3333_3333;
    (x | (x << 1)) & 0x5555_5555_5555_5555
}

/// Gathers the even bit positions of `value` into the low 32 bits.
fn gather(value: u64) -> u32 {
    let mut x = value & 0x5555_5555_5555_5555;
    x = (x | (x >> 1)) & 0x3333_3333_3333_3333;
    x = (x | (x >> 2)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x >> 4)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x >> 8)) & 0x0000_FFFF_0000_FFFF;
    x = (x | (x >> 16)) & 0x0000_0000_FFFF_FFFF;
    x as u32
}

/// Interleaves latitude (even bits) and longitude (odd bits) cell positions.
fn interleave(lat: u32, long: u32) -> u64 {
    spread(lat) | (spread(long) << 1)
}

/// The cell of `longitude`, `latitude` at `step` bits per axis within the given ranges
/// (`geohashEncode`); `None` outside them, or outside the coordinates GEOADD accepts.
pub fn encode(long_range: Range, lat_range: Range, longitude: f64, latitude: f64, step: u8) -> Option<HashBits> {
    if step == 0 || step > 32 || lat_range.is_zero() || long_range.is_zero() {
        return None;
    }
    if !(LONG_MIN..=LONG_MAX).contains(&longitude) || !(LAT_MIN..=LAT_MAX).contains(&latitude) {
        return None;
    }
    if latitude < lat_range.min || latitude > lat_range.max || longitude < long_range.min || longitude > long_range.max
    {
        return None;
    }
    let lat_offset = (latitude - lat_range.min) / (lat_range.max - lat_range.min);
    let long_offset = (longitude - long_range.min) / (long_range.max - long_range.min);
    let cells = (1u64 << step) as f64;
    // C converts the scaled offsets to `uint32_t` by truncation; they lie in [0, 2^step].
    let bits = interleave((lat_offset * cells) as u32, (long_offset * cells) as u32);
    Some(HashBits { bits, step })
}

/// [`encode`] over the ranges of stored scores (`geohashEncodeWGS84`).
pub fn encode_wgs84(longitude: f64, latitude: f64, step: u8) -> Option<HashBits> {
    encode(LONG_RANGE, LAT_RANGE, longitude, latitude, step)
}

/// The cell a hash stands for (`geohashDecode`); `None` for [`HashBits::ZERO`].
pub fn decode(long_range: Range, lat_range: Range, hash: HashBits) -> Option<Area> {
    if hash.is_zero() || lat_range.is_zero() || long_range.is_zero() {
        return None;
    }
    let lat_cell = gather(hash.bits);
    let long_cell = gather(hash.bits >> 1);
    let cells = 1u64.checked_shl(u32::from(hash.step)).unwrap_or(0) as f64;
    let lat_scale = lat_range.max - lat_range.min;
    let long_scale = long_range.max - long_range.min;
    // `cell + 1` is 32-bit arithmetic in Redis, so it wraps like this.
    let edge = |cell: u32, min: f64, scale: f64| min + (f64::from(cell) / cells) * scale;
    Some(Area {
        latitude: Range {
            min: edge(lat_cell, lat_range.min, lat_scale),
            max: edge(lat_cell.wrapping_add(1), lat_range.min, lat_scale),
        },
        longitude: Range {
            min: edge(long_cell, long_range.min, long_scale),
            max: edge(long_cell.wrapping_add(1), long_range.min, long_scale),
        },
    })
}

/// The centre of a cell, kept inside the coordinates GEOADD accepts (`geohashDecodeAreaToLongLat`).
pub fn area_center(area: &Area) -> [f64; 2] {
    let longitude = (area.longitude.min + area.longitude.max) / 2.0;
    let latitude = (area.latitude.min + area.latitude.max) / 2.0;
    [longitude.clamp(LONG_MIN, LONG_MAX), latitude.clamp(LAT_MIN, LAT_MAX)]
}

/// The bits of a score as C's `(uint64_t)score` produces them on x86-64 (scores outside the 64-bit
/// range come from ZADD, not GEOADD, and decode to whatever those bits mean).
pub fn score_bits(score: f64) -> u64 {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    // `cvttsd2si` yields 0x8000000000000000 for NaN and out-of-range values.
    let truncate = |value: f64| if value.is_nan() || value >= TWO_63 { i64::MIN } else { value as i64 };
    if score >= TWO_63 {
        (truncate(score - TWO_63) as u64) ^ (1 << 63)
    } else {
        truncate(score) as u64
    }
}

/// The score of a GEOADD'ed point: its 52-bit hash (`geohashAlign52Bits` of the 26-step cell).
pub fn score_of(longitude: f64, latitude: f64) -> Option<u64> {
    encode_wgs84(longitude, latitude, STEP_MAX).map(|hash| hash.align52())
}

/// The longitude and latitude a sorted set score stands for: the centre of its 26-step cell
/// (`decodeGeohash`).
pub fn decode_score(score: f64) -> Option<[f64; 2]> {
    let hash = HashBits { bits: score_bits(score), step: STEP_MAX };
    decode(LONG_RANGE, LAT_RANGE, hash).map(|area| area_center(&area))
}

/// Bits of the interleaved hash that carry the longitude (odd positions) and the latitude.
const LONGITUDE_BITS: u64 = 0xAAAA_AAAA_AAAA_AAAA;
const LATITUDE_BITS: u64 = 0x5555_5555_5555_5555;

/// Moves a hash one cell forwards (`d > 0`) or backwards (`d < 0`) along the coordinate whose bits
/// are `moving` (east/west for [`LONGITUDE_BITS`], north/south for [`LATITUDE_BITS`]), wrapping.
/// The other coordinate's bits are set in the moving lane during the add, so carries cross them.
fn move_along(hash: &mut HashBits, d: i8, moving: u64) {
    if d == 0 {
        return;
    }
    let shift = 64 - u32::from(hash.step) * 2;
    let mut lane = hash.bits & moving;
    let fixed = hash.bits & !moving;
    let carry = !moving >> shift;
    if d > 0 {
        lane = lane.wrapping_add(carry.wrapping_add(1));
    } else {
        lane |= carry;
        lane = lane.wrapping_sub(carry.wrapping_add(1));
    }
    lane &= moving >> shift;
    hash.bits = lane | fixed;
}

/// The eight cells around `hash` (`geohashNeighbors`); `hash.step` must be 1 to 32.
pub fn neighbors(hash: HashBits) -> Neighbors {
    let shifted = |dx: i8, dy: i8| {
        let mut cell = hash;
        move_along(&mut cell, dx, LONGITUDE_BITS);
        move_along(&mut cell, dy, LATITUDE_BITS);
        cell
    };
    Neighbors {
        east: shifted(1, 0),
        west: shifted(-1, 0),
        south: shifted(0, -1),
        north: shifted(0, 1),
        north_west: shifted(-1, 1),
        north_east: shifted(1, 1),
        south_east: shifted(1, -1),
        south_west: shifted(-1, -1),
    }
}

/// The 11-character standard geohash of a stored score (GEOHASH): the decoded point re-encoded over
/// latitudes -90..90; the 11th character stands for bits a score does not have, so it is always `0`.
pub fn standard_geohash(score: f64) -> Option<[u8; 11]> {
    const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
    let [longitude, latitude] = decode_score(score)?;
    let hash = encode(LONG_RANGE, STANDARD_LAT_RANGE, longitude, latitude, STEP_MAX)?;
    let mut text = [b'0'; 11];
    for (index, byte) in text.iter_mut().take(10).enumerate() {
        let shift = 52 - (index as u32 + 1) * 5;
        *byte = ALPHABET[((hash.bits >> shift) & 0x1f) as usize];
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleaving_round_trips() {
        for (lat, long) in [(0u32, 0u32), (1, 0), (0, 1), (0x3ff_ffff, 0x155_5555), (u32::MAX, 7)] {
            let bits = interleave(lat, long);
            assert_eq!(gather(bits), lat);
            assert_eq!(gather(bits >> 1), long);
        }
        assert_eq!(interleave(1, 0), 1);
        assert_eq!(interleave(0, 1), 2);
    }

    #[test]
    fn scores_match_redis() {
        // Values printed by redis-server 7.0.15 (GEOADD, then ZSCORE and GEOPOS).
        assert_eq!(score_of(13.361389, 38.115556), Some(3_479_099_956_230_698));
        assert_eq!(score_of(15.087269, 37.502669), Some(3_479_447_370_796_909));
        // The top edge overflows 26 bits, as it does in Redis.
        assert_eq!(score_of(180.0, 85.05112878), Some(13_510_798_882_111_488));
        assert_eq!(score_of(200.0, 0.0), None);
        assert_eq!(score_of(0.0, 86.0), None);
        let [lon, lat] = decode_score(3_479_099_956_230_698.0).unwrap();
        assert_eq!(format!("{lon:.17}"), "13.36138933897018433");
        assert_eq!(format!("{lat:.17}"), "38.11555639549629859");
        // Decoded points are kept within the accepted ranges.
        assert_eq!(decode_score(13_510_798_882_111_488.0), Some([180.0, 85.05112878]));
    }

    #[test]
    fn standard_geohash_matches_redis() {
        assert_eq!(&standard_geohash(3_479_099_956_230_698.0).unwrap(), b"sqc8b49rny0");
        assert_eq!(&standard_geohash(3_479_447_370_796_909.0).unwrap(), b"sqdtr74hyu0");
        assert_eq!(&standard_geohash(13_510_798_882_111_488.0).unwrap(), b"bp05b5048p0");
    }

    #[test]
    fn score_bits_truncate_like_x86() {
        assert_eq!(score_bits(5.9), 5);
        assert_eq!(score_bits(-1.0), u64::MAX);
        assert_eq!(score_bits(f64::INFINITY), 0);
        assert_eq!(score_bits(f64::NEG_INFINITY), 1 << 63);
        assert_eq!(score_bits(1.5e19), 15_000_000_000_000_000_000);
    }

    #[test]
    fn neighbors_move_one_cell() {
        let hash = encode_wgs84(13.361389, 38.115556, 10).unwrap();
        let n = neighbors(hash);
        let area = decode(LONG_RANGE, LAT_RANGE, hash).unwrap();
        let north = decode(LONG_RANGE, LAT_RANGE, n.north).unwrap();
        let east = decode(LONG_RANGE, LAT_RANGE, n.east).unwrap();
        assert_eq!(north.latitude.min, area.latitude.max);
        assert_eq!(north.longitude, area.longitude);
        assert_eq!(east.longitude.min, area.longitude.max);
        assert_eq!(east.latitude, area.latitude);
        assert_eq!(HashBits { bits: 0b10, step: 1 }.align52(), 0b10 << 50);
    }
}
