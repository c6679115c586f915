//! @context resolution for requests and the `/jsonldContexts` endpoints.
//!
//! The platform runs on closed networks, so contexts come from three places only: the embedded
//! core context, contexts added through `POST /jsonldContexts` (served back by this broker),
//! and contexts pre-loaded from local files at start (a URL → document map). A URL found in
//! none of them is `LdContextNotAvailable` (504 as in V1.9.1, or 503 when configured).
//! Processed contexts are cached by URL.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use yuverse_twin_context::{ActiveContext, ContextError, ContextLoader, ContextSource};

use super::request::{content_type, json_body};
use crate::domain::Vocabulary;
use crate::error::{ErrorKind, NgsiError, NgsiResult};

pub const CORE_CONTEXT_URL: &str =
    "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld";
const HOSTED_PATH: &str = "/ngsi-ld/v1/jsonldContexts/";

/// A processed context and the URL to name it by in `Link` headers.
#[derive(Clone)]
pub struct RequestContext {
    pub active: Arc<ActiveContext>,
    /// The context URL for `Link` (the client's, or the core context).
    pub url: String,
    /// The `@context` value to put in JSON-LD bodies.
    pub value: Value,
}

impl Vocabulary for RequestContext {
    fn expand(&self, term: &str) -> String {
        self.active.expand_term(term)
    }
    fn compact(&self, iri: &str) -> String {
        self.active.compact_iri(iri)
    }
}

#[derive(Clone, Default)]
pub struct Contexts {
    inner: Arc<ContextsInner>,
}

#[derive(Default)]
struct ContextsInner {
    /// Documents by URL: pre-loaded files and hosted contexts.
    documents: RwLock<HashMap<String, Value>>,
    /// Hosted contexts by id, with their creation time.
    hosted: RwLock<HashMap<String, (Value, String)>>,
    processed: RwLock<HashMap<String, Arc<ActiveContext>>>,
    unavailable_status: RwLock<Option<StatusCode>>,
}

impl std::fmt::Debug for Contexts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Contexts")
    }
}

struct Loader<'a>(&'a Contexts);

impl ContextLoader for Loader<'_> {
    fn load(&self, url: &str) -> Result<Value, ContextError> {
        if let Some(id) = url.rsplit_once(HOSTED_PATH).map(|(_, id)| id) {
            if let Some((doc, _)) = self
                .0
                .inner
                .hosted
                .read()
                .ok()
                .and_then(|h| h.get(id).cloned())
            {
                return Ok(doc);
            }
        }
        self.0
            .inner
            .documents
            .read()
            .ok()
            .and_then(|d| d.get(url).cloned())
            .ok_or_else(|| {
                ContextError::not_available(
                    url,
                    "not hosted here nor pre-loaded, and remote contexts are not fetched on this closed network",
                )
            })
    }
}

impl Contexts {
    /// `unavailable_status`: 504 (V1.9.1) or 503 (earlier editions) for LdContextNotAvailable.
    pub fn new(preloaded: HashMap<String, Value>, unavailable_status: StatusCode) -> Contexts {
        let contexts = Contexts::default();
        if let Ok(mut d) = contexts.inner.documents.write() {
            *d = preloaded;
        }
        if let Ok(mut s) = contexts.inner.unavailable_status.write() {
            *s = Some(unavailable_status);
        }
        contexts
    }

    fn error(&self, e: ContextError) -> NgsiError {
        if e.is_not_available() {
            let status = self
                .inner
                .unavailable_status
                .read()
                .ok()
                .and_then(|s| *s)
                .unwrap_or(StatusCode::GATEWAY_TIMEOUT);
            NgsiError::new(ErrorKind::LdContextNotAvailable, e.to_string()).with_status(status)
        } else {
            NgsiError::bad_data(format!("invalid @context: {e}"))
        }
    }

    pub fn core(&self) -> RequestContext {
        RequestContext {
            active: Arc::new(ActiveContext::core().clone()),
            url: CORE_CONTEXT_URL.to_owned(),
            value: Value::String(CORE_CONTEXT_URL.to_owned()),
        }
    }

    /// The context of a `@context` value (URL, object or array).
    pub fn resolve_value(&self, value: &Value) -> NgsiResult<RequestContext> {
        let key = value.to_string();
        if let Some(active) = self
            .inner
            .processed
            .read()
            .ok()
            .and_then(|p| p.get(&key).cloned())
        {
            return Ok(self.request_context(active, value));
        }
        let active =
            Arc::new(ActiveContext::from_value(value, &Loader(self)).map_err(|e| self.error(e))?);
        if let Ok(mut p) = self.inner.processed.write() {
            if p.len() > 1000 {
                p.clear();
            }
            p.insert(key, active.clone());
        }
        Ok(self.request_context(active, value))
    }

    fn request_context(&self, active: Arc<ActiveContext>, value: &Value) -> RequestContext {
        let url = match value {
            Value::String(s) => s.clone(),
            _ => CORE_CONTEXT_URL.to_owned(),
        };
        RequestContext {
            active,
            url,
            value: value.clone(),
        }
    }

    /// The context of a request without body (GET/DELETE): the `Link` header or the core.
    pub fn for_read(&self, headers: &HeaderMap) -> NgsiResult<RequestContext> {
        let link = headers.get(header::LINK).and_then(|v| v.to_str().ok());
        match link.map(yuverse_twin_context::link_context_url) {
            Some(Ok(Some(url))) => self.resolve_value(&Value::String(url)),
            Some(Ok(None)) | None => Ok(self.core()),
            Some(Err(e)) => Err(NgsiError::bad_data(format!("Link header: {e}"))),
        }
    }

    /// The prologue of every NGSI-LD write: authorise the caller, read the JSON body (411/415/
    /// 400 rules), and resolve its @context. Returns the context and the body without it.
    pub fn write_request(
        &self,
        twin: &crate::Twin,
        actor: Option<&yuverse_core::Actor>,
        headers: &HeaderMap,
        body: &Bytes,
        merge_patch: bool,
    ) -> NgsiResult<(RequestContext, Value)> {
        twin.authorize_write(actor)?;
        self.for_body(headers, json_body(headers, body, merge_patch)?)
    }

    /// The context of a request with a JSON body, by the content-type rules of the standard.
    /// Returns the context and the body without its `@context` member.
    pub fn for_body(
        &self,
        headers: &HeaderMap,
        body: Value,
    ) -> NgsiResult<(RequestContext, Value)> {
        let link = headers.get(header::LINK).and_then(|v| v.to_str().ok());
        let ct = content_type(headers);
        let source = yuverse_twin_context::context_source(ct.as_deref(), link, Some(&body))
            .map_err(|e| NgsiError::bad_data(e.to_string()))?;
        let ctx = match source {
            ContextSource::Core => self.core(),
            ContextSource::Link(url) => self.resolve_value(&Value::String(url))?,
            ContextSource::Body(value) => self.resolve_value(&value)?,
            // A JSON-LD batch carries one @context per entity; the batch is read with the
            // first one (clients send the same context on every entity in practice).
            ContextSource::PerEntity(values) => match values.first() {
                Some(value) => self.resolve_value(value)?,
                None => self.core(),
            },
        };
        Ok((ctx, strip_context(body)))
    }
}

fn strip_context(mut body: Value) -> Value {
    match &mut body {
        Value::Object(o) => {
            o.remove("@context");
        }
        Value::Array(items) => {
            for item in items {
                if let Value::Object(o) = item {
                    o.remove("@context");
                }
            }
        }
        _ => {}
    }
    body
}

/// `POST /jsonldContexts`: hosts a context document; answers its URL.
pub async fn add(
    State(contexts): State<Contexts>,
    headers: HeaderMap,
    body: Bytes,
) -> NgsiResult<Response> {
    let document = json_body(&headers, &body, false)?;
    if !document
        .get("@context")
        .is_some_and(|c| c.is_object() || c.is_array())
    {
        return Err(NgsiError::bad_data(
            "the body must be a JSON-LD document with an @context object",
        ));
    }
    // Check it processes before hosting it.
    contexts.resolve_value(&document["@context"])?;
    let id = uuid::Uuid::now_v7().to_string();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let url = format!("http://{host}{HOSTED_PATH}{id}");
    let now = yuverse_core::time::to_db(yuverse_core::time::now());
    if let Ok(mut hosted) = contexts.inner.hosted.write() {
        hosted.insert(id.clone(), (document, now));
    }
    Ok((StatusCode::CREATED, [(header::LOCATION, url)]).into_response())
}

pub async fn list(State(contexts): State<Contexts>, headers: HeaderMap) -> NgsiResult<Response> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let hosted = contexts
        .inner
        .hosted
        .read()
        .map_err(|_| NgsiError::internal("lock"))?;
    let mut urls: Vec<Value> = vec![json!(CORE_CONTEXT_URL)];
    urls.extend(
        hosted
            .keys()
            .map(|id| json!(format!("http://{host}{HOSTED_PATH}{id}"))),
    );
    Ok(axum::Json(urls).into_response())
}

pub async fn serve(
    State(contexts): State<Contexts>,
    Path(id): Path<String>,
) -> NgsiResult<Response> {
    let hosted = contexts
        .inner
        .hosted
        .read()
        .map_err(|_| NgsiError::internal("lock"))?;
    let (doc, _) = hosted
        .get(&id)
        .ok_or_else(|| NgsiError::not_found(format!("no @context `{id}`")))?;
    Ok((
        [(header::CONTENT_TYPE, "application/ld+json")],
        doc.to_string(),
    )
        .into_response())
}

pub async fn remove(
    State(contexts): State<Contexts>,
    Path(id): Path<String>,
) -> NgsiResult<StatusCode> {
    let removed = contexts
        .inner
        .hosted
        .write()
        .map_err(|_| NgsiError::internal("lock"))?
        .remove(&id);
    if removed.is_none() {
        return Err(NgsiError::not_found(format!("no @context `{id}`")));
    }
    if let Ok(mut p) = contexts.inner.processed.write() {
        p.clear();
    }
    Ok(StatusCode::NO_CONTENT)
}
