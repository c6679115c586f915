//! Parse errors for `q` and `scopeQ`.

use std::fmt;

/// What kind of problem a [`ParseError`] reports.
///
/// The broker maps [`ErrorKind::Syntax`] to `400 BadRequestData` / `InvalidRequest`, and the
/// two limit kinds to `403 TooComplexQuery` (or 400, at the broker's choice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The text does not follow the grammar (or a value in it is invalid).
    Syntax,
    /// The text is longer than the configured maximum ([`crate::Limits::max_len`]).
    TooLong,
    /// Parentheses or linked-entity paths are nested deeper than allowed
    /// ([`crate::Limits::max_depth`]).
    TooDeep,
}

/// Which query parameter an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueryParam {
    /// The `q` parameter (NGSI-LD Query Language, clause 4.9).
    Q,
    /// The `scopeQ` parameter (NGSI-LD Scope Query Language, clause 4.19).
    ScopeQ,
}

impl fmt::Display for QueryParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            QueryParam::Q => "q",
            QueryParam::ScopeQ => "scopeQ",
        })
    }
}

/// A problem found while parsing `q` or `scopeQ`.
///
/// `Display` gives a message a client can act on, e.g.
/// `q: expected a value after '==' at position 7`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{param}: {message} at position {position}")]
pub struct ParseError {
    /// 0-based offset into the input, counted in characters (Unicode scalar values), where
    /// the problem was found. Equal to the input length when the input ended too early.
    pub position: usize,
    /// What is wrong, in words meant for the client.
    pub message: String,
    /// Which parameter the error is about.
    pub param: QueryParam,
    /// What kind of problem this is.
    pub kind: ErrorKind,
}

impl ParseError {
    pub(crate) fn new(
        param: QueryParam,
        kind: ErrorKind,
        input: &str,
        byte_pos: usize,
        message: impl Into<String>,
    ) -> Self {
        let byte_pos = byte_pos.min(input.len());
        // Count characters up to the byte offset; the offset is always a char boundary in
        // practice, but be tolerant and count the characters that start before it.
        let position = input
            .char_indices()
            .take_while(|(i, _)| *i < byte_pos)
            .count();
        ParseError {
            position,
            message: message.into(),
            param,
            kind,
        }
    }

    /// True when the error is one of the complexity guards (length or nesting depth), which
    /// a broker may want to report as `TooComplexQuery`.
    pub fn is_too_complex(&self) -> bool {
        matches!(self.kind, ErrorKind::TooLong | ErrorKind::TooDeep)
    }
}
