//! Property tests: parsers never panic, `near` agrees with `distance_m`, and index candidates
//! always include the true matches.

use std::collections::BTreeSet;

use proptest::prelude::*;
use serde_json::{json, Value};
use yuverse_twin_geo::geo::{Distance, Geodesic, Geometry, Haversine, Point};
use yuverse_twin_geo::{
    distance_m, geometry_from_geojson, parse_geo_query, parse_geo_query_json, GeoQuery, GeoRel,
    SpatialIndex,
};

// ---------------------------------------------------------------- strategies

const WORDS: &[&str] = &[
    "near",
    "within",
    "contains",
    "intersects",
    "equals",
    "disjoint",
    "overlaps",
    ";",
    "maxDistance",
    "minDistance",
    "==",
    "=",
    ":",
    "0",
    "1",
    "2.5",
    "1e3",
    "-",
    "+",
    "e",
    ".",
    "abc",
    " ",
    "Point",
    "Polygon",
    "[",
    "]",
    ",",
    "%5B",
    "%2C",
    "%",
    "\"",
    "{",
    "}",
    "null",
];

const ALL_RELS: [&str; 9] = [
    "near;maxDistance==1000",
    "near;minDistance==1000",
    "near;minDistance==10;maxDistance==100000",
    "within",
    "contains",
    "intersects",
    "equals",
    "disjoint",
    "overlaps",
];

/// Strings made of the tokens the parsers look for, to reach their deeper branches.
fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS), 0..12).prop_map(|w| w.concat())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), token_soup(), "[\\[\\]0-9.,eE+ -]{0,40}"]
}

/// Nested arrays of numbers (and the odd non-number), like GeoJSON coordinates gone wrong.
fn arb_coordinates() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        6 => (-200.0f64..200.0).prop_map(|f| json!(f)),
        6 => (-3i64..3).prop_map(|i| json!(i)),
        2 => (-5i64..5).prop_map(|i| json!(i)),
        1 => Just(Value::Null),
        1 => Just(json!("1")),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop::collection::vec(inner, 0..6).prop_map(Value::Array)
    })
}

/// Well-formed GeoJSON of every type on a small grid: often valid, often self-intersecting,
/// touching or overlapping, to exercise validation and the DE-9IM code on awkward inputs.
fn arb_structured_geojson() -> impl Strategy<Value = Value> {
    let pos = prop_oneof![
        4 => (-3i32..4, -3i32..4).prop_map(|(x, y)| json!([x, y])),
        1 => (-3.0f64..3.0, -3.0f64..3.0).prop_map(|(x, y)| json!([x, y])),
    ];
    let line = prop::collection::vec(pos.clone(), 2..5);
    let ring = prop::collection::vec(pos.clone(), 3..6).prop_map(|mut r| {
        r.push(r[0].clone());
        Value::Array(r)
    });
    let polygon = prop::collection::vec(ring, 1..3);
    prop_oneof![
        pos.clone()
            .prop_map(|p| json!({"type": "Point", "coordinates": p})),
        prop::collection::vec(pos, 1..5)
            .prop_map(|c| json!({"type": "MultiPoint", "coordinates": c})),
        line.clone()
            .prop_map(|c| json!({"type": "LineString", "coordinates": c})),
        prop::collection::vec(line, 1..3)
            .prop_map(|c| json!({"type": "MultiLineString", "coordinates": c})),
        polygon
            .clone()
            .prop_map(|c| json!({"type": "Polygon", "coordinates": c})),
        prop::collection::vec(polygon, 1..3)
            .prop_map(|c| json!({"type": "MultiPolygon", "coordinates": c})),
    ]
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        any::<i64>().prop_map(|i| json!(i)),
        any_text().prop_map(Value::String),
    ];
    let keys = prop::sample::select(vec![
        "type",
        "coordinates",
        "georel",
        "geometry",
        "geoproperty",
        "bbox",
        "x",
    ]);
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone().prop_map(String::from), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn geometry_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "Point",
            "MultiPoint",
            "LineString",
            "MultiLineString",
            "Polygon",
            "MultiPolygon",
            "GeometryCollection",
            "point",
            "",
        ])
        .prop_map(String::from),
        any_text(),
    ]
}

/// A plausible geoQ object with random parts.
fn arb_geoq() -> impl Strategy<Value = Value> {
    (
        prop_oneof![
            prop::sample::select(vec!["within", "near;maxDistance==100", "overlaps"])
                .prop_map(|s| json!(s)),
            token_soup().prop_map(Value::String),
            arb_json(),
        ],
        geometry_name(),
        prop_oneof![
            arb_coordinates(),
            arb_coordinates().prop_map(|c| Value::String(c.to_string())),
            arb_json(),
        ],
        prop::option::of(prop_oneof![any_text().prop_map(Value::String), arb_json()]),
    )
        .prop_map(|(georel, geometry, coordinates, geoproperty)| {
            let mut o = json!({"georel": georel, "geometry": geometry, "coordinates": coordinates});
            if let Some(g) = geoproperty {
                o["geoproperty"] = g;
            }
            o
        })
}

fn wrap_lon(lon: f64) -> f64 {
    if lon > 180.0 {
        lon - 360.0
    } else if lon < -180.0 {
        lon + 360.0
    } else {
        lon
    }
}

fn clamp_lat(lat: f64) -> f64 {
    lat.clamp(-90.0, 90.0)
}

/// A point, a two-point line or a rectangle near (lon, lat), validated like a GeoProperty value.
fn make_geometry(kind: u8, lon: f64, lat: f64, w: f64, h: f64) -> Option<Geometry<f64>> {
    let (x0, y0) = (wrap_lon(lon), clamp_lat(lat));
    let (x1, y1) = (wrap_lon(lon + w), clamp_lat(lat + h));
    let value = match kind % 3 {
        0 => json!({"type": "Point", "coordinates": [x0, y0]}),
        1 => json!({"type": "LineString", "coordinates": [[x0, y0], [x1, y1]]}),
        _ => json!({"type": "Polygon", "coordinates":
            [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}),
    };
    geometry_from_geojson(&value).ok()
}

/// Centres anywhere, with extra weight on the antimeridian and the poles.
fn arb_centre() -> impl Strategy<Value = (f64, f64)> {
    prop_oneof![
        3 => (-180.0f64..180.0, -80.0f64..80.0),
        1 => (106.4f64..106.9, 29.5f64..30.1),
        1 => (177.0f64..180.0, -60.0f64..60.0),
        1 => (-180.0f64..-177.0, -60.0f64..60.0),
        1 => (-180.0f64..180.0, 84.0f64..90.0),
        1 => (-180.0f64..180.0, -90.0f64..-84.0),
    ]
}

/// (kind, dlon, dlat, width, height) of a shape near a centre.
fn arb_shape() -> impl Strategy<Value = (u8, f64, f64, f64, f64)> {
    (
        0u8..3,
        -3.0f64..3.0,
        -3.0f64..3.0,
        prop_oneof![0.001f64..0.5, 0.5f64..2.0],
        prop_oneof![0.001f64..0.5, 0.5f64..2.0],
    )
}

fn coordinates_text(g: &Geometry<f64>) -> (String, String) {
    let v = yuverse_twin_geo::geometry_to_geojson(g);
    (
        v["type"].as_str().unwrap().to_owned(),
        v["coordinates"].to_string(),
    )
}

// ---------------------------------------------------------------- never panic

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn query_string_parser_never_panics(
        georel in any_text(),
        geometry in geometry_name(),
        coordinates in prop_oneof![
            any_text(),
            arb_coordinates().prop_map(|c| c.to_string()),
            arb_coordinates().prop_map(|c| c.to_string().replace('[', "%5B").replace(',', "%2C")),
        ],
        geoproperty in prop::option::of(any_text()),
    ) {
        if let Err(e) = parse_geo_query(&georel, &geometry, &coordinates, geoproperty.as_deref()) {
            prop_assert!(["georel", "geometry", "coordinates", "geoproperty"].contains(&e.field));
            prop_assert!(!e.message.is_empty());
        }
        let _ = georel.parse::<GeoRel>();
    }

    #[test]
    fn json_parser_never_panics(value in prop_oneof![arb_json(), arb_geoq()]) {
        if let Err(e) = parse_geo_query_json(&value) {
            prop_assert!(["georel", "geometry", "coordinates", "geoproperty"].contains(&e.field));
        }
    }

    #[test]
    fn geojson_parser_never_panics(
        value in prop_oneof![
            arb_json(),
            arb_structured_geojson(),
            arb_structured_geojson(),
            (geometry_name(), arb_coordinates())
                .prop_map(|(t, c)| json!({"type": t, "coordinates": c})),
            (geometry_name(), arb_coordinates())
                .prop_map(|(t, c)| Value::String(json!({"type": t, "coordinates": c}).to_string())),
        ]
    ) {
        match geometry_from_geojson(&value) {
            Ok(g) => {
                // Whatever is accepted can be evaluated (as target and as reference) and indexed.
                let (ty, coords) = coordinates_text(&g);
                let other = geometry_from_geojson(&json!({"type": "Polygon",
                    "coordinates": [[[-1, -1], [2, -1], [2, 2], [-1, 2], [-1, -1]]]})).unwrap();
                for rel in ALL_RELS {
                    let fixed = parse_geo_query(rel, "Point", "[1,1]", None).unwrap();
                    let _ = fixed.matches(&g);
                    let reference = parse_geo_query(rel, &ty, &coords, None).unwrap();
                    let _ = reference.matches(&other);
                    let _ = reference.candidate_bbox();
                }
                prop_assert!(distance_m(&g, &other) >= 0.0);
                prop_assert!(yuverse_twin_geo::envelope(&g).is_some());
            }
            Err(message) => prop_assert!(!message.is_empty()),
        }
    }
}

// ---------------------------------------------------------------- near and distances

proptest! {
    #[test]
    fn near_max_distance_matches_exactly_the_points_within_it(
        (lon, lat) in arb_centre(),
        reference in arb_shape(),
        offsets in prop::collection::vec((-0.5f64..0.5, -0.5f64..0.5), 1..25),
        d in prop_oneof![1.0f64..100.0, 100.0f64..50_000.0, 50_000.0f64..2_000_000.0],
    ) {
        let (kind, dx, dy, w, h) = reference;
        let Some(ref_geom) = make_geometry(kind, lon + dx * 0.01, lat + dy * 0.01, w * 0.1, h * 0.1) else {
            return Ok(());
        };
        let (ty, coords) = coordinates_text(&ref_geom);
        let max = parse_geo_query(&format!("near;maxDistance=={d}"), &ty, &coords, None).unwrap();
        let min = parse_geo_query(&format!("near;minDistance=={d}"), &ty, &coords, None).unwrap();
        prop_assert_eq!(max.georel, GeoRel::Near { max_distance_m: Some(d), min_distance_m: None });
        for (ox, oy) in offsets {
            let p = Geometry::Point(Point::new(wrap_lon(lon + ox), clamp_lat(lat + oy)));
            let dist = distance_m(&p, &max.geometry);
            prop_assert_eq!(max.matches(&p), dist <= d);
            prop_assert_eq!(min.matches(&p), dist > d);
        }
    }

    #[test]
    fn point_distances_are_haversine_and_close_to_the_ellipsoid(
        a in (-180.0f64..180.0, -90.0f64..90.0),
        b in (-180.0f64..180.0, -90.0f64..90.0),
    ) {
        let (pa, pb) = (Point::new(a.0, a.1), Point::new(b.0, b.1));
        let d = distance_m(&Geometry::Point(pa), &Geometry::Point(pb));
        let back = distance_m(&Geometry::Point(pb), &Geometry::Point(pa));
        prop_assert!((d - back).abs() <= 1e-6);
        let hav = Haversine.distance(pa, pb);
        prop_assert!((d - hav).abs() <= 1e-9 * hav + 0.1, "{} vs haversine {}", d, hav);
        let ellipsoid = Geodesic.distance(pa, pb);
        prop_assert!((d - ellipsoid).abs() <= 0.006 * ellipsoid + 1e-3, "{} vs geodesic {}", d, ellipsoid);
    }

    #[test]
    fn distance_is_symmetric_and_zero_exactly_when_intersecting(
        (lon, lat) in arb_centre(),
        s1 in arb_shape(),
        s2 in arb_shape(),
    ) {
        let (Some(a), Some(b)) = (
            make_geometry(s1.0, lon + s1.1, lat + s1.2, s1.3, s1.4),
            make_geometry(s2.0, lon + s2.1, lat + s2.2, s2.3, s2.4),
        ) else {
            return Ok(());
        };
        let (ab, ba) = (distance_m(&a, &b), distance_m(&b, &a));
        prop_assert!(ab >= 0.0 && ab.is_finite());
        prop_assert!((ab - ba).abs() <= 1e-6 * ab.max(1.0));
        let (ta, ca) = coordinates_text(&a);
        let inter = parse_geo_query("intersects", &ta, &ca, None).unwrap();
        let disj = parse_geo_query("disjoint", &ta, &ca, None).unwrap();
        prop_assert_eq!(inter.matches(&b), !disj.matches(&b));
        prop_assert_eq!(inter.matches(&b), ab == 0.0);
    }

    #[test]
    fn to_json_round_trips(
        (lon, lat) in arb_centre(),
        s in arb_shape(),
        rel in prop::sample::select(vec![
            "within", "contains", "intersects", "equals", "disjoint", "overlaps",
            "near;maxDistance==1234.5", "near;minDistance==7", "near;maxDistance==90;minDistance==3",
        ]),
    ) {
        let Some(g) = make_geometry(s.0, lon + s.1, lat + s.2, s.3, s.4) else {
            return Ok(());
        };
        let (ty, coords) = coordinates_text(&g);
        let q = parse_geo_query(rel, &ty, &coords, Some("observationSpace")).unwrap();
        let back = parse_geo_query_json(&q.to_json()).unwrap();
        prop_assert_eq!(back.georel, q.georel);
        prop_assert_eq!(&back.geoproperty, &q.geoproperty);
        // serde_json's default float parsing may differ from the shortest representation in the
        // last bit, hence equality up to the `equals` tolerance.
        let same = GeoQuery { georel: GeoRel::Equals, ..q };
        prop_assert!(same.matches(&back.geometry));
        prop_assert!(same.matches(&g));
    }
}

/// Reference distance from `p` to the lon/lat segment `a`–`b`: dense haversine sampling of
/// the segment, refined by golden-section search.
fn reference_point_segment(p: Point, a: (f64, f64), b: (f64, f64)) -> f64 {
    let f =
        |t: f64| Haversine.distance(p, Point::new(a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t));
    let n = 400;
    let (mut best_t, mut best) = (0.0, f(0.0));
    for i in 1..=n {
        let t = f64::from(i) / f64::from(n);
        let d = f(t);
        if d < best {
            (best, best_t) = (d, t);
        }
    }
    let step = 1.0 / f64::from(n);
    let (mut lo, mut hi) = ((best_t - step).max(0.0), (best_t + step).min(1.0));
    for _ in 0..80 {
        let (m1, m2) = (lo + (hi - lo) * 0.382, lo + (hi - lo) * 0.618);
        if f(m1) < f(m2) {
            hi = m2;
        } else {
            lo = m1;
        }
    }
    best.min(f((lo + hi) / 2.0))
}

/// Reference distance from a point to the edges (and lone points) of a geometry.
fn reference_point_geometry(p: Point, g: &Geometry<f64>) -> (f64, f64) {
    use yuverse_twin_geo::geo::{CoordsIter, Line};
    let lines: Vec<Line<f64>> = match g {
        Geometry::LineString(ls) => ls.lines().collect(),
        Geometry::Polygon(p) => std::iter::once(p.exterior())
            .chain(p.interiors())
            .flat_map(|r| r.lines())
            .collect(),
        _ => Vec::new(),
    };
    let mut best = f64::INFINITY;
    let mut longest: f64 = 0.0;
    for line in lines {
        let (a, b) = (line.start, line.end);
        best = best.min(reference_point_segment(p, (a.x, a.y), (b.x, b.y)));
        // The edge's length in the lon/lat plane, which bounds its length on the sphere.
        let planar = (b.x - a.x).to_radians().hypot((b.y - a.y).to_radians());
        longest = longest.max(planar * yuverse_twin_geo::EARTH_RADIUS_M);
    }
    if let Geometry::Point(_) | Geometry::MultiPoint(_) = g {
        for c in g.coords_iter() {
            best = best.min(Haversine.distance(p, Point(c)));
        }
    }
    (best, longest)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn distances_to_lines_and_areas_match_a_dense_reference(
        (lon, lat) in arb_centre(),
        shape in arb_shape(),
        other in arb_shape(),
        offset in (-4.0f64..4.0, -4.0f64..4.0),
    ) {
        use yuverse_twin_geo::geo::Intersects;
        let (k, dx, dy, w, h) = shape;
        let Some(g) = make_geometry(k.max(1), lon + dx, lat + dy, w, h) else { return Ok(()) };
        let p = Point::new(wrap_lon(lon + offset.0), clamp_lat(lat + offset.1));
        let ours = distance_m(&Geometry::Point(p), &g);
        if Geometry::Point(p).intersects(&g) {
            prop_assert_eq!(ours, 0.0);
            return Ok(());
        }
        let (reference, longest) = reference_point_geometry(p, &g);
        let tolerance = 0.2 + 2e-5 * longest + 1e-9 * reference;
        prop_assert!((ours - reference).abs() <= tolerance,
            "ours {} reference {} (tolerance {})", ours, reference, tolerance);

        // Between two shapes: the smaller of the vertex-to-shape references, both ways.
        let (k2, dx2, dy2, w2, h2) = other;
        let Some(g2) = make_geometry(k2, lon + dx2, lat + dy2, w2, h2) else { return Ok(()) };
        if g.intersects(&g2) {
            prop_assert_eq!(distance_m(&g, &g2), 0.0);
            return Ok(());
        }
        use yuverse_twin_geo::geo::CoordsIter;
        let mut reference = f64::INFINITY;
        let mut longest: f64 = 0.0;
        for (from, to) in [(&g, &g2), (&g2, &g)] {
            for c in from.coords_iter() {
                let (d, l) = reference_point_geometry(Point(c), to);
                reference = reference.min(d);
                longest = longest.max(l);
            }
        }
        let ours = distance_m(&g, &g2);
        // Our chains also use points along long edges, so ours may be slightly smaller.
        let tolerance = 0.5 + 4e-5 * longest + 1e-9 * reference;
        prop_assert!(ours <= reference + tolerance, "ours {} reference {}", ours, reference);
        prop_assert!(ours >= reference - tolerance - 1e-3 * reference,
            "ours {} reference {}", ours, reference);
    }
}

// ---------------------------------------------------------------- index candidates

/// A query of kind `kind` around (lon, lat), sometimes reusing a stored geometry.
fn make_query(
    kind: u8,
    lon: f64,
    lat: f64,
    shape: (u8, f64, f64, f64, f64),
    d: f64,
    stored: &[Geometry<f64>],
) -> Option<GeoQuery> {
    let (k, dx, dy, w, h) = shape;
    let rect = make_geometry(2, lon + dx, lat + dy, w, h);
    let any = make_geometry(k, lon + dx, lat + dy, w, h);
    let point = make_geometry(0, lon + dx, lat + dy, 0.0, 0.0);
    let (georel, geometry) = match kind % 9 {
        0 => (format!("near;maxDistance=={d}"), point?),
        1 => (format!("near;maxDistance=={d}"), any?),
        2 => (
            format!("near;minDistance=={};maxDistance=={d}", d / 2.0),
            any?,
        ),
        3 => ("within".to_owned(), rect?),
        4 => ("intersects".to_owned(), any?),
        5 => (
            "contains".to_owned(),
            stored.first().filter(|_| k == 0).cloned().or(point)?,
        ),
        6 => (
            "equals".to_owned(),
            stored.get(usize::from(k)).cloned().or(any)?,
        ),
        7 => ("overlaps".to_owned(), rect?),
        _ => ("contains".to_owned(), any?),
    };
    let (ty, coords) = coordinates_text(&geometry);
    parse_geo_query(&georel, &ty, &coords, None).ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn index_candidates_include_every_true_match(
        (lon, lat) in arb_centre(),
        shapes in prop::collection::vec(arb_shape(), 1..40),
        removed in prop::collection::vec(any::<bool>(), 40),
        queries in prop::collection::vec(
            (0u8..9, arb_shape(), prop_oneof![1.0f64..1_000.0, 1_000.0f64..100_000.0, 100_000.0f64..1_500_000.0]),
            1..6,
        ),
    ) {
        let stored: Vec<Geometry<f64>> = shapes
            .iter()
            .filter_map(|&(k, dx, dy, w, h)| make_geometry(k, lon + dx, lat + dy, w, h))
            .collect();
        let mut index = SpatialIndex::new();
        let keys: Vec<String> = (0..stored.len()).map(|i| format!("urn:ngsi-ld:Thing:{i}")).collect();
        for (k, g) in keys.iter().zip(&stored) {
            index.upsert(k, g);
        }
        let mut live = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            if removed[i] && i % 2 == 0 {
                index.remove(k);
            } else {
                live.push(i);
            }
        }
        prop_assert_eq!(index.len(), live.len());

        for (kind, shape, d) in queries {
            let Some(q) = make_query(kind, lon, lat, shape, d, &stored) else { continue };
            let truth: BTreeSet<&str> = live
                .iter()
                .filter(|&&i| q.matches(&stored[i]))
                .map(|&i| keys[i].as_str())
                .collect();
            let bbox = q.candidate_bbox().expect("bounded relation");
            let wide: BTreeSet<&str> = index.candidates(&bbox).into_iter().collect();
            prop_assert!(truth.is_subset(&wide), "{:?}: {:?} not within {:?}", q, truth, wide);
            let split = index.query_candidates(&q).expect("bounded relation");
            let split_set: BTreeSet<&str> = split.iter().copied().collect();
            prop_assert_eq!(split.len(), split_set.len(), "duplicates");
            prop_assert!(truth.is_subset(&split_set), "{:?}: {:?} not within {:?}", q, truth, split_set);
            prop_assert!(split_set.is_subset(&wide));
        }
    }
}
