//! `/subscriptions` handlers.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::model::Subscription;
use super::registry::Subscriptions;
use crate::error::{NgsiError, NgsiResult};
use crate::http::Contexts;
use crate::http::{accept, parse_query_string, respond, tenant, Caller};
use crate::Twin;

fn now() -> String {
    yuverse_core::time::to_db(yuverse_core::time::now())
}

pub async fn create(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Caller(actor): Caller,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<Response> {
    let (ctx, body) = contexts.write_request(&twin, actor.as_ref(), &headers, &body, false)?;
    let Value::Object(document) = body else {
        return Err(NgsiError::bad_data("a subscription must be a JSON object"));
    };
    let id = match document.get("id") {
        None => format!("urn:ngsi-ld:Subscription:{}", uuid::Uuid::now_v7()),
        Some(Value::String(id)) if crate::domain::attribute::is_uri(id) => id.clone(),
        Some(_) => return Err(NgsiError::bad_data("the subscription id must be a URI")),
    };
    let subscription = Subscription::parse(id, document, ctx.value.clone(), &ctx)?;
    if subscription.expired(&now()) {
        return Err(NgsiError::bad_data("expiresAt must be in the future"));
    }
    let id = twin
        .subscriptions()?
        .create(&tenant(&headers)?, subscription)
        .await?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/ngsi-ld/v1/subscriptions/{id}"))],
    )
        .into_response())
}

pub async fn list(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> NgsiResult<Response> {
    let repr = accept(&headers, false)?;
    let ctx = contexts.for_read(&headers)?;
    let p = parse_query_string(raw.as_deref())?;
    let paging = crate::http::paging(&p, twin.config())?;
    let all = twin.subscriptions()?.list(&tenant(&headers)?)?;
    let now = now();
    let page: Vec<Value> = all
        .iter()
        .skip(paging.offset)
        .take(paging.limit)
        .map(|(s, status)| Subscriptions::render(s, status, &now))
        .collect();
    let mut response = respond(StatusCode::OK, Value::Array(page), repr, &ctx);
    if paging.count {
        response
            .headers_mut()
            .insert("ngsild-results-count", all.len().into());
    }
    Ok(response)
}

pub async fn retrieve(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> NgsiResult<Response> {
    let repr = accept(&headers, false)?;
    let ctx = contexts.for_read(&headers)?;
    let (s, status) = twin.subscriptions()?.get(&tenant(&headers)?, &id)?;
    Ok(respond(
        StatusCode::OK,
        Subscriptions::render(&s, &status, &now()),
        repr,
        &ctx,
    ))
}

/// PATCH: the members sent replace those of the subscription.
pub async fn update(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<StatusCode> {
    let (_, patch) = contexts.write_request(&twin, actor.as_ref(), &headers, &body, true)?;
    let tenant = tenant(&headers)?;
    let subscriptions = twin.subscriptions()?;
    let (current, _) = subscriptions.get(&tenant, &id)?;
    let Value::Object(patch) = patch else {
        return Err(NgsiError::bad_data("the update must be a JSON object"));
    };
    if patch
        .get("id")
        .and_then(Value::as_str)
        .is_some_and(|p| p != id)
    {
        return Err(NgsiError::bad_data("the id cannot change"));
    }
    let mut document = current.document.clone();
    // The members sent replace the stored ones (for_body already removed @context).
    document.extend(patch);
    let vocab = contexts.resolve_value(&current.context)?;
    let updated = Subscription::parse(id, document, current.context.clone(), &vocab)?;
    subscriptions.replace(&tenant, updated).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete(
    State(twin): State<Twin>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> NgsiResult<StatusCode> {
    twin.authorize_write(actor.as_ref())?;
    twin.subscriptions()?
        .delete(&tenant(&headers)?, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
