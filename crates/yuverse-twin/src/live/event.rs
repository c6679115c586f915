//! What the live feed sends for one committed change: which changes a client asked for (tenant,
//! entity types) and the compact keyValues rendering of the entity it receives.

use serde_json::{json, Map, Value};

use crate::domain::entity::{doc, types_of};
use crate::domain::render::{render, Format, View};
use crate::domain::Vocabulary;
use crate::service::DEFAULT_TENANT;
use crate::subscriptions::ChangeEvent;

/// The expanded name of the `location` GeoProperty (core context).
const LOCATION: &str = "https://uri.etsi.org/ngsi-ld/location";

/// The changes one client wants: one tenant, and optionally only some entity types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveFilter {
    pub tenant: String,
    /// Expanded type IRIs; empty means every type.
    pub types: Vec<String>,
}

impl LiveFilter {
    /// From the query parameters: `type` is a comma list of short (core-context) names or IRIs.
    /// An empty item (`type=A,,B`) is an error naming the parameter.
    pub fn parse(
        types: Option<&str>,
        tenant: Option<&str>,
        vocab: &dyn Vocabulary,
    ) -> Result<LiveFilter, String> {
        let types = match types {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(|t| {
                    let t = t.trim();
                    if t.is_empty() {
                        Err("an entity type in the list is empty".to_owned())
                    } else {
                        Ok(vocab.expand(t))
                    }
                })
                .collect::<Result<_, _>>()?,
        };
        Ok(LiveFilter {
            tenant: tenant.unwrap_or(DEFAULT_TENANT).to_owned(),
            types,
        })
    }

    pub fn matches(&self, change: &ChangeEvent) -> bool {
        if change.tenant != self.tenant {
            return false;
        }
        if self.types.is_empty() {
            return true;
        }
        let Some(entity) = change.after.as_ref().or(change.before.as_ref()) else {
            return false;
        };
        types_of(doc(entity))
            .iter()
            .any(|t| self.types.iter().any(|wanted| wanted == t))
    }
}

/// `{id, type, deleted, attrs: {shortName: value}, location}`: the entity after the change in
/// keyValues form with names compacted by `vocab`; a deletion carries the type it had and no
/// attributes.
pub fn render_change(change: &ChangeEvent, vocab: &dyn Vocabulary) -> Value {
    let deleted = change.after.is_none();
    let Some(entity) = change.after.as_ref().or(change.before.as_ref()) else {
        return json!({"id": change.id, "type": Value::Null, "deleted": true, "attrs": {}, "location": Value::Null});
    };
    let view = View {
        format: Format::Simplified,
        ..View::default()
    };
    let mut rendered = match render(doc(entity), &view, vocab) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let kind = rendered.remove("type").unwrap_or(Value::Null);
    rendered.remove("id");
    rendered.remove("scope");
    let location_name = vocab.compact(LOCATION);
    let location = rendered.remove(&location_name).unwrap_or(Value::Null);
    let (attrs, location) = if deleted {
        (Map::new(), Value::Null)
    } else {
        (rendered, location)
    };
    json!({
        "id": change.id,
        "type": kind,
        "deleted": deleted,
        "attrs": attrs,
        "location": location,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::domain::entity::parse_entity;
    use crate::domain::vocabulary::Identity;

    fn entity(id: &str, kind: &str) -> Arc<Value> {
        let doc = parse_entity(
            &json!({"id": id, "type": kind,
                    "pm25": {"type": "Property", "value": 35.5},
                    LOCATION: {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [106.6, 29.7]}}}),
            &Identity,
            &crate::domain::Stamp::new("2026-01-01T00:00:00.000000Z".into()),
        )
        .unwrap();
        Arc::new(Value::Object(doc))
    }

    fn change(tenant: &str, before: Option<Arc<Value>>, after: Option<Arc<Value>>) -> ChangeEvent {
        ChangeEvent {
            tenant: tenant.into(),
            id: "urn:x:1".into(),
            before,
            after,
            attributes: vec![],
        }
    }

    #[test]
    fn renders_key_values_with_location_apart() {
        let e = entity("urn:x:1", "AirQualityObserved");
        let out = render_change(&change("", None, Some(e)), &Identity);
        assert_eq!(out["id"], "urn:x:1");
        assert_eq!(out["type"], "AirQualityObserved");
        assert_eq!(out["deleted"], false);
        assert_eq!(out["attrs"], json!({"pm25": 35.5}));
        assert_eq!(out["location"]["coordinates"], json!([106.6, 29.7]));
    }

    #[test]
    fn a_deletion_keeps_the_type_and_drops_the_attributes() {
        let e = entity("urn:x:1", "Streetlight");
        let out = render_change(&change("", Some(e), None), &Identity);
        assert_eq!(out["deleted"], true);
        assert_eq!(out["type"], "Streetlight");
        assert_eq!(out["attrs"], json!({}));
        assert_eq!(out["location"], Value::Null);
    }

    #[test]
    fn filters_by_tenant_and_type() {
        let e = entity("urn:x:1", "Streetlight");
        let all = LiveFilter::parse(None, None, &Identity).unwrap();
        assert!(all.matches(&change("", None, Some(e.clone()))));
        assert!(!all.matches(&change("other", None, Some(e.clone()))));
        let lights = LiveFilter::parse(Some("Building, Streetlight"), None, &Identity).unwrap();
        assert!(lights.matches(&change("", Some(e.clone()), None)));
        let parking = LiveFilter::parse(Some("OffStreetParking"), None, &Identity).unwrap();
        assert!(!parking.matches(&change("", None, Some(e))));
        let tenant = LiveFilter::parse(None, Some("other"), &Identity).unwrap();
        assert_eq!(tenant.tenant, "other");
        assert!(LiveFilter::parse(Some("A,,B"), None, &Identity).is_err());
    }
}
