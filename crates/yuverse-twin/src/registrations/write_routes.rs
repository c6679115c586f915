//! Distributed writes (clause 4.3.6.3): which context sources a write on one entity goes to,
//! and which of the written attributes stay with the broker.
//!
//! A registration takes a write when it is not expired, is not `auxiliary` (auxiliary sources
//! are only read), names the operation in `operations` (or a group holding it), and one of
//! its `information` items covers the entity (its id, id pattern and type) and at least one
//! written attribute (an item without attribute names covers every attribute, and so the
//! whole entity). What `exclusive` and `redirect` sources take, the broker does not write
//! itself; `inclusive` sources get a copy of what the broker writes.

use super::{model::RegistrationInfo, Registrations, Stored};

/// One context source a write goes to.
#[derive(Debug, Clone)]
pub struct WriteTarget {
    pub source: Stored,
    /// Expanded names of the written attributes the source takes; `None` when it takes the
    /// whole entity (a covering item names no attributes).
    pub attributes: Option<Vec<String>>,
}

/// Where one write goes.
#[derive(Debug, Default)]
pub struct WriteRoute {
    pub targets: Vec<WriteTarget>,
    /// Attributes that exclusive or redirect sources take: the broker leaves them out.
    pub taken: Vec<String>,
    /// An exclusive or redirect source takes the whole entity: the broker writes nothing.
    pub whole_entity_taken: bool,
}

impl WriteRoute {
    /// Whether the broker keeps attribute `name` (expanded) of this write.
    pub fn keeps(&self, name: &str) -> bool {
        !self.whole_entity_taken && !self.taken.iter().any(|t| t == name)
    }
}

impl Registrations {
    /// The route of `operation` on entity `id` of tenant `tenant`. `entity_type` (expanded) is
    /// the entity's type when known (a create's body, or the stored entity); `written` the
    /// expanded names of the attributes written, or `None` when the write concerns the whole
    /// entity (a deletion).
    pub fn route_write(
        &self,
        tenant: &str,
        operation: &str,
        id: &str,
        entity_type: Option<&[String]>,
        written: Option<&[String]>,
    ) -> WriteRoute {
        let now = yuverse_core::time::now_db();
        let mut route = WriteRoute::default();
        for source in self.of_tenant(tenant) {
            let registration = &source.registration;
            let mode = registration.mode();
            if mode == "auxiliary" || registration.expired(&now) || !registration.allows(operation)
            {
                continue;
            }
            let Some(attributes) = registration
                .information
                .iter()
                .filter(|info| covers_entity(info, id, entity_type))
                .map(|info| taken_attributes(info, written))
                .reduce(union)
                .flatten()
            else {
                continue;
            };
            if mode == "exclusive" || mode == "redirect" {
                match &attributes {
                    None => route.whole_entity_taken = true,
                    Some(names) => route.taken.extend(names.iter().cloned()),
                }
            }
            route.targets.push(WriteTarget { source, attributes });
        }
        route
    }

    /// The sources a purge of entities of `types` (expanded) goes to: those taking
    /// `purgeEntity` with an item that covers entities of one of the types (or any entity).
    /// Every mode but `auxiliary`: the broker purges its own entities of the types too.
    pub fn purge_targets(&self, tenant: &str, types: &[String]) -> Vec<Stored> {
        let now = yuverse_core::time::now_db();
        self.of_tenant(tenant)
            .into_iter()
            .filter(|source| {
                let registration = &source.registration;
                registration.mode() != "auxiliary"
                    && !registration.expired(&now)
                    && registration.allows("purgeEntity")
                    && registration.information.iter().any(|info| {
                        info.entities.is_empty()
                            || info
                                .entities
                                .iter()
                                .any(|e| e.types.iter().any(|t| types.contains(t)))
                    })
            })
            .collect()
    }

    /// Every registration of the tenant.
    pub(super) fn of_tenant(&self, tenant: &str) -> Vec<Stored> {
        self.inner
            .by_tenant
            .read()
            .map(|map| {
                map.get(tenant)
                    .map(|t| t.values().cloned().collect())
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    }
}

/// Whether the item covers the entity: it names no entities, or one of them has the entity's
/// id (or a pattern it fits) and, when the entity's type is known, one of its types.
fn covers_entity(info: &RegistrationInfo, id: &str, entity_type: Option<&[String]>) -> bool {
    info.entities.is_empty()
        || info.entities.iter().any(|e| {
            e.id.as_deref().is_none_or(|i| i == id)
                && e.id_pattern.as_ref().is_none_or(|p| p.is_match(id))
                && entity_type.is_none_or(|types| e.types.iter().any(|t| types.contains(t)))
        })
}

/// What one covering item takes of the write: `Some(None)` the whole entity, `Some(names)`
/// some attributes, `None` nothing (it names none of those written).
fn taken_attributes(
    info: &RegistrationInfo,
    written: Option<&[String]>,
) -> Option<Option<Vec<String>>> {
    if info.attributes.is_empty() {
        return Some(None);
    }
    let names: Vec<String> = match written {
        None => info.attributes.clone(),
        Some(written) => info
            .attributes
            .iter()
            .filter(|a| written.contains(a))
            .cloned()
            .collect(),
    };
    (!names.is_empty()).then_some(Some(names))
}

/// Two items' takings together: the whole entity wins over names.
fn union(
    a: Option<Option<Vec<String>>>,
    b: Option<Option<Vec<String>>>,
) -> Option<Option<Vec<String>>> {
    match (a, b) {
        (None, other) | (other, None) => other,
        (Some(None), _) | (_, Some(None)) => Some(None),
        (Some(Some(mut a)), Some(Some(b))) => {
            for name in b {
                if !a.contains(&name) {
                    a.push(name);
                }
            }
            Some(Some(a))
        }
    }
}
