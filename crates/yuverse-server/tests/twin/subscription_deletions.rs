//! What notifications say about deletions and how JSON-LD notifications carry their
//! @context (GS CIM 009 V1.9.1, clause 5.8.6; the conformance suite's 046_19–046_22).

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;
use crate::ngsi::*;
use crate::subscriptions::receiver;

const NULL: &str = "urn:ngsi-ld:null";
const TOWER: &str = "urn:ngsi-ld:Building:tower";

fn on_buildings(uri: &str, extra: Value) -> Value {
    let mut s = json!({
        "type": "Subscription",
        "entities": [{"type": "Building"}],
        "notification": {"endpoint": {"uri": uri, "accept": "application/json"}}
    });
    for (k, v) in extra.as_object().unwrap() {
        s[k] = v.clone();
    }
    s
}

async fn create_tower(ngsi: &Ngsi) {
    let r = ngsi
        .post(
            "/entities",
            &json!({"id": TOWER, "type": "Building", "name": "重庆塔",
                "label": [{"type": "Property", "value": "塔"},
                          {"type": "Property", "value": "Tower", "datasetId": "urn:ngsi-ld:Dataset:en"}],
                "locatedAt": {"type": "Relationship", "object": "urn:ngsi-ld:City:Chongqing"}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn json_ld_notifications_give_each_entity_its_context() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let rx = receiver().await;
    let mut body = on_buildings(&rx.url, json!({}));
    body["notification"]["endpoint"]["accept"] = json!("application/ld+json");
    assert_eq!(
        ngsi.post("/subscriptions", &body).await.status(),
        StatusCode::CREATED
    );
    create_tower(&ngsi).await;
    let got = rx.wait_for(1).await;
    let notification = &got[0].0;
    assert!(notification["@context"].is_string() || notification["@context"].is_array());
    assert_eq!(
        notification["data"][0]["@context"],
        notification["@context"]
    );
}

#[tokio::test]
async fn deletions_are_notified_with_deleted_at_and_the_ngsi_ld_null() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let entities = receiver().await;
    let attributes = receiver().await;
    let r = ngsi
        .post(
            "/subscriptions",
            &on_buildings(
                &entities.url,
                json!({"notificationTrigger": ["entityDeleted"]}),
            ),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let mut body = on_buildings(
        &attributes.url,
        json!({"notificationTrigger": ["attributeDeleted"]}),
    );
    body["notification"]["showChanges"] = json!(true);
    body["notification"]["sysAttrs"] = json!(true);
    assert_eq!(
        ngsi.post("/subscriptions", &body).await.status(),
        StatusCode::CREATED
    );
    create_tower(&ngsi).await;

    // A whole attribute.
    let path = format!("/entities/{TOWER}/attrs/name");
    assert_eq!(ngsi.delete(&path).await.status(), StatusCode::NO_CONTENT);
    let got = attributes.wait_for(1).await;
    let name = &got[0].0["data"][0]["name"];
    assert_eq!(name["type"], "Property");
    assert_eq!(name["value"], NULL, "{name}");
    assert_eq!(name["previousValue"], "重庆塔");
    assert!(name["deletedAt"].is_string());
    assert_eq!(got[0].0["data"][0]["label"][0]["value"], "塔");

    // One instance of an attribute.
    let path = format!("/entities/{TOWER}/attrs/label?datasetId=urn:ngsi-ld:Dataset:en");
    assert_eq!(ngsi.delete(&path).await.status(), StatusCode::NO_CONTENT);
    let got = attributes.wait_for(2).await;
    let label = &got[1].0["data"][0]["label"];
    assert_eq!(label[0]["value"], "塔", "{label}");
    assert_eq!(label[1]["value"], NULL);
    assert_eq!(label[1]["datasetId"], "urn:ngsi-ld:Dataset:en");

    // The entity: by id, type and deletedAt; for attributeDeleted, every attribute deleted.
    let path = format!("/entities/{TOWER}");
    assert_eq!(ngsi.delete(&path).await.status(), StatusCode::NO_CONTENT);
    let got = entities.wait_for(1).await;
    let deleted = got[0].0["data"][0].as_object().unwrap();
    let mut members: Vec<&str> = deleted.keys().map(String::as_str).collect();
    members.sort();
    assert_eq!(members, ["deletedAt", "id", "type"], "{deleted:?}");
    let got = attributes.wait_for(3).await;
    let deleted = &got[2].0["data"][0];
    assert!(deleted["deletedAt"].is_string(), "{deleted}");
    assert_eq!(deleted["locatedAt"]["object"], NULL);
    assert_eq!(
        deleted["locatedAt"]["previousObject"],
        "urn:ngsi-ld:City:Chongqing"
    );
}
