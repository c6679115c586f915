//! `/csourceSubscriptions` handlers (clause 6.10), shaped as those of `/subscriptions`.

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::Value;
use yuverse_core::time::now_db;

use super::CsourceSubscription;
use crate::error::NgsiResult;
use crate::http::documents::{created, merge_patch, new_document, page, patch_members, path_id};
use crate::http::recompact;
use crate::http::{accept, parse_query_string, respond, tenant, Caller};
use crate::http::{Contexts, RequestContext};
use crate::subscriptions::status::Status;
use crate::subscriptions::Subscriptions;
use crate::Twin;

/// The subscription as the API shows it: as entity subscriptions are, with its status (but
/// no `notificationTrigger`, which context source subscriptions do not have).
fn render(
    subscription: &CsourceSubscription,
    now: &str,
    ctx: &RequestContext,
    contexts: &Contexts,
) -> Value {
    let status = subscription
        .status
        .lock()
        .map(|s| s.clone())
        .unwrap_or_default();
    let s = &subscription.subscription;
    recompact::for_reader(
        Subscriptions::render_with_status(s, &status, now),
        &s.context,
        ctx,
        contexts,
        recompact::subscription,
    )
}

pub async fn create(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Caller(actor): Caller,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<Response> {
    let (ctx, body) = contexts.write_request(&twin, actor.as_ref(), &headers, &body, false)?;
    let (id, document) = new_document(body, "subscription", "Subscription")?;
    let subscription =
        CsourceSubscription::parse(id, document, ctx.value.clone(), &ctx, Status::default())?;
    let id = twin
        .registrations()?
        .subscribe(&tenant(&headers)?, subscription)
        .await?;
    Ok(created(format!("/ngsi-ld/v1/csourceSubscriptions/{id}")))
}

pub async fn list(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    RawQuery(raw): RawQuery,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> NgsiResult<Response> {
    let repr = accept(&headers, false)?;
    let ctx = contexts.for_read(&headers)?;
    let p = parse_query_string(raw.as_deref())?;
    let paging = crate::http::paging(&p, twin.config())?;
    let all = twin.registrations()?.subscriptions(&tenant(&headers)?)?;
    let now = now_db();
    Ok(page(
        &all,
        &paging,
        &uri,
        |s| render(s, &now, &ctx, &contexts),
        repr,
        &ctx,
    ))
}

pub async fn retrieve(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> NgsiResult<Response> {
    let id = path_id(id)?;
    let repr = accept(&headers, false)?;
    let ctx = contexts.for_read(&headers)?;
    let subscription = twin
        .registrations()?
        .subscription(&tenant(&headers)?, &id)?;
    Ok(respond(
        StatusCode::OK,
        render(&subscription, &now_db(), &ctx, &contexts),
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
    let id = path_id(id)?;
    let (_, patch) = contexts.write_request(&twin, actor.as_ref(), &headers, &body, true)?;
    let patch = patch_members(patch, &id)?;
    let tenant = tenant(&headers)?;
    let registrations = twin.registrations()?;
    let current = registrations.subscription(&tenant, &id)?;
    let mut document = current.subscription.document.clone();
    merge_patch(&mut document, patch);
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
    let id = path_id(id)?;
    twin.authorize_write(actor.as_ref())?;
    twin.registrations()?
        .unsubscribe(&tenant(&headers)?, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
