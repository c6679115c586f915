//! The parsed form of a `q` query and its canonical text (`Display`).

use std::fmt;

use crate::temporal::TemporalKind;

/// Names that are NGSI-LD system members rather than user attributes. They are matched as
/// written (never expanded with the @context) and are not passed to
/// [`crate::Query::map_attribute_names`].
pub const SYSTEM_NAMES: &[&str] = &[
    "createdAt",
    "modifiedAt",
    "observedAt",
    "deletedAt",
    "unitCode",
    "datasetId",
];

/// True when `name` is one of [`SYSTEM_NAMES`].
pub fn is_system_name(name: &str) -> bool {
    SYSTEM_NAMES.contains(&name)
}

/// A boolean combination of query terms.
///
/// The parser keeps this normalised: an `And`/`Or` has at least two children and never a
/// child of its own kind (`(a;b);c` becomes `And[a, b, c]`), so that printing and parsing
/// again gives an equal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Every child matches (`;`).
    And(Vec<Expr>),
    /// At least one child matches (`|`).
    Or(Vec<Expr>),
    /// A single Query Term.
    Term(Term),
}

/// One Query Term (production rule `QueryTerm`).
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    /// `attr`: the target element exists.
    Exists(AttrPath),
    /// `!attr`: the target element does not exist (extension, as in Orion-LD).
    NotExists(AttrPath),
    /// `attr<op>value`.
    Compare {
        /// The attribute path.
        path: AttrPath,
        /// The comparison operator.
        op: CompareOp,
        /// The value, value list or range.
        operand: Operand,
    },
    /// `attr~=regex` (`negated == false`) or `attr!~=regex` (`negated == true`).
    Pattern {
        /// The attribute path.
        path: AttrPath,
        /// True for `!~=`.
        negated: bool,
        /// The compiled pattern.
        pattern: Pattern,
    },
}

impl Term {
    /// The attribute path the term is about.
    pub fn path(&self) -> &AttrPath {
        match self {
            Term::Exists(p) | Term::NotExists(p) => p,
            Term::Compare { path, .. } | Term::Pattern { path, .. } => path,
        }
    }

    pub(crate) fn path_mut(&mut self) -> &mut AttrPath {
        match self {
            Term::Exists(p) | Term::NotExists(p) => p,
            Term::Compare { path, .. } | Term::Pattern { path, .. } => path,
        }
    }
}

/// An attribute path (production rule `Attribute`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    /// The first name: a top-level Attribute of the entity (or an entity-level system
    /// member such as `createdAt`).
    pub name: String,
    /// What follows the first name.
    pub kind: PathKind,
}

/// The part of an attribute path after its first name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathKind {
    /// `name.sub.sub[member.member]` (production rule `ValuePath`): dotted sub-attribute
    /// names, then an optional trailing path into the value.
    Value {
        /// Sub-Attribute names (`temperature.observedAt` has `["observedAt"]`).
        sub_attrs: Vec<String>,
        /// The trailing `[...]` path, if any.
        member: Option<MemberPath>,
    },
    /// `name{Type1,Type2:path}` (production rule `LinkedEntityRelation`): follow the
    /// Relationship `name` to the entities it points at and evaluate the term on them.
    Linked {
        /// Entity Type hints (empty when none was given).
        entity_types: Vec<String>,
        /// The path evaluated on each linked entity.
        target: Box<AttrPath>,
    },
}

/// The trailing `[...]` part of a value path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberPath {
    /// `[*]`: any language of a LanguageProperty.
    AnyLanguage,
    /// `[a.b.c]` (also written `[a][b][c]`, the pre-V1.6 form): JSON member names inside a
    /// compound value; for a LanguageProperty a single name is a language tag.
    Members(Vec<String>),
}

impl AttrPath {
    /// A plain `name` path.
    pub fn simple(name: impl Into<String>) -> Self {
        AttrPath {
            name: name.into(),
            kind: PathKind::Value {
                sub_attrs: Vec::new(),
                member: None,
            },
        }
    }

    /// True for a path that is just one attribute name.
    pub fn is_simple(&self) -> bool {
        matches!(&self.kind, PathKind::Value { sub_attrs, member: None } if sub_attrs.is_empty())
    }

    /// True when the path follows a Relationship to linked entities.
    pub fn is_linked(&self) -> bool {
        matches!(self.kind, PathKind::Linked { .. })
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
}

impl CompareOp {
    /// The operator as written in q.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
        }
    }
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// One value.
    Single(Literal),
    /// `v1,v2,...` (only with `==` / `!=`): any of the values.
    List(Vec<Literal>),
    /// `min..max` (only with `==` / `!=`), both ends included.
    Range(Literal, Literal),
}

/// A literal value in q.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A JSON number.
    Number(serde_json::Number),
    /// A double-quoted JSON string (already unescaped).
    String(String),
    /// `true` / `false`.
    Bool(bool),
    /// An unquoted ISO 8601 date-time such as `2017-12-24T12:00:00Z`.
    DateTime(Temporal),
    /// An unquoted ISO 8601 date such as `2017-12-24`.
    Date(Temporal),
    /// An unquoted ISO 8601 time such as `12:00:00Z`.
    Time(Temporal),
    /// An unquoted URI (`urn:ngsi-ld:Car:1`) or vocabulary term (`Male`), compared as a
    /// string with Relationship objects, VocabProperty vocabs and string values.
    Uri(String),
}

impl Literal {
    /// True for the kinds the grammar calls `ComparableValue` (usable with `<`, `>`, ranges).
    pub fn is_comparable(&self) -> bool {
        matches!(
            self,
            Literal::Number(_)
                | Literal::String(_)
                | Literal::DateTime(_)
                | Literal::Date(_)
                | Literal::Time(_)
        )
    }

    pub(crate) fn kind_name(&self) -> &'static str {
        match self {
            Literal::Number(_) => "a number",
            Literal::String(_) => "a string",
            Literal::Bool(_) => "a boolean",
            Literal::DateTime(_) => "a date-time",
            Literal::Date(_) => "a date",
            Literal::Time(_) => "a time",
            Literal::Uri(_) => "a URI",
        }
    }

    /// The literal as a JSON value (date/time literals become their text).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Literal::Number(n) => serde_json::Value::Number(n.clone()),
            Literal::String(s) | Literal::Uri(s) => serde_json::Value::String(s.clone()),
            Literal::Bool(b) => serde_json::Value::Bool(*b),
            Literal::DateTime(t) | Literal::Date(t) | Literal::Time(t) => {
                serde_json::Value::String(t.text.clone())
            }
        }
    }
}

/// A date, time or date-time literal: its text as written and its comparison key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Temporal {
    /// The literal exactly as written.
    pub text: String,
    /// Nanoseconds since the epoch (date-time), days since the epoch (date) or nanoseconds
    /// after midnight UTC (time).
    pub key: i128,
}

impl Temporal {
    pub(crate) fn new(kind: TemporalKind, text: &str) -> Option<Self> {
        crate::temporal::key(kind, text).map(|key| Temporal {
            text: text.to_owned(),
            key,
        })
    }
}

/// A compiled regular expression of a `~=` / `!~=` term. Two patterns are equal when their
/// source text is equal.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub(crate) regex: regex::Regex,
}

impl Pattern {
    /// The pattern's source text.
    pub fn as_str(&self) -> &str {
        self.regex.as_str()
    }

    /// The compiled regex.
    pub fn regex(&self) -> &regex::Regex {
        &self.regex
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

// ---------------------------------------------------------------------------------------
// Canonical text

fn write_json_string(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    // serde_json escapes exactly what a JSON string needs; it cannot fail for a &str.
    match serde_json::to_string(s) {
        Ok(text) => f.write_str(&text),
        Err(_) => Err(fmt::Error),
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Number(n) => write!(f, "{n}"),
            Literal::String(s) => write_json_string(f, s),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::DateTime(t) | Literal::Date(t) | Literal::Time(t) => f.write_str(&t.text),
            Literal::Uri(u) => f.write_str(u),
        }
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Single(l) => write!(f, "{l}"),
            Operand::List(ls) => {
                for (i, l) in ls.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{l}")?;
                }
                Ok(())
            }
            Operand::Range(lo, hi) => write!(f, "{lo}..{hi}"),
        }
    }
}

impl fmt::Display for MemberPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MemberPath::AnyLanguage => f.write_str("[*]"),
            MemberPath::Members(ms) => write!(f, "[{}]", ms.join(".")),
        }
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        match &self.kind {
            PathKind::Value { sub_attrs, member } => {
                for s in sub_attrs {
                    write!(f, ".{s}")?;
                }
                if let Some(m) = member {
                    write!(f, "{m}")?;
                }
                Ok(())
            }
            PathKind::Linked {
                entity_types,
                target,
            } => {
                f.write_str("{")?;
                if !entity_types.is_empty() {
                    write!(f, "{}:", entity_types.join(","))?;
                }
                write!(f, "{target}}}")
            }
        }
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Term::Exists(p) => write!(f, "{p}"),
            Term::NotExists(p) => write!(f, "!{p}"),
            Term::Compare { path, op, operand } => write!(f, "{path}{}{operand}", op.as_str()),
            Term::Pattern {
                path,
                negated,
                pattern,
            } => {
                write!(f, "{path}{}", if *negated { "!~=" } else { "~=" })?;
                write_json_string(f, pattern.as_str())
            }
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Term(t) => write!(f, "{t}"),
            Expr::Or(children) => {
                for (i, c) in children.iter().enumerate() {
                    if i > 0 {
                        f.write_str("|")?;
                    }
                    write!(f, "{c}")?;
                }
                Ok(())
            }
            Expr::And(children) => {
                for (i, c) in children.iter().enumerate() {
                    if i > 0 {
                        f.write_str(";")?;
                    }
                    // AND binds tighter than OR, so only an OR child needs parentheses.
                    if matches!(c, Expr::Or(_)) {
                        write!(f, "({c})")?;
                    } else {
                        write!(f, "{c}")?;
                    }
                }
                Ok(())
            }
        }
    }
}

/// Build a normalised AND / OR node from already-normalised children: flatten children of
/// the same kind and unwrap a single child.
pub(crate) fn combine(and: bool, children: Vec<Expr>) -> Expr {
    let mut flat = Vec::with_capacity(children.len());
    for c in children {
        match (and, c) {
            (true, Expr::And(inner)) | (false, Expr::Or(inner)) => flat.extend(inner),
            (_, other) => flat.push(other),
        }
    }
    if flat.len() == 1 {
        if let Some(only) = flat.pop() {
            return only;
        }
    }
    if and {
        Expr::And(flat)
    } else {
        Expr::Or(flat)
    }
}
