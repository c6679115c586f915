//! Query-string parameters of the entity and temporal queries, parsed into a `Selector`
//! (what to find), a `View` (how to show it) and paging. Every bad parameter is BadRequestData
//! naming the parameter (an unknown `format` or `options` value: InvalidRequest); none
//! reaches a 500.

use std::collections::HashMap;

use percent_encoding::percent_decode_str;

use super::context::RequestContext;
use crate::domain::join::Linking;
use crate::domain::render::{Format, View};
use crate::domain::Vocabulary;
use crate::error::{ErrorKind, NgsiError, NgsiResult};
use crate::store::memory::Selector;
use crate::store::types::TypeExpr;
use crate::TwinConfig;

/// Decodes `a=b&c=d` keeping `+` as a plus (q and times use it) and rejecting repeats.
pub fn parse_query_string(raw: Option<&str>) -> NgsiResult<HashMap<String, String>> {
    let mut out = HashMap::new();
    for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_decode_str(k)
            .decode_utf8()
            .map_err(|_| NgsiError::bad_data("the query string is not UTF-8"))?;
        let v = percent_decode_str(v)
            .decode_utf8()
            .map_err(|_| NgsiError::bad_data("the query string is not UTF-8"))?;
        if out.insert(k.to_string(), v.to_string()).is_some() {
            return Err(NgsiError::bad_data(format!(
                "the parameter `{k}` is given twice"
            )));
        }
    }
    Ok(out)
}

fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

pub struct Paging {
    pub offset: usize,
    pub limit: usize,
    pub count: bool,
}

/// A `true`/`false` query parameter; absent is `false`, anything else is BadRequestData.
pub fn flag(p: &HashMap<String, String>, name: &str) -> NgsiResult<bool> {
    match p.get(name).map(String::as_str) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(NgsiError::bad_data(format!(
            "`{name}` must be true or false, not `{other}`"
        ))),
    }
}

pub fn paging(p: &HashMap<String, String>, config: &TwinConfig) -> NgsiResult<Paging> {
    let number = |name: &str| -> NgsiResult<Option<usize>> {
        p.get(name)
            .map(|v| {
                v.parse::<usize>().map_err(|_| {
                    NgsiError::bad_data(format!("`{name}` must be a non-negative integer"))
                })
            })
            .transpose()
    };
    let limit = number("limit")?.unwrap_or(config.default_limit);
    let offset = number("offset")?.unwrap_or(0);
    let count = flag(p, "count")?;
    if limit > config.max_limit {
        return Err(NgsiError::new(
            ErrorKind::TooManyResults,
            format!("limit {limit} is above the maximum of {}", config.max_limit),
        ));
    }
    if limit == 0 && !count {
        return Err(NgsiError::bad_data(
            "limit=0 is only allowed with count=true",
        ));
    }
    Ok(Paging {
        offset,
        limit,
        count,
    })
}

/// `options` and `format`, `attrs`/`pick`/`omit`, `lang`, `datasetId`; `linking` is the
/// request's `join`, which nested projections need. An unknown format or option is
/// InvalidRequest (clause 6.3.7 / 6.3.20).
pub fn view(
    p: &HashMap<String, String>,
    ctx: &RequestContext,
    linking: Option<Linking>,
) -> NgsiResult<View> {
    let mut view = View::default();
    for option in p.get("options").map(|o| list(o)).unwrap_or_default() {
        match option.as_str() {
            "keyValues" | "simplified" => view.format = Format::Simplified,
            "concise" => view.format = Format::Concise,
            "normalized" => view.format = Format::Normalized,
            "sysAttrs" => view.sys_attrs = true,
            // Options of write operations that may appear on shared parameter sets.
            "noOverwrite" | "replace" | "update" => {}
            other => return Err(NgsiError::invalid(format!("unknown option `{other}`"))),
        }
    }
    if let Some(format) = p.get("format") {
        view.format = match format.as_str() {
            "keyValues" | "simplified" => Format::Simplified,
            "concise" => Format::Concise,
            "normalized" => Format::Normalized,
            other => return Err(NgsiError::invalid(format!("unknown format `{other}`"))),
        };
    }
    projection(p, ctx, &mut view, linking.map(|l| l.level))?;
    if view.only.is_none() {
        if let Some(attrs) = p.get("attrs") {
            view.only = Some(attribute_list(attrs, "attrs", ctx)?);
        }
    }
    view.lang = p
        .get("lang")
        .map(|l| crate::domain::language::LanguageFilter::parse(l))
        .transpose()?;
    if let Some(datasets) = p.get("datasetId") {
        let datasets = list(datasets);
        if let Some(bad) = datasets
            .iter()
            .find(|d| !crate::domain::attribute::names_dataset(d))
        {
            return Err(NgsiError::bad_data(format!(
                "datasetId `{bad}` is neither a URI nor @none"
            )));
        }
        if datasets.is_empty() {
            return Err(NgsiError::bad_data("datasetId needs at least one value"));
        }
        view.datasets = Some(datasets);
    }
    Ok(view)
}

/// `pick` (the members to keep) or `omit` (the members to drop) of each entity, which may name
/// `id` and `type` besides attributes, and `rel{…}` for the entities a relationship links to
/// (clause 4.21). BadRequestData: both at once, either with `attrs`, a malformed value, or
/// `{…}` without `join` or nested deeper than `join_level`. Shared by the entity and the
/// temporal endpoints (the latter without join).
pub fn projection(
    p: &HashMap<String, String>,
    ctx: &RequestContext,
    view: &mut View,
    join_level: Option<usize>,
) -> NgsiResult<()> {
    let (key, text) =
        match (p.get("pick"), p.get("omit")) {
            (None, None) => return Ok(()),
            (Some(_), Some(_)) => return Err(NgsiError::bad_data(
                "pick and omit cannot be used together: give the members to keep or those to drop",
            )),
            (Some(pick), None) => ("pick", pick),
            (None, Some(omit)) => ("omit", omit),
        };
    if p.contains_key("attrs") {
        return Err(NgsiError::bad_data(format!(
            "{key} and attrs cannot be used together: {key} chooses the members already"
        )));
    }
    let terms =
        super::projection::parse(text).map_err(|e| NgsiError::bad_data(format!("{key}: {e}")))?;
    let hops = super::projection::depth(&terms);
    match join_level {
        None if hops > 0 => {
            return Err(NgsiError::bad_data(format!(
                "{key}: `{{…}}` projects linked entities, which needs join=inline or join=flat"
            )))
        }
        Some(level) if hops > level => {
            return Err(NgsiError::bad_data(format!(
                "{key}: the projection reaches {hops} linked entities deep, joinLevel only {level}"
            )))
        }
        _ => {}
    }
    apply(&terms, key == "pick", ctx, view)
}

/// Sets the projection members of `view` from parsed terms, the nested ones recursively.
fn apply(
    terms: &[super::projection::Term],
    pick: bool,
    ctx: &RequestContext,
    view: &mut View,
) -> NgsiResult<()> {
    let mut picked = Vec::new();
    if pick {
        view.omit_id = true;
        view.omit_type = true;
    }
    for term in terms {
        let name = term.name.as_str();
        if matches!(name, "id" | "type") {
            if term.linked.is_some() {
                return Err(NgsiError::bad_data(format!(
                    "`{name}` links no entity: it cannot have a `{{…}}` projection"
                )));
            }
            match name {
                "id" => view.omit_id = !pick,
                _ => view.omit_type = !pick,
            }
            continue;
        }
        let expanded = ctx.expand(name);
        if let Some(inner) = &term.linked {
            let mut linked = View::default();
            apply(inner, pick, ctx, &mut linked)?;
            view.linked.insert(expanded.clone(), linked);
        }
        // In omit, `rel{…}` drops members of the linked entities, not the relationship.
        if pick {
            picked.push(expanded);
        } else if term.linked.is_none() {
            view.omit.push(expanded);
        }
    }
    if pick {
        view.only = Some(picked);
    }
    Ok(())
}

/// The selector of `GET /entities` (also used for purge and temporal queries).
pub fn selector(p: &HashMap<String, String>, ctx: &RequestContext) -> NgsiResult<Selector> {
    let mut s = Selector::default();
    if let Some(ids) = p.get("id") {
        let ids = list(ids);
        for id in &ids {
            entity_id(id, "id")?;
        }
        s.ids = Some(ids);
    }
    if let Some(pattern) = p.get("idPattern") {
        s.id_pattern = Some(id_pattern(pattern, "idPattern")?);
    }
    if let Some(t) = p.get("type") {
        s.types = Some(type_expr(t, ctx)?);
    }
    if let Some(attrs) = p.get("attrs") {
        s.attrs = Some(attribute_list(attrs, "attrs", ctx)?);
    }
    if let Some(q) = p.get("q") {
        let mut query = yuverse_twin_query::parse_q(q).map_err(|e| query_error("q", e))?;
        query.map_attribute_names(&mut |n| ctx.expand(n));
        // Type hints of linked paths (`rel{Type:attr}`) name entity types, expanded alike.
        query.map_entity_types(&mut |t| ctx.expand(t));
        s.q = Some(query);
    }
    if let Some(names) = p.get("expandValues") {
        expand_values(names, s.q.as_mut(), ctx)?;
    }
    // csf chooses context sources, not entities, but a broken one is refused even when no
    // source is registered (clause 5.7.2.4).
    if let Some(csf) = p.get("csf") {
        yuverse_twin_query::parse_q(csf).map_err(|e| query_error("csf", e))?;
    }
    if let Some(scope_q) = p.get("scopeQ") {
        s.scope_q =
            Some(yuverse_twin_query::parse_scope_q(scope_q).map_err(|e| query_error("scopeQ", e))?);
    }
    let geo_parts = [p.get("georel"), p.get("geometry"), p.get("coordinates")];
    match geo_parts {
        [None, None, None] => {}
        [Some(georel), Some(geometry), Some(coordinates)] => {
            let geoproperty = p.get("geoproperty").map(|g| ctx.expand(g));
            let mut geo = yuverse_twin_geo::parse_geo_query(
                georel,
                geometry,
                coordinates,
                geoproperty.as_deref(),
            )
            .map_err(|e| NgsiError::bad_data(format!("{}: {}", e.field, e.message)))?;
            if geoproperty.is_none() {
                geo.geoproperty = ctx.expand("location");
            }
            s.geo = Some(geo);
        }
        _ => {
            return Err(NgsiError::bad_data(
                "a geo-query needs georel, geometry and coordinates together",
            ))
        }
    }
    Ok(s)
}

/// `expandValues` (clause 4.9): the values `q` compares with the attributes listed are
/// IRI-expanded with the @context before comparing, so that a term such as `commercial`
/// equals the IRI a VocabProperty or Relationship holds. Without `q` it only has to be well
/// formed.
fn expand_values(
    names: &str,
    q: Option<&mut yuverse_twin_query::Query>,
    ctx: &RequestContext,
) -> NgsiResult<()> {
    let names = attribute_list(names, "expandValues", ctx)?;
    if names.is_empty() {
        return Err(NgsiError::bad_data(
            "expandValues: give the attributes whose values are to be expanded",
        ));
    }
    if let Some(q) = q {
        q.map_values_of(&|name| names.iter().any(|n| n == name), &mut |v| {
            ctx.expand(v)
        });
    }
    Ok(())
}

/// An entity id to select by: a URI, or BadRequestData naming `what`.
pub fn entity_id(id: &str, what: &str) -> NgsiResult<()> {
    if crate::domain::attribute::is_uri(id) {
        Ok(())
    } else {
        Err(NgsiError::bad_data(format!("{what} `{id}` is not a URI")))
    }
}

/// An `idPattern`: a regular expression (bad syntax, such as a quantifier with nothing to
/// repeat, and patterns too large to compile are BadRequestData naming `what`).
pub fn id_pattern(pattern: &str, what: &str) -> NgsiResult<regex::Regex> {
    let invalid = |e: &dyn std::fmt::Display| {
        NgsiError::bad_data(format!("{what} is not a valid regular expression: {e}"))
    };
    let regex = regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| invalid(&e))?;
    let ast = regex_syntax::ast::parse::Parser::new()
        .parse(pattern)
        .map_err(|e| invalid(&e))?;
    if nested_repetition(&ast) {
        return Err(invalid(
            &"a quantifier has nothing to repeat (such as `**`)",
        ));
    }
    Ok(regex)
}

/// Whether a quantifier applies to another quantifier (`a**`, `a+{2}`): the regex crate
/// reads it as a repetition of a repetition, where the ECMAScript regular expressions the
/// standard refers to find nothing to repeat. Lazy forms (`a*?`) are one quantifier.
fn nested_repetition(ast: &regex_syntax::ast::Ast) -> bool {
    use regex_syntax::ast::Ast;
    match ast {
        Ast::Repetition(r) => matches!(*r.ast, Ast::Repetition(_)) || nested_repetition(&r.ast),
        Ast::Group(g) => nested_repetition(&g.ast),
        Ast::Alternation(a) => a.asts.iter().any(nested_repetition),
        Ast::Concat(c) => c.asts.iter().any(nested_repetition),
        _ => false,
    }
}

/// A type expression (clause 4.17) with its names expanded.
pub fn type_expr(text: &str, ctx: &RequestContext) -> NgsiResult<TypeExpr> {
    let mut expr = TypeExpr::parse(text)?;
    for name in expr.names_mut() {
        *name = ctx.expand(name);
    }
    Ok(expr)
}

/// The attribute names of `attrs` (or of the parameter `param`), expanded. The entity members
/// `id` and `type`, JSON-LD keywords and names with characters no attribute name has are
/// BadRequestData (clause 5.7.2.4): they cannot name an attribute.
fn attribute_list(value: &str, param: &str, ctx: &RequestContext) -> NgsiResult<Vec<String>> {
    let names = list(value);
    for name in &names {
        let not_a_name = name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"'=;()[]{}".contains(c));
        if matches!(name.as_str(), "id" | "type") || name.starts_with('@') || not_a_name {
            return Err(NgsiError::bad_data(format!(
                "{param}: `{name}` cannot be an attribute name"
            )));
        }
    }
    Ok(names.iter().map(|a| ctx.expand(a)).collect())
}

/// `type=*` selects every entity type (clause 6.4.3.2): the type filter goes and `local` is
/// implied true; `local=false` beside it is a contradiction, BadRequestData.
pub fn type_wildcard(
    p: &HashMap<String, String>,
) -> NgsiResult<std::borrow::Cow<'_, HashMap<String, String>>> {
    if p.get("type").map(String::as_str) != Some("*") {
        return Ok(std::borrow::Cow::Borrowed(p));
    }
    if p.get("local").map(String::as_str) == Some("false") {
        return Err(NgsiError::bad_data(
            "type=* implies local=true: it cannot go with local=false",
        ));
    }
    let mut all = p.clone();
    all.remove("type");
    all.insert("local".into(), "true".into());
    Ok(std::borrow::Cow::Owned(all))
}

fn query_error(param: &str, e: yuverse_twin_query::ParseError) -> NgsiError {
    let message = e.to_string();
    if message.contains("too long") || message.contains("too deep") || message.contains("nest") {
        NgsiError::new(ErrorKind::TooComplexQuery, format!("{param}: {message}"))
    } else {
        NgsiError::bad_data(format!("{param}: {message}"))
    }
}

/// Whether an entity query is narrow enough to run without `local=true` (clause 5.7.2.4):
/// it names entity types, an `attrs` list or a `q` with at least one attribute that is not
/// a system member (`createdAt`, `modifiedAt`…), or a geo-query. Entity ids or an idPattern
/// alone are too wide; so are Query-body selectors unless one of them names types.
pub fn narrows_entity_query(s: &Selector) -> bool {
    let user_attribute = |name: &str| {
        !yuverse_twin_query::is_system_name(name)
            && !name
                .strip_prefix(CORE_NAMESPACE)
                .is_some_and(yuverse_twin_query::is_system_name)
    };
    let q_names_attribute = s.q.as_ref().is_some_and(|q| {
        // Only attributes that are not system members are handed to the mapping.
        let mut named = false;
        q.clone().map_attribute_names(&mut |name| {
            named = true;
            name.to_owned()
        });
        named
    });
    s.types.is_some()
        || s.attrs.iter().flatten().any(|a| user_attribute(a))
        || q_names_attribute
        || s.geo.is_some()
        || s.any_of.iter().any(|m| m.types.is_some())
}

/// The namespace of the core @context's terms (system members expand into it).
const CORE_NAMESPACE: &str = "https://uri.etsi.org/ngsi-ld/";

/// Whether a temporal query's selector names something to select by (a query without any is
/// 400): ids or an idPattern, or what narrows an entity query — so `attrs` or `q` only with an
/// attribute that is not a system member (clause 5.7.4.4; `attrs=createdAt` alone is too wide).
pub fn has_selector(s: &Selector) -> bool {
    s.ids.is_some() || s.id_pattern.is_some() || !s.any_of.is_empty() || narrows_entity_query(s)
}
