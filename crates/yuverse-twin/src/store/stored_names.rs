//! Expanded names as the twin's tables store them. Each history row, and its entry in the
//! history's time index, carries its attribute's expanded name, and each stored entity its
//! attributes' and types' names; most share a long prefix: `pm25` is
//! `https://uri.etsi.org/ngsi-ld/default-context/pm25`. Stored with the prefix replaced by one
//! digit, a history row and its index entry are about 90 bytes lighter and an entity row
//! about 45 bytes per attribute, which the writer no longer pushes through the WAL and the
//! checkpoint (an update writes the entity row and one history row per attribute).
//!
//! The form is unambiguous: an expanded name is an absolute IRI, which starts with a letter (its
//! scheme), so a leading digit is always a prefix's number; `0` marks a name kept as it was
//! because it starts with a digit itself. Migration `…_history_compact_attribute_names` rewrote
//! the history rows stored before; its numbers and this table must stay the same. Entity rows
//! written before read back unchanged: their names start with a letter, which `expand` keeps.

use std::borrow::Cow;

use serde::ser::{SerializeMap, SerializeSeq};
use serde_json::Value;

use crate::domain::entity::Doc;

/// Prefix `n` is stored as the digit `n + 1`. The longer of two nested prefixes comes first.
const PREFIXES: [&str; 3] = [
    "https://uri.etsi.org/ngsi-ld/default-context/",
    "https://uri.etsi.org/ngsi-ld/",
    "https://smartdatamodels.org/",
];

/// The stored form of an expanded attribute name.
pub fn compact(name: &str) -> Cow<'_, str> {
    for (n, prefix) in PREFIXES.iter().enumerate() {
        if let Some(rest) = name.strip_prefix(prefix) {
            return Cow::Owned(format!("{}{rest}", n + 1));
        }
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Cow::Owned(format!("0{name}"));
    }
    Cow::Borrowed(name)
}

/// The expanded name of a stored one.
pub fn expand(stored: String) -> String {
    let Some(digit) = stored.chars().next().and_then(|c| c.to_digit(10)) else {
        return stored;
    };
    let rest = &stored[1..];
    match digit.checked_sub(1) {
        None => rest.to_owned(),
        Some(n) => match PREFIXES.get(n as usize) {
            Some(prefix) => format!("{prefix}{rest}"),
            // Not written by `compact`: shown as stored rather than guessed at.
            None => stored,
        },
    }
}

/// The stored text of an entity: its members with their names compacted, and its types'.
/// Attributes' own members (sub-attributes included) are kept as they are.
pub fn entity_text(doc: &Doc) -> String {
    super::json_text(&CompactEntity(doc), 1024)
}

/// An entity read back from its stored text: names expanded again.
pub fn expand_entity(stored: Doc) -> Doc {
    stored
        .into_iter()
        .map(|(name, value)| match (name.as_str(), value) {
            ("type", Value::Array(types)) => {
                let types = types
                    .into_iter()
                    .map(|t| match t {
                        Value::String(t) => Value::String(expand(t)),
                        other => other,
                    })
                    .collect();
                (name, Value::Array(types))
            }
            (_, value) => (expand(name), value),
        })
        .collect()
}

/// An entity serialised with compacted names, in place (no copy of the map).
struct CompactEntity<'a>(&'a Doc);

impl serde::Serialize for CompactEntity<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in self.0 {
            match (name.as_str(), value) {
                ("type", Value::Array(types)) => map.serialize_entry(name, &CompactTypes(types))?,
                _ => map.serialize_entry(&compact(name), value)?,
            }
        }
        map.end()
    }
}

struct CompactTypes<'a>(&'a [Value]);

impl serde::Serialize for CompactTypes<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for t in self.0 {
            match t {
                Value::String(t) => seq.serialize_element(&compact(t))?,
                other => seq.serialize_element(other)?,
            }
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_under_a_known_prefix_shrink_to_a_digit_and_come_back() {
        for (name, stored) in [
            ("https://uri.etsi.org/ngsi-ld/default-context/pm25", "1pm25"),
            ("https://uri.etsi.org/ngsi-ld/scope", "2scope"),
            (
                "https://smartdatamodels.org/dataModel.Environment/NO2",
                "3dataModel.Environment/NO2",
            ),
            ("http://example.org/speed", "http://example.org/speed"),
            ("urn:ex:3d", "urn:ex:3d"),
            ("9lives", "09lives"),
            ("", ""),
        ] {
            assert_eq!(compact(name), stored, "{name}");
            assert_eq!(expand(stored.to_owned()), name, "{stored}");
        }
    }

    #[test]
    fn the_core_prefix_does_not_swallow_the_default_contexts() {
        assert_eq!(
            compact("https://uri.etsi.org/ngsi-ld/default-context/"),
            "1"
        );
        assert_eq!(compact("https://uri.etsi.org/ngsi-ld/"), "2");
        assert_eq!(
            expand("1".into()),
            "https://uri.etsi.org/ngsi-ld/default-context/"
        );
    }

    #[test]
    fn an_entity_is_stored_with_compact_names_and_read_back_whole() {
        let doc: Doc = serde_json::from_value(serde_json::json!({
            "id": "urn:ngsi-ld:AirQualityObserved:1",
            "type": ["https://uri.etsi.org/ngsi-ld/default-context/AirQualityObserved", "urn:ex:T"],
            "createdAt": "2026-12-07T00:00:00Z",
            "https://uri.etsi.org/ngsi-ld/default-context/pm25": [{
                "type": "Property", "value": 12,
                "https://uri.etsi.org/ngsi-ld/default-context/quality": {"type": "Property", "value": 1}
            }],
            "https://uri.etsi.org/ngsi-ld/location": [{"type": "GeoProperty", "value": {"type": "Point", "coordinates": [1, 2]}}],
            "http://example.org/speed": [{"type": "Property", "value": 3}]
        }))
        .unwrap();
        let text = entity_text(&doc);
        let stored: Doc = serde_json::from_str(&text).unwrap();
        assert_eq!(
            stored.keys().collect::<Vec<_>>(),
            [
                "1pm25",
                "2location",
                "createdAt",
                "http://example.org/speed",
                "id",
                "type"
            ]
        );
        assert_eq!(
            stored["type"],
            serde_json::json!(["1AirQualityObserved", "urn:ex:T"])
        );
        assert!(
            text.contains("https://uri.etsi.org/ngsi-ld/default-context/quality"),
            "sub-attributes keep their names: {text}"
        );
        assert_eq!(expand_entity(stored), doc);
    }

    #[test]
    fn an_entity_stored_before_compaction_reads_back_unchanged() {
        let doc: Doc = serde_json::from_value(serde_json::json!({
            "id": "urn:e",
            "type": ["https://uri.etsi.org/ngsi-ld/default-context/T"],
            "https://uri.etsi.org/ngsi-ld/default-context/p": [{"type": "Property", "value": 1}]
        }))
        .unwrap();
        assert_eq!(expand_entity(doc.clone()), doc);
    }
}
