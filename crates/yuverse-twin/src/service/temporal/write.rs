//! Temporal writes (clauses 5.6.11–5.6.16): instances are added, modified and deleted in the
//! history directly. They describe the past, so they leave the current state alone — except
//! that creating the temporal representation of an entity the broker does not know at all also
//! creates the entity, from the newest instance of each attribute (per datasetId), so that it
//! can be selected by the query machinery like any other entity (with the scope of the
//! body's newest scope instance; the scope's instances are history like an attribute's).
//!
//! Every write goes through the tenant's lock and the group-commit writer like other twin
//! writes, and is acknowledged when durable.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::super::entities::check_id;
use super::scope::{scope_instances, SCOPE};
use super::Twin;
use crate::domain::attribute::{self, ENTITY_MEMBERS};
use crate::domain::entity::{self, Doc};
use crate::domain::{Stamp, Vocabulary};
use crate::error::{NgsiError, NgsiResult};
use crate::store::history;
use crate::store::persist::{Change, HistoryDataset, HistoryRow};
use crate::subscriptions::Mark;

/// Attributes of a temporal body: name (expanded) → instances (each normalised).
type Instances = Vec<(String, Vec<Map<String, Value>>)>;

/// Reads the attributes of a temporal entity or fragment: each one instance or an array of
/// instances, which may repeat datasetIds (they are points in time).
fn parse_instances(
    body: &Map<String, Value>,
    vocab: &dyn Vocabulary,
    stamp: &Stamp,
) -> NgsiResult<Instances> {
    let mut out = Vec::new();
    for (name, value) in body {
        if ENTITY_MEMBERS.contains(&name.as_str()) {
            continue;
        }
        attribute::check_attribute_name(name)?;
        // The NGSI-LD Null is a value an instance may have (a deletion), but as a first-level
        // member it only deletes, in fragments of partial updates and merges (clause 5.5.4).
        if value.as_str() == Some(attribute::NGSI_LD_NULL) {
            return Err(NgsiError::bad_data(format!(
                "`{name}`: urn:ngsi-ld:null is no attribute of a temporal entity"
            )));
        }
        let items: Vec<&Value> = match value {
            Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => {
                items.iter().collect()
            }
            Value::Array(_) => {
                return Err(NgsiError::bad_data(format!(
                    "`{name}`: the instances must be a non-empty array of attribute objects"
                )))
            }
            one => vec![one],
        };
        let instances = items
            .into_iter()
            .map(|i| attribute::normalize(name, i, vocab, stamp))
            .collect::<NgsiResult<Vec<_>>>()?;
        out.push((vocab.expand(name), instances));
    }
    Ok(out)
}

fn history_row(
    tenant: &str,
    entity_id: &str,
    attr: &str,
    instance: &Map<String, Value>,
    stamp: &Stamp,
) -> HistoryRow {
    HistoryRow {
        tenant: tenant.to_owned(),
        entity_id: entity_id.to_owned(),
        attr: attr.to_owned(),
        dataset_id: instance
            .get("datasetId")
            .and_then(Value::as_str)
            .map(str::to_owned),
        observed_at: observed_at(instance),
        created_at: stamp.as_str().to_owned(),
        modified_at: stamp.as_str().to_owned(),
        doc: HistoryRow::doc_text(instance),
    }
}

/// What makes an instance one observation of its attribute: its datasetId and `observedAt`
/// (storage form). Instances without `observedAt` are never the same observation.
type Observation = (Option<String>, String);

fn observation(instance: &Map<String, Value>) -> Option<Observation> {
    let dataset = instance
        .get("datasetId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    observed_at(instance).map(|time| (dataset, time))
}

/// Of the body's instances of an attribute that are the same observation, keeps the last:
/// an attribute has one value per datasetId at an observation time (clause 5.6.11, as the
/// conformance suite reads it: a restated observation replaces the stored one).
fn last_of_each_observation(attributes: &mut Instances) {
    for (_, instances) in attributes.iter_mut() {
        let mut seen = HashSet::new();
        let mut keep: Vec<bool> = instances
            .iter()
            .rev()
            .map(|i| observation(i).is_none_or(|key| seen.insert(key)))
            .collect();
        keep.reverse();
        let mut keep = keep.into_iter();
        instances.retain(|_| keep.next().unwrap_or(true));
    }
}

/// `observedAt` in the storage form, so that windows compare as text.
fn observed_at(instance: &Map<String, Value>) -> Option<String> {
    instance
        .get("observedAt")
        .and_then(Value::as_str)
        .and_then(yuverse_core::time::parse_rfc3339)
        .map(yuverse_core::time::to_db)
}

/// An instanceId is a URI (clause 4.5.7): anything else is a malformed request, not an
/// instance that is merely missing.
fn check_instance_id(instance_id: &str) -> NgsiResult<()> {
    if attribute::is_uri(instance_id) {
        Ok(())
    } else {
        Err(NgsiError::bad_data(format!(
            "`{instance_id}` is not a valid instanceId (a URI)"
        )))
    }
}

/// The current entity made from the newest instance of each attribute and datasetId (and of
/// the scope), and which attribute instances (attribute, instance index) it took: the scope's
/// instances are all left to the caller to record.
fn current_entity(
    id: &str,
    types: Vec<String>,
    attributes: &Instances,
    stamp: &Stamp,
) -> (Doc, Vec<(usize, usize)>) {
    let mut doc = Map::new();
    doc.insert("id".into(), Value::String(id.to_owned()));
    doc.insert(
        "type".into(),
        Value::Array(types.into_iter().map(Value::String).collect()),
    );
    doc.insert("createdAt".into(), stamp.json());
    doc.insert("modifiedAt".into(), stamp.json());
    let mut taken = Vec::new();
    for (a, (name, instances)) in attributes.iter().enumerate() {
        let mut newest: Vec<usize> = Vec::new();
        for (i, instance) in instances.iter().enumerate() {
            let dataset = instance.get("datasetId");
            match newest
                .iter_mut()
                .find(|n| instances[**n].get("datasetId") == dataset)
            {
                // Later in the body wins a tie, as it would have had it been written later.
                Some(n) if observed_at(instance) >= observed_at(&instances[*n]) => *n = i,
                Some(_) => {}
                None => newest.push(i),
            }
        }
        if name == SCOPE {
            if let Some(value) = newest.first().and_then(|i| instances[*i].get("value")) {
                doc.insert("scope".into(), value.clone());
            }
            continue;
        }
        doc.insert(
            name.clone(),
            Value::Array(
                newest
                    .iter()
                    .map(|i| Value::Object(instances[*i].clone()))
                    .collect(),
            ),
        );
        taken.extend(newest.into_iter().map(|i| (a, i)));
    }
    (doc, taken)
}

impl Twin {
    /// The changes that record `attributes` in an existing history: an observation (an
    /// instance with `observedAt`) may restate a stored one, which the commit decides (see
    /// [`Change::RestateInstance`]); the other instances are added.
    fn recording_changes(
        tenant: &str,
        id: &str,
        attributes: &Instances,
        stamp: &Stamp,
    ) -> Vec<Change> {
        attributes
            .iter()
            .flat_map(|(name, instances)| instances.iter().map(move |i| (name, i)))
            .map(|(name, instance)| {
                let row = history_row(tenant, id, name, instance, stamp);
                if row.observed_at.is_some() {
                    Change::RestateInstance(row)
                } else {
                    Change::History(row)
                }
            })
            .collect()
    }

    async fn has_history(&self, tenant: &str, id: &str) -> NgsiResult<bool> {
        Ok(history::count(&self.inner.db, tenant, id, None, &HistoryDataset::All).await? > 0)
    }

    /// `POST /temporal/entities`: creates the temporal representation (`true`, 201) or adds
    /// the instances to the existing one (`false`, 204).
    pub async fn temporal_upsert(
        &self,
        tenant: &str,
        body: &Value,
        vocab: &dyn Vocabulary,
    ) -> NgsiResult<bool> {
        let object = body
            .as_object()
            .ok_or_else(|| NgsiError::bad_data("a temporal entity must be a JSON object"))?;
        let id = object
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| NgsiError::bad_data("the temporal entity has no `id`"))?
            .to_owned();
        check_id(&id)?;
        let types = entity::parse_types(object.get("type"), vocab)?;
        let scope = scope_instances(object.get("scope"))?;
        // The write's mark is its time: a new entity's current state is stamped with it.
        let mark = self.stamp();
        let stamp = mark.stamp().clone();
        let mut attributes = parse_instances(object, vocab, &stamp)?;
        if !scope.is_empty() {
            attributes.push((SCOPE.to_owned(), scope));
        }
        last_of_each_observation(&mut attributes);
        let had_history = self.has_history(tenant, &id).await?;
        self.write_at(tenant, mark, |tx| {
            if had_history || tx.exists(&id) {
                // An existing temporal representation, or a current entity (perhaps created a
                // moment ago by a concurrent write): its instances are recorded, restating any
                // stored observation, and the types sent are added to the entity's (clause
                // 5.6.11.4: the entity's types are the union): to the current entity's, or, for
                // an entity deleted from the current state, to those its deletion recorded.
                match (tx.copy_of(&id), object.get("type")) {
                    (Some(mut doc), Some(given)) => {
                        let known = entity::types_of(&doc).len();
                        entity::add_types(&mut doc, given, vocab)?;
                        if entity::types_of(&doc).len() > known {
                            entity::touch(&mut doc, &stamp);
                            tx.put(doc, &[]);
                        }
                    }
                    (None, _) => tx.record(Change::AddDeletedTypes {
                        tenant: tenant.to_owned(),
                        id: id.clone(),
                        types: types.clone(),
                    }),
                    (Some(_), None) => {}
                }
                for change in Self::recording_changes(tenant, &id, &attributes, &stamp) {
                    tx.record(change);
                }
            } else {
                // A new entity: its newest instances become the current state (and history
                // through `put`); the older ones are recorded after them.
                let mut older = Vec::new();
                let (doc, taken) = current_entity(&id, types, &attributes, &stamp);
                let names: Vec<String> = attributes
                    .iter()
                    .map(|(n, _)| n.clone())
                    .filter(|n| n != SCOPE)
                    .collect();
                for (a, (name, instances)) in attributes.iter().enumerate() {
                    for (i, instance) in instances.iter().enumerate() {
                        if !taken.contains(&(a, i)) {
                            let row = history_row(tenant, &id, name, instance, &stamp);
                            older.push(Change::History(row));
                        }
                    }
                }
                tx.put_without_scope_history(doc, &names);
                for change in older {
                    tx.record(change);
                }
            }
            Ok(())
        })
        .await?;
        Ok(!had_history)
    }

    /// `POST /temporal/entities/{id}/attrs`: adds instances.
    pub async fn temporal_append(
        &self,
        tenant: &str,
        id: &str,
        body: &Value,
        vocab: &dyn Vocabulary,
    ) -> NgsiResult<()> {
        check_id(id)?;
        let object = body
            .as_object()
            .ok_or_else(|| NgsiError::bad_data("the body must be a JSON object of attributes"))?;
        if object
            .get("id")
            .and_then(Value::as_str)
            .is_some_and(|given| given != id)
        {
            return Err(NgsiError::bad_data(
                "the id in the body differs from the id in the path",
            ));
        }
        let mark = self.stamp();
        let stamp = mark.stamp().clone();
        let mut attributes = parse_instances(object, vocab, &stamp)?;
        if attributes.is_empty() {
            return Err(NgsiError::bad_data("no attribute instances to add"));
        }
        last_of_each_observation(&mut attributes);
        let known_now = self.get_entity(tenant, id).is_ok();
        if !known_now && !self.has_history(tenant, id).await? {
            return Err(NgsiError::not_found(format!(
                "entity `{id}` has no temporal representation"
            )));
        }
        let changes = Self::recording_changes(tenant, id, &attributes, &stamp);
        self.write_at(tenant, mark, |tx| {
            for change in changes {
                tx.record(change);
            }
            Ok(())
        })
        .await
    }

    /// `DELETE /temporal/entities/{id}`: removes every instance (the current state stays).
    pub async fn temporal_delete(&self, tenant: &str, id: &str) -> NgsiResult<()> {
        check_id(id)?;
        self.tenant(tenant)?;
        if !self.has_history(tenant, id).await? {
            return Err(NgsiError::not_found(format!(
                "entity `{id}` has no temporal representation"
            )));
        }
        self.record_history_change(
            tenant,
            self.stamp(),
            Change::DeleteHistory {
                tenant: tenant.to_owned(),
                entity_id: id.to_owned(),
                attr: None,
                dataset: HistoryDataset::All,
            },
        )
        .await
    }

    /// `DELETE /temporal/entities/{id}/attrs/{attr}`: the instances without datasetId, of one
    /// datasetId, or all of them (`deleteAll`).
    pub async fn temporal_delete_attribute(
        &self,
        tenant: &str,
        id: &str,
        attr: &str,
        vocab: &dyn Vocabulary,
        dataset: HistoryDataset,
    ) -> NgsiResult<()> {
        check_id(id)?;
        attribute::check_attribute_name(attr)?;
        self.tenant(tenant)?;
        let name = vocab.expand(attr);
        if history::count(&self.inner.db, tenant, id, Some(&name), &dataset).await? == 0 {
            return Err(NgsiError::not_found(format!(
                "entity `{id}` has no instances of `{attr}` with that datasetId"
            )));
        }
        self.record_history_change(
            tenant,
            self.stamp(),
            Change::DeleteHistory {
                tenant: tenant.to_owned(),
                entity_id: id.to_owned(),
                attr: Some(name),
                dataset,
            },
        )
        .await
    }

    /// `PATCH /temporal/entities/{id}/attrs/{attr}/{instanceId}`: the given members replace
    /// those of the instance; its instanceId and createdAt stay.
    pub async fn temporal_modify_instance(
        &self,
        tenant: &str,
        (id, attr, instance_id): (&str, &str, &str),
        body: &Value,
        vocab: &dyn Vocabulary,
    ) -> NgsiResult<()> {
        check_id(id)?;
        attribute::check_attribute_name(attr)?;
        check_instance_id(instance_id)?;
        self.tenant(tenant)?;
        let name = vocab.expand(attr);
        let object = body
            .as_object()
            .ok_or_else(|| NgsiError::bad_data("the body must be a JSON object"))?;
        // The body is the attribute fragment `{attr: instance}` or the instance itself.
        let input = match object.get(attr).or_else(|| object.get(&name)) {
            Some(Value::Array(items)) if items.len() == 1 => &items[0],
            Some(Value::Array(_)) => {
                return Err(NgsiError::bad_data("give exactly one instance to modify"))
            }
            Some(one) => one,
            None => body,
        };
        // A fragment without its value would read as a concise value: ask for the value.
        const VALUE_MEMBERS: [&str; 7] = [
            "value",
            "object",
            "languageMap",
            "vocab",
            "valueList",
            "objectList",
            "json",
        ];
        if input
            .as_object()
            .is_some_and(|o| !VALUE_MEMBERS.iter().any(|m| o.contains_key(*m)))
        {
            return Err(NgsiError::bad_data(
                "the instance must carry its value (value, object, languageMap, vocab, valueList, objectList or json)",
            ));
        }
        let mark = self.stamp();
        let incoming = attribute::normalize(attr, input, vocab, mark.stamp())?;
        let (instance, stored) = history::instance(&self.inner.db, tenant, id, &name, instance_id)
            .await?
            .ok_or_else(|| {
                NgsiError::not_found(format!(
                    "`{attr}` of `{id}` has no instance `{instance_id}`"
                ))
            })?;
        let Ok(Value::Object(mut doc)) = serde_json::from_str::<Value>(&stored.doc) else {
            return Err(NgsiError::internal(
                "a stored instance is not a JSON object",
            ));
        };
        let typed = input.get("type").is_some();
        for (member, value) in incoming {
            if member == "createdAt" || (member == "type" && !typed) {
                continue;
            }
            doc.insert(member, value);
        }
        doc.insert("modifiedAt".into(), mark.stamp().json());
        let row = HistoryRow {
            dataset_id: doc
                .get("datasetId")
                .and_then(Value::as_str)
                .map(str::to_owned),
            observed_at: observed_at(&doc),
            modified_at: mark.stamp().as_str().to_owned(),
            doc: HistoryRow::doc_text(&doc),
            ..stored
        };
        self.record_history_change(tenant, mark, Change::UpdateInstance { instance, row })
            .await
    }

    /// `DELETE /temporal/entities/{id}/attrs/{attr}/{instanceId}`.
    pub async fn temporal_delete_instance(
        &self,
        tenant: &str,
        (id, attr, instance_id): (&str, &str, &str),
        vocab: &dyn Vocabulary,
    ) -> NgsiResult<()> {
        check_id(id)?;
        attribute::check_attribute_name(attr)?;
        check_instance_id(instance_id)?;
        self.tenant(tenant)?;
        let name = vocab.expand(attr);
        let Some((instance, _)) =
            history::instance(&self.inner.db, tenant, id, &name, instance_id).await?
        else {
            return Err(NgsiError::not_found(format!(
                "`{attr}` of `{id}` has no instance `{instance_id}`"
            )));
        };
        self.record_history_change(
            tenant,
            self.stamp(),
            Change::DeleteInstance {
                tenant: tenant.to_owned(),
                instance,
            },
        )
        .await
    }

    /// One history change under the tenant's lock, acknowledged when durable.
    async fn record_history_change(
        &self,
        tenant: &str,
        mark: Mark,
        change: Change,
    ) -> NgsiResult<()> {
        self.write_at(tenant, mark, |tx| {
            tx.record(change);
            Ok(())
        })
        .await
    }
}
