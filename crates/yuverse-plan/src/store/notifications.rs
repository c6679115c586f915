//! In-app notifications, addressed to an organisation or to a role.

use serde::Serialize;
use sqlx::AnyConnection;
use yuverse_core::db::col;
use yuverse_core::paging::Page;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Notification {
    pub id: String,
    /// The addressed organisation (its users see it), if any.
    pub organisation_id: Option<String>,
    /// The addressed role (every user of it sees it), if any.
    pub role: Option<String>,
    /// `assignment`, `reminder`, `escalation`, `report_submitted`, `report_returned`,
    /// `report_accepted`.
    pub kind: String,
    pub title: String,
    pub body: String,
    /// What it is about, e.g. `plan_item:<id>` or `plan_report:<id>`.
    pub subject: Option<String>,
    pub created_at: String,
    pub read_at: Option<String>,
}

pub async fn insert(conn: &mut AnyConnection, n: &Notification) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO notifications (id, organisation_id, role, kind, title, body, subject, \
         created_at, read_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&n.id)
    .bind(&n.organisation_id)
    .bind(&n.role)
    .bind(&n.kind)
    .bind(&n.title)
    .bind(&n.body)
    .bind(&n.subject)
    .bind(&n.created_at)
    .bind(&n.read_at)
    .execute(conn)
    .await?;
    Ok(())
}

const FOR: &str = "(organisation_id = $1 OR role = $2) AND ($3 = 0 OR read_at IS NULL)";

pub async fn list(
    conn: &mut AnyConnection,
    organisation_id: &str,
    role: &str,
    unread_only: bool,
    page: Page,
) -> Result<(Vec<Notification>, i64, i64), sqlx::Error> {
    let unread_flag = i64::from(unread_only);
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM notifications WHERE {FOR}"))
        .bind(organisation_id)
        .bind(role)
        .bind(unread_flag)
        .fetch_one(&mut *conn)
        .await?;
    let unread: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE (organisation_id = $1 OR role = $2) \
         AND read_at IS NULL",
    )
    .bind(organisation_id)
    .bind(role)
    .fetch_one(&mut *conn)
    .await?;
    let rows = sqlx::query(&format!(
        "SELECT id, organisation_id, role, kind, title, body, subject, created_at, read_at \
         FROM notifications WHERE {FOR} ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5"
    ))
    .bind(organisation_id)
    .bind(role)
    .bind(unread_flag)
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(conn)
    .await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(Notification {
                id: col(r, "id")?,
                organisation_id: col(r, "organisation_id")?,
                role: col(r, "role")?,
                kind: col(r, "kind")?,
                title: col(r, "title")?,
                body: col(r, "body")?,
                subject: col(r, "subject")?,
                created_at: col(r, "created_at")?,
                read_at: col(r, "read_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok((items, total, unread))
}

/// Marks one notification read if it is addressed to the reader; answers whether it was.
pub async fn mark_read(
    conn: &mut AnyConnection,
    id: &str,
    organisation_id: &str,
    role: &str,
    now: &str,
) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE id = $1 AND (organisation_id = $2 OR role = $3)",
    )
    .bind(id)
    .bind(organisation_id)
    .bind(role)
    .fetch_one(&mut *conn)
    .await?;
    if n == 0 {
        return Ok(false);
    }
    sqlx::query("UPDATE notifications SET read_at = $2 WHERE id = $1 AND read_at IS NULL")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(true)
}
