//! `scope` in batch update, upsert and merge (clauses 5.6.8–5.6.10, 4.18): written as the
//! single-entity append and merge write it, and a malformed scope fails its entity alone.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;
use crate::ngsi::*;

fn id(name: &str) -> String {
    format!("urn:ngsi-ld:Building:scoped-{name}")
}

/// Creates `old` (scope `/Old`), `other` (scope `/Other`) and `bare` (no scope), each with
/// `floors` 1.
async fn seed(ngsi: &Ngsi) {
    let r = ngsi
        .post(
            "/entityOperations/create",
            &json!([
                {"id": id("old"), "type": "Building", "scope": "/Old", "floors": 1},
                {"id": id("other"), "type": "Building", "scope": "/Other", "floors": 1},
                {"id": id("bare"), "type": "Building", "floors": 1}
            ]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

async fn entity(ngsi: &Ngsi, name: &str) -> Value {
    ngsi.get_json(&format!("/entities/{}?options=keyValues", id(name)))
        .await
}

/// Posts a batch that fails only `other` (its scope is malformed) and checks that the answer
/// says so and that `other` was left as it was.
async fn only_other_fails(ngsi: &Ngsi, path: &str, batch: &Value) {
    let r = ngsi.post(path, batch).await;
    assert_eq!(r.status(), StatusCode::MULTI_STATUS, "{path}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["success"],
        json!([id("old"), id("bare")]),
        "{path}: {body}"
    );
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{path}: {body}");
    assert_eq!(errors[0]["entityId"], id("other"));
    assert_eq!(
        errors[0]["error"]["type"],
        format!("{ERRORS}BadRequestData"),
        "{path}: {body}"
    );
    let other = entity(ngsi, "other").await;
    assert_eq!(other["scope"], "/Other", "{path}: {other}");
    assert_eq!(other["floors"], 1, "{path}: {other}");
}

#[tokio::test]
async fn batch_update_writes_the_scope_as_an_append_does() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    seed(&ngsi).await;
    let before = ngsi
        .get_json(&format!("/entities/{}?options=sysAttrs", id("old")))
        .await;
    only_other_fails(
        &ngsi,
        "/entityOperations/update",
        &json!([
            {"id": id("old"), "scope": "/New"},
            {"id": id("other"), "scope": "Other", "floors": 2},
            {"id": id("bare"), "scope": ["/A", "/B"], "floors": 2}
        ]),
    )
    .await;
    let old = ngsi
        .get_json(&format!("/entities/{}?options=sysAttrs", id("old")))
        .await;
    assert_eq!(old["scope"], "/New");
    assert!(
        old["modifiedAt"].as_str() > before["modifiedAt"].as_str(),
        "a scope alone modifies the entity: {old}"
    );
    let bare = entity(&ngsi, "bare").await;
    assert_eq!(bare["scope"], json!(["/A", "/B"]));
    assert_eq!(bare["floors"], 2);

    // With noOverwrite the scopes sent are added to the entity's.
    let r = ngsi
        .post(
            "/entityOperations/update?options=noOverwrite",
            &json!([{"id": id("old"), "scope": ["/Extra", "/New"]}]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        entity(&ngsi, "old").await["scope"],
        json!(["/New", "/Extra"])
    );
    // The history records the change of scope as a single-entity write does.
    let history = ngsi
        .get_json(&format!("/temporal/entities/{}", id("old")))
        .await;
    let values: Vec<&Value> = match &history["scope"] {
        Value::Array(items) => items.iter().map(|i| &i["value"]).collect(),
        one => vec![&one["value"]],
    };
    assert_eq!(
        values,
        [
            &json!(["/Old"]),
            &json!(["/New"]),
            &json!(["/New", "/Extra"])
        ],
        "{history}"
    );
}

#[tokio::test]
async fn batch_upsert_with_update_replaces_the_scope() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    seed(&ngsi).await;
    only_other_fails(
        &ngsi,
        "/entityOperations/upsert?options=update",
        &json!([
            {"id": id("old"), "type": "Building", "scope": ["/New"]},
            {"id": id("other"), "type": "Building", "scope": ["/Ok", "no-slash"], "floors": 2},
            {"id": id("bare"), "type": "Building", "scope": "/B", "floors": 2}
        ]),
    )
    .await;
    let old = entity(&ngsi, "old").await;
    assert_eq!(old["scope"], "/New");
    assert_eq!(
        old["floors"], 1,
        "upsert with update keeps what it is not sent"
    );
    let bare = entity(&ngsi, "bare").await;
    assert_eq!(bare["scope"], "/B");
    assert_eq!(bare["floors"], 2);
}

#[tokio::test]
async fn batch_merge_writes_the_scope_as_a_merge_does() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    seed(&ngsi).await;
    only_other_fails(
        &ngsi,
        "/entityOperations/merge",
        &json!([
            {"id": id("old"), "scope": "/New"},
            {"id": id("other"), "scope": 42, "floors": 2},
            {"id": id("bare"), "scope": "/B", "floors": 2}
        ]),
    )
    .await;
    assert_eq!(entity(&ngsi, "old").await["scope"], "/New");
    let bare = entity(&ngsi, "bare").await;
    assert_eq!(bare["scope"], "/B");
    assert_eq!(bare["floors"], 2);
    // A malformed scope fails its entity even when the entity does not exist.
    let r = ngsi
        .post(
            "/entityOperations/merge",
            &json!([{"id": id("missing"), "scope": "//A"}]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::MULTI_STATUS);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["error"]["type"],
        format!("{ERRORS}BadRequestData"),
        "{body}"
    );
}
