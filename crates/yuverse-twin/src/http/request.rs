//! Reading an NGSI-LD request: who is calling, the tenant, the body with its content type and
//! length rules, and the representation the client accepts.

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::{header, request::Parts, HeaderMap, StatusCode};
use serde_json::Value;
use yuverse_core::Actor;
use yuverse_governance::http::Authenticated;
use yuverse_governance::Governance;

use crate::error::{ErrorKind, NgsiError, NgsiResult};
use crate::service::DEFAULT_TENANT;

/// The caller when credentials were sent; `None` for anonymous requests (reads are open).
#[derive(Debug, Clone)]
pub struct Caller(pub Option<Actor>);

impl<S> FromRequestParts<S> for Caller
where
    S: Send + Sync,
    Governance: FromRef<S>,
{
    type Rejection = NgsiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let has_credentials = parts.headers.contains_key(header::AUTHORIZATION)
            || parts.headers.contains_key("x-api-key")
            || parts
                .headers
                .get(header::COOKIE)
                .and_then(|c| c.to_str().ok())
                .is_some_and(|c| c.contains(yuverse_governance::http::SESSION_COOKIE));
        if !has_credentials {
            return Ok(Caller(None));
        }
        let auth = Authenticated::from_request_parts(parts, state).await?;
        Ok(Caller(Some(auth.actor)))
    }
}

/// The `NGSILD-Tenant` header, or the default tenant.
pub fn tenant(headers: &HeaderMap) -> NgsiResult<String> {
    match headers.get("ngsild-tenant") {
        None => Ok(DEFAULT_TENANT.to_owned()),
        Some(v) => v
            .to_str()
            .map(str::to_owned)
            .map_err(|_| NgsiError::bad_data("NGSILD-Tenant is not readable text")),
    }
}

/// The media type of the body (without parameters), lower-cased.
pub fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
}

/// Reads a JSON or JSON-LD body: 411 without Content-Length, 415 for other media types
/// (`merge_patch` also accepts application/merge-patch+json), 400 for invalid JSON.
pub fn json_body(headers: &HeaderMap, body: &Bytes, merge_patch: bool) -> NgsiResult<Value> {
    if !headers.contains_key(header::CONTENT_LENGTH) {
        return Err(NgsiError::new(
            ErrorKind::LengthRequired,
            "send the body with a Content-Length header",
        ));
    }
    match content_type(headers).as_deref() {
        Some("application/json") | Some("application/ld+json") => {}
        Some("application/merge-patch+json") if merge_patch => {}
        other => {
            return Err(NgsiError::new(
                ErrorKind::UnsupportedMediaType,
                format!(
                    "Content-Type {} is not supported: use application/json or application/ld+json",
                    other.unwrap_or("(none)")
                ),
            ))
        }
    }
    serde_json::from_slice(body)
        .map_err(|e| NgsiError::invalid(format!("the body is not valid JSON: {e}")))
}

/// The representations a response can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Representation {
    Json,
    JsonLd,
    GeoJson,
}

impl Representation {
    pub fn media_type(self) -> &'static str {
        match self {
            Representation::Json => "application/json",
            Representation::JsonLd => "application/ld+json",
            Representation::GeoJson => "application/geo+json",
        }
    }
}

/// Negotiates `Accept` (quality values honoured; no header means JSON). 406 when nothing fits.
pub fn accept(headers: &HeaderMap, geo_allowed: bool) -> NgsiResult<Representation> {
    let Some(value) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Ok(Representation::Json);
    };
    let mut best: Option<(f32, Representation)> = None;
    for range in value.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .filter_map(|q| q.parse::<f32>().ok())
            .next()
            .unwrap_or(1.0);
        let candidate = match media.as_str() {
            "application/json" | "application/*" | "*/*" => Some(Representation::Json),
            "application/ld+json" => Some(Representation::JsonLd),
            "application/geo+json" if geo_allowed => Some(Representation::GeoJson),
            _ => None,
        };
        if let Some(c) = candidate {
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, c));
            }
        }
    }
    best.map(|(_, r)| r).ok_or_else(|| {
        NgsiError::new(
            ErrorKind::NotAcceptable,
            "Accept allows none of application/json, application/ld+json, application/geo+json",
        )
        .with_status(StatusCode::NOT_ACCEPTABLE)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn accept_negotiation() {
        assert_eq!(
            accept(&HeaderMap::new(), false).unwrap(),
            Representation::Json
        );
        assert_eq!(
            accept(&with_accept("application/ld+json"), false).unwrap(),
            Representation::JsonLd
        );
        assert_eq!(
            accept(
                &with_accept("application/json;q=0.5, application/geo+json"),
                true
            )
            .unwrap(),
            Representation::GeoJson
        );
        assert!(accept(&with_accept("text/html"), true).is_err());
        assert!(accept(&with_accept("application/geo+json"), false).is_err());
    }
}
