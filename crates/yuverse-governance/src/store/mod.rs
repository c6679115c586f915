//! Persistence of governance data: portable SQL over `sqlx::Any` (see `yuverse_core::db`).
//! Functions take a connection so that a service can run several in one transaction.

pub mod api_keys;
pub mod audit;
pub mod organisations;
pub mod real_names;
pub mod sessions;
pub mod users;

/// Whether a database error is a uniqueness violation (same meaning on both backends).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            db.is_unique_violation() || db.message().to_ascii_lowercase().contains("unique")
        }
        _ => false,
    }
}
