//! The `/jsonldContexts` endpoints (NGSI-LD clause 5.13): add a hosted context, list stored
//! contexts (URLs, or their metadata with `details=true`, optionally of one `kind`), serve one,
//! and delete one (or download a cached one again with `reload=true`). Hosted and implicitly
//! created contexts belong to the tenant (`NGSILD-Tenant`) that made them.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use yuverse_twin_context::ContextKind;

use super::context::Contexts;
use super::context_sources::{hosted_base_url, HOSTED_PATH};
use super::params::flag;
use super::request::{json_body, tenant};
use crate::error::{NgsiError, NgsiResult};

type Params = Query<HashMap<String, String>>;

/// `POST /jsonldContexts`: hosts a context document; answers where it is served in
/// `Location`, as a path (clients resolve it against the address they used, and the
/// conformance suite takes the local id from what follows the path prefix).
pub async fn add(
    State(contexts): State<Contexts>,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<Response> {
    let document = json_body(&headers, &body, false)?;
    let stored = contexts
        .host(&document, &hosted_base_url(&headers), &tenant(&headers)?)
        .await?;
    let location = format!("{HOSTED_PATH}{}", stored.local_id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)]).into_response())
}

/// `GET /jsonldContexts`: URLs of the stored contexts, or their metadata with `details=true`.
pub async fn list(
    State(contexts): State<Contexts>,
    headers: HeaderMap,
    Query(params): Params,
) -> NgsiResult<Response> {
    let kind = match params.get("kind") {
        None => None,
        Some(k) => Some(ContextKind::parse(k).ok_or_else(|| {
            NgsiError::bad_data(format!(
                "kind must be Hosted, Cached or ImplicitlyCreated, not `{k}`"
            ))
        })?),
    };
    let stored = contexts.list(kind, &tenant(&headers)?);
    let body: Vec<Value> = if flag(&params, "details")? {
        stored.iter().map(|s| s.metadata()).collect()
    } else {
        stored.into_iter().map(|s| Value::String(s.url)).collect()
    };
    Ok(axum::Json(body).into_response())
}

/// `GET /jsonldContexts/{id}`: the document of a hosted or implicitly created context, or the
/// metadata of any stored one with `details=true`.
pub async fn serve(
    State(contexts): State<Contexts>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(params): Params,
) -> NgsiResult<Response> {
    let stored = contexts
        .find(&id, &tenant(&headers)?)
        .ok_or_else(|| NgsiError::not_found(format!("no @context `{id}`")))?;
    if flag(&params, "details")? {
        return Ok(axum::Json(stored.metadata()).into_response());
    }
    if !stored.kind.is_served() {
        return Err(NgsiError::new(
            crate::error::ErrorKind::OperationNotSupported,
            "a Cached @context is not served; ask for details=true",
        ));
    }
    // Clause 5.13.4.4 serves the document as plain JSON (the conformance suite checks it).
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        stored.document.to_string(),
    )
        .into_response())
}

/// `DELETE /jsonldContexts/{id}[?reload=true]`.
pub async fn remove(
    State(contexts): State<Contexts>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(params): Params,
) -> NgsiResult<StatusCode> {
    contexts
        .remove(&id, flag(&params, "reload")?, &tenant(&headers)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
