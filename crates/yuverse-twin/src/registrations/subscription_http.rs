//! `/csourceSubscriptions` handlers (clause 6.10), shaped as those of `/subscriptions`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::CsourceSubscription;
use crate::domain::attribute::is_uri;
use crate::error::{NgsiError, NgsiResult};
use crate::http::Contexts;
use crate::http::{accept, parse_query_string, respond, tenant, Caller};
use crate::subscriptions::status::Status;
use crate::subscriptions::Subscriptions;
use crate::Twin;

fn now() -> String {
    yuverse_core::time::to_db(yuverse_core::time::now())
}

/// The subscription as the API shows it: as entity subscriptions are, with its status.
fn render(subscription: &CsourceSubscription, now: &str) -> Value {
    let status = subscription
        .status
        .lock()
        .map(|s| s.clone())
        .unwrap_or_default();
    Subscriptions::render(&subscription.subscription, &status, now)
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
        Some(Value::String(id)) if is_uri(id) => id.clone(),
        Some(_) => return Err(NgsiError::bad_data("the subscription id must be a URI")),
    };
    let subscription =
        CsourceSubscription::parse(id, document, ctx.value.clone(), &ctx, Status::default())?;
    if subscription.subscription.expired(&now()) {
        return Err(NgsiError::bad_data("expiresAt must be in the future"));
    }
    let id = twin
        .registrations()?
        .subscribe(&tenant(&headers)?, subscription)
        .await?;
    Ok((
        StatusCode::CREATED,
        [(
            header::LOCATION,
            format!("/ngsi-ld/v1/csourceSubscriptions/{id}"),
        )],
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
    let all = twin.registrations()?.subscriptions(&tenant(&headers)?)?;
    let now = now();
    let page: Vec<Value> = all
        .iter()
        .skip(paging.offset)
        .take(paging.limit)
        .map(|s| render(s, &now))
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
    let subscription = twin
        .registrations()?
        .subscription(&tenant(&headers)?, &id)?;
    Ok(respond(
        StatusCode::OK,
        render(&subscription, &now()),
        repr,
        &ctx,
    ))
}

/// PATCH: the members sent replace those of the subscription; its status goes on.
pub async fn update(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<StatusCode> {
    let (_, patch) = contexts.write_request(&twin, actor.as_ref(), &headers, &body, true)?;
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
    let tenant = tenant(&headers)?;
    let registrations = twin.registrations()?;
    let current = registrations.subscription(&tenant, &id)?;
    let mut document = current.subscription.document.clone();
    document.extend(patch);
    let context = current.subscription.context.clone();
    let vocab = contexts.resolve_value(&context)?;
    let status = current.status.lock().map(|s| s.clone()).unwrap_or_default();
    let updated = CsourceSubscription::parse(id, document, context, &vocab, status)?;
    registrations.replace_subscription(&tenant, updated).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete(
    State(twin): State<Twin>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> NgsiResult<StatusCode> {
    twin.authorize_write(actor.as_ref())?;
    twin.registrations()?
        .unsubscribe(&tenant(&headers)?, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
