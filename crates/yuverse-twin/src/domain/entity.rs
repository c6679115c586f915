//! Entities in the stored form (see the module docs of `domain`) and the changes NGSI-LD
//! defines on them: create, replace, merge, append, update, partial update, delete.

use serde_json::{Map, Value};

use super::attribute::{self, dataset_of, is_uri, ENTITY_MEMBERS, NGSI_LD_NULL};
use super::{Stamp, Vocabulary};
use crate::error::{NgsiError, NgsiResult};

/// A parsed, validated entity in stored form.
pub type Doc = Map<String, Value>;

/// The object of a stored entity (stored entities are always JSON objects).
pub fn doc(value: &Value) -> &Doc {
    static EMPTY: std::sync::OnceLock<Doc> = std::sync::OnceLock::new();
    value
        .as_object()
        .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

pub fn id_of(doc: &Doc) -> &str {
    doc.get("id").and_then(Value::as_str).unwrap_or("")
}

pub fn types_of(doc: &Doc) -> Vec<&str> {
    doc.get("type")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Attribute names of a stored entity.
pub fn attribute_names(doc: &Doc) -> impl Iterator<Item = &String> {
    doc.keys().filter(|k| !ENTITY_MEMBERS.contains(&k.as_str()))
}

/// The attributes of a stored entity, by name (in name order), with their instances.
pub fn attributes(doc: &Doc) -> impl Iterator<Item = (&String, &Value)> {
    doc.iter()
        .filter(|(k, _)| !ENTITY_MEMBERS.contains(&k.as_str()))
}

/// Parses the entity `type` member (string or non-empty array of strings) into expanded IRIs.
pub fn parse_types(value: Option<&Value>, vocab: &dyn Vocabulary) -> NgsiResult<Vec<String>> {
    let names: Vec<&str> = match value {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|i| {
                i.as_str()
                    .ok_or_else(|| NgsiError::bad_data("every entity type must be a string"))
            })
            .collect::<NgsiResult<_>>()?,
        None => return Err(NgsiError::bad_data("the entity has no `type`")),
        Some(_) => {
            return Err(NgsiError::bad_data(
                "`type` must be a string or a list of strings",
            ))
        }
    };
    let mut types: Vec<String> = Vec::new();
    for name in names {
        if name.is_empty()
            || name
                .chars()
                .any(|c| c.is_whitespace() || "<>\"'=;()".contains(c))
        {
            return Err(NgsiError::bad_data(format!(
                "`{name}` is not a valid entity type"
            )));
        }
        let iri = vocab.expand(name);
        // A term the context maps to a keyword (`type` → `@type` in the core context) names
        // no type.
        if iri.starts_with('@') {
            return Err(NgsiError::bad_data(format!(
                "`{name}` is a JSON-LD keyword, not an entity type"
            )));
        }
        if !types.contains(&iri) {
            types.push(iri);
        }
    }
    Ok(types)
}

pub fn parse_scope(value: Option<&Value>) -> NgsiResult<Option<Value>> {
    let scopes: Vec<&str> = match value {
        None => return Ok(None),
        Some(Value::String(s)) => vec![s],
        Some(Value::Array(a)) => a
            .iter()
            .map(|s| {
                s.as_str()
                    .ok_or_else(|| NgsiError::bad_data("scope must be strings"))
            })
            .collect::<NgsiResult<_>>()?,
        Some(_) => {
            return Err(NgsiError::bad_data(
                "scope must be a string or a list of strings",
            ))
        }
    };
    for s in &scopes {
        if !s.starts_with('/') || s.contains("//") {
            return Err(NgsiError::bad_data(format!(
                "`{s}` is not a scope such as /Madrid/Gardens"
            )));
        }
    }
    Ok(Some(Value::Array(
        scopes
            .into_iter()
            .map(|s| Value::String(s.to_owned()))
            .collect(),
    )))
}

/// Attributes of a request fragment, normalised and expanded: name → instances.
pub fn parse_attributes(
    input: &Map<String, Value>,
    vocab: &dyn Vocabulary,
    stamp: &Stamp,
) -> NgsiResult<Vec<(String, Vec<Value>)>> {
    let mut out = Vec::new();
    for (name, value) in input {
        if ENTITY_MEMBERS.contains(&name.as_str()) {
            continue;
        }
        attribute::check_attribute_name(name)?;
        let instances = attribute::normalize_instances(name, value, vocab, stamp)?;
        out.push((vocab.expand(name), instances));
    }
    Ok(out)
}

/// Validates a whole entity (create, replace, upsert) into stored form.
pub fn parse_entity(input: &Value, vocab: &dyn Vocabulary, stamp: &Stamp) -> NgsiResult<Doc> {
    let object = input
        .as_object()
        .ok_or_else(|| NgsiError::bad_data("an entity must be a JSON object"))?;
    let id = object
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| NgsiError::bad_data("the entity has no `id`"))?;
    if !is_uri(id) {
        return Err(NgsiError::bad_data(format!(
            "the entity id `{id}` is not a URI"
        )));
    }
    let types = parse_types(object.get("type"), vocab)?;
    let mut doc = Map::new();
    doc.insert("id".into(), Value::String(id.to_owned()));
    doc.insert(
        "type".into(),
        Value::Array(types.into_iter().map(Value::String).collect()),
    );
    if let Some(scope) = parse_scope(object.get("scope"))? {
        doc.insert("scope".into(), scope);
    }
    doc.insert("createdAt".into(), stamp.json());
    doc.insert("modifiedAt".into(), stamp.json());
    for (name, instances) in parse_attributes(object, vocab, stamp)? {
        doc.insert(name, Value::Array(instances));
    }
    Ok(doc)
}

/// How an incoming attribute meets an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    /// Replace instances with the same datasetId (append, update, replace).
    Replace,
    /// Keep existing attributes untouched (`options=noOverwrite`).
    Keep,
    /// Merge members into the existing instance (merge-patch, partial update).
    Merge,
}

/// Puts `instances` into the stored attribute `name`, instance by datasetId. Answers whether
/// anything changed.
pub fn put_attribute(
    doc: &mut Doc,
    name: &str,
    instances: Vec<Value>,
    mode: Overwrite,
    stamp: &Stamp,
) -> bool {
    let existing = doc
        .entry(name.to_owned())
        .or_insert_with(|| Value::Array(Vec::new()));
    let Value::Array(stored) = existing else {
        *existing = Value::Array(instances);
        return true;
    };
    let mut changed = false;
    for mut incoming in instances {
        let dataset = dataset_of(&incoming).map(str::to_owned);
        match stored
            .iter_mut()
            .find(|s| dataset_of(s).map(str::to_owned) == dataset)
        {
            Some(_) if mode == Overwrite::Keep => {}
            Some(current) => {
                let created = current.get("createdAt").cloned();
                if mode == Overwrite::Merge {
                    merge_instance(current, incoming, stamp);
                } else {
                    if let (Some(c), Some(obj)) = (created, incoming.as_object_mut()) {
                        obj.insert("createdAt".into(), c);
                    }
                    *current = incoming;
                }
                changed = true;
            }
            None => {
                stored.push(incoming);
                changed = true;
            }
        }
    }
    if changed {
        touch(doc, stamp);
    }
    changed
}

/// Merge-patch of one instance: the incoming members win; sub-attributes merge; a value of
/// `urn:ngsi-ld:null` removes that sub-attribute.
fn merge_instance(current: &mut Value, incoming: Value, stamp: &Stamp) {
    let (Some(current), Value::Object(incoming)) = (current.as_object_mut(), incoming) else {
        return;
    };
    for (member, value) in incoming {
        if member == "createdAt" {
            continue;
        }
        if is_null_marker(&value) {
            current.remove(&member);
        } else {
            current.insert(member, value);
        }
    }
    current.insert("modifiedAt".into(), stamp.json());
}

/// Whether an incoming attribute (or instance) is the NGSI-LD Null (clause 4.5.0): the null
/// URI as its value, object, vocab, json, list or every language of its language map. Merges
/// and updates delete what it names.
pub fn is_null_marker(value: &Value) -> bool {
    match value {
        Value::String(s) => s == NGSI_LD_NULL,
        Value::Array(items) => items.iter().all(is_null_marker) && !items.is_empty(),
        Value::Object(o) => {
            [
                "value",
                "object",
                "vocab",
                "json",
                "valueList",
                "objectList",
            ]
            .iter()
            .any(|member| o.get(*member).is_some_and(is_null_marker))
                || o.get("languageMap").is_some_and(|map| match map {
                    Value::Object(languages) => {
                        !languages.is_empty() && languages.values().all(is_null_marker)
                    }
                    other => is_null_marker(other),
                })
        }
        _ => false,
    }
}

/// Splits an incoming attribute (an instance or a list of them, as sent) into the datasets
/// its NGSI-LD Null instances delete (`None`: the default instance) and what is left to write.
pub fn split_nulls(value: &Value) -> (Vec<Option<String>>, Option<Value>) {
    let dataset = |instance: &Value| {
        instance
            .get("datasetId")
            .and_then(Value::as_str)
            .filter(|d| *d != crate::domain::attribute::NO_DATASET)
            .map(str::to_owned)
    };
    match value {
        Value::Array(items) => {
            let (nulls, rest): (Vec<&Value>, Vec<&Value>) =
                items.iter().partition(|i| is_null_marker(i));
            let rest =
                (!rest.is_empty()).then(|| Value::Array(rest.into_iter().cloned().collect()));
            (nulls.into_iter().map(dataset).collect(), rest)
        }
        single if is_null_marker(single) => (vec![dataset(single)], None),
        other => (Vec::new(), Some(other.clone())),
    }
}

/// Adds the types of `given` (as sent) to the entity's types (merge and update never remove
/// one).
pub fn add_types(doc: &mut Doc, given: &Value, vocab: &dyn Vocabulary) -> NgsiResult<()> {
    let mut types: Vec<Value> = match doc.get("type") {
        Some(Value::Array(types)) => types.clone(),
        Some(single @ Value::String(_)) => vec![single.clone()],
        _ => Vec::new(),
    };
    for iri in parse_types(Some(given), vocab)? {
        let v = Value::String(iri);
        if !types.contains(&v) {
            types.push(v);
        }
    }
    doc.insert("type".into(), Value::Array(types));
    Ok(())
}

/// A partial update of one stored instance (PATCH /entities/{id}/attrs/{attr}): the sent
/// members, completed with the stored instance's own (its type, value…) so that they read as
/// a whole attribute, are normalised and laid over the stored instance. Stored sub-attributes
/// not sent stay as they are; they are never normalised a second time.
pub fn partial_instance(
    name: &str,
    stored: &Value,
    sent: &Map<String, Value>,
    vocab: &dyn Vocabulary,
    stamp: &Stamp,
) -> NgsiResult<Value> {
    let mut complete = sent.clone();
    for (member, value) in stored.as_object().into_iter().flatten() {
        // Expanded names (sub-attributes) contain a colon; the instance's own members do not.
        let own = !member.contains(':') && member != "createdAt" && member != "modifiedAt";
        if own && !complete.contains_key(member) {
            complete.insert(member.clone(), value.clone());
        }
    }
    let normalised = attribute::normalize_instances(name, &Value::Object(complete), vocab, stamp)?;
    let mut merged = stored.as_object().cloned().unwrap_or_default();
    merged.remove("createdAt");
    for instance in normalised {
        for (member, value) in instance.as_object().into_iter().flatten() {
            merged.insert(member.clone(), value.clone());
        }
    }
    Ok(Value::Object(merged))
}

/// Removes an attribute, one instance (`dataset`), the default instance (`None`), or all.
/// Answers whether anything was removed.
pub fn delete_attribute(
    doc: &mut Doc,
    name: &str,
    dataset: Option<&str>,
    all: bool,
    stamp: &Stamp,
) -> bool {
    let removed = match doc.get_mut(name) {
        None => false,
        Some(_) if all => doc.remove(name).is_some(),
        Some(Value::Array(instances)) => {
            let before = instances.len();
            instances.retain(|i| dataset_of(i) != dataset);
            let removed = instances.len() != before;
            if instances.is_empty() {
                doc.remove(name);
            }
            removed
        }
        Some(_) => doc.remove(name).is_some(),
    };
    if removed {
        touch(doc, stamp);
    }
    removed
}

pub fn touch(doc: &mut Doc, stamp: &Stamp) {
    doc.insert("modifiedAt".into(), stamp.json());
}

/// Replaces all attributes (and the types) of `current` with those of `replacement`,
/// keeping the entity's createdAt.
pub fn replace(current: &Doc, mut replacement: Doc) -> Doc {
    if let Some(created) = current.get("createdAt") {
        replacement.insert("createdAt".into(), created.clone());
    }
    replacement
}

/// Merge (PATCH /entities/{id}): types are added, attributes merged, null markers delete.
pub fn merge(
    current: &mut Doc,
    patch: &Map<String, Value>,
    vocab: &dyn Vocabulary,
    stamp: &Stamp,
) -> NgsiResult<()> {
    if let Some(t) = patch.get("type") {
        add_types(current, t, vocab)?;
    }
    if let Some(scope) = parse_scope(patch.get("scope"))? {
        current.insert("scope".into(), scope);
    }
    for (name, value) in patch {
        if ENTITY_MEMBERS.contains(&name.as_str()) {
            continue;
        }
        attribute::check_attribute_name(name)?;
        let iri = vocab.expand(name);
        let (deleted, rest) = split_nulls(value);
        for dataset in deleted {
            delete_attribute(current, &iri, dataset.as_deref(), false, stamp);
        }
        let Some(rest) = rest else {
            continue;
        };
        let instances = attribute::normalize_instances(name, &rest, vocab, stamp)?;
        put_attribute(current, &iri, instances, Overwrite::Merge, stamp);
    }
    touch(current, stamp);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::vocabulary::Identity;
    use serde_json::json;

    const T0: &str = "2024-01-01T00:00:00.000000Z";
    const T1: &str = "2024-01-02T00:00:00.000000Z";

    fn stamp(at: &str) -> Stamp {
        Stamp::new(at.into())
    }

    fn entity() -> Doc {
        parse_entity(
            &json!({"id": "urn:ngsi-ld:Sensor:1", "type": "Sensor", "temp": 20, "owner": {"type": "Relationship", "object": "urn:o:1"}}),
            &Identity,
            &stamp(T0),
        )
        .unwrap()
    }

    #[test]
    fn parse_gives_arrays_of_instances_and_system_times() {
        let doc = entity();
        assert_eq!(doc["type"], json!(["Sensor"]));
        assert_eq!(doc["temp"][0]["value"], 20);
        assert_eq!(doc["createdAt"], T0);
        assert!(parse_entity(&json!({"id": "nope", "type": "T"}), &Identity, &stamp(T0)).is_err());
        assert!(parse_entity(&json!({"id": "urn:x:1"}), &Identity, &stamp(T0)).is_err());
    }

    #[test]
    fn update_keeps_created_and_noverwrite_keeps_old() {
        let mut doc = entity();
        let new =
            attribute::normalize_instances("temp", &json!(21), &Identity, &stamp(T1)).unwrap();
        assert!(!put_attribute(
            &mut doc,
            "temp",
            new.clone(),
            Overwrite::Keep,
            &stamp(T1)
        ));
        assert_eq!(doc["temp"][0]["value"], 20);
        assert!(put_attribute(
            &mut doc,
            "temp",
            new,
            Overwrite::Replace,
            &stamp(T1)
        ));
        assert_eq!(doc["temp"][0]["value"], 21);
        assert_eq!(doc["temp"][0]["createdAt"], T0);
        assert_eq!(doc["modifiedAt"], T1);
    }

    #[test]
    fn merge_adds_types_and_null_deletes() {
        let mut doc = entity();
        merge(
            &mut doc,
            json!({"type": "Device", "owner": "urn:ngsi-ld:null", "humidity": 40})
                .as_object()
                .unwrap(),
            &Identity,
            &stamp(T1),
        )
        .unwrap();
        assert_eq!(doc["type"], json!(["Sensor", "Device"]));
        assert!(doc.get("owner").is_none());
        assert_eq!(doc["humidity"][0]["value"], 40);
    }

    #[test]
    fn delete_by_dataset_and_all() {
        let mut doc = entity();
        let extra = attribute::normalize_instances(
            "temp",
            &json!({"type": "Property", "value": 1, "datasetId": "urn:ds:1"}),
            &Identity,
            &stamp(T1),
        )
        .unwrap();
        put_attribute(&mut doc, "temp", extra, Overwrite::Replace, &stamp(T1));
        assert!(delete_attribute(
            &mut doc,
            "temp",
            Some("urn:ds:1"),
            false,
            &stamp(T1)
        ));
        assert_eq!(doc["temp"].as_array().unwrap().len(), 1);
        assert!(delete_attribute(&mut doc, "temp", None, true, &stamp(T1)));
        assert!(doc.get("temp").is_none());
        assert!(!delete_attribute(
            &mut doc,
            "nothing",
            None,
            false,
            &stamp(T1)
        ));
    }
}
