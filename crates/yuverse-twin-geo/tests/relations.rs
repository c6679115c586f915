//! Semantics of each geo-relationship, with points, lines and polygons around Chongqing
//! (lon 106.4–106.9, lat 29.5–30.1).

use serde_json::json;
use yuverse_twin_geo::geo::{Distance, Geodesic, Geometry, Point};
use yuverse_twin_geo::{distance_m, geometry_from_geojson, parse_geo_query, GeoQuery};

// Landmarks (lon, lat).
const JIEFANGBEI: (f64, f64) = (106.5775, 29.5570);
const CHAOTIANMEN: (f64, f64) = (106.5865, 29.5650);
const JIANGBEI_AIRPORT: (f64, f64) = (106.6417, 29.7192);
const SHAPINGBA: (f64, f64) = (106.4563, 29.5410);
const BEIBEI: (f64, f64) = (106.4370, 29.8257);

/// Central Chongqing, roughly the Yuzhong peninsula and its banks.
const CENTRE: &str =
    "[[[106.50,29.52],[106.60,29.52],[106.60,29.58],[106.50,29.58],[106.50,29.52]]]";

fn point(p: (f64, f64)) -> Geometry<f64> {
    Geometry::Point(Point::new(p.0, p.1))
}

fn geo(ty: &str, coordinates: serde_json::Value) -> Geometry<f64> {
    geometry_from_geojson(&json!({"type": ty, "coordinates": coordinates})).unwrap()
}

fn centre() -> Geometry<f64> {
    geo("Polygon", serde_json::from_str(CENTRE).unwrap())
}

fn q(georel: &str, ty: &str, coordinates: &str) -> GeoQuery {
    parse_geo_query(georel, ty, coordinates, None).unwrap()
}

fn pt_text(p: (f64, f64)) -> String {
    format!("[{},{}]", p.0, p.1)
}

// ---------------------------------------------------------------- distances

#[test]
fn distances_agree_with_the_ellipsoid_within_half_a_percent() {
    for (a, b, approx_m) in [
        (JIEFANGBEI, CHAOTIANMEN, 1_200.0),
        (JIEFANGBEI, JIANGBEI_AIRPORT, 18_900.0),
        (JIEFANGBEI, SHAPINGBA, 11_900.0),
        (JIEFANGBEI, BEIBEI, 33_000.0),
    ] {
        let ours = distance_m(&point(a), &point(b));
        let ellipsoid = Geodesic.distance(Point::new(a.0, a.1), Point::new(b.0, b.1));
        assert!(
            (ours - ellipsoid).abs() <= 0.005 * ellipsoid,
            "{ours} vs {ellipsoid}"
        );
        assert!(
            (ours - approx_m).abs() < 0.1 * approx_m,
            "{ours} vs ~{approx_m}"
        );
        assert_eq!(ours, distance_m(&point(b), &point(a)));
    }
}

#[test]
fn distance_to_lines_and_areas() {
    // A point inside a polygon is at distance 0; outside, at the distance to its boundary.
    assert_eq!(distance_m(&point(JIEFANGBEI), &centre()), 0.0);
    let east = (106.61, 29.55); // 0.01° east of the polygon's east edge at lon 106.60
    let d = distance_m(&point(east), &centre());
    let expected = 0.01_f64.to_radians() * 29.55_f64.to_radians().cos() * 6_371_008.8;
    assert!((d - expected).abs() < 1.0, "{d} vs {expected}");
    // Point to a line: the closest point is inside a segment (a meridian), not at a vertex.
    let meridian = geo("LineString", json!([[106.60, 29.50], [106.60, 29.70]]));
    let d = distance_m(&point((106.61, 29.60)), &meridian);
    let expected =
        (0.01_f64.to_radians().sin() * 29.60_f64.to_radians().cos()).asin() * 6_371_008.8;
    assert!((d - expected).abs() < 1e-3, "{d} vs {expected}");
    // Edges are GeoJSON's straight lon/lat segments: this 19 km east-west edge lies on the
    // parallel (a single great-circle arc would bulge about 4 m north of it).
    let line = geo("LineString", json!([[106.50, 29.60], [106.70, 29.60]]));
    let d = distance_m(&point((106.60, 29.59)), &line);
    let along_meridian = 0.01_f64.to_radians() * 6_371_008.8;
    assert!((d - along_meridian).abs() < 0.2, "{d} vs {along_meridian}");
    assert!(distance_m(&point((106.60, 29.60)), &line) == 0.0);
    assert!(distance_m(&point((106.60, 29.600001)), &line) < 0.3);
    // Crossing lines are at distance 0.
    let cross = geo("LineString", json!([[106.60, 29.50], [106.60, 29.70]]));
    assert_eq!(distance_m(&line, &cross), 0.0);
    // Line to polygon, both ways.
    let north = geo("LineString", json!([[106.52, 29.59], [106.58, 29.59]]));
    let d1 = distance_m(&north, &centre());
    let d2 = distance_m(&centre(), &north);
    assert!(
        (d1 - 0.01_f64.to_radians() * 6_371_008.8).abs() < 1.0,
        "{d1}"
    );
    assert!((d1 - d2).abs() < 1e-6);
}

// ---------------------------------------------------------------- near

#[test]
fn near_max_distance_between_points() {
    let query = q("near;maxDistance==2000", "Point", &pt_text(JIEFANGBEI));
    assert!(query.matches(&point(JIEFANGBEI)));
    assert!(query.matches(&point(CHAOTIANMEN)));
    assert!(!query.matches(&point(JIANGBEI_AIRPORT)));
    assert!(!query.matches(&point(SHAPINGBA)));
}

#[test]
fn near_min_distance_between_points() {
    let query = q("near;minDistance==5000", "Point", &pt_text(JIEFANGBEI));
    assert!(!query.matches(&point(JIEFANGBEI)));
    assert!(!query.matches(&point(CHAOTIANMEN)));
    assert!(query.matches(&point(JIANGBEI_AIRPORT)));
    assert!(query.matches(&point(BEIBEI)));
}

#[test]
fn near_annulus() {
    let query = q(
        "near;minDistance==5000;maxDistance==15000",
        "Point",
        &pt_text(JIEFANGBEI),
    );
    assert!(!query.matches(&point(CHAOTIANMEN))); // ~1.2 km
    assert!(query.matches(&point(SHAPINGBA))); // ~11.9 km
    assert!(!query.matches(&point(JIANGBEI_AIRPORT))); // ~18.9 km
}

#[test]
fn near_boundary_is_inclusive_for_max_and_exclusive_for_min() {
    let d = distance_m(&point(JIEFANGBEI), &point(CHAOTIANMEN));
    let max = q(
        &format!("near;maxDistance=={d}"),
        "Point",
        &pt_text(JIEFANGBEI),
    );
    let min = q(
        &format!("near;minDistance=={d}"),
        "Point",
        &pt_text(JIEFANGBEI),
    );
    assert!(max.matches(&point(CHAOTIANMEN)));
    assert!(!min.matches(&point(CHAOTIANMEN)));
}

#[test]
fn near_a_line_reference() {
    // The Jialing river, roughly, ending at Chaotianmen.
    let river = "[[106.45,29.58],[106.55,29.575],[106.5865,29.565]]";
    let query = q("near;maxDistance==1200", "LineString", river);
    assert!(query.matches(&point(CHAOTIANMEN)));
    assert!(query.matches(&point(JIEFANGBEI))); // ~1.1 km south of the river's last segment
    let d = distance_m(
        &point(JIEFANGBEI),
        &geo("LineString", serde_json::from_str(river).unwrap()),
    );
    assert!((d - 1_110.0).abs() < 15.0, "{d}");
    assert!(!query.matches(&point(SHAPINGBA)));
    let tight = q("near;maxDistance==100", "LineString", river);
    assert!(!tight.matches(&point(JIEFANGBEI)));
}

#[test]
fn near_a_polygon_reference_and_stored_shapes() {
    let query = q("near;maxDistance==1500", "Polygon", CENTRE);
    assert!(query.matches(&point(JIEFANGBEI))); // inside: distance 0
    assert!(query.matches(&point((106.61, 29.55)))); // ~970 m east
    assert!(!query.matches(&point(JIANGBEI_AIRPORT)));
    // A stored line passing nearby matches even though its vertices are far.
    let road = geo("LineString", json!([[106.605, 29.40], [106.605, 29.70]]));
    assert!(query.matches(&road));
    // A stored polygon around the airport does not.
    let airport = geo(
        "Polygon",
        json!([[
            [106.62, 29.70],
            [106.66, 29.70],
            [106.66, 29.74],
            [106.62, 29.74],
            [106.62, 29.70]
        ]]),
    );
    assert!(!query.matches(&airport));
    let far = q("near;minDistance==1500", "Polygon", CENTRE);
    assert!(far.matches(&airport));
    assert!(!far.matches(&point(JIEFANGBEI)));
}

// ---------------------------------------------------------------- within

#[test]
fn within_polygon() {
    let query = q("within", "Polygon", CENTRE);
    assert!(query.matches(&point(JIEFANGBEI)));
    assert!(query.matches(&point(CHAOTIANMEN)));
    assert!(!query.matches(&point(JIANGBEI_AIRPORT)));
    // On the boundary: intersects, but not within (OGC).
    assert!(!query.matches(&point((106.60, 29.55))));
    // A line inside, a line crossing the edge.
    assert!(query.matches(&geo(
        "LineString",
        json!([[106.52, 29.53], [106.58, 29.57]])
    )));
    assert!(!query.matches(&geo(
        "LineString",
        json!([[106.52, 29.53], [106.65, 29.57]])
    )));
    // A polygon inside; the polygon itself.
    let inner = geo(
        "Polygon",
        json!([[
            [106.55, 29.54],
            [106.58, 29.54],
            [106.58, 29.56],
            [106.55, 29.54]
        ]]),
    );
    assert!(query.matches(&inner));
    assert!(query.matches(&centre()));
    // A MultiPoint with one point outside.
    assert!(!query.matches(&geo("MultiPoint", json!([[106.55, 29.55], [106.7, 29.9]]))));
}

#[test]
fn within_a_polygon_with_a_hole() {
    let query = q(
        "within",
        "Polygon",
        "[[[106.4,29.5],[106.9,29.5],[106.9,30.1],[106.4,30.1],[106.4,29.5]],\
          [[106.6,29.7],[106.7,29.7],[106.7,29.75],[106.6,29.75],[106.6,29.7]]]",
    );
    assert!(query.matches(&point(JIEFANGBEI)));
    assert!(!query.matches(&point(JIANGBEI_AIRPORT)), "in the hole");
    assert!(query.matches(&point(BEIBEI)));
}

#[test]
fn within_a_point_is_being_that_point() {
    let query = q("within", "Point", &pt_text(JIEFANGBEI));
    assert!(query.matches(&point(JIEFANGBEI)));
    assert!(!query.matches(&point(CHAOTIANMEN)));
}

// ---------------------------------------------------------------- contains

#[test]
fn contains() {
    let query = q("contains", "Point", &pt_text(JIEFANGBEI));
    assert!(query.matches(&centre()));
    assert!(query.matches(&point(JIEFANGBEI)));
    assert!(!query.matches(&point(CHAOTIANMEN)));
    let district = geo(
        "Polygon",
        json!([[
            [106.56, 29.55],
            [106.59, 29.55],
            [106.59, 29.57],
            [106.56, 29.57],
            [106.56, 29.55]
        ]]),
    );
    assert!(query.matches(&district));
    let query = q("contains", "Point", &pt_text(JIANGBEI_AIRPORT));
    assert!(!query.matches(&centre()));
    // A stored polygon contains a query line inside it, not one crossing its edge.
    let inside = q("contains", "LineString", "[[106.52,29.53],[106.58,29.57]]");
    assert!(inside.matches(&centre()));
    let crossing = q("contains", "LineString", "[[106.52,29.53],[106.65,29.57]]");
    assert!(!crossing.matches(&centre()));
    // A point does not contain a polygon; a smaller polygon does not contain a larger one.
    let big = q("contains", "Polygon", CENTRE);
    assert!(!big.matches(&point(JIEFANGBEI)));
    assert!(!big.matches(&district));
    // A stored line contains a point in its interior.
    let on_line = q("contains", "Point", "[106.55,29.60]");
    assert!(on_line.matches(&geo(
        "LineString",
        json!([[106.50, 29.60], [106.60, 29.60]])
    )));
}

// ---------------------------------------------------------------- intersects / disjoint

#[test]
fn intersects_and_disjoint() {
    let inter = q("intersects", "Polygon", CENTRE);
    let disj = q("disjoint", "Polygon", CENTRE);
    let cases: Vec<(Geometry<f64>, bool)> = vec![
        (point(JIEFANGBEI), true),
        (point((106.60, 29.55)), true), // on the boundary
        (point(JIANGBEI_AIRPORT), false),
        (
            geo("LineString", json!([[106.55, 29.45], [106.55, 29.65]])),
            true,
        ), // crosses
        (
            geo("LineString", json!([[106.65, 29.45], [106.65, 29.65]])),
            false,
        ),
        (
            geo(
                "Polygon",
                json!([[
                    [106.59, 29.57],
                    [106.70, 29.57],
                    [106.70, 29.70],
                    [106.59, 29.57]
                ]]),
            ),
            true,
        ),
        // Touches the centre polygon at its corner (106.60, 29.52) only.
        (
            geo(
                "Polygon",
                json!([[
                    [106.60, 29.52],
                    [106.70, 29.50],
                    [106.70, 29.52],
                    [106.60, 29.52]
                ]]),
            ),
            true,
        ),
        // Passes just below that corner.
        (
            geo(
                "Polygon",
                json!([[
                    [106.60, 29.50],
                    [106.70, 29.50],
                    [106.70, 29.52],
                    [106.60, 29.50]
                ]]),
            ),
            false,
        ),
        (
            geo("MultiPoint", json!([[106.7, 29.9], [106.55, 29.55]])),
            true,
        ),
        (
            geo("MultiPoint", json!([[106.7, 29.9], [106.8, 30.0]])),
            false,
        ),
    ];
    for (i, (g, expected)) in cases.iter().enumerate() {
        assert_eq!(inter.matches(g), *expected, "case {i}");
        assert_eq!(disj.matches(g), !*expected, "case {i}");
    }
    // Two crossing lines.
    let road = q(
        "intersects",
        "LineString",
        "[[106.45,29.50],[106.85,30.05]]",
    );
    assert!(road.matches(&geo(
        "LineString",
        json!([[106.45, 30.05], [106.85, 29.50]])
    )));
    let road = q("disjoint", "LineString", "[[106.45,29.50],[106.85,30.05]]");
    assert!(!road.matches(&geo(
        "LineString",
        json!([[106.45, 30.05], [106.85, 29.50]])
    )));
}

// ---------------------------------------------------------------- equals

#[test]
fn equals() {
    let query = q("equals", "Point", &pt_text(JIEFANGBEI));
    assert!(query.matches(&point(JIEFANGBEI)));
    assert!(query.matches(&point((JIEFANGBEI.0 + 1e-12, JIEFANGBEI.1 - 1e-12))));
    assert!(!query.matches(&point((JIEFANGBEI.0 + 1e-6, JIEFANGBEI.1))));
    assert!(!query.matches(&point(CHAOTIANMEN)));
    // Topologically equal: a MultiPoint of that one point.
    assert!(query.matches(&geo("MultiPoint", json!([[JIEFANGBEI.0, JIEFANGBEI.1]]))));

    let poly = q("equals", "Polygon", CENTRE);
    assert!(poly.matches(&centre()));
    // The same ring starting at another vertex, and in the other orientation.
    let rotated = geo(
        "Polygon",
        json!([[
            [106.60, 29.52],
            [106.60, 29.58],
            [106.50, 29.58],
            [106.50, 29.52],
            [106.60, 29.52]
        ]]),
    );
    assert!(poly.matches(&rotated));
    let reversed = geo(
        "Polygon",
        json!([[
            [106.50, 29.52],
            [106.50, 29.58],
            [106.60, 29.58],
            [106.60, 29.52],
            [106.50, 29.52]
        ]]),
    );
    assert!(poly.matches(&reversed));
    let smaller = geo(
        "Polygon",
        json!([[
            [106.50, 29.52],
            [106.59, 29.52],
            [106.59, 29.58],
            [106.50, 29.58],
            [106.50, 29.52]
        ]]),
    );
    assert!(!poly.matches(&smaller));

    let line = q(
        "equals",
        "LineString",
        "[[106.45,29.58],[106.55,29.575],[106.5865,29.565]]",
    );
    assert!(line.matches(&geo(
        "LineString",
        json!([[106.5865, 29.565], [106.55, 29.575], [106.45, 29.58]])
    )));
    assert!(!line.matches(&geo(
        "LineString",
        json!([[106.45, 29.58], [106.55, 29.575]])
    )));
}

// ---------------------------------------------------------------- overlaps

#[test]
fn overlaps() {
    let query = q("overlaps", "Polygon", CENTRE);
    let straddling = geo(
        "Polygon",
        json!([[
            [106.55, 29.55],
            [106.65, 29.55],
            [106.65, 29.65],
            [106.55, 29.65],
            [106.55, 29.55]
        ]]),
    );
    assert!(query.matches(&straddling));
    let inner = geo(
        "Polygon",
        json!([[
            [106.55, 29.54],
            [106.58, 29.54],
            [106.58, 29.56],
            [106.55, 29.54]
        ]]),
    );
    assert!(!query.matches(&inner), "contained, not overlapping");
    assert!(!query.matches(&centre()), "equal, not overlapping");
    let outside = geo(
        "Polygon",
        json!([[
            [106.62, 29.70],
            [106.66, 29.70],
            [106.66, 29.74],
            [106.62, 29.70]
        ]]),
    );
    assert!(!query.matches(&outside));
    // Different dimensions never overlap.
    assert!(!query.matches(&geo(
        "LineString",
        json!([[106.55, 29.45], [106.55, 29.65]])
    )));
    assert!(!query.matches(&point(JIEFANGBEI)));
    // Lines overlapping along part of their length.
    let line = q("overlaps", "LineString", "[[106.45,29.60],[106.60,29.60]]");
    assert!(line.matches(&geo(
        "LineString",
        json!([[106.55, 29.60], [106.70, 29.60]])
    )));
    assert!(
        !line.matches(&geo(
            "LineString",
            json!([[106.55, 29.50], [106.55, 29.70]])
        )),
        "crossing"
    );
    // MultiPoints sharing some points.
    let mp = q(
        "overlaps",
        "MultiPoint",
        "[[106.5775,29.557],[106.5865,29.565]]",
    );
    assert!(mp.matches(&geo(
        "MultiPoint",
        json!([[106.5775, 29.557], [106.4563, 29.541]])
    )));
}

// ---------------------------------------------------------------- misc

#[test]
fn matches_geojson_values() {
    let query = q("within", "Polygon", CENTRE);
    assert!(query.matches_geojson(&json!({"type": "Point", "coordinates": [106.5775, 29.557]})));
    assert!(!query.matches_geojson(&json!({"type": "Point", "coordinates": [106.5775]})));
}

#[test]
fn empty_stored_geometry_matches_nothing() {
    use yuverse_twin_geo::geo::{GeometryCollection, MultiPoint};
    let empty = Geometry::MultiPoint(MultiPoint::<f64>(vec![]));
    let empty_gc = Geometry::GeometryCollection(GeometryCollection::<f64>(vec![]));
    for rel in [
        "near;maxDistance==1",
        "near;minDistance==1",
        "within",
        "contains",
        "intersects",
        "equals",
        "disjoint",
        "overlaps",
    ] {
        let query = q(rel, "Polygon", CENTRE);
        assert!(!query.matches(&empty), "{rel}");
        assert!(!query.matches(&empty_gc), "{rel}");
    }
    assert_eq!(distance_m(&empty, &centre()), f64::INFINITY);
}

#[test]
fn candidate_bbox_contains_the_matches() {
    let query = q("near;maxDistance==2000", "Point", &pt_text(JIEFANGBEI));
    let bbox = query.candidate_bbox().unwrap();
    // 2 km is about 0.018° of latitude and 0.0207° of longitude at 29.56°N.
    assert!(bbox.min().y < JIEFANGBEI.1 - 0.0179 && bbox.min().y > JIEFANGBEI.1 - 0.0182);
    assert!(bbox.max().x > JIEFANGBEI.0 + 0.0206 && bbox.max().x < JIEFANGBEI.0 + 0.0209);
    assert!(q("disjoint", "Polygon", CENTRE).candidate_bbox().is_none());
    assert!(q("near;minDistance==5", "Point", "[1,2]")
        .candidate_bbox()
        .is_none());
    let within = q("within", "Polygon", CENTRE).candidate_bbox().unwrap();
    assert!(within.min().x <= 106.50 && within.max().x >= 106.60);
    assert!(within.min().x > 106.49);
    // Near the antimeridian the box spans every longitude; candidate_boxes splits it.
    let wrap = q("near;maxDistance==10000", "Point", "[179.99,10]");
    let bbox = wrap.candidate_bbox().unwrap();
    assert_eq!((bbox.min().x, bbox.max().x), (-180.0, 180.0));
    assert_eq!(wrap.candidate_boxes().unwrap().len(), 2);
    // Near a pole every longitude is reachable.
    let polar = q("near;maxDistance==20000", "Point", "[45,89.9]");
    let bbox = polar.candidate_bbox().unwrap();
    assert_eq!(
        (bbox.min().x, bbox.max().x, bbox.max().y),
        (-180.0, 180.0, 90.0)
    );
}
