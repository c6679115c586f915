//! The sweeper: reminders before deadlines, escalations (催办) after them, each once per item
//! and deadline (stored, so neither a restart nor a second node repeats one), and the monthly
//! indicator snapshots.

use std::time::Duration;

use serde::Serialize;
use tokio::task::JoinHandle;
use yuverse_core::{time, Actor, Error, Permission};

use super::{audit, audit_event, notify, parse_stored, Plan, To};
use crate::domain::supervision::{alert_due, AlertKind};
use crate::store::snapshots::{self, Snapshot};
use crate::store::{alerts, items};

/// What one sweep did.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct SweepReport {
    pub reminders: i64,
    pub escalations: i64,
    /// Indicator values stored for this month (first sweep of a month only).
    pub snapshots: i64,
}

impl Plan {
    /// Runs a sweep now (office), instead of waiting for the periodic one.
    pub async fn sweep(&self, actor: &Actor) -> Result<SweepReport, Error> {
        self.authorize(
            actor,
            actor.require(Permission::PlanManage),
            "plan.sweep",
            "plan",
        )
        .await?;
        self.sweep_now().await
    }

    /// Sweeps every `every` until the task is aborted.
    pub fn spawn_sweeper(&self, every: Duration) -> JoinHandle<()> {
        let plan = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match plan.sweep_now().await {
                    Ok(r) if r.reminders + r.escalations + r.snapshots > 0 => tracing::info!(
                        reminders = r.reminders,
                        escalations = r.escalations,
                        snapshots = r.snapshots,
                        "plan supervision sweep"
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "plan supervision sweep failed"),
                }
            }
        })
    }

    pub async fn sweep_now(&self) -> Result<SweepReport, Error> {
        let now = self.now();
        let readings = self.inner.indicators.read().await;
        let open = {
            let mut conn = self.db().pool.acquire().await?;
            items::all(&mut conn).await?
        };
        let stamp = time::to_db(now);
        let system = Actor::system();
        let mut report = SweepReport::default();
        let mut tx = self.db().write().await?;
        for item in open {
            let deadline = parse_stored(&item.deadline)?;
            let Some(kind) = alert_due(item.state, deadline, now) else {
                continue;
            };
            if !alerts::fire_once(tx.conn(), &item.id, kind.as_str(), &item.deadline, &stamp)
                .await?
            {
                continue;
            }
            let subject = format!("plan_item:{}", item.id);
            match kind {
                AlertKind::Reminder => {
                    report.reminders += 1;
                    notify(
                        tx.conn(),
                        To::Organisation(&item.owner_unit),
                        "reminder",
                        format!("到期提醒：{}", item.title),
                        format!("截止 {}，当前进度 {}%", item.deadline, item.progress),
                        subject.clone(),
                        now,
                    )
                    .await?;
                }
                AlertKind::Escalation => {
                    report.escalations += 1;
                    for to in [To::Organisation(&item.owner_unit), To::Office] {
                        notify(
                            tx.conn(),
                            to,
                            "escalation",
                            format!("催办：{}", item.title),
                            format!(
                                "已超过截止时间 {}，当前进度 {}%",
                                item.deadline, item.progress
                            ),
                            subject.clone(),
                            now,
                        )
                        .await?;
                    }
                }
            }
            audit(
                tx.conn(),
                &system,
                audit_event(
                    &format!("plan.item.{}", kind.as_str()),
                    &subject,
                    format!("deadline {}", item.deadline),
                ),
            )
            .await?;
        }
        let month = now.format("%Y-%m").to_string();
        for reading in readings {
            let Some(value) = reading.value else { continue };
            let snapshot = Snapshot {
                indicator: reading.def.key,
                month: month.clone(),
                value,
                taken_at: stamp.clone(),
            };
            if snapshots::insert_once(tx.conn(), &snapshot).await? {
                report.snapshots += 1;
            }
        }
        tx.commit().await?;
        Ok(report)
    }
}
