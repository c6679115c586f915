//! Errors of context processing and of the request rules.

use thiserror::Error;

/// An error while building an [`ActiveContext`](crate::ActiveContext) or loading a context.
///
/// Suggested NGSI-LD mapping for the broker:
///
/// | variant | NGSI-LD error |
/// |---|---|
/// | [`NotAvailable`](Self::NotAvailable) | `LdContextNotAvailable` (503 in older editions, 504 in V1.9.1) |
/// | [`Invalid`](Self::Invalid), [`Recursive`](Self::Recursive), [`TooDeep`](Self::TooDeep) | `BadRequestData` (400) |
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ContextError {
    /// A remote context could not be obtained: the network is closed, remote fetching is not
    /// allowed, the fetch timed out or failed, or the answer was not JSON.
    #[error("@context {url} is not available: {reason}")]
    NotAvailable {
        /// The context URL that was asked for.
        url: String,
        /// Why it could not be obtained.
        reason: String,
    },
    /// The context is not a valid JSON-LD context (wrong JSON shape, bad term definition,
    /// relative URL without a base, protected term redefinition, …).
    #[error("invalid @context: {0}")]
    Invalid(String),
    /// A remote context includes itself, directly or through other remote contexts.
    #[error("recursive @context inclusion of {url}")]
    Recursive {
        /// The URL met a second time on the inclusion path.
        url: String,
    },
    /// Remote contexts are nested deeper, or are more numerous, than the limit allows.
    #[error("@context {url} exceeds the limit of {limit} nested or loaded remote contexts")]
    TooDeep {
        /// The URL whose loading crossed the limit.
        url: String,
        /// The limit that was crossed.
        limit: usize,
    },
}

impl ContextError {
    /// Shorthand for [`ContextError::NotAvailable`].
    pub fn not_available(url: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::NotAvailable {
            url: url.into(),
            reason: reason.into(),
        }
    }

    /// Whether this is [`ContextError::NotAvailable`] (→ `LdContextNotAvailable`); every other
    /// variant is a client error (→ `BadRequestData`).
    pub fn is_not_available(&self) -> bool {
        matches!(self, Self::NotAvailable { .. })
    }
}

/// A violation of the request rules on `Content-Type`, `Link` and the body's `@context`
/// (see [`context_source`](crate::context_source)).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RequestContextError {
    /// The body is neither `application/json` (or `application/merge-patch+json`) nor
    /// `application/ld+json`: HTTP 415.
    #[error("unsupported Content-Type {0:?}: use application/json or application/ld+json")]
    UnsupportedMediaType(String),
    /// `application/json` with an `@context` member in the body: 400 `BadRequestData`.
    #[error("an application/json body shall not contain @context; send it in a Link header or use application/ld+json")]
    ContextInJsonBody,
    /// `application/ld+json` without an `@context` member in the body: 400 `BadRequestData`.
    #[error("an application/ld+json body shall contain @context")]
    MissingContext,
    /// `application/ld+json` together with a JSON-LD context `Link` header: 400 `BadRequestData`.
    #[error("a JSON-LD context Link header is not allowed with application/ld+json; put @context in the body")]
    LinkWithJsonLd,
    /// The `Link` header cannot be parsed, or its context link is unusable: 400 `BadRequestData`.
    #[error("invalid Link header: {0}")]
    InvalidLink(String),
    /// More than one JSON-LD context link: 400 `BadRequestData`.
    #[error("more than one JSON-LD context link in the Link header")]
    MultipleContextLinks,
}

impl RequestContextError {
    /// The HTTP status this error calls for: 415 for an unsupported media type, else 400.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::UnsupportedMediaType(_) => 415,
            _ => 400,
        }
    }
}
