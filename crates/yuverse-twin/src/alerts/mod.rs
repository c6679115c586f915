//! Alerts of the digital twin (告警): rules on entity attributes (an NGSI-LD `q`) and
//! geo-fences raise alerts that live through open → acknowledged → closed, are kept in SQL,
//! and are mirrored into the twin as Smart Data Models `Alert` entities so that NGSI-LD
//! subscriptions notify receivers.
//!
//! Rooms: [`model`] (types and checks), `rule` (evaluation and messages), `sdm` (the mirror
//! entity), `store` (SQL), `lifecycle` (transitions with their audit entries and mirrors),
//! `engine` (the watcher of twin changes), `seed` (default rules), this module (the use cases,
//! each authorising first) and [`http`].

mod engine;
pub mod http;
mod lifecycle;
mod matched;
pub mod model;
mod rule;
mod sdm;
mod seed;
mod store;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot, Mutex};
use tokio::task::JoinHandle;
use yuverse_core::paging::{Page, Paged};
use yuverse_core::{ids, time, Actor, Error, Permission};
use yuverse_governance::service::audit::{append, AuditActor, AuditEvent, Outcome};

pub use model::{Alert, AlertState, CloseRequest, NewRule, Rule, RulePatch, Severity};
pub use sdm::entity_id;
pub use seed::MINE_PARK_CAPACITY;
pub use store::AlertFilter;

use crate::http::Contexts;
use crate::Twin;
use engine::{Engine, Reload};
use lifecycle::{close_in, target, Shared};
use model::{check_reason, check_rule, Geofence, REASON_RULE_DELETED};
use rule::StoredRule;
use yuverse_core::db::Database;

/// A place of the district an alert rule can use as its geofence.
#[derive(Debug, Clone)]
pub struct Place {
    pub id: String,
    pub name: String,
    /// GeoJSON geometry (WGS84).
    pub geometry: Value,
}

pub type PlaceFuture<'a> = Pin<Box<dyn Future<Output = Result<Option<Place>, Error>> + Send + 'a>>;

/// Where places come from (the industry context, wired by the composition root).
pub trait PlaceDirectory: Send + Sync {
    /// The place with this id or code.
    fn find<'a>(&'a self, id_or_code: &'a str) -> PlaceFuture<'a>;
}

#[derive(Clone)]
pub struct Alerts {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Arc<Shared>,
    places: Arc<dyn PlaceDirectory>,
    engine: mpsc::Sender<Reload>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for Alerts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Alerts")
    }
}

const ACTION_RULE_CREATE: &str = "alert_rule.create";
const ACTION_RULE_UPDATE: &str = "alert_rule.update";
const ACTION_RULE_DELETE: &str = "alert_rule.delete";
const ACTION_ACKNOWLEDGE: &str = "alert.acknowledge";
const ACTION_CLOSE: &str = "alert.close";

impl Alerts {
    /// Seeds the default rules on the first start, mirrors alerts left unmirrored, evaluates
    /// every rule on the twin's current state and starts watching its changes.
    pub async fn start(
        db: Database,
        twin: Twin,
        contexts: &Contexts,
        places: Arc<dyn PlaceDirectory>,
    ) -> anyhow::Result<Alerts> {
        let shared = Arc::new(Shared::new(db, twin, Arc::new(contexts.core())));
        let failed = |what: &'static str| move |e: Error| anyhow::anyhow!("{what}: {e}");
        seed::seed_once(&shared.db, places.as_ref())
            .await
            .map_err(failed("seeding the default alert rules"))?;
        // Watch before the first evaluation, so no change falls in between.
        let changes = shared.twin.watch();
        let mut engine = Engine::load(shared.clone())
            .await
            .map_err(failed("loading the alert rules"))?;
        shared
            .mirror_pending()
            .await
            .map_err(failed("mirroring alerts"))?;
        engine.resync_all().await;
        let (sender, commands) = mpsc::channel(16);
        let task = tokio::spawn(engine.run(changes, commands));
        Ok(Alerts {
            inner: Arc::new(Inner {
                shared,
                places,
                engine: sender,
                task: Mutex::new(Some(task)),
            }),
        })
    }

    /// Stops the engine (before the database closes). What it had not evaluated yet is
    /// evaluated from the twin's state at the next start.
    pub async fn stop(&self) {
        if let Some(task) = self.inner.task.lock().await.take() {
            task.abort();
            let _ = task.await;
        }
    }

    /// Alerts in state `open` (raised, nobody acknowledged them yet), for indicators.
    pub async fn count_open(&self) -> Result<i64, Error> {
        let mut conn = self.inner.shared.db.pool.acquire().await?;
        Ok(store::count_in_state(&mut conn, AlertState::Open).await?)
    }

    fn require_read(actor: &Actor) -> Result<(), Error> {
        if actor.has(Permission::TwinRead) {
            return Ok(());
        }
        actor.require(Permission::TwinAlertsRead)
    }

    /// `twin:alerts:manage`, with a refusal audited as `denied`.
    async fn require_manage(&self, actor: &Actor, action: &str, target: &str) -> Result<(), Error> {
        let Err(refused) = actor.require(Permission::TwinAlertsManage) else {
            return Ok(());
        };
        let audited = async {
            let mut tx = self.inner.shared.db.write().await?;
            append(
                tx.conn(),
                &AuditActor::from(actor),
                AuditEvent::new(action, Some(target)).outcome(Outcome::Denied),
            )
            .await?;
            tx.commit().await
        };
        match audited.await {
            Ok(()) => Err(refused),
            Err(e) => Err(Error::from(e)),
        }
    }

    /// Tells the engine that rules changed and waits until it has acted on them.
    async fn reload_engine(&self, resync: Option<String>) {
        let (done, finished) = oneshot::channel();
        if self
            .inner
            .engine
            .send(Reload { resync, done })
            .await
            .is_ok()
        {
            let _ = finished.await;
        }
    }

    pub async fn rules(&self, actor: &Actor, page: Page) -> Result<Paged<Rule>, Error> {
        Self::require_read(actor)?;
        let mut conn = self.inner.shared.db.pool.acquire().await?;
        let all = store::all_rules(&mut conn).await?;
        let total = all.len() as i64;
        let items = all
            .into_iter()
            .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
            .take(usize::try_from(page.limit).unwrap_or(0))
            .map(|s| s.rule)
            .collect();
        Ok(Paged::new(items, total, page))
    }

    async fn stored_rule(&self, id: &str) -> Result<StoredRule, Error> {
        let mut conn = self.inner.shared.db.pool.acquire().await?;
        store::get_rule(&mut conn, id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no alert rule `{id}`")))
    }

    pub async fn rule(&self, actor: &Actor, id: &str) -> Result<Rule, Error> {
        Self::require_read(actor)?;
        Ok(self.stored_rule(id).await?.rule)
    }

    /// Checks a rule and resolves its geofence into the area it stands for.
    async fn resolve(&self, mut rule: Rule) -> Result<StoredRule, Error> {
        rule.name = rule.name.trim().to_owned();
        let geofence = check_rule(&rule).map_err(Error::Validation)?;
        let (area, place_name) = match geofence {
            None => (None, None),
            Some(Geofence::Area(area)) => (Some(area), None),
            Some(Geofence::Place(id)) => {
                let place = self.inner.places.find(&id).await?.ok_or_else(|| {
                    Error::validation("geofence.placeId", format!("no place `{id}`"))
                })?;
                model::check_area(&place.geometry).map_err(|_| {
                    Error::validation(
                        "geofence.placeId",
                        format!("place `{id}` is not an area (Polygon or MultiPolygon)"),
                    )
                })?;
                (Some(place.geometry), Some(place.name))
            }
        };
        Ok(StoredRule {
            rule,
            area,
            place_name,
        })
    }

    pub async fn create_rule(&self, actor: &Actor, new: NewRule) -> Result<Rule, Error> {
        let id = ids::new_id();
        self.require_manage(actor, ACTION_RULE_CREATE, &format!("alert_rule:{id}"))
            .await?;
        let now = time::now_db();
        let stored = self
            .resolve(Rule {
                id: id.clone(),
                name: new.name,
                entity_type: new.entity_type,
                q: new.q,
                geofence: new.geofence,
                severity: new.severity,
                enabled: new.enabled,
                auto_close: new.auto_close,
                created_at: now.clone(),
                created_by: actor.audit_name(),
                updated_at: now,
                updated_by: actor.audit_name(),
            })
            .await?;
        let mut tx = self.inner.shared.db.write().await?;
        store::insert_rule(tx.conn(), &stored).await?;
        append(
            tx.conn(),
            &AuditActor::from(actor),
            AuditEvent::new(ACTION_RULE_CREATE, Some(&format!("alert_rule:{id}")))
                .detail(rule_detail(&stored.rule)),
        )
        .await?;
        tx.commit().await?;
        self.reload_engine(Some(id)).await;
        Ok(stored.rule)
    }

    pub async fn update_rule(
        &self,
        actor: &Actor,
        id: &str,
        patch: RulePatch,
    ) -> Result<Rule, Error> {
        let target = format!("alert_rule:{id}");
        self.require_manage(actor, ACTION_RULE_UPDATE, &target)
            .await?;
        let mut rule = patch.apply(self.stored_rule(id).await?.rule);
        rule.updated_at = time::now_db();
        rule.updated_by = actor.audit_name();
        let stored = self.resolve(rule).await?;
        let mut tx = self.inner.shared.db.write().await?;
        if !store::update_rule(tx.conn(), &stored).await? {
            return Err(Error::NotFound(format!("no alert rule `{id}`")));
        }
        append(
            tx.conn(),
            &AuditActor::from(actor),
            AuditEvent::new(ACTION_RULE_UPDATE, Some(&target)).detail(rule_detail(&stored.rule)),
        )
        .await?;
        tx.commit().await?;
        self.reload_engine(Some(id.to_owned())).await;
        Ok(stored.rule)
    }

    /// Deletes a rule; its alerts that are not closed are closed (reason `rule deleted`), and
    /// all its alerts stay in the history.
    pub async fn delete_rule(&self, actor: &Actor, id: &str) -> Result<(), Error> {
        let target = format!("alert_rule:{id}");
        self.require_manage(actor, ACTION_RULE_DELETE, &target)
            .await?;
        let mut tx = self.inner.shared.db.write().await?;
        if !store::delete_rule(tx.conn(), id).await? {
            return Err(Error::NotFound(format!("no alert rule `{id}`")));
        }
        let mut closed = Vec::new();
        for (alert_id, _, _) in store::active_alerts_of_rule(tx.conn(), id).await? {
            if close_in(tx.conn(), actor, &alert_id, Some(REASON_RULE_DELETED)).await? {
                closed.push(alert_id);
            }
        }
        store::delete_matches_of_rule(tx.conn(), id).await?;
        append(
            tx.conn(),
            &AuditActor::from(actor),
            AuditEvent::new(ACTION_RULE_DELETE, Some(&target)),
        )
        .await?;
        tx.commit().await?;
        for alert_id in closed {
            self.inner.shared.mirror(&alert_id).await;
        }
        self.reload_engine(None).await;
        Ok(())
    }

    pub async fn list(
        &self,
        actor: &Actor,
        filter: AlertFilter,
        page: Page,
    ) -> Result<Paged<Alert>, Error> {
        Self::require_read(actor)?;
        let mut conn = self.inner.shared.db.pool.acquire().await?;
        let (items, total) = store::list_alerts(&mut conn, &filter, page).await?;
        Ok(Paged::new(items, total, page))
    }

    async fn alert(&self, id: &str) -> Result<Alert, Error> {
        let mut conn = self.inner.shared.db.pool.acquire().await?;
        store::get_alert(&mut conn, id)
            .await?
            .map(|(alert, _)| alert)
            .ok_or_else(|| Error::NotFound(format!("no alert `{id}`")))
    }

    pub async fn get(&self, actor: &Actor, id: &str) -> Result<Alert, Error> {
        Self::require_read(actor)?;
        self.alert(id).await
    }

    /// open → acknowledged.
    pub async fn acknowledge(&self, actor: &Actor, id: &str) -> Result<Alert, Error> {
        let target = target(id);
        self.require_manage(actor, ACTION_ACKNOWLEDGE, &target)
            .await?;
        let current = self.alert(id).await?;
        let mut tx = self.inner.shared.db.write().await?;
        let now = time::now_db();
        if !store::acknowledge(tx.conn(), id, &actor.audit_name(), &now).await? {
            return Err(Error::Conflict(format!(
                "alert `{id}` is {}; only an open alert can be acknowledged",
                current.state.as_str()
            )));
        }
        append(
            tx.conn(),
            &AuditActor::from(actor),
            AuditEvent::new(ACTION_ACKNOWLEDGE, Some(&target)),
        )
        .await?;
        tx.commit().await?;
        self.inner.shared.mirror(id).await;
        self.alert(id).await
    }

    /// open or acknowledged → closed.
    pub async fn close(
        &self,
        actor: &Actor,
        id: &str,
        reason: Option<String>,
    ) -> Result<Alert, Error> {
        self.require_manage(actor, ACTION_CLOSE, &target(id))
            .await?;
        let reason = check_reason(reason).map_err(|e| Error::Validation(vec![e]))?;
        self.alert(id).await?;
        let mut tx = self.inner.shared.db.write().await?;
        if !close_in(tx.conn(), actor, id, reason.as_deref()).await? {
            return Err(Error::Conflict(format!("alert `{id}` is closed already")));
        }
        tx.commit().await?;
        self.inner.shared.mirror(id).await;
        self.alert(id).await
    }
}

fn rule_detail(rule: &Rule) -> String {
    format!(
        "{} · {} · {} · {}{}",
        rule.name,
        rule.entity_type,
        rule.q,
        rule.severity.as_str(),
        if rule.enabled { "" } else { " · disabled" }
    )
}
