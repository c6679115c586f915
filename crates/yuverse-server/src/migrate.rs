//! Schema migrations, one folder per dialect (`migrations/sqlite`, `migrations/postgres`),
//! applied at start. A landed migration is never edited: change the schema with a new file in
//! both folders.

use anyhow::Context;
use sqlx::migrate::Migrator;
use yuverse_core::db::{Database, Dialect};

static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

pub async fn run(db: &Database) -> anyhow::Result<()> {
    let migrator = match db.dialect {
        Dialect::Sqlite => &SQLITE,
        Dialect::Postgres => &POSTGRES,
    };
    migrator
        .run(&db.pool)
        .await
        .context("database migration failed")
}
