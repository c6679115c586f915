//! Cross-cutting HTTP layers: request ids, tracing, metrics, security headers, panics as
//! problem+json.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use yuverse_core::Error;

use crate::metrics::{RequestLabels, RouteLabels};
use crate::AppState;

/// Counts and times every request under its route template.
pub async fn record_metrics(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    state
        .metrics
        .durations
        .get_or_create(&RouteLabels {
            method: method.clone(),
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    state
        .metrics
        .requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

/// Headers every response carries. The CSP allows only the platform's own origin (the UI works
/// on closed networks, so it loads nothing from elsewhere); inline styles are needed by the UI
/// component library.
pub fn security_headers() -> Vec<(HeaderName, HeaderValue)> {
    [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cross-origin-opener-policy", "same-origin"),
        (
            "permissions-policy",
            "camera=(), microphone=(), geolocation=()",
        ),
        (
            "content-security-policy",
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self' ws: wss:; \
             worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (HeaderName::from_static(k), HeaderValue::from_static(v)))
    .collect()
}

/// A panic in a handler becomes a logged 500 problem, never a dropped connection.
pub fn panic_to_problem(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("panic");
    Error::Internal(anyhow::anyhow!("handler panicked: {message}")).into_response()
}
