//! Context source subscriptions (`/csourceSubscriptions`, clause 5.11): a receiver is told of
//! the registrations that match when it subscribes and when one appears (`newlyMatching`),
//! changes while it matches (`updated`) or stops matching or is deleted (`noLongerMatching`),
//! in a `ContextSourceNotification` showing only the `information` items it selects.
//!
//! A subscription is the Subscription data type of entity subscriptions, read with the
//! discovery rules: its `entities`, `watchedAttributes` (names the registration must be able
//! to provide), `q`, `geoQ` (on the registration's `location`) and `csf` select registrations.
//! Delivery (endpoints, `receiverInfo`, retries, `throttling`, `isActive`, `expiresAt`, status
//! fields) is that of entity subscriptions; the status is stored after every notification.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use yuverse_core::time::now_db;

use serde_json::{json, Map, Value};
use yuverse_core::db::{col, Database};

use super::discovery::{parse_csf, Discovery};
use super::model::Registration;
use super::{delete_row, lock_error, remove, Registrations, Stored};
use crate::domain::Vocabulary;
use crate::error::{ErrorKind, NgsiError, NgsiResult};
use crate::http::documents::revive;
use crate::http::Contexts;
use crate::subscriptions::delivery::{deliver, may_send, Delivery};
use crate::subscriptions::status::Status;
use crate::subscriptions::Subscription;

pub struct CsourceSubscription {
    pub subscription: Arc<Subscription>,
    filters: Vec<Discovery>,
    pub status: Arc<Mutex<Status>>,
}

/// Why a registration is notified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    NewlyMatching,
    Updated,
    NoLongerMatching,
}

impl Trigger {
    fn reason(self) -> &'static str {
        match self {
            Trigger::NewlyMatching => "newlyMatching",
            Trigger::Updated => "updated",
            Trigger::NoLongerMatching => "noLongerMatching",
        }
    }
}

impl CsourceSubscription {
    /// Validates and compiles a context source subscription; `status` is kept from the one it
    /// replaces (or read from storage).
    pub fn parse(
        id: String,
        document: Map<String, Value>,
        context: Value,
        vocab: &dyn Vocabulary,
        status: Status,
    ) -> NgsiResult<CsourceSubscription> {
        if document.contains_key("timeInterval") {
            return Err(NgsiError::new(
                ErrorKind::OperationNotSupported,
                "periodic context source subscriptions (timeInterval) are not supported",
            ));
        }
        let csf = match document.get("csf") {
            None => None,
            Some(Value::String(text)) => Some(parse_csf(text, vocab)?),
            Some(_) => return Err(NgsiError::bad_data("csf must be a string")),
        };
        let subscription = Subscription::parse(id, document, context, vocab)?;
        if subscription.accept == "application/geo+json" {
            return Err(NgsiError::bad_data(
                "registrations are not GeoJSON features: notification.endpoint.accept must be application/json or application/ld+json",
            ));
        }
        let filters = Discovery::for_subscription(&subscription, csf.as_ref());
        Ok(CsourceSubscription {
            subscription: Arc::new(subscription),
            filters,
            status: Arc::new(Mutex::new(status)),
        })
    }

    pub fn matches(&self, registration: &Registration) -> bool {
        self.filters.iter().any(|f| f.matches(registration))
    }

    /// What a change of a registration from `before` to `after` (`None`: absent) means to this
    /// subscription, if anything.
    pub fn trigger(
        &self,
        before: Option<&Registration>,
        after: Option<&Registration>,
    ) -> Option<Trigger> {
        let was = before.is_some_and(|r| self.matches(r));
        let is = after.is_some_and(|r| self.matches(r));
        match (was, is) {
            (false, true) => Some(Trigger::NewlyMatching),
            (true, true) => Some(Trigger::Updated),
            (true, false) => Some(Trigger::NoLongerMatching),
            (false, false) => None,
        }
    }

    /// The registration as its notifications show it: with only the `information` items that
    /// the subscription selects (clause 5.11.7).
    fn shown(&self, stored: &Stored) -> Value {
        let mut shown = Registrations::render(stored, false);
        let information = &stored.registration.information;
        if let Some(Value::Array(items)) = shown.get_mut("information") {
            let mut index = 0;
            items.retain(|_| {
                let keep = information
                    .get(index)
                    .is_none_or(|info| self.filters.iter().any(|f| f.covers_information(info)));
                index += 1;
                keep
            });
        }
        shown
    }

    /// Whether it may notify now: active, not expired, and outside its throttling window
    /// (which this takes).
    pub fn may_notify(&self, now: &str) -> bool {
        self.subscription.active
            && !self.subscription.expired(now)
            && may_send(&self.subscription, &self.status)
    }

    /// Delivers one notification of `data` (rendered registrations), with retries, and
    /// records the outcome in the status.
    pub async fn notify(
        &self,
        delivery: &Delivery,
        trigger: Trigger,
        data: Vec<Value>,
        context_url: &str,
    ) {
        let subscription = &self.subscription;
        let notified_at = now_db();
        let mut body = json!({
            "id": format!("urn:ngsi-ld:Notification:{}", uuid::Uuid::now_v7()),
            "type": "ContextSourceNotification",
            "subscriptionId": subscription.id,
            "notifiedAt": notified_at,
            "data": data,
            "triggerReason": trigger.reason(),
        });
        if subscription.accept == "application/ld+json" {
            body["@context"] = subscription.notification_context().clone();
        }
        let delivered = deliver(delivery, subscription, &body, context_url).await;
        Status::record(&self.status, notified_at, delivered, now_db());
    }
}

type ByTenant = HashMap<String, BTreeMap<String, Arc<CsourceSubscription>>>;

/// The stored subscriptions with their status.
pub(super) async fn load(db: &Database, contexts: &Contexts) -> anyhow::Result<ByTenant> {
    let rows =
        sqlx::query("SELECT tenant, id, doc, context, status FROM twin_csource_subscriptions")
            .fetch_all(&db.pool)
            .await?;
    let mut out = ByTenant::new();
    for row in rows {
        let (tenant, id, doc, context): (String, String, String, String) = (
            col(&row, "tenant")?,
            col(&row, "id")?,
            col(&row, "doc")?,
            col(&row, "context")?,
        );
        let status: Option<String> = col(&row, "status")?;
        let status = Status::from_stored(status.as_deref());
        let parsed = revive(contexts, &doc, &context, |d, c, v| {
            CsourceSubscription::parse(id.clone(), d, c, v, status)
        });
        match parsed {
            Ok(s) => {
                out.entry(tenant).or_default().insert(id, Arc::new(s));
            }
            Err(e) => {
                tracing::error!(tenant, id, error = %e, "skipping a stored context source subscription")
            }
        }
    }
    Ok(out)
}

impl Registrations {
    pub async fn subscribe(
        &self,
        tenant: &str,
        subscription: CsourceSubscription,
    ) -> NgsiResult<String> {
        subscription
            .subscription
            .check_notification_context(&self.inner.contexts)?;
        if subscription.subscription.expired(&now_db()) {
            return Err(NgsiError::expired_on_creation());
        }
        let _turn = self.inner.writes.lock().await;
        let id = subscription.subscription.id.clone();
        if self.subscription(tenant, &id).is_ok() {
            return Err(NgsiError::new(
                ErrorKind::AlreadyExists,
                format!("subscription `{id}` already exists"),
            ));
        }
        self.store_subscription(tenant, &subscription).await?;
        let subscription = self.put_subscription(tenant, subscription)?;
        self.notify_initially(tenant, subscription);
        Ok(id)
    }

    /// Replaces a subscription after a PATCH merged into it; its status goes on.
    pub async fn replace_subscription(
        &self,
        tenant: &str,
        subscription: CsourceSubscription,
    ) -> NgsiResult<()> {
        subscription
            .subscription
            .check_notification_context(&self.inner.contexts)?;
        let _turn = self.inner.writes.lock().await;
        self.subscription(tenant, &subscription.subscription.id)?;
        self.store_subscription(tenant, &subscription).await?;
        let subscription = self.put_subscription(tenant, subscription)?;
        // An updated subscription is told again of what matches it now (the conformance
        // suite's 047_16), as a new one is.
        self.notify_initially(tenant, subscription);
        Ok(())
    }

    pub async fn unsubscribe(&self, tenant: &str, id: &str) -> NgsiResult<()> {
        let _turn = self.inner.writes.lock().await;
        self.subscription(tenant, id)?;
        delete_row(&self.inner.db, "twin_csource_subscriptions", tenant, id).await?;
        remove(&self.inner.subscriptions, tenant, id)
    }

    pub fn subscription(&self, tenant: &str, id: &str) -> NgsiResult<Arc<CsourceSubscription>> {
        let map = self.inner.subscriptions.read().map_err(|_| lock_error())?;
        map.get(tenant)
            .and_then(|t| t.get(id))
            .cloned()
            .ok_or_else(|| NgsiError::not_found(format!("no context source subscription `{id}`")))
    }

    /// The tenant's subscriptions, by id.
    pub fn subscriptions(&self, tenant: &str) -> NgsiResult<Vec<Arc<CsourceSubscription>>> {
        let map = self.inner.subscriptions.read().map_err(|_| lock_error())?;
        Ok(map
            .get(tenant)
            .into_iter()
            .flat_map(|t| t.values().cloned())
            .collect())
    }

    /// Tells the tenant's subscriptions that a registration changed from `before` to `after`
    /// (`None`: absent). Each notification is a task of its own, off the request.
    pub(super) fn notify(&self, tenant: &str, before: Option<&Stored>, after: Option<&Stored>) {
        let Ok(subscriptions) = self.subscriptions(tenant) else {
            return;
        };
        let now = now_db();
        for subscription in subscriptions {
            let Some(trigger) = subscription.trigger(
                before.map(|s| s.registration.as_ref()),
                after.map(|s| s.registration.as_ref()),
            ) else {
                continue;
            };
            if !subscription.may_notify(&now) {
                continue;
            }
            // A registration that no longer matches is shown as it was when it last did.
            let shown = match trigger {
                Trigger::NoLongerMatching => before,
                _ => after,
            };
            let Some(data) = shown.map(|s| subscription.shown(s)) else {
                continue;
            };
            self.send(tenant, subscription, trigger, vec![data]);
        }
    }

    /// Sends a notification from a task of its own, off the request, and stores the status.
    fn send(
        &self,
        tenant: &str,
        subscription: Arc<CsourceSubscription>,
        trigger: Trigger,
        data: Vec<Value>,
    ) {
        let registrations = self.clone();
        let tenant = tenant.to_owned();
        tokio::spawn(async move {
            let inner = &registrations.inner;
            let context_url = inner
                .contexts
                .resolve_value(subscription.subscription.notification_context())
                .map(|c| c.url)
                .unwrap_or_else(|_| inner.contexts.core().url);
            subscription
                .notify(&inner.delivery, trigger, data, &context_url)
                .await;
            registrations.store_status(&tenant, &subscription).await;
        });
    }

    /// On subscribing or updating a subscription: the registrations that match, as
    /// `newlyMatching` (clause 5.11.7: a receiver learns of them initially, not only of later
    /// changes).
    fn notify_initially(&self, tenant: &str, subscription: Arc<CsourceSubscription>) {
        let now = now_db();
        let Ok(map) = self.inner.by_tenant.read() else {
            return;
        };
        let data: Vec<Value> = map
            .get(tenant)
            .into_iter()
            .flat_map(|t| t.values())
            .filter(|s| !s.registration.expired(&now) && subscription.matches(&s.registration))
            .map(|s| subscription.shown(s))
            .collect();
        drop(map);
        if !data.is_empty() && subscription.may_notify(&now) {
            self.send(tenant, subscription, Trigger::NewlyMatching, data);
        }
    }

    async fn store_subscription(
        &self,
        tenant: &str,
        subscription: &CsourceSubscription,
    ) -> NgsiResult<()> {
        let s = &subscription.subscription;
        let mut tx = self.inner.db.write().await?;
        sqlx::query(
            "INSERT INTO twin_csource_subscriptions (tenant, id, doc, context) \
             VALUES ($1, $2, $3, $4) \
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

    /// Stores a subscription's status after a notification (they are rare: one write each).
    async fn store_status(&self, tenant: &str, subscription: &CsourceSubscription) {
        let Ok(status) = subscription.status.lock().map(|s| s.to_stored()) else {
            return;
        };
        let stored = async {
            let mut tx = self.inner.db.write().await?;
            sqlx::query(
                "UPDATE twin_csource_subscriptions SET status = $1 WHERE tenant = $2 AND id = $3",
            )
            .bind(status)
            .bind(tenant)
            .bind(&subscription.subscription.id)
            .execute(tx.conn())
            .await?;
            tx.commit().await
        };
        if let Err(e) = stored.await {
            tracing::warn!(error = %e, "cannot store a context source subscription's status");
        }
    }

    fn put_subscription(
        &self,
        tenant: &str,
        subscription: CsourceSubscription,
    ) -> NgsiResult<Arc<CsourceSubscription>> {
        let subscription = Arc::new(subscription);
        let mut map = self.inner.subscriptions.write().map_err(|_| lock_error())?;
        map.entry(tenant.to_owned())
            .or_default()
            .insert(subscription.subscription.id.clone(), subscription.clone());
        Ok(subscription)
    }
}
