//! Linked entities in notifications (`notification.join`/`joinLevel`, clause 4.5.23; the
//! conformance suite's 046_23–046_28) and subscription `q` paths into linked entities.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;
use crate::ngsi::*;
use crate::subscriptions::receiver;

const TOWER: &str = "urn:ngsi-ld:Building:tower";
const CITY: &str = "urn:ngsi-ld:City:Chongqing";

fn on_buildings(uri: &str, notification: Value, q: Option<&str>) -> Value {
    let mut s = json!({
        "type": "Subscription",
        "entities": [{"type": "Building"}],
        "notification": {"endpoint": {"uri": uri, "accept": "application/json"}}
    });
    for (k, v) in notification.as_object().unwrap() {
        s["notification"][k] = v.clone();
    }
    if let Some(q) = q {
        s["q"] = json!(q);
    }
    s
}

async fn create_city_and_tower(ngsi: &Ngsi) {
    for entity in [
        json!({"id": CITY, "type": "City", "name": "重庆"}),
        json!({"id": TOWER, "type": "Building", "name": "重庆塔",
            "locatedAt": {"type": "Relationship", "object": CITY}}),
    ] {
        assert_eq!(
            ngsi.post("/entities", &entity).await.status(),
            StatusCode::CREATED
        );
    }
}

async fn rename_tower(ngsi: &Ngsi) {
    let r = ngsi
        .send_json(
            reqwest::Method::PATCH,
            &format!("/entities/{TOWER}/attrs"),
            &json!({"name": "陆海国际中心"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn notifications_carry_linked_entities_inline_or_flat() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    create_city_and_tower(&ngsi).await;
    let inline = receiver().await;
    let flat = receiver().await;
    for (rx, join) in [(&inline, "inline"), (&flat, "flat")] {
        let body = on_buildings(&rx.url, json!({"join": join, "joinLevel": 1}), None);
        let r = ngsi.post("/subscriptions", &body).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let id = r.headers()["location"].to_str().unwrap().to_owned();
        // The subscription shows them as given.
        let shown = ngsi.get_json(&id.replace("/ngsi-ld/v1", "")).await;
        assert_eq!(shown["notification"]["join"], join);
        assert_eq!(shown["notification"]["joinLevel"], 1);
    }
    rename_tower(&ngsi).await;

    let got = inline.wait_for(1).await;
    let data = got[0].0["data"].as_array().unwrap();
    assert_eq!(data.len(), 1);
    assert_eq!(data[0]["name"]["value"], "陆海国际中心");
    let linked = &data[0]["locatedAt"]["entity"];
    assert_eq!(linked["id"], CITY, "{data:?}");
    assert_eq!(linked["type"], "City");
    assert_eq!(linked["name"]["value"], "重庆");

    let got = flat.wait_for(1).await;
    let data = &got[0].0["data"];
    assert_eq!(ids(data), [TOWER, CITY]);
    assert!(data[0]["locatedAt"].get("entity").is_none());
}

#[tokio::test]
async fn a_subscription_q_follows_links_under_join() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    create_city_and_tower(&ngsi).await;
    let chongqing = receiver().await;
    let chengdu = receiver().await;
    for (rx, city) in [(&chongqing, "重庆"), (&chengdu, "成都")] {
        let q = format!("locatedAt{{name}}==\"{city}\"");
        let body = on_buildings(&rx.url, json!({"join": "inline"}), Some(&q));
        assert_eq!(
            ngsi.post("/subscriptions", &body).await.status(),
            StatusCode::CREATED
        );
    }
    rename_tower(&ngsi).await;
    let got = chongqing.wait_for(1).await;
    assert_eq!(got[0].0["data"][0]["id"], TOWER);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(chengdu.count(), 0, "the tower is not in 成都");
}

#[tokio::test]
async fn bad_joins_and_unjoined_linked_paths_are_refused() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let uri = "http://127.0.0.1:9/notify";
    for (notification, q) in [
        (json!({"join": "sideways"}), None),
        (json!({"join": 1}), None),
        (json!({"join": "flat", "joinLevel": 0}), None),
        (json!({"join": "flat", "joinLevel": "2"}), None),
        (json!({"join": "flat", "joinLevel": 99}), None),
        (json!({}), Some("locatedAt{name}==\"重庆\"")),
        (json!({"join": "@none"}), Some("locatedAt{name}==\"重庆\"")),
        (
            json!({"join": "inline", "joinLevel": 1}),
            Some("locatedAt{partOf{name}}==\"中国\""),
        ),
    ] {
        let body = on_buildings(uri, notification, q);
        let r = ngsi.post("/subscriptions", &body).await;
        let problem = expect_error(r, StatusCode::BAD_REQUEST, "BadRequestData").await;
        assert!(
            problem["detail"].as_str().unwrap().contains("join"),
            "{body} → {problem}"
        );
    }
    let listed = ngsi.get_json("/subscriptions").await;
    assert_eq!(listed, json!([]), "nothing refused was stored");
}
