//! The error returned for a malformed geo-query.

use thiserror::Error;

/// A malformed geo-query: which parameter is wrong and why.
///
/// `field` is one of `"georel"`, `"geometry"`, `"coordinates"` or `"geoproperty"`, so that the
/// broker can answer 400 BadRequestData with a detail naming the parameter.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid {field}: {message}")]
pub struct GeoError {
    /// The offending parameter (or `geoQ` member).
    pub field: &'static str,
    /// What is wrong with it, meant for a human reading the ProblemDetails `detail`.
    pub message: String,
}

impl GeoError {
    /// An error about `field`.
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }

    pub(crate) fn georel(message: impl Into<String>) -> Self {
        Self::new(FIELD_GEOREL, message)
    }

    pub(crate) fn geometry(message: impl Into<String>) -> Self {
        Self::new(FIELD_GEOMETRY, message)
    }

    pub(crate) fn coordinates(message: impl Into<String>) -> Self {
        Self::new(FIELD_COORDINATES, message)
    }

    pub(crate) fn geoproperty(message: impl Into<String>) -> Self {
        Self::new(FIELD_GEOPROPERTY, message)
    }
}

/// `GeoError::field` for the geo-relationship.
pub const FIELD_GEOREL: &str = "georel";
/// `GeoError::field` for the reference geometry type.
pub const FIELD_GEOMETRY: &str = "geometry";
/// `GeoError::field` for the reference geometry coordinates.
pub const FIELD_COORDINATES: &str = "coordinates";
/// `GeoError::field` for the target GeoProperty name.
pub const FIELD_GEOPROPERTY: &str = "geoproperty";

/// A short, printable excerpt of user input for error messages (never echoes megabytes back).
pub(crate) fn excerpt(input: &str) -> String {
    const MAX_CHARS: usize = 60;
    let mut out: String = input
        .chars()
        .take(MAX_CHARS)
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect();
    if input.chars().nth(MAX_CHARS).is_some() {
        out.push('…');
    }
    out
}
