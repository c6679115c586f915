//! `/entityOperations/create|upsert|update|merge|delete`: 201/204 when every entity succeeds,
//! 207 with `{success, errors[{entityId, error}]}` otherwise.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::context::Contexts;
use super::params::parse_query_string;
use super::request::{content_type, json_body, tenant, Caller};
use crate::error::{NgsiError, NgsiResult};
use crate::service::batch::{BatchError, BatchOp};
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
    twin.authorize_write(actor)?;
    let body = json_body(headers, body, false)?;
    let (body, positions, refused) = refuse_misplaced_contexts(headers, body);
    let mut result = if positions.is_empty() && !refused.is_empty() {
        BatchResult::default()
    } else {
        let (ctx, body) = contexts.for_body(headers, body)?;
        twin.batch(&tenant(headers)?, op, &body, &ctx).await?
    };
    for error in &mut result.errors {
        error.index = positions.get(error.index).copied().unwrap_or(error.index);
    }
    result.errors.extend(refused);
    result.errors.sort_by_key(|e| e.index);
    Ok(result)
}

/// Takes out of a batch the entities whose @context is in the wrong place for the request's
/// content type (clause 6.3.5): one in an `application/json` batch (its context belongs in
/// `Link`), or one missing from an `application/ld+json` batch. Each fails on its own, as a
/// batch's entities do; the others go on, with their positions in the request (for the
/// answer's order).
fn refuse_misplaced_contexts(
    headers: &HeaderMap,
    body: Value,
) -> (Value, Vec<usize>, Vec<BatchError>) {
    let Value::Array(items) = body else {
        return (body, Vec::new(), Vec::new());
    };
    let ld = content_type(headers).as_deref() == Some("application/ld+json");
    let mut kept = Vec::with_capacity(items.len());
    let mut positions = Vec::with_capacity(items.len());
    let mut refused = Vec::new();
    for (index, item) in items.into_iter().enumerate() {
        let has_context = item.get("@context").is_some();
        let why = match (ld, has_context) {
            (true, false) => "an application/ld+json entity needs its @context",
            (false, true) if item.is_object() => {
                "an application/json entity cannot carry @context: give it in the Link header"
            }
            _ => {
                kept.push(item);
                positions.push(index);
                continue;
            }
        };
        refused.push(BatchError {
            index,
            entity_id: item
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            error: NgsiError::bad_data(why),
        });
    }
    (Value::Array(kept), positions, refused)
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
