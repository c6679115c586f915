//! `showChanges` (clause 5.2.14): in a notification of an update, each attribute instance the
//! change touched carries its previous value beside the current one (`previousValue`,
//! `previousObject`, `previousLanguageMap`… by the previous instance's type). Instances that
//! did not exist before (created attributes or datasetIds) have none.

use serde_json::Value;

use crate::domain::attribute::{dataset_of, value_members};
use crate::domain::entity;

/// `after` with the previous values from `before` of the attributes named in `touched`.
pub fn with_previous(after: &Value, before: &Value, touched: &[String]) -> Value {
    let mut doc = entity::doc(after).clone();
    let before = entity::doc(before);
    for name in touched {
        let (Some(Value::Array(instances)), Some(Value::Array(old))) =
            (doc.get_mut(name), before.get(name))
        else {
            continue;
        };
        for instance in instances.iter_mut() {
            let dataset = dataset_of(instance).map(str::to_owned);
            let Some(previous) = old.iter().find(|o| dataset_of(o) == dataset.as_deref()) else {
                continue;
            };
            let kind = previous
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("Property");
            let members = value_members(kind);
            if let (Some(value), Some(object)) =
                (previous.get(members.value), instance.as_object_mut())
            {
                object.insert(members.previous.into(), value.clone());
            }
        }
    }
    Value::Object(doc)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn touched_instances_carry_their_previous_value_by_type_and_dataset() {
        let before = json!({"id": "urn:x:1", "type": ["T"],
            "speed": [{"type": "Property", "value": 10},
                      {"type": "Property", "value": 3, "datasetId": "urn:d:1"}],
            "owner": [{"type": "Relationship", "object": "urn:p:1"}],
            "name": [{"type": "Property", "value": "a"}]});
        let after = json!({"id": "urn:x:1", "type": ["T"],
            "speed": [{"type": "Property", "value": 12},
                      {"type": "Property", "value": 4, "datasetId": "urn:d:1"},
                      {"type": "Property", "value": 1, "datasetId": "urn:d:2"}],
            "owner": [{"type": "Relationship", "object": "urn:p:2"}],
            "name": [{"type": "Property", "value": "a"}]});
        let touched = vec!["speed".to_owned(), "owner".to_owned()];
        let shown = with_previous(&after, &before, &touched);
        assert_eq!(shown["speed"][0]["previousValue"], 10);
        assert_eq!(shown["speed"][1]["previousValue"], 3);
        assert!(
            shown["speed"][2].get("previousValue").is_none(),
            "a new datasetId"
        );
        assert_eq!(shown["owner"][0]["previousObject"], "urn:p:1");
        assert!(
            shown["name"][0].get("previousValue").is_none(),
            "not touched"
        );
    }
}
