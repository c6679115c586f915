//! Reminders and escalations that have fired.

use sqlx::AnyConnection;

/// Records that `kind` fired for the item at this deadline; false when it had fired already
/// (then the caller sends nothing). `ON CONFLICT DO NOTHING` keeps this right across nodes.
pub async fn fire_once(
    conn: &mut AnyConnection,
    item_id: &str,
    kind: &str,
    deadline: &str,
    now: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO plan_item_alerts (item_id, kind, deadline, fired_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (item_id, kind, deadline) DO NOTHING",
    )
    .bind(item_id)
    .bind(kind)
    .bind(deadline)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
