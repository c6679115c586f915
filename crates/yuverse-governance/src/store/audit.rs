//! The audit log table. Appends happen inside the caller's write transaction (which holds the
//! platform writer lock, see `yuverse_core::db`), so the chain has one writer at a time and an
//! action and its audit entry commit or roll back together.

use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use yuverse_core::db::col;
use yuverse_core::paging::Page;

use crate::domain::audit_chain::{AuditRecord, GENESIS};

const COLUMNS: &str = "seq, at, actor_user, actor_role, actor_org, action, target, ip, outcome, \
                       detail, prev_hash, hash";

fn from_row(row: &AnyRow) -> Result<(AuditRecord, String), sqlx::Error> {
    Ok((
        AuditRecord {
            seq: col(row, "seq")?,
            at: col(row, "at")?,
            actor_user: col(row, "actor_user")?,
            actor_role: col(row, "actor_role")?,
            actor_org: col(row, "actor_org")?,
            action: col(row, "action")?,
            target: col(row, "target")?,
            ip: col(row, "ip")?,
            outcome: col(row, "outcome")?,
            detail: col(row, "detail")?,
            prev_hash: col(row, "prev_hash")?,
        },
        col(row, "hash")?,
    ))
}

/// The last entry's sequence number and hash (0 and the genesis hash for an empty log).
pub async fn head(conn: &mut AnyConnection) -> Result<(i64, String), sqlx::Error> {
    let row = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(conn)
        .await?;
    match row {
        Some(r) => Ok((col(&r, "seq")?, col(&r, "hash")?)),
        None => Ok((0, GENESIS.to_owned())),
    }
}

pub async fn insert(
    conn: &mut AnyConnection,
    record: &AuditRecord,
    hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO audit_log ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(record.seq)
    .bind(&record.at)
    .bind(&record.actor_user)
    .bind(&record.actor_role)
    .bind(&record.actor_org)
    .bind(&record.action)
    .bind(&record.target)
    .bind(&record.ip)
    .bind(&record.outcome)
    .bind(&record.detail)
    .bind(&record.prev_hash)
    .bind(hash)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub actor: Option<String>,
    /// An exact action, or a prefix ending in `.` (e.g. `auth.`).
    pub action: Option<String>,
    pub target: Option<String>,
    pub outcome: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

pub async fn list(
    conn: &mut AnyConnection,
    f: &AuditFilter,
    page: Page,
) -> Result<(Vec<(AuditRecord, String)>, i64), sqlx::Error> {
    let action_pattern = f.action.as_ref().map(|a| {
        if a.ends_with('.') {
            format!("{a}%")
        } else {
            a.clone()
        }
    });
    let condition = "($1 IS NULL OR actor_user = $1) AND ($2 IS NULL OR action LIKE $2) \
                     AND ($3 IS NULL OR target = $3) AND ($4 IS NULL OR outcome = $4) \
                     AND ($5 IS NULL OR at >= $5) AND ($6 IS NULL OR at <= $6)";
    let total: i64 =
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM audit_log WHERE {condition}"))
            .bind(&f.actor)
            .bind(&action_pattern)
            .bind(&f.target)
            .bind(&f.outcome)
            .bind(&f.from)
            .bind(&f.to)
            .fetch_one(&mut *conn)
            .await?;
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM audit_log WHERE {condition} ORDER BY seq DESC LIMIT $7 OFFSET $8"
    ))
    .bind(&f.actor)
    .bind(&action_pattern)
    .bind(&f.target)
    .bind(&f.outcome)
    .bind(&f.from)
    .bind(&f.to)
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(conn)
    .await?;
    let items = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    Ok((items, total))
}

/// Entries with `seq > after`, in order, at most `limit` (the verifier pages through the log).
pub async fn chunk_after(
    conn: &mut AnyConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<(AuditRecord, String)>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
    ))
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}
