//! Work items and their milestones.

use serde::Serialize;
use sqlx::AnyConnection;
use yuverse_core::db::col;
use yuverse_core::paging::Page;

use super::decode_err;
use crate::domain::ItemState;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Item {
    pub id: String,
    pub task_id: String,
    pub title: String,
    pub description: String,
    /// Organisation id of the owner unit.
    pub owner_unit: String,
    /// Organisation ids of co-operating units.
    pub co_units: Vec<String>,
    pub place_code: Option<String>,
    pub weight: i64,
    pub start_at: String,
    pub deadline: String,
    pub state: ItemState,
    /// Completion from the last accepted report (100 once done).
    pub progress: i64,
    pub done_at: Option<String>,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
}

const COLUMNS: &str = "id, task_id, title, description, owner_org_id, co_org_ids, place_code, \
     weight, start_at, deadline, state, progress, done_at, created_at, created_by, updated_at";

pub async fn insert(conn: &mut AnyConnection, i: &Item) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO plan_items ({COLUMNS}) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
    ))
    .bind(&i.id)
    .bind(&i.task_id)
    .bind(&i.title)
    .bind(&i.description)
    .bind(&i.owner_unit)
    .bind(json(&i.co_units))
    .bind(&i.place_code)
    .bind(i.weight)
    .bind(&i.start_at)
    .bind(&i.deadline)
    .bind(i.state.as_str())
    .bind(i.progress)
    .bind(&i.done_at)
    .bind(&i.created_at)
    .bind(&i.created_by)
    .bind(&i.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn update(conn: &mut AnyConnection, i: &Item) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE plan_items SET title = $2, description = $3, owner_org_id = $4, co_org_ids = $5, \
         place_code = $6, weight = $7, deadline = $8, state = $9, progress = $10, done_at = $11, \
         updated_at = $12 WHERE id = $1",
    )
    .bind(&i.id)
    .bind(&i.title)
    .bind(&i.description)
    .bind(&i.owner_unit)
    .bind(json(&i.co_units))
    .bind(&i.place_code)
    .bind(i.weight)
    .bind(&i.deadline)
    .bind(i.state.as_str())
    .bind(i.progress)
    .bind(&i.done_at)
    .bind(&i.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<Item>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM plan_items WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

#[derive(Debug, Default, Clone)]
pub struct ItemFilter {
    pub task_id: Option<String>,
    /// Items this organisation owns or co-operates on.
    pub unit: Option<String>,
    pub state: Option<ItemState>,
}

pub async fn list(
    conn: &mut AnyConnection,
    filter: &ItemFilter,
    page: Page,
) -> Result<(Vec<Item>, i64), sqlx::Error> {
    let state = filter.state.map(|s| s.as_str());
    let co_pattern = filter.unit.as_ref().map(|u| format!("%\"{u}\"%"));
    let condition = "($1 IS NULL OR task_id = $1) AND ($2 IS NULL OR owner_org_id = $2 \
                     OR co_org_ids LIKE $3) AND ($4 IS NULL OR state = $4)";
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM plan_items WHERE {condition}"
    ))
    .bind(&filter.task_id)
    .bind(&filter.unit)
    .bind(&co_pattern)
    .bind(state)
    .fetch_one(&mut *conn)
    .await?;
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM plan_items WHERE {condition} \
         ORDER BY deadline, id LIMIT $5 OFFSET $6"
    ))
    .bind(&filter.task_id)
    .bind(&filter.unit)
    .bind(&co_pattern)
    .bind(state)
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(conn)
    .await?;
    let items = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    Ok((items, total))
}

/// Every item (the roll-ups and the sweeper read them all; a plan has hundreds, not millions).
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<Item>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM plan_items ORDER BY deadline, id"
    ))
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

fn json(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Item, sqlx::Error> {
    let state: String = col(r, "state")?;
    let co: String = col(r, "co_org_ids")?;
    Ok(Item {
        id: col(r, "id")?,
        task_id: col(r, "task_id")?,
        title: col(r, "title")?,
        description: col(r, "description")?,
        owner_unit: col(r, "owner_org_id")?,
        co_units: serde_json::from_str(&co).map_err(|e| decode_err("co_org_ids", e))?,
        place_code: col(r, "place_code")?,
        weight: col(r, "weight")?,
        start_at: col(r, "start_at")?,
        deadline: col(r, "deadline")?,
        state: ItemState::parse(&state)
            .ok_or_else(|| sqlx::Error::Decode(format!("item state {state}").into()))?,
        progress: col(r, "progress")?,
        done_at: col(r, "done_at")?,
        created_at: col(r, "created_at")?,
        created_by: col(r, "created_by")?,
        updated_at: col(r, "updated_at")?,
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Milestone {
    pub id: String,
    pub item_id: String,
    pub title: String,
    pub due_at: String,
    pub done_at: Option<String>,
    pub created_at: String,
}

pub async fn insert_milestone(conn: &mut AnyConnection, m: &Milestone) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO plan_milestones (id, item_id, title, due_at, done_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&m.id)
    .bind(&m.item_id)
    .bind(&m.title)
    .bind(&m.due_at)
    .bind(&m.done_at)
    .bind(&m.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn update_milestone(conn: &mut AnyConnection, m: &Milestone) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE plan_milestones SET title = $2, due_at = $3, done_at = $4 WHERE id = $1")
        .bind(&m.id)
        .bind(&m.title)
        .bind(&m.due_at)
        .bind(&m.done_at)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_milestone(conn: &mut AnyConnection, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM plan_milestones WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn milestones(
    conn: &mut AnyConnection,
    item_id: &str,
) -> Result<Vec<Milestone>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, item_id, title, due_at, done_at, created_at FROM plan_milestones \
         WHERE item_id = $1 ORDER BY due_at, id",
    )
    .bind(item_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Milestone {
                id: col(r, "id")?,
                item_id: col(r, "item_id")?,
                title: col(r, "title")?,
                due_at: col(r, "due_at")?,
                done_at: col(r, "done_at")?,
                created_at: col(r, "created_at")?,
            })
        })
        .collect()
}
