use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::*;
use crate::ngsi::*;

#[tokio::test]
async fn user_contexts_expand_and_compact_terms() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let r = ngsi
        .post("/jsonldContexts", &json!({"@context": {
            "AirQualityObserved": "https://smartdatamodels.org/dataModel.Environment/AirQualityObserved",
            "pm25": "https://smartdatamodels.org/dataModel.Environment/pm25"
        }}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let url = app.url(r.headers()["location"].to_str().unwrap());
    let link = format!(
        "<{url}>; rel=\"http://www.w3.org/ns/json-ld#context\"; type=\"application/ld+json\""
    );

    let r = ngsi
        .request(Method::POST, "/entities")
        .header("content-type", "application/json")
        .header("link", &link)
        .body(json!({"id": "urn:ngsi-ld:AirQualityObserved:c1", "type": "AirQualityObserved", "pm25": 12}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);

    // Without the context the terms show as full IRIs; with it, as terms.
    let plain = ngsi
        .get_json("/entities/urn:ngsi-ld:AirQualityObserved:c1")
        .await;
    assert_eq!(
        plain["type"],
        "https://smartdatamodels.org/dataModel.Environment/AirQualityObserved"
    );
    let r = ngsi
        .request(Method::GET, "/entities/urn:ngsi-ld:AirQualityObserved:c1")
        .header("link", &link)
        .send()
        .await
        .unwrap();
    assert!(r.headers()["link"].to_str().unwrap().contains(&url));
    let compact: serde_json::Value = r.json().await.unwrap();
    assert_eq!(compact["type"], "AirQualityObserved");
    assert_eq!(compact["pm25"]["value"], 12);

    // JSON-LD answers carry the @context in the body.
    let r = ngsi
        .request(Method::GET, "/entities/urn:ngsi-ld:AirQualityObserved:c1")
        .header("accept", "application/ld+json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/ld+json");
    let ld: serde_json::Value = r.json().await.unwrap();
    assert!(ld.get("@context").is_some());

    // A context that cannot be had on this closed network.
    let r = ngsi
        .request(Method::GET, "/entities?type=X")
        .header("link", "<https://unreachable.example/ctx.jsonld>; rel=\"http://www.w3.org/ns/json-ld#context\"; type=\"application/ld+json\"")
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::GATEWAY_TIMEOUT, "LdContextNotAvailable").await;
}

#[tokio::test]
async fn tenants_are_created_by_writes_and_isolated() {
    let app = spawn_demo(true).await;
    let mut ngsi = Ngsi::writer(&app).await;
    ngsi.tenant = Some("park-xiantao".into());
    expect_error(
        ngsi.get("/entities?type=T").await,
        StatusCode::NOT_FOUND,
        "NonexistentTenant",
    )
    .await;
    assert_eq!(
        ngsi.post("/entities", &json!({"id": "urn:x:t1", "type": "T"}))
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        ngsi.get_json("/entities?type=T")
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    ngsi.tenant = None;
    assert_eq!(
        ngsi.get_json("/entities?type=T")
            .await
            .as_array()
            .unwrap()
            .len(),
        0
    );
}
