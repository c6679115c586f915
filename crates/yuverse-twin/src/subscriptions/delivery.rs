//! Matching changes to subscriptions and delivering notifications.
//!
//! The notifier reads committed changes from a channel, so the write path never waits for it.
//! Each notification is sent by its own task: up to four attempts with back-off (0.5, 1, 2 s),
//! then counted as failed. Delivery is at least once: a receiver may see a notification twice
//! if an answer is lost after it arrived.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::model::Subscription;
use super::registry::{change_kind, Status, Subscriptions};
use super::ChangeEvent;
use crate::domain::entity;
use crate::domain::render::render;

const ATTEMPTS: u32 = 4;

/// The HTTP client for notifications (short timeouts: a slow receiver must not pile up tasks).
#[derive(Clone)]
pub struct Delivery {
    client: reqwest::Client,
}

impl Delivery {
    pub fn new() -> Delivery {
        Delivery {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .connect_timeout(Duration::from_secs(3))
                .build()
                .unwrap_or_default(),
        }
    }
}

fn now_db() -> String {
    yuverse_core::time::to_db(yuverse_core::time::now())
}

fn wants(subscription: &Subscription, event: &ChangeEvent) -> bool {
    let kinds = change_kind(event);
    if !kinds
        .iter()
        .any(|k| subscription.triggers.iter().any(|t| t == k))
    {
        return false;
    }
    if !subscription.watched.is_empty() {
        let touched = match (&event.before, &event.after) {
            (None, Some(after)) => subscription
                .watched
                .iter()
                .any(|w| entity::doc(after).contains_key(w)),
            _ => event
                .attributes
                .iter()
                .any(|a| subscription.watched.contains(a)),
        };
        if !touched {
            return false;
        }
    }
    match (&event.after, &event.before) {
        (Some(after), _) => subscription.selects(after),
        (None, Some(before)) => subscription.selects(before),
        (None, None) => false,
    }
}

/// Takes the throttling slot when the subscription may notify now.
fn may_send(subscription: &Subscription, status: &Mutex<Status>) -> bool {
    let Ok(mut s) = status.lock() else {
        return false;
    };
    if let (Some(throttling), Some(last)) = (subscription.throttling_secs, s.last_sent_at) {
        if last.elapsed() < Duration::from_secs_f64(throttling) {
            return false;
        }
    }
    s.last_sent_at = Some(Instant::now());
    true
}

pub async fn notify_changes(
    subscriptions: Subscriptions,
    mut events: mpsc::UnboundedReceiver<ChangeEvent>,
) {
    while let Some(event) = events.recv().await {
        let now = now_db();
        for (subscription, status) in subscriptions.entries_of(&event.tenant) {
            if !subscription.active
                || subscription.expired(&now)
                || subscription.time_interval_secs.is_some()
            {
                continue;
            }
            if !wants(&subscription, &event) || !may_send(&subscription, &status) {
                continue;
            }
            let data = match (&event.after, &event.before) {
                (Some(after), _) => vec![after.clone()],
                // A deleted entity is notified by id and type only.
                (None, Some(before)) => {
                    let doc = entity::doc(before);
                    vec![Arc::new(
                        json!({"id": doc.get("id"), "type": doc.get("type")}),
                    )]
                }
                (None, None) => continue,
            };
            send(&subscriptions, subscription, status, data);
        }
    }
}

/// Periodic subscriptions (`timeInterval`): every matching entity, every interval.
pub async fn periodic(subscriptions: Subscriptions) {
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tick.tick().await;
        let now = now_db();
        for (tenant, subscription, status) in subscriptions.all_entries() {
            let Some(interval) = subscription.time_interval_secs else {
                continue;
            };
            if !subscription.active || subscription.expired(&now) {
                continue;
            }
            let due = status
                .lock()
                .map(|s| {
                    s.last_sent_at
                        .is_none_or(|t| t.elapsed() >= Duration::from_secs_f64(interval))
                })
                .unwrap_or(false);
            if !due {
                continue;
            }
            let Some(twin) = subscriptions.inner.twin.upgrade() else {
                return;
            };
            let mut data = Vec::new();
            let _ = twin.for_each_entity(&tenant, |doc| {
                let value = Value::Object(doc.clone());
                if subscription.selects(&value) {
                    data.push(Arc::new(value));
                }
            });
            if let Ok(mut s) = status.lock() {
                s.last_sent_at = Some(Instant::now());
            }
            if !data.is_empty() {
                send(&subscriptions, subscription, status, data);
            }
        }
    }
}

fn send(
    subscriptions: &Subscriptions,
    subscription: Arc<Subscription>,
    status: Arc<Mutex<Status>>,
    data: Vec<Arc<Value>>,
) {
    let inner = subscriptions.inner.clone();
    tokio::spawn(async move {
        let vocab = match inner.contexts.resolve_value(&subscription.context) {
            Ok(v) => v,
            Err(_) => inner.contexts.core(),
        };
        let notified_at = now_db();
        let mut body = json!({
            "id": format!("urn:ngsi-ld:Notification:{}", uuid::Uuid::now_v7()),
            "type": "Notification",
            "subscriptionId": subscription.id,
            "notifiedAt": notified_at,
            "data": data.iter().map(|e| render(entity::doc(e), &subscription.view, &vocab)).collect::<Vec<_>>(),
        });
        let ld = subscription.accept == "application/ld+json";
        if ld {
            body["@context"] = subscription.context.clone();
        }
        let mut delay = Duration::from_millis(500);
        let mut delivered = false;
        for attempt in 1..=ATTEMPTS {
            let mut request = inner
                .delivery
                .client
                .post(&subscription.endpoint)
                .header("content-type", subscription.accept.as_str())
                .body(body.to_string());
            if !ld {
                request = request.header("link", yuverse_twin_context::link_header_for(&vocab.url));
            }
            for (k, v) in &subscription.receiver_info {
                request = request.header(k.as_str(), v.as_str());
            }
            match request.send().await {
                Ok(r) if r.status().is_success() => {
                    delivered = true;
                    break;
                }
                Ok(r) => {
                    tracing::warn!(subscription = %subscription.id, status = %r.status(), attempt, "notification refused")
                }
                Err(e) => {
                    tracing::warn!(subscription = %subscription.id, error = %e, attempt, "notification failed")
                }
            }
            if attempt < ATTEMPTS {
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
        }
        if let Ok(mut s) = status.lock() {
            let now = now_db();
            s.last_notification = Some(notified_at);
            if delivered {
                s.times_sent += 1;
                s.last_success = Some(now);
            } else {
                s.times_failed += 1;
                s.last_failure = Some(now);
            }
        }
    });
}
