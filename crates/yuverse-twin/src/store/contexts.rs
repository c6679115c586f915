//! Hosted @context documents in `twin_jsonld_contexts`.

use std::sync::Arc;
use std::time::SystemTime;

use serde_json::Value;
use yuverse_core::db::{col, Database};
use yuverse_twin_context::{ContextKind, StoredContext};

/// Every stored context, to put back in the cache at start. Unreadable rows are skipped with
/// an error in the log rather than stopping the server.
pub async fn load(db: &Database) -> Result<Vec<StoredContext>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT local_id, url, kind, document, created_at, tenant FROM twin_jsonld_contexts \
         ORDER BY created_at",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let local_id: String = col(&row, "local_id")?;
        let kind: String = col(&row, "kind")?;
        let document: String = col(&row, "document")?;
        let created_at: String = col(&row, "created_at")?;
        let tenant: Option<String> = col(&row, "tenant")?;
        let parsed = (
            ContextKind::parse(&kind),
            serde_json::from_str::<Value>(&document),
            yuverse_core::time::from_db(&created_at),
        );
        match parsed {
            (Some(kind), Ok(document), Ok(created_at)) => out.push(StoredContext {
                local_id,
                url: col(&row, "url")?,
                kind,
                document: Arc::new(document),
                created_at: SystemTime::from(created_at),
                expires_at: None,
                last_usage: None,
                number_of_hits: 0,
                // Rows from before tenants were recorded were made in the default tenant.
                tenant: Some(tenant.unwrap_or_else(|| crate::service::DEFAULT_TENANT.to_owned())),
            }),
            _ => tracing::error!(local_id, "skipping an unreadable stored @context"),
        }
    }
    Ok(out)
}

pub async fn save(db: &Database, context: &StoredContext) -> Result<(), sqlx::Error> {
    let created_at = yuverse_core::time::to_db(context.created_at.into());
    let mut tx = db.write().await?;
    sqlx::query(
        "INSERT INTO twin_jsonld_contexts (local_id, url, kind, document, created_at, tenant) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&context.local_id)
    .bind(&context.url)
    .bind(context.kind.as_str())
    .bind(context.document.to_string())
    .bind(created_at)
    .bind(&context.tenant)
    .execute(tx.conn())
    .await?;
    tx.commit().await
}

pub async fn delete(db: &Database, local_id: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.write().await?;
    sqlx::query("DELETE FROM twin_jsonld_contexts WHERE local_id = $1")
        .bind(local_id)
        .execute(tx.conn())
        .await?;
    tx.commit().await
}
