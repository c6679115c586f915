//! Distances on the sphere and conservative lon/lat bounding boxes.
//!
//! Distances are great-circle distances on a sphere of radius [`EARTH_RADIUS_M`] (the IUGG mean
//! Earth radius, as used by the haversine formula), computed with 3-D unit vectors and
//! `atan2(|u×v|, u·v)`, which is the haversine distance without its loss of precision for
//! nearly antipodal points. Edges of lines and rings are GeoJSON's straight lon/lat segments,
//! followed closely ([`EDGE_TOLERANCE_M`], [`EDGE_TOLERANCE_RATIO`]) by chains of great-circle
//! arcs.

use std::f64::consts::{FRAC_PI_2, PI};

use geo::{BoundingRect, Coord, Geometry, HasDimensions, Intersects, LineString, Polygon, Rect};

/// Mean Earth radius in metres (IUGG R1 = (2a + b) / 3 of WGS84).
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Extra room, in degrees, added to every bounding box (about 0.1 mm) against rounding.
const BOX_MARGIN_DEG: f64 = 1e-9;

type V3 = [f64; 3];

fn to_v3(c: Coord<f64>) -> V3 {
    let (lon, lat) = (c.x.to_radians(), c.y.to_radians());
    let (sin_lat, cos_lat) = lat.sin_cos();
    let (sin_lon, cos_lon) = lon.sin_cos();
    [cos_lat * cos_lon, cos_lat * sin_lon, sin_lat]
}

fn cross(a: V3, b: V3) -> V3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn dot(a: V3, b: V3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn norm(a: V3) -> f64 {
    dot(a, a).sqrt()
}

fn scale(a: V3, k: f64) -> V3 {
    [a[0] * k, a[1] * k, a[2] * k]
}

fn sub(a: V3, b: V3) -> V3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

/// Central angle between two unit vectors, in radians.
fn angle(u: V3, v: V3) -> f64 {
    norm(cross(u, v)).atan2(dot(u, v))
}

/// Below this, a cross product is treated as zero (coincident or antipodal points).
const TINY: f64 = 1e-15;

/// Whether `c`, a unit vector on the great circle with normal `n = a × b`, lies on the minor
/// arc from `a` to `b`.
fn on_arc(c: V3, a: V3, b: V3, n: V3) -> bool {
    dot(cross(a, c), n) >= 0.0 && dot(cross(c, b), n) >= 0.0
}

/// Central angle from `p` to the great-circle arc `a`–`b`, in radians.
fn point_arc_angle(p: V3, a: V3, b: V3) -> f64 {
    let endpoints = || angle(p, a).min(angle(p, b));
    let n = cross(a, b);
    let n_len = norm(n);
    if n_len < TINY {
        return endpoints();
    }
    let nh = scale(n, 1.0 / n_len);
    let foot = sub(p, scale(nh, dot(p, nh)));
    let foot_len = norm(foot);
    if foot_len < TINY {
        // `p` is a pole of the great circle: every point of the arc is a quarter turn away.
        return FRAC_PI_2;
    }
    let foot = scale(foot, 1.0 / foot_len);
    if on_arc(foot, a, b, n) {
        angle(p, foot)
    } else {
        endpoints()
    }
}

/// One edge of a geometry cut into arc pieces (see [`split_edge`]), or a lone point, with a
/// spherical cap that holds all of it (for pruning).
struct Chain {
    /// Piece endpoints in order; a single vertex is a lone point.
    verts: Vec<V3>,
    /// Centre of the cap.
    center: V3,
    /// Angular radius of the cap.
    radius: f64,
}

impl Chain {
    fn point(c: Coord<f64>) -> Chain {
        let v = to_v3(c);
        Chain {
            verts: vec![v],
            center: v,
            radius: 0.0,
        }
    }

    fn edge(a: Coord<f64>, b: Coord<f64>) -> Chain {
        let mut verts = vec![to_v3(a)];
        split_edge(a, b, &mut |_, end| verts.push(to_v3(end)));
        let sum = verts.iter().fold([0.0; 3], |acc, v| {
            [acc[0] + v[0], acc[1] + v[1], acc[2] + v[2]]
        });
        let sum_len = norm(sum);
        let center = if sum_len < 1e-9 {
            verts[0]
        } else {
            scale(sum, 1.0 / sum_len)
        };
        // Every point of a piece is within half its length of one of its ends.
        let farthest_end = verts.iter().map(|&v| angle(center, v)).fold(0.0, f64::max);
        let half_piece = verts
            .windows(2)
            .map(|w| angle(w[0], w[1]) / 2.0)
            .fold(0.0, f64::max);
        Chain {
            verts,
            center,
            radius: farthest_end + half_piece,
        }
    }

    /// The smaller of `best` and the smallest angle from a vertex of `self` to `other`.
    fn vertices_to(&self, other: &Chain, mut best: f64) -> f64 {
        for &v in &self.verts {
            if angle(v, other.center) - other.radius >= best {
                continue;
            }
            if let [only] = other.verts[..] {
                best = best.min(angle(v, only));
            } else {
                for w in other.verts.windows(2) {
                    best = best.min(point_arc_angle(v, w[0], w[1]));
                }
            }
        }
        best
    }
}

/// A geometry as chains: lone points and edges.
fn chains(geometry: &Geometry<f64>) -> Vec<Chain> {
    fn path(coords: &[Coord<f64>], out: &mut Vec<Chain>) {
        match coords {
            [] => {}
            [only] => out.push(Chain::point(*only)),
            _ => out.extend(coords.windows(2).map(|w| Chain::edge(w[0], w[1]))),
        }
    }
    fn polygon(p: &Polygon<f64>, out: &mut Vec<Chain>) {
        path(&p.exterior().0, out);
        p.interiors().iter().for_each(|r| path(&r.0, out));
    }
    fn add(g: &Geometry<f64>, out: &mut Vec<Chain>) {
        match g {
            Geometry::Point(p) => out.push(Chain::point(p.0)),
            Geometry::MultiPoint(mp) => out.extend(mp.iter().map(|p| Chain::point(p.0))),
            Geometry::Line(l) => out.push(Chain::edge(l.start, l.end)),
            Geometry::LineString(ls) => path(&ls.0, out),
            Geometry::MultiLineString(mls) => mls.iter().for_each(|ls| path(&ls.0, out)),
            Geometry::Polygon(p) => polygon(p, out),
            Geometry::MultiPolygon(mp) => mp.iter().for_each(|p| polygon(p, out)),
            Geometry::Rect(r) => polygon(&r.to_polygon(), out),
            Geometry::Triangle(t) => polygon(&t.to_polygon(), out),
            Geometry::GeometryCollection(gc) => gc.iter().for_each(|g| add(g, out)),
        }
    }
    let mut out = Vec::new();
    add(geometry, &mut out);
    out
}

/// Distance in metres between two geometries: 0 when they intersect (tested in the lon/lat
/// plane, as GeoJSON defines them), otherwise the shortest great-circle distance between them on
/// a sphere of radius [`EARTH_RADIUS_M`], edges being GeoJSON's straight lon/lat segments
/// (followed within [`EDGE_TOLERANCE_M`] or [`EDGE_TOLERANCE_RATIO`]). Infinite when either
/// geometry is empty.
///
/// For two points this is the haversine distance. The worst case costs O(n·m) in the numbers of
/// edges; edges far from the closest pair are pruned by bounding caps.
pub fn distance_m(a: &Geometry<f64>, b: &Geometry<f64>) -> f64 {
    if a.is_empty() || b.is_empty() {
        return f64::INFINITY;
    }
    if a.intersects(b) {
        return 0.0;
    }
    let (ca, cb) = (chains(a), chains(b));
    let (Some(a0), Some(b0)) = (ca.first(), cb.first()) else {
        return f64::INFINITY;
    };
    // A first upper bound from actual vertices, so that pruning starts early.
    let mut best = PI;
    for x in &ca {
        best = best.min(angle(x.verts[0], b0.verts[0]));
    }
    for y in &cb {
        best = best.min(angle(a0.verts[0], y.verts[0]));
    }
    // Between two chains of arcs that do not meet, the shortest distance is reached at a piece
    // end of one of them.
    for x in &ca {
        for y in &cb {
            if angle(x.center, y.center) - x.radius - y.radius >= best {
                continue;
            }
            best = x.vertices_to(y, best);
            best = y.vertices_to(x, best);
        }
    }
    best * EARTH_RADIUS_M
}

/// A conservative lon/lat bounding box of a geometry, for indexing and candidate filters.
///
/// It contains the planar bounding box of the coordinates and also the great-circle arcs that
/// stand in for the edges in [`distance_m`] (which may bulge slightly towards a pole, see
/// [`EDGE_TOLERANCE_M`]). `None` for an empty geometry.
pub fn envelope(geometry: &Geometry<f64>) -> Option<Rect<f64>> {
    let planar = geometry.bounding_rect()?;
    let (mut min, mut max) = (planar.min(), planar.max());
    for_each_arc(geometry, &mut |a, b| {
        // Every piece spans less than 180° of longitude, so its arc stays within the longitudes
        // of its ends; only its latitude can reach beyond them.
        let (va, vb) = (to_v3(a), to_v3(b));
        let n = cross(va, vb);
        let n_len = norm(n);
        if n_len < TINY {
            return;
        }
        let nh = scale(n, 1.0 / n_len);
        // The northernmost point of the great circle, and its antipode the southernmost.
        let top = sub([0.0, 0.0, 1.0], scale(nh, nh[2]));
        let top_len = norm(top);
        if top_len < TINY {
            return; // the equator
        }
        let top = scale(top, 1.0 / top_len);
        let lat = top[2].clamp(-1.0, 1.0).asin().to_degrees();
        if on_arc(top, va, vb, n) {
            max.y = max.y.max(lat);
        }
        if on_arc(scale(top, -1.0), va, vb, n) {
            min.y = min.y.min(-lat);
        }
    });
    Some(Rect::new(
        Coord {
            x: (min.x - BOX_MARGIN_DEG).max(-180.0),
            y: (min.y - BOX_MARGIN_DEG).max(-90.0),
        },
        Coord {
            x: (max.x + BOX_MARGIN_DEG).min(180.0),
            y: (max.y + BOX_MARGIN_DEG).min(90.0),
        },
    ))
}

/// How far, in metres, the chain of great-circle arcs that stands in for a GeoJSON edge (a
/// straight segment in the lon/lat plane, RFC 7946) may stray from it in [`distance_m`], for
/// edges shorter than 10 km; longer edges may stray [`EDGE_TOLERANCE_RATIO`] of their length.
/// An edge is cut into at most 1024 pieces, so within about a degree of a pole long edges stray
/// further.
pub const EDGE_TOLERANCE_M: f64 = 0.1;

/// How far, relative to its length, the chain of arcs standing in for a long edge may stray
/// from it (10 ppm: 1 m for a 100 km edge), see [`EDGE_TOLERANCE_M`].
pub const EDGE_TOLERANCE_RATIO: f64 = 1e-5;

const MAX_PIECES_PER_EDGE: usize = 1024;

/// Cuts the lon/lat segment `a`–`b` into pieces whose great-circle arcs stay within
/// [`EDGE_TOLERANCE_M`] (or [`EDGE_TOLERANCE_RATIO`] of its length) of it and span at most 45° of
/// longitude and of latitude, and calls `f` with each piece in order. Short edges (the usual
/// case: under about 2.8 km at 30° of latitude) are a single piece.
fn split_edge(a: Coord<f64>, b: Coord<f64>, f: &mut impl FnMut(Coord<f64>, Coord<f64>)) {
    let (dlon, dlat) = (b.x - a.x, b.y - a.y);
    let length = dlon.to_radians().hypot(dlat.to_radians());
    let tolerance = (EDGE_TOLERANCE_RATIO * length).max(EDGE_TOLERANCE_M / EARTH_RADIUS_M);
    // A straight lon/lat line has geodesic curvature at most about 1.09·tan|latitude|, and an arc
    // over a chord of length L strays from a curve of curvature k by about k·L²/8.
    let curvature = 1.1 * a.y.abs().max(b.y.abs()).to_radians().tan().abs();
    let by_bulge = length * (curvature / (8.0 * tolerance)).sqrt();
    let by_span = dlon.abs().max(dlat.abs()) / 45.0;
    let pieces = by_bulge.max(by_span).ceil();
    let n = if pieces >= MAX_PIECES_PER_EDGE as f64 {
        MAX_PIECES_PER_EDGE
    } else if pieces > 1.0 {
        pieces as usize
    } else {
        1 // also when NaN (a zero-length edge at a pole)
    };
    let mut start = a;
    for i in 1..n {
        let t = i as f64 / n as f64;
        let end = Coord {
            x: a.x + dlon * t,
            y: a.y + dlat * t,
        };
        f(start, end);
        start = end;
    }
    f(start, b);
}

/// Calls `f` with every arc piece (see [`split_edge`]) of every edge of `geometry`.
fn for_each_arc(geometry: &Geometry<f64>, f: &mut impl FnMut(Coord<f64>, Coord<f64>)) {
    fn path(ls: &LineString<f64>, f: &mut impl FnMut(Coord<f64>, Coord<f64>)) {
        for w in ls.0.windows(2) {
            split_edge(w[0], w[1], f);
        }
    }
    fn polygon(p: &Polygon<f64>, f: &mut impl FnMut(Coord<f64>, Coord<f64>)) {
        path(p.exterior(), f);
        p.interiors().iter().for_each(|r| path(r, f));
    }
    match geometry {
        Geometry::Point(_) | Geometry::MultiPoint(_) => {}
        Geometry::Line(l) => split_edge(l.start, l.end, f),
        Geometry::LineString(ls) => path(ls, f),
        Geometry::MultiLineString(mls) => mls.iter().for_each(|ls| path(ls, f)),
        Geometry::Polygon(p) => polygon(p, f),
        Geometry::MultiPolygon(mp) => mp.iter().for_each(|p| polygon(p, f)),
        Geometry::Rect(r) => polygon(&r.to_polygon(), f),
        Geometry::Triangle(t) => polygon(&t.to_polygon(), f),
        Geometry::GeometryCollection(gc) => gc.iter().for_each(|g| for_each_arc(g, f)),
    }
}

/// The boxes (one, or two when the antimeridian is crossed) holding every point whose
/// great-circle distance to some point of `rect` is at most `distance_m`.
pub(crate) fn expand_by_distance(rect: Rect<f64>, distance_m: f64) -> Vec<Rect<f64>> {
    let theta = distance_m / EARTH_RADIUS_M * (1.0 + 1e-9) + 1e-12;
    if !theta.is_finite() || theta >= PI {
        return vec![whole_world()];
    }
    let theta_deg = theta.to_degrees();
    let lat_min = rect.min().y - theta_deg - BOX_MARGIN_DEG;
    let lat_max = rect.max().y + theta_deg + BOX_MARGIN_DEG;
    if lat_min <= -90.0 || lat_max >= 90.0 {
        // A pole is within reach: every longitude is.
        return vec![lon_lat_rect(
            -180.0,
            180.0,
            lat_min.max(-90.0),
            lat_max.min(90.0),
        )];
    }
    // The widest longitude reach is at the box's highest |latitude|; theta + |lat| < 90° here.
    let phi = rect.min().y.abs().max(rect.max().y.abs()).to_radians();
    let ratio = theta.sin() / phi.cos();
    if ratio >= 1.0 {
        return vec![lon_lat_rect(-180.0, 180.0, lat_min, lat_max)];
    }
    let dlon = ratio.asin().to_degrees() * (1.0 + 1e-9) + BOX_MARGIN_DEG;
    split_lon(rect.min().x - dlon, rect.max().x + dlon, lat_min, lat_max)
}

/// `rect` grown by `margin_deg` degrees on every side, split at the antimeridian.
pub(crate) fn expand_by_degrees(rect: Rect<f64>, margin_deg: f64) -> Vec<Rect<f64>> {
    split_lon(
        rect.min().x - margin_deg,
        rect.max().x + margin_deg,
        (rect.min().y - margin_deg).max(-90.0),
        (rect.max().y + margin_deg).min(90.0),
    )
}

/// A longitude interval that may run past ±180°, as one or two boxes within [-180, 180].
fn split_lon(lon_min: f64, lon_max: f64, lat_min: f64, lat_max: f64) -> Vec<Rect<f64>> {
    if lon_max - lon_min >= 360.0 {
        return vec![lon_lat_rect(-180.0, 180.0, lat_min, lat_max)];
    }
    let mut boxes = Vec::with_capacity(2);
    if lon_min < -180.0 {
        boxes.push(lon_lat_rect(lon_min + 360.0, 180.0, lat_min, lat_max));
    }
    if lon_max > 180.0 {
        boxes.push(lon_lat_rect(-180.0, lon_max - 360.0, lat_min, lat_max));
    }
    boxes.push(lon_lat_rect(
        lon_min.max(-180.0),
        lon_max.min(180.0),
        lat_min,
        lat_max,
    ));
    boxes
}

fn lon_lat_rect(lon_min: f64, lon_max: f64, lat_min: f64, lat_max: f64) -> Rect<f64> {
    Rect::new(
        Coord {
            x: lon_min,
            y: lat_min,
        },
        Coord {
            x: lon_max,
            y: lat_max,
        },
    )
}

pub(crate) fn whole_world() -> Rect<f64> {
    lon_lat_rect(-180.0, 180.0, -90.0, 90.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{line_string, point, Distance, Haversine};

    #[test]
    fn point_distance_is_haversine() {
        let a = point!(x: 106.5775, y: 29.5570);
        let b = point!(x: 106.6417, y: 29.7192);
        let ours = distance_m(&Geometry::Point(a), &Geometry::Point(b));
        let theirs = Haversine.distance(a, b);
        assert!((ours - theirs).abs() < 1e-6 * theirs, "{ours} vs {theirs}");
    }

    #[test]
    fn long_edges_follow_the_lon_lat_segment() {
        // 10° along the 60th parallel: one great-circle arc would reach 60.095°N (10 km off).
        let ls = Geometry::LineString(line_string![(x: 0.0, y: 60.0), (x: 10.0, y: 60.0)]);
        let env = envelope(&ls).unwrap();
        // 10 ppm of its 556 km: within about 6 m (5e-5°) of the parallel.
        assert!(env.max().y > 60.0 && env.max().y < 60.0 + 5e-5, "{env:?}");
        let on_parallel = Geometry::Point(point!(x: 5.0, y: 60.0));
        let d = distance_m(&on_parallel, &ls);
        assert!(d <= EDGE_TOLERANCE_RATIO * 560_000.0, "{d}");
        // Across the antimeridian the GeoJSON edge goes the long way round, through 0°.
        let long_way = Geometry::LineString(line_string![(x: -170.0, y: 0.0), (x: 170.0, y: 0.0)]);
        assert!(distance_m(&Geometry::Point(point!(x: 0.0, y: 0.0)), &long_way) < 1e-6);
        let far = distance_m(&Geometry::Point(point!(x: 180.0, y: 0.0)), &long_way);
        assert!(
            (far - 10f64.to_radians() * EARTH_RADIUS_M).abs() < 1e-3,
            "{far}"
        );
    }

    #[test]
    fn pieces_are_short_and_contiguous() {
        let mut pieces = Vec::new();
        split_edge(
            Coord { x: -170.0, y: 80.0 },
            Coord { x: 170.0, y: 89.9 },
            &mut |a, b| pieces.push((a, b)),
        );
        assert!(pieces.len() > 8 && pieces.len() <= MAX_PIECES_PER_EDGE);
        assert_eq!(pieces[0].0, Coord { x: -170.0, y: 80.0 });
        assert_eq!(pieces.last().unwrap().1, Coord { x: 170.0, y: 89.9 });
        assert!(pieces.windows(2).all(|w| w[0].1 == w[1].0));
        assert!(pieces.iter().all(|(a, b)| (a.x - b.x).abs() <= 45.0));
        let mut one = 0;
        split_edge(
            Coord { x: 106.5, y: 29.5 },
            Coord {
                x: 106.501,
                y: 29.5,
            },
            &mut |_, _| one += 1,
        );
        assert_eq!(one, 1);
        let mut pole = 0;
        split_edge(
            Coord { x: 0.0, y: 90.0 },
            Coord { x: 0.0, y: 90.0 },
            &mut |_, _| pole += 1,
        );
        assert_eq!(pole, 1);
    }

    #[test]
    fn pole_of_arc_is_a_quarter_turn_away() {
        let a = to_v3(Coord { x: 0.0, y: 0.0 });
        let b = to_v3(Coord { x: 10.0, y: 0.0 });
        let p = to_v3(Coord { x: 0.0, y: 90.0 });
        assert!((point_arc_angle(p, a, b) - FRAC_PI_2).abs() < 1e-12);
    }

    #[test]
    fn expansion_wraps_at_the_antimeridian() {
        let r = lon_lat_rect(179.99, 179.99, 0.0, 0.0);
        let boxes = expand_by_distance(r, 5_000.0);
        assert_eq!(boxes.len(), 2, "{boxes:?}");
        assert!(boxes.iter().any(|b| b.min().x == -180.0));
        let polar = expand_by_distance(lon_lat_rect(10.0, 10.0, 89.99, 89.99), 5_000.0);
        assert_eq!(polar.len(), 1);
        assert_eq!(polar[0].min().x, -180.0);
        assert_eq!(polar[0].max().y, 90.0);
    }
}
