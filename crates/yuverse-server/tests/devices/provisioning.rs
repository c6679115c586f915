//! `/api/v1/twin/devices`: input checks, who may do what, and what survives a restart.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::*;
use crate::*;

#[tokio::test]
async fn bad_input_is_a_problem_naming_each_field() {
    let app = spawn_demo(true).await;
    let unit = app.demo("demo-unit").await;
    let (key_id, _) = org_key(&unit, &["mqtt:publish"]).await;
    let (read_key, _) = org_key(&unit, &["twin:read"]).await;

    let fields = |problem: &Value| -> Vec<String> {
        problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut bad = air_quality("a/b", &key_id);
    bad["entity_name"] = json!("not a uri");
    bad["attributes"][0]["type"] = json!("Number");
    bad["attributes"][1]["object_id"] = json!("p");
    bad["tenant"] = json!("no spaces allowed");
    let problem = expect_problem(
        unit.post("/api/v1/twin/devices", bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        fields(&problem),
        [
            "device_id",
            "entity_name",
            "tenant",
            "attributes[0].type",
            "attributes[1].object_id"
        ]
    );

    for (key, reason) in [
        ("no-such-key", "no such API key"),
        (read_key.as_str(), "mqtt:publish"),
    ] {
        let problem = expect_problem(
            unit.post("/api/v1/twin/devices", air_quality("aq-9", key))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(fields(&problem), ["api_key_id"]);
        assert!(problem["detail"].as_str().unwrap().contains(reason));
    }

    // Shape errors name the field; syntax errors are 400; unknown fields are refused.
    let mut wrong_type = air_quality("aq-9", &key_id);
    wrong_type["attributes"] = json!("p=pm25");
    let problem = expect_problem(
        unit.post("/api/v1/twin/devices", wrong_type).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&problem), ["attributes"]);
    let mut unknown = air_quality("aq-9", &key_id);
    unknown["protocol"] = json!("IoTA-JSON");
    let problem = expect_problem(
        unit.post("/api/v1/twin/devices", unknown).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(problem["detail"].as_str().unwrap().contains("protocol"));
    let r = unit
        .client
        .post(app.url("/api/v1/twin/devices"))
        .header("content-type", "application/json")
        .body("{\"device_id\": ")
        .send()
        .await
        .unwrap();
    expect_problem(r, StatusCode::BAD_REQUEST).await;

    // Nothing was created by any of them; a valid one is, once.
    let list = unit.get_json("/api/v1/twin/devices").await;
    assert_eq!(list["total"], 0);
    provision(&unit, air_quality("aq-9", &key_id)).await;
    expect_problem(
        unit.post("/api/v1/twin/devices", air_quality("aq-9", &key_id))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    expect_problem(
        unit.get("/api/v1/twin/devices/nobody").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_problem(
        unit.get("/api/v1/twin/devices?limit=0").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    expect_problem(
        reqwest::get(app.url("/api/v1/twin/devices")).await.unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

#[tokio::test]
async fn organisations_see_their_own_devices_and_the_office_sees_all() {
    let app = spawn_demo(true).await;
    let unit = app.demo("demo-unit").await;
    let enterprise = app.demo("demo-enterprise").await;
    let office = app.demo("demo-office").await;
    let admin = app.demo("demo-system-admin").await;
    let (unit_key_id, _) = org_key(&unit, &["mqtt:publish"]).await;
    let (enterprise_key_id, _) = org_key(&enterprise, &["mqtt:publish"]).await;
    let unit_org = unit.me["organisation"]["id"].as_str().unwrap().to_owned();
    let enterprise_org = enterprise.me["organisation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let created = provision(&unit, air_quality("u-1", &unit_key_id)).await;
    assert_eq!(created["organisation_id"], unit_org);
    assert_eq!(created["created_by"], "demo-unit");
    provision(&enterprise, air_quality("e-1", &enterprise_key_id)).await;
    // The office provisions for any organisation with that organisation's key.
    let by_office = provision(&office, air_quality("o-1", &enterprise_key_id)).await;
    assert_eq!(by_office["organisation_id"], enterprise_org);

    // A key of another organisation is invisible to a unit; naming another organisation is
    // forbidden; the office must name the key's own organisation.
    let problem = expect_problem(
        unit.post(
            "/api/v1/twin/devices",
            air_quality("u-2", &enterprise_key_id),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "api_key_id");
    let mut elsewhere = air_quality("u-2", &unit_key_id);
    elsewhere["organisation_id"] = json!(enterprise_org);
    expect_problem(
        unit.post("/api/v1/twin/devices", elsewhere.clone()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let problem = expect_problem(
        office.post("/api/v1/twin/devices", elsewhere).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "organisation_id");

    let ids = |list: Value| -> Vec<String> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["device_id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(unit.get_json("/api/v1/twin/devices").await), ["u-1"]);
    assert_eq!(
        ids(enterprise.get_json("/api/v1/twin/devices").await),
        ["e-1", "o-1"]
    );
    assert_eq!(
        ids(office.get_json("/api/v1/twin/devices").await),
        ["e-1", "o-1", "u-1"]
    );
    assert_eq!(
        ids(admin
            .get_json("/api/v1/twin/devices?limit=1&offset=2")
            .await),
        ["u-1"]
    );
    // Other organisations' devices are not found rather than forbidden.
    expect_problem(
        enterprise.get("/api/v1/twin/devices/u-1").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_problem(
        enterprise
            .send(Method::DELETE, "/api/v1/twin/devices/u-1", None)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    for role in ["regulator", "citizen", "security-admin", "auditor"] {
        let session = app.demo(&format!("demo-{role}")).await;
        expect_problem(
            session.get("/api/v1/twin/devices").await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }

    let r = office
        .send(Method::DELETE, "/api/v1/twin/devices/u-1", None)
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    expect_problem(
        unit.get("/api/v1/twin/devices/u-1").await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // Creations and deletions are audited, refusals too.
    let auditor = app.demo("demo-auditor").await;
    let audit = auditor
        .get_json("/api/v1/audit?action=device.create&limit=500")
        .await;
    let outcomes: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes.iter().filter(|o| **o == "success").count(), 3);
    assert_eq!(outcomes.iter().filter(|o| **o == "denied").count(), 1);
    let deletes = auditor
        .get_json("/api/v1/audit?action=device.delete&limit=500")
        .await;
    assert_eq!(deletes["total"], 1);
}

#[tokio::test]
async fn devices_and_their_status_survive_a_restart() {
    let DeviceApp { app, mqtt, dir } = spawn_devices().await;
    let unit = app.demo("demo-unit").await;
    let (key_id, secret) = org_key(&unit, &["mqtt:publish"]).await;
    provision(&unit, air_quality("keep-1", &key_id)).await;
    {
        let client = connect(mqtt, Some((&key_id, &secret))).await.unwrap();
        client
            .publish(&format!("/{key_id}/keep-1/attrs"), r#"{"p": 1}"#)
            .await;
        client
            .publish(&format!("/{key_id}/keep-1/attrs"), "oops")
            .await;
        errors_reach(&unit, "keep-1", 1).await;
        let a = &app;
        eventually("the measure", || async move {
            entity(a, "urn:ngsi-ld:AirQualityObserved:keep-1").await
        })
        .await;
    }
    // A graceful stop stores the counters and frees the MQTT port.
    let (settings, _) = app.stop().await;
    let app = start(settings).await;
    let unit = app.demo("demo-unit").await;
    let d = device(&unit, "keep-1").await;
    assert_eq!(d["status"]["messages_received"], 2, "{d}");
    assert_eq!(d["status"]["errors"], 1);
    assert!(d["status"]["last_error"]
        .as_str()
        .unwrap()
        .contains("not JSON"));
    let client = connect(mqtt, Some((&key_id, &secret))).await.unwrap();
    client
        .publish(&format!("/{key_id}/keep-1/attrs"), r#"{"p": 2}"#)
        .await;
    let a = &app;
    eventually("a measure after the restart", || async move {
        entity(a, "urn:ngsi-ld:AirQualityObserved:keep-1")
            .await
            .filter(|e| e["pm25"]["value"] == 2)
    })
    .await;
    let d = device(&unit, "keep-1").await;
    assert_eq!(d["status"]["messages_received"], 3);
    app.stop().await;
    drop(dir);
}

#[tokio::test]
async fn the_api_is_in_the_openapi_document() {
    let app = spawn_app().await;
    let spec: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/api/v1/twin/devices",
        "/api/v1/twin/devices/{id}",
        "/api/v1/twin/devices/{id}/commands",
    ] {
        assert!(spec["paths"].get(path).is_some(), "{path}");
    }
}
