//! Progress reports, every submission kept.

use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;
use yuverse_core::db::col;
use yuverse_core::paging::Page;

use super::decode_err;
use crate::domain::input::Evidence;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    Submitted,
    Accepted,
    Returned,
}

impl ReportState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportState::Submitted => "submitted",
            ReportState::Accepted => "accepted",
            ReportState::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Submitted, Self::Accepted, Self::Returned]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub id: String,
    pub item_id: String,
    /// The reporting unit (the item's owner).
    pub organisation_id: String,
    pub period: String,
    pub percentage: i64,
    pub narrative: String,
    pub blockers: String,
    pub evidence: Vec<Evidence>,
    pub state: ReportState,
    /// The returned report this one resubmits.
    pub supersedes: Option<String>,
    pub submitted_by: String,
    pub submitted_at: String,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub return_reason: Option<String>,
}

const COLUMNS: &str = "id, item_id, organisation_id, period, percentage, narrative, blockers, \
     evidence, state, supersedes, submitted_by, submitted_at, reviewed_by, reviewed_at, return_reason";

pub async fn insert(conn: &mut AnyConnection, r: &Report) -> Result<(), sqlx::Error> {
    let evidence = serde_json::to_string(&r.evidence).map_err(|e| decode_err("evidence", e))?;
    sqlx::query(&format!(
        "INSERT INTO plan_reports ({COLUMNS}) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
    ))
    .bind(&r.id)
    .bind(&r.item_id)
    .bind(&r.organisation_id)
    .bind(&r.period)
    .bind(r.percentage)
    .bind(&r.narrative)
    .bind(&r.blockers)
    .bind(evidence)
    .bind(r.state.as_str())
    .bind(&r.supersedes)
    .bind(&r.submitted_by)
    .bind(&r.submitted_at)
    .bind(&r.reviewed_by)
    .bind(&r.reviewed_at)
    .bind(&r.return_reason)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn review(conn: &mut AnyConnection, r: &Report) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE plan_reports SET state = $2, reviewed_by = $3, reviewed_at = $4, \
         return_reason = $5 WHERE id = $1",
    )
    .bind(&r.id)
    .bind(r.state.as_str())
    .bind(&r.reviewed_by)
    .bind(&r.reviewed_at)
    .bind(&r.return_reason)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<Report>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM plan_reports WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Whether a report has been resubmitted already (a returned report is resubmitted once).
pub async fn superseded(conn: &mut AnyConnection, id: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM plan_reports WHERE supersedes = $1")
        .bind(id)
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}

#[derive(Debug, Default, Clone)]
pub struct ReportFilter {
    pub item_id: Option<String>,
    pub organisation_id: Option<String>,
    pub state: Option<ReportState>,
}

pub async fn list(
    conn: &mut AnyConnection,
    filter: &ReportFilter,
    page: Page,
) -> Result<(Vec<Report>, i64), sqlx::Error> {
    let state = filter.state.map(|s| s.as_str());
    let condition = "($1 IS NULL OR item_id = $1) AND ($2 IS NULL OR organisation_id = $2) \
                     AND ($3 IS NULL OR state = $3)";
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM plan_reports WHERE {condition}"
    ))
    .bind(&filter.item_id)
    .bind(&filter.organisation_id)
    .bind(state)
    .fetch_one(&mut *conn)
    .await?;
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM plan_reports WHERE {condition} \
         ORDER BY submitted_at, id LIMIT $4 OFFSET $5"
    ))
    .bind(&filter.item_id)
    .bind(&filter.organisation_id)
    .bind(state)
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(conn)
    .await?;
    let items = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    Ok((items, total))
}

/// Reports counted per organisation and state: (organisation, state, count).
pub async fn counts(conn: &mut AnyConnection) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT organisation_id, state, COUNT(*) AS n FROM plan_reports \
         GROUP BY organisation_id, state",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((col(r, "organisation_id")?, col(r, "state")?, col(r, "n")?)))
        .collect()
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Report, sqlx::Error> {
    let state: String = col(r, "state")?;
    let evidence: String = col(r, "evidence")?;
    Ok(Report {
        id: col(r, "id")?,
        item_id: col(r, "item_id")?,
        organisation_id: col(r, "organisation_id")?,
        period: col(r, "period")?,
        percentage: col(r, "percentage")?,
        narrative: col(r, "narrative")?,
        blockers: col(r, "blockers")?,
        evidence: serde_json::from_str(&evidence).map_err(|e| decode_err("evidence", e))?,
        state: ReportState::parse(&state)
            .ok_or_else(|| sqlx::Error::Decode(format!("report state {state}").into()))?,
        supersedes: col(r, "supersedes")?,
        submitted_by: col(r, "submitted_by")?,
        submitted_at: col(r, "submitted_at")?,
        reviewed_by: col(r, "reviewed_by")?,
        reviewed_at: col(r, "reviewed_at")?,
        return_reason: col(r, "return_reason")?,
    })
}
