//! The NGSI-LD query languages for Yuverse's digital-twin context broker: `q` (the NGSI-LD
//! Query Language, ETSI GS CIM 009 **V1.9.1** clause 4.9) and `scopeQ` (the Scope Query
//! Language, clause 4.19).
//!
//! The crate parses the text of the parameters with a hand-written recursive-descent parser
//! ([`parse_q`], [`parse_scope_q`]), prints a canonical form (`Display`; parsing the printed
//! text gives an equal value), and evaluates a query against one entity in NGSI-LD
//! *normalized* JSON ([`Query::matches`], [`ScopeQuery::matches`]). Attribute names are
//! matched as stored: the broker expands the query's names with the @context
//! ([`Query::map_attribute_names`]) the same way it expanded the entity.
//!
//! ```
//! use serde_json::json;
//! use yuverse_twin_query::{parse_q, parse_scope_q};
//!
//! let q = parse_q(r#"speed>50;(brandName!="Mercedes"|speed.observedAt>=2024-01-01T00:00:00Z)"#)?;
//! let car = json!({
//!     "id": "urn:ngsi-ld:Car:1", "type": "Car",
//!     "speed": {"type": "Property", "value": 80, "observedAt": "2024-03-01T10:00:00Z"},
//!     "brandName": {"type": "Property", "value": "Mercedes"}
//! });
//! assert!(q.matches(&car));
//! assert_eq!(q.attribute_names(), ["speed", "brandName"]);
//!
//! let err = parse_q("speed==").unwrap_err();
//! assert_eq!(err.to_string(), "q: expected a value after '==', found the end of the input at position 7");
//!
//! let scopes = parse_scope_q("/Madrid/Gardens/#,/Rome")?;
//! assert!(scopes.matches(&["/Madrid/Gardens/ParqueNorte".to_owned()]));
//! # Ok::<(), yuverse_twin_query::ParseError>(())
//! ```
//!
//! # Grammar (V1.9.1) and the choices made where the standard is unclear
//!
//! * **Paths.** `temperature` · sub-attributes with dots, `temperature.observedAt`,
//!   `sensor.rawdata` (V1.9.1 `DottedPath`) · a trailing path into a compound value in one
//!   pair of brackets with dots, `sensor.rawdata[airquality.particulate]` (V1.9.1
//!   `ValuePath`); the pre-V1.6 form `a[b][c]` is also accepted and means `a[b.c]` ·
//!   `name[en]` picks one language of a LanguageProperty and `name[*]` any language.
//!   A numeric member indexes an array (`a[list.0]`); any other member applied to an array
//!   is applied to each object element.
//! * **`{}` is not a sub-attribute.** In V1.9.1 `sensor{humidity}==40` is a *linked-entity*
//!   query: follow the Relationship `sensor` and test `humidity` on the entity it points at
//!   (with optional type hints, `sensor{Device:humidity}` or `sensor{Device,Sensor:humidity}`;
//!   the grammar's `1*(, EntityType)` is read as `*(, EntityType)`, as its example 14 shows).
//!   Sub-attributes are written with dots. Linked paths need a resolver
//!   ([`Query::matches_with`]); [`Query::matches`] has none, so a linked term never matches
//!   there (and `!rel{attr}` always does).
//! * **System members.** `createdAt`, `modifiedAt`, `deletedAt` at entity level and
//!   `observedAt`, `unitCode`, `datasetId`, `createdAt`, `modifiedAt` on an attribute are
//!   plain strings in normalized form; a path ending in one of them targets that string.
//! * **Values.** Numbers (RFC 8259), double-quoted JSON strings (with escapes), `true` /
//!   `false`, unquoted ISO 8601 date-times / dates / times (`2017-12-24T12:00:00Z`,
//!   `2017-12-24`, `12:00:00Z`), unquoted URIs and vocabulary terms (`urn:ngsi-ld:Car:1`,
//!   `Male`, needed for example 12; they compare as strings, so `brandName==Mercedes` works
//!   like `brandName=="Mercedes"`). An unquoted URI ends at whitespace, `..` or one of `;|,()"`;
//!   quote URIs that contain those. Value lists `"a","b"` (any of) and ranges `min..max`
//!   (both ends included, both ends of one kind, `min <= max`) are only allowed with `==` and
//!   `!=`; `<`, `<=`, `>`, `>=` take a number, string, date-time, date or time (the grammar's
//!   `ComparableValue`).
//! * **Comparisons.** A Property's target value is its `value` (a JSON-LD value object
//!   `{"@value": ...}` compares as its `@value`); GeoProperty `value`; LanguageProperty the
//!   strings of its `languageMap`; ListProperty `valueList`; JsonProperty `json`;
//!   VocabProperty `vocab`; Relationship `object`; ListRelationship `objectList`. Multi-
//!   attribute instances (`datasetId`) are each a target and any matching instance counts.
//!   When the target value is an array, `==` matches when any element matches and `!=` when
//!   none does (clause 4.9 "is included in the target value"); `<`/`>`/ranges match when any
//!   element does. Types must agree, otherwise the comparison is false for `==`, `<`, `>`,
//!   `~=` and true for `!=` (clause 4.9: "considered unequal"); `!=` still requires the
//!   target element to exist. Two strings that both parse as date-times compare as instants,
//!   other strings by code point (no Unicode collation). An unquoted date-time literal
//!   matches only date-time strings, a date only dates, a time only times. Relationships
//!   accept only `==` and `!=`.
//! * **Patterns.** `~=` / `!~=` take a quoted JSON string (canonical) or an unquoted pattern
//!   that runs to the next `;`, `|` or unmatched `)` outside regex groups and classes (so an
//!   unquoted alternation must be grouped: `name~=(a|b)`). Patterns use the `regex` crate
//!   syntax (close to POSIX ERE; `(?i)` for case-insensitive) and match anywhere in the
//!   string (`^`/`$` anchor). A non-string target never matches, for either operator.
//! * **Logic.** `;` (AND) binds tighter than `|` (OR), parentheses group and may nest (the
//!   grammar's `QueryTermAssoc` allows one level, but its example 6 nests two). `!attr` (does
//!   not exist) is an extension found in other brokers; `!` applies to an attribute path
//!   only, not to a group or a comparison. ASCII whitespace between tokens is ignored.
//! * **Guards.** Input longer than [`Limits::max_len`] (4096 bytes) or nesting parentheses
//!   and linked paths deeper than [`Limits::max_depth`] (32) is a [`ParseError`] whose
//!   [`ParseError::is_too_complex`] is true. Regexes are compiled with size limits.
//! * **scopeQ.** `/Madrid/Gardens`, `/Madrid/Gardens/#` (that scope and everything below),
//!   `/Madrid/+/ParqueNorte` (`+` = one level), `/#` (any non-empty scope), `|` or `,` for
//!   OR, `;` for AND; parentheses group (the canonical form puts every AND in parentheses, as
//!   the standard writes it). The leading `/` is optional and a level may start with a digit.
//!
//! * **Absent values.** A `null` value (or a missing `value`/`object`/... member) counts as
//!   a missing target element.
//! * **Left to the broker.** Expanding names and values with the @context (use
//!   [`Query::map_attribute_names`], [`Query::map_entity_types`] and, for `expandValues`,
//!   [`Query::map_values_of`]), `jsonKeys`, the `datasetId` and `lang` parameters, and
//!   percent-decoding the parameter.
//!
//! Display prints names verbatim: after [`Query::map_attribute_names`] has replaced names
//! with IRIs the text is no longer valid q, which is fine for logging.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod ast;
mod error;
mod eval;
mod parser;
mod scope;
mod temporal;

use std::fmt;

pub use ast::{
    is_system_name, AttrPath, CompareOp, Expr, Literal, MemberPath, Operand, PathKind, Pattern,
    Temporal, Term, SYSTEM_NAMES,
};
pub use error::{ErrorKind, ParseError, QueryParam};
pub use eval::Resolver;
pub use scope::{ScopeExpr, ScopeLevel, ScopePattern, ScopeQuery};

/// Complexity guards applied while parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum input length in bytes.
    pub max_len: usize,
    /// Maximum nesting of parentheses (and, in `q`, linked-entity paths).
    pub max_depth: usize,
}

/// Default maximum length of `q` / `scopeQ`, in bytes.
pub const MAX_QUERY_LEN: usize = 4096;
/// Default maximum nesting depth.
pub const MAX_DEPTH: usize = 32;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_len: MAX_QUERY_LEN,
            max_depth: MAX_DEPTH,
        }
    }
}

/// A parsed `q` parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    root: Expr,
}

/// Parse the `q` parameter (already percent-decoded) with the default [`Limits`].
pub fn parse_q(input: &str) -> Result<Query, ParseError> {
    parse_q_with(input, Limits::default())
}

/// Parse the `q` parameter with explicit [`Limits`].
pub fn parse_q_with(input: &str, limits: Limits) -> Result<Query, ParseError> {
    parser::parse_query(input, limits).map(|root| Query { root })
}

/// Parse the `scopeQ` parameter (already percent-decoded) with the default [`Limits`].
pub fn parse_scope_q(input: &str) -> Result<ScopeQuery, ParseError> {
    parse_scope_q_with(input, Limits::default())
}

/// Parse the `scopeQ` parameter with explicit [`Limits`].
pub fn parse_scope_q_with(input: &str, limits: Limits) -> Result<ScopeQuery, ParseError> {
    scope::parse(input, limits)
}

fn for_each_term<'q>(e: &'q Expr, f: &mut dyn FnMut(&'q Term)) {
    match e {
        Expr::And(cs) | Expr::Or(cs) => cs.iter().for_each(|c| for_each_term(c, f)),
        Expr::Term(t) => f(t),
    }
}

fn for_each_term_mut(e: &mut Expr, f: &mut dyn FnMut(&mut Term)) {
    match e {
        Expr::And(cs) | Expr::Or(cs) => cs.iter_mut().for_each(|c| for_each_term_mut(c, f)),
        Expr::Term(t) => f(t),
    }
}

fn map_path_names(p: &mut AttrPath, f: &mut dyn FnMut(&str) -> String) {
    if !is_system_name(&p.name) {
        p.name = f(&p.name);
    }
    match &mut p.kind {
        PathKind::Value { sub_attrs, .. } => {
            for s in sub_attrs.iter_mut().filter(|s| !is_system_name(s)) {
                *s = f(s);
            }
        }
        PathKind::Linked { target, .. } => map_path_names(target, f),
    }
}

fn map_path_types(p: &mut AttrPath, f: &mut dyn FnMut(&str) -> String) {
    if let PathKind::Linked {
        entity_types,
        target,
    } = &mut p.kind
    {
        for t in entity_types.iter_mut() {
            *t = f(t);
        }
        map_path_types(target, f);
    }
}

fn string_values(l: &mut Literal, f: &mut dyn FnMut(&str) -> String) {
    if let Literal::Uri(text) | Literal::String(text) = l {
        *text = f(text);
    }
}

/// The name of the attribute (or sub-attribute) whose value a path reaches.
fn compared_name(p: &AttrPath) -> &str {
    match &p.kind {
        PathKind::Linked { target, .. } => compared_name(target),
        PathKind::Value { sub_attrs, .. } => sub_attrs.last().unwrap_or(&p.name),
    }
}

impl Query {
    /// The parsed expression, e.g. to translate it into a database query.
    pub fn expr(&self) -> &Expr {
        &self.root
    }

    /// Every attribute name the query mentions (the first segment of each path, including the
    /// Relationship of a linked path), each once, in order of appearance. System names
    /// ([`SYSTEM_NAMES`]) are left out, as they are never expanded.
    pub fn attribute_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for_each_term(&self.root, &mut |t| {
            let n = t.path().name.as_str();
            if !is_system_name(n) && !names.contains(&n) {
                names.push(n);
            }
        });
        names
    }

    /// Replace attribute names, e.g. to expand terms into IRIs with the @context: the first
    /// segment of each path, each dotted sub-attribute name, and the names inside linked
    /// paths. System names ([`SYSTEM_NAMES`]) are not passed to `f`; neither are member names
    /// inside `[...]` (JSON keys or language tags) nor entity type hints (see
    /// [`Query::map_entity_types`]).
    pub fn map_attribute_names(&mut self, f: &mut dyn FnMut(&str) -> String) {
        for_each_term_mut(&mut self.root, &mut |t| map_path_names(t.path_mut(), f));
    }

    /// Replace the entity type hints of linked paths (`rel{Type:attr}`), e.g. to expand them.
    pub fn map_entity_types(&mut self, f: &mut dyn FnMut(&str) -> String) {
        for_each_term_mut(&mut self.root, &mut |t| map_path_types(t.path_mut(), f));
    }

    /// Replace the string values (quoted, or unquoted URIs and vocabulary terms) that terms
    /// compare with the attributes `named` picks, e.g. to IRI-expand `Male` into
    /// `http://example.org/Male` for a VocabProperty (clause 4.9 `expandValues`). A term's
    /// attribute is the one whose value it compares: the last name of its path (`attr` in
    /// `rel{attr}`, `sub` in `attr.sub`). Numbers, booleans, dates and patterns are left alone.
    pub fn map_values_of(
        &mut self,
        named: &dyn Fn(&str) -> bool,
        f: &mut dyn FnMut(&str) -> String,
    ) {
        for_each_term_mut(&mut self.root, &mut |t| {
            let Term::Compare { path, operand, .. } = t else {
                return;
            };
            if !named(compared_name(path)) {
                return;
            }
            match operand {
                Operand::Single(l) => string_values(l, f),
                Operand::List(ls) => ls.iter_mut().for_each(|l| string_values(l, f)),
                Operand::Range(a, b) => {
                    string_values(a, f);
                    string_values(b, f);
                }
            }
        });
    }

    /// True when some path follows a Relationship (`rel{attr}`), so that evaluating the
    /// query needs [`Query::matches_with`].
    pub fn has_linked_paths(&self) -> bool {
        let mut linked = false;
        for_each_term(&self.root, &mut |t| linked |= t.path().is_linked());
        linked
    }

    /// How many Relationships the deepest path follows (`rel{attr}` is 1, `a{b{c}}` is 2), so
    /// that a query can be refused when it reaches further than the linked entities it asks
    /// for (clause 5.7.2.4).
    pub fn linked_depth(&self) -> usize {
        fn depth(p: &AttrPath) -> usize {
            match &p.kind {
                PathKind::Linked { target, .. } => 1 + depth(target),
                PathKind::Value { .. } => 0,
            }
        }
        let mut deepest = 0;
        for_each_term(&self.root, &mut |t| deepest = deepest.max(depth(t.path())));
        deepest
    }

    /// Evaluate against one entity in NGSI-LD normalized JSON form (attribute names as
    /// stored, already expanded the same way as the query). Linked-entity terms cannot be
    /// resolved here and never match; use [`Query::matches_with`] for those.
    pub fn matches(&self, entity: &serde_json::Value) -> bool {
        eval::eval_expr(&self.root, entity, None)
    }

    /// Like [`Query::matches`], resolving linked-entity paths (`rel{attr}`) by looking the
    /// target entities up with `resolve` (entity id → entity in normalized form).
    pub fn matches_with(&self, entity: &serde_json::Value, resolve: Resolver<'_>) -> bool {
        eval::eval_expr(&self.root, entity, Some(resolve))
    }

    /// For index use: if the query is a conjunction (or a single term) containing
    /// `attr==<string, number or URI literal>` on a plain attribute name, return those
    /// `(attr, literal)` pairs; empty otherwise (a top-level OR, or no such term).
    ///
    /// The pairs are a pre-filter: an entity can only match if, for each pair, some instance
    /// of `attr` has a target value (Property `value`, Relationship `object`, an element of
    /// an array value, a language string...) equal to the literal (numbers compare
    /// numerically, so `1` equals `1.0`). Always confirm with [`Query::matches`]. Strings that
    /// look like date-times are left out (they compare as instants, not as text), as are
    /// system names.
    pub fn equality_terms(&self) -> Vec<(&str, serde_json::Value)> {
        let terms: Vec<&Expr> = match &self.root {
            Expr::And(cs) => cs.iter().collect(),
            t @ Expr::Term(_) => vec![t],
            Expr::Or(_) => return Vec::new(),
        };
        terms
            .into_iter()
            .filter_map(|e| match e {
                Expr::Term(Term::Compare {
                    path,
                    op: CompareOp::Eq,
                    operand: Operand::Single(lit),
                }) if path.is_simple() && !is_system_name(&path.name) => {
                    let value = match lit {
                        Literal::Number(n) => serde_json::Value::Number(n.clone()),
                        Literal::String(s) if temporal::date_time_nanos(s).is_none() => {
                            serde_json::Value::String(s.clone())
                        }
                        Literal::Uri(u) => serde_json::Value::String(u.clone()),
                        _ => return None,
                    };
                    Some((path.name.as_str(), value))
                }
                _ => None,
            })
            .collect()
    }
}

impl fmt::Display for Query {
    /// The canonical q text: no whitespace, minimal parentheses, strings and patterns as
    /// JSON strings, `a[b.c]` for member paths.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.root)
    }
}

impl std::str::FromStr for Query {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_q(s)
    }
}

impl std::str::FromStr for ScopeQuery {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_scope_q(s)
    }
}

/// A fuzz-friendly entry point (e.g. for `cargo fuzz`): parses `data` as `q` and as
/// `scopeQ`; whatever parses is printed, re-parsed (it panics if the canonical text does not
/// parse to an equal value: that is a bug a fuzzer should report) and evaluated against a
/// sample entity. Never panics otherwise.
pub fn fuzz_q(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(mut q) = parse_q(text) {
        let printed = q.to_string();
        match parse_q(&printed) {
            Ok(again) => assert_eq!(q, again, "canonical text {printed:?} of {text:?}"),
            Err(e) => panic!("canonical text {printed:?} of {text:?} does not parse: {e}"),
        }
        let entity = fuzz_entity();
        let _ = q.matches(&entity);
        let resolve = |_: &str| Some(std::borrow::Cow::Owned(fuzz_entity()));
        let _ = q.matches_with(&entity, &resolve);
        let _ = q.equality_terms();
        let _ = q.attribute_names();
        q.map_attribute_names(&mut |n| format!("https://example.org/{n}"));
        let _ = q.matches(&entity);
    }
    if let Ok(s) = parse_scope_q(text) {
        let printed = s.to_string();
        match parse_scope_q(&printed) {
            Ok(again) => assert_eq!(s, again, "canonical text {printed:?} of {text:?}"),
            Err(e) => panic!("canonical text {printed:?} of {text:?} does not parse: {e}"),
        }
        let _ = s.matches(&["/Madrid/Gardens".to_owned(), "/a/b/c".to_owned()]);
    }
}

fn fuzz_entity() -> serde_json::Value {
    serde_json::json!({
        "id": "urn:ngsi-ld:Thing:1",
        "type": "Thing",
        "createdAt": "2024-01-01T00:00:00Z",
        "a": {"type": "Property", "value": 5, "observedAt": "2024-01-02T00:00:00Z",
              "b": {"type": "Property", "value": "x"}},
        "c": {"type": "Relationship", "object": "urn:ngsi-ld:Thing:2"},
        "d": {"type": "LanguageProperty", "languageMap": {"en": "red", "fr": ["rouge"]}},
        "e": [{"type": "Property", "value": {"f": [1, {"g": "h"}]}, "datasetId": "urn:x"},
              {"type": "Property", "value": [true, false]}],
        "l": {"type": "ListProperty", "valueList": [1, "two"]},
        "v": {"type": "VocabProperty", "vocab": "Male"},
        "j": {"type": "JsonProperty", "json": {"k": null}},
        "r": {"type": "ListRelationship", "objectList": [{"object": "urn:a"}]}
    })
}
