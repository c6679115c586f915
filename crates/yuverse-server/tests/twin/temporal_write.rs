//! Temporal writes (clauses 5.6.11–5.6.16): create or add instances, append, delete the
//! temporal representation, an attribute's instances, modify and delete one instance.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::*;
use crate::ngsi::*;

const ID: &str = "urn:ngsi-ld:Vehicle:v1";

fn speed(value: i64, at: &str) -> Value {
    json!({"type": "Property", "value": value, "observedAt": at})
}

async fn temporal(ngsi: &Ngsi, id: &str) -> Value {
    ngsi.get_json(&format!("/temporal/entities/{id}")).await
}

async fn delete_speed_instance(ngsi: &Ngsi, instance: &str) -> reqwest::Response {
    ngsi.request(
        Method::DELETE,
        &format!("/temporal/entities/{ID}/attrs/speed/{instance}"),
    )
    .send()
    .await
    .unwrap()
}

#[tokio::test]
async fn create_then_add_instances_without_touching_the_current_state() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let r = ngsi
        .create_temporal(&json!({"id": ID, "type": "Vehicle",
        "speed": [speed(80, "2024-01-01T02:00:00Z"), speed(70, "2024-01-01T01:00:00Z")]}))
        .await;
    assert_eq!(
        r.headers()["location"],
        format!("/ngsi-ld/v1/temporal/entities/{ID}")
    );
    // A new entity: the newest instance is its current state.
    let current = ngsi.get_json(&format!("/entities/{ID}")).await;
    assert_eq!(current["speed"]["value"], 80);
    let history = temporal(&ngsi, ID).await;
    let values: Vec<i64> = history["speed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["value"].as_i64().unwrap())
        .collect();
    assert_eq!(values, [70, 80], "oldest first");
    assert_eq!(history["type"], "Vehicle");

    // The same id again adds instances (204); the current state stays.
    let r = ngsi
        .post(
            "/temporal/entities",
            &json!({"id": ID, "type": "Vehicle", "speed": speed(99, "2024-01-01T03:00:00Z")}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = ngsi
        .post(
            &format!("/temporal/entities/{ID}/attrs"),
            &json!({"heading": [{"type": "Property", "value": 90, "observedAt": "2024-01-01T03:00:00Z"}]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let current = ngsi.get_json(&format!("/entities/{ID}")).await;
    assert_eq!(current["speed"]["value"], 80);
    assert!(current.get("heading").is_none());
    let history = temporal(&ngsi, ID).await;
    assert_eq!(history["speed"].as_array().unwrap().len(), 3);
    assert_eq!(history["heading"][0]["value"], 90);

    // An entity with a current state keeps it when instances are posted for it.
    ngsi.post(
        "/entities",
        &json!({"id": "urn:ngsi-ld:Vehicle:v2", "type": "Vehicle", "speed": {"type": "Property", "value": 1}}),
    )
    .await;
    let r = ngsi
        .post(
            "/temporal/entities",
            &json!({"id": "urn:ngsi-ld:Vehicle:v2", "type": "Vehicle", "speed": speed(5, "2020-01-01T00:00:00Z")}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let current = ngsi.get_json("/entities/urn:ngsi-ld:Vehicle:v2").await;
    assert_eq!(current["speed"]["value"], 1);
}

#[tokio::test]
async fn bad_writes_change_nothing() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    refused_writes_nothing(
        &ngsi,
        ID,
        &[
            json!({"type": "Vehicle", "speed": speed(1, "2024-01-01T00:00:00Z")}),
            json!({"id": "not a uri", "type": "Vehicle"}),
            json!({"id": ID, "speed": speed(1, "2024-01-01T00:00:00Z")}),
            json!({"id": ID, "type": "Vehicle", "speed": []}),
            json!({"id": ID, "type": "Vehicle", "speed": [speed(1, "2024-01-01T00:00:00Z"), {"type": "Property", "value": 2, "observedAt": "yesterday"}]}),
            json!({"id": ID, "type": "Vehicle", "speed": [{"type": "Property"}]}),
            json!([1, 2]),
        ],
    )
    .await;
    assert_eq!(
        ngsi.get(&format!("/entities/{ID}")).await.status(),
        StatusCode::NOT_FOUND
    );
    expect_error(
        ngsi.post(
            &format!("/temporal/entities/{ID}/attrs"),
            &json!({"speed": speed(1, "2024-01-01T00:00:00Z")}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
    )
    .await;
    // Writes need the same credentials as other twin writes.
    let anonymous = Ngsi::anonymous(&app);
    let r = anonymous
        .post(
            "/temporal/entities",
            &json!({"id": ID, "type": "Vehicle", "speed": speed(1, "2024-01-01T00:00:00Z")}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = anonymous.delete(&format!("/temporal/entities/{ID}")).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn instances_are_modified_and_deleted_by_instance_id_durably() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    ngsi.post(
        "/temporal/entities",
        &json!({"id": ID, "type": "Vehicle",
            "speed": [speed(10, "2024-01-01T01:00:00Z"), speed(20, "2024-01-01T02:00:00Z")]}),
    )
    .await;
    let history = temporal(&ngsi, ID).await;
    let first = history["speed"][0]["instanceId"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = history["speed"][1]["instanceId"]
        .as_str()
        .unwrap()
        .to_owned();

    let r = ngsi
        .send_json(
            Method::PATCH,
            &format!("/temporal/entities/{ID}/attrs/speed/{first}"),
            &json!({"speed": {"type": "Property", "value": 11, "observedAt": "2024-01-01T01:30:00Z"}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    for (path, body, status) in [
        (
            format!("/temporal/entities/{ID}/attrs/speed/urn:ngsi-ld:attribute:instance:nope"),
            json!({"value": 1}),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/temporal/entities/{ID}/attrs/heading/{first}"),
            json!({"value": 1}),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/temporal/entities/{ID}/attrs/speed/{first}"),
            json!({"observedAt": "2024-01-01T00:00:00Z"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("/temporal/entities/{ID}/attrs/speed/{first}"),
            json!({"value": 1, "observedAt": "never"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("/temporal/entities/{ID}/attrs/speed/{first}"),
            json!({"speed": [{"value": 1}, {"value": 2}]}),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let r = ngsi.send_json(Method::PATCH, &path, &body).await;
        assert_eq!(r.status(), status, "{path} {body}");
    }
    let r = delete_speed_instance(&ngsi, &second).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = delete_speed_instance(&ngsi, &second).await;
    expect_error(r, StatusCode::NOT_FOUND, "ResourceNotFound").await;

    // Both survive a restart.
    let (settings, dir) = app.stop().await;
    let app = start(settings).await;
    let ngsi = Ngsi::anonymous(&app);
    let history = temporal(&ngsi, ID).await;
    let speeds = history["speed"].as_array().unwrap();
    assert_eq!(speeds.len(), 1);
    assert_eq!(speeds[0]["instanceId"], first.as_str());
    assert_eq!(speeds[0]["value"], 11);
    assert_eq!(speeds[0]["observedAt"], "2024-01-01T01:30:00Z");
    drop(dir);
}

/// Instance ids are the broker's integer keys as URNs: one spelling per instance, and the id
/// of a deleted instance (even the newest) is never given again.
#[tokio::test]
async fn instance_ids_are_canonical_and_never_reused() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    ngsi.post(
        "/temporal/entities",
        &json!({"id": ID, "type": "Vehicle", "speed": [speed(10, "2024-01-01T01:00:00Z")]}),
    )
    .await;
    ngsi.post(
        &format!("/temporal/entities/{ID}/attrs"),
        &json!({"speed": speed(20, "2024-01-01T02:00:00Z")}),
    )
    .await;
    let history = temporal(&ngsi, ID).await;
    let ids: Vec<String> = history["speed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["instanceId"].as_str().unwrap().to_owned())
        .collect();
    let number = |id: &str| -> u64 {
        id.strip_prefix("urn:ngsi-ld:attribute:instance:")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{id} is not an instance URN with a number"))
    };
    assert!(number(&ids[0]) < number(&ids[1]), "numbered as recorded");

    let n = number(&ids[0]);
    for other in [
        format!("urn:ngsi-ld:attribute:instance:0{n}"),
        format!("urn:ngsi-ld:attribute:instance:+{n}"),
        format!("urn:ngsi-ld:attribute:instance:{n}0000000000000000000000"),
        format!("urn:ngsi-ld:attribute:otherinstance:{n}"),
    ] {
        let r = delete_speed_instance(&ngsi, &other).await;
        expect_error(r, StatusCode::NOT_FOUND, "ResourceNotFound").await;
    }

    let newest = &ids[1];
    let r = delete_speed_instance(&ngsi, newest).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = ngsi
        .post(
            &format!("/temporal/entities/{ID}/attrs"),
            &json!({"speed": speed(30, "2024-01-01T03:00:00Z")}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let history = temporal(&ngsi, ID).await;
    let added = history["speed"][1]["instanceId"].as_str().unwrap();
    assert_eq!(history["speed"][1]["value"], 30);
    assert!(number(added) > number(newest), "{added} after {newest}");
    let r = delete_speed_instance(&ngsi, newest).await;
    expect_error(r, StatusCode::NOT_FOUND, "ResourceNotFound").await;
}

#[tokio::test]
async fn attribute_and_entity_histories_are_deleted() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let dataset = "urn:ngsi-ld:Dataset:gps";
    ngsi.post(
        "/temporal/entities",
        &json!({"id": ID, "type": "Vehicle",
            "speed": [speed(1, "2024-01-01T01:00:00Z"), speed(2, "2024-01-01T02:00:00Z"),
                {"type": "Property", "value": 3, "observedAt": "2024-01-01T01:00:00Z", "datasetId": dataset}],
            "heading": [speed(90, "2024-01-01T01:00:00Z")]}),
    )
    .await;
    let delete = |path: String| {
        let ngsi = &ngsi;
        async move { ngsi.delete(&path).await }
    };
    let attr = format!("/temporal/entities/{ID}/attrs/speed");
    // Without datasetId: the default instances only.
    assert_eq!(delete(attr.clone()).await.status(), StatusCode::NO_CONTENT);
    let history = temporal(&ngsi, ID).await;
    assert_eq!(history["speed"].as_array().unwrap().len(), 1);
    assert_eq!(history["speed"][0]["datasetId"], dataset);
    expect_error(
        delete(attr.clone()).await,
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
    )
    .await;
    expect_error(
        delete(format!("{attr}?datasetId=urn:ngsi-ld:Dataset:other")).await,
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
    )
    .await;
    expect_error(
        delete(format!("{attr}?deleteAll=true&datasetId={dataset}")).await,
        StatusCode::BAD_REQUEST,
        "BadRequestData",
    )
    .await;
    assert_eq!(
        delete(format!("{attr}?datasetId={dataset}")).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        delete(format!(
            "/temporal/entities/{ID}/attrs/heading?deleteAll=true"
        ))
        .await
        .status(),
        StatusCode::NO_CONTENT
    );
    // Nothing left: the temporal representation is gone, the current entity stays.
    expect_error(
        ngsi.get(&format!("/temporal/entities/{ID}")).await,
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
    )
    .await;
    assert_eq!(
        ngsi.get(&format!("/entities/{ID}")).await.status(),
        StatusCode::OK
    );

    ngsi.post(
        &format!("/temporal/entities/{ID}/attrs"),
        &json!({"speed": speed(5, "2024-01-02T00:00:00Z")}),
    )
    .await;
    assert_eq!(
        delete(format!("/temporal/entities/{ID}")).await.status(),
        StatusCode::NO_CONTENT
    );
    expect_error(
        delete(format!("/temporal/entities/{ID}")).await,
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
    )
    .await;
    expect_error(
        ngsi.get(&format!("/temporal/entities/{ID}")).await,
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
    )
    .await;
    expect_error(
        delete("/temporal/entities/not-a-uri".into()).await,
        StatusCode::BAD_REQUEST,
        "BadRequestData",
    )
    .await;
}

/// Concurrent writes restating one observation leave one instance of it: whether an instance
/// restates a stored one is decided where the writes are serialised, not before.
#[tokio::test]
async fn concurrent_restatements_leave_one_instance_per_observation() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    ngsi.create_temporal(
        &json!({"id": ID, "type": "Vehicle", "speed": [speed(1, "2024-01-01T00:00:00Z")]}),
    )
    .await;
    let sends: Vec<_> = (0..24)
        .map(|i| {
            let (path, body) = if i % 2 == 0 {
                (
                    format!("/temporal/entities/{ID}/attrs"),
                    json!({"speed": [speed(i, "2024-01-01T01:00:00Z")]}),
                )
            } else {
                (
                    "/temporal/entities".to_owned(),
                    json!({"id": ID, "type": "Vehicle",
                        "speed": [speed(i, "2024-01-01T01:00:00Z")]}),
                )
            };
            let request = ngsi
                .request(Method::POST, &path)
                .header("content-type", "application/json")
                .body(body.to_string());
            tokio::spawn(request.send())
        })
        .collect();
    for send in sends {
        let status = send.await.unwrap().unwrap().status();
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let history = temporal(&ngsi, ID).await;
    let times: Vec<&str> = history["speed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["observedAt"].as_str().unwrap())
        .collect();
    assert_eq!(times, ["2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z"]);
}

/// NGSI-LD represents every DateTime in UTC (clause 4.6.3): an `observedAt` sent at another
/// offset (a device clock at `+08:00`) is kept and shown as the same instant in UTC, in the
/// current state and in the history, and time windows and restatements see that instant.
#[tokio::test]
async fn observation_times_at_other_offsets_are_kept_in_utc() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let id = "urn:ngsi-ld:Vehicle:utc-1";
    let r = ngsi
        .post(
            "/entities",
            &json!({"id": id, "type": "Vehicle",
                "speed": speed(50, "2024-01-01T09:00:00+08:00")}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let current = ngsi.get_json(&format!("/entities/{id}")).await;
    assert_eq!(current["speed"]["observedAt"], "2024-01-01T01:00:00Z");

    // The same observation restated in UTC replaces it; an earlier one at -05:00 goes first.
    let r = ngsi
        .post(
            &format!("/temporal/entities/{id}/attrs"),
            &json!({"speed": [speed(55, "2024-01-01T01:00:00Z"),
                speed(40, "2023-12-31T19:30:00-05:00")]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let t = ngsi
        .get_json(&format!(
            "/temporal/entities/{id}?timerel=before&timeAt=2024-01-01T01:00:01Z"
        ))
        .await;
    let instances: Vec<(Value, Value)> = t["speed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["value"].clone(), i["observedAt"].clone()))
        .collect();
    assert_eq!(
        instances,
        [
            (json!(40), json!("2024-01-01T00:30:00Z")),
            (json!(55), json!("2024-01-01T01:00:00Z")),
        ],
        "{t}"
    );
}
