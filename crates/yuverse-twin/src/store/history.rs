//! Reading the temporal history (`twin_history`, one row per attribute instance) for the
//! temporal API. Writes go through the group-commit writer (`persist::Change`).
//!
//! The time of an instance is its `timeproperty`: `createdAt`, `modifiedAt`, or `observedAt`
//! — which, for an instance written without one, falls back to when it was recorded
//! (`createdAt`), so that history written without observation times still orders and windows.

use sqlx::any::AnyRow;
use yuverse_core::db::{col, Database};

use super::persist::{HistoryDataset, HistoryRow, InstanceId};
use super::stored_names::{compact, expand};

/// Which stored time a temporal request works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeColumn {
    #[default]
    Observed,
    Created,
    Modified,
    /// The deletion instances only, at the time they were recorded (their `deletedAt`).
    Deleted,
}

impl TimeColumn {
    fn sql(self) -> &'static str {
        match self {
            Self::Observed => "COALESCE(observed_at, created_at)",
            Self::Created | Self::Deleted => "created_at",
            Self::Modified => "COALESCE(modified_at, created_at)",
        }
    }

    /// The rows the column applies to. Deletion instances are the broker's own, written
    /// without observedAt and with a `deletedAt` member (`service::temporal::deletion`): a text
    /// match on the stored document finds them without another column on the ingestion path.
    /// (A client instance without observedAt whose value holds the text `"deletedAt":` would
    /// match too: an accepted imprecision.)
    fn rows(self) -> &'static str {
        match self {
            Self::Deleted => " AND observed_at IS NULL AND doc LIKE '%\"deletedAt\":%'",
            _ => "",
        }
    }
}

/// A time window (`timerel`) in storage form: `from` inclusive, `until` exclusive.
#[derive(Debug, Clone, Default)]
pub struct Window {
    pub column: TimeColumn,
    pub from: Option<String>,
    pub until: Option<String>,
}

/// Which instances of each attribute to read.
#[derive(Debug, Clone, Copy)]
pub enum Take {
    /// Every instance in the window.
    All,
    /// At most this many of the oldest.
    First(usize),
    /// At most this many of the newest.
    Last(usize),
}

/// An instance read back, with its time (storage form) and how many instances its attribute
/// (of that entity) has in the window.
#[derive(Debug, Clone)]
pub struct Instance {
    pub id: InstanceId,
    pub row: HistoryRow,
    pub time: String,
    pub in_window: usize,
}

/// The entities a selection reads, and optionally the attributes and datasetIds (`None` in
/// the list: the default instance, without datasetId).
pub struct Scope<'a> {
    pub tenant: &'a str,
    pub entity_ids: &'a [String],
    pub attrs: Option<&'a [String]>,
    pub datasets: Option<&'a [Option<String>]>,
}

/// The named datasetIds of a dataset filter.
fn named(datasets: &[Option<String>]) -> Vec<String> {
    datasets.iter().flatten().cloned().collect()
}

/// Appends `IN ($n, …)` for `values` to `sql`, numbering from `next` (an empty list selects
/// nothing, as `IN ()` is no SQL).
fn in_list(sql: &mut String, column: &str, values: &[String], next: &mut usize) {
    if values.is_empty() {
        sql.push_str(" AND 1 = 0");
        return;
    }
    let marks: Vec<String> = values
        .iter()
        .map(|_| {
            *next += 1;
            format!("${}", *next - 1)
        })
        .collect();
    sql.push_str(&format!(" AND {column} IN ({})", marks.join(", ")));
}

/// The shared `WHERE` of a selection in a window, and the number of its parameters; binds in
/// order: tenant, ids, attrs, datasetIds, from, until.
fn selection(scope: &Scope, window: &Window) -> (String, usize) {
    let mut sql = String::from("tenant = $1");
    let mut next = 2;
    in_list(&mut sql, "entity_id", scope.entity_ids, &mut next);
    if let Some(attrs) = scope.attrs {
        in_list(&mut sql, "attr", attrs, &mut next);
    }
    if let Some(datasets) = scope.datasets {
        let names = named(datasets);
        let mut named_sql = String::new();
        if !names.is_empty() {
            in_list(&mut named_sql, "dataset_id", &names, &mut next);
        }
        // `in_list` writes ` AND dataset_id IN (…)`: keep the list, join it with the default.
        let named_sql = named_sql.trim_start_matches(" AND ");
        let default = datasets.iter().any(Option::is_none);
        match (default, named_sql.is_empty()) {
            (true, true) => sql.push_str(" AND dataset_id IS NULL"),
            (true, false) => sql.push_str(&format!(" AND (dataset_id IS NULL OR {named_sql})")),
            (false, true) => sql.push_str(" AND 1 = 0"),
            (false, false) => sql.push_str(&format!(" AND {named_sql}")),
        }
    }
    sql.push_str(window.column.rows());
    let time = window.column.sql();
    if window.from.is_some() {
        sql.push_str(&format!(" AND {time} >= ${next}"));
        next += 1;
    }
    if window.until.is_some() {
        sql.push_str(&format!(" AND {time} < ${next}"));
        next += 1;
    }
    (sql, next - 1)
}

fn bind_selection<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    scope: &'q Scope,
    window: &'q Window,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    q = q.bind(scope.tenant);
    for id in scope.entity_ids {
        q = q.bind(id);
    }
    for a in scope.attrs.into_iter().flatten() {
        q = q.bind(compact(a).into_owned());
    }
    for d in scope.datasets.into_iter().flatten().flatten() {
        q = q.bind(d);
    }
    if let Some(from) = &window.from {
        q = q.bind(from);
    }
    if let Some(until) = &window.until {
        q = q.bind(until);
    }
    q
}

/// Instances of the scope in the window, per entity and attribute oldest first, each
/// attribute cut as `take` says.
pub async fn instances(
    db: &Database,
    scope: &Scope<'_>,
    window: &Window,
    take: Take,
) -> Result<Vec<Instance>, sqlx::Error> {
    if scope.entity_ids.is_empty() {
        return Ok(Vec::new());
    }
    let time = window.column.sql();
    let (order, cut) = match take {
        Take::All => ("ASC", None),
        Take::First(n) => ("ASC", Some(n)),
        Take::Last(n) => ("DESC", Some(n)),
    };
    let (selected, params) = selection(scope, window);
    let keep = match cut {
        Some(_) => format!("WHERE rn <= ${}", params + 1),
        None => String::new(),
    };
    // Window functions (SQLite ≥ 3.25, PostgreSQL) rank each attribute's instances and count
    // them, so one statement serves a whole page of entities.
    let sql = format!(
        "SELECT id, tenant, entity_id, attr, dataset_id, observed_at, created_at, \
         modified_at, doc, t, n FROM (SELECT id, tenant, entity_id, attr, dataset_id, \
         observed_at, created_at, modified_at, doc, {time} AS t, \
         ROW_NUMBER() OVER (PARTITION BY entity_id, attr ORDER BY {time} {order}, id {order}) AS rn, \
         COUNT(*) OVER (PARTITION BY entity_id, attr) AS n \
         FROM twin_history WHERE {selected}) ranked {keep} ORDER BY entity_id, attr, t, id"
    );
    let mut q = bind_selection(sqlx::query(&sql), scope, window);
    if let Some(n) = cut {
        q = q.bind(i64::try_from(n).unwrap_or(i64::MAX));
    }
    let mut conn = db.pool.acquire().await?;
    let rows = q.fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            let n: i64 = col(r, "n")?;
            Ok(Instance {
                id: InstanceId(col(r, "id")?),
                row: history_row(r)?,
                time: col(r, "t")?,
                in_window: usize::try_from(n).unwrap_or(0),
            })
        })
        .collect()
}

/// The entities of the scope that have at least one instance in the window.
pub async fn entities_with_instances(
    db: &Database,
    scope: &Scope<'_>,
    window: &Window,
) -> Result<Vec<String>, sqlx::Error> {
    if scope.entity_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT DISTINCT entity_id FROM twin_history WHERE {}",
        selection(scope, window).0
    );
    let mut conn = db.pool.acquire().await?;
    bind_selection(sqlx::query(&sql), scope, window)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| col(r, "entity_id"))
        .collect()
}

/// One instance by its `instanceId`, when it is one of this broker's and belongs to that entity
/// and attribute.
pub async fn instance(
    db: &Database,
    tenant: &str,
    entity_id: &str,
    attr: &str,
    instance_id: &str,
) -> Result<Option<(InstanceId, HistoryRow)>, sqlx::Error> {
    let Some(id) = InstanceId::parse(instance_id) else {
        return Ok(None);
    };
    let mut conn = db.pool.acquire().await?;
    let row = sqlx::query(
        "SELECT tenant, entity_id, attr, dataset_id, observed_at, created_at, \
         modified_at, doc FROM twin_history \
         WHERE id = $1 AND tenant = $2 AND entity_id = $3 AND attr = $4",
    )
    .bind(id.0)
    .bind(tenant)
    .bind(entity_id)
    .bind(compact(attr).into_owned())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row
        .as_ref()
        .map(history_row)
        .transpose()?
        .map(|row| (id, row)))
}

/// An entity deleted from the current state, as its last deletion recorded it.
#[derive(Debug, Clone)]
pub struct DeletedEntity {
    pub id: String,
    /// Expanded type IRIs.
    pub types: Vec<String>,
    /// Storage form.
    pub deleted_at: String,
}

fn deleted_entity(row: &AnyRow) -> Result<DeletedEntity, sqlx::Error> {
    let types: String = col(row, "types")?;
    Ok(DeletedEntity {
        id: col(row, "id")?,
        types: serde_json::from_str(&types).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        deleted_at: col(row, "deleted_at")?,
    })
}

/// Entities of any tenant deleted at or after `since` (storage form), as (tenant, entity).
pub async fn deleted_since(
    db: &Database,
    since: &str,
) -> Result<Vec<(String, DeletedEntity)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT tenant, id, types, deleted_at FROM twin_deleted_entities \
         WHERE deleted_at >= $1 ORDER BY deleted_at",
    )
    .bind(since)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| Ok((col(row, "tenant")?, deleted_entity(row)?)))
        .collect()
}

/// Entities deleted from the current state: those of `ids` (each read by its key), or every
/// one of the tenant, by id.
pub async fn deleted_entities(
    db: &Database,
    tenant: &str,
    ids: Option<&[String]>,
) -> Result<Vec<DeletedEntity>, sqlx::Error> {
    const COLUMNS: &str = "SELECT id, types, deleted_at FROM twin_deleted_entities";
    let mut conn = db.pool.acquire().await?;
    let Some(ids) = ids else {
        let sql = format!("{COLUMNS} WHERE tenant = $1 ORDER BY id");
        let rows = sqlx::query(&sql).bind(tenant).fetch_all(&mut *conn).await?;
        return rows.iter().map(deleted_entity).collect();
    };
    let sql = format!("{COLUMNS} WHERE tenant = $1 AND id = $2");
    let mut out = Vec::new();
    for id in ids {
        let row = sqlx::query(&sql)
            .bind(tenant)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(row) = row {
            out.push(deleted_entity(&row)?);
        }
    }
    Ok(out)
}

/// How many instances an entity has, optionally only of one attribute and dataset.
pub async fn count(
    db: &Database,
    tenant: &str,
    entity_id: &str,
    attr: Option<&str>,
    dataset: &HistoryDataset,
) -> Result<usize, sqlx::Error> {
    let (dataset_sql, dataset_value) = match dataset {
        HistoryDataset::All => ("", None),
        HistoryDataset::Default => (" AND dataset_id IS NULL", None),
        HistoryDataset::Id(d) => (" AND dataset_id = $4", Some(d)),
    };
    let sql = format!(
        "SELECT COUNT(*) AS n FROM twin_history WHERE tenant = $1 AND entity_id = $2 \
         AND ($3 IS NULL OR attr = $3){dataset_sql}"
    );
    let attr = attr.map(|a| compact(a).into_owned());
    let mut q = sqlx::query(&sql).bind(tenant).bind(entity_id).bind(attr);
    if let Some(d) = dataset_value {
        q = q.bind(d);
    }
    let mut conn = db.pool.acquire().await?;
    let row = q.fetch_one(&mut *conn).await?;
    let n: i64 = col(&row, "n")?;
    Ok(usize::try_from(n).unwrap_or(0))
}

fn history_row(r: &AnyRow) -> Result<HistoryRow, sqlx::Error> {
    let created_at: String = col(r, "created_at")?;
    // Stored only when it differs from createdAt (`HistoryRow::stored_modified_at`).
    let modified_at: Option<String> = col(r, "modified_at")?;
    Ok(HistoryRow {
        tenant: col(r, "tenant")?,
        entity_id: col(r, "entity_id")?,
        attr: expand(col(r, "attr")?),
        dataset_id: col(r, "dataset_id")?,
        observed_at: col(r, "observed_at")?,
        modified_at: modified_at.unwrap_or_else(|| created_at.clone()),
        created_at,
        doc: col(r, "doc")?,
    })
}
