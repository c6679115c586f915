//! From MQTT messages to twin upserts.
//!
//! One dispatcher reads the transport's messages and does the cheap checks in memory (topic,
//! device, API key, payload → entity fragment); a refusal is counted on the device and never
//! reaches the twin. Accepted measures go to one of [`SHARDS`] workers chosen by entity, so one
//! entity's measures stay in order while different entities are written concurrently. A
//! worker drains what is queued (up to [`MAX_BATCH`]) into one batch upsert per tenant, so a
//! busy device population shares durable commits; an entity that fails in a batch fails alone.
//! Every queue is bounded: when the twin falls behind, the broker holds the messages.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::domain::{self, parse_topic, TopicKind};
use super::mqtt::Incoming;
use super::registry::{Entry, Registry};
use crate::domain::Vocabulary;
use crate::service::batch::BatchOp;
use crate::Twin;

/// Concurrent batch writers.
pub const SHARDS: usize = 4;
/// Most measures in one batch upsert.
pub const MAX_BATCH: usize = 512;
const SHARD_CAPACITY: usize = 2048;

/// One accepted measure on its way to the twin.
pub struct Work {
    pub entry: Arc<Entry>,
    pub entity: Value,
}

impl Work {
    fn entity_id(&self) -> &str {
        self.entity.get("id").and_then(Value::as_str).unwrap_or("")
    }
}

#[derive(Clone)]
pub struct Sink {
    pub twin: Twin,
    pub vocab: Arc<dyn Vocabulary>,
}

pub struct Pipeline {
    pub dispatcher: JoinHandle<()>,
    pub workers: Vec<JoinHandle<()>>,
}

pub fn start(incoming: mpsc::Receiver<Incoming>, registry: Arc<Registry>, sink: Sink) -> Pipeline {
    let mut senders = Vec::with_capacity(SHARDS);
    let mut workers = Vec::with_capacity(SHARDS);
    for _ in 0..SHARDS {
        let (tx, rx) = mpsc::channel(SHARD_CAPACITY);
        senders.push(tx);
        workers.push(tokio::spawn(worker(rx, sink.clone())));
    }
    let dispatcher = tokio::spawn(dispatch(incoming, registry, senders));
    Pipeline {
        dispatcher,
        workers,
    }
}

fn shard_of(tenant: &str, entity_id: &str) -> usize {
    let mut h = DefaultHasher::new();
    (tenant, entity_id).hash(&mut h);
    (h.finish() % SHARDS as u64) as usize
}

async fn dispatch(
    mut incoming: mpsc::Receiver<Incoming>,
    registry: Arc<Registry>,
    shards: Vec<mpsc::Sender<Work>>,
) {
    while let Some(message) = incoming.recv().await {
        let Some(work) = accept(&registry, &message).await else {
            continue;
        };
        let shard = shard_of(&work.entry.device.tenant, work.entity_id());
        if shards[shard].send(work).await.is_err() {
            break;
        }
    }
}

/// The checks before the twin: a refusal is counted on the device (when there is one).
async fn accept(registry: &Registry, message: &Incoming) -> Option<Work> {
    let topic = std::str::from_utf8(&message.topic).ok()?;
    let (key, device_id, kind) = parse_topic(topic)?;
    let Some(entry) = registry.get(device_id) else {
        registry.unknown_device(device_id);
        return None;
    };
    let now = yuverse_core::time::now();
    entry.status.received(now);
    if key != entry.device.api_key_id {
        entry.fail("the topic's API key is not this device's".into(), now);
        return None;
    }
    if let Err(reason) = registry.key_is_live(&entry.device.api_key_id).await {
        entry.fail(reason, now);
        return None;
    }
    let mapped = match kind {
        TopicKind::Attrs => domain::measure(&entry.device, &message.payload, now),
        TopicKind::CmdExe => domain::command_result(&entry.device, &message.payload, now),
        TopicKind::Cmd => return None,
    };
    match mapped {
        Ok(entity) => Some(Work { entry, entity }),
        Err(e) => {
            entry.fail(e.0, now);
            None
        }
    }
}

async fn worker(mut rx: mpsc::Receiver<Work>, sink: Sink) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(w) => batch.push(w),
                Err(_) => break,
            }
        }
        for round in rounds(batch) {
            let mut by_tenant: BTreeMap<String, Vec<Work>> = BTreeMap::new();
            for w in round {
                by_tenant
                    .entry(w.entry.device.tenant.clone())
                    .or_default()
                    .push(w);
            }
            for (tenant, items) in by_tenant {
                write(&sink, &tenant, items).await;
            }
        }
    }
}

/// Splits a batch so that each entity appears at most once per round, keeping each entity's
/// measures in arrival order across rounds (and every error traceable to one measure).
/// A round: the (tenant, entity) keys in it and its measures.
type Round = (HashSet<(String, String)>, Vec<Work>);

fn rounds(batch: Vec<Work>) -> Vec<Vec<Work>> {
    let mut rounds: Vec<Round> = Vec::new();
    for w in batch {
        let key = (w.entry.device.tenant.clone(), w.entity_id().to_owned());
        match rounds.iter_mut().find(|(keys, _)| !keys.contains(&key)) {
            Some((keys, items)) => {
                keys.insert(key);
                items.push(w);
            }
            None => rounds.push(([key].into(), vec![w])),
        }
    }
    rounds.into_iter().map(|(_, items)| items).collect()
}

async fn write(sink: &Sink, tenant: &str, items: Vec<Work>) {
    let body = Value::Array(items.iter().map(|w| w.entity.clone()).collect());
    let now = yuverse_core::time::now();
    match sink
        .twin
        .batch(
            tenant,
            BatchOp::Upsert { replace: false },
            &body,
            sink.vocab.as_ref(),
        )
        .await
    {
        Ok(result) => {
            if result.errors.is_empty() {
                return;
            }
            let by_id: HashMap<&str, &Work> = items.iter().map(|w| (w.entity_id(), w)).collect();
            for e in result.errors {
                if let Some(w) = by_id.get(e.entity_id.as_str()) {
                    w.entry.fail(
                        format!("the twin refused the measure: {}", e.error.detail),
                        now,
                    );
                }
            }
        }
        Err(e) => {
            tracing::error!(error = %e.detail, measures = items.len(), "twin ingestion failed");
            for w in &items {
                w.entry.fail(
                    format!("the twin could not store the measure: {}", e.detail),
                    now,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::devices::domain::Device;
    use crate::devices::registry::LiveStatus;

    fn work(tenant: &str, entity: &str, n: i64) -> Work {
        let device = Device {
            device_id: format!("d-{entity}"),
            organisation_id: "o".into(),
            api_key_id: "k".into(),
            tenant: tenant.into(),
            entity_name: entity.into(),
            entity_type: "T".into(),
            attributes: Vec::new(),
            explicit_attrs: false,
            created_at: String::new(),
            created_by: String::new(),
        };
        Work {
            entry: Arc::new(Entry {
                device,
                status: LiveStatus::default(),
            }),
            entity: json!({"id": entity, "n": n}),
        }
    }

    #[test]
    fn rounds_hold_each_entity_once_and_keep_its_order() {
        let batch = vec![
            work("", "urn:a", 1),
            work("", "urn:b", 2),
            work("", "urn:a", 3),
            work("t2", "urn:a", 4),
            work("", "urn:a", 5),
            work("", "urn:c", 6),
        ];
        let rounds: Vec<Vec<i64>> = rounds(batch)
            .into_iter()
            .map(|r| r.iter().map(|w| w.entity["n"].as_i64().unwrap()).collect())
            .collect();
        assert_eq!(rounds, [vec![1, 2, 4, 6], vec![3], vec![5]]);
    }

    #[test]
    fn an_entity_always_goes_to_the_same_shard() {
        assert_eq!(shard_of("", "urn:a"), shard_of("", "urn:a"));
        assert!(shard_of("t", "urn:x") < SHARDS);
    }
}
