//! Indicators: live values computed through the modules' services, the plan's targets, a
//! source registered from outside the plan crate, and monthly snapshots.

use std::collections::HashMap;
use std::time::Duration;

use reqwest::StatusCode;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde_json::{json, Value};

use crate::common::*;
use crate::*;

const ORGANISATIONS: &str = include_str!("../../../../data/yubei/organisations.json");
const PLACES: &str = include_str!("../../../../data/yubei/places.geojson");

async fn indicators(session: &Session) -> HashMap<String, Value> {
    let list = session.get_json("/api/v1/plan/indicators").await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["key"].as_str().unwrap().to_owned(), i.clone()))
        .collect()
}

/// Publishes one message as a device (MQTT 3.1.1, QoS 1) and waits for the broker's PUBACK.
async fn publish_as_device(
    broker: std::net::SocketAddr,
    user: &str,
    password: &str,
    topic: &str,
    payload: &str,
) {
    let mut options = MqttOptions::new("plan-test-device", broker.ip().to_string(), broker.port());
    options.set_credentials(user, password);
    options.set_keep_alive(Duration::from_secs(5));
    let (client, mut eventloop) = AsyncClient::new(options, 10);
    client
        .publish(topic, QoS::AtLeastOnce, false, payload.as_bytes().to_vec())
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::PubAck(_))) => break,
                Ok(_) => {}
                Err(e) => panic!("MQTT: {e}"),
            }
        }
    })
    .await
    .expect("PUBACK within 10 s");
}

#[tokio::test]
async fn modules_indicators_are_live_and_a_registered_source_appears_with_the_plans_target() {
    let app = spawn_custom(Some(any_loopback_port()), |registry| {
        registry.register(AllianceMembers)
    })
    .await;
    let broker = app.mqtt.expect("the embedded broker runs");
    let office = app.demo("demo-office").await;
    let got = indicators(&office).await;

    // Organisations by kind, counted through governance (the data set plus the demo enterprise).
    let orgs: Vec<Value> = serde_json::from_str(ORGANISATIONS).unwrap();
    let count = |kind: &str| orgs.iter().filter(|o| o["kind"] == kind).count() as f64;
    assert_eq!(
        got["governance.organisations.government_unit"]["value"],
        count("government_unit")
    );
    assert_eq!(
        got["governance.organisations.park_company"]["value"],
        count("park_company")
    );
    assert_eq!(got["governance.organisations.enterprise"]["value"], 1.0);
    // Parks and areas, through industry; the plan's "one core" target is met.
    let places: Value = serde_json::from_str(PLACES).unwrap();
    let places = places["features"].as_array().unwrap();
    let count = |kind: &str| {
        places
            .iter()
            .filter(|p| p["properties"]["kind"] == kind)
            .count() as f64
    };
    assert_eq!(got["industry.places.park"]["value"], count("park"));
    assert_eq!(got["industry.places.area"]["value"], count("area"));
    assert_eq!(got["industry.places.core"]["value"], 1.0);
    assert_eq!(got["industry.places.core"]["target"], 1.0);
    assert_eq!(got["industry.places.core"]["attainment"], 100.0);

    // The test's own source, registered at composition: no change to the plan crate.
    let alliance = &got["industry.alliances"];
    assert_eq!(alliance["module"], "test-alliance");
    assert_eq!(alliance["value"], 1.0);
    assert_eq!(alliance["target"], 1.0);
    assert_eq!(alliance["basis"], "组建一个产业联盟");
    // A target whose module is still to come is listed without a value.
    let domains = &got["industry.scenario_domains"];
    assert_eq!(domains["target"], 8.0);
    assert_eq!(domains["value"], Value::Null);
    // And the dashboard carries the same list.
    let d = office.get_json("/api/v1/plan/dashboard").await;
    assert!(d["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["key"] == "industry.alliances"));

    // Twin devices: provisioning counts at once; a device is online once it has reported.
    assert_eq!(got["twin.devices.provisioned"]["value"], 0.0);
    assert_eq!(got["twin.devices.online"]["value"], 0.0);
    let unit = app.demo("demo-unit").await;
    let org = unit.me["organisation"]["id"].as_str().unwrap();
    let key = unit
        .post_ok(
            "/api/v1/api-keys",
            json!({"name": "sensors", "organisation_id": org, "permissions": ["mqtt:publish"]}),
            StatusCode::CREATED,
        )
        .await;
    let key_id = key["id"].as_str().unwrap();
    unit.post_ok(
        "/api/v1/twin/devices",
        json!({"device_id": "aq-9", "entity_name": "urn:ngsi-ld:AirQualityObserved:aq-9",
               "entity_type": "AirQualityObserved", "api_key_id": key_id,
               "attributes": [{"object_id": "p", "name": "pm25"}]}),
        StatusCode::CREATED,
    )
    .await;
    let got = indicators(&office).await;
    assert_eq!(got["twin.devices.provisioned"]["value"], 1.0);
    assert_eq!(got["twin.devices.online"]["value"], 0.0);
    publish_as_device(
        broker,
        key_id,
        key["key"].as_str().unwrap(),
        &format!("/{key_id}/aq-9/attrs"),
        r#"{"p": 12}"#,
    )
    .await;
    let mut online = Value::Null;
    for _ in 0..200 {
        online = indicators(&office).await["twin.devices.online"]["value"].clone();
        if online == 1.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(online, 1.0, "devices online after the device reported");

    // Monthly snapshots: the first sweep of a month stores every value (the sweeper's own
    // first run at start may have taken March's already), later sweeps of the month do not.
    office
        .post_ok("/api/v1/plan/sweep", json!({}), StatusCode::OK)
        .await;
    let again = office
        .post_ok("/api/v1/plan/sweep", json!({}), StatusCode::OK)
        .await;
    assert_eq!(again["snapshots"], 0);
    app.clock.set(at("2024-04-01T00:00:00Z"));
    let april = office
        .post_ok("/api/v1/plan/sweep", json!({}), StatusCode::OK)
        .await;
    // 5 organisation kinds, 4 place kinds, 2 device figures, open alerts, plan progress (no
    // on-time rate while nothing is due) and the test's alliance source.
    assert_eq!(april["snapshots"], 14, "{april}");
    let again = office
        .post_ok("/api/v1/plan/sweep", json!({}), StatusCode::OK)
        .await;
    assert_eq!(again["snapshots"], 0);
    let trend = office
        .get_json("/api/v1/plan/indicators/snapshots?indicator=industry.alliances")
        .await;
    let months: Vec<&str> = trend["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["month"].as_str().unwrap())
        .collect();
    assert_eq!(months, ["2024-03", "2024-04"]);
    let r = office
        .get("/api/v1/plan/indicators/snapshots?metric=x")
        .await;
    expect_problem(r, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn open_twin_alerts_are_an_indicator_that_follows_the_alerts() {
    let app = spawn_plan().await;
    let office = app.demo("demo-office").await;
    assert_eq!(indicators(&office).await["twin.alerts.open"]["value"], 0.0);

    // A sensor crossing the default PM2.5 rule raises one alert.
    let unit = app.demo("demo-unit").await;
    let org = unit.me["organisation"]["id"].as_str().unwrap().to_owned();
    let key: Value = unit
        .post(
            "/api/v1/api-keys",
            json!({"name": "sensors", "organisation_id": org, "permissions": ["twin:write"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let r = reqwest::Client::new()
        .post(format!("http://{}/ngsi-ld/v1/entities", app.addr))
        .header("x-api-key", key["key"].as_str().unwrap())
        .header("content-type", "application/json")
        .body(json!({"id": "urn:ngsi-ld:AirQualityObserved:aq-ind", "type": "AirQualityObserved", "pm25": 120}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let mut open = Value::Null;
    for _ in 0..100 {
        open = indicators(&office).await["twin.alerts.open"]["value"].clone();
        if open == 1.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(open, 1.0);
    let alert = &office.get_json("/api/v1/twin/alerts?state=open").await["items"][0];
    let r = office
        .post(
            &format!(
                "/api/v1/twin/alerts/{}/acknowledge",
                alert["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(indicators(&office).await["twin.alerts.open"]["value"], 0.0);
}
