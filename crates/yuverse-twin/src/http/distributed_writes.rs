//! Entity writes that also go to the registered context sources (clause 4.3.6.3). The route
//! (`Registrations::route_write`) says which sources take the write and which attributes
//! the broker keeps; this module writes the kept part locally, sends every source its part at
//! once, and answers for the whole:
//! - every part succeeded: the broker's own answer, or 201/204 when it wrote nothing;
//! - every part failed: the broker's error, or the first source's status and reason;
//! - some failed: 207 with an UpdateResult naming what was and was not written, each failure
//!   with the `registrationId` of its source.
//!
//! A source is sent the client's parameters with `local=true` (so that it does not pass the
//! write on again), a body in JSON-LD carrying the client's @context, or the client's context
//! as `Link` when there is no body.

use std::collections::HashMap;
use std::future::Future;

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::context::RequestContext;
use super::params::flag;
use crate::domain::attribute::ENTITY_MEMBERS;
use crate::domain::Vocabulary;
use crate::error::{ErrorKind, NgsiError, NgsiResult};
use crate::registrations::{via, Registrations, WriteRoute, WriteTarget};
use crate::Twin;

/// What a write changes.
pub(super) enum Written<'a> {
    /// Attributes in a body (create, append, update, merge, replace). Owned, so that a write
    /// that goes nowhere else hands it to the broker without a copy.
    Body(Value),
    /// One attribute, with its body when the operation has one (partial update, replace,
    /// delete).
    Attribute(&'a str, Option<Value>),
    /// The whole entity (delete).
    Entity,
}

/// One write on one entity, as the handler received it.
pub(super) struct Write<'a> {
    /// The operation's name in registrations' `operations` (`createEntity`, `appendAttrs`…).
    pub operation: &'static str,
    pub method: reqwest::Method,
    /// The resource below `/ngsi-ld/v1/`, as a source is sent it.
    pub path: String,
    pub id: &'a str,
    pub written: Written<'a>,
}

/// The outcome of one part: the expanded names of its attributes (as UpdateResult names
/// them), and its failure if any.
struct Part {
    registration: Option<String>,
    attributes: Vec<String>,
    failure: Option<(StatusCode, String)>,
}

impl Write<'_> {
    fn body(&self) -> Value {
        match &self.written {
            Written::Body(body) | Written::Attribute(_, Some(body)) => body.clone(),
            _ => Value::Null,
        }
    }

    fn into_body(self) -> Value {
        match self.written {
            Written::Body(body) | Written::Attribute(_, Some(body)) => body,
            _ => Value::Null,
        }
    }

    /// The compact names of the attributes written (none for a deletion of the entity).
    fn compact_names(&self) -> Vec<String> {
        match &self.written {
            Written::Body(body) => attribute_keys(body).cloned().collect(),
            Written::Attribute(name, _) => vec![(*name).to_owned()],
            Written::Entity => Vec::new(),
        }
    }

    /// The entity's types (expanded): the body's, else the stored entity's.
    fn entity_types(&self, twin: &Twin, tenant: &str, ctx: &RequestContext) -> Option<Vec<String>> {
        let given = match &self.written {
            Written::Body(body) => body.get("type"),
            _ => None,
        };
        routing_types(twin, (tenant, ctx), given, self.id)
    }
}

/// The members of an entity body that are attributes (as sent, not expanded).
pub(super) fn attribute_keys(body: &Value) -> impl Iterator<Item = &String> {
    body.as_object()
        .into_iter()
        .flat_map(|o| o.keys())
        .filter(|k| !ENTITY_MEMBERS.contains(&k.as_str()))
}

/// The types (expanded) a write on entity `id` is routed by: those `given` in the request,
/// else the stored entity's; `None` when neither has any.
pub(super) fn routing_types(
    twin: &Twin,
    (tenant, ctx): (&str, &RequestContext),
    given: Option<&Value>,
    id: &str,
) -> Option<Vec<String>> {
    let names = |value: &Value| -> Vec<String> {
        match value {
            Value::String(t) => vec![t.clone()],
            Value::Array(ts) => ts
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        }
    };
    if let Some(types) = given {
        return Some(names(types).iter().map(|t| ctx.expand(t)).collect());
    }
    // Stored types are expanded already.
    let stored = twin.get_entity(tenant, id).ok()?;
    stored.get("type").map(names)
}

/// Carries out `write`: locally through `local` (given the body the broker keeps) and at the
/// sources its route names. Without registrations, or with `local=true`, it is `local` alone.
pub(super) async fn write<F, Fut>(
    twin: &Twin,
    tenant: &str,
    ctx: &RequestContext,
    (params, headers): (&HashMap<String, String>, &HeaderMap),
    write: Write<'_>,
    local: F,
) -> NgsiResult<Response>
where
    F: FnOnce(Value) -> Fut,
    Fut: Future<Output = NgsiResult<Response>>,
{
    let registrations = match twin.registrations() {
        Ok(r) if !flag(params, "local")? && r.any(tenant) => r,
        _ => return local(write.into_body()).await,
    };
    let names = write.compact_names();
    let expanded: Vec<String> = names.iter().map(|n| ctx.expand(n)).collect();
    let route = registrations.route_write(
        tenant,
        write.operation,
        write.id,
        write.entity_types(twin, tenant, ctx).as_deref(),
        (!matches!(write.written, Written::Entity)).then_some(expanded.as_slice()),
    );
    if route.targets.is_empty() {
        return local(write.into_body()).await;
    }
    via::check(headers)?;
    let kept: Vec<usize> = (0..names.len())
        .filter(|i| route.keeps(&expanded[*i]))
        .collect();
    let writes_locally = !route.whole_entity_taken && (names.is_empty() || !kept.is_empty());
    let local_part = async {
        if !writes_locally {
            return None;
        }
        let body = match &write.written {
            Written::Body(body) => only(body, |name| route.keeps(&ctx.expand(name))),
            _ => write.body(),
        };
        Some(local(body).await)
    };
    let via = via::forwarded(headers);
    let sources = forward_all(registrations, &route, &write, ctx, (params, &via));
    let (local_outcome, mut parts) = tokio::join!(local_part, sources);
    for part in &mut parts {
        if part.attributes.is_empty() {
            part.attributes = expanded.clone();
        }
    }
    let kept_names: Vec<String> = kept.iter().map(|i| expanded[*i].clone()).collect();
    Ok(answer(&write, local_outcome, kept_names, parts))
}

/// The body without the attributes `keep` refuses (entity members stay).
pub(super) fn only(body: &Value, keep: impl Fn(&str) -> bool) -> Value {
    let Some(object) = body.as_object() else {
        return body.clone();
    };
    Value::Object(
        object
            .iter()
            .filter(|(k, _)| ENTITY_MEMBERS.contains(&k.as_str()) || keep(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )
}

/// Sends every target its part at once. A part's `attributes` are the expanded names it took
/// (empty: all, filled in by the caller).
async fn forward_all(
    registrations: &Registrations,
    route: &WriteRoute,
    write: &Write<'_>,
    ctx: &RequestContext,
    (params, via): (&HashMap<String, String>, &str),
) -> Vec<Part> {
    let params: Vec<(String, String)> =
        params.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let query = crate::registrations::forward::local_query(&params);
    let requests = route.targets.iter().map(|target| {
        let request = source_request(registrations, target, write, ctx, (&query, via));
        let registration = target.source.registration.id.clone();
        let attributes = target.attributes.clone().unwrap_or_default();
        async move {
            let failure = send(request).await.err();
            if let Some((status, why)) = &failure {
                tracing::warn!(%registration, %status, reason = %why, "a context source refused a write");
            }
            Part {
                registration: Some(registration),
                attributes,
                failure,
            }
        }
    });
    futures_util::future::join_all(requests).await
}

fn source_request(
    registrations: &Registrations,
    target: &WriteTarget,
    write: &Write<'_>,
    ctx: &RequestContext,
    (query, via): (&str, &str),
) -> reqwest::RequestBuilder {
    let request = registrations.source_request(
        &target.source.registration,
        write.method.clone(),
        &format!("{}?{query}", write.path),
        via,
    );
    let body = match (&write.written, &target.attributes) {
        (Written::Body(body), Some(taken)) => {
            Some(only(body, |name| taken.contains(&ctx.expand(name))))
        }
        (Written::Body(body), None) | (Written::Attribute(_, Some(body)), _) => Some(body.clone()),
        _ => None,
    };
    match body {
        Some(Value::Object(mut object)) => {
            object.insert("@context".into(), ctx.value.clone());
            request
                .header(header::CONTENT_TYPE.as_str(), "application/ld+json")
                .body(Value::Object(object).to_string())
        }
        _ => request.header(
            header::LINK.as_str(),
            yuverse_twin_context::link_header_for(&ctx.url),
        ),
    }
}

/// What a source answered: its status and body (JSON, else null); 502 when it could not be
/// reached, 504 when it did not answer in time.
pub(super) async fn ask(
    request: reqwest::RequestBuilder,
) -> Result<(StatusCode, Value), (StatusCode, String)> {
    let response = request.send().await.map_err(|e| {
        let status = if e.is_timeout() {
            StatusCode::GATEWAY_TIMEOUT
        } else {
            StatusCode::BAD_GATEWAY
        };
        (status, e.to_string())
    })?;
    let status =
        StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    Ok((status, response.json().await.unwrap_or(Value::Null)))
}

/// Why a source refused: its problem's detail, else its title, else the status it answered.
pub(super) fn reason(problem: &Value, status: StatusCode) -> String {
    problem
        .get("detail")
        .or_else(|| problem.get("title"))
        .and_then(Value::as_str)
        .map_or_else(
            || format!("the context source answered {status}"),
            str::to_owned,
        )
}

/// A source's answer: success, or its status and reason.
pub(super) async fn send(request: reqwest::RequestBuilder) -> Result<(), (StatusCode, String)> {
    let (status, answer) = ask(request).await?;
    if status.is_success() && status != StatusCode::MULTI_STATUS {
        return Ok(());
    }
    Err((status, reason(&answer, status)))
}

/// The answer for the whole write (see the module's description).
fn answer(
    write: &Write<'_>,
    local: Option<NgsiResult<Response>>,
    kept: Vec<String>,
    mut parts: Vec<Part>,
) -> Response {
    let local = match local {
        Some(Ok(response)) if parts.iter().all(|p| p.failure.is_none()) => return response,
        Some(Ok(_)) => Some(None),
        Some(Err(error)) if parts.iter().all(|p| p.failure.is_some()) => {
            return error.into_response()
        }
        Some(Err(error)) => Some(Some(error)),
        None => None,
    };
    if local.is_none() {
        if parts.iter().all(|p| p.failure.is_none()) {
            return success(write);
        }
        if parts.iter().all(|p| p.failure.is_some()) {
            let (status, reason) = parts.swap_remove(0).failure.unwrap_or_default();
            return source_error(status, reason).into_response();
        }
    }
    let mut updated = Vec::new();
    let mut not_updated = Vec::new();
    if let Some(failure) = local {
        match failure {
            None => updated.extend(kept),
            Some(error) => not_updated.extend(
                kept.into_iter()
                    .map(|name| json!({"attributeName": name, "reason": error.problem().detail})),
            ),
        }
    }
    for part in parts {
        match part.failure {
            None => updated.extend(part.attributes),
            Some((_, reason)) => {
                let entry = |name: Option<String>| {
                    let mut e = Map::new();
                    if let Some(name) = name {
                        e.insert("attributeName".into(), json!(name));
                    }
                    e.insert("reason".into(), json!(reason));
                    e.insert("registrationId".into(), json!(part.registration));
                    Value::Object(e)
                };
                if part.attributes.is_empty() {
                    not_updated.push(entry(None));
                } else {
                    not_updated.extend(part.attributes.iter().map(|n| entry(Some(n.clone()))));
                }
            }
        }
    }
    updated.sort();
    updated.dedup();
    (
        StatusCode::MULTI_STATUS,
        [(header::CONTENT_TYPE, "application/json")],
        json!({"updated": updated, "notUpdated": not_updated}).to_string(),
    )
        .into_response()
}

/// The operation's success when only sources wrote: 201 with `Location` for a creation, 204
/// otherwise.
fn success(write: &Write<'_>) -> Response {
    if write.operation == "createEntity" {
        let location = format!("/ngsi-ld/v1/entities/{}", write.id);
        return (StatusCode::CREATED, [(header::LOCATION, location)]).into_response();
    }
    StatusCode::NO_CONTENT.into_response()
}

/// A source's refusal as the broker's error, with the source's status.
pub(super) fn source_error(status: StatusCode, reason: String) -> NgsiError {
    let kind = match status {
        StatusCode::BAD_REQUEST => ErrorKind::BadRequestData,
        StatusCode::NOT_FOUND => ErrorKind::ResourceNotFound,
        StatusCode::CONFLICT => ErrorKind::AlreadyExists,
        StatusCode::UNPROCESSABLE_ENTITY => ErrorKind::OperationNotSupported,
        _ => ErrorKind::InternalError,
    };
    NgsiError::new(kind, format!("context source: {reason}")).with_status(status)
}
