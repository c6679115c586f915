//! JSON-LD `@context` handling for the NGSI-LD context broker of the Yuverse digital twin
//! (ETSI GS CIM 009, target edition **V1.9.1**).
//!
//! What the crate does:
//!
//! - embeds the NGSI-LD **core context** of V1.9.1 (Annex B) as a data file
//!   ([`core::CORE_CONTEXT_JSON`]), served for the unversioned core URL and the `-v1.6` …
//!   `-v1.9` URLs ([`core::CORE_CONTEXT_URLS`]) without any network access;
//! - processes `@context` values (URL strings, objects, arrays) into an [`ActiveContext`]
//!   (term definitions with `@id`, `@type`, `@container`, …, prefixes, `@vocab`), loading
//!   remote contexts only through a [`ContextLoader`] that the broker provides;
//! - converts terms and compact IRIs to IRIs and back ([`ActiveContext::expand_term`],
//!   [`ActiveContext::compact_iri`]), and whole entities ([`expand_entity`],
//!   [`compact_entity`]);
//! - applies the request rules on `Content-Type`, `Link` and a body `@context`
//!   ([`context_source`], [`link_context_url`], [`link_header_for`]);
//! - keeps a thread-safe store of context documents with the metadata of the
//!   `/jsonldContexts` endpoints and an LRU cache of processed contexts ([`ContextCache`]).
//!
//! The crate opens no connection: the broker runs on closed networks and fetches remote
//! contexts only when its loader allows it ([`NoRemoteLoader`] allows none, a
//! `HashMap<String, Value>` serves a fixed set).
//!
//! # Example
//!
//! ```
//! use serde_json::json;
//! use yuverse_twin_context::{
//!     compact_entity, context_source, expand_entity, ActiveContext, ContextSource,
//!     NoRemoteLoader,
//! };
//!
//! let body = json!({
//!     "id": "urn:ngsi-ld:AirQualityObserved:1",
//!     "type": "AirQualityObserved",
//!     "pm25": {"type": "Property", "value": 12.4, "unitCode": "GQ"},
//!     "@context": [{"AirQualityObserved": "https://smartdatamodels.org/dataModel.Environment/AirQualityObserved",
//!                   "pm25": "https://smartdatamodels.org/dataModel.Environment/pm25"}]
//! });
//! let ContextSource::Body(context) =
//!     context_source(Some("application/ld+json"), None, Some(&body)).unwrap()
//! else {
//!     unreachable!()
//! };
//! let ctx = ActiveContext::from_value(&context, &NoRemoteLoader).unwrap();
//! let stored = expand_entity(&body, &ctx);
//! assert_eq!(stored["type"], "https://smartdatamodels.org/dataModel.Environment/AirQualityObserved");
//! assert_eq!(stored["https://smartdatamodels.org/dataModel.Environment/pm25"]["unitCode"], "GQ");
//! // Answered with the core context alone, unknown IRIs stay IRIs; with the client's, terms.
//! assert_eq!(compact_entity(&stored, &ctx)["pm25"]["value"], 12.4);
//! ```
//!
//! # Choices
//!
//! - **Core last, and first.** User contexts are processed in order on top of the core
//!   context (so they may use `ngsi-ld:` compact IRIs and core terms such as `DateTime` in
//!   their definitions), and the core definitions are then applied again, last. Core terms
//!   and the default `@vocab` therefore cannot be overridden: a user `@vocab` never applies
//!   to plain terms, which always fall back to
//!   `https://uri.etsi.org/ngsi-ld/default-context/<term>`. Redefinition attempts are not
//!   errors; they are listed by [`ActiveContext::overridden_core_terms`]. A core context URL
//!   inside a user array is skipped (it is applied anyway).
//! - **JSON-LD 1.1 fidelity where it matters**: dependency resolution between terms of one
//!   local context, cyclic IRI mapping errors, the prefix flag (only simple terms whose IRI
//!   ends in `/`, `#`, `:` … or `@prefix: true` make compact IRIs), protected user terms
//!   (redefining one differently, or `null` after one, is [`ContextError::Invalid`]), `@import`,
//!   `@version` 1.1, relative context URLs resolved against the including document. Not
//!   done: scoped contexts are kept as given ([`TermDefinition::scoped_context`]) but not
//!   applied, `@base` is accepted and ignored, a term mapped to `null` simply falls back to
//!   `@vocab`, and unknown non-keyword members of a term definition are ignored.
//! - **Compaction** picks an exactly matching term (shortest, then lexicographically least),
//!   then the `@vocab`-relative name, then the shortest compact IRI, and checks that the
//!   result expands back to the IRI.
//! - **Remote limits**: [`context::MAX_REMOTE_DEPTH`] levels of nesting and
//!   [`context::MAX_REMOTE_LOADS`] documents per value; a URL met again on its own inclusion
//!   path is [`ContextError::Recursive`].
//! - **Entities** keep the NGSI-LD core members as terms (see [`entity`] for the exact
//!   lists) and expand everything else that names vocabulary: the entity type, attribute and
//!   sub-attribute names, VocabProperty `vocab` values and Relationship `objectType`.
//!   Compound values, language maps and JSON values are never touched.
//! - **Request rules**: no `Content-Type` (a request without a body) is treated like
//!   `application/json`; `application/merge-patch+json` too. A context `Link` without a
//!   `type` parameter is accepted; one with another type is rejected. An `application/ld+json`
//!   array body gives one context per element ([`ContextSource::PerEntity`]).
//! - **Store**: metadata names follow V1.9.1 clause 5.13.3.5 (`URL`, `localId`, `kind`,
//!   `createdAt`, `expiresAt`, `lastUsage`, `numberOfHits`); `Cached` documents expire after
//!   a TTL and are reused past it when the new download fails.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cache;
pub mod context;
pub mod core;
pub mod entity;
mod error;
pub mod loader;
pub mod request;

pub use cache::{CacheConfig, ContextCache, ContextKind, StoreError, StoredContext};
pub use context::{ActiveContext, Container, TermDefinition, TypeMapping};
pub use core::{CORE_CONTEXT_URL, CORE_CONTEXT_URLS, DEFAULT_CONTEXT_VOCAB, NGSI_LD_NAMESPACE};
pub use entity::{compact_attribute_name, compact_entity, expand_attribute_name, expand_entity};
pub use error::{ContextError, RequestContextError};
pub use loader::{ContextLoader, FnLoader, NoRemoteLoader};
pub use request::{context_source, link_context_url, link_header_for, ContextSource};
