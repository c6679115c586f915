//! `twin_alert_rules`, `twin_alerts` and `twin_alert_matches`. Transitions are conditional
//! updates (`WHERE state = …`), so two nodes or a user and the engine racing on one alert
//! change it once; a unique index keeps one alert that is not closed per (rule, entity).

use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use yuverse_core::db::col;
use yuverse_core::paging::Page;

use super::model::{Alert, AlertState, Rule, Severity};
use super::rule::StoredRule;

fn decode(what: &str, detail: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::Decode(format!("{what}: {detail}").into())
}

fn json_column(row: &AnyRow, name: &str) -> Result<Option<Value>, sqlx::Error> {
    let text: Option<String> = col(row, name)?;
    text.map(|t| serde_json::from_str(&t).map_err(|e| decode(name, e)))
        .transpose()
}

const RULE_COLUMNS: &str = "id, name, entity_type, q, geofence, area, place_name, severity, \
                            enabled, auto_close, created_at, created_by, updated_at, updated_by";

fn rule_from_row(row: &AnyRow) -> Result<StoredRule, sqlx::Error> {
    let severity: String = col(row, "severity")?;
    let enabled: i64 = col(row, "enabled")?;
    let auto_close: i64 = col(row, "auto_close")?;
    Ok(StoredRule {
        rule: Rule {
            id: col(row, "id")?,
            name: col(row, "name")?,
            entity_type: col(row, "entity_type")?,
            q: col(row, "q")?,
            geofence: json_column(row, "geofence")?,
            severity: Severity::parse(&severity).ok_or_else(|| decode("severity", &severity))?,
            enabled: enabled != 0,
            auto_close: auto_close != 0,
            created_at: col(row, "created_at")?,
            created_by: col(row, "created_by")?,
            updated_at: col(row, "updated_at")?,
            updated_by: col(row, "updated_by")?,
        },
        area: json_column(row, "area")?,
        place_name: col(row, "place_name")?,
    })
}

fn json_text(value: Option<&Value>) -> Option<String> {
    value.map(Value::to_string)
}

pub async fn insert_rule(conn: &mut AnyConnection, s: &StoredRule) -> Result<(), sqlx::Error> {
    let r = &s.rule;
    sqlx::query(&format!(
        "INSERT INTO twin_alert_rules ({RULE_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    ))
    .bind(&r.id)
    .bind(&r.name)
    .bind(&r.entity_type)
    .bind(&r.q)
    .bind(json_text(r.geofence.as_ref()))
    .bind(json_text(s.area.as_ref()))
    .bind(&s.place_name)
    .bind(r.severity.as_str())
    .bind(i64::from(r.enabled))
    .bind(i64::from(r.auto_close))
    .bind(&r.created_at)
    .bind(&r.created_by)
    .bind(&r.updated_at)
    .bind(&r.updated_by)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn update_rule(conn: &mut AnyConnection, s: &StoredRule) -> Result<bool, sqlx::Error> {
    let r = &s.rule;
    let done = sqlx::query(
        "UPDATE twin_alert_rules SET name = $2, entity_type = $3, q = $4, geofence = $5, \
         area = $6, place_name = $7, severity = $8, enabled = $9, auto_close = $10, \
         updated_at = $11, updated_by = $12 WHERE id = $1",
    )
    .bind(&r.id)
    .bind(&r.name)
    .bind(&r.entity_type)
    .bind(&r.q)
    .bind(json_text(r.geofence.as_ref()))
    .bind(json_text(s.area.as_ref()))
    .bind(&s.place_name)
    .bind(r.severity.as_str())
    .bind(i64::from(r.enabled))
    .bind(i64::from(r.auto_close))
    .bind(&r.updated_at)
    .bind(&r.updated_by)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn delete_rule(conn: &mut AnyConnection, id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM twin_alert_rules WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn get_rule(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<StoredRule>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {RULE_COLUMNS} FROM twin_alert_rules WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?
    .as_ref()
    .map(rule_from_row)
    .transpose()
}

/// Every rule, oldest first.
pub async fn all_rules(conn: &mut AnyConnection) -> Result<Vec<StoredRule>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {RULE_COLUMNS} FROM twin_alert_rules ORDER BY created_at, id"
    ))
    .fetch_all(conn)
    .await?;
    rows.iter().map(rule_from_row).collect()
}

const ALERT_COLUMNS: &str = "id, rule_id, rule_name, severity, tenant, entity_id, entity_type, \
                             message, matched_values, location, state, raised_at, \
                             acknowledged_at, acknowledged_by, closed_at, closed_by, \
                             close_reason, version";

fn alert_from_row(row: &AnyRow) -> Result<(Alert, i64), sqlx::Error> {
    let severity: String = col(row, "severity")?;
    let state: String = col(row, "state")?;
    let alert = Alert {
        id: col(row, "id")?,
        rule_id: col(row, "rule_id")?,
        rule_name: col(row, "rule_name")?,
        severity: Severity::parse(&severity).ok_or_else(|| decode("severity", &severity))?,
        tenant: col(row, "tenant")?,
        entity_id: col(row, "entity_id")?,
        entity_type: col(row, "entity_type")?,
        message: col(row, "message")?,
        values: json_column(row, "matched_values")?.unwrap_or(Value::Null),
        location: json_column(row, "location")?,
        state: AlertState::parse(&state).ok_or_else(|| decode("state", &state))?,
        raised_at: col(row, "raised_at")?,
        acknowledged_at: col(row, "acknowledged_at")?,
        acknowledged_by: col(row, "acknowledged_by")?,
        closed_at: col(row, "closed_at")?,
        closed_by: col(row, "closed_by")?,
        close_reason: col(row, "close_reason")?,
    };
    Ok((alert, col(row, "version")?))
}

/// Inserts a new alert. Callers look for an active one first in the same write transaction
/// (a unique violation would abort a PostgreSQL transaction); the index is the safety net.
pub async fn insert_alert(conn: &mut AnyConnection, a: &Alert) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO twin_alerts ({ALERT_COLUMNS}, mirrored) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 1, 0)"
    ))
    .bind(&a.id)
    .bind(&a.rule_id)
    .bind(&a.rule_name)
    .bind(a.severity.as_str())
    .bind(&a.tenant)
    .bind(&a.entity_id)
    .bind(&a.entity_type)
    .bind(&a.message)
    .bind(a.values.to_string())
    .bind(json_text(a.location.as_ref()))
    .bind(a.state.as_str())
    .bind(&a.raised_at)
    .bind(&a.acknowledged_at)
    .bind(&a.acknowledged_by)
    .bind(&a.closed_at)
    .bind(&a.closed_by)
    .bind(&a.close_reason)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get_alert(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<(Alert, i64)>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {ALERT_COLUMNS} FROM twin_alerts WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?
    .as_ref()
    .map(alert_from_row)
    .transpose()
}

/// The alert of (rule, entity) that is not closed, if any: its id.
pub async fn active_alert(
    conn: &mut AnyConnection,
    rule_id: &str,
    tenant: &str,
    entity_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM twin_alerts WHERE rule_id = $1 AND tenant = $2 AND entity_id = $3 \
         AND state <> 'closed'",
    )
    .bind(rule_id)
    .bind(tenant)
    .bind(entity_id)
    .fetch_optional(conn)
    .await
}

/// Alerts of a rule that are not closed: (id, tenant, entity id).
pub async fn active_alerts_of_rule(
    conn: &mut AnyConnection,
    rule_id: &str,
) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, tenant, entity_id FROM twin_alerts WHERE rule_id = $1 AND state <> 'closed'",
    )
    .bind(rule_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((col(r, "id")?, col(r, "tenant")?, col(r, "entity_id")?)))
        .collect()
}

/// Filters of the alert list; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    pub state: Option<AlertState>,
    pub rule_id: Option<String>,
    pub entity_id: Option<String>,
}

/// One page of alerts, newest first, and the total.
pub async fn list_alerts(
    conn: &mut AnyConnection,
    filter: &AlertFilter,
    page: Page,
) -> Result<(Vec<Alert>, i64), sqlx::Error> {
    const WHERE: &str = "WHERE ($1 IS NULL OR state = $1) AND ($2 IS NULL OR rule_id = $2) \
                         AND ($3 IS NULL OR entity_id = $3)";
    let state = filter.state.map(AlertState::as_str);
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM twin_alerts {WHERE}"))
        .bind(state)
        .bind(&filter.rule_id)
        .bind(&filter.entity_id)
        .fetch_one(&mut *conn)
        .await?;
    let rows = sqlx::query(&format!(
        "SELECT {ALERT_COLUMNS} FROM twin_alerts {WHERE} \
         ORDER BY raised_at DESC, id DESC LIMIT $4 OFFSET $5"
    ))
    .bind(state)
    .bind(&filter.rule_id)
    .bind(&filter.entity_id)
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(conn)
    .await?;
    let items = rows
        .iter()
        .map(|r| alert_from_row(r).map(|(a, _)| a))
        .collect::<Result<_, _>>()?;
    Ok((items, total))
}

pub async fn count_in_state(
    conn: &mut AnyConnection,
    state: AlertState,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM twin_alerts WHERE state = $1")
        .bind(state.as_str())
        .fetch_one(conn)
        .await
}

/// open → acknowledged; `false` if the alert was not open.
pub async fn acknowledge(
    conn: &mut AnyConnection,
    id: &str,
    by: &str,
    at: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE twin_alerts SET state = 'acknowledged', acknowledged_at = $2, \
         acknowledged_by = $3, version = version + 1, mirrored = 0 \
         WHERE id = $1 AND state = 'open'",
    )
    .bind(id)
    .bind(at)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// open or acknowledged → closed; `false` if it was closed already.
pub async fn close(
    conn: &mut AnyConnection,
    id: &str,
    by: &str,
    at: &str,
    reason: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE twin_alerts SET state = 'closed', closed_at = $2, closed_by = $3, \
         close_reason = $4, version = version + 1, mirrored = 0 \
         WHERE id = $1 AND state <> 'closed'",
    )
    .bind(id)
    .bind(at)
    .bind(by)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Ids of alerts whose last transition has not reached their twin entity yet.
pub async fn unmirrored(conn: &mut AnyConnection) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM twin_alerts WHERE mirrored = 0 ORDER BY raised_at")
        .fetch_all(conn)
        .await
}

/// Marks the mirror as up to date, unless another transition happened meanwhile.
pub async fn set_mirrored(
    conn: &mut AnyConnection,
    id: &str,
    version: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE twin_alerts SET mirrored = 1 WHERE id = $1 AND version = $2")
        .bind(id)
        .bind(version)
        .execute(conn)
        .await?;
    Ok(())
}

/// Every (rule, tenant, entity) that matched when last evaluated.
pub async fn all_matches(
    conn: &mut AnyConnection,
) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    let rows = sqlx::query("SELECT rule_id, tenant, entity_id FROM twin_alert_matches")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((col(r, "rule_id")?, col(r, "tenant")?, col(r, "entity_id")?)))
        .collect()
}

pub async fn insert_match(
    conn: &mut AnyConnection,
    (rule_id, tenant, entity_id): (&str, &str, &str),
    since: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO twin_alert_matches (rule_id, tenant, entity_id, since) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (rule_id, tenant, entity_id) DO NOTHING",
    )
    .bind(rule_id)
    .bind(tenant)
    .bind(entity_id)
    .bind(since)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_match(
    conn: &mut AnyConnection,
    (rule_id, tenant, entity_id): (&str, &str, &str),
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM twin_alert_matches WHERE rule_id = $1 AND tenant = $2 AND entity_id = $3",
    )
    .bind(rule_id)
    .bind(tenant)
    .bind(entity_id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_matches_of_rule(
    conn: &mut AnyConnection,
    rule_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM twin_alert_matches WHERE rule_id = $1")
        .bind(rule_id)
        .execute(conn)
        .await?;
    Ok(())
}

const SEED_MARK: &str = "twin-alert-rules";

/// Whether the default rules were seeded before (they are seeded once, then only edited).
pub async fn seeded(conn: &mut AnyConnection) -> Result<bool, sqlx::Error> {
    let at: Option<String> =
        sqlx::query_scalar("SELECT loaded_at FROM dataset_loads WHERE name = $1")
            .bind(SEED_MARK)
            .fetch_optional(conn)
            .await?;
    Ok(at.is_some())
}

pub async fn mark_seeded(conn: &mut AnyConnection, at: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO dataset_loads (name, loaded_at) VALUES ($1, $2)")
        .bind(SEED_MARK)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}
