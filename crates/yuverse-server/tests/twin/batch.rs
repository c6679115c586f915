use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;
use crate::ngsi::*;

#[tokio::test]
async fn batch_operations_report_per_entity() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let r = ngsi
        .post(
            "/entityOperations/create",
            &json!([
                {"id": "urn:ngsi-ld:Building:b1", "type": "Building", "floors": 10},
                {"id": "urn:ngsi-ld:Building:b2", "type": "Building", "floors": 20}
            ]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);

    let r = ngsi
        .post(
            "/entityOperations/create",
            &json!([
                {"id": "urn:ngsi-ld:Building:b1", "type": "Building"},
                {"id": "urn:ngsi-ld:Building:b3", "type": "Building"},
                {"id": "bad id", "type": "Building"}
            ]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::MULTI_STATUS);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["success"], json!(["urn:ngsi-ld:Building:b3"]));
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2);
    assert!(errors
        .iter()
        .any(|e| e["entityId"] == "urn:ngsi-ld:Building:b1"
            && e["error"]["type"] == format!("{ERRORS}AlreadyExists")));

    // Upsert: all existing → 204; update mode keeps attributes not sent.
    let r = ngsi
        .post(
            "/entityOperations/upsert?options=update",
            &json!([{"id": "urn:ngsi-ld:Building:b1", "type": "Building", "height": 40}]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let b1 = ngsi
        .get_json("/entities/urn:ngsi-ld:Building:b1?options=keyValues")
        .await;
    assert_eq!(
        (b1["floors"].clone(), b1["height"].clone()),
        (json!(10), json!(40))
    );

    let r = ngsi
        .post("/entityOperations/update", &json!([{"id": "urn:ngsi-ld:Building:b2", "floors": 21}, {"id": "urn:ngsi-ld:Building:nope", "floors": 1}]))
        .await;
    assert_eq!(r.status(), StatusCode::MULTI_STATUS);
    let r = ngsi
        .post(
            "/entityOperations/merge",
            &json!([{"id": "urn:ngsi-ld:Building:b2", "name": "渝北大厦"}]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    let r = ngsi
        .post(
            "/entityOperations/delete",
            &json!([
                "urn:ngsi-ld:Building:b1",
                "urn:ngsi-ld:Building:b2",
                "urn:ngsi-ld:Building:zz"
            ]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::MULTI_STATUS);
    let left = ngsi.get_json("/entities?type=Building").await;
    assert_eq!(left.as_array().unwrap().len(), 1);

    expect_error(
        ngsi.post("/entityOperations/create", &json!({"not": "an array"}))
            .await,
        StatusCode::BAD_REQUEST,
        "BadRequestData",
    )
    .await;
}

#[tokio::test]
async fn the_last_of_several_upserts_of_one_entity_in_a_batch_is_what_is_stored() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let batch: Vec<_> = (0..5)
        .flat_map(|round| {
            (0..3).map(move |n| {
                json!({"id": format!("urn:ngsi-ld:Streetlight:l{n}"), "type": "Streetlight", "lux": round * 10 + n})
            })
        })
        .collect();
    let r = ngsi
        .post("/entityOperations/upsert", &serde_json::Value::Array(batch))
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    // What memory says and what the database kept (read back after a restart) agree.
    let (settings, _dir) = app.stop().await;
    let app = start(settings).await;
    let ngsi = Ngsi {
        base: app.url("/ngsi-ld/v1"),
        ..ngsi
    };
    for n in 0..3 {
        let e = ngsi
            .get_json(&format!(
                "/entities/urn:ngsi-ld:Streetlight:l{n}?options=keyValues"
            ))
            .await;
        assert_eq!(e["lux"], 40 + n, "{e}");
    }
}
