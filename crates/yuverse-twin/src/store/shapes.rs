//! The discovery index of one tenant: for every entity type, which attributes its entities
//! carry and of which attribute types (Property, Relationship, …), with counts so that
//! removing an entity takes exactly its contribution away. `/types?details=true`,
//! `/types/{type}` and `/attributes…` read it instead of walking every entity.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use crate::domain::entity::{attributes, types_of, Doc};

/// Entity type → attribute → attribute type → number of entities of that entity type whose
/// attribute has at least one instance of that attribute type.
type Counts = HashMap<String, HashMap<String, HashMap<String, usize>>>;

#[derive(Default)]
pub struct Shapes {
    counts: Counts,
}

/// What discovery shows of one entity type: attribute → its attribute types.
pub type TypeShape = BTreeMap<String, BTreeSet<String>>;

/// The distinct attribute types among an attribute's instances (its value in a stored entity).
fn kinds_of(instances: &Value) -> BTreeSet<&str> {
    kinds_in_order(instances).flatten().collect()
}

/// The attribute types of an attribute's instances, in order.
fn kinds_in_order(instances: &Value) -> impl Iterator<Item = Option<&str>> {
    instances
        .as_array()
        .into_iter()
        .flatten()
        .map(|instance| instance.get("type").and_then(Value::as_str))
}

/// Whether two versions of an entity count the same in the index: the same types, and the
/// same attributes with the same attribute types. A reading that changes values only (most
/// writes) then leaves the index alone. Both versions' attributes are walked side by side
/// (the maps keep their keys sorted), which spares looking each one up in both; were they
/// ever in different orders, the versions would only be re-indexed needlessly.
pub fn same_shape(a: &Doc, b: &Doc) -> bool {
    if types_of(a) != types_of(b) {
        return false;
    }
    let (mut ours, mut theirs) = (attributes(a), attributes(b));
    loop {
        match (ours.next(), theirs.next()) {
            (None, None) => return true,
            (Some((x, xs)), Some((y, ys))) if x == y => {
                // Instances of the same types in the same order, the usual case, need no sets.
                if !(kinds_in_order(xs).eq(kinds_in_order(ys)) || kinds_of(xs) == kinds_of(ys)) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

impl Shapes {
    pub fn add(&mut self, doc: &Doc) {
        for t in types_of(doc) {
            let attrs = self.counts.entry(t.to_owned()).or_default();
            for (name, instances) in attributes(doc) {
                let kinds = attrs.entry(name.clone()).or_default();
                for kind in kinds_of(instances) {
                    *kinds.entry(kind.to_owned()).or_default() += 1;
                }
            }
        }
    }

    pub fn remove(&mut self, doc: &Doc) {
        for t in types_of(doc) {
            let Some(attrs) = self.counts.get_mut(t) else {
                continue;
            };
            for (name, instances) in attributes(doc) {
                let Some(kinds) = attrs.get_mut(name) else {
                    continue;
                };
                for kind in kinds_of(instances) {
                    if let Some(n) = kinds.get_mut(kind) {
                        *n -= 1;
                        if *n == 0 {
                            kinds.remove(kind);
                        }
                    }
                }
                if kinds.is_empty() {
                    attrs.remove(name);
                }
            }
            if attrs.is_empty() {
                self.counts.remove(t);
            }
        }
    }

    /// The attributes of one entity type (empty when no entity has it).
    pub fn of_type(&self, t: &str) -> TypeShape {
        self.counts
            .get(t)
            .into_iter()
            .flatten()
            .map(|(attr, kinds)| (attr.clone(), kinds.keys().cloned().collect()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entity(id: &str, attrs: Value) -> Doc {
        let mut doc = json!({"id": id, "type": ["T"]});
        for (k, v) in attrs.as_object().unwrap() {
            doc[k] = v.clone();
        }
        doc.as_object().unwrap().clone()
    }

    #[test]
    fn removing_an_entity_takes_only_its_own_contribution_away() {
        let a = entity(
            "urn:a",
            json!({"p": [{"type": "Property"}], "r": [{"type": "Relationship"}]}),
        );
        let b = entity(
            "urn:b",
            json!({"p": [{"type": "Property"}, {"type": "LanguageProperty"}]}),
        );
        let mut shapes = Shapes::default();
        shapes.add(&a);
        shapes.add(&b);
        assert_eq!(
            shapes.of_type("T")["p"],
            BTreeSet::from(["LanguageProperty".to_owned(), "Property".to_owned()])
        );
        shapes.remove(&b);
        let t = shapes.of_type("T");
        assert_eq!(t["p"], BTreeSet::from(["Property".to_owned()]));
        assert!(t.contains_key("r"));
        shapes.remove(&a);
        assert!(shapes.of_type("T").is_empty());
        assert!(shapes.counts.is_empty(), "nothing is left behind");
    }

    #[test]
    fn a_new_value_keeps_the_shape_and_a_new_attribute_type_changes_it() {
        let before = entity("urn:a", json!({"p": [{"type": "Property", "value": 1}]}));
        let new_value = entity("urn:a", json!({"p": [{"type": "Property", "value": 2}]}));
        let new_kind = entity(
            "urn:a",
            json!({"p": [{"type": "Relationship", "object": "urn:b"}]}),
        );
        let new_attr = entity(
            "urn:a",
            json!({"p": [{"type": "Property", "value": 1}], "q": [{"type": "Property", "value": 1}]}),
        );
        assert!(same_shape(&before, &new_value));
        assert!(!same_shape(&before, &new_kind));
        assert!(!same_shape(&before, &new_attr));
        assert!(!same_shape(&new_attr, &before));
        let mut other_type = new_value.clone();
        other_type.insert("type".into(), json!(["U"]));
        assert!(!same_shape(&before, &other_type));

        // Multi-attribute instances count by their set of types, whatever their order or number.
        let two = |first: &str, second: &str| {
            entity(
                "urn:a",
                json!({"p": [
                    {"type": first, "value": 1, "datasetId": "urn:d1"},
                    {"type": second, "value": 2, "datasetId": "urn:d2"},
                ]}),
            )
        };
        assert!(same_shape(
            &two("Property", "GeoProperty"),
            &two("GeoProperty", "Property")
        ));
        assert!(same_shape(&two("Property", "Property"), &new_value));
        assert!(!same_shape(&two("Property", "GeoProperty"), &new_value));
    }
}
