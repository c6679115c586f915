use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use yuverse_core::db::col;
use yuverse_core::paging::Page;
use yuverse_core::Role;

/// A user as the API shows it (no password hash, no identity number).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub role: Role,
    pub organisation_id: Option<String>,
    pub disabled: bool,
    /// Set while the account is locked after repeated failed logins.
    pub locked_until: Option<String>,
    pub real_name_verified: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// The columns only the login path reads.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub password_hash: String,
    pub failed_logins: i64,
}

const SELECT: &str = "SELECT u.id, u.username, u.display_name, u.phone, u.email, u.role, \
     u.organisation_id, u.disabled, u.locked_until, u.created_at, u.updated_at, \
     u.password_hash, u.failed_logins, \
     CASE WHEN r.user_id IS NULL THEN 0 ELSE 1 END AS real_name_verified \
     FROM users u LEFT JOIN real_names r ON r.user_id = u.id";

fn from_row(row: &AnyRow) -> Result<(User, Credentials), sqlx::Error> {
    let role: String = col(row, "role")?;
    let user = User {
        id: col(row, "id")?,
        username: col(row, "username")?,
        display_name: col(row, "display_name")?,
        phone: col(row, "phone")?,
        email: col(row, "email")?,
        role: Role::parse(&role)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown role {role}").into()))?,
        organisation_id: col(row, "organisation_id")?,
        disabled: col::<i64>(row, "disabled")? != 0,
        locked_until: col(row, "locked_until")?,
        real_name_verified: col::<i64>(row, "real_name_verified")? != 0,
        created_at: col(row, "created_at")?,
        updated_at: col(row, "updated_at")?,
    };
    let credentials = Credentials {
        password_hash: col(row, "password_hash")?,
        failed_logins: col(row, "failed_logins")?,
    };
    Ok((user, credentials))
}

pub async fn insert(
    conn: &mut AnyConnection,
    u: &User,
    password_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO users (id, username, display_name, phone, email, password_hash, role, \
         organisation_id, disabled, failed_logins, locked_until, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, NULL, $10, $11)",
    )
    .bind(&u.id)
    .bind(&u.username)
    .bind(&u.display_name)
    .bind(&u.phone)
    .bind(&u.email)
    .bind(password_hash)
    .bind(u.role.as_str())
    .bind(&u.organisation_id)
    .bind(i64::from(u.disabled))
    .bind(&u.created_at)
    .bind(&u.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes the editable profile fields.
pub async fn update_profile(conn: &mut AnyConnection, u: &User) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET display_name = $2, phone = $3, email = $4, role = $5, \
         organisation_id = $6, disabled = $7, updated_at = $8 WHERE id = $1",
    )
    .bind(&u.id)
    .bind(&u.display_name)
    .bind(&u.phone)
    .bind(&u.email)
    .bind(u.role.as_str())
    .bind(&u.organisation_id)
    .bind(i64::from(u.disabled))
    .bind(&u.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_password(
    conn: &mut AnyConnection,
    id: &str,
    password_hash: &str,
    now: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(password_hash)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records the outcome of a login attempt: the failure counter and the lock.
pub async fn set_login_state(
    conn: &mut AnyConnection,
    id: &str,
    failed_logins: i64,
    locked_until: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET failed_logins = $2, locked_until = $3 WHERE id = $1")
        .bind(id)
        .bind(failed_logins)
        .bind(locked_until)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<(User, Credentials)>, sqlx::Error> {
    sqlx::query(&format!("{SELECT} WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn get_by_username(
    conn: &mut AnyConnection,
    username: &str,
) -> Result<Option<(User, Credentials)>, sqlx::Error> {
    sqlx::query(&format!("{SELECT} WHERE u.username = $1"))
        .bind(username)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn count_with_role(conn: &mut AnyConnection, role: Role) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = $1")
        .bind(role.as_str())
        .fetch_one(conn)
        .await
}

#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    pub q: Option<String>,
    pub role: Option<Role>,
    pub organisation_id: Option<String>,
}

pub async fn list(
    conn: &mut AnyConnection,
    filter: &UserFilter,
    page: Page,
) -> Result<(Vec<User>, i64), sqlx::Error> {
    let pattern = filter.q.as_ref().map(|q| format!("%{}%", q.to_lowercase()));
    let role = filter.role.map(|r| r.as_str().to_owned());
    let condition = "($1 IS NULL OR LOWER(u.username) LIKE $1 OR LOWER(u.display_name) LIKE $1) \
                     AND ($2 IS NULL OR u.role = $2) AND ($3 IS NULL OR u.organisation_id = $3)";
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM users u WHERE {condition}"))
        .bind(&pattern)
        .bind(&role)
        .bind(&filter.organisation_id)
        .fetch_one(&mut *conn)
        .await?;
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE {condition} ORDER BY u.created_at, u.id LIMIT $4 OFFSET $5"
    ))
    .bind(&pattern)
    .bind(&role)
    .bind(&filter.organisation_id)
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(conn)
    .await?;
    let items = rows
        .iter()
        .map(|r| from_row(r).map(|(u, _)| u))
        .collect::<Result<_, _>>()?;
    Ok((items, total))
}
