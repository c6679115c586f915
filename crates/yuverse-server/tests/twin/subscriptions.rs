//! Subscriptions with a real HTTP receiver on a free port.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::post;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::*;
use crate::ngsi::*;

/// A notification receiver that records what it gets (body and headers).
pub(crate) struct Receiver {
    pub url: String,
    received: Arc<Mutex<Vec<(Value, axum::http::HeaderMap)>>>,
}

pub(crate) async fn receiver() -> Receiver {
    let received: Arc<Mutex<Vec<(Value, axum::http::HeaderMap)>>> = Arc::default();
    let sink = received.clone();
    let app = axum::Router::new().route(
        "/notify",
        post(move |headers: axum::http::HeaderMap, body: String| {
            let sink = sink.clone();
            async move {
                sink.lock()
                    .unwrap()
                    .push((serde_json::from_str(&body).unwrap_or(Value::Null), headers));
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver { url, received }
}

impl Receiver {
    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }

    /// Waits until `n` notifications arrived (or a generous deadline passes).
    pub async fn wait_for(&self, n: usize) -> Vec<(Value, axum::http::HeaderMap)> {
        for _ in 0..100 {
            if self.count() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.received.lock().unwrap().clone()
    }
}

fn subscription(uri: &str, extra: Value) -> Value {
    let mut s = json!({
        "type": "Subscription",
        "entities": [{"type": "OffStreetParking"}],
        "watchedAttributes": ["occupancy"],
        "notification": {"endpoint": {"uri": uri, "accept": "application/json",
            "receiverInfo": [{"key": "X-Park", "value": "xiantao"}]}, "format": "keyValues"}
    });
    for (k, v) in extra.as_object().unwrap() {
        s[k] = v.clone();
    }
    s
}

async fn set_occupancy(ngsi: &Ngsi, value: f64) {
    let r = ngsi
        .send_json(
            Method::PATCH,
            "/entities/urn:ngsi-ld:OffStreetParking:p1/attrs",
            &json!({"occupancy": value}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn notifications_follow_watched_attributes_q_and_throttling() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let rx = receiver().await;
    ngsi.post("/entities", &json!({"id": "urn:ngsi-ld:OffStreetParking:p1", "type": "OffStreetParking", "occupancy": 0.5, "name": "仙桃停车场"}))
        .await;
    let r = ngsi
        .post(
            "/subscriptions",
            &subscription(&rx.url, json!({"q": "occupancy>0.9", "throttling": 1})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let sub_id = location.rsplit('/').next().unwrap().to_owned();

    set_occupancy(&ngsi, 0.6).await; // q does not match: nothing
    set_occupancy(&ngsi, 0.96).await; // matches: one notification
    let got = rx.wait_for(1).await;
    assert_eq!(got.len(), 1);
    let (body, headers) = &got[0];
    assert_eq!(body["type"], "Notification");
    assert_eq!(body["subscriptionId"], sub_id);
    assert_eq!(body["data"][0]["occupancy"], 0.96);
    assert_eq!(headers["x-park"], "xiantao");

    set_occupancy(&ngsi, 0.97).await; // inside the 1 s throttling window: dropped
    tokio::time::sleep(Duration::from_millis(1300)).await;
    set_occupancy(&ngsi, 0.98).await; // after the window: sent
    let got = rx.wait_for(2).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].0["data"][0]["occupancy"], 0.98);

    // A change of another attribute is not watched.
    let r = ngsi
        .send_json(
            Method::PATCH,
            "/entities/urn:ngsi-ld:OffStreetParking:p1/attrs",
            &json!({"name": "新名字"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rx.count(), 2);

    let status = ngsi.get_json(&format!("/subscriptions/{sub_id}")).await;
    assert_eq!(status["status"], "active");
    assert_eq!(status["notification"]["timesSent"], 2);
    assert!(status["notification"]["lastSuccess"].is_string());
}

#[tokio::test]
async fn show_changes_adds_the_previous_value_of_updated_attributes() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let rx = receiver().await;
    let mut body = subscription(&rx.url, json!({}));
    body["watchedAttributes"] = json!(["occupancy", "operator"]);
    body["notification"]["format"] = json!("normalized");
    body["notification"]["showChanges"] = json!(true);
    assert_eq!(
        ngsi.post("/subscriptions", &body).await.status(),
        StatusCode::CREATED
    );
    ngsi.post(
        "/entities",
        &json!({"id": "urn:ngsi-ld:OffStreetParking:p1", "type": "OffStreetParking",
        "occupancy": 0.5, "operator": {"type": "Relationship", "object": "urn:ngsi-ld:Company:a"}}),
    )
    .await;
    let created = rx.wait_for(1).await;
    assert!(
        created[0].0["data"][0]["occupancy"]
            .get("previousValue")
            .is_none(),
        "a new attribute has no previous value"
    );
    let r = ngsi
        .send_json(
            Method::PATCH,
            "/entities/urn:ngsi-ld:OffStreetParking:p1/attrs",
            &json!({"occupancy": 0.7, "operator": {"type": "Relationship", "object": "urn:ngsi-ld:Company:b"}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let got = rx.wait_for(2).await;
    let entity = &got[1].0["data"][0];
    assert_eq!(entity["occupancy"]["value"], 0.7);
    assert_eq!(entity["occupancy"]["previousValue"], 0.5);
    assert_eq!(entity["operator"]["object"], "urn:ngsi-ld:Company:b");
    assert_eq!(
        entity["operator"]["previousObject"],
        "urn:ngsi-ld:Company:a"
    );

    // The simplified form has no room for previous values (clause 5.2.14).
    let mut bad = subscription(&rx.url, json!({}));
    bad["notification"]["showChanges"] = json!(true);
    expect_error(
        ngsi.post("/subscriptions", &bad).await,
        StatusCode::BAD_REQUEST,
        "BadRequestData",
    )
    .await;
}

#[tokio::test]
async fn notifications_are_compacted_with_the_subscriptions_jsonld_context() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let rx = receiver().await;
    // A hosted context that gives occupancy a short name of its own.
    let r = ngsi
        .post(
            "/jsonldContexts",
            &json!({"@context": {"occ": "https://uri.etsi.org/ngsi-ld/default-context/occupancy"}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let url = app.url(r.headers()["location"].to_str().unwrap());
    let body = subscription(&rx.url, json!({"jsonldContext": url}));
    assert_eq!(
        ngsi.post("/subscriptions", &body).await.status(),
        StatusCode::CREATED
    );
    ngsi.post("/entities", &json!({"id": "urn:ngsi-ld:OffStreetParking:p1", "type": "OffStreetParking", "occupancy": 0.5}))
        .await;
    set_occupancy(&ngsi, 0.6).await;
    let got = rx.wait_for(1).await;
    let (body, headers) = got.last().unwrap();
    assert_eq!(body["data"][0]["occ"], 0.6, "{body}");
    assert!(body["data"][0].get("occupancy").is_none());
    assert!(headers["link"].to_str().unwrap().contains(&url));

    for bad in [
        json!({"jsonldContext": 5}),
        json!({"jsonldContext": "not a uri"}),
    ] {
        expect_error(
            ngsi.post("/subscriptions", &subscription(&rx.url, bad))
                .await,
            StatusCode::BAD_REQUEST,
            "BadRequestData",
        )
        .await;
    }
    // A context that cannot be had is refused when the subscription is made.
    let r = ngsi
        .post(
            "/subscriptions",
            &subscription(
                &rx.url,
                json!({"jsonldContext": "https://unreachable.example/ctx.jsonld"}),
            ),
        )
        .await;
    let problem: Value = r.json().await.unwrap();
    assert_eq!(
        problem["type"],
        format!("{ERRORS}LdContextNotAvailable"),
        "{problem}"
    );
}

#[tokio::test]
async fn a_geojson_endpoint_gets_a_feature_collection() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let rx = receiver().await;
    let mut body = subscription(&rx.url, json!({}));
    body["notification"]["endpoint"]["accept"] = json!("application/geo+json");
    body["notification"]["format"] = json!("normalized");
    assert_eq!(
        ngsi.post("/subscriptions", &body).await.status(),
        StatusCode::CREATED
    );
    ngsi.post("/entities", &json!({"id": "urn:ngsi-ld:OffStreetParking:p1", "type": "OffStreetParking",
        "occupancy": 0.5,
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [106.63, 29.72]}}}))
        .await;
    let got = rx.wait_for(1).await;
    let (body, headers) = &got[0];
    assert_eq!(headers["content-type"], "application/geo+json");
    let data = &body["data"];
    assert_eq!(data["type"], "FeatureCollection", "{body}");
    let feature = &data["features"][0];
    assert_eq!(feature["id"], "urn:ngsi-ld:OffStreetParking:p1");
    assert_eq!(feature["geometry"]["coordinates"], json!([106.63, 29.72]));
    assert_eq!(feature["properties"]["occupancy"]["value"], 0.5);
}

#[tokio::test]
async fn paused_and_expired_subscriptions_stay_silent() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let rx = receiver().await;
    ngsi.post("/entities", &json!({"id": "urn:ngsi-ld:OffStreetParking:p1", "type": "OffStreetParking", "occupancy": 0.5}))
        .await;
    let r = ngsi
        .post(
            "/subscriptions",
            &subscription(
                &rx.url,
                json!({"id": "urn:ngsi-ld:Subscription:paused", "isActive": false}),
            ),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let soon = yuverse_core::time::to_db(
        yuverse_core::time::now() + std::time::Duration::from_millis(600),
    );
    let r = ngsi
        .post(
            "/subscriptions",
            &subscription(
                &rx.url,
                json!({"id": "urn:ngsi-ld:Subscription:expiring", "expiresAt": soon}),
            ),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    tokio::time::sleep(Duration::from_millis(900)).await;
    set_occupancy(&ngsi, 0.7).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        rx.count(),
        0,
        "neither the paused nor the expired subscription notifies"
    );
    let expired = ngsi
        .get_json("/subscriptions/urn:ngsi-ld:Subscription:expiring")
        .await;
    assert_eq!(expired["status"], "expired");

    // Resuming the paused one makes it notify.
    let r = ngsi
        .send_json(
            Method::PATCH,
            "/subscriptions/urn:ngsi-ld:Subscription:paused",
            &json!({"isActive": true}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    set_occupancy(&ngsi, 0.8).await;
    assert_eq!(rx.wait_for(1).await.len(), 1);
}

#[tokio::test]
async fn subscription_crud_and_errors() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let body = subscription(
        "http://127.0.0.1:9/notify",
        json!({"id": "urn:ngsi-ld:Subscription:s1"}),
    );
    assert_eq!(
        ngsi.post("/subscriptions", &body).await.status(),
        StatusCode::CREATED
    );
    expect_error(
        ngsi.post("/subscriptions", &body).await,
        StatusCode::CONFLICT,
        "AlreadyExists",
    )
    .await;
    let list = ngsi.get_json("/subscriptions").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    for bad in [
        json!({"type": "Subscription", "notification": {"endpoint": {"uri": "http://x/"}}}),
        subscription("ftp://x/", json!({})),
        subscription("http://x/", json!({"timeInterval": 10})),
        subscription("http://x/", json!({"q": "occupancy>>"})),
        subscription("http://x/", json!({"expiresAt": "2000-01-01T00:00:00Z"})),
        subscription("http://x/", json!({"notificationTrigger": ["whenever"]})),
        subscription("http://x/", json!({"wibble": 1})),
    ] {
        expect_error(
            ngsi.post("/subscriptions", &bad).await,
            StatusCode::BAD_REQUEST,
            "BadRequestData",
        )
        .await;
    }
    let r = ngsi
        .delete("/subscriptions/urn:ngsi-ld:Subscription:s1")
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    expect_error(
        ngsi.get("/subscriptions/urn:ngsi-ld:Subscription:s1").await,
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
    )
    .await;
}

/// Polls a subscription until `check` holds on it (or a generous deadline passes).
async fn wait_for_status(ngsi: &Ngsi, id: &str, check: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..200 {
        last = ngsi.get_json(&format!("/subscriptions/{id}")).await;
        if check(&last) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    last
}

#[tokio::test]
async fn delivery_status_survives_a_restart() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let rx = receiver().await;
    ngsi.post("/entities", &json!({"id": "urn:ngsi-ld:OffStreetParking:p1", "type": "OffStreetParking", "occupancy": 0.5}))
        .await;
    let mut ids = Vec::new();
    // Port 9 (discard) is closed here: every attempt fails at once.
    for uri in [rx.url.as_str(), "http://127.0.0.1:9/notify"] {
        let r = ngsi
            .post("/subscriptions", &subscription(uri, json!({})))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let location = r.headers()["location"].to_str().unwrap();
        ids.push(location.rsplit('/').next().unwrap().to_owned());
    }
    set_occupancy(&ngsi, 0.7).await;
    rx.wait_for(1).await;
    let sent = wait_for_status(&ngsi, &ids[0], |s| s["notification"]["timesSent"] == 1).await;
    let failed = wait_for_status(&ngsi, &ids[1], |s| s["notification"]["timesFailed"] == 1).await;
    assert_eq!(failed["notification"]["status"], "failed");
    // The status writer stores changes within a second.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let (settings, _dir) = app.stop().await;
    let app = start(settings).await;
    let ngsi = Ngsi {
        base: app.url("/ngsi-ld/v1"),
        ..ngsi
    };
    let after = ngsi.get_json(&format!("/subscriptions/{}", ids[0])).await;
    assert_eq!(after["notification"]["timesSent"], 1);
    assert_eq!(
        after["notification"]["lastSuccess"],
        sent["notification"]["lastSuccess"]
    );
    let after = ngsi.get_json(&format!("/subscriptions/{}", ids[1])).await;
    assert_eq!(after["notification"]["timesFailed"], 1);
    assert_eq!(
        after["notification"]["lastFailure"],
        failed["notification"]["lastFailure"]
    );
    assert_eq!(after["notification"]["status"], "failed");
}

#[tokio::test]
async fn endpoint_uris_and_notifier_info_are_checked() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    for (uri, notifier_info) in [
        ("ftp://example.org/n", json!([])),
        ("mqtt://127.0.0.1:1883", json!([])),
        ("mqtt://127.0.0.1/alerts/#", json!([])),
        (
            "mqtt://127.0.0.1/alerts",
            json!([{"key": "MQTT-QoS", "value": "3"}]),
        ),
        (
            "mqtt://127.0.0.1/alerts",
            json!([{"key": "MQTT-Version", "value": "mqtt4"}]),
        ),
        ("mqtt://127.0.0.1/alerts", json!({"MQTT-QoS": "1"})),
    ] {
        let mut s = subscription(uri, json!({}));
        s["notification"]["endpoint"]["notifierInfo"] = notifier_info;
        let r = ngsi.post("/subscriptions", &s).await;
        expect_error(r, StatusCode::BAD_REQUEST, "BadRequestData").await;
    }
    assert_eq!(ngsi.get_json("/subscriptions").await, json!([]));
}

#[tokio::test]
async fn https_endpoints_are_notified_when_their_certificate_is_trusted() {
    let (mut settings, dir) = test_settings(true).await;
    let ca_file = dir.path().join("district-ca.pem");
    let rx = crate::https_receiver::https_receiver(&ca_file).await;
    // Without the CA the receiver's certificate is not trusted: the notification fails.
    let untrusting = start(settings.clone()).await;
    settings.tls_ca_file = Some(ca_file);
    let app = start(settings).await;
    for (server, expect_sent) in [(&untrusting, false), (&app, true)] {
        let ngsi = Ngsi::writer(server).await;
        ngsi.post("/entities", &json!({"id": "urn:ngsi-ld:OffStreetParking:p1", "type": "OffStreetParking", "occupancy": 0.5}))
            .await;
        let r = ngsi
            .post("/subscriptions", &subscription(&rx.url, json!({})))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let id = r.headers()["location"]
            .to_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        set_occupancy(&ngsi, 0.8).await;
        let field = if expect_sent {
            "timesSent"
        } else {
            "timesFailed"
        };
        let s = wait_for_status(&ngsi, &id, |s| s["notification"][field] == 1).await;
        assert_eq!(s["notification"][field], 1, "{s}");
    }
    let received = rx.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0]["data"][0]["occupancy"], 0.8);
}

#[tokio::test]
async fn a_periodic_subscription_sends_its_matching_entities_every_interval() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    for (id, kind, occupancy) in [
        (
            "urn:ngsi-ld:OffStreetParking:quiet",
            "OffStreetParking",
            10.0,
        ),
        (
            "urn:ngsi-ld:OffStreetParking:busy",
            "OffStreetParking",
            90.0,
        ),
        ("urn:ngsi-ld:Streetlight:busy", "Streetlight", 90.0),
    ] {
        let entity = json!({"id": id, "type": kind,
            "occupancy": {"type": "Property", "value": occupancy}});
        assert_eq!(
            ngsi.post("/entities", &entity).await.status(),
            StatusCode::CREATED
        );
    }
    let rx = receiver().await;
    let periodic = json!({
        "id": "urn:ngsi-ld:Subscription:periodic", "type": "Subscription",
        "entities": [{"type": "OffStreetParking"}], "q": "occupancy>50", "timeInterval": 1,
        "notification": {"endpoint": {"uri": rx.url, "accept": "application/json"},
            "format": "keyValues"}
    });
    assert_eq!(
        ngsi.post("/subscriptions", &periodic).await.status(),
        StatusCode::CREATED
    );
    // Nothing changes, yet the notifications keep coming, each with the selected entity only
    // (the right type and q; the busy streetlight is of another type).
    let got = rx.wait_for(2).await;
    assert!(got.len() >= 2, "{got:?}");
    for (body, _) in &got {
        let ids: Vec<&str> = body["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["id"].as_str())
            .collect();
        assert_eq!(ids, ["urn:ngsi-ld:OffStreetParking:busy"], "{body}");
    }
}
