//! Context source registrations (`/csourceRegistrations`, clauses 5.9 and 5.10 of GS CIM 009):
//! which context sources can provide which entities and attributes. Registrations are kept
//! in memory per tenant for discovery and in `twin_registrations` for durability; a write is
//! acknowledged once stored.
//!
//! The broker answers discovery (`GET /csourceRegistrations` with its filters), notifies
//! context source subscriptions (`csource_subscriptions`), asks the registered sources in
//! entity queries and retrievals (`forward`), and passes writes on to the sources that take
//! them (`write_routes`, carried out by `http::distributed_writes`).

mod conflicts;
mod csource_subscriptions;
mod discovery;
pub mod forward;
pub mod http;
mod model;
pub mod subscription_http;
pub mod via;
mod write_routes;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};
use yuverse_core::time::now_db;

use serde_json::Value;
use yuverse_core::db::{col, Database};

pub use csource_subscriptions::CsourceSubscription;
pub use discovery::Discovery;
pub use model::Registration;
pub use write_routes::{WriteRoute, WriteTarget};

use crate::error::{ErrorKind, NgsiError, NgsiResult};
use crate::http::documents::revive;
use crate::http::Contexts;
use crate::outbound::Outbound;
use crate::subscriptions::delivery::Delivery;

/// A registration with its system times (storage form).
#[derive(Debug, Clone)]
pub struct Stored {
    pub registration: Arc<Registration>,
    pub created_at: String,
    pub modified_at: String,
}

#[derive(Clone)]
pub struct Registrations {
    inner: Arc<Inner>,
}

struct Inner {
    db: Database,
    contexts: Contexts,
    delivery: Delivery,
    /// For asking context sources (distributed reads, `forward`).
    sources_client: reqwest::Client,
    /// tenant → id → registration
    by_tenant: RwLock<HashMap<String, BTreeMap<String, Stored>>>,
    /// tenant → id → context source subscription
    subscriptions: RwLock<HashMap<String, BTreeMap<String, Arc<CsourceSubscription>>>>,
    /// Registration and subscription writes are rare: one at a time, so that checking whether
    /// an id exists and storing it cannot interleave with another write.
    writes: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Registrations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Registrations")
    }
}

/// Deletes a registration's or a subscription's row (`table` is one of this module's).
async fn delete_row(db: &Database, table: &str, tenant: &str, id: &str) -> NgsiResult<()> {
    let mut tx = db.write().await?;
    sqlx::query(&format!(
        "DELETE FROM {table} WHERE tenant = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .execute(tx.conn())
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Takes an entry out of a per-tenant map in memory.
fn remove<T>(
    map: &RwLock<HashMap<String, BTreeMap<String, T>>>,
    tenant: &str,
    id: &str,
) -> NgsiResult<()> {
    let mut map = map.write().map_err(|_| lock_error())?;
    if let Some(entries) = map.get_mut(tenant) {
        entries.remove(id);
    }
    Ok(())
}

fn lock_error() -> NgsiError {
    NgsiError::internal("the registrations lock was poisoned")
}

impl Registrations {
    /// Loads the stored registrations and context source subscriptions, expanding their terms
    /// with the @context each was made with. One that no longer parses (its context gone) is
    /// logged and skipped.
    pub async fn load(
        db: Database,
        contexts: &Contexts,
        outbound: &Outbound,
    ) -> anyhow::Result<Registrations> {
        let rows = sqlx::query(
            "SELECT tenant, id, doc, context, created_at, modified_at FROM twin_registrations",
        )
        .fetch_all(&db.pool)
        .await?;
        let mut by_tenant: HashMap<String, BTreeMap<String, Stored>> = HashMap::new();
        for row in rows {
            let (tenant, id, doc, context): (String, String, String, String) = (
                col(&row, "tenant")?,
                col(&row, "id")?,
                col(&row, "doc")?,
                col(&row, "context")?,
            );
            let parsed = revive(contexts, &doc, &context, |d, c, v| {
                Registration::parse(id.clone(), d, c, v)
            });
            match parsed {
                Ok(registration) => {
                    by_tenant.entry(tenant).or_default().insert(
                        id,
                        Stored {
                            registration: Arc::new(registration),
                            created_at: col(&row, "created_at")?,
                            modified_at: col(&row, "modified_at")?,
                        },
                    );
                }
                Err(e) => tracing::error!(tenant, id, error = %e, "skipping a stored registration"),
            }
        }
        let subscriptions = csource_subscriptions::load(&db, contexts).await?;
        Ok(Registrations {
            inner: Arc::new(Inner {
                db,
                contexts: contexts.clone(),
                delivery: Delivery::new(outbound),
                sources_client: outbound.client(
                    std::time::Duration::from_secs(30),
                    std::time::Duration::from_secs(3),
                ),
                by_tenant: RwLock::new(by_tenant),
                subscriptions: RwLock::new(subscriptions),
                writes: tokio::sync::Mutex::new(()),
            }),
        })
    }

    pub async fn create(&self, tenant: &str, registration: Registration) -> NgsiResult<String> {
        if registration.expired(&now_db()) {
            return Err(NgsiError::expired_on_creation());
        }
        let _turn = self.inner.writes.lock().await;
        if self.get(tenant, &registration.id).is_ok() {
            return Err(NgsiError::new(
                ErrorKind::AlreadyExists,
                format!("registration `{}` already exists", registration.id),
            ));
        }
        let now = now_db();
        let stored = Stored {
            registration: Arc::new(registration),
            created_at: now.clone(),
            modified_at: now,
        };
        self.store(tenant, &stored).await?;
        let id = stored.registration.id.clone();
        self.put_memory(tenant, stored.clone())?;
        self.notify(tenant, None, Some(&stored));
        Ok(id)
    }

    /// Replaces a registration (after a PATCH merged into it), keeping its creation time.
    pub async fn replace(&self, tenant: &str, registration: Registration) -> NgsiResult<()> {
        let _turn = self.inner.writes.lock().await;
        let current = self.get(tenant, &registration.id)?;
        let stored = Stored {
            registration: Arc::new(registration),
            created_at: current.created_at.clone(),
            modified_at: now_db(),
        };
        self.store(tenant, &stored).await?;
        self.put_memory(tenant, stored.clone())?;
        self.notify(tenant, Some(&current), Some(&stored));
        Ok(())
    }

    pub async fn delete(&self, tenant: &str, id: &str) -> NgsiResult<()> {
        let _turn = self.inner.writes.lock().await;
        let current = self.get(tenant, id)?;
        delete_row(&self.inner.db, "twin_registrations", tenant, id).await?;
        remove(&self.inner.by_tenant, tenant, id)?;
        self.notify(tenant, Some(&current), None);
        Ok(())
    }

    pub fn get(&self, tenant: &str, id: &str) -> NgsiResult<Stored> {
        let map = self.inner.by_tenant.read().map_err(|_| lock_error())?;
        map.get(tenant)
            .and_then(|t| t.get(id))
            .cloned()
            .ok_or_else(|| NgsiError::not_found(format!("no registration `{id}`")))
    }

    /// The tenant's registrations that match, by id. Expired ones are left out: their
    /// sources may no longer be there (they stay retrievable by id until deleted).
    pub fn discover(&self, tenant: &str, discovery: &Discovery) -> NgsiResult<Vec<Stored>> {
        let now = now_db();
        let map = self.inner.by_tenant.read().map_err(|_| lock_error())?;
        Ok(map
            .get(tenant)
            .into_iter()
            .flat_map(|t| t.values())
            .filter(|s| !s.registration.expired(&now) && discovery.matches(&s.registration))
            .cloned()
            .collect())
    }

    /// The registration as the API shows it: the client's document, with the system times
    /// when asked for (`options=sysAttrs`).
    pub fn render(stored: &Stored, sys_attrs: bool) -> Value {
        let mut doc = stored.registration.document.clone();
        if sys_attrs {
            doc.insert("createdAt".into(), Value::String(stored.created_at.clone()));
            doc.insert(
                "modifiedAt".into(),
                Value::String(stored.modified_at.clone()),
            );
        }
        Value::Object(doc)
    }

    async fn store(&self, tenant: &str, stored: &Stored) -> NgsiResult<()> {
        let registration = &stored.registration;
        let mut tx = self.inner.db.write().await?;
        sqlx::query(
            "INSERT INTO twin_registrations (tenant, id, doc, context, created_at, modified_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (tenant, id) DO UPDATE SET doc = excluded.doc, \
             context = excluded.context, modified_at = excluded.modified_at",
        )
        .bind(tenant)
        .bind(&registration.id)
        .bind(Value::Object(registration.document.clone()).to_string())
        .bind(registration.context.to_string())
        .bind(&stored.created_at)
        .bind(&stored.modified_at)
        .execute(tx.conn())
        .await?;
        tx.commit().await?;
        Ok(())
    }

    fn put_memory(&self, tenant: &str, stored: Stored) -> NgsiResult<()> {
        let mut map = self.inner.by_tenant.write().map_err(|_| lock_error())?;
        map.entry(tenant.to_owned())
            .or_default()
            .insert(stored.registration.id.clone(), stored);
        Ok(())
    }
}
