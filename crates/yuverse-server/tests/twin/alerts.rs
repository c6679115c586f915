//! Alerts: rules evaluated on entities written through NGSI-LD, the life cycle, the mirror
//! entities with a real HTTP subscriber, restarts, and bad input.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::post;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::*;
use crate::ngsi::*;

/// A point inside 铜锣山矿山公园 (data/yubei/places.geojson) and one well outside it.
const IN_PARK: [f64; 2] = [106.712, 29.745];
const OUTSIDE_PARK: [f64; 2] = [106.60, 29.70];

fn air(id: &str, pm25: f64) -> Value {
    json!({"id": format!("urn:ngsi-ld:AirQualityObserved:{id}"), "type": "AirQualityObserved",
           "pm25": pm25, "location": {"type": "Point", "coordinates": [106.63, 29.72]}})
}

async fn set(ngsi: &Ngsi, id: &str, attrs: Value) {
    let r = ngsi
        .send_json(Method::PATCH, &format!("/entities/{id}/attrs"), &attrs)
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT, "PATCH {id}");
}

async fn create(ngsi: &Ngsi, entity: Value) {
    let r = ngsi.post("/entities", &entity).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{entity}");
}

/// Alerts of an entity, newest first.
async fn alerts_of(session: &Session, entity_id: &str) -> Vec<Value> {
    let page = session
        .get_json(&format!(
            "/api/v1/twin/alerts?entityId={entity_id}&limit=500"
        ))
        .await;
    page["items"].as_array().unwrap().clone()
}

/// Polls until `check` holds for the entity's alerts (the engine works off the write path).
async fn wait_alerts(
    session: &Session,
    entity_id: &str,
    check: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    for _ in 0..200 {
        let alerts = alerts_of(session, entity_id).await;
        if check(&alerts) {
            return alerts;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "alerts of {entity_id} never satisfied the check: {:?}",
        alerts_of(session, entity_id).await
    );
}

/// Waits until the engine has handled every change written so far: it handles changes in
/// order, so once a fresh entity's alert exists, everything before it was evaluated.
async fn settle(session: &Session, ngsi: &Ngsi) {
    let n = rand::random::<u32>();
    create(ngsi, air(&format!("barrier-{n}"), 999.0)).await;
    let id = format!("urn:ngsi-ld:AirQualityObserved:barrier-{n}");
    wait_alerts(session, &id, |a| a.len() == 1).await;
}

fn states(alerts: &[Value]) -> Vec<&str> {
    alerts
        .iter()
        .map(|a| a["state"].as_str().unwrap())
        .collect()
}

async fn rule_named(session: &Session, name: &str) -> Value {
    let rules = session.get_json("/api/v1/twin/alert-rules").await;
    rules["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("rule {name}: {rules}"))
        .clone()
}

#[tokio::test]
async fn default_rules_raise_once_per_crossing_and_clear_themselves() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let office = app.demo("demo-office").await;

    let rules = office.get_json("/api/v1/twin/alert-rules").await;
    assert_eq!(rules["total"], 3, "{rules}");
    let places = office.get_json("/api/v1/places").await;
    let park_id = places["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["name"] == "铜锣山矿山公园")
        .unwrap()["id"]
        .clone();
    let crowd = rule_named(&office, "铜锣山矿山公园人流超限").await;
    assert_eq!(crowd["geofence"], json!({"placeId": park_id}));
    assert_eq!(crowd["q"], "peopleCount>3000");
    assert_eq!(crowd["severity"], "critical");
    let pm = rule_named(&office, "PM2.5 超标").await;
    assert_eq!(
        (pm["q"].as_str(), pm["severity"].as_str()),
        (Some("pm25>75"), Some("warning"))
    );
    assert_eq!(pm["autoClose"], true);

    let id = "urn:ngsi-ld:AirQualityObserved:renhe";
    create(&ngsi, air("renhe", 50.0)).await;
    set(&ngsi, id, json!({"pm25": 82})).await;
    let alerts = wait_alerts(&office, id, |a| a.len() == 1).await;
    let alert = &alerts[0];
    assert_eq!(alert["state"], "open");
    assert_eq!(alert["message"], "PM2.5 超过 75");
    assert_eq!(alert["values"], json!({"pm25": 82}));
    assert_eq!(alert["severity"], "warning");
    assert_eq!(alert["ruleId"], pm["id"]);
    assert_eq!(alert["ruleName"], "PM2.5 超标");
    assert_eq!(alert["entityType"], "AirQualityObserved");
    assert_eq!(alert["tenant"], "");
    assert_eq!(alert["location"]["type"], "Point");
    assert!(alert["raisedAt"].as_str().unwrap().ends_with('Z'));
    assert!(alert["acknowledgedAt"].is_null() && alert["closedAt"].is_null());

    // Still above the threshold: no second alert.
    set(&ngsi, id, json!({"pm25": 90})).await;
    settle(&office, &ngsi).await;
    assert_eq!(alerts_of(&office, id).await.len(), 1);

    // Below: the alert closes itself.
    set(&ngsi, id, json!({"pm25": 40})).await;
    let alerts = wait_alerts(&office, id, |a| a[0]["state"] == "closed").await;
    assert_eq!(alerts[0]["closeReason"], "cleared");
    assert_eq!(alerts[0]["closedBy"], "system");

    // A new crossing is a new alert; deleting the entity clears it.
    set(&ngsi, id, json!({"pm25": 80})).await;
    let alerts = wait_alerts(&office, id, |a| a.len() == 2).await;
    assert_eq!(states(&alerts), ["open", "closed"], "newest first");
    let r = ngsi.delete(&format!("/entities/{id}")).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    wait_alerts(&office, id, |a| states(a) == ["closed", "closed"]).await;

    // Filters.
    let open = office
        .get_json(&format!(
            "/api/v1/twin/alerts?state=closed&ruleId={}&entityId={id}",
            pm["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(open["total"], 2);
    assert_eq!(
        (open["limit"].as_i64(), open["offset"].as_i64()),
        (Some(50), Some(0))
    );
}

#[tokio::test]
async fn geofences_take_only_entities_inside() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let office = app.demo("demo-office").await;
    let crowd = |id: &str, count: i64, at: [f64; 2]| {
        json!({"id": format!("urn:ngsi-ld:CrowdFlowObserved:{id}"), "type": "CrowdFlowObserved",
               "peopleCount": count, "location": {"type": "Point", "coordinates": at}})
    };
    create(&ngsi, crowd("gate", 5000, IN_PARK)).await;
    create(&ngsi, crowd("elsewhere", 5000, OUTSIDE_PARK)).await;
    let inside = "urn:ngsi-ld:CrowdFlowObserved:gate";
    let alerts = wait_alerts(&office, inside, |a| a.len() == 1).await;
    assert_eq!(alerts[0]["message"], "铜锣山矿山公园：人数 超过 3000");
    assert_eq!(alerts[0]["severity"], "critical");
    settle(&office, &ngsi).await;
    assert!(
        alerts_of(&office, "urn:ngsi-ld:CrowdFlowObserved:elsewhere")
            .await
            .is_empty()
    );

    // Leaving the geofence clears the alert.
    set(
        &ngsi,
        inside,
        json!({"location": {"type": "Point", "coordinates": [106.80, 29.80]}}),
    )
    .await;
    wait_alerts(&office, inside, |a| a[0]["state"] == "closed").await;

    // A rule with its own GeoJSON polygon, created while an entity already matches: the
    // alert exists as soon as the rule does.
    let square = json!({"type": "Polygon", "coordinates": [[[106.59, 29.69], [106.61, 29.69],
        [106.61, 29.71], [106.59, 29.71], [106.59, 29.69]]]});
    let r = office
        .post(
            "/api/v1/twin/alert-rules",
            json!({"name": "西侧人流", "entityType": "CrowdFlowObserved", "q": "peopleCount>=1000",
                   "geofence": square, "severity": "warning"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let rule: Value = r.json().await.unwrap();
    assert_eq!(rule["geofence"], square);
    assert_eq!(
        (rule["enabled"].as_bool(), rule["autoClose"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(rule["createdBy"], "demo-office");
    let alerts = alerts_of(&office, "urn:ngsi-ld:CrowdFlowObserved:elsewhere").await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["message"], "人数 达到 1000");

    // Deleting the rule closes its alert; disabling another stops its evaluation.
    let r = office
        .send(
            Method::DELETE,
            &format!("/api/v1/twin/alert-rules/{}", rule["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let alerts = alerts_of(&office, "urn:ngsi-ld:CrowdFlowObserved:elsewhere").await;
    assert_eq!(alerts[0]["closeReason"], "rule deleted");
    let park_rule = rule_named(&office, "铜锣山矿山公园人流超限").await;
    let path = format!(
        "/api/v1/twin/alert-rules/{}",
        park_rule["id"].as_str().unwrap()
    );
    let r = office
        .send(Method::PATCH, &path, Some(json!({"enabled": false})))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    set(
        &ngsi,
        inside,
        json!({"location": {"type": "Point", "coordinates": IN_PARK}}),
    )
    .await;
    settle(&office, &ngsi).await;
    assert_eq!(
        alerts_of(&office, inside).await.len(),
        1,
        "disabled: no alert"
    );
    // Enabled again, the entity inside raises at once.
    let r = office
        .send(Method::PATCH, &path, Some(json!({"enabled": true})))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        states(&alerts_of(&office, inside).await),
        ["open", "closed"]
    );
}

#[tokio::test]
async fn acknowledging_and_closing_need_the_office_and_are_audited() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let office = app.demo("demo-office").await;
    let unit = app.demo("demo-unit").await;
    let citizen = app.demo("demo-citizen").await;
    let id = "urn:ngsi-ld:OffStreetParking:xiantao";
    create(
        &ngsi,
        json!({"id": id, "type": "OffStreetParking", "occupancy": 0.97}),
    )
    .await;
    let alert = wait_alerts(&office, id, |a| a.len() == 1).await[0].clone();
    assert_eq!(alert["message"], "占用率 超过 95%");
    assert_eq!(alert["severity"], "info");
    let alert_path = format!("/api/v1/twin/alerts/{}", alert["id"].as_str().unwrap());

    // Everyone who sees the twin reads alerts; only the office (and admin) acts on them.
    assert_eq!(citizen.get_json(&alert_path).await["id"], alert["id"]);
    let r = unit
        .post(&format!("{alert_path}/acknowledge"), json!({}))
        .await;
    expect_problem(r, StatusCode::FORBIDDEN).await;
    let auditor = app.demo("demo-auditor").await;
    expect_problem(auditor.get(&alert_path).await, StatusCode::FORBIDDEN).await;

    let r = office
        .send(Method::POST, &format!("{alert_path}/acknowledge"), None)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let acked: Value = r.json().await.unwrap();
    assert_eq!(acked["state"], "acknowledged");
    assert_eq!(acked["acknowledgedBy"], "demo-office");
    assert!(acked["acknowledgedAt"].is_string());
    let again = office
        .send(Method::POST, &format!("{alert_path}/acknowledge"), None)
        .await;
    expect_problem(again, StatusCode::CONFLICT).await;

    let r = office
        .post(
            &format!("{alert_path}/close"),
            json!({"reason": "已安排引导车辆"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let closed: Value = r.json().await.unwrap();
    assert_eq!(closed["state"], "closed");
    assert_eq!(closed["closedBy"], "demo-office");
    assert_eq!(closed["closeReason"], "已安排引导车辆");
    let again = office
        .send(Method::POST, &format!("{alert_path}/close"), None)
        .await;
    expect_problem(again, StatusCode::CONFLICT).await;
    let ack_closed = office
        .send(Method::POST, &format!("{alert_path}/acknowledge"), None)
        .await;
    expect_problem(ack_closed, StatusCode::CONFLICT).await;

    // Closed by hand while still matching: no new alert until it stops and starts again.
    set(&ngsi, id, json!({"occupancy": 0.99})).await;
    settle(&office, &ngsi).await;
    assert_eq!(alerts_of(&office, id).await.len(), 1);
    set(&ngsi, id, json!({"occupancy": 0.5})).await;
    set(&ngsi, id, json!({"occupancy": 0.96})).await;
    let alerts = wait_alerts(&office, id, |a| a.len() == 2).await;
    assert_eq!(states(&alerts), ["open", "closed"]);

    // Without autoClose the alert waits for a person; matching again adds nothing.
    let rule_path = format!(
        "/api/v1/twin/alert-rules/{}",
        alert["ruleId"].as_str().unwrap()
    );
    let r = office
        .send(Method::PATCH, &rule_path, Some(json!({"autoClose": false})))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    set(&ngsi, id, json!({"occupancy": 0.5})).await;
    set(&ngsi, id, json!({"occupancy": 0.97})).await;
    settle(&office, &ngsi).await;
    assert_eq!(states(&alerts_of(&office, id).await), ["open", "closed"]);
    let r = unit
        .send(
            Method::PATCH,
            &rule_path,
            Some(json!({"severity": "critical"})),
        )
        .await;
    expect_problem(r, StatusCode::FORBIDDEN).await;

    let audit = app.demo("demo-auditor").await;
    let log = audit
        .get_json("/api/v1/audit?action=alert.acknowledge&limit=500")
        .await;
    let outcomes: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert!(
        outcomes.contains(&"success") && outcomes.contains(&"denied"),
        "{log}"
    );
    let raised = audit
        .get_json("/api/v1/audit?action=alert.raise&limit=500")
        .await;
    assert!(raised["total"].as_i64().unwrap() >= 2);
    let closes = audit
        .get_json("/api/v1/audit?action=alert.close&limit=500")
        .await;
    assert!(
        closes["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["actor_user"] == "demo-office"),
        "{closes}"
    );
    let updates = audit
        .get_json("/api/v1/audit?action=alert_rule.update&limit=500")
        .await;
    assert!(
        updates["total"].as_i64().unwrap() >= 2,
        "one success, one denied"
    );
}

#[tokio::test]
async fn alerts_and_matches_survive_a_restart() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let office = app.demo("demo-office").await;
    create(&ngsi, air("lianglu", 120.0)).await;
    create(&ngsi, air("shuangfeng", 130.0)).await;
    let kept = "urn:ngsi-ld:AirQualityObserved:lianglu";
    let acked = "urn:ngsi-ld:AirQualityObserved:shuangfeng";
    wait_alerts(&office, kept, |a| a.len() == 1).await;
    let alert = wait_alerts(&office, acked, |a| a.len() == 1).await[0].clone();
    let r = office
        .send(
            Method::POST,
            &format!(
                "/api/v1/twin/alerts/{}/acknowledge",
                alert["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let key = ngsi.key.clone();

    let (settings, dir) = app.stop().await;
    // The service others call for indicators counts what is waiting for someone.
    let (state, _) = yuverse_server::prepare(&settings).await.unwrap();
    assert_eq!(state.alerts.count_open().await.unwrap(), 1);
    state.alerts.stop().await;
    state.devices.stop().await;
    state.db.close().await;

    let app = start(settings).await;
    let office = app.demo("demo-office").await;
    let ngsi = Ngsi {
        key,
        ..Ngsi::anonymous(&app)
    };
    assert_eq!(states(&alerts_of(&office, kept).await), ["open"]);
    assert_eq!(states(&alerts_of(&office, acked).await), ["acknowledged"]);
    set(&ngsi, kept, json!({"pm25": 140})).await;
    settle(&office, &ngsi).await;
    assert_eq!(
        alerts_of(&office, kept).await.len(),
        1,
        "no duplicate after restart"
    );
    assert_eq!(
        office.get_json("/api/v1/twin/alert-rules").await["total"],
        3,
        "default rules are seeded once"
    );
    set(&ngsi, acked, json!({"pm25": 20})).await;
    let alerts = wait_alerts(&office, acked, |a| a[0]["state"] == "closed").await;
    assert_eq!(alerts[0]["acknowledgedBy"], "demo-office");
    assert_eq!(alerts[0]["closeReason"], "cleared");
    drop(dir);
}

/// A notification receiver recording what it gets.
async fn receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let received: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = received.clone();
    let app = axum::Router::new().route(
        "/notify",
        post(move |body: String| {
            let sink = sink.clone();
            async move {
                sink.lock()
                    .unwrap()
                    .push(serde_json::from_str(&body).unwrap_or(Value::Null));
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

async fn wait_notifications(received: &Mutex<Vec<Value>>, n: usize) -> Vec<Value> {
    for _ in 0..200 {
        if received.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    received.lock().unwrap().clone()
}

#[tokio::test]
async fn alerts_are_mirrored_as_sdm_entities_that_notify_subscribers() {
    let app = spawn_demo(true).await;
    let mut ngsi = Ngsi::writer(&app).await;
    ngsi.tenant = Some("airport".into());
    let office = app.demo("demo-office").await;
    let (url, received) = receiver().await;
    let r = ngsi
        .post(
            "/subscriptions",
            &json!({"type": "Subscription", "entities": [{"type": "Alert"}],
                    "watchedAttributes": ["status"],
                    "notification": {"endpoint": {"uri": url, "accept": "application/json"},
                                     "format": "keyValues"}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);

    let source = "urn:ngsi-ld:AirQualityObserved:konggang";
    create(&ngsi, air("konggang", 160.0)).await;
    let got = wait_notifications(&received, 1).await;
    assert_eq!(got.len(), 1, "{got:?}");
    let data = &got[0]["data"][0];
    assert_eq!(data["type"], "Alert");
    assert_eq!(data["status"], "open");
    assert_eq!(data["category"], "environment");
    assert_eq!(data["subCategory"], "airPollution");
    assert_eq!(data["severity"], "medium");
    assert_eq!(data["description"], "PM2.5 超过 75");
    assert_eq!(data["alertSource"], source);
    assert_eq!(data["location"]["type"], "Point");
    assert!(data["dateIssued"].is_string() || data["dateIssued"].is_object());

    let alert = alerts_of(&office, source).await[0].clone();
    assert_eq!(alert["tenant"], "airport");
    let alert_id = alert["id"].as_str().unwrap();
    assert_eq!(data["id"], format!("urn:ngsi-ld:Alert:{alert_id}"));
    let r = office
        .send(
            Method::POST,
            &format!("/api/v1/twin/alerts/{alert_id}/acknowledge"),
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let got = wait_notifications(&received, 2).await;
    assert_eq!(got[1]["data"][0]["status"], "acknowledged");
    let r = office
        .post(&format!("/api/v1/twin/alerts/{alert_id}/close"), json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let got = wait_notifications(&received, 3).await;
    assert_eq!(got[2]["data"][0]["status"], "closed");

    let entity = ngsi
        .get_json(&format!(
            "/entities/urn:ngsi-ld:Alert:{alert_id}?options=keyValues"
        ))
        .await;
    assert_eq!(entity["status"], "closed");
    assert!(entity["validTo"].is_string() || entity["validTo"].is_object());
    // Not in the default tenant: the mirror lives with its source.
    let r = Ngsi::anonymous(&app)
        .get(&format!("/entities/urn:ngsi-ld:Alert:{alert_id}"))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let app = spawn_demo(true).await;
    let office = app.demo("demo-office").await;
    let rule = |extra: Value| {
        let mut r = json!({"name": "测试", "entityType": "AirQualityObserved", "q": "pm25>75",
                           "severity": "warning"});
        for (k, v) in extra.as_object().unwrap() {
            r[k] = v.clone();
        }
        r
    };
    let field_of = |body: &Value| body["errors"][0]["field"].as_str().unwrap_or("").to_owned();
    for (extra, field) in [
        (json!({"q": "pm25>"}), "q"),
        (json!({"q": "pm25>75;"}), "q"),
        (json!({"severity": "major"}), "severity"),
        (
            json!({"geofence": {"placeId": "no-such-place"}}),
            "geofence.placeId",
        ),
        (
            json!({"geofence": {"placeId": "citizen-service-centre"}}),
            "geofence.placeId",
        ),
        (
            json!({"geofence": {"type": "Point", "coordinates": [106.6, 29.7]}}),
            "geofence",
        ),
        (json!({"geofence": "铜锣山"}), "geofence"),
        (json!({"entityType": "Alert"}), "entityType"),
        (json!({"entityType": "Air Quality"}), "entityType"),
        (json!({"name": " "}), "name"),
    ] {
        let r = office
            .post("/api/v1/twin/alert-rules", rule(extra.clone()))
            .await;
        let body = expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(field_of(&body), field, "{extra}: {body}");
    }
    let r = office
        .post("/api/v1/twin/alert-rules", rule(json!({"colour": "red"})))
        .await;
    expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let r = office
        .client
        .post(app.url("/api/v1/twin/alert-rules"))
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    expect_problem(r, StatusCode::BAD_REQUEST).await;
    assert_eq!(
        office.get_json("/api/v1/twin/alert-rules").await["total"],
        3,
        "nothing was written"
    );

    // A place by code works, and the patch of a rule is checked the same way.
    let r = office
        .post(
            "/api/v1/twin/alert-rules",
            rule(json!({"geofence": {"placeId": "tongluoshan-mine-park"}})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    let path = format!(
        "/api/v1/twin/alert-rules/{}",
        created["id"].as_str().unwrap()
    );
    let r = office
        .send(Method::PATCH, &path, Some(json!({"q": "pm25>>1"})))
        .await;
    let body = expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(field_of(&body), "q");
    assert_eq!(office.get_json(&path).await["q"], "pm25>75", "unchanged");
    let r = office
        .send(Method::PATCH, &path, Some(json!({"geofence": null})))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(office.get_json(&path).await["geofence"].is_null());

    for (method, path) in [
        (Method::GET, "/api/v1/twin/alerts/nope"),
        (Method::GET, "/api/v1/twin/alert-rules/nope"),
        (Method::DELETE, "/api/v1/twin/alert-rules/nope"),
        (Method::POST, "/api/v1/twin/alerts/nope/acknowledge"),
        (Method::POST, "/api/v1/twin/alerts/nope/close"),
    ] {
        let r = office.send(method.clone(), path, None).await;
        expect_problem(r, StatusCode::NOT_FOUND).await;
    }
    let r = office
        .send(
            Method::PATCH,
            "/api/v1/twin/alert-rules/nope",
            Some(json!({"enabled": false})),
        )
        .await;
    expect_problem(r, StatusCode::NOT_FOUND).await;
    let r = office.get("/api/v1/twin/alerts?state=pending").await;
    expect_problem(r, StatusCode::BAD_REQUEST).await;
    let r = office.get("/api/v1/twin/alerts?limit=0").await;
    expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let r = office
        .post(
            "/api/v1/twin/alerts/nope/close",
            json!({"reason": "x".repeat(501)}),
        )
        .await;
    expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let r = TestApp::client()
        .get(app.url("/api/v1/twin/alerts"))
        .send()
        .await
        .unwrap();
    expect_problem(r, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn an_engine_that_falls_behind_catches_up_from_the_current_state() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let office = app.demo("demo-office").await;
    // One batch commits more changes at once than the watch keeps (16 384): the oldest are
    // dropped for the engine, which then re-evaluates every rule on the twin as it is.
    let mut batch: Vec<Value> = (0..5).map(|i| air(&format!("first-{i}"), 100.0)).collect();
    batch.extend((0..17_000).map(|i| air(&format!("calm-{i}"), 10.0)));
    let r = ngsi
        .post("/entityOperations/upsert", &Value::Array(batch))
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    for i in 0..5 {
        let id = format!("urn:ngsi-ld:AirQualityObserved:first-{i}");
        wait_alerts(&office, &id, |a| a.len() == 1).await;
    }
    let open = office.get_json("/api/v1/twin/alerts?state=open").await;
    assert_eq!(open["total"], 5);
}
