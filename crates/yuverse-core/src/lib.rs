//! Shared building blocks of every Yuverse context.
//!
//! Nothing here knows about a particular domain: who is acting ([`Actor`]) and what roles may do
//! ([`access`]), the one error type every service returns and its problem+json form
//! ([`Error`]), the JSON extractor whose rejections share that form ([`ApiJson`]), paging,
//! time and ids, and the database handle that hides SQLite/PostgreSQL differences ([`db`]).
#![forbid(unsafe_code)]

pub mod access;
pub mod db;
pub mod error;
pub mod ids;
pub mod indicators;
pub mod json;
pub mod paging;
pub mod query;
#[cfg(any(test, feature = "test-util"))]
pub mod testing;
pub mod time;

pub use access::{Actor, Permission, Principal, Role};
pub use error::{Error, FieldError, Result};
pub use json::ApiJson;
pub use paging::{Page, PageQuery, Paged};
pub use query::ApiQuery;
