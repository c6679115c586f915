//! `/entityOperations/create|upsert|update|merge|delete`: 201/204 when every entity succeeds,
//! 207 with `{success, errors[{entityId, error}]}` otherwise.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::context::Contexts;
use super::params::parse_query_string;
use super::request::{json_body, tenant, Caller};
use crate::error::NgsiResult;
use crate::service::batch::BatchOp;
use crate::service::BatchResult;
use crate::Twin;

fn multi_status(result: &BatchResult) -> Response {
    let body = json!({
        "success": result.success,
        "errors": result.errors.iter().map(|e| json!({"entityId": e.entity_id, "error": e.error.problem()})).collect::<Vec<_>>(),
    });
    (
        StatusCode::MULTI_STATUS,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn option(raw: Option<&str>, name: &str) -> NgsiResult<bool> {
    let p = parse_query_string(raw)?;
    Ok(p.get("options")
        .is_some_and(|o| o.split(',').any(|x| x == name)))
}

async fn run(
    twin: &Twin,
    contexts: &Contexts,
    actor: Option<&yuverse_core::Actor>,
    headers: &HeaderMap,
    body: &Bytes,
    op: BatchOp,
) -> NgsiResult<BatchResult> {
    let (ctx, body) = contexts.write_request(twin, actor, headers, body, false)?;
    twin.batch(&tenant(headers)?, op, &body, &ctx).await
}

pub async fn create(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Caller(actor): Caller,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<Response> {
    let result = run(
        &twin,
        &contexts,
        actor.as_ref(),
        &headers,
        &body,
        BatchOp::Create,
    )
    .await?;
    if result.errors.is_empty() {
        return Ok((
            StatusCode::CREATED,
            [(header::CONTENT_TYPE, "application/json")],
            json!(result.success).to_string(),
        )
            .into_response());
    }
    Ok(multi_status(&result))
}

pub async fn upsert(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Caller(actor): Caller,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<Response> {
    let replace = !option(raw.as_deref(), "update")?;
    let result = run(
        &twin,
        &contexts,
        actor.as_ref(),
        &headers,
        &body,
        BatchOp::Upsert { replace },
    )
    .await?;
    if !result.errors.is_empty() {
        return Ok(multi_status(&result));
    }
    if result.created.is_empty() {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok((
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/json")],
        json!(result.created).to_string(),
    )
        .into_response())
}

pub async fn update(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Caller(actor): Caller,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<Response> {
    let no_overwrite = option(raw.as_deref(), "noOverwrite")?;
    let result = run(
        &twin,
        &contexts,
        actor.as_ref(),
        &headers,
        &body,
        BatchOp::Update { no_overwrite },
    )
    .await?;
    Ok(if result.errors.is_empty() {
        StatusCode::NO_CONTENT.into_response()
    } else {
        multi_status(&result)
    })
}

pub async fn merge(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Caller(actor): Caller,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<Response> {
    let result = run(
        &twin,
        &contexts,
        actor.as_ref(),
        &headers,
        &body,
        BatchOp::Merge,
    )
    .await?;
    Ok(if result.errors.is_empty() {
        StatusCode::NO_CONTENT.into_response()
    } else {
        multi_status(&result)
    })
}

pub async fn delete(
    State(twin): State<Twin>,
    Caller(actor): Caller,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<Response> {
    twin.authorize_write(actor.as_ref())?;
    let body = json_body(&headers, &body, false)?;
    let result = twin.batch_delete(&tenant(&headers)?, &body).await?;
    Ok(if result.errors.is_empty() {
        StatusCode::NO_CONTENT.into_response()
    } else {
        multi_status(&result)
    })
}
