//! `/entities` and `/entities/{id}/attrs…` handlers.

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::context::{Contexts, RequestContext};
use super::distributed_purge;
use super::distributed_writes::{self, Write, Written};
use super::federation;
use super::params::{self, flag, parse_query_string};
use super::query_body::{self, QueryBody};
use super::request::{accept, json_body, tenant, Caller, Representation};
use crate::domain::join::{is_empty, render_linked, Join, Linking};
use crate::domain::ordering::Ordering;
use crate::domain::render::{render, render_feature, View};
use crate::domain::Vocabulary;
use crate::error::{NgsiError, NgsiResult};
use crate::service::entities::AttrsMode;
use crate::store::memory::EntityMatch;
use crate::Twin;

/// A JSON answer in the negotiated representation, with the context `Link` for plain JSON.
pub fn respond(
    status: StatusCode,
    body: Value,
    repr: Representation,
    ctx: &RequestContext,
) -> Response {
    let body = match (repr, body) {
        (Representation::JsonLd, body) => with_context(body, &ctx.value),
        // A Feature or FeatureCollection carries its context once, at the top.
        (Representation::GeoJson, Value::Object(mut geojson)) => {
            geojson.insert("@context".into(), ctx.value.clone());
            Value::Object(geojson)
        }
        (_, body) => body,
    };
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(repr.media_type()),
    );
    if repr == Representation::Json {
        if let Ok(link) = HeaderValue::from_str(&yuverse_twin_context::link_header_for(&ctx.url)) {
            headers.insert(header::LINK, link);
        }
    }
    response
}

fn with_context(body: Value, context: &Value) -> Value {
    match body {
        Value::Object(mut o) => {
            o.insert("@context".into(), context.clone());
            Value::Object(o)
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|i| with_context(i, context))
                .collect(),
        ),
        other => other,
    }
}

fn geo_property(p: &std::collections::HashMap<String, String>, ctx: &RequestContext) -> String {
    ctx.expand(
        p.get("geometryProperty")
            .map(String::as_str)
            .unwrap_or("location"),
    )
}

pub async fn create(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Caller(actor): Caller,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<Response> {
    let p = parse_query_string(raw.as_deref())?;
    let (ctx, body) = contexts.write_request(&twin, actor.as_ref(), &headers, &body, false)?;
    let tenant = tenant(&headers)?;
    let id = body
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let write = Write {
        operation: "createEntity",
        method: reqwest::Method::POST,
        path: "entities".into(),
        id: &id,
        written: Written::Body(body),
    };
    let (twin, tenant, ctx) = (&twin, &tenant, &ctx);
    distributed_writes::write(
        twin,
        tenant,
        ctx,
        (&p, &headers),
        write,
        |body| async move {
            let id = twin.create_entity(tenant, &body, ctx).await?;
            let location = format!("/ngsi-ld/v1/entities/{id}");
            Ok((StatusCode::CREATED, [(header::LOCATION, location)]).into_response())
        },
    )
    .await
}

pub async fn retrieve(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> NgsiResult<Response> {
    let repr = accept(&headers, true)?;
    let ctx = contexts.for_read(&headers)?;
    let p = parse_query_string(raw.as_deref())?;
    let linking = linking(&p)?;
    let view = params::view(&p, &ctx, linking)?;
    let tenant = tenant(&headers)?;
    // Sources registered for this entity (by id, or its type when the client gives it).
    let discovery: std::collections::HashMap<String, String> = ["type", "attrs", "csf"]
        .into_iter()
        .filter_map(|k| p.get(k).map(|v| (k.to_owned(), v.clone())))
        .chain(std::iter::once(("id".to_owned(), id.clone())))
        .collect();
    let sources = federation::sources(
        &twin,
        &tenant,
        &p,
        &discovery,
        (&ctx, repr),
        "retrieveEntity",
    )?;
    if !sources.is_empty() {
        return federation::retrieve(
            &twin,
            (&tenant, &id),
            &view,
            &p,
            (&ctx, repr),
            &headers,
            &sources,
        )
        .await;
    }
    let entity = twin.get_entity(&tenant, &id)?;
    let doc = crate::domain::entity::doc(&entity);
    nothing_left(doc, &view, &p, &ctx)?;
    let body = match (repr, linking) {
        (Representation::GeoJson, _) => render_feature(doc, &view, &ctx, &geo_property(&p, &ctx)),
        (_, None) => render(doc, &view, &ctx),
        (_, Some(linking)) => {
            let lookup = |id: &str| twin.get_entity(&tenant, id).ok();
            let mut linked =
                render_linked(std::slice::from_ref(&entity), &view, &ctx, linking, &lookup);
            // `flat` answers the entity and those it links to as one list, or the entity
            // alone when it links to none.
            match linking.join {
                Join::Flat if linked.len() > 1 => Value::Array(linked),
                _ => linked.swap_remove(0),
            }
        }
    };
    Ok(respond(StatusCode::OK, body, repr, &ctx))
}

/// A retrieval whose projection leaves nothing of the entity is ResourceNotFound
/// (clause 5.7.1.4): `attrs` naming none of its attributes, or `pick`/`omit` leaving no member.
fn nothing_left(
    doc: &crate::domain::entity::Doc,
    view: &View,
    p: &std::collections::HashMap<String, String>,
    ctx: &RequestContext,
) -> NgsiResult<()> {
    if let Some(attrs) = p.get("attrs") {
        let held = attrs
            .split(',')
            .filter(|a| !a.is_empty())
            .any(|a| doc.contains_key(&ctx.expand(a)));
        if !held {
            return Err(NgsiError::not_found(format!(
                "the entity has none of the attributes `{attrs}`"
            )));
        }
    }
    if is_empty(&render(doc, view, ctx)) {
        return Err(NgsiError::not_found(
            "pick/omit leave no member of the entity",
        ));
    }
    Ok(())
}

/// `join` and `joinLevel`.
fn linking(p: &std::collections::HashMap<String, String>) -> NgsiResult<Option<Linking>> {
    Linking::parse(
        p.get("join").map(String::as_str),
        p.get("joinLevel").map(String::as_str),
    )
}

/// A `q` that follows Relationships (`rel{attr}`) needs `join`, and `joinLevel` at least as
/// deep as its paths (clause 5.7.2.4); otherwise it is BadRequestData.
fn linked_q_within(
    selector: &crate::store::memory::Selector,
    linking: Option<Linking>,
) -> NgsiResult<()> {
    let depth = selector.q.as_ref().map_or(0, |q| q.linked_depth());
    match linking {
        None if depth > 0 => Err(NgsiError::bad_data(
            "q: `{…}` queries linked entities, which needs join=inline or join=flat",
        )),
        Some(l) if depth > l.level => Err(NgsiError::bad_data(format!(
            "q reaches {depth} linked entities deep, joinLevel only {}",
            l.level
        ))),
        _ => Ok(()),
    }
}

/// A query; `any_of` holds the entity selectors of a Query body that has several.
async fn run_query(
    twin: &Twin,
    ctx: &RequestContext,
    headers: &HeaderMap,
    (p, any_of): (&std::collections::HashMap<String, String>, Vec<EntityMatch>),
    uri: &axum::http::Uri,
) -> NgsiResult<Response> {
    let repr = accept(headers, true)?;
    let p = &*params::type_wildcard(p)?;
    let mut selector = params::selector(p, ctx)?;
    selector.any_of = any_of;
    // `local=true` alone asks for every entity the broker itself holds (clause 6.4.3.2).
    if !params::narrows_entity_query(&selector) && !flag(p, "local")? {
        return Err(NgsiError::bad_data(
            "a query needs at least one of type, attrs or q naming an attribute that is not a system member, a geo-query, or local=true",
        ));
    }
    let linking = linking(p)?;
    linked_q_within(&selector, linking)?;
    let view: View = params::view(p, ctx, linking)?;
    let paging = params::paging(p, twin.config())?;
    let tenant = tenant(headers)?;
    // Several entity selectors are answered by this broker alone: the query parameters a
    // context source is asked with carry one selector only.
    let sources = if selector.any_of.is_empty() {
        federation::sources(twin, &tenant, p, p, (ctx, repr), "queryEntity")?
    } else {
        Vec::new()
    };
    if !sources.is_empty() {
        return federation::query(
            twin,
            &tenant,
            (&selector, &view, &paging),
            p,
            (ctx, repr),
            headers,
            uri,
            &sources,
        )
        .await;
    }
    let ordering = Ordering::parse(
        p.get("orderBy").map(String::as_str),
        p.get("orderFrom").map(String::as_str),
        ctx,
    )?;
    let page = query_page(
        twin,
        &tenant,
        (&selector, ordering.as_ref()),
        (&view, ctx),
        (paging.offset, paging.limit),
        paging.count,
    )?;
    let body = match repr {
        Representation::GeoJson => {
            let geometry = geo_property(p, ctx);
            json!({"type": "FeatureCollection", "features":
                page.entities.iter().map(|e| render_feature(crate::domain::entity::doc(e), &view, ctx, &geometry)).collect::<Vec<_>>()})
        }
        _ => match linking {
            None => Value::Array(
                page.entities
                    .iter()
                    .map(|e| render(crate::domain::entity::doc(e), &view, ctx))
                    .collect(),
            ),
            Some(linking) => {
                let lookup = |id: &str| twin.get_entity(&tenant, id).ok();
                Value::Array(render_linked(&page.entities, &view, ctx, linking, &lookup))
            }
        },
    };
    let mut response = respond(StatusCode::OK, body, repr, ctx);
    if let Some(total) = page.total {
        response
            .headers_mut()
            .insert("ngsild-results-count", HeaderValue::from(total as u64));
    }
    for link in paging_links(
        uri,
        paging.offset,
        paging.limit,
        page.entities.len(),
        page.total,
    ) {
        if let Ok(v) = HeaderValue::from_str(&link) {
            response.headers_mut().append(header::LINK, v);
        }
    }
    Ok(response)
}

/// One page of the broker's own answer to a query. Entities the projection leaves empty (a
/// `pick` naming attributes they lack) are not part of the answer: they are left out before
/// paging and counting, so that `NGSILD-Results-Count`, the page and its `Link`s agree. Only a
/// projection without `id` can empty an entity.
pub(super) fn query_page(
    twin: &Twin,
    tenant: &str,
    (selector, ordering): (&crate::store::memory::Selector, Option<&Ordering>),
    (view, ctx): (&View, &RequestContext),
    page: (usize, usize),
    count: bool,
) -> NgsiResult<crate::service::entities::QueryPage> {
    if !view.omit_id {
        return twin.query(tenant, selector, ordering, page, count);
    }
    let shown = |e: &Value| !is_empty(&render(crate::domain::entity::doc(e), view, ctx));
    twin.query_kept(tenant, selector, ordering, page, count, &shown)
}

/// `Link` headers to the previous and next pages, written `<url>;rel="next"` without the
/// optional spaces (RFC 8288), as the conformance suite compares them verbatim.
pub(super) fn paging_links(
    uri: &axum::http::Uri,
    offset: usize,
    limit: usize,
    returned: usize,
    total: Option<usize>,
) -> Vec<String> {
    let path = uri.path();
    let rest: Vec<&str> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("offset=") && !p.starts_with("limit="))
        .collect();
    let link = |o: usize, rel: &str| {
        let mut q = rest.clone();
        let extra = format!("limit={limit}&offset={o}");
        q.push(&extra);
        format!("<{path}?{}>;rel=\"{rel}\"", q.join("&"))
    };
    let mut links = Vec::new();
    if offset > 0 && limit > 0 {
        links.push(link(offset.saturating_sub(limit), "prev"));
    }
    let more = match total {
        Some(t) => offset + returned < t,
        None => returned == limit && limit > 0,
    };
    if more {
        links.push(link(offset + limit, "next"));
    }
    links
}

pub async fn query(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    RawQuery(raw): RawQuery,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> NgsiResult<Response> {
    let ctx = contexts.for_read(&headers)?;
    let p = parse_query_string(raw.as_deref())?;
    run_query(&twin, &ctx, &headers, (&p, Vec::new()), &uri).await
}

/// `POST /entityOperations/query`: the same query as a `Query` body.
pub async fn query_post(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    RawQuery(raw): RawQuery,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<Response> {
    let (ctx, body) = contexts.for_body(&headers, json_body(&headers, &body, false)?)?;
    let QueryBody { mut params, any_of } = query_body::parse(&body, &ctx, false)?;
    for (k, v) in parse_query_string(raw.as_deref())? {
        params.entry(k).or_insert(v);
    }
    run_query(&twin, &ctx, &headers, (&params, any_of), &uri).await
}

pub async fn purge(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Caller(actor): Caller,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> NgsiResult<Response> {
    twin.authorize_write(actor.as_ref())?;
    let ctx = contexts.for_read(&headers)?;
    let p = parse_query_string(raw.as_deref())?;
    let types = p
        .get("type")
        .ok_or_else(|| NgsiError::bad_data("DELETE /entities needs a `type`"))?;
    let expanded: Vec<String> = types
        .split(',')
        .filter(|t| !t.is_empty())
        .map(|t| ctx.expand(t))
        .collect();
    let tenant = tenant(&headers)?;
    distributed_purge::purge(&twin, &tenant, &ctx, (&p, &headers), &expanded).await
}

/// `PUT` or `PATCH /entities/` (a replacement or merge without the entity's id).
pub async fn missing_id() -> NgsiError {
    NgsiError::bad_data("the path names no entity: give its id, as /entities/{id}")
}

pub async fn replace(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<Response> {
    let caller = (&twin, &contexts, actor.as_ref());
    write_body(
        caller,
        &id,
        BodyWrite::Replace,
        raw.as_deref(),
        &headers,
        &body,
    )
    .await
}

pub async fn merge(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<Response> {
    let caller = (&twin, &contexts, actor.as_ref());
    write_body(
        caller,
        &id,
        BodyWrite::Merge,
        raw.as_deref(),
        &headers,
        &body,
    )
    .await
}

/// The writes of one entity that carry a body of attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyWrite {
    /// PUT /entities/{id}
    Replace,
    /// PATCH /entities/{id}
    Merge,
    /// POST /entities/{id}/attrs (`options=noOverwrite`)
    Append,
    /// PATCH /entities/{id}/attrs
    Update,
}

impl BodyWrite {
    /// Its name among a registration's `operations`, its method and path for a source.
    fn route(self, id: &str) -> (&'static str, reqwest::Method, String) {
        match self {
            BodyWrite::Replace => (
                "replaceEntity",
                reqwest::Method::PUT,
                format!("entities/{id}"),
            ),
            BodyWrite::Merge => (
                "mergeEntity",
                reqwest::Method::PATCH,
                format!("entities/{id}"),
            ),
            BodyWrite::Append => (
                "appendAttrs",
                reqwest::Method::POST,
                format!("entities/{id}/attrs/"),
            ),
            BodyWrite::Update => (
                "updateEntity",
                reqwest::Method::PATCH,
                format!("entities/{id}/attrs/"),
            ),
        }
    }
}

/// A write of attributes on entity `id`: locally through the service, and at the context
/// sources that take it (`distributed_writes`).
async fn write_body(
    (twin, contexts, actor): (&Twin, &Contexts, Option<&yuverse_core::Actor>),
    id: &str,
    kind: BodyWrite,
    raw_query: Option<&str>,
    headers: &HeaderMap,
    body: &Bytes,
) -> NgsiResult<Response> {
    let p = parse_query_string(raw_query)?;
    let merge_patch = matches!(kind, BodyWrite::Merge | BodyWrite::Update);
    let (ctx, body) = contexts.write_request(twin, actor, headers, body, merge_patch)?;
    let tenant = tenant(headers)?;
    let no_overwrite = p
        .get("options")
        .is_some_and(|o| o.split(',').any(|x| x == "noOverwrite"));
    let (operation, method, path) = kind.route(id);
    let write = Write {
        operation,
        method,
        path,
        id,
        written: Written::Body(body),
    };
    let (tenant, ctx) = (&tenant, &ctx);
    let local = |body: Value| async move {
        let mode = match kind {
            BodyWrite::Replace => {
                twin.replace_entity(tenant, id, &body, ctx).await?;
                return Ok(StatusCode::NO_CONTENT.into_response());
            }
            BodyWrite::Merge => {
                twin.merge_entity(tenant, id, &body, ctx).await?;
                return Ok(StatusCode::NO_CONTENT.into_response());
            }
            BodyWrite::Append => AttrsMode::Append { no_overwrite },
            BodyWrite::Update => AttrsMode::Update,
        };
        let outcome = twin.put_attributes(tenant, id, &body, ctx, mode).await?;
        Ok(attrs_response(outcome))
    };
    distributed_writes::write(twin, tenant, ctx, (&p, headers), write, local).await
}

pub async fn delete_entity(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> NgsiResult<Response> {
    twin.authorize_write(actor.as_ref())?;
    let p = parse_query_string(raw.as_deref())?;
    let tenant = tenant(&headers)?;
    let write = Write {
        operation: "deleteEntity",
        method: reqwest::Method::DELETE,
        path: format!("entities/{id}"),
        id: &id,
        written: Written::Entity,
    };
    let (twin, tenant, id) = (&twin, &tenant, &id);
    distributed_writes::write(
        twin,
        tenant,
        &contexts.core(),
        (&p, &headers),
        write,
        |_| async move {
            twin.delete_entity(tenant, id).await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        },
    )
    .await
}

/// A write on `/entities/{id}/attrs/{attribute}`.
fn attribute_write<'a>(
    operation: &'static str,
    method: reqwest::Method,
    (id, attribute): (&'a str, &str),
    written: Written<'a>,
) -> Write<'a> {
    Write {
        operation,
        method,
        path: format!("entities/{id}/attrs/{attribute}"),
        id,
        written,
    }
}

/// 204, or 207 with an UpdateResult (attribute names expanded, as the standard's examples and
/// its conformance suite have them).
fn attrs_response(outcome: crate::service::AttrsOutcome) -> Response {
    if outcome.not_updated.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    let body = json!({
        "updated": outcome.updated,
        "notUpdated": outcome.not_updated.iter().map(|(a, reason)| json!({"attributeName": a, "reason": reason})).collect::<Vec<_>>(),
    });
    (
        StatusCode::MULTI_STATUS,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

pub async fn append(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<Response> {
    let caller = (&twin, &contexts, actor.as_ref());
    write_body(
        caller,
        &id,
        BodyWrite::Append,
        raw.as_deref(),
        &headers,
        &body,
    )
    .await
}

pub async fn update(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<Response> {
    let caller = (&twin, &contexts, actor.as_ref());
    write_body(
        caller,
        &id,
        BodyWrite::Update,
        raw.as_deref(),
        &headers,
        &body,
    )
    .await
}

pub async fn partial_update(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Caller(actor): Caller,
    Path((id, attr)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<Response> {
    write_one_attribute(
        (&twin, &contexts, actor.as_ref()),
        (&id, &attr),
        raw.as_deref(),
        &headers,
        &body,
        false,
    )
    .await
}

pub async fn replace_attribute(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Caller(actor): Caller,
    Path((id, attr)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<Response> {
    write_one_attribute(
        (&twin, &contexts, actor.as_ref()),
        (&id, &attr),
        raw.as_deref(),
        &headers,
        &body,
        true,
    )
    .await
}

/// Partial update (`replace: false`, a merge-patch body) or replacement of one attribute.
async fn write_one_attribute(
    (twin, contexts, actor): (&Twin, &Contexts, Option<&yuverse_core::Actor>),
    (id, attr): (&str, &str),
    raw_query: Option<&str>,
    headers: &HeaderMap,
    body: &Bytes,
    replace: bool,
) -> NgsiResult<Response> {
    let p = parse_query_string(raw_query)?;
    let (ctx, body) = contexts.write_request(twin, actor, headers, body, !replace)?;
    let tenant = tenant(headers)?;
    let (operation, method) = if replace {
        ("replaceAttrs", reqwest::Method::PUT)
    } else {
        ("updateAttrs", reqwest::Method::PATCH)
    };
    let written = Written::Attribute(attr, Some(body));
    let write = attribute_write(operation, method, (id, attr), written);
    let (tenant, ctx) = (&tenant, &ctx);
    distributed_writes::write(twin, tenant, ctx, (&p, headers), write, |body| async move {
        twin.write_attribute(tenant, id, attr, &body, ctx, replace)
            .await?;
        Ok(StatusCode::NO_CONTENT.into_response())
    })
    .await
}

pub async fn delete_attribute(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Caller(actor): Caller,
    Path((id, attr)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> NgsiResult<Response> {
    twin.authorize_write(actor.as_ref())?;
    let ctx = contexts.for_read(&headers)?;
    let p = parse_query_string(raw.as_deref())?;
    let all = flag(&p, "deleteAll")?;
    let tenant = tenant(&headers)?;
    let write = attribute_write(
        "deleteAttrs",
        reqwest::Method::DELETE,
        (&id, &attr),
        Written::Attribute(&attr, None),
    );
    let (twin, tenant, ctx, id, attr, p) = (&twin, &tenant, &ctx, &id, &attr, &p);
    distributed_writes::write(twin, tenant, ctx, (p, &headers), write, |_| async move {
        let dataset = p.get("datasetId").map(String::as_str);
        twin.delete_attribute(tenant, id, attr, ctx, dataset, all)
            .await?;
        Ok(StatusCode::NO_CONTENT.into_response())
    })
    .await
}
