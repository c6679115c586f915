//! Requests the temporal API refuses or answers "not found" for, as the standard and the ETSI
//! conformance suite have them: unknown `format`/`options` values (InvalidRequest), instance
//! ids that are no URI and dot-segment attribute names (BadRequestData), and `attrs` naming
//! only attributes the entity never had (ResourceNotFound).

use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::*;
use crate::ngsi::*;

const ID: &str = "urn:ngsi-ld:Vehicle:req1";

async fn vehicle(ngsi: &Ngsi) {
    ngsi.create_temporal(&json!({"id": ID, "type": "Vehicle",
        "speed": [{"type": "Property", "value": 10, "observedAt": "2024-01-01T00:00:00Z"}]}))
        .await;
}

#[tokio::test]
async fn unknown_format_or_options_are_invalid_requests() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    vehicle(&ngsi).await;
    for query in [
        "format=invalidFormat",
        "options=invalidOptions",
        "options=keyValues",
        "options=temporalValues,invalidOptions",
        "format=temporalValues&options=aggregatedValues,invalidOptions",
    ] {
        expect_error(
            ngsi.get(&format!("/temporal/entities?type=Vehicle&{query}"))
                .await,
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
        )
        .await;
        expect_error(
            ngsi.get(&format!("/temporal/entities/{ID}?{query}")).await,
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
        )
        .await;
    }
}

#[tokio::test]
async fn attrs_the_entity_never_had_are_not_found() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    vehicle(&ngsi).await;
    expect_error(
        ngsi.get(&format!("/temporal/entities/{ID}?attrs=unknownAttribute"))
            .await,
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
    )
    .await;
    let found = ngsi
        .get_json(&format!(
            "/temporal/entities/{ID}?attrs=unknownAttribute,speed"
        ))
        .await;
    assert_eq!(found["speed"][0]["value"], 10);
}

#[tokio::test]
async fn instance_ids_must_be_uris() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    vehicle(&ngsi).await;
    let path = format!("/temporal/entities/{ID}/attrs/speed/invalidId");
    expect_error(
        ngsi.delete(&path).await,
        StatusCode::BAD_REQUEST,
        "BadRequestData",
    )
    .await;
    let patch = ngsi
        .send_json(
            reqwest::Method::PATCH,
            &path,
            &json!({"type": "Property", "value": 1}),
        )
        .await;
    expect_error(patch, StatusCode::BAD_REQUEST, "BadRequestData").await;
    // A well-formed id that names no instance is only missing.
    expect_error(
        ngsi.delete(&format!("/temporal/entities/{ID}/attrs/speed/urn:x:none"))
            .await,
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
    )
    .await;
}

/// DELETE sent as written: the HTTP client would resolve `%2e%2e` itself (WHATWG URL rules).
async fn raw_delete(app: &TestApp, key: &str, path: &str) -> (u16, Value) {
    let base = app.url("");
    let authority = base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut stream = tokio::net::TcpStream::connect(&authority).await.unwrap();
    let request = format!(
        "DELETE /ngsi-ld/v1{path} HTTP/1.1\r\nHost: {authority}\r\nx-api-key: {key}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    // The body may come chunked: take the JSON object inside.
    let json = body
        .find('{')
        .zip(body.rfind('}'))
        .and_then(|(a, b)| serde_json::from_str(&body[a..=b]).ok())
        .unwrap_or(Value::Null);
    (status, json)
}

#[tokio::test]
async fn dot_segment_attribute_names_are_refused_and_delete_nothing() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    vehicle(&ngsi).await;
    let key = ngsi.key.clone().unwrap();
    for name in ["%2e%2e", "%2E%2e", "%2e", "%252e%252e"] {
        let (status, body) =
            raw_delete(&app, &key, &format!("/temporal/entities/{ID}/attrs/{name}")).await;
        assert_eq!(status, 400, "{name}: {body}");
        assert_eq!(body["type"], format!("{ERRORS}BadRequestData"), "{name}");
    }
    let kept = ngsi.get_json(&format!("/temporal/entities/{ID}")).await;
    assert_eq!(kept["speed"][0]["value"], 10);
}
