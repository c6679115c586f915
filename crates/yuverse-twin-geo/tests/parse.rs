//! Parsing of geo-queries and GeoJSON: accepted forms and every kind of malformed input.

use serde_json::json;
use yuverse_twin_geo::geo::{Geometry, Point};
use yuverse_twin_geo::{
    geometry_from_geojson, geometry_to_geojson, parse_geo_query, parse_geo_query_json,
    parse_geo_query_params, GeoError, GeoRel, GeometryType,
};

const POLY: &str = "[[[106.5,29.5],[106.6,29.5],[106.6,29.6],[106.5,29.6],[106.5,29.5]]]";

fn err(georel: &str, geometry: &str, coordinates: &str, geoproperty: Option<&str>) -> GeoError {
    parse_geo_query(georel, geometry, coordinates, geoproperty)
        .expect_err("the query should be rejected")
}

fn assert_field(e: &GeoError, field: &str) {
    assert_eq!(e.field, field, "wrong field in {e}");
    assert!(!e.message.is_empty());
}

// ---------------------------------------------------------------- accepted forms

#[test]
fn spec_example_near_point() {
    let q = parse_geo_query(
        "near;maxDistance==2000",
        "Point",
        "[8,40]",
        Some("observationSpace"),
    )
    .unwrap();
    assert_eq!(
        q.georel,
        GeoRel::Near {
            max_distance_m: Some(2000.0),
            min_distance_m: None
        }
    );
    assert_eq!(q.geometry, Geometry::Point(Point::new(8.0, 40.0)));
    assert_eq!(q.geoproperty, "observationSpace");
}

#[test]
fn spec_example_within_polygon() {
    let q = parse_geo_query(
        "within",
        "Polygon",
        "[[[100.0,0.0],[101.0,0.0],[101.0,1.0],[100.0,1.0], [100.0,0.0]]]",
        Some("location"),
    )
    .unwrap();
    assert_eq!(q.georel, GeoRel::Within);
    assert!(matches!(q.geometry, Geometry::Polygon(_)));
}

#[test]
fn every_georel_parses() {
    let cases = [
        ("within", GeoRel::Within),
        ("contains", GeoRel::Contains),
        ("intersects", GeoRel::Intersects),
        ("equals", GeoRel::Equals),
        ("disjoint", GeoRel::Disjoint),
        ("overlaps", GeoRel::Overlaps),
        (
            "near;minDistance==10.5",
            GeoRel::Near {
                max_distance_m: None,
                min_distance_m: Some(10.5),
            },
        ),
        (
            "near;maxDistance==2e3",
            GeoRel::Near {
                max_distance_m: Some(2000.0),
                min_distance_m: None,
            },
        ),
        (
            "near;minDistance==100;maxDistance==900",
            GeoRel::Near {
                max_distance_m: Some(900.0),
                min_distance_m: Some(100.0),
            },
        ),
        (
            " near ; maxDistance == 5 ",
            GeoRel::Near {
                max_distance_m: Some(5.0),
                min_distance_m: None,
            },
        ),
    ];
    for (text, expected) in cases {
        let q = parse_geo_query(text, "Polygon", POLY, None).unwrap();
        assert_eq!(q.georel, expected, "{text}");
        assert_eq!(text.parse::<GeoRel>().unwrap(), expected);
    }
}

#[test]
fn every_geometry_type_parses() {
    let cases = [
        ("Point", "[106.55,29.56]"),
        ("MultiPoint", "[[106.55,29.56],[106.6,29.6]]"),
        ("LineString", "[[106.55,29.56],[106.6,29.6]]"),
        (
            "MultiLineString",
            "[[[106.55,29.56],[106.6,29.6]],[[106.4,29.5],[106.45,29.5]]]",
        ),
        ("Polygon", POLY),
        (
            "MultiPolygon",
            "[[[[106.5,29.5],[106.6,29.5],[106.6,29.6],[106.5,29.5]]],\
              [[[106.7,29.7],[106.8,29.7],[106.8,29.8],[106.7,29.7]]]]",
        ),
    ];
    for (ty, coords) in cases {
        let q = parse_geo_query("intersects", ty, coords, None).unwrap();
        assert_eq!(GeometryType::of(&q.geometry).unwrap().name(), ty);
    }
}

#[test]
fn polygon_with_hole_and_altitude() {
    let q = parse_geo_query(
        "within",
        "Polygon",
        "[[[106,29,10],[107,29,10],[107,30,10],[106,30,10],[106,29,10]],\
          [[106.4,29.4],[106.6,29.4],[106.6,29.6],[106.4,29.4]]]",
        None,
    )
    .unwrap();
    let Geometry::Polygon(p) = &q.geometry else {
        panic!("not a polygon")
    };
    assert_eq!(p.interiors().len(), 1);
}

#[test]
fn coordinates_may_arrive_percent_encoded() {
    let q = parse_geo_query("near;maxDistance==10", "Point", "%5B8%2C40%5D", None).unwrap();
    assert_eq!(q.geometry, Geometry::Point(Point::new(8.0, 40.0)));
    let q = parse_geo_query("near;maxDistance==10", "Point", "[8,+40]", None);
    assert!(q.is_err(), "`+` is not JSON and nothing is percent-encoded");
    let q = parse_geo_query("near;maxDistance==10", "Point", "%5B8,%2040%5D", None).unwrap();
    assert_eq!(q.geometry, Geometry::Point(Point::new(8.0, 40.0)));
    // Whitespace and newlines inside the JSON are fine.
    let q = parse_geo_query("near;maxDistance==10", "Point", " [ 8 ,\n 40 ] ", None).unwrap();
    assert_eq!(q.geometry, Geometry::Point(Point::new(8.0, 40.0)));
}

#[test]
fn geoproperty_defaults_to_location_and_accepts_uris() {
    let q = parse_geo_query("within", "Polygon", POLY, None).unwrap();
    assert_eq!(q.geoproperty, "location");
    let q = parse_geo_query(
        "within",
        "Polygon",
        POLY,
        Some("https://uri.etsi.org/ngsi-ld/operationSpace"),
    )
    .unwrap();
    assert_eq!(q.geoproperty, "https://uri.etsi.org/ngsi-ld/operationSpace");
    let q = parse_geo_query("within", "Polygon", POLY, Some("ex:site_area")).unwrap();
    assert_eq!(q.geoproperty, "ex:site_area");
}

#[test]
fn json_geoq_with_array_or_string_coordinates() {
    let a = parse_geo_query_json(&json!({
        "georel": "near;maxDistance==2000",
        "geometry": "Point",
        "coordinates": [106.5775, 29.557],
        "geoproperty": "location"
    }))
    .unwrap();
    let b = parse_geo_query_json(&json!({
        "georel": "near;maxDistance==2000",
        "geometry": "Point",
        "coordinates": "[106.5775, 29.557]"
    }))
    .unwrap();
    assert_eq!(a, b);
    let c = parse_geo_query_json(&json!({
        "georel": "within", "geometry": "Polygon", "coordinates": POLY,
        "geoproperty": null, "extra": true
    }))
    .unwrap();
    assert_eq!(c.geoproperty, "location");
}

#[test]
fn to_json_round_trips() {
    for (rel, ty, coords) in [
        (
            "near;maxDistance==2000;minDistance==10",
            "Point",
            "[106.5775,29.557]",
        ),
        ("within", "Polygon", POLY),
        ("overlaps", "MultiPoint", "[[1,2],[3,4]]"),
    ] {
        let q = parse_geo_query(rel, ty, coords, Some("observationSpace")).unwrap();
        let j = q.to_json();
        assert_eq!(j["geometry"], ty);
        assert!(j["coordinates"].is_array());
        assert_eq!(parse_geo_query_json(&j).unwrap(), q);
    }
}

#[test]
fn params_go_together() {
    assert_eq!(
        parse_geo_query_params(None, None, None, None).unwrap(),
        None
    );
    assert_eq!(
        parse_geo_query_params(None, None, None, Some("location")).unwrap(),
        None
    );
    assert!(
        parse_geo_query_params(Some("within"), Some("Polygon"), Some(POLY), None)
            .unwrap()
            .is_some()
    );
    let e = parse_geo_query_params(None, Some("Point"), Some("[1,2]"), None).unwrap_err();
    assert_field(&e, "georel");
    let e = parse_geo_query_params(Some("within"), None, Some("[1,2]"), None).unwrap_err();
    assert_field(&e, "geometry");
    let e = parse_geo_query_params(Some("within"), Some("Point"), None, None).unwrap_err();
    assert_field(&e, "coordinates");
}

// ---------------------------------------------------------------- georel errors

#[test]
fn unknown_georel() {
    for bad in [
        "",
        " ",
        "nearby",
        "Near",
        "WITHIN",
        "coveredBy",
        "touches",
        "within;",
        ";near",
    ] {
        assert_field(&err(bad, "Point", "[1,2]", None), "georel");
    }
    assert!(err("Within", "Point", "[1,2]", None)
        .message
        .contains("case-sensitive"));
}

#[test]
fn near_without_distance() {
    for bad in ["near", "near;", "near; ", "near;;maxDistance==1"] {
        let e = err(bad, "Point", "[1,2]", None);
        assert_field(&e, "georel");
    }
    assert!(err("near", "Point", "[1,2]", None)
        .message
        .contains("requires a distance"));
}

#[test]
fn bad_distances() {
    for bad in [
        "near;maxDistance==abc",
        "near;maxDistance==",
        "near;maxDistance==-5",
        "near;maxDistance==0",
        "near;minDistance==0.0",
        "near;maxDistance==+5",
        "near;maxDistance==05",
        "near;maxDistance==.5",
        "near;maxDistance==5.",
        "near;maxDistance==1e999",
        "near;maxDistance==NaN",
        "near;maxDistance==inf",
        "near;maxDistance==2000m",
        "near;maxDistance==1,5",
    ] {
        let e = err(bad, "Point", "[1,2]", None);
        assert_field(&e, "georel");
        assert!(e.message.contains("positive number"), "{bad}: {e}");
    }
}

#[test]
fn bad_near_modifiers() {
    for bad in [
        "near;maxDistance=2000",
        "near;maxDistance:2000",
        "near;distance==2000",
        "near;maxdistance==2000",
        "near;maxDistance==1;maxDistance==2",
        "near;minDistance==5;maxDistance==5",
        "near;minDistance==10;maxDistance==5",
        "within;maxDistance==5",
        "intersects;minDistance==5",
    ] {
        assert_field(&err(bad, "Point", "[1,2]", None), "georel");
    }
    assert!(err("near;maxDistance=2000", "Point", "[1,2]", None)
        .message
        .contains("`==`"));
}

// ---------------------------------------------------------------- geometry errors

#[test]
fn bad_geometry_types() {
    for bad in [
        "",
        "Circle",
        "point",
        "POLYGON",
        "GeometryCollection",
        "Feature",
        "Point;",
    ] {
        assert_field(&err("within", bad, "[1,2]", None), "geometry");
    }
    assert!(err("within", "GeometryCollection", "[1,2]", None)
        .message
        .contains("not allowed"));
    assert!(err("within", "point", "[1,2]", None)
        .message
        .contains("case-sensitive"));
}

// ---------------------------------------------------------------- coordinates errors

#[test]
fn coordinates_not_json() {
    for bad in [
        "",
        "   ",
        "abc",
        "8,40",
        "[8,40",
        "{\"a\":1}",
        "\"[8,40]\"",
        "%ZZ",
        "%5B8%2C40",
    ] {
        let e = err("near;maxDistance==1", "Point", bad, None);
        assert_field(&e, "coordinates");
    }
}

#[test]
fn coordinates_shape_mismatch() {
    let cases = [
        ("Point", "[[8,40]]", "nested too deeply"),
        ("Point", "[]", "position"),
        ("Point", "[8]", "position"),
        ("Point", "[8,40,1,2]", "position"),
        ("Point", "[\"8\",40]", "finite number"),
        ("Point", "[null,40]", "finite number"),
        ("MultiPoint", "[]", "empty"),
        ("MultiPoint", "[8,40]", "not nested deeply enough"),
        ("LineString", "[[8,40]]", "at least two"),
        ("LineString", "[]", "empty"),
        ("LineString", "[[8,40],[8,40]]", "invalid LineString"),
        ("MultiLineString", "[]", "empty"),
        ("MultiLineString", "[[]]", "empty"),
        (
            "MultiLineString",
            "[[8,40],[9,41]]",
            "not nested deeply enough",
        ),
        ("Polygon", "[]", "empty"),
        ("Polygon", "[[]]", "empty"),
        (
            "Polygon",
            "[[8,40],[9,40],[9,41],[8,40]]",
            "not nested deeply enough",
        ),
        ("Polygon", "[[[8,40],[9,40],[9,41],[8,41]]]", "not closed"),
        ("Polygon", "[[[8,40],[9,40],[8,40]]]", "at least four"),
        (
            "Polygon",
            "[[[[8,40],[9,40],[9,41],[8,40]]]]",
            "nested too deeply",
        ),
        (
            "Polygon",
            "[[[0,0],[2,2],[2,0],[0,2],[0,0]]]",
            "invalid Polygon",
        ),
        (
            "Polygon",
            "[[[0,0],[1,0],[1,1],[0,1],[0,0]],[[5,5],[6,5],[6,6],[5,5]]]",
            "invalid Polygon",
        ),
        ("MultiPolygon", "[]", "empty"),
        ("MultiPolygon", "[[]]", "empty"),
        (
            "MultiPolygon",
            "[[[[0,0],[2,0],[2,2],[0,2],[0,0]]],[[[1,1],[3,1],[3,3],[1,3],[1,1]]]]",
            "invalid MultiPolygon",
        ),
    ];
    for (ty, coords, expected) in cases {
        let e = err("intersects", ty, coords, None);
        assert_field(&e, "coordinates");
        assert!(
            e.message.contains(expected),
            "{ty} {coords}: expected {expected:?} in {e}"
        );
    }
}

#[test]
fn coordinates_out_of_range() {
    for (coords, expected) in [
        ("[8,95]", "latitude 95"),
        ("[8,-90.0001]", "latitude"),
        ("[180.5,40]", "longitude 180.5"),
        ("[-181,40]", "longitude"),
        ("[40.4168, -3.7038]", ""), // lat/lon swapped but in range: accepted
    ] {
        let r = parse_geo_query("near;maxDistance==1", "Point", coords, None);
        if expected.is_empty() {
            assert!(r.is_ok());
            continue;
        }
        let e = r.unwrap_err();
        assert_field(&e, "coordinates");
        assert!(e.message.contains(expected), "{e}");
    }
    let e = err(
        "within",
        "Polygon",
        "[[[106,29],[107,29],[107,91],[106,29]]]",
        None,
    );
    assert!(e.message.contains("coordinates[0][2]"), "{e}");
}

// ---------------------------------------------------------------- geoproperty errors

#[test]
fn bad_geoproperty() {
    for bad in [
        "",
        "  ",
        "my location",
        "loc\u{0}",
        "x\"y",
        "a<b",
        "a{b}",
        "a|b",
        "a\\b",
        "a^b",
        "a`b",
    ] {
        assert_field(&err("within", "Polygon", POLY, Some(bad)), "geoproperty");
    }
    // IRIs may hold sub-delimiters.
    for ok in [
        "loc;v=1",
        "https://example.org/vocab?a=1&b=(2)#loc,x",
        "ex:site_area",
    ] {
        assert!(
            parse_geo_query("within", "Polygon", POLY, Some(ok)).is_ok(),
            "{ok}"
        );
    }
}

// ---------------------------------------------------------------- JSON geoQ errors

#[test]
fn json_geoq_errors() {
    let cases = [
        (json!(null), "georel"),
        (json!([1, 2]), "georel"),
        (json!("near"), "georel"),
        (json!({}), "georel"),
        (
            json!({"geometry": "Point", "coordinates": [1, 2]}),
            "georel",
        ),
        (
            json!({"georel": 5, "geometry": "Point", "coordinates": [1, 2]}),
            "georel",
        ),
        (
            json!({"georel": "near", "geometry": "Point", "coordinates": [1, 2]}),
            "georel",
        ),
        (
            json!({"georel": "within", "coordinates": [1, 2]}),
            "geometry",
        ),
        (
            json!({"georel": "within", "geometry": ["Point"], "coordinates": [1, 2]}),
            "geometry",
        ),
        (
            json!({"georel": "within", "geometry": "Point"}),
            "coordinates",
        ),
        (
            json!({"georel": "within", "geometry": "Point", "coordinates": 5}),
            "coordinates",
        ),
        (
            json!({"georel": "within", "geometry": "Point", "coordinates": {"x": 1}}),
            "coordinates",
        ),
        (
            json!({"georel": "within", "geometry": "Point", "coordinates": "[1,2"}),
            "coordinates",
        ),
        (
            json!({"georel": "within", "geometry": "Point", "coordinates": [[1, 2]]}),
            "coordinates",
        ),
        (
            json!({"georel": "within", "geometry": "Point", "coordinates": [1, 2], "geoproperty": 7}),
            "geoproperty",
        ),
        (
            json!({"georel": "within", "geometry": "Point", "coordinates": [1, 2], "geoproperty": ""}),
            "geoproperty",
        ),
    ];
    for (value, field) in cases {
        let e = parse_geo_query_json(&value).expect_err(&value.to_string());
        assert_eq!(e.field, field, "{value}: {e}");
    }
}

// ---------------------------------------------------------------- GeoProperty values

#[test]
fn geoproperty_values() {
    let p =
        geometry_from_geojson(&json!({"type": "Point", "coordinates": [106.55, 29.56]})).unwrap();
    assert_eq!(p, Geometry::Point(Point::new(106.55, 29.56)));
    // JSON-LD compatibility: the geometry as a string.
    let s = geometry_from_geojson(&json!(
        "{\"type\":\"Point\",\"coordinates\":[106.55,29.56]}"
    ))
    .unwrap();
    assert_eq!(s, p);
    // Members other than type and coordinates are ignored.
    let b = geometry_from_geojson(
        &json!({"type": "Point", "coordinates": [106.55, 29.56], "bbox": [1, 2, 3, 4]}),
    )
    .unwrap();
    assert_eq!(b, p);
    // And back.
    assert_eq!(
        geometry_to_geojson(&p),
        json!({"type": "Point", "coordinates": [106.55, 29.56]})
    );
}

#[test]
fn bad_geoproperty_values() {
    let cases = [
        (json!(null), "JSON object"),
        (json!(5), "JSON object"),
        (json!("not json"), "string"),
        (json!("[1,2]"), "JSON object"),
        (json!({"coordinates": [1, 2]}), "missing `type`"),
        (
            json!({"type": 1, "coordinates": [1, 2]}),
            "must be a string",
        ),
        (json!({"type": "Point"}), "missing `coordinates`"),
        (
            json!({"type": "Circle", "coordinates": [1, 2]}),
            "unknown geometry type",
        ),
        (
            json!({"type": "GeometryCollection", "geometries": []}),
            "not allowed",
        ),
        (
            json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}}),
            "Feature",
        ),
        (
            json!({"type": "Point", "coordinates": [1, 200]}),
            "latitude 200",
        ),
        (json!({"type": "Point", "coordinates": []}), "position"),
        (
            json!({"type": "Polygon", "coordinates": [[[1, 1], [2, 1], [2, 2], [1, 2]]]}),
            "not closed",
        ),
    ];
    for (value, expected) in cases {
        let e = geometry_from_geojson(&value).expect_err(&value.to_string());
        assert!(
            e.contains(expected),
            "{value}: expected {expected:?} in {e}"
        );
    }
}

#[test]
fn error_display_names_the_parameter() {
    let e = err("near;maxDistance==abc", "Point", "[1,2]", None);
    assert!(e.to_string().starts_with("invalid georel: "), "{e}");
    let long = "x".repeat(10_000);
    let e = err(&long, "Point", "[1,2]", None);
    assert!(e.message.len() < 400, "messages do not echo huge inputs");
}
