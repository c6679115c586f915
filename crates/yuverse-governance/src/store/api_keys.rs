use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use yuverse_core::db::col;
use yuverse_core::paging::Page;

/// An API key as the API shows it: never the secret, only its first characters.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    /// The first characters of the key, to recognise it in lists.
    pub prefix: String,
    pub organisation_id: String,
    pub permissions: Vec<String>,
    pub created_at: String,
    pub created_by: String,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

const COLUMNS: &str = "id, name, prefix, organisation_id, permissions, created_at, created_by, \
                       revoked_at, last_used_at";

fn from_row(row: &AnyRow) -> Result<ApiKey, sqlx::Error> {
    let permissions: String = col(row, "permissions")?;
    Ok(ApiKey {
        id: col(row, "id")?,
        name: col(row, "name")?,
        prefix: col(row, "prefix")?,
        organisation_id: col(row, "organisation_id")?,
        permissions: permissions
            .split(',')
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
        created_at: col(row, "created_at")?,
        created_by: col(row, "created_by")?,
        revoked_at: col(row, "revoked_at")?,
        last_used_at: col(row, "last_used_at")?,
    })
}

pub async fn insert(
    conn: &mut AnyConnection,
    k: &ApiKey,
    key_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO api_keys (id, name, prefix, key_hash, organisation_id, permissions, \
         created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&k.id)
    .bind(&k.name)
    .bind(&k.prefix)
    .bind(key_hash)
    .bind(&k.organisation_id)
    .bind(k.permissions.join(","))
    .bind(&k.created_at)
    .bind(&k.created_by)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<ApiKey>, sqlx::Error> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM api_keys WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The live (not revoked) key with this hash.
pub async fn find_active_by_hash(
    conn: &mut AnyConnection,
    key_hash: &str,
) -> Result<Option<ApiKey>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL"
    ))
    .bind(key_hash)
    .fetch_optional(conn)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

pub async fn revoke(conn: &mut AnyConnection, id: &str, now: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn mark_used(conn: &mut AnyConnection, id: &str, now: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Keys of one organisation, or of all when `organisation_id` is `None`.
pub async fn list(
    conn: &mut AnyConnection,
    organisation_id: Option<&str>,
    page: Page,
) -> Result<(Vec<ApiKey>, i64), sqlx::Error> {
    let total: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM api_keys WHERE ($1 IS NULL OR organisation_id = $1)",
    )
    .bind(organisation_id)
    .fetch_one(&mut *conn)
    .await?;
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM api_keys WHERE ($1 IS NULL OR organisation_id = $1) \
         ORDER BY created_at DESC, id LIMIT $2 OFFSET $3"
    ))
    .bind(organisation_id)
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(conn)
    .await?;
    let items = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    Ok((items, total))
}
