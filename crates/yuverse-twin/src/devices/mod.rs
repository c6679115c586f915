//! Devices and MQTT (数字孪生 · 设备接入), following the FIWARE IoT Agent JSON convention.
//!
//! A device is provisioned with the entity its measures go to, a short-name → attribute
//! mapping and a platform API key (with `mqtt:publish`) whose id is the `{apikey}` of its
//! topics. Measures arrive on `/{apikey}/{deviceId}/attrs` as a JSON object of short names
//! (optional `TimeInstant`) and are upserted into the twin with the NGSI-LD core context, as an
//! HTTP client using that context would; commands go out on `/{apikey}/{deviceId}/cmd` and
//! results come back on `/{apikey}/{deviceId}/cmdexe`. A refused message is counted on the
//! device's status and logged; it never stops or slows other devices (see [`ingest`]).
//!
//! Rooms as elsewhere: [`domain`] (no I/O), `store` (SQL), this module (the use cases, each
//! authorising first), [`http`] (routes), plus `mqtt` (the transport) and `ingest`.

pub mod domain;
pub mod http;
mod ingest;
mod mqtt;
mod registry;
mod store;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::Mutex as AsyncMutex;
use tokio::task::JoinHandle;
use yuverse_core::db::Database;
use yuverse_core::paging::{Page, Paged};
use yuverse_core::{time, Actor, Error, FieldError, Permission};
use yuverse_governance::service::audit::{append, AuditActor, AuditEvent, Outcome};
use yuverse_governance::Governance;

pub use domain::{AttributeMapping, AttributeType, Device, NewAttributeMapping, NewDevice};
pub use mqtt::{parse_url as parse_broker_url, BrokerUrl, MqttMode};

use crate::domain::Vocabulary;
use crate::http::Contexts;
use crate::service::batch::BatchOp;
use crate::Twin;
use registry::Registry;

/// How often live status counters are added to the stored ones.
const FLUSH_EVERY: Duration = Duration::from_secs(5);
/// How often the device list is re-read (devices provisioned through other nodes).
const RELOAD_EVERY: Duration = Duration::from_secs(30);

/// The ingestion status of a device, as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeviceStatus {
    /// Messages received on the device's topics, accepted or not.
    pub messages_received: i64,
    /// Messages refused: not JSON, not an object, a wrong or revoked API key, or refused by
    /// the twin.
    pub errors: i64,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    pub last_seen_at: Option<String>,
}

/// The MQTT topics of a device.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeviceTopics {
    /// Where the device publishes measures.
    pub attrs: String,
    /// Where the device receives commands.
    pub cmd: String,
    /// Where the device publishes command results.
    pub cmdexe: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeviceView {
    #[serde(flatten)]
    pub device: Device,
    pub topics: DeviceTopics,
    pub status: DeviceStatus,
}

/// A command for a device (`POST /api/v1/twin/devices/{id}/commands`).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandRequest {
    /// Letters, digits and `_`; recorded on the entity as `<command>_status`.
    pub command: String,
    /// Sent as `{"<command>": <value>}`; default `""`.
    #[serde(default)]
    pub value: Option<Value>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CommandSent {
    pub device_id: String,
    pub command: String,
    pub topic: String,
    pub sent_at: String,
}

/// The devices service: provisioning, status, commands, and the MQTT ingestion behind them.
#[derive(Clone)]
pub struct Devices {
    inner: Arc<Inner>,
}

struct Inner {
    db: Database,
    governance: Governance,
    twin: Twin,
    vocab: Arc<dyn Vocabulary>,
    registry: Arc<Registry>,
    publisher: Option<mqtt::Publisher>,
    mqtt_addr: Option<SocketAddr>,
    running: AsyncMutex<Option<Running>>,
}

struct Running {
    transport: Vec<JoinHandle<()>>,
    pipeline: ingest::Pipeline,
    housekeeping: JoinHandle<()>,
}

impl std::fmt::Debug for Devices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Devices")
            .field("mqtt_addr", &self.inner.mqtt_addr)
            .field("publisher", &self.inner.publisher)
            .finish()
    }
}

impl Devices {
    /// Loads the devices, starts the MQTT transport (embedded broker, external client or none)
    /// and the ingestion. `auth`: the embedded broker asks for an API key with `mqtt:publish`
    /// as the CONNECT password (off only with `--ngsi-ld-auth off`).
    pub async fn start(
        db: Database,
        governance: Governance,
        twin: Twin,
        contexts: &Contexts,
        mode: MqttMode,
        auth: bool,
    ) -> anyhow::Result<Devices> {
        let devices = {
            let mut conn = db.pool.acquire().await?;
            store::all(&mut conn).await?
        };
        let count = devices.len();
        let registry = Arc::new(Registry::new(governance.clone(), devices));
        let vocab: Arc<dyn Vocabulary> = Arc::new(contexts.core());
        let transport = mqtt::start(&mode, &governance, auth).await?;
        let (publisher, mqtt_addr, running) = match transport {
            Some(t) => {
                let pipeline = ingest::start(
                    t.incoming,
                    registry.clone(),
                    ingest::Sink {
                        twin: twin.clone(),
                        vocab: vocab.clone(),
                    },
                );
                let housekeeping = tokio::spawn(housekeeping(db.clone(), registry.clone()));
                (
                    Some(t.publisher),
                    t.local_addr,
                    Some(Running {
                        transport: t.tasks,
                        pipeline,
                        housekeeping,
                    }),
                )
            }
            None => (None, None, None),
        };
        tracing::info!(devices = count, mqtt = ?mode, "twin devices loaded");
        Ok(Devices {
            inner: Arc::new(Inner {
                db,
                governance,
                twin,
                vocab,
                registry,
                publisher,
                mqtt_addr,
                running: AsyncMutex::new(running),
            }),
        })
    }

    /// The embedded broker's address (its real port when `:0` was asked), if it runs.
    pub fn mqtt_addr(&self) -> Option<SocketAddr> {
        self.inner.mqtt_addr
    }

    /// Stops taking messages, lets queued measures reach the twin, and stores the status
    /// counters. Call before the database closes.
    pub async fn stop(&self) {
        let Some(running) = self.inner.running.lock().await.take() else {
            return;
        };
        for task in &running.transport {
            task.abort();
        }
        running.housekeeping.abort();
        // With the transport gone the dispatcher ends, then each worker drains its queue.
        let drained = async {
            let _ = running.pipeline.dispatcher.await;
            for worker in running.pipeline.workers {
                let _ = worker.await;
            }
        };
        if tokio::time::timeout(Duration::from_secs(10), drained)
            .await
            .is_err()
        {
            tracing::warn!("device ingestion did not drain within 10 s");
        }
        flush(&self.inner.db, &self.inner.registry).await;
        tracing::info!("device ingestion stopped");
    }

    /// How many devices are provisioned (as the ingestion knows them).
    pub fn provisioned_count(&self) -> usize {
        self.inner.registry.entries().len()
    }

    /// How many provisioned devices sent a message at or after `since` ("devices online"):
    /// the stored status plus what this node has not flushed yet.
    pub async fn online_count(&self, since: chrono::DateTime<chrono::Utc>) -> Result<usize, Error> {
        let since = time::to_db(since);
        let stored = {
            let mut conn = self.inner.db.pool.acquire().await?;
            store::seen_since(&mut conn, &since).await?
        };
        let entries = self.inner.registry.entries();
        let online = entries
            .iter()
            .filter(|e| {
                let id = &e.device.device_id;
                stored.contains(id)
                    || e.status
                        .pending(id)
                        .last_seen_at
                        .is_some_and(|seen| seen >= since)
            })
            .count();
        Ok(online)
    }

    /// Publishes a message through the platform's MQTT connection (commands, and other
    /// platform messages such as notifications). The caller authorises.
    pub async fn publish(&self, topic: String, payload: Vec<u8>) -> Result<(), Error> {
        let publisher = self.inner.publisher.as_ref().ok_or_else(|| {
            Error::Unavailable("MQTT is off (--mqtt-listen off and no --mqtt-url)".into())
        })?;
        publisher
            .publish(topic, payload)
            .await
            .map_err(Error::Unavailable)
    }

    /// `None`: every organisation; `Some(org)`: only the actor's own.
    fn scope(actor: &Actor) -> Result<Option<String>, Error> {
        if actor.has(Permission::DevicesManageAll) {
            return Ok(None);
        }
        actor.require(Permission::DevicesManageOwn)?;
        actor
            .organisation_id
            .clone()
            .map(Some)
            .ok_or_else(|| Error::Forbidden("you belong to no organisation".into()))
    }

    /// [`Self::scope`] for a write: a refusal is audited as `denied`.
    async fn write_scope(
        &self,
        actor: &Actor,
        action: &str,
        target: &str,
    ) -> Result<Option<String>, Error> {
        match Self::scope(actor) {
            Ok(scope) => Ok(scope),
            Err(refused) => Err(self.denied(actor, action, target, refused).await),
        }
    }

    async fn denied(&self, actor: &Actor, action: &str, target: &str, refused: Error) -> Error {
        let audited = async {
            let mut tx = self.inner.db.write().await?;
            append(
                tx.conn(),
                &AuditActor::from(actor),
                AuditEvent::new(action, Some(target)).outcome(Outcome::Denied),
            )
            .await?;
            tx.commit().await
        };
        match audited.await {
            Ok(()) => refused,
            Err(e) => Error::from(e),
        }
    }

    pub async fn create(&self, actor: &Actor, new: NewDevice) -> Result<DeviceView, Error> {
        let target = format!("device:{}", new.device_id);
        let scope = self.write_scope(actor, "device.create", &target).await?;
        if let (Some(own), Some(asked)) = (&scope, &new.organisation_id) {
            if own != asked {
                let refused = Error::Forbidden(
                    "you may provision devices of your own organisation only".into(),
                );
                return Err(self.denied(actor, "device.create", &target, refused).await);
            }
        }
        let valid = new.validate();
        let mut errors = valid.as_ref().err().cloned().unwrap_or_default();
        let organisation_id = self.check_key(&new, scope.as_deref(), &mut errors).await?;
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        let (Ok(valid), Some(organisation_id)) = (valid, organisation_id) else {
            return Err(Error::validation("api_key_id", "no such API key"));
        };
        let device = Device {
            device_id: valid.device_id,
            organisation_id,
            api_key_id: new.api_key_id.clone(),
            tenant: valid.tenant,
            entity_name: valid.entity_name,
            entity_type: valid.entity_type,
            attributes: valid.attributes,
            explicit_attrs: valid.explicit_attrs,
            created_at: time::now_db(),
            created_by: actor.audit_name(),
        };
        {
            let mut conn = self.inner.db.pool.acquire().await?;
            if store::exists(&mut conn, &device.device_id).await? {
                return Err(conflict(&device.device_id));
            }
        }
        let mut tx = self.inner.db.write().await?;
        if let Err(e) = store::insert(tx.conn(), &device).await {
            let unique = e
                .as_database_error()
                .is_some_and(|d| d.is_unique_violation());
            return Err(if unique {
                conflict(&device.device_id)
            } else {
                e.into()
            });
        }
        append(
            tx.conn(),
            &AuditActor::from(actor),
            AuditEvent::new("device.create", Some(&target)).detail(format!(
                "entity {} ({}) for organisation:{} with api_key:{}",
                device.entity_name, device.entity_type, device.organisation_id, device.api_key_id
            )),
        )
        .await?;
        tx.commit().await?;
        self.inner.registry.insert(device.clone());
        Ok(view(device, store::StoredStatus::default(), None))
    }

    /// Checks the API key of a new device; the device's organisation is the key's.
    async fn check_key(
        &self,
        new: &NewDevice,
        scope: Option<&str>,
        errors: &mut Vec<FieldError>,
    ) -> Result<Option<String>, Error> {
        let key = match self
            .inner
            .governance
            .get_api_key(&Actor::system(), &new.api_key_id)
            .await
        {
            Ok(key) => key,
            Err(Error::NotFound(_)) => {
                errors.push(FieldError::new("api_key_id", "no such API key"));
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        if scope.is_some_and(|own| own != key.organisation_id) {
            // Keys of other organisations are invisible rather than forbidden.
            errors.push(FieldError::new(
                "api_key_id",
                "no such API key in your organisation",
            ));
            return Ok(None);
        }
        if new
            .organisation_id
            .as_deref()
            .is_some_and(|o| o != key.organisation_id)
        {
            errors.push(FieldError::new(
                "organisation_id",
                "must be the organisation of the API key",
            ));
        }
        if key.revoked_at.is_some() {
            errors.push(FieldError::new("api_key_id", "the API key is revoked"));
        } else if !key
            .permissions
            .iter()
            .any(|p| p == Permission::MqttPublish.as_str())
        {
            errors.push(FieldError::new(
                "api_key_id",
                "the API key lacks the permission mqtt:publish",
            ));
        }
        Ok(Some(key.organisation_id))
    }

    pub async fn list(&self, actor: &Actor, page: Page) -> Result<Paged<DeviceView>, Error> {
        let scope = Self::scope(actor)?;
        let (rows, total) = {
            let mut conn = self.inner.db.pool.acquire().await?;
            store::list(&mut conn, scope.as_deref(), page).await?
        };
        let items = rows
            .into_iter()
            .map(|(device, status)| {
                let live = self.inner.registry.get(&device.device_id);
                view(device, status, live.as_deref())
            })
            .collect();
        Ok(Paged::new(items, total, page))
    }

    /// A device the actor may see, or 404 (devices of other organisations are invisible).
    async fn visible(
        &self,
        scope: Option<&str>,
        device_id: &str,
    ) -> Result<(Device, store::StoredStatus), Error> {
        let found = {
            let mut conn = self.inner.db.pool.acquire().await?;
            store::get(&mut conn, device_id).await?
        };
        found
            .filter(|(d, _)| scope.is_none_or(|own| own == d.organisation_id))
            .ok_or_else(|| Error::NotFound(format!("no device `{device_id}`")))
    }

    pub async fn get(&self, actor: &Actor, device_id: &str) -> Result<DeviceView, Error> {
        let scope = Self::scope(actor)?;
        let (device, status) = self.visible(scope.as_deref(), device_id).await?;
        let live = self.inner.registry.get(device_id);
        Ok(view(device, status, live.as_deref()))
    }

    /// Deletes the device; its entity and the entity's history stay in the twin.
    pub async fn delete(&self, actor: &Actor, device_id: &str) -> Result<(), Error> {
        let target = format!("device:{device_id}");
        let scope = self.write_scope(actor, "device.delete", &target).await?;
        self.visible(scope.as_deref(), device_id).await?;
        let mut tx = self.inner.db.write().await?;
        let deleted = store::delete(tx.conn(), device_id).await?;
        if deleted {
            append(
                tx.conn(),
                &AuditActor::from(actor),
                AuditEvent::new("device.delete", Some(&target)),
            )
            .await?;
        }
        tx.commit().await?;
        self.inner.registry.remove(device_id);
        Ok(())
    }

    /// Publishes a command on `/{apikey}/{deviceId}/cmd` and records `<command>_status` =
    /// `PENDING` on the entity (the device answers on `/cmdexe`).
    pub async fn command(
        &self,
        actor: &Actor,
        device_id: &str,
        request: CommandRequest,
    ) -> Result<CommandSent, Error> {
        let target = format!("device:{device_id}");
        let scope = self.write_scope(actor, "device.command", &target).await?;
        if !domain::check_command_name(&request.command) {
            return Err(Error::validation(
                "command",
                "must be 1-64 letters, digits or '_'",
            ));
        }
        let (device, _) = self.visible(scope.as_deref(), device_id).await?;
        let value = request
            .value
            .unwrap_or_else(|| Value::String(String::new()));
        let topic = device.cmd_topic();
        self.publish(
            topic.clone(),
            domain::command_payload(&request.command, &value),
        )
        .await?;
        let sent = time::now();
        let pending = domain::command_pending(&device, &request.command, sent);
        if let Err(e) = self
            .inner
            .twin
            .batch(
                &device.tenant,
                BatchOp::Upsert { replace: false },
                &Value::Array(vec![pending]),
                self.inner.vocab.as_ref(),
            )
            .await
        {
            tracing::warn!(device = %device_id, error = %e.detail, "cannot record a command as pending");
        }
        let mut tx = self.inner.db.write().await?;
        append(
            tx.conn(),
            &AuditActor::from(actor),
            AuditEvent::new("device.command", Some(&target)).detail(request.command.clone()),
        )
        .await?;
        tx.commit().await?;
        Ok(CommandSent {
            device_id: device.device_id,
            command: request.command,
            topic,
            sent_at: time::to_db(sent),
        })
    }
}

fn conflict(device_id: &str) -> Error {
    Error::Conflict(format!("a device `{device_id}` already exists"))
}

/// The stored status plus what this node has not flushed yet.
fn view(device: Device, stored: store::StoredStatus, live: Option<&registry::Entry>) -> DeviceView {
    let mut status = DeviceStatus {
        messages_received: stored.messages_received,
        errors: stored.errors,
        last_error: stored.last_error,
        last_error_at: stored.last_error_at,
        last_seen_at: stored.last_seen_at,
    };
    if let Some(entry) = live.filter(|e| e.device.device_id == device.device_id) {
        let pending = entry.status.pending(&device.device_id);
        status.messages_received += pending.messages_received;
        status.errors += pending.errors;
        if let Some((error, at)) = pending.last_error {
            if status.last_error_at.as_ref().is_none_or(|s| *s <= at) {
                status.last_error = Some(error);
                status.last_error_at = Some(at);
            }
        }
        if pending.last_seen_at > status.last_seen_at {
            status.last_seen_at = pending.last_seen_at;
        }
    }
    let topics = DeviceTopics {
        attrs: device.attrs_topic(),
        cmd: device.cmd_topic(),
        cmdexe: domain::topic(
            &device.api_key_id,
            &device.device_id,
            domain::TopicKind::CmdExe,
        ),
    };
    DeviceView {
        device,
        topics,
        status,
    }
}

/// Adds every device's live counters to the stored ones, in one transaction.
async fn flush(db: &Database, registry: &Registry) {
    let deltas: Vec<(Arc<registry::Entry>, store::StatusDelta)> = registry
        .entries()
        .into_iter()
        .filter_map(|e| {
            let delta = e.status.take(&e.device.device_id)?;
            Some((e, delta))
        })
        .collect();
    if deltas.is_empty() {
        return;
    }
    let written = async {
        let mut tx = db.write().await?;
        for (_, delta) in &deltas {
            store::add_status(tx.conn(), delta).await?;
        }
        tx.commit().await
    };
    if let Err(e) = written.await {
        tracing::warn!(error = %e, "cannot store device status; keeping it for the next try");
        for (entry, delta) in deltas {
            entry.status.restore(delta);
        }
    }
}

async fn housekeeping(db: Database, registry: Arc<Registry>) {
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    let mut last_reload = tokio::time::Instant::now();
    loop {
        tick.tick().await;
        flush(&db, &registry).await;
        if last_reload.elapsed() >= RELOAD_EVERY {
            last_reload = tokio::time::Instant::now();
            let epoch = registry.epoch();
            let devices = async {
                let mut conn = db.pool.acquire().await?;
                store::all(&mut conn).await
            };
            match devices.await {
                Ok(devices) => registry.replace_all_since(epoch, devices),
                Err(e) => tracing::warn!(error = %e, "cannot reload the device list"),
            }
        }
    }
}
