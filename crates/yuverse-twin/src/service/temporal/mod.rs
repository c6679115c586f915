//! The temporal history: every attribute change is kept as an instance; the temporal API reads
//! them back in time windows (one entity, or many selected like `GET /entities`), in the
//! normalized, simplified (`temporalValues`) or aggregated representation, cut to the server's
//! instance limit per attribute (206 with a `Content-Range`), and writes instances directly
//! (`write`).

mod aggregate;
mod deletion;
mod page;
mod render;
mod scope;
mod write;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;
use yuverse_core::time::Timestamp;

use super::entities::check_id;
use super::{poisoned, Twin};
use crate::domain::entity::{doc as doc_of, id_of};
use crate::domain::render::View;
use crate::domain::Vocabulary;
use crate::error::{NgsiError, NgsiResult};
use crate::store::history::{self, Instance, Scope, Take, TimeColumn, Window};
use crate::store::memory::Selector;
use crate::store::persist::HistoryDataset;

pub use aggregate::{AggrMethod, Aggregation, PeriodDuration};
pub(super) use deletion::deletions;
pub use page::ContentRange;
pub(super) use scope::scope_change;

/// What a temporal request asks for: the window (`timerel`, `timeAt`, `endTimeAt`,
/// `timeproperty`), `lastN`, the attributes and the representation.
#[derive(Debug, Clone, Default)]
pub struct TemporalQuery {
    pub timerel: Option<TimeRel>,
    pub time_property: TimeProperty,
    pub last_n: Option<usize>,
    /// Expanded attribute names to keep.
    pub attrs: Option<Vec<String>>,
    /// `datasetId`: the instances to keep by datasetId (`None`: the default instance, `@none`).
    pub datasets: Option<Vec<Option<String>>>,
    pub format: TemporalFormat,
    /// `options=sysAttrs`: createdAt/modifiedAt on each instance (normalized only).
    pub sys_attrs: bool,
    /// `pick`/`omit`: the members of each entity shown (its other fields are unused).
    pub projection: View,
    /// `orderBy=id;desc`: a query's entities in descending id order.
    pub id_descending: bool,
}

/// `timerel` with its times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeRel {
    Before(Timestamp),
    After(Timestamp),
    Between(Timestamp, Timestamp),
}

impl TimeRel {
    /// Checks the combination of `timerel`, `timeAt` and `endTimeAt` (clause 4.11).
    pub fn parse(
        timerel: Option<&str>,
        time_at: Option<Timestamp>,
        end_time_at: Option<Timestamp>,
    ) -> NgsiResult<Option<TimeRel>> {
        let rel = match (timerel, time_at) {
            (None, None) if end_time_at.is_none() => return Ok(None),
            (None, _) => {
                return Err(NgsiError::bad_data(
                    "timeAt and endTimeAt need timerel (before, after or between)",
                ))
            }
            (Some(_), None) => return Err(NgsiError::bad_data("timerel needs timeAt")),
            (Some(rel), Some(at)) => (rel, at),
        };
        match rel {
            ("before", at) => Ok(Some(TimeRel::Before(at))),
            ("after", at) => Ok(Some(TimeRel::After(at))),
            ("between", at) => match end_time_at {
                Some(end) if end > at => Ok(Some(TimeRel::Between(at, end))),
                Some(_) => Err(NgsiError::bad_data("endTimeAt must be after timeAt")),
                None => Err(NgsiError::bad_data("timerel=between needs endTimeAt")),
            },
            (other, _) => Err(NgsiError::bad_data(format!(
                "timerel `{other}`: use before, after or between"
            ))),
        }
    }

    /// The window in storage form: `[from, until)`.
    pub(crate) fn bounds(self) -> (Option<String>, Option<String>) {
        let db = yuverse_core::time::to_db;
        match self {
            TimeRel::Before(at) => (None, Some(db(at))),
            TimeRel::After(at) => (Some(db(at)), None),
            TimeRel::Between(at, end) => (Some(db(at)), Some(db(end))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeProperty {
    #[default]
    ObservedAt,
    CreatedAt,
    ModifiedAt,
    /// Only the deletion instances, each at its `deletedAt` (clause 4.8, table 5.2.2-1).
    DeletedAt,
}

impl TimeProperty {
    pub fn parse(s: &str) -> NgsiResult<Self> {
        match s {
            "observedAt" => Ok(Self::ObservedAt),
            "createdAt" => Ok(Self::CreatedAt),
            "modifiedAt" => Ok(Self::ModifiedAt),
            "deletedAt" => Ok(Self::DeletedAt),
            other => Err(NgsiError::bad_data(format!(
                "timeproperty `{other}`: use observedAt, createdAt, modifiedAt or deletedAt"
            ))),
        }
    }

    fn column(self) -> TimeColumn {
        match self {
            Self::ObservedAt => TimeColumn::Observed,
            Self::CreatedAt => TimeColumn::Created,
            Self::ModifiedAt => TimeColumn::Modified,
            Self::DeletedAt => TimeColumn::Deleted,
        }
    }
}

/// The temporal representations (clauses 4.5.8, 4.5.9, 4.5.19).
#[derive(Debug, Clone, Default)]
pub enum TemporalFormat {
    #[default]
    Normalized,
    TemporalValues,
    Aggregated(Aggregation),
}

/// One answer of the temporal API: entities, the total when counted, and the time range
/// served when the instance limit cut the answer (206).
#[derive(Debug)]
pub struct TemporalPage {
    pub entities: Vec<Value>,
    pub total: Option<usize>,
    pub range: Option<ContentRange>,
}

/// How many candidate entities one history read looks at.
const CHUNK: usize = 200;

/// An entity to answer for: its id, its types (from the current state, or from its last
/// deletion), and when it was deleted if it is no longer in the current state.
#[derive(Clone)]
struct Target {
    id: String,
    types: Option<Value>,
    deleted_at: Option<String>,
}

impl Target {
    fn deleted(d: history::DeletedEntity) -> Target {
        Target {
            id: d.id,
            types: Some(Value::Array(
                d.types.into_iter().map(Value::String).collect(),
            )),
            deleted_at: Some(d.deleted_at),
        }
    }
}

impl TemporalQuery {
    fn window(&self) -> Window {
        let (from, until) = self.timerel.map(TimeRel::bounds).unwrap_or_default();
        Window {
            column: self.time_property.column(),
            from,
            until,
        }
    }
}

impl Twin {
    /// Instances the server returns per attribute at most, before answering 206.
    fn instance_limit(&self) -> usize {
        self.inner.config.temporal_instance_limit.max(1)
    }

    /// `GET /temporal/entities/{id}`: the temporal representation of one entity.
    pub async fn temporal_entity(
        &self,
        tenant: &str,
        id: &str,
        query: &TemporalQuery,
        vocab: &dyn Vocabulary,
    ) -> NgsiResult<TemporalPage> {
        check_id(id)?;
        let types = {
            let state = self.tenant(tenant)?;
            let guard = state.read().map_err(|_| poisoned())?;
            guard
                .get(id)
                .map(|d| d.get("type").cloned().unwrap_or(Value::Null))
        };
        if history::count(&self.inner.db, tenant, id, None, &HistoryDataset::All).await? == 0 {
            return Err(NgsiError::not_found(format!(
                "entity `{id}` has no temporal representation"
            )));
        }
        // Asked only for attributes it never had (clause 5.7.3.4): nothing to retrieve.
        if let Some(attrs) = &query.attrs {
            let mut any = false;
            for attr in attrs {
                let dataset = &HistoryDataset::All;
                if history::count(&self.inner.db, tenant, id, Some(attr), dataset).await? > 0 {
                    any = true;
                    break;
                }
            }
            if !any {
                return Err(NgsiError::not_found(format!(
                    "entity `{id}` has none of the attributes asked for"
                )));
            }
        }
        let target = match types {
            Some(types) => Target {
                id: id.to_owned(),
                types: Some(types),
                deleted_at: None,
            },
            None => history::deleted_entities(&self.inner.db, tenant, Some(&[id.to_owned()]))
                .await?
                .pop()
                .map_or_else(
                    || Target {
                        id: id.to_owned(),
                        types: None,
                        deleted_at: None,
                    },
                    Target::deleted,
                ),
        };
        let (mut entities, range) = self.evolution(tenant, &[target], query, vocab).await?;
        Ok(TemporalPage {
            entities: vec![entities.pop().unwrap_or(Value::Null)],
            total: None,
            range,
        })
    }

    /// `GET /temporal/entities` and `POST /temporal/entityOperations/query`: entities chosen
    /// by the selector (through the indexes of the current state), then those with instances
    /// in the window — and, with `q`, whose windowed instances satisfy it (clause 5.7.4.4);
    /// with a geo-query, one of whose windowed GeoProperty instances was where it asks: an
    /// entity that has moved is chosen by where it was in the window, not where it is now.
    pub async fn temporal_query(
        &self,
        tenant: &str,
        mut selector: Selector,
        query: &TemporalQuery,
        paging: (usize, usize, bool),
        vocab: &dyn Vocabulary,
    ) -> NgsiResult<TemporalPage> {
        let (offset, limit, count) = paging;
        // q and the geo-query apply to the windowed instances, not to the current state.
        let conditions = Conditions {
            q: selector.q.take(),
            geo: selector.geo.take(),
        };
        // So does the scope query, on the scope instances (clause 5.7.4.4).
        let scope_q = selector.scope_q.take();
        let current: Vec<Arc<Value>> = {
            let state = self.tenant(tenant)?;
            let guard = state.read().map_err(|_| poisoned())?;
            guard.query(&selector, 0, usize::MAX, false).0
        };
        let mut candidates: Vec<Target> = current
            .iter()
            .map(|e| Target {
                id: id_of(doc_of(e)).to_owned(),
                types: e.get("type").cloned(),
                deleted_at: None,
            })
            .collect();
        let deleted = self.deleted_candidates(tenant, &selector).await?;
        if !deleted.is_empty() {
            // The current ones come in id order; the deleted ones join them in it.
            candidates.extend(deleted);
            candidates.sort_by(|a, b| a.id.cmp(&b.id));
        }
        if query.id_descending {
            candidates.reverse();
        }
        let window = query.window();
        let mut page: Vec<Target> = Vec::new();
        let mut matched = 0usize;
        for chunk in candidates.chunks(CHUNK) {
            let ids: Vec<String> = chunk.iter().map(|t| t.id.clone()).collect();
            let ids = match &scope_q {
                Some(scope_q) => self.scoped_within(tenant, ids, scope_q, &window).await?,
                None => ids,
            };
            for id in self
                .qualifying(tenant, &ids, &conditions, query, &window)
                .await?
            {
                if matched >= offset && page.len() < limit {
                    if let Some(target) = chunk.iter().find(|t| t.id == id) {
                        page.push(target.clone());
                    }
                }
                matched += 1;
            }
            if !count && page.len() >= limit {
                break;
            }
        }
        let (entities, range) = self.evolution(tenant, &page, query, vocab).await?;
        Ok(TemporalPage {
            entities,
            total: count.then_some(matched),
            range,
        })
    }

    /// Entities deleted from the current state (and not created again since) that the
    /// selector chooses. Only ids and types can choose them: attribute conditions are about a
    /// current state they no longer have (`q`, geo-queries and `scopeQ` are not in the
    /// selector: they are checked on the history of every candidate).
    async fn deleted_candidates(
        &self,
        tenant: &str,
        selector: &Selector,
    ) -> NgsiResult<Vec<Target>> {
        if selector.attrs.is_some() {
            return Ok(Vec::new());
        }
        let deleted =
            history::deleted_entities(&self.inner.db, tenant, selector.ids.as_deref()).await?;
        if deleted.is_empty() {
            return Ok(Vec::new());
        }
        let state = self.tenant(tenant)?;
        let guard = state.read().map_err(|_| poisoned())?;
        Ok(deleted
            .into_iter()
            .filter(|d| {
                let names: Vec<&str> = d.types.iter().map(String::as_str).collect();
                guard.get(&d.id).is_none()
                    && selector
                        .id_pattern
                        .as_ref()
                        .is_none_or(|p| p.is_match(&d.id))
                    && selector.types.as_ref().is_none_or(|t| t.matches(&names))
                    && (selector.any_of.is_empty()
                        || selector.any_of.iter().any(|m| m.matches(&d.id, &names)))
            })
            .map(Target::deleted)
            .collect())
    }

    /// The ids (in the given order) that have instances in the window and satisfy the
    /// conditions on them.
    async fn qualifying(
        &self,
        tenant: &str,
        ids: &[String],
        conditions: &Conditions,
        query: &TemporalQuery,
        window: &Window,
    ) -> NgsiResult<Vec<String>> {
        let db = &self.inner.db;
        let attrs = query.attrs.as_deref();
        let scope = Scope {
            tenant,
            entity_ids: ids,
            attrs,
            datasets: query.datasets.as_deref(),
        };
        let with_instances = history::entities_with_instances(db, &scope, window).await?;
        let names = conditions.attribute_names();
        if names.is_empty() {
            return Ok(ids
                .iter()
                .filter(|i| with_instances.contains(i))
                .cloned()
                .collect());
        }
        let rows = history::instances(
            db,
            // q reads the attributes it names whatever datasetIds the answer shows.
            &Scope {
                tenant,
                entity_ids: ids,
                attrs: Some(&names),
                datasets: None,
            },
            window,
            Take::All,
        )
        .await?;
        let mut by_entity: BTreeMap<&str, serde_json::Map<String, Value>> = BTreeMap::new();
        for instance in &rows {
            let Ok(Value::Object(mut doc)) = serde_json::from_str::<Value>(&instance.row.doc)
            else {
                continue;
            };
            // q may ask for the instance's system times, which its row's columns hold.
            let times = [
                ("createdAt", &instance.row.created_at),
                ("modifiedAt", &instance.row.modified_at),
            ];
            for (name, time) in times {
                doc.insert(name.into(), Value::String(time.clone()));
            }
            let doc = Value::Object(doc);
            let entity = by_entity
                .entry(instance.row.entity_id.as_str())
                .or_default();
            if let Value::Array(list) = entity
                .entry(instance.row.attr.clone())
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                list.push(doc);
            }
        }
        Ok(ids
            .iter()
            .filter(|id| with_instances.contains(id))
            .filter(|id| {
                let mut entity = by_entity.remove(id.as_str()).unwrap_or_default();
                entity.insert("id".into(), Value::String((*id).clone()));
                conditions.hold_for(&Value::Object(entity))
            })
            .cloned()
            .collect())
    }

    /// The temporal representations of `targets` (in order), and the range served when the
    /// instance limit cut them.
    async fn evolution(
        &self,
        tenant: &str,
        targets: &[Target],
        query: &TemporalQuery,
        vocab: &dyn Vocabulary,
    ) -> NgsiResult<(Vec<Value>, Option<ContentRange>)> {
        let ids: Vec<String> = targets.iter().map(|t| t.id.clone()).collect();
        let scope = Scope {
            tenant,
            entity_ids: &ids,
            attrs: query.attrs.as_deref(),
            datasets: query.datasets.as_deref(),
        };
        let window = query.window();
        let limit = self.instance_limit();
        let take = match (&query.format, query.last_n) {
            (TemporalFormat::Aggregated(_), _) => Take::All,
            (_, Some(n)) => Take::Last(n.min(limit)),
            (_, None) => Take::First(limit),
        };
        let rows = history::instances(&self.inner.db, &scope, &window, take).await?;
        let mut grouped = group(rows);
        // Attributes left out by pick/omit neither show nor cut the page.
        for attributes in grouped.values_mut() {
            attributes.retain(|name, _| query.projection.wants(name));
        }
        let cut = match &query.format {
            TemporalFormat::Aggregated(_) => None,
            _ => page::cut(&mut grouped, query, limit),
        };
        let (range, mut emptied) =
            cut.map_or_else(Default::default, |c| (Some(c.range), c.emptied));
        let entities = targets
            .iter()
            .map(|t| {
                let attributes = grouped.remove(&t.id).unwrap_or_default();
                render::entity(
                    (&t.id, t.types.as_ref(), t.deleted_at.as_deref()),
                    attributes,
                    &emptied.remove(&t.id).unwrap_or_default(),
                    query,
                    vocab,
                )
            })
            .collect();
        Ok((entities, range))
    }
}

/// The conditions of a temporal query checked on the windowed instances.
struct Conditions {
    q: Option<yuverse_twin_query::Query>,
    geo: Option<yuverse_twin_geo::GeoQuery>,
}

impl Conditions {
    /// The attributes whose instances the conditions read.
    fn attribute_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .q
            .iter()
            .flat_map(|q| q.attribute_names())
            .map(|n| (*n).to_owned())
            .collect();
        names.extend(self.geo.iter().map(|g| g.geoproperty.clone()));
        names.sort();
        names.dedup();
        names
    }

    /// Whether an entity made of windowed instances (attributes as instance arrays, the stored
    /// form) satisfies `q`, and has a GeoProperty instance that satisfies the geo-query.
    fn hold_for(&self, entity: &Value) -> bool {
        self.q.as_ref().is_none_or(|q| q.matches(entity))
            && self.geo.as_ref().is_none_or(|geo| {
                entity[geo.geoproperty.as_str()]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|instance| geo.matches_geojson(&instance["value"]))
            })
    }
}

/// Instances by entity, then attribute (each oldest first).
pub(super) type Grouped = BTreeMap<String, BTreeMap<String, Vec<Instance>>>;

fn group(rows: Vec<Instance>) -> Grouped {
    let mut out: Grouped = BTreeMap::new();
    for instance in rows {
        out.entry(instance.row.entity_id.clone())
            .or_default()
            .entry(instance.row.attr.clone())
            .or_default()
            .push(instance);
    }
    out
}
