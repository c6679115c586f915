//! GeoJSON geometries (RFC 7946) to validated `geo` geometries, and back.

use std::fmt;
use std::str::FromStr;

use geo::{
    Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon,
    Validation,
};
use serde_json::Value;

use crate::error::excerpt;

/// The GeoJSON geometry types NGSI-LD allows (clause 4.7.1: all but GeometryCollection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GeometryType {
    /// `Point`
    Point,
    /// `MultiPoint`
    MultiPoint,
    /// `LineString`
    LineString,
    /// `MultiLineString`
    MultiLineString,
    /// `Polygon`
    Polygon,
    /// `MultiPolygon`
    MultiPolygon,
}

impl GeometryType {
    /// All of them, in GeoJSON's order.
    pub const ALL: [GeometryType; 6] = [
        GeometryType::Point,
        GeometryType::MultiPoint,
        GeometryType::LineString,
        GeometryType::MultiLineString,
        GeometryType::Polygon,
        GeometryType::MultiPolygon,
    ];

    /// The GeoJSON `type` name.
    pub fn name(self) -> &'static str {
        match self {
            GeometryType::Point => "Point",
            GeometryType::MultiPoint => "MultiPoint",
            GeometryType::LineString => "LineString",
            GeometryType::MultiLineString => "MultiLineString",
            GeometryType::Polygon => "Polygon",
            GeometryType::MultiPolygon => "MultiPolygon",
        }
    }

    /// Parses a GeoJSON `type` name (case-sensitive, as in GeoJSON).
    pub fn parse(s: &str) -> Result<GeometryType, String> {
        let s = s.trim();
        if let Some(t) = GeometryType::ALL.into_iter().find(|t| t.name() == s) {
            return Ok(t);
        }
        let expected =
            "expected one of Point, MultiPoint, LineString, MultiLineString, Polygon, MultiPolygon";
        if s.is_empty() {
            return Err(format!("empty geometry type; {expected}"));
        }
        if s == "GeometryCollection" {
            return Err(format!(
                "GeometryCollection is not allowed in NGSI-LD (ETSI GS CIM 009 clauses 4.7.1, 4.10); {expected}"
            ));
        }
        if GeometryType::ALL
            .into_iter()
            .any(|t| t.name().eq_ignore_ascii_case(s))
        {
            return Err(format!(
                "unknown geometry type `{}` (GeoJSON type names are case-sensitive); {expected}",
                excerpt(s)
            ));
        }
        Err(format!(
            "unknown geometry type `{}`; {expected}",
            excerpt(s)
        ))
    }

    /// The type of a `geo` geometry, when it is one NGSI-LD can express.
    pub fn of(geometry: &Geometry<f64>) -> Option<GeometryType> {
        match geometry {
            Geometry::Point(_) => Some(GeometryType::Point),
            Geometry::MultiPoint(_) => Some(GeometryType::MultiPoint),
            Geometry::LineString(_) | Geometry::Line(_) => Some(GeometryType::LineString),
            Geometry::MultiLineString(_) => Some(GeometryType::MultiLineString),
            Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => {
                Some(GeometryType::Polygon)
            }
            Geometry::MultiPolygon(_) => Some(GeometryType::MultiPolygon),
            Geometry::GeometryCollection(_) => None,
        }
    }
}

impl fmt::Display for GeometryType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for GeometryType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        GeometryType::parse(s)
    }
}

/// A GeoJSON geometry (the `value` of a GeoProperty) to a validated `geo::Geometry`.
///
/// Accepts a JSON object `{"type": …, "coordinates": …}` (other members such as `bbox` are
/// ignored) or, for JSON-LD compatibility, a string holding such an object. Checks:
/// the type is one of the six NGSI-LD types; positions are arrays of 2 or 3 finite numbers
/// (altitude is accepted and dropped); longitude in [-180, 180] and latitude in [-90, 90];
/// no empty arrays; LineStrings have >= 2 positions; polygon rings have >= 4 positions and are
/// closed; and the result is valid in the OGC Simple Features sense (no self-intersecting
/// rings, holes inside their shell, non-overlapping MultiPolygon members, …).
///
/// The error explains what is wrong and where (e.g. `coordinates[0][2]: latitude 95 is
/// outside [-90, 90]`).
pub fn geometry_from_geojson(value: &Value) -> Result<Geometry<f64>, String> {
    let parsed;
    let object = match value {
        Value::Object(object) => object,
        Value::String(text) => {
            parsed = serde_json::from_str::<Value>(text).map_err(|e| {
                format!("a GeoJSON geometry given as a string must hold a JSON object: {e}")
            })?;
            parsed.as_object().ok_or_else(|| {
                format!(
                    "a GeoJSON geometry given as a string must hold a JSON object, got {}",
                    kind(&parsed)
                )
            })?
        }
        other => {
            return Err(format!(
                "a GeoJSON geometry must be a JSON object with `type` and `coordinates`, got {}",
                kind(other)
            ))
        }
    };
    let type_name = match object.get("type") {
        Some(Value::String(t)) => t,
        Some(other) => return Err(format!("`type` must be a string, got {}", kind(other))),
        None => return Err("missing `type` (a GeoJSON geometry type such as Point)".into()),
    };
    if matches!(type_name.as_str(), "Feature" | "FeatureCollection") {
        return Err(format!(
            "expected a GeoJSON geometry, got a {type_name}; put its `geometry` here"
        ));
    }
    let geometry_type = GeometryType::parse(type_name)?;
    let coordinates = object
        .get("coordinates")
        .ok_or_else(|| format!("missing `coordinates` for the {type_name}"))?;
    geometry_from_coordinates(geometry_type, coordinates)
}

/// GeoJSON `coordinates` (already parsed as JSON) of the given type to a validated geometry,
/// with the same checks as [`geometry_from_geojson`].
pub fn geometry_from_coordinates(
    geometry_type: GeometryType,
    coordinates: &Value,
) -> Result<Geometry<f64>, String> {
    let mut reader = Reader {
        geometry_type,
        path: Vec::with_capacity(4),
    };
    let geometry = match geometry_type {
        GeometryType::Point => Geometry::Point(Point(reader.position(coordinates)?)),
        GeometryType::MultiPoint => Geometry::MultiPoint(MultiPoint(reader.array(
            coordinates,
            "a MultiPoint needs at least one position",
            |r, v| r.position(v).map(Point),
        )?)),
        GeometryType::LineString => Geometry::LineString(reader.line_string(coordinates)?),
        GeometryType::MultiLineString => Geometry::MultiLineString(MultiLineString(reader.array(
            coordinates,
            "a MultiLineString needs at least one LineString",
            Reader::line_string,
        )?)),
        GeometryType::Polygon => Geometry::Polygon(reader.polygon(coordinates)?),
        GeometryType::MultiPolygon => Geometry::MultiPolygon(MultiPolygon(reader.array(
            coordinates,
            "a MultiPolygon needs at least one Polygon",
            Reader::polygon,
        )?)),
    };
    if let Err(problem) = geometry.check_validation() {
        return Err(format!("invalid {}: {problem}", geometry_type.name()));
    }
    Ok(geometry)
}

/// A `geo` geometry as a GeoJSON geometry object (for responses and `application/geo+json`).
pub fn geometry_to_geojson(geometry: &Geometry<f64>) -> Value {
    let geometry = geojson::Geometry::new(geojson::Value::from(geometry));
    Value::Object(geojson::JsonObject::from(&geometry))
}

/// Walks GeoJSON coordinates, remembering where it is for error messages.
struct Reader {
    geometry_type: GeometryType,
    path: Vec<usize>,
}

impl Reader {
    fn at(&self) -> String {
        let mut s = String::from("coordinates");
        for i in &self.path {
            s.push_str(&format!("[{i}]"));
        }
        s
    }

    fn err(&self, message: impl fmt::Display) -> String {
        format!("{}: {message}", self.at())
    }

    /// A non-empty array whose elements are read by `item`.
    fn array<T>(
        &mut self,
        value: &Value,
        empty_message: &str,
        mut item: impl FnMut(&mut Self, &Value) -> Result<T, String>,
    ) -> Result<Vec<T>, String> {
        let Value::Array(elements) = value else {
            return Err(self.not_an_array(value));
        };
        if elements.is_empty() {
            return Err(self.err(format!("empty array; {empty_message}")));
        }
        let mut out = Vec::with_capacity(elements.len());
        for (i, element) in elements.iter().enumerate() {
            self.path.push(i);
            let read = item(self, element);
            self.path.pop();
            out.push(read?);
        }
        Ok(out)
    }

    fn not_an_array(&self, value: &Value) -> String {
        let hint = if value.is_number() {
            format!(
                " (the coordinates are not nested deeply enough for a {})",
                self.geometry_type
            )
        } else {
            String::new()
        };
        self.err(format!("expected an array, got {}{hint}", kind(value)))
    }

    fn position(&mut self, value: &Value) -> Result<Coord<f64>, String> {
        let Value::Array(numbers) = value else {
            return Err(self.not_an_array(value));
        };
        if let Some(nested) = numbers.iter().position(Value::is_array) {
            self.path.push(nested);
            let message = self.err(format!(
                "expected a number, got an array (the coordinates are nested too deeply for a {})",
                self.geometry_type
            ));
            self.path.pop();
            return Err(message);
        }
        if !(2..=3).contains(&numbers.len()) {
            return Err(self.err(format!(
                "a position is [longitude, latitude] or [longitude, latitude, altitude], got {} element(s)",
                numbers.len()
            )));
        }
        let mut xyz = [0.0; 3];
        for (i, n) in numbers.iter().enumerate() {
            let v = n.as_f64().filter(|v| v.is_finite()).ok_or_else(|| {
                self.err(format!(
                    "position element {i} must be a finite number, got {}",
                    kind(n)
                ))
            })?;
            xyz[i] = v;
        }
        let (lon, lat) = (xyz[0], xyz[1]);
        if !(-180.0..=180.0).contains(&lon) {
            return Err(self.err(format!(
                "longitude {lon} is outside [-180, 180] (positions are [longitude, latitude])"
            )));
        }
        if !(-90.0..=90.0).contains(&lat) {
            return Err(self.err(format!(
                "latitude {lat} is outside [-90, 90] (positions are [longitude, latitude])"
            )));
        }
        Ok(Coord { x: lon, y: lat })
    }

    fn line_string(&mut self, value: &Value) -> Result<LineString<f64>, String> {
        let coords = self.array(
            value,
            "a LineString needs at least two positions",
            Self::position,
        )?;
        if coords.len() < 2 {
            return Err(self.err("a LineString needs at least two positions"));
        }
        Ok(LineString(coords))
    }

    fn ring(&mut self, value: &Value) -> Result<LineString<f64>, String> {
        let coords = self.array(
            value,
            "a linear ring needs at least four positions",
            Self::position,
        )?;
        if coords.len() < 4 {
            return Err(self.err(format!(
                "a linear ring needs at least four positions (first and last equal), got {}",
                coords.len()
            )));
        }
        if coords.first() != coords.last() {
            return Err(self
                .err("the linear ring is not closed: its first and last positions must be equal"));
        }
        Ok(LineString(coords))
    }

    fn polygon(&mut self, value: &Value) -> Result<Polygon<f64>, String> {
        let mut rings = self.array(value, "a Polygon needs an exterior ring", Self::ring)?;
        let exterior = rings.remove(0);
        Ok(Polygon::new(exterior, rings))
    }
}

/// "a number", "an object", … for messages.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
