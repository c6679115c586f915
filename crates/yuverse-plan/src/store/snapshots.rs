//! Monthly indicator snapshots.

use serde::Serialize;
use sqlx::AnyConnection;
use yuverse_core::db::col;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Snapshot {
    pub indicator: String,
    /// `YYYY-MM`.
    pub month: String,
    pub value: f64,
    pub taken_at: String,
}

/// Stores the month's value unless the month has one already; answers whether it stored.
pub async fn insert_once(conn: &mut AnyConnection, s: &Snapshot) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO plan_indicator_snapshots (indicator, month, value, taken_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (indicator, month) DO NOTHING",
    )
    .bind(&s.indicator)
    .bind(&s.month)
    .bind(s.value)
    .bind(&s.taken_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn list(
    conn: &mut AnyConnection,
    indicator: Option<&str>,
) -> Result<Vec<Snapshot>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT indicator, month, value, taken_at FROM plan_indicator_snapshots \
         WHERE ($1 IS NULL OR indicator = $1) ORDER BY indicator, month",
    )
    .bind(indicator)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Snapshot {
                indicator: col(r, "indicator")?,
                month: col(r, "month")?,
                value: col(r, "value")?,
                taken_at: col(r, "taken_at")?,
            })
        })
        .collect()
}
