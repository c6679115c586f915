//! Loading the plan's baseline (version 1) from the data set, once.

use anyhow::{bail, Context};
use yuverse_core::db::Database;
use yuverse_core::{ids, time, Actor};
use yuverse_governance::service::audit::{append, AuditActor, AuditEvent};
use yuverse_governance::Governance;

use crate::domain::PlanDocument;
use crate::store::tasks::Task;
use crate::store::versions::VersionInfo;
use crate::store::{tasks, versions};

/// The `dataset_loads` marker of the plan (apart from the organisations and places, so that a
/// database that had those before the plan existed still gets it).
const MARKER: &str = "yubei-plan";

/// Parses and checks a plan document (the units must be organisations of the data set, named
/// exactly as there).
pub fn parse(json: &str) -> anyhow::Result<PlanDocument> {
    let document: PlanDocument = serde_json::from_str(json).context("data/yubei/plan.json")?;
    document
        .check()
        .map_err(|e| anyhow::anyhow!("data/yubei/plan.json: {e}"))?;
    Ok(document)
}

/// Loads the plan as version 1 unless it was loaded before; answers whether it loaded now.
pub async fn load_baseline(
    db: &Database,
    governance: &Governance,
    json: &str,
) -> anyhow::Result<bool> {
    let document = parse(json)?;
    let mut ids_by_code = std::collections::HashMap::new();
    for (_, task) in document.entries() {
        for unit in &task.units {
            let organisation = governance
                .organisation_by_code(&unit.code)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.problem().detail))?;
            match organisation {
                Some(o) if o.name == unit.name => {
                    ids_by_code.insert(unit.code.clone(), o.id);
                }
                Some(o) => bail!(
                    "plan task {}: unit {} is named {} in the plan but {} among the organisations",
                    task.code,
                    unit.code,
                    unit.name,
                    o.name
                ),
                None => bail!(
                    "plan task {}: no organisation with code {}",
                    task.code,
                    unit.code
                ),
            }
        }
    }
    let mut tx = db.write().await?;
    let loaded: Option<String> =
        sqlx::query_scalar("SELECT loaded_at FROM dataset_loads WHERE name = $1")
            .bind(MARKER)
            .fetch_optional(tx.conn())
            .await?;
    if loaded.is_some() {
        return Ok(false);
    }
    let now = time::now_db();
    for (position, (kind, text)) in document.entries().enumerate() {
        let units: Vec<String> = text
            .units
            .iter()
            .map(|u| ids_by_code[&u.code].clone())
            .collect();
        let task = Task {
            id: ids::new_id(),
            code: text.code.clone(),
            kind,
            number: text.number,
            section: text.section.clone(),
            title: text.title.clone(),
            text: text.text.clone(),
            lead_unit: ids_by_code[text.lead_code()].clone(),
            units,
            weight: 1,
            updated_in: 1,
        };
        tasks::insert(tx.conn(), &task, position as i64).await?;
    }
    let info = VersionInfo {
        version: 1,
        created_at: now.clone(),
        created_by: "system".into(),
        summary: "基线：行动计划原文 (baseline: the plan as published)".into(),
    };
    versions::insert(tx.conn(), &info, &document).await?;
    sqlx::query("INSERT INTO dataset_loads (name, loaded_at) VALUES ($1, $2)")
        .bind(MARKER)
        .bind(&now)
        .execute(tx.conn())
        .await?;
    append(
        tx.conn(),
        &AuditActor::from(&Actor::system()),
        AuditEvent::new("plan.load", Some("plan:1")).detail(format!(
            "baseline: {} tasks, {} safeguards",
            document.tasks.len(),
            document.safeguards.len()
        )),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(
        tasks = document.tasks.len(),
        safeguards = document.safeguards.len(),
        "loaded the action plan (version 1)"
    );
    Ok(true)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_bundled_plan_has_the_seeds_tasks_and_safeguards() {
        let d = super::parse(include_str!("../../../../data/yubei/plan.json")).unwrap();
        assert_eq!((d.tasks.len(), d.safeguards.len()), (11, 4));
        assert_eq!(d.tasks[3].units.len(), 1);
        assert_eq!(d.safeguards[0].lead_code(), "big-data-bureau");
    }
}
