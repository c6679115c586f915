//! The engine: one task that evaluates the enabled rules on every committed change of the
//! twin ([`crate::Twin::watch`]) and raises or clears alerts on the edges.
//!
//! Which (rule, entity) pairs match is kept in memory and in `twin_alert_matches`, so the
//! engine is edge-triggered across restarts: an entity that keeps matching never raises again,
//! even after its alert was closed by hand. Whenever the engine may have missed changes (start,
//! a lagging watch, a rule created or edited) it compares the stored matches with the twin's
//! current state and acts on the differences. Rule changes reach the engine as commands, so
//! evaluation never races with itself.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, mpsc, oneshot};
use yuverse_core::Error;

use super::lifecycle::Shared;
use super::matched::Matched;
use super::rule::CompiledRule;
use super::store;
use crate::domain::entity::{doc, id_of, types_of};
use crate::store::memory::Selector;
use crate::store::types::TypeExpr;
use crate::subscriptions::ChangeEvent;

/// Sent by the service after it changed rules; answered once the engine has caught up.
pub(super) struct Reload {
    /// The rule to re-evaluate on the current state (`None`: none, e.g. after a delete).
    pub resync: Option<String>,
    pub done: oneshot::Sender<()>,
}

pub(super) struct Engine {
    shared: Arc<Shared>,
    /// Enabled rules by expanded entity type.
    by_type: HashMap<String, Vec<Arc<CompiledRule>>>,
    matches: Matched,
}

impl Engine {
    pub async fn load(shared: Arc<Shared>) -> Result<Engine, Error> {
        let mut engine = Engine {
            shared,
            by_type: HashMap::new(),
            matches: Matched::default(),
        };
        engine.reload().await?;
        Ok(engine)
    }

    /// Reads the rules and the matches again; matches of rules that are gone or disabled are
    /// dropped, so enabling a rule again starts from the current state.
    async fn reload(&mut self) -> Result<(), Error> {
        let mut tx = self.shared.db.write().await?;
        sqlx::query(
            "DELETE FROM twin_alert_matches WHERE rule_id NOT IN \
             (SELECT id FROM twin_alert_rules WHERE enabled = 1)",
        )
        .execute(tx.conn())
        .await?;
        let rules = store::all_rules(tx.conn()).await?;
        let matches = store::all_matches(tx.conn()).await?;
        tx.commit().await?;
        self.by_type.clear();
        for stored in rules.iter().filter(|s| s.rule.enabled) {
            match CompiledRule::compile(stored, self.shared.vocab.as_ref()) {
                Some(rule) => self
                    .by_type
                    .entry(rule.type_iri.clone())
                    .or_default()
                    .push(Arc::new(rule)),
                None => {
                    tracing::warn!(rule = %stored.rule.id, "alert rule does not compile; skipped")
                }
            }
        }
        self.matches = Matched::from_rows(matches);
        Ok(())
    }

    fn rules(&self) -> Vec<Arc<CompiledRule>> {
        self.by_type.values().flatten().cloned().collect()
    }

    pub async fn run(
        mut self,
        mut changes: broadcast::Receiver<ChangeEvent>,
        mut commands: mpsc::Receiver<Reload>,
    ) {
        loop {
            tokio::select! {
                command = commands.recv() => {
                    let Some(command) = command else { return };
                    if let Err(e) = self.reload().await {
                        tracing::warn!(error = %e, "cannot reload the alert rules");
                    }
                    if let Some(id) = command.resync {
                        let rule = self.rules().into_iter().find(|r| r.id == id);
                        if let Some(rule) = rule {
                            self.resync(&rule).await;
                        }
                    }
                    let _ = command.done.send(());
                }
                change = changes.recv() => match change {
                    Ok(change) => self.on_change(&change).await,
                    Err(RecvError::Lagged(skipped)) => {
                        tracing::warn!(skipped, "alert engine fell behind the twin; re-evaluating from the current state");
                        self.resync_all().await;
                    }
                    Err(RecvError::Closed) => return,
                },
            }
        }
    }

    async fn on_change(&mut self, change: &ChangeEvent) {
        let mut types: Vec<&str> = Vec::new();
        for state in [&change.before, &change.after].into_iter().flatten() {
            types.extend(types_of(doc(state)));
        }
        let mut rules: Vec<Arc<CompiledRule>> = Vec::new();
        for t in types {
            for rule in self.by_type.get(t).into_iter().flatten() {
                if !rules.iter().any(|r| r.id == rule.id) {
                    rules.push(rule.clone());
                }
            }
        }
        for rule in rules {
            self.evaluate(&rule, &change.tenant, &change.id, change.after.as_deref())
                .await;
        }
    }

    /// Acts on an edge between what was stored and what `entity` (its current state, `None`
    /// when deleted) says now. A failed write changes nothing in memory, so the next change of
    /// the entity tries again.
    async fn evaluate(
        &mut self,
        rule: &CompiledRule,
        tenant: &str,
        entity_id: &str,
        entity: Option<&Value>,
    ) {
        let was = self.matches.contains(&rule.id, tenant, entity_id);
        let result = match entity.filter(|e| rule.matches(e)) {
            Some(entity) if !was => self
                .shared
                .started_matching(rule, tenant, entity)
                .await
                .map(|()| self.matches.insert(&rule.id, tenant, entity_id)),
            None if was => self
                .shared
                .stopped_matching(&rule.id, rule.auto_close, tenant, entity_id)
                .await
                .map(|()| self.matches.remove(&rule.id, tenant, entity_id)),
            _ => Ok(()),
        };
        if let Err(e) = result {
            tracing::warn!(rule = %rule.id, entity = %entity_id, error = %e, "cannot record an alert change");
        }
    }

    pub async fn resync_all(&mut self) {
        for rule in self.rules() {
            self.resync(&rule).await;
        }
    }

    /// Compares a rule's stored matches and active alerts with the twin's current state.
    async fn resync(&mut self, rule: &CompiledRule) {
        let current = match self.current_matches(rule) {
            Ok(current) => current,
            Err(e) => {
                tracing::warn!(rule = %rule.id, error = %e, "cannot evaluate an alert rule");
                return;
            }
        };
        for ((tenant, id), entity) in &current {
            self.evaluate(rule, tenant, id, Some(entity)).await;
        }
        let gone: Vec<(String, String)> = self
            .matches
            .of_rule(&rule.id)
            .into_iter()
            .filter(|pair| !current.contains_key(pair))
            .collect();
        for (tenant, id) in gone {
            self.evaluate(rule, &tenant, &id, None).await;
        }
        if rule.auto_close {
            self.close_orphans(rule, &current).await;
        }
    }

    /// Active alerts of entities that do not match although no match was stored (the rule
    /// was disabled meanwhile, or changed): cleared like any other.
    async fn close_orphans(
        &mut self,
        rule: &CompiledRule,
        current: &HashMap<(String, String), Arc<Value>>,
    ) {
        let active = async {
            let mut conn = self.shared.db.pool.acquire().await?;
            store::active_alerts_of_rule(&mut conn, &rule.id).await
        };
        let active = match active.await {
            Ok(active) => active,
            Err(e) => {
                tracing::warn!(rule = %rule.id, error = %e, "cannot read active alerts");
                return;
            }
        };
        for (_, tenant, entity_id) in active {
            if !current.contains_key(&(tenant.clone(), entity_id.clone())) {
                if let Err(e) = self
                    .shared
                    .stopped_matching(&rule.id, true, &tenant, &entity_id)
                    .await
                {
                    tracing::warn!(rule = %rule.id, entity = %entity_id, error = %e, "cannot clear an alert");
                }
            }
        }
    }

    /// The entities matching a rule now, in every tenant, found through the type index.
    fn current_matches(
        &self,
        rule: &CompiledRule,
    ) -> Result<HashMap<(String, String), Arc<Value>>, Error> {
        let twin = &self.shared.twin;
        let unavailable = |e: crate::error::NgsiError| Error::Unavailable(e.detail);
        let mut current = HashMap::new();
        for tenant in twin.tenant_names().map_err(unavailable)? {
            let selector = Selector {
                types: Some(TypeExpr::Name(rule.type_iri.clone())),
                ..Selector::default()
            };
            let page = twin
                .query(&tenant, &selector, None, (0, usize::MAX), false)
                .map_err(unavailable)?;
            for entity in page.entities {
                if rule.matches(&entity) {
                    let id = id_of(doc(&entity)).to_owned();
                    current.insert((tenant.clone(), id), entity);
                }
            }
        }
        Ok(current)
    }
}
