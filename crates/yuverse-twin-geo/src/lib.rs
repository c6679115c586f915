//! NGSI-LD geo-queries (ETSI GS CIM 009 V1.9.1, clause 4.10 and the `geoQ` data type of clause
//! 5.2.13) for the Yuverse digital-twin context broker.
//!
//! What it does:
//! * parses and validates a geo-query from the query string ([`parse_geo_query`],
//!   [`parse_geo_query_params`]) or from a JSON `geoQ` ([`parse_geo_query_json`]); every malformed
//!   part is a [`GeoError`] naming the parameter (for a 400 BadRequestData), never a panic;
//! * converts and validates GeoProperty values ([`geometry_from_geojson`]) and back
//!   ([`geometry_to_geojson`]);
//! * evaluates a query against a stored geometry ([`GeoQuery::matches`]) and measures distances
//!   ([`distance_m`], also for ordering results by distance);
//! * bounds the region a match must touch ([`GeoQuery::candidate_bbox`]) and indexes entity
//!   geometries by bounding box ([`SpatialIndex`], an R*-tree) to find candidates quickly.
//!
//! Choices made where the standard leaves room (or where this crate extends it):
//! * **Distances** are great-circle distances on a sphere of radius 6 371 008.8 m (the mean Earth
//!   radius; the haversine distance for two points), not geodesics on the WGS84 ellipsoid: the
//!   difference is at most about 0.5 %. The distance between two geometries is 0 when they
//!   intersect and otherwise the shortest great-circle distance between them. Edges are
//!   GeoJSON's straight lon/lat segments (RFC 7946), followed by chains of great-circle arcs
//!   within 0.1 m or 10 ppm of the edge's length ([`EDGE_TOLERANCE_M`],
//!   [`EDGE_TOLERANCE_RATIO`]), so distances agree with the planar topological relations: a
//!   point just off a 20 km east-west edge is centimetres from it, not the metres a single
//!   great-circle arc would give.
//! * **`near`** accepts every reference geometry type (clause 4.10 defines it through the buffer
//!   of the reference geometry, whatever its type). `maxDistance==d` matches when the distance
//!   between the target and the reference is `<= d`: the target reaches into the buffer (for a
//!   point target this is exactly "within the buffer"; for lines and areas the standard's wording
//!   could be read as requiring the whole target inside, we use the distance between the
//!   geometries, so any part coming within `d` is enough). `minDistance==d` matches when the
//!   distance is `> d`: disjoint from the closed buffer, as the standard says. Both modifiers may
//!   be combined (`near;maxDistance==900;minDistance==100`, an extension: the grammar has exactly
//!   one) provided `min < max`; each at most once.
//! * **`georel` syntax** follows the grammar: lowercase names, `==`, and `PositiveNumber` as a JSON
//!   number without sign and not 0 (`2e3` is fine, `+5`, `05`, `.5`, `abc`, `0` are not).
//!   Whitespace around tokens is tolerated.
//! * **Topological relations** (`within`, `contains`, `intersects`, `disjoint`, `overlaps`) are the
//!   DE-9IM predicates of OGC Simple Features (the standard's reference \[14\]) evaluated in the
//!   lon/lat plane, which is how GeoJSON (RFC 7946) defines edges. Hence a point on a polygon's
//!   boundary intersects it but is not `within` it, and `overlaps` needs equal dimensions.
//!   `equals` holds for the same type with every coordinate within 1e-9° (about 0.1 mm), or for
//!   topologically equal geometries (e.g. a ring starting at another vertex).
//! * **`geometry`** names are GeoJSON's, case-sensitive; GeometryCollection is refused (clauses
//!   4.7.1 and 4.10), as are Feature objects.
//! * **`coordinates`** is a JSON array; a query-string value that is still percent-encoded after
//!   the HTTP layer decoded it is decoded once more. In a JSON `geoQ` it may be an array or a
//!   string holding one (clause 5.2.13).
//! * **Validation** (query geometries and GeoProperty values alike): positions have 2 or 3 finite
//!   numbers (altitude is accepted and dropped), longitude in [-180, 180], latitude in [-90, 90];
//!   no empty arrays; LineStrings have >= 2 positions; rings have >= 4 positions and are closed;
//!   and the geometry is valid in the OGC sense (no self-intersecting rings, holes inside their
//!   shell, non-overlapping MultiPolygon members). Ring orientation is not enforced (RFC 7946
//!   asks parsers not to reject on it). A GeoProperty value may also be a string holding the
//!   GeoJSON object (JSON-LD compatibility).
//! * **`geoproperty`** defaults to `location`; it is kept as given (short name or URI, expansion
//!   against the @context is the broker's job) after checking it is non-empty and has no
//!   whitespace, control characters or characters an IRI cannot hold (`"<>{}|\^` and backquote).
//! * **Candidate boxes** are conservative: they include the slight bulge of the arcs that stand
//!   in for edges, span every longitude when a pole is within reach, and either split at the
//!   antimeridian ([`GeoQuery::candidate_boxes`]) or span every longitude
//!   ([`GeoQuery::candidate_bbox`]). `disjoint` and `near` with only `minDistance` are unbounded
//!   (the caller scans every entity). [`SpatialIndex`] stores the same kind of box
//!   ([`envelope`]) per key, so `candidates(candidate_bbox)` is a superset of the matches, to be
//!   confirmed with [`GeoQuery::matches`].
//! * An empty stored geometry matches no relation.
//!
//! ```
//! use yuverse_twin_geo::{geometry_from_geojson, parse_geo_query};
//!
//! let q = parse_geo_query("near;maxDistance==2000", "Point", "[106.5775,29.5570]", None).unwrap();
//! assert_eq!(q.geoproperty, "location");
//! let chaotianmen = geometry_from_geojson(
//!     &serde_json::json!({"type": "Point", "coordinates": [106.5865, 29.5650]}),
//! )
//! .unwrap();
//! assert!(q.matches(&chaotianmen));
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
mod geometry;
mod georel;
mod index;
mod query;
mod sphere;

pub use error::{GeoError, FIELD_COORDINATES, FIELD_GEOMETRY, FIELD_GEOPROPERTY, FIELD_GEOREL};
pub use geometry::{
    geometry_from_coordinates, geometry_from_geojson, geometry_to_geojson, GeometryType,
};
pub use georel::GeoRel;
pub use index::SpatialIndex;
pub use query::{
    parse_geo_query, parse_geo_query_json, parse_geo_query_params, GeoQuery, DEFAULT_GEOPROPERTY,
    EQUALS_EPSILON_DEG,
};
pub use sphere::{distance_m, envelope, EARTH_RADIUS_M, EDGE_TOLERANCE_M, EDGE_TOLERANCE_RATIO};

/// The `geo` crate this library's types come from, re-exported so callers use the same version.
pub use geo;
