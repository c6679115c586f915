//! A subscription: its JSON as the client wrote it, and the parts compiled for matching.

use std::borrow::Cow;

use serde_json::{Map, Value};
use yuverse_twin_geo::GeoQuery;
use yuverse_twin_query::Query;

use super::endpoint::{key_values, Endpoint};
use crate::domain::attribute::is_uri;
use crate::domain::join::{Linking, Lookup};
use crate::domain::language::LanguageFilter;
use crate::domain::render::{Format, View};
use crate::domain::Vocabulary;
use crate::error::{NgsiError, NgsiResult};
use crate::store::types::TypeExpr;

/// Notification triggers of V1.9 (clause 5.2.12).
pub const TRIGGERS: [&str; 6] = [
    "entityCreated",
    "entityUpdated",
    "entityDeleted",
    "attributeCreated",
    "attributeUpdated",
    "attributeDeleted",
];

/// The triggers of a subscription that names none (clause 5.2.12).
pub const DEFAULT_TRIGGERS: [&str; 2] = ["attributeCreated", "attributeUpdated"];

/// An entity selector of a subscription, expanded.
#[derive(Debug, Clone)]
pub struct EntitySelector {
    pub id: Option<String>,
    pub id_pattern: Option<regex::Regex>,
    /// Every type the selector names (for narrowing candidates by type).
    pub types: Vec<String>,
    /// A subscription's type expression (`(Building|Tower);Landmark`, clause 4.17), when it is
    /// more than one name; `None` means any of `types`.
    pub type_expr: Option<TypeExpr>,
}

#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: String,
    /// The subscription as created or last updated (compact terms, client's words), without
    /// status fields.
    pub document: Map<String, Value>,
    /// The @context the subscription was made with (for expanding and compacting).
    pub context: Value,
    /// `jsonldContext`: the @context notifications are compacted with, when not `context`.
    pub notification_context: Option<Value>,
    pub entities: Vec<EntitySelector>,
    pub watched: Vec<String>,
    pub triggers: Vec<String>,
    pub q: Option<Query>,
    pub geo: Option<GeoQuery>,
    pub attributes: Option<Vec<String>>,
    pub view: View,
    /// `notification.join`/`joinLevel`: the entities notified entities link to are sent with
    /// them, inline or after them, as a query's `join` gives them.
    pub linking: Option<Linking>,
    /// `notification.showChanges`: updated attributes carry their previous value.
    pub show_changes: bool,
    pub endpoint: Endpoint,
    pub accept: String,
    pub receiver_info: Vec<(String, String)>,
    pub throttling_secs: Option<f64>,
    pub time_interval_secs: Option<f64>,
    pub expires_at: Option<String>,
    pub active: bool,
}

fn strings(value: Option<&Value>, field: &str) -> NgsiResult<Vec<String>> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|i| {
                i.as_str().map(str::to_owned).ok_or_else(|| {
                    NgsiError::bad_data(format!("{field} must be a list of strings"))
                })
            })
            .collect(),
        Some(_) => Err(NgsiError::bad_data(format!(
            "{field} must be a non-empty list of strings"
        ))),
    }
}

fn positive(value: Option<&Value>, field: &str) -> NgsiResult<Option<f64>> {
    match value {
        None => Ok(None),
        Some(v) => match v.as_f64() {
            Some(n) if n > 0.0 && n.is_finite() => Ok(Some(n)),
            _ => Err(NgsiError::bad_data(format!(
                "{field} must be a positive number of seconds"
            ))),
        },
    }
}

/// Members a client may send; anything else is refused so typos do not go unnoticed.
const MEMBERS: [&str; 20] = [
    "id",
    "datasetId",
    "type",
    "subscriptionName",
    "description",
    "entities",
    "watchedAttributes",
    "notificationTrigger",
    "timeInterval",
    "q",
    "geoQ",
    "scopeQ",
    "csf",
    "isActive",
    "notification",
    "expiresAt",
    "throttling",
    "lang",
    "jsonldContext",
    "@context",
];

impl Subscription {
    /// The (expanded) entity types its `entities` selectors name; none when it has no
    /// selectors and selects by watched attributes alone.
    pub fn selected_types(&self) -> impl Iterator<Item = &String> {
        self.entities.iter().flat_map(|e| e.types.iter())
    }

    /// Validates and compiles a subscription document.
    pub fn parse(
        id: String,
        document: Map<String, Value>,
        context: Value,
        vocab: &dyn Vocabulary,
    ) -> NgsiResult<Subscription> {
        if let Some(unknown) = document.keys().find(|k| {
            !MEMBERS.contains(&k.as_str())
                && !k.starts_with("status")
                && !matches!(
                    k.as_str(),
                    "timesSent"
                        | "timesFailed"
                        | "lastNotification"
                        | "lastSuccess"
                        | "lastFailure"
                )
        }) {
            return Err(NgsiError::bad_data(format!(
                "unknown subscription member `{unknown}`"
            )));
        }
        if document.get("type").and_then(Value::as_str) != Some("Subscription") {
            return Err(NgsiError::bad_data(
                "a subscription needs \"type\": \"Subscription\"",
            ));
        }
        let mut entities = Vec::new();
        if let Some(list) = document.get("entities") {
            let items = list
                .as_array()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| NgsiError::bad_data("entities must be a non-empty list"))?;
            for item in items {
                let t = item
                    .get("type")
                    .and_then(Value::as_str)
                    .ok_or_else(|| NgsiError::bad_data("every entities item needs a type"))?;
                let id = item.get("id").and_then(Value::as_str).map(str::to_owned);
                if id.as_deref().is_some_and(|i| !is_uri(i)) {
                    return Err(NgsiError::bad_data("entities[].id must be a URI"));
                }
                let id_pattern = item
                    .get("idPattern")
                    .and_then(Value::as_str)
                    .map(|p| {
                        regex::Regex::new(p)
                            .map_err(|e| NgsiError::bad_data(format!("idPattern: {e}")))
                    })
                    .transpose()?;
                let mut expr = TypeExpr::parse(t)?;
                for name in expr.names_mut() {
                    *name = vocab.expand(name.trim());
                }
                let types: Vec<String> = expr.names_mut().into_iter().map(|n| n.clone()).collect();
                let type_expr = (!matches!(expr, TypeExpr::Name(_))).then_some(expr);
                entities.push(EntitySelector {
                    id,
                    id_pattern,
                    types,
                    type_expr,
                });
            }
        }
        let watched: Vec<String> = strings(document.get("watchedAttributes"), "watchedAttributes")?
            .iter()
            .map(|a| vocab.expand(a))
            .collect();
        if entities.is_empty() && watched.is_empty() {
            return Err(NgsiError::bad_data(
                "a subscription needs entities or watchedAttributes",
            ));
        }
        let time_interval_secs = positive(document.get("timeInterval"), "timeInterval")?;
        let throttling_secs = positive(document.get("throttling"), "throttling")?;
        if time_interval_secs.is_some() && (!watched.is_empty() || throttling_secs.is_some()) {
            return Err(NgsiError::bad_data(
                "timeInterval cannot be combined with watchedAttributes or throttling",
            ));
        }
        let triggers = match document.get("notificationTrigger") {
            None => DEFAULT_TRIGGERS.map(str::to_owned).to_vec(),
            Some(v) => {
                let list = strings(Some(v), "notificationTrigger")?;
                if let Some(bad) = list.iter().find(|t| !TRIGGERS.contains(&t.as_str())) {
                    return Err(NgsiError::bad_data(format!(
                        "unknown notificationTrigger `{bad}`"
                    )));
                }
                list
            }
        };
        let q = document
            .get("q")
            .map(|q| {
                let text = q
                    .as_str()
                    .ok_or_else(|| NgsiError::bad_data("q must be a string"))?;
                // Clients often send q as they would in a URL, percent-encoded.
                let text = percent_encoding::percent_decode_str(text).decode_utf8_lossy();
                let mut query = yuverse_twin_query::parse_q(&text)
                    .map_err(|e| NgsiError::bad_data(format!("q: {e}")))?;
                query.map_attribute_names(&mut |n| vocab.expand(n));
                Ok::<_, NgsiError>(query)
            })
            .transpose()?;
        let geo = document
            .get("geoQ")
            .map(|g| {
                let mut geo = yuverse_twin_geo::parse_geo_query_json(g)
                    .map_err(|e| NgsiError::bad_data(format!("geoQ: {e}")))?;
                geo.geoproperty = vocab.expand(&geo.geoproperty);
                Ok::<_, NgsiError>(geo)
            })
            .transpose()?;
        let expires_at = match document.get("expiresAt") {
            None => None,
            Some(v) => {
                let t = v
                    .as_str()
                    .and_then(yuverse_core::time::parse_rfc3339)
                    .ok_or_else(|| {
                        NgsiError::bad_data("expiresAt must be an RFC 3339 date-time")
                    })?;
                Some(yuverse_core::time::to_db(t))
            }
        };
        let active = match document.get("isActive") {
            None => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(NgsiError::bad_data("isActive must be true or false")),
        };
        let notification = document
            .get("notification")
            .and_then(Value::as_object)
            .ok_or_else(|| NgsiError::bad_data("a subscription needs a notification"))?;
        let endpoint = notification
            .get("endpoint")
            .and_then(Value::as_object)
            .ok_or_else(|| NgsiError::bad_data("notification.endpoint is required"))?;
        let uri = endpoint
            .get("uri")
            .and_then(Value::as_str)
            .ok_or_else(|| NgsiError::bad_data("notification.endpoint.uri is required"))?;
        let notifier_info = key_values(endpoint.get("notifierInfo"), "notifierInfo")?;
        let target = Endpoint::parse(uri, &notifier_info)?;
        let accept = match endpoint.get("accept").and_then(Value::as_str) {
            None => "application/json".to_owned(),
            Some(a @ ("application/json" | "application/ld+json" | "application/geo+json")) => {
                a.to_owned()
            }
            Some(other) => {
                return Err(NgsiError::bad_data(format!(
                    "notification.endpoint.accept `{other}` is not supported"
                )))
            }
        };
        let receiver_info = key_values(endpoint.get("receiverInfo"), "receiverInfo")?;
        for (k, v) in &receiver_info {
            if axum::http::HeaderName::from_bytes(k.as_bytes()).is_err()
                || axum::http::HeaderValue::from_str(v).is_err()
            {
                return Err(NgsiError::bad_data(format!(
                    "receiverInfo `{k}` is not a valid header"
                )));
            }
        }
        let attributes: Option<Vec<String>> = notification
            .get("attributes")
            .map(|a| strings(Some(a), "notification.attributes"))
            .transpose()?
            .map(|names| names.iter().map(|n| vocab.expand(n)).collect());
        let format = match notification.get("format").and_then(Value::as_str) {
            None | Some("normalized") => Format::Normalized,
            Some("keyValues") | Some("simplified") => Format::Simplified,
            Some("concise") => Format::Concise,
            Some(other) => {
                return Err(NgsiError::bad_data(format!(
                    "notification.format `{other}` is not supported"
                )))
            }
        };
        let show_changes = match notification.get("showChanges") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(NgsiError::bad_data(
                    "notification.showChanges must be true or false",
                ))
            }
        };
        if show_changes && format == Format::Simplified {
            // Clause 5.2.14: the simplified form has no room for a previous value.
            return Err(NgsiError::bad_data(
                "notification.showChanges cannot be used with the keyValues format",
            ));
        }
        let linking = notification_linking(notification)?;
        if let Some(q) = &q {
            let depth = q.linked_depth();
            if depth > linking.map_or(0, |l| l.level) {
                return Err(NgsiError::bad_data(format!(
                    "q: a path into linked entities {depth} deep needs notification.join with \
                     a joinLevel of at least {depth}"
                )));
            }
        }
        let members = |field: &str| {
            notification
                .get(field)
                .map(|p| strings(Some(p), &format!("notification.{field}")))
                .transpose()
        };
        let (pick, omit) = (members("pick")?, members("omit")?);
        if pick.is_some() && omit.is_some() {
            return Err(NgsiError::bad_data(
                "notification.pick and notification.omit cannot be used together",
            ));
        }
        // pick and omit name entity members: attributes, and id and type themselves.
        let names = |list: &[String]| -> Vec<String> {
            list.iter()
                .filter(|n| !matches!(n.as_str(), "id" | "type"))
                .map(|n| vocab.expand(n))
                .collect()
        };
        let only = match (&pick, &attributes) {
            (Some(p), Some(a)) => Some(names(p).into_iter().filter(|n| a.contains(n)).collect()),
            (Some(p), None) => Some(names(p)),
            (None, a) => a.clone(),
        };
        let names_member = |list: &Option<Vec<String>>, m: &str| {
            list.as_ref().is_some_and(|l| l.iter().any(|n| n == m))
        };
        let datasets = match document.get("datasetId") {
            None => None,
            Some(v) => Some(strings(Some(v), "datasetId")?),
        };
        if let Some(bad) = datasets
            .iter()
            .flatten()
            .find(|d| !crate::domain::attribute::names_dataset(d))
        {
            return Err(NgsiError::bad_data(format!(
                "datasetId `{bad}` is not a URI"
            )));
        }
        let view = View {
            format,
            sys_attrs: notification
                .get("sysAttrs")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            only,
            omit: omit.as_deref().map(names).unwrap_or_default(),
            omit_id: (pick.is_some() && !names_member(&pick, "id")) || names_member(&omit, "id"),
            omit_type: (pick.is_some() && !names_member(&pick, "type"))
                || names_member(&omit, "type"),
            lang: match document.get("lang") {
                None => None,
                Some(Value::String(filter)) => Some(LanguageFilter::parse(filter)?),
                Some(_) => return Err(NgsiError::bad_data("lang must be a string")),
            },
            // `datasetId`: only these attribute instances are notified.
            datasets,
            linked: Default::default(),
        };
        let notification_context = match document.get("jsonldContext") {
            None => None,
            Some(Value::String(uri)) if is_uri(uri) => Some(Value::String(uri.clone())),
            Some(_) => return Err(NgsiError::bad_data("jsonldContext must be a URI")),
        };
        let mut document = document;
        document.insert("id".into(), Value::String(id.clone()));
        Ok(Subscription {
            id,
            document,
            context,
            notification_context,
            entities,
            watched,
            triggers,
            q,
            geo,
            attributes,
            view,
            show_changes,
            endpoint: target,
            linking,
            accept,
            receiver_info,
            throttling_secs,
            time_interval_secs,
            expires_at,
            active,
        })
    }

    /// Names the @context the subscription was made with by `url` (an ImplicitlyCreated
    /// context holding it, clause 5.13.1) as its `jsonldContext`, unless the client chose
    /// one: notifications then name that single URL in `Link`, compacted with the same
    /// terms, and a retrieved subscription shows where its context is served.
    pub fn name_context(&mut self, url: String) {
        if self.notification_context.is_none() {
            self.document
                .insert("jsonldContext".into(), Value::String(url.clone()));
            self.notification_context = Some(Value::String(url));
        }
    }

    /// The @context notifications are compacted with: `jsonldContext`, or the one the
    /// subscription was made with.
    pub fn notification_context(&self) -> &Value {
        self.notification_context.as_ref().unwrap_or(&self.context)
    }

    /// Checks that `jsonldContext`, when given, can be had (else LdContextNotAvailable), so
    /// that notifications are not compacted with another context later.
    pub fn check_notification_context(&self, contexts: &crate::http::Contexts) -> NgsiResult<()> {
        match &self.notification_context {
            Some(context) => contexts.resolve_value(context).map(|_| ()),
            None => Ok(()),
        }
    }

    pub fn expired(&self, now: &str) -> bool {
        self.expires_at.as_deref().is_some_and(|e| e <= now)
    }

    /// Whether the entity is one the subscription selects (entities, then q and geoQ); a `q`
    /// path into linked entities finds them with `lookup`.
    pub fn selects(&self, entity: &Value, lookup: Lookup<'_>) -> bool {
        let doc = crate::domain::entity::doc(entity);
        let id = crate::domain::entity::id_of(doc);
        let types = crate::domain::entity::types_of(doc);
        let by_entity = self.entities.is_empty()
            || self.entities.iter().any(|s| {
                s.type_expr.as_ref().map_or_else(
                    || s.types.iter().any(|t| types.contains(&t.as_str())),
                    |e| e.matches(&types),
                ) && s.id.as_deref().is_none_or(|i| i == id)
                    && s.id_pattern.as_ref().is_none_or(|p| p.is_match(id))
            });
        if !by_entity {
            return false;
        }
        if let Some(q) = &self.q {
            let resolve = |id: &str| lookup(id).map(|e| Cow::Owned((*e).clone()));
            if !q.matches_with(entity, &resolve) {
                return false;
            }
        }
        if let Some(geo) = &self.geo {
            let stored = doc
                .get(&geo.geoproperty)
                .and_then(|a| a.get(0))
                .and_then(|i| i.get("value"))
                .and_then(|v| yuverse_twin_geo::geometry_from_geojson(v).ok());
            if !stored.is_some_and(|g| geo.matches(&g)) {
                return false;
            }
        }
        true
    }
}

/// `notification.join` and `notification.joinLevel` (a JSON string and number), read as the
/// query parameters of the same names are.
fn notification_linking(notification: &Map<String, Value>) -> NgsiResult<Option<Linking>> {
    let join = match notification.get("join") {
        None => None,
        Some(Value::String(join)) => Some(join.as_str()),
        Some(_) => return Err(NgsiError::bad_data("notification.join must be a string")),
    };
    let level = match notification.get("joinLevel") {
        None => None,
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => {
            return Err(NgsiError::bad_data(
                "notification.joinLevel must be an integer",
            ))
        }
    };
    Linking::parse(join, level.as_deref())
        .map_err(|e| NgsiError::bad_data(format!("notification: {}", e.detail)))
}
