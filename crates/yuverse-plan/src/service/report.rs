//! The supervision report for a period (督办通报): the figures of the cockpit, every item with
//! its light, and the period's progress reports, as data; `crate::export` renders it as XLSX or
//! as a printable page.

use serde::Serialize;
use yuverse_core::{time, Actor, Error, Permission};

use super::{items::view, Plan};
use crate::domain::input::valid_period;
use crate::domain::{ItemState, Light};
use crate::service::figures::{Lights, TaskFigures, UnitFigures};
use crate::store::reports::{self, ReportState};
use crate::store::{items, tasks, versions};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemRow {
    pub task_code: String,
    pub title: String,
    pub owner_unit_name: String,
    pub deadline: String,
    pub state: ItemState,
    pub progress: i64,
    pub light: Light,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportRow {
    pub item_title: String,
    pub unit_name: String,
    pub percentage: i64,
    pub state: ReportState,
    pub narrative: String,
    pub blockers: String,
    pub return_reason: Option<String>,
    pub submitted_at: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SupervisionReport {
    pub title: String,
    /// `YYYY-MM` or `YYYY-Qn`.
    pub period: String,
    pub generated_at: String,
    pub version: i64,
    pub progress: f64,
    pub on_time_rate: Option<f64>,
    pub lights: Lights,
    pub tasks: Vec<TaskFigures>,
    pub units: Vec<UnitFigures>,
    pub items: Vec<ItemRow>,
    /// The reports filed for the period.
    pub reports: Vec<ReportRow>,
}

impl Plan {
    /// The report for `period` (default: the supervision clock's month).
    pub async fn supervision_report(
        &self,
        actor: &Actor,
        period: Option<String>,
    ) -> Result<SupervisionReport, Error> {
        actor.require(Permission::PlanRead)?;
        let now = self.now();
        let period = period.unwrap_or_else(|| now.format("%Y-%m").to_string());
        if !valid_period(&period) {
            return Err(Error::validation(
                "period",
                "must be YYYY-MM or YYYY-Qn, e.g. 2024-06 or 2024-Q2",
            ));
        }
        let dashboard = self.dashboard(actor).await?;
        let names = self.organisation_names().await?;
        let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
        let mut conn = self.db().pool.acquire().await?;
        let all_tasks = tasks::list(&mut conn).await?;
        let all_items = items::all(&mut conn).await?;
        let period_reports = reports::for_period(&mut conn, &period).await?;
        let plan_title = versions::latest(&mut conn)
            .await?
            .map(|(_, d)| d.title)
            .unwrap_or_default();
        drop(conn);
        let code_of = |task_id: &str| {
            all_tasks
                .iter()
                .find(|t| t.id == task_id)
                .map(|t| t.code.clone())
                .unwrap_or_default()
        };
        let mut rows = Vec::new();
        for item in &all_items {
            let v = view(item.clone(), now)?;
            rows.push(ItemRow {
                task_code: code_of(&item.task_id),
                title: item.title.clone(),
                owner_unit_name: name(&item.owner_unit),
                deadline: item.deadline.clone(),
                state: item.state,
                progress: item.progress,
                light: v.light,
            });
        }
        let title_of = |item_id: &str| {
            all_items
                .iter()
                .find(|i| i.id == item_id)
                .map(|i| i.title.clone())
                .unwrap_or_default()
        };
        let reports = period_reports
            .into_iter()
            .map(|r| ReportRow {
                item_title: title_of(&r.item_id),
                unit_name: name(&r.organisation_id),
                percentage: r.percentage,
                state: r.state,
                narrative: r.narrative,
                blockers: r.blockers,
                return_reason: r.return_reason,
                submitted_at: r.submitted_at,
            })
            .collect();
        Ok(SupervisionReport {
            title: format!("{plan_title}督办通报"),
            period,
            generated_at: time::to_db(now),
            version: dashboard.version,
            progress: dashboard.progress,
            on_time_rate: dashboard.on_time_rate,
            lights: dashboard.lights,
            tasks: dashboard.tasks,
            units: dashboard.units,
            items: rows,
            reports,
        })
    }
}
