//! The `/jsonldContexts` endpoints (NGSI-LD clause 5.13): add a hosted context, list stored
//! contexts (URLs, or their metadata with `details=true`, optionally of one `kind`), serve one,
//! and delete one (or download a cached one again with `reload=true`).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use yuverse_twin_context::ContextKind;

use super::context::Contexts;
use super::context_sources::HOSTED_PATH;
use super::params::flag;
use super::request::json_body;
use crate::error::{NgsiError, NgsiResult};

type Params = Query<HashMap<String, String>>;

/// `POST /jsonldContexts`: hosts a context document; answers its URL in `Location`.
pub async fn add(
    State(contexts): State<Contexts>,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<Response> {
    let document = json_body(&headers, &body, false)?;
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let stored = contexts
        .host(&document, &format!("http://{host}{HOSTED_PATH}"))
        .await?;
    Ok((StatusCode::CREATED, [(header::LOCATION, stored.url)]).into_response())
}

/// `GET /jsonldContexts`: URLs of the stored contexts, or their metadata with `details=true`.
pub async fn list(State(contexts): State<Contexts>, Query(params): Params) -> NgsiResult<Response> {
    let kind = match params.get("kind") {
        None => None,
        Some(k) => Some(ContextKind::parse(k).ok_or_else(|| {
            NgsiError::bad_data(format!(
                "kind must be Hosted, Cached or ImplicitlyCreated, not `{k}`"
            ))
        })?),
    };
    let stored = contexts.cache().list(kind);
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
    Query(params): Params,
) -> NgsiResult<Response> {
    if flag(&params, "details")? {
        let stored = contexts
            .cache()
            .get(&id)
            .ok_or_else(|| NgsiError::not_found(format!("no @context `{id}`")))?;
        return Ok(axum::Json(stored.metadata()).into_response());
    }
    let document = contexts
        .cache()
        .serve(&id)
        .map_err(|e| contexts.store_error(e))?;
    Ok((
        [(header::CONTENT_TYPE, "application/ld+json")],
        document.to_string(),
    )
        .into_response())
}

/// `DELETE /jsonldContexts/{id}[?reload=true]`.
pub async fn remove(
    State(contexts): State<Contexts>,
    Path(id): Path<String>,
    Query(params): Params,
) -> NgsiResult<StatusCode> {
    contexts.remove(&id, flag(&params, "reload")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
