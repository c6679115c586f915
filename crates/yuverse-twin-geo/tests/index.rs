//! The spatial index: insert, replace, remove, candidates, and 100 000 interleaved entries.

use std::collections::{BTreeSet, HashMap};

use serde_json::json;
use yuverse_twin_geo::geo::{Coord, Geometry, LineString, MultiPoint, Point, Rect};
use yuverse_twin_geo::{envelope, geometry_from_geojson, parse_geo_query, SpatialIndex};

fn pt(lon: f64, lat: f64) -> Geometry<f64> {
    Geometry::Point(Point::new(lon, lat))
}

fn rect(lon0: f64, lat0: f64, lon1: f64, lat1: f64) -> Rect<f64> {
    Rect::new(Coord { x: lon0, y: lat0 }, Coord { x: lon1, y: lat1 })
}

fn sorted<'a>(v: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut v: Vec<&str> = v.into_iter().collect();
    v.sort_unstable();
    v
}

#[test]
fn insert_replace_remove() {
    let mut index = SpatialIndex::new();
    assert!(index.is_empty());
    index.upsert("urn:ngsi-ld:Shop:jiefangbei", &pt(106.5775, 29.5570));
    index.upsert("urn:ngsi-ld:Shop:chaotianmen", &pt(106.5865, 29.5650));
    index.upsert("urn:ngsi-ld:Airport:jiangbei", &pt(106.6417, 29.7192));
    let river = geometry_from_geojson(
        &json!({"type": "LineString", "coordinates": [[106.45, 29.58], [106.5865, 29.565]]}),
    )
    .unwrap();
    index.upsert("urn:ngsi-ld:River:jialing", &river);
    assert_eq!(index.len(), 4);

    let centre = rect(106.55, 29.55, 106.60, 29.57);
    assert_eq!(
        sorted(index.candidates(&centre)),
        [
            "urn:ngsi-ld:River:jialing",
            "urn:ngsi-ld:Shop:chaotianmen",
            "urn:ngsi-ld:Shop:jiefangbei"
        ]
    );

    // Replacing moves the entry; the count stays.
    index.upsert("urn:ngsi-ld:Shop:jiefangbei", &pt(106.4563, 29.5410));
    assert_eq!(index.len(), 4);
    assert!(!index
        .candidates(&centre)
        .contains(&"urn:ngsi-ld:Shop:jiefangbei"));
    assert!(index
        .candidates(&rect(106.45, 29.54, 106.46, 29.55))
        .contains(&"urn:ngsi-ld:Shop:jiefangbei"));
    // Upserting the same geometry again is a no-op.
    index.upsert("urn:ngsi-ld:Shop:jiefangbei", &pt(106.4563, 29.5410));
    assert_eq!(index.len(), 4);

    index.remove("urn:ngsi-ld:Shop:chaotianmen");
    index.remove("urn:ngsi-ld:Shop:chaotianmen");
    index.remove("urn:ngsi-ld:Unknown:x");
    assert_eq!(index.len(), 3);
    assert!(!index.contains_key("urn:ngsi-ld:Shop:chaotianmen"));
    assert_eq!(
        sorted(index.candidates(&centre)),
        ["urn:ngsi-ld:River:jialing"]
    );
    // Boundaries are included.
    assert_eq!(
        sorted(index.candidates(&rect(106.6417, 29.7192, 106.7, 29.8))),
        ["urn:ngsi-ld:Airport:jiangbei"]
    );
    assert_eq!(index.bbox("urn:ngsi-ld:River:jialing"), envelope(&river));
}

#[test]
fn empty_geometries_are_not_indexed() {
    let mut index = SpatialIndex::new();
    index.upsert("a", &pt(1.0, 2.0));
    index.upsert("a", &Geometry::MultiPoint(MultiPoint::<f64>(vec![])));
    index.upsert("b", &Geometry::LineString(LineString::<f64>(vec![])));
    assert!(index.is_empty());
}

#[test]
fn bulk_load_then_update() {
    let geoms: Vec<(String, Geometry<f64>)> = (0..1000)
        .map(|i| {
            let lon = 106.4 + (i % 50) as f64 * 0.01;
            let lat = 29.5 + (i / 50) as f64 * 0.03;
            (format!("e{i}"), pt(lon, lat))
        })
        .collect();
    let mut index = SpatialIndex::bulk_load(geoms.iter().map(|(k, g)| (k.as_str(), g)));
    assert_eq!(index.len(), 1000);
    let all = index.candidates(&rect(106.0, 29.0, 107.0, 31.0));
    assert_eq!(all.len(), 1000);
    index.upsert("e0", &pt(0.0, 0.0));
    index.remove("e1");
    assert_eq!(index.len(), 999);
    assert_eq!(index.candidates(&rect(106.0, 29.0, 107.0, 31.0)).len(), 998);
}

#[test]
fn query_candidates_across_the_antimeridian() {
    let mut index = SpatialIndex::new();
    index.upsert("east", &pt(179.995, 10.0));
    index.upsert("west", &pt(-179.995, 10.0));
    index.upsert("on_line", &pt(180.0, 10.0));
    index.upsert("far", &pt(0.0, 10.0));
    let q = parse_geo_query("near;maxDistance==5000", "Point", "[179.999,10]", None).unwrap();
    let found = sorted(index.query_candidates(&q).unwrap());
    assert_eq!(found, ["east", "on_line", "west"]);
    let unbounded = parse_geo_query("disjoint", "Point", "[0,0]", None).unwrap();
    assert!(index.query_candidates(&unbounded).is_none());
}

/// A small deterministic generator (SplitMix64) so the test needs no extra dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
}

#[test]
fn hundred_thousand_entries_with_interleaved_inserts_and_removals() {
    let mut rng = Rng(0x5EED);
    let mut index = SpatialIndex::new();
    let mut truth: HashMap<String, Rect<f64>> = HashMap::new();
    let mut next_id = 0u64;
    let mut live: Vec<String> = Vec::new();
    let geometry = |rng: &mut Rng| {
        let lon = rng.range(106.4, 106.9);
        let lat = rng.range(29.5, 30.1);
        if rng.next().is_multiple_of(10) {
            Geometry::LineString(LineString::from(vec![
                (lon, lat),
                (lon + rng.range(-0.01, 0.01), lat + rng.range(-0.01, 0.01)),
            ]))
        } else {
            pt(lon, lat)
        }
    };
    while next_id < 100_000 {
        // Mostly inserts; sometimes a removal or a move of a random live entry.
        match rng.next() % 10 {
            0 if !live.is_empty() => {
                let i = (rng.next() % live.len() as u64) as usize;
                let key = live.swap_remove(i);
                index.remove(&key);
                truth.remove(&key);
            }
            1 if !live.is_empty() => {
                let i = (rng.next() % live.len() as u64) as usize;
                let g = geometry(&mut rng);
                index.upsert(&live[i], &g);
                truth.insert(live[i].clone(), envelope(&g).unwrap());
            }
            _ => {
                let key = format!("urn:ngsi-ld:Sensor:{next_id}");
                next_id += 1;
                let g = geometry(&mut rng);
                index.upsert(&key, &g);
                truth.insert(key.clone(), envelope(&g).unwrap());
                live.push(key);
            }
        }
    }
    assert_eq!(index.len(), truth.len());
    assert!(index.len() > 75_000, "{}", index.len());

    // Candidates equal a brute-force scan of the envelopes.
    for _ in 0..40 {
        let lon = rng.range(106.4, 106.9);
        let lat = rng.range(29.5, 30.1);
        let w = rng.range(0.0, 0.05);
        let h = rng.range(0.0, 0.05);
        let r = rect(lon, lat, lon + w, lat + h);
        let got: BTreeSet<&str> = index.candidates(&r).into_iter().collect();
        let expected: BTreeSet<&str> = truth
            .iter()
            .filter(|(_, b)| {
                b.min().x <= r.max().x
                    && r.min().x <= b.max().x
                    && b.min().y <= r.max().y
                    && r.min().y <= b.max().y
            })
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(got, expected);
    }

    // Remove everything, in a scrambled order.
    let mut keys: Vec<String> = truth.keys().cloned().collect();
    keys.sort_unstable_by_key(|k| k.len() * 31 + k.bytes().map(usize::from).sum::<usize>());
    for k in &keys {
        index.remove(k);
    }
    assert!(index.is_empty());
    assert!(index
        .candidates(&rect(-180.0, -90.0, 180.0, 90.0))
        .is_empty());
}
