//! Reading the plan and changing it: every change is a new version, recorded and audited.

use serde::Serialize;
use yuverse_core::{time, Actor, Error, Permission};

use super::{audit, audit_event, Plan};
use crate::domain::document::{Goals, IndicatorTarget, UnitRef};
use crate::domain::input::TaskPatch;
use crate::store::tasks::Task;
use crate::store::versions::VersionInfo;
use crate::store::{tasks, versions};

/// A task or safeguard with the names of its units.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskView {
    #[serde(flatten)]
    pub task: Task,
    pub lead_unit_name: String,
    /// Names of `units`, in the same order.
    pub unit_names: Vec<String>,
}

/// The current version of the plan.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanView {
    pub version: VersionInfo,
    pub title: String,
    pub title_en: String,
    pub preamble: String,
    pub goals: Goals,
    pub indicator_targets: Vec<IndicatorTarget>,
    /// The 11 key tasks (重点任务).
    pub tasks: Vec<TaskView>,
    /// The 4 safeguards (保障机制).
    pub safeguards: Vec<TaskView>,
}

impl Plan {
    pub async fn plan(&self, actor: &Actor) -> Result<PlanView, Error> {
        actor.require(Permission::PlanRead)?;
        let mut conn = self.db().pool.acquire().await?;
        let (version, document) = versions::latest(&mut conn)
            .await?
            .ok_or_else(|| Error::NotFound("the plan is not loaded".into()))?;
        let all = tasks::list(&mut conn).await?;
        drop(conn);
        let names = self.organisation_names().await?;
        let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
        let (mut task_views, mut safeguards) = (Vec::new(), Vec::new());
        for task in all {
            let view = TaskView {
                lead_unit_name: name(&task.lead_unit),
                unit_names: task.units.iter().map(|u| name(u)).collect(),
                task,
            };
            match view.task.kind {
                crate::domain::TaskKind::Task => task_views.push(view),
                crate::domain::TaskKind::Safeguard => safeguards.push(view),
            }
        }
        Ok(PlanView {
            version,
            title: document.title,
            title_en: document.title_en,
            preamble: document.preamble,
            goals: document.goals,
            indicator_targets: document.indicator_targets,
            tasks: task_views,
            safeguards,
        })
    }

    pub async fn task(&self, actor: &Actor, id: &str) -> Result<Task, Error> {
        actor.require(Permission::PlanRead)?;
        let mut conn = self.db().pool.acquire().await?;
        tasks::get(&mut conn, id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no task `{id}`")))
    }

    pub async fn versions(&self, actor: &Actor) -> Result<Vec<VersionInfo>, Error> {
        actor.require(Permission::PlanRead)?;
        let mut conn = self.db().pool.acquire().await?;
        Ok(versions::list(&mut conn).await?)
    }

    /// One version's whole document (the baseline is version 1).
    pub async fn version(
        &self,
        actor: &Actor,
        version: i64,
    ) -> Result<(VersionInfo, crate::domain::PlanDocument), Error> {
        actor.require(Permission::PlanRead)?;
        let mut conn = self.db().pool.acquire().await?;
        versions::get(&mut conn, version)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no plan version {version}")))
    }

    /// Changes a task or safeguard (office): a new plan version with the change recorded.
    pub async fn update_task(
        &self,
        actor: &Actor,
        id: &str,
        patch: TaskPatch,
    ) -> Result<Task, Error> {
        let target = format!("plan_task:{id}");
        self.authorize(
            actor,
            actor.require(Permission::PlanManage),
            "plan.task.update",
            &target,
        )
        .await?;
        patch.check().map_err(Error::Validation)?;
        let mut fields = Vec::new();
        if let Some(lead) = &patch.lead_unit {
            fields.push(("lead_unit".to_owned(), lead.as_str()));
        }
        for (i, u) in patch.units.iter().flatten().enumerate() {
            fields.push((format!("units[{i}]"), u.as_str()));
        }
        self.check_organisations(&fields).await?;
        let names = self.organisation_names().await?;
        let mut refs = std::collections::HashMap::new();
        for (_, org_id) in &fields {
            let o = self
                .inner
                .governance
                .get_organisation(&Actor::system(), org_id)
                .await?;
            refs.insert(
                o.id.clone(),
                UnitRef {
                    code: o.code.unwrap_or(o.id),
                    name: o.name,
                },
            );
        }

        let mut tx = self.db().write().await?;
        let mut task = tasks::get(tx.conn(), id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no task `{id}`")))?;
        let (latest, mut document) = versions::latest(tx.conn())
            .await?
            .ok_or_else(|| Error::NotFound("the plan is not loaded".into()))?;
        let version = latest.version + 1;
        let name = |org: &str| names.get(org).cloned().unwrap_or_else(|| org.to_owned());
        let mut changes = Vec::new();
        if let Some(title) = patch.title.filter(|t| *t != task.title) {
            changes.push(format!("title: {} → {title}", task.title));
            task.title = title;
        }
        if let Some(text) = patch.text.filter(|t| *t != task.text) {
            changes.push("text changed".to_owned());
            task.text = text;
        }
        if let Some(units) = patch.units.filter(|u| *u != task.units) {
            let list = |us: &[String]| us.iter().map(|u| name(u)).collect::<Vec<_>>().join("、");
            changes.push(format!("units: {} → {}", list(&task.units), list(&units)));
            task.units = units;
        }
        let lead = patch.lead_unit.unwrap_or_else(|| task.lead_unit.clone());
        if !task.units.contains(&lead) {
            return Err(Error::validation(
                "lead_unit",
                "must be one of the task's units",
            ));
        }
        if lead != task.lead_unit {
            changes.push(format!("lead: {} → {}", name(&task.lead_unit), name(&lead)));
            task.lead_unit = lead;
        }
        if let Some(weight) = patch.weight.filter(|w| *w != task.weight) {
            changes.push(format!("weight: {} → {weight}", task.weight));
            task.weight = weight;
        }
        if changes.is_empty() {
            return Err(Error::validation("body", "nothing changes"));
        }
        task.updated_in = version;

        let entry = document
            .tasks
            .iter_mut()
            .chain(document.safeguards.iter_mut())
            .find(|t| t.code == task.code)
            .ok_or_else(|| {
                Error::Internal(anyhow::anyhow!("task {} not in the document", task.code))
            })?;
        entry.title = task.title.clone();
        entry.text = task.text.clone();
        let old_units = entry.units.clone();
        let unit_ref = |org: &str| {
            refs.get(org).cloned().or_else(|| {
                old_units
                    .iter()
                    .find(|u| names.get(org) == Some(&u.name))
                    .cloned()
            })
        };
        let units: Option<Vec<UnitRef>> = task.units.iter().map(|u| unit_ref(u)).collect();
        entry.units =
            units.ok_or_else(|| Error::Internal(anyhow::anyhow!("a unit has no reference")))?;
        let lead_code = unit_ref(&task.lead_unit).map(|u| u.code);
        entry.lead = lead_code.filter(|code| entry.units.first().map(|u| &u.code) != Some(code));

        let mut summary = format!("{}: {}", task.code, changes.join("; "));
        if let Some(note) = patch.note.filter(|n| !n.trim().is_empty()) {
            summary.push_str(&format!(" ({note})"));
        }
        let info = VersionInfo {
            version,
            created_at: time::now_db(),
            created_by: actor.audit_name(),
            summary: summary.clone(),
        };
        versions::insert(tx.conn(), &info, &document).await?;
        tasks::update(tx.conn(), &task).await?;
        audit(
            tx.conn(),
            actor,
            audit_event(
                "plan.task.update",
                &target,
                format!("version {version}: {summary}"),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(task)
    }
}
