//! Deletions in the temporal evolution (GS CIM 009 V1.9.1, clause 5.2.1 and the `deletedAt`
//! member of table 5.2.2-1): when an attribute instance (an attribute and datasetId) leaves an
//! entity — deleted on its own, merged away with `urn:ngsi-ld:null`, left out of a
//! replacement, or deleted with its entity — the history gets one more instance of that
//! attribute: of its type, with the NGSI-LD Null as its value and `deletedAt` the time of the
//! deletion. The history itself stays, so the temporal evolution of a deleted entity can still
//! be retrieved.

use serde_json::{json, Map, Value};

use super::page::wire;
use crate::domain::attribute::{dataset_of, null_instance};
use crate::domain::entity::{self, id_of, Doc};
use crate::domain::Stamp;
use crate::store::json_text;
use crate::store::persist::HistoryRow;

/// Whether a stored history instance records a deletion.
pub(super) fn is_deletion(instance: &Map<String, Value>) -> bool {
    instance.contains_key("deletedAt")
}

/// The deletion instances of every attribute instance of `before` that `after` no longer has
/// (all of them when the entity itself is deleted: `after` is `None`), stamped with the
/// deletion's time.
pub(in crate::service) fn deletions(
    tenant: &str,
    before: &Doc,
    after: Option<&Doc>,
    stamp: &Stamp,
) -> Vec<HistoryRow> {
    let mut rows = Vec::new();
    for name in entity::attribute_names(before) {
        let Some(Value::Array(instances)) = before.get(name) else {
            continue;
        };
        let remaining = after.and_then(|a| a.get(name)).and_then(Value::as_array);
        for instance in instances {
            let dataset = dataset_of(instance);
            if remaining.is_some_and(|r| r.iter().any(|i| dataset_of(i) == dataset)) {
                continue;
            }
            rows.push(HistoryRow {
                tenant: tenant.to_owned(),
                entity_id: id_of(before).to_owned(),
                attr: name.clone(),
                dataset_id: dataset.map(str::to_owned),
                // No observation: the instance counts at the time it was recorded.
                observed_at: None,
                created_at: stamp.as_str().to_owned(),
                modified_at: stamp.as_str().to_owned(),
                doc: json_text(&deleted(instance, stamp), 128),
            });
        }
    }
    rows
}

/// The deletion instance of `instance`: its type and datasetId, the NGSI-LD Null in its value
/// member (`{"@none": …}` for a languageMap), and `deletedAt`.
fn deleted(instance: &Value, stamp: &Stamp) -> Value {
    let mut out = null_instance(instance);
    out.insert("deletedAt".into(), json!(wire(stamp.as_str())));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::attribute::NGSI_LD_NULL;

    fn doc(v: Value) -> Doc {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn instances_that_leave_get_a_deletion_instance() {
        let before = doc(json!({
            "id": "urn:ngsi-ld:T:1", "type": ["T"],
            "a": [{"type": "Property", "value": 1}, {"type": "Property", "value": 2, "datasetId": "urn:d"}],
            "r": [{"type": "Relationship", "object": "urn:x"}],
            "l": [{"type": "LanguageProperty", "languageMap": {"en": "x"}}]
        }));
        let after = doc(json!({
            "id": "urn:ngsi-ld:T:1", "type": ["T"],
            "a": [{"type": "Property", "value": 5}],
            "l": [{"type": "LanguageProperty", "languageMap": {"en": "y"}}]
        }));
        let now = &Stamp::new("2026-01-02T03:04:05.000000Z".into());
        let rows = deletions("t", &before, Some(&after), now);
        let gone: Vec<(String, Option<String>, Value)> = rows
            .iter()
            .map(|r| {
                (
                    r.attr.clone(),
                    r.dataset_id.clone(),
                    serde_json::from_str(&r.doc).unwrap(),
                )
            })
            .collect();
        assert_eq!(gone.len(), 2, "{gone:?}");
        assert_eq!(gone[0].0, "a");
        assert_eq!(gone[0].1.as_deref(), Some("urn:d"));
        assert_eq!(gone[0].2["value"], NGSI_LD_NULL);
        assert_eq!(gone[0].2["datasetId"], "urn:d");
        assert_eq!(gone[1].0, "r");
        assert_eq!(gone[1].2["object"], NGSI_LD_NULL);
        assert!(gone[1].2["deletedAt"]
            .as_str()
            .unwrap()
            .starts_with("2026-01-02T03:04:05"));

        let all = deletions("t", &before, None, now);
        assert_eq!(all.len(), 4);
        let l: Value =
            serde_json::from_str(&all.iter().find(|r| r.attr == "l").unwrap().doc).unwrap();
        assert_eq!(l["languageMap"], json!({"@none": NGSI_LD_NULL}));
        assert!(deletions("t", &before, Some(&before), now).is_empty());
    }
}
