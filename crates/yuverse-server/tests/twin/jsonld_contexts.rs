//! `/jsonldContexts` (clause 5.13) and where @context documents come from: hosted contexts kept
//! across restarts, a folder mirroring URLs, and downloads only when the operator allows them.

use std::time::Duration;

use axum::routing::get;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::*;
use crate::ngsi::*;

fn link(url: &str) -> String {
    format!("<{url}>; rel=\"http://www.w3.org/ns/json-ld#context\"; type=\"application/ld+json\"")
}

/// The core context's pseudo-entry, listed with the stored contexts.
const CORE: &str = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld";

fn parking_context() -> Value {
    json!({"@context": {"occupancy": "https://smartdatamodels.org/dataModel.Parking/occupancy"}})
}

/// Reads `urn:ngsi-ld:T:1` with the context at `url`; answers the status and the body.
async fn read_with(ngsi: &Ngsi, url: &str) -> (StatusCode, Value) {
    let r = ngsi
        .request(Method::GET, "/entities?type=https://example.org/T")
        .header("link", link(url))
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

/// A web server on a free port serving `body` at `/ctx.jsonld` after `delay`.
fn context_server(body: Value, delay: Duration) -> String {
    serve_on_thread(axum::Router::new().route(
        "/ctx.jsonld",
        get(move || {
            let body = body.clone();
            async move {
                tokio::time::sleep(delay).await;
                axum::Json(body)
            }
        }),
    ))
}

/// Serves `app` on a free port; answers the URL of its `/ctx.jsonld`. It runs on a thread
/// of its own: the broker waits for @context downloads synchronously, which would stall a
/// server sharing the test's single-threaded runtime.
fn serve_on_thread(app: axum::Router) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/ctx.jsonld", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap()
        })
    });
    url
}

#[tokio::test]
async fn hosted_contexts_are_listed_served_deleted_and_kept_across_restarts() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let r = ngsi.post("/jsonldContexts", &parking_context()).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    // Location is the path the context is served at; its URL is that path on this broker.
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let id = location
        .strip_prefix("/ngsi-ld/v1/jsonldContexts/")
        .unwrap()
        .to_owned();
    assert!(id.starts_with("urn:ngsi-ld:jsonldContext:"), "{id}");
    let url = app.url(&location);

    assert_eq!(ngsi.get_json("/jsonldContexts").await, json!([url, CORE]));
    let details = ngsi
        .get_json("/jsonldContexts?details=true&kind=Hosted")
        .await;
    assert_eq!(details[0]["URL"], url);
    assert_eq!(details[0]["localId"], id);
    assert_eq!(details[0]["kind"], "Hosted");
    assert!(details[0]["createdAt"].is_string());
    assert_eq!(
        ngsi.get_json("/jsonldContexts?kind=Cached").await,
        json!([CORE])
    );

    let (settings, _dir) = app.stop().await;
    let app = start(settings).await;
    let ngsi = Ngsi {
        base: app.url("/ngsi-ld/v1"),
        ..ngsi
    };
    let r = ngsi.get(&format!("/jsonldContexts/{id}")).await;
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(r.json::<Value>().await.unwrap(), parking_context());
    // The context still expands terms after the restart.
    let r = ngsi
        .request(Method::POST, "/entities")
        .header("content-type", "application/json")
        .header("link", link(&url))
        .body(json!({"id": "urn:ngsi-ld:OffStreetParking:k1", "type": "OffStreetParking", "occupancy": 0.4}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let plain = ngsi
        .get_json("/entities/urn:ngsi-ld:OffStreetParking:k1")
        .await;
    assert!(plain
        .get("https://smartdatamodels.org/dataModel.Parking/occupancy")
        .is_some());

    let r = ngsi.delete(&format!("/jsonldContexts/{id}")).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = ngsi.get(&format!("/jsonldContexts/{id}")).await;
    expect_error(r, StatusCode::NOT_FOUND, "ResourceNotFound").await;
    let (settings, _dir2) = app.stop().await;
    let app = start(settings).await;
    let ngsi = Ngsi {
        base: app.url("/ngsi-ld/v1"),
        ..ngsi
    };
    assert_eq!(ngsi.get_json("/jsonldContexts").await, json!([CORE]));
}

#[tokio::test]
async fn bad_context_requests_are_refused() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    // Not a context document at all: InvalidRequest (as 050_02 of the conformance suite).
    for body in [json!({"x": 1}), json!([1])] {
        let r = ngsi.post("/jsonldContexts", &body).await;
        expect_error(r, StatusCode::BAD_REQUEST, "InvalidRequest").await;
    }
    // A document whose @context is not a JSON-LD context: BadRequestData.
    let r = ngsi.post("/jsonldContexts", &json!({"@context": 7})).await;
    expect_error(r, StatusCode::BAD_REQUEST, "BadRequestData").await;
    // A context naming an unavailable remote context is not hosted.
    let r = ngsi
        .post(
            "/jsonldContexts",
            &json!({"@context": ["http://127.0.0.1:9/none.jsonld"]}),
        )
        .await;
    expect_error(r, StatusCode::GATEWAY_TIMEOUT, "LdContextNotAvailable").await;
    for query in ["kind=Other", "details=yes"] {
        let r = ngsi.get(&format!("/jsonldContexts?{query}")).await;
        expect_error(r, StatusCode::BAD_REQUEST, "BadRequestData").await;
    }
    let r = ngsi
        .request(
            Method::DELETE,
            "/jsonldContexts/urn:ngsi-ld:jsonldContext:none",
        )
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::NOT_FOUND, "ResourceNotFound").await;
    // Nothing to reload is a bad request, not a missing resource (051_04 of the suite).
    let r = ngsi
        .delete("/jsonldContexts/urn:ngsi-ld:jsonldContext:none?reload=true")
        .await;
    expect_error(r, StatusCode::BAD_REQUEST, "BadRequestData").await;
    assert_eq!(ngsi.get_json("/jsonldContexts").await, json!([CORE]));
}

#[tokio::test]
async fn a_mirror_folder_answers_for_its_urls_and_they_show_as_cached() {
    let (mut settings, dir) = test_settings(true).await;
    let mirror = dir.path().join("contexts");
    std::fs::create_dir_all(mirror.join("contexts.yubei.example/v1")).unwrap();
    std::fs::write(
        mirror.join("contexts.yubei.example/v1/twin.jsonld"),
        json!({"@context": {"T": "https://example.org/T"}}).to_string(),
    )
    .unwrap();
    settings.context_dir = Some(mirror);
    // `dir` lives to the end of the test: it holds the database.
    let app = start(settings).await;
    let ngsi = Ngsi::writer(&app).await;
    let url = "https://contexts.yubei.example/v1/twin.jsonld";
    let (status, body) = read_with(&ngsi, url).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let details = ngsi.get_json("/jsonldContexts?details=true").await;
    assert_eq!(details[0]["URL"], url);
    assert_eq!(details[0]["kind"], "Cached");
    let id = details[0]["localId"].as_str().unwrap();
    // A cached copy is not served, only described.
    let r = ngsi.get(&format!("/jsonldContexts/{id}")).await;
    expect_error(r, StatusCode::UNPROCESSABLE_ENTITY, "OperationNotSupported").await;
    let one = ngsi
        .get_json(&format!("/jsonldContexts/{id}?details=true"))
        .await;
    assert_eq!(one["URL"], url);
    assert!(one["numberOfHits"].is_u64(), "{one}");
    // reload reads the source again.
    let r = ngsi
        .delete(&format!("/jsonldContexts/{id}?reload=true"))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    let (status, _) = read_with(&ngsi, "https://contexts.yubei.example/v1/missing.jsonld").await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
}

#[tokio::test]
async fn downloads_happen_only_when_allowed_and_within_the_timeout() {
    let quick = context_server(
        json!({"@context": {"T": "https://example.org/T"}}),
        Duration::ZERO,
    );
    let slow = context_server(
        json!({"@context": {"T": "https://example.org/T"}}),
        Duration::from_secs(5),
    );

    // Off (the default): nothing is downloaded.
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let (status, body) = read_with(&ngsi, &quick).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(
        body["type"],
        "https://uri.etsi.org/ngsi-ld/errors/LdContextNotAvailable"
    );
    app.stop().await;

    let (mut settings, _dir) = test_settings(true).await;
    settings.ld_context_fetch = true;
    settings.ld_context_fetch_timeout_seconds = 1;
    settings.ld_context_unavailable_status = 503;
    let app = start(settings).await;
    let ngsi = Ngsi::writer(&app).await;
    let (status, body) = read_with(&ngsi, &quick).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = read_with(&ngsi, &slow).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(
        body["type"],
        "https://uri.etsi.org/ngsi-ld/errors/LdContextNotAvailable"
    );
    let cached = ngsi.get_json("/jsonldContexts?kind=Cached").await;
    assert_eq!(cached, json!([quick, CORE]));

    // A document that arrives but is not JSON is an invalid context, not an unavailable one.
    let broken = serve_on_thread(
        axum::Router::new().route("/ctx.jsonld", get(|| async { "this is { not json" })),
    );
    let (status, body) = read_with(&ngsi, &broken).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["type"], format!("{ERRORS}BadRequestData"));
}
