//! The aggregated temporal representation (clause 4.5.19): `aggrMethods` over periods of
//! `aggrPeriodDuration`, each result `[value, start, end]`.

use serde_json::{json, Value};

use crate::common::*;
use crate::ngsi::*;

const ID: &str = "urn:ngsi-ld:TemperatureSensor:t1";

async fn seed(ngsi: &Ngsi) {
    let at = |hhmm: &str| format!("2024-01-01T{hhmm}:00Z");
    ngsi.create_temporal(&json!({"id": ID, "type": "TemperatureSensor",
        "temperature": [
            {"type": "Property", "value": 10, "observedAt": at("00:00")},
            {"type": "Property", "value": 20, "observedAt": at("00:30")},
            {"type": "Property", "value": 30, "observedAt": at("01:10")},
            {"type": "Property", "value": 40, "observedAt": at("02:50")},
            {"type": "Property", "value": 5, "observedAt": at("00:10"), "datasetId": "urn:ngsi-ld:Dataset:b"},
            {"type": "Property", "value": 7, "observedAt": at("00:20"), "datasetId": "urn:ngsi-ld:Dataset:b"}
        ],
        "status": [
            {"type": "Property", "value": "ok", "observedAt": at("00:00")},
            {"type": "Property", "value": "ok", "observedAt": at("00:40")},
            {"type": "Property", "value": "fault", "observedAt": at("01:40")}
        ]})).await;
}

fn period(value: Value, from: &str, to: &str) -> Value {
    json!([
        value,
        format!("2024-01-01T{from}:00Z"),
        format!("2024-01-01T{to}:00Z")
    ])
}

#[tokio::test]
async fn aggregates_by_period_and_dataset() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    seed(&ngsi).await;
    let body = ngsi
        .get_json(&format!(
            "/temporal/entities/{ID}?format=aggregatedValues&aggrMethods=totalCount,sum,avg,min,max,sumsq,stddev&aggrPeriodDuration=PT1H&timerel=after&timeAt=2024-01-01T00:00:00Z&attrs=temperature"
        ))
        .await;
    assert!(body.get("status").is_none());
    let series = body["temperature"]
        .as_array()
        .expect("one object per datasetId");
    let default = series
        .iter()
        .find(|s| s.get("datasetId").is_none())
        .unwrap();
    assert_eq!(default["type"], "Property");
    assert_eq!(
        default["totalCount"],
        json!([
            period(json!(2), "00:00", "01:00"),
            period(json!(1), "01:00", "02:00"),
            period(json!(1), "02:00", "03:00")
        ])
    );
    assert_eq!(
        default["sum"],
        json!([
            period(json!(30.0), "00:00", "01:00"),
            period(json!(30.0), "01:00", "02:00"),
            period(json!(40.0), "02:00", "03:00")
        ])
    );
    assert_eq!(default["avg"][0][0], 15.0);
    assert_eq!(default["min"][0][0], 10.0);
    assert_eq!(default["max"][0][0], 20.0);
    assert_eq!(default["sumsq"][0][0], 500.0);
    let sd = default["stddev"][0][0].as_f64().unwrap();
    assert!((sd - 50f64.sqrt()).abs() < 1e-9, "{sd}");
    assert_eq!(
        default["stddev"][1][0],
        Value::Null,
        "one value has no sample deviation"
    );
    let b = series
        .iter()
        .find(|s| s["datasetId"] == "urn:ngsi-ld:Dataset:b")
        .unwrap();
    assert_eq!(b["sum"], json!([period(json!(12.0), "00:00", "01:00")]));
}

#[tokio::test]
async fn the_default_period_is_the_whole_range() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    seed(&ngsi).await;
    let body = ngsi
        .get_json(&format!(
            "/temporal/entities/{ID}?options=aggregatedValues&aggrMethods=totalCount,distinctCount,max&attrs=status"
        ))
        .await;
    assert_eq!(
        body["status"],
        json!({"type": "Property",
            "totalCount": [period(json!(3), "00:00", "01:40")],
            "distinctCount": [period(json!(2), "00:00", "01:40")],
            "max": [period(json!("ok"), "00:00", "01:40")]})
    );
    // PT0S is the whole range too; a window bounds it.
    let body = ngsi
        .get_json(&format!(
            "/temporal/entities/{ID}?format=aggregatedValues&aggrMethods=totalCount&aggrPeriodDuration=PT0S&attrs=status&timerel=between&timeAt=2024-01-01T00:30:00Z&endTimeAt=2024-01-01T02:00:00Z"
        ))
        .await;
    assert_eq!(
        body["status"]["totalCount"],
        json!([period(json!(2), "00:30", "02:00")])
    );
    // The query endpoint aggregates the same way.
    let body = ngsi
        .get_json("/temporal/entities?type=TemperatureSensor&format=aggregatedValues&aggrMethods=totalCount&attrs=status")
        .await;
    assert_eq!(body[0]["status"]["totalCount"][0][0], 3);
}
