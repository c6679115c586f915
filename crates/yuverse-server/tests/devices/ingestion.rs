//! Measures over MQTT into the twin's state and history; refused messages; commands.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;
use crate::*;

const ENTITY: &str = "urn:ngsi-ld:AirQualityObserved:aq-1";

#[tokio::test]
async fn measures_reach_state_and_history_and_bad_payloads_only_count() {
    let DeviceApp {
        app,
        mqtt,
        dir: _dir,
    } = spawn_devices().await;
    let app = &app;
    let unit = app.demo("demo-unit").await;
    let (key_id, secret) = org_key(&unit, &["mqtt:publish"]).await;
    let created = provision(&unit, air_quality("aq-1", &key_id)).await;
    assert_eq!(created["topics"]["attrs"], format!("/{key_id}/aq-1/attrs"));
    assert_eq!(created["status"]["messages_received"], 0);
    let attrs = format!("/{key_id}/aq-1/attrs");
    let device_client = connect(mqtt, Some((&key_id, &secret))).await.unwrap();

    // A measure with an observation time, and one without (reception time).
    device_client
        .publish(
            &attrs,
            r#"{"p": 35, "t": 21.5, "l": [106.63, 29.72], "TimeInstant": "2024-05-01T16:00:00+08:00"}"#,
        )
        .await;
    let e = eventually("the first measure in the entity", || async move {
        entity(app, ENTITY).await
    })
    .await;
    assert_eq!(e["type"], "AirQualityObserved");
    assert_eq!(
        e["pm25"],
        json!({"type": "Property", "value": 35, "unitCode": "GQ",
               "observedAt": "2024-05-01T08:00:00.000Z"})
    );
    assert_eq!(e["temperature"]["unitCode"], "CEL");
    assert_eq!(
        e["location"]["value"],
        json!({"type": "Point", "coordinates": [106.63, 29.72]})
    );
    device_client.publish(&attrs, r#"{"p": 40}"#).await;
    let e = eventually("the second measure", || async move {
        entity(app, ENTITY)
            .await
            .filter(|e| e["pm25"]["value"] == 40)
    })
    .await;
    assert!(e["pm25"]["observedAt"].as_str().unwrap() > "2024-05-01T08:00:00.000Z");
    assert_eq!(e["temperature"]["value"], 21.5, "other attributes stay");

    // The history is read from storage, which may lag the state by a commit.
    let history = eventually("both measures in the history", || async move {
        let h = temporal(app, ENTITY).await;
        (h["pm25"].as_array().unwrap().len() == 2).then_some(h)
    })
    .await;
    let pm25: Vec<Value> = history["pm25"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["value"].clone())
        .collect();
    assert_eq!(pm25, [json!(35), json!(40)]);
    assert_eq!(history["temperature"].as_array().unwrap().len(), 1);

    // Refused: not JSON, not an object, nothing of this device, a wrong key in the topic.
    let before = entity(app, ENTITY).await.unwrap();
    device_client.publish(&attrs, "not json {").await;
    let d = errors_reach(&unit, "aq-1", 1).await;
    assert!(
        d["status"]["last_error"]
            .as_str()
            .unwrap()
            .contains("not JSON"),
        "{d}"
    );
    device_client.publish(&attrs, "[1, 2, 3]").await;
    errors_reach(&unit, "aq-1", 2).await;
    device_client.publish(&attrs, "{}").await;
    errors_reach(&unit, "aq-1", 3).await;
    device_client
        .publish("/not-the-key/aq-1/attrs", r#"{"p": 999}"#)
        .await;
    let d = errors_reach(&unit, "aq-1", 4).await;
    assert!(d["status"]["last_error"]
        .as_str()
        .unwrap()
        .contains("API key"));
    // A value the twin refuses (a GeoProperty that is no geometry) fails alone.
    device_client.publish(&attrs, r#"{"l": "nowhere"}"#).await;
    let d = errors_reach(&unit, "aq-1", 5).await;
    assert!(d["status"]["last_error"]
        .as_str()
        .unwrap()
        .contains("twin refused"));
    // Unknown devices are ignored.
    device_client
        .publish(&format!("/{key_id}/nobody/attrs"), r#"{"p": 1}"#)
        .await;
    // Then a good measure still goes through, and nothing else changed.
    device_client.publish(&attrs, r#"{"t": 22}"#).await;
    let after = eventually("the measure after the bad ones", || async move {
        entity(app, ENTITY)
            .await
            .filter(|e| e["temperature"]["value"] == 22)
    })
    .await;
    assert_eq!(after["pm25"], before["pm25"]);
    assert_eq!(after["location"], before["location"]);
    let history = eventually("the last measure in the history", || async move {
        let h = temporal(app, ENTITY).await;
        (h["temperature"].as_array().unwrap().len() == 2).then_some(h)
    })
    .await;
    assert_eq!(history["pm25"].as_array().unwrap().len(), 2);
    assert_eq!(history["location"].as_array().unwrap().len(), 1);
    let d = device(&unit, "aq-1").await;
    assert_eq!(d["status"]["messages_received"], 8);
    assert_eq!(d["status"]["errors"], 5);
    assert!(d["status"]["last_seen_at"].is_string());
    assert!(entity(app, "urn:ngsi-ld:AirQualityObserved:nobody")
        .await
        .is_none());
}

#[tokio::test]
async fn many_devices_are_ingested_together_and_a_flood_of_garbage_blocks_none() {
    let DeviceApp {
        app,
        mqtt,
        dir: _dir,
    } = spawn_devices().await;
    let app = &app;
    let unit = app.demo("demo-unit").await;
    let (key_id, secret) = org_key(&unit, &["mqtt:publish"]).await;
    const DEVICES: usize = 20;
    const MEASURES: usize = 10;
    for i in 0..DEVICES {
        provision(&unit, air_quality(&format!("fleet-{i}"), &key_id)).await;
    }
    provision(&unit, air_quality("noisy", &key_id)).await;
    let client = connect(mqtt, Some((&key_id, &secret))).await.unwrap();
    for m in 0..MEASURES {
        client
            .publish(&format!("/{key_id}/noisy/attrs"), "garbage")
            .await;
        for i in 0..DEVICES {
            client
                .publish(
                    &format!("/{key_id}/fleet-{i}/attrs"),
                    json!({"p": m}).to_string(),
                )
                .await;
        }
    }
    for i in 0..DEVICES {
        let id = format!("urn:ngsi-ld:AirQualityObserved:fleet-{i}");
        let id = id.as_str();
        eventually(&format!("fleet-{i}'s last measure"), || async move {
            entity(app, id)
                .await
                .filter(|e| e["pm25"]["value"] == MEASURES - 1)
        })
        .await;
        let expected: Vec<Value> = (0..MEASURES).map(|m| json!(m)).collect();
        let expected = &expected;
        eventually(
            &format!("every measure of fleet-{i} in the history, in order"),
            || async move {
                let values: Vec<Value> = temporal(app, id).await["pm25"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["value"].clone())
                    .collect();
                (values == *expected).then_some(Value::Null)
            },
        )
        .await;
    }
    errors_reach(&unit, "noisy", MEASURES as i64).await;
    assert_eq!(device(&unit, "fleet-0").await["status"]["errors"], 0);
}

/// Two devices feeding one entity, in one burst (so their measures share batches): each
/// measure keeps its place in the history and a refused one is charged to its own device.
#[tokio::test]
async fn measures_of_one_entity_in_a_burst_keep_their_order_and_their_own_refusals() {
    let DeviceApp {
        app,
        mqtt,
        dir: _dir,
    } = spawn_devices().await;
    let app = &app;
    let unit = app.demo("demo-unit").await;
    let (key_id, secret) = org_key(&unit, &["mqtt:publish"]).await;
    const STATION: &str = "urn:ngsi-ld:AirQualityObserved:station";
    for device_id in ["station-a", "station-b"] {
        let mut body = air_quality(device_id, &key_id);
        body["entity_name"] = json!(STATION);
        provision(&unit, body).await;
    }
    let client = connect(mqtt, Some((&key_id, &secret))).await.unwrap();
    let (a, b) = (
        format!("/{key_id}/station-a/attrs"),
        format!("/{key_id}/station-b/attrs"),
    );
    for round in 0..5 {
        client
            .publish(&a, json!({"p": 2 * round}).to_string())
            .await;
        client.publish(&b, r#"{"l": "nowhere"}"#).await;
        client
            .publish(&b, json!({"p": 2 * round + 1}).to_string())
            .await;
    }
    eventually("the last measure in the entity", || async move {
        entity(app, STATION)
            .await
            .filter(|e| e["pm25"]["value"] == 9)
    })
    .await;
    let history = eventually("all ten good measures in the history", || async move {
        let h = temporal(app, STATION).await;
        (h["pm25"].as_array().map(Vec::len) == Some(10)).then_some(h)
    })
    .await;
    let values: Vec<Value> = history["pm25"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["value"].clone())
        .collect();
    let expected: Vec<Value> = (0..10).map(|v| json!(v)).collect();
    assert_eq!(values, expected);
    let b_status = errors_reach(&unit, "station-b", 5).await;
    assert!(b_status["status"]["last_error"]
        .as_str()
        .unwrap()
        .contains("twin refused"));
    assert_eq!(device(&unit, "station-a").await["status"]["errors"], 0);
}

#[tokio::test]
async fn the_broker_wants_a_live_key_with_mqtt_publish_and_speaks_mqtt_5() {
    let DeviceApp {
        app,
        mqtt,
        dir: _dir,
    } = spawn_devices().await;
    let app = &app;
    let unit = app.demo("demo-unit").await;
    let (key_id, secret) = org_key(&unit, &["mqtt:publish"]).await;
    let (read_id, read_secret) = org_key(&unit, &["twin:read"]).await;
    assert!(connect(mqtt, None).await.is_err(), "anonymous");
    assert!(connect(mqtt, Some((&key_id, "yvk_wrong"))).await.is_err());
    assert!(
        connect(mqtt, Some((&read_id, &read_secret))).await.is_err(),
        "a key without mqtt:publish"
    );
    assert!(connect(mqtt, Some((&key_id, &secret))).await.is_ok());

    // MQTT 5 on the same port.
    provision(&unit, air_quality("aq-5", &key_id)).await;
    let mut options = rumqttc::v5::MqttOptions::new("test-v5", "127.0.0.1", mqtt.port());
    options.set_credentials(key_id.clone(), secret.clone());
    let (client, mut eventloop) = rumqttc::v5::AsyncClient::new(options, 10);
    let poller = tokio::spawn(async move { while eventloop.poll().await.is_ok() {} });
    client
        .publish(
            format!("/{key_id}/aq-5/attrs"),
            rumqttc::v5::mqttbytes::QoS::AtLeastOnce,
            false,
            r#"{"p": 55}"#,
        )
        .await
        .unwrap();
    eventually("the MQTT 5 measure", || async move {
        entity(app, "urn:ngsi-ld:AirQualityObserved:aq-5")
            .await
            .filter(|e| e["pm25"]["value"] == 55)
    })
    .await;
    poller.abort();

    // A revoked key is refused at once for new connections (measures of devices already
    // connected are refused once the key check cached by the ingestion expires).
    let r = unit
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/api-keys/{key_id}"),
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(connect(mqtt, Some((&key_id, &secret))).await.is_err());
}

#[tokio::test]
async fn commands_go_out_on_cmd_and_results_come_back_on_cmdexe() {
    let DeviceApp {
        app,
        mqtt,
        dir: _dir,
    } = spawn_devices().await;
    let app = &app;
    let unit = app.demo("demo-unit").await;
    let (key_id, secret) = org_key(&unit, &["mqtt:publish"]).await;
    provision(&unit, air_quality("lamp-1", &key_id)).await;
    let mut lamp = connect(mqtt, Some((&key_id, &secret))).await.unwrap();
    lamp.subscribe(&format!("/{key_id}/lamp-1/cmd")).await;
    // The subscription is in place once a command sent now arrives; retry until then.
    let mut sent = None;
    for _ in 0..20 {
        let r = unit
            .post(
                "/api/v1/twin/devices/lamp-1/commands",
                json!({"command": "switch", "value": "on"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::ACCEPTED);
        let body: Value = r.json().await.unwrap();
        let wait = std::time::Duration::from_millis(500);
        if let Ok(Some(p)) = tokio::time::timeout(wait, lamp.received.recv()).await {
            sent = Some(json!({"body": body, "topic": p.topic,
                               "payload": String::from_utf8_lossy(&p.payload)}));
            break;
        }
    }
    let sent = sent.expect("the command reaches the device");
    assert_eq!(sent["topic"], format!("/{key_id}/lamp-1/cmd"));
    assert_eq!(sent["payload"], r#"{"switch":"on"}"#);
    assert_eq!(sent["body"]["command"], "switch");
    let id = "urn:ngsi-ld:AirQualityObserved:lamp-1";
    assert_eq!(
        entity(app, id).await.unwrap()["switch_status"]["value"],
        "PENDING"
    );
    lamp.publish(
        &format!("/{key_id}/lamp-1/cmdexe"),
        r#"{"switch": "switched on"}"#,
    )
    .await;
    let e = eventually("the command result", || async move {
        entity(app, id)
            .await
            .filter(|e| e["switch_status"]["value"] == "OK")
    })
    .await;
    assert_eq!(e["switch_info"]["value"], "switched on");

    // Bad commands.
    let problem = expect_problem(
        unit.post(
            "/api/v1/twin/devices/lamp-1/commands",
            json!({"command": "switch on"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "command");
    expect_problem(
        unit.post(
            "/api/v1/twin/devices/nobody/commands",
            json!({"command": "x"}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let regulator = app.demo("demo-regulator").await;
    expect_problem(
        regulator
            .post(
                "/api/v1/twin/devices/lamp-1/commands",
                json!({"command": "x"}),
            )
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn commands_need_mqtt() {
    let app = spawn_demo(true).await;
    let unit = app.demo("demo-unit").await;
    let (key_id, _) = org_key(&unit, &["mqtt:publish"]).await;
    provision(&unit, air_quality("offline", &key_id)).await;
    expect_problem(
        unit.post(
            "/api/v1/twin/devices/offline/commands",
            json!({"command": "ring"}),
        )
        .await,
        StatusCode::SERVICE_UNAVAILABLE,
    )
    .await;
}
