//! `--mqtt-url`: the platform as a client of an external broker. Another server's embedded
//! broker stands in for the external one (EMQX, Mosquitto); both speak the same MQTT.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;
use crate::*;

#[tokio::test]
async fn an_external_broker_carries_measures_and_commands() {
    let broker = spawn_devices().await;
    let broker_unit = broker.app.demo("demo-unit").await;
    let (broker_key, broker_secret) = org_key(&broker_unit, &["mqtt:publish"]).await;

    let (mut settings, _dir) = test_settings(true).await;
    settings.mqtt_listen = None;
    settings.mqtt_url = Some(format!(
        "mqtt://{broker_key}:{broker_secret}@127.0.0.1:{}",
        broker.mqtt.port()
    ));
    let app = start(settings).await;
    let unit = app.demo("demo-unit").await;
    let (key_id, _) = org_key(&unit, &["mqtt:publish"]).await;
    provision(&unit, air_quality("ext-1", &key_id)).await;

    let mut device = connect(broker.mqtt, Some((&broker_key, &broker_secret)))
        .await
        .unwrap();
    // The platform subscribes once it has connected: publish until a measure arrives.
    let (a, d, topic) = (&app, &device, format!("/{key_id}/ext-1/attrs"));
    let topic = topic.as_str();
    eventually("a measure through the external broker", || async move {
        d.publish(topic, r#"{"p": 12}"#).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        entity(a, "urn:ngsi-ld:AirQualityObserved:ext-1").await
    })
    .await;
    let status = device_status_total(&unit, "ext-1").await;
    assert!(status >= 1);

    device.subscribe(&format!("/{key_id}/ext-1/cmd")).await;
    let mut received = None;
    for _ in 0..20 {
        let r = unit
            .post(
                "/api/v1/twin/devices/ext-1/commands",
                json!({"command": "reset"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::ACCEPTED);
        let wait = Duration::from_millis(500);
        if let Ok(Some(p)) = tokio::time::timeout(wait, device.received.recv()).await {
            received = Some(p);
            break;
        }
    }
    let command = received.expect("the command reaches the device");
    assert_eq!(command.topic, format!("/{key_id}/ext-1/cmd"));
    assert_eq!(
        serde_json::from_slice::<Value>(&command.payload).unwrap(),
        json!({"reset": ""})
    );
}

async fn device_status_total(session: &Session, device_id: &str) -> i64 {
    device(session, device_id).await["status"]["messages_received"]
        .as_i64()
        .unwrap()
}
