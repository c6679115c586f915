//! The temporal evolution of an entity's scope (GS CIM 009 V1.9.1, clause 4.5.6): the scope
//! is shown as the temporal representation of a Property whose instances carry only the
//! temporal members. A change made through the core API records an instance whose
//! `observedAt` is a copy of its `modifiedAt` (the write's time); a removal records a deletion
//! instance with an empty scope (`[]`, as the conformance suite's TP 020_19 expects) and
//! `deletedAt`.

use std::collections::HashMap;

use serde_json::{json, Map, Value};
use yuverse_twin_query::ScopeQuery;

use super::super::{poisoned, Twin};
use super::page::wire;
use crate::domain::attribute::utc_datetime;
use crate::domain::entity::{self, id_of, Doc};
use crate::domain::Stamp;
use crate::error::{NgsiError, NgsiResult};
use crate::store::history::{self, Scope, Take, Window};
use crate::store::json_text;
use crate::store::persist::HistoryRow;

/// The name the scope's instances are kept under in the history, as an attribute would be
/// (expanded): the core context compacts it to `scope`.
pub(in crate::service) const SCOPE: &str = "https://uri.etsi.org/ngsi-ld/scope";

/// The history instance recording how a write changed the scope of `after` (`None`: the
/// entity is deleted) from that of `before` (`None`: the entity is new), if it did.
pub(in crate::service) fn scope_change(
    tenant: &str,
    before: Option<&Doc>,
    after: Option<&Doc>,
    stamp: &Stamp,
) -> Option<HistoryRow> {
    let old = before.and_then(|d| d.get("scope"));
    let new = after.and_then(|d| d.get("scope"));
    if old == new {
        return None;
    }
    let id = id_of(after.or(before)?);
    let time = wire(stamp.as_str());
    let (doc, observed_at) = match new {
        Some(scope) => (
            json!({"type": "Property", "value": scope, "observedAt": time}),
            Some(stamp.as_str().to_owned()),
        ),
        // A deletion counts at the time it was recorded, as other deletion instances do.
        None => (
            json!({"type": "Property", "value": [], "deletedAt": time}),
            None,
        ),
    };
    Some(HistoryRow {
        tenant: tenant.to_owned(),
        entity_id: id.to_owned(),
        attr: SCOPE.to_owned(),
        dataset_id: None,
        observed_at,
        created_at: stamp.as_str().to_owned(),
        modified_at: stamp.as_str().to_owned(),
        doc: json_text(&doc, 96),
    })
}

/// The scope of a temporal entity's body as instances: a plain scope (a string or a list of
/// strings, as in an entity) is one instance without `observedAt`; its temporal
/// representation is one or more Property instances with a `value` and optionally
/// `observedAt` (clause 4.5.6: no other sub-attribute; `createdAt` and `modifiedAt` are the
/// broker's and are dropped).
pub(in crate::service) fn scope_instances(
    value: Option<&Value>,
) -> NgsiResult<Vec<Map<String, Value>>> {
    let items: Vec<&Map<String, Value>> = match value {
        None => return Ok(Vec::new()),
        Some(Value::Object(one)) => vec![one],
        Some(Value::Array(items)) if !items.is_empty() && items.iter().all(Value::is_object) => {
            items.iter().filter_map(Value::as_object).collect()
        }
        plain => {
            let scope = entity::parse_scope(plain)?;
            return Ok(scope
                .map(|scope| property(scope, None))
                .into_iter()
                .collect());
        }
    };
    items.into_iter().map(scope_instance).collect()
}

fn property(scope: Value, observed_at: Option<&Value>) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("type".into(), json!("Property"));
    out.insert("value".into(), scope);
    if let Some(at) = observed_at {
        out.insert("observedAt".into(), at.clone());
    }
    out
}

fn scope_instance(item: &Map<String, Value>) -> NgsiResult<Map<String, Value>> {
    if let Some(other) = item.keys().find(|k| {
        !matches!(
            k.as_str(),
            "type" | "value" | "observedAt" | "createdAt" | "modifiedAt"
        )
    }) {
        return Err(NgsiError::bad_data(format!(
            "a scope instance has only `value` and `observedAt`, not `{other}`"
        )));
    }
    if item.get("type").is_some_and(|t| t != "Property") {
        return Err(NgsiError::bad_data("a scope instance is a Property"));
    }
    let scope = entity::parse_scope(item.get("value"))?
        .ok_or_else(|| NgsiError::bad_data("a scope instance needs its `value`"))?;
    let observed_at = match item.get("observedAt") {
        Some(at) => Some(utc_datetime(at).ok_or_else(|| {
            NgsiError::bad_data("`scope`: observedAt must be an RFC 3339 date-time")
        })?),
        None => None,
    };
    Ok(property(scope, observed_at.as_ref()))
}

/// The scopes of a scope value (a string or a list of strings).
fn scopes_of(value: &Value) -> Vec<String> {
    match value {
        Value::String(one) => vec![one.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether one of the scopes an entity had within the window `[from, until)` satisfies
/// `matches`. `instances` are its scope instances oldest first, each with its time: a scope
/// holds from its time until the next instance's (clause 4.18: until it is replaced or
/// removed; a removal is an instance without scopes).
fn held_within(
    instances: &[(&str, Vec<String>)],
    (from, until): (Option<&str>, Option<&str>),
    matches: impl Fn(&[String]) -> bool,
) -> bool {
    instances.iter().enumerate().any(|(i, (start, scopes))| {
        let end = instances.get(i + 1).map(|(t, _)| *t);
        until.is_none_or(|u| *start < u)
            && from.is_none_or(|f| end.is_none_or(|e| e > f))
            && matches(scopes)
    })
}

impl Twin {
    /// Of `ids`, those whose scope satisfied `scope_q` at some time within the window (clause
    /// 5.7.4.4: the entity's scope instances are matched, with clause 4.18's validity). An
    /// entity without scope history (its scope set before the broker kept one) is judged by
    /// its current scope.
    pub(super) async fn scoped_within(
        &self,
        tenant: &str,
        ids: Vec<String>,
        scope_q: &ScopeQuery,
        window: &Window,
    ) -> NgsiResult<Vec<String>> {
        let attrs = [SCOPE.to_owned()];
        let selection = Scope {
            tenant,
            entity_ids: &ids,
            attrs: Some(&attrs),
            datasets: None,
        };
        // Every scope instance, by observation time: one set before the window may hold in it.
        let rows =
            history::instances(&self.inner.db, &selection, &Window::default(), Take::All).await?;
        let mut by_entity: HashMap<&str, Vec<(&str, Vec<String>)>> = HashMap::new();
        for instance in &rows {
            let scopes = serde_json::from_str::<Value>(&instance.row.doc)
                .map(|doc| scopes_of(&doc["value"]))
                .unwrap_or_default();
            by_entity
                .entry(instance.row.entity_id.as_str())
                .or_default()
                .push((instance.time.as_str(), scopes));
        }
        let current: Vec<Vec<String>> = {
            let state = self.tenant(tenant)?;
            let guard = state.read().map_err(|_| poisoned())?;
            ids.iter()
                .map(|id| {
                    guard
                        .get(id)
                        .map(|e| scopes_of(&e["scope"]))
                        .unwrap_or_default()
                })
                .collect()
        };
        let bounds = (window.from.as_deref(), window.until.as_deref());
        Ok(ids
            .iter()
            .zip(current)
            .filter(|(id, current)| match by_entity.get(id.as_str()) {
                Some(instances) => held_within(instances, bounds, |s| scope_q.matches(s)),
                None => scope_q.matches(current),
            })
            .map(|(id, _)| id.clone())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(v: Value) -> Doc {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn a_scope_holds_from_when_it_is_set_until_it_is_replaced() {
        let a = |s: &str| vec![s.to_owned()];
        let history = [("10", a("/R")), ("20", a("/S")), ("30", Vec::new())];
        let held = |window, wanted: &str| {
            held_within(&history, window, |s: &[String]| {
                s.iter().any(|x| x == wanted)
            })
        };
        assert!(
            held((Some("12"), Some("15")), "/R"),
            "set before the window"
        );
        assert!(!held((Some("12"), Some("15")), "/S"));
        assert!(
            held((Some("15"), Some("25")), "/S"),
            "set within the window"
        );
        assert!(
            !held((Some("20"), Some("25")), "/R"),
            "replaced at the window's start"
        );
        assert!(
            !held((Some("05"), Some("10")), "/R"),
            "set at the window's end"
        );
        assert!(!held((Some("35"), None), "/S"), "removed before the window");
        assert!(held((None, None), "/R"));
    }

    #[test]
    fn a_changed_scope_is_recorded_and_an_unchanged_one_is_not() {
        let now = &Stamp::new("2026-01-02T03:04:05.000000Z".into());
        let plain = doc(json!({"id": "urn:ngsi-ld:T:1", "type": ["T"]}));
        let scoped = doc(json!({"id": "urn:ngsi-ld:T:1", "type": ["T"], "scope": ["/a"]}));
        assert!(scope_change("t", None, Some(&plain), now).is_none());
        assert!(scope_change("t", Some(&scoped), Some(&scoped), now).is_none());

        let added = scope_change("t", None, Some(&scoped), now).unwrap();
        let shown: Value = serde_json::from_str(&added.doc).unwrap();
        assert_eq!(added.attr, SCOPE);
        assert_eq!(shown["value"], json!(["/a"]));
        assert_eq!(shown["observedAt"], json!(wire(now.as_str())));
        assert_eq!(added.observed_at.as_deref(), Some(now.as_str()));

        for after in [Some(&plain), None] {
            let gone = scope_change("t", Some(&scoped), after, now).unwrap();
            let shown: Value = serde_json::from_str(&gone.doc).unwrap();
            assert_eq!(shown["value"], json!([]));
            assert!(shown["deletedAt"].is_string());
            assert!(gone.observed_at.is_none());
        }
    }
}
