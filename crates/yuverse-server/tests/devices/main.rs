//! Devices and MQTT against the real server (SQLite, or PostgreSQL with
//! `YUVERSE_TEST_DATABASE_URL`): real MQTT clients publish into the embedded broker (or an
//! external one) and the results are read back over HTTP.

#[path = "../api/common.rs"]
#[allow(dead_code)]
mod common;

mod external;
mod ingestion;
mod mqtts;
mod notifications;
mod provisioning;
mod shutdown;
#[path = "../twin/test_ca.rs"]
mod test_ca;
mod tls_front;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use reqwest::StatusCode;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, Publish, QoS};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use common::*;

/// An NGSI-LD POST with a device API key.
pub async fn ngsi_post(app: &TestApp, key: &str, path: &str, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url(&format!("/ngsi-ld/v1{path}")))
        .header("x-api-key", key)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

/// A server with the embedded MQTT broker on a free port, and its data dir.
pub struct DeviceApp {
    pub app: TestApp,
    pub mqtt: SocketAddr,
    pub dir: tempfile::TempDir,
}

/// The demo accounts exist (`demo-<role>`); the broker listens on [`DeviceApp::mqtt`].
pub async fn spawn_devices() -> DeviceApp {
    let (mut settings, dir) = test_settings(true).await;
    settings.mqtt_listen = Some(any_loopback_port());
    let app = start(settings).await;
    let mqtt = app.mqtt.expect("the embedded broker runs");
    DeviceApp { app, mqtt, dir }
}

/// An API key of the session user's organisation: (its id, its secret).
pub async fn org_key(unit: &Session, permissions: &[&str]) -> (String, String) {
    let org = unit.me["organisation"]["id"].as_str().unwrap().to_owned();
    let r = unit
        .post(
            "/api/v1/api-keys",
            json!({"name": "sensors", "organisation_id": org, "permissions": permissions}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    (
        created["id"].as_str().unwrap().to_owned(),
        created["key"].as_str().unwrap().to_owned(),
    )
}

/// An air-quality device of the demo unit mapping `p` → pm25 (µg/m³), `t` → temperature and
/// `l` → location.
pub fn air_quality(device_id: &str, key_id: &str) -> Value {
    json!({
        "device_id": device_id,
        "entity_name": format!("urn:ngsi-ld:AirQualityObserved:{device_id}"),
        "entity_type": "AirQualityObserved",
        "api_key_id": key_id,
        "attributes": [
            {"object_id": "p", "name": "pm25", "unit_code": "GQ"},
            {"object_id": "t", "name": "temperature", "type": "Property", "unit_code": "CEL"},
            {"object_id": "l", "name": "location", "type": "GeoProperty"}
        ]
    })
}

pub async fn provision(session: &Session, body: Value) -> Value {
    let r = session.post("/api/v1/twin/devices", body).await;
    let status = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "provisioning: {text}");
    serde_json::from_str(&text).unwrap()
}

/// A connected MQTT 3.1.1 client; messages on its subscriptions arrive in `received`.
pub struct Mqtt {
    pub client: AsyncClient,
    pub received: mpsc::UnboundedReceiver<Publish>,
    task: JoinHandle<()>,
}

impl Drop for Mqtt {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn connect(addr: SocketAddr, credentials: Option<(&str, &str)>) -> Result<Mqtt, String> {
    let id = format!("test-{:016x}", rand::random::<u64>());
    let mut options = MqttOptions::new(id, addr.ip().to_string(), addr.port());
    options.set_keep_alive(Duration::from_secs(5));
    if let Some((user, password)) = credentials {
        options.set_credentials(user, password);
    }
    let (client, mut eventloop) = AsyncClient::new(options, 100);
    loop {
        match tokio::time::timeout(Duration::from_secs(5), eventloop.poll()).await {
            Ok(Ok(Event::Incoming(Packet::ConnAck(_)))) => break,
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(e.to_string()),
            Err(_) => return Err("no CONNACK within 5 s".into()),
        }
    }
    let (tx, received) = mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    let _ = tx.send(p);
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    });
    Ok(Mqtt {
        client,
        received,
        task,
    })
}

impl Mqtt {
    pub async fn publish(&self, topic: &str, payload: impl Into<Vec<u8>>) {
        self.client
            .publish(topic, QoS::AtLeastOnce, false, payload.into())
            .await
            .unwrap();
    }

    pub async fn subscribe(&self, filter: &str) {
        self.client
            .subscribe(filter, QoS::AtLeastOnce)
            .await
            .unwrap();
    }

    pub async fn next_message(&mut self) -> Publish {
        tokio::time::timeout(Duration::from_secs(10), self.received.recv())
            .await
            .expect("a message within 10 s")
            .expect("the client is connected")
    }
}

/// Polls `probe` until it yields a value (10 s at most).
pub async fn eventually<F, Fut>(what: &str, mut probe: F) -> Value
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<Value>>,
{
    for _ in 0..200 {
        if let Some(v) = probe().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// A device's view (with its status) as `session` sees it.
pub async fn device(session: &Session, device_id: &str) -> Value {
    session
        .get_json(&format!("/api/v1/twin/devices/{device_id}"))
        .await
}

/// Waits until the device has counted `errors` refused messages; returns its view.
pub async fn errors_reach(session: &Session, device_id: &str, errors: i64) -> Value {
    eventually(
        &format!("{device_id} to count {errors} errors"),
        || async move {
            let d = device(session, device_id).await;
            (d["status"]["errors"] == errors).then_some(d)
        },
    )
    .await
}

/// The entity as an anonymous NGSI-LD reader sees it (`None` while it does not exist).
pub async fn entity(app: &TestApp, id: &str) -> Option<Value> {
    let r = reqwest::get(app.url(&format!("/ngsi-ld/v1/entities/{id}")))
        .await
        .unwrap();
    if r.status() != StatusCode::OK {
        return None;
    }
    Some(r.json().await.unwrap())
}

pub async fn temporal(app: &TestApp, id: &str) -> Value {
    let r = reqwest::get(app.url(&format!("/ngsi-ld/v1/temporal/entities/{id}")))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}
