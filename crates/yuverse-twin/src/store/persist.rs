//! Durable storage of the twin with group commit.
//!
//! Writers hand a list of [`Change`]s to the [`Persister`] and wait for its acknowledgement.
//! One task drains every pending list into one transaction, so under load thousands of entity
//! updates (and their history instances) share a commit, while a lone write still commits at
//! once; with several writers at work it waits briefly for them (see [`super::gathering`]).
//! Rows go in multi-row statements to keep per-statement overhead off the hot path.

use std::collections::hash_map::{Entry, HashMap};

use serde_json::Value;
use sqlx::any::AnyArguments;
use sqlx::{AnyConnection, Arguments};
use tokio::sync::{mpsc, oneshot};
use yuverse_core::db::{col, Database, Dialect};

use super::gathering::Gathering;
use super::stored_names::{compact, expand_entity};
use crate::domain::entity::Doc;
use crate::error::{NgsiError, NgsiResult};

/// One durable change.
#[derive(Debug, Clone)]
pub enum Change {
    Tenant {
        name: String,
        created_at: String,
    },
    Put {
        tenant: String,
        id: String,
        doc: String,
    },
    /// Removes an entity from the current state, recording its types (JSON array of expanded
    /// IRIs) and deletion time for the temporal API.
    Delete {
        tenant: String,
        id: String,
        types: String,
        deleted_at: String,
    },
    /// Adds types (expanded IRIs) to those recorded at an entity's deletion, keeping their
    /// order and adding each once; nothing when no deletion is recorded. Decided in the commit,
    /// where the writer sees every earlier write, so two concurrent additions both count.
    AddDeletedTypes {
        tenant: String,
        id: String,
        types: Vec<String>,
    },
    /// One attribute instance in the temporal history.
    History(HistoryRow),
    /// Removes history (temporal deletes): an entity's, or one attribute's — all of its
    /// instances, those without a datasetId, or those of one datasetId.
    DeleteHistory {
        tenant: String,
        entity_id: String,
        attr: Option<String>,
        dataset: HistoryDataset,
    },
    /// Removes one history instance.
    DeleteInstance {
        tenant: String,
        instance: InstanceId,
    },
    /// Rewrites one history instance (temporal instance modification).
    UpdateInstance {
        instance: InstanceId,
        row: HistoryRow,
    },
    /// Records an observation (the row has `observed_at`) that may restate a stored one: the
    /// first stored instance of the same attribute, datasetId and `observedAt` takes the row's
    /// value and keeps its instanceId and createdAt, and any further stored instance of that
    /// observation goes; with none stored, the row is added. Decided in the commit, where the
    /// writer sees every earlier write, so two concurrent restatements cannot both add.
    RestateInstance(HistoryRow),
}

/// Which instances of an attribute a history deletion takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryDataset {
    All,
    Default,
    Id(String),
}

#[derive(Debug, Clone)]
pub struct HistoryRow {
    pub tenant: String,
    pub entity_id: String,
    pub attr: String,
    pub dataset_id: Option<String>,
    pub observed_at: Option<String>,
    pub created_at: String,
    pub modified_at: String,
    pub doc: String,
}

/// A history instance's key: its row's integer id, which the database assigns in insertion
/// order and never reuses. Clients see it as a URN (`instanceId`). An integer key costs a history
/// row 8 bytes where a UUID URN took 68 and a primary-key index of its own beside the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceId(pub i64);

impl InstanceId {
    const PREFIX: &'static str = "urn:ngsi-ld:attribute:instance:";

    /// The `instanceId` clients see.
    pub fn uri(self) -> String {
        format!("{}{}", Self::PREFIX, self.0)
    }

    /// The instance an `instanceId` names, when it is one this broker gave: exactly the URN
    /// `uri` writes (no sign, no leading zero), so that one instance has one name.
    pub fn parse(uri: &str) -> Option<Self> {
        let digits = uri.strip_prefix(Self::PREFIX)?;
        let canonical = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        canonical.then(|| digits.parse().ok().map(Self)).flatten()
    }
}

impl HistoryRow {
    /// `modified_at` as stored: none when it equals `created_at`, as it does for every instance
    /// until the temporal API modifies it, which saves a history row a timestamp.
    fn stored_modified_at(&self) -> Option<&str> {
        (self.modified_at != self.created_at).then_some(self.modified_at.as_str())
    }

    /// The stored text of an attribute instance: its members but `createdAt` and `modifiedAt`,
    /// which the row's columns hold (readers take them from there). Left out, they save a
    /// sixth of a history row's bytes on the ingestion path.
    pub fn doc_text(instance: &serde_json::Map<String, Value>) -> String {
        super::json_text(&WithoutSystemTimes(instance), 192)
    }
}

/// An instance's members without its system times, serialised in place (no copy of the map).
struct WithoutSystemTimes<'a>(&'a serde_json::Map<String, Value>);

impl serde::Serialize for WithoutSystemTimes<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in self.0 {
            if key != "createdAt" && key != "modifiedAt" {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}

/// What a write asks the writer to do once its changes are committed, before it is
/// acknowledged (publish them, in commit order).
pub type AfterCommit = Box<dyn FnOnce() + Send + Sync>;

struct Job {
    changes: Vec<Change>,
    after_commit: Option<AfterCommit>,
    done: oneshot::Sender<Result<(), String>>,
}

/// Handle to the writer task.
#[derive(Debug, Clone)]
pub struct Persister {
    jobs: mpsc::UnboundedSender<Job>,
}

/// A pending acknowledgement.
pub struct Ack(oneshot::Receiver<Result<(), String>>);

impl Ack {
    pub async fn durable(self) -> NgsiResult<()> {
        match self.0.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(NgsiError::internal(format!(
                "persisting the twin failed: {e}"
            ))),
            Err(_) => Err(NgsiError::internal("the twin writer stopped")),
        }
    }
}

/// Most changes one transaction takes before it commits (bounds latency under load).
const MAX_CHANGES_PER_COMMIT: usize = 20_000;
/// Largest commit written as one script in one trip to SQLite ([`Database::write_script`]).
/// Small commits (single writes, a few at a time) are where the trips between the writer task
/// and SQLite's thread cost most; a larger commit spends its time writing rows instead, and
/// its statements, each of one kind and size, hit SQLite's statement cache where scripts of
/// every mix of sizes would not.
pub const ONE_TRIP_MAX_CHANGES: usize = 64;
/// Rows per multi-row statement (SQLite allows 32,766 parameters; history rows have 8).
const ROWS_PER_STATEMENT: usize = 500;

impl Persister {
    pub fn start(db: Database) -> Persister {
        let (jobs, rx) = mpsc::unbounded_channel();
        tokio::spawn(writer(db, rx));
        Persister { jobs }
    }

    /// Queues changes; they are durable when the returned [`Ack`] resolves to `Ok`, and
    /// `after_commit` has run by then. Called while the caller holds its tenant lock, so
    /// per-tenant order is kept.
    pub fn submit(&self, changes: Vec<Change>, after_commit: Option<AfterCommit>) -> Ack {
        let (done, ack) = oneshot::channel();
        let job = Job {
            changes,
            after_commit,
            done,
        };
        if self.jobs.send(job).is_err() {
            let (done, ack) = oneshot::channel();
            let _ = done.send(Err("the twin writer stopped".into()));
            return Ack(ack);
        }
        Ack(ack)
    }
}

async fn writer(db: Database, mut rx: mpsc::UnboundedReceiver<Job>) {
    let mut gathering = Gathering::default();
    while let Some(first) = rx.recv().await {
        gathering.start(tokio::time::Instant::now());
        let mut jobs = vec![first];
        let mut size = jobs[0].changes.len();
        while size < MAX_CHANGES_PER_COMMIT {
            let next = match rx.try_recv() {
                Ok(job) => job,
                Err(mpsc::error::TryRecvError::Empty) => {
                    let Some(until) =
                        gathering.wait_for_more(jobs.len(), tokio::time::Instant::now())
                    else {
                        break;
                    };
                    match tokio::time::timeout_at(until, rx.recv()).await {
                        Ok(Some(job)) => job,
                        _ => break,
                    }
                }
                Err(mpsc::error::TryRecvError::Disconnected) => break,
            };
            size += next.changes.len();
            jobs.push(next);
        }
        let result = commit(&db, &jobs).await.map_err(|e| e.to_string());
        gathering.committed(jobs.len(), rx.len());
        if let Err(e) = &result {
            tracing::error!(error = %e, changes = size, "twin commit failed");
        }
        for job in jobs {
            if let (Ok(()), Some(after_commit)) = (&result, job.after_commit) {
                after_commit();
            }
            let _ = job.done.send(result.clone());
        }
    }
}

async fn commit(db: &Database, jobs: &[Job]) -> Result<(), sqlx::Error> {
    let all: Vec<&Change> = jobs.iter().flat_map(|j| j.changes.iter()).collect();
    let mut runs: Vec<&[&Change]> = Vec::new();
    let groups = commit_order(&all);
    for group in &groups {
        for run in group.chunk_by(|a, b| std::mem::discriminant(*a) == std::mem::discriminant(*b)) {
            runs.extend(run.chunks(ROWS_PER_STATEMENT));
        }
    }
    if db.dialect == Dialect::Sqlite
        && all.len() <= ONE_TRIP_MAX_CHANGES
        && runs.iter().all(|run| is_multi_row(run[0]))
    {
        // A small commit of creates, updates and history: one script, one trip to SQLite.
        let mut args = AnyArguments::default();
        let statements: Vec<String> = runs
            .iter()
            .map(|run| multi_row(db.dialect, run, &mut args))
            .collect::<Result<_, _>>()?;
        return db.write_script(&statements.join("; "), args).await;
    }
    let mut tx = db.write().await?;
    for run in runs {
        if is_multi_row(run[0]) {
            let mut args = AnyArguments::default();
            let sql = multi_row(db.dialect, run, &mut args)?;
            sqlx::query_with(&sql, args).execute(tx.conn()).await?;
        } else {
            for change in run.iter().copied() {
                apply_one(db.dialect, tx.conn(), change).await?;
            }
        }
    }
    tx.commit().await
}

/// The changes of a commit in the order they are written, as groups whose consecutive changes
/// of one kind share a statement. Tenants come first. History rows are added ahead of the
/// entity rows around them (the tables are independent), but never across a change that edits
/// stored history (a temporal delete, modification or restatement): such a change sees, and
/// only sees, the history written by the writes acknowledged before it.
fn commit_order<'a>(all: &[&'a Change]) -> Vec<Vec<&'a Change>> {
    let edits_history = |c: &Change| {
        matches!(
            c,
            Change::DeleteHistory { .. }
                | Change::DeleteInstance { .. }
                | Change::UpdateInstance { .. }
                | Change::RestateInstance(_)
        )
    };
    let tenants = all
        .iter()
        .copied()
        .filter(|c| matches!(c, Change::Tenant { .. }));
    let mut groups = vec![tenants.collect::<Vec<_>>()];
    let rest = all
        .iter()
        .copied()
        .filter(|c| !matches!(c, Change::Tenant { .. }));
    let mut segment: Vec<&Change> = Vec::new();
    let flush = |segment: &mut Vec<&'a Change>, groups: &mut Vec<Vec<&'a Change>>| {
        let (history, others): (Vec<&Change>, Vec<&Change>) = segment
            .drain(..)
            .partition(|c| matches!(c, Change::History(_)));
        groups.push(history);
        groups.push(others);
    };
    for change in rest {
        if edits_history(change) {
            flush(&mut segment, &mut groups);
            groups.push(vec![change]);
        } else {
            segment.push(change);
        }
    }
    flush(&mut segment, &mut groups);
    groups.retain(|g| !g.is_empty());
    groups
}

/// `(…), (…)` value lists for a multi-row statement. SQLite gets anonymous `?` parameters:
/// it looks up a named parameter such as `$7` by walking a list of every name, which makes
/// binding thousands of them quadratic, while `?` binds by position at no cost (and lets one
/// script of several statements take its parameters in order).
fn placeholders(dialect: Dialect, rows: usize, per_row: usize) -> String {
    use std::fmt::Write;
    // Written into one buffer: this runs for every statement of the ingestion path.
    let mut out = String::with_capacity(rows * per_row * 4);
    for r in 0..rows {
        out.push_str(if r == 0 { "(" } else { ", (" });
        for c in 1..=per_row {
            if c > 1 {
                out.push_str(", ");
            }
            match dialect {
                Dialect::Sqlite => out.push('?'),
                Dialect::Postgres => {
                    let _ = write!(out, "${}", r * per_row + c);
                }
            }
        }
        out.push(')');
    }
    out
}

/// On SQLite, `OR FAIL`: a multi-row statement that hits a constraint stops where it is
/// instead of undoing its own earlier rows. A commit is all or nothing anyway (a failed
/// statement rolls the whole transaction back and fails every job in it), and a statement that
/// never undoes itself needs no statement journal: SQLite otherwise copies every page such a
/// statement touches first (5 % of the ingestion path). PostgreSQL has no such clause and
/// aborts the transaction on any error.
fn whole_commit_fails(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "OR FAIL ",
        Dialect::Postgres => "",
    }
}

/// The columns of a multi-row kind's rows (see [`multi_row`]).
fn columns(change: &Change) -> usize {
    match change {
        Change::Tenant { .. } => 2,
        Change::Put { .. } => 3,
        _ => 8,
    }
}

/// Changes written many rows to a statement by [`multi_row`].
fn is_multi_row(change: &Change) -> bool {
    matches!(
        change,
        Change::Tenant { .. } | Change::Put { .. } | Change::History(_)
    )
}

/// Adds one parameter to a statement's arguments.
fn add<'a, T>(args: &mut AnyArguments<'a>, value: T) -> Result<(), sqlx::Error>
where
    T: 'a + sqlx::Encode<'a, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    args.add(value).map_err(sqlx::Error::Encode)
}

/// One statement writing a run of changes of one multi-row kind; its parameters are added to
/// `args` in order.
fn multi_row<'a>(
    dialect: Dialect,
    run: &[&'a Change],
    args: &mut AnyArguments<'a>,
) -> Result<String, sqlx::Error> {
    let per_row = columns(run[0]);
    args.reserve(run.len() * per_row, 0);
    Ok(match run[0] {
        Change::Tenant { .. } => {
            for c in run {
                if let Change::Tenant { name, created_at } = c {
                    add(args, name.as_str())?;
                    add(args, created_at.as_str())?;
                }
            }
            format!(
                "INSERT INTO twin_tenants (name, created_at) VALUES {} \
                 ON CONFLICT (name) DO NOTHING",
                placeholders(dialect, run.len(), per_row)
            )
        }
        Change::Put { .. } => {
            // The same entity may appear twice in one run: keep the last (upsert semantics).
            let mut slot: HashMap<(&str, &str), usize> = HashMap::with_capacity(run.len());
            let mut last: Vec<(&str, &str, &str)> = Vec::with_capacity(run.len());
            for c in run {
                if let Change::Put { tenant, id, doc } = c {
                    match slot.entry((tenant.as_str(), id.as_str())) {
                        Entry::Occupied(at) => last[*at.get()].2 = doc,
                        Entry::Vacant(free) => {
                            free.insert(last.len());
                            last.push((tenant, id, doc));
                        }
                    }
                }
            }
            for &(t, i, d) in &last {
                add(args, t)?;
                add(args, i)?;
                add(args, d)?;
            }
            format!(
                "INSERT {}INTO twin_entities (tenant, id, doc) VALUES {} \
                 ON CONFLICT (tenant, id) DO UPDATE SET doc = excluded.doc",
                whole_commit_fails(dialect),
                placeholders(dialect, last.len(), per_row)
            )
        }
        Change::History(_) => {
            for c in run {
                if let Change::History(h) = c {
                    add(args, h.tenant.as_str())?;
                    add(args, h.entity_id.as_str())?;
                    add(args, compact(&h.attr).into_owned())?;
                    add(args, h.dataset_id.as_deref())?;
                    add(args, h.observed_at.as_deref())?;
                    add(args, h.created_at.as_str())?;
                    add(args, h.stored_modified_at())?;
                    add(args, h.doc.as_str())?;
                }
            }
            format!(
                "INSERT {}INTO twin_history (tenant, entity_id, attr, dataset_id, \
                 observed_at, created_at, modified_at, doc) VALUES {}",
                whole_commit_fails(dialect),
                placeholders(dialect, run.len(), per_row)
            )
        }
        other => unreachable!("{other:?} is written on its own (see is_multi_row)"),
    })
}

async fn apply_one(
    dialect: Dialect,
    conn: &mut AnyConnection,
    change: &Change,
) -> Result<(), sqlx::Error> {
    match change {
        Change::Delete {
            tenant,
            id,
            types,
            deleted_at,
        } => {
            sqlx::query("DELETE FROM twin_entities WHERE tenant = $1 AND id = $2")
                .bind(tenant)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            sqlx::query(
                "INSERT INTO twin_deleted_entities (tenant, id, types, deleted_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (tenant, id) \
                 DO UPDATE SET types = excluded.types, deleted_at = excluded.deleted_at",
            )
            .bind(tenant)
            .bind(id)
            .bind(types)
            .bind(deleted_at)
            .execute(conn)
            .await?;
        }
        Change::AddDeletedTypes { tenant, id, types } => {
            add_deleted_types(conn, tenant, id, types).await?;
        }
        Change::DeleteHistory {
            tenant,
            entity_id,
            attr,
            dataset,
        } => {
            let sql = format!(
                "DELETE FROM twin_history WHERE tenant = $1 AND entity_id = $2 \
                 AND ($3 IS NULL OR attr = $3){}",
                match dataset {
                    HistoryDataset::All => "",
                    HistoryDataset::Default => " AND dataset_id IS NULL",
                    HistoryDataset::Id(_) => " AND dataset_id = $4",
                }
            );
            let stored_attr = attr.as_deref().map(|a| compact(a).into_owned());
            let mut q = sqlx::query(&sql)
                .bind(tenant)
                .bind(entity_id)
                .bind(stored_attr);
            if let HistoryDataset::Id(d) = dataset {
                q = q.bind(d);
            }
            q.execute(&mut *conn).await?;
            if attr.is_none() && *dataset == HistoryDataset::All {
                // The whole history goes, and with it what it said about the entity's deletion.
                sqlx::query("DELETE FROM twin_deleted_entities WHERE tenant = $1 AND id = $2")
                    .bind(tenant)
                    .bind(entity_id)
                    .execute(conn)
                    .await?;
            }
        }
        Change::DeleteInstance { tenant, instance } => {
            sqlx::query("DELETE FROM twin_history WHERE tenant = $1 AND id = $2")
                .bind(tenant)
                .bind(instance.0)
                .execute(conn)
                .await?;
        }
        Change::UpdateInstance { instance, row: h } => {
            sqlx::query(
                "UPDATE twin_history SET dataset_id = $3, observed_at = $4, modified_at = $5, doc = $6 \
                 WHERE tenant = $1 AND id = $2",
            )
            .bind(&h.tenant)
            .bind(instance.0)
            .bind(&h.dataset_id)
            .bind(&h.observed_at)
            .bind(h.stored_modified_at())
            .bind(&h.doc)
            .execute(conn)
            .await?;
        }
        Change::RestateInstance(h) => restate_instance(dialect, conn, h).await?,
        Change::Tenant { .. } | Change::Put { .. } | Change::History(_) => {
            unreachable!("written many rows to a statement by multi_row")
        }
    }
    Ok(())
}

/// See [`Change::RestateInstance`]. The lookup names the history's time index expression so
/// that it is an index search.
async fn add_deleted_types(
    conn: &mut AnyConnection,
    tenant: &str,
    id: &str,
    types: &[String],
) -> Result<(), sqlx::Error> {
    let recorded: Option<String> =
        sqlx::query_scalar("SELECT types FROM twin_deleted_entities WHERE tenant = $1 AND id = $2")
            .bind(tenant)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(recorded) = recorded else {
        return Ok(());
    };
    let mut all: Vec<String> =
        serde_json::from_str(&recorded).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    let known = all.len();
    for t in types {
        if !all.contains(t) {
            all.push(t.clone());
        }
    }
    if all.len() > known {
        sqlx::query("UPDATE twin_deleted_entities SET types = $1 WHERE tenant = $2 AND id = $3")
            .bind(super::json_text(&all, 64))
            .bind(tenant)
            .bind(id)
            .execute(conn)
            .await?;
    }
    Ok(())
}

async fn restate_instance(
    dialect: Dialect,
    conn: &mut AnyConnection,
    h: &HistoryRow,
) -> Result<(), sqlx::Error> {
    let same_observation = format!(
        "tenant = $1 AND entity_id = $2 AND attr = $3 \
         AND COALESCE(observed_at, created_at) = $4 AND observed_at = $4 AND {}",
        if h.dataset_id.is_some() {
            "dataset_id = $5"
        } else {
            "dataset_id IS NULL"
        }
    );
    fn bind_key<'q>(
        sql: &'q str,
        h: &'q HistoryRow,
    ) -> sqlx::query::Query<'q, sqlx::Any, AnyArguments<'q>> {
        let q = sqlx::query(sql)
            .bind(&h.tenant)
            .bind(&h.entity_id)
            .bind(compact(&h.attr).into_owned())
            .bind(&h.observed_at);
        match &h.dataset_id {
            Some(d) => q.bind(d),
            None => q,
        }
    }
    let select = format!(
        "SELECT MIN(id) AS id, COUNT(*) AS stored FROM twin_history WHERE {same_observation}"
    );
    let row = bind_key(&select, h).fetch_one(&mut *conn).await?;
    let (first, stored): (Option<i64>, i64) = (col(&row, "id")?, col(&row, "stored")?);
    let Some(first) = first else {
        let mut args = AnyArguments::default();
        let row = Change::History(h.clone());
        let sql = multi_row(dialect, &[&row], &mut args)?;
        sqlx::query_with(&sql, args).execute(conn).await?;
        return Ok(());
    };
    if stored > 1 {
        let repeats =
            format!("DELETE FROM twin_history WHERE {same_observation} AND id <> {first}");
        bind_key(&repeats, h).execute(&mut *conn).await?;
    }
    sqlx::query("UPDATE twin_history SET modified_at = $2, doc = $3 WHERE id = $1")
        .bind(first)
        .bind(&h.modified_at)
        .bind(&h.doc)
        .execute(conn)
        .await?;
    Ok(())
}

/// Everything stored, to fill memory at start: tenants, then (tenant, entity) pairs.
pub async fn load_all(db: &Database) -> Result<(Vec<String>, Vec<(String, Doc)>), sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    let tenants: Vec<String> = sqlx::query_scalar("SELECT name FROM twin_tenants ORDER BY name")
        .fetch_all(&mut *conn)
        .await?;
    let rows = sqlx::query("SELECT tenant, id, doc FROM twin_entities")
        .fetch_all(&mut *conn)
        .await?;
    let mut entities = Vec::with_capacity(rows.len());
    for row in rows {
        let tenant: String = col(&row, "tenant")?;
        let doc: String = col(&row, "doc")?;
        match serde_json::from_str::<Value>(&doc) {
            Ok(Value::Object(map)) => entities.push((tenant, expand_entity(map))),
            _ => {
                let id: String = col(&row, "id")?;
                tracing::error!(tenant, id, "skipping an unreadable stored entity");
            }
        }
    }
    Ok((tenants, entities))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_instance_leaves_its_system_times_to_the_columns() {
        let instance = serde_json::json!({
            "type": "https://uri.etsi.org/ngsi-ld/Property", "value": 12.5,
            "createdAt": "2026-12-07T00:00:00.000000Z", "modifiedAt": "2026-12-07T00:00:01.000000Z",
            "observedAt": "2026-12-06T23:59:59Z", "datasetId": "urn:d"
        });
        let text = HistoryRow::doc_text(instance.as_object().unwrap());
        let stored: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            stored,
            serde_json::json!({
                "type": "https://uri.etsi.org/ngsi-ld/Property", "value": 12.5,
                "observedAt": "2026-12-06T23:59:59Z", "datasetId": "urn:d"
            })
        );
    }

    #[test]
    fn placeholders_number_postgres_parameters_and_leave_sqlite_ones_anonymous() {
        assert_eq!(
            placeholders(Dialect::Postgres, 2, 3),
            "($1, $2, $3), ($4, $5, $6)"
        );
        assert_eq!(placeholders(Dialect::Sqlite, 2, 2), "(?, ?), (?, ?)");
        assert_eq!(placeholders(Dialect::Sqlite, 1, 1), "(?)");
    }
}
