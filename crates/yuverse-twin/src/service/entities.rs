//! Entity and attribute operations and queries.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::temporal::{deletions, scope_change};
use super::{poisoned, Twin};
use crate::domain::attribute::{self, dataset_of};
use crate::domain::entity::{self, doc as doc_of, id_of, Doc, Overwrite};
use crate::domain::ordering::Ordering;
use crate::domain::{Stamp, Vocabulary};
use crate::error::{ErrorKind, NgsiError, NgsiResult};
use crate::store::memory::{Selector, TenantState};
use crate::store::persist::{Change, HistoryRow};
use crate::store::{json_text, stored_names};
use crate::subscriptions::{ChangeEvent, Mark};

/// A write in progress on one tenant: the memory changes, their durable twins, and how to undo.
pub(super) struct Tx<'a> {
    pub state: &'a mut TenantState,
    tenant: &'a str,
    pub stamp: Stamp,
    changes: Vec<Change>,
    undo: Vec<(String, Option<Arc<Value>>)>,
    events: Vec<ChangeEvent>,
}

impl Tx<'_> {
    /// The stored entity's object, copied for an operation that changes it (one that only
    /// reads it takes [`Tx::current`]).
    pub fn copy_of(&self, id: &str) -> Option<Doc> {
        self.state.get(id).map(|e| doc_of(e).clone())
    }

    /// The stored entity, shared: for reading it without a copy (a replacement needs nothing
    /// of it but its creation time).
    pub fn current(&self, id: &str) -> Option<Arc<Value>> {
        self.state.get(id).cloned()
    }

    /// Adds a durable change of its own (temporal writes: history rows outside `put`).
    pub fn record(&mut self, change: Change) {
        self.changes.push(change);
    }

    /// Makes room for `entities` more entity writes of about `attributes` attributes each, so
    /// that a batch does not grow (and copy) its lists of changes again and again while it
    /// holds the tenant's lock.
    pub fn reserve(&mut self, entities: usize, attributes: usize) {
        self.changes.reserve(entities * (attributes + 1));
        self.undo.reserve(entities);
        self.events.reserve(entities);
    }

    pub fn exists(&self, id: &str) -> bool {
        self.state.get(id).is_some()
    }

    /// Stores `doc`, recording history for the attributes named in `changed`, and for its
    /// scope when the write changed it.
    pub fn put(&mut self, doc: Doc, changed: &[String]) {
        self.store(doc, changed, true);
    }

    /// [`Tx::put`] for a temporal write that records the scope's instances from its body
    /// itself.
    pub fn put_without_scope_history(&mut self, doc: Doc, changed: &[String]) {
        self.store(doc, changed, false);
    }

    fn store(&mut self, doc: Doc, changed: &[String], scope_history: bool) {
        // The notifier's catch-up at start finds changes by `modifiedAt`, which must not be
        // older than the write's mark (see `subscriptions::backlog`) when attributes changed.
        debug_assert!(
            changed.is_empty()
                || doc
                    .get("modifiedAt")
                    .and_then(Value::as_str)
                    .is_some_and(|at| at >= self.stamp.as_str()),
            "an entity written without the write's time ({}) as its modifiedAt: {:?}",
            self.stamp.as_str(),
            doc.get("modifiedAt")
        );
        let id = id_of(&doc).to_owned();
        for name in changed {
            let Some(Value::Array(instances)) = doc.get(name) else {
                continue;
            };
            for instance in instances {
                self.changes.push(Change::History(HistoryRow {
                    tenant: self.tenant.to_owned(),
                    entity_id: id.clone(),
                    attr: name.clone(),
                    dataset_id: dataset_of(instance).map(str::to_owned),
                    // Stored in the fixed-width form so that time windows compare as text.
                    observed_at: instance
                        .get("observedAt")
                        .and_then(Value::as_str)
                        .and_then(yuverse_core::time::parse_rfc3339)
                        .map(yuverse_core::time::to_db),
                    created_at: self.stamp.as_str().to_owned(),
                    modified_at: self.stamp.as_str().to_owned(),
                    // Normalised instances are objects.
                    doc: instance
                        .as_object()
                        .map_or_else(|| instance.to_string(), HistoryRow::doc_text),
                }));
            }
        }
        self.changes.push(Change::Put {
            tenant: self.tenant.to_owned(),
            id: id.clone(),
            doc: stored_names::entity_text(&doc),
        });
        let after = Arc::new(Value::Object(doc));
        let previous = self.state.put(after.clone());
        if scope_history {
            let before = previous.as_deref().map(doc_of);
            let row = scope_change(self.tenant, before, Some(doc_of(&after)), &self.stamp);
            self.changes.extend(row.map(Change::History));
        }
        if let Some(before) = &previous {
            let gone = deletions(
                self.tenant,
                doc_of(before),
                Some(doc_of(&after)),
                &self.stamp,
            );
            self.changes.extend(gone.into_iter().map(Change::History));
        }
        self.events.push(ChangeEvent {
            tenant: self.tenant.to_owned(),
            id: id.clone(),
            before: previous.clone(),
            after: Some(after),
            // The notifier adds those the change deleted, when a subscription may care.
            attributes: changed.to_vec(),
        });
        self.undo.push((id, previous));
    }

    pub fn delete(&mut self, id: &str) -> bool {
        match self.state.remove(id) {
            Some(previous) => {
                let gone = deletions(self.tenant, doc_of(&previous), None, &self.stamp);
                self.changes.extend(gone.into_iter().map(Change::History));
                let scope = scope_change(self.tenant, Some(doc_of(&previous)), None, &self.stamp);
                self.changes.extend(scope.map(Change::History));
                self.changes.push(Change::Delete {
                    tenant: self.tenant.to_owned(),
                    id: id.to_owned(),
                    types: json_text(&entity::types_of(doc_of(&previous)), 64),
                    deleted_at: self.stamp.as_str().to_owned(),
                });
                self.events.push(ChangeEvent {
                    tenant: self.tenant.to_owned(),
                    id: id.to_owned(),
                    before: Some(previous.clone()),
                    after: None,
                    attributes: Vec::new(),
                });
                self.undo.push((id.to_owned(), Some(previous)));
                true
            }
            None => false,
        }
    }
}

/// Outcome of append/update of several attributes (204 when all updated, else 207).
#[derive(Debug, Default)]
pub struct AttrsOutcome {
    pub updated: Vec<String>,
    pub not_updated: Vec<(String, String)>,
}

/// One page of a query.
#[derive(Debug)]
pub struct QueryPage {
    pub entities: Vec<Arc<Value>>,
    pub total: Option<usize>,
}

fn attribute_names_of(doc: &Doc) -> Vec<String> {
    entity::attribute_names(doc).cloned().collect()
}

impl Twin {
    /// Runs `op` on the tenant under its write lock, then waits until its changes are durable;
    /// rolls the memory back if they could not be written.
    pub(super) async fn write<R>(
        &self,
        tenant: &str,
        op: impl FnOnce(&mut Tx) -> NgsiResult<R>,
    ) -> NgsiResult<R> {
        self.write_at(tenant, self.stamp(), op).await
    }

    /// [`Twin::write`] stamped with `mark`, opened when the write took its time (before it
    /// parsed its input, outside the lock). The mark stays open in the notifier's backlog until
    /// the write's changes, stamped with its time, are notified.
    pub(super) async fn write_at<R>(
        &self,
        tenant: &str,
        mark: Mark,
        op: impl FnOnce(&mut Tx) -> NgsiResult<R>,
    ) -> NgsiResult<R> {
        let (state, new_tenant) = self.tenant_for_write(tenant)?;
        let turn = state.writers.lock().await;
        let (result, ack, undo) = {
            let mut guard = state.write().map_err(|_| poisoned())?;
            let mut tx = Tx {
                state: &mut guard,
                tenant,
                stamp: mark.stamp().clone(),
                changes: new_tenant.into_iter().collect(),
                undo: Vec::new(),
                events: Vec::new(),
            };
            let result = op(&mut tx);
            if result.is_err() {
                // Operations validate before they change anything; undo whatever they did.
                for (id, previous) in tx.undo.drain(..).rev() {
                    restore(tx.state, &id, previous);
                }
                return result;
            }
            let undo = std::mem::take(&mut tx.undo);
            let events = std::mem::take(&mut tx.events);
            let ack = (!tx.changes.is_empty()).then(|| {
                // Published by the writer right after the commit, even if this request is
                // dropped while it waits.
                let publisher = self.inner.publisher.clone();
                let publish = move || publisher.publish(events, mark);
                self.inner
                    .persister
                    .submit(std::mem::take(&mut tx.changes), Some(Box::new(publish)))
            });
            (result, ack, undo)
        };
        // The next writer may apply its change while this one waits for its commit.
        drop(turn);
        if let Some(ack) = ack {
            if let Err(e) = ack.durable().await {
                let mut guard = state.write().map_err(|_| poisoned())?;
                for (id, previous) in undo.into_iter().rev() {
                    restore(&mut guard, &id, previous);
                }
                return Err(e);
            }
        }
        result
    }

    pub async fn create_entity(
        &self,
        tenant: &str,
        body: &Value,
        vocab: &dyn Vocabulary,
    ) -> NgsiResult<String> {
        let mark = self.stamp();
        let doc = entity::parse_entity(body, vocab, mark.stamp())?;
        let id = id_of(&doc).to_owned();
        self.write_at(tenant, mark, |tx| {
            if tx.exists(&id) {
                return Err(NgsiError::new(
                    ErrorKind::AlreadyExists,
                    format!("entity `{id}` already exists"),
                ));
            }
            let changed = attribute_names_of(&doc);
            tx.put(doc, &changed);
            Ok(())
        })
        .await?;
        Ok(id)
    }

    pub fn get_entity(&self, tenant: &str, id: &str) -> NgsiResult<Arc<Value>> {
        check_id(id)?;
        let state = self.tenant(tenant)?;
        let guard = state.read().map_err(|_| poisoned())?;
        guard
            .get(id)
            .cloned()
            .ok_or_else(|| NgsiError::not_found(format!("no entity `{id}`")))
    }

    /// One page of the entities `selector` matches, in id order, or in `ordering`'s (every
    /// match is then sorted before the page is cut: a cost in the number of matches that only
    /// ordered queries pay).
    pub fn query(
        &self,
        tenant: &str,
        selector: &Selector,
        ordering: Option<&Ordering>,
        (offset, limit): (usize, usize),
        count: bool,
    ) -> NgsiResult<QueryPage> {
        let state = self.tenant(tenant)?;
        let guard = state.read().map_err(|_| poisoned())?;
        if ordering.is_none() {
            let (entities, total) = guard.query(selector, offset, limit, count);
            return Ok(QueryPage { entities, total });
        }
        drop(guard);
        self.query_kept(tenant, selector, ordering, (offset, limit), count, &|_| {
            true
        })
    }

    /// `query` over the matches `keep` accepts only, so that the page and the count are of
    /// the entities an answer shows (a projection may leave some with nothing to show). Every
    /// match is read before the page is cut, as for ordered queries.
    pub fn query_kept(
        &self,
        tenant: &str,
        selector: &Selector,
        ordering: Option<&Ordering>,
        (offset, limit): (usize, usize),
        count: bool,
        keep: &dyn Fn(&Value) -> bool,
    ) -> NgsiResult<QueryPage> {
        let state = self.tenant(tenant)?;
        let guard = state.read().map_err(|_| poisoned())?;
        let (mut entities, _) = guard.query(selector, 0, usize::MAX, false);
        drop(guard);
        entities.retain(|e| keep(e));
        let total = count.then_some(entities.len());
        if let Some(ordering) = ordering {
            entities.sort_by(|a, b| ordering.compare(doc_of(a), doc_of(b)));
        }
        let entities = entities.into_iter().skip(offset).take(limit).collect();
        Ok(QueryPage { entities, total })
    }

    pub async fn delete_entity(&self, tenant: &str, id: &str) -> NgsiResult<()> {
        check_id(id)?;
        self.tenant(tenant)?;
        self.write(tenant, |tx| {
            if tx.delete(id) {
                Ok(())
            } else {
                Err(NgsiError::not_found(format!("no entity `{id}`")))
            }
        })
        .await
    }

    /// `DELETE /entities?type=…`: removes every entity of the (expanded) types.
    pub async fn purge_types(&self, tenant: &str, types: &[String]) -> NgsiResult<usize> {
        self.tenant(tenant)?;
        self.write(tenant, |tx| {
            let ids: Vec<String> = types.iter().flat_map(|t| tx.state.ids_of_type(t)).collect();
            let mut n = 0;
            for id in ids {
                if tx.delete(&id) {
                    n += 1;
                }
            }
            Ok(n)
        })
        .await
    }

    /// PUT /entities/{id}: replaces types and all attributes.
    pub async fn replace_entity(
        &self,
        tenant: &str,
        id: &str,
        body: &Value,
        vocab: &dyn Vocabulary,
    ) -> NgsiResult<()> {
        check_id(id)?;
        let mut body = body.clone();
        if let Some(obj) = body.as_object_mut() {
            match obj.get("id").and_then(Value::as_str) {
                Some(given) if given != id => {
                    return Err(NgsiError::bad_data(
                        "the id in the body differs from the id in the path",
                    ))
                }
                _ => {
                    obj.insert("id".into(), Value::String(id.to_owned()));
                }
            }
        }
        let mark = self.stamp();
        let replacement = entity::parse_entity(&body, vocab, mark.stamp())?;
        self.write_at(tenant, mark, |tx| {
            let current = tx
                .current(id)
                .ok_or_else(|| NgsiError::not_found(format!("no entity `{id}`")))?;
            let doc = entity::replace(doc_of(&current), replacement);
            let changed = attribute_names_of(&doc);
            tx.put(doc, &changed);
            Ok(())
        })
        .await
    }

    /// PATCH /entities/{id}: merge-patch.
    pub async fn merge_entity(
        &self,
        tenant: &str,
        id: &str,
        body: &Value,
        vocab: &dyn Vocabulary,
    ) -> NgsiResult<()> {
        check_id(id)?;
        let patch = fragment(body, Some(id))?;
        self.write(tenant, |tx| {
            let current = tx
                .copy_of(id)
                .ok_or_else(|| NgsiError::not_found(format!("no entity `{id}`")))?;
            let mut doc = current;
            entity::merge(&mut doc, &patch, vocab, &tx.stamp)?;
            let changed: Vec<String> = patch
                .keys()
                .filter(|k| !attribute::ENTITY_MEMBERS.contains(&k.as_str()))
                .map(|k| vocab.expand(k))
                .collect();
            tx.put(doc, &changed);
            Ok(())
        })
        .await
    }

    /// POST /entities/{id}/attrs (append; `no_overwrite` keeps existing attributes) and
    /// PATCH /entities/{id}/attrs (update: only existing attributes; an NGSI-LD Null instance
    /// deletes the instance of its datasetId). Both add the types sent and write `scope` (an
    /// update only where the entity has one; an append with `no_overwrite` adds to it).
    /// Attribute names in the outcome are expanded, as UpdateResult names them.
    pub async fn put_attributes(
        &self,
        tenant: &str,
        id: &str,
        body: &Value,
        vocab: &dyn Vocabulary,
        mode: AttrsMode,
    ) -> NgsiResult<AttrsOutcome> {
        check_id(id)?;
        let mut input = fragment(body, Some(id))?;
        let mark = self.stamp();
        let deletions = if mode == AttrsMode::Update {
            null_instances(&mut input, vocab)?
        } else {
            Vec::new()
        };
        let attributes = entity::parse_attributes(&input, vocab, mark.stamp())?;
        let types = input.get("type").cloned();
        let scope = entity::parse_scope(input.get("scope"))?;
        let nothing = attributes.is_empty() && deletions.is_empty();
        if nothing && types.is_none() && scope.is_none() && mode == AttrsMode::Update {
            return Err(NgsiError::bad_data("no attributes to update"));
        }
        self.write_at(tenant, mark, |tx| {
            let current = tx
                .copy_of(id)
                .ok_or_else(|| NgsiError::not_found(format!("no entity `{id}`")))?;
            let mut doc = current;
            let mut outcome = AttrsOutcome::default();
            let mut touched = false;
            if let Some(types) = &types {
                entity::add_types(&mut doc, types, vocab)?;
                touched = true;
            }
            if let Some(scope) = scope {
                if put_scope(&mut doc, scope, mode) {
                    touched = true;
                    outcome.updated.push(SCOPE.into());
                } else {
                    outcome
                        .not_updated
                        .push((SCOPE.into(), "the entity has no scope".into()));
                }
            }
            for (name, datasets) in deletions {
                if !doc.contains_key(&name) {
                    outcome
                        .not_updated
                        .push((name, "the attribute does not exist".into()));
                    continue;
                }
                for dataset in datasets {
                    if entity::delete_attribute(
                        &mut doc,
                        &name,
                        dataset.as_deref(),
                        false,
                        &tx.stamp,
                    ) {
                        touched = true;
                        if !outcome.updated.contains(&name) {
                            outcome.updated.push(name.clone());
                        }
                    } else {
                        outcome.not_updated.push((
                            name.clone(),
                            "the attribute has no instance with that datasetId".into(),
                        ));
                    }
                }
            }
            let mut written = Vec::new();
            for (name, instances) in attributes {
                let exists = doc.contains_key(&name);
                let overwrite = match mode {
                    AttrsMode::Append { no_overwrite: true } => Overwrite::Keep,
                    AttrsMode::Append { .. } => Overwrite::Replace,
                    AttrsMode::Update if !exists => {
                        outcome
                            .not_updated
                            .push((name, "the attribute does not exist".into()));
                        continue;
                    }
                    AttrsMode::Update => Overwrite::Replace,
                };
                if entity::put_attribute(&mut doc, &name, instances, overwrite, &tx.stamp) {
                    written.push(name.clone());
                    outcome.updated.push(name);
                } else {
                    outcome.not_updated.push((
                        name,
                        "the attribute exists and noOverwrite was asked".into(),
                    ));
                }
            }
            if touched || !written.is_empty() {
                entity::touch(&mut doc, &tx.stamp);
                tx.put(doc, &written);
            }
            Ok(outcome)
        })
        .await
    }

    /// PATCH /entities/{id}/attrs/{attr} (partial update, merges members; an NGSI-LD Null
    /// deletes the instance) and PUT /entities/{id}/attrs/{attr} (replaces the attribute).
    pub async fn write_attribute(
        &self,
        tenant: &str,
        id: &str,
        attr: &str,
        body: &Value,
        vocab: &dyn Vocabulary,
        replace: bool,
    ) -> NgsiResult<()> {
        check_id(id)?;
        attribute::check_attribute_name(attr)?;
        if attr == "scope" {
            return Err(NgsiError::bad_data(
                "scope is not an attribute: write it with an update or a merge of the entity",
            ));
        }
        let name = vocab.expand(attr);
        let Some(sent) = body.as_object() else {
            return Err(NgsiError::bad_data("the attribute must be a JSON object"));
        };
        self.write(tenant, |tx| {
            let current = tx
                .copy_of(id)
                .ok_or_else(|| NgsiError::not_found(format!("no entity `{id}`")))?;
            let mut doc = current;
            let stored = doc.get(&name).and_then(Value::as_array).cloned();
            let Some(stored) = stored else {
                return Err(NgsiError::not_found(format!(
                    "entity `{id}` has no attribute `{attr}`"
                )));
            };
            let dataset = body
                .get("datasetId")
                .and_then(Value::as_str)
                .filter(|d| *d != attribute::NO_DATASET);
            if !replace && entity::is_null_marker(body) {
                if !entity::delete_attribute(&mut doc, &name, dataset, false, &tx.stamp) {
                    return Err(NgsiError::not_found(format!(
                        "`{attr}` has no instance with that datasetId"
                    )));
                }
                tx.put(doc, &[]);
                return Ok(());
            }
            let instances = if replace {
                attribute::normalize_instances(attr, body, vocab, &tx.stamp)?
            } else {
                // Partial update: missing members come from the stored instance of that dataset.
                let base = stored
                    .iter()
                    .find(|i| dataset_of(i) == dataset)
                    .ok_or_else(|| {
                        NgsiError::not_found(format!(
                            "`{attr}` has no instance with that datasetId"
                        ))
                    })?;
                if body
                    .get("type")
                    .is_some_and(|t| Some(t) != base.get("type"))
                {
                    return Err(NgsiError::bad_data(
                        "a partial update cannot change the attribute type",
                    ));
                }
                vec![entity::partial_instance(
                    attr, base, sent, vocab, &tx.stamp,
                )?]
            };
            entity::put_attribute(&mut doc, &name, instances, Overwrite::Replace, &tx.stamp);
            tx.put(doc, std::slice::from_ref(&name));
            Ok(())
        })
        .await
    }

    /// DELETE /entities/{id}/attrs/{attr}: an attribute, one instance (`dataset`), the default
    /// instance, or all (`all`); `scope` removes the entity's scope.
    pub async fn delete_attribute(
        &self,
        tenant: &str,
        id: &str,
        attr: &str,
        vocab: &dyn Vocabulary,
        dataset: Option<&str>,
        all: bool,
    ) -> NgsiResult<()> {
        check_id(id)?;
        attribute::check_attribute_name(attr)?;
        self.tenant(tenant)?;
        let name = vocab.expand(attr);
        self.write(tenant, |tx| {
            let current = tx
                .copy_of(id)
                .ok_or_else(|| NgsiError::not_found(format!("no entity `{id}`")))?;
            let mut doc = current;
            let removed = if attr == "scope" {
                doc.remove("scope").is_some()
            } else {
                entity::delete_attribute(&mut doc, &name, dataset, all, &tx.stamp)
            };
            if !removed {
                return Err(NgsiError::not_found(format!(
                    "entity `{id}` has no attribute `{attr}` with that datasetId"
                )));
            }
            entity::touch(&mut doc, &tx.stamp);
            tx.put(doc, &[]);
            Ok(())
        })
        .await
    }
}

/// Takes the attributes of an update whose instances are all NGSI-LD Nulls out of `input`
/// (what is left of a mixed list stays), answering the datasets each deletes, by expanded name.
fn null_instances(
    input: &mut Map<String, Value>,
    vocab: &dyn Vocabulary,
) -> NgsiResult<Vec<(String, Vec<Option<String>>)>> {
    let mut deletions = Vec::new();
    let names: Vec<String> = input
        .keys()
        .filter(|k| !attribute::ENTITY_MEMBERS.contains(&k.as_str()))
        .cloned()
        .collect();
    for name in names {
        let (deleted, rest) = entity::split_nulls(&input[&name]);
        if deleted.is_empty() {
            continue;
        }
        attribute::check_attribute_name(&name)?;
        deletions.push((vocab.expand(&name), deleted));
        match rest {
            Some(rest) => input.insert(name, rest),
            None => input.remove(&name),
        };
    }
    Ok(deletions)
}

/// The expanded name under which outcomes report `scope`.
const SCOPE: &str = "https://uri.etsi.org/ngsi-ld/scope";

/// Writes a parsed `scope` by the rules of append and update (see `put_attributes`), for the
/// single-entity writes and the batches alike; answers whether it was written (an update
/// leaves an entity without a scope as it is).
pub(super) fn put_scope(doc: &mut Doc, scope: Value, mode: AttrsMode) -> bool {
    let existing = doc.get("scope").and_then(Value::as_array).cloned();
    let scope = match (mode, existing) {
        (AttrsMode::Update, None) => return false,
        (AttrsMode::Append { no_overwrite: true }, Some(mut scopes)) => {
            for s in scope.as_array().into_iter().flatten() {
                if !scopes.contains(s) {
                    scopes.push(s.clone());
                }
            }
            Value::Array(scopes)
        }
        _ => scope,
    };
    doc.insert("scope".into(), scope);
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrsMode {
    Append { no_overwrite: bool },
    Update,
}

fn restore(state: &mut TenantState, id: &str, previous: Option<Arc<Value>>) {
    match previous {
        Some(doc) => {
            state.put(doc);
        }
        None => {
            state.remove(id);
        }
    }
}

pub(super) fn check_id(id: &str) -> NgsiResult<()> {
    if attribute::is_uri(id) {
        Ok(())
    } else {
        Err(NgsiError::bad_data(format!(
            "`{id}` is not a valid entity id (a URI)"
        )))
    }
}

/// A request body that is a fragment of an entity (attributes, maybe `id`/`type`).
fn fragment(body: &Value, id: Option<&str>) -> NgsiResult<Map<String, Value>> {
    let object = body
        .as_object()
        .ok_or_else(|| NgsiError::bad_data("the body must be a JSON object"))?;
    if let (Some(given), Some(id)) = (object.get("id").and_then(Value::as_str), id) {
        if given != id {
            return Err(NgsiError::bad_data(
                "the id in the body differs from the id in the path",
            ));
        }
    }
    Ok(object.clone())
}
