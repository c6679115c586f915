//! NGSI-LD errors: ProblemDetails with the ETSI error type URIs (GS CIM 009 clause 5.5.2).
//! Every failure of the broker is one of these; none is a 500 for bad input.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Where the ETSI error type URIs start; the kind's name follows.
const ERROR_TYPE_BASE: &str = "https://uri.etsi.org/ngsi-ld/errors/";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    InvalidRequest,
    BadRequestData,
    AlreadyExists,
    /// 409 for a request that clashes with what exists without repeating it (a registration
    /// over an exclusive one, clause 5.9.2.4).
    Conflict,
    OperationNotSupported,
    ResourceNotFound,
    InternalError,
    TooComplexQuery,
    TooManyResults,
    LdContextNotAvailable,
    NonexistentTenant,
    /// Not an ETSI type: authentication and authorisation of the platform.
    Unauthorized,
    Forbidden,
    /// HTTP-level refusals (406, 411, 415) use these ETSI-compatible names.
    NotAcceptable,
    LengthRequired,
    UnsupportedMediaType,
    PayloadTooLarge,
    MethodNotAllowed,
    /// 508: a distributed operation came back to this broker (not in the ETSI registry; the
    /// name other brokers use).
    LoopDetected,
}

impl ErrorKind {
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::InvalidRequest => "InvalidRequest",
            ErrorKind::BadRequestData => "BadRequestData",
            ErrorKind::AlreadyExists => "AlreadyExists",
            ErrorKind::Conflict => "Conflict",
            ErrorKind::OperationNotSupported => "OperationNotSupported",
            ErrorKind::ResourceNotFound => "ResourceNotFound",
            ErrorKind::InternalError => "InternalError",
            ErrorKind::TooComplexQuery => "TooComplexQuery",
            ErrorKind::TooManyResults => "TooManyResults",
            ErrorKind::LdContextNotAvailable => "LdContextNotAvailable",
            ErrorKind::NonexistentTenant => "NonexistentTenant",
            ErrorKind::Unauthorized => "Unauthorized",
            ErrorKind::Forbidden => "Forbidden",
            ErrorKind::NotAcceptable => "NotAcceptable",
            ErrorKind::LengthRequired => "LengthRequired",
            ErrorKind::UnsupportedMediaType => "UnsupportedMediaType",
            ErrorKind::PayloadTooLarge => "PayloadTooLarge",
            ErrorKind::MethodNotAllowed => "MethodNotAllowed",
            ErrorKind::LoopDetected => "LoopDetected",
        }
    }

    pub fn type_uri(self) -> String {
        format!("{ERROR_TYPE_BASE}{}", self.name())
    }

    /// The kind a ProblemDetails `type` names (another broker's answer, say).
    pub fn from_type_uri(uri: &str) -> Option<ErrorKind> {
        let name = uri.strip_prefix(ERROR_TYPE_BASE)?;
        ErrorKind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    const ALL: [ErrorKind; 19] = [
        ErrorKind::InvalidRequest,
        ErrorKind::BadRequestData,
        ErrorKind::AlreadyExists,
        ErrorKind::Conflict,
        ErrorKind::OperationNotSupported,
        ErrorKind::ResourceNotFound,
        ErrorKind::InternalError,
        ErrorKind::TooComplexQuery,
        ErrorKind::TooManyResults,
        ErrorKind::LdContextNotAvailable,
        ErrorKind::NonexistentTenant,
        ErrorKind::Unauthorized,
        ErrorKind::Forbidden,
        ErrorKind::NotAcceptable,
        ErrorKind::LengthRequired,
        ErrorKind::UnsupportedMediaType,
        ErrorKind::PayloadTooLarge,
        ErrorKind::MethodNotAllowed,
        ErrorKind::LoopDetected,
    ];
}

/// One NGSI-LD error. `status` is explicit because some kinds have a configurable status
/// (LdContextNotAvailable: 503 in earlier editions, 504 in V1.9.1).
#[derive(Debug, Clone)]
pub struct NgsiError {
    pub kind: ErrorKind,
    pub status: StatusCode,
    pub title: String,
    pub detail: String,
}

impl NgsiError {
    pub fn new(kind: ErrorKind, detail: impl Into<String>) -> Self {
        let status = match kind {
            ErrorKind::InvalidRequest | ErrorKind::BadRequestData => StatusCode::BAD_REQUEST,
            ErrorKind::AlreadyExists | ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::OperationNotSupported => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::ResourceNotFound | ErrorKind::NonexistentTenant => StatusCode::NOT_FOUND,
            ErrorKind::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorKind::TooComplexQuery | ErrorKind::TooManyResults | ErrorKind::Forbidden => {
                StatusCode::FORBIDDEN
            }
            ErrorKind::LdContextNotAvailable => StatusCode::GATEWAY_TIMEOUT,
            ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorKind::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            ErrorKind::LengthRequired => StatusCode::LENGTH_REQUIRED,
            ErrorKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorKind::LoopDetected => StatusCode::LOOP_DETECTED,
        };
        let title = match kind {
            ErrorKind::InvalidRequest => "The request is not well-formed",
            ErrorKind::BadRequestData => "The request has invalid data",
            ErrorKind::AlreadyExists => "The resource already exists",
            ErrorKind::Conflict => "The request conflicts with an existing resource",
            ErrorKind::OperationNotSupported => "The operation is not supported",
            ErrorKind::ResourceNotFound => "The resource was not found",
            ErrorKind::InternalError => "Internal error",
            ErrorKind::TooComplexQuery => "The query is too complex",
            ErrorKind::TooManyResults => "Too many results",
            ErrorKind::LdContextNotAvailable => "The @context is not available",
            ErrorKind::NonexistentTenant => "The tenant does not exist",
            ErrorKind::Unauthorized => "Authentication required",
            ErrorKind::Forbidden => "Not allowed",
            ErrorKind::NotAcceptable => "No acceptable representation",
            ErrorKind::LengthRequired => "Content-Length required",
            ErrorKind::UnsupportedMediaType => "Unsupported media type",
            ErrorKind::PayloadTooLarge => "The body is too large",
            ErrorKind::MethodNotAllowed => "Method not allowed",
            ErrorKind::LoopDetected => "The request went round a loop of context sources",
        };
        NgsiError {
            kind,
            status,
            title: title.to_owned(),
            detail: detail.into(),
        }
    }

    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidRequest, detail)
    }

    pub fn bad_data(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequestData, detail)
    }

    /// A subscription or registration created already expired.
    pub fn expired_on_creation() -> Self {
        Self::bad_data("expiresAt must be in the future")
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::ResourceNotFound, detail)
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "NGSI-LD internal error");
        Self::new(
            ErrorKind::InternalError,
            "an unexpected error occurred; it has been logged",
        )
    }

    /// The body, also used per entity in 207 batch results.
    pub fn problem(&self) -> ProblemDetails {
        ProblemDetails {
            r#type: self.kind.type_uri(),
            title: self.title.clone(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
        }
    }
}

impl std::fmt::Display for NgsiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.detail)
    }
}

impl std::error::Error for NgsiError {}

#[derive(Debug, Clone, Serialize)]
pub struct ProblemDetails {
    #[serde(rename = "type")]
    pub r#type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
}

impl From<sqlx::Error> for NgsiError {
    fn from(e: sqlx::Error) -> Self {
        NgsiError::internal(e)
    }
}

impl From<yuverse_core::Error> for NgsiError {
    fn from(e: yuverse_core::Error) -> Self {
        use yuverse_core::Error as E;
        match e {
            E::Unauthenticated(d) => NgsiError::new(ErrorKind::Unauthorized, d),
            E::Forbidden(d) => NgsiError::new(ErrorKind::Forbidden, d),
            E::Internal(cause) => NgsiError::internal(format!("{cause:#}")),
            other => NgsiError::bad_data(other.problem().detail),
        }
    }
}

impl IntoResponse for NgsiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}

pub type NgsiResult<T> = Result<T, NgsiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_type_uri_names_its_kind() {
        for kind in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_type_uri(&kind.type_uri()), Some(kind));
        }
        assert_eq!(
            ErrorKind::from_type_uri("https://example.org/errors/BadRequestData"),
            None
        );
        assert_eq!(
            ErrorKind::from_type_uri("https://uri.etsi.org/ngsi-ld/errors/Nonsense"),
            None
        );
    }
}
