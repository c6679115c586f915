//! Expanding NGSI-LD entities from a context's terms to IRIs, and compacting them back.
//!
//! # What the functions work on
//!
//! The input is an NGSI-LD entity in the **normalized** or **concise** representation (an
//! object, or an array of them), as a client sends it or as the broker stores it. Simplified
//! (`keyValues`) input must be normalized by the caller first: in a simplified entity every
//! attribute value is treated as an opaque value, so only the attribute names are expanded.
//! The structure is never changed: only member names and a few values are rewritten.
//! Temporal representations (attribute instances in arrays, `values`, aggregated members
//! such as `avg`) are handled the same way.
//!
//! # What is rewritten, and what stays
//!
//! At **entity** level:
//! - `type` / `@type`: the value (a string or an array of strings) is expanded as a
//!   vocabulary term (`Vehicle` → `https://…/Vehicle`);
//! - `id`, `@id`, `scope`, `createdAt`, `modifiedAt`, `deletedAt` ([`ENTITY_MEMBERS`]) stay,
//!   name and value;
//! - `location`, `observationSpace`, `operationSpace`, `ngsildproof`
//!   ([`CORE_ATTRIBUTE_NAMES`]) keep their name (core terms with one meaning everywhere)
//!   and their value is processed as an attribute;
//! - `@context` is dropped by expansion (the context has been applied) and kept as it is by
//!   compaction;
//! - every other member is an attribute: its name is expanded and its value processed as an
//!   attribute.
//!
//! At **attribute** level (an attribute object, each object of a multi-attribute or
//! temporal array, and sub-attributes at any depth):
//! - [`ATTRIBUTE_MEMBERS`] stay, name and value: `type`, `value`, `object`, `languageMap`,
//!   `valueList`, `objectList`, `json`, `datasetId`, `observedAt`, `unitCode`, `createdAt`,
//!   `modifiedAt`, `deletedAt`, `instanceId`, `lang`, the `previous…` members, the temporal
//!   members (`values`, `objects`, `languageMaps`, `valueLists`, `objectLists`, `jsons`,
//!   `vocabs`) and the aggregation members (`avg`, `distinctCount`, `max`, `min`, `stddev`,
//!   `sum`, `sumsq`, `totalCount`), and `entityIdSealed`; so values (including compound
//!   values, whose keys are not expanded), language maps and JSON stay untouched, and so
//!   does the attribute type (`Property`, `Relationship`, …);
//! - [`ATTRIBUTE_VOCAB_MEMBERS`] keep their name and have their value (a string or an array
//!   of strings) expanded as vocabulary terms: `vocab` and `previousVocab` (VocabProperty),
//!   `objectType` (Relationship, ListRelationship) and `entityTypeSealed` (`ngsildproof`);
//! - `entity` (an inline Linked Entity of a Relationship) is processed as an entity;
//! - `ngsildproof` keeps its name and is processed as a sub-attribute;
//! - every other member is a sub-attribute: its name is expanded and its value processed as
//!   an attribute.
//!
//! Names that stay are also recognised in their expanded form, so that expansion is
//! canonical: `https://uri.etsi.org/ngsi-ld/location` at entity level becomes `location`,
//! `https://uri.etsi.org/ngsi-ld/observedAt` at attribute level becomes `observedAt`.
//! When two members end up with the same attribute name (a term and its IRI both given),
//! their values are merged into one array of attribute instances.
//!
//! Compaction is the mirror image with [`ActiveContext::compact_iri`].
//! Deeper than [`MAX_NESTING`] levels, values are copied unchanged.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::context::ActiveContext;

/// Entity-level members kept as they are (name and value).
pub const ENTITY_MEMBERS: &[&str] = &["id", "@id", "scope", "createdAt", "modifiedAt", "deletedAt"];

/// Core terms naming attributes: the name is kept and the value processed as an attribute.
pub const CORE_ATTRIBUTE_NAMES: &[&str] = &[
    "location",
    "observationSpace",
    "operationSpace",
    "ngsildproof",
];

/// Attribute-level members kept as they are (name and value).
pub const ATTRIBUTE_MEMBERS: &[&str] = &[
    "type",
    "@type",
    "value",
    "object",
    "languageMap",
    "valueList",
    "objectList",
    "json",
    "datasetId",
    "observedAt",
    "unitCode",
    "createdAt",
    "modifiedAt",
    "deletedAt",
    "instanceId",
    "lang",
    "previousValue",
    "previousObject",
    "previousLanguageMap",
    "previousValueList",
    "previousObjectList",
    "previousJson",
    "values",
    "objects",
    "languageMaps",
    "valueLists",
    "objectLists",
    "jsons",
    "vocabs",
    "avg",
    "distinctCount",
    "max",
    "min",
    "stddev",
    "sum",
    "sumsq",
    "totalCount",
    "entityIdSealed",
];

/// Attribute-level members whose name is kept and whose value is a vocabulary term
/// (`"@type": "@vocab"` in the core context), expanded and compacted like a type.
pub const ATTRIBUTE_VOCAB_MEMBERS: &[&str] =
    &["vocab", "previousVocab", "objectType", "entityTypeSealed"];

/// How deep expansion and compaction go; deeper values are copied unchanged.
pub const MAX_NESTING: usize = 64;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Entity,
    Attribute,
}

fn is_member(level: Level, name: &str) -> bool {
    match level {
        Level::Entity => {
            name == "type"
                || name == "@type"
                || name == "@context"
                || ENTITY_MEMBERS.contains(&name)
                || CORE_ATTRIBUTE_NAMES.contains(&name)
        }
        Level::Attribute => {
            name == "entity"
                || name == "ngsildproof"
                || ATTRIBUTE_MEMBERS.contains(&name)
                || ATTRIBUTE_VOCAB_MEMBERS.contains(&name)
        }
    }
}

/// The member whose core expansion is `iri` at this level, if any.
fn member_for_iri(level: Level, iri: &str) -> Option<&'static str> {
    static ENTITY: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    static ATTRIBUTE: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    fn build<'a>(names: impl Iterator<Item = &'a &'static str>) -> HashMap<String, &'static str> {
        let core = ActiveContext::core();
        names
            .map(|name| (core.expand_term(name), *name))
            .filter(|(iri, _)| !iri.starts_with('@'))
            .collect()
    }
    let map = match level {
        Level::Entity => {
            ENTITY.get_or_init(|| build(ENTITY_MEMBERS.iter().chain(CORE_ATTRIBUTE_NAMES)))
        }
        Level::Attribute => ATTRIBUTE.get_or_init(|| {
            build(
                ATTRIBUTE_MEMBERS
                    .iter()
                    .chain(ATTRIBUTE_VOCAB_MEMBERS)
                    .chain(["entity", "ngsildproof"].iter()),
            )
        }),
    };
    map.get(iri).copied()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Expand,
    Compact,
}

struct Walker<'a> {
    ctx: &'a ActiveContext,
    mode: Mode,
}

impl Walker<'_> {
    fn convert(&self, s: &str) -> String {
        match self.mode {
            Mode::Expand => self.ctx.expand_term(s),
            Mode::Compact => self.ctx.compact_iri(s),
        }
    }

    fn member_name(&self, level: Level, key: &str) -> String {
        if is_member(level, key) {
            return key.to_string();
        }
        let converted = self.convert(key);
        if self.mode == Mode::Expand {
            if let Some(member) = member_for_iri(level, &converted) {
                return member.to_string();
            }
        }
        converted
    }

    fn vocab_value(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.convert(s)),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| match i {
                        Value::String(s) => Value::String(self.convert(s)),
                        other => other.clone(),
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn entity(&self, value: &Value, depth: usize) -> Value {
        if depth > MAX_NESTING {
            return value.clone();
        }
        match value {
            Value::Array(items) => {
                Value::Array(items.iter().map(|i| self.entity(i, depth + 1)).collect())
            }
            Value::Object(map) => self.entity_object(map, depth),
            other => other.clone(),
        }
    }

    fn entity_object(&self, map: &Map<String, Value>, depth: usize) -> Value {
        let mut out = Map::new();
        for (key, value) in map {
            let name = self.member_name(Level::Entity, key);
            match name.as_str() {
                "@context" => {
                    if self.mode == Mode::Compact {
                        out.insert(name, value.clone());
                    }
                }
                "type" | "@type" => {
                    out.insert(name, self.vocab_value(value));
                }
                n if ENTITY_MEMBERS.contains(&n) => {
                    out.insert(name, value.clone());
                }
                _ => {
                    let converted = self.attribute(value, depth + 1);
                    insert_attribute(&mut out, name, converted);
                }
            }
        }
        Value::Object(out)
    }

    fn attribute(&self, value: &Value, depth: usize) -> Value {
        if depth > MAX_NESTING {
            return value.clone();
        }
        match value {
            Value::Object(map) => self.attribute_object(map, depth),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| match i {
                        Value::Object(map) => self.attribute_object(map, depth + 1),
                        other => other.clone(),
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn attribute_object(&self, map: &Map<String, Value>, depth: usize) -> Value {
        if depth > MAX_NESTING {
            return Value::Object(map.clone());
        }
        let mut out = Map::new();
        for (key, value) in map {
            let name = self.member_name(Level::Attribute, key);
            match name.as_str() {
                n if ATTRIBUTE_VOCAB_MEMBERS.contains(&n) => {
                    out.insert(name, self.vocab_value(value));
                }
                "entity" => {
                    out.insert(name, self.entity(value, depth + 1));
                }
                n if ATTRIBUTE_MEMBERS.contains(&n) => {
                    out.insert(name, value.clone());
                }
                _ => {
                    let converted = self.attribute(value, depth + 1);
                    insert_attribute(&mut out, name, converted);
                }
            }
        }
        Value::Object(out)
    }
}

/// Inserts an attribute, merging with an attribute of the same name into an array of
/// instances.
fn insert_attribute(out: &mut Map<String, Value>, name: String, value: Value) {
    match out.remove(&name) {
        None => {
            out.insert(name, value);
        }
        Some(existing) => {
            let mut merged = match existing {
                Value::Array(items) => items,
                other => vec![other],
            };
            match value {
                Value::Array(items) => merged.extend(items),
                other => merged.push(other),
            }
            out.insert(name, Value::Array(merged));
        }
    }
}

/// Expands an NGSI-LD entity (or an array of entities) from the terms of `ctx` to IRIs.
/// See the [module documentation](self) for what is rewritten and what stays. Values that
/// are not objects or arrays are returned unchanged. Never panics.
pub fn expand_entity(entity: &Value, ctx: &ActiveContext) -> Value {
    Walker {
        ctx,
        mode: Mode::Expand,
    }
    .entity(entity, 0)
}

/// Compacts an expanded NGSI-LD entity (or an array of entities) to the terms of `ctx`:
/// the reverse of [`expand_entity`]. Never panics.
pub fn compact_entity(entity: &Value, ctx: &ActiveContext) -> Value {
    Walker {
        ctx,
        mode: Mode::Compact,
    }
    .entity(entity, 0)
}

/// The stored (expanded) name of an entity-level attribute, by the same rules as
/// [`expand_entity`]: for `attrs=`, `q=`, `pick`/`omit` and path parameters.
/// `location` stays `location`, `speed` becomes `https://…/speed`.
pub fn expand_attribute_name(name: &str, ctx: &ActiveContext) -> String {
    Walker {
        ctx,
        mode: Mode::Expand,
    }
    .member_name(Level::Entity, name)
}

/// The name of an expanded entity-level attribute in the terms of `ctx`: the reverse of
/// [`expand_attribute_name`].
pub fn compact_attribute_name(name: &str, ctx: &ActiveContext) -> String {
    Walker {
        ctx,
        mode: Mode::Compact,
    }
    .member_name(Level::Entity, name)
}
