//! Paging of attribute instances (clause 6.3.10): beyond the server's instance limit the answer
//! is 206 Partial Content with `Content-Range: date-time <start>-<end>/<size or *>`.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;
use crate::ngsi::*;

const ID: &str = "urn:ngsi-ld:Meter:m1";

/// A server whose answers carry at most three instances per attribute.
async fn spawn_with_limit() -> (TestApp, tempfile::TempDir) {
    let (mut settings, dir) = test_settings(true).await;
    settings.temporal_instance_limit = 3;
    (start(settings).await, dir)
}

fn hour(h: u32) -> String {
    format!("2024-01-01T{h:02}:00:00Z")
}

/// `power` every hour from 00:00 to 04:00, `voltage` at 01:00 and 03:00.
async fn seed(ngsi: &Ngsi) {
    let power: Vec<Value> = (0..5)
        .map(|h| json!({"type": "Property", "value": h, "observedAt": hour(h)}))
        .collect();
    let voltage: Vec<Value> = [1, 3]
        .iter()
        .map(|h| json!({"type": "Property", "value": 220 + h, "observedAt": hour(*h)}))
        .collect();
    ngsi.create_temporal(&json!({"id": ID, "type": "Meter", "power": power, "voltage": voltage}))
        .await;
}

fn values(body: &Value, attr: &str) -> Vec<i64> {
    body[attr]
        .as_array()
        .map(|a| a.iter().map(|i| i["value"].as_i64().unwrap()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn forward_pages_cut_every_attribute_at_one_instant() {
    let (app, _dir) = spawn_with_limit().await;
    let ngsi = Ngsi::writer(&app).await;
    seed(&ngsi).await;
    let r = ngsi.get(&format!("/temporal/entities/{ID}")).await;
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        r.headers()["content-range"],
        "date-time 2024-01-01T00:00:00Z-2024-01-01T02:00:00Z/*"
    );
    let body: Value = r.json().await.unwrap();
    assert_eq!(values(&body, "power"), [0, 1, 2]);
    assert_eq!(values(&body, "voltage"), [221], "cut at the same instant");
    // The next page starts at the end of the range (which is inclusive: 02:00 comes again).
    let r = ngsi
        .get(&format!(
            "/temporal/entities/{ID}?timerel=after&timeAt=2024-01-01T02:00:00Z"
        ))
        .await;
    assert_eq!(r.status(), StatusCode::OK, "three instances fit");
    assert!(r.headers().get("content-range").is_none());
    let body: Value = r.json().await.unwrap();
    assert_eq!(values(&body, "power"), [2, 3, 4]);
    assert_eq!(values(&body, "voltage"), [223]);
    // With a window, the range starts at timeAt.
    let r = ngsi
        .get(&format!(
            "/temporal/entities/{ID}?timerel=after&timeAt=2023-12-31T00:00:00Z&attrs=power"
        ))
        .await;
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        r.headers()["content-range"],
        "date-time 2023-12-31T00:00:00Z-2024-01-01T02:00:00Z/*"
    );
}

#[tokio::test]
async fn last_n_pages_backwards() {
    let (app, _dir) = spawn_with_limit().await;
    let ngsi = Ngsi::writer(&app).await;
    seed(&ngsi).await;
    let r = ngsi.get(&format!("/temporal/entities/{ID}?lastN=4")).await;
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        r.headers()["content-range"],
        "date-time 2024-01-01T04:00:00Z-2024-01-01T02:00:00Z/4"
    );
    let body: Value = r.json().await.unwrap();
    assert_eq!(values(&body, "power"), [2, 3, 4], "newest, oldest first");
    assert_eq!(values(&body, "voltage"), [223]);
    let r = ngsi
        .get(&format!(
            "/temporal/entities/{ID}?lastN=5&timerel=before&timeAt=2024-01-02T00:00:00Z"
        ))
        .await;
    assert_eq!(
        r.headers()["content-range"],
        "date-time 2024-01-02T00:00:00Z-2024-01-01T02:00:00Z/5"
    );
    // lastN within the limit is no cut.
    let r = ngsi.get(&format!("/temporal/entities/{ID}?lastN=2")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(values(&body, "power"), [3, 4]);
}

#[tokio::test]
async fn the_query_pages_instances_too() {
    let (app, _dir) = spawn_with_limit().await;
    let ngsi = Ngsi::writer(&app).await;
    seed(&ngsi).await;
    ngsi.create_temporal(&json!({"id": "urn:ngsi-ld:Meter:m2", "type": "Meter",
        "power": [{"type": "Property", "value": 9, "observedAt": hour(1)}]}))
        .await;
    let r = ngsi.get("/temporal/entities?type=Meter").await;
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        r.headers()["content-range"],
        "date-time 2024-01-01T00:00:00Z-2024-01-01T02:00:00Z/*"
    );
    let body: Value = r.json().await.unwrap();
    assert_eq!(values(&body[0], "power"), [0, 1, 2]);
    assert_eq!(values(&body[1], "power"), [9]);
    let r = ngsi
        .post(
            "/temporal/entityOperations/query",
            &json!({"type": "Query", "entities": [{"type": "Meter"}], "temporalQ": {"lastN": 1}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = ngsi
        .get("/temporal/entities?type=Meter&format=temporalValues")
        .await;
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body[0]["power"]["values"],
        json!([[0, hour(0)], [1, hour(1)], [2, hour(2)]])
    );
}

#[tokio::test]
async fn attributes_the_cut_empties_still_show_empty() {
    let (app, _dir) = spawn_with_limit().await;
    let ngsi = Ngsi::writer(&app).await;
    seed(&ngsi).await;
    // `owner` changes only after the forward cut (02:00), `firmware` only before the backward one.
    let r = ngsi
        .post(
            &format!("/temporal/entities/{ID}/attrs"),
            &json!({
                "owner": {"type": "Relationship", "object": "urn:ngsi-ld:Person:p1", "observedAt": hour(4)},
                "firmware": {"type": "Property", "value": "1.0", "observedAt": hour(0)}
            }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = ngsi.get(&format!("/temporal/entities/{ID}")).await;
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["owner"], json!([]), "{body}");
    assert_eq!(body["firmware"][0]["value"], "1.0");
    let r = ngsi
        .get(&format!("/temporal/entities/{ID}?format=temporalValues"))
        .await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["owner"],
        json!({"type": "Relationship", "objects": []})
    );
    let r = ngsi.get(&format!("/temporal/entities/{ID}?lastN=4")).await;
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["firmware"], json!([]), "{body}");
    assert_eq!(body["owner"][0]["object"], "urn:ngsi-ld:Person:p1");
    // The query shows them the same way.
    let body: Value = ngsi
        .get("/temporal/entities?type=Meter&format=temporalValues")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body[0]["owner"]["objects"], json!([]));
}
