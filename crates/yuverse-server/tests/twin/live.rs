//! The live feed `GET /api/v1/twin/live`: committed changes as Server-Sent Events, read with a
//! streaming HTTP client while entities are written through NGSI-LD.

use std::time::Duration;

use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

use crate::common::*;
use crate::ngsi::*;

/// Reads one Server-Sent Events stream block by block.
struct EventStream {
    response: Response,
    buffer: String,
}

impl EventStream {
    async fn open(session: &Session, query: &str) -> EventStream {
        let response = session.get(&format!("/api/v1/twin/live{query}")).await;
        assert_eq!(response.status(), StatusCode::OK);
        let content_type = response.headers()["content-type"].to_str().unwrap();
        assert!(
            content_type.starts_with("text/event-stream"),
            "{content_type}"
        );
        EventStream {
            response,
            buffer: String::new(),
        }
    }

    /// The next event (name, JSON data), skipping keep-alive comments.
    async fn next(&mut self) -> (String, Value) {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut name = String::from("message");
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if data.is_empty() {
                    continue;
                }
                return (name, serde_json::from_str(&data).unwrap());
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.response.chunk())
                .await
                .expect("an event within 10 s")
                .unwrap()
                .expect("the stream stays open");
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }
}

fn air_quality(id: &str, pm25: f64) -> Value {
    json!({"id": id, "type": "AirQualityObserved",
           "pm25": {"type": "Property", "value": pm25},
           "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [106.63, 29.72]}}})
}

#[tokio::test]
async fn a_signed_in_user_follows_changes_filtered_by_type() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let office = app.demo("demo-office").await;
    let mut feed = EventStream::open(&office, "?type=AirQualityObserved,OffStreetParking").await;

    // A streetlight is not among the followed types; the air-quality station is.
    let light = json!({"id": "urn:ngsi-ld:Streetlight:live-1", "type": "Streetlight",
                       "illuminanceLevel": {"type": "Property", "value": 0.4}});
    assert_eq!(
        ngsi.post("/entities", &light).await.status(),
        StatusCode::CREATED
    );
    let id = "urn:ngsi-ld:AirQualityObserved:live-1";
    assert_eq!(
        ngsi.post("/entities", &air_quality(id, 35.0))
            .await
            .status(),
        StatusCode::CREATED
    );

    let (name, created) = feed.next().await;
    assert_eq!(name, "change");
    assert_eq!(
        created["id"], id,
        "the streetlight was filtered out: {created}"
    );
    assert_eq!(created["type"], "AirQualityObserved");
    assert_eq!(created["deleted"], false);
    assert_eq!(created["attrs"], json!({"pm25": 35.0}));
    assert_eq!(
        created["location"],
        json!({"type": "Point", "coordinates": [106.63, 29.72]})
    );

    let r = ngsi
        .send_json(
            Method::PATCH,
            &format!("/entities/{id}/attrs"),
            &json!({"pm25": {"type": "Property", "value": 80.5}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (_, updated) = feed.next().await;
    assert_eq!(updated["attrs"]["pm25"], 80.5);

    let r = ngsi.delete(&format!("/entities/{id}")).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (_, deleted) = feed.next().await;
    assert_eq!(deleted["id"], id);
    assert_eq!(deleted["deleted"], true);
    assert_eq!(deleted["type"], "AirQualityObserved");
}

#[tokio::test]
async fn every_type_and_only_the_asked_tenant_without_a_filter() {
    let app = spawn_demo(true).await;
    let mut ngsi = Ngsi::writer(&app).await;
    let citizen = app.demo("demo-citizen").await;
    let mut feed = EventStream::open(&citizen, "").await;

    ngsi.tenant = Some("other".into());
    assert_eq!(
        ngsi.post(
            "/entities",
            &air_quality("urn:ngsi-ld:AirQualityObserved:t", 1.0)
        )
        .await
        .status(),
        StatusCode::CREATED
    );
    ngsi.tenant = None;
    let building = json!({"id": "urn:ngsi-ld:Building:live", "type": "Building",
                          "height": {"type": "Property", "value": 42}});
    assert_eq!(
        ngsi.post("/entities", &building).await.status(),
        StatusCode::CREATED
    );

    let (_, change) = feed.next().await;
    assert_eq!(
        change["id"], "urn:ngsi-ld:Building:live",
        "the other tenant's change is not sent"
    );
    assert_eq!(change["attrs"]["height"], 42);
    assert_eq!(change["location"], Value::Null);
}

#[tokio::test]
async fn the_feed_needs_a_signed_in_user_or_a_reading_key() {
    let app = spawn_demo(true).await;
    let anonymous = TestApp::client()
        .get(app.url("/api/v1/twin/live"))
        .send()
        .await
        .unwrap();
    expect_problem(anonymous, StatusCode::UNAUTHORIZED).await;

    let unit = app.demo("demo-unit").await;
    let org = unit.me["organisation"]["id"].as_str().unwrap().to_owned();
    let key: Value = unit
        .post(
            "/api/v1/api-keys",
            json!({"name": "publisher", "organisation_id": org, "permissions": ["mqtt:publish"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let publisher = TestApp::client()
        .get(app.url("/api/v1/twin/live"))
        .header("x-api-key", key["key"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    expect_problem(publisher, StatusCode::FORBIDDEN).await;

    let bad = unit
        .get("/api/v1/twin/live?type=Building,,Streetlight")
        .await;
    let body = expect_problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["errors"][0]["field"], "type");

    let spec = unit.get_json("/api/v1/openapi.json").await;
    assert!(spec["paths"]["/api/v1/twin/live"]["get"].is_object());
}
