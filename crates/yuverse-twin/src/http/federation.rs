//! Entity reads that also ask the registered context sources (`registrations::forward`): the
//! broker's own entities, rendered as the client asked, merged with the sources' answers in the
//! same @context and representation. Only JSON and JSON-LD answers are merged; a GeoJSON read
//! and a read with `local=true` stay local.

use std::collections::HashMap;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::Response;
use serde_json::Value;

use super::context::RequestContext;
use super::entities::{paging_links, respond};
use super::params::{flag, Paging};
use super::request::Representation;
use crate::domain::entity::doc;
use crate::domain::render::{render, View};
use crate::error::{ErrorKind, NgsiError, NgsiResult};
use crate::registrations::forward::{merge, Gathered};
use crate::registrations::{via, Discovery, Stored};
use crate::store::memory::Selector;
use crate::Twin;

/// The sources a read should ask for `operation` (`queryEntity`, `retrieveEntity`), chosen by
/// `discovery_params`; none for `local=true`, a GeoJSON answer, or a tenant without
/// registrations.
pub(super) fn sources(
    twin: &Twin,
    tenant: &str,
    p: &HashMap<String, String>,
    discovery_params: &HashMap<String, String>,
    (ctx, repr): (&RequestContext, Representation),
    operation: &str,
) -> NgsiResult<Vec<Stored>> {
    let registrations = twin.registrations()?;
    if flag(p, "local")? || repr == Representation::GeoJson || !registrations.any(tenant) {
        return Ok(Vec::new());
    }
    registrations.sources(tenant, &Discovery::parse(discovery_params, ctx)?, operation)
}

/// The client's parameters for a source: every one but `local` (added back as `true`) and
/// those of `paging`, which ask a source for as many entities as the merged page needs.
fn source_params(p: &HashMap<String, String>, paging: Option<&Paging>) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = p
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "offset" | "limit" | "count" | "local"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(paging) = paging {
        let wanted = (paging.offset + paging.limit).clamp(1, 1000);
        params.push(("limit".into(), wanted.to_string()));
        if paging.count {
            params.push(("count".into(), "true".into()));
        }
    }
    params.sort();
    params
}

fn link(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::LINK).and_then(|v| v.to_str().ok())
}

/// A tenant the broker does not hold may still have sources: its own part is then empty.
fn local_or_none<T>(result: NgsiResult<T>) -> NgsiResult<Option<T>> {
    match result {
        Ok(found) => Ok(Some(found)),
        Err(e)
            if matches!(
                e.kind,
                ErrorKind::NonexistentTenant | ErrorKind::ResourceNotFound
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

fn warn(response: &mut Response, warnings: &[String]) {
    for warning in warnings {
        if let Ok(v) = HeaderValue::from_str(warning) {
            response.headers_mut().append("ngsild-warning", v);
        }
    }
}

/// The query's page over the broker and its sources together. The broker and every source
/// are asked for the first `offset + limit` entities, merged by id, then cut to the page;
/// `NGSILD-Results-Count` adds up every party's count, so an entity two of them hold counts
/// twice.
#[allow(clippy::too_many_arguments)]
pub(super) async fn query(
    twin: &Twin,
    tenant: &str,
    (selector, view, paging): (&Selector, &View, &Paging),
    p: &HashMap<String, String>,
    (ctx, repr): (&RequestContext, Representation),
    headers: &HeaderMap,
    uri: &Uri,
    sources: &[Stored],
) -> NgsiResult<Response> {
    via::check(headers)?;
    let Gathered {
        answers,
        total: sources_total,
        warnings,
    } = twin
        .registrations()?
        .ask(
            sources,
            "entities",
            &source_params(p, Some(paging)),
            (link(headers), &via::forwarded(headers)),
        )
        .await;
    let local = local_or_none(super::entities::query_page(
        twin,
        tenant,
        (selector, None),
        (view, ctx),
        (0, paging.offset + paging.limit),
        paging.count,
    ))?;
    let (entities, local_total) = local
        .map(|page| {
            let rendered: Vec<Value> = page
                .entities
                .iter()
                .map(|e| render(doc(e), view, ctx))
                .collect();
            (rendered, page.total.unwrap_or(0))
        })
        .unwrap_or_default();
    let total = local_total + sources_total;
    let merged = merge(entities, answers);
    let shown: Vec<Value> = merged
        .into_iter()
        .skip(paging.offset)
        .take(paging.limit)
        .collect();
    let returned = shown.len();
    let mut response = respond(StatusCode::OK, Value::Array(shown), repr, ctx);
    if paging.count {
        response
            .headers_mut()
            .insert("ngsild-results-count", HeaderValue::from(total as u64));
    }
    let count = paging.count.then_some(total);
    for l in paging_links(uri, paging.offset, paging.limit, returned, count) {
        if let Ok(v) = HeaderValue::from_str(&l) {
            response.headers_mut().append(header::LINK, v);
        }
    }
    warn(&mut response, &warnings);
    Ok(response)
}

/// A retrieval from the broker and its sources together; 404 when none of them has it.
pub(super) async fn retrieve(
    twin: &Twin,
    (tenant, id): (&str, &str),
    view: &View,
    p: &HashMap<String, String>,
    (ctx, repr): (&RequestContext, Representation),
    headers: &HeaderMap,
    sources: &[Stored],
) -> NgsiResult<Response> {
    via::check(headers)?;
    let path = format!(
        "entities/{}",
        percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC)
    );
    let Gathered {
        answers, warnings, ..
    } = twin
        .registrations()?
        .ask(
            sources,
            &path,
            &source_params(p, None),
            (link(headers), &via::forwarded(headers)),
        )
        .await;
    let local = local_or_none(twin.get_entity(tenant, id))?
        .map(|e| render(doc(&e), view, ctx))
        .into_iter()
        .collect();
    let Some(entity) = merge(local, answers).into_iter().next() else {
        return Err(NgsiError::not_found(format!("no entity `{id}`")));
    };
    let mut response = respond(StatusCode::OK, entity, repr, ctx);
    warn(&mut response, &warnings);
    Ok(response)
}
