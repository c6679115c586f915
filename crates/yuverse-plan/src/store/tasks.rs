//! The current plan's tasks and safeguards with their responsible units.

use serde::Serialize;
use sqlx::AnyConnection;
use yuverse_core::db::col;

use crate::domain::TaskKind;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Task {
    pub id: String,
    /// `T1`…`T11`, `S1`…`S4`.
    pub code: String,
    pub kind: TaskKind,
    pub number: i64,
    pub section: Option<String>,
    pub title: String,
    pub text: String,
    /// Organisation id of the leading unit.
    pub lead_unit: String,
    /// Organisation ids of the responsible units, in the plan's order.
    pub units: Vec<String>,
    /// Relative weight in the plan's progress.
    pub weight: i64,
    /// The plan version that last changed this task.
    pub updated_in: i64,
}

pub async fn insert(conn: &mut AnyConnection, t: &Task, position: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO plan_tasks (id, code, kind, number, section, title, body, lead_org_id, \
         weight, position, updated_in) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&t.id)
    .bind(&t.code)
    .bind(t.kind.as_str())
    .bind(t.number)
    .bind(&t.section)
    .bind(&t.title)
    .bind(&t.text)
    .bind(&t.lead_unit)
    .bind(t.weight)
    .bind(position)
    .bind(t.updated_in)
    .execute(&mut *conn)
    .await?;
    replace_units(conn, &t.id, &t.units).await
}

pub async fn update(conn: &mut AnyConnection, t: &Task) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE plan_tasks SET title = $2, body = $3, lead_org_id = $4, weight = $5, \
         updated_in = $6 WHERE id = $1",
    )
    .bind(&t.id)
    .bind(&t.title)
    .bind(&t.text)
    .bind(&t.lead_unit)
    .bind(t.weight)
    .bind(t.updated_in)
    .execute(&mut *conn)
    .await?;
    replace_units(conn, &t.id, &t.units).await
}

async fn replace_units(
    conn: &mut AnyConnection,
    task_id: &str,
    units: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM plan_task_units WHERE task_id = $1")
        .bind(task_id)
        .execute(&mut *conn)
        .await?;
    for (position, unit) in units.iter().enumerate() {
        sqlx::query(
            "INSERT INTO plan_task_units (task_id, organisation_id, position) VALUES ($1, $2, $3)",
        )
        .bind(task_id)
        .bind(unit)
        .bind(position as i64)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Every task and safeguard in the plan's order.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<Task>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, code, kind, number, section, title, body, lead_org_id, weight, updated_in \
         FROM plan_tasks ORDER BY position",
    )
    .fetch_all(&mut *conn)
    .await?;
    let units = sqlx::query(
        "SELECT task_id, organisation_id FROM plan_task_units ORDER BY task_id, position",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut tasks = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    for u in &units {
        let task_id: String = col(u, "task_id")?;
        if let Some(t) = tasks.iter_mut().find(|t| t.id == task_id) {
            t.units.push(col(u, "organisation_id")?);
        }
    }
    Ok(tasks)
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<Task>, sqlx::Error> {
    Ok(list(conn)
        .await?
        .into_iter()
        .find(|t| t.id == id || t.code == id))
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Task, sqlx::Error> {
    let kind: String = col(r, "kind")?;
    Ok(Task {
        id: col(r, "id")?,
        code: col(r, "code")?,
        kind: TaskKind::parse(&kind)
            .ok_or_else(|| sqlx::Error::Decode(format!("task kind {kind}").into()))?,
        number: col(r, "number")?,
        section: col(r, "section")?,
        title: col(r, "title")?,
        text: col(r, "body")?,
        lead_unit: col(r, "lead_org_id")?,
        units: Vec::new(),
        weight: col(r, "weight")?,
        updated_in: col(r, "updated_in")?,
    })
}
