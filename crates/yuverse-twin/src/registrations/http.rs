//! `/csourceRegistrations` handlers (clause 6.8).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::{Discovery, Registration, Registrations};
use crate::domain::attribute::is_uri;
use crate::error::{NgsiError, NgsiResult};
use crate::http::Contexts;
use crate::http::{accept, parse_query_string, respond, tenant, Caller};
use crate::Twin;

/// `options=sysAttrs` (the only option of registration reads).
fn sys_attrs(p: &HashMap<String, String>) -> NgsiResult<bool> {
    let mut sys_attrs = false;
    for option in p
        .get("options")
        .into_iter()
        .flat_map(|o| o.split(','))
        .map(str::trim)
        .filter(|o| !o.is_empty())
    {
        match option {
            "sysAttrs" => sys_attrs = true,
            other => {
                return Err(NgsiError::bad_data(format!(
                    "unknown option `{other}` (registrations know sysAttrs)"
                )))
            }
        }
    }
    Ok(sys_attrs)
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
        return Err(NgsiError::bad_data("a registration must be a JSON object"));
    };
    let id = match document.get("id") {
        None => format!(
            "urn:ngsi-ld:ContextSourceRegistration:{}",
            uuid::Uuid::now_v7()
        ),
        Some(Value::String(id)) if is_uri(id) => id.clone(),
        Some(_) => return Err(NgsiError::bad_data("the registration id must be a URI")),
    };
    let registration = Registration::parse(id, document, ctx.value.clone(), &ctx)?;
    if registration.expired(&yuverse_core::time::to_db(yuverse_core::time::now())) {
        return Err(NgsiError::bad_data("expiresAt must be in the future"));
    }
    let id = twin
        .registrations()?
        .create(&tenant(&headers)?, registration)
        .await?;
    Ok((
        StatusCode::CREATED,
        [(
            header::LOCATION,
            format!("/ngsi-ld/v1/csourceRegistrations/{id}"),
        )],
    )
        .into_response())
}

/// `GET /csourceRegistrations`: discovery, paged like entity queries.
pub async fn query(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> NgsiResult<Response> {
    let repr = accept(&headers, false)?;
    let ctx = contexts.for_read(&headers)?;
    let p = parse_query_string(raw.as_deref())?;
    let paging = crate::http::paging(&p, twin.config())?;
    let sys_attrs = sys_attrs(&p)?;
    let discovery = Discovery::parse(&p, &ctx)?;
    let found = twin
        .registrations()?
        .discover(&tenant(&headers)?, &discovery)?;
    let page: Vec<Value> = found
        .iter()
        .skip(paging.offset)
        .take(paging.limit)
        .map(|s| Registrations::render(s, sys_attrs))
        .collect();
    let mut response = respond(StatusCode::OK, Value::Array(page), repr, &ctx);
    if paging.count {
        response
            .headers_mut()
            .insert("ngsild-results-count", found.len().into());
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
    let repr = accept(&headers, false)?;
    let ctx = contexts.for_read(&headers)?;
    let sys_attrs = sys_attrs(&parse_query_string(raw.as_deref())?)?;
    let stored = twin.registrations()?.get(&tenant(&headers)?, &id)?;
    Ok(respond(
        StatusCode::OK,
        Registrations::render(&stored, sys_attrs),
        repr,
        &ctx,
    ))
}

/// PATCH (clause 5.9.3): the members sent replace those of the registration, which must still
/// be a valid registration afterwards.
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
    if patch.is_empty() {
        return Err(NgsiError::bad_data("the update has no members"));
    }
    if patch
        .get("id")
        .and_then(Value::as_str)
        .is_some_and(|p| p != id)
    {
        return Err(NgsiError::bad_data("the id cannot change"));
    }
    let tenant = tenant(&headers)?;
    let registrations = twin.registrations()?;
    let current = registrations.get(&tenant, &id)?.registration;
    let mut document = current.document.clone();
    document.extend(patch);
    // The registration's terms keep the @context it was created with.
    let vocab = contexts.resolve_value(&current.context)?;
    let updated = Registration::parse(id, document, current.context.clone(), &vocab)?;
    registrations.replace(&tenant, updated).await?;
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
        .delete(&tenant(&headers)?, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
