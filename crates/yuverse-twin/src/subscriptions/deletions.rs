//! Deletions as notifications show them (clause 5.8.6 of GS CIM 009 V1.9.1, checked by the
//! conformance suite's 046_21, 046_22 and 046_34–39):
//!
//! - `entityDeleted`: the entity by `id`, `type` and `deletedAt` (with `createdAt` and
//!   `modifiedAt` under `sysAttrs`), nothing else;
//! - `attributeDeleted`: the entity with each deleted attribute instance (a whole attribute,
//!   or one `datasetId` of it) kept in its place with the NGSI-LD Null `urn:ngsi-ld:null` as
//!   its value, its previous value under `showChanges`, and `deletedAt` under `sysAttrs`. A
//!   deleted entity notified for `attributeDeleted` alone shows all its attributes so, and its
//!   own `deletedAt`.

use serde_json::{Map, Value};

use crate::domain::attribute::{dataset_of, null_instance, value_members, ENTITY_MEMBERS};
use crate::domain::entity;

/// Where a notified entity keeps its `deletedAt` until it is rendered (the renderer would
/// take an unknown entity member for an attribute).
pub const DELETED_AT: &str = "deletedAt";

/// A deleted entity for `entityDeleted`: its id, types and system times, and `deletedAt`.
pub fn deleted_entity(before: &Value, deleted_at: &str) -> Value {
    let doc = entity::doc(before);
    let mut out = Map::new();
    for member in ["id", "type", "createdAt", "modifiedAt"] {
        if let Some(v) = doc.get(member) {
            out.insert(member.into(), v.clone());
        }
    }
    out.insert(DELETED_AT.into(), Value::String(deleted_at.to_owned()));
    Value::Object(out)
}

/// A deleted entity for `attributeDeleted`: every attribute shown deleted.
pub fn entity_with_all_deleted(
    before: &Value,
    deleted_at: &str,
    sys_attrs: bool,
    show_changes: bool,
) -> Value {
    let doc = entity::doc(before);
    let mut out = Map::new();
    for (name, value) in doc {
        let shown = match (ENTITY_MEMBERS.contains(&name.as_str()), value) {
            (false, Value::Array(instances)) => Value::Array(
                instances
                    .iter()
                    .map(|i| nulled(i, deleted_at, sys_attrs, show_changes))
                    .collect(),
            ),
            _ => value.clone(),
        };
        out.insert(name.clone(), shown);
    }
    out.insert(DELETED_AT.into(), Value::String(deleted_at.to_owned()));
    Value::Object(out)
}

/// `after` with the instances of `touched` attributes that `before` had and `after` has not
/// put back as deleted.
pub fn with_deleted(
    after: &Value,
    before: &Value,
    touched: &[String],
    deleted_at: &str,
    sys_attrs: bool,
    show_changes: bool,
) -> Value {
    let mut doc = entity::doc(after).clone();
    let before = entity::doc(before);
    for name in touched {
        let Some(Value::Array(old)) = before.get(name) else {
            continue;
        };
        let remaining: Vec<Option<String>> = match doc.get(name) {
            Some(Value::Array(now)) => now
                .iter()
                .map(|i| dataset_of(i).map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        let gone: Vec<Value> = old
            .iter()
            .filter(|o| !remaining.iter().any(|d| d.as_deref() == dataset_of(o)))
            .map(|o| nulled(o, deleted_at, sys_attrs, show_changes))
            .collect();
        if gone.is_empty() {
            continue;
        }
        match doc.get_mut(name) {
            Some(Value::Array(now)) => now.extend(gone),
            _ => {
                doc.insert(name.clone(), Value::Array(gone));
            }
        }
    }
    Value::Object(doc)
}

/// Whether the change deleted an instance of `name` (the attribute, or one of its datasets).
pub fn deleted_an_instance(before: &Value, after: &Value, name: &str) -> bool {
    let Some(Value::Array(old)) = entity::doc(before).get(name) else {
        return false;
    };
    let now = match entity::doc(after).get(name) {
        Some(Value::Array(now)) => now.as_slice(),
        _ => &[],
    };
    old.iter()
        .any(|o| !now.iter().any(|n| dataset_of(n) == dataset_of(o)))
}

/// A deleted instance: its type, datasetId and system times, the NGSI-LD Null in its value
/// member, and optionally its previous value and `deletedAt`.
fn nulled(instance: &Value, deleted_at: &str, sys_attrs: bool, show_changes: bool) -> Value {
    let kind = instance
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("Property");
    let members = value_members(kind);
    let mut out = null_instance(instance);
    for member in ["createdAt", "modifiedAt"] {
        if let Some(v) = instance.get(member) {
            out.insert(member.into(), v.clone());
        }
    }
    if show_changes {
        if let Some(previous) = instance.get(members.value) {
            out.insert(members.previous.into(), previous.clone());
        }
    }
    if sys_attrs {
        out.insert(DELETED_AT.into(), Value::String(deleted_at.to_owned()));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::attribute::NGSI_LD_NULL;

    fn building() -> Value {
        json!({"id": "urn:ngsi-ld:Building:b1", "type": ["Building"],
            "createdAt": "2026-01-01T00:00:00Z", "modifiedAt": "2026-01-02T00:00:00Z",
            "name": [{"type": "Property", "value": "解放碑"},
                     {"type": "Property", "value": "Jiefangbei", "datasetId": "urn:d:en"}],
            "locatedAt": [{"type": "Relationship", "object": "urn:ngsi-ld:City:Chongqing"}],
            "street": [{"type": "LanguageProperty", "languageMap": {"zh": "民族路"}}]})
    }

    #[test]
    fn a_deleted_entity_is_its_id_type_and_deletion_time() {
        let shown = deleted_entity(&building(), "2026-02-01T00:00:00Z");
        assert_eq!(shown["deletedAt"], "2026-02-01T00:00:00Z");
        assert!(shown.get("name").is_none());
        assert_eq!(shown["createdAt"], "2026-01-01T00:00:00Z");
    }

    #[test]
    fn deleted_attributes_and_instances_hold_the_null_of_their_type() {
        let before = building();
        let mut after = before.clone();
        after["name"] = json!([{"type": "Property", "value": "解放碑"}]);
        after.as_object_mut().unwrap().remove("locatedAt");
        assert!(deleted_an_instance(&before, &after, "name"));
        assert!(deleted_an_instance(&before, &after, "locatedAt"));
        assert!(!deleted_an_instance(&before, &after, "street"));
        let touched = vec!["name".to_owned(), "locatedAt".to_owned()];
        let shown = with_deleted(&after, &before, &touched, "t", false, true);
        assert_eq!(shown["name"][0]["value"], "解放碑");
        assert_eq!(shown["name"][1]["value"], NGSI_LD_NULL);
        assert_eq!(shown["name"][1]["datasetId"], "urn:d:en");
        assert_eq!(shown["name"][1]["previousValue"], "Jiefangbei");
        assert_eq!(shown["locatedAt"][0]["object"], NGSI_LD_NULL);
        assert!(shown["locatedAt"][0].get("deletedAt").is_none());

        let all = entity_with_all_deleted(&before, "t", true, false);
        assert_eq!(all["street"][0]["languageMap"]["@none"], NGSI_LD_NULL);
        assert_eq!(all["street"][0]["deletedAt"], "t");
        assert_eq!(all["deletedAt"], "t");
    }
}
