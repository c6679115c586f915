//! Loop detection for distributed operations (clause 6.3.18 of GS CIM 009 V1.9.1): a request
//! the broker passes on to a context source carries a `Via` header, the one it arrived with
//! followed by this broker's pseudonym. A request that arrives naming this broker in its `Via`
//! has gone round a loop of registrations and is refused with 508 Loop Detected.

use std::sync::OnceLock;

use axum::http::HeaderMap;

use crate::error::{ErrorKind, NgsiError, NgsiResult};

/// This broker's pseudonym in `Via`, drawn once per process: two brokers (or two instances
/// sharing one database) never share it.
pub fn pseudonym() -> &'static str {
    static PSEUDONYM: OnceLock<String> = OnceLock::new();
    PSEUDONYM.get_or_init(|| {
        format!(
            "yuverse-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        )
    })
}

fn incoming(headers: &HeaderMap) -> Option<String> {
    let values: Vec<&str> = headers
        .get_all(axum::http::header::VIA)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// The `Via` to send on: the incoming entries, then this broker (`1.1 <pseudonym>`).
pub fn forwarded(headers: &HeaderMap) -> String {
    let own = format!("1.1 {}", pseudonym());
    match incoming(headers) {
        Some(earlier) => format!("{earlier}, {own}"),
        None => own,
    }
}

/// 508 LoopDetected when an entry of the incoming `Via` names this broker.
pub fn check(headers: &HeaderMap) -> NgsiResult<()> {
    let Some(via) = incoming(headers) else {
        return Ok(());
    };
    let names_us = via
        .split(',')
        .any(|entry| entry.split_whitespace().nth(1) == Some(pseudonym()));
    if names_us {
        return Err(NgsiError::new(
            ErrorKind::LoopDetected,
            format!("the request has already passed this broker ({via})"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn a_request_naming_this_broker_is_a_loop() {
        let mut headers = HeaderMap::new();
        assert!(check(&headers).is_ok());
        assert_eq!(forwarded(&headers), format!("1.1 {}", pseudonym()));
        headers.insert("via", HeaderValue::from_static("1.1 other-broker (Proxy)"));
        assert!(check(&headers).is_ok());
        let onward = forwarded(&headers);
        assert!(
            onward.starts_with("1.1 other-broker (Proxy), 1.1 yuverse-"),
            "{onward}"
        );
        headers.insert("via", HeaderValue::from_str(&onward).unwrap());
        let error = check(&headers).unwrap_err();
        assert_eq!(error.status.as_u16(), 508);
    }
}
