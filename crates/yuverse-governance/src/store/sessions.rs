use sqlx::AnyConnection;
use yuverse_core::db::col;

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub user_id: String,
    pub last_seen_at: String,
}

pub async fn insert(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_id: &str,
    now: &str,
    ip: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, ip) \
         VALUES ($1, $2, $3, $3, $4)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(now)
    .bind(ip)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<SessionRow>, sqlx::Error> {
    let row = sqlx::query("SELECT user_id, last_seen_at FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        Ok(SessionRow {
            user_id: col(&r, "user_id")?,
            last_seen_at: col(&r, "last_seen_at")?,
        })
    })
    .transpose()
}

pub async fn touch(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &mut AnyConnection, token_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_for_user(conn: &mut AnyConnection, user_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes sessions idle since before `cutoff`.
pub async fn delete_idle(conn: &mut AnyConnection, cutoff: &str) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1")
        .bind(cutoff)
        .execute(conn)
        .await?
        .rows_affected())
}
