//! The one error type of every service, and its RFC 9457 problem+json form.
//!
//! Services return [`Error`]; handlers return it unchanged; it renders itself. The `type` of each
//! problem is a stable URN (`urn:yuverse:problem:<name>`) that clients may match on. Internal
//! errors are logged here, once, with their cause, and shown to the client without it.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

pub type Result<T, E = Error> = std::result::Result<T, E>;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid input, named by its field path (e.g. `password`, `permissions[1]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Well-formed input that breaks a rule (422), with each bad field.
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    /// A body that is not JSON at all (400).
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    /// A request the server cannot read for another reason (400).
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unauthenticated: {0}")]
    Unauthenticated(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("account locked: {0}")]
    Locked(String),
    #[error("rate limited")]
    RateLimited,
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    pub fn validation(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Validation(vec![FieldError::new(field, reason)])
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Error::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::MalformedJson(_) | Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::Locked(_) => StatusCode::LOCKED,
            Error::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn name_and_title(&self) -> (&'static str, &'static str) {
        match self {
            Error::Validation(_) => ("validation-error", "The request has invalid fields"),
            Error::MalformedJson(_) => ("malformed-json", "The body is not valid JSON"),
            Error::BadRequest(_) => ("bad-request", "The request cannot be read"),
            Error::UnsupportedMediaType(_) => {
                ("unsupported-media-type", "Unsupported content type")
            }
            Error::PayloadTooLarge => ("payload-too-large", "The body is too large"),
            Error::Unauthenticated(_) => ("unauthenticated", "Sign-in required"),
            Error::Forbidden(_) => ("forbidden", "Not allowed"),
            Error::NotFound(_) => ("not-found", "Not found"),
            Error::MethodNotAllowed => ("method-not-allowed", "Method not allowed"),
            Error::Conflict(_) => ("conflict", "Conflict"),
            Error::Locked(_) => ("account-locked", "The account is locked"),
            Error::RateLimited => ("rate-limited", "Too many requests"),
            Error::Unavailable(_) => ("unavailable", "Service unavailable"),
            Error::Internal(_) => ("internal", "Internal error"),
        }
    }

    fn detail(&self) -> String {
        match self {
            Error::Validation(errors) => errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.reason))
                .collect::<Vec<_>>()
                .join("; "),
            Error::MalformedJson(d)
            | Error::BadRequest(d)
            | Error::UnsupportedMediaType(d)
            | Error::Unauthenticated(d)
            | Error::Forbidden(d)
            | Error::NotFound(d)
            | Error::Conflict(d)
            | Error::Locked(d)
            | Error::Unavailable(d) => d.clone(),
            Error::PayloadTooLarge => "the request body exceeds the size limit".to_owned(),
            Error::MethodNotAllowed => "this path does not accept that method".to_owned(),
            Error::RateLimited => "too many attempts; wait a minute and try again".to_owned(),
            Error::Internal(_) => {
                "an unexpected error occurred; it has been logged with the request id".to_owned()
            }
        }
    }

    pub fn problem(&self) -> Problem {
        let (name, title) = self.name_and_title();
        Problem {
            r#type: format!("urn:yuverse:problem:{name}"),
            title: title.to_owned(),
            status: self.status().as_u16(),
            detail: self.detail(),
            errors: match self {
                Error::Validation(errors) => Some(errors.clone()),
                _ => None,
            },
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Internal(e.into())
    }
}

/// The RFC 9457 body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub r#type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Error::Internal(cause) = &self {
            tracing::error!(error = format!("{cause:#}"), "internal error");
        }
        let status = self.status();
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = (status, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_problem_names_fields() {
        let p = Error::validation("credit_code", "wrong check character").problem();
        assert_eq!(p.status, 422);
        assert_eq!(p.r#type, "urn:yuverse:problem:validation-error");
        assert_eq!(p.errors.unwrap()[0].field, "credit_code");
        assert!(p.detail.contains("credit_code"));
    }

    #[test]
    fn internal_problem_hides_the_cause() {
        let p = Error::Internal(anyhow::anyhow!("password=hunter2")).problem();
        assert!(!p.detail.contains("hunter2"));
    }
}
