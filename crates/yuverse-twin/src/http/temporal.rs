//! `/temporal/entities…` and `/temporal/entityOperations/query`: the temporal evolution of
//! entities, read (one entity, or a query over many) and written instance by instance.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::context::{Contexts, RequestContext};
use super::entities::{paging_links, respond};
use super::params::{self, flag, has_selector, parse_query_string};
use super::query_body::{self, QueryBody};
use super::request::{accept, json_body, tenant, Caller};
use super::temporal_params::{temporal_q_params, temporal_query};
use crate::error::{NgsiError, NgsiResult};
use crate::service::TemporalPage;
use crate::store::memory::EntityMatch;
use crate::store::persist::HistoryDataset;
use crate::Twin;

/// 200, or 206 with `Content-Range` when the instance limit cut the answer.
fn temporal_response(
    page: TemporalPage,
    body: Value,
    headers: &HeaderMap,
    ctx: &RequestContext,
) -> NgsiResult<Response> {
    let repr = accept(headers, false)?;
    let status = if page.range.is_some() {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let mut response = respond(status, body, repr, ctx);
    if let Some(range) = &page.range {
        if let Ok(v) = HeaderValue::from_str(&range.header()) {
            response.headers_mut().insert(header::CONTENT_RANGE, v);
        }
    }
    Ok(response)
}

pub async fn retrieve(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> NgsiResult<Response> {
    accept(&headers, false)?;
    let ctx = contexts.for_read(&headers)?;
    let p = parse_query_string(raw.as_deref())?;
    let query = temporal_query(&p, &ctx)?;
    let mut page = twin
        .temporal_entity(&tenant(&headers)?, &id, &query, &ctx)
        .await?;
    let body = page.entities.pop().unwrap_or(Value::Null);
    temporal_response(page, body, &headers, &ctx)
}

/// A temporal query; `any_of` holds the entity selectors of a Query body that has several.
async fn run_query(
    twin: &Twin,
    ctx: &RequestContext,
    headers: &HeaderMap,
    (p, any_of): (&HashMap<String, String>, Vec<EntityMatch>),
    uri: &axum::http::Uri,
) -> NgsiResult<Response> {
    accept(headers, false)?;
    let p = &*params::type_wildcard(p)?;
    let mut selector = params::selector(p, ctx)?;
    selector.any_of = any_of;
    if !has_selector(&selector) && !flag(p, "local")? {
        return Err(NgsiError::bad_data(
            "a temporal query needs at least one of id, idPattern, type, attrs, q, a geo-query or local=true",
        ));
    }
    // The temporal API has no join: a `q` into linked entities cannot be answered
    // (clause 5.7.4.4).
    if selector.q.as_ref().is_some_and(|q| q.linked_depth() > 0) {
        return Err(NgsiError::bad_data(
            "q: a temporal query cannot follow Relationships into linked entities (rel{attr})",
        ));
    }
    let query = temporal_query(p, ctx)?;
    let paging = params::paging(p, twin.config())?;
    let mut page = twin
        .temporal_query(
            &tenant(headers)?,
            selector,
            &query,
            (paging.offset, paging.limit, paging.count),
            ctx,
        )
        .await?;
    let returned = page.entities.len();
    let total = page.total;
    let body = Value::Array(std::mem::take(&mut page.entities));
    let mut response = temporal_response(page, body, headers, ctx)?;
    if let Some(total) = total {
        response
            .headers_mut()
            .insert("ngsild-results-count", HeaderValue::from(total as u64));
    }
    for link in paging_links(uri, paging.offset, paging.limit, returned, total) {
        if let Ok(v) = HeaderValue::from_str(&link) {
            response.headers_mut().append(header::LINK, v);
        }
    }
    Ok(response)
}

/// `GET /temporal/entities`.
pub async fn query(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    RawQuery(raw): RawQuery,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> NgsiResult<Response> {
    let ctx = contexts.for_read(&headers)?;
    let p = parse_query_string(raw.as_deref())?;
    run_query(&twin, &ctx, &headers, (&p, Vec::new()), &uri).await
}

/// `POST /temporal/entityOperations/query`: a Query body with `temporalQ`.
pub async fn query_post(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    RawQuery(raw): RawQuery,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<Response> {
    let (ctx, body) = contexts.for_body(&headers, json_body(&headers, &body, false)?)?;
    let QueryBody { mut params, any_of } = query_body::parse(&body, &ctx, true)?;
    temporal_q_params(&body, &mut params)?;
    for (k, v) in parse_query_string(raw.as_deref())? {
        params.entry(k).or_insert(v);
    }
    run_query(&twin, &ctx, &headers, (&params, any_of), &uri).await
}

/// `POST /temporal/entities`: 201 when the temporal representation is new, else 204.
pub async fn create(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Caller(actor): Caller,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<Response> {
    let (ctx, body) = contexts.write_request(&twin, actor.as_ref(), &headers, &body, false)?;
    let created = twin
        .temporal_upsert(&tenant(&headers)?, &body, &ctx)
        .await?;
    if !created {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let id = body.get("id").and_then(Value::as_str).unwrap_or_default();
    let location = format!("/ngsi-ld/v1/temporal/entities/{id}");
    Ok((StatusCode::CREATED, [(header::LOCATION, location)]).into_response())
}

/// `POST /temporal/entities/{id}/attrs`.
pub async fn append(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<StatusCode> {
    let (ctx, body) = contexts.write_request(&twin, actor.as_ref(), &headers, &body, false)?;
    twin.temporal_append(&tenant(&headers)?, &id, &body, &ctx)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /temporal/entities/{id}`.
pub async fn delete_entity(
    State(twin): State<Twin>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> NgsiResult<StatusCode> {
    twin.authorize_write(actor.as_ref())?;
    twin.temporal_delete(&tenant(&headers)?, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /temporal/entities/{id}/attrs/{attr}` (`datasetId`, `deleteAll`).
pub async fn delete_attribute(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Caller(actor): Caller,
    Path((id, attr)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> NgsiResult<StatusCode> {
    twin.authorize_write(actor.as_ref())?;
    let ctx = contexts.for_read(&headers)?;
    let p = parse_query_string(raw.as_deref())?;
    let all = flag(&p, "deleteAll")?;
    let dataset = match (all, p.get("datasetId")) {
        (true, Some(_)) => {
            return Err(NgsiError::bad_data(
                "give either datasetId or deleteAll=true, not both",
            ))
        }
        (true, None) => HistoryDataset::All,
        (false, Some(d)) => HistoryDataset::Id(d.clone()),
        (false, None) => HistoryDataset::Default,
    };
    twin.temporal_delete_attribute(&tenant(&headers)?, &id, &attr, &ctx, dataset)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PATCH /temporal/entities/{id}/attrs/{attr}/{instanceId}`.
pub async fn modify_instance(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Caller(actor): Caller,
    Path((id, attr, instance)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<StatusCode> {
    let (ctx, body) = contexts.write_request(&twin, actor.as_ref(), &headers, &body, true)?;
    twin.temporal_modify_instance(&tenant(&headers)?, (&id, &attr, &instance), &body, &ctx)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /temporal/entities/{id}/attrs/{attr}/{instanceId}`.
pub async fn delete_instance(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Caller(actor): Caller,
    Path((id, attr, instance)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> NgsiResult<StatusCode> {
    twin.authorize_write(actor.as_ref())?;
    let ctx = contexts.for_read(&headers)?;
    twin.temporal_delete_instance(&tenant(&headers)?, (&id, &attr, &instance), &ctx)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
