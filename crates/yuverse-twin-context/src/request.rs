//! The request rules of NGSI-LD on `Content-Type`, `Link` and the body's `@context`, as pure
//! functions over header values and the parsed body.

use serde_json::Value;

use crate::error::RequestContextError;

/// The link relation of a JSON-LD context link.
pub const JSON_LD_CONTEXT_REL: &str = "http://www.w3.org/ns/json-ld#context";
/// `application/json`.
pub const APPLICATION_JSON: &str = "application/json";
/// `application/ld+json`.
pub const APPLICATION_LD_JSON: &str = "application/ld+json";
/// `application/merge-patch+json` (accepted on PATCH; same context rules as JSON).
pub const APPLICATION_MERGE_PATCH_JSON: &str = "application/merge-patch+json";

/// Where a request's `@context` comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum ContextSource {
    /// No context given: the core context alone.
    Core,
    /// The URL of the `Link` header's JSON-LD context link.
    Link(String),
    /// The `@context` member of a JSON-LD body object (a URL, an object, or an array).
    Body(Value),
    /// A JSON-LD body that is an array of entities (batch operations): the `@context` of
    /// each element, in order. Each element carries its own context.
    PerEntity(Vec<Value>),
}

/// The media type of a `Content-Type` value: its type/subtype, lower-cased, without
/// parameters (`application/ld+json; charset=utf-8` → `application/ld+json`).
pub fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn has_context_member(body: &Value) -> bool {
    match body {
        Value::Object(map) => map.contains_key("@context"),
        Value::Array(items) => items
            .iter()
            .any(|i| i.as_object().is_some_and(|m| m.contains_key("@context"))),
        _ => false,
    }
}

/// Applies the NGSI-LD request rules and tells where the request's context comes from.
///
/// | `Content-Type` | rule |
/// |---|---|
/// | `application/json`, `application/merge-patch+json`, or none (requests without a body) | the context is the `Link` header's JSON-LD context link, or else the core context; an `@context` member in the body (or in an element of an array body) is [`ContextInJsonBody`](RequestContextError::ContextInJsonBody) |
/// | `application/ld+json` | the context is the body's `@context` ([`Body`](ContextSource::Body), or [`PerEntity`](ContextSource::PerEntity) for an array body, where every element must carry one); a missing one is [`MissingContext`](RequestContextError::MissingContext); a JSON-LD context `Link` header as well is [`LinkWithJsonLd`](RequestContextError::LinkWithJsonLd) (other links, e.g. `rel="next"`, are fine) |
/// | anything else | [`UnsupportedMediaType`](RequestContextError::UnsupportedMediaType) (415) |
///
/// Media types compare case-insensitively and ignore parameters such as `charset`. A
/// malformed `Link` header is [`InvalidLink`](RequestContextError::InvalidLink) whatever
/// the content type.
pub fn context_source(
    content_type: Option<&str>,
    link_header: Option<&str>,
    body: Option<&Value>,
) -> Result<ContextSource, RequestContextError> {
    let media = content_type.map(media_type);
    match media.as_deref() {
        None | Some(APPLICATION_JSON) | Some(APPLICATION_MERGE_PATCH_JSON) => {
            if body.is_some_and(has_context_member) {
                return Err(RequestContextError::ContextInJsonBody);
            }
            match link_header {
                Some(h) => {
                    Ok(link_context_url(h)?.map_or(ContextSource::Core, ContextSource::Link))
                }
                None => Ok(ContextSource::Core),
            }
        }
        Some(APPLICATION_LD_JSON) => {
            if let Some(h) = link_header {
                if link_context_url(h)?.is_some() {
                    return Err(RequestContextError::LinkWithJsonLd);
                }
            }
            match body {
                Some(Value::Object(map)) => map
                    .get("@context")
                    .cloned()
                    .map(ContextSource::Body)
                    .ok_or(RequestContextError::MissingContext),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|i| {
                        i.as_object()
                            .and_then(|m| m.get("@context"))
                            .cloned()
                            .ok_or(RequestContextError::MissingContext)
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(ContextSource::PerEntity),
                _ => Err(RequestContextError::MissingContext),
            }
        }
        Some(other) => Err(RequestContextError::UnsupportedMediaType(other.to_string())),
    }
}

/// One link of a `Link` header: the target and its parameters (names lower-cased).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The URI reference between `<` and `>`, trimmed.
    pub target: String,
    /// The parameters in order, names lower-cased, values unquoted.
    pub params: Vec<(String, String)>,
}

impl Link {
    /// The first value of parameter `name` (RFC 8288: later occurrences are ignored).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn bad(msg: &str) -> RequestContextError {
    RequestContextError::InvalidLink(msg.to_string())
}

/// Parses a `Link` header value (RFC 8288): comma-separated links
/// `<target>; name=value; name="quoted value"`, with optional whitespace everywhere, commas
/// and semicolons inside quoted strings and targets, backslash escapes in quoted strings,
/// and empty list elements. Several `Link` header lines may be passed joined with commas.
pub fn parse_link_header(header: &str) -> Result<Vec<Link>, RequestContextError> {
    let chars: Vec<char> = header.chars().collect();
    let mut i = 0;
    let mut links = Vec::new();
    let skip_ws = |i: &mut usize| {
        while *i < chars.len() && chars[*i].is_whitespace() {
            *i += 1;
        }
    };
    loop {
        // Empty list elements and whitespace between links.
        while i < chars.len() && (chars[i].is_whitespace() || chars[i] == ',') {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        if chars[i] != '<' {
            return Err(bad("expected '<' at the start of a link"));
        }
        i += 1;
        let start = i;
        while i < chars.len() && chars[i] != '>' {
            i += 1;
        }
        if i >= chars.len() {
            return Err(bad("unclosed '<' in a link target"));
        }
        let target: String = chars[start..i]
            .iter()
            .collect::<String>()
            .trim()
            .to_string();
        i += 1;
        let mut params = Vec::new();
        loop {
            skip_ws(&mut i);
            if i >= chars.len() {
                break;
            }
            if chars[i] == ',' {
                i += 1;
                break;
            }
            if chars[i] != ';' {
                return Err(bad("expected ';' or ',' after a link target or parameter"));
            }
            i += 1;
            skip_ws(&mut i);
            if i >= chars.len() || chars[i] == ';' || chars[i] == ',' {
                continue; // an empty parameter
            }
            let name_start = i;
            while i < chars.len()
                && !matches!(chars[i], '=' | ';' | ',')
                && !chars[i].is_whitespace()
            {
                i += 1;
            }
            let name: String = chars[name_start..i]
                .iter()
                .collect::<String>()
                .to_ascii_lowercase();
            if name.is_empty() {
                return Err(bad("a link parameter has no name"));
            }
            skip_ws(&mut i);
            let mut value = String::new();
            if i < chars.len() && chars[i] == '=' {
                i += 1;
                skip_ws(&mut i);
                if i < chars.len() && chars[i] == '"' {
                    i += 1;
                    let mut closed = false;
                    while i < chars.len() {
                        match chars[i] {
                            '\\' if i + 1 < chars.len() => {
                                value.push(chars[i + 1]);
                                i += 2;
                            }
                            '"' => {
                                closed = true;
                                i += 1;
                                break;
                            }
                            c => {
                                value.push(c);
                                i += 1;
                            }
                        }
                    }
                    if !closed {
                        return Err(bad("unclosed quoted string in a link parameter"));
                    }
                } else {
                    let value_start = i;
                    while i < chars.len() && !matches!(chars[i], ';' | ',') {
                        i += 1;
                    }
                    value = chars[value_start..i]
                        .iter()
                        .collect::<String>()
                        .trim()
                        .to_string();
                }
            }
            params.push((name, value));
        }
        links.push(Link { target, params });
    }
    Ok(links)
}

fn is_absolute_url(s: &str) -> bool {
    crate::context::is_absolute_iri(s) && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Parses a `Link` header value and returns the URL of its JSON-LD context link, if any.
///
/// A context link is one whose `rel` (a space-separated list, compared case-insensitively)
/// contains `http://www.w3.org/ns/json-ld#context`. Its `type`, when given, must be
/// `application/ld+json` (a missing `type` is accepted); its target must be an absolute URL.
/// Several context links are [`MultipleContextLinks`](RequestContextError::MultipleContextLinks).
/// Other links are ignored. `Ok(None)` when there is no context link.
pub fn link_context_url(link_header: &str) -> Result<Option<String>, RequestContextError> {
    let mut found = None;
    for link in parse_link_header(link_header)? {
        let is_context = link.param("rel").is_some_and(|rel| {
            rel.split_whitespace()
                .any(|r| r.eq_ignore_ascii_case(JSON_LD_CONTEXT_REL))
        });
        if !is_context {
            continue;
        }
        if let Some(t) = link.param("type") {
            if media_type(t) != APPLICATION_LD_JSON {
                return Err(bad(
                    "the type of a JSON-LD context link must be application/ld+json",
                ));
            }
        }
        if found.is_some() {
            return Err(RequestContextError::MultipleContextLinks);
        }
        if !is_absolute_url(&link.target) {
            return Err(bad(
                "the target of the JSON-LD context link must be an absolute URL",
            ));
        }
        found = Some(link.target);
    }
    Ok(found)
}

/// The `Link` header value that points at a context URL, as sent with `application/json`
/// answers: `<url>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`.
pub fn link_header_for(url: &str) -> String {
    format!("<{url}>; rel=\"{JSON_LD_CONTEXT_REL}\"; type=\"{APPLICATION_LD_JSON}\"")
}
