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

    // Upsert: all existing → 204; update mode keeps attributes not sent and adds the types
    // sent to the entity's, as a batch update does.
    let r = ngsi
        .post(
            "/entityOperations/upsert?options=update",
            &json!([{"id": "urn:ngsi-ld:Building:b1", "type": "Landmark", "height": 40}]),
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
    assert_eq!(b1["type"], json!(["Building", "Landmark"]));

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

/// The finer rules of batch update (clause 5.6.9) and of @context placement (clause 6.3.5),
/// each failing per entity.
#[tokio::test]
async fn batch_updates_and_misplaced_contexts_fail_per_entity() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let b1 = "urn:ngsi-ld:Building:u1";
    let b2 = "urn:ngsi-ld:Building:u2";
    let r = ngsi
        .post(
            "/entityOperations/create",
            &json!([
                {"id": b1, "type": "Building", "floors": 10},
                {"id": b2, "type": "Building", "floors": 20}
            ]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);

    // noOverwrite keeps existing attributes, writes new ones, and says so per entity.
    let r = ngsi
        .post(
            "/entityOperations/update?options=noOverwrite",
            &json!([
                {"id": b1, "type": "Building", "floors": 99, "height": 30},
                {"id": b2, "type": "Building", "height": 60}
            ]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::MULTI_STATUS);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["success"], json!([b2]));
    assert_eq!(body["errors"][0]["entityId"], b1);
    assert_eq!(
        body["errors"][0]["error"]["type"],
        format!("{ERRORS}AlreadyExists")
    );
    let got = ngsi
        .get_json(&format!("/entities/{b1}?options=keyValues"))
        .await;
    assert_eq!(
        (got["floors"].clone(), got["height"].clone()),
        (json!(10), json!(30))
    );

    // A type sent in an update is added; bad data is bad data even for an unknown entity.
    let r = ngsi
        .post(
            "/entityOperations/update",
            &json!([
                {"id": b2, "type": "Tower", "floors": 21},
                {"id": "urn:ngsi-ld:Building:none", "type": "Building", "floors": {"type": "Property"}}
            ]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::MULTI_STATUS);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["success"], json!([b2]));
    assert_eq!(
        body["errors"][0]["error"]["type"],
        format!("{ERRORS}BadRequestData")
    );
    let got = ngsi.get_json(&format!("/entities/{b2}")).await;
    assert_eq!(got["type"], json!(["Building", "Tower"]));

    // An application/json batch entity carrying @context fails alone.
    let r = ngsi
        .post(
            "/entityOperations/create",
            &json!([
                {"id": "urn:ngsi-ld:Building:c1", "type": "Building"},
                {"id": "urn:ngsi-ld:Building:c2", "type": "Building",
                 "@context": "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"}
            ]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::MULTI_STATUS);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["success"], json!(["urn:ngsi-ld:Building:c1"]));
    assert_eq!(body["errors"][0]["entityId"], "urn:ngsi-ld:Building:c2");
    assert_eq!(
        body["errors"][0]["error"]["type"],
        format!("{ERRORS}BadRequestData")
    );
    // An application/ld+json batch entity without one fails alone too.
    let r = ngsi
        .request(reqwest::Method::POST, "/entityOperations/create")
        .header("content-type", "application/ld+json")
        .body(
            json!([
                {"id": "urn:ngsi-ld:Building:c3", "type": "Building"},
                {"id": "urn:ngsi-ld:Building:c4", "type": "Building",
                 "@context": "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"}
            ])
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::MULTI_STATUS);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["success"], json!(["urn:ngsi-ld:Building:c4"]));
    assert_eq!(body["errors"][0]["entityId"], "urn:ngsi-ld:Building:c3");
}
