//! `/temporal/entities/{id}`: an entity's attribute history.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::context::Contexts;
use super::entities::respond;
use super::params::parse_query_string;
use super::request::{accept, tenant};
use crate::domain::Vocabulary;
use crate::error::{NgsiError, NgsiResult};
use crate::service::temporal::TimeProperty;
use crate::service::TemporalQuery;
use crate::Twin;

fn time(p: &std::collections::HashMap<String, String>, name: &str) -> NgsiResult<Option<String>> {
    p.get(name)
        .map(|v| {
            yuverse_core::time::parse_rfc3339(v)
                .map(yuverse_core::time::to_db)
                .ok_or_else(|| {
                    NgsiError::bad_data(format!("`{name}` must be an RFC 3339 date-time"))
                })
        })
        .transpose()
}

pub async fn retrieve(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> NgsiResult<Response> {
    let repr = accept(&headers, false)?;
    let ctx = contexts.for_read(&headers)?;
    let p = parse_query_string(raw.as_deref())?;
    let time_at = time(&p, "timeAt")?;
    let end = time(&p, "endTimeAt")?;
    let (from, until) = match p.get("timerel").map(String::as_str) {
        None if time_at.is_none() => (None, None),
        None => return Err(NgsiError::bad_data("timeAt needs timerel")),
        Some(_) if time_at.is_none() => return Err(NgsiError::bad_data("timerel needs timeAt")),
        Some("before") => (None, time_at),
        Some("after") => (time_at, None),
        Some("between") => match end {
            Some(end) if Some(&end) > time_at.as_ref() => (time_at, Some(end)),
            Some(_) => return Err(NgsiError::bad_data("endTimeAt must be after timeAt")),
            None => return Err(NgsiError::bad_data("timerel=between needs endTimeAt")),
        },
        Some(other) => {
            return Err(NgsiError::bad_data(format!(
                "timerel `{other}`: use before, after or between"
            )))
        }
    };
    let last_n = p
        .get("lastN")
        .map(|n| {
            n.parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| NgsiError::bad_data("lastN must be a positive integer"))
        })
        .transpose()?;
    let options: Vec<&str> = p
        .get("options")
        .map(|o| o.split(',').collect())
        .unwrap_or_default();
    let query = TemporalQuery {
        window_from: from,
        window_until: until,
        time_property: p
            .get("timeproperty")
            .map(|t| TimeProperty::parse(t))
            .transpose()?
            .unwrap_or_default(),
        last_n,
        attrs: p
            .get("attrs")
            .map(|a| a.split(',').map(|n| ctx.expand(n)).collect()),
        temporal_values: options.contains(&"temporalValues")
            || p.get("format").is_some_and(|f| f == "temporalValues"),
    };
    let body = twin
        .temporal_entity(&tenant(&headers)?, &id, &query, &ctx)
        .await?;
    Ok(respond(StatusCode::OK, body, repr, &ctx))
}
