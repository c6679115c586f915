//! The NGSI-LD Scope Query Language (`scopeQ`, clause 4.19).

use std::fmt;

use crate::error::{ParseError, QueryParam};
use crate::parser::Cursor;
use crate::Limits;

/// A parsed `scopeQ`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeQuery {
    root: ScopeExpr,
}

/// A boolean combination of scope patterns (normalised like [`crate::Expr`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeExpr {
    /// Every child matches (`;`, written inside parentheses).
    And(Vec<ScopeExpr>),
    /// At least one child matches (`|` or `,`).
    Or(Vec<ScopeExpr>),
    /// One scope pattern.
    Pattern(ScopePattern),
}

/// One scope pattern such as `/Madrid/+/ParqueNorte` or `/Madrid/Gardens/#`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopePattern {
    /// The levels; empty only for `/#`.
    pub levels: Vec<ScopeLevel>,
    /// True when the pattern ends in `/#` (the scope itself and everything below it).
    pub descendants: bool,
}

/// One level of a scope pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeLevel {
    /// A literal level name.
    Name(String),
    /// `+`: any single level.
    Any,
}

/// The NGSI-LD Null used for deleted scopes; never matched.
const NGSI_LD_NULL: &str = "urn:ngsi-ld:null";

impl ScopePattern {
    fn matches_levels(&self, scope: &[&str]) -> bool {
        let n = self.levels.len();
        let len_ok = if self.descendants {
            scope.len() >= n.max(1)
        } else {
            scope.len() == n
        };
        len_ok
            && self.levels.iter().zip(scope).all(|(p, s)| match p {
                ScopeLevel::Any => true,
                ScopeLevel::Name(name) => name == s,
            })
    }
}

fn scope_levels(scope: &str) -> Vec<&str> {
    scope.split('/').filter(|l| !l.is_empty()).collect()
}

impl ScopeExpr {
    fn eval(&self, scopes: &[Vec<&str>]) -> bool {
        match self {
            ScopeExpr::And(cs) => cs.iter().all(|c| c.eval(scopes)),
            ScopeExpr::Or(cs) => cs.iter().any(|c| c.eval(scopes)),
            ScopeExpr::Pattern(p) => scopes.iter().any(|s| p.matches_levels(s)),
        }
    }
}

impl ScopeQuery {
    /// The parsed expression.
    pub fn expr(&self) -> &ScopeExpr {
        &self.root
    }

    /// True when the entity's scopes (e.g. `["/Madrid/Gardens/ParqueNorte"]`) satisfy the
    /// query. A leading `/` on a scope is optional; `urn:ngsi-ld:null` is ignored. An entity
    /// without scopes matches nothing, not even `/#`.
    pub fn matches(&self, scopes: &[String]) -> bool {
        let split: Vec<Vec<&str>> = scopes
            .iter()
            .filter(|s| s.as_str() != NGSI_LD_NULL)
            .map(|s| scope_levels(s))
            .filter(|l| !l.is_empty())
            .collect();
        self.root.eval(&split)
    }

    /// Like [`ScopeQuery::matches`], reading the `scope` member of an entity (a string or an
    /// array of strings, in normalized or simplified form).
    pub fn matches_entity(&self, entity: &serde_json::Value) -> bool {
        let scopes: Vec<String> = match entity.get("scope") {
            Some(serde_json::Value::String(s)) => vec![s.clone()],
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        self.matches(&scopes)
    }
}

// ---- canonical text ----------------------------------------------------------------------

impl fmt::Display for ScopePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for l in &self.levels {
            match l {
                ScopeLevel::Name(n) => write!(f, "/{n}")?,
                ScopeLevel::Any => f.write_str("/+")?,
            }
        }
        if self.descendants {
            f.write_str("/#")?;
        }
        Ok(())
    }
}

impl fmt::Display for ScopeExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScopeExpr::Pattern(p) => write!(f, "{p}"),
            ScopeExpr::Or(cs) => {
                for (i, c) in cs.iter().enumerate() {
                    if i > 0 {
                        f.write_str("|")?;
                    }
                    write!(f, "{c}")?;
                }
                Ok(())
            }
            // The standard writes every conjunction in parentheses.
            ScopeExpr::And(cs) => {
                f.write_str("(")?;
                for (i, c) in cs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(";")?;
                    }
                    if matches!(c, ScopeExpr::Or(_)) {
                        write!(f, "({c})")?;
                    } else {
                        write!(f, "{c}")?;
                    }
                }
                f.write_str(")")
            }
        }
    }
}

impl fmt::Display for ScopeQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.root)
    }
}

// ---- parser ------------------------------------------------------------------------------

/// Normalised AND / OR node (flattened, single child unwrapped).
fn combine(and: bool, children: Vec<ScopeExpr>) -> ScopeExpr {
    let mut flat = Vec::with_capacity(children.len());
    for c in children {
        match (and, c) {
            (true, ScopeExpr::And(inner)) | (false, ScopeExpr::Or(inner)) => flat.extend(inner),
            (_, other) => flat.push(other),
        }
    }
    if flat.len() == 1 {
        if let Some(only) = flat.pop() {
            return only;
        }
    }
    if and {
        ScopeExpr::And(flat)
    } else {
        ScopeExpr::Or(flat)
    }
}

fn is_level_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

pub(crate) fn parse(input: &str, limits: Limits) -> Result<ScopeQuery, ParseError> {
    let mut p = Cursor::new(input, QueryParam::ScopeQ, limits);
    p.check_input("scope query")?;
    let root = or_expr(&mut p, 0, None)?;
    p.skip_ws();
    if !p.at_end() {
        let msg = if p.peek() == Some(b')') {
            "unbalanced ')': there is no matching '('".to_owned()
        } else {
            format!(
                "expected ';', '|', ',' or the end of the scope query, found {}",
                p.found()
            )
        };
        return Err(p.err(p.pos, msg));
    }
    Ok(ScopeQuery { root })
}

fn or_expr(p: &mut Cursor<'_>, depth: usize, after: Option<&str>) -> Result<ScopeExpr, ParseError> {
    let mut items = vec![and_expr(p, depth, after)?];
    loop {
        p.skip_ws();
        if p.eat("|") {
            items.push(and_expr(p, depth, Some("|"))?);
        } else if p.eat(",") {
            items.push(and_expr(p, depth, Some(","))?);
        } else {
            break;
        }
    }
    Ok(combine(false, items))
}

fn and_expr(
    p: &mut Cursor<'_>,
    depth: usize,
    after: Option<&str>,
) -> Result<ScopeExpr, ParseError> {
    let mut items = vec![primary(p, depth, after)?];
    loop {
        p.skip_ws();
        if p.eat(";") {
            items.push(primary(p, depth, Some(";"))?);
        } else {
            break;
        }
    }
    Ok(combine(true, items))
}

fn primary(p: &mut Cursor<'_>, depth: usize, after: Option<&str>) -> Result<ScopeExpr, ParseError> {
    p.skip_ws();
    if p.peek() == Some(b'(') {
        let open = p.pos;
        if depth + 1 > p.limits.max_depth {
            return Err(p.too_deep(open));
        }
        p.pos += 1;
        let inner = or_expr(p, depth + 1, Some("("))?;
        p.skip_ws();
        if !p.eat(")") {
            return Err(p.err(
                p.pos,
                format!(
                    "expected ')' to close the '(' at position {}, found {}",
                    p.char_pos(open),
                    p.found()
                ),
            ));
        }
        return Ok(inner);
    }
    pattern(p, after).map(ScopeExpr::Pattern)
}

fn pattern(p: &mut Cursor<'_>, after: Option<&str>) -> Result<ScopePattern, ParseError> {
    let start = p.pos;
    let after = after.map(|a| format!(" after '{a}'")).unwrap_or_default();
    // `/#`: any (non-empty) scope.
    if p.eat("/#") {
        return Ok(ScopePattern {
            levels: Vec::new(),
            descendants: true,
        });
    }
    // The leading '/' is optional, as in the Scope grammar (and clause 4.19 example 5).
    let slash = p.eat("/");
    let mut levels = Vec::new();
    loop {
        let at = p.pos;
        if p.eat("+") {
            levels.push(ScopeLevel::Any);
        } else if let Some(name) = p.scan_name(is_level_char, is_level_char) {
            levels.push(ScopeLevel::Name(name.to_owned()));
        } else {
            let msg = if levels.is_empty() && !slash {
                format!(
                    "expected a scope such as /Madrid/Gardens{after}, found {}",
                    p.found()
                )
            } else if p.peek() == Some(b'#') {
                "'#' must directly follow a '/' at the end of a scope, as in /Madrid/#".to_owned()
            } else {
                format!("expected a scope level name or '+', found {}", p.found())
            };
            return Err(p.err(
                if levels.is_empty() && !slash {
                    start
                } else {
                    at
                },
                msg,
            ));
        }
        if p.peek() == Some(b'/') {
            if p.peek_at(1) == Some(b'#') {
                p.pos += 2;
                if p.peek() == Some(b'/') || matches!(p.next_char(), Some(c) if is_level_char(c)) {
                    return Err(p.err(p.pos, "'/#' must be the end of a scope"));
                }
                return Ok(ScopePattern {
                    levels,
                    descendants: true,
                });
            }
            p.pos += 1;
            continue;
        }
        return Ok(ScopePattern {
            levels,
            descendants: false,
        });
    }
}
