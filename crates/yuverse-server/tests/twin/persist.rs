//! The twin's group-commit writer against the real schema (the server's migrations), on SQLite
//! or PostgreSQL: a commit is all or nothing, whichever way it is written.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use sqlx::migrate::Migrator;
use yuverse_core::db::{Database, Dialect};
use yuverse_twin::store::history::{self, Take, Window};
use yuverse_twin::store::persist::{
    AfterCommit, Change, HistoryDataset, HistoryRow, Persister, ONE_TRIP_MAX_CHANGES,
};

use crate::common::test_settings;

const T: &str = "2026-11-30T00:00:00.000000Z";

/// A history row whose document is `doc` (the test's unique index refuses repeats).
fn history(doc: &str) -> Change {
    Change::History(history_row(doc))
}

fn history_row(doc: &str) -> HistoryRow {
    HistoryRow {
        tenant: "t".into(),
        entity_id: "urn:e".into(),
        attr: "p".into(),
        dataset_id: None,
        observed_at: None,
        created_at: T.into(),
        modified_at: T.into(),
        doc: doc.into(),
    }
}

/// A history row observed `at`, of the default instance or of the datasetId `dataset`.
fn observed(doc: &str, at: &str, dataset: Option<&str>) -> HistoryRow {
    HistoryRow {
        dataset_id: dataset.map(str::to_owned),
        observed_at: Some(at.into()),
        ..history_row(doc)
    }
}

fn put(id: &str) -> Change {
    Change::Put {
        tenant: "t".into(),
        id: id.into(),
        doc: "{}".into(),
    }
}

/// An after-commit step that records that it ran.
fn flag() -> (Arc<AtomicBool>, Option<AfterCommit>) {
    let ran = Arc::new(AtomicBool::new(false));
    let set = ran.clone();
    (
        ran,
        Some(Box::new(move || set.store(true, Ordering::SeqCst))),
    )
}

async fn count(db: &Database, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE tenant = 't'"))
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

/// Both ways a commit is written: small ones (on SQLite) as one script in one trip, larger
/// ones statement by statement in a transaction. A write's after-commit step (publishing its
/// changes) runs only when the commit succeeded, and before the write is acknowledged.
#[tokio::test]
async fn a_failed_commit_writes_nothing_and_the_writer_goes_on() {
    for size in [3, ONE_TRIP_MAX_CHANGES + 1] {
        let (settings, _dir) = test_settings(false).await;
        let db = Database::connect(settings.database_url.as_deref(), &settings.data_dir)
            .await
            .unwrap();
        yuverse_server::migrate::run(&db).await.unwrap();
        // History rows have no key of their own to clash: this test's index gives them one.
        sqlx::query("CREATE UNIQUE INDEX test_history_docs ON twin_history (doc)")
            .execute(&db.pool)
            .await
            .unwrap();
        let persister = Persister::start(db.clone());

        // The last history row repeats the first one's document: the commit fails part-way.
        let mut changes = vec![put("urn:a")];
        changes.extend((0..size).map(|i| history(&format!("i{i}"))));
        changes.push(history("i0"));
        let (published, after_commit) = flag();
        let failed = persister.submit(changes, after_commit);
        assert!(failed.durable().await.is_err(), "{size} changes");
        assert!(
            !published.load(Ordering::SeqCst),
            "nothing failed is published"
        );
        assert_eq!(count(&db, "twin_history").await, 0, "no row of it stays");
        assert_eq!(count(&db, "twin_entities").await, 0);

        let mut changes = vec![
            Change::Tenant {
                name: "t".into(),
                created_at: T.into(),
            },
            put("urn:b"),
            put("urn:b"),
        ];
        changes.extend((0..size).map(|i| history(&format!("j{i}"))));
        let (published, after_commit) = flag();
        persister
            .submit(changes, after_commit)
            .durable()
            .await
            .expect("the next commit goes through");
        assert!(
            published.load(Ordering::SeqCst),
            "published before acknowledged"
        );
        let tenants: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM twin_tenants WHERE name = 't'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(tenants, 1);
        assert_eq!(count(&db, "twin_history").await, size as i64);
        assert_eq!(count(&db, "twin_entities").await, 1);
        db.close().await;
    }
}

async fn migrated_db() -> (Database, tempfile::TempDir) {
    let (settings, dir) = test_settings(false).await;
    let db = Database::connect(settings.database_url.as_deref(), &settings.data_dir)
        .await
        .unwrap();
    yuverse_server::migrate::run(&db).await.unwrap();
    (db, dir)
}

/// A database with the server's migrations applied up to, not including, `version`.
async fn migrated_before(version: i64) -> (Database, tempfile::TempDir) {
    let (settings, dir) = test_settings(false).await;
    let db = Database::connect(settings.database_url.as_deref(), &settings.data_dir)
        .await
        .unwrap();
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(match db.dialect {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        });
    let mut earlier = Migrator::new(folder.as_path()).await.unwrap();
    earlier.migrations = earlier
        .migrations
        .iter()
        .filter(|m| m.version < version)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    earlier.run(&db.pool).await.unwrap();
    (db, dir)
}

/// (doc, observed_at, dataset_id, created_at, modified_at) of every history row, in id order.
type Stored = (
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
);

async fn stored_history(db: &Database) -> Vec<Stored> {
    sqlx::query_as(
        "SELECT doc, observed_at, dataset_id, created_at, modified_at FROM twin_history \
         ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap()
}

/// A commit writes history rows ahead of the entity rows around them, but never moves them
/// across a change that edits stored history: a temporal delete acknowledged before a write
/// must not take that write's history, nor miss what was written before it.
#[tokio::test]
async fn history_edits_in_a_commit_see_exactly_the_writes_before_them() {
    let (db, _dir) = migrated_db().await;
    let delete_all = Change::DeleteHistory {
        tenant: "t".into(),
        entity_id: "urn:e".into(),
        attr: None,
        dataset: HistoryDataset::All,
    };
    let changes = vec![
        history("before"),
        put("urn:a"),
        delete_all,
        put("urn:b"),
        history("after"),
        Change::History(observed("w1", T, None)),
        Change::RestateInstance(observed("w2", T, None)),
    ];
    Persister::start(db.clone())
        .submit(changes, None)
        .durable()
        .await
        .unwrap();
    let docs: Vec<String> = stored_history(&db).await.into_iter().map(|r| r.0).collect();
    assert_eq!(docs, ["after", "w2"]);
    assert_eq!(count(&db, "twin_entities").await, 2);
    db.close().await;
}

/// A restated observation (same attribute, datasetId and observedAt) replaces the first stored
/// instance of it, keeping its key and creation time, and removes any repeat; another datasetId
/// or time is another observation, and an observation not stored is added.
#[tokio::test]
async fn a_restated_observation_replaces_the_stored_one_in_the_commit() {
    let (db, _dir) = migrated_db().await;
    const AT: &str = "2026-11-01T00:00:00.000000Z";
    const OTHER: &str = "2026-11-02T00:00:00.000000Z";
    const NOW: &str = "2026-12-07T00:00:00.000000Z";
    let persister = Persister::start(db.clone());
    let first = vec![
        Change::History(observed("a", AT, None)),
        Change::History(observed("repeat", AT, None)),
        Change::History(observed("d", AT, Some("urn:d"))),
        Change::History(observed("other", OTHER, None)),
    ];
    persister.submit(first, None).durable().await.unwrap();
    let first_id: i64 = sqlx::query_scalar("SELECT MIN(id) FROM twin_history")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let restate = |doc: &str, at: &str, dataset: Option<&str>| {
        Change::RestateInstance(HistoryRow {
            created_at: NOW.into(),
            modified_at: NOW.into(),
            ..observed(doc, at, dataset)
        })
    };
    let second = vec![
        restate("a2", AT, None),
        restate("d2", AT, Some("urn:d")),
        restate("new", "2026-11-03T00:00:00.000000Z", None),
    ];
    persister.submit(second, None).durable().await.unwrap();
    let some = |s: &str| Some(s.to_owned());
    assert_eq!(
        stored_history(&db).await,
        [
            ("a2".into(), some(AT), None, T.into(), some(NOW)),
            ("d2".into(), some(AT), some("urn:d"), T.into(), some(NOW)),
            ("other".into(), some(OTHER), None, T.into(), None),
            (
                "new".into(),
                some("2026-11-03T00:00:00.000000Z"),
                None,
                NOW.into(),
                None
            ),
        ]
    );
    let kept_id: i64 = sqlx::query_scalar("SELECT id FROM twin_history WHERE doc = 'a2'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        kept_id, first_id,
        "the restated instance keeps its instanceId"
    );
    db.close().await;
}

/// The migration that keys history rows by integers.
const INTEGER_INSTANCE_KEYS: i64 = 20261207000012;

/// History recorded under UUID instance ids is carried over to integer keys in the order those
/// time-ordered ids gave, and instances recorded afterwards follow it.
#[tokio::test]
async fn history_recorded_before_integer_instance_keys_is_kept_in_order() {
    let (db, _dir) = migrated_before(INTEGER_INSTANCE_KEYS).await;
    // Inserted out of order: the old ids, not the insertion, say which came first.
    const LATER: &str = "2026-12-01T00:00:00.000000Z";
    for (instance_id, doc, modified_at) in [
        (
            "urn:ngsi-ld:attribute:instance:0192f000-0000-7000-8000-000000000002",
            "second",
            LATER,
        ),
        (
            "urn:ngsi-ld:attribute:instance:0192f000-0000-7000-8000-000000000001",
            "first",
            T,
        ),
    ] {
        sqlx::query(
            "INSERT INTO twin_history (tenant, entity_id, attr, instance_id, created_at, \
             modified_at, doc) VALUES ('t', 'urn:e', 'p', $1, $2, $3, $4)",
        )
        .bind(instance_id)
        .bind(T)
        .bind(modified_at)
        .bind(doc)
        .execute(&db.pool)
        .await
        .unwrap();
    }

    yuverse_server::migrate::run(&db).await.unwrap();
    let persister = Persister::start(db.clone());
    persister
        .submit(vec![history("third")], None)
        .durable()
        .await
        .unwrap();
    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT doc, modified_at FROM twin_history ORDER BY id")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    // A modification time equal to the creation time is no longer stored.
    assert_eq!(
        rows,
        [
            ("first".into(), None),
            ("second".into(), Some(LATER.into())),
            ("third".into(), None)
        ]
    );
    db.close().await;
}

/// The migration that compacts stored attribute names.
const COMPACT_ATTRIBUTE_NAMES: i64 = 20261207000013;

/// Attribute names recorded in full before they were stored compacted read back the same,
/// beside those written since; selections by attribute find both.
#[tokio::test]
async fn attribute_names_stored_before_compaction_read_back_the_same() {
    const CORE: &str = "https://uri.etsi.org/ngsi-ld/";
    let pm25 = format!("{CORE}default-context/pm25");
    let scope = format!("{CORE}scope");
    let names = [
        pm25.as_str(),
        scope.as_str(),
        "https://smartdatamodels.org/dataModel.Environment/NO2",
        "http://example.org/speed",
        "9lives",
    ];
    let (db, _dir) = migrated_before(COMPACT_ATTRIBUTE_NAMES).await;
    for (i, name) in names.iter().enumerate() {
        sqlx::query(
            "INSERT INTO twin_history (tenant, entity_id, attr, created_at, doc) \
             VALUES ('t', 'urn:e', $1, $2, $3)",
        )
        .bind(*name)
        .bind(T)
        .bind(format!("before-{i}"))
        .execute(&db.pool)
        .await
        .unwrap();
    }
    yuverse_server::migrate::run(&db).await.unwrap();
    let persister = Persister::start(db.clone());
    let since = Change::History(HistoryRow {
        attr: pm25.clone(),
        ..history_row("since")
    });
    persister.submit(vec![since], None).durable().await.unwrap();

    let stored: Vec<String> = sqlx::query_scalar("SELECT attr FROM twin_history ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        stored,
        [
            "1pm25",
            "2scope",
            "3dataModel.Environment/NO2",
            "http://example.org/speed",
            "09lives",
            "1pm25"
        ]
    );

    let entities = ["urn:e".to_owned()];
    let everything = history::Scope {
        tenant: "t",
        entity_ids: &entities,
        attrs: None,
        datasets: None,
    };
    let read = history::instances(&db, &everything, &Window::default(), Take::All)
        .await
        .unwrap();
    let mut read: Vec<(String, String)> =
        read.into_iter().map(|i| (i.row.doc, i.row.attr)).collect();
    read.sort();
    let mut expected: Vec<(String, String)> = names
        .iter()
        .enumerate()
        .map(|(i, name)| (format!("before-{i}"), name.to_string()))
        .chain([("since".to_owned(), pm25.clone())])
        .collect();
    expected.sort();
    assert_eq!(read, expected);

    let only_pm25 = [pm25.clone()];
    let by_name = history::Scope {
        attrs: Some(&only_pm25),
        ..everything
    };
    let read = history::instances(&db, &by_name, &Window::default(), Take::All)
        .await
        .unwrap();
    assert_eq!(read.len(), 2);
    assert_eq!(
        history::count(&db, "t", "urn:e", Some(&pm25), &HistoryDataset::All)
            .await
            .unwrap(),
        2
    );
    persister
        .submit(
            vec![Change::DeleteHistory {
                tenant: "t".into(),
                entity_id: "urn:e".into(),
                attr: Some(pm25.clone()),
                dataset: HistoryDataset::All,
            }],
            None,
        )
        .durable()
        .await
        .unwrap();
    assert_eq!(
        history::count(&db, "t", "urn:e", None, &HistoryDataset::All)
            .await
            .unwrap(),
        4,
        "the attribute's instances, of before and since, are deleted by its name"
    );
    db.close().await;
}
