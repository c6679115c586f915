use sqlx::AnyConnection;
use yuverse_core::db::col;

/// A stored verification: the identity number only as ciphertext.
#[derive(Debug, Clone)]
pub struct StoredRealName {
    pub name: String,
    pub id_cipher: Vec<u8>,
    pub verified_at: String,
}

/// Inserts or replaces the user's verification.
pub async fn upsert(
    conn: &mut AnyConnection,
    user_id: &str,
    name: &str,
    id_cipher: &[u8],
    blind_index: &str,
    verified_at: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM real_names WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO real_names (user_id, name, id_cipher, id_blind_index, verified_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(user_id)
    .bind(name)
    .bind(id_cipher.to_vec())
    .bind(blind_index)
    .bind(verified_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The user bound to an identity (by its blind index), if any.
pub async fn owner_of(
    conn: &mut AnyConnection,
    blind_index: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT user_id FROM real_names WHERE id_blind_index = $1")
        .bind(blind_index)
        .fetch_optional(conn)
        .await
}

pub async fn get(
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<Option<StoredRealName>, sqlx::Error> {
    let row = sqlx::query("SELECT name, id_cipher, verified_at FROM real_names WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        Ok(StoredRealName {
            name: col(&r, "name")?,
            id_cipher: col(&r, "id_cipher")?,
            verified_at: col(&r, "verified_at")?,
        })
    })
    .transpose()
}
