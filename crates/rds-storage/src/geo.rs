//! GEO: points stored in sorted sets, their score being the 52-bit geohash of the point, as in
//! Redis (`geohash.c`, `geohash_helper.c` and the search half of `geo.c`).
//!
//! - [`hash`]: encoding a longitude/latitude pair into a score and back, neighbouring cells, the
//!   standard 11-character geohash.
//! - [`shape`]: search shapes (radius or box), distances on the sphere, the cells a search scans.
//! - [`search`]: finding the points of a sorted set within a shape, and ordering them.
//! - [`sort`]: glibc's merge sort, which orders full results as Redis does (ties included).
//! - [`text`]: how distances and coordinates print.
//!
//! The server's GEO commands parse arguments and write replies; everything numeric lives here.

pub mod hash;
pub mod search;
pub mod shape;
pub mod sort;
pub mod text;

pub use search::{search, sort_points, GeoPoint, SortOrder};
pub use shape::{Extent, Shape};
