//! Choosing instances beyond the time window: `timeproperty=deletedAt` (only the deletion
//! instances, each at its deletion time) and `datasetId` (only the instances of those
//! datasetIds, `@none` for the default instance).

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::*;
use crate::ngsi::*;

const CAR: &str = "urn:ngsi-ld:Vehicle:sel1";

fn at(minute: u32) -> String {
    format!("2024-03-01T12:{minute:02}:00Z")
}

#[tokio::test]
async fn deleted_at_selects_the_deletion_instances_at_their_deletion_time() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    for id in [CAR, "urn:ngsi-ld:Vehicle:sel2"] {
        let r = ngsi
            .post(
                "/entities",
                &json!({"id": id, "type": "Vehicle",
                    "speed": {"type": "Property", "value": 50, "observedAt": at(0)},
                    "fuelLevel": {"type": "Property", "value": 60, "observedAt": at(0)}}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let r = ngsi
        .delete(&format!("/entities/{CAR}/attrs/fuelLevel"))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    let body = ngsi
        .get_json(&format!("/temporal/entities/{CAR}?timeproperty=deletedAt"))
        .await;
    assert!(body.get("speed").is_none(), "{body}");
    let deletions = body["fuelLevel"].as_array().unwrap();
    assert_eq!(deletions.len(), 1, "{body}");
    assert_eq!(deletions[0]["value"], "urn:ngsi-ld:null");
    let deleted_at = deletions[0]["deletedAt"].as_str().unwrap().to_owned();

    let simplified = ngsi
        .get_json(&format!(
            "/temporal/entities/{CAR}?timeproperty=deletedAt&format=temporalValues"
        ))
        .await;
    assert_eq!(
        simplified["fuelLevel"]["values"],
        json!([["urn:ngsi-ld:null", deleted_at]])
    );
    // A window on deletedAt: nothing was deleted before 2000.
    let none = ngsi
        .get_json(&format!(
            "/temporal/entities/{CAR}?timeproperty=deletedAt&timerel=before&timeAt=2000-01-01T00:00:00Z"
        ))
        .await;
    assert!(none.get("fuelLevel").is_none(), "{none}");
    // The query answers only the entities with deletions.
    let found: Value = ngsi
        .get_json("/temporal/entities?type=Vehicle&timeproperty=deletedAt")
        .await;
    let ids = ids(&found);
    assert_eq!(ids, [CAR]);
}

async fn seed_datasets(ngsi: &Ngsi) {
    let instance = |value: i64, minute: u32, dataset: Option<&str>| {
        let mut i = json!({"type": "Property", "value": value, "observedAt": at(minute)});
        if let Some(d) = dataset {
            i["datasetId"] = json!(d);
        }
        i
    };
    ngsi.create_temporal(&json!({"id": CAR, "type": "Vehicle",
        "speed": [instance(50, 1, None), instance(55, 2, None),
                  instance(51, 1, Some("urn:ngsi-ld:Dataset:Speed"))],
        "fuelLevel": [instance(70, 1, None),
                      instance(69, 2, Some("urn:ngsi-ld:Dataset:fuel"))]}))
        .await;
}

#[tokio::test]
async fn dataset_id_keeps_the_instances_of_those_datasets() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    seed_datasets(&ngsi).await;
    let query =
        |extra: &str| format!("/temporal/entities?type=Vehicle&format=temporalValues&{extra}");

    let one = ngsi
        .get_json(&query("datasetId=urn:ngsi-ld:Dataset:Speed"))
        .await;
    assert_eq!(
        one[0]["speed"],
        json!({"type": "Property", "values": [[51, at(1)]], "datasetId": "urn:ngsi-ld:Dataset:Speed"})
    );
    assert!(one[0].get("fuelLevel").is_none(), "{one}");

    let defaults = ngsi.get_json(&query("datasetId=@none")).await;
    assert_eq!(
        defaults[0]["speed"]["values"],
        json!([[50, at(1)], [55, at(2)]])
    );
    assert_eq!(defaults[0]["fuelLevel"]["values"], json!([[70, at(1)]]));

    let two = ngsi
        .get_json(&query(
            "datasetId=urn:ngsi-ld:Dataset:Speed,@none&attrs=speed",
        ))
        .await;
    assert_eq!(two[0]["speed"].as_array().map(Vec::len), Some(2), "{two}");

    let nothing = ngsi
        .get_json(&query("attrs=speed&datasetId=urn:ngsi-ld:Dataset:fuel"))
        .await;
    assert_eq!(nothing, json!([]));

    // Retrieval filters the same way.
    let fuel = ngsi
        .get_json(&format!(
            "/temporal/entities/{CAR}?datasetId=urn:ngsi-ld:Dataset:fuel"
        ))
        .await;
    assert_eq!(fuel["fuelLevel"][0]["value"], 69);
    assert_eq!(fuel["fuelLevel"].as_array().map(Vec::len), Some(1));
    assert!(fuel.get("speed").is_none());

    expect_error(
        ngsi.request(Method::GET, &query("datasetId=not%20a%20uri"))
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "BadRequestData",
    )
    .await;
}
