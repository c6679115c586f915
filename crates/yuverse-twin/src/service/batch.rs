//! Batch operations (`/entityOperations/create|upsert|update|delete|merge`): each entity
//! succeeds or fails on its own; all successes of one request share one durable commit.

use serde_json::{Map, Value};

use super::entities::{check_id, put_scope, AttrsMode};
use super::Twin;
use crate::domain::entity::{self, doc as doc_of, id_of, Doc, Overwrite};
use crate::domain::{Stamp, Vocabulary};
use crate::error::{ErrorKind, NgsiError, NgsiResult};

#[derive(Debug, Clone)]
pub struct BatchError {
    /// The item's position in the request (an entity id may occur more than once).
    pub index: usize,
    pub entity_id: String,
    pub error: NgsiError,
    /// The registration of the context source that refused the entity (clause 5.2.17), when
    /// a source did rather than the broker.
    pub registration_id: Option<String>,
}

#[derive(Debug, Default)]
pub struct BatchResult {
    /// Ids that succeeded (for upsert: with whether each was created).
    pub success: Vec<String>,
    pub created: Vec<String>,
    pub errors: Vec<BatchError>,
}

fn entities_of(body: &Value) -> NgsiResult<&Vec<Value>> {
    match body.as_array() {
        Some(items) if !items.is_empty() => Ok(items),
        Some(_) => Err(NgsiError::bad_data("the batch is empty")),
        None => Err(NgsiError::bad_data("a batch body must be a JSON array")),
    }
}

fn id_for_error(item: &Value) -> String {
    item.get("id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

/// What a batch does to each entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchOp {
    Create,
    /// `options=replace` (default) replaces existing entities; `update` appends attributes
    /// and the scope.
    Upsert {
        replace: bool,
    },
    /// `options=noOverwrite` keeps existing attributes.
    Update {
        no_overwrite: bool,
    },
    Merge,
}

impl Twin {
    pub async fn batch(
        &self,
        tenant: &str,
        op: BatchOp,
        body: &Value,
        vocab: &dyn Vocabulary,
    ) -> NgsiResult<BatchResult> {
        let items = entities_of(body)?;
        let mark = self.stamp();
        // The closure below takes the stamp while `tx` is borrowed mutably.
        let stamp = mark.stamp().clone();
        let mut result = BatchResult::default();
        // Validation outside the lock: every entity is parsed first (an update's attributes
        // too, so that bad data is reported as such whether or not the entity exists).
        let mut parsed = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let outcome = match op {
                BatchOp::Create | BatchOp::Upsert { .. } => {
                    entity::parse_entity(item, vocab, &stamp).map(|doc| (doc, Vec::new()))
                }
                BatchOp::Update { .. } | BatchOp::Merge => item
                    .get("id")
                    .and_then(Value::as_str)
                    .ok_or_else(|| NgsiError::bad_data("the entity has no `id`"))
                    .and_then(|id| {
                        check_id(id)?;
                        let mut input = item.as_object().cloned().unwrap_or_default();
                        // A malformed scope fails its entity whether or not it exists.
                        if let Some(scope) = entity::parse_scope(input.get("scope"))? {
                            input.insert("scope".into(), scope);
                        }
                        let attributes = match op {
                            BatchOp::Update { .. } => {
                                entity::parse_attributes(&input, vocab, &stamp)?
                            }
                            _ => Vec::new(),
                        };
                        Ok((input, attributes))
                    }),
            };
            match outcome {
                Ok(parsed_item) => parsed.push((index, parsed_item)),
                Err(error) => result.errors.push(BatchError {
                    index,
                    entity_id: id_for_error(item),
                    error,
                    registration_id: None,
                }),
            }
        }
        let outcome = self
            .write_at(tenant, mark, |tx| {
                let attributes = parsed.first().map_or(0, |(_, (doc, _))| doc.len());
                tx.reserve(parsed.len(), attributes);
                for (index, (input, attributes)) in parsed {
                    let id = id_of(&input).to_owned();
                    let current = tx.current(&id);
                    let applied: NgsiResult<bool> = match (op, current) {
                        (BatchOp::Create, Some(_)) => Err(NgsiError::new(
                            ErrorKind::AlreadyExists,
                            format!("entity `{id}` already exists"),
                        )),
                        (BatchOp::Create, None) | (BatchOp::Upsert { .. }, None) => {
                            let changed: Vec<String> =
                                entity::attribute_names(&input).cloned().collect();
                            tx.put(input, &changed);
                            Ok(true)
                        }
                        (BatchOp::Upsert { replace: true }, Some(current)) => {
                            let doc = entity::replace(doc_of(&current), input);
                            let changed: Vec<String> =
                                entity::attribute_names(&doc).cloned().collect();
                            tx.put(doc, &changed);
                            Ok(false)
                        }
                        (BatchOp::Upsert { replace: false }, Some(current)) => {
                            let attributes = entity::attribute_names(&input)
                                .map(|name| {
                                    let instances =
                                        input[name].as_array().cloned().unwrap_or_default();
                                    (name.clone(), instances)
                                })
                                .collect();
                            update(tx, &current, &input, attributes, false, vocab)
                        }
                        (BatchOp::Update { .. } | BatchOp::Merge, None) => {
                            Err(NgsiError::not_found(format!("no entity `{id}`")))
                        }
                        (BatchOp::Update { no_overwrite }, Some(current)) => {
                            update(tx, &current, &input, attributes, no_overwrite, vocab)
                        }
                        (BatchOp::Merge, Some(current)) => {
                            let mut doc = doc_of(&current).clone();
                            entity::merge(&mut doc, &input, vocab, &stamp).map(|_| {
                                let changed: Vec<String> = entity::attribute_names(&input)
                                    .map(|k| vocab.expand(k))
                                    .collect();
                                tx.put(doc, &changed);
                                false
                            })
                        }
                    };
                    match applied {
                        Ok(created) => {
                            if created {
                                result.created.push(id.clone());
                            }
                            result.success.push(id);
                        }
                        Err(error) => result.errors.push(BatchError {
                            index,
                            entity_id: id,
                            error,
                            registration_id: None,
                        }),
                    }
                }
                Ok(result)
            })
            .await?;
        Ok(outcome)
    }

    pub async fn batch_delete(&self, tenant: &str, body: &Value) -> NgsiResult<BatchResult> {
        let items = entities_of(body)?;
        self.tenant(tenant)?;
        let mut result = BatchResult::default();
        let mut ids = Vec::new();
        for (index, item) in items.iter().enumerate() {
            match item.as_str() {
                Some(id) if check_id(id).is_ok() => ids.push((index, id.to_owned())),
                _ => result.errors.push(BatchError {
                    index,
                    entity_id: item.as_str().unwrap_or("").to_owned(),
                    error: NgsiError::bad_data("every item must be an entity id (a URI)"),
                    registration_id: None,
                }),
            }
        }
        self.write(tenant, |tx| {
            for (index, id) in ids {
                if tx.delete(&id) {
                    result.success.push(id);
                } else {
                    result.errors.push(BatchError {
                        index,
                        error: NgsiError::not_found(format!("no entity `{id}`")),
                        entity_id: id,
                        registration_id: None,
                    });
                }
            }
            Ok(result)
        })
        .await
    }
}

/// A batch update of one existing entity, also an upsert with `options=update` of one: the
/// types sent are added, the scope and the attributes written (with `no_overwrite`, the scopes
/// sent are added to the entity's and existing attributes are kept, and the entity is reported
/// as not wholly updated: AlreadyExists naming them, after the others are written).
fn update(
    tx: &mut super::entities::Tx<'_>,
    current: &Value,
    input: &Map<String, Value>,
    attributes: Vec<(String, Vec<Value>)>,
    no_overwrite: bool,
    vocab: &dyn Vocabulary,
) -> NgsiResult<bool> {
    let mut doc = doc_of(current).clone();
    if let Some(types) = input.get("type") {
        entity::add_types(&mut doc, types, vocab)?;
    }
    append_scope(&mut doc, input, no_overwrite, &tx.stamp);
    let mode = if no_overwrite {
        Overwrite::Keep
    } else {
        Overwrite::Replace
    };
    let mut changed = Vec::new();
    let mut kept = Vec::new();
    for (name, instances) in attributes {
        if entity::put_attribute(&mut doc, &name, instances, mode, &tx.stamp) {
            changed.push(name);
        } else {
            kept.push(vocab.compact(&name));
        }
    }
    tx.put(doc, &changed);
    if kept.is_empty() {
        return Ok(false);
    }
    Err(NgsiError::new(
        ErrorKind::AlreadyExists,
        format!(
            "with noOverwrite, these attributes exist and were kept: {}",
            kept.join(", ")
        ),
    ))
}

/// Writes the parsed scope of a batch item as an append of its attributes does (clause
/// 5.6.3, the rule of batch update and of upsert with `options=update`): it replaces the
/// entity's scope, or with `no_overwrite` adds to it.
fn append_scope(doc: &mut Doc, input: &Map<String, Value>, no_overwrite: bool, stamp: &Stamp) {
    let Some(scope) = input.get("scope") else {
        return;
    };
    if put_scope(doc, scope.clone(), AttrsMode::Append { no_overwrite }) {
        entity::touch(doc, stamp);
    }
}
