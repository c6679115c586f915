//! The temporal history: every attribute change is kept as an instance; the temporal API reads
//! them back in time windows.

use serde_json::{Map, Value};

use super::entities::check_id;
use super::{poisoned, Twin};
use crate::domain::render::{self, View};
use crate::domain::Vocabulary;
use crate::error::{NgsiError, NgsiResult};
use crate::store::persist::{self, HistoryWindow};

/// `timerel`, `timeAt`, `endTimeAt`, `timeproperty`, `lastN` and `attrs` of a temporal request.
#[derive(Debug, Clone, Default)]
pub struct TemporalQuery {
    pub window_from: Option<String>,
    pub window_until: Option<String>,
    /// `observedAt` (default), `createdAt` or `modifiedAt`.
    pub time_property: TimeProperty,
    pub last_n: Option<usize>,
    /// Expanded attribute names to keep.
    pub attrs: Option<Vec<String>>,
    /// `temporalValues`: pairs of value and time instead of full instances.
    pub temporal_values: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeProperty {
    #[default]
    ObservedAt,
    CreatedAt,
    ModifiedAt,
}

impl TimeProperty {
    pub fn parse(s: &str) -> NgsiResult<Self> {
        match s {
            "observedAt" => Ok(Self::ObservedAt),
            "createdAt" => Ok(Self::CreatedAt),
            "modifiedAt" => Ok(Self::ModifiedAt),
            other => Err(NgsiError::bad_data(format!(
                "timeproperty `{other}`: use observedAt, createdAt or modifiedAt"
            ))),
        }
    }

    fn column(self) -> &'static str {
        match self {
            Self::ObservedAt => "observed_at",
            Self::CreatedAt => "created_at",
            Self::ModifiedAt => "modified_at",
        }
    }

    fn member(self) -> &'static str {
        match self {
            Self::ObservedAt => "observedAt",
            Self::CreatedAt => "createdAt",
            Self::ModifiedAt => "modifiedAt",
        }
    }
}

impl Twin {
    /// The temporal representation of one entity.
    pub async fn temporal_entity(
        &self,
        tenant: &str,
        id: &str,
        query: &TemporalQuery,
        vocab: &dyn Vocabulary,
    ) -> NgsiResult<Value> {
        check_id(id)?;
        let types = {
            let state = self.tenant(tenant)?;
            let guard = state.read().map_err(|_| poisoned())?;
            guard
                .get(id)
                .map(|d| d.get("type").cloned().unwrap_or(Value::Null))
        };
        let window = HistoryWindow {
            time_column: query.time_property.column(),
            from: query.window_from.clone(),
            until: query.window_until.clone(),
        };
        let rows = persist::history(&self.inner.db, tenant, id, &window).await?;
        if rows.is_empty() && types.is_none() {
            return Err(NgsiError::not_found(format!(
                "no entity `{id}` in the temporal store"
            )));
        }
        let mut by_attr: Map<String, Value> = Map::new();
        for row in rows {
            if query.attrs.as_ref().is_some_and(|a| !a.contains(&row.attr)) {
                continue;
            }
            let Ok(Value::Object(mut instance)) = serde_json::from_str::<Value>(&row.doc) else {
                continue;
            };
            instance.insert("instanceId".into(), Value::String(row.instance_id));
            instance.insert("createdAt".into(), Value::String(row.created_at));
            instance.insert("modifiedAt".into(), Value::String(row.modified_at));
            by_attr
                .entry(row.attr)
                .or_insert_with(|| Value::Array(Vec::new()))
                .as_array_mut()
                .expect("inserted as array")
                .push(Value::Object(instance));
        }
        let mut out = Map::new();
        out.insert("id".into(), Value::String(id.to_owned()));
        if let Some(Value::Array(types)) = types {
            let compacted: Vec<Value> = types
                .iter()
                .filter_map(Value::as_str)
                .map(|t| Value::String(vocab.compact(t)))
                .collect();
            out.insert(
                "type".into(),
                if compacted.len() == 1 {
                    compacted[0].clone()
                } else {
                    Value::Array(compacted)
                },
            );
        }
        let member = query.time_property.member();
        for (attr, instances) in by_attr {
            let mut instances = instances.as_array().cloned().unwrap_or_default();
            if let Some(n) = query.last_n {
                let skip = instances.len().saturating_sub(n);
                instances.drain(..skip);
            }
            let rendered = if query.temporal_values {
                let kind = instances
                    .first()
                    .and_then(|i| i.get("type"))
                    .cloned()
                    .unwrap_or(Value::Null);
                let values: Vec<Value> = instances
                    .iter()
                    .map(|i| {
                        let v = i
                            .get("value")
                            .or_else(|| i.get("object"))
                            .cloned()
                            .unwrap_or(Value::Null);
                        Value::Array(vec![v, i.get(member).cloned().unwrap_or(Value::Null)])
                    })
                    .collect();
                serde_json::json!({"type": kind, "values": values})
            } else {
                let view = View {
                    sys_attrs: true,
                    ..View::default()
                };
                Value::Array(
                    instances
                        .iter()
                        .filter_map(|i| {
                            render::render_attribute(&Value::Array(vec![i.clone()]), &view, vocab)
                        })
                        .collect(),
                )
            };
            out.insert(vocab.compact(&attr), rendered);
        }
        Ok(Value::Object(out))
    }
}
