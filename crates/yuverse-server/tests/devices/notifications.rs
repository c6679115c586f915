//! Subscriptions whose endpoint is an MQTT topic (NGSI-LD's MQTT binding): the broker
//! publishes each notification as `{metadata, body}` on the topic of the endpoint URI.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::*;

fn mqtt_subscription(uri: &str, version: &str, qos: &str) -> Value {
    json!({
        "type": "Subscription",
        "entities": [{"type": "AirQualityObserved"}],
        "q": "pm25>75",
        "notification": {
            "format": "keyValues",
            "endpoint": {
                "uri": uri,
                "accept": "application/json",
                "receiverInfo": [{"key": "X-District", "value": "yubei"}],
                "notifierInfo": [
                    {"key": "MQTT-Version", "value": version},
                    {"key": "MQTT-QoS", "value": qos}
                ]
            }
        }
    })
}

#[tokio::test]
async fn notifications_arrive_on_the_mqtt_topic_for_both_versions() {
    let DeviceApp {
        app,
        mqtt,
        dir: _dir,
    } = spawn_devices().await;
    let unit = app.demo("demo-unit").await;
    let (key_id, secret) = org_key(&unit, &["twin:read", "twin:write", "mqtt:publish"]).await;
    let mut listener = connect(mqtt, Some((&key_id, &secret))).await.unwrap();
    listener.subscribe("yubei/alerts/#").await;

    for (version, qos, topic) in [
        ("mqtt3.1.1", "1", "yubei/alerts/v3"),
        ("mqtt5.0", "2", "yubei/alerts/v5"),
    ] {
        let mut uri =
            reqwest::Url::parse(&format!("mqtt://127.0.0.1:{}/{topic}", mqtt.port())).unwrap();
        uri.set_username(&key_id).unwrap();
        uri.set_password(Some(&secret)).unwrap();
        let uri = uri.to_string();
        let r = ngsi_post(
            &app,
            &secret,
            "/subscriptions",
            mqtt_subscription(&uri, version, qos),
        )
        .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }

    let r = ngsi_post(
        &app,
        &secret,
        "/entities",
        json!({"id": "urn:ngsi-ld:AirQualityObserved:hq-1", "type": "AirQualityObserved", "pm25": 20}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = reqwest::Client::new()
        .patch(app.url("/ngsi-ld/v1/entities/urn:ngsi-ld:AirQualityObserved:hq-1/attrs"))
        .header("x-api-key", &secret)
        .header("content-type", "application/json")
        .body(json!({"pm25": 88}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    let mut topics = Vec::new();
    for _ in 0..2 {
        let message = listener.next_message().await;
        let payload: Value = serde_json::from_slice(&message.payload).unwrap();
        assert_eq!(payload["metadata"]["Content-Type"], "application/json");
        assert_eq!(payload["metadata"]["X-District"], "yubei");
        assert!(payload["metadata"]["Link"]
            .as_str()
            .unwrap()
            .contains("rel="));
        assert_eq!(payload["body"]["type"], "Notification");
        assert_eq!(payload["body"]["data"][0]["pm25"], 88);
        topics.push(message.topic);
    }
    topics.sort();
    assert_eq!(topics, ["yubei/alerts/v3", "yubei/alerts/v5"]);

    // The creation at pm25 = 20 did not match q: exactly the two messages above.
    let subscriptions: Value = reqwest::Client::new()
        .get(app.url("/ngsi-ld/v1/subscriptions"))
        .header("x-api-key", &secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for s in subscriptions.as_array().unwrap() {
        assert_eq!(s["notification"]["timesSent"], 1, "{s}");
        // The endpoint's password is never in the logs; it stays in the subscription.
        assert_eq!(s["notification"]["status"], "ok");
    }
}

#[tokio::test]
async fn a_refused_mqtt_login_counts_as_a_failed_notification() {
    let DeviceApp {
        app,
        mqtt,
        dir: _dir,
    } = spawn_devices().await;
    let unit = app.demo("demo-unit").await;
    let (_, secret) = org_key(&unit, &["twin:read", "twin:write"]).await;
    let uri = format!("mqtt://nobody:wrong@127.0.0.1:{}/yubei/alerts", mqtt.port());
    let r = ngsi_post(
        &app,
        &secret,
        "/subscriptions",
        mqtt_subscription(&uri, "mqtt3.1.1", "0"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = ngsi_post(
        &app,
        &secret,
        "/entities",
        json!({"id": "urn:ngsi-ld:AirQualityObserved:hq-2", "type": "AirQualityObserved", "pm25": 90}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    eventually("the notification to fail", || {
        let app = &app;
        let secret = &secret;
        async move {
            let list: Value = reqwest::Client::new()
                .get(app.url("/ngsi-ld/v1/subscriptions"))
                .header("x-api-key", secret)
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            let n = &list[0]["notification"];
            (n["timesFailed"] == 1 && n["timesSent"] == 1 && n["status"] == "failed")
                .then_some(list)
        }
    })
    .await;
}
