//! Places: what they are and how they are checked. No I/O.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    /// The core of "one core, many points" (仙桃数据谷).
    Core,
    /// An area such as 创新经济走廊 or the 三龙 streets.
    Area,
    /// An industrial park or building hosting clusters.
    Park,
    /// A site where application scenarios are opened.
    ScenarioSite,
}

impl PlaceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceKind::Core => "core",
            PlaceKind::Area => "area",
            PlaceKind::Park => "park",
            PlaceKind::ScenarioSite => "scenario_site",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Core, Self::Area, Self::Park, Self::ScenarioSite]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A place as the data set and the API describe it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Place {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub kind: PlaceKind,
    /// Code of the containing place.
    pub parent: Option<String>,
    /// Industry clusters hosted here (e.g. 汽车元宇宙).
    pub clusters: Vec<String>,
    /// Scenario domains opened here (e.g. 政务, 文旅).
    pub scenario_domains: Vec<String>,
    /// Code of the organisation that runs the place.
    pub operator: Option<String>,
    /// A GeoJSON geometry in WGS84.
    pub geometry: geojson::Geometry,
}

/// Checks that a geometry's positions are WGS84 longitudes and latitudes and that polygon
/// rings are closed with at least four positions.
pub fn check_geometry(geometry: &geojson::Geometry) -> Result<(), String> {
    use geojson::Value;
    fn position(p: &[f64]) -> Result<(), String> {
        match p {
            [lon, lat, ..] if (-180.0..=180.0).contains(lon) && (-90.0..=90.0).contains(lat) => {
                Ok(())
            }
            _ => Err(format!("position {p:?} is not [longitude, latitude]")),
        }
    }
    fn ring(r: &[Vec<f64>]) -> Result<(), String> {
        if r.len() < 4 || r.first() != r.last() {
            return Err("a polygon ring must be closed and have at least 4 positions".into());
        }
        r.iter().try_for_each(|p| position(p))
    }
    match &geometry.value {
        Value::Point(p) => position(p),
        Value::MultiPoint(ps) | Value::LineString(ps) => ps.iter().try_for_each(|p| position(p)),
        Value::MultiLineString(ls) => ls.iter().flatten().try_for_each(|p| position(p)),
        Value::Polygon(rings) => rings.iter().try_for_each(|r| ring(r)),
        Value::MultiPolygon(polys) => polys.iter().flatten().try_for_each(|r| ring(r)),
        Value::GeometryCollection(gs) => gs.iter().try_for_each(check_geometry),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_must_close() {
        let open: geojson::Geometry = serde_json::from_str(
            r#"{"type":"Polygon","coordinates":[[[106.5,29.6],[106.6,29.6],[106.6,29.7],[106.5,29.7]]]}"#,
        )
        .unwrap();
        assert!(check_geometry(&open).is_err());
        let point: geojson::Geometry =
            serde_json::from_str(r#"{"type":"Point","coordinates":[106.5,29.6]}"#).unwrap();
        assert!(check_geometry(&point).is_ok());
        let bad: geojson::Geometry =
            serde_json::from_str(r#"{"type":"Point","coordinates":[29.6,106.5]}"#).unwrap();
        assert!(check_geometry(&bad).is_err());
    }
}
