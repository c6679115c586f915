//! The embedded web UI (`web/dist`, built by `build.rs`) and the API reference page.
//!
//! Paths that name a file serve it; other `GET`s serve `index.html` so the UI's router handles
//! them. API paths never fall back to the UI: an unknown API path is a 404 problem.

use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use yuverse_core::Error;

#[derive(rust_embed::RustEmbed)]
#[folder = "../../web/dist"]
struct Assets;

const API_PREFIXES: [&str; 4] = ["/api/", "/ngsi-ld/", "/ws/", "/metrics"];

fn asset(path: &str) -> Option<Response> {
    let file = Assets::get(path)?;
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let cache = if path.starts_with("assets/") {
        // Vite puts a content hash in these names: cache them for good.
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response = (StatusCode::OK, file.data.into_owned()).into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime.as_ref()) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Some(response)
}

/// The router's fallback: UI files and client-side routes, or a 404/405 problem.
pub async fn fallback(method: Method, uri: Uri) -> Response {
    let path = uri.path();
    if API_PREFIXES.iter().any(|p| path.starts_with(p)) || path == "/api" {
        return Error::NotFound(format!("no route for {path}")).into_response();
    }
    if method != Method::GET && method != Method::HEAD {
        return Error::MethodNotAllowed.into_response();
    }
    let relative = path.trim_start_matches('/');
    if !relative.is_empty() {
        if let Some(response) = asset(relative) {
            return response;
        }
        if relative.starts_with("assets/") || relative.contains('.') {
            return Error::NotFound(format!("no file {path}")).into_response();
        }
    }
    asset("index.html")
        .unwrap_or_else(|| Error::NotFound("the UI is not built".into()).into_response())
}

/// `/api/docs`: a browsable reference rendered from `/api/v1/openapi.json` by a small script
/// served beside it (no third-party assets, so it works on closed networks).
pub async fn docs_page() -> Html<&'static str> {
    Html(include_str!("docs/index.html"))
}

pub async fn docs_script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("docs/docs.js"),
    )
        .into_response()
}
