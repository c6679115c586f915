//! The database handle: one `sqlx::AnyPool` over SQLite or PostgreSQL.
//!
//! Domain code writes portable SQL with `$1`-style placeholders (both backends accept them
//! through sqlx) and stores times as fixed-width RFC 3339 text, integers as BIGINT and flags as
//! 0/1. Where the dialects do differ (pragmas, locking), the difference stays in this file.
//!
//! Writes go through [`Database::write`]: it serialises writers in this process (SQLite has one
//! writer anyway, and a deferred transaction that upgrades to a write can fail with SQLITE_BUSY
//! instead of waiting) and, on PostgreSQL, takes a transaction-scoped advisory lock so that
//! several nodes append to the hash-chained audit log one at a time.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Executor, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Database {
    pub pool: AnyPool,
    pub dialect: Dialect,
    write_lock: Arc<Mutex<()>>,
}

/// A write transaction holding the process-wide writer lock until it commits or drops.
pub struct WriteTx {
    pub tx: Transaction<'static, Any>,
    _guard: OwnedMutexGuard<()>,
}

impl std::fmt::Debug for WriteTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WriteTx")
    }
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }
}

/// Advisory-lock key for the platform's writer lock on PostgreSQL ("yuvr").
const PG_WRITER_LOCK: i64 = 0x7975_7672;

/// The SQLite file inside a data dir.
pub fn sqlite_path(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("yuverse.db")
}

/// Hides the password of a database URL for logs and messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Database {
    /// Opens the database at `url`, or the SQLite file in `data_dir` when `url` is `None`.
    pub async fn connect(url: Option<&str>, data_dir: &Path) -> anyhow::Result<Database> {
        sqlx::any::install_default_drivers();
        let (url, dialect) = match url {
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                (u.to_owned(), Dialect::Postgres)
            }
            Some(u) if u.starts_with("sqlite:") => (u.to_owned(), Dialect::Sqlite),
            Some(u) => anyhow::bail!(
                "unsupported --database-url `{}`: use postgres://… or sqlite:…",
                redact_url(u)
            ),
            None => {
                std::fs::create_dir_all(data_dir).with_context(|| {
                    format!("cannot create the data dir {}", data_dir.display())
                })?;
                let path = sqlite_path(data_dir);
                (
                    format!("sqlite://{}?mode=rwc", path.display()),
                    Dialect::Sqlite,
                )
            }
        };
        let options = AnyPoolOptions::new()
            .max_connections(if dialect == Dialect::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(10));
        let options = if dialect == Dialect::Sqlite {
            options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // WAL lets readers run beside the writer; FULL makes every commit durable
                    // before it is acknowledged.
                    conn.execute(
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; \
                         PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;",
                    )
                    .await?;
                    Ok(())
                })
            })
        } else {
            options
        };
        let pool = options
            .connect(&url)
            .await
            .with_context(|| format!("cannot open the database {}", redact_url(&url)))?;
        Ok(Database {
            pool,
            dialect,
            write_lock: Arc::new(Mutex::new(())),
        })
    }

    /// Starts a write transaction (see the module docs for why writes are serialised).
    pub async fn write(&self) -> Result<WriteTx, sqlx::Error> {
        let guard = self.write_lock.clone().lock_owned().await;
        let mut tx = self.pool.begin().await?;
        if self.dialect == Dialect::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(PG_WRITER_LOCK)
                .execute(&mut *tx)
                .await?;
        }
        Ok(WriteTx { tx, _guard: guard })
    }

    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await.is_ok()
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Reads a column, turning a missing or mistyped column into an internal error.
pub fn col<'r, T>(row: &'r AnyRow, name: &str) -> Result<T, sqlx::Error>
where
    T: sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    sqlx::Row::try_get(row, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://yv:s3cret@db:5432/yuverse"),
            "postgres://yv:***@db:5432/yuverse"
        );
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }
}
