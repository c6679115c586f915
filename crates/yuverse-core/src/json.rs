//! `ApiJson<T>`: the JSON body extractor whose every rejection is a problem+json [`Error`]
//! naming what is wrong, down to the field path for type errors and unknown fields.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, FieldError};

#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

fn is_json_content_type(value: &str) -> bool {
    let essence = value.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses a body into `T`, telling apart syntax errors (400) from shape errors (422).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => v,
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            return Err(match inner.classify() {
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                    Error::MalformedJson(inner.to_string())
                }
                _ => {
                    let field = if path == "." { "body".to_owned() } else { path };
                    Error::Validation(vec![FieldError::new(
                        field,
                        strip_position(&inner.to_string()),
                    )])
                }
            });
        }
    };
    // Trailing content after the document is a syntax error too.
    de.end().map_err(|e| Error::MalformedJson(e.to_string()))?;
    Ok(value)
}

/// serde_json appends " at line 1 column 17": useful for syntax errors, noise for fields.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !is_json_content_type(content_type) {
            return Err(Error::UnsupportedMediaType(
                "send the body as `Content-Type: application/json`".to_owned(),
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                Error::PayloadTooLarge
            } else {
                Error::BadRequest(rejection.body_text())
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        count: u32,
    }

    #[test]
    fn syntax_errors_are_malformed_json() {
        assert!(matches!(
            parse_json::<Body>(b"{\"name\": "),
            Err(Error::MalformedJson(_))
        ));
    }

    #[test]
    fn type_errors_name_the_field() {
        match parse_json::<Body>(br#"{"name": "a", "count": "three"}"#) {
            Err(Error::Validation(errors)) => assert_eq!(errors[0].field, "count"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_fields_are_rejected() {
        match parse_json::<Body>(br#"{"name": "a", "count": 1, "admin": true}"#) {
            Err(Error::Validation(errors)) => assert!(errors[0].reason.contains("admin")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn content_types() {
        assert!(is_json_content_type("application/json; charset=utf-8"));
        assert!(is_json_content_type("application/merge-patch+json"));
        assert!(!is_json_content_type("text/plain"));
    }
}
