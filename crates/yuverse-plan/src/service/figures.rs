//! The figures of the cockpit (驾驶舱): progress rolled up by weight (items → tasks → plan),
//! lights, per-unit punctuality and reporting, progress by area, and the indicators against the
//! plan's targets. Also the plan's own indicator source.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use sqlx::AnyConnection;
use yuverse_core::db::Database;
use yuverse_core::indicators::{IndicatorDef, IndicatorSource, IndicatorValue};
use yuverse_core::time::{self, Timestamp};
use yuverse_core::{Actor, Error, Permission};

use super::{items::view, Plan};
use crate::clock::Clock;
use crate::domain::supervision::{round2, weighted_progress};
use crate::domain::{ItemState, Light, TaskKind};
use crate::store::items::Item;
use crate::store::snapshots::{self, Snapshot};
use crate::store::tasks::Task;
use crate::store::{items, reports, tasks, versions};

#[derive(Debug, Clone, Copy, Default, Serialize, utoipa::ToSchema)]
pub struct Lights {
    pub green: i64,
    pub yellow: i64,
    pub red: i64,
}

impl Lights {
    fn add(&mut self, light: Light) {
        match light {
            Light::Green => self.green += 1,
            Light::Yellow => self.yellow += 1,
            Light::Red => self.red += 1,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskFigures {
    pub id: String,
    pub code: String,
    pub kind: TaskKind,
    pub title: String,
    pub lead_unit: String,
    pub lead_unit_name: String,
    pub weight: i64,
    pub items: i64,
    /// Weighted mean of its items' progress (0 while it has none).
    pub progress: f64,
    pub lights: Lights,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitFigures {
    pub organisation_id: String,
    pub name: String,
    /// Items it owns.
    pub items: i64,
    pub done: i64,
    /// Open items past their deadline.
    pub overdue: i64,
    /// Done on time / (done + overdue), in percent; null while nothing is due.
    pub on_time_rate: Option<f64>,
    /// Reports filed (every submission, resubmissions included).
    pub reports_submitted: i64,
    pub reports_accepted: i64,
    pub reports_returned: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AreaFigures {
    pub place_code: String,
    pub name: String,
    pub items: i64,
    pub progress: f64,
    pub lights: Lights,
}

/// An indicator with its live value and, where the plan states one, its target.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IndicatorView {
    pub key: String,
    /// Null for a target whose module has not registered the indicator yet.
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub unit: Option<String>,
    pub module: Option<String>,
    pub value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub target: Option<f64>,
    pub due: Option<String>,
    /// The plan's words the target comes from.
    pub basis: Option<String>,
    /// value / target in percent.
    pub attainment: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    /// The plan version the figures are for.
    pub version: i64,
    /// The supervision clock's "now".
    pub at: String,
    /// Weighted mean of the tasks' progress, in percent.
    pub progress: f64,
    pub on_time_rate: Option<f64>,
    pub items: i64,
    pub lights: Lights,
    /// Items per state (`assigned`, `acknowledged`, `in_progress`, `done`).
    pub states: BTreeMap<String, i64>,
    pub tasks: Vec<TaskFigures>,
    pub units: Vec<UnitFigures>,
    pub areas: Vec<AreaFigures>,
    pub indicators: Vec<IndicatorView>,
}

/// Done on time / (done + overdue), in percent.
fn on_time_rate<'a>(items: impl Iterator<Item = &'a Item>, now: Timestamp) -> Option<f64> {
    let (mut on_time, mut due) = (0i64, 0i64);
    for item in items {
        match (&item.done_at, item.state) {
            (Some(done_at), ItemState::Done) => {
                due += 1;
                on_time += i64::from(*done_at <= item.deadline);
            }
            _ if time::to_db(now) > item.deadline => due += 1,
            _ => {}
        }
    }
    (due > 0).then(|| round2(on_time as f64 * 100.0 / due as f64))
}

fn task_progress(task: &Task, items: &[Item]) -> f64 {
    weighted_progress(
        items
            .iter()
            .filter(|i| i.task_id == task.id)
            .map(|i| (i.weight, i.progress as f64)),
    )
    .unwrap_or(0.0)
}

/// The plan's progress: tasks weighted by their weight; a task without items counts as 0.
fn plan_progress(all_tasks: &[Task], items: &[Item]) -> f64 {
    weighted_progress(
        all_tasks
            .iter()
            .map(|t| (t.weight, task_progress(t, items))),
    )
    .unwrap_or(0.0)
}

async fn load(conn: &mut AnyConnection) -> Result<(Vec<Task>, Vec<Item>), sqlx::Error> {
    Ok((tasks::list(conn).await?, items::all(conn).await?))
}

impl Plan {
    pub async fn dashboard(&self, actor: &Actor) -> Result<Dashboard, Error> {
        actor.require(Permission::PlanRead)?;
        let now = self.now();
        let (version, all_tasks, all_items, report_counts) = {
            let mut conn = self.db().pool.acquire().await?;
            let version = versions::latest(&mut conn)
                .await?
                .map(|(v, _)| v.version)
                .unwrap_or(0);
            let (t, i) = load(&mut conn).await?;
            (version, t, i, reports::counts(&mut conn).await?)
        };
        let names = self.organisation_names().await?;
        let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
        let views = all_items
            .iter()
            .map(|i| view(i.clone(), now))
            .collect::<Result<Vec<_>, _>>()?;
        let lights_of = |filter: &dyn Fn(&Item) -> bool| {
            let mut lights = Lights::default();
            views
                .iter()
                .filter(|v| filter(&v.item))
                .for_each(|v| lights.add(v.light));
            lights
        };
        let task_figures = all_tasks
            .iter()
            .map(|t| TaskFigures {
                id: t.id.clone(),
                code: t.code.clone(),
                kind: t.kind,
                title: t.title.clone(),
                lead_unit: t.lead_unit.clone(),
                lead_unit_name: name(&t.lead_unit),
                weight: t.weight,
                items: all_items.iter().filter(|i| i.task_id == t.id).count() as i64,
                progress: task_progress(t, &all_items),
                lights: lights_of(&|i| i.task_id == t.id),
            })
            .collect();
        let mut unit_ids: Vec<String> = Vec::new();
        for id in all_tasks
            .iter()
            .flat_map(|t| &t.units)
            .chain(all_items.iter().map(|i| &i.owner_unit))
        {
            if !unit_ids.contains(id) {
                unit_ids.push(id.clone());
            }
        }
        let count = |org: &str, state: &str| {
            report_counts
                .iter()
                .filter(|(o, s, _)| o == org && (state.is_empty() || s == state))
                .map(|(_, _, n)| n)
                .sum::<i64>()
        };
        let now_db = time::to_db(now);
        let units = unit_ids
            .iter()
            .map(|org| {
                let owned: Vec<&Item> = all_items.iter().filter(|i| &i.owner_unit == org).collect();
                UnitFigures {
                    organisation_id: org.clone(),
                    name: name(org),
                    items: owned.len() as i64,
                    done: owned.iter().filter(|i| i.state == ItemState::Done).count() as i64,
                    overdue: owned
                        .iter()
                        .filter(|i| i.state != ItemState::Done && now_db > i.deadline)
                        .count() as i64,
                    on_time_rate: on_time_rate(owned.iter().copied(), now),
                    reports_submitted: count(org, ""),
                    reports_accepted: count(org, "accepted"),
                    reports_returned: count(org, "returned"),
                }
            })
            .collect();
        let mut areas = Vec::new();
        for place in &self.inner.places {
            let here: Vec<&Item> = all_items
                .iter()
                .filter(|i| i.place_code.as_deref() == Some(place.code.as_str()))
                .collect();
            areas.push(AreaFigures {
                place_code: place.code.clone(),
                name: place.name.clone(),
                items: here.len() as i64,
                progress: weighted_progress(here.iter().map(|i| (i.weight, i.progress as f64)))
                    .unwrap_or(0.0),
                lights: lights_of(&|i| i.place_code.as_deref() == Some(place.code.as_str())),
            });
        }
        let mut states = BTreeMap::new();
        for s in ItemState::ALL {
            states.insert(
                s.as_str().to_owned(),
                all_items.iter().filter(|i| i.state == s).count() as i64,
            );
        }
        Ok(Dashboard {
            version,
            at: now_db,
            progress: plan_progress(&all_tasks, &all_items),
            on_time_rate: on_time_rate(all_items.iter(), now),
            items: all_items.len() as i64,
            lights: lights_of(&|_| true),
            states,
            tasks: task_figures,
            units,
            areas,
            indicators: self.indicator_views().await?,
        })
    }

    /// Every registered indicator with its live value and target, then the plan's targets
    /// whose indicators no module provides yet.
    pub async fn indicator_list(&self, actor: &Actor) -> Result<Vec<IndicatorView>, Error> {
        actor.require(Permission::PlanRead)?;
        self.indicator_views().await
    }

    async fn indicator_views(&self) -> Result<Vec<IndicatorView>, Error> {
        let targets = {
            let mut conn = self.db().pool.acquire().await?;
            versions::latest(&mut conn)
                .await?
                .map(|(_, d)| d.indicator_targets)
                .unwrap_or_default()
        };
        let readings = self.inner.indicators.read().await;
        let mut views: Vec<IndicatorView> = readings
            .into_iter()
            .map(|r| {
                let target = targets.iter().find(|t| t.indicator == r.def.key);
                IndicatorView {
                    key: r.def.key,
                    name_zh: Some(r.def.name_zh),
                    name_en: Some(r.def.name_en),
                    unit: Some(r.def.unit),
                    module: Some(r.def.module),
                    value: r.value,
                    error: r.error,
                    target: target.map(|t| t.target),
                    due: target.map(|t| t.due.clone()),
                    basis: target.map(|t| t.basis.clone()),
                    attainment: match (r.value, target) {
                        (Some(v), Some(t)) if t.target > 0.0 => Some(round2(v * 100.0 / t.target)),
                        _ => None,
                    },
                }
            })
            .collect();
        for t in targets {
            if !views.iter().any(|v| v.key == t.indicator) {
                views.push(IndicatorView {
                    key: t.indicator,
                    name_zh: None,
                    name_en: None,
                    unit: None,
                    module: None,
                    value: None,
                    error: None,
                    target: Some(t.target),
                    due: Some(t.due),
                    basis: Some(t.basis),
                    attainment: None,
                });
            }
        }
        Ok(views)
    }

    pub async fn indicator_snapshots(
        &self,
        actor: &Actor,
        indicator: Option<&str>,
    ) -> Result<Vec<Snapshot>, Error> {
        actor.require(Permission::PlanRead)?;
        let mut conn = self.db().pool.acquire().await?;
        Ok(snapshots::list(&mut conn, indicator).await?)
    }

    /// The plan's own indicators (progress, on-time rate), to register with the others.
    pub fn indicator_source(&self) -> PlanIndicators {
        PlanIndicators {
            db: self.inner.db.clone(),
            clock: self.inner.clock.clone(),
        }
    }
}

/// `plan.progress` and `plan.on_time_rate`, read from the plan's own tables.
pub struct PlanIndicators {
    db: Database,
    clock: Arc<dyn Clock>,
}

#[async_trait::async_trait]
impl IndicatorSource for PlanIndicators {
    fn indicators(&self) -> Vec<IndicatorDef> {
        vec![
            IndicatorDef::new(
                "plan.progress",
                "行动计划总体进度",
                "Action plan progress",
                "%",
                "plan",
            ),
            IndicatorDef::new(
                "plan.on_time_rate",
                "按期办结率",
                "On-time completion rate",
                "%",
                "plan",
            ),
        ]
    }

    async fn values(&self) -> Result<Vec<IndicatorValue>, Error> {
        let mut conn = self.db.pool.acquire().await?;
        let (all_tasks, all_items) = load(&mut conn).await?;
        let now = self.clock.now();
        let mut values = vec![IndicatorValue::new(
            "plan.progress",
            plan_progress(&all_tasks, &all_items),
        )];
        if let Some(rate) = on_time_rate(all_items.iter(), now) {
            values.push(IndicatorValue::new("plan.on_time_rate", rate));
        }
        Ok(values)
    }
}
