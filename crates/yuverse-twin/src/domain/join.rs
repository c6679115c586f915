//! Linked entity retrieval (`join`, `joinLevel`; clause 4.5.23 of V1.8 and later): the entities
//! that an answer's Relationships point at, either inside the relationship (`inline`: its
//! `entity` member, or `entityList` for a ListRelationship) or after the answer's entities in
//! one flat list (`flat`). Links are followed `joinLevel` deep (1 by default); an entity is
//! never linked into itself, a target the broker does not hold is left out, and a
//! Relationship's `objectType`, when given, must be among the target's types.
//!
//! Linked entities are rendered in the answer's format, language and system attributes, and
//! whole unless a nested `pick`/`omit` (`rel{…}`, clause 4.21) projects the entities that
//! relationship links to: `attrs`, `pick`, `omit` and `datasetId` choose the answer's own
//! members. Only the relationships an entity is shown with are followed, and an entity
//! left without any member is left out.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::attribute::{LIST_RELATIONSHIP, RELATIONSHIP};
use super::entity::{doc, id_of, types_of, Doc};
use super::render::{render, View};
use super::Vocabulary;
use crate::error::{NgsiError, NgsiResult};

/// Where linked entities go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    Flat,
    Inline,
}

/// A `join` and how deep it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Linking {
    pub join: Join,
    pub level: usize,
}

/// The members a linked target is rendered in (output only).
pub const LINKED_MEMBERS: [&str; 2] = ["entity", "entityList"];

/// The deepest `joinLevel` taken: links beyond are left out.
pub const MAX_JOIN_LEVEL: usize = 8;

impl Linking {
    /// `join` and `joinLevel`; `None` without `join` or with `join=@none`.
    pub fn parse(join: Option<&str>, level: Option<&str>) -> NgsiResult<Option<Linking>> {
        let join = match join {
            None | Some("@none") => return Ok(None),
            Some("flat") => Join::Flat,
            Some("inline") => Join::Inline,
            Some(other) => {
                return Err(NgsiError::bad_data(format!(
                    "join `{other}`: use flat, inline or @none"
                )))
            }
        };
        let level = match level {
            None => 1,
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_JOIN_LEVEL).contains(n))
                .ok_or_else(|| {
                    NgsiError::bad_data(format!(
                        "joinLevel must be an integer from 1 to {MAX_JOIN_LEVEL}, not `{text}`"
                    ))
                })?,
        };
        Ok(Some(Linking { join, level }))
    }
}

/// Finds a held entity by id.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<Arc<Value>>;

/// The targets of the Relationships and ListRelationships a document is shown with under
/// `view`, in order, that pass their `objectType`: (relationship, instance index, target).
fn targets(doc: &Doc, view: &View, lookup: Lookup<'_>) -> Vec<(String, usize, Arc<Value>)> {
    let mut out = Vec::new();
    for (name, instances) in doc {
        let Value::Array(instances) = instances else {
            continue;
        };
        if !view.wants(name) {
            continue;
        }
        for (index, instance) in instances.iter().enumerate() {
            if !view.keeps_instance(instance) {
                continue;
            }
            for object in objects(instance) {
                let Some(target) = lookup(object) else {
                    continue;
                };
                if fits_type(instance, &target) {
                    out.push((name.clone(), index, target));
                }
            }
        }
    }
    out
}

/// The ids an instance points at.
fn objects(instance: &Value) -> Vec<&str> {
    match instance.get("type").and_then(Value::as_str) {
        Some(RELATIONSHIP) => instance
            .get("object")
            .and_then(Value::as_str)
            .into_iter()
            .collect(),
        Some(LIST_RELATIONSHIP) => instance
            .get("objectList")
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn fits_type(instance: &Value, target: &Value) -> bool {
    let wanted: Vec<&str> = match instance.get("objectType") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => return true,
    };
    let types = types_of(doc(target));
    wanted.iter().any(|w| types.contains(w))
}

/// The view of the entities `relationship` links to: the answer's format, language and system
/// attributes, with the nested projection given for that relationship, if any.
fn linked_view(view: &View, relationship: &str) -> View {
    let projection = view.linked.get(relationship).cloned().unwrap_or_default();
    View {
        format: view.format,
        sys_attrs: view.sys_attrs,
        lang: view.lang.clone(),
        ..projection
    }
}

/// Whether a rendered entity has no member left (a projection took them all).
pub fn is_empty(rendered: &Value) -> bool {
    rendered.as_object().is_some_and(Map::is_empty)
}

/// Renders `entities` with their linked entities; entities left empty by the projection are
/// left out.
pub fn render_linked(
    entities: &[Arc<Value>],
    view: &View,
    vocab: &dyn Vocabulary,
    linking: Linking,
    lookup: Lookup<'_>,
) -> Vec<Value> {
    match linking.join {
        Join::Inline => entities
            .iter()
            .map(|e| {
                let mut path = vec![id_of(doc(e)).to_owned()];
                render(
                    &inlined(doc(e), view, vocab, linking.level, lookup, &mut path),
                    view,
                    vocab,
                )
            })
            .filter(|e| !is_empty(e))
            .collect(),
        Join::Flat => {
            let mut seen: HashSet<String> =
                entities.iter().map(|e| id_of(doc(e)).to_owned()).collect();
            let mut out: Vec<Value> = entities
                .iter()
                .map(|e| render(doc(e), view, vocab))
                .filter(|e| !is_empty(e))
                .collect();
            let mut frontier: Vec<(Arc<Value>, View)> =
                entities.iter().map(|e| (e.clone(), view.clone())).collect();
            for _ in 0..linking.level {
                let mut next = Vec::new();
                for (entity, entity_view) in &frontier {
                    for (name, _, target) in targets(doc(entity), entity_view, lookup) {
                        if seen.insert(id_of(doc(&target)).to_owned()) {
                            let linked = linked_view(entity_view, &name);
                            let rendered = render(doc(&target), &linked, vocab);
                            if !is_empty(&rendered) {
                                out.push(rendered);
                            }
                            next.push((target, linked));
                        }
                    }
                }
                frontier = next;
            }
            out
        }
    }
}

/// `doc` (to be rendered in `view`) with each relationship instance holding its rendered
/// target (`entity`, or `entityList` for a ListRelationship), `level` deep; `path` holds the
/// ids above, which are not linked again.
fn inlined(
    doc_in: &Doc,
    view: &View,
    vocab: &dyn Vocabulary,
    level: usize,
    lookup: Lookup<'_>,
    path: &mut Vec<String>,
) -> Doc {
    let mut out = doc_in.clone();
    if level == 0 {
        return out;
    }
    for (name, index, target) in targets(doc_in, view, lookup) {
        let target_id = id_of(doc(&target)).to_owned();
        if path.contains(&target_id) {
            continue;
        }
        let linked = linked_view(view, &name);
        path.push(target_id);
        let rendered = render(
            &inlined(doc(&target), &linked, vocab, level - 1, lookup, path),
            &linked,
            vocab,
        );
        path.pop();
        if is_empty(&rendered) {
            continue;
        }
        let Some(Value::Object(instance)) = out
            .get_mut(&name)
            .and_then(Value::as_array_mut)
            .and_then(|a| a.get_mut(index))
        else {
            continue;
        };
        attach(instance, rendered);
    }
    out
}

/// Puts a rendered target on its relationship instance.
fn attach(instance: &mut Map<String, Value>, rendered: Value) {
    if instance.get("type").and_then(Value::as_str) == Some(LIST_RELATIONSHIP) {
        match instance
            .entry("entityList")
            .or_insert_with(|| Value::Array(Vec::new()))
        {
            Value::Array(list) => list.push(rendered),
            other => *other = Value::Array(vec![rendered]),
        }
    } else {
        instance.insert("entity".into(), rendered);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde_json::json;

    use super::*;
    use crate::domain::render::Format;
    use crate::domain::vocabulary::Identity;

    fn entity(id: &str, kind: &str, attrs: Value) -> Arc<Value> {
        let mut doc = json!({"id": id, "type": [kind]});
        for (k, v) in attrs.as_object().unwrap() {
            doc[k] = json!([v]);
        }
        Arc::new(doc)
    }

    fn store() -> HashMap<String, Arc<Value>> {
        [
            entity("urn:car:1", "Vehicle", json!({
                "isParked": {"type": "Relationship", "object": "urn:park:1"},
                "speed": {"type": "Property", "value": 0}})),
            entity("urn:park:1", "OffStreetParking", json!({
                "operator": {"type": "Relationship", "object": "urn:org:1", "objectType": "Company"},
                "near": {"type": "ListRelationship", "objectList": ["urn:car:1", "urn:gone"]}})),
            entity("urn:org:1", "Company", json!({"name": {"type": "Property", "value": "两江"}})),
        ]
        .into_iter()
        .map(|e| (id_of(doc(&e)).to_owned(), e))
        .collect()
    }

    #[test]
    fn inline_puts_targets_inside_relationships_as_deep_as_asked() {
        let held = store();
        let lookup = |id: &str| held.get(id).cloned();
        let car = vec![held["urn:car:1"].clone()];
        let view = View::default();
        let one = Linking {
            join: Join::Inline,
            level: 1,
        };
        let out = render_linked(&car, &view, &Identity, one, &lookup);
        assert_eq!(out[0]["isParked"]["entity"]["id"], "urn:park:1");
        assert!(out[0]["isParked"]["entity"]["operator"]
            .get("entity")
            .is_none());
        let two = Linking {
            join: Join::Inline,
            level: 2,
        };
        let out = render_linked(&car, &view, &Identity, two, &lookup);
        let park = &out[0]["isParked"]["entity"];
        assert_eq!(park["operator"]["entity"]["name"]["value"], "两江");
        // The car itself is not linked back into itself, and a missing target is left out.
        assert!(park["near"].get("entityList").is_none());
    }

    #[test]
    fn flat_lists_each_linked_entity_once_after_the_answer() {
        let held = store();
        let lookup = |id: &str| held.get(id).cloned();
        let car = vec![held["urn:car:1"].clone()];
        let view = View {
            format: Format::Simplified,
            ..View::default()
        };
        let out = render_linked(
            &car,
            &view,
            &Identity,
            Linking {
                join: Join::Flat,
                level: 3,
            },
            &lookup,
        );
        let ids: Vec<&str> = out.iter().map(|e| e["id"].as_str().unwrap()).collect();
        assert_eq!(ids, vec!["urn:car:1", "urn:park:1", "urn:org:1"]);
        assert_eq!(out[2]["name"], "两江");
    }

    #[test]
    fn object_type_and_bad_parameters() {
        let mut held = store();
        // The operator is not a Company any more: objectType leaves it out.
        held.insert("urn:org:1".into(), entity("urn:org:1", "Person", json!({})));
        let lookup = |id: &str| held.get(id).cloned();
        let park = vec![held["urn:park:1"].clone()];
        let out = render_linked(
            &park,
            &View::default(),
            &Identity,
            Linking {
                join: Join::Inline,
                level: 1,
            },
            &lookup,
        );
        assert!(out[0]["operator"].get("entity").is_none());
        assert_eq!(out[0]["near"]["entityList"][0]["id"], "urn:car:1");
        assert!(Linking::parse(Some("deep"), None).is_err());
        assert!(Linking::parse(Some("flat"), Some("0")).is_err());
        assert!(Linking::parse(Some("flat"), Some("x")).is_err());
        assert_eq!(Linking::parse(Some("@none"), Some("2")).unwrap(), None);
        assert_eq!(
            Linking::parse(Some("inline"), None).unwrap(),
            Some(Linking {
                join: Join::Inline,
                level: 1
            })
        );
    }
}
