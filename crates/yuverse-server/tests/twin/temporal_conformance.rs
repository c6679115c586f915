//! Temporal representation writes as the ETSI conformance suite checks them (clause 5.6.11,
//! TP 008_01): posting an existing temporal entity again answers 204 and adds its instances,
//! and an instance that restates a stored observation (same attribute, datasetId and
//! `observedAt`) replaces it instead of standing beside it.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;
use crate::ngsi::*;

const ID: &str = "urn:ngsi-ld:Vehicle:conformance";

fn at(value: i64, time: &str) -> Value {
    json!({"type": "Property", "value": value, "observedAt": format!("2020-09-01T{time}:00Z")})
}

/// The values of an attribute's instances, oldest first, of one datasetId (`None`: the
/// default instances).
fn values(entity: &Value, attr: &str, dataset: Option<&str>) -> Vec<i64> {
    let instances = match &entity[attr] {
        Value::Array(items) => items.clone(),
        one => vec![one.clone()],
    };
    instances
        .iter()
        .filter(|i| i["datasetId"].as_str() == dataset)
        .map(|i| i["value"].as_i64().unwrap())
        .collect()
}

fn instance_id_at(entity: &Value, attr: &str, time: &str) -> String {
    entity[attr]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["observedAt"].as_str().unwrap().starts_with(time))
        .map(|i| i["instanceId"].as_str().unwrap().to_owned())
        .unwrap()
}

#[tokio::test]
async fn a_restated_observation_replaces_the_stored_one() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let mut fuel_40 = at(40, "14:07");
    fuel_40["datasetId"] = json!("urn:ngsi-ld:Vehicle:12345-fuel");
    ngsi.create_temporal(&json!({"id": ID, "type": "Vehicle",
        "speed": [at(120, "12:03"), at(80, "12:05")],
        "fuelLevel": [at(67, "12:03"), at(53, "13:05"), fuel_40]}))
        .await;
    let before = ngsi.get_json(&format!("/temporal/entities/{ID}")).await;
    let kept_id = instance_id_at(&before, "speed", "2020-09-01T12:03");

    let r = ngsi
        .post(
            "/temporal/entities",
            &json!({"id": ID, "type": "Vehicle",
                "speed": [at(121, "12:03"), at(80, "12:05"), at(100, "12:07")],
                "fuelLevel": [at(67, "12:03"), at(53, "13:05"), at(40, "14:07")]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(r.text().await.unwrap().is_empty());
    let after = ngsi.get_json(&format!("/temporal/entities/{ID}")).await;
    assert_eq!(values(&after, "speed", None), [121, 80, 100]);
    assert_eq!(values(&after, "fuelLevel", None), [67, 53, 40]);
    assert_eq!(
        values(&after, "fuelLevel", Some("urn:ngsi-ld:Vehicle:12345-fuel")),
        [40],
        "another datasetId is another observation"
    );
    assert_eq!(
        instance_id_at(&after, "speed", "2020-09-01T12:03"),
        kept_id,
        "the replaced instance keeps its instanceId"
    );
    // Temporal writes leave the current state alone.
    let current = ngsi.get_json(&format!("/entities/{ID}")).await;
    assert_eq!(current["speed"]["value"], 80);
}

#[tokio::test]
async fn one_body_and_appended_attributes_keep_one_instance_per_observation() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    // Within one body the later instance of an observation wins.
    ngsi.create_temporal(&json!({"id": ID, "type": "Vehicle",
        "speed": [at(1, "10:00"), at(2, "10:00"), at(3, "11:00")]}))
        .await;
    let history = ngsi.get_json(&format!("/temporal/entities/{ID}")).await;
    assert_eq!(values(&history, "speed", None), [2, 3]);

    // Adding attributes (clause 5.6.12) restates observations the same way; instances
    // without observedAt are never the same observation and are always added.
    let untimed = json!({"type": "Property", "value": 7});
    let r = ngsi
        .post(
            &format!("/temporal/entities/{ID}/attrs"),
            &json!({"speed": [at(20, "10:00"), at(21, "10:00"), at(40, "12:00")],
                "heading": [untimed, untimed]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let history = ngsi.get_json(&format!("/temporal/entities/{ID}")).await;
    assert_eq!(values(&history, "speed", None), [21, 3, 40]);
    assert_eq!(values(&history, "heading", None), [7, 7]);
}

#[tokio::test]
async fn a_bad_restatement_changes_nothing() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    ngsi.create_temporal(
        &json!({"id": ID, "type": "Vehicle", "speed": [at(1, "10:00"), at(2, "11:00")]}),
    )
    .await;
    for bad in [
        json!({"id": ID, "type": "Vehicle",
            "speed": [at(9, "10:00"), {"type": "Property", "value": 9, "observedAt": "noon"}]}),
        json!({"id": ID, "type": "Vehicle", "speed": [at(9, "10:00"), {"type": "Property"}]}),
        json!({"id": ID, "type": "Vehicle", "speed": [at(9, "10:00"), 5]}),
    ] {
        expect_error(
            ngsi.post("/temporal/entities", &bad).await,
            StatusCode::BAD_REQUEST,
            "BadRequestData",
        )
        .await;
    }
    expect_error(
        ngsi.post(
            &format!("/temporal/entities/{ID}/attrs"),
            &json!({"speed": [at(9, "10:00"), {"type": "Property", "value": 9, "observedAt": "noon"}]}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "BadRequestData",
    )
    .await;
    let history = ngsi.get_json(&format!("/temporal/entities/{ID}")).await;
    assert_eq!(values(&history, "speed", None), [1, 2]);
}

/// The scope's instances, whether shown as one object or an array of them.
fn scope_instances(entity: &Value) -> Vec<Value> {
    match &entity["scope"] {
        Value::Array(items) => items.clone(),
        Value::Null => Vec::new(),
        one => vec![one.clone()],
    }
}

#[tokio::test]
async fn a_removed_scope_is_a_deletion_instance_of_the_scope() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    ngsi.create_temporal(&json!({"id": ID, "type": "Vehicle",
        "scope": ["/Madrid/Gardens/ParqueNorte", "/CompanyA/OrganizationB/UnitC"],
        "fuelLevel": [at(67, "12:03"), at(53, "13:05")]}))
        .await;
    let current = ngsi.get_json(&format!("/entities/{ID}")).await;
    assert_eq!(current["scope"].as_array().unwrap().len(), 2);
    let history = ngsi.get_json(&format!("/temporal/entities/{ID}")).await;
    let scope = scope_instances(&history);
    assert_eq!(scope.len(), 1, "{history}");
    assert_eq!(scope[0]["type"], "Property");
    assert_eq!(
        scope[0]["value"],
        json!([
            "/Madrid/Gardens/ParqueNorte",
            "/CompanyA/OrganizationB/UnitC"
        ])
    );

    // TP 020_19 / 020_20: removing the scope through the core API.
    let r = ngsi.delete(&format!("/entities/{ID}/attrs/scope")).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let deleted = ngsi
        .get_json(&format!("/temporal/entities/{ID}?timeproperty=deletedAt"))
        .await;
    let scope = scope_instances(&deleted);
    assert_eq!(scope.len(), 1, "{deleted}");
    assert_eq!(scope[0]["value"], json!([]));
    assert!(scope[0]["deletedAt"].is_string());
    assert!(deleted.get("fuelLevel").is_none(), "{deleted}");
    let simplified = ngsi
        .get_json(&format!(
            "/temporal/entities/{ID}?timeproperty=deletedAt&options=temporalValues"
        ))
        .await;
    assert_eq!(simplified["scope"]["type"], "Property", "{simplified}");
    let pairs = simplified["scope"]["values"].as_array().unwrap();
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0][0], json!([]));
    assert!(pairs[0][1].is_string());
}

#[tokio::test]
async fn a_scope_changed_through_the_core_api_is_observed_when_modified() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let r = ngsi
        .post(
            "/entities",
            &json!({"id": ID, "type": "Vehicle", "scope": "/Old",
                "speed": {"type": "Property", "value": 1}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    // TP 456_01: a merge that changes the scope.
    let r = ngsi
        .send_json(
            reqwest::Method::PATCH,
            &format!("/entities/{ID}"),
            &json!({"type": "Vehicle", "scope": "/New"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // A write that leaves the scope as it is records no scope instance.
    let r = ngsi
        .post(
            &format!("/entities/{ID}/attrs"),
            &json!({"speed": {"type": "Property", "value": 2}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let history = ngsi
        .get_json(&format!("/temporal/entities/{ID}?options=sysAttrs"))
        .await;
    let scope = scope_instances(&history);
    let values: Vec<&Value> = scope.iter().map(|i| &i["value"]).collect();
    assert_eq!(values, [&json!(["/Old"]), &json!(["/New"])], "{history}");
    for instance in &scope {
        assert_eq!(instance["type"], "Property");
        assert_eq!(instance["observedAt"], instance["modifiedAt"], "{instance}");
        for member in instance.as_object().unwrap().keys() {
            assert!(
                [
                    "type",
                    "value",
                    "instanceId",
                    "createdAt",
                    "modifiedAt",
                    "observedAt"
                ]
                .contains(&member.as_str()),
                "{member} in {instance}"
            );
        }
    }
    // Deleting the entity ends its scope as it ends its attributes.
    assert_eq!(
        ngsi.delete(&format!("/entities/{ID}")).await.status(),
        StatusCode::NO_CONTENT
    );
    let deleted = ngsi
        .get_json(&format!("/temporal/entities/{ID}?timeproperty=deletedAt"))
        .await;
    assert_eq!(
        scope_instances(&deleted)[0]["value"],
        json!([]),
        "{deleted}"
    );
}

#[tokio::test]
async fn a_temporal_entity_carries_the_instances_of_its_scope() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let scoped = |scope: &str, time: &str| json!({"type": "Property", "value": scope, "observedAt": format!("2026-03-01T{time}:00Z")});
    ngsi.create_temporal(&json!({"id": ID, "type": "Vehicle",
        "scope": [scoped("/S", "12:30"), scoped("/R", "10:00")],
        "speed": [at(1, "12:15")]}))
        .await;
    // The current entity takes the newest scope.
    let current = ngsi.get_json(&format!("/entities/{ID}")).await;
    assert_eq!(current["scope"], "/S");
    let history = ngsi.get_json(&format!("/temporal/entities/{ID}")).await;
    let values: Vec<Value> = scope_instances(&history)
        .iter()
        .map(|i| i["value"].clone())
        .collect();
    assert_eq!(values, [json!(["/R"]), json!(["/S"])], "{history}");
    // Restating an observation of the scope replaces it, as for an attribute.
    let r = ngsi
        .post(
            "/temporal/entities",
            &json!({"id": ID, "type": "Vehicle", "scope": scoped("/T", "10:00")}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let history = ngsi.get_json(&format!("/temporal/entities/{ID}")).await;
    let values: Vec<Value> = scope_instances(&history)
        .iter()
        .map(|i| i["value"].clone())
        .collect();
    assert_eq!(values, [json!(["/T"]), json!(["/S"])], "{history}");
    // The other representations show the scope like a Property.
    let simplified = ngsi
        .get_json(&format!("/temporal/entities/{ID}?format=temporalValues"))
        .await;
    assert_eq!(simplified["scope"]["values"].as_array().unwrap().len(), 2);
    let aggregated = ngsi
        .get_json(&format!(
            "/temporal/entities/{ID}?format=aggregatedValues&aggrMethods=totalCount"
        ))
        .await;
    assert_eq!(aggregated["scope"]["totalCount"][0][0], 2, "{aggregated}");
}

#[tokio::test]
async fn malformed_scope_instances_are_refused_and_create_nothing() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let bodies: Vec<Value> = [
        json!({"type": "Property", "value": "/A", "unitCode": "C62"}),
        json!({"type": "Relationship", "value": "/A"}),
        json!({"type": "Property", "value": "A"}),
        json!({"type": "Property", "value": "/A", "observedAt": "noon"}),
        json!({"type": "Property"}),
        json!([{"type": "Property", "value": "/A"}, "/B"]),
        json!(42),
    ]
    .into_iter()
    .map(|scope| json!({"id": ID, "type": "Vehicle", "scope": scope, "speed": at(1, "10:00")}))
    .collect();
    refused_writes_nothing(&ngsi, ID, &bodies).await;
}

#[tokio::test]
async fn temporal_queries_refuse_what_they_cannot_answer() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    ngsi.create_temporal(&json!({"id": ID, "type": "Building", "name": at(1, "10:00")}))
        .await;
    const WINDOW: &str = "timerel=after&timeAt=2020-01-01T00:00:00Z";
    // TP 5741_01: clause 5.7.4.4.
    for bad in [
        "attrs=createdAt",
        "type=Building&pick=owner%7Bname%7D",
        "type=Building&q=owner%7Bname%7D==%22x%22",
        "type=Building&id=not%20a%20uri",
        "type=Building&csf=))bad((",
        "type=Building&orderBy=name",
        "type=Building&orderBy=id;sideways",
    ] {
        let r = ngsi
            .get(&format!("/temporal/entities?{WINDOW}&{bad}"))
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(
            body["type"],
            format!("{ERRORS}BadRequestData"),
            "{bad}: {body}"
        );
    }
    // Ordering by id is allowed, either way.
    let other = "urn:ngsi-ld:Vehicle:conformance-2";
    ngsi.create_temporal(&json!({"id": other, "type": "Building", "name": at(2, "10:00")}))
        .await;
    for (order, expected) in [
        ("id", [ID, other]),
        ("id;asc", [ID, other]),
        ("id;desc", [other, ID]),
    ] {
        let answer = ngsi
            .get_json(&format!(
                "/temporal/entities?{WINDOW}&type=Building&orderBy={order}"
            ))
            .await;
        let ids = ids(&answer);
        assert_eq!(ids, expected, "{order}");
    }
    // TP 5731_01: no linked entities on a retrieval either.
    let r = ngsi
        .get(&format!("/temporal/entities/{ID}?pick=owner%7Bname%7D"))
        .await;
    expect_error(r, StatusCode::BAD_REQUEST, "BadRequestData").await;
}

#[tokio::test]
async fn the_ngsi_ld_null_is_a_value_of_an_instance_not_an_attribute() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    // TP 5611_01_02 (clause 5.5.4): as a first-level member it is refused, and nothing is
    // stored.
    refused_writes_nothing(
        &ngsi,
        ID,
        &[
            json!({"id": ID, "type": "Vehicle", "expiresAt": "urn:ngsi-ld:null", "speed": at(1, "10:00")}),
            json!({"id": ID, "type": "Vehicle", "speed": "urn:ngsi-ld:null"}),
        ],
    )
    .await;
    // TP 5611_01_01: an instance whose value is the NGSI-LD Null (a deletion) is history.
    ngsi.create_temporal(&json!({"id": ID, "type": "Vehicle", "speed": at(1, "10:00")}))
        .await;
    let deleted = json!({"type": "Property", "value": "urn:ngsi-ld:null",
        "observedAt": "2020-09-01T11:00:00Z"});
    let r = ngsi
        .post(
            "/temporal/entities",
            &json!({"id": ID, "type": "Vehicle", "speed": [deleted]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = ngsi
        .post(
            &format!("/temporal/entities/{ID}/attrs"),
            &json!({"speed": "urn:ngsi-ld:null"}),
        )
        .await;
    expect_error(r, StatusCode::BAD_REQUEST, "BadRequestData").await;
    let history = ngsi.get_json(&format!("/temporal/entities/{ID}")).await;
    let speed = history["speed"].as_array().unwrap();
    assert_eq!(speed.len(), 2, "{history}");
    assert_eq!(speed[1]["value"], "urn:ngsi-ld:null");
}

#[tokio::test]
async fn scope_queries_match_the_scope_held_within_the_window() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let scoped = |scope: &str, time: &str| json!({"type": "Property", "value": scope, "observedAt": format!("2026-03-01T{time}:00Z")});
    let speed = json!({"type": "Property", "value": 1, "observedAt": "2026-03-01T12:05:00Z"});
    let id = |name: &str| format!("urn:ngsi-ld:Vehicle:scoped-{name}");
    for (name, scope) in [
        ("ab", json!([scoped("/A/B", "10:00")])),
        ("xx", json!([scoped("/X", "10:00")])),
        ("bare", Value::Null),
        ("rep", json!([scoped("/R", "10:00"), scoped("/S", "12:30")])),
        ("late", json!([scoped("/Z", "14:00")])),
    ] {
        let mut body = json!({"id": id(name), "type": "Vehicle", "speed": [speed]});
        if !scope.is_null() {
            body["scope"] = scope;
        }
        assert_eq!(
            ngsi.post("/temporal/entities", &body).await.status(),
            StatusCode::CREATED
        );
    }
    const WINDOW: &str =
        "timerel=between&timeAt=2026-03-01T12:00:00Z&endTimeAt=2026-03-01T13:00:00Z";
    // TP 5744_03 (clauses 5.7.4.4 and 4.18).
    for (scope_q, expected) in [
        ("/A/B", vec!["ab"]),
        ("/A/%23", vec!["ab"]),
        ("/%23", vec!["ab", "rep", "xx"]),
        ("/X%7C/R", vec!["rep", "xx"]),
        ("/S", vec!["rep"]),
        ("/Z", vec![]),
        ("/Y", vec![]),
    ] {
        let answer = ngsi
            .get_json(&format!(
                "/temporal/entities?type=Vehicle&scopeQ={scope_q}&{WINDOW}"
            ))
            .await;
        let ids = ids(&answer);
        let expected: Vec<String> = expected.into_iter().map(id).collect();
        assert_eq!(ids, expected, "scopeQ={scope_q}");
    }
    expect_error(
        ngsi.get(&format!(
            "/temporal/entities?type=Vehicle&scopeQ=(/A&{WINDOW}"
        ))
        .await,
        StatusCode::BAD_REQUEST,
        "BadRequestData",
    )
    .await;
}

/// Posting the temporal entity again with another type adds it to the entity's types
/// (clause 5.6.11.4, suite 5611_01_01), and a deletion (the NGSI-LD Null as an instance's
/// value) is recorded as one more instance.
#[tokio::test]
async fn a_repeated_temporal_entity_adds_its_types() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    ngsi.create_temporal(&json!({"id": ID, "type": "Vehicle", "speed": [at(1, "00:00")]}))
        .await;
    let deleted = json!({"type": "Property", "value": "urn:ngsi-ld:null",
        "observedAt": "2020-09-02T00:00:00Z"});
    let r = ngsi
        .post(
            "/temporal/entities",
            &json!({"id": ID, "type": ["Vehicle", "Truck"], "speed": [deleted]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let history = ngsi
        .get_json(&format!(
            "/temporal/entities/{ID}?timerel=before&timeAt=2030-01-01T00:00:00Z"
        ))
        .await;
    assert_eq!(history["type"], json!(["Vehicle", "Truck"]));
    assert_eq!(history["speed"].as_array().unwrap().len(), 2, "{history}");
    let current = ngsi.get_json(&format!("/entities/{ID}")).await;
    assert_eq!(current["type"], json!(["Vehicle", "Truck"]));

    // Types already held change nothing: the entity is not modified.
    let modified = ngsi
        .get_json(&format!("/entities/{ID}?options=sysAttrs"))
        .await["modifiedAt"]
        .clone();
    let r = ngsi
        .post(
            "/temporal/entities",
            &json!({"id": ID, "type": "Truck", "speed": [at(3, "00:00")]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let again = ngsi
        .get_json(&format!("/entities/{ID}?options=sysAttrs"))
        .await;
    assert_eq!(again["modifiedAt"], modified);
}
