//! @context resolution for requests and the `/jsonldContexts` endpoints.
//!
//! Contexts come from the embedded core context, the broker's store (contexts hosted through
//! `POST /jsonldContexts`, kept in SQL; cached downloads), and the sources of
//! [`context_sources`](super::context_sources) (pre-loaded files, a mirror folder, downloads
//! only when allowed). A URL found nowhere is `LdContextNotAvailable` (504 as in V1.9.1, or
//! 503 when configured). Processed contexts are cached.

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Bytes;
use axum::http::{header, HeaderMap, StatusCode};
use serde_json::Value;
use yuverse_core::db::Database;
use yuverse_twin_context::{
    ActiveContext, CacheConfig, ContextCache, ContextError, ContextKind, ContextSource, StoreError,
    StoredContext,
};

use super::context_sources::{ContextSourcesConfig, Sources};
use super::request::{content_type, json_body};
use crate::domain::Vocabulary;
use crate::error::{ErrorKind, NgsiError, NgsiResult};

pub const CORE_CONTEXT_URL: &str =
    "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld";

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

/// The broker's @context resolution: the embedded core context, stored contexts (hosted here,
/// implicitly created, cached downloads) in a [`ContextCache`] that also keeps processed
/// contexts, and the other [sources](super::context_sources) behind it.
#[derive(Clone)]
pub struct Contexts {
    inner: Arc<ContextsInner>,
}

struct ContextsInner {
    cache: ContextCache,
    sources: ContextSourcesConfig,
    unavailable_status: StatusCode,
    /// Where hosted contexts are kept; `None` keeps them in memory only.
    db: Option<Database>,
    /// When the broker started: the `createdAt` of the core context's pseudo-entry.
    started: SystemTime,
}

impl std::fmt::Debug for Contexts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Contexts")
    }
}

impl Default for Contexts {
    fn default() -> Self {
        Contexts::in_memory(ContextSourcesConfig::default(), StatusCode::GATEWAY_TIMEOUT)
    }
}

impl Contexts {
    /// Contexts whose hosted documents live in `db` (loaded now, written on every change).
    /// `unavailable_status`: 504 (V1.9.1) or 503 (earlier editions) for LdContextNotAvailable.
    pub async fn open(
        sources: ContextSourcesConfig,
        unavailable_status: StatusCode,
        db: Database,
    ) -> anyhow::Result<Contexts> {
        let stored = crate::store::contexts::load(&db).await?;
        let contexts = Contexts::build(sources, unavailable_status, Some(db));
        for entry in stored {
            contexts.inner.cache.insert(entry);
        }
        Ok(contexts)
    }

    /// Contexts without storage: hosted documents last as long as the process.
    pub fn in_memory(sources: ContextSourcesConfig, unavailable_status: StatusCode) -> Contexts {
        Contexts::build(sources, unavailable_status, None)
    }

    fn build(
        sources: ContextSourcesConfig,
        unavailable_status: StatusCode,
        db: Option<Database>,
    ) -> Contexts {
        let config = CacheConfig {
            max_cached_documents: 1000,
            max_active_contexts: 1000,
            ..CacheConfig::default()
        };
        Contexts {
            inner: Arc::new(ContextsInner {
                cache: ContextCache::new(config),
                sources,
                unavailable_status,
                db,
                started: SystemTime::now(),
            }),
        }
    }

    fn sources(&self) -> Sources<'_> {
        Sources {
            config: &self.inner.sources,
            cache: &self.inner.cache,
        }
    }

    fn error(&self, e: ContextError) -> NgsiError {
        if e.is_not_available() {
            NgsiError::new(ErrorKind::LdContextNotAvailable, e.to_string())
                .with_status(self.inner.unavailable_status)
        } else {
            NgsiError::bad_data(format!("invalid @context: {e}"))
        }
    }

    pub(super) fn store_error(&self, e: StoreError) -> NgsiError {
        match e {
            StoreError::NotFound(id) => NgsiError::not_found(format!("no @context `{id}`")),
            StoreError::OperationNotSupported(why) => {
                NgsiError::new(ErrorKind::OperationNotSupported, why)
            }
            StoreError::BadRequestData(why) => NgsiError::bad_data(why),
            StoreError::InvalidRequest(why) => NgsiError::invalid(why),
            StoreError::Context(e) => self.error(e),
        }
    }

    /// Hosts a context document (`POST /jsonldContexts`) for `tenant`: checks that it
    /// processes, stores it under a new local id served at `<base_url><local id>`, and keeps
    /// it in SQL.
    pub(super) async fn host(
        &self,
        document: &Value,
        base_url: &str,
        tenant: &str,
    ) -> NgsiResult<StoredContext> {
        let entry = self
            .inner
            .cache
            .add_hosted_at(document, base_url, Some(tenant), &self.sources())
            .map_err(|e| self.store_error(e))?;
        self.keep(entry).await
    }

    /// Gives a `@context` that is not a single URL (an array or an object) a URL of its own:
    /// an `ImplicitlyCreated` context of `tenant`, served at `<base_url><local id>` and kept
    /// in SQL (clause 5.13.1), so that documents made with it, such as subscriptions, can
    /// name it in a `Link` header. `None` for a URL, `null`, or nothing.
    pub async fn implicit_url(
        &self,
        value: &Value,
        base_url: &str,
        tenant: &str,
    ) -> NgsiResult<Option<String>> {
        if !(value.is_array() || value.is_object()) {
            return Ok(None);
        }
        let (entry, new) = self
            .inner
            .cache
            .add_implicit_at(value, base_url, Some(tenant));
        let entry = if new { self.keep(entry).await? } else { entry };
        Ok(Some(entry.url))
    }

    /// Writes a new hosted or implicit entry to SQL; on failure it is dropped from the cache
    /// too, so nothing is half-written.
    async fn keep(&self, entry: StoredContext) -> NgsiResult<StoredContext> {
        if let Some(db) = &self.inner.db {
            if let Err(e) = crate::store::contexts::save(db, &entry).await {
                // Not stored, so not hosted: nothing is half-written.
                let _ = self.inner.cache.delete(&entry.local_id);
                return Err(e.into());
            }
        }
        Ok(entry)
    }

    /// The stored context `id` (local id or URL) as `tenant` sees it: its own hosted and
    /// implicit contexts, every cached one, and the core context's pseudo-entry.
    pub(super) fn find(&self, id: &str, tenant: &str) -> Option<StoredContext> {
        if is_core(id) {
            return Some(self.core_entry());
        }
        self.inner.cache.get(id).filter(|s| s.visible_to(tenant))
    }

    /// The stored contexts of `kind` (all when `None`) that `tenant` sees, the core context
    /// last (it counts as `Cached`: the broker holds a copy of a public document).
    pub(super) fn list(&self, kind: Option<ContextKind>, tenant: &str) -> Vec<StoredContext> {
        let core = kind
            .is_none_or(|k| k == ContextKind::Cached)
            .then(|| self.core_entry());
        let stored = self.inner.cache.list(kind);
        stored
            .into_iter()
            .filter(|s| s.visible_to(tenant))
            .chain(core)
            .collect()
    }

    /// The pseudo-entry of the embedded core context: listed and described like a cached
    /// document, never deleted, and "reloaded" without effect (it is compiled in).
    fn core_entry(&self) -> StoredContext {
        StoredContext {
            local_id: CORE_LOCAL_ID.to_owned(),
            url: CORE_CONTEXT_URL.to_owned(),
            kind: ContextKind::Cached,
            document: Arc::new(yuverse_twin_context::core::core_context_document().clone()),
            created_at: self.inner.started,
            expires_at: None,
            last_usage: None,
            number_of_hits: 0,
            tenant: None,
        }
    }

    /// Removes a stored context (`DELETE /jsonldContexts/{id}`), or with `reload` downloads a
    /// cached one again. Another tenant's context is as absent as an unknown one.
    pub(super) async fn remove(&self, id: &str, reload: bool, tenant: &str) -> NgsiResult<()> {
        if is_core(id) {
            // Clause 5.13.5.4: the core context cannot be deleted; reloading the embedded
            // copy changes nothing.
            return match reload {
                true => Ok(()),
                false => Err(NgsiError::bad_data("the core @context cannot be deleted")),
            };
        }
        let found = self.find(id, tenant);
        if reload {
            let entry = found.ok_or_else(|| {
                NgsiError::bad_data(format!("no stored @context `{id}` to reload"))
            })?;
            self.inner
                .cache
                .reload(&entry.local_id, &self.sources())
                .map_err(|e| self.store_error(e))?;
            return Ok(());
        }
        let entry = found.ok_or_else(|| NgsiError::not_found(format!("no @context `{id}`")))?;
        if let (Some(db), true) = (&self.inner.db, entry.kind != ContextKind::Cached) {
            crate::store::contexts::delete(db, &entry.local_id).await?;
        }
        self.inner
            .cache
            .delete(&entry.local_id)
            .map_err(|e| self.store_error(e))?;
        Ok(())
    }

    pub fn core(&self) -> RequestContext {
        RequestContext {
            active: ActiveContext::core_shared(),
            url: CORE_CONTEXT_URL.to_owned(),
            value: Value::String(CORE_CONTEXT_URL.to_owned()),
        }
    }

    /// The context of a `@context` value (URL, object or array).
    pub fn resolve_value(&self, value: &Value) -> NgsiResult<RequestContext> {
        let active = self
            .inner
            .cache
            .active_context(value, &self.sources())
            .map_err(|e| self.error(e))?;
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

/// The local id of the core context's pseudo-entry.
const CORE_LOCAL_ID: &str = "urn:ngsi-ld:jsonldContext:core";

fn is_core(id: &str) -> bool {
    id == CORE_LOCAL_ID || yuverse_twin_context::core::is_core_context_url(id)
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
