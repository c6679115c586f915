//! `/subscriptions` handlers.

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use yuverse_core::time::now_db;

use super::model::Subscription;
use super::registry::Subscriptions;
use crate::error::{NgsiError, NgsiResult};
use crate::http::documents::{created, merge_patch, new_document, page, patch_members, path_id};
use crate::http::recompact;
use crate::http::Contexts;
use crate::http::{accept, parse_query_string, respond, tenant, Caller};
use crate::Twin;

/// The subscription as the API shows it, in the words of the reader's @context.
fn shown(
    contexts: &Contexts,
    s: &Subscription,
    status: &crate::subscriptions::status::Status,
    now: &str,
    ctx: &crate::http::RequestContext,
) -> serde_json::Value {
    recompact::for_reader(
        Subscriptions::render(s, status, now),
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
    let tenant = tenant(&headers)?;
    let mut subscription = Subscription::parse(id, document, ctx.value.clone(), &ctx)?;
    if subscription.notification_context.is_none() {
        let base = crate::http::hosted_base_url(&headers);
        if let Some(url) = contexts.implicit_url(&ctx.value, &base, &tenant).await? {
            subscription.name_context(url);
        }
    }
    let id = twin.subscriptions()?.create(&tenant, subscription).await?;
    Ok(created(format!("/ngsi-ld/v1/subscriptions/{id}")))
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
    let all = twin.subscriptions()?.list(&tenant(&headers)?)?;
    let now = now_db();
    Ok(page(
        &all,
        &paging,
        &uri,
        |(s, status)| shown(&contexts, s, status, &now, &ctx),
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
    let (s, status) = twin.subscriptions()?.get(&tenant(&headers)?, &id)?;
    Ok(respond(
        StatusCode::OK,
        shown(&contexts, &s, &status, &now_db(), &ctx),
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
    let id = path_id(id)?;
    let (_, patch) = contexts.write_request(&twin, actor.as_ref(), &headers, &body, true)?;
    let patch = patch_members(patch, &id)?;
    let tenant = tenant(&headers)?;
    let subscriptions = twin.subscriptions()?;
    let (current, _) = subscriptions.get(&tenant, &id)?;
    let mut document = current.document.clone();
    // An entity subscription cannot be made to expire already (unlike a context source
    // subscription, which the conformance suite's 047_07_02 lets expire so).
    let new_expiry = patch.get("expiresAt").is_some_and(|e| !e.is_null());
    // The members sent replace the stored ones (for_body already removed @context).
    merge_patch(&mut document, patch);
    let vocab = contexts.resolve_value(&current.context)?;
    let updated = Subscription::parse(id, document, current.context.clone(), &vocab)?;
    if new_expiry && updated.expired(&now_db()) {
        return Err(NgsiError::expired_on_creation());
    }
    subscriptions.replace(&tenant, updated).await?;
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
    twin.subscriptions()?
        .delete(&tenant(&headers)?, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
