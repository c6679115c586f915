//! Batch operations that also go to the registered context sources (clause 4.3.6.3). Each
//! entity of a batch is routed as a single write on it would be (`Registrations::route_write`,
//! with the batch's operation: `createBatch`, `upsertBatch`, `updateBatch`, `mergeBatch` or
//! `deleteBatch`). The broker first writes the parts it keeps, as one batch of its own; then
//! every source is sent, in one batch request, the parts of all the entities it takes. An
//! entity the broker refuses goes to no source, so that bad data is never half written. An
//! entity succeeds when every part of it does; one a source refused is reported with the
//! source's error and the `registrationId` of its registration (BatchEntityError, clause
//! 5.2.17).

use std::collections::{HashMap, HashSet};
use std::future::Future;

use axum::http::{header, HeaderMap, StatusCode};
use serde_json::Value;

use super::context::RequestContext;
use super::distributed_writes::{ask, attribute_keys, only, reason, routing_types, source_error};
use super::params::flag;
use crate::domain::Vocabulary;
use crate::error::{ErrorKind, NgsiError, NgsiResult};
use crate::registrations::{via, Registrations, Stored, WriteRoute};
use crate::service::batch::BatchError;
use crate::service::BatchResult;
use crate::Twin;

/// Which batch operation a request is.
#[derive(Debug, Clone, Copy)]
pub(super) struct BatchWrite {
    /// The operation's name in registrations' `operations`.
    pub operation: &'static str,
    /// The resource below `/ngsi-ld/v1/`, as a source is sent it.
    pub path: &'static str,
}

/// One source's share of a batch: the positions (in the request) of the entities it takes,
/// and the part of each it takes.
struct Share {
    source: Stored,
    positions: Vec<usize>,
    items: Vec<Value>,
}

/// What one source made of its share.
struct SourceOutcome {
    registration_id: String,
    failures: HashMap<usize, NgsiError>,
    created: Vec<String>,
}

/// Carries out a batch: locally through `local` (given the entities, or parts of entities, the
/// broker keeps) and at the sources the entities' routes name. Without registrations, or with
/// `local=true`, it is `local` alone.
pub(super) async fn batch<F, Fut>(
    twin: &Twin,
    tenant: &str,
    ctx: &RequestContext,
    (params, headers): (&HashMap<String, String>, &HeaderMap),
    write: BatchWrite,
    body: Value,
    local: F,
) -> NgsiResult<BatchResult>
where
    F: FnOnce(Value) -> Fut,
    Fut: Future<Output = NgsiResult<BatchResult>>,
{
    let registrations = match twin.registrations() {
        Ok(r) if !flag(params, "local")? && r.any(tenant) => r,
        _ => return local(body).await,
    };
    let Value::Array(items) = body else {
        return local(body).await;
    };
    let ids: Vec<String> = items.iter().map(entity_id).collect();
    let mut kept = Vec::with_capacity(items.len());
    let mut kept_positions = Vec::with_capacity(items.len());
    let mut shares: Vec<Share> = Vec::new();
    for (index, item) in items.into_iter().enumerate() {
        let Some(route) = route_of(registrations, twin, (tenant, ctx), write.operation, &item)
        else {
            kept.push(item);
            kept_positions.push(index);
            continue;
        };
        for target in &route.targets {
            let part = match &target.attributes {
                None => item.clone(),
                Some(taken) => only(&item, |name| taken.contains(&ctx.expand(name))),
            };
            let id = &target.source.registration.id;
            match shares.iter_mut().find(|s| &s.source.registration.id == id) {
                Some(share) => {
                    share.positions.push(index);
                    share.items.push(part);
                }
                None => shares.push(Share {
                    source: target.source.clone(),
                    positions: vec![index],
                    items: vec![part],
                }),
            }
        }
        if writes_locally(&route, &item, ctx) {
            kept.push(only(&item, |name| route.keeps(&ctx.expand(name))));
            kept_positions.push(index);
        }
    }
    if shares.is_empty() {
        return local(Value::Array(kept)).await;
    }
    via::check(headers)?;
    let mut result = if kept.is_empty() {
        BatchResult::default()
    } else {
        local(Value::Array(kept)).await?
    };
    for error in &mut result.errors {
        error.index = kept_positions[error.index];
    }
    let refused: HashSet<usize> = result.errors.iter().map(|e| e.index).collect();
    for share in &mut shares {
        let (positions, items) = std::mem::take(&mut share.positions)
            .into_iter()
            .zip(std::mem::take(&mut share.items))
            .filter(|(index, _)| !refused.contains(index))
            .unzip();
        share.positions = positions;
        share.items = items;
    }
    shares.retain(|s| !s.items.is_empty());
    let params: Vec<(String, String)> =
        params.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let query = crate::registrations::forward::local_query(&params);
    let via = via::forwarded(headers);
    let path = format!("{}?{query}", write.path);
    let sent = shares
        .iter()
        .map(|share| send(registrations, share, &ids, ctx, (&path, &via)));
    let outcomes = futures_util::future::join_all(sent).await;
    Ok(combine(result, &ids, &refused, outcomes))
}

/// The entity's id as a batch names it (an object's `id`, or a deletion's string).
fn entity_id(item: &Value) -> String {
    match item {
        Value::String(id) => id.clone(),
        _ => item
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
    }
}

/// The expanded names of the attributes an entity of the batch writes.
fn written(item: &Value, ctx: &RequestContext) -> Vec<String> {
    attribute_keys(item).map(|k| ctx.expand(k)).collect()
}

/// Where one entity of the batch goes; `None` when only the broker takes it (or it has no id,
/// which the broker refuses).
fn route_of(
    registrations: &Registrations,
    twin: &Twin,
    (tenant, ctx): (&str, &RequestContext),
    operation: &str,
    item: &Value,
) -> Option<WriteRoute> {
    let id = match item {
        Value::String(id) => id.as_str(),
        _ => item.get("id")?.as_str()?,
    };
    let names = item.is_object().then(|| written(item, ctx));
    let types = routing_types(twin, (tenant, ctx), item.get("type"), id);
    let route =
        registrations.route_write(tenant, operation, id, types.as_deref(), names.as_deref());
    (!route.targets.is_empty()).then_some(route)
}

/// Whether the broker writes a part of the entity: no exclusive or redirect source takes all
/// of it (a deletion, or an entity without attributes, is the broker's too).
fn writes_locally(route: &WriteRoute, item: &Value, ctx: &RequestContext) -> bool {
    let names = written(item, ctx);
    !route.whole_entity_taken && (names.is_empty() || names.iter().any(|n| route.keeps(n)))
}

/// Sends one source its share as one batch request: entities in JSON-LD with the client's
/// @context, or a deletion's ids in JSON with the context as `Link`.
async fn send(
    registrations: &Registrations,
    share: &Share,
    ids: &[String],
    ctx: &RequestContext,
    (path, via): (&str, &str),
) -> SourceOutcome {
    let registration_id = share.source.registration.id.clone();
    let request =
        registrations.source_request(&share.source.registration, reqwest::Method::POST, path, via);
    let request = if share.items.iter().all(Value::is_object) {
        let items: Vec<Value> = share
            .items
            .iter()
            .cloned()
            .map(|mut item| {
                item["@context"] = ctx.value.clone();
                item
            })
            .collect();
        request
            .header(header::CONTENT_TYPE.as_str(), "application/ld+json")
            .body(Value::Array(items).to_string())
    } else {
        request
            .header(header::CONTENT_TYPE.as_str(), "application/json")
            .header(
                header::LINK.as_str(),
                yuverse_twin_context::link_header_for(&ctx.url),
            )
            .body(Value::Array(share.items.clone()).to_string())
    };
    let mut outcome = SourceOutcome {
        registration_id,
        failures: HashMap::new(),
        created: Vec::new(),
    };
    let all_fail = |outcome: &mut SourceOutcome, status: StatusCode, reason: String| {
        for index in &share.positions {
            outcome
                .failures
                .insert(*index, source_error(status, reason.clone()));
        }
    };
    let (status, answer) = match ask(request).await {
        Ok(answer) => answer,
        Err((status, reason)) => {
            all_fail(&mut outcome, status, reason);
            return outcome;
        }
    };
    if status == StatusCode::MULTI_STATUS {
        for error in answer["errors"].as_array().into_iter().flatten() {
            let id = error["entityId"].as_str().unwrap_or("");
            let refusal = refusal(&error["error"]);
            for index in share.positions.iter().filter(|i| ids[**i] == id) {
                outcome.failures.insert(*index, refusal.clone());
            }
        }
    } else if status.is_success() {
        if status == StatusCode::CREATED {
            outcome.created = answer
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
        }
    } else {
        all_fail(&mut outcome, status, reason(&answer, status));
    }
    tracing::debug!(registration = %outcome.registration_id, failures = outcome.failures.len(), "a context source took its part of a batch");
    outcome
}

/// One entity's refusal in a source's BatchOperationResult, as the broker's error: the
/// problem's `status` when given, else the one its type stands for.
fn refusal(problem: &Value) -> NgsiError {
    let kind = problem["type"]
        .as_str()
        .and_then(ErrorKind::from_type_uri)
        .unwrap_or(ErrorKind::InternalError);
    let status = problem["status"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or_else(|| NgsiError::new(kind, "").status);
    source_error(status, reason(problem, status))
}

/// The batch's result: the broker's own, with the entities a source refused among the errors
/// (naming the source's registration) and the others among the successes.
fn combine(
    local: BatchResult,
    ids: &[String],
    refused: &HashSet<usize>,
    outcomes: Vec<SourceOutcome>,
) -> BatchResult {
    let mut result = BatchResult {
        errors: local.errors,
        ..BatchResult::default()
    };
    let mut created: HashSet<&str> = local.created.iter().map(String::as_str).collect();
    created.extend(
        outcomes
            .iter()
            .flat_map(|o| o.created.iter().map(String::as_str)),
    );
    for (index, id) in ids.iter().enumerate() {
        if refused.contains(&index) {
            continue;
        }
        let failure = outcomes.iter().find_map(|o| {
            o.failures
                .get(&index)
                .map(|error| (o.registration_id.clone(), error.clone()))
        });
        match failure {
            Some((registration, error)) => result.errors.push(BatchError {
                index,
                entity_id: id.clone(),
                error,
                registration_id: Some(registration),
            }),
            None => {
                if created.contains(id.as_str()) {
                    result.created.push(id.clone());
                }
                result.success.push(id.clone());
            }
        }
    }
    result.errors.sort_by_key(|e| e.index);
    result
}
