//! `/csourceRegistrations` handlers (clause 6.8).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::{Discovery, Registration, Registrations};
use crate::error::{NgsiError, NgsiResult};
use crate::http::documents::{created, merge_patch, new_document, page, patch_members, path_id};
use crate::http::recompact;
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

/// The registration as the API shows it, in the words of the reader's @context.
fn shown(
    contexts: &Contexts,
    stored: &super::Stored,
    sys_attrs: bool,
    ctx: &crate::http::RequestContext,
) -> serde_json::Value {
    recompact::for_reader(
        Registrations::render(stored, sys_attrs),
        &stored.registration.context,
        ctx,
        contexts,
        recompact::registration,
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
    let (id, document) = new_document(body, "registration", "ContextSourceRegistration")?;
    let registration = Registration::parse(id, document, ctx.value.clone(), &ctx)?;
    let tenant = tenant(&headers)?;
    super::conflicts::check(&twin, &tenant, &registration)?;
    let id = twin.registrations()?.create(&tenant, registration).await?;
    Ok(created(format!("/ngsi-ld/v1/csourceRegistrations/{id}")))
}

/// `GET /csourceRegistrations`: discovery, paged like entity queries.
pub async fn query(
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
    let sys_attrs = sys_attrs(&p)?;
    let discovery = Discovery::parse(&p, &ctx)?;
    let found = twin
        .registrations()?
        .discover(&tenant(&headers)?, &discovery)?;
    Ok(page(
        &found,
        &paging,
        &uri,
        |s| shown(&contexts, s, sys_attrs, &ctx),
        repr,
        &ctx,
    ))
}

pub async fn retrieve(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> NgsiResult<Response> {
    let id = path_id(id)?;
    let repr = accept(&headers, false)?;
    let ctx = contexts.for_read(&headers)?;
    let sys_attrs = sys_attrs(&parse_query_string(raw.as_deref())?)?;
    let stored = twin.registrations()?.get(&tenant(&headers)?, &id)?;
    Ok(respond(
        StatusCode::OK,
        shown(&contexts, &stored, sys_attrs, &ctx),
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
    let id = path_id(id)?;
    let (_, patch) = contexts.write_request(&twin, actor.as_ref(), &headers, &body, true)?;
    let patch = patch_members(patch, &id)?;
    let reshapes = ["mode", "information", "expiresAt"]
        .iter()
        .any(|member| patch.contains_key(*member));
    if patch.is_empty() {
        return Err(NgsiError::bad_data("the update has no members"));
    }
    let tenant = tenant(&headers)?;
    let registrations = twin.registrations()?;
    let current = registrations.get(&tenant, &id)?.registration;
    let mut document = current.document.clone();
    merge_patch(&mut document, patch);
    // The registration's terms keep the @context it was created with.
    let vocab = contexts.resolve_value(&current.context)?;
    let updated = Registration::parse(id, document, current.context.clone(), &vocab)?;
    // An update that leaves what the registration takes alone cannot make a new conflict (the
    // broker may have come to hold entities it redirects since, through `local=true`).
    if reshapes {
        super::conflicts::check(&twin, &tenant, &updated)?;
    }
    registrations.replace(&tenant, updated).await?;
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
        .delete(&tenant(&headers)?, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
