//! The temporal API's `pick`/`omit` (as for entities, clause 4.21) and deletions in the
//! temporal evolution (clause 5.2.1, `deletedAt` of table 5.2.2-1): a deleted attribute
//! instance shows as one more instance whose value is `urn:ngsi-ld:null` and which carries
//! `deletedAt`; the temporal evolution of a deleted entity can still be retrieved.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::*;
use crate::ngsi::*;

const NULL: &str = "urn:ngsi-ld:null";
const ID: &str = "urn:ngsi-ld:Vehicle:pick-1";

fn instance(value: Value, at: &str) -> Value {
    json!({"type": "Property", "value": value, "observedAt": at})
}

async fn seed(ngsi: &Ngsi) {
    let vehicles = [
        json!({"id": ID, "type": "Vehicle",
            "speed": [instance(json!(30), "2026-03-01T12:00:00Z"), instance(json!(40), "2026-03-01T13:00:00Z")],
            "fuel": [instance(json!(0.5), "2026-03-01T12:00:00Z")],
            "owner": {"type": "Relationship", "object": "urn:ngsi-ld:Person:p1", "observedAt": "2026-03-01T12:00:00Z"}}),
        json!({"id": "urn:ngsi-ld:Vehicle:pick-2", "type": "Vehicle",
            "speed": [instance(json!(50), "2026-03-01T12:00:00Z")],
            "fuel": [instance(json!(0.9), "2026-03-01T12:00:00Z")]}),
    ];
    for v in vehicles {
        let r = ngsi.post("/temporal/entities", &v).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{v}");
    }
}

fn keys(entity: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = entity
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[tokio::test]
async fn pick_and_omit_choose_the_members_of_temporal_entities() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    seed(&ngsi).await;

    let one = ngsi
        .get_json(&format!("/temporal/entities/{ID}?pick=speed"))
        .await;
    assert_eq!(keys(&one), ["speed"]);
    assert_eq!(one["speed"].as_array().unwrap().len(), 2);

    let one = ngsi
        .get_json(&format!("/temporal/entities/{ID}?pick=id,owner"))
        .await;
    assert_eq!(keys(&one), ["id", "owner"]);
    assert_eq!(one["owner"][0]["object"], "urn:ngsi-ld:Person:p1");

    let one = ngsi
        .get_json(&format!(
            "/temporal/entities/{ID}?omit=speed,type&format=temporalValues"
        ))
        .await;
    assert_eq!(keys(&one), ["fuel", "id", "owner"]);
    assert_eq!(
        one["fuel"]["values"],
        json!([[0.5, "2026-03-01T12:00:00Z"]])
    );

    let many = ngsi
        .get_json("/temporal/entities?type=Vehicle&pick=id,fuel")
        .await;
    let many = many.as_array().unwrap();
    assert_eq!(many.len(), 2);
    for e in many {
        assert_eq!(keys(e), ["fuel", "id"], "{e}");
    }

    let r = ngsi
        .post(
            "/temporal/entityOperations/query?omit=fuel,owner",
            &json!({"type": "Query", "entities": [{"type": "Vehicle"}]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let many: Value = r.json().await.unwrap();
    for e in many.as_array().unwrap() {
        assert_eq!(keys(e), ["id", "speed", "type"], "{e}");
    }

    // The aggregated representation too.
    let one = ngsi
        .get_json(&format!(
            "/temporal/entities/{ID}?omit=fuel,owner&format=aggregatedValues&aggrMethods=max"
        ))
        .await;
    assert_eq!(keys(&one), ["id", "speed", "type"]);
}

#[tokio::test]
async fn pick_with_omit_or_empty_lists_are_bad_request_data() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    seed(&ngsi).await;
    for path in [
        format!("/temporal/entities/{ID}?pick=speed&omit=fuel"),
        "/temporal/entities?type=Vehicle&pick=id&omit=fuel".to_owned(),
        format!("/temporal/entities/{ID}?pick="),
        format!("/temporal/entities/{ID}?omit=,"),
        // The entity endpoints share the rule.
        format!("/entities/{ID}?pick=speed&omit=fuel"),
        "/entities?type=Vehicle&pick=speed&omit=fuel".to_owned(),
    ] {
        let body = expect_error(
            ngsi.get(&path).await,
            StatusCode::BAD_REQUEST,
            "BadRequestData",
        )
        .await;
        assert!(
            body["detail"].as_str().unwrap().contains("pick")
                || body["detail"].as_str().unwrap().contains("omit"),
            "{path}: {body}"
        );
    }
    let r = ngsi
        .post(
            "/temporal/entityOperations/query?pick=speed&omit=fuel",
            &json!({"type": "Query", "entities": [{"type": "Vehicle"}]}),
        )
        .await;
    expect_error(r, StatusCode::BAD_REQUEST, "BadRequestData").await;
}

/// The last instance of a normalized temporal attribute.
fn last(attribute: &Value) -> &Value {
    attribute.as_array().unwrap().last().unwrap()
}

#[tokio::test]
async fn deleted_attributes_show_as_deletion_instances() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let id = "urn:ngsi-ld:AirQualityObserved:del-1";
    let r = ngsi
        .post(
            "/entities",
            &json!({"id": id, "type": "AirQualityObserved",
                "pm25": {"type": "Property", "value": 12},
                "no2": [{"type": "Property", "value": 3}, {"type": "Property", "value": 4, "datasetId": "urn:ngsi-ld:Dataset:b"}],
                "station": {"type": "Relationship", "object": "urn:ngsi-ld:Station:s1"},
                "name": {"type": "LanguageProperty", "languageMap": {"zh": "渝北", "en": "Yubei"}}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let before = yuverse_core::time::now();
    let patch = |body: Value| {
        let ngsi = &ngsi;
        async move {
            let r = ngsi
                .send_json(Method::PATCH, &format!("/entities/{id}/attrs"), &body)
                .await;
            assert_eq!(r.status(), StatusCode::NO_CONTENT);
        }
    };
    patch(json!({"pm25": {"type": "Property", "value": 20}})).await;
    let r = ngsi.delete(&format!("/entities/{id}/attrs/pm25")).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // Only the instance of one datasetId goes.
    let r = ngsi
        .request(
            Method::DELETE,
            &format!("/entities/{id}/attrs/no2?datasetId=urn:ngsi-ld:Dataset:b"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // A merge-patch deletes with the NGSI-LD Null.
    let r = ngsi
        .send_json(
            Method::PATCH,
            &format!("/entities/{id}"),
            &json!({"station": NULL, "name": NULL}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    let t = ngsi.get_json(&format!("/temporal/entities/{id}")).await;
    let pm25 = t["pm25"].as_array().unwrap();
    assert_eq!(pm25.len(), 3, "{t}");
    assert_eq!(
        (pm25[0]["value"].clone(), pm25[1]["value"].clone()),
        (json!(12), json!(20))
    );
    let deletion = &pm25[2];
    assert_eq!(deletion["type"], "Property");
    assert_eq!(deletion["value"], NULL);
    let deleted_at = deletion["deletedAt"].as_str().expect("deletedAt");
    let deleted_at = yuverse_core::time::parse_rfc3339(deleted_at).unwrap();
    assert!(
        deleted_at >= before - chrono::TimeDelta::seconds(1),
        "{deletion}"
    );
    assert!(deletion["instanceId"]
        .as_str()
        .unwrap()
        .starts_with("urn:ngsi-ld:attribute:instance:"));
    // The instances without datasetId and of datasetId b, told apart.
    let no2 = t["no2"].as_array().unwrap();
    assert_eq!(no2.len(), 3, "{t}");
    let deleted: Vec<&Value> = no2
        .iter()
        .filter(|i| i.get("deletedAt").is_some())
        .collect();
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0]["datasetId"], "urn:ngsi-ld:Dataset:b");
    assert_eq!(deleted[0]["value"], NULL);
    assert_eq!(last(&t["station"])["type"], "Relationship");
    assert_eq!(last(&t["station"])["object"], NULL);
    assert_eq!(last(&t["name"])["languageMap"], json!({"@none": NULL}));
    assert!(last(&t["name"])["deletedAt"].is_string());
    // Instances not deleted carry no deletedAt.
    assert!(pm25[0].get("deletedAt").is_none() && pm25[1].get("deletedAt").is_none());

    // Simplified: the NGSI-LD Null at the deletion time.
    let simple = ngsi
        .get_json(&format!(
            "/temporal/entities/{id}?format=temporalValues&attrs=pm25"
        ))
        .await;
    let values = simple["pm25"]["values"].as_array().unwrap();
    assert_eq!(values.len(), 3);
    assert_eq!(values[2][0], NULL);
    // Aggregations count values, not deletions.
    let aggregated = ngsi
        .get_json(&format!(
            "/temporal/entities/{id}?format=aggregatedValues&aggrMethods=totalCount,max&attrs=pm25"
        ))
        .await;
    assert_eq!(aggregated["pm25"]["totalCount"][0][0], 2, "{aggregated}");
    assert_eq!(
        aggregated["pm25"]["max"][0][0].as_f64(),
        Some(20.0),
        "{aggregated}"
    );
    // The current state has no pm25 any more.
    let current = ngsi.get_json(&format!("/entities/{id}")).await;
    assert!(current.get("pm25").is_none());
}

#[tokio::test]
async fn a_deleted_entity_keeps_its_temporal_evolution() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let id = "urn:ngsi-ld:AirQualityObserved:del-2";
    let r = ngsi
        .post(
            "/entities",
            &json!({"id": id, "type": "AirQualityObserved",
                "pm25": {"type": "Property", "value": 33},
                "station": {"type": "Relationship", "object": "urn:ngsi-ld:Station:s2"}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = ngsi.delete(&format!("/entities/{id}")).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    expect_error(
        ngsi.get(&format!("/entities/{id}")).await,
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
    )
    .await;

    let t = ngsi.get_json(&format!("/temporal/entities/{id}")).await;
    assert_eq!(t["id"], id);
    for (name, member) in [("pm25", "value"), ("station", "object")] {
        let instances = t[name].as_array().unwrap();
        assert_eq!(instances.len(), 2, "{t}");
        assert_ne!(instances[0][member], NULL);
        assert_eq!(instances[1][member], NULL);
        assert!(instances[1]["deletedAt"].is_string(), "{t}");
    }
    // Both deletions happened at the same instant: the entity's deletion, which the entity
    // shows as its own deletedAt, beside the types it had (mandatory in the representation).
    assert_eq!(
        last(&t["pm25"])["deletedAt"],
        last(&t["station"])["deletedAt"]
    );
    assert_eq!(t["type"], "AirQualityObserved", "{t}");
    assert_eq!(t["deletedAt"], last(&t["pm25"])["deletedAt"], "{t}");
    let omitted = ngsi
        .get_json(&format!("/temporal/entities/{id}?omit=deletedAt"))
        .await;
    assert!(omitted.get("deletedAt").is_none(), "{omitted}");
    // Temporal queries still find it by its id and its types, not by others.
    let found = |list: Value| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == id)
            .cloned()
    };
    let by_type = found(
        ngsi.get_json("/temporal/entities?type=AirQualityObserved&limit=1000")
            .await,
    )
    .expect("found by type");
    assert_eq!(by_type["deletedAt"], t["deletedAt"], "{by_type}");
    assert_eq!(by_type["type"], "AirQualityObserved");
    let by_id = ngsi.get_json(&format!("/temporal/entities?id={id}")).await;
    assert!(found(by_id).is_some());
    assert!(found(ngsi.get_json("/temporal/entities?type=Station").await).is_none());
    // lastN=1 answers the deletions only.
    let t = ngsi
        .get_json(&format!("/temporal/entities/{id}?lastN=1&pick=pm25"))
        .await;
    assert_eq!(t["pm25"].as_array().unwrap().len(), 1);
    assert_eq!(t["pm25"][0]["value"], NULL);

    // Created again, the entity is current: its types come from the current state, and it has
    // no deletedAt.
    let r = ngsi
        .post(
            "/entities",
            &json!({"id": id, "type": "Station", "pm25": {"type": "Property", "value": 1}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let t = ngsi.get_json(&format!("/temporal/entities/{id}")).await;
    assert_eq!(t["type"], "Station", "{t}");
    assert!(t.get("deletedAt").is_none(), "{t}");
    assert!(found(
        ngsi.get_json("/temporal/entities?type=AirQualityObserved&limit=1000")
            .await
    )
    .is_none());
    let by_type = found(ngsi.get_json("/temporal/entities?type=Station").await).unwrap();
    assert!(by_type.get("deletedAt").is_none(), "{by_type}");

    // Deleting the temporal representation takes the record of the deletion with it.
    let r = ngsi.delete(&format!("/entities/{id}")).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = ngsi.delete(&format!("/temporal/entities/{id}")).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    expect_error(
        ngsi.get(&format!("/temporal/entities/{id}")).await,
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
    )
    .await;
}

#[tokio::test]
async fn a_replacement_deletes_the_attributes_it_leaves_out() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let id = "urn:ngsi-ld:AirQualityObserved:del-3";
    let r = ngsi
        .post(
            "/entities",
            &json!({"id": id, "type": "AirQualityObserved",
                "pm25": {"type": "Property", "value": 8},
                "o3": {"type": "Property", "value": 40}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let replaced_after = yuverse_core::time::now();
    let r = ngsi
        .send_json(
            Method::PUT,
            &format!("/entities/{id}"),
            &json!({"type": "AirQualityObserved", "pm25": {"type": "Property", "value": 9}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    // The window after the replacement: pm25's new value and o3's deletion, at their times.
    let at = replaced_after.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let t = ngsi
        .get_json(&format!(
            "/temporal/entities/{id}?timerel=after&timeAt={at}"
        ))
        .await;
    assert_eq!(t["pm25"].as_array().unwrap().len(), 1, "{t}");
    assert_eq!(t["pm25"][0]["value"], 9);
    assert!(t["pm25"][0].get("deletedAt").is_none());
    assert_eq!(t["o3"].as_array().unwrap().len(), 1, "{t}");
    assert_eq!(t["o3"][0]["value"], NULL);
    assert!(t["o3"][0]["deletedAt"].is_string());
}

/// Instances added to a deleted entity's temporal representation (`POST /temporal/entities`)
/// add the types they are sent with to those its deletion recorded (clause 5.6.11.4: the
/// entity's types are the union), and it is found by either; the entity stays deleted.
#[tokio::test]
async fn instances_posted_for_a_deleted_entity_add_their_types() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let id = "urn:ngsi-ld:AirQualityObserved:del-4";
    let r = ngsi
        .post(
            "/entities",
            &json!({"id": id, "type": "AirQualityObserved",
                "pm25": {"type": "Property", "value": 12}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = ngsi.delete(&format!("/entities/{id}")).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    for types in [json!(["Station", "AirQualityObserved"]), json!("Station")] {
        let r = ngsi
            .post(
                "/temporal/entities",
                &json!({"id": id, "type": types,
                    "pm25": [instance(json!(14), "2026-03-01T12:00:00Z")]}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::NO_CONTENT, "{types}");
    }

    let t = ngsi.get_json(&format!("/temporal/entities/{id}")).await;
    assert_eq!(t["type"], json!(["AirQualityObserved", "Station"]), "{t}");
    assert!(t["deletedAt"].is_string(), "{t}");
    let values: Vec<&Value> = t["pm25"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["value"])
        .collect();
    assert!(values.contains(&&json!(14)), "{t}");
    for wanted in ["Station", "AirQualityObserved"] {
        let list = ngsi
            .get_json(&format!("/temporal/entities?type={wanted}&limit=1000"))
            .await;
        assert!(
            list.as_array().unwrap().iter().any(|e| e["id"] == id),
            "{wanted}: {list}"
        );
    }
    expect_error(
        ngsi.get(&format!("/entities/{id}")).await,
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
    )
    .await;
}
