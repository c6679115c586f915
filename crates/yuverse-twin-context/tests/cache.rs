mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;
use serde_json::{json, Value};
use yuverse_twin_context::{
    ActiveContext, CacheConfig, ContextCache, ContextError, ContextKind, ContextLoader,
    NoRemoteLoader, StoreError, CORE_CONTEXT_URL,
};

/// A thread-safe remote loader over a changeable map, counting calls.
#[derive(Default)]
struct Remote {
    docs: Mutex<std::collections::HashMap<String, Value>>,
    calls: AtomicU64,
}

impl Remote {
    fn with(url: &str, doc: Value) -> Self {
        let r = Remote::default();
        r.set(url, doc);
        r
    }
    fn set(&self, url: &str, doc: Value) {
        self.docs.lock().unwrap().insert(url.to_string(), doc);
    }
    fn unset(&self, url: &str) {
        self.docs.lock().unwrap().remove(url);
    }
    fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }
}

impl ContextLoader for Remote {
    fn load(&self, url: &str) -> Result<Value, ContextError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.docs
            .lock()
            .unwrap()
            .get(url)
            .cloned()
            .ok_or_else(|| ContextError::not_available(url, "unreachable"))
    }
}

/// A clock the test moves by hand.
fn fake_clock() -> (Arc<AtomicU64>, yuverse_twin_context::cache::Clock) {
    let secs = Arc::new(AtomicU64::new(1_700_000_000));
    let s = Arc::clone(&secs);
    (
        secs,
        Arc::new(move || UNIX_EPOCH + Duration::from_secs(s.load(Ordering::SeqCst))),
    )
}

fn config() -> CacheConfig {
    CacheConfig {
        serving_base_url: "http://broker:8080/ngsi-ld/v1/jsonldContexts/".into(),
        cached_ttl: Some(Duration::from_secs(3600)),
        ..CacheConfig::default()
    }
}

#[test]
fn remote_documents_are_fetched_once_and_counted() {
    let (_, clock) = fake_clock();
    let cache = ContextCache::with_clock(config(), clock);
    let remote = Remote::with(SDM_URL, json!({"@context": sdm_context()}));
    let loader = cache.loader(&remote);
    let a = ActiveContext::from_url(SDM_URL, &loader).unwrap();
    let b = ActiveContext::from_url(SDM_URL, &loader).unwrap();
    assert_eq!(a.expand_term("pm25"), b.expand_term("pm25"));
    assert_eq!(remote.calls(), 1);
    let entry = cache.get(SDM_URL).unwrap();
    assert_eq!(entry.kind, ContextKind::Cached);
    assert_eq!(entry.url, SDM_URL);
    // The download counts, and so does the second look-up in the store.
    assert_eq!(entry.number_of_hits, 2);
    assert!(entry.local_id.starts_with("urn:ngsi-ld:jsonldContext:"));
    let meta = entry.metadata();
    assert_eq!(meta["URL"], SDM_URL);
    assert_eq!(meta["kind"], "Cached");
    assert_eq!(meta["localId"], entry.local_id.as_str());
    assert_eq!(meta["createdAt"], "2023-11-14T22:13:20.000000Z");
    assert_eq!(meta["expiresAt"], "2023-11-14T23:13:20.000000Z");
    assert_eq!(meta["lastUsage"], "2023-11-14T22:13:20.000000Z");
    assert_eq!(meta["numberOfHits"], 2);
    // Found by local id as well.
    assert_eq!(cache.get(&entry.local_id).unwrap().url, SDM_URL);
    // Core URLs are answered locally.
    assert_eq!(
        loader.load(CORE_CONTEXT_URL).unwrap()["@context"]["@vocab"],
        DEFAULT
    );
    assert_eq!(remote.calls(), 1);
    assert_eq!(cache.len(), 1);
}

#[test]
fn processed_contexts_are_reused() {
    let cache = ContextCache::new(config());
    let remote = Remote::with(SDM_URL, json!({"@context": sdm_context()}));
    let a = cache.active_context(&json!(SDM_URL), &remote).unwrap();
    let b = cache.active_context(&json!(SDM_URL), &remote).unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    assert_eq!(remote.calls(), 1);
    let inline = json!([SDM_URL, {"x": "https://example.org/x"}]);
    let c = cache.active_context(&inline, &remote).unwrap();
    assert_eq!(c.expand_term("x"), "https://example.org/x");
    assert_eq!(remote.calls(), 1, "the document store serves the URL");
    // Errors are not cached.
    let missing = json!("https://example.org/missing.jsonld");
    assert!(cache
        .active_context(&missing, &remote)
        .unwrap_err()
        .is_not_available());
    assert!(cache.active_context(&missing, &remote).is_err());
    assert_eq!(remote.calls(), 3);
    // The core context needs no remote at all.
    let core = cache.active_context(&Value::Null, &NoRemoteLoader).unwrap();
    assert_eq!(core.expand_term("Property"), format!("{NGSI}Property"));
}

#[test]
fn expiry_refetches_and_falls_back_to_the_stale_copy() {
    let (secs, clock) = fake_clock();
    let cache = ContextCache::with_clock(config(), clock);
    let remote = Remote::with(
        SDM_URL,
        json!({"@context": {"v": "https://example.org/v1"}}),
    );
    let ctx = cache.active_context(&json!(SDM_URL), &remote).unwrap();
    assert_eq!(ctx.expand_term("v"), "https://example.org/v1");
    // Within the TTL nothing is fetched again.
    secs.fetch_add(1800, Ordering::SeqCst);
    remote.set(
        SDM_URL,
        json!({"@context": {"v": "https://example.org/v2"}}),
    );
    let ctx = cache.active_context(&json!(SDM_URL), &remote).unwrap();
    assert_eq!(ctx.expand_term("v"), "https://example.org/v1");
    assert_eq!(remote.calls(), 1);
    // Past the TTL the new version is fetched.
    secs.fetch_add(3600, Ordering::SeqCst);
    let ctx = cache.active_context(&json!(SDM_URL), &remote).unwrap();
    assert_eq!(ctx.expand_term("v"), "https://example.org/v2");
    assert_eq!(remote.calls(), 2);
    let id = cache.get(SDM_URL).unwrap().local_id;
    // Expired again and the remote is gone: the stale copy is used.
    secs.fetch_add(7200, Ordering::SeqCst);
    remote.unset(SDM_URL);
    let ctx = cache.active_context(&json!(SDM_URL), &remote).unwrap();
    assert_eq!(ctx.expand_term("v"), "https://example.org/v2");
    assert_eq!(remote.calls(), 3);
    assert_eq!(
        cache.get(SDM_URL).unwrap().local_id,
        id,
        "the entry keeps its id"
    );
}

#[test]
fn cached_documents_are_bounded() {
    let cache = ContextCache::new(CacheConfig {
        max_cached_documents: 2,
        ..config()
    });
    let remote = Remote::default();
    for i in 0..3 {
        remote.set(&format!("https://example.org/{i}"), json!({"@context": {}}));
    }
    let loader = cache.loader(&remote);
    loader.load("https://example.org/0").unwrap();
    loader.load("https://example.org/1").unwrap();
    loader.load("https://example.org/0").unwrap(); // 0 is now the most recent
    loader.load("https://example.org/2").unwrap(); // evicts 1
    assert!(cache.get("https://example.org/0").is_some());
    assert!(cache.get("https://example.org/1").is_none());
    assert!(cache.get("https://example.org/2").is_some());
    // Hosted contexts are never evicted.
    for _ in 0..3 {
        cache
            .add_hosted(&json!({"@context": {}}), &NoRemoteLoader)
            .unwrap();
    }
    assert_eq!(cache.list(Some(ContextKind::Hosted)).len(), 3);
    assert_eq!(cache.list(Some(ContextKind::Cached)).len(), 2);
    // Processed contexts are bounded too.
    let small = ContextCache::new(CacheConfig {
        max_active_contexts: 1,
        ..config()
    });
    let a = small
        .active_context(&json!({"a": "https://x/a"}), &NoRemoteLoader)
        .unwrap();
    small
        .active_context(&json!({"b": "https://x/b"}), &NoRemoteLoader)
        .unwrap();
    let a2 = small
        .active_context(&json!({"a": "https://x/a"}), &NoRemoteLoader)
        .unwrap();
    assert!(!Arc::ptr_eq(&a, &a2), "the first one was evicted");
}

#[test]
fn hosted_contexts() {
    let (_, clock) = fake_clock();
    let cache = ContextCache::with_clock(config(), clock);
    let entry = cache
        .add_hosted(
            &json!({"@context": sdm_context(), "extra": "discarded"}),
            &NoRemoteLoader,
        )
        .unwrap();
    assert_eq!(entry.kind, ContextKind::Hosted);
    assert_eq!(
        entry.url,
        format!(
            "http://broker:8080/ngsi-ld/v1/jsonldContexts/{}",
            entry.local_id
        )
    );
    let served = cache.serve(&entry.local_id).unwrap();
    assert_eq!(*served, json!({"@context": sdm_context()}));
    assert!(entry.metadata().get("expiresAt").is_none());
    // A request naming the hosted URL resolves from the store, and counts a hit.
    let ctx = cache
        .active_context(&json!(entry.url), &NoRemoteLoader)
        .unwrap();
    assert_eq!(ctx.expand_term("pm25"), format!("{SDM_ENV}pm25"));
    assert_eq!(cache.get(&entry.local_id).unwrap().number_of_hits, 1);
    // Invalid bodies.
    assert!(matches!(
        cache.add_hosted(&json!({"no": "context"}), &NoRemoteLoader),
        Err(StoreError::InvalidRequest(_))
    ));
    assert!(matches!(
        cache.add_hosted(&json!({"@context": {"x": 5}}), &NoRemoteLoader),
        Err(StoreError::Context(ContextError::Invalid(_)))
    ));
    assert!(matches!(
        cache.add_hosted(
            &json!({"@context": "https://example.org/missing"}),
            &NoRemoteLoader
        ),
        Err(StoreError::Context(ContextError::NotAvailable { .. }))
    ));
    // Delete.
    cache.delete(&entry.local_id).unwrap();
    assert_eq!(
        cache.serve(&entry.local_id),
        Err(StoreError::NotFound(entry.local_id.clone()))
    );
    assert!(matches!(
        cache.delete(&entry.local_id),
        Err(StoreError::NotFound(_))
    ));
    assert!(cache
        .active_context(&json!(entry.url), &NoRemoteLoader)
        .is_err());
}

#[test]
fn cached_contexts_are_not_served_and_can_be_reloaded() {
    let cache = ContextCache::new(config());
    let remote = Remote::with(
        SDM_URL,
        json!({"@context": {"v": "https://example.org/v1"}}),
    );
    cache.active_context(&json!(SDM_URL), &remote).unwrap();
    assert!(matches!(
        cache.serve(SDM_URL),
        Err(StoreError::OperationNotSupported(_))
    ));
    // Reload replaces the copy and the processed contexts.
    remote.set(
        SDM_URL,
        json!({"@context": {"v": "https://example.org/v2"}}),
    );
    let reloaded = cache.reload(SDM_URL, &remote).unwrap();
    assert_eq!(reloaded.document["@context"]["v"], "https://example.org/v2");
    let ctx = cache.active_context(&json!(SDM_URL), &remote).unwrap();
    assert_eq!(ctx.expand_term("v"), "https://example.org/v2");
    // A failed or invalid download leaves the copy in place.
    remote.unset(SDM_URL);
    assert!(matches!(
        cache.reload(SDM_URL, &remote),
        Err(StoreError::Context(ContextError::NotAvailable { .. }))
    ));
    remote.set(SDM_URL, json!({"@context": 7}));
    assert!(matches!(
        cache.reload(SDM_URL, &remote),
        Err(StoreError::Context(ContextError::NotAvailable { .. }))
    ));
    assert_eq!(
        cache.get(SDM_URL).unwrap().document["@context"]["v"],
        "https://example.org/v2"
    );
    // Only Cached contexts can be reloaded.
    let hosted = cache
        .add_hosted(&json!({"@context": {}}), &NoRemoteLoader)
        .unwrap();
    assert!(matches!(
        cache.reload(&hosted.local_id, &remote),
        Err(StoreError::BadRequestData(_))
    ));
    assert!(matches!(
        cache.reload("urn:nope", &remote),
        Err(StoreError::BadRequestData(_))
    ));
}

#[test]
fn implicit_contexts_and_listing() {
    let (secs, clock) = fake_clock();
    let cache = ContextCache::with_clock(config(), clock);
    let ctx = json!([SDM_URL, {"x": "https://example.org/x"}]);
    let a = cache.add_implicit(&ctx);
    secs.fetch_add(1, Ordering::SeqCst);
    let b = cache.add_implicit(&ctx);
    assert_eq!(a.local_id, b.local_id, "identical documents are reused");
    assert_eq!(a.kind, ContextKind::ImplicitlyCreated);
    assert_eq!(*cache.serve(&a.url).unwrap(), json!({"@context": ctx}));
    let c = cache.add_implicit(&json!({"y": "https://example.org/y"}));
    assert_ne!(a.local_id, c.local_id);
    let list = cache.list(None);
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].local_id, a.local_id, "oldest first");
    assert_eq!(cache.list(Some(ContextKind::Hosted)).len(), 0);
    assert_eq!(
        ContextKind::parse("ImplicitlyCreated"),
        Some(ContextKind::ImplicitlyCreated)
    );
    assert_eq!(ContextKind::parse("cached"), None);
    assert_eq!(ContextKind::Cached.as_str(), "Cached");
    // insert() restores entries (e.g. from a database).
    let mut restored = c.clone();
    restored.local_id = "urn:ngsi-ld:jsonldContext:restored".into();
    restored.created_at = SystemTime::UNIX_EPOCH;
    cache.insert(restored);
    assert_eq!(cache.len(), 2, "same URL replaces the old entry");
    assert_eq!(
        cache.get(&c.url).unwrap().local_id,
        "urn:ngsi-ld:jsonldContext:restored"
    );
}

#[test]
fn the_cache_is_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<ContextCache>();
    assert_send_sync::<ActiveContext>();
    let cache = Arc::new(ContextCache::new(config()));
    let remote = Arc::new(Remote::with(SDM_URL, json!({"@context": sdm_context()})));
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let cache = Arc::clone(&cache);
            let remote = Arc::clone(&remote);
            std::thread::spawn(move || {
                for j in 0..50 {
                    let value = if j % 2 == 0 {
                        json!(SDM_URL)
                    } else {
                        json!([SDM_URL, {"t": format!("https://x/{i}")}])
                    };
                    let ctx = cache.active_context(&value, remote.as_ref()).unwrap();
                    assert_eq!(ctx.expand_term("pm25"), format!("{SDM_ENV}pm25"));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert!(remote.calls() >= 1);
    assert_eq!(cache.list(Some(ContextKind::Cached)).len(), 1);
}

#[test]
fn every_use_of_a_stored_document_counts_as_a_hit() {
    let cache = ContextCache::new(config());
    let remote = Remote::with(SDM_URL, json!({"@context": sdm_context()}));
    let hits = |url: &str| cache.get(url).unwrap().number_of_hits;
    // The first download is a use.
    cache.active_context(&json!(SDM_URL), &remote).unwrap();
    assert_eq!(hits(SDM_URL), 1);
    // So is every request served from the processed context, alone or in an array.
    cache.active_context(&json!(SDM_URL), &remote).unwrap();
    cache.active_context(&json!(SDM_URL), &remote).unwrap();
    assert_eq!(hits(SDM_URL), 3);
    let array = json!([SDM_URL, {"x": "https://example.org/x"}]);
    cache.active_context(&array, &remote).unwrap();
    cache.active_context(&array, &remote).unwrap();
    assert_eq!(hits(SDM_URL), 5);
    assert_eq!(remote.calls(), 1);
    // A hosted context: adding it is not a use, the first request naming it is.
    let hosted = cache
        .add_hosted(
            &json!({"@context": {"y": "https://example.org/y"}}),
            &NoRemoteLoader,
        )
        .unwrap();
    assert_eq!(hits(&hosted.url), 0);
    cache
        .active_context(&json!(hosted.url), &NoRemoteLoader)
        .unwrap();
    cache
        .active_context(&json!(hosted.url), &NoRemoteLoader)
        .unwrap();
    assert_eq!(hits(&hosted.url), 2);
}

#[test]
fn a_served_context_resolves_under_any_prefix_of_its_local_id() {
    let cache = ContextCache::new(config());
    let hosted = cache
        .add_hosted(
            &json!({"@context": {"y": "https://example.org/y"}}),
            &NoRemoteLoader,
        )
        .unwrap();
    // Another host name, or a doubled API prefix, still names the hosted document: it is
    // neither fetched nor copied as a Cached entry.
    let other = format!(
        "http://10.0.0.7:9090/ngsi-ld/v1/ngsi-ld/v1/jsonldContexts/{}",
        hosted.local_id
    );
    let ctx = cache
        .active_context(&json!(other), &NoRemoteLoader)
        .unwrap();
    assert_eq!(ctx.expand_term("y"), "https://example.org/y");
    assert_eq!(cache.list(Some(ContextKind::Cached)).len(), 0);
    assert_eq!(cache.get(&hosted.local_id).unwrap().number_of_hits, 1);
}

#[test]
fn implicit_and_hosted_contexts_belong_to_a_tenant() {
    let cache = ContextCache::new(config());
    let base = "http://b/ngsi-ld/v1/jsonldContexts/";
    let ctx = json!([{"x": "https://example.org/x"}]);
    let (a, new_a) = cache.add_implicit_at(&ctx, base, Some("a"));
    let (again, new_again) = cache.add_implicit_at(&ctx, base, Some("a"));
    let (b, new_b) = cache.add_implicit_at(&ctx, base, Some("b"));
    assert!(new_a && !new_again && new_b);
    assert_eq!(a.local_id, again.local_id);
    assert_ne!(a.local_id, b.local_id, "tenants do not share documents");
    assert!(a.url.starts_with(base));
    assert!(a.visible_to("a") && !a.visible_to("b"));
    let hosted = cache
        .add_hosted_at(&json!({"@context": {}}), base, Some("a"), &NoRemoteLoader)
        .unwrap();
    assert_eq!(hosted.tenant.as_deref(), Some("a"));
    assert!(!hosted.visible_to("b"));
}
