//! Matching changes to subscriptions and delivering notifications.
//!
//! The notifier reads committed changes from a channel, so the write path never waits for it.
//! Each change is checked only against the subscriptions its entity types or touched attributes
//! can select (see `index`), not against all of the tenant's.
//! Each notification is sent by its own task: up to four attempts with back-off (0.5, 1, 2 s),
//! then counted as failed. Delivery is at least once: a receiver may see a notification twice
//! if an answer is lost after it arrived, or if the server stopped before it knew (each task
//! holds its write's mark in the backlog, see `backlog`).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use yuverse_core::time::now_db;

use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::backlog::Mark;
use super::deletions;
use super::endpoint::Endpoint;
use super::model::Subscription;
use super::mqtt_publish;
use super::registry::{change_kind, Subscriptions};
use super::show_changes::with_previous;
use super::status::Status;
use super::{ChangeEvent, Notice};
use crate::domain::entity;
use crate::domain::join::{render_linked, Lookup};
use crate::domain::render::{render, render_feature};
use crate::domain::Vocabulary;
use crate::outbound::Outbound;
use crate::store::memory::Selector;
use crate::store::types::TypeExpr;
use crate::Twin;

const ATTEMPTS: u32 = 4;

/// The HTTP client for notifications (short timeouts: a slow receiver must not pile up tasks)
/// and the TLS transport of `mqtts://` endpoints, both with the roots of [`Outbound`].
#[derive(Clone)]
pub struct Delivery {
    client: reqwest::Client,
    mqtt_tls: rumqttc::Transport,
}

impl Delivery {
    pub fn new(outbound: &Outbound) -> Delivery {
        Delivery {
            client: outbound.client(Duration::from_secs(10), Duration::from_secs(3)),
            mqtt_tls: outbound.mqtt_tls(),
        }
    }
}

/// Whether the subscription notifies this change; `kinds`: the change's triggers.
fn wants(
    subscription: &Subscription,
    event: &ChangeEvent,
    kinds: &[&str],
    lookup: Lookup<'_>,
) -> bool {
    if !kinds
        .iter()
        .any(|k| subscription.triggers.iter().any(|t| t == k))
    {
        return false;
    }
    if !subscription.watched.is_empty() {
        let touched = match (&event.before, &event.after) {
            // A new or deleted entity touches every attribute it has.
            (None, Some(doc)) | (Some(doc), None) => subscription
                .watched
                .iter()
                .any(|w| entity::doc(doc).contains_key(w)),
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
        (Some(after), _) => subscription.selects(after, lookup),
        (None, Some(before)) => subscription.selects(before, lookup),
        (None, None) => false,
    }
}

/// Takes the throttling slot when the subscription may notify now.
pub(crate) fn may_send(subscription: &Subscription, status: &Mutex<Status>) -> bool {
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

/// What a change notified again at start counts as: the entity as it is now, which any
/// trigger but deletion would have selected.
const CAUGHT_UP_KINDS: [&str; 4] = [
    "entityCreated",
    "entityUpdated",
    "attributeCreated",
    "attributeUpdated",
];

pub async fn notify_changes(
    subscriptions: Subscriptions,
    mut notices: mpsc::UnboundedReceiver<Notice>,
) {
    while let Some(Notice {
        mut event,
        catch_up,
        mark,
    }) = notices.recv().await
    {
        if !subscriptions.has_any(&event.tenant) {
            continue;
        }
        event.add_deleted_attributes();
        let candidates = subscriptions.candidates(&event);
        if candidates.is_empty() {
            // Most changes concern no subscription: classifying them (which compares the
            // versions attribute by attribute) would be the notifier's main cost.
            continue;
        }
        let now = now_db();
        let kinds = match (catch_up, &event.after) {
            (true, Some(_)) => CAUGHT_UP_KINDS.to_vec(),
            _ => change_kind(&event),
        };
        let twin = subscriptions.inner.twin.upgrade();
        let lookup = held_entities(twin.as_ref(), &event.tenant);
        for (subscription, status) in candidates {
            if !subscription.active
                || subscription.expired(&now)
                || subscription.time_interval_secs.is_some()
            {
                continue;
            }
            if !wants(&subscription, &event, &kinds, &lookup) || !may_send(&subscription, &status) {
                continue;
            }
            let Some(shown) = notified_entity(&subscription, &event, &kinds, catch_up, &now) else {
                continue;
            };
            let data = vec![shown];
            let tenant = &event.tenant;
            send(
                &subscriptions,
                tenant,
                subscription,
                status,
                data,
                Some(mark.clone()),
            );
        }
    }
}

/// The entity a change notifies: as it is now, with previous values (`showChanges`) and
/// deleted instances (`attributeDeleted`) when asked for; a deleted entity as [`deletions`]
/// shows it.
fn notified_entity(
    subscription: &Subscription,
    event: &ChangeEvent,
    kinds: &[&str],
    catch_up: bool,
    now: &str,
) -> Option<Arc<Value>> {
    let wants = |trigger: &str| subscription.triggers.iter().any(|t| t == trigger);
    let sys_attrs = subscription.view.sys_attrs;
    match (&event.after, &event.before) {
        (Some(after), Some(before)) if !catch_up => {
            let mut shown = if subscription.show_changes {
                with_previous(after, before, &event.attributes)
            } else {
                (**after).clone()
            };
            if kinds.contains(&"attributeDeleted") && wants("attributeDeleted") {
                shown = deletions::with_deleted(
                    &shown,
                    before,
                    &event.attributes,
                    now,
                    sys_attrs,
                    subscription.show_changes,
                );
            }
            Some(Arc::new(shown))
        }
        (Some(after), _) => Some(after.clone()),
        (None, Some(before)) if wants("entityDeleted") => {
            Some(Arc::new(deletions::deleted_entity(before, now)))
        }
        (None, Some(before)) => Some(Arc::new(deletions::entity_with_all_deleted(
            before,
            now,
            sys_attrs,
            subscription.show_changes,
        ))),
        (None, None) => None,
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
            let lookup = held_entities(Some(&twin), &tenant);
            let data: Vec<Arc<Value>> = twin
                .query(
                    &tenant,
                    &candidates(&subscription),
                    None,
                    (0, usize::MAX),
                    false,
                )
                .map(|page| page.entities)
                .unwrap_or_default()
                .into_iter()
                .filter(|e| subscription.selects(e, &lookup))
                .collect();
            if let Ok(mut s) = status.lock() {
                s.last_sent_at = Some(Instant::now());
            }
            if !data.is_empty() {
                send(&subscriptions, &tenant, subscription, status, data, None);
            }
        }
    }
}

/// What the type index can narrow a periodic subscription to: the entities of its selectors'
/// types (every selector names at least one), or every entity when it has no selectors.
fn candidates(subscription: &Subscription) -> Selector {
    let types: Vec<TypeExpr> = subscription
        .selected_types()
        .cloned()
        .map(TypeExpr::Name)
        .collect();
    Selector {
        types: (!types.is_empty()).then_some(TypeExpr::Any(types)),
        ..Selector::default()
    }
}

/// Sends one notification from a task of its own; `hold` (the mark of the write that caused
/// it) stays open until the task ends.
fn send(
    subscriptions: &Subscriptions,
    tenant: &str,
    subscription: Arc<Subscription>,
    status: Arc<Mutex<Status>>,
    data: Vec<Arc<Value>>,
    hold: Option<Arc<Mark>>,
) {
    let inner = subscriptions.inner.clone();
    let changed = (tenant.to_owned(), subscription.id.clone());
    let tenant = tenant.to_owned();
    tokio::spawn(async move {
        let vocab = match inner
            .contexts
            .resolve_value(subscription.notification_context())
        {
            Ok(v) => v,
            Err(_) => inner.contexts.core(),
        };
        let notified_at = now_db();
        let mut body = json!({
            "id": format!("urn:ngsi-ld:Notification:{}", uuid::Uuid::now_v7()),
            "type": "Notification",
            "subscriptionId": subscription.id,
            "notifiedAt": notified_at,
            "data": notification_data(&data, &subscription, &vocab, &held_entities(inner.twin.upgrade().as_ref(), &tenant)),
        });
        if subscription.accept == "application/ld+json" {
            body["@context"] = subscription.notification_context().clone();
        }
        let delivered = deliver(&inner.delivery, &subscription, &body, &vocab.url).await;
        Status::record(&status, notified_at, delivered, now_db());
        let _ = inner.status_changed.send(changed);
        drop(hold);
    });
}

/// Finds the entities a tenant holds now, for linked-entity paths and `join`.
fn held_entities<'t>(
    twin: Option<&'t Twin>,
    tenant: &'t str,
) -> impl Fn(&str) -> Option<Arc<Value>> + 't {
    move |id| twin.and_then(|t| t.get_entity(tenant, id).ok())
}

/// The notified entities as the endpoint accepts them: a list of entities (with the entities
/// they link to under `join`), or a GeoJSON FeatureCollection (their `location` as each
/// feature's geometry).
fn notification_data(
    data: &[Arc<Value>],
    subscription: &Subscription,
    vocab: &crate::http::RequestContext,
    lookup: Lookup<'_>,
) -> Value {
    if subscription.accept == "application/geo+json" {
        let geometry = vocab.expand("location");
        json!({"type": "FeatureCollection", "features": data
            .iter()
            .map(|e| render_feature(&prepared(e).0, &subscription.view, vocab, &geometry))
            .collect::<Vec<_>>()})
    } else {
        // In JSON-LD each entity carries its @context (clause 5.8.6, as the conformance
        // suite's 046_19/046_20 read them).
        let context = (subscription.accept == "application/ld+json")
            .then(|| subscription.notification_context().clone());
        let mut out = Vec::with_capacity(data.len());
        for e in data {
            let (doc, deleted_at) = prepared(e);
            let shown = match (subscription.linking, &deleted_at) {
                // A deleted entity links to nothing any more.
                (Some(linking), None) => render_linked(
                    std::slice::from_ref(e),
                    &subscription.view,
                    vocab,
                    linking,
                    lookup,
                ),
                _ => vec![render(&doc, &subscription.view, vocab)],
            };
            for mut shown in shown {
                if let Value::Object(o) = &mut shown {
                    if let Some(at) = &deleted_at {
                        o.insert(deletions::DELETED_AT.into(), at.clone());
                    }
                    if let Some(context) = &context {
                        o.insert("@context".into(), context.clone());
                    }
                }
                out.push(shown);
            }
        }
        Value::Array(out)
    }
}

/// A notified entity's document as it is rendered: without the `deletedAt` [`deletions`]
/// gives a deleted one (which the renderer would take for an attribute), returned apart. (The
/// subscription's `datasetId` is applied by the renderer, through its view.)
fn prepared(e: &Value) -> (std::borrow::Cow<'_, entity::Doc>, Option<Value>) {
    let doc = entity::doc(e);
    let Some(deleted_at) = doc.get(deletions::DELETED_AT).cloned() else {
        return (std::borrow::Cow::Borrowed(doc), None);
    };
    let mut doc = doc.clone();
    doc.remove(deletions::DELETED_AT);
    (std::borrow::Cow::Owned(doc), Some(deleted_at))
}

/// Delivers a notification body to the subscription's endpoint: up to [`ATTEMPTS`] attempts
/// with back-off. Answers whether it was delivered.
pub(crate) async fn deliver(
    delivery: &Delivery,
    subscription: &Subscription,
    body: &Value,
    context_url: &str,
) -> bool {
    let mut delay = Duration::from_millis(500);
    for attempt in 1..=ATTEMPTS {
        match deliver_once(delivery, subscription, body, context_url).await {
            Ok(()) => return true,
            Err(e) => tracing::warn!(
                subscription = %subscription.id,
                endpoint = %subscription.endpoint.redacted(),
                error = %e,
                attempt,
                "notification not delivered"
            ),
        }
        if attempt < ATTEMPTS {
            tokio::time::sleep(delay).await;
            delay *= 2;
        }
    }
    false
}

/// One attempt at delivering a notification. Over HTTP the headers carry the content type,
/// the `Link` to the @context (unless the body embeds it) and `receiverInfo`; over MQTT they go
/// in the message's `metadata` beside the notification as its `body`.
async fn deliver_once(
    delivery: &Delivery,
    subscription: &Subscription,
    body: &Value,
    context_url: &str,
) -> Result<(), String> {
    let mut headers = vec![("Content-Type".to_owned(), subscription.accept.clone())];
    if subscription.accept != "application/ld+json" {
        headers.push((
            "Link".to_owned(),
            yuverse_twin_context::link_header_for(context_url),
        ));
    }
    headers.extend(subscription.receiver_info.iter().cloned());
    match &subscription.endpoint {
        Endpoint::Http(uri) => {
            let mut request = delivery.client.post(uri).body(body.to_string());
            for (k, v) in &headers {
                request = request.header(k.as_str(), v.as_str());
            }
            match request.send().await {
                Ok(r) if r.status().is_success() => Ok(()),
                Ok(r) => Err(format!("the receiver answered {}", r.status())),
                Err(e) => Err(e.to_string()),
            }
        }
        Endpoint::Mqtt(endpoint) => {
            let metadata: serde_json::Map<String, Value> = headers
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            let message = json!({"metadata": metadata, "body": body});
            mqtt_publish::publish(
                endpoint,
                message.to_string().into_bytes(),
                &delivery.mqtt_tls,
            )
            .await
        }
    }
}
