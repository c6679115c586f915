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
use sqlx::any::{AnyArguments, AnyPoolOptions, AnyRow};
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
    /// Where [`Database::write`] transactions run: its own connection on SQLite, the pool on
    /// PostgreSQL.
    writer: AnyPool,
    pub dialect: Dialect,
    write_lock: Arc<Mutex<()>>,
    /// The SQLite checkpoint task, stopped when the last handle goes (it holds a pool handle,
    /// so it would otherwise keep the database open until its runtime stops).
    _checkpoints: Option<Arc<StopOnDrop>>,
}

/// Aborts a background task when dropped.
#[derive(Debug)]
struct StopOnDrop(tokio::task::JoinHandle<()>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
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
        let pool = pool_options(
            dialect,
            if dialect == Dialect::Sqlite { 8 } else { 16 },
            false,
        )
        .connect(&url)
        .await
        .with_context(|| format!("cannot open the database {}", redact_url(&url)))?;
        // SQLite has one writer at a time anyway. Giving it a connection of its own keeps that
        // connection's page cache warm: SQLite drops a connection's cache whenever another
        // connection has written since, so writes spread over the pool re-read their pages.
        let write_lock = Arc::new(Mutex::new(()));
        let writer = match dialect {
            Dialect::Sqlite => pool_options(dialect, 1, true)
                .connect(&url)
                .await
                .with_context(|| format!("cannot open the database {}", redact_url(&url)))?,
            Dialect::Postgres => pool.clone(),
        };
        let checkpoints = (dialect == Dialect::Sqlite).then(|| {
            Arc::new(StopOnDrop(tokio::spawn(checkpoint_wal(
                pool.clone(),
                write_lock.clone(),
            ))))
        });
        Ok(Database {
            pool,
            writer,
            dialect,
            write_lock,
            _checkpoints: checkpoints,
        })
    }

    /// Starts a write transaction (see the module docs for why writes are serialised).
    pub async fn write(&self) -> Result<WriteTx, sqlx::Error> {
        let guard = self.write_lock.clone().lock_owned().await;
        let mut tx = self.writer.begin().await?;
        if self.dialect == Dialect::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(PG_WRITER_LOCK)
                .execute(&mut *tx)
                .await?;
        }
        Ok(WriteTx { tx, _guard: guard })
    }

    /// Runs `statements` (`;`-separated, with anonymous `?` parameters bound from `args` in
    /// order across all of them) as one SQLite write transaction in a single call to the
    /// connection's worker thread.
    ///
    /// [`Database::write`] costs a round trip between the async task and SQLite's thread for
    /// `BEGIN`, for every statement and for `COMMIT`; for the small group commits of single
    /// writes those hand-offs, not SQLite's work, are most of a commit's time. All or nothing:
    /// when a statement fails the transaction is rolled back before the error is returned.
    /// SQLite only (PostgreSQL prepares one statement per query); callers on PostgreSQL use
    /// [`Database::write`].
    pub async fn write_script(
        &self,
        statements: &str,
        args: AnyArguments<'_>,
    ) -> Result<(), sqlx::Error> {
        debug_assert_eq!(self.dialect, Dialect::Sqlite, "write_script is SQLite only");
        let _guard = self.write_lock.lock().await;
        let mut conn = self.writer.acquire().await?;
        let script = format!("BEGIN IMMEDIATE; {statements}; COMMIT");
        let outcome = sqlx::query_with(&script, args).execute(&mut *conn).await;
        if outcome.is_err() {
            // The failed statement left the transaction open. A connection that cannot even
            // roll back is not given back to the pool, which opens a fresh one instead.
            if sqlx::query("ROLLBACK").execute(&mut *conn).await.is_err() {
                conn.close_on_drop();
            }
        }
        outcome.map(|_| ())
    }

    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await.is_ok()
    }

    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }
}

/// Pool settings. SQLite connections get WAL (readers run beside the writer) and
/// `synchronous=FULL` (every commit is durable before it is acknowledged); the writer's
/// connection also gets an 8 MiB page cache, keeps statement journals in memory, and leaves
/// checkpoints to [`checkpoint_wal`].
///
/// The writer's cache is kept small on purpose. At the end of every transaction SQLite drops
/// the cached pages past the database's end, and while the database is under 1 GiB a page
/// split leaves a key far past it (the pending byte's page), so that step walks the whole
/// cache: its cost grows with the cache. A large group commit spills dirty pages into the WAL
/// before it commits, which costs less: in the twin benchmark an 8 MiB cache made batch
/// upserts faster than 64 MiB (see docs/performance.md, eighth round).
fn pool_options(dialect: Dialect, connections: u32, writer: bool) -> AnyPoolOptions {
    let options = AnyPoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(Duration::from_secs(10));
    if dialect == Dialect::Postgres {
        return options;
    }
    // sqlx closes pooled connections after 10 idle minutes and every connection after 30 by
    // default, which suits a server that may restart or fail over. A SQLite connection is a
    // file handle with its page cache: reopening it gains nothing and empties the cache (the
    // writer's too, every half hour).
    options
        .idle_timeout(None)
        .max_lifetime(None)
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                conn.execute(
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; \
                     PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;",
                )
                .await?;
                if writer {
                    conn.execute(
                        "PRAGMA cache_size=-8192; PRAGMA temp_store=MEMORY; \
                         PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=67108864;",
                    )
                    .await?;
                }
                Ok(())
            })
        })
}

/// How often the WAL is copied back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);
/// WAL frames (pages) above which the next checkpoint pauses writes to restart the WAL.
const WAL_RESTART_FRAMES: i64 = 65_536;

/// Copies the SQLite WAL back into the database file from a pool connection, beside the
/// writer, instead of inside the commit that crosses SQLite's threshold (the writer has
/// `wal_autocheckpoint=0`): the single writer is the twin's throughput limit, and a checkpoint
/// in its commit stalled every write waiting on it. A passive checkpoint blocks neither the
/// writer nor readers. Under sustained writes it may never catch up with the end of the WAL, and
/// only a caught-up WAL starts again from its beginning; so when the WAL has grown past
/// [`WAL_RESTART_FRAMES`], writes pause (the writer lock is taken) for one checkpoint that
/// restarts it (256 MiB at 4 KiB pages: each restart stalls writes for a moment, so it should be
/// rare): the next commit writes from its beginning again, and `journal_size_limit` cuts the
/// file back to 64 MiB. Restarting rather than truncating keeps the file's blocks for the next
/// commits; in the twin benchmark the p99 of single creates at 128 clients was 52–54 ms with
/// restarts and 71–92 ms with truncation. Ends when the pool is closed or the last `Database`
/// handle is dropped.
async fn checkpoint_wal(pool: AnyPool, write_lock: Arc<Mutex<()>>) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        let frames = match sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&pool)
            .await
        {
            Ok(row) => sqlx::Row::try_get::<i64, _>(&row, 1).unwrap_or(0),
            Err(e) => {
                if pool.is_closed() {
                    return;
                }
                tracing::warn!(error = %e, "WAL checkpoint failed; it is retried");
                continue;
            }
        };
        if frames > WAL_RESTART_FRAMES {
            let _writes_paused = write_lock.lock().await;
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(RESTART)")
                .execute(&pool)
                .await
            {
                tracing::warn!(error = %e, "WAL restart failed; it is retried");
            }
        }
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
    use sqlx::Arguments;

    /// One statement without parameters, committed.
    async fn write(db: &Database, sql: &str) {
        db.write_script(sql, AnyArguments::default()).await.unwrap();
    }

    #[tokio::test]
    async fn sqlite_connections_stay_open_for_the_life_of_the_pool() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::connect(None, dir.path()).await.unwrap();
        for pool in [&db.pool, &db.writer] {
            assert_eq!(pool.options().get_max_lifetime(), None);
            assert_eq!(pool.options().get_idle_timeout(), None);
        }
    }

    #[tokio::test]
    async fn a_script_binds_its_parameters_in_order_and_commits_all_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::connect(None, dir.path()).await.unwrap();
        write(&db, "CREATE TABLE t (k TEXT PRIMARY KEY, n BIGINT)").await;
        let mut args = AnyArguments::default();
        for value in ["a", "b", "c"] {
            args.add(value).unwrap();
        }
        db.write_script(
            "INSERT INTO t (k) VALUES (?), (?); INSERT INTO t (k) VALUES (?)",
            args,
        )
        .await
        .unwrap();
        let keys = || async {
            sqlx::query_scalar::<_, String>("SELECT k FROM t ORDER BY k")
                .fetch_all(&db.pool)
                .await
                .unwrap()
        };
        assert_eq!(keys().await, ["a", "b", "c"]);

        // The second statement breaks the key: the first one's row goes too.
        let mut args = AnyArguments::default();
        for value in ["d", "a"] {
            args.add(value).unwrap();
        }
        let failed = db
            .write_script(
                "INSERT INTO t (k) VALUES (?); INSERT INTO t (k) VALUES (?)",
                args,
            )
            .await;
        assert!(failed.is_err());
        assert_eq!(
            keys().await,
            ["a", "b", "c"],
            "nothing of the failed script stays"
        );
        write(&db, "INSERT INTO t (k) VALUES ('e')").await;
        assert_eq!(keys().await, ["a", "b", "c", "e"], "the writer goes on");
        db.close().await;
    }

    #[tokio::test]
    async fn the_wal_is_copied_back_beside_the_writer_and_kept_to_64_mib() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::connect(None, dir.path()).await.unwrap();
        write(&db, "CREATE TABLE blobs (b BLOB)").await;
        // 70 commits of 1 MiB each: about 18,000 WAL frames, past the threshold. The writer
        // never checkpoints itself, so only the background task can move them.
        for _ in 0..70 {
            write(&db, "INSERT INTO blobs VALUES (zeroblob(1048576))").await;
        }
        let path = sqlite_path(dir.path());
        let wal = path.with_extension("db-wal");
        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        assert!(
            size(&wal) > 70 << 20,
            "the writer left its pages in the WAL"
        );
        // Once the background checkpoint has copied the pages into the database file, the
        // next commit starts the WAL again from its beginning and cuts it to the limit.
        let mut waited = 0;
        while size(&wal) > 64 << 20 && waited < 300 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let mut tx = db.write().await.unwrap();
            sqlx::query("INSERT INTO blobs VALUES (zeroblob(16))")
                .execute(tx.conn())
                .await
                .unwrap();
            tx.commit().await.unwrap();
            waited += 1;
        }
        assert!(
            size(&wal) <= 64 << 20,
            "the WAL is back within 64 MiB: {}",
            size(&wal)
        );
        assert!(
            size(&path) >= 70 << 20,
            "the pages are in the database file"
        );
        db.close().await;
    }

    /// This process's open file handles on the database file.
    #[tokio::test]
    async fn dropping_the_last_handle_closes_the_database_with_its_checkpoint_task() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::connect(None, dir.path()).await.unwrap();
        let path = sqlite_path(dir.path());
        assert!(db.ping().await);
        assert!(crate::testing::open_handles(&path) > 0);
        drop(db.clone());
        assert!(
            crate::testing::open_handles(&path) > 0,
            "a clone going does not close it"
        );
        drop(db);
        // The aborted task lets go of its pool handle at the runtime's next turn.
        let mut waited = 0;
        while crate::testing::open_handles(&path) > 0 && waited < 100 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            waited += 1;
        }
        assert_eq!(crate::testing::open_handles(&path), 0);
    }

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://yv:s3cret@db:5432/yuverse"),
            "postgres://yv:***@db:5432/yuverse"
        );
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }
}
