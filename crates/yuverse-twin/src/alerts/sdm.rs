//! The NGSI-LD entity that mirrors an alert, in the Smart Data Models `Alert` shape
//! (dataModel.Alert), so that NGSI-LD subscriptions on type `Alert` notify receivers. No I/O.

use serde_json::{json, Map, Value};

use super::model::{Alert, AlertState};

/// The entity id of an alert's mirror.
pub fn entity_id(alert_id: &str) -> String {
    format!("urn:ngsi-ld:Alert:{alert_id}")
}

/// SDM `category` and `subCategory` for the type of the entity that raised the alert.
fn category(entity_type: &str) -> (&'static str, &'static str) {
    match entity_type {
        "AirQualityObserved" => ("environment", "airPollution"),
        "WaterQualityObserved" => ("environment", "waterPollution"),
        "NoiseLevelObserved" => ("environment", "noisePollution"),
        "WeatherObserved" => ("weather", "weatherThreshold"),
        "TrafficFlowObserved" => ("traffic", "trafficJam"),
        "OffStreetParking" | "OnStreetParking" | "ParkingSpot" => ("traffic", "parkingOccupancy"),
        "CrowdFlowObserved" => ("security", "crowdOverCapacity"),
        _ => ("security", "thresholdExceeded"),
    }
}

fn property(value: Value) -> Value {
    json!({"type": "Property", "value": value})
}

fn date_time(text: &str) -> Value {
    property(json!({"@type": "DateTime", "@value": text}))
}

/// The entity in normalized form with short names (resolved with the core @context).
pub fn alert_entity(alert: &Alert) -> Value {
    let (category, sub_category) = category(&alert.entity_type);
    let mut e = Map::new();
    e.insert("id".into(), entity_id(&alert.id).into());
    e.insert("type".into(), "Alert".into());
    e.insert("category".into(), property(category.into()));
    e.insert("subCategory".into(), property(sub_category.into()));
    e.insert("severity".into(), property(alert.severity.sdm().into()));
    e.insert("description".into(), property(alert.message.clone().into()));
    e.insert(
        "alertSource".into(),
        json!({"type": "Relationship", "object": alert.entity_id}),
    );
    e.insert("dateIssued".into(), date_time(&alert.raised_at));
    e.insert("validFrom".into(), date_time(&alert.raised_at));
    if let Some(closed) = &alert.closed_at {
        e.insert("validTo".into(), date_time(closed));
    }
    e.insert("status".into(), property(alert.state.as_str().into()));
    if alert.values.as_object().is_some_and(|v| !v.is_empty()) {
        e.insert("data".into(), property(alert.values.clone()));
    }
    e.insert("alertRule".into(), property(alert.rule_name.clone().into()));
    if let Some(location) = &alert.location {
        e.insert(
            "location".into(),
            json!({"type": "GeoProperty", "value": location}),
        );
    }
    if alert.state == AlertState::Closed {
        if let Some(reason) = &alert.close_reason {
            e.insert("closeReason".into(), property(reason.clone().into()));
        }
    }
    Value::Object(e)
}
