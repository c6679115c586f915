//! Persistence of the plan (portable SQL; see `yuverse_core::db`). Multi-row changes run in
//! the caller's write transaction.

pub mod alerts;
pub mod items;
pub mod notifications;
pub mod reports;
pub mod snapshots;
pub mod tasks;
pub mod versions;

/// A JSON text column that failed to decode.
fn decode_err(what: &str, e: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::Decode(format!("{what}: {e}").into())
}
