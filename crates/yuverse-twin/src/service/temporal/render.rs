//! The temporal representations of one entity: normalized (each attribute an array of its
//! instances, each with its `instanceId`), simplified (`temporalValues`: `[value, time]` pairs
//! under `values`, `objects`, … by attribute type; a languageMap, JSON or vocab value wrapped
//! as `{"languageMap": …}`) and aggregated. Simplified and aggregated attributes with several
//! datasetIds become an array, one element per datasetId. With `lang`, LanguageProperty
//! instances are shown as Properties in the chosen language, in every representation.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::deletion::is_deletion;
use super::page::wire;
use super::{TemporalFormat, TemporalQuery};
use crate::domain::attribute::{value_members, ValueMembers};
use crate::domain::render::{self, View};
use crate::domain::Vocabulary;
use crate::store::history::Instance;

/// An instance's document (with instanceId and system times) and the instance it came from.
type Entry<'a> = (Map<String, Value>, &'a Instance);

/// An instance's stored document with its instance id and system times.
fn instance_doc(instance: &Instance) -> Option<Map<String, Value>> {
    let Ok(Value::Object(mut doc)) = serde_json::from_str::<Value>(&instance.row.doc) else {
        return None;
    };
    doc.insert("instanceId".into(), Value::String(instance.id.uri()));
    doc.insert(
        "createdAt".into(),
        Value::String(wire(&instance.row.created_at)),
    );
    doc.insert(
        "modifiedAt".into(),
        Value::String(wire(&instance.row.modified_at)),
    );
    Some(doc)
}

/// `deleted_at` (storage form): when the entity left the current state, shown as its
/// `deletedAt` like that of a deleted attribute instance.
/// `emptied`: the attributes whose instances the paging cut all left out, with their type.
pub(super) fn entity(
    (id, types, deleted_at): (&str, Option<&Value>, Option<&str>),
    attributes: BTreeMap<String, Vec<Instance>>,
    emptied: &BTreeMap<String, String>,
    query: &TemporalQuery,
    vocab: &dyn Vocabulary,
) -> Value {
    let mut out = Map::new();
    if !query.projection.omit_id {
        out.insert("id".into(), Value::String(id.to_owned()));
    }
    if let Some(Value::Array(types)) = types.filter(|_| !query.projection.omit_type) {
        let compacted: Vec<Value> = types
            .iter()
            .filter_map(Value::as_str)
            .map(|t| Value::String(vocab.compact(t)))
            .collect();
        out.insert(
            "type".into(),
            match compacted.len() {
                1 => compacted[0].clone(),
                _ => Value::Array(compacted),
            },
        );
    }
    // `pick`/`omit` name it like any member (expanded through the request's context).
    if let Some(at) = deleted_at.filter(|_| query.projection.wants(&vocab.expand("deletedAt"))) {
        out.insert("deletedAt".into(), Value::String(wire(at)));
    }
    for (name, instances) in attributes {
        // `lang`: each LanguageProperty instance shown as a Property in the chosen language.
        let docs: Vec<Entry> = instances
            .iter()
            .filter_map(|i| instance_doc(i).map(|d| (d, i)))
            .map(|(d, i)| (render::localise(&d, query.projection.lang.as_ref()), i))
            .collect();
        let rendered = match (&query.format, emptied.get(&name)) {
            (TemporalFormat::Normalized, _) => normalized(&docs, query.sys_attrs, vocab),
            (_, Some(kind)) if docs.is_empty() => {
                let mut object = Map::new();
                object.insert("type".into(), Value::String(kind.clone()));
                object.insert(value_members(kind).plural.into(), Value::Array(Vec::new()));
                Value::Object(object)
            }
            (other, _) => by_dataset(&docs, other, query, vocab),
        };
        out.insert(vocab.compact(&name), rendered);
    }
    Value::Object(out)
}

fn normalized(docs: &[Entry], sys_attrs: bool, vocab: &dyn Vocabulary) -> Value {
    let view = View {
        sys_attrs,
        ..View::default()
    };
    Value::Array(
        docs.iter()
            .filter_map(|(doc, _)| {
                render::render_attribute(
                    &Value::Array(vec![Value::Object(doc.clone())]),
                    &view,
                    vocab,
                )
            })
            .collect(),
    )
}

/// Simplified or aggregated: one object per datasetId.
fn by_dataset(
    docs: &[Entry],
    format: &TemporalFormat,
    query: &TemporalQuery,
    vocab: &dyn Vocabulary,
) -> Value {
    let mut datasets: BTreeMap<Option<&str>, Vec<&Entry>> = BTreeMap::new();
    for entry in docs {
        datasets
            .entry(entry.1.row.dataset_id.as_deref())
            .or_default()
            .push(entry);
    }
    let mut out: Vec<Value> = datasets
        .into_iter()
        .map(|(dataset, entries)| {
            let kind = entries
                .first()
                .and_then(|(d, _)| d.get("type"))
                .and_then(Value::as_str)
                .unwrap_or("Property")
                .to_owned();
            let ValueMembers {
                value: member,
                plural,
                ..
            } = value_members(&kind);
            let mut object = Map::new();
            object.insert("type".into(), Value::String(kind.clone()));
            let value_of = |d: &Map<String, Value>| {
                let v = d.get(member).cloned().unwrap_or(Value::Null);
                if kind == "VocabProperty" {
                    compact_vocab(v, vocab)
                } else {
                    v
                }
            };
            match format {
                TemporalFormat::Aggregated(aggregation) => {
                    // A deletion is no value of the attribute.
                    let entries: Vec<&&Entry> =
                        entries.iter().filter(|(d, _)| !is_deletion(d)).collect();
                    let values: Vec<Value> = entries.iter().map(|(d, _)| value_of(d)).collect();
                    let points: Vec<_> = entries
                        .iter()
                        .zip(&values)
                        .filter_map(|((_, i), v)| {
                            yuverse_core::time::from_db(&i.time).ok().map(|t| (t, v))
                        })
                        .collect();
                    object.extend(aggregation.apply(&points, query.timerel));
                }
                _ => {
                    let wrapped = wrapped_in_pairs(&kind);
                    let pairs: Vec<Value> = entries
                        .iter()
                        .map(|(d, i)| {
                            let mut v = value_of(d);
                            if wrapped {
                                v = Value::Object(Map::from_iter([(member.to_owned(), v)]));
                            }
                            Value::Array(vec![v, Value::String(wire(&i.time))])
                        })
                        .collect();
                    object.insert(plural.into(), Value::Array(pairs));
                }
            }
            if let Some(dataset) = dataset {
                object.insert("datasetId".into(), Value::String(dataset.to_owned()));
            }
            Value::Object(object)
        })
        .collect();
    match out.len() {
        1 => out.remove(0),
        _ => Value::Array(out),
    }
}

/// Whether the simplified pairs of an attribute type carry its value inside an object named
/// by its value member (`[{"languageMap": …}, t]`, `{"json": …}`, `{"vocab": …}`, clause
/// 4.5.9): a bare map, JSON or string would read as a plain Property value. Lists stay bare.
fn wrapped_in_pairs(kind: &str) -> bool {
    matches!(kind, "LanguageProperty" | "JsonProperty" | "VocabProperty")
}

fn compact_vocab(v: Value, vocab: &dyn Vocabulary) -> Value {
    match v {
        Value::String(s) => Value::String(vocab.compact(&s)),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|i| compact_vocab(i, vocab)).collect())
        }
        other => other,
    }
}
