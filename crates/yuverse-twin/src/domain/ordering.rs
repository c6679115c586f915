//! Entity ordering (`orderBy`, clause 4.23 of GS CIM 009 V1.9.1): the keys a query's
//! entities are sorted by, and the comparison of values of any type.
//!
//! A key is `id`, `type`, `createdAt`, `modifiedAt`, or an attribute path: `name` (the value of
//! its default instance), `name.member` (an instance member such as `observedAt`, or a
//! sub-attribute's value), `name[a][b]` (a member inside a compound value), each with `;asc`
//! (the default) or `;desc`. A GeoProperty may be ordered by its distance from a point with
//! `;dist-asc` or `;dist-desc` and `orderFrom=[longitude,latitude]`.
//!
//! Values of different types rank numbers, then strings, then booleans, then lists, then
//! objects; an entity without the value comes last whichever the direction.

use std::cmp::Ordering as Cmp;

use serde_json::Value;
use yuverse_twin_geo::geo::{Geometry, Point};

use super::attribute::value_members;
use super::entity::Doc;
use super::Vocabulary;
use crate::error::{NgsiError, NgsiResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Ascending,
    Descending,
    /// By distance from the `orderFrom` point.
    DistanceAscending,
    DistanceDescending,
}

#[derive(Debug, Clone, PartialEq)]
enum Path {
    Id,
    Type,
    /// An entity's own `createdAt` or `modifiedAt`.
    System(&'static str),
    Attribute {
        /// The attribute's expanded name.
        name: String,
        /// A member of the instance (`observedAt`…) or a sub-attribute (expanded).
        member: Option<String>,
        /// Keys into a compound value.
        within: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
struct Key {
    path: Path,
    direction: Direction,
}

/// A parsed `orderBy`.
#[derive(Debug, Clone)]
pub struct Ordering {
    keys: Vec<Key>,
    from: Option<Geometry<f64>>,
}

/// Members of an attribute instance that a dotted path names directly.
const INSTANCE_MEMBERS: [&str; 6] = [
    "createdAt",
    "modifiedAt",
    "observedAt",
    "unitCode",
    "datasetId",
    "type",
];

fn bad(detail: impl Into<String>) -> NgsiError {
    NgsiError::bad_data(detail)
}

impl Ordering {
    /// `orderBy` with `orderFrom`; `None` without `orderBy`.
    pub fn parse(
        order_by: Option<&str>,
        order_from: Option<&str>,
        vocab: &dyn Vocabulary,
    ) -> NgsiResult<Option<Ordering>> {
        let Some(order_by) = order_by else {
            return Ok(None);
        };
        let keys = order_by
            .split(',')
            .map(|key| parse_key(key.trim(), vocab))
            .collect::<NgsiResult<Vec<Key>>>()?;
        let by_distance = keys.iter().any(|k| {
            matches!(
                k.direction,
                Direction::DistanceAscending | Direction::DistanceDescending
            )
        });
        let from = match (by_distance, order_from) {
            (true, None) => {
                return Err(bad(
                    "ordering by distance needs orderFrom=[longitude,latitude]",
                ))
            }
            (true, Some(text)) => Some(point(text)?),
            (false, _) => None,
        };
        Ok(Some(Ordering { keys, from }))
    }

    /// Compares two stored entities by the keys in turn.
    pub fn compare(&self, a: &Doc, b: &Doc) -> Cmp {
        for key in &self.keys {
            let order = match key.direction {
                Direction::DistanceAscending | Direction::DistanceDescending => {
                    let (da, db) = (self.distance(a, &key.path), self.distance(b, &key.path));
                    match (da, db) {
                        (Some(x), Some(y)) => {
                            let by = x.partial_cmp(&y).unwrap_or(Cmp::Equal);
                            if key.direction == Direction::DistanceDescending {
                                by.reverse()
                            } else {
                                by
                            }
                        }
                        (Some(_), None) => Cmp::Less,
                        (None, Some(_)) => Cmp::Greater,
                        (None, None) => Cmp::Equal,
                    }
                }
                direction => match (key_value(a, &key.path), key_value(b, &key.path)) {
                    (Some(x), Some(y)) => {
                        let by = compare_values(&x, &y);
                        if direction == Direction::Descending {
                            by.reverse()
                        } else {
                            by
                        }
                    }
                    (Some(_), None) => Cmp::Less,
                    (None, Some(_)) => Cmp::Greater,
                    (None, None) => Cmp::Equal,
                },
            };
            if order != Cmp::Equal {
                return order;
            }
        }
        Cmp::Equal
    }

    fn distance(&self, doc: &Doc, path: &Path) -> Option<f64> {
        let from = self.from.as_ref()?;
        let geometry = key_value(doc, path)?;
        let geometry = yuverse_twin_geo::geometry_from_geojson(&geometry).ok()?;
        Some(yuverse_twin_geo::distance_m(from, &geometry))
    }
}

fn parse_key(text: &str, vocab: &dyn Vocabulary) -> NgsiResult<Key> {
    let (path, direction) = match text.split_once(';') {
        None => (text, Direction::Ascending),
        Some((path, "asc")) => (path, Direction::Ascending),
        Some((path, "desc")) => (path, Direction::Descending),
        Some((path, "dist-asc")) => (path, Direction::DistanceAscending),
        Some((path, "dist-desc")) => (path, Direction::DistanceDescending),
        Some((_, other)) => {
            return Err(bad(format!(
                "orderBy direction `{other}` is not asc, desc, dist-asc or dist-desc"
            )))
        }
    };
    if path.is_empty() {
        return Err(bad("orderBy has an empty key"));
    }
    let path = match path {
        "id" => Path::Id,
        "type" => Path::Type,
        "createdAt" => Path::System("createdAt"),
        "modifiedAt" => Path::System("modifiedAt"),
        _ => attribute_path(path, vocab)?,
    };
    Ok(Key { path, direction })
}

/// `name`, `name.member` and `name[a][b]` (clause 4.23.3).
fn attribute_path(text: &str, vocab: &dyn Vocabulary) -> NgsiResult<Path> {
    let (head, brackets) = match text.find('[') {
        Some(at) => text.split_at(at),
        None => (text, ""),
    };
    let mut within = Vec::new();
    let mut rest = brackets;
    while !rest.is_empty() {
        let inner = rest
            .strip_prefix('[')
            .and_then(|r| r.split_once(']'))
            .filter(|(item, _)| !item.is_empty())
            .ok_or_else(|| bad(format!("`{text}` is not an orderBy path")))?;
        within.push(inner.0.to_owned());
        rest = inner.1;
    }
    let (name, member) = match head.split_once('.') {
        Some((name, member)) => (name, Some(member)),
        None => (head, None),
    };
    let valid = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_alphanumeric() || "_-:/#".contains(c))
    };
    if !valid(name) || member.is_some_and(|m| !valid(m)) {
        return Err(bad(format!("`{text}` is not an orderBy path")));
    }
    let member = member.map(|m| {
        if INSTANCE_MEMBERS.contains(&m) {
            m.to_owned()
        } else {
            vocab.expand(m)
        }
    });
    Ok(Path::Attribute {
        name: vocab.expand(name),
        member,
        within,
    })
}

fn point(text: &str) -> NgsiResult<Geometry<f64>> {
    let coordinates: Vec<f64> = serde_json::from_str(text)
        .ok()
        .filter(|c: &Vec<f64>| c.len() == 2)
        .ok_or_else(|| bad("orderFrom must be [longitude,latitude]"))?;
    Ok(Geometry::Point(Point::new(coordinates[0], coordinates[1])))
}

/// The value a key reads from an entity, if it has one.
fn key_value(doc: &Doc, path: &Path) -> Option<Value> {
    match path {
        Path::Id => doc.get("id").cloned(),
        Path::Type => match doc.get("type")? {
            Value::Array(types) => types.first().cloned(),
            single => Some(single.clone()),
        },
        Path::System(member) => doc.get(*member).cloned(),
        Path::Attribute {
            name,
            member,
            within,
        } => {
            let instance = default_instance(doc.get(name)?)?;
            let mut value = match member {
                Some(m) if INSTANCE_MEMBERS.contains(&m.as_str()) => instance.get(m)?.clone(),
                Some(sub) => own_value(default_instance(instance.get(sub)?)?)?,
                None => own_value(instance)?,
            };
            for key in within {
                value = value.get(key)?.clone();
            }
            Some(value)
        }
    }
}

/// The instance without a datasetId, else the first.
fn default_instance(attribute: &Value) -> Option<&Value> {
    match attribute {
        Value::Array(instances) => instances
            .iter()
            .find(|i| i.get("datasetId").is_none())
            .or_else(|| instances.first()),
        single => Some(single),
    }
}

/// An instance's value member by its type (`value`, `object`, `languageMap`…).
fn own_value(instance: &Value) -> Option<Value> {
    let kind = instance
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("Property");
    let member = value_members(kind).value;
    let value = instance.get(member)?;
    // A date-time property keeps its value under @value.
    Some(
        value
            .get("@value")
            .cloned()
            .unwrap_or_else(|| value.clone()),
    )
}

/// Numbers, then strings, then booleans, then lists, then objects; alike ones by value.
fn compare_values(a: &Value, b: &Value) -> Cmp {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Number(_) => 0,
            Value::String(_) => 1,
            Value::Bool(_) => 2,
            Value::Array(_) => 3,
            Value::Object(_) => 4,
            Value::Null => 5,
        }
    }
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x.as_f64().partial_cmp(&y.as_f64()).unwrap_or(Cmp::Equal)
        }
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => x
            .iter()
            .zip(y)
            .map(|(p, q)| compare_values(p, q))
            .find(|o| *o != Cmp::Equal)
            .unwrap_or_else(|| x.len().cmp(&y.len())),
        (x, y) if rank(x) != rank(y) => rank(x).cmp(&rank(y)),
        (x, y) => x.to_string().cmp(&y.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::vocabulary::Identity;

    fn doc(value: Value) -> Doc {
        value.as_object().unwrap().clone()
    }

    fn sorted(order_by: &str, from: Option<&str>, docs: &[Doc]) -> Vec<String> {
        let ordering = Ordering::parse(Some(order_by), from, &Identity)
            .unwrap()
            .unwrap();
        let mut docs: Vec<&Doc> = docs.iter().collect();
        docs.sort_by(|a, b| ordering.compare(a, b));
        docs.iter()
            .map(|d| d["id"].as_str().unwrap().to_owned())
            .collect()
    }

    fn building(id: &str, name: Value, sub: i64, created: &str) -> Doc {
        doc(json!({
            "id": id, "type": ["Building"], "createdAt": created,
            "name": [{"type": "Property", "value": name, "createdAt": created,
                      "sub": [{"type": "Property", "value": sub}]}],
        }))
    }

    #[test]
    fn keys_order_by_value_member_sub_attribute_and_direction() {
        let docs = [
            building("b2", json!("B"), 2, "2024-01-01T00:00:00Z"),
            building("b1", json!("A"), 3, "2024-01-02T00:00:00Z"),
            building("b3", json!("C"), 1, "2024-01-03T00:00:00Z"),
        ];
        assert_eq!(sorted("name", None, &docs), ["b1", "b2", "b3"]);
        assert_eq!(sorted("name;desc", None, &docs), ["b3", "b2", "b1"]);
        assert_eq!(sorted("id", None, &docs), ["b1", "b2", "b3"]);
        assert_eq!(sorted("createdAt", None, &docs), ["b2", "b1", "b3"]);
        assert_eq!(sorted("name.createdAt", None, &docs), ["b2", "b1", "b3"]);
        assert_eq!(sorted("name.sub", None, &docs), ["b3", "b2", "b1"]);
        assert_eq!(
            sorted("type;asc,name.sub;desc", None, &docs),
            ["b1", "b2", "b3"]
        );
    }

    #[test]
    fn types_rank_and_missing_values_come_last() {
        let docs = [
            doc(json!({"id": "none", "type": ["T"]})),
            doc(json!({"id": "text", "type": ["T"], "p": [{"type": "Property", "value": "abc"}]})),
            doc(json!({"id": "number", "type": ["T"], "p": [{"type": "Property", "value": 5}]})),
        ];
        assert_eq!(sorted("p", None, &docs), ["number", "text", "none"]);
        assert_eq!(sorted("p;desc", None, &docs), ["text", "number", "none"]);
        let address = |id: &str, city: &str| {
            doc(
                json!({"id": id, "type": ["T"], "address": [{"type": "Property", "value": {"city": city}}]}),
            )
        };
        let docs = [address("z", "Zurich"), address("a", "Amsterdam")];
        assert_eq!(sorted("address[city]", None, &docs), ["a", "z"]);
    }

    #[test]
    fn geo_properties_order_by_distance_from_a_point() {
        let at = |id: &str, lon: f64, lat: f64| {
            doc(
                json!({"id": id, "type": ["T"], "location": [{"type": "GeoProperty",
                "value": {"type": "Point", "coordinates": [lon, lat]}}]}),
            )
        };
        let docs = [
            at("far", 10.0, 45.0),
            at("near", 8.01, 40.01),
            at("mid", 9.0, 41.0),
        ];
        assert_eq!(
            sorted("location;dist-asc", Some("[8,40]"), &docs),
            ["near", "mid", "far"]
        );
        assert_eq!(
            sorted("location;dist-desc", Some("[8,40]"), &docs),
            ["far", "mid", "near"]
        );
    }

    #[test]
    fn malformed_orderings_are_refused() {
        for (order_by, from) in [
            ("name;sideways", None),
            ("", None),
            ("name[", None),
            ("name[]", None),
            ("a b", None),
            ("location;dist-asc", None),
            ("location;dist-asc", Some("[1]")),
        ] {
            assert!(
                Ordering::parse(Some(order_by), from, &Identity).is_err(),
                "{order_by} {from:?}"
            );
        }
    }
}
