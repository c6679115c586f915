//! Output representations of stored entities: normalized, simplified (`keyValues`), concise,
//! with or without system attributes, filtered by `attrs`/`pick`/`omit`, one language (`lang`),
//! and GeoJSON features. Names are compacted with the client's vocabulary.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::attribute::{GEO_PROPERTY, LANGUAGE_PROPERTY, NO_DATASET, RELATIONSHIP};
use super::entity::Doc;
use super::language::{LanguageFilter, NO_LANGUAGE};
use super::Vocabulary;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Normalized,
    Simplified,
    Concise,
}

/// What the client asked to see.
#[derive(Debug, Clone, Default)]
pub struct View {
    pub format: Format,
    pub sys_attrs: bool,
    /// Expanded attribute names to keep (`attrs` / `pick`), `None` for all.
    pub only: Option<Vec<String>>,
    /// Expanded attribute names to drop (`omit`).
    pub omit: Vec<String>,
    /// `pick`/`omit` may name `id` and `type` too.
    pub omit_id: bool,
    pub omit_type: bool,
    /// `lang=`: render LanguageProperties as a Property in the language it prefers.
    pub lang: Option<LanguageFilter>,
    /// `datasetId=`: the attribute instances shown, by datasetId (`@none` for the default
    /// instance); `None` for all. An attribute left without instances is left out.
    pub datasets: Option<Vec<String>>,
    /// Nested `pick`/`omit` (`rel{a,b}`): the projection of the entities each relationship
    /// (expanded name) links to, with `join`; only the projection members are used.
    pub linked: BTreeMap<String, View>,
}

impl View {
    pub fn wants(&self, name: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|o| o.iter().any(|n| n == name))
            && !self.omit.iter().any(|n| n == name)
    }

    /// Whether `datasetId=` keeps this attribute instance.
    pub fn keeps_instance(&self, instance: &Value) -> bool {
        let Some(datasets) = &self.datasets else {
            return true;
        };
        let dataset = instance
            .get("datasetId")
            .and_then(Value::as_str)
            .unwrap_or(NO_DATASET);
        datasets.iter().any(|d| d == dataset)
    }
}

const SYSTEM: [&str; 2] = ["createdAt", "modifiedAt"];

/// Renders one stored entity.
pub fn render(doc: &Doc, view: &View, vocab: &dyn Vocabulary) -> Value {
    let mut out = Map::new();
    if !view.omit_id {
        out.insert("id".into(), doc.get("id").cloned().unwrap_or(Value::Null));
    }
    if !view.omit_type {
        out.insert("type".into(), compact_types(doc.get("type"), vocab));
    }
    if let Some(scope) = doc.get("scope") {
        // One scope is shown as a string, as it is usually written; several as a list.
        let shown = match scope {
            Value::Array(scopes) if scopes.len() == 1 => scopes[0].clone(),
            other => other.clone(),
        };
        out.insert("scope".into(), shown);
    }
    if view.sys_attrs {
        for s in SYSTEM {
            if let Some(v) = doc.get(s) {
                out.insert(s.into(), v.clone());
            }
        }
    }
    for (name, instances) in doc {
        if super::attribute::ENTITY_MEMBERS.contains(&name.as_str()) || !view.wants(name) {
            continue;
        }
        let rendered = match (&view.datasets, instances) {
            (Some(_), Value::Array(list)) => {
                let kept: Vec<Value> = list
                    .iter()
                    .filter(|i| view.keeps_instance(i))
                    .cloned()
                    .collect();
                render_attribute(&Value::Array(kept), view, vocab)
            }
            (Some(_), single) if !view.keeps_instance(single) => None,
            _ => render_attribute(instances, view, vocab),
        };
        if let Some(rendered) = rendered {
            out.insert(vocab.compact(name), rendered);
        }
    }
    Value::Object(out)
}

fn compact_types(types: Option<&Value>, vocab: &dyn Vocabulary) -> Value {
    let names: Vec<Value> = types
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(|t| Value::String(vocab.compact(t)))
                .collect()
        })
        .unwrap_or_default();
    if names.len() == 1 {
        names.into_iter().next().unwrap_or(Value::Null)
    } else {
        Value::Array(names)
    }
}

/// Renders the instances of one attribute (one object, or an array for multi-attributes).
pub fn render_attribute(instances: &Value, view: &View, vocab: &dyn Vocabulary) -> Option<Value> {
    let list: Vec<&Value> = match instances {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    let rendered: Vec<Value> = list
        .into_iter()
        .map(|i| render_instance(i, view, vocab))
        .collect();
    match rendered.len() {
        0 => None,
        1 => rendered.into_iter().next(),
        _ => Some(Value::Array(rendered)),
    }
}

fn render_instance(instance: &Value, view: &View, vocab: &dyn Vocabulary) -> Value {
    let Some(object) = instance.as_object() else {
        return instance.clone();
    };
    let object = localise(object, view.lang.as_ref());
    let kind = object
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("Property")
        .to_owned();
    if view.format == Format::Simplified {
        return simplified(&object, &kind);
    }
    let mut out = Map::new();
    for (member, value) in &object {
        if SYSTEM.contains(&member.as_str()) && !view.sys_attrs {
            continue;
        }
        let rendered = match member.as_str() {
            "vocab" => compact_values(value, vocab),
            "objectType" => compact_values(value, vocab),
            m if super::attribute::CORE_MEMBERS.contains(&m)
                || super::attribute::PREVIOUS_MEMBERS.contains(&m)
                || super::join::LINKED_MEMBERS.contains(&m) =>
            {
                value.clone()
            }
            _ => {
                // A sub-attribute.
                let Some(sub) = render_attribute(value, view, vocab) else {
                    continue;
                };
                out.insert(vocab.compact(member), sub);
                continue;
            }
        };
        out.insert(member.clone(), rendered);
    }
    if view.format == Format::Concise {
        out.remove("type");
        if out.len() == 1 && kind != RELATIONSHIP {
            if let Some(v) = out.get("value") {
                if !v.is_object() {
                    return v.clone();
                }
            }
        }
    }
    Value::Object(out)
}

/// `lang=` (clause 4.15): a LanguageProperty becomes a Property whose `value` is the string (or
/// strings) of the language the filter prefers and whose `lang` names it. When the filter
/// accepts none of its languages, the string without a language (`@none`) is shown, else that
/// of the first language: a value is always given, and `lang` tells which.
pub fn localise(
    object: &Map<String, Value>,
    filter: Option<&LanguageFilter>,
) -> Map<String, Value> {
    let is_language_property =
        object.get("type").and_then(Value::as_str) == Some(LANGUAGE_PROPERTY);
    let (Some(filter), true) = (filter, is_language_property) else {
        return object.clone();
    };
    let Some(map) = object.get("languageMap").and_then(Value::as_object) else {
        return object.clone();
    };
    let Some(chosen) = filter
        .choose(map.keys().map(String::as_str))
        .or_else(|| map.contains_key(NO_LANGUAGE).then_some(NO_LANGUAGE))
        .or_else(|| map.keys().next().map(String::as_str))
    else {
        return object.clone();
    };
    let mut out = object.clone();
    out.remove("languageMap");
    // `showChanges`: the previous string of the same language, if it had one.
    if let Some(previous) = out.remove("previousLanguageMap") {
        if let Some(value) = previous.get(chosen) {
            out.insert("previousValue".into(), value.clone());
        }
    }
    out.insert("type".into(), Value::String("Property".into()));
    out.insert("value".into(), map.get(chosen).cloned().unwrap_or_default());
    out.insert("lang".into(), Value::String(chosen.to_owned()));
    out
}

fn simplified(object: &Map<String, Value>, kind: &str) -> Value {
    match kind {
        // A linked target (`join=inline`) stands for the id it is the entity of.
        RELATIONSHIP => object
            .get("entity")
            .or_else(|| object.get("object"))
            .cloned()
            .unwrap_or(Value::Null),
        "ListRelationship" => object
            .get("entityList")
            .or_else(|| object.get("objectList"))
            .cloned()
            .unwrap_or(Value::Null),
        LANGUAGE_PROPERTY => serde_json::json!({"languageMap": object.get("languageMap")}),
        "VocabProperty" => serde_json::json!({"vocab": object.get("vocab")}),
        "ListProperty" => serde_json::json!({"valueList": object.get("valueList")}),
        "JsonProperty" => serde_json::json!({"json": object.get("json")}),
        _ => object.get("value").cloned().unwrap_or(Value::Null),
    }
}

fn compact_values(value: &Value, vocab: &dyn Vocabulary) -> Value {
    match value {
        Value::String(s) => Value::String(vocab.compact(s)),
        Value::Array(a) => Value::Array(a.iter().map(|v| compact_values(v, vocab)).collect()),
        other => other.clone(),
    }
}

/// A GeoJSON Feature of an entity, the geometry taken from `geometry_property` (expanded).
pub fn render_feature(
    doc: &Doc,
    view: &View,
    vocab: &dyn Vocabulary,
    geometry_property: &str,
) -> Value {
    let geometry = doc
        .get(geometry_property)
        .and_then(|a| a.get(0))
        .filter(|i| i.get("type").and_then(Value::as_str) == Some(GEO_PROPERTY))
        .and_then(|i| i.get("value"))
        .cloned()
        .unwrap_or(Value::Null);
    let mut properties = match render(doc, view, vocab) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let id = properties.remove("id").unwrap_or(Value::Null);
    serde_json::json!({"id": id, "type": "Feature", "geometry": geometry, "properties": properties})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::entity::parse_entity;
    use crate::domain::vocabulary::Identity;
    use serde_json::json;

    fn doc() -> Doc {
        parse_entity(
            &json!({"id": "urn:x:1", "type": "T", "speed": {"type": "Property", "value": 5, "unitCode": "KMH"},
                    "owner": {"type": "Relationship", "object": "urn:o:1"},
                    "name": {"type": "LanguageProperty", "languageMap": {"zh": "仙桃", "en": "Xiantao"}}}),
            &Identity,
            &crate::domain::Stamp::new("2024-01-01T00:00:00.000000Z".into()),
        )
        .unwrap()
    }

    #[test]
    fn normalized_hides_system_attributes_unless_asked() {
        let out = render(&doc(), &View::default(), &Identity);
        assert_eq!(out["type"], "T");
        assert_eq!(out["speed"]["value"], 5);
        assert!(out["speed"].get("createdAt").is_none());
        let with = render(
            &doc(),
            &View {
                sys_attrs: true,
                ..View::default()
            },
            &Identity,
        );
        assert!(with["createdAt"].is_string() && with["speed"]["createdAt"].is_string());
    }

    #[test]
    fn simplified_concise_and_lang() {
        let s = render(
            &doc(),
            &View {
                format: Format::Simplified,
                ..View::default()
            },
            &Identity,
        );
        assert_eq!(s["speed"], 5);
        assert_eq!(s["owner"], "urn:o:1");
        let c = render(
            &doc(),
            &View {
                format: Format::Concise,
                ..View::default()
            },
            &Identity,
        );
        assert_eq!(c["speed"], json!({"value": 5, "unitCode": "KMH"}));
        assert_eq!(c["owner"], json!({"object": "urn:o:1"}));
        let l = render(
            &doc(),
            &View {
                lang: Some(LanguageFilter::parse("en").unwrap()),
                ..View::default()
            },
            &Identity,
        );
        assert_eq!(l["name"]["value"], "Xiantao");
        assert_eq!(l["name"]["lang"], "en");
    }

    #[test]
    fn lang_shows_the_previous_string_of_the_chosen_language() {
        let instance = json!({"type": "LanguageProperty",
            "languageMap": {"fr": "Place Royale", "nl": "Koningsplein"},
            "previousLanguageMap": {"fr": "Grand Place", "nl": "Grote Markt"}});
        let filter = LanguageFilter::parse("nl").unwrap();
        let shown = localise(instance.as_object().unwrap(), Some(&filter));
        assert_eq!(
            Value::Object(shown),
            json!({"type": "Property", "value": "Koningsplein", "lang": "nl",
                   "previousValue": "Grote Markt"})
        );
    }

    #[test]
    fn attrs_and_omit_filter() {
        let v = View {
            only: Some(vec!["speed".into()]),
            ..View::default()
        };
        let out = render(&doc(), &v, &Identity);
        assert!(out.get("owner").is_none() && out.get("speed").is_some());
        let v = View {
            omit: vec!["speed".into()],
            omit_type: true,
            ..View::default()
        };
        let out = render(&doc(), &v, &Identity);
        assert!(out.get("speed").is_none() && out.get("type").is_none());
    }
}
