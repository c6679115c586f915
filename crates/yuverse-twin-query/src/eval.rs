//! Evaluation of a parsed `q` against one entity in NGSI-LD normalized JSON form.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Map, Value};

use crate::ast::{
    is_system_name, AttrPath, CompareOp, Expr, Literal, MemberPath, Operand, PathKind, Pattern,
    Term,
};
use crate::temporal;

/// Looks up a linked entity (normalized form, names expanded like the query) by its id: a
/// store lends the entity it holds, a caller that builds one hands it over.
pub type Resolver<'r> = &'r dyn Fn(&str) -> Option<Cow<'r, Value>>;

pub(crate) fn eval_expr(e: &Expr, entity: &Value, r: Option<Resolver<'_>>) -> bool {
    match e {
        Expr::And(cs) => cs.iter().all(|c| eval_expr(c, entity, r)),
        Expr::Or(cs) => cs.iter().any(|c| eval_expr(c, entity, r)),
        Expr::Term(t) => eval_term(t, entity, r),
    }
}

fn eval_term(t: &Term, entity: &Value, r: Option<Resolver<'_>>) -> bool {
    match t {
        Term::Exists(p) => any_target(p, entity, r, &mut |_| true),
        Term::NotExists(p) => !any_target(p, entity, r, &mut |_| true),
        Term::Compare { path, op, operand } => {
            any_target(path, entity, r, &mut |tg| compare(tg, *op, operand))
        }
        Term::Pattern {
            path,
            negated,
            pattern,
        } => any_target(path, entity, r, &mut |tg| {
            pattern_match(tg, *negated, pattern)
        }),
    }
}

/// A target value: the `value` of a Property-like element (or a system member's string), or
/// the object(s) of a Relationship-like element.
pub(crate) struct Target<'a> {
    relationship: bool,
    value: Cow<'a, Value>,
}

/// An element reached by a path: an attribute object, or a plain system member value.
enum Element<'a> {
    Attr(&'a Map<String, Value>),
    Plain(&'a Value),
}

/// Instances of an attribute: one object, or the objects of a multi-attribute array.
fn instances(v: &Value) -> &[Value] {
    match v {
        Value::Array(a) => a,
        other => std::slice::from_ref(other),
    }
}

fn elements_of<'a>(value: &'a Value, name: &str, out: &mut Vec<Element<'a>>) {
    for inst in instances(value) {
        match inst {
            Value::Object(m) => out.push(Element::Attr(m)),
            Value::Null => {}
            other => {
                if is_system_name(name) {
                    out.push(Element::Plain(other));
                }
            }
        }
    }
}

/// True when `pred` holds for any target value the path reaches in `entity`.
fn any_target(
    path: &AttrPath,
    entity: &Value,
    r: Option<Resolver<'_>>,
    pred: &mut dyn FnMut(&Target<'_>) -> bool,
) -> bool {
    let Some(top) = entity.get(&path.name) else {
        return false;
    };
    match &path.kind {
        PathKind::Linked {
            entity_types,
            target,
        } => {
            let Some(resolve) = r else {
                return false;
            };
            for inst in instances(top) {
                let Value::Object(m) = inst else { continue };
                for id in relationship_ids(m) {
                    let Some(linked) = resolve(&id) else { continue };
                    if types_match(&linked, entity_types) && any_target(target, &linked, r, pred) {
                        return true;
                    }
                }
            }
            false
        }
        PathKind::Value { sub_attrs, member } => {
            let mut elems = Vec::new();
            elements_of(top, &path.name, &mut elems);
            for sub in sub_attrs {
                let mut next = Vec::new();
                for e in &elems {
                    if let Element::Attr(m) = e {
                        if let Some(v) = m.get(sub) {
                            elements_of(v, sub, &mut next);
                        }
                    }
                }
                elems = next;
                if elems.is_empty() {
                    return false;
                }
            }
            let mut targets = Vec::new();
            for e in elems {
                match e {
                    Element::Plain(v) => {
                        if member.is_none() {
                            targets.push(Target {
                                relationship: false,
                                value: Cow::Borrowed(v),
                            });
                        }
                    }
                    Element::Attr(m) => attr_targets(m, member.as_ref(), &mut targets),
                }
            }
            targets.iter().any(pred)
        }
    }
}

fn types_match(entity: &Value, hints: &[String]) -> bool {
    if hints.is_empty() {
        return true;
    }
    match entity.get("type") {
        Some(Value::String(t)) => hints.iter().any(|h| h == t),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .any(|t| hints.iter().any(|h| h == t)),
        _ => false,
    }
}

/// The ids a Relationship or ListRelationship element points at.
fn relationship_ids(m: &Map<String, Value>) -> Vec<String> {
    let mut ids = Vec::new();
    let mut push = |v: &Value| match v {
        Value::String(s) => ids.push(s.clone()),
        Value::Object(o) => {
            if let Some(Value::String(s)) = o.get("object") {
                ids.push(s.clone());
            }
        }
        _ => {}
    };
    for key in ["object", "objectList"] {
        match m.get(key) {
            Some(Value::Array(a)) => a.iter().for_each(&mut push),
            Some(v) => push(v),
            None => {}
        }
    }
    ids
}

#[derive(Clone, Copy)]
enum Shape {
    Property,
    Relationship,
    ListRelationship,
    Language,
    List,
    Json,
    Vocab,
}

fn shape(m: &Map<String, Value>) -> Option<Shape> {
    let by_type = match m.get("type").and_then(Value::as_str) {
        Some("Property") | Some("GeoProperty") => Some(Shape::Property),
        Some("Relationship") => Some(Shape::Relationship),
        Some("ListRelationship") => Some(Shape::ListRelationship),
        Some("LanguageProperty") => Some(Shape::Language),
        Some("ListProperty") => Some(Shape::List),
        Some("JsonProperty") => Some(Shape::Json),
        Some("VocabProperty") => Some(Shape::Vocab),
        _ => None,
    };
    by_type.or_else(|| {
        [
            ("object", Shape::Relationship),
            ("objectList", Shape::ListRelationship),
            ("languageMap", Shape::Language),
            ("valueList", Shape::List),
            ("json", Shape::Json),
            ("vocab", Shape::Vocab),
            ("value", Shape::Property),
        ]
        .into_iter()
        .find(|(k, _)| m.contains_key(*k))
        .map(|(_, s)| s)
    })
}

fn attr_targets<'a>(
    m: &'a Map<String, Value>,
    member: Option<&MemberPath>,
    out: &mut Vec<Target<'a>>,
) {
    let Some(shape) = shape(m) else { return };
    let member_value = |key: &str| m.get(key).filter(|v| !v.is_null());
    match shape {
        Shape::Relationship | Shape::ListRelationship => {
            if member.is_some() {
                return;
            }
            let ids = relationship_ids(m);
            if ids.is_empty() {
                return;
            }
            let value = if matches!(shape, Shape::Relationship) && ids.len() == 1 {
                Value::String(ids.into_iter().next().unwrap_or_default())
            } else {
                Value::Array(ids.into_iter().map(Value::String).collect())
            };
            out.push(Target {
                relationship: true,
                value: Cow::Owned(value),
            });
        }
        Shape::Language => {
            let Some(Value::Object(map)) = member_value("languageMap") else {
                return;
            };
            match member {
                None | Some(MemberPath::AnyLanguage) => {
                    let mut all = Vec::new();
                    for v in map.values() {
                        match v {
                            Value::Array(a) => all.extend(a.iter().cloned()),
                            Value::Null => {}
                            other => all.push(other.clone()),
                        }
                    }
                    out.push(Target {
                        relationship: false,
                        value: Cow::Owned(Value::Array(all)),
                    });
                }
                Some(MemberPath::Members(ms)) => {
                    if let [lang] = ms.as_slice() {
                        if let Some(v) = map.get(lang).filter(|v| !v.is_null()) {
                            out.push(Target {
                                relationship: false,
                                value: Cow::Borrowed(v),
                            });
                        }
                    }
                }
            }
        }
        Shape::Property | Shape::List | Shape::Json | Shape::Vocab => {
            let key = match shape {
                Shape::List => "valueList",
                Shape::Json => "json",
                Shape::Vocab => "vocab",
                _ => "value",
            };
            let Some(v) = member_value(key) else { return };
            match member {
                None => out.push(Target {
                    relationship: false,
                    value: Cow::Borrowed(v),
                }),
                Some(MemberPath::AnyLanguage) => {}
                Some(MemberPath::Members(ms)) => {
                    let mut found = Vec::new();
                    descend(v, ms, &mut found);
                    out.extend(found.into_iter().map(|v| Target {
                        relationship: false,
                        value: Cow::Borrowed(v),
                    }));
                }
            }
        }
    }
}

/// Follow JSON member names into a compound value. A numeric name indexes an array; any
/// other name applied to an array is applied to each of its object elements.
fn descend<'a>(v: &'a Value, names: &[String], out: &mut Vec<&'a Value>) {
    let Some((first, rest)) = names.split_first() else {
        if !v.is_null() {
            out.push(v);
        }
        return;
    };
    match v {
        Value::Object(m) => {
            if let Some(x) = m.get(first) {
                descend(x, rest, out);
            }
        }
        Value::Array(a) => {
            if let Ok(i) = first.parse::<usize>() {
                if let Some(x) = a.get(i) {
                    descend(x, rest, out);
                }
            } else {
                for x in a.iter().filter(|x| x.is_object()) {
                    descend(x, names, out);
                }
            }
        }
        _ => {}
    }
}

// ---- comparisons -----------------------------------------------------------------------

/// `{"@value": x, ...}` (a JSON-LD value object, e.g. a typed DateTime) compares as `x`.
fn unwrap_value_object(v: &Value) -> &Value {
    match v {
        Value::Object(m) => m.get("@value").unwrap_or(v),
        other => other,
    }
}

/// True when `f` holds for the value, or for any element if the value is an array.
fn any_scalar(v: &Value, f: &mut dyn FnMut(&Value) -> bool) -> bool {
    match v {
        Value::Array(a) => a.iter().any(|x| f(unwrap_value_object(x))),
        other => f(unwrap_value_object(other)),
    }
}

fn compare(t: &Target<'_>, op: CompareOp, operand: &Operand) -> bool {
    // Relationships only support equality (clause 4.9).
    if t.relationship && !matches!(op, CompareOp::Eq | CompareOp::Ne) {
        return false;
    }
    let v = t.value.as_ref();
    match op {
        CompareOp::Eq => eq_operand(v, operand),
        CompareOp::Ne => !eq_operand(v, operand),
        CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le => {
            let Operand::Single(lit) = operand else {
                return false;
            };
            any_scalar(v, &mut |s| match value_cmp(s, lit) {
                Some(o) => match op {
                    CompareOp::Gt => o == Ordering::Greater,
                    CompareOp::Ge => o != Ordering::Less,
                    CompareOp::Lt => o == Ordering::Less,
                    _ => o != Ordering::Greater,
                },
                None => false,
            })
        }
    }
}

fn eq_operand(v: &Value, operand: &Operand) -> bool {
    match operand {
        Operand::Single(l) => any_scalar(v, &mut |s| value_cmp(s, l) == Some(Ordering::Equal)),
        Operand::List(ls) => any_scalar(v, &mut |s| {
            ls.iter().any(|l| value_cmp(s, l) == Some(Ordering::Equal))
        }),
        Operand::Range(lo, hi) => any_scalar(v, &mut |s| {
            matches!(value_cmp(s, lo), Some(Ordering::Greater | Ordering::Equal))
                && matches!(value_cmp(s, hi), Some(Ordering::Less | Ordering::Equal))
        }),
    }
}

fn number_cmp(a: &serde_json::Number, b: &serde_json::Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

fn string_cmp(a: &str, b: &str) -> Ordering {
    match (temporal::date_time_nanos(a), temporal::date_time_nanos(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

/// Compare a target scalar with a literal; `None` when the types differ.
pub(crate) fn value_cmp(v: &Value, l: &Literal) -> Option<Ordering> {
    match (v, l) {
        (Value::Number(a), Literal::Number(b)) => number_cmp(a, b),
        (Value::Bool(a), Literal::Bool(b)) => Some(a.cmp(b)),
        (Value::String(s), Literal::String(q)) => Some(string_cmp(s, q)),
        (Value::String(s), Literal::Uri(u)) => Some(s.as_str().cmp(u.as_str())),
        (Value::String(s), Literal::DateTime(t)) => {
            temporal::date_time_nanos(s).map(|x| x.cmp(&t.key))
        }
        (Value::String(s), Literal::Date(t)) => {
            temporal::date_days(s).map(|x| i128::from(x).cmp(&t.key))
        }
        (Value::String(s), Literal::Time(t)) => {
            temporal::time_nanos(s).map(|x| i128::from(x).cmp(&t.key))
        }
        _ => None,
    }
}

/// Order two literals of the same kind (used to validate ranges).
pub(crate) fn literal_cmp(a: &Literal, b: &Literal) -> Option<Ordering> {
    match (a, b) {
        (Literal::Number(x), Literal::Number(y)) => number_cmp(x, y),
        (Literal::String(x), Literal::String(y)) => Some(string_cmp(x, y)),
        (Literal::DateTime(x), Literal::DateTime(y))
        | (Literal::Date(x), Literal::Date(y))
        | (Literal::Time(x), Literal::Time(y)) => Some(x.key.cmp(&y.key)),
        _ => None,
    }
}

fn pattern_match(t: &Target<'_>, negated: bool, p: &Pattern) -> bool {
    if t.relationship {
        return false;
    }
    let mut saw_string = false;
    let mut matched = false;
    any_scalar(t.value.as_ref(), &mut |s| {
        if let Value::String(text) = s {
            saw_string = true;
            matched |= p.regex.is_match(text);
        }
        false
    });
    saw_string && (matched != negated)
}
