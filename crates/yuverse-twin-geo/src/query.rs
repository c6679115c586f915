//! A parsed geo-query and its evaluation.

use std::mem::discriminant;

use geo::{BoundingRect, Coord, Geometry, HasDimensions, Intersects, Rect, Relate};
use serde_json::{Map, Value};

use crate::error::{excerpt, GeoError};
use crate::geometry::{geometry_from_coordinates, geometry_to_geojson, kind, GeometryType};
use crate::georel::GeoRel;
use crate::sphere::{distance_m, envelope, expand_by_degrees, expand_by_distance};

/// The GeoProperty a geo-query applies to when `geoproperty` is absent (clause 4.10).
pub const DEFAULT_GEOPROPERTY: &str = "location";

/// Tolerance, in degrees (about 0.1 mm), of the coordinate-wise comparison of `equals`.
pub const EQUALS_EPSILON_DEG: f64 = 1e-9;

/// A parsed, validated NGSI-LD geo-query.
#[derive(Debug, Clone, PartialEq)]
pub struct GeoQuery {
    /// The geospatial relationship.
    pub georel: GeoRel,
    /// The reference geometry (validated, lon/lat in degrees).
    pub geometry: Geometry<f64>,
    /// The target GeoProperty, as given (short name or URI; expansion is the caller's job);
    /// `location` by default.
    pub geoproperty: String,
}

/// Parses a geo-query from the query-string parameters `georel`, `geometry`, `coordinates` and
/// `geoproperty` (already percent-decoded; a `coordinates` value that is still percent-encoded is
/// decoded once more).
///
/// Every problem is a [`GeoError`] naming the parameter; this never panics.
pub fn parse_geo_query(
    georel: &str,
    geometry: &str,
    coordinates: &str,
    geoproperty: Option<&str>,
) -> Result<GeoQuery, GeoError> {
    let georel = GeoRel::parse(georel)?;
    let geometry_type = GeometryType::parse(geometry).map_err(GeoError::geometry)?;
    let coordinates = parse_coordinates_text(coordinates)?;
    let geometry = geometry_from_coordinates(geometry_type, &coordinates).map_err(|m| {
        GeoError::coordinates(format!("does not describe a valid {geometry_type}: {m}"))
    })?;
    let geoproperty = parse_geoproperty(geoproperty)?;
    Ok(GeoQuery {
        georel,
        geometry,
        geoproperty,
    })
}

/// Like [`parse_geo_query`] but from optional parameters: `Ok(None)` when none of `georel`,
/// `geometry` and `coordinates` is present, an error naming the first missing one when only
/// some are (the three are required together). `geoproperty` alone is not a geo-query.
pub fn parse_geo_query_params(
    georel: Option<&str>,
    geometry: Option<&str>,
    coordinates: Option<&str>,
    geoproperty: Option<&str>,
) -> Result<Option<GeoQuery>, GeoError> {
    match (georel, geometry, coordinates) {
        (None, None, None) => Ok(None),
        (Some(r), Some(g), Some(c)) => parse_geo_query(r, g, c, geoproperty).map(Some),
        (r, g, _) => {
            let missing = if r.is_none() {
                GeoError::georel("missing; georel, geometry and coordinates go together")
            } else if g.is_none() {
                GeoError::geometry("missing; georel, geometry and coordinates go together")
            } else {
                GeoError::coordinates("missing; georel, geometry and coordinates go together")
            };
            Err(missing)
        }
    }
}

/// Parses the JSON `geoQ` member of a subscription or of `POST /entityOperations/query`:
/// `{"georel": …, "geometry": …, "coordinates": [...] or "[...]", "geoproperty": …}`
/// (clause 5.2.13). A `null` or absent `geoproperty` means `location`; other members are ignored.
pub fn parse_geo_query_json(value: &Value) -> Result<GeoQuery, GeoError> {
    let Value::Object(object) = value else {
        return Err(GeoError::georel(format!(
            "geoQ must be a JSON object with georel, geometry and coordinates, got {}",
            kind(value)
        )));
    };
    let georel = match object.get("georel") {
        Some(Value::String(s)) => GeoRel::parse(s)?,
        Some(other) => {
            return Err(GeoError::georel(format!(
                "must be a string, got {}",
                kind(other)
            )))
        }
        None => return Err(GeoError::georel("missing from geoQ")),
    };
    let geometry_type = match object.get("geometry") {
        Some(Value::String(s)) => GeometryType::parse(s).map_err(GeoError::geometry)?,
        Some(other) => {
            return Err(GeoError::geometry(format!(
                "must be a string, got {}",
                kind(other)
            )))
        }
        None => return Err(GeoError::geometry("missing from geoQ")),
    };
    let parsed;
    let coordinates = match object.get("coordinates") {
        Some(array @ Value::Array(_)) => array,
        Some(Value::String(s)) => {
            parsed = parse_coordinates_text(s)?;
            &parsed
        }
        Some(other) => {
            return Err(GeoError::coordinates(format!(
                "must be a JSON array (or a string holding one), got {}",
                kind(other)
            )))
        }
        None => return Err(GeoError::coordinates("missing from geoQ")),
    };
    let geometry = geometry_from_coordinates(geometry_type, coordinates).map_err(|m| {
        GeoError::coordinates(format!("does not describe a valid {geometry_type}: {m}"))
    })?;
    let geoproperty = match object.get("geoproperty") {
        None | Some(Value::Null) => parse_geoproperty(None)?,
        Some(Value::String(s)) => parse_geoproperty(Some(s))?,
        Some(other) => {
            return Err(GeoError::geoproperty(format!(
                "must be a string, got {}",
                kind(other)
            )))
        }
    };
    Ok(GeoQuery {
        georel,
        geometry,
        geoproperty,
    })
}

/// `coordinates` text to a JSON array: JSON first, then (if that fails and the text holds `%`)
/// JSON after one more round of percent-decoding.
fn parse_coordinates_text(text: &str) -> Result<Value, GeoError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(GeoError::coordinates(
            "empty; expected a JSON array such as [8,40]",
        ));
    }
    let value = match serde_json::from_str::<Value>(trimmed) {
        Ok(v) => v,
        Err(first) => {
            let decoded = trimmed
                .contains('%')
                .then(|| percent_decode(trimmed))
                .flatten()
                .and_then(|d| serde_json::from_str::<Value>(d.trim()).ok());
            match decoded {
                Some(v) => v,
                None => {
                    return Err(GeoError::coordinates(format!(
                        "not a JSON array ({first}): `{}`",
                        excerpt(trimmed)
                    )))
                }
            }
        }
    };
    if !value.is_array() {
        return Err(GeoError::coordinates(format!(
            "must be a JSON array such as [8,40], got {}",
            kind(&value)
        )));
    }
    Ok(value)
}

/// Percent-decoding (`%XX` escapes, `+` as a space); `None` if malformed or not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The target GeoProperty name: `location` when absent; otherwise a short name or an IRI (as the
/// caller may have expanded it), with no whitespace, control characters or characters that an
/// IRI cannot hold (`"<>{}|\^` and backquote).
fn parse_geoproperty(input: Option<&str>) -> Result<String, GeoError> {
    let Some(raw) = input else {
        return Ok(DEFAULT_GEOPROPERTY.to_owned());
    };
    let name = raw.trim();
    if name.is_empty() {
        return Err(GeoError::geoproperty(
            "empty; give a GeoProperty name (or omit it for location)",
        ));
    }
    const FORBIDDEN: &[char] = &['"', '<', '>', '{', '}', '|', '\\', '^', '`'];
    if let Some(bad) = name
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || FORBIDDEN.contains(c))
    {
        return Err(GeoError::geoproperty(format!(
            "`{}` is not an attribute name or IRI (character {bad:?} is not allowed)",
            excerpt(name)
        )));
    }
    Ok(name.to_owned())
}

impl GeoQuery {
    /// Whether a stored (target) geometry satisfies the relation with the reference geometry.
    ///
    /// * `near`: on [`distance_m`] (great-circle metres on the mean-radius sphere, 0 when the
    ///   geometries intersect): `maxDistance` matches `distance <= max`, `minDistance` matches
    ///   `distance > min` (disjoint from the closed buffer), both must hold when both are given.
    /// * `within`, `contains`, `overlaps`: DE-9IM predicates of OGC Simple Features in the
    ///   lon/lat plane (a point on a polygon's boundary is not within it).
    /// * `intersects` / `disjoint`: at least one / no common point; exact complements.
    /// * `equals`: same type and coordinates within [`EQUALS_EPSILON_DEG`], or topologically
    ///   equal (DE-9IM), e.g. the same ring from another starting vertex.
    ///
    /// An empty stored geometry matches nothing.
    pub fn matches(&self, stored: &Geometry<f64>) -> bool {
        if stored.is_empty() {
            return false;
        }
        let reference = &self.geometry;
        match self.georel {
            GeoRel::Near {
                max_distance_m,
                min_distance_m,
            } => {
                let d = distance_m(stored, reference);
                max_distance_m.is_none_or(|max| d <= max)
                    && min_distance_m.is_none_or(|min| d > min)
            }
            GeoRel::Intersects => stored.intersects(reference),
            GeoRel::Disjoint => !stored.intersects(reference),
            GeoRel::Within => {
                boxes_meet(stored, reference, 0.0) && stored.relate(reference).is_within()
            }
            GeoRel::Contains => {
                boxes_meet(stored, reference, 0.0) && stored.relate(reference).is_contains()
            }
            GeoRel::Overlaps => {
                boxes_meet(stored, reference, 0.0) && stored.relate(reference).is_overlaps()
            }
            GeoRel::Equals => {
                boxes_meet(stored, reference, EQUALS_EPSILON_DEG)
                    && (coordinates_equal(stored, reference)
                        || stored.relate(reference).is_equal_topo())
            }
        }
    }

    /// Like [`matches`](Self::matches) for a GeoJSON value; `false` if it is not a valid geometry.
    pub fn matches_geojson(&self, stored: &Value) -> bool {
        crate::geometry::geometry_from_geojson(stored).is_ok_and(|g| self.matches(&g))
    }

    /// A conservative lon/lat box that every matching stored geometry's [`envelope`] intersects,
    /// for a candidate filter. `None` when the relation cannot be bounded (`disjoint`, `near` with
    /// only `minDistance`). When the region crosses the antimeridian the box spans all
    /// longitudes; use [`candidate_boxes`](Self::candidate_boxes) for a tighter pair of boxes.
    pub fn candidate_bbox(&self) -> Option<Rect<f64>> {
        let boxes = self.candidate_boxes()?;
        let mut iter = boxes.into_iter();
        let first = iter.next()?;
        Some(iter.fold(first, |acc, b| {
            // Two boxes only arise from an antimeridian split: keep every longitude.
            Rect::new(
                Coord {
                    x: -180.0,
                    y: acc.min().y.min(b.min().y),
                },
                Coord {
                    x: 180.0,
                    y: acc.max().y.max(b.max().y),
                },
            )
        }))
    }

    /// Like [`candidate_bbox`](Self::candidate_bbox) but split at the antimeridian: one or two
    /// boxes within [-180, 180] × [-90, 90], whose union every matching geometry's envelope meets.
    pub fn candidate_boxes(&self) -> Option<Vec<Rect<f64>>> {
        let region = envelope(&self.geometry)?;
        match self.georel {
            GeoRel::Disjoint => None,
            GeoRel::Near {
                max_distance_m: None,
                ..
            } => None,
            GeoRel::Near {
                max_distance_m: Some(max),
                ..
            } => Some(expand_by_distance(region, max)),
            // Every other relation needs a common point (equals: up to the epsilon).
            _ => Some(expand_by_degrees(region, 2.0 * EQUALS_EPSILON_DEG)),
        }
    }

    /// The query as a `geoQ` JSON object (`coordinates` as an array), which
    /// [`parse_geo_query_json`] reads back to an equal query.
    pub fn to_json(&self) -> Value {
        let mut geo = geometry_to_geojson(&self.geometry);
        let mut object = Map::new();
        object.insert("georel".into(), Value::String(self.georel.to_string()));
        if let Value::Object(g) = &mut geo {
            if let Some(t) = g.remove("type") {
                object.insert("geometry".into(), t);
            }
            if let Some(c) = g.remove("coordinates") {
                object.insert("coordinates".into(), c);
            }
        }
        object.insert(
            "geoproperty".into(),
            Value::String(self.geoproperty.clone()),
        );
        Value::Object(object)
    }
}

/// Whether the planar bounding boxes of `a` and `b`, grown by `margin` degrees, intersect.
fn boxes_meet(a: &Geometry<f64>, b: &Geometry<f64>, margin: f64) -> bool {
    match (a.bounding_rect(), b.bounding_rect()) {
        (Some(ra), Some(rb)) => {
            ra.min().x - margin <= rb.max().x
                && rb.min().x - margin <= ra.max().x
                && ra.min().y - margin <= rb.max().y
                && rb.min().y - margin <= ra.max().y
        }
        _ => false,
    }
}

/// Same geometry type and structure, every coordinate within [`EQUALS_EPSILON_DEG`].
fn coordinates_equal(a: &Geometry<f64>, b: &Geometry<f64>) -> bool {
    discriminant(a) == discriminant(b) && {
        let (pa, pb) = (coordinate_parts(a), coordinate_parts(b));
        pa.len() == pb.len()
            && pa.iter().zip(&pb).all(|((ia, ca), (ib, cb))| {
                ia == ib
                    && ca.len() == cb.len()
                    && ca.iter().zip(cb).all(|(x, y)| {
                        (x.x - y.x).abs() <= EQUALS_EPSILON_DEG
                            && (x.y - y.y).abs() <= EQUALS_EPSILON_DEG
                    })
            })
    }
}

/// The coordinate sequences of a geometry, each tagged with the index of its member (so that
/// rings are only compared with rings of the corresponding polygon).
fn coordinate_parts(g: &Geometry<f64>) -> Vec<(usize, Vec<Coord<f64>>)> {
    match g {
        Geometry::Point(p) => vec![(0, vec![p.0])],
        Geometry::MultiPoint(mp) => vec![(0, mp.iter().map(|p| p.0).collect())],
        Geometry::Line(l) => vec![(0, vec![l.start, l.end])],
        Geometry::LineString(ls) => vec![(0, ls.0.clone())],
        Geometry::MultiLineString(mls) => mls
            .iter()
            .enumerate()
            .map(|(i, ls)| (i, ls.0.clone()))
            .collect(),
        Geometry::Polygon(p) => std::iter::once(p.exterior())
            .chain(p.interiors())
            .map(|r| (0, r.0.clone()))
            .collect(),
        Geometry::MultiPolygon(mp) => mp
            .iter()
            .enumerate()
            .flat_map(|(i, p)| {
                std::iter::once(p.exterior())
                    .chain(p.interiors())
                    .map(move |r| (i, r.0.clone()))
            })
            .collect(),
        Geometry::Rect(r) => vec![(0, vec![r.min(), r.max()])],
        Geometry::Triangle(t) => vec![(0, t.to_array().to_vec())],
        Geometry::GeometryCollection(gc) => gc
            .iter()
            .enumerate()
            .flat_map(|(i, g)| coordinate_parts(g).into_iter().map(move |(_, c)| (i, c)))
            .collect(),
    }
}
