//! The district as the simulator sees it: the places of the Yubei data set
//! (`data/yubei/places.geojson`) with their geometry, and deterministic sampling of positions
//! and building footprints inside them. Same seed, same positions.

use rand::Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use yuverse_twin_geo::geo::{
    coord, BoundingRect, Contains, Coord, Geometry, Intersects, LineString, Polygon,
};

const PLACES: &str = include_str!("../../../data/yubei/places.geojson");

/// Metres per degree of latitude.
const METRES_PER_DEGREE: f64 = 111_320.0;
/// Devices around a place given as a point stand within this distance of it.
const POINT_RADIUS_M: f64 = 250.0;

/// What a place is, as the data set says (`kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceKind {
    Core,
    Area,
    Park,
    ScenarioSite,
}

#[derive(Debug, Clone)]
pub struct Place {
    pub code: String,
    pub name: String,
    pub kind: PlaceKind,
    /// The plan's scenario domains (`文旅`, `商贸`, …).
    pub domains: Vec<String>,
    shape: Shape,
}

#[derive(Debug, Clone)]
enum Shape {
    Polygon(Polygon<f64>),
    Point(Coord<f64>),
}

/// A footprint and its centre.
#[derive(Debug, Clone)]
pub struct Footprint {
    pub polygon: Polygon<f64>,
    pub centre: Coord<f64>,
}

/// A stable string hash (FNV-1a), for seeds that must not change between builds.
pub fn stable_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A random source for one purpose at one place, fixed by the seed.
pub fn rng_for(seed: u64, purpose: &str, place: &str) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed ^ stable_hash(purpose).rotate_left(17) ^ stable_hash(place))
}

/// The places of the data set, in its order.
pub fn places() -> anyhow::Result<Vec<Place>> {
    let collection: Value = serde_json::from_str(PLACES)?;
    let features = collection["features"]
        .as_array()
        .ok_or_else(|| anyhow::anyhow!("places.geojson has no features"))?;
    features.iter().map(place).collect()
}

fn place(feature: &Value) -> anyhow::Result<Place> {
    let p = &feature["properties"];
    let code = p["code"].as_str().unwrap_or_default().to_owned();
    let kind = match p["kind"].as_str() {
        Some("core") => PlaceKind::Core,
        Some("area") => PlaceKind::Area,
        Some("park") => PlaceKind::Park,
        Some("scenario_site") => PlaceKind::ScenarioSite,
        other => anyhow::bail!("place {code}: unknown kind {other:?}"),
    };
    let geometry = yuverse_twin_geo::geometry_from_geojson(&feature["geometry"])
        .map_err(|e| anyhow::anyhow!("place {code}: {e}"))?;
    let shape = match geometry {
        Geometry::Polygon(polygon) => Shape::Polygon(polygon),
        Geometry::Point(point) => Shape::Point(point.0),
        _ => anyhow::bail!("place {code}: only Polygon and Point places are simulated"),
    };
    Ok(Place {
        name: p["name"].as_str().unwrap_or(&code).to_owned(),
        code,
        kind,
        domains: p["scenario_domains"]
            .as_array()
            .map(|d| {
                d.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        shape,
    })
}

/// Degrees of longitude and latitude per metre at a latitude.
fn degrees_per_metre(lat: f64) -> (f64, f64) {
    (
        1.0 / (METRES_PER_DEGREE * lat.to_radians().cos()),
        1.0 / METRES_PER_DEGREE,
    )
}

impl Place {
    /// Whether the place is for visitors (culture and tourism, shopping).
    pub fn is_leisure(&self) -> bool {
        self.domains.iter().any(|d| d == "文旅" || d == "商贸")
    }

    pub fn is_point(&self) -> bool {
        matches!(self.shape, Shape::Point(_))
    }

    /// A position inside the place (or near it, for a point place).
    pub fn sample(&self, rng: &mut ChaCha8Rng) -> Coord<f64> {
        match &self.shape {
            Shape::Point(centre) => {
                let (dx, dy) = degrees_per_metre(centre.y);
                let r = POINT_RADIUS_M * rng.gen::<f64>().sqrt();
                let a = rng.gen::<f64>() * std::f64::consts::TAU;
                coord! { x: centre.x + r * a.cos() * dx, y: centre.y + r * a.sin() * dy }
            }
            Shape::Polygon(polygon) => {
                let Some(bbox) = polygon.bounding_rect() else {
                    return polygon.exterior().0[0];
                };
                for _ in 0..1000 {
                    let c = coord! {
                        x: rng.gen_range(bbox.min().x..bbox.max().x),
                        y: rng.gen_range(bbox.min().y..bbox.max().y),
                    };
                    if polygon.contains(&c) {
                        return c;
                    }
                }
                polygon.exterior().0[0]
            }
        }
    }

    /// Whether a position lies in the place (within the radius of a point place).
    pub fn holds(&self, c: Coord<f64>) -> bool {
        match &self.shape {
            Shape::Polygon(polygon) => polygon.contains(&c),
            Shape::Point(centre) => {
                let (dx, dy) = degrees_per_metre(centre.y);
                let (mx, my) = ((c.x - centre.x) / dx, (c.y - centre.y) / dy);
                (mx * mx + my * my).sqrt() <= POINT_RADIUS_M + 1.0
            }
        }
    }

    /// Up to `count` building footprints that do not overlap, inside a polygon place; a point
    /// place is one building, its footprint centred on the point.
    pub fn footprints(&self, count: usize, rng: &mut ChaCha8Rng) -> Vec<Footprint> {
        match &self.shape {
            Shape::Point(centre) => vec![rectangle(*centre, 70.0, 45.0, 0.3)],
            Shape::Polygon(polygon) => {
                let mut placed: Vec<Footprint> = Vec::new();
                for _ in 0..count * 60 {
                    if placed.len() == count {
                        break;
                    }
                    let centre = self.sample(rng);
                    let f = rectangle(
                        centre,
                        rng.gen_range(25.0..70.0),
                        rng.gen_range(18.0..40.0),
                        rng.gen_range(0.0..std::f64::consts::PI),
                    );
                    let inside = polygon.contains(&f.polygon);
                    if inside && !placed.iter().any(|p| p.polygon.intersects(&f.polygon)) {
                        placed.push(f);
                    }
                }
                placed
            }
        }
    }
}

/// A rectangle of `width` × `depth` metres around `centre`, turned by `angle` radians, with a
/// counter-clockwise closed ring (RFC 7946).
fn rectangle(centre: Coord<f64>, width: f64, depth: f64, angle: f64) -> Footprint {
    let (dx, dy) = degrees_per_metre(centre.y);
    let (sin, cos) = angle.sin_cos();
    let corner = |u: f64, v: f64| {
        let (x, y) = (u * cos - v * sin, u * sin + v * cos);
        coord! { x: centre.x + x * dx, y: centre.y + y * dy }
    };
    let (w, d) = (width / 2.0, depth / 2.0);
    let ring = vec![
        corner(-w, -d),
        corner(w, -d),
        corner(w, d),
        corner(-w, d),
        corner(-w, -d),
    ];
    Footprint {
        polygon: Polygon::new(LineString::new(ring), vec![]),
        centre,
    }
}

/// A position from longitude and latitude.
pub fn coord(lon: f64, lat: f64) -> Coord<f64> {
    coord! { x: lon, y: lat }
}

/// A GeoJSON Point, coordinates rounded to about 1 cm.
pub fn point_json(c: Coord<f64>) -> Value {
    json!({"type": "Point", "coordinates": [round7(c.x), round7(c.y)]})
}

/// A GeoJSON Polygon of a footprint's ring.
pub fn polygon_json(polygon: &Polygon<f64>) -> Value {
    let ring: Vec<Value> = polygon
        .exterior()
        .0
        .iter()
        .map(|c| json!([round7(c.x), round7(c.y)]))
        .collect();
    json!({"type": "Polygon", "coordinates": [ring]})
}

fn round7(x: f64) -> f64 {
    (x * 1e7).round() / 1e7
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_set_places_are_read() {
        let places = places().unwrap();
        assert_eq!(places.len(), 19);
        let mine = places
            .iter()
            .find(|p| p.code == "tongluoshan-mine-park")
            .unwrap();
        assert_eq!(mine.name, "铜锣山矿山公园");
        assert!(mine.is_leisure());
        assert!(places
            .iter()
            .any(|p| p.code == "citizen-service-centre" && p.is_point()));
    }

    #[test]
    fn samples_are_inside_and_reproducible() {
        for place in places().unwrap() {
            let mut a = rng_for(7, "devices", &place.code);
            let mut b = rng_for(7, "devices", &place.code);
            for _ in 0..50 {
                let (pa, pb) = (place.sample(&mut a), place.sample(&mut b));
                assert_eq!(pa, pb);
                assert!(place.holds(pa), "{} {:?}", place.code, pa);
            }
        }
    }

    #[test]
    fn footprints_fit_their_park_without_overlapping() {
        for place in places().unwrap() {
            let mut rng = rng_for(1, "buildings", &place.code);
            let footprints = place.footprints(6, &mut rng);
            assert!(!footprints.is_empty(), "{}", place.code);
            for (i, f) in footprints.iter().enumerate() {
                assert!(place.holds(f.centre));
                let checked = yuverse_twin_geo::geometry_from_geojson(&polygon_json(&f.polygon));
                assert!(checked.is_ok(), "{checked:?}");
                for g in &footprints[i + 1..] {
                    assert!(!f.polygon.intersects(&g.polygon));
                }
            }
        }
    }
}
