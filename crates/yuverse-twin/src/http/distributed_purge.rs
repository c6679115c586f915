//! `DELETE /entities?type=…` (purge, clause 6.4.3.3) that also goes to the registered context
//! sources (clause 4.3.6.3): the broker purges its own entities of the types, and every
//! source whose registration takes `purgeEntity` (alone or through `redirectionOps`) for
//! entities of one of the types is sent the same purge at once, with the client's parameters
//! plus `local=true` and the client's @context as `Link`. The answer is 204 when every part
//! succeeded, the broker's error when every part failed, otherwise 207 with an UpdateResult
//! whose `notUpdated` items name the sources that failed by `registrationId`.

use std::collections::HashMap;

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::context::RequestContext;
use super::distributed_writes::send;
use super::params::flag;
use crate::error::NgsiResult;
use crate::registrations::via;
use crate::Twin;

/// Purges the entities of `types` (expanded) here and at the sources that take the purge.
pub(super) async fn purge(
    twin: &Twin,
    tenant: &str,
    ctx: &RequestContext,
    (params, headers): (&HashMap<String, String>, &HeaderMap),
    types: &[String],
) -> NgsiResult<Response> {
    let targets = match twin.registrations() {
        Ok(r) if !flag(params, "local")? && r.any(tenant) => r.purge_targets(tenant, types),
        _ => Vec::new(),
    };
    if targets.is_empty() {
        twin.purge_types(tenant, types).await?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    via::check(headers)?;
    let registrations = twin.registrations()?;
    let params: Vec<(String, String)> =
        params.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let path = format!(
        "entities?{}",
        crate::registrations::forward::local_query(&params)
    );
    let via = via::forwarded(headers);
    let link = yuverse_twin_context::link_header_for(&ctx.url);
    let sent = targets.iter().map(|target| {
        let request = registrations
            .source_request(&target.registration, reqwest::Method::DELETE, &path, &via)
            .header(header::LINK.as_str(), link.as_str());
        let registration = target.registration.id.clone();
        async move { (registration, send(request).await.err()) }
    });
    let (local, answers) = tokio::join!(
        twin.purge_types(tenant, types),
        futures_util::future::join_all(sent)
    );
    let failures: Vec<(String, (StatusCode, String))> = answers
        .into_iter()
        .filter_map(|(registration, failure)| failure.map(|f| (registration, f)))
        .collect();
    for (registration, (status, reason)) in &failures {
        tracing::warn!(%registration, %status, %reason, "a context source refused a purge");
    }
    let local = match local {
        Ok(_) if failures.is_empty() => return Ok(StatusCode::NO_CONTENT.into_response()),
        Err(error) if failures.len() == targets.len() => return Err(error),
        local => local,
    };
    let mut not_updated: Vec<_> = failures
        .into_iter()
        .map(
            |(registration, (_, reason))| json!({"reason": reason, "registrationId": registration}),
        )
        .collect();
    if let Err(error) = local {
        not_updated.push(json!({"reason": error.problem().detail}));
    }
    Ok((
        StatusCode::MULTI_STATUS,
        [(header::CONTENT_TYPE, "application/json")],
        json!({"updated": [], "notUpdated": not_updated}).to_string(),
    )
        .into_response())
}
