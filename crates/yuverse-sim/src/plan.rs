//! Where the simulated devices and buildings are: a deterministic layout over the data set's
//! places. Device `k` depends only on the seed and `k`, so a larger `--sim-devices` adds
//! devices without moving the others, and a restart finds the same ids.

use rand::Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};
use yuverse_twin_geo::geo::Coord;

use crate::catalogue::{Kind, Traits};
use crate::district::{self, Footprint, Place, PlaceKind};

/// The seed of the Yubei layout (fixed so that every run is the same district).
pub const SEED: u64 = 0x5975_6265_6932_3032;

/// The first devices, so that even a small simulation has every kind, and the crowd sensors
/// of 铜锣山矿山公园 that the visitor alerts watch.
const HEAD: [(Kind, &str); 9] = [
    (Kind::Crowd, "tongluoshan-mine-park"),
    (Kind::AirQuality, "xiantao-data-valley"),
    (Kind::Parking, "central-park-business-district"),
    (Kind::Traffic, "longta-subdistrict"),
    (Kind::EvCharging, "xiantao-data-valley"),
    (Kind::Streetlight, "central-park"),
    (Kind::Weather, "innovation-economic-corridor"),
    (Kind::Energy, "chongqing-digital-creative-park"),
    (Kind::Crowd, "tongluoshan-mine-park"),
];

/// The people 铜锣山矿山公园's crowd sensors count as full (`capacity`); weekend afternoons
/// pass it.
pub const TONGLUOSHAN_CAPACITY: u32 = 2000;

#[derive(Debug, Clone)]
pub struct SimDevice {
    pub kind: Kind,
    /// Index into the places.
    pub place: usize,
    /// 1-based number among the devices of this kind at this place.
    pub ordinal: usize,
    pub position: Coord<f64>,
    pub traits: Traits,
    pub device_id: String,
    pub entity_id: String,
}

#[derive(Debug, Clone)]
pub struct Building {
    pub entity_id: String,
    pub place: usize,
    pub attributes: Map<String, Value>,
}

fn place_weight(place: &Place) -> f64 {
    match place.kind {
        PlaceKind::Core => 3.0,
        PlaceKind::Area | PlaceKind::ScenarioSite => 1.5,
        PlaceKind::Park => 1.0,
    }
}

fn kind_weight(place: &Place, kind: Kind) -> f64 {
    use Kind::*;
    match (place.kind, kind) {
        (PlaceKind::Area, Streetlight) => 5.0,
        (PlaceKind::Area, Traffic) => 3.0,
        (PlaceKind::Area, AirQuality) => 1.5,
        (PlaceKind::Area, Energy) => 0.0,
        (PlaceKind::Area, Weather) => 0.4,
        (PlaceKind::Area, Crowd) => 0.3,
        (PlaceKind::Area, _) => 0.5,
        (PlaceKind::ScenarioSite, Crowd) => 3.0,
        (PlaceKind::ScenarioSite, Streetlight) => 3.0,
        (PlaceKind::ScenarioSite, Parking) => 1.5,
        (PlaceKind::ScenarioSite, Weather) => 0.3,
        (PlaceKind::ScenarioSite, Energy) => 0.6,
        (PlaceKind::ScenarioSite, _) => 0.8,
        (_, Streetlight) => 4.0,
        (_, Energy) => 2.5,
        (_, Parking | EvCharging) => 1.0,
        (_, AirQuality) => 0.8,
        (_, Traffic) => 0.6,
        (_, Crowd) => 0.4,
        (_, Weather) => 0.15,
    }
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, f64)]) -> T {
    let total: f64 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.gen::<f64>() * total;
    for (item, w) in items {
        if x < *w {
            return *item;
        }
        x -= w;
    }
    items[items.len() - 1].0
}

fn traits(kind: Kind, place: &Place, rng: &mut ChaCha8Rng) -> Traits {
    let capacity = match kind {
        Kind::Parking => rng.gen_range(8..=60) * 10,
        Kind::EvCharging => rng.gen_range(4..=20),
        Kind::Crowd if place.code == "tongluoshan-mine-park" => TONGLUOSHAN_CAPACITY,
        Kind::Crowd => rng.gen_range(5..=60) * 50,
        Kind::Traffic => rng.gen_range(6..=18) * 100,
        Kind::Energy => rng.gen_range(5..=80) * 10,
        _ => 1,
    };
    let popularity = if kind == Kind::Crowd && place.code == "tongluoshan-mine-park" {
        // A favourite weekend outing: its peaks pass what it holds.
        rng.gen_range(1.12..1.3)
    } else {
        rng.gen_range(0.8..1.08)
    };
    Traits {
        phase: rng.gen_range(0.0..0.8),
        exposure: rng.gen_range(0.1..1.0),
        capacity,
        popularity,
        leisure: place.is_leisure(),
    }
}

/// The first `count` devices of the layout.
pub fn devices(places: &[Place], count: usize) -> Vec<SimDevice> {
    let place_weights: Vec<(usize, f64)> = places
        .iter()
        .enumerate()
        .map(|(i, p)| (i, place_weight(p)))
        .collect();
    let mut ordinals = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(count);
    for k in 0..count {
        let mut rng = ChaCha8Rng::seed_from_u64(SEED.wrapping_add(k as u64));
        let fixed = HEAD
            .get(k)
            .and_then(|(kind, code)| Some((*kind, places.iter().position(|p| p.code == *code)?)));
        let (kind, place) = match fixed {
            Some(f) => f,
            None => {
                let place = pick(&mut rng, &place_weights);
                let kinds: Vec<(Kind, f64)> = Kind::ALL
                    .iter()
                    .map(|&kind| (kind, kind_weight(&places[place], kind)))
                    .collect();
                (pick(&mut rng, &kinds), place)
            }
        };
        let p = &places[place];
        let ordinal = ordinals
            .entry((kind, place))
            .and_modify(|n| *n += 1)
            .or_insert(1usize);
        out.push(SimDevice {
            kind,
            place,
            ordinal: *ordinal,
            position: p.sample(&mut rng),
            traits: traits(kind, p, &mut rng),
            device_id: format!("sim-{}-{}-{}", kind.slug(), p.code, ordinal),
            entity_id: format!(
                "urn:ngsi-ld:{}:yubei:{}:{}",
                kind.entity_type(),
                p.code,
                ordinal
            ),
        });
    }
    out
}

/// The buildings of the parks (SDM `Building`): footprints in each core and park polygon, and
/// one building for each place the data set gives as a point.
pub fn buildings(places: &[Place]) -> Vec<Building> {
    let mut out = Vec::new();
    for (index, place) in places.iter().enumerate() {
        let count = match place.kind {
            PlaceKind::Core => 12,
            PlaceKind::Park => 4,
            PlaceKind::ScenarioSite if place.is_point() => 1,
            _ => 0,
        };
        if count == 0 {
            continue;
        }
        let mut rng = district::rng_for(SEED, "buildings", &place.code);
        for (i, footprint) in place.footprints(count, &mut rng).into_iter().enumerate() {
            out.push(building(index, place, i + 1, &footprint, &mut rng));
        }
    }
    out
}

fn building(
    index: usize,
    place: &Place,
    ordinal: usize,
    footprint: &Footprint,
    rng: &mut ChaCha8Rng,
) -> Building {
    let (category, height) = if place.domains.iter().any(|d| d == "政务") {
        ("civic", 36.0)
    } else if place.kind == PlaceKind::Core && ordinal.is_multiple_of(4) {
        ("commercial", rng.gen_range(15.0..40.0))
    } else {
        ("office", rng.gen_range(24.0..120.0))
    };
    let height = (height * 10.0f64).round() / 10.0;
    let floors = (height / 4.0).floor().max(1.0);
    let property = |v: Value| json!({"type": "Property", "value": v});
    let mut attributes = Map::new();
    let name = if place.is_point() {
        place.name.clone()
    } else {
        format!("{} {ordinal}号楼", place.name)
    };
    attributes.insert("name".into(), property(json!(name)));
    attributes.insert("category".into(), property(json!([category])));
    attributes.insert(
        "height".into(),
        json!({"type": "Property", "value": height, "unitCode": "MTR"}),
    );
    attributes.insert("floorsAboveGround".into(), property(json!(floors as u32)));
    attributes.insert("areaServed".into(), property(json!(place.name)));
    attributes.insert(
        "location".into(),
        json!({"type": "GeoProperty", "value": district::polygon_json(&footprint.polygon)}),
    );
    Building {
        entity_id: format!("urn:ngsi-ld:Building:yubei:{}:{ordinal}", place.code),
        place: index,
        attributes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_is_reproducible_and_grows_by_appending() {
        let places = district::places().unwrap();
        let small = devices(&places, 50);
        let large = devices(&places, 400);
        for (a, b) in small.iter().zip(&large) {
            assert_eq!(a.device_id, b.device_id);
            assert_eq!(a.position, b.position);
        }
        let ids: std::collections::HashSet<&str> =
            large.iter().map(|d| d.device_id.as_str()).collect();
        assert_eq!(ids.len(), large.len(), "ids are unique");
        assert!(large.iter().all(|d| d.device_id.len() <= 64));
        assert!(large.iter().all(|d| places[d.place].holds(d.position)));
    }

    #[test]
    fn a_small_simulation_has_every_kind() {
        let places = district::places().unwrap();
        let head = devices(&places, HEAD.len());
        for kind in Kind::ALL {
            assert!(head.iter().any(|d| d.kind == kind), "{kind:?}");
        }
        let mine = &head[0];
        assert_eq!(
            mine.entity_id,
            "urn:ngsi-ld:CrowdFlowObserved:yubei:tongluoshan-mine-park:1"
        );
        assert_eq!(mine.traits.capacity, TONGLUOSHAN_CAPACITY);
    }

    #[test]
    fn thousands_of_devices_spread_over_the_district() {
        let places = district::places().unwrap();
        let all = devices(&places, 2000);
        for (i, place) in places.iter().enumerate() {
            assert!(all.iter().any(|d| d.place == i), "{}", place.code);
        }
        let lights = all.iter().filter(|d| d.kind == Kind::Streetlight).count();
        assert!(lights > 400 && lights < 1000, "{lights}");
    }

    #[test]
    fn buildings_stand_in_the_parks() {
        let places = district::places().unwrap();
        let all = buildings(&places);
        assert!(all.len() > 40, "{}", all.len());
        assert!(all
            .iter()
            .any(|b| b.entity_id == "urn:ngsi-ld:Building:yubei:citizen-service-centre:1"));
        for b in &all {
            assert!(b.attributes["height"]["value"].as_f64().unwrap() > 10.0);
            assert_eq!(b.attributes["location"]["value"]["type"], "Polygon");
        }
        assert_eq!(
            buildings(&places)[3].attributes,
            all[3].attributes,
            "same seed, same district"
        );
    }
}
