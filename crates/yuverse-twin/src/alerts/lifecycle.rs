//! The transitions of an alert, each one write transaction with its audit entry, followed by
//! the update of the alert's mirror entity in the twin.
//!
//! A mirror update happens after the commit; the row's `mirrored` flag stays 0 until the twin
//! has the latest state, and alerts left unmirrored (a crash in between) are mirrored again at
//! start. Mirrors are written one at a time from the alert's latest row, so a slow writer can
//! never put an older state over a newer one.

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::Mutex;
use yuverse_core::db::Database;
use yuverse_core::{ids, time, Actor, Error};
use yuverse_governance::service::audit::{append, AuditActor, AuditEvent};

use super::model::{Alert, AlertState, REASON_CLEARED};
use super::rule::CompiledRule;
use super::{sdm, store};
use crate::domain::entity::{doc, id_of};
use crate::domain::Vocabulary;
use crate::service::batch::BatchOp;
use crate::Twin;

pub(super) struct Shared {
    pub db: Database,
    pub twin: Twin,
    /// The core @context: rule names and mirror entities use it, as clients without a Link
    /// header do.
    pub vocab: Arc<dyn Vocabulary>,
    mirror_lock: Mutex<()>,
}

pub(super) fn target(alert_id: &str) -> String {
    format!("alert:{alert_id}")
}

impl Shared {
    pub fn new(db: Database, twin: Twin, vocab: Arc<dyn Vocabulary>) -> Shared {
        Shared {
            db,
            twin,
            vocab,
            mirror_lock: Mutex::new(()),
        }
    }

    /// The entity started matching `rule`: remember that, and raise an alert unless one is
    /// still open or acknowledged for this (rule, entity).
    pub async fn started_matching(
        &self,
        rule: &CompiledRule,
        tenant: &str,
        entity: &Value,
    ) -> Result<(), Error> {
        let entity_id = id_of(doc(entity));
        let now = time::now_db();
        let mut tx = self.db.write().await?;
        store::insert_match(tx.conn(), (&rule.id, tenant, entity_id), &now).await?;
        let active = store::active_alert(tx.conn(), &rule.id, tenant, entity_id).await?;
        let raised = match active {
            Some(_) => None,
            None => {
                let alert = Alert {
                    id: ids::new_id(),
                    rule_id: rule.id.clone(),
                    rule_name: rule.name.clone(),
                    severity: rule.severity,
                    entity_id: entity_id.to_owned(),
                    entity_type: rule.entity_type.clone(),
                    tenant: tenant.to_owned(),
                    message: rule.message().to_owned(),
                    values: rule.values(entity),
                    location: rule.location(entity),
                    state: AlertState::Open,
                    raised_at: now,
                    acknowledged_at: None,
                    acknowledged_by: None,
                    closed_at: None,
                    closed_by: None,
                    close_reason: None,
                };
                store::insert_alert(tx.conn(), &alert).await?;
                append(
                    tx.conn(),
                    &AuditActor::from(&Actor::system()),
                    AuditEvent::new("alert.raise", Some(&target(&alert.id))).detail(format!(
                        "rule {} on {entity_id}: {}",
                        rule.id, alert.message
                    )),
                )
                .await?;
                Some(alert.id)
            }
        };
        tx.commit().await?;
        if let Some(id) = raised {
            tracing::info!(alert = %id, rule = %rule.id, entity = %entity_id, "alert raised");
            self.mirror(&id).await;
        }
        Ok(())
    }

    /// The entity stopped matching (or was deleted): forget the match and, with `autoClose`,
    /// close its active alert with reason `cleared`.
    pub async fn stopped_matching(
        &self,
        rule_id: &str,
        auto_close: bool,
        tenant: &str,
        entity_id: &str,
    ) -> Result<(), Error> {
        let mut tx = self.db.write().await?;
        store::delete_match(tx.conn(), (rule_id, tenant, entity_id)).await?;
        let mut closed = None;
        if auto_close {
            if let Some(id) = store::active_alert(tx.conn(), rule_id, tenant, entity_id).await? {
                if close_in(tx.conn(), &Actor::system(), &id, Some(REASON_CLEARED)).await? {
                    closed = Some(id);
                }
            }
        }
        tx.commit().await?;
        if let Some(id) = closed {
            self.mirror(&id).await;
        }
        Ok(())
    }

    /// Writes the alert's latest state to its mirror entity; failures are logged and retried
    /// at the next start.
    pub async fn mirror(&self, alert_id: &str) {
        let _one_at_a_time = self.mirror_lock.lock().await;
        if let Err(e) = self.mirror_now(alert_id).await {
            tracing::warn!(alert = %alert_id, error = %e, "cannot update the alert's twin entity; retrying at the next start");
        }
    }

    async fn mirror_now(&self, alert_id: &str) -> Result<(), Error> {
        let found = {
            let mut conn = self.db.pool.acquire().await?;
            store::get_alert(&mut conn, alert_id).await?
        };
        let Some((alert, version)) = found else {
            return Ok(());
        };
        let entity = Value::Array(vec![sdm::alert_entity(&alert)]);
        let result = self
            .twin
            .batch(
                &alert.tenant,
                BatchOp::Upsert { replace: true },
                &entity,
                self.vocab.as_ref(),
            )
            .await
            .map_err(|e| Error::Unavailable(e.detail))?;
        if let Some(failed) = result.errors.first() {
            return Err(Error::Unavailable(failed.error.detail.clone()));
        }
        let mut tx = self.db.write().await?;
        store::set_mirrored(tx.conn(), alert_id, version).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Mirrors every alert whose last transition did not reach the twin.
    pub async fn mirror_pending(&self) -> Result<(), Error> {
        let pending = {
            let mut conn = self.db.pool.acquire().await?;
            store::unmirrored(&mut conn).await?
        };
        for id in pending {
            self.mirror(&id).await;
        }
        Ok(())
    }
}

/// Closes an alert inside the caller's transaction and audits it; `false` if it was closed.
pub(super) async fn close_in(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    alert_id: &str,
    reason: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let now = time::now_db();
    let closed = store::close(conn, alert_id, &actor.audit_name(), &now, reason).await?;
    if closed {
        let mut event = AuditEvent::new("alert.close", Some(&target(alert_id)));
        if let Some(reason) = reason {
            event = event.detail(reason);
        }
        append(conn, &AuditActor::from(actor), event).await?;
    }
    Ok(closed)
}
