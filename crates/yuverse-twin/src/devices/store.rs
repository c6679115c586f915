//! `twin_devices`: provisioned devices and their ingestion status. Counters are added to with
//! deltas (`x = x + $n`), never overwritten, so several nodes can report into one row.

use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use yuverse_core::db::col;
use yuverse_core::paging::Page;

use super::domain::{AttributeMapping, Device};

/// The stored status of a device (what every node has flushed so far).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredStatus {
    pub messages_received: i64,
    pub errors: i64,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    pub last_seen_at: Option<String>,
}

/// What one node adds to a device's status.
#[derive(Debug, Clone, Default)]
pub struct StatusDelta {
    pub device_id: String,
    pub messages_received: i64,
    pub errors: i64,
    /// The latest error (message, time) since the last flush.
    pub last_error: Option<(String, String)>,
    pub last_seen_at: Option<String>,
}

const COLUMNS: &str = "device_id, organisation_id, api_key_id, tenant, entity_name, entity_type, \
                       attributes, explicit_attrs, created_at, created_by, messages_received, \
                       errors, last_error, last_error_at, last_seen_at";

fn from_row(row: &AnyRow) -> Result<(Device, StoredStatus), sqlx::Error> {
    let attributes: String = col(row, "attributes")?;
    let attributes: Vec<AttributeMapping> =
        serde_json::from_str(&attributes).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    let explicit: i64 = col(row, "explicit_attrs")?;
    let device = Device {
        device_id: col(row, "device_id")?,
        organisation_id: col(row, "organisation_id")?,
        api_key_id: col(row, "api_key_id")?,
        tenant: col(row, "tenant")?,
        entity_name: col(row, "entity_name")?,
        entity_type: col(row, "entity_type")?,
        attributes,
        explicit_attrs: explicit != 0,
        created_at: col(row, "created_at")?,
        created_by: col(row, "created_by")?,
    };
    let status = StoredStatus {
        messages_received: col(row, "messages_received")?,
        errors: col(row, "errors")?,
        last_error: col(row, "last_error")?,
        last_error_at: col(row, "last_error_at")?,
        last_seen_at: col(row, "last_seen_at")?,
    };
    Ok((device, status))
}

pub async fn insert(conn: &mut AnyConnection, d: &Device) -> Result<(), sqlx::Error> {
    let attributes = serde_json::to_string(&d.attributes).unwrap_or_else(|_| "[]".into());
    sqlx::query(
        "INSERT INTO twin_devices (device_id, organisation_id, api_key_id, tenant, entity_name, \
         entity_type, attributes, explicit_attrs, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&d.device_id)
    .bind(&d.organisation_id)
    .bind(&d.api_key_id)
    .bind(&d.tenant)
    .bind(&d.entity_name)
    .bind(&d.entity_type)
    .bind(attributes)
    .bind(i64::from(d.explicit_attrs))
    .bind(&d.created_at)
    .bind(&d.created_by)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn exists(conn: &mut AnyConnection, device_id: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM twin_devices WHERE device_id = $1")
        .bind(device_id)
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}

pub async fn get(
    conn: &mut AnyConnection,
    device_id: &str,
) -> Result<Option<(Device, StoredStatus)>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM twin_devices WHERE device_id = $1"
    ))
    .bind(device_id)
    .fetch_optional(conn)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// Devices of one organisation, or of all when `organisation_id` is `None`.
pub async fn list(
    conn: &mut AnyConnection,
    organisation_id: Option<&str>,
    page: Page,
) -> Result<(Vec<(Device, StoredStatus)>, i64), sqlx::Error> {
    let total: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM twin_devices WHERE ($1 IS NULL OR organisation_id = $1)",
    )
    .bind(organisation_id)
    .fetch_one(&mut *conn)
    .await?;
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM twin_devices WHERE ($1 IS NULL OR organisation_id = $1) \
         ORDER BY device_id LIMIT $2 OFFSET $3"
    ))
    .bind(organisation_id)
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(conn)
    .await?;
    let items = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    Ok((items, total))
}

/// Every device (the ingestion registry).
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<Device>, sqlx::Error> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM twin_devices"))
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| from_row(r).map(|(device, _)| device))
        .collect()
}

/// Devices whose stored last message is at or after `since` (fixed-width RFC 3339).
pub async fn seen_since(conn: &mut AnyConnection, since: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT device_id FROM twin_devices WHERE last_seen_at >= $1")
        .bind(since)
        .fetch_all(conn)
        .await
}

pub async fn delete(conn: &mut AnyConnection, device_id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM twin_devices WHERE device_id = $1")
        .bind(device_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Adds one node's counts; the latest times win (fixed-width text compares as time).
pub async fn add_status(conn: &mut AnyConnection, delta: &StatusDelta) -> Result<(), sqlx::Error> {
    let (error, error_at) = match &delta.last_error {
        Some((e, at)) => (Some(e.as_str()), Some(at.as_str())),
        None => (None, None),
    };
    sqlx::query(
        "UPDATE twin_devices SET \
           messages_received = messages_received + $2, \
           errors = errors + $3, \
           last_error = CASE WHEN $5 IS NOT NULL AND (last_error_at IS NULL OR last_error_at <= $5) \
                             THEN $4 ELSE last_error END, \
           last_error_at = CASE WHEN $5 IS NOT NULL AND (last_error_at IS NULL OR last_error_at <= $5) \
                                THEN $5 ELSE last_error_at END, \
           last_seen_at = CASE WHEN $6 IS NOT NULL AND (last_seen_at IS NULL OR last_seen_at < $6) \
                               THEN $6 ELSE last_seen_at END \
         WHERE device_id = $1",
    )
    .bind(&delta.device_id)
    .bind(delta.messages_received)
    .bind(delta.errors)
    .bind(error)
    .bind(error_at)
    .bind(delta.last_seen_at.as_deref())
    .execute(conn)
    .await?;
    Ok(())
}
