//! What a subscription selects and shows: type expressions, percent-encoded `q`,
//! `notification.pick`/`omit` and `datasetId` (GS CIM 009 V1.9.1, clauses 4.17, 5.2.12 and
//! 5.2.14; the conformance suite's 046_41–046_43).

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;
use crate::ngsi::*;
use crate::subscriptions::receiver;

fn subscription(uri: &str, extra: Value, notification: Value) -> Value {
    let mut s = json!({
        "type": "Subscription",
        "entities": [{"type": "Building"}],
        "notification": {"endpoint": {"uri": uri, "accept": "application/json"}}
    });
    for (k, v) in extra.as_object().unwrap() {
        s[k] = v.clone();
    }
    for (k, v) in notification.as_object().unwrap() {
        s["notification"][k] = v.clone();
    }
    s
}

fn members(entity: &Value) -> Vec<String> {
    let mut names: Vec<String> = entity.as_object().unwrap().keys().cloned().collect();
    names.sort();
    names
}

#[tokio::test]
async fn pick_omit_and_dataset_id_shape_what_is_notified() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let (picked, omitted, english) = (receiver().await, receiver().await, receiver().await);
    for body in [
        subscription(&picked.url, json!({}), json!({"pick": ["id", "name"]})),
        subscription(&omitted.url, json!({}), json!({"omit": ["name", "type"]})),
        subscription(
            &english.url,
            json!({"datasetId": ["urn:ngsi-ld:Dataset:en"]}),
            json!({}),
        ),
    ] {
        let r = ngsi.post("/subscriptions", &body).await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    for bad in [
        json!({"pick": []}),
        json!({"pick": ["name"], "omit": ["id"]}),
    ] {
        expect_error(
            ngsi.post("/subscriptions", &subscription(&picked.url, json!({}), bad))
                .await,
            StatusCode::BAD_REQUEST,
            "BadRequestData",
        )
        .await;
    }
    expect_error(
        ngsi.post(
            "/subscriptions",
            &subscription(&picked.url, json!({"datasetId": ["english"]}), json!({})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "BadRequestData",
    )
    .await;

    ngsi.post(
        "/entities",
        &json!({"id": "urn:ngsi-ld:Building:b1", "type": "Building", "name": "洪崖洞",
            "label": [{"type": "Property", "value": "吊脚楼"},
                      {"type": "Property", "value": "Stilt house", "datasetId": "urn:ngsi-ld:Dataset:en"}]}),
    )
    .await;
    let entity = picked.wait_for(1).await[0].0["data"][0].clone();
    assert_eq!(members(&entity), ["id", "name"], "{entity}");
    let entity = omitted.wait_for(1).await[0].0["data"][0].clone();
    assert_eq!(members(&entity), ["id", "label"], "{entity}");
    let entity = english.wait_for(1).await[0].0["data"][0].clone();
    assert_eq!(members(&entity), ["id", "label", "type"], "{entity}");
    assert_eq!(entity["label"]["value"], "Stilt house");
}

#[tokio::test]
async fn type_expressions_and_percent_encoded_q_select_entities() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let rx = receiver().await;
    let body = subscription(
        &rx.url,
        json!({"entities": [{"type": "(Tower|Bridge)"}], "q": "height%3E100"}),
        json!({}),
    );
    assert_eq!(
        ngsi.post("/subscriptions", &body).await.status(),
        StatusCode::CREATED
    );
    for (id, kind, height) in [
        ("urn:ngsi-ld:Building:low", "Building", 300),
        ("urn:ngsi-ld:Tower:short", "Tower", 50),
        ("urn:ngsi-ld:Bridge:chaotianmen", "Bridge", 142),
    ] {
        ngsi.post(
            "/entities",
            &json!({"id": id, "type": kind, "height": height}),
        )
        .await;
    }
    let got = rx.wait_for(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(rx.count(), 1);
    assert_eq!(got[0].0["data"][0]["id"], "urn:ngsi-ld:Bridge:chaotianmen");
}
