//! From MQTT messages to twin upserts.
//!
//! One dispatcher reads the transport's messages and does the cheap checks in memory (topic,
//! device, API key, payload → entity fragment); a refusal is counted on the device and never
//! reaches the twin. Accepted measures go to one of [`SHARDS`] workers chosen by entity, so one
//! entity's measures stay in order while different entities are written concurrently. A
//! worker drains what is queued (up to [`MAX_BATCH`]) into one batch upsert per tenant, so a
//! busy device population shares durable commits (several measures of one entity included,
//! applied in order); a measure that fails in a batch fails alone.
//! Every queue is bounded: when the twin falls behind, the broker holds the messages.

use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeMap;
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

/// Concurrent batch writers: while one batch commits, others are applied and queued, so the
/// group commit always finds several waiting.
pub const SHARDS: usize = 8;
/// Most measures in one batch upsert: large commits write many history rows per index page
/// (the bound of ingestion, see docs/performance.md), while the tenant's write lock, held while
/// a batch is applied, stays short.
pub const MAX_BATCH: usize = 2048;
const SHARD_CAPACITY: usize = 4096;

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
        let mut by_tenant: BTreeMap<String, Vec<Work>> = BTreeMap::new();
        let mut next = Some(first);
        let mut taken = 0;
        while let Some(w) = next {
            by_tenant
                .entry(w.entry.device.tenant.clone())
                .or_default()
                .push(w);
            taken += 1;
            next = if taken < MAX_BATCH {
                rx.try_recv().ok()
            } else {
                None
            };
        }
        for (tenant, items) in by_tenant {
            write(&sink, &tenant, items).await;
        }
    }
}

/// One batch upsert of a tenant's measures in arrival order. An entity may occur several
/// times: the twin applies them in order, each with its own history instance and
/// notification, and a refusal names the measure by its position.
async fn write(sink: &Sink, tenant: &str, items: Vec<Work>) {
    let (entries, entities): (Vec<Arc<Entry>>, Vec<Value>) =
        items.into_iter().map(|w| (w.entry, w.entity)).unzip();
    let body = Value::Array(entities);
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
            for e in result.errors {
                if let Some(entry) = entries.get(e.index) {
                    entry.fail(
                        format!("the twin refused the measure: {}", e.error.detail),
                        now,
                    );
                }
            }
        }
        Err(e) => {
            tracing::error!(error = %e.detail, measures = entries.len(), "twin ingestion failed");
            for entry in &entries {
                entry.fail(
                    format!("the twin could not store the measure: {}", e.detail),
                    now,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entity_always_goes_to_the_same_shard() {
        assert_eq!(shard_of("", "urn:a"), shard_of("", "urn:a"));
        assert!(shard_of("t", "urn:x") < SHARDS);
    }
}
