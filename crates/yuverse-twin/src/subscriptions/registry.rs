//! The subscriptions of every tenant: in memory for matching, in `twin_subscriptions` for
//! durability, with their delivery status.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use serde_json::{Map, Value};
use tokio::sync::mpsc;
use yuverse_core::db::{col, Database};

use super::delivery::{self, Delivery};
use super::index::TenantSubscriptions;
use super::model::Subscription;
use super::status::{self, Changed, Status};
use super::ChangeEvent;
use super::{backlog, catch_up};
use crate::error::{ErrorKind, NgsiError, NgsiResult};
use crate::http::documents::revive;
use crate::http::Contexts;
use crate::outbound::Outbound;
use crate::service::WeakTwin;
use crate::Twin;

pub(super) struct Entry {
    pub subscription: Arc<Subscription>,
    pub status: Arc<Mutex<Status>>,
}

#[derive(Clone)]
pub struct Subscriptions {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub db: Database,
    pub contexts: Contexts,
    /// Weak, so that the twin (which holds these subscriptions) can be dropped.
    pub twin: WeakTwin,
    /// tenant → its subscriptions
    pub by_tenant: RwLock<HashMap<String, TenantSubscriptions>>,
    pub delivery: Delivery,
    /// Subscriptions whose delivery status changed, for the status writer.
    pub status_changed: mpsc::UnboundedSender<Changed>,
}

impl std::fmt::Debug for Subscriptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Subscriptions")
    }
}

fn lock_error() -> NgsiError {
    NgsiError::internal("a subscriptions lock was poisoned")
}

impl Subscriptions {
    /// Loads the stored subscriptions and starts the notifier on the twin's change events.
    pub async fn start(
        twin: Twin,
        contexts: Contexts,
        db: Database,
        outbound: &Outbound,
    ) -> anyhow::Result<Subscriptions> {
        let (status_changed, status_receiver) = mpsc::unbounded_channel();
        let subscriptions = Subscriptions {
            inner: Arc::new(Inner {
                db: db.clone(),
                contexts,
                twin: twin.downgrade(),
                by_tenant: RwLock::new(HashMap::new()),
                delivery: Delivery::new(outbound),
                status_changed,
            }),
        };
        let rows = sqlx::query("SELECT tenant, id, doc, context, status FROM twin_subscriptions")
            .fetch_all(&db.pool)
            .await?;
        for row in rows {
            let (tenant, id, doc, context): (String, String, String, String) = (
                col(&row, "tenant")?,
                col(&row, "id")?,
                col(&row, "doc")?,
                col(&row, "context")?,
            );
            let stored_status: Option<String> = col(&row, "status")?;
            let parsed = revive(&subscriptions.inner.contexts, &doc, &context, |d, c, v| {
                Subscription::parse(id.clone(), d, c, v)
            });
            match parsed {
                Ok(s) => {
                    let status = Status::from_stored(stored_status.as_deref());
                    subscriptions.insert_memory(&tenant, s, Some(status));
                }
                Err(e) => tracing::error!(tenant, id, error = %e, "skipping a stored subscription"),
            }
        }
        let (notices, receiver) = mpsc::unbounded_channel();
        twin.set_subscriptions(subscriptions.clone(), notices.clone());
        // What may not have been notified before the last stop.
        catch_up::notify_missed(&twin, &db, twin.backlog(), &notices).await?;
        tokio::spawn(backlog::keep(db.clone(), twin.backlog().clone()));
        tokio::spawn(delivery::notify_changes(subscriptions.clone(), receiver));
        tokio::spawn(delivery::periodic(subscriptions.clone()));
        tokio::spawn(status::write_changes(
            subscriptions.clone(),
            status_receiver,
        ));
        Ok(subscriptions)
    }

    /// Puts a subscription in memory, keeping the status of the one it replaces unless a
    /// stored status is given.
    fn insert_memory(&self, tenant: &str, subscription: Subscription, stored: Option<Status>) {
        if let Ok(mut map) = self.inner.by_tenant.write() {
            let status = match stored {
                Some(s) => Arc::new(Mutex::new(s)),
                None => map
                    .get(tenant)
                    .and_then(|t| t.get(&subscription.id))
                    .map(|e| e.status.clone())
                    .unwrap_or_default(),
            };
            map.entry(tenant.to_owned()).or_default().insert(Entry {
                subscription: Arc::new(subscription),
                status,
            });
        }
    }

    async fn store(&self, tenant: &str, s: &Subscription) -> NgsiResult<()> {
        let mut tx = self.inner.db.write().await?;
        sqlx::query(
            "INSERT INTO twin_subscriptions (tenant, id, doc, context) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (tenant, id) DO UPDATE SET doc = excluded.doc, context = excluded.context",
        )
        .bind(tenant)
        .bind(&s.id)
        .bind(Value::Object(s.document.clone()).to_string())
        .bind(s.context.to_string())
        .execute(tx.conn())
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn create(&self, tenant: &str, subscription: Subscription) -> NgsiResult<String> {
        subscription.check_notification_context(&self.inner.contexts)?;
        if subscription.expired(&yuverse_core::time::now_db()) {
            return Err(NgsiError::expired_on_creation());
        }
        if self.get(tenant, &subscription.id).is_ok() {
            return Err(NgsiError::new(
                ErrorKind::AlreadyExists,
                format!("subscription `{}` already exists", subscription.id),
            ));
        }
        self.store(tenant, &subscription).await?;
        let id = subscription.id.clone();
        self.insert_memory(tenant, subscription, None);
        Ok(id)
    }

    pub async fn replace(&self, tenant: &str, subscription: Subscription) -> NgsiResult<()> {
        subscription.check_notification_context(&self.inner.contexts)?;
        self.store(tenant, &subscription).await?;
        self.insert_memory(tenant, subscription, None);
        Ok(())
    }

    pub async fn delete(&self, tenant: &str, id: &str) -> NgsiResult<()> {
        self.get(tenant, id)?;
        let mut tx = self.inner.db.write().await?;
        sqlx::query("DELETE FROM twin_subscriptions WHERE tenant = $1 AND id = $2")
            .bind(tenant)
            .bind(id)
            .execute(tx.conn())
            .await?;
        tx.commit().await?;
        if let Ok(mut map) = self.inner.by_tenant.write() {
            if let Some(t) = map.get_mut(tenant) {
                t.remove(id);
            }
        }
        Ok(())
    }

    pub fn get(&self, tenant: &str, id: &str) -> NgsiResult<(Arc<Subscription>, Status)> {
        let map = self.inner.by_tenant.read().map_err(|_| lock_error())?;
        map.get(tenant)
            .and_then(|t| t.get(id))
            .map(|e| {
                (
                    e.subscription.clone(),
                    e.status.lock().map(|s| s.clone()).unwrap_or_default(),
                )
            })
            .ok_or_else(|| NgsiError::not_found(format!("no subscription `{id}`")))
    }

    pub fn list(&self, tenant: &str) -> NgsiResult<Vec<(Arc<Subscription>, Status)>> {
        let map = self.inner.by_tenant.read().map_err(|_| lock_error())?;
        let mut out: Vec<_> = map
            .get(tenant)
            .into_iter()
            .flat_map(|t| t.values())
            .map(|e| {
                (
                    e.subscription.clone(),
                    e.status.lock().map(|s| s.clone()).unwrap_or_default(),
                )
            })
            .collect();
        out.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        Ok(out)
    }

    /// The subscription as the API shows it: the client's document, the default
    /// `notificationTrigger` when it gave none, and the status fields.
    pub fn render(subscription: &Subscription, status: &Status, now: &str) -> Value {
        let mut shown = Self::render_with_status(subscription, status, now);
        if let Value::Object(doc) = &mut shown {
            doc.entry("notificationTrigger")
                .or_insert_with(|| serde_json::json!(super::model::DEFAULT_TRIGGERS));
        }
        shown
    }

    /// The client's document plus `status` and, once a notification was attempted, the
    /// delivery members of `notification` (clause 5.2.14: they describe notifications sent,
    /// so a subscription that never notified has none). `isActive` is shown only when the
    /// client gave it, as `status` already tells whether it is paused.
    pub fn render_with_status(subscription: &Subscription, status: &Status, now: &str) -> Value {
        let mut doc: Map<String, Value> = subscription.document.clone();
        let state = if subscription.expired(now) {
            "expired"
        } else if subscription.active {
            "active"
        } else {
            "paused"
        };
        doc.insert("status".into(), Value::String(state.into()));
        if let (Some(Value::Object(n)), Some(_)) =
            (doc.get_mut("notification"), &status.last_notification)
        {
            n.insert("timesSent".into(), status.times_sent.into());
            n.insert("timesFailed".into(), status.times_failed.into());
            for (k, v) in [
                ("lastNotification", &status.last_notification),
                ("lastSuccess", &status.last_success),
                ("lastFailure", &status.last_failure),
            ] {
                if let Some(v) = v {
                    n.insert(k.into(), Value::String(v.clone()));
                }
            }
            let ok = status.last_failure.is_none() || status.last_success > status.last_failure;
            n.insert(
                "status".into(),
                Value::String(if ok { "ok" } else { "failed" }.into()),
            );
        }
        Value::Object(doc)
    }

    /// Entries of the change's tenant that may care about it (see [`TenantSubscriptions`]).
    /// Whether the tenant has any subscription.
    pub(super) fn has_any(&self, tenant: &str) -> bool {
        self.inner
            .by_tenant
            .read()
            .is_ok_and(|map| map.get(tenant).is_some_and(|t| t.values().next().is_some()))
    }

    pub(super) fn candidates(
        &self,
        event: &ChangeEvent,
    ) -> Vec<(Arc<Subscription>, Arc<Mutex<Status>>)> {
        let Some(doc) = event.after.as_ref().or(event.before.as_ref()) else {
            return Vec::new();
        };
        let doc = crate::domain::entity::doc(doc);
        // A new or deleted entity is watched by every member it has; otherwise by what the
        // change touched (as `delivery` decides).
        let whole = event.before.is_none() || event.after.is_none();
        let attributes = event
            .attributes
            .iter()
            .chain(doc.keys().filter(|_| whole))
            .map(String::as_str);
        self.inner
            .by_tenant
            .read()
            .map(|map| {
                map.get(&event.tenant)
                    .map(|t| {
                        t.candidates(crate::domain::entity::types_of(doc), attributes)
                            .into_iter()
                            .map(|e| (e.subscription.clone(), e.status.clone()))
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    }

    pub(super) fn all_entries(&self) -> Vec<(String, Arc<Subscription>, Arc<Mutex<Status>>)> {
        self.inner
            .by_tenant
            .read()
            .map(|map| {
                map.iter()
                    .flat_map(|(tenant, t)| {
                        t.values().map(move |e| {
                            (tenant.clone(), e.subscription.clone(), e.status.clone())
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub(super) fn change_kind(event: &ChangeEvent) -> Vec<&'static str> {
    match (&event.before, &event.after) {
        (None, Some(_)) => vec!["entityCreated", "attributeCreated"],
        // Deleting an entity deletes its attributes too.
        (Some(_), None) => vec!["entityDeleted", "attributeDeleted"],
        (Some(old), Some(new)) => {
            let before = crate::domain::entity::doc(old);
            let after = crate::domain::entity::doc(new);
            let mut kinds = vec!["entityUpdated"];
            for a in &event.attributes {
                match (before.contains_key(a), after.contains_key(a)) {
                    (false, true) => kinds.push("attributeCreated"),
                    // Deleting one datasetId of an attribute deletes an attribute instance.
                    (true, true) if super::deletions::deleted_an_instance(old, new, a) => {
                        kinds.push("attributeDeleted")
                    }
                    (true, true) => kinds.push("attributeUpdated"),
                    (true, false) => kinds.push("attributeDeleted"),
                    (false, false) => {}
                }
            }
            kinds
        }
        (None, None) => Vec::new(),
    }
}
