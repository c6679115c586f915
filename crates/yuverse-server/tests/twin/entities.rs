use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::*;
use crate::ngsi::*;

fn sensor(id: &str) -> serde_json::Value {
    json!({
        "id": id, "type": "AirQualityObserved",
        "pm25": {"type": "Property", "value": 35, "unitCode": "GQ", "observedAt": "2024-05-01T08:00:00Z"},
        "refDevice": {"type": "Relationship", "object": "urn:ngsi-ld:Device:aq-1"},
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [106.51, 29.667]}}
    })
}

#[tokio::test]
async fn create_retrieve_update_and_delete_an_entity() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let id = "urn:ngsi-ld:AirQualityObserved:xiantao-1";
    let r = ngsi.post("/entities", &sensor(id)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(
        r.headers()["location"],
        format!("/ngsi-ld/v1/entities/{id}")
    );
    expect_error(
        ngsi.post("/entities", &sensor(id)).await,
        StatusCode::CONFLICT,
        "AlreadyExists",
    )
    .await;

    let got = ngsi.get_json(&format!("/entities/{id}")).await;
    assert_eq!(got["type"], "AirQualityObserved");
    assert_eq!(got["pm25"]["value"], 35);
    assert_eq!(got["refDevice"]["object"], "urn:ngsi-ld:Device:aq-1");
    assert!(got.get("createdAt").is_none());
    let sys = ngsi
        .get_json(&format!("/entities/{id}?options=sysAttrs"))
        .await;
    assert!(sys["createdAt"].is_string() && sys["pm25"]["modifiedAt"].is_string());
    let kv = ngsi
        .get_json(&format!("/entities/{id}?options=keyValues"))
        .await;
    assert_eq!(kv["pm25"], 35);

    // Update attributes: 204 when all exist, 207 naming the missing ones.
    let r = ngsi
        .send_json(
            Method::PATCH,
            &format!("/entities/{id}/attrs"),
            &json!({"pm25": {"type": "Property", "value": 80}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = ngsi
        .send_json(
            Method::PATCH,
            &format!("/entities/{id}/attrs"),
            &json!({"pm10": {"type": "Property", "value": 1}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::MULTI_STATUS);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body["notUpdated"][0]["attributeName"],
        "https://uri.etsi.org/ngsi-ld/default-context/pm10"
    );

    // Append with noOverwrite keeps the old value.
    let r = ngsi
        .post(
            &format!("/entities/{id}/attrs?options=noOverwrite"),
            &json!({"pm25": 1, "no2": 12}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::MULTI_STATUS);
    let got = ngsi
        .get_json(&format!("/entities/{id}?options=keyValues"))
        .await;
    assert_eq!(got["pm25"], 80);
    assert_eq!(got["no2"], 12);

    // Replace one attribute, then a partial update keeps the members it does not name.
    let r = ngsi
        .send_json(
            Method::PUT,
            &format!("/entities/{id}/attrs/pm25"),
            &json!({"type": "Property", "value": 85, "unitCode": "GQ"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = ngsi
        .send_json(
            Method::PATCH,
            &format!("/entities/{id}/attrs/pm25"),
            &json!({"value": 90}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let got = ngsi.get_json(&format!("/entities/{id}")).await;
    assert_eq!(got["pm25"]["value"], 90);
    assert_eq!(got["pm25"]["unitCode"], "GQ");

    // Merge (PATCH entity): null marker deletes, new attributes appear.
    let r = ngsi
        .send_json(
            Method::PATCH,
            &format!("/entities/{id}"),
            &json!({"no2": "urn:ngsi-ld:null", "o3": 5}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let got = ngsi
        .get_json(&format!("/entities/{id}?options=keyValues"))
        .await;
    assert!(got.get("no2").is_none());
    assert_eq!(got["o3"], 5);

    // Replace (PUT) drops what the body does not carry.
    let r = ngsi
        .send_json(
            Method::PUT,
            &format!("/entities/{id}"),
            &json!({"type": "AirQualityObserved", "pm25": 10}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let got = ngsi
        .get_json(&format!("/entities/{id}?options=keyValues"))
        .await;
    assert!(got.get("o3").is_none() && got.get("location").is_none());

    // Delete an attribute, then the entity.
    let r = ngsi.delete(&format!("/entities/{id}/attrs/pm25")).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = ngsi.delete(&format!("/entities/{id}/attrs/pm25")).await;
    expect_error(r, StatusCode::NOT_FOUND, "ResourceNotFound").await;
    let r = ngsi.delete(&format!("/entities/{id}")).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    expect_error(
        ngsi.get(&format!("/entities/{id}")).await,
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
    )
    .await;
}

/// The standard names some resources with a trailing slash (`/entities/`,
/// `/entities/{id}/attrs/`), and conformance clients call them so.
#[tokio::test]
async fn paths_with_a_trailing_slash_reach_the_same_resources() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let id = "urn:ngsi-ld:AirQualityObserved:slash-1";
    let r = ngsi.post("/entities/", &sensor(id)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = ngsi
        .post(
            &format!("/entities/{id}/attrs/"),
            &json!({"no2": {"type": "Property", "value": 12}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = ngsi
        .send_json(
            Method::PATCH,
            &format!("/entities/{id}/attrs/"),
            &json!({"no2": {"type": "Property", "value": 13}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let found = ngsi
        .get_json("/entities/?type=AirQualityObserved&q=no2==13")
        .await;
    assert_eq!(found[0]["id"], id);
    assert_eq!(found[0]["no2"]["value"], 13);
    // A replacement or merge of `/entities/` names no entity.
    for method in [Method::PUT, Method::PATCH] {
        expect_error(
            ngsi.send_json(method, "/entities/", &sensor(id)).await,
            StatusCode::BAD_REQUEST,
            "BadRequestData",
        )
        .await;
    }
}

#[tokio::test]
async fn bad_input_is_refused_with_the_standard_errors() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let bad_entities = [
        json!({"id": "not-a-uri", "type": "T"}),
        json!({"type": "T"}),
        json!({"id": "urn:x:1"}),
        json!({"id": "urn:x:1", "type": "T", "a": {"type": "Property", "value": null}}),
        json!({"id": "urn:x:1", "type": "T", "r": {"type": "Relationship", "object": "nope"}}),
        json!({"id": "urn:x:1", "type": "T", "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [1000, 1]}}}),
        json!({"id": "urn:x:1", "type": "T", "a": {"type": "Property", "value": 1, "observedAt": "soon"}}),
        json!([1, 2]),
    ];
    for bad in bad_entities {
        let r = ngsi.post("/entities", &bad).await;
        expect_error(r, StatusCode::BAD_REQUEST, "BadRequestData").await;
    }
    let r = ngsi
        .request(Method::POST, "/entities")
        .header("content-type", "application/json")
        .body("{\"id\": ")
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::BAD_REQUEST, "InvalidRequest").await;
    let r = ngsi
        .request(Method::POST, "/entities")
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = ngsi
        .request(Method::GET, "/entities/urn:x:1")
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_ACCEPTABLE);
    // A JSON body carrying @context is refused (it belongs in a Link header).
    let r = ngsi
        .post(
            "/entities",
            &json!({"id": "urn:x:2", "type": "T", "@context": "https://example.org/c.jsonld"}),
        )
        .await;
    expect_error(r, StatusCode::BAD_REQUEST, "BadRequestData").await;
    // Nothing was created.
    let all = ngsi.get_json("/entities?type=T").await;
    assert_eq!(all, json!([]));
}

#[tokio::test]
async fn writes_need_credentials_reads_do_not() {
    let app = spawn_demo(true).await;
    let anonymous = Ngsi::anonymous(&app);
    let r = anonymous
        .post("/entities", &sensor("urn:ngsi-ld:X:1"))
        .await;
    expect_error(r, StatusCode::UNAUTHORIZED, "Unauthorized").await;
    let writer = Ngsi::writer(&app).await;
    assert_eq!(
        writer
            .post("/entities", &sensor("urn:ngsi-ld:X:1"))
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        anonymous.get("/entities/urn:ngsi-ld:X:1").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn entities_survive_a_restart() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    for i in 0..20 {
        let r = ngsi
            .post(
                "/entities",
                &sensor(&format!("urn:ngsi-ld:AirQualityObserved:{i}")),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let (settings, dir) = app.stop().await;
    let app = start(settings).await;
    let ngsi = Ngsi::anonymous(&app);
    let r = ngsi
        .get("/entities?type=AirQualityObserved&count=true&limit=5")
        .await;
    assert_eq!(r.headers()["ngsild-results-count"], "20");
    let got = ngsi
        .get_json("/entities/urn:ngsi-ld:AirQualityObserved:7")
        .await;
    assert_eq!(got["pm25"]["value"], 35);
    drop(dir);
}
