use reqwest::StatusCode;
use serde_json::Value;

use crate::common::*;

#[tokio::test]
async fn health_readiness_metrics_openapi_and_docs() {
    let app = spawn_app().await;
    let client = TestApp::client();
    let get = |path: &str| client.get(app.url(path)).send();

    let r = get("/healthz").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().contains_key("x-request-id"));
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(r.headers().contains_key("content-security-policy"));

    let ready: Value = get("/readyz").await.unwrap().json().await.unwrap();
    assert_eq!(ready["status"], "ready");
    assert_eq!(
        ready["database"],
        if uses_postgres() {
            "postgres"
        } else {
            "sqlite"
        }
    );

    let spec: Value = get("/api/v1/openapi.json")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/auth/login",
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/organisations",
        "/api/v1/api-keys",
        "/api/v1/audit",
        "/api/v1/places",
    ] {
        assert!(
            spec["paths"].get(path).is_some(),
            "{path} missing from OpenAPI"
        );
    }

    let docs = get("/api/docs").await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(docs.text().await.unwrap().contains("/api/docs/docs.js"));

    let metrics = get("/metrics").await.unwrap().text().await.unwrap();
    assert!(metrics.contains("yuverse_http_requests_total"));
    assert!(metrics.contains("route=\"/readyz\""));

    // The UI is served at / and client-side routes fall back to it.
    let index = get("/").await.unwrap();
    assert_eq!(index.status(), StatusCode::OK);
    assert!(index.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let deep = get("/governance/users").await.unwrap();
    assert_eq!(deep.status(), StatusCode::OK);
}
