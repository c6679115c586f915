//! The 409 Conflict rules for an exclusive or redirect registration, checked when one is
//! created or updated (clauses 4.3.6.3 and 5.9.2.4 of GS CIM 009 V1.9.1):
//! - once an exclusive registration exists, no further exclusive or redirect registration may
//!   be made for the same entity id and attributes (redirect registrations may overlap each
//!   other, and inclusive ones anything);
//! - an exclusive registration conflicts with a stored entity of its entity id that has any
//!   of its attributes;
//! - a redirect registration conflicts with a stored entity it matches (id, id pattern and
//!   type, and one of its attributes when it names attributes; an item naming attributes but
//!   no entities, any entity with one of them).

use std::sync::Arc;

use super::model::RegistrationInfo;
use super::{Registration, Registrations};
use crate::domain::entity::{doc as doc_of, id_of};
use crate::error::{ErrorKind, NgsiError, NgsiResult};
use crate::store::memory::Selector;
use crate::store::types::TypeExpr;
use crate::subscriptions::EntitySelector;
use crate::Twin;

/// Refuses `registration` (of `tenant`) with 409 Conflict when it breaks one of the rules.
pub fn check(twin: &Twin, tenant: &str, registration: &Registration) -> NgsiResult<()> {
    let mode = registration.mode();
    if mode != "exclusive" && mode != "redirect" {
        return Ok(());
    }
    exclusive_overlap(twin.registrations()?, tenant, registration)?;
    for info in &registration.information {
        // An item without entities takes its attributes of every entity.
        let selectors: Vec<Option<&EntitySelector>> = if info.entities.is_empty() {
            vec![None]
        } else {
            info.entities.iter().map(Some).collect()
        };
        for selector in selectors {
            if let Some(id) = stored_match(twin, tenant, mode, selector, &info.attributes) {
                return Err(conflict(format!(
                    "entity `{id}` exists here with what the {mode} registration would take from its context source"
                )));
            }
        }
    }
    Ok(())
}

fn conflict(detail: String) -> NgsiError {
    NgsiError::new(ErrorKind::Conflict, detail)
}

/// An existing exclusive registration (other than this one, not expired) for an entity and
/// attributes this registration names too.
fn exclusive_overlap(
    registrations: &Registrations,
    tenant: &str,
    registration: &Registration,
) -> NgsiResult<()> {
    let now = yuverse_core::time::now_db();
    let others: Vec<Arc<Registration>> = registrations
        .of_tenant(tenant)
        .into_iter()
        .map(|s| s.registration)
        .collect();
    let taken = others.iter().find(|other| {
        other.id != registration.id
            && other.mode() == "exclusive"
            && !other.expired(&now)
            && other.information.iter().any(|theirs| {
                registration
                    .information
                    .iter()
                    .any(|ours| overlaps(ours, theirs))
            })
    });
    match taken {
        Some(other) => Err(conflict(format!(
            "the exclusive registration `{}` already takes some of these attributes of these entities",
            other.id
        ))),
        None => Ok(()),
    }
}

/// Whether item `ours` covers an entity and an attribute of the exclusive item `theirs`
/// (which names entities by id, and attributes).
fn overlaps(ours: &RegistrationInfo, theirs: &RegistrationInfo) -> bool {
    let attributes = ours.attributes.is_empty()
        || ours
            .attributes
            .iter()
            .any(|a| theirs.attributes.contains(a));
    let entities = ours.entities.is_empty()
        || theirs.entities.iter().any(|e| {
            let Some(id) = e.id.as_deref() else {
                return false;
            };
            ours.entities.iter().any(|s| {
                s.id.as_deref().is_none_or(|i| i == id)
                    && s.id_pattern.as_ref().is_none_or(|p| p.is_match(id))
                    && s.types.iter().any(|t| e.types.contains(t))
            })
        });
    attributes && entities
}

/// The id of a stored entity the selector matches (any entity without one) and that has one
/// of `attributes` (an exclusive registration's), or that has one of them or any attribute
/// when none are named (a redirect registration's). Asked of the query engine, which starts
/// from its id, type and attribute indexes.
fn stored_match(
    twin: &Twin,
    tenant: &str,
    mode: &str,
    selector: Option<&EntitySelector>,
    attributes: &[String],
) -> Option<String> {
    if attributes.is_empty() && (mode != "redirect" || selector.is_none()) {
        return None;
    }
    let query = Selector {
        ids: selector.and_then(|s| s.id.clone()).map(|id| vec![id]),
        id_pattern: selector.and_then(|s| s.id_pattern.clone()),
        types: selector.map(|s| {
            s.type_expr.clone().unwrap_or_else(|| {
                TypeExpr::Any(s.types.iter().cloned().map(TypeExpr::Name).collect())
            })
        }),
        attrs: (!attributes.is_empty()).then(|| attributes.to_vec()),
        ..Selector::default()
    };
    let page = twin.query(tenant, &query, None, (0, 1), false).ok()?;
    page.entities
        .first()
        .map(|entity| id_of(doc_of(entity)).to_owned())
}
