//! The district simulator against the real server (SQLite, or PostgreSQL with
//! `YUVERSE_TEST_DATABASE_URL`): its devices are provisioned through the devices service and
//! publish over real MQTT into the embedded broker; the results are read back over HTTP.

#[path = "../api/common.rs"]
#[allow(dead_code)]
mod common;
#[path = "../twin/test_ca.rs"]
mod test_ca;
#[path = "../devices/tls_front.rs"]
#[allow(dead_code)]
mod tls_front;

use std::future::Future;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use yuverse_server::Settings;
use yuverse_sim::catalogue::Kind;
use yuverse_sim::district;

use common::*;

/// Few devices, publishing every second: the head of the layout has every kind.
const DEVICES: usize = 12;

/// Demo settings with the embedded broker and a small, fast simulator.
async fn sim_settings(devices: usize) -> (Settings, tempfile::TempDir) {
    let (mut settings, dir) = test_settings(true).await;
    settings.mqtt_listen = Some(any_loopback_port());
    settings.sim_devices = devices;
    settings.sim_interval = Duration::from_secs(1);
    (settings, dir)
}

/// Polls `probe` until it yields a value (60 s at most: set-up writes a few hundred rows).
async fn eventually<F, Fut, T>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    for _ in 0..300 {
        if let Some(v) = probe().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn ngsi(app: &TestApp, path: &str) -> (StatusCode, Value) {
    let r = reqwest::get(app.url(path)).await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Every entity of a type (up to 1000).
async fn of_type(app: &TestApp, entity_type: &str) -> Vec<Value> {
    let (status, body) = ngsi(
        app,
        &format!("/ngsi-ld/v1/entities?type={entity_type}&limit=1000"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    body.as_array().cloned().unwrap_or_default()
}

async fn entity(app: &TestApp, id: &str) -> Option<Value> {
    let (status, body) = ngsi(app, &format!("/ngsi-ld/v1/entities/{id}")).await;
    (status == StatusCode::OK).then_some(body)
}

/// The simulator's devices as the administrator sees them.
async fn sim_devices(admin: &Session) -> Vec<Value> {
    let listed = admin.get_json("/api/v1/twin/devices?limit=500").await;
    listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["device_id"].as_str().unwrap().starts_with("sim-"))
        .cloned()
        .collect()
}

/// Waits until every simulated device's entity has its main attribute.
async fn all_measured(app: &TestApp) -> Vec<Value> {
    eventually("a measure from every simulated device", || async move {
        let mut all = Vec::new();
        for kind in Kind::ALL {
            let entities = of_type(app, kind.entity_type()).await;
            if entities.is_empty()
                || entities
                    .iter()
                    .any(|e| e.get(kind.main_attribute()).is_none())
            {
                return None;
            }
            all.extend(entities);
        }
        Some(all)
    })
    .await
}

#[tokio::test]
async fn simulated_devices_of_every_type_publish_at_places_of_the_data_set() {
    let (settings, _dir) = sim_settings(DEVICES).await;
    let app = start(settings).await;
    let app = &app;
    let measured = all_measured(app).await;
    assert_eq!(measured.len(), DEVICES);

    let places = district::places().unwrap();
    for e in &measured {
        let id = e["id"].as_str().unwrap();
        let place = places
            .iter()
            .find(|p| id.contains(&format!(":yubei:{}:", p.code)))
            .unwrap_or_else(|| panic!("{id} names no place of the data set"));
        assert_eq!(e["areaServed"]["value"], place.name);
        let location = &e["location"]["value"];
        assert_eq!(location["type"], "Point", "{id}");
        let c = location["coordinates"].as_array().unwrap();
        let at = district::coord(c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
        assert!(place.holds(at), "{id} stands outside {}", place.code);
    }

    // The crowd sensors of 铜锣山矿山公园 carry the capacity the visitor alert compares with.
    let mine = entity(
        app,
        "urn:ngsi-ld:CrowdFlowObserved:yubei:tongluoshan-mine-park:1",
    )
    .await
    .unwrap();
    assert_eq!(mine["capacity"]["value"], 2000);
    assert!(mine["peopleCount"]["value"].is_u64());
    let parking = &of_type(app, "OffStreetParking").await[0];
    let occupancy = parking["occupancy"]["value"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&occupancy));
    assert!(parking["totalSpotNumber"]["value"].as_u64().unwrap() > 0);
    let aq = &of_type(app, "AirQualityObserved").await[0];
    assert_eq!(aq["pm25"]["unitCode"], "GQ");

    // Buildings: footprints with a height, in the parks.
    let buildings = of_type(app, "Building").await;
    assert!(buildings.len() > 40, "{}", buildings.len());
    for b in &buildings {
        assert_eq!(b["location"]["value"]["type"], "Polygon");
        assert!(b["height"]["value"].as_f64().unwrap() > 0.0);
        assert!(b["category"]["value"].is_array() || b["category"]["value"].is_string());
    }

    // The devices are ordinary devices of the devices service, receiving over MQTT.
    let admin = app.admin().await;
    let devices = sim_devices(&admin).await;
    assert_eq!(devices.len(), DEVICES);
    let key = devices[0]["api_key_id"].as_str().unwrap();
    assert!(devices.iter().all(|d| d["api_key_id"] == key));
    assert!(devices[0]["topics"]["attrs"]
        .as_str()
        .unwrap()
        .starts_with(&format!("/{key}/sim-")));
    let counted = eventually("message counts on the devices", || {
        let admin = &admin;
        async move {
            let devices = sim_devices(admin).await;
            devices
                .iter()
                .all(|d| d["status"]["messages_received"].as_i64().unwrap() > 0)
                .then_some(devices)
        }
    })
    .await;
    assert!(counted.iter().all(|d| d["status"]["errors"] == 0));
}

#[tokio::test]
async fn main_attributes_change_and_the_history_grows() {
    let (settings, _dir) = sim_settings(DEVICES).await;
    let app = start(settings).await;
    let app = &app;
    all_measured(app).await;
    let id = "urn:ngsi-ld:AirQualityObserved:yubei:xiantao-data-valley:1";
    let mut seen = std::collections::HashSet::new();
    let mut stamps = std::collections::HashSet::new();
    for _ in 0..300 {
        if let Some(e) = entity(app, id).await {
            seen.insert(e["pm25"]["value"].to_string());
            stamps.insert(e["pm25"]["observedAt"].to_string());
        }
        if seen.len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(seen.len() >= 3, "pm25 took the values {seen:?}");
    assert!(stamps.len() >= 3);
    let history = eventually("pm25 history of three instances", || async move {
        let (status, h) = ngsi(app, &format!("/ngsi-ld/v1/temporal/entities/{id}")).await;
        (status == StatusCode::OK && h["pm25"].as_array()?.len() >= 3).then_some(h)
    })
    .await;
    let values: Vec<f64> = history["pm25"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["value"].as_f64().unwrap())
        .collect();
    assert!(values.iter().all(|v| *v > 0.0));
}

#[tokio::test]
async fn a_restart_re_uses_the_key_and_the_devices_and_a_larger_count_adds_devices() {
    let (settings, dir) = sim_settings(DEVICES).await;
    let app = start(settings).await;
    all_measured(&app).await;
    let admin = app.admin().await;
    let before: Vec<String> = sim_devices(&admin)
        .await
        .iter()
        .map(|d| d["device_id"].as_str().unwrap().to_owned())
        .collect();
    let key = sim_devices(&admin).await[0]["api_key_id"].clone();
    let buildings = of_type(&app, "Building").await.len();
    let aq = "urn:ngsi-ld:AirQualityObserved:yubei:xiantao-data-valley:1";
    let last = entity(&app, aq).await.unwrap()["pm25"]["observedAt"].clone();
    let (mut settings, _) = app.stop().await;
    assert!(dir.path().join(yuverse_sim::KEY_FILE).exists());

    settings.sim_devices = DEVICES + 4;
    let app = start(settings).await;
    let app = &app;
    let admin = app.admin().await;
    let devices = eventually("the four new devices", || {
        let admin = &admin;
        async move {
            let d = sim_devices(admin).await;
            (d.len() == DEVICES + 4).then_some(d)
        }
    })
    .await;
    assert!(devices.iter().all(|d| d["api_key_id"] == key), "same key");
    for id in &before {
        assert!(devices.iter().any(|d| d["device_id"] == id.as_str()));
    }
    let security = app.demo("demo-security-admin").await;
    let keys = security.get_json("/api/v1/api-keys?limit=500").await;
    let sim_keys = keys["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| {
            k["name"]
                .as_str()
                .unwrap()
                .starts_with("district simulator")
        })
        .count();
    assert_eq!(sim_keys, 1);
    // Measures flow again after the restart, and nothing was duplicated.
    let last = last.as_str().unwrap();
    eventually("a measure after the restart", || async move {
        let e = entity(app, aq).await?;
        (e["pm25"]["observedAt"].as_str()? > last).then_some(())
    })
    .await;
    assert_eq!(all_measured(app).await.len(), DEVICES + 4);
    assert_eq!(of_type(app, "Building").await.len(), buildings);
}

#[tokio::test]
async fn without_mqtt_the_server_runs_and_the_simulator_does_not() {
    let (mut settings, _dir) = sim_settings(DEVICES).await;
    settings.mqtt_listen = None;
    let app = start(settings).await;
    let admin = app.admin().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(sim_devices(&admin).await.is_empty());
    let r = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn with_mqtt_url_the_simulator_publishes_through_the_external_broker() {
    // Another server's embedded broker stands in for the external one.
    let (broker_settings, _broker_dir) = sim_settings(0).await;
    let broker = start(broker_settings).await;
    let broker_addr = broker.mqtt.expect("the embedded broker runs");
    let unit = broker.demo("demo-unit").await;
    let org = unit.me["organisation"]["id"].as_str().unwrap().to_owned();
    let r = unit
        .post(
            "/api/v1/api-keys",
            serde_json::json!({"name": "bridge", "organisation_id": org, "permissions": ["mqtt:publish"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    let (id, secret) = (
        created["id"].as_str().unwrap(),
        created["key"].as_str().unwrap(),
    );

    let (mut settings, _dir) = sim_settings(DEVICES).await;
    settings.mqtt_listen = None;
    settings.mqtt_url = Some(format!(
        "mqtt://{id}:{secret}@127.0.0.1:{}",
        broker_addr.port()
    ));
    let app = start(settings).await;
    let app = &app;
    assert_eq!(all_measured(app).await.len(), DEVICES);

    // The broker goes away and comes back: the gateways reconnect and measures flow again.
    let aq = "urn:ngsi-ld:AirQualityObserved:yubei:xiantao-data-valley:1";
    let last = entity(app, aq).await.unwrap()["pm25"]["observedAt"].clone();
    let (broker_settings, _) = broker.stop().await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let _broker = start(broker_settings).await;
    let last = last.as_str().unwrap();
    eventually("a measure after the broker came back", || async move {
        let e = entity(app, aq).await?;
        (e["pm25"]["observedAt"].as_str()? > last).then_some(())
    })
    .await;
}

#[tokio::test]
async fn with_an_mqtts_url_the_simulator_publishes_over_tls() {
    let (broker_settings, _broker_dir) = sim_settings(0).await;
    let broker = start(broker_settings).await;
    let broker_addr = broker.mqtt.expect("the embedded broker runs");
    let unit = broker.demo("demo-unit").await;
    let org = unit.me["organisation"]["id"].as_str().unwrap().to_owned();
    let r = unit
        .post(
            "/api/v1/api-keys",
            serde_json::json!({"name": "bridge", "organisation_id": org, "permissions": ["mqtt:publish"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    let secret = created["key"].as_str().unwrap();

    let (mut settings, dir) = sim_settings(DEVICES).await;
    let ca = dir.path().join("broker-ca.pem");
    let front = tls_front::tls_front(&ca).await;
    front.relay_to(broker_addr);
    settings.mqtt_listen = None;
    settings.mqtt_url = Some(format!(
        "mqtts://bridge:{secret}@127.0.0.1:{}",
        front.addr.port()
    ));
    settings.tls_ca_file = Some(ca);
    let app = start(settings).await;
    assert_eq!(all_measured(&app).await.len(), DEVICES);
    // The platform and every gateway of the simulator came through TLS.
    assert!(front.accepted.load(std::sync::atomic::Ordering::SeqCst) > 1);
    assert_eq!(front.refused.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_revoked_key_is_replaced_at_the_next_start_and_the_devices_follow_it() {
    let (settings, _dir) = sim_settings(DEVICES).await;
    let app = start(settings).await;
    all_measured(&app).await;
    let admin = app.admin().await;
    let old_key = sim_devices(&admin).await[0]["api_key_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let security = app.demo("demo-security-admin").await;
    let r = security
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/api-keys/{old_key}"),
            None,
        )
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    let (settings, _) = app.stop().await;

    let app = start(settings).await;
    let admin = app.admin().await;
    let devices = eventually("the devices under a new key", || {
        let (admin, old_key) = (&admin, old_key.as_str());
        async move {
            let d = sim_devices(admin).await;
            (d.len() == DEVICES && d.iter().all(|d| d["api_key_id"] != old_key)).then_some(d)
        }
    })
    .await;
    let new_key = devices[0]["api_key_id"].clone();
    assert!(devices.iter().all(|d| d["api_key_id"] == new_key));
    let aq = "urn:ngsi-ld:AirQualityObserved:yubei:xiantao-data-valley:1";
    let app = &app;
    eventually("measures under the new key", || {
        let admin = &admin;
        async move {
            let d = sim_devices(admin).await;
            let fresh = d
                .iter()
                .all(|d| d["status"]["messages_received"].as_i64().unwrap_or(0) > 0);
            (fresh && entity(app, aq).await.is_some()).then_some(())
        }
    })
    .await;
}
