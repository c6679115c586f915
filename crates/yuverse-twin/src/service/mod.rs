//! Twin use cases: tenants, entity and attribute operations, queries, batch operations,
//! discovery and the temporal history. Every write is authorised, validated, applied to the
//! tenant's memory under its lock, handed to the group-commit writer in the same order, and
//! acknowledged only when durable (a failed commit rolls the memory change back).

pub mod batch;
pub mod entities;
mod publish;
pub mod temporal;
mod tenants;

use tenants::Tenant;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock, Weak};

use tokio::sync::{broadcast, mpsc};

use crate::registrations::Registrations;
use crate::subscriptions::{Backlog, ChangeEvent, Mark, Notice, Subscriptions};

use yuverse_core::db::Database;
use yuverse_core::{Actor, Permission};

pub use batch::{BatchError, BatchResult};
pub use entities::{AttrsOutcome, QueryPage};
pub use publish::WATCH_CAPACITY;
pub use temporal::{TemporalFormat, TemporalPage, TemporalQuery};

use crate::error::{ErrorKind, NgsiError, NgsiResult};
use crate::store::persist::Persister;
use publish::Publisher;

/// Settings of the broker.
#[derive(Debug, Clone)]
pub struct TwinConfig {
    /// `limit` when the client gives none.
    pub default_limit: usize,
    /// The largest `limit`; more is `TooManyResults`.
    pub max_limit: usize,
    /// Writes need an API key with `twin:write` or a signed-in user of an organisation
    /// (`--ngsi-ld-auth on`); `off` opens the API for a trusted network.
    pub auth_required: bool,
    /// Most instances of one attribute a temporal answer carries; beyond, the answer is cut
    /// and is 206 Partial Content with a `Content-Range` (clause 6.3.10).
    pub temporal_instance_limit: usize,
}

impl Default for TwinConfig {
    fn default() -> Self {
        Self {
            default_limit: 20,
            max_limit: 1000,
            auth_required: true,
            temporal_instance_limit: 1000,
        }
    }
}

#[derive(Clone)]
pub struct Twin {
    inner: Arc<Inner>,
}

struct Inner {
    persister: Persister,
    /// Where committed changes go: the notifier and in-process watchers (see [`Twin::watch`]).
    publisher: Arc<Publisher>,
    subscriptions: OnceLock<Subscriptions>,
    registrations: OnceLock<Registrations>,
    tenants: RwLock<HashMap<String, Arc<Tenant>>>,
    db: Database,
    config: TwinConfig,
}

impl std::fmt::Debug for Twin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Twin")
            .field("config", &self.inner.config)
            .finish()
    }
}

/// The default tenant when no `NGSILD-Tenant` header is sent.
pub const DEFAULT_TENANT: &str = "";

impl Twin {
    /// Opens the twin: loads every stored entity into memory and starts the writer.
    pub async fn open(db: Database, config: TwinConfig) -> anyhow::Result<Twin> {
        let (tenant_names, entities) = crate::store::persist::load_all(&db).await?;
        let mut tenants: HashMap<String, Arc<Tenant>> = HashMap::new();
        tenants.insert(DEFAULT_TENANT.to_owned(), Arc::default());
        for name in tenant_names {
            tenants.entry(name).or_default();
        }
        let count = entities.len();
        for (tenant, doc) in entities {
            let state = tenants.entry(tenant).or_default();
            state
                .write()
                .map_err(|_| anyhow::anyhow!("poisoned"))?
                .put(Arc::new(serde_json::Value::Object(doc)));
        }
        tracing::info!(entities = count, tenants = tenants.len(), "twin loaded");
        Ok(Twin {
            inner: Arc::new(Inner {
                persister: Persister::start(db.clone()),
                publisher: Arc::new(Publisher::new()),
                subscriptions: OnceLock::new(),
                registrations: OnceLock::new(),
                tenants: RwLock::new(tenants),
                db,
                config,
            }),
        })
    }

    /// Connects the subscriptions: committed changes are sent to `notices` from now on.
    pub fn set_subscriptions(
        &self,
        subscriptions: Subscriptions,
        notices: mpsc::UnboundedSender<Notice>,
    ) {
        let _ = self.inner.publisher.notices.set(notices);
        let _ = self.inner.subscriptions.set(subscriptions);
    }

    /// What the notifier still owes.
    pub fn backlog(&self) -> &Arc<Backlog> {
        &self.inner.publisher.backlog
    }

    /// Opens a write's mark, whose stamp is the write's time. A write takes it before it
    /// parses its input (parsing stamps the instances) and hands it to [`Twin::write_at`].
    pub(super) fn stamp(&self) -> Mark {
        self.backlog().open()
    }

    /// Connects the context source registrations, loaded once the @context sources are known.
    pub fn set_registrations(&self, registrations: Registrations) {
        let _ = self.inner.registrations.set(registrations);
    }

    pub fn registrations(&self) -> NgsiResult<&Registrations> {
        self.inner
            .registrations
            .get()
            .ok_or_else(|| NgsiError::internal("registrations are not loaded"))
    }

    pub fn subscriptions(&self) -> NgsiResult<&Subscriptions> {
        self.inner
            .subscriptions
            .get()
            .ok_or_else(|| NgsiError::internal("subscriptions are not started"))
    }

    pub(crate) fn downgrade(&self) -> WeakTwin {
        WeakTwin(Arc::downgrade(&self.inner))
    }

    /// Every committed change from now on, in commit order per tenant. A watcher that falls
    /// more than [`WATCH_CAPACITY`] changes behind gets `RecvError::Lagged` and must resync
    /// from the current state (queries), since the skipped changes are not kept for it.
    pub fn watch(&self) -> broadcast::Receiver<ChangeEvent> {
        self.inner.publisher.watchers.subscribe()
    }

    /// Every entity of every tenant whose `modifiedAt` is at or after `since` (storage form),
    /// as (tenant, entity): what the notifier catches up on at start.
    pub fn changed_since(&self, since: &str) -> NgsiResult<Vec<(String, Arc<serde_json::Value>)>> {
        let mut changed = Vec::new();
        for name in self.tenant_names()? {
            let state = self.tenant(&name)?;
            let guard = state.read().map_err(|_| poisoned())?;
            changed.extend(
                guard
                    .entities()
                    .filter(|e| {
                        crate::domain::entity::doc(e)
                            .get("modifiedAt")
                            .and_then(serde_json::Value::as_str)
                            .is_some_and(|at| at >= since)
                    })
                    .map(|e| (name.clone(), e.clone())),
            );
        }
        Ok(changed)
    }

    pub fn config(&self) -> &TwinConfig {
        &self.inner.config
    }

    /// Writes need `twin:write` (an API key) or a signed-in user of an organisation, unless
    /// authentication is off.
    pub fn authorize_write(&self, actor: Option<&Actor>) -> NgsiResult<()> {
        if !self.inner.config.auth_required {
            return Ok(());
        }
        match actor {
            None => Err(NgsiError::new(
                ErrorKind::Unauthorized,
                "writing to the twin needs an API key (twin:write) or a signed-in user",
            )),
            Some(a) if a.has(Permission::TwinWrite) => Ok(()),
            Some(a) if a.user_id().is_some() && a.organisation_id.is_some() => Ok(()),
            Some(_) => Err(NgsiError::new(
                ErrorKind::Forbidden,
                "writing to the twin needs the permission twin:write or membership of an organisation",
            )),
        }
    }

    /// Entity types present, from the type index, sorted.
    pub fn type_names(&self, tenant: &str) -> NgsiResult<Vec<String>> {
        let state = self.tenant(tenant)?;
        let guard = state.read().map_err(|_| poisoned())?;
        let mut names: Vec<String> = guard.types().map(|(t, _)| t.clone()).collect();
        names.sort();
        Ok(names)
    }

    /// Attribute names present, from the attribute index, sorted.
    pub fn attribute_names(&self, tenant: &str) -> NgsiResult<Vec<String>> {
        let state = self.tenant(tenant)?;
        let guard = state.read().map_err(|_| poisoned())?;
        let mut names: Vec<String> = guard.attributes().map(|(a, _)| a.clone()).collect();
        names.sort();
        Ok(names)
    }

    /// One entity type's entity count and attributes' types, from the discovery index; `None`
    /// when the tenant has no entity of that type.
    pub fn type_shape(
        &self,
        tenant: &str,
        t: &str,
    ) -> NgsiResult<Option<(usize, crate::store::shapes::TypeShape)>> {
        let state = self.tenant(tenant)?;
        let guard = state.read().map_err(|_| poisoned())?;
        Ok(guard.type_shape(t))
    }

    /// Every entity type with its entity count and its attributes' types, from the discovery
    /// index (no entity is visited).
    pub fn type_shapes(
        &self,
        tenant: &str,
    ) -> NgsiResult<Vec<(String, usize, crate::store::shapes::TypeShape)>> {
        let state = self.tenant(tenant)?;
        let guard = state.read().map_err(|_| poisoned())?;
        Ok(guard
            .type_shapes()
            .map(|(t, count, shape)| (t.clone(), count, shape))
            .collect())
    }
}

fn poisoned() -> NgsiError {
    NgsiError::internal("a twin lock was poisoned by an earlier panic")
}

/// A twin handle that does not keep the twin alive (for its own background tasks).
#[derive(Clone)]
pub struct WeakTwin(Weak<Inner>);

impl WeakTwin {
    pub fn upgrade(&self) -> Option<Twin> {
        self.0.upgrade().map(|inner| Twin { inner })
    }
}
