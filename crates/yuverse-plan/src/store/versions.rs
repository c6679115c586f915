//! Versions of the plan document.

use serde::Serialize;
use sqlx::AnyConnection;
use yuverse_core::db::col;

use super::decode_err;
use crate::domain::PlanDocument;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VersionInfo {
    pub version: i64,
    pub created_at: String,
    pub created_by: String,
    /// What changed (the baseline says so).
    pub summary: String,
}

pub async fn insert(
    conn: &mut AnyConnection,
    info: &VersionInfo,
    document: &PlanDocument,
) -> Result<(), sqlx::Error> {
    let json = serde_json::to_string(document).map_err(|e| decode_err("plan document", e))?;
    sqlx::query(
        "INSERT INTO plan_versions (version, created_at, created_by, summary, document) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(info.version)
    .bind(&info.created_at)
    .bind(&info.created_by)
    .bind(&info.summary)
    .bind(json)
    .execute(conn)
    .await?;
    Ok(())
}

/// The latest version and its document, if the plan is loaded.
pub async fn latest(
    conn: &mut AnyConnection,
) -> Result<Option<(VersionInfo, PlanDocument)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT version, created_at, created_by, summary, document FROM plan_versions \
         ORDER BY version DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| from_row(&r)).transpose()
}

pub async fn get(
    conn: &mut AnyConnection,
    version: i64,
) -> Result<Option<(VersionInfo, PlanDocument)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT version, created_at, created_by, summary, document FROM plan_versions \
         WHERE version = $1",
    )
    .bind(version)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| from_row(&r)).transpose()
}

pub async fn list(conn: &mut AnyConnection) -> Result<Vec<VersionInfo>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT version, created_at, created_by, summary FROM plan_versions ORDER BY version",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(VersionInfo {
                version: col(r, "version")?,
                created_at: col(r, "created_at")?,
                created_by: col(r, "created_by")?,
                summary: col(r, "summary")?,
            })
        })
        .collect()
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<(VersionInfo, PlanDocument), sqlx::Error> {
    let document: String = col(r, "document")?;
    Ok((
        VersionInfo {
            version: col(r, "version")?,
            created_at: col(r, "created_at")?,
            created_by: col(r, "created_by")?,
            summary: col(r, "summary")?,
        },
        serde_json::from_str(&document).map_err(|e| decode_err("plan document", e))?,
    ))
}
