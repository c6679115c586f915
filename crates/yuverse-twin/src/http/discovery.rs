//! `/types` and `/attributes`: what kinds of entities and attributes the tenant holds.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::context::Contexts;
use super::entities::respond;
use super::params::{flag, parse_query_string};
use super::request::{accept, tenant};
use crate::domain::Vocabulary;
use crate::error::{NgsiError, NgsiResult};
use crate::Twin;

/// For each type: entity count and attribute name → attribute types (Property, …).
type Summary = BTreeMap<String, (usize, BTreeMap<String, BTreeSet<String>>)>;

fn summarise(twin: &Twin, tenant: &str) -> NgsiResult<Summary> {
    Ok(twin
        .type_shapes(tenant)?
        .into_iter()
        .map(|(t, count, shape)| (t, (count, shape)))
        .collect())
}

fn details(raw: Option<&str>) -> NgsiResult<bool> {
    flag(&parse_query_string(raw)?, "details")
}

fn list_id(kind: &str) -> String {
    format!("urn:ngsi-ld:{kind}:{}", uuid::Uuid::now_v7())
}

pub async fn types(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> NgsiResult<Response> {
    let repr = accept(&headers, false)?;
    let ctx = contexts.for_read(&headers)?;
    let tenant = tenant(&headers)?;
    let body = if details(raw.as_deref())? {
        Value::Array(
            summarise(&twin, &tenant)?
                .iter()
                .map(|(t, (_, attrs))| {
                    json!({"id": t, "type": "EntityType", "typeName": ctx.compact(t),
                           "attributeNames": attrs.keys().map(|a| ctx.compact(a)).collect::<Vec<_>>()})
                })
                .collect(),
        )
    } else {
        json!({"id": list_id("EntityTypeList"), "type": "EntityTypeList",
               "typeList": twin.type_names(&tenant)?.iter().map(|t| ctx.compact(t)).collect::<Vec<_>>()})
    };
    Ok(respond(StatusCode::OK, body, repr, &ctx))
}

pub async fn type_info(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> NgsiResult<Response> {
    let repr = accept(&headers, false)?;
    let ctx = contexts.for_read(&headers)?;
    let iri = ctx.expand(&name);
    let (count, attrs) = twin
        .type_shape(&tenant(&headers)?, &iri)?
        .ok_or_else(|| NgsiError::not_found(format!("no entities of type `{name}`")))?;
    let body = json!({
        "id": iri, "type": "EntityTypeInfo", "typeName": ctx.compact(&iri), "entityCount": count,
        "attributeDetails": attrs.iter().map(|(a, kinds)| json!({
            "id": a, "type": "Attribute", "attributeName": ctx.compact(a), "attributeTypes": kinds
        })).collect::<Vec<_>>()
    });
    Ok(respond(StatusCode::OK, body, repr, &ctx))
}

/// attribute → (count of entities, attribute types, entity types)
type AttributeSummary = BTreeMap<String, (usize, BTreeSet<String>, BTreeSet<String>)>;

fn attribute_summary(summary: &Summary) -> AttributeSummary {
    let mut out = AttributeSummary::new();
    for (t, (count, attrs)) in summary {
        for (a, kinds) in attrs {
            let entry = out.entry(a.clone()).or_default();
            entry.0 += count;
            entry.1.extend(kinds.iter().cloned());
            entry.2.insert(t.clone());
        }
    }
    out
}

pub async fn attributes(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> NgsiResult<Response> {
    let repr = accept(&headers, false)?;
    let ctx = contexts.for_read(&headers)?;
    let tenant = tenant(&headers)?;
    let body = if details(raw.as_deref())? {
        Value::Array(
            attribute_summary(&summarise(&twin, &tenant)?)
                .iter()
                .map(|(a, (_, _, types))| {
                    json!({"id": a, "type": "Attribute", "attributeName": ctx.compact(a),
                    "typeNames": types.iter().map(|t| ctx.compact(t)).collect::<Vec<_>>()})
                })
                .collect(),
        )
    } else {
        json!({"id": list_id("AttributeList"), "type": "AttributeList",
               "attributeList": twin.attribute_names(&tenant)?.iter().map(|a| ctx.compact(a)).collect::<Vec<_>>()})
    };
    Ok(respond(StatusCode::OK, body, repr, &ctx))
}

pub async fn attribute_info(
    State(twin): State<Twin>,
    State(contexts): State<Contexts>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> NgsiResult<Response> {
    let repr = accept(&headers, false)?;
    let ctx = contexts.for_read(&headers)?;
    let iri = ctx.expand(&name);
    let attrs = attribute_summary(&summarise(&twin, &tenant(&headers)?)?);
    let (count, kinds, types) = attrs
        .get(&iri)
        .ok_or_else(|| NgsiError::not_found(format!("no attribute `{name}`")))?;
    let body = json!({"id": iri, "type": "Attribute", "attributeName": ctx.compact(&iri), "attributeCount": count,
        "attributeTypes": kinds, "typeNames": types.iter().map(|t| ctx.compact(t)).collect::<Vec<_>>()});
    Ok(respond(StatusCode::OK, body, repr, &ctx))
}
