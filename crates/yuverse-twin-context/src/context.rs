//! Active contexts: processing `@context` values into term definitions, and converting
//! between terms (or compact IRIs) and absolute IRIs.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value};

use crate::core::{core_context_document, is_core_context_url};
use crate::error::ContextError;
use crate::loader::{ContextLoader, NoRemoteLoader};

/// How deeply remote contexts may include further remote contexts.
pub const MAX_REMOTE_DEPTH: usize = 8;

/// How many remote contexts one `@context` value may load in total.
pub const MAX_REMOTE_LOADS: usize = 32;

/// The JSON-LD keywords (JSON-LD 1.1).
const KEYWORDS: &[&str] = &[
    "@base",
    "@container",
    "@context",
    "@direction",
    "@graph",
    "@id",
    "@import",
    "@included",
    "@index",
    "@json",
    "@language",
    "@list",
    "@nest",
    "@none",
    "@prefix",
    "@propagate",
    "@protected",
    "@reverse",
    "@set",
    "@type",
    "@value",
    "@version",
    "@vocab",
];

/// Keywords that a local context may hold besides term definitions.
const CONTEXT_KEYWORDS: &[&str] = &[
    "@base",
    "@direction",
    "@import",
    "@language",
    "@propagate",
    "@protected",
    "@version",
    "@vocab",
];

/// Keywords that an expanded term definition may hold.
const DEFINITION_KEYWORDS: &[&str] = &[
    "@container",
    "@context",
    "@direction",
    "@id",
    "@index",
    "@language",
    "@nest",
    "@prefix",
    "@protected",
    "@reverse",
    "@type",
];

/// Whether `s` is a JSON-LD keyword.
pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

/// Whether `s` has the form of a keyword (`@` followed by ASCII letters only). Such terms
/// are reserved by JSON-LD and ignored when they are not keywords.
fn looks_like_keyword(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next() == Some('@') && {
        let rest = chars.as_str();
        !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphabetic())
    }
}

/// Whether `s` starts with an IRI scheme (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"`),
/// i.e. has the form of an absolute IRI.
pub fn is_absolute_iri(s: &str) -> bool {
    match s.find(':') {
        Some(colon) if colon > 0 => {
            let scheme = &s[..colon];
            let mut chars = scheme.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        _ => false,
    }
}

/// Whether `iri` ends with an RFC 3986 gen-delim, which makes a simple term usable as a prefix.
fn ends_with_gen_delim(iri: &str) -> bool {
    iri.ends_with([':', '/', '?', '#', '[', ']', '@'])
}

/// Splits a compact IRI `prefix:suffix` at its first colon (not at position 0).
fn split_compact(value: &str) -> Option<(&str, &str)> {
    match value.find(':') {
        Some(i) if i > 0 => Some((&value[..i], &value[i + 1..])),
        _ => None,
    }
}

fn invalid(msg: impl Into<String>) -> ContextError {
    ContextError::Invalid(msg.into())
}

/// The `@type` of a term definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeMapping {
    /// `"@type": "@id"`: values are IRIs (e.g. `object`, `datasetId`).
    Id,
    /// `"@type": "@vocab"`: values are vocabulary terms expanded like types (e.g. `vocab`,
    /// `objectType`, `attributeNames`).
    Vocab,
    /// `"@type": "@json"`: values are opaque JSON (e.g. `json`).
    Json,
    /// `"@type": "@none"`.
    None,
    /// A datatype IRI (e.g. `createdAt` → `https://uri.etsi.org/ngsi-ld/DateTime`).
    Iri(String),
}

/// A `@container` entry of a term definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Container {
    /// `@list`: an ordered list (e.g. `valueList`, `coordinates`).
    List,
    /// `@set`.
    Set,
    /// `@language`: a language map (e.g. `languageMap`).
    Language,
    /// `@index` (e.g. `dataset`).
    Index,
    /// `@graph`.
    Graph,
    /// `@id`.
    Id,
    /// `@type`.
    Type,
}

impl Container {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "@list" => Self::List,
            "@set" => Self::Set,
            "@language" => Self::Language,
            "@index" => Self::Index,
            "@graph" => Self::Graph,
            "@id" => Self::Id,
            "@type" => Self::Type,
            _ => return None,
        })
    }
}

/// One term of an active context.
#[derive(Debug, Clone, PartialEq)]
pub struct TermDefinition {
    iri: String,
    reverse: bool,
    type_mapping: Option<TypeMapping>,
    containers: Vec<Container>,
    language: Option<String>,
    index: Option<String>,
    nest: Option<String>,
    prefix: bool,
    protected: bool,
    context: Option<Value>,
}

impl TermDefinition {
    fn new() -> Self {
        Self {
            iri: String::new(),
            reverse: false,
            type_mapping: None,
            containers: Vec::new(),
            language: None,
            index: None,
            nest: None,
            prefix: false,
            protected: false,
            context: None,
        }
    }

    /// The absolute IRI the term stands for, or a keyword for keyword aliases (`id` → `@id`).
    pub fn iri(&self) -> &str {
        &self.iri
    }

    /// Whether this is a reverse property (`@reverse`).
    pub fn is_reverse(&self) -> bool {
        self.reverse
    }

    /// The `@type` of the term, if any.
    pub fn type_mapping(&self) -> Option<&TypeMapping> {
        self.type_mapping.as_ref()
    }

    /// The `@container` entries, sorted.
    pub fn containers(&self) -> &[Container] {
        &self.containers
    }

    /// Whether the term has the given container.
    pub fn has_container(&self, container: Container) -> bool {
        self.containers.contains(&container)
    }

    /// The term's default language (`@language`), if any.
    pub fn language(&self) -> Option<&str> {
        self.language.as_deref()
    }

    /// The `@index` of the term, if any.
    pub fn index(&self) -> Option<&str> {
        self.index.as_deref()
    }

    /// The `@nest` of the term, if any.
    pub fn nest(&self) -> Option<&str> {
        self.nest.as_deref()
    }

    /// Whether the term may be used as the prefix of compact IRIs (`prefix:suffix`).
    pub fn is_prefix(&self) -> bool {
        self.prefix
    }

    /// Whether the term is protected (`@protected`).
    pub fn is_protected(&self) -> bool {
        self.protected
    }

    /// The term's scoped context (`@context` in its definition), kept as given: scoped
    /// contexts are not processed by this crate.
    pub fn scoped_context(&self) -> Option<&Value> {
        self.context.as_ref()
    }

    /// `"@type": "@vocab"`: the term's string values are vocabulary terms, expanded and
    /// compacted like types (VocabProperty `vocab`, Relationship `objectType`, …).
    pub fn is_vocab(&self) -> bool {
        self.type_mapping == Some(TypeMapping::Vocab)
    }

    /// `"@type": "@id"`: the term's values are IRIs.
    pub fn is_id(&self) -> bool {
        self.type_mapping == Some(TypeMapping::Id)
    }

    /// `"@type": "@json"`: the term's values are opaque JSON.
    pub fn is_json(&self) -> bool {
        self.type_mapping == Some(TypeMapping::Json)
    }

    /// `"@container": "@language"`: the term's value is a language map.
    pub fn is_language_map(&self) -> bool {
        self.has_container(Container::Language)
    }

    /// `"@container": "@list"`: the term's value is an ordered list.
    pub fn is_list(&self) -> bool {
        self.has_container(Container::List)
    }

    /// Equality that ignores the protected flag (JSON-LD allows redefining a protected
    /// term with an identical definition).
    fn same_as(&self, other: &Self) -> bool {
        let mut a = self.clone();
        a.protected = other.protected;
        a == *other
    }
}

/// A processed (active) context: term → IRI definitions, `@vocab` and prefixes, merged in
/// the order given, with the NGSI-LD core context applied last so that its terms cannot be
/// overridden.
#[derive(Debug, Clone)]
pub struct ActiveContext {
    terms: HashMap<String, TermDefinition>,
    vocab: Option<String>,
    language: Option<String>,
    overridden: Vec<String>,
    loaded: Vec<String>,
    inverse: OnceLock<HashMap<String, String>>,
    prefixes: OnceLock<Vec<(String, String)>>,
}

impl ActiveContext {
    fn empty() -> Self {
        Self {
            terms: HashMap::new(),
            vocab: None,
            language: None,
            overridden: Vec::new(),
            loaded: Vec::new(),
            inverse: OnceLock::new(),
            prefixes: OnceLock::new(),
        }
    }

    /// A fresh working copy (without the lazily built lookup tables).
    fn working_copy(&self) -> Self {
        Self {
            terms: self.terms.clone(),
            vocab: self.vocab.clone(),
            language: self.language.clone(),
            overridden: Vec::new(),
            loaded: Vec::new(),
            inverse: OnceLock::new(),
            prefixes: OnceLock::new(),
        }
    }

    /// The core context alone (ETSI GS CIM 009 V1.9.1, Annex B), processed once.
    pub fn core() -> &'static ActiveContext {
        Self::core_shared_ref()
    }

    /// The core context as a shared handle: most requests use it, and a handle costs a
    /// reference count where a copy would clone every term definition.
    pub fn core_shared() -> Arc<ActiveContext> {
        Arc::clone(Self::core_shared_ref())
    }

    fn core_shared_ref() -> &'static Arc<ActiveContext> {
        static CORE: OnceLock<Arc<ActiveContext>> = OnceLock::new();
        CORE.get_or_init(|| {
            let doc = core_context_document();
            let mut builder = Builder::new(ActiveContext::empty(), &NoRemoteLoader, true);
            builder
                .process(&doc["@context"], None, 0)
                .expect("the embedded core context is a valid JSON-LD context");
            Arc::new(builder.ctx)
        })
    }

    /// Builds an active context from a `@context` value: a URL string, a local context
    /// object, `null`, or an array of these.
    ///
    /// URLs are resolved with `loader` (recursively, up to [`MAX_REMOTE_DEPTH`] levels and
    /// [`MAX_REMOTE_LOADS`] documents, with cycle detection); the core context URLs are not
    /// loaded but taken from the embedded copy. The core context is always included: it is
    /// the base the user contexts are processed on (so they can use `ngsi-ld:` compact IRIs
    /// and core terms such as `DateTime`), and it is applied again last, so that no core term
    /// and not the default `@vocab` can be overridden (attempts are listed by
    /// [`overridden_core_terms`](Self::overridden_core_terms)).
    pub fn from_value(
        value: &Value,
        loader: &dyn ContextLoader,
    ) -> Result<ActiveContext, ContextError> {
        let core = Self::core();
        let mut builder = Builder::new(core.working_copy(), loader, false);
        builder.process(value, None, 0)?;
        let mut ctx = builder.ctx;
        ctx.loaded = builder.loaded;
        let mut overridden = Vec::new();
        for (term, def) in &core.terms {
            if ctx.terms.get(term) != Some(def) {
                overridden.push(term.clone());
                ctx.terms.insert(term.clone(), def.clone());
            }
        }
        if ctx.vocab != core.vocab {
            overridden.push("@vocab".to_string());
            ctx.vocab.clone_from(&core.vocab);
        }
        overridden.sort();
        ctx.overridden = overridden;
        Ok(ctx)
    }

    /// [`from_value`](Self::from_value) for a single context URL (e.g. from a `Link` header).
    pub fn from_url(url: &str, loader: &dyn ContextLoader) -> Result<ActiveContext, ContextError> {
        Self::from_value(&Value::String(url.to_string()), loader)
    }

    /// Term or compact IRI → absolute IRI, for vocabulary positions (entity types, attribute
    /// names, `@vocab`-typed values).
    ///
    /// - a JSON-LD keyword is returned unchanged;
    /// - a defined term gives its IRI (for the keyword aliases `id` and `type`, the keyword);
    /// - `prefix:suffix` with a prefix term gives the prefix's IRI followed by the suffix;
    /// - any other absolute IRI (`urn:…`, `https://…`) and blank node (`_:…`) is returned
    ///   unchanged;
    /// - anything else is appended to `@vocab`, which is always the NGSI-LD default context
    ///   `https://uri.etsi.org/ngsi-ld/default-context/`.
    pub fn expand_term(&self, term: &str) -> String {
        self.expand_iri(term)
    }

    /// Absolute IRI → the term, or else the compact IRI, that expands back to it; otherwise
    /// the IRI itself. Follows JSON-LD IRI compaction: an exactly matching term first (the
    /// shortest, then the lexicographically least), then the IRI relative to `@vocab` (so
    /// `…/default-context/speed` → `speed`), then the shortest compact IRI. Every candidate
    /// is checked to expand back to `iri`, so `expand_term(compact_iri(x)) == x` holds for
    /// every absolute IRI `x`.
    pub fn compact_iri(&self, iri: &str) -> String {
        if let Some(term) = self.inverse().get(iri) {
            return term.clone();
        }
        if let Some(vocab) = &self.vocab {
            if let Some(suffix) = iri.strip_prefix(vocab.as_str()) {
                if !suffix.is_empty()
                    && !self.terms.contains_key(suffix)
                    && self.expand_iri(suffix) == iri
                {
                    return suffix.to_string();
                }
            }
        }
        let mut best: Option<String> = None;
        for (term, prefix_iri) in self.prefixes() {
            let Some(suffix) = iri.strip_prefix(prefix_iri.as_str()) else {
                continue;
            };
            if suffix.is_empty() {
                continue;
            }
            let candidate = format!("{term}:{suffix}");
            let better = match &best {
                None => true,
                Some(b) => (candidate.len(), &candidate) < (b.len(), b),
            };
            if better && self.expand_iri(&candidate) == iri {
                best = Some(candidate);
            }
        }
        best.unwrap_or_else(|| iri.to_string())
    }

    /// The definition of `term`, if the context defines it.
    pub fn term_definition(&self, term: &str) -> Option<&TermDefinition> {
        self.terms.get(term)
    }

    /// Every term of the context with its definition (in no particular order).
    pub fn terms(&self) -> impl Iterator<Item = (&str, &TermDefinition)> {
        self.terms.iter().map(|(t, d)| (t.as_str(), d))
    }

    /// The number of terms defined.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// Whether no term is defined (never the case for a context built by this crate).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The vocabulary mapping (`@vocab`): the NGSI-LD default context.
    pub fn vocab(&self) -> Option<&str> {
        self.vocab.as_deref()
    }

    /// The default language (`@language`) set by a user context, if any.
    pub fn default_language(&self) -> Option<&str> {
        self.language.as_deref()
    }

    /// Core terms (and `@vocab`) that the user contexts tried to redefine or remove; the core
    /// definitions were kept. Sorted. The broker may report them in an `NGSILD-Warning`.
    pub fn overridden_core_terms(&self) -> &[String] {
        &self.overridden
    }

    /// The remote context URLs loaded while building this context, in loading order.
    pub fn loaded_urls(&self) -> &[String] {
        &self.loaded
    }

    /// Whether `term` is defined by the core context (and therefore has the same meaning in
    /// every active context).
    pub fn is_core_term(term: &str) -> bool {
        Self::core().terms.contains_key(term)
    }

    /// JSON-LD IRI expansion with `vocab = true` over this context.
    fn expand_iri(&self, value: &str) -> String {
        if is_keyword(value) {
            return value.to_string();
        }
        if let Some(def) = self.terms.get(value) {
            return def.iri.clone();
        }
        if let Some((prefix, suffix)) = split_compact(value) {
            if prefix == "_" || suffix.starts_with("//") {
                return value.to_string();
            }
            if let Some(def) = self.terms.get(prefix) {
                if def.prefix {
                    return format!("{}{suffix}", def.iri);
                }
            }
            if is_absolute_iri(value) {
                return value.to_string();
            }
        }
        match &self.vocab {
            Some(vocab) => format!("{vocab}{value}"),
            None => value.to_string(),
        }
    }

    /// IRI → best exactly matching term.
    fn inverse(&self) -> &HashMap<String, String> {
        self.inverse.get_or_init(|| {
            let mut inverse: HashMap<String, String> = HashMap::new();
            for (term, def) in &self.terms {
                if def.reverse {
                    continue;
                }
                let better = match inverse.get(&def.iri) {
                    None => true,
                    Some(current) => (term.len(), term) < (current.len(), current),
                };
                if better {
                    inverse.insert(def.iri.clone(), term.clone());
                }
            }
            inverse
        })
    }

    /// (prefix term, IRI) of the terms usable as prefixes.
    fn prefixes(&self) -> &[(String, String)] {
        self.prefixes.get_or_init(|| {
            let mut prefixes: Vec<(String, String)> = self
                .terms
                .iter()
                .filter(|(_, d)| d.prefix && !d.reverse && !is_keyword(&d.iri))
                .map(|(t, d)| (t.clone(), d.iri.clone()))
                .collect();
            prefixes.sort();
            prefixes
        })
    }
}

/// Resolves a context URL reference against the URL of the document it appears in.
fn resolve_url(reference: &str, base: Option<&str>) -> Option<String> {
    let reference = reference.trim();
    if reference.is_empty() || reference.chars().any(char::is_whitespace) {
        return None;
    }
    if is_absolute_iri(reference) {
        return Some(reference.to_string());
    }
    let base = base?;
    let colon = base.find(':')?;
    let scheme = &base[..colon];
    let after_scheme = &base[colon + 1..];
    if let Some(rest) = reference.strip_prefix("//") {
        return Some(format!("{scheme}://{rest}"));
    }
    // Split the base into authority and path.
    let (authority, path) = match after_scheme.strip_prefix("//") {
        Some(rest) => {
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            (format!("//{}", &rest[..end]), &rest[end..])
        }
        None => (String::new(), after_scheme),
    };
    let path = &path[..path.find(['?', '#']).unwrap_or(path.len())];
    let merged = if reference.starts_with('/') {
        reference.to_string()
    } else {
        let dir = match path.rfind('/') {
            Some(i) => &path[..=i],
            None => "/",
        };
        format!("{dir}{reference}")
    };
    // Remove dot segments from the path part (the reference may carry a query/fragment).
    let split = merged.find(['?', '#']).unwrap_or(merged.len());
    let (merged_path, tail) = merged.split_at(split);
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = merged_path.split('/').collect();
    let last = segments.len().saturating_sub(1);
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let mut path = out.join("/");
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    Some(format!("{scheme}:{authority}{path}{tail}"))
}

/// The context processing algorithm (after JSON-LD 1.1 §4.1, "Context Processing", and
/// §4.2, "Create Term Definition"), written for NGSI-LD's needs.
struct Builder<'a> {
    ctx: ActiveContext,
    loader: &'a dyn ContextLoader,
    /// Building the core context itself (no core to compare with yet).
    core_build: bool,
    /// Remote URLs being processed (for cycle detection).
    stack: Vec<String>,
    loads: usize,
    loaded: Vec<String>,
}

impl<'a> Builder<'a> {
    fn new(ctx: ActiveContext, loader: &'a dyn ContextLoader, core_build: bool) -> Self {
        Self {
            ctx,
            loader,
            core_build,
            stack: Vec::new(),
            loads: 0,
            loaded: Vec::new(),
        }
    }

    fn process(
        &mut self,
        value: &Value,
        base: Option<&str>,
        depth: usize,
    ) -> Result<(), ContextError> {
        match value {
            Value::Null => self.reset(),
            Value::String(url) => self.process_url(url, base, depth),
            Value::Array(items) => {
                for item in items {
                    if item.is_array() {
                        return Err(invalid("an array of @contexts cannot contain an array"));
                    }
                    self.process(item, base, depth)?;
                }
                Ok(())
            }
            Value::Object(map) => self.process_local(map, base, depth),
            _ => Err(invalid(
                "a @context must be a URL string, an object, null, or an array of these",
            )),
        }
    }

    /// `null` in a context: back to the initial context (the core context).
    fn reset(&mut self) -> Result<(), ContextError> {
        let core_build = self.core_build;
        if let Some(term) = self
            .ctx
            .terms
            .iter()
            .find(|(t, d)| d.protected && (core_build || !ActiveContext::is_core_term(t)))
            .map(|(t, _)| t.clone())
        {
            return Err(invalid(format!(
                "invalid context nullification: term {term:?} is protected"
            )));
        }
        self.ctx = if core_build {
            ActiveContext::empty()
        } else {
            ActiveContext::core().working_copy()
        };
        Ok(())
    }

    /// Loads the remote document at `url` and returns its `@context` value.
    fn load(&mut self, url: &str, depth: usize) -> Result<Value, ContextError> {
        if self.stack.iter().any(|u| u == url) {
            return Err(ContextError::Recursive {
                url: url.to_string(),
            });
        }
        if depth >= MAX_REMOTE_DEPTH {
            return Err(ContextError::TooDeep {
                url: url.to_string(),
                limit: MAX_REMOTE_DEPTH,
            });
        }
        self.loads += 1;
        if self.loads > MAX_REMOTE_LOADS {
            return Err(ContextError::TooDeep {
                url: url.to_string(),
                limit: MAX_REMOTE_LOADS,
            });
        }
        let document = self.loader.load(url)?;
        self.loaded.push(url.to_string());
        match document {
            Value::Object(mut map) => map.remove("@context").ok_or_else(|| {
                invalid(format!(
                    "the document at {url} has no top-level @context member"
                ))
            }),
            _ => Err(invalid(format!(
                "the document at {url} is not a JSON object with an @context member"
            ))),
        }
    }

    fn process_url(
        &mut self,
        reference: &str,
        base: Option<&str>,
        depth: usize,
    ) -> Result<(), ContextError> {
        let url = resolve_url(reference, base).ok_or_else(|| {
            invalid(format!(
                "{reference:?} is not an absolute URL (a remote @context must be named by an absolute URL)"
            ))
        })?;
        if !self.core_build && is_core_context_url(&url) {
            // The core context is always applied, last.
            return Ok(());
        }
        let context = self.load(&url, depth)?;
        self.stack.push(url.clone());
        let result = self.process(&context, Some(&url), depth + 1);
        self.stack.pop();
        result
    }

    fn process_local(
        &mut self,
        map: &Map<String, Value>,
        base: Option<&str>,
        depth: usize,
    ) -> Result<(), ContextError> {
        if let Some(version) = map.get("@version") {
            if version.as_f64() != Some(1.1) {
                return Err(invalid("@version must be the number 1.1"));
            }
        }
        let merged;
        let map = match map.get("@import") {
            None => map,
            Some(Value::String(reference)) => {
                let url = resolve_url(reference, base).ok_or_else(|| {
                    invalid(format!("@import {reference:?} is not an absolute URL"))
                })?;
                let imported = self.load(&url, depth)?;
                let Value::Object(mut imported) = imported else {
                    return Err(invalid(format!(
                        "@import {url}: the imported @context must be a single object"
                    )));
                };
                if imported.contains_key("@import") {
                    return Err(invalid(format!(
                        "@import {url}: an imported context cannot @import again"
                    )));
                }
                for (k, v) in map {
                    if k != "@import" {
                        imported.insert(k.clone(), v.clone());
                    }
                }
                merged = imported;
                &merged
            }
            Some(_) => return Err(invalid("@import must be a URL string")),
        };
        if let Some(b) = map.get("@base") {
            if !(b.is_string() || b.is_null()) {
                return Err(invalid("@base must be a string or null"));
            }
        }
        match map.get("@vocab") {
            None => {}
            Some(Value::Null) => self.ctx.vocab = None,
            Some(Value::String(v)) => {
                let expanded = self.ctx.expand_iri(v);
                let vocab = if is_absolute_iri(&expanded) || expanded.starts_with("_:") {
                    expanded
                } else {
                    resolve_url(v, base)
                        .ok_or_else(|| invalid(format!("@vocab {v:?} is not an absolute IRI")))?
                };
                self.ctx.vocab = Some(vocab);
            }
            Some(_) => return Err(invalid("@vocab must be a string or null")),
        }
        match map.get("@language") {
            None => {}
            Some(Value::Null) => self.ctx.language = None,
            Some(Value::String(l)) => self.ctx.language = Some(l.clone()),
            Some(_) => return Err(invalid("@language must be a string or null")),
        }
        match map.get("@direction") {
            None | Some(Value::Null) => {}
            Some(Value::String(d)) if d == "ltr" || d == "rtl" => {}
            Some(_) => return Err(invalid("@direction must be \"ltr\", \"rtl\" or null")),
        }
        if let Some(p) = map.get("@propagate") {
            if !p.is_boolean() {
                return Err(invalid("@propagate must be a boolean"));
            }
        }
        let protected = match map.get("@protected") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(invalid("@protected must be a boolean")),
        };
        let mut defined: HashMap<String, bool> = HashMap::new();
        for term in map.keys() {
            if CONTEXT_KEYWORDS.contains(&term.as_str()) {
                continue;
            }
            self.create_term(map, term, &mut defined, protected)?;
        }
        Ok(())
    }

    /// IRI expansion inside a local context: first defines the terms `value` depends on.
    /// `None` when `value` has the form of a keyword without being one.
    fn expand_local(
        &mut self,
        value: &str,
        local: &Map<String, Value>,
        defined: &mut HashMap<String, bool>,
        protected: bool,
    ) -> Result<Option<String>, ContextError> {
        if is_keyword(value) {
            return Ok(Some(value.to_string()));
        }
        if looks_like_keyword(value) {
            return Ok(None);
        }
        if local.contains_key(value) && defined.get(value) != Some(&true) {
            self.create_term(local, value, defined, protected)?;
        }
        if let Some((prefix, suffix)) = split_compact(value) {
            if prefix != "_"
                && !suffix.starts_with("//")
                && local.contains_key(prefix)
                && defined.get(prefix) != Some(&true)
            {
                self.create_term(local, prefix, defined, protected)?;
            }
        }
        Ok(Some(self.ctx.expand_iri(value)))
    }

    /// Fails when `term` is a protected user term and the new definition differs.
    fn check_protected(
        &self,
        term: &str,
        previous: Option<&TermDefinition>,
        new: Option<&TermDefinition>,
    ) -> Result<(), ContextError> {
        let Some(previous) = previous else {
            return Ok(());
        };
        if !previous.protected || (!self.core_build && ActiveContext::is_core_term(term)) {
            // Core terms are restored after the user contexts anyway.
            return Ok(());
        }
        match new {
            Some(new) if new.same_as(previous) => Ok(()),
            _ => Err(invalid(format!(
                "protected term redefinition: {term:?} is protected"
            ))),
        }
    }

    fn create_term(
        &mut self,
        local: &Map<String, Value>,
        term: &str,
        defined: &mut HashMap<String, bool>,
        protected_default: bool,
    ) -> Result<(), ContextError> {
        match defined.get(term) {
            Some(true) => return Ok(()),
            Some(false) => {
                return Err(invalid(format!("cyclic IRI mapping for term {term:?}")));
            }
            None => {}
        }
        if term.is_empty() {
            return Err(invalid("the empty string is not a valid term"));
        }
        defined.insert(term.to_string(), false);
        let Some(value) = local.get(term) else {
            defined.insert(term.to_string(), true);
            return Ok(());
        };
        if term == "@type" {
            // JSON-LD 1.1 lets a context say that @type values form a set.
            let ok = match value {
                Value::Object(o) => o.iter().all(|(k, v)| match k.as_str() {
                    "@container" => v == "@set",
                    "@protected" => v.is_boolean(),
                    _ => false,
                }),
                _ => false,
            };
            if !ok {
                return Err(invalid(
                    "@type can only be given {\"@container\": \"@set\"}",
                ));
            }
            defined.insert(term.to_string(), true);
            return Ok(());
        }
        if is_keyword(term) {
            return Err(invalid(format!("keyword redefinition: {term:?}")));
        }
        if looks_like_keyword(term) {
            // Reserved for future keywords: ignored.
            defined.insert(term.to_string(), true);
            return Ok(());
        }
        let previous = self.ctx.terms.remove(term);
        let (map, simple): (Cow<'_, Map<String, Value>>, bool) = match value {
            Value::Null => {
                self.check_protected(term, previous.as_ref(), None)?;
                defined.insert(term.to_string(), true);
                return Ok(());
            }
            Value::String(id) => {
                let mut m = Map::new();
                m.insert("@id".to_string(), Value::String(id.clone()));
                (Cow::Owned(m), true)
            }
            Value::Object(o) => (Cow::Borrowed(o), false),
            _ => {
                return Err(invalid(format!(
                    "the definition of term {term:?} must be a string, an object or null"
                )));
            }
        };
        for key in map.keys() {
            if key.starts_with('@') && !DEFINITION_KEYWORDS.contains(&key.as_str()) {
                return Err(invalid(format!(
                    "invalid term definition of {term:?}: unknown keyword {key:?}"
                )));
            }
        }
        let mut def = TermDefinition::new();
        def.protected = match map.get("@protected") {
            None => protected_default,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(invalid(format!("{term:?}: @protected must be a boolean"))),
        };

        if let Some(t) = map.get("@type") {
            let Value::String(t) = t else {
                return Err(invalid(format!("{term:?}: @type must be a string")));
            };
            def.type_mapping = Some(match t.as_str() {
                "@id" => TypeMapping::Id,
                "@vocab" => TypeMapping::Vocab,
                "@json" => TypeMapping::Json,
                "@none" => TypeMapping::None,
                other => match self.expand_local(other, local, defined, protected_default)? {
                    Some(iri) if is_absolute_iri(&iri) => TypeMapping::Iri(iri),
                    _ => {
                        return Err(invalid(format!("{term:?}: invalid type mapping {other:?}")));
                    }
                },
            });
        }

        if let Some(reverse) = map.get("@reverse") {
            if map.contains_key("@id") || map.contains_key("@nest") {
                return Err(invalid(format!(
                    "{term:?}: @reverse cannot be combined with @id or @nest"
                )));
            }
            let Value::String(reverse) = reverse else {
                return Err(invalid(format!("{term:?}: @reverse must be a string")));
            };
            match self.expand_local(reverse, local, defined, protected_default)? {
                Some(iri) if is_absolute_iri(&iri) || iri.starts_with("_:") => {
                    def.iri = iri;
                    def.reverse = true;
                }
                _ => {
                    return Err(invalid(format!(
                        "{term:?}: invalid IRI mapping for @reverse"
                    )))
                }
            }
        } else if let Some(id) = map.get("@id").filter(|id| id.as_str() != Some(term)) {
            match id {
                Value::Null => {
                    // A decoupled term: treated as not defined (falls back to @vocab).
                    self.check_protected(term, previous.as_ref(), None)?;
                    defined.insert(term.to_string(), true);
                    return Ok(());
                }
                Value::String(id) => {
                    let Some(iri) = self.expand_local(id, local, defined, protected_default)?
                    else {
                        // Has the form of a keyword: the term is ignored.
                        defined.insert(term.to_string(), true);
                        return Ok(());
                    };
                    if iri == "@context" {
                        return Err(invalid(format!("{term:?}: @context cannot be aliased")));
                    }
                    if !is_keyword(&iri) && !is_absolute_iri(&iri) && !iri.starts_with("_:") {
                        return Err(invalid(format!(
                            "{term:?}: invalid IRI mapping {id:?} (not an absolute IRI, compact IRI or keyword)"
                        )));
                    }
                    let iri_like = split_compact(term).is_some() || term.contains('/');
                    if iri_like {
                        // A term that looks like an IRI must expand to the IRI it maps to.
                        defined.insert(term.to_string(), true);
                        let as_iri = self.expand_local(term, local, defined, protected_default)?;
                        if as_iri.as_deref() != Some(iri.as_str()) {
                            return Err(invalid(format!(
                                "{term:?}: a term that has the form of an IRI must map to that IRI"
                            )));
                        }
                    }
                    if simple
                        && !iri_like
                        && !is_keyword(&iri)
                        && (ends_with_gen_delim(&iri) || iri.starts_with("_:"))
                    {
                        def.prefix = true;
                    }
                    def.iri = iri;
                }
                _ => return Err(invalid(format!("{term:?}: @id must be a string or null"))),
            }
        } else if let Some((prefix, suffix)) = split_compact(term) {
            if local.contains_key(prefix) && defined.get(prefix) != Some(&true) {
                self.create_term(local, prefix, defined, protected_default)?;
            }
            def.iri = match self.ctx.terms.get(prefix) {
                Some(p) if prefix != "_" && !suffix.starts_with("//") => {
                    format!("{}{suffix}", p.iri)
                }
                _ => term.to_string(),
            };
        } else if term.contains('/') {
            return Err(invalid(format!(
                "{term:?}: a relative IRI term needs an @id"
            )));
        } else if let Some(vocab) = &self.ctx.vocab {
            def.iri = format!("{vocab}{term}");
        } else {
            return Err(invalid(format!(
                "term {term:?} has no IRI mapping and there is no @vocab"
            )));
        }

        if let Some(container) = map.get("@container") {
            let mut containers = Vec::new();
            let items: Vec<&Value> = match container {
                Value::Array(a) => a.iter().collect(),
                other => vec![other],
            };
            for item in items {
                let parsed = item
                    .as_str()
                    .and_then(Container::parse)
                    .ok_or_else(|| invalid(format!("{term:?}: invalid @container {item}")))?;
                containers.push(parsed);
            }
            containers.sort();
            containers.dedup();
            if containers.contains(&Container::List) && containers.len() > 1 {
                return Err(invalid(format!(
                    "{term:?}: @list cannot be combined with another container"
                )));
            }
            def.containers = containers;
        }
        match map.get("@index") {
            None => {}
            Some(Value::String(i)) if !is_keyword(i) => def.index = Some(i.clone()),
            Some(_) => return Err(invalid(format!("{term:?}: invalid @index"))),
        }
        match map.get("@language") {
            None | Some(Value::Null) => {}
            Some(Value::String(l)) => def.language = Some(l.clone()),
            Some(_) => {
                return Err(invalid(format!(
                    "{term:?}: @language must be a string or null"
                )))
            }
        }
        match map.get("@direction") {
            None | Some(Value::Null) => {}
            Some(Value::String(d)) if d == "ltr" || d == "rtl" => {}
            Some(_) => return Err(invalid(format!("{term:?}: invalid @direction"))),
        }
        match map.get("@nest") {
            None => {}
            Some(Value::String(n)) if n == "@nest" || !is_keyword(n) => def.nest = Some(n.clone()),
            Some(_) => return Err(invalid(format!("{term:?}: invalid @nest"))),
        }
        match map.get("@prefix") {
            None => {}
            Some(Value::Bool(b)) => {
                if term.contains(':') || term.contains('/') {
                    return Err(invalid(format!(
                        "{term:?}: a term with ':' or '/' cannot be a prefix"
                    )));
                }
                if *b && is_keyword(&def.iri) {
                    return Err(invalid(format!(
                        "{term:?}: a keyword alias cannot be a prefix"
                    )));
                }
                def.prefix = *b;
            }
            Some(_) => return Err(invalid(format!("{term:?}: @prefix must be a boolean"))),
        }
        if let Some(scoped) = map.get("@context") {
            def.context = Some(scoped.clone());
        }

        self.check_protected(term, previous.as_ref(), Some(&def))?;
        self.ctx.terms.insert(term.to_string(), def);
        defined.insert(term.to_string(), true);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_and_iris() {
        assert!(is_keyword("@id"));
        assert!(!is_keyword("id"));
        assert!(looks_like_keyword("@foo"));
        assert!(!looks_like_keyword("@"));
        assert!(!looks_like_keyword("@foo1"));
        assert!(is_absolute_iri("urn:ngsi-ld:Car:1"));
        assert!(is_absolute_iri("https://x"));
        assert!(!is_absolute_iri(":x"));
        assert!(!is_absolute_iri("1a:x"));
        assert!(!is_absolute_iri("speed"));
    }

    #[test]
    fn relative_urls() {
        let base = Some("https://example.org/ctx/a/main.jsonld?x=1");
        assert_eq!(
            resolve_url("other.jsonld", base).as_deref(),
            Some("https://example.org/ctx/a/other.jsonld")
        );
        assert_eq!(
            resolve_url("../b/c.jsonld", base).as_deref(),
            Some("https://example.org/ctx/b/c.jsonld")
        );
        assert_eq!(
            resolve_url("/root.jsonld", base).as_deref(),
            Some("https://example.org/root.jsonld")
        );
        assert_eq!(
            resolve_url("//cdn.example.org/x.jsonld", base).as_deref(),
            Some("https://cdn.example.org/x.jsonld")
        );
        assert_eq!(resolve_url("x.jsonld", None), None);
        assert_eq!(resolve_url("has space", base), None);
    }
}
