//! Discovery: `GET /csourceRegistrations` (clause 5.10.2) answers the registrations whose
//! sources could provide what a query asks for.
//!
//! A registration matches when one of its `information` items covers the asked entities
//! (`id`, `idPattern`, `type`) and attributes (`attrs`, and those `q` names), and its own
//! members satisfy `csf`, `scopeQ`, the geo-query (on `location`, or the `geoproperty`
//! `observationSpace`/`operationSpace`) and the time window (on `observationInterval`, or
//! `managementInterval` with `timeproperty`). An item without `entities` covers every entity,
//! one without property and relationship names every attribute. A registration without the
//! asked geometry or interval does not match a geo-query or a time window.

use std::collections::HashMap;

use yuverse_twin_query::Query;

use super::model::{Interval, Registration, RegistrationInfo};
use crate::domain::Vocabulary;
use crate::error::{NgsiError, NgsiResult};
use crate::http::{time_param, RequestContext};
use crate::service::temporal::TimeRel;
use crate::store::memory::Selector;
use crate::store::types::TypeExpr;
use crate::subscriptions::{EntitySelector, Subscription};

/// Which interval a time window is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IntervalProperty {
    Observation,
    Management,
}

/// A parsed discovery query.
pub struct Discovery {
    selector: Selector,
    csf: Option<Query>,
    window: Option<(IntervalProperty, Option<String>, Option<String>)>,
}

/// A `csf` (the query language over a source's own members), its names expanded.
pub fn parse_csf(text: &str, vocab: &dyn Vocabulary) -> NgsiResult<Query> {
    let mut query =
        yuverse_twin_query::parse_q(text).map_err(|e| NgsiError::bad_data(format!("csf: {e}")))?;
    query.map_attribute_names(&mut |n| vocab.expand(n));
    Ok(query)
}

impl Discovery {
    pub fn parse(p: &HashMap<String, String>, ctx: &RequestContext) -> NgsiResult<Discovery> {
        let selector = crate::http::selector(p, ctx)?;
        let csf = p.get("csf").map(|text| parse_csf(text, ctx)).transpose()?;
        let rel = TimeRel::parse(
            p.get("timerel").map(String::as_str),
            time_param(p, "timeAt")?,
            time_param(p, "endTimeAt")?,
        )?;
        // The standard names the entity's time properties here: `observedAt` stands for the
        // registration's observationInterval, `createdAt` and `modifiedAt` for its
        // managementInterval (the conformance suite's 037_09); the interval names are kept.
        let property = match p.get("timeproperty").map(String::as_str) {
            None | Some("observedAt" | "observationInterval") => IntervalProperty::Observation,
            Some("createdAt" | "modifiedAt" | "managementInterval") => IntervalProperty::Management,
            Some(other) => {
                return Err(NgsiError::bad_data(format!(
                    "timeproperty `{other}`: use observedAt, createdAt or modifiedAt"
                )))
            }
        };
        let window = rel.map(|rel| {
            let (from, until) = rel.bounds();
            (property, from, until)
        });
        Ok(Discovery {
            selector,
            csf,
            window,
        })
    }

    /// The filters of a context source subscription: one per entity selector (a registration
    /// matches when one of them does), with its watched attributes, `q`, `geoQ` and `csf`.
    pub fn for_subscription(subscription: &Subscription, csf: Option<&Query>) -> Vec<Discovery> {
        let filter = |entity: Option<&EntitySelector>| Discovery {
            selector: Selector {
                ids: entity.and_then(|e| e.id.clone()).map(|id| vec![id]),
                id_pattern: entity.and_then(|e| e.id_pattern.clone()),
                types: entity.map(|e| {
                    e.type_expr.clone().unwrap_or_else(|| {
                        TypeExpr::Any(e.types.iter().cloned().map(TypeExpr::Name).collect())
                    })
                }),
                attrs: (!subscription.watched.is_empty()).then(|| subscription.watched.clone()),
                q: subscription.q.clone(),
                scope_q: None,
                geo: subscription.geo.clone(),
                any_of: Vec::new(),
            },
            csf: csf.cloned(),
            window: None,
        };
        if subscription.entities.is_empty() {
            vec![filter(None)]
        } else {
            subscription
                .entities
                .iter()
                .map(|e| filter(Some(e)))
                .collect()
        }
    }

    pub fn matches(&self, registration: &Registration) -> bool {
        let s = &self.selector;
        registration
            .information
            .iter()
            .any(|info| self.covers_information(info))
            && self
                .csf
                .as_ref()
                .is_none_or(|q| q.matches(&registration.as_entity))
            && s.scope_q
                .as_ref()
                .is_none_or(|q| q.matches_entity(&registration.as_entity))
            && s.geo.as_ref().is_none_or(|geo| {
                registration
                    .as_entity
                    .get(&geo.geoproperty)
                    .and_then(|g| g.get(0))
                    .and_then(|g| g.get("value"))
                    .is_some_and(|g| geo.matches_geojson(g))
            })
            && self.window.as_ref().is_none_or(|(property, from, until)| {
                let interval = match property {
                    IntervalProperty::Observation => &registration.observation_interval,
                    IntervalProperty::Management => &registration.management_interval,
                };
                interval
                    .as_ref()
                    .is_some_and(|i| overlaps(i, from.as_deref(), until.as_deref()))
            })
    }

    /// Whether one `information` item covers the asked entities and attributes.
    pub fn covers_information(&self, info: &RegistrationInfo) -> bool {
        self.covers_entities(info) && self.covers_attributes(info)
    }

    fn covers_entities(&self, info: &RegistrationInfo) -> bool {
        let s = &self.selector;
        let asks = s.ids.is_some() || s.id_pattern.is_some() || s.types.is_some();
        !asks || info.entities.is_empty() || info.entities.iter().any(|e| self.covers(e))
    }

    fn covers(&self, entity: &EntitySelector) -> bool {
        let s = &self.selector;
        let types: Vec<&str> = entity.types.iter().map(String::as_str).collect();
        let type_ok = s.types.as_ref().is_none_or(|t| t.matches(&types));
        // A registered id must be one asked for (or fit the asked pattern); a registered
        // pattern may hold any asked id that fits it, and may overlap any asked pattern.
        let ids_ok = s
            .ids
            .as_ref()
            .is_none_or(|ids| match (&entity.id, &entity.id_pattern) {
                (Some(id), _) => ids.contains(id),
                (None, Some(pattern)) => ids.iter().any(|i| pattern.is_match(i)),
                (None, None) => true,
            });
        let pattern_ok = s
            .id_pattern
            .as_ref()
            .is_none_or(|pattern| entity.id.as_ref().is_none_or(|id| pattern.is_match(id)));
        type_ok && ids_ok && pattern_ok
    }

    /// The item names no attributes (it covers all), or one of those `attrs` asks for, and
    /// one of those `q` tests.
    fn covers_attributes(&self, info: &RegistrationInfo) -> bool {
        if info.attributes.is_empty() {
            return true;
        }
        let provides = |name: &str| info.attributes.iter().any(|a| a == name);
        let s = &self.selector;
        s.attrs
            .as_ref()
            .is_none_or(|attrs| attrs.iter().any(|a| provides(a)))
            && s.q.as_ref().is_none_or(|q| {
                let names = q.attribute_names();
                names.is_empty() || names.into_iter().any(provides)
            })
    }
}

/// Whether the interval meets the window `[from, until)`; an interval without an end is open.
fn overlaps(interval: &Interval, from: Option<&str>, until: Option<&str>) -> bool {
    until.is_none_or(|u| interval.start.as_str() < u)
        && from.is_none_or(|f| interval.end.as_deref().is_none_or(|e| e >= f))
}
