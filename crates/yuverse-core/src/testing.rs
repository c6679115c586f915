//! Helpers for tests (feature `test-util`): what a test needs to see whether a database is
//! really closed, on either backend.

use std::path::Path;

use crate::db::sqlite_path;

/// How many file handles this process holds on `path` (Linux: read from `/proc/self/fd`).
pub fn open_handles(path: &Path) -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd lists this process's files")
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter(|target| target == path)
        .count()
}

/// How many connections are open to a database: handles on the SQLite file in `data_dir`
/// when `url` is `None`, otherwise the PostgreSQL server's sessions on the URL's database
/// (asked over a connection of its own to the server's `postgres` database, not counted).
pub async fn open_connections(url: Option<&str>, data_dir: &Path) -> usize {
    let Some(url) = url else {
        return open_handles(&sqlite_path(data_dir));
    };
    let (server, name) = url
        .rsplit_once('/')
        .expect("a database URL ends in its name");
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(&format!("{server}/postgres"))
        .await
        .expect("connect to the server's postgres database");
    let sessions: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = $1")
            .bind(name)
            .fetch_one(&admin)
            .await
            .expect("read pg_stat_activity");
    admin.close().await;
    usize::try_from(sessions).expect("a count is not negative")
}
