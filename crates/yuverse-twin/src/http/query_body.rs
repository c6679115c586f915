//! The Query data type (clause 5.2.23), the body of `POST /entityOperations/query` and
//! `POST /temporal/entityOperations/query`: each member becomes the query parameter it stands
//! for, so both forms share one parser and one query path. Several entity selectors are kept
//! apart (`Selector::any_of`), one entity selector is the `id`/`idPattern`/`type` parameters.
//! A member of the wrong shape, an empty array, or a member the Query data type does not have
//! is BadRequestData naming it.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::context::RequestContext;
use super::params::{entity_id, id_pattern, type_expr};
use crate::error::{NgsiError, NgsiResult};
use crate::store::memory::EntityMatch;

/// A Query body read: its members as query parameters, and its entity selectors when it has
/// more than one.
pub struct QueryBody {
    pub params: HashMap<String, String>,
    pub any_of: Vec<EntityMatch>,
}

/// Reads a Query body. `temporal` tells whether `temporalQ` may be present (clause 5.2.23:
/// only for the temporal query, which reads it itself).
pub fn parse(body: &Value, ctx: &RequestContext, temporal: bool) -> NgsiResult<QueryBody> {
    let object = body
        .as_object()
        .ok_or_else(|| NgsiError::bad_data("the query must be a JSON object"))?;
    if object.get("type").and_then(Value::as_str) != Some("Query") {
        return Err(NgsiError::bad_data(
            "the body must be a Query (\"type\": \"Query\")",
        ));
    }
    let mut params = HashMap::new();
    let mut any_of = Vec::new();
    for (member, value) in object {
        let text =
            match member.as_str() {
                "type" | "@context" => continue,
                "temporalQ" if temporal => continue,
                "temporalQ" => return Err(NgsiError::bad_data(
                    "temporalQ is only for the temporal query (/temporal/entityOperations/query)",
                )),
                "entities" => {
                    any_of = entities(value, ctx, &mut params)?;
                    continue;
                }
                "attrs" => names(value, member, false)?,
                "pick" | "omit" | "datasetId" | "expandValues" => names(value, member, true)?,
                "q" | "scopeQ" | "csf" | "lang" | "join" => string(value, member)?.to_owned(),
                "local" => value
                    .as_bool()
                    .ok_or_else(|| NgsiError::bad_data("local must be true or false"))?
                    .to_string(),
                "joinLevel" => value
                    .as_u64()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| NgsiError::bad_data("joinLevel must be a positive integer"))?
                    .to_string(),
                "geoQ" => {
                    geo_q(value, &mut params)?;
                    continue;
                }
                other => {
                    return Err(NgsiError::bad_data(format!(
                        "`{other}` is not a member of the Query data type"
                    )))
                }
            };
        params.insert(member.clone(), text);
    }
    Ok(QueryBody { params, any_of })
}

fn string<'a>(value: &'a Value, member: &str) -> NgsiResult<&'a str> {
    value
        .as_str()
        .ok_or_else(|| NgsiError::bad_data(format!("{member} must be a string")))
}

/// A non-empty array of strings as a comma-separated parameter; `or_string` also takes one
/// string (pick, omit and datasetId may be either).
fn names(value: &Value, member: &str, or_string: bool) -> NgsiResult<String> {
    if let (true, Some(text)) = (or_string, value.as_str()) {
        return Ok(text.to_owned());
    }
    let items = value
        .as_array()
        .filter(|items| !items.is_empty())
        .ok_or_else(|| NgsiError::bad_data(format!("{member} must be a non-empty array")))?;
    let names = items
        .iter()
        .map(|item| string(item, &format!("each item of {member}")))
        .collect::<NgsiResult<Vec<_>>>()?;
    Ok(names.join(","))
}

/// `geoQ` (clause 5.2.13) as the geo-query parameters.
fn geo_q(value: &Value, params: &mut HashMap<String, String>) -> NgsiResult<()> {
    let geo = value
        .as_object()
        .ok_or_else(|| NgsiError::bad_data("geoQ must be an object"))?;
    for (member, value) in geo {
        let text = match member.as_str() {
            "georel" | "geometry" | "geoproperty" => {
                string(value, &format!("geoQ.{member}"))?.to_owned()
            }
            // Coordinates are a JSON array, or that array already written as a string.
            "coordinates" => match value {
                Value::String(text) => text.clone(),
                Value::Array(_) => value.to_string(),
                _ => {
                    return Err(NgsiError::bad_data(
                        "geoQ.coordinates must be an array of coordinates",
                    ))
                }
            },
            other => {
                return Err(NgsiError::bad_data(format!(
                    "`geoQ.{other}` is not a member of a geo-query"
                )))
            }
        };
        params.insert(member.clone(), text);
    }
    Ok(())
}

/// `entities` (an array of EntitySelector, clause 5.2.33, not empty). One selector becomes
/// the `id`, `idPattern` and `type` parameters; several are returned to be matched apart.
fn entities(
    value: &Value,
    ctx: &RequestContext,
    params: &mut HashMap<String, String>,
) -> NgsiResult<Vec<EntityMatch>> {
    let selectors = value
        .as_array()
        .filter(|items| !items.is_empty())
        .ok_or_else(|| NgsiError::bad_data("entities must be a non-empty array"))?;
    let members = selectors
        .iter()
        .enumerate()
        .map(|(i, selector)| selector_members(selector, i))
        .collect::<NgsiResult<Vec<_>>>()?;
    let matches = members
        .iter()
        .enumerate()
        .map(|(i, members)| entity_match(members, i, ctx))
        .collect::<NgsiResult<Vec<_>>>()?;
    if let [one] = members.as_slice() {
        for (name, text) in one {
            params.insert((*name).to_owned(), (*text).to_owned());
        }
        return Ok(Vec::new());
    }
    Ok(matches)
}

/// The `i`th selector, its members checked (errors name them).
fn entity_match(
    members: &[(&str, &str)],
    i: usize,
    ctx: &RequestContext,
) -> NgsiResult<EntityMatch> {
    let mut selector = EntityMatch::default();
    for (name, text) in members {
        let what = format!("entities[{i}].{name}");
        match *name {
            "id" => {
                entity_id(text, &what)?;
                selector.id = Some((*text).to_owned());
            }
            "idPattern" => selector.id_pattern = Some(id_pattern(text, &what)?),
            // `*` is every type: no type condition.
            _ if *text == "*" => {}
            _ => {
                let expr = type_expr(text, ctx)
                    .map_err(|e| NgsiError::bad_data(format!("{what}: {}", e.detail)))?;
                selector.types = Some(expr);
            }
        }
    }
    Ok(selector)
}

/// The members of the `i`th EntitySelector: `id`, `idPattern` and `type`, strings, at least
/// one of them. `idPattern` is ignored beside `id` (clause 5.2.33).
fn selector_members(selector: &Value, i: usize) -> NgsiResult<Vec<(&'static str, &str)>> {
    let object: &Map<String, Value> = selector
        .as_object()
        .ok_or_else(|| NgsiError::bad_data(format!("entities[{i}] must be an object")))?;
    let mut members = Vec::new();
    for (member, value) in object {
        let name = match member.as_str() {
            "id" => "id",
            "idPattern" => "idPattern",
            "type" => "type",
            other => {
                return Err(NgsiError::bad_data(format!(
                    "`entities[{i}].{other}` is not a member of an entity selector"
                )))
            }
        };
        members.push((name, string(value, &format!("entities[{i}].{name}"))?));
    }
    if members.is_empty() {
        return Err(NgsiError::bad_data(format!(
            "entities[{i}] needs an id, an idPattern or a type"
        )));
    }
    if members.iter().any(|(name, _)| *name == "id") {
        members.retain(|(name, _)| *name != "idPattern");
    }
    Ok(members)
}
