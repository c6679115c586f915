//! The kinds of simulated device, each a FIWARE Smart Data Models entity type: its short-name
//! → attribute mapping (FIWARE IoT Agent JSON), its static context, its main attribute (the
//! one the map colours by), and its measures as a function of local time.

use serde_json::{json, Map, Value};

use crate::rhythm::{self, Lighting, LocalTime};

/// One short name → attribute mapping: (object_id, attribute, UN/CEFACT unit).
pub type Mapping = (&'static str, &'static str, Option<&'static str>);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    AirQuality,
    Traffic,
    Parking,
    EvCharging,
    Streetlight,
    Weather,
    Crowd,
    Energy,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::AirQuality,
        Kind::Traffic,
        Kind::Parking,
        Kind::EvCharging,
        Kind::Streetlight,
        Kind::Weather,
        Kind::Crowd,
        Kind::Energy,
    ];

    /// The Smart Data Models entity type.
    pub fn entity_type(self) -> &'static str {
        match self {
            Kind::AirQuality => "AirQualityObserved",
            Kind::Traffic => "TrafficFlowObserved",
            Kind::Parking => "OffStreetParking",
            Kind::EvCharging => "EVChargingStation",
            Kind::Streetlight => "Streetlight",
            Kind::Weather => "WeatherObserved",
            Kind::Crowd => "CrowdFlowObserved",
            Kind::Energy => "ThreePhaseAcMeasurement",
        }
    }

    /// The part of device ids that names the kind.
    pub fn slug(self) -> &'static str {
        match self {
            Kind::AirQuality => "aq",
            Kind::Traffic => "traffic",
            Kind::Parking => "parking",
            Kind::EvCharging => "ev",
            Kind::Streetlight => "light",
            Kind::Weather => "weather",
            Kind::Crowd => "crowd",
            Kind::Energy => "meter",
        }
    }

    fn label_zh(self) -> &'static str {
        match self {
            Kind::AirQuality => "空气质量监测点",
            Kind::Traffic => "交通流量监测点",
            Kind::Parking => "停车场",
            Kind::EvCharging => "充电站",
            Kind::Streetlight => "路灯",
            Kind::Weather => "气象站",
            Kind::Crowd => "客流监测点",
            Kind::Energy => "电能表",
        }
    }

    /// The attribute the map colours markers by (see docs/simulator.md).
    pub fn main_attribute(self) -> &'static str {
        match self {
            Kind::AirQuality => "pm25",
            Kind::Traffic => "intensity",
            Kind::Parking => "occupancy",
            Kind::EvCharging => "availableCapacity",
            Kind::Streetlight => "illuminanceLevel",
            Kind::Weather => "temperature",
            Kind::Crowd => "peopleCount",
            Kind::Energy => "totalActivePower",
        }
    }

    pub fn mappings(self) -> &'static [Mapping] {
        match self {
            Kind::AirQuality => &[
                ("p25", "pm25", Some("GQ")),
                ("p10", "pm10", Some("GQ")),
                ("no2", "no2", Some("GQ")),
            ],
            Kind::Traffic => &[
                ("i", "intensity", None),
                ("o", "occupancy", None),
                ("s", "averageVehicleSpeed", Some("KMH")),
                ("c", "congested", None),
            ],
            Kind::Parking => &[
                ("o", "occupancy", None),
                ("a", "availableSpotNumber", None),
                ("u", "occupiedSpotNumber", None),
            ],
            Kind::EvCharging => &[("a", "availableCapacity", None), ("st", "status", None)],
            Kind::Streetlight => &[("ps", "powerState", None), ("il", "illuminanceLevel", None)],
            Kind::Weather => &[
                ("t", "temperature", Some("CEL")),
                ("h", "relativeHumidity", None),
                ("w", "windSpeed", Some("MTS")),
                ("p", "atmosphericPressure", Some("A97")),
            ],
            Kind::Crowd => &[
                ("n", "peopleCount", None),
                ("o", "occupancy", None),
                ("s", "averageCrowdSpeed", Some("KMH")),
                ("c", "congested", None),
            ],
            Kind::Energy => &[
                ("p", "totalActivePower", Some("WTT")),
                ("e", "totalActiveEnergyImport", Some("KWH")),
                ("f", "frequency", Some("HTZ")),
            ],
        }
    }
}

/// What makes one device differ from another of its kind, drawn once from the seed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Traits {
    /// Phase of the multi-day air-quality spells (radians).
    pub phase: f64,
    /// 0..1: how much road traffic reaches the sensor.
    pub exposure: f64,
    /// Parking spots, chargers, people the area holds, vehicles per hour the road carries,
    /// or the building's peak load in kW.
    pub capacity: u32,
    /// How busy this one is compared with its kind (about 0.8..1.3).
    pub popularity: f64,
    /// Whether it serves visitors (leisure) rather than workers.
    pub leisure: bool,
}

/// The entity's static context, written once through the twin: `name`, `areaServed`,
/// `location` and what the kind keeps fixed (capacities).
pub fn static_attributes(
    kind: Kind,
    traits: &Traits,
    place_name: &str,
    ordinal: usize,
    location: Value,
) -> Map<String, Value> {
    let mut attrs = Map::new();
    let property = |v: Value| json!({"type": "Property", "value": v});
    attrs.insert(
        "name".into(),
        property(json!(format!("{place_name} {}{ordinal}", kind.label_zh()))),
    );
    attrs.insert("areaServed".into(), property(json!(place_name)));
    attrs.insert(
        "location".into(),
        json!({"type": "GeoProperty", "value": location}),
    );
    match kind {
        Kind::Parking => {
            attrs.insert("totalSpotNumber".into(), property(json!(traits.capacity)));
        }
        Kind::EvCharging => {
            attrs.insert("capacity".into(), property(json!(traits.capacity)));
            attrs.insert("socketNumber".into(), property(json!(traits.capacity)));
        }
        Kind::Crowd => {
            attrs.insert("capacity".into(), property(json!(traits.capacity)));
        }
        Kind::Traffic => {
            attrs.insert("laneId".into(), property(json!(1 + (traits.capacity % 3))));
        }
        _ => {}
    }
    attrs
}

/// A reproducible value in −1..1 for a key (SplitMix64 finaliser).
pub fn jitter(key: u64) -> f64 {
    let mut z = key.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// Hours since 2024-01-01T00:00 local, for meters that count up.
fn metered_hours(t: &LocalTime) -> f64 {
    (t.day_number - 19_723) as f64 * 24.0 + t.hour
}

/// One measure payload (short names) of a device at local time `t`; `noise` keys the jitter
/// so that every publication differs a little.
pub fn measure(kind: Kind, traits: &Traits, t: &LocalTime, noise: u64) -> Map<String, Value> {
    let n = |i: u64| jitter(noise ^ i.wrapping_mul(0x2545_f491_4f6c_dd1d));
    let mut m = Map::new();
    match kind {
        Kind::AirQuality => {
            let pm25 = rhythm::pm25(t, traits.phase, traits.exposure) * (1.0 + 0.08 * n(1));
            let no2 = 12.0 + 50.0 * traits.exposure * rhythm::traffic(t) * (1.0 + 0.1 * n(2));
            m.insert("p25".into(), json!(round(pm25, 1)));
            m.insert("p10".into(), json!(round(pm25 * (1.5 + 0.1 * n(3)), 1)));
            m.insert("no2".into(), json!(round(no2, 1)));
        }
        Kind::Traffic => {
            let level = (rhythm::traffic(t) * traits.popularity * (1.0 + 0.06 * n(1))).max(0.0);
            let intensity = (f64::from(traits.capacity) * level).round();
            let occupancy = (0.9 * level).min(1.0);
            let speed = 60.0 * (1.0 - 0.75 * level.min(1.0)) + 3.0 * n(2);
            m.insert("i".into(), json!(intensity as u64));
            m.insert("o".into(), json!(round(occupancy, 3)));
            m.insert("s".into(), json!(round(speed.max(5.0), 1)));
            m.insert("c".into(), json!(level > 0.85));
        }
        Kind::Parking => {
            let level = rhythm::parking(t, traits.leisure) * traits.popularity + 0.03 * n(1);
            let total = traits.capacity;
            let occupied = ((f64::from(total) * level.clamp(0.0, 1.0)).round() as u32).min(total);
            m.insert(
                "o".into(),
                json!(round(f64::from(occupied) / f64::from(total), 3)),
            );
            m.insert("a".into(), json!(total - occupied));
            m.insert("u".into(), json!(occupied));
        }
        Kind::EvCharging => {
            let level = rhythm::charging(t) * traits.popularity + 0.1 * n(1);
            let total = traits.capacity;
            let busy = ((f64::from(total) * level.clamp(0.0, 1.0)).round() as u32).min(total);
            let available = total - busy;
            let status = match available {
                0 => "full",
                a if f64::from(a) < 0.2 * f64::from(total) => "almostFull",
                _ => "working",
            };
            m.insert("a".into(), json!(available));
            m.insert("st".into(), json!(status));
        }
        Kind::Streetlight => {
            let (state, level) = match rhythm::lighting(t) {
                Lighting::Off => ("off", 0.0),
                Lighting::On => ("on", 1.0),
                Lighting::Low => ("low", 0.4),
            };
            m.insert("ps".into(), json!(state));
            m.insert("il".into(), json!(level));
        }
        Kind::Weather => {
            let wind = (2.0 + 1.5 * rhythm::spell(t, traits.phase + 1.0) + 0.8 * n(2)).max(0.0);
            m.insert(
                "t".into(),
                json!(round(rhythm::temperature(t) + 0.4 * n(1), 1)),
            );
            m.insert(
                "h".into(),
                json!(round(
                    (rhythm::humidity(t) + 0.03 * n(3)).clamp(0.0, 1.0),
                    2
                )),
            );
            m.insert("w".into(), json!(round(wind, 1)));
            m.insert(
                "p".into(),
                json!(round(
                    985.0 + 6.0 * rhythm::spell(t, traits.phase) + 0.5 * n(4),
                    1
                )),
            );
        }
        Kind::Crowd => {
            let level = rhythm::crowd(t) * traits.popularity * (1.0 + 0.05 * n(1));
            let people = (f64::from(traits.capacity) * level.max(0.0)).round();
            // SDM's occupancy is a fraction (0..1); peopleCount shows a crowd beyond capacity.
            let occupancy = (people / f64::from(traits.capacity)).min(1.0);
            m.insert("n".into(), json!(people as u64));
            m.insert("o".into(), json!(round(occupancy, 3)));
            m.insert(
                "s".into(),
                json!(round((4.7 - 3.2 * occupancy).max(0.7), 1)),
            );
            m.insert("c".into(), json!(occupancy > 0.9));
        }
        Kind::Energy => {
            let peak = f64::from(traits.capacity);
            // The model's units: watts for power, kilowatt hours for energy.
            let watts = 1000.0 * peak * rhythm::load(t) * (1.0 + 0.04 * n(1));
            // The long-run mean load is about 0.4 of the peak; the counter only grows.
            let energy = peak * 0.4 * metered_hours(t);
            m.insert("p".into(), json!(round(watts, 0)));
            m.insert("e".into(), json!(round(energy, 1)));
            m.insert("f".into(), json!(round(50.0 + 0.03 * n(2), 3)));
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn traits(capacity: u32, popularity: f64, leisure: bool) -> Traits {
        Traits {
            phase: 0.0,
            exposure: 0.5,
            capacity,
            popularity,
            leisure,
        }
    }

    fn t(hour: f64, weekend: bool) -> LocalTime {
        LocalTime {
            hour,
            weekend,
            day_of_year: 333,
            day_number: 20_786,
        }
    }

    #[test]
    fn every_short_name_of_a_measure_is_mapped() {
        for kind in Kind::ALL {
            let m = measure(kind, &traits(100, 1.0, false), &t(9.0, false), 42);
            for short in m.keys() {
                assert!(
                    kind.mappings().iter().any(|(o, _, _)| o == short),
                    "{kind:?} {short}"
                );
            }
            assert!(
                kind.mappings()
                    .iter()
                    .any(|(_, name, _)| *name == kind.main_attribute()),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn measures_change_between_publications() {
        let tr = traits(500, 1.0, false);
        let a = measure(Kind::AirQuality, &tr, &t(9.0, false), 1);
        let b = measure(Kind::AirQuality, &tr, &t(9.0, false), 2);
        assert_ne!(a["p25"], b["p25"]);
        assert_eq!(a, measure(Kind::AirQuality, &tr, &t(9.0, false), 1));
    }

    #[test]
    fn busy_car_parks_pass_ninety_five_percent() {
        let office = measure(Kind::Parking, &traits(200, 1.05, false), &t(10.0, false), 3);
        assert!(office["o"].as_f64().unwrap() > 0.95, "{office:?}");
        let night = measure(Kind::Parking, &traits(200, 1.05, false), &t(2.0, false), 3);
        assert!(night["o"].as_f64().unwrap() < 0.3);
        assert_eq!(
            office["a"].as_u64().unwrap() + office["u"].as_u64().unwrap(),
            200
        );
    }

    #[test]
    fn popular_crowds_pass_capacity_on_weekend_afternoons_only() {
        let popular = traits(2000, 1.2, true);
        let saturday = measure(Kind::Crowd, &popular, &t(15.0, true), 9);
        assert!(saturday["n"].as_u64().unwrap() > 2000, "{saturday:?}");
        let monday = measure(Kind::Crowd, &popular, &t(15.0, false), 9);
        assert!(monday["n"].as_u64().unwrap() < 2000);
    }

    #[test]
    fn energy_counters_only_grow() {
        let tr = traits(300, 1.0, false);
        let mut last = 0.0;
        for hour in 0u32..24 {
            let m = measure(
                Kind::Energy,
                &tr,
                &t(f64::from(hour), false),
                u64::from(hour),
            );
            let e = m["e"].as_f64().unwrap();
            assert!(e > last);
            last = e;
        }
    }

    #[test]
    fn jitter_stays_in_range() {
        for k in 0..10_000 {
            let j = jitter(k);
            assert!((-1.0..1.0).contains(&j));
        }
    }
}
