//! `/entityOperations/create|upsert|update|merge|delete`: 201/204 when every entity succeeds,
//! 207 with `{success, errors[{entityId, error}]}` otherwise.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use std::collections::HashMap;

use super::context::Contexts;
use super::distributed_batch::{self, BatchWrite};
use super::params::parse_query_string;
use super::request::{content_type, json_body, tenant, Caller};
use crate::error::{NgsiError, NgsiResult};
use crate::service::batch::{BatchError, BatchOp};
use crate::service::BatchResult;
use crate::Twin;

fn multi_status(result: &BatchResult) -> Response {
    let body = json!({
        "success": result.success,
        "errors": result.errors.iter().map(entity_error).collect::<Vec<_>>(),
    });
    (
        StatusCode::MULTI_STATUS,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// A BatchEntityError (clause 5.2.17): `registrationId` names the context source that refused
/// the entity, when one did.
fn entity_error(error: &BatchError) -> Value {
    let mut entry = json!({"entityId": error.entity_id, "error": error.error.problem()});
    if let Some(registration) = &error.registration_id {
        entry["registrationId"] = json!(registration);
    }
    entry
}

fn option(params: &HashMap<String, String>, name: &str) -> bool {
    params
        .get("options")
        .is_some_and(|o| o.split(',').any(|x| x == name))
}

/// One batch request as the handler received it.
struct Request<'a> {
    actor: Option<&'a yuverse_core::Actor>,
    headers: &'a HeaderMap,
    params: &'a HashMap<String, String>,
    body: &'a Bytes,
}

async fn run(
    twin: &Twin,
    contexts: &Contexts,
    request: Request<'_>,
    op: BatchOp,
    write: BatchWrite,
) -> NgsiResult<BatchResult> {
    let Request {
        actor,
        headers,
        params,
        body,
    } = request;
    twin.authorize_write(actor)?;
    let body = json_body(headers, body, false)?;
    let (body, positions, refused) = refuse_misplaced_contexts(headers, body);
    let mut result = if positions.is_empty() && !refused.is_empty() {
        BatchResult::default()
    } else {
        let (ctx, body) = contexts.for_body(headers, body)?;
        let tenant = tenant(headers)?;
        let (twin, tenant_ref, ctx_ref) = (twin, tenant.as_str(), &ctx);
        distributed_batch::batch(
            twin,
            tenant_ref,
            ctx_ref,
            (params, headers),
            write,
            body,
            |kept| async move { twin.batch(tenant_ref, op, &kept, ctx_ref).await },
        )
        .await?
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
            registration_id: None,
        });
    }
    (Value::Array(kept), positions, refused)
}

/// The parts of a batch request every handler takes.
type Parts = (
    State<Twin>,
    State<Contexts>,
    Caller,
    RawQuery,
    HeaderMap,
    Bytes,
);

/// Runs batch operation `op` (`write` names it to context sources) on a request's parts.
async fn run_parts(
    parts: Parts,
    op: impl FnOnce(&HashMap<String, String>) -> BatchOp,
    write: BatchWrite,
) -> NgsiResult<BatchResult> {
    let (State(twin), State(contexts), Caller(actor), RawQuery(raw), headers, body) = parts;
    let params = parse_query_string(raw.as_deref())?;
    let request = Request {
        actor: actor.as_ref(),
        headers: &headers,
        params: &params,
        body: &body,
    };
    run(&twin, &contexts, request, op(&params), write).await
}

fn no_content_or_multi_status(result: &BatchResult) -> Response {
    if result.errors.is_empty() {
        StatusCode::NO_CONTENT.into_response()
    } else {
        multi_status(result)
    }
}

pub async fn create(
    twin: State<Twin>,
    contexts: State<Contexts>,
    caller: Caller,
    raw: RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<Response> {
    let write = BatchWrite {
        operation: "createBatch",
        path: "entityOperations/create",
    };
    let parts = (twin, contexts, caller, raw, headers, body);
    let result = run_parts(parts, |_| BatchOp::Create, write).await?;
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
    twin: State<Twin>,
    contexts: State<Contexts>,
    caller: Caller,
    raw: RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<Response> {
    let write = BatchWrite {
        operation: "upsertBatch",
        path: "entityOperations/upsert",
    };
    let parts = (twin, contexts, caller, raw, headers, body);
    let op = |p: &HashMap<String, String>| BatchOp::Upsert {
        replace: !option(p, "update"),
    };
    let result = run_parts(parts, op, write).await?;
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
    twin: State<Twin>,
    contexts: State<Contexts>,
    caller: Caller,
    raw: RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<Response> {
    let write = BatchWrite {
        operation: "updateBatch",
        path: "entityOperations/update",
    };
    let parts = (twin, contexts, caller, raw, headers, body);
    let op = |p: &HashMap<String, String>| BatchOp::Update {
        no_overwrite: option(p, "noOverwrite"),
    };
    Ok(no_content_or_multi_status(
        &run_parts(parts, op, write).await?,
    ))
}

pub async fn merge(
    twin: State<Twin>,
    contexts: State<Contexts>,
    caller: Caller,
    raw: RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<Response> {
    let write = BatchWrite {
        operation: "mergeBatch",
        path: "entityOperations/merge",
    };
    let parts = (twin, contexts, caller, raw, headers, body);
    let result = run_parts(parts, |_| BatchOp::Merge, write).await?;
    Ok(no_content_or_multi_status(&result))
}

pub async fn delete(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Caller(actor): Caller,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<Response> {
    twin.authorize_write(actor.as_ref())?;
    let params = parse_query_string(raw.as_deref())?;
    let body = json_body(&headers, &body, false)?;
    let ctx = contexts.for_read(&headers)?;
    let tenant = tenant(&headers)?;
    let write = BatchWrite {
        operation: "deleteBatch",
        path: "entityOperations/delete",
    };
    let (twin_ref, tenant_ref) = (&twin, tenant.as_str());
    let result = distributed_batch::batch(
        twin_ref,
        tenant_ref,
        &ctx,
        (&params, &headers),
        write,
        body,
        |ids| async move { twin_ref.batch_delete(tenant_ref, &ids).await },
    )
    .await?;
    Ok(no_content_or_multi_status(&result))
}
