//! What the document resources share (`/subscriptions`, `/csourceRegistrations`,
//! `/csourceSubscriptions`): each is a JSON document that the client creates whole and patches
//! member by member, kept with the @context it was written in, and listed in pages.

use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::context::{Contexts, RequestContext};
use super::params::Paging;
use super::request::Representation;
use super::respond;
use crate::domain::attribute::is_uri;
use crate::error::{NgsiError, NgsiResult};

/// The document of a create request and its id: the one it gives (a URI), or a new
/// `urn:ngsi-ld:<kind>:<uuid>`. `what` names the document in messages.
pub fn new_document(
    body: Value,
    what: &str,
    kind: &str,
) -> NgsiResult<(String, Map<String, Value>)> {
    let Value::Object(document) = body else {
        return Err(NgsiError::bad_data(format!(
            "a {what} must be a JSON object"
        )));
    };
    let id = match document.get("id") {
        None => format!("urn:ngsi-ld:{kind}:{}", uuid::Uuid::now_v7()),
        Some(Value::String(id)) if is_uri(id) => id.clone(),
        Some(_) => return Err(NgsiError::bad_data(format!("the {what} id must be a URI"))),
    };
    Ok((id, document))
}

/// The id of a request's path, which must be a URI (clauses 5.8.2, 5.9.3, 5.11.3…: an id that
/// is not one is a bad request, not a document that does not exist).
pub fn path_id(id: String) -> NgsiResult<String> {
    if is_uri(&id) {
        Ok(id)
    } else {
        Err(NgsiError::bad_data(format!("`{id}` is not a URI")))
    }
}

/// 201 Created with the new resource's path in `Location`.
pub fn created(path: String) -> Response {
    (StatusCode::CREATED, [(header::LOCATION, path)]).into_response()
}

/// The members of a PATCH request, which may repeat the document's id but not change it.
pub fn patch_members(body: Value, id: &str) -> NgsiResult<Map<String, Value>> {
    let Value::Object(patch) = body else {
        return Err(NgsiError::bad_data("the update must be a JSON object"));
    };
    if patch
        .get("id")
        .and_then(Value::as_str)
        .is_some_and(|given| given != id)
    {
        return Err(NgsiError::bad_data("the id cannot change"));
    }
    Ok(patch)
}

/// Merges the members of a PATCH into a document: each replaces the stored one, and `null`
/// removes it (clause 5.9.3 and 5.8.2: the member goes back to its default).
pub fn merge_patch(document: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (name, value) in patch {
        if value.is_null() {
            document.remove(&name);
        } else {
            document.insert(name, value);
        }
    }
}

/// The page of `items` that `paging` asks for, rendered, with `NGSILD-Results-Count` (all
/// of them) when asked for and `Link` headers to the previous and next pages (typed as JSON-LD,
/// as the conformance suite's 031_02 and 041_03 expect them).
pub fn page<T>(
    items: &[T],
    paging: &Paging,
    uri: &Uri,
    render: impl Fn(&T) -> Value,
    repr: Representation,
    ctx: &RequestContext,
) -> Response {
    let shown: Vec<Value> = items
        .iter()
        .skip(paging.offset)
        .take(paging.limit)
        .map(render)
        .collect();
    let shown_count = shown.len();
    let mut response = respond(StatusCode::OK, Value::Array(shown), repr, ctx);
    if paging.count {
        response
            .headers_mut()
            .insert("ngsild-results-count", items.len().into());
    }
    let links = super::entities::paging_links(
        uri,
        paging.offset,
        paging.limit,
        shown_count,
        Some(items.len()),
    );
    for link in links {
        let typed = format!("{link};type=\"application/ld+json\"");
        if let Ok(v) = HeaderValue::from_str(&typed) {
            response.headers_mut().append(header::LINK, v);
        }
    }
    response
}

/// A stored document read back at start: its text and its @context's text parsed, and
/// `parse` given the context to expand its terms with again.
pub fn revive<T>(
    contexts: &Contexts,
    doc: &str,
    context: &str,
    parse: impl FnOnce(Map<String, Value>, Value, &RequestContext) -> NgsiResult<T>,
) -> anyhow::Result<T> {
    let Value::Object(document) = serde_json::from_str(doc)? else {
        anyhow::bail!("the stored document is not a JSON object");
    };
    let context: Value = serde_json::from_str(context)?;
    let vocab = contexts
        .resolve_value(&context)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    parse(document, context, &vocab).map_err(|e| anyhow::anyhow!("{e}"))
}
