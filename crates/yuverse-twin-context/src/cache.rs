//! A thread-safe store of `@context` documents (the `/jsonldContexts` storage of NGSI-LD
//! clause 5.13) and a cache of processed active contexts.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use thiserror::Error;

use crate::context::ActiveContext;
use crate::core::{core_context_document, is_core_context_url};
use crate::error::ContextError;
use crate::loader::ContextLoader;

/// The kind of a stored `@context` (clause 5.13.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ContextKind {
    /// Downloaded by the broker from its URL while serving requests; used as a local cache
    /// only, never served.
    Cached,
    /// Added by a client through `POST /jsonldContexts`; served on demand.
    Hosted,
    /// Created by the broker itself (e.g. to give an inline or array `@context` a URL for
    /// `Link` headers of notifications); served on demand.
    ImplicitlyCreated,
}

impl ContextKind {
    /// The name used by the API: `Cached`, `Hosted` or `ImplicitlyCreated`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cached => "Cached",
            Self::Hosted => "Hosted",
            Self::ImplicitlyCreated => "ImplicitlyCreated",
        }
    }

    /// Parses the `kind` query parameter (exact names).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Cached" => Some(Self::Cached),
            "Hosted" => Some(Self::Hosted),
            "ImplicitlyCreated" => Some(Self::ImplicitlyCreated),
            _ => None,
        }
    }

    /// Whether contexts of this kind are served by `GET /jsonldContexts/{id}`.
    pub fn is_served(self) -> bool {
        self != Self::Cached
    }
}

/// One stored `@context` with its metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredContext {
    /// The locally unique identifier (a URN).
    pub local_id: String,
    /// The original URL (`Cached`), or the URL the broker serves it at (`Hosted`,
    /// `ImplicitlyCreated`).
    pub url: String,
    /// The kind.
    pub kind: ContextKind,
    /// The document, `{"@context": …}`.
    pub document: Arc<Value>,
    /// When it was stored (or last reloaded).
    pub created_at: SystemTime,
    /// When a `Cached` copy expires (then it is downloaded again when next needed).
    pub expires_at: Option<SystemTime>,
    /// When it was last found in the store while resolving a context.
    pub last_usage: Option<SystemTime>,
    /// How many times it was used to resolve a context: the first download of a `Cached`
    /// copy, every later look-up in the store, and every reuse of a processed context that
    /// names its URL.
    pub number_of_hits: u64,
    /// The tenant a `Hosted` or `ImplicitlyCreated` context belongs to (clause 5.5.10: a
    /// client's documents stay within its tenant); `None` for `Cached` copies of public
    /// documents, which every tenant shares.
    pub tenant: Option<String>,
}

impl StoredContext {
    /// Whether a request of `tenant` may see this entry.
    pub fn visible_to(&self, tenant: &str) -> bool {
        self.tenant.as_deref().is_none_or(|t| t == tenant)
    }

    /// The metadata object of `GET /jsonldContexts?details=true` (clause 5.13.3.5):
    /// `URL`, `localId`, `kind`, `createdAt`, and when known `expiresAt`, `lastUsage`,
    /// `numberOfHits`. Times are RFC 3339 UTC with microseconds.
    pub fn metadata(&self) -> Value {
        let mut m = Map::new();
        m.insert("URL".into(), Value::String(self.url.clone()));
        m.insert("localId".into(), Value::String(self.local_id.clone()));
        m.insert("kind".into(), Value::String(self.kind.as_str().into()));
        m.insert(
            "createdAt".into(),
            Value::String(format_rfc3339(self.created_at)),
        );
        if let Some(t) = self.expires_at {
            m.insert("expiresAt".into(), Value::String(format_rfc3339(t)));
        }
        if let Some(t) = self.last_usage {
            m.insert("lastUsage".into(), Value::String(format_rfc3339(t)));
        }
        m.insert("numberOfHits".into(), Value::from(self.number_of_hits));
        Value::Object(m)
    }

    fn expired(&self, now: SystemTime) -> bool {
        self.expires_at.is_some_and(|t| t <= now)
    }
}

/// An error of the `/jsonldContexts` operations.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StoreError {
    /// No stored context has this identifier: `ResourceNotFound` (404).
    #[error("no stored @context {0:?}")]
    NotFound(String),
    /// A `Cached` context cannot be served: `OperationNotSupported` (422).
    #[error("{0}")]
    OperationNotSupported(String),
    /// The request is wrong (e.g. reloading a non-`Cached` or unknown context):
    /// `BadRequestData` (400).
    #[error("{0}")]
    BadRequestData(String),
    /// The body is not a context document at all (not an object with `@context`):
    /// `InvalidRequest` (400), as the conformance tests of clause 5.13.2 expect.
    #[error("{0}")]
    InvalidRequest(String),
    /// Processing or (re)loading the context failed; mapped like [`ContextError`].
    #[error(transparent)]
    Context(#[from] ContextError),
}

/// Limits and settings of a [`ContextCache`].
#[derive(Debug, Clone)]
pub struct CacheConfig {
    /// The most `Cached` documents kept (least recently used ones are dropped first).
    /// `Hosted` and `ImplicitlyCreated` documents are user data and never dropped.
    pub max_cached_documents: usize,
    /// The most processed active contexts kept (least recently used dropped first).
    pub max_active_contexts: usize,
    /// How long a `Cached` document is used before it is downloaded again; `None` keeps it
    /// until dropped. When the new download fails the old copy goes on being used.
    pub cached_ttl: Option<Duration>,
    /// The URL prefix that `Hosted` and `ImplicitlyCreated` contexts are served under,
    /// e.g. `http://broker:8080/ngsi-ld/v1/jsonldContexts/`; the local id is appended.
    pub serving_base_url: String,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            max_cached_documents: 256,
            max_active_contexts: 256,
            cached_ttl: Some(Duration::from_secs(24 * 3600)),
            serving_base_url: "http://localhost/ngsi-ld/v1/jsonldContexts/".to_string(),
        }
    }
}

/// A small least-recently-used index of keys.
#[derive(Debug, Default)]
struct Lru {
    ticks: HashMap<String, u64>,
    order: BTreeMap<u64, String>,
    tick: u64,
}

impl Lru {
    fn touch(&mut self, key: &str) {
        self.tick += 1;
        if let Some(old) = self.ticks.insert(key.to_string(), self.tick) {
            self.order.remove(&old);
        }
        self.order.insert(self.tick, key.to_string());
    }

    fn remove(&mut self, key: &str) {
        if let Some(old) = self.ticks.remove(key) {
            self.order.remove(&old);
        }
    }

    /// Removes and returns the least recently used key.
    fn pop_oldest(&mut self) -> Option<String> {
        let (&tick, _) = self.order.iter().next()?;
        let key = self.order.remove(&tick)?;
        self.ticks.remove(&key);
        Some(key)
    }

    fn len(&self) -> usize {
        self.ticks.len()
    }

    fn clear(&mut self) {
        self.ticks.clear();
        self.order.clear();
    }
}

#[derive(Debug, Default)]
struct Inner {
    /// local id → entry
    entries: HashMap<String, StoredContext>,
    /// URL → local id
    by_url: HashMap<String, String>,
    /// local ids of `Cached` entries
    cached_lru: Lru,
    /// processed contexts: key → (context, built at)
    active: HashMap<String, (Arc<ActiveContext>, SystemTime)>,
    active_lru: Lru,
}

impl Inner {
    fn lookup_id(&self, id_or_url: &str) -> Option<String> {
        if self.entries.contains_key(id_or_url) {
            Some(id_or_url.to_string())
        } else {
            self.by_url.get(id_or_url).cloned()
        }
    }

    /// The entry a context URL names: the one stored under that URL, or else a served one
    /// whose local id ends the URL's path (`…/jsonldContexts/<local id>`), so a hosted
    /// context resolves whatever host name or path prefix the client put before it.
    fn lookup_url(&self, url: &str) -> Option<String> {
        if let Some(id) = self.by_url.get(url) {
            return Some(id.clone());
        }
        let (_, id) = url.rsplit_once("/jsonldContexts/")?;
        self.entries
            .get(id)
            .filter(|e| e.kind.is_served())
            .map(|e| e.local_id.clone())
    }

    /// Counts one use of the entry `url` names, if any (see [`StoredContext::number_of_hits`]).
    fn hit(&mut self, url: &str, now: SystemTime) {
        if let Some(id) = self.lookup_url(url) {
            if let Some(e) = self.entries.get_mut(&id) {
                e.number_of_hits += 1;
                e.last_usage = Some(now);
            }
        }
    }

    fn remove(&mut self, id: &str) -> Option<StoredContext> {
        let entry = self.entries.remove(id)?;
        if self.by_url.get(&entry.url).is_some_and(|i| i == id) {
            self.by_url.remove(&entry.url);
        }
        self.cached_lru.remove(id);
        Some(entry)
    }

    fn insert(&mut self, entry: StoredContext, max_cached: usize) {
        if let Some(old_id) = self.by_url.get(&entry.url).cloned() {
            if old_id != entry.local_id {
                self.remove(&old_id);
            }
        }
        self.remove(&entry.local_id);
        if entry.kind == ContextKind::Cached {
            self.cached_lru.touch(&entry.local_id);
            while self.cached_lru.len() > max_cached.max(1) {
                match self.cached_lru.pop_oldest() {
                    Some(old) => {
                        self.remove(&old);
                    }
                    None => break,
                }
            }
        }
        self.by_url
            .insert(entry.url.clone(), entry.local_id.clone());
        self.entries.insert(entry.local_id.clone(), entry);
    }

    fn clear_active(&mut self) {
        self.active.clear();
        self.active_lru.clear();
    }
}

/// The clock a [`ContextCache`] reads.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// A thread-safe store of `@context` documents by URL and local id (`Cached` downloads,
/// `Hosted` and `ImplicitlyCreated` contexts, with the metadata the `/jsonldContexts`
/// endpoints report) and a size-bounded LRU cache of processed [`ActiveContext`]s.
///
/// The lock is never held while a remote loader runs.
pub struct ContextCache {
    config: CacheConfig,
    clock: Clock,
    inner: Mutex<Inner>,
    counter: AtomicU64,
    salt: u64,
}

impl std::fmt::Debug for ContextCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.lock();
        f.debug_struct("ContextCache")
            .field("config", &self.config)
            .field("documents", &inner.entries.len())
            .field("active_contexts", &inner.active.len())
            .finish()
    }
}

impl Default for ContextCache {
    fn default() -> Self {
        Self::new(CacheConfig::default())
    }
}

impl ContextCache {
    /// An empty cache with the system clock.
    pub fn new(config: CacheConfig) -> Self {
        Self::with_clock(config, Arc::new(SystemTime::now))
    }

    /// An empty cache with the given clock (for tests).
    pub fn with_clock(config: CacheConfig, clock: Clock) -> Self {
        let salt = RandomState::new().hash_one((clock)());
        Self {
            config,
            clock,
            inner: Mutex::new(Inner::default()),
            counter: AtomicU64::new(0),
            salt,
        }
    }

    /// The settings.
    pub fn config(&self) -> &CacheConfig {
        &self.config
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn now(&self) -> SystemTime {
        (self.clock)()
    }

    fn new_local_id(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("urn:ngsi-ld:jsonldContext:{:016x}-{n}", self.salt)
    }

    fn expiry(&self, now: SystemTime) -> Option<SystemTime> {
        self.config.cached_ttl.and_then(|ttl| now.checked_add(ttl))
    }

    /// A loader that resolves URLs through this store and, for URLs it does not hold (or
    /// holds expired), through `remote`; what `remote` returns is stored as `Cached`.
    /// Core context URLs are answered with the embedded core context.
    pub fn loader<'a>(&'a self, remote: &'a dyn ContextLoader) -> CachingLoader<'a> {
        CachingLoader {
            cache: self,
            remote,
        }
    }

    /// The active context for a `@context` value (a URL, an object, an array, or `null`),
    /// built once and then reused until evicted, until any stored document changes, or
    /// (with a `cached_ttl`) until it is older than the TTL.
    pub fn active_context(
        &self,
        value: &Value,
        remote: &dyn ContextLoader,
    ) -> Result<Arc<ActiveContext>, ContextError> {
        let key = value.to_string();
        let now = self.now();
        {
            let mut inner = self.lock();
            let fresh = inner.active.get(&key).and_then(|(ctx, built)| {
                let stale = self
                    .config
                    .cached_ttl
                    .is_some_and(|ttl| built.checked_add(ttl).is_none_or(|t| t <= now));
                (!stale).then(|| Arc::clone(ctx))
            });
            if let Some(ctx) = fresh {
                inner.active_lru.touch(&key);
                // A reused processed context is still a use of the documents it names.
                for url in top_level_urls(value) {
                    inner.hit(url, now);
                }
                return Ok(ctx);
            }
        }
        let ctx = Arc::new(ActiveContext::from_value(value, &self.loader(remote))?);
        let mut inner = self.lock();
        inner.active.insert(key.clone(), (Arc::clone(&ctx), now));
        inner.active_lru.touch(&key);
        while inner.active_lru.len() > self.config.max_active_contexts.max(1) {
            match inner.active_lru.pop_oldest() {
                Some(old) => {
                    inner.active.remove(&old);
                }
                None => break,
            }
        }
        Ok(ctx)
    }

    /// Forgets every processed active context (documents stay).
    pub fn clear_active_contexts(&self) {
        self.lock().clear_active();
    }

    /// `POST /jsonldContexts` (clause 5.13.2): stores `document` as `Hosted`.
    ///
    /// The document must be an object with an `@context` member; every other member is
    /// discarded. The context is checked by processing it (remote contexts it names are
    /// resolved through this store and `remote`).
    pub fn add_hosted(
        &self,
        document: &Value,
        remote: &dyn ContextLoader,
    ) -> Result<StoredContext, StoreError> {
        self.add_hosted_at(document, &self.config.serving_base_url, None, remote)
    }

    /// [`add_hosted`](Self::add_hosted), served under `base_url` instead of the configured
    /// one (e.g. the host name the client used), and owned by `tenant`.
    pub fn add_hosted_at(
        &self,
        document: &Value,
        base_url: &str,
        tenant: Option<&str>,
        remote: &dyn ContextLoader,
    ) -> Result<StoredContext, StoreError> {
        let context = document
            .as_object()
            .and_then(|m| m.get("@context"))
            .ok_or_else(|| {
                StoreError::InvalidRequest(
                    "the body must be a JSON object with an @context member".into(),
                )
            })?;
        ActiveContext::from_value(context, &self.loader(remote))?;
        let local_id = self.new_local_id();
        let entry = StoredContext {
            url: format!("{base_url}{local_id}"),
            local_id,
            kind: ContextKind::Hosted,
            document: Arc::new(wrap(context.clone())),
            created_at: self.now(),
            expires_at: None,
            last_usage: None,
            number_of_hits: 0,
            tenant: tenant.map(str::to_owned),
        };
        self.lock()
            .insert(entry.clone(), self.config.max_cached_documents);
        Ok(entry)
    }

    /// Stores a context the broker needs to serve from its own URL (kind
    /// `ImplicitlyCreated`), e.g. an array `@context` of a subscription whose notifications
    /// go out as `application/json` with a `Link` header. An identical `ImplicitlyCreated`
    /// document already stored is reused. Not validated: pass contexts already processed.
    pub fn add_implicit(&self, context: &Value) -> StoredContext {
        self.add_implicit_at(context, &self.config.serving_base_url, None)
            .0
    }

    /// [`add_implicit`](Self::add_implicit), served under `base_url` and owned by `tenant`
    /// (an identical document of another tenant is not reused). Also answers whether the
    /// entry is new (false when an existing one was reused).
    pub fn add_implicit_at(
        &self,
        context: &Value,
        base_url: &str,
        tenant: Option<&str>,
    ) -> (StoredContext, bool) {
        let document = wrap(context.clone());
        let mut inner = self.lock();
        if let Some(existing) = inner.entries.values().find(|e| {
            e.kind == ContextKind::ImplicitlyCreated
                && e.tenant.as_deref() == tenant
                && *e.document == document
        }) {
            return (existing.clone(), false);
        }
        let local_id = self.new_local_id();
        let entry = StoredContext {
            url: format!("{base_url}{local_id}"),
            local_id,
            kind: ContextKind::ImplicitlyCreated,
            document: Arc::new(document),
            created_at: self.now(),
            expires_at: None,
            last_usage: None,
            number_of_hits: 0,
            tenant: tenant.map(str::to_owned),
        };
        inner.insert(entry.clone(), self.config.max_cached_documents);
        (entry, true)
    }

    /// Puts an entry back (e.g. restored from the broker's database), replacing any entry
    /// with the same local id or URL.
    pub fn insert(&self, entry: StoredContext) {
        let mut inner = self.lock();
        inner.insert(entry, self.config.max_cached_documents);
        inner.clear_active();
    }

    /// The entry with this local id, or else with this URL.
    pub fn get(&self, id_or_url: &str) -> Option<StoredContext> {
        let inner = self.lock();
        let id = inner.lookup_id(id_or_url)?;
        inner.entries.get(&id).cloned()
    }

    /// `GET /jsonldContexts/{id}` (clause 5.13.4): the document of a `Hosted` or
    /// `ImplicitlyCreated` context. A `Cached` one is
    /// [`OperationNotSupported`](StoreError::OperationNotSupported).
    pub fn serve(&self, id_or_url: &str) -> Result<Arc<Value>, StoreError> {
        let entry = self
            .get(id_or_url)
            .ok_or_else(|| StoreError::NotFound(id_or_url.to_string()))?;
        if !entry.kind.is_served() {
            return Err(StoreError::OperationNotSupported(
                "a Cached @context is not served; ask for details=true".into(),
            ));
        }
        Ok(entry.document)
    }

    /// `GET /jsonldContexts` (clause 5.13.3): the stored contexts of `kind` (all when
    /// `None`), oldest first.
    pub fn list(&self, kind: Option<ContextKind>) -> Vec<StoredContext> {
        let inner = self.lock();
        let mut list: Vec<StoredContext> = inner
            .entries
            .values()
            .filter(|e| kind.is_none_or(|k| e.kind == k))
            .cloned()
            .collect();
        list.sort_by(|a, b| {
            a.created_at
                .cmp(&b.created_at)
                .then_with(|| a.local_id.cmp(&b.local_id))
        });
        list
    }

    /// The number of stored documents.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether no document is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `DELETE /jsonldContexts/{id}` (clause 5.13.5, without reload): removes the entry.
    pub fn delete(&self, id_or_url: &str) -> Result<StoredContext, StoreError> {
        let mut inner = self.lock();
        let id = inner
            .lookup_id(id_or_url)
            .ok_or_else(|| StoreError::NotFound(id_or_url.to_string()))?;
        let entry = inner
            .remove(&id)
            .ok_or_else(|| StoreError::NotFound(id_or_url.to_string()))?;
        inner.clear_active();
        Ok(entry)
    }

    /// `DELETE /jsonldContexts/{id}?reload=true` (clause 5.13.5): downloads a `Cached`
    /// context again from its URL through `remote` and replaces the stored copy. A failed or
    /// invalid download is [`ContextError::NotAvailable`] (`LdContextNotAvailable`) and
    /// leaves the stored copy as it was; other kinds, and unknown ids (clause 5.13.5.4 asks
    /// for BadRequestData whenever a reload is impossible), are
    /// [`BadRequestData`](StoreError::BadRequestData).
    pub fn reload(
        &self,
        id_or_url: &str,
        remote: &dyn ContextLoader,
    ) -> Result<StoredContext, StoreError> {
        let entry = self.get(id_or_url).ok_or_else(|| {
            StoreError::BadRequestData(format!("no stored @context {id_or_url:?} to reload"))
        })?;
        if entry.kind != ContextKind::Cached {
            return Err(StoreError::BadRequestData(format!(
                "only Cached @contexts can be reloaded; this one is {}",
                entry.kind.as_str()
            )));
        }
        let document = remote.load(&entry.url)?;
        let valid = document
            .as_object()
            .and_then(|m| m.get("@context"))
            .ok_or_else(|| ContextError::Invalid("no @context member".into()))
            .and_then(|c| ActiveContext::from_value(c, &self.loader(remote)).map(|_| ()));
        if let Err(e) = valid {
            return Err(StoreError::Context(match e {
                ContextError::NotAvailable { .. } => e,
                other => ContextError::not_available(&entry.url, other.to_string()),
            }));
        }
        let now = self.now();
        let updated = StoredContext {
            document: Arc::new(document),
            created_at: now,
            expires_at: self.expiry(now),
            ..entry
        };
        let mut inner = self.lock();
        inner.insert(updated.clone(), self.config.max_cached_documents);
        inner.clear_active();
        Ok(updated)
    }

    /// Resolution of one URL for [`CachingLoader`].
    fn resolve(&self, url: &str, remote: &dyn ContextLoader) -> Result<Value, ContextError> {
        if is_core_context_url(url) {
            return Ok(core_context_document().clone());
        }
        let now = self.now();
        let stale = {
            let mut inner = self.lock();
            match inner.lookup_url(url) {
                Some(id) => {
                    let entry = inner.entries.get(&id).cloned();
                    match entry {
                        Some(entry) if entry.kind != ContextKind::Cached || !entry.expired(now) => {
                            if let Some(e) = inner.entries.get_mut(&id) {
                                e.number_of_hits += 1;
                                e.last_usage = Some(now);
                            }
                            if entry.kind == ContextKind::Cached {
                                inner.cached_lru.touch(&id);
                            }
                            return Ok((*entry.document).clone());
                        }
                        other => other,
                    }
                }
                None => None,
            }
        };
        match remote.load(url) {
            Ok(document) => {
                if !document
                    .as_object()
                    .is_some_and(|m| m.contains_key("@context"))
                {
                    return Err(ContextError::Invalid(format!(
                        "the document at {url} is not a JSON object with an @context member"
                    )));
                }
                // The download is itself a use: the first one counts as a hit.
                let entry = match stale {
                    Some(old) => StoredContext {
                        document: Arc::new(document.clone()),
                        created_at: now,
                        expires_at: self.expiry(now),
                        last_usage: Some(now),
                        number_of_hits: old.number_of_hits + 1,
                        ..old
                    },
                    None => StoredContext {
                        local_id: self.new_local_id(),
                        url: url.to_string(),
                        kind: ContextKind::Cached,
                        document: Arc::new(document.clone()),
                        created_at: now,
                        expires_at: self.expiry(now),
                        last_usage: Some(now),
                        number_of_hits: 1,
                        tenant: None,
                    },
                };
                let mut inner = self.lock();
                inner.insert(entry, self.config.max_cached_documents);
                Ok(document)
            }
            Err(e) => match stale {
                // Stale-if-error: an expired copy beats no context at all.
                Some(old) => {
                    let mut inner = self.lock();
                    if let Some(entry) = inner.entries.get_mut(&old.local_id) {
                        entry.number_of_hits += 1;
                        entry.last_usage = Some(now);
                    }
                    Ok((*old.document).clone())
                }
                None => Err(e),
            },
        }
    }
}

/// The URLs a `@context` value names directly (a URL, or the URLs of an array).
fn top_level_urls(value: &Value) -> Vec<&str> {
    match value {
        Value::String(url) => vec![url.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn wrap(context: Value) -> Value {
    let mut m = Map::new();
    m.insert("@context".into(), context);
    Value::Object(m)
}

/// The [`ContextLoader`] of a [`ContextCache`]: see [`ContextCache::loader`].
pub struct CachingLoader<'a> {
    cache: &'a ContextCache,
    remote: &'a dyn ContextLoader,
}

impl std::fmt::Debug for CachingLoader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CachingLoader")
    }
}

impl ContextLoader for CachingLoader<'_> {
    fn load(&self, url: &str) -> Result<Value, ContextError> {
        self.cache.resolve(url, self.remote)
    }
}

/// Formats a time as RFC 3339 UTC with microseconds (`2024-01-01T19:04:05.000000Z`), the
/// fixed-width form used across the platform. Times before 1970 are clamped to the epoch.
pub fn format_rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    let secs = d.as_secs();
    let micros = d.subsec_micros();
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{micros:06}Z")
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Work in 400-year eras counted from 0000-03-01, so that leap days end each year.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097; // day of era
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // year of era
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of year, from March 1st
    let mp = (5 * doy + 2) / 153; // month, March = 0
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formatting() {
        assert_eq!(format_rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
        // 2024-01-01T19:04:05Z = 1704135845
        let t = UNIX_EPOCH + Duration::from_secs(1_704_135_845);
        assert_eq!(format_rfc3339(t), "2024-01-01T19:04:05.000000Z");
        // A leap day, with micros.
        let t = UNIX_EPOCH + Duration::from_micros(951_782_400_000_000 + 123_456);
        assert_eq!(format_rfc3339(t), "2000-02-29T00:00:00.123456Z");
        let t = UNIX_EPOCH + Duration::from_secs(4_102_444_799);
        assert_eq!(format_rfc3339(t), "2099-12-31T23:59:59.000000Z");
    }

    #[test]
    fn lru_order() {
        let mut lru = Lru::default();
        lru.touch("a");
        lru.touch("b");
        lru.touch("a");
        assert_eq!(lru.pop_oldest().as_deref(), Some("b"));
        assert_eq!(lru.pop_oldest().as_deref(), Some("a"));
        assert_eq!(lru.pop_oldest(), None);
    }
}
