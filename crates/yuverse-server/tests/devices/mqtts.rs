//! `mqtts://`: MQTT over TLS for notification endpoints and for the external broker. A TLS
//! front of the test's own (certificate of a test CA) stands before a server's embedded broker,
//! as a TLS-terminating load balancer stands before a broker cluster; the platform trusts it
//! only through `--tls-ca-file`.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;
use crate::tls_front::{tls_front, TlsFront};
use crate::*;

/// A server with the embedded broker, trusting the CA in `ca_file` if given.
async fn spawn_with_ca(ca_file: Option<&std::path::Path>) -> DeviceApp {
    let (mut settings, dir) = test_settings(true).await;
    settings.mqtt_listen = Some(any_loopback_port());
    settings.tls_ca_file = ca_file.map(std::path::Path::to_path_buf);
    let app = start(settings).await;
    let mqtt = app.mqtt.expect("the embedded broker runs");
    DeviceApp { app, mqtt, dir }
}

/// A subscription of AirQualityObserved with pm25 > 75 notifying `uri` (MQTT 5, QoS 1).
async fn subscribe(app: &TestApp, key: &str, uri: &str) {
    let body = json!({
        "type": "Subscription",
        "entities": [{"type": "AirQualityObserved"}],
        "q": "pm25>75",
        "notification": {
            "format": "keyValues",
            "endpoint": {
                "uri": uri,
                "accept": "application/json",
                "notifierInfo": [{"key": "MQTT-QoS", "value": "1"}]
            }
        }
    });
    let r = ngsi_post(app, key, "/subscriptions", body).await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
}

/// The notification status of the tenant's only subscription once `done` holds for it.
async fn status_when(app: &TestApp, key: &str, done: fn(&Value) -> bool) -> Value {
    eventually("the notification status", || async move {
        let list: Value = reqwest::Client::new()
            .get(app.url("/ngsi-ld/v1/subscriptions"))
            .header("x-api-key", key)
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        let n = list[0]["notification"].clone();
        done(&n).then_some(n)
    })
    .await
}

fn mqtts_uri(front: SocketAddr, key: &str, secret: &str, topic: &str) -> String {
    let mut uri =
        reqwest::Url::parse(&format!("mqtts://127.0.0.1:{}/{topic}", front.port())).unwrap();
    uri.set_username(key).unwrap();
    uri.set_password(Some(secret)).unwrap();
    uri.to_string()
}

#[tokio::test]
async fn an_mqtts_endpoint_delivers_notifications_over_tls() {
    let ca = tempfile::NamedTempFile::new().unwrap();
    // The server's own broker receives what went through the TLS front.
    let front = tls_front(ca.path()).await;
    let DeviceApp {
        app,
        mqtt,
        dir: _dir,
    } = spawn_with_ca(Some(ca.path())).await;
    front.relay_to(mqtt);
    let unit = app.demo("demo-unit").await;
    let (key_id, secret) = org_key(&unit, &["twin:read", "twin:write", "mqtt:publish"]).await;
    let mut listener = connect(mqtt, Some((&key_id, &secret))).await.unwrap();
    listener.subscribe("yubei/alerts/#").await;

    let uri = mqtts_uri(front.addr, &key_id, &secret, "yubei/alerts/tls");
    subscribe(&app, &secret, &uri).await;
    let r = ngsi_post(
        &app,
        &secret,
        "/entities",
        json!({"id": "urn:ngsi-ld:AirQualityObserved:tls-1", "type": "AirQualityObserved", "pm25": 91}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);

    let message = listener.next_message().await;
    assert_eq!(message.topic, "yubei/alerts/tls");
    let payload: Value = serde_json::from_slice(&message.payload).unwrap();
    assert_eq!(payload["body"]["type"], "Notification");
    assert_eq!(payload["body"]["data"][0]["pm25"], 91);
    assert!(front.accepted.load(Ordering::SeqCst) >= 1);
    assert_eq!(front.refused.load(Ordering::SeqCst), 0);
    let n = status_when(&app, &secret, |n| n["timesSent"] == 1).await;
    assert_eq!(n["status"], "ok", "{n}");
}

#[tokio::test]
async fn an_untrusted_mqtts_endpoint_fails_the_notification() {
    let ca = tempfile::NamedTempFile::new().unwrap();
    // No --tls-ca-file: the front's certificate is of a CA the server does not know.
    let front = tls_front(ca.path()).await;
    let DeviceApp {
        app,
        mqtt,
        dir: _dir,
    } = spawn_with_ca(None).await;
    front.relay_to(mqtt);
    let unit = app.demo("demo-unit").await;
    let (key_id, secret) = org_key(&unit, &["twin:read", "twin:write", "mqtt:publish"]).await;
    let mut listener = connect(mqtt, Some((&key_id, &secret))).await.unwrap();
    listener.subscribe("yubei/alerts/#").await;

    let uri = mqtts_uri(front.addr, &key_id, &secret, "yubei/alerts/tls");
    subscribe(&app, &secret, &uri).await;
    let r = ngsi_post(
        &app,
        &secret,
        "/entities",
        json!({"id": "urn:ngsi-ld:AirQualityObserved:tls-2", "type": "AirQualityObserved", "pm25": 92}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);

    let n = status_when(&app, &secret, |n| n["timesFailed"] == 1).await;
    assert_eq!(
        (n["timesSent"].clone(), n["status"].clone()),
        (json!(1), json!("failed")),
        "{n}"
    );
    assert!(front.refused.load(Ordering::SeqCst) >= 1);
    assert_eq!(front.accepted.load(Ordering::SeqCst), 0);
    assert!(
        tokio::time::timeout(Duration::from_millis(300), listener.received.recv())
            .await
            .is_err(),
        "nothing reached the topic"
    );
    // The server goes on serving.
    let r = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

/// A server (and its data dir) whose devices come through `--mqtt-url mqtts://…` to the front
/// of `broker`, and the secret devices use on `broker`.
async fn external_over_tls(
    broker: &DeviceApp,
    trusted: bool,
) -> (TestApp, tempfile::TempDir, TlsFront, String) {
    let broker_unit = broker.app.demo("demo-unit").await;
    let (broker_key, broker_secret) = org_key(&broker_unit, &["mqtt:publish"]).await;
    let ca = broker.dir.path().join(format!("front-ca-{trusted}.pem"));
    let front = tls_front(&ca).await;
    front.relay_to(broker.mqtt);

    let (mut settings, dir) = test_settings(true).await;
    settings.mqtt_listen = None;
    settings.mqtt_url = Some(format!(
        "mqtts://{broker_key}:{broker_secret}@127.0.0.1:{}",
        front.addr.port()
    ));
    settings.tls_ca_file = trusted.then_some(ca);
    let app = start(settings).await;
    (app, dir, front, broker_secret)
}

#[tokio::test]
async fn an_external_mqtts_broker_carries_measures() {
    let broker = spawn_devices().await;
    let (app, _dir, front, broker_secret) = external_over_tls(&broker, true).await;
    let unit = app.demo("demo-unit").await;
    let (key_id, _) = org_key(&unit, &["mqtt:publish"]).await;
    provision(&unit, air_quality("tls-ext-1", &key_id)).await;

    let device = connect(broker.mqtt, Some(("device", &broker_secret)))
        .await
        .unwrap();
    let (a, d, topic) = (&app, &device, format!("/{key_id}/tls-ext-1/attrs"));
    let topic = topic.as_str();
    let entity = eventually("a measure through the TLS broker", || async move {
        d.publish(topic, r#"{"p": 17}"#).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        entity(a, "urn:ngsi-ld:AirQualityObserved:tls-ext-1").await
    })
    .await;
    assert_eq!(entity["pm25"]["value"], 17);
    assert!(front.accepted.load(Ordering::SeqCst) >= 1);
}

#[tokio::test]
async fn an_untrusted_external_mqtts_broker_is_refused() {
    let broker = spawn_devices().await;
    let (app, _dir, front, broker_secret) = external_over_tls(&broker, false).await;
    let unit = app.demo("demo-unit").await;
    let (key_id, _) = org_key(&unit, &["mqtt:publish"]).await;
    provision(&unit, air_quality("tls-ext-2", &key_id)).await;

    eventually("the platform's TLS handshake to be refused", || async {
        (front.refused.load(Ordering::SeqCst) >= 1).then_some(Value::Null)
    })
    .await;
    let device = connect(broker.mqtt, Some(("device", &broker_secret)))
        .await
        .unwrap();
    for _ in 0..5 {
        device
            .publish(&format!("/{key_id}/tls-ext-2/attrs"), r#"{"p": 18}"#)
            .await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(entity(&app, "urn:ngsi-ld:AirQualityObserved:tls-ext-2")
        .await
        .is_none());
    assert_eq!(front.accepted.load(Ordering::SeqCst), 0);
    let r = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}
