//! Attributes: the NGSI-LD attribute types, inference of the type from concise input, and
//! validation. Everything here answers `NgsiError::bad_data` naming what is wrong.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::{Stamp, Vocabulary};
use crate::error::{NgsiError, NgsiResult};

pub const PROPERTY: &str = "Property";
pub const RELATIONSHIP: &str = "Relationship";
pub const GEO_PROPERTY: &str = "GeoProperty";
pub const LANGUAGE_PROPERTY: &str = "LanguageProperty";
pub const VOCAB_PROPERTY: &str = "VocabProperty";
pub const LIST_PROPERTY: &str = "ListProperty";
pub const LIST_RELATIONSHIP: &str = "ListRelationship";
pub const JSON_PROPERTY: &str = "JsonProperty";

const ATTRIBUTE_TYPES: [&str; 8] = [
    PROPERTY,
    RELATIONSHIP,
    GEO_PROPERTY,
    LANGUAGE_PROPERTY,
    VOCAB_PROPERTY,
    LIST_PROPERTY,
    LIST_RELATIONSHIP,
    JSON_PROPERTY,
];

const GEOJSON_TYPES: [&str; 7] = [
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
];

/// The members named after an attribute type's value member: the member itself (`value`,
/// `object`…), its plural in the temporal simplified form (`values`, `objects`…) and its
/// previous value in notifications with `showChanges` (`previousValue`, `previousObject`…).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueMembers {
    pub value: &'static str,
    pub plural: &'static str,
    pub previous: &'static str,
}

/// The NGSI-LD Null (clause 4.5.0): in a value member, it deletes or marks as deleted.
pub const NGSI_LD_NULL: &str = "urn:ngsi-ld:null";

/// An instance as deleted: its type, its datasetId, and the NGSI-LD Null in its value member
/// (`{"@none": …}` for a language map). Temporal history and notifications add their own
/// members to it.
pub fn null_instance(instance: &Value) -> Map<String, Value> {
    let kind = instance
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("Property");
    let member = value_members(kind).value;
    let null = if member == "languageMap" {
        serde_json::json!({"@none": NGSI_LD_NULL})
    } else {
        Value::String(NGSI_LD_NULL.to_owned())
    };
    let mut out = Map::new();
    out.insert("type".into(), Value::String(kind.to_owned()));
    out.insert(member.into(), null);
    if let Some(dataset) = dataset_of(instance) {
        out.insert("datasetId".into(), Value::String(dataset.to_owned()));
    }
    out
}

pub fn value_members(kind: &str) -> ValueMembers {
    let (value, plural, previous) = match kind {
        "Relationship" => ("object", "objects", "previousObject"),
        "LanguageProperty" => ("languageMap", "languageMaps", "previousLanguageMap"),
        "VocabProperty" => ("vocab", "vocabs", "previousVocab"),
        "ListProperty" => ("valueList", "valueLists", "previousValueList"),
        "ListRelationship" => ("objectList", "objectLists", "previousObjectList"),
        "JsonProperty" => ("json", "jsons", "previousJson"),
        _ => ("value", "values", "previousValue"),
    };
    ValueMembers {
        value,
        plural,
        previous,
    }
}

/// The previous-value members of notifications with `showChanges` (output only).
pub const PREVIOUS_MEMBERS: [&str; 7] = [
    "previousValue",
    "previousObject",
    "previousLanguageMap",
    "previousVocab",
    "previousValueList",
    "previousObjectList",
    "previousJson",
];

/// Members of an attribute object that are part of the attribute itself, not sub-attributes.
pub const CORE_MEMBERS: [&str; 17] = [
    "type",
    "value",
    "object",
    "languageMap",
    "vocab",
    "valueList",
    "objectList",
    "json",
    "observedAt",
    "unitCode",
    "datasetId",
    "createdAt",
    "modifiedAt",
    // Only in the temporal evolution, on the instance recording a deletion.
    "deletedAt",
    "instanceId",
    "objectType",
    "lang",
];

/// Entity members that are not attributes.
pub const ENTITY_MEMBERS: [&str; 6] =
    ["id", "type", "scope", "@context", "createdAt", "modifiedAt"];

/// How requests name the default instance of an attribute, the one without a datasetId
/// (`datasetId=@none`, clause 4.5.5).
pub const NO_DATASET: &str = "@none";

/// Whether a request's `datasetId` value names instances: a URI, or [`NO_DATASET`].
pub fn names_dataset(d: &str) -> bool {
    d == NO_DATASET || is_uri(d)
}

/// Whether a string is an absolute URI (scheme ":" rest), as ids and relationship objects must be.
pub fn is_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    !rest.is_empty()
        && !s.chars().any(char::is_whitespace)
        && scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

/// Attribute names may not carry characters that break the query language or URLs.
pub fn check_attribute_name(name: &str) -> NgsiResult<()> {
    let forbidden =
        |c: char| "<>\"'=;()[]{}|,~!&?".contains(c) || c.is_whitespace() || c.is_control();
    // IRIs (with `:`, `/` and a `#` fragment) are allowed; query-language delimiters are not,
    // nor a leading `@` (JSON-LD keywords are not attributes), nor dot segments.
    let fragment_outside_iri = name.contains('#') && !is_uri(name);
    if name.is_empty()
        || name.starts_with('@')
        || fragment_outside_iri
        || name.chars().any(forbidden)
        || is_dot_segment(name)
    {
        return Err(NgsiError::bad_data(format!(
            "`{name}` is not a valid attribute name"
        )));
    }
    Ok(())
}

/// Whether a name is `.` or `..` once every layer of percent-encoding is removed: such a
/// name, put in a path (ours or a context source's), resolves to the entity itself (RFC 3986
/// clause 5.2.4), so a delete of the attribute would delete more (GS CIM 009 clause 4.6.2: a
/// name begins with a letter). Names made of other characters are never decoded (hot path).
fn is_dot_segment(name: &str) -> bool {
    if !name.chars().all(|c| ".%25eE".contains(c)) {
        return false;
    }
    let mut text = name.to_owned();
    loop {
        let decoded = percent_encoding::percent_decode_str(&text)
            .decode_utf8_lossy()
            .into_owned();
        if decoded == text {
            return text == "." || text == "..";
        }
        text = decoded;
    }
}

/// A client's `observedAt` as the broker keeps and shows it: in UTC, as NGSI-LD represents
/// every DateTime (clause 4.6.3), with a `Z`. A time given at another offset (a device at
/// `+08:00`) is the same instant written in UTC; one already in UTC is kept as written.
/// `None` when it is not an RFC 3339 date-time.
pub(crate) fn utc_datetime(value: &Value) -> Option<Value> {
    let text = value.as_str()?;
    let time = chrono::DateTime::parse_from_rfc3339(text).ok()?;
    if text.ends_with('Z') && text.as_bytes().get(10) == Some(&b'T') {
        return Some(value.clone());
    }
    let utc = time.with_timezone(&chrono::Utc);
    Some(Value::String(
        utc.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
    ))
}

/// The attribute type a concise value stands for.
fn infer(value: &Value) -> (&'static str, Option<&'static str>) {
    let Some(object) = value.as_object() else {
        return (PROPERTY, Some("value"));
    };
    if let Some(t) = object.get("type").and_then(Value::as_str) {
        if let Some(known) = ATTRIBUTE_TYPES.iter().find(|k| **k == t) {
            return (known, None);
        }
        if GEOJSON_TYPES.contains(&t) && object.contains_key("coordinates")
            || t == "GeometryCollection"
        {
            // A bare GeoJSON geometry is a concise GeoProperty.
            return (GEO_PROPERTY, Some("value"));
        }
    }
    for (member, kind) in [
        ("value", PROPERTY),
        ("object", RELATIONSHIP),
        ("languageMap", LANGUAGE_PROPERTY),
        ("vocab", VOCAB_PROPERTY),
        ("valueList", LIST_PROPERTY),
        ("objectList", LIST_RELATIONSHIP),
        ("json", JSON_PROPERTY),
    ] {
        if object.contains_key(member) {
            return (kind, None);
        }
    }
    (PROPERTY, Some("value"))
}

/// Normalises one attribute instance (normalized or concise input) and expands the names of
/// its sub-attributes. `name` is for messages. `stamp` is its createdAt/modifiedAt.
pub fn normalize(
    name: &str,
    input: &Value,
    vocab: &dyn Vocabulary,
    stamp: &Stamp,
) -> NgsiResult<Map<String, Value>> {
    normalize_at_depth(name, input, vocab, stamp, 0)
}

fn normalize_at_depth(
    name: &str,
    input: &Value,
    vocab: &dyn Vocabulary,
    stamp: &Stamp,
    depth: usize,
) -> NgsiResult<Map<String, Value>> {
    if depth > 8 {
        return Err(NgsiError::bad_data(format!(
            "`{name}`: sub-attributes nest too deeply"
        )));
    }
    let (kind, wrap) = infer(input);
    let mut out = Map::new();
    // Read in place: every member kept is cloned into `out` once, so the input is not copied
    // as a whole first (this runs for every attribute of every write).
    let source: Cow<Map<String, Value>> = match (wrap, input.as_object()) {
        (None, Some(m)) => Cow::Borrowed(m),
        // Concise input: the bare value is the attribute's value.
        (wrap, _) => {
            let mut m = Map::new();
            m.insert(wrap.unwrap_or("value").to_owned(), input.clone());
            Cow::Owned(m)
        }
    };
    if let Some(t) = source.get("type") {
        if wrap.is_none() && t.as_str() != Some(kind) {
            return Err(NgsiError::bad_data(format!(
                "`{name}`: unknown attribute type {t}"
            )));
        }
    }
    out.insert("type".into(), Value::String(kind.to_owned()));
    match kind {
        PROPERTY => match source.get("value") {
            None | Some(Value::Null) => {
                return Err(NgsiError::bad_data(format!(
                    "`{name}`: a Property needs a non-null value"
                )))
            }
            Some(v) => {
                out.insert("value".into(), v.clone());
            }
        },
        RELATIONSHIP => {
            let object = source.get("object").cloned().unwrap_or(Value::Null);
            let valid = match &object {
                Value::String(s) => is_uri(s),
                Value::Array(items) => {
                    !items.is_empty() && items.iter().all(|i| i.as_str().is_some_and(is_uri))
                }
                _ => false,
            };
            if !valid {
                return Err(NgsiError::bad_data(format!(
                    "`{name}`: a Relationship needs an `object` that is a URI"
                )));
            }
            out.insert("object".into(), object);
            if let Some(t) = source.get("objectType") {
                let expanded = match t {
                    Value::String(s) => Value::String(vocab.expand(s)),
                    Value::Array(a) => Value::Array(
                        a.iter()
                            .map(|v| {
                                v.as_str()
                                    .map(|s| Value::String(vocab.expand(s)))
                                    .unwrap_or(Value::Null)
                            })
                            .collect(),
                    ),
                    _ => {
                        return Err(NgsiError::bad_data(format!(
                            "`{name}`: objectType must be a type name"
                        )))
                    }
                };
                out.insert("objectType".into(), expanded);
            }
        }
        GEO_PROPERTY => {
            let value = source.get("value").cloned().unwrap_or(Value::Null);
            yuverse_twin_geo::geometry_from_geojson(&value).map_err(|e| {
                NgsiError::bad_data(format!("`{name}`: invalid GeoJSON geometry: {e}"))
            })?;
            out.insert("value".into(), value);
        }
        LANGUAGE_PROPERTY => {
            let map = source.get("languageMap").and_then(Value::as_object);
            let valid = map.is_some_and(|m| {
                !m.is_empty()
                    && m.values().all(|v| {
                        v.is_string()
                            || v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
                    })
            });
            if !valid {
                return Err(NgsiError::bad_data(format!(
                    "`{name}`: a LanguageProperty needs a languageMap of language → string"
                )));
            }
            out.insert("languageMap".into(), source["languageMap"].clone());
        }
        VOCAB_PROPERTY => {
            let expanded = match source.get("vocab") {
                Some(Value::String(s)) => Value::String(vocab.expand(s)),
                Some(Value::Array(a)) if !a.is_empty() && a.iter().all(Value::is_string) => {
                    Value::Array(
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(|s| Value::String(vocab.expand(s)))
                            .collect(),
                    )
                }
                _ => {
                    return Err(NgsiError::bad_data(format!(
                        "`{name}`: a VocabProperty needs `vocab`, a term or a list of terms"
                    )))
                }
            };
            out.insert("vocab".into(), expanded);
        }
        LIST_PROPERTY => match source.get("valueList") {
            Some(Value::Array(a)) => {
                out.insert("valueList".into(), Value::Array(a.clone()));
            }
            _ => {
                return Err(NgsiError::bad_data(format!(
                    "`{name}`: a ListProperty needs a `valueList` array"
                )))
            }
        },
        LIST_RELATIONSHIP => {
            let list = source.get("objectList").and_then(Value::as_array);
            let valid = list.is_some_and(|l| {
                l.iter().all(|item| {
                    item.as_str().is_some_and(is_uri)
                        || item
                            .get("object")
                            .and_then(Value::as_str)
                            .is_some_and(is_uri)
                })
            });
            if !valid {
                return Err(NgsiError::bad_data(format!(
                    "`{name}`: a ListRelationship needs an `objectList` of URIs"
                )));
            }
            out.insert("objectList".into(), source["objectList"].clone());
        }
        JSON_PROPERTY => match source.get("json") {
            Some(v @ (Value::Object(_) | Value::Array(_))) => {
                out.insert("json".into(), v.clone());
            }
            _ => {
                return Err(NgsiError::bad_data(format!(
                    "`{name}`: a JsonProperty needs `json`, an object or array"
                )))
            }
        },
        other => {
            return Err(NgsiError::bad_data(format!(
                "`{name}`: unsupported attribute type {other}"
            )))
        }
    }
    if let Some(observed) = source.get("observedAt") {
        let observed = utc_datetime(observed).ok_or_else(|| {
            NgsiError::bad_data(format!(
                "`{name}`: observedAt must be an RFC 3339 date-time"
            ))
        })?;
        out.insert("observedAt".into(), observed);
    }
    if let Some(unit) = source.get("unitCode") {
        if !unit.is_string() {
            return Err(NgsiError::bad_data(format!(
                "`{name}`: unitCode must be a string"
            )));
        }
        out.insert("unitCode".into(), unit.clone());
    }
    if let Some(dataset) = source.get("datasetId") {
        if !dataset.as_str().is_some_and(is_uri) {
            return Err(NgsiError::bad_data(format!(
                "`{name}`: datasetId must be a URI"
            )));
        }
        out.insert("datasetId".into(), dataset.clone());
    }
    if let Some(lang) = source.get("lang") {
        out.insert("lang".into(), lang.clone());
    }
    for (member, value) in source.iter() {
        if CORE_MEMBERS.contains(&member.as_str()) || member == "@context" {
            continue;
        }
        check_attribute_name(member)?;
        let sub = normalize_at_depth(member, value, vocab, stamp, depth + 1)?;
        out.insert(vocab.expand(member), Value::Array(vec![Value::Object(sub)]));
    }
    out.insert("createdAt".into(), stamp.json());
    out.insert("modifiedAt".into(), stamp.json());
    Ok(out)
}

/// Normalises an attribute's input, which may be one instance or an array of instances
/// (multi-attribute). Instances must differ in `datasetId` (at most one without).
pub fn normalize_instances(
    name: &str,
    input: &Value,
    vocab: &dyn Vocabulary,
    stamp: &Stamp,
) -> NgsiResult<Vec<Value>> {
    let items: Vec<&Value> = match input {
        Value::Array(items)
            if items.iter().all(Value::is_object)
                && !items.is_empty()
                && items
                    .iter()
                    .any(|i| i.get("type").is_some() || i.get("datasetId").is_some()) =>
        {
            items.iter().collect()
        }
        other => vec![other],
    };
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let instance = normalize(name, item, vocab, stamp)?;
        let dataset = instance
            .get("datasetId")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        if !seen.insert(dataset) {
            return Err(NgsiError::bad_data(format!(
                "`{name}`: two instances with the same datasetId"
            )));
        }
        out.push(Value::Object(instance));
    }
    Ok(out)
}

pub fn dataset_of(instance: &Value) -> Option<&str> {
    instance.get("datasetId").and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::vocabulary::Identity;
    use serde_json::json;

    const NOW: &str = "2024-01-01T00:00:00.000000Z";

    fn stamp(at: &str) -> Stamp {
        Stamp::new(at.into())
    }

    #[test]
    fn dot_segments_are_no_names_however_encoded() {
        for bad in [".", "..", "%2e%2e", "%2E.", "%252e%252e", "%2e"] {
            assert!(check_attribute_name(bad).is_err(), "{bad}");
        }
        for good in ["speed", "e", "...", "%2e%2e%2e", "a.b"] {
            assert!(check_attribute_name(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn concise_values_are_inferred() {
        let p = normalize("speed", &json!(5), &Identity, &stamp(NOW)).unwrap();
        assert_eq!(p["type"], "Property");
        let r = normalize("owner", &json!({"object": "urn:a"}), &Identity, &stamp(NOW)).unwrap();
        assert_eq!(r["type"], "Relationship");
        let g = normalize(
            "location",
            &json!({"type": "Point", "coordinates": [106.5, 29.6]}),
            &Identity,
            &stamp(NOW),
        )
        .unwrap();
        assert_eq!(g["type"], "GeoProperty");
        let l = normalize(
            "name",
            &json!({"languageMap": {"zh": "仙桃", "en": "Xiantao"}}),
            &Identity,
            &stamp(NOW),
        )
        .unwrap();
        assert_eq!(l["type"], "LanguageProperty");
        let c = normalize(
            "address",
            &json!({"street": "金开大道"}),
            &Identity,
            &stamp(NOW),
        )
        .unwrap();
        assert_eq!(c["type"], "Property");
        assert_eq!(c["value"]["street"], "金开大道");
    }

    #[test]
    fn observation_times_are_kept_in_utc() {
        let observed = |at: &str| {
            normalize(
                "a",
                &json!({"type": "Property", "value": 1, "observedAt": at}),
                &Identity,
                &stamp(NOW),
            )
            .unwrap()["observedAt"]
                .clone()
        };
        // Already in UTC: kept as written, whatever its precision.
        assert_eq!(observed("2026-03-01T12:00:00Z"), "2026-03-01T12:00:00Z");
        assert_eq!(
            observed("2026-03-01T12:00:00.123456Z"),
            "2026-03-01T12:00:00.123456Z"
        );
        // Another offset: the same instant in UTC.
        assert_eq!(
            observed("2026-03-01T20:00:00+08:00"),
            "2026-03-01T12:00:00Z"
        );
        assert_eq!(
            observed("2026-03-01T00:30:00.5-01:00"),
            "2026-03-01T01:30:00.500Z"
        );
        assert_eq!(
            observed("2026-03-01T12:00:00+00:00"),
            "2026-03-01T12:00:00Z"
        );
        assert_eq!(observed("2026-03-01t12:00:00z"), "2026-03-01T12:00:00Z");
        // Sub-attributes' observation times too.
        let nested = normalize(
            "a",
            &json!({"type": "Property", "value": 1,
                "accuracy": {"type": "Property", "value": 0.1,
                    "observedAt": "2026-03-01T20:00:00+08:00"}}),
            &Identity,
            &stamp(NOW),
        )
        .unwrap();
        assert_eq!(nested["accuracy"][0]["observedAt"], "2026-03-01T12:00:00Z");
    }

    #[test]
    fn invalid_attributes_are_bad_request_data() {
        for bad in [
            json!({"type": "Property", "value": null}),
            json!({"type": "Property"}),
            json!({"type": "Relationship", "object": "not a uri"}),
            json!({"type": "GeoProperty", "value": {"type": "Point", "coordinates": [500, 1]}}),
            json!({"type": "Wibble", "value": 1}),
            json!({"type": "Property", "value": 1, "observedAt": "yesterday"}),
            json!({"type": "Property", "value": 1, "datasetId": "x"}),
        ] {
            assert!(
                normalize("a", &bad, &Identity, &stamp(NOW)).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn sub_attributes_and_multi_attributes() {
        let p = normalize(
            "temperature",
            &json!({"type": "Property", "value": 20, "accuracy": {"type": "Property", "value": 0.5}}),
            &Identity,
            &stamp(NOW),
        )
        .unwrap();
        assert_eq!(p["accuracy"][0]["value"], 0.5);
        let multi = json!([
            {"type": "Property", "value": 1},
            {"type": "Property", "value": 2, "datasetId": "urn:ds:2"}
        ]);
        assert_eq!(
            normalize_instances("a", &multi, &Identity, &stamp(NOW))
                .unwrap()
                .len(),
            2
        );
        let dup = json!([{"type": "Property", "value": 1}, {"type": "Property", "value": 2}]);
        assert!(normalize_instances("a", &dup, &Identity, &stamp(NOW)).is_err());
    }

    #[test]
    fn uris() {
        assert!(is_uri("urn:ngsi-ld:Building:1"));
        assert!(is_uri("https://example.org/x"));
        assert!(!is_uri("Building1"));
        assert!(!is_uri("urn:has space"));
        assert!(!is_uri(":x"));
    }
}
