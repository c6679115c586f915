//! The 409 Conflict rules of exclusive and redirect registrations (clauses 4.3.6.3 and
//! 5.9.2.4): an exclusive registration keeps its entity's attributes from further exclusive or
//! redirect registrations, and neither mode may take over what the broker already holds.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::ngsi::*;

const CAR: &str = "urn:ngsi-ld:Vehicle:C1";
const VAN: &str = "urn:ngsi-ld:Vehicle:V1";

fn registration(id: &str, mode: &str, information: Value) -> Value {
    json!({
        "id": format!("urn:ngsi-ld:ContextSourceRegistration:{id}"),
        "type": "ContextSourceRegistration",
        "endpoint": "http://127.0.0.1:9",
        "mode": mode,
        "operations": ["redirectionOps"],
        "information": information,
    })
}

fn by_id(id: &str, attributes: &[&str]) -> Value {
    let mut item = json!({"entities": [{"id": id, "type": "Vehicle"}]});
    if !attributes.is_empty() {
        item["propertyNames"] = json!(attributes);
    }
    json!([item])
}

async fn status_of(broker: &Ngsi, registration: &Value) -> StatusCode {
    broker
        .post("/csourceRegistrations", registration)
        .await
        .status()
}

#[tokio::test]
async fn an_exclusive_registration_keeps_its_attributes_from_later_proxied_ones() {
    let app = crate::common::spawn_demo(true).await;
    let broker = Ngsi::writer(&app).await;
    let first = registration("first", "exclusive", by_id(CAR, &["speed"]));
    assert_eq!(status_of(&broker, &first).await, StatusCode::CREATED);

    let overlapping = [
        registration("second", "exclusive", by_id(CAR, &["speed", "heading"])),
        registration("whole", "redirect", by_id(CAR, &[])),
        registration(
            "pattern",
            "redirect",
            json!([{"entities": [{"idPattern": "urn:ngsi-ld:Vehicle:.*", "type": "Vehicle"}], "propertyNames": ["speed"]}]),
        ),
        registration(
            "anything",
            "redirect",
            json!([{"propertyNames": ["speed"]}]),
        ),
    ];
    for other in overlapping {
        let r = broker.post("/csourceRegistrations", &other).await;
        let problem = expect_error(r, StatusCode::CONFLICT, "Conflict").await;
        assert!(
            problem["detail"].as_str().unwrap().contains("first"),
            "{problem}"
        );
    }
    // Other attributes, other entities, other types and other modes are free.
    let free = [
        registration("heading", "exclusive", by_id(CAR, &["heading"])),
        registration("van", "redirect", by_id(VAN, &["speed"])),
        registration("van-again", "redirect", by_id(VAN, &["speed"])),
        registration(
            "buses",
            "redirect",
            json!([{"entities": [{"type": "Bus"}], "propertyNames": ["speed"]}]),
        ),
        registration("copy", "inclusive", by_id(CAR, &["speed"])),
    ];
    for other in free {
        assert_eq!(
            status_of(&broker, &other).await,
            StatusCode::CREATED,
            "{other}"
        );
    }

    // An update is held to the same rules; a registration does not conflict with itself.
    let path = "/csourceRegistrations/urn:ngsi-ld:ContextSourceRegistration:copy";
    let r = broker
        .send_json(Method::PATCH, path, &json!({"mode": "exclusive"}))
        .await;
    expect_error(r, StatusCode::CONFLICT, "Conflict").await;
    assert!(broker
        .get_json(path)
        .await
        .get("mode")
        .is_none_or(|m| m == "inclusive"));
    let r = broker
        .send_json(
            Method::PATCH,
            "/csourceRegistrations/urn:ngsi-ld:ContextSourceRegistration:first",
            &json!({"description": "the park's speed sensors"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_proxied_registration_cannot_take_what_the_broker_holds() {
    let app = crate::common::spawn_demo(true).await;
    let broker = Ngsi::writer(&app).await;
    let car =
        json!({"id": CAR, "type": "Vehicle", "brandName": {"type": "Property", "value": "长安"}});
    assert_eq!(
        broker.post("/entities", &car).await.status(),
        StatusCode::CREATED
    );

    let taken = [
        registration("brand", "exclusive", by_id(CAR, &["brandName"])),
        registration("car", "redirect", by_id(CAR, &[])),
        registration(
            "vehicles",
            "redirect",
            json!([{"entities": [{"type": "Vehicle"}]}]),
        ),
        registration(
            "brands",
            "redirect",
            json!([{"entities": [{"idPattern": "urn:ngsi-ld:Vehicle:C.*", "type": "Vehicle"}], "propertyNames": ["brandName"]}]),
        ),
        registration(
            "all-brands",
            "redirect",
            json!([{"propertyNames": ["brandName"]}]),
        ),
    ];
    for other in taken {
        let r = broker.post("/csourceRegistrations", &other).await;
        let problem = expect_error(r, StatusCode::CONFLICT, "Conflict").await;
        assert!(
            problem["detail"].as_str().unwrap().contains(CAR),
            "{problem}"
        );
    }
    let free = [
        registration("speed", "exclusive", by_id(CAR, &["speed"])),
        registration("car-speed", "inclusive", by_id(CAR, &[])),
        registration(
            "other-vehicles",
            "redirect",
            json!([{"entities": [{"idPattern": "urn:ngsi-ld:Vehicle:V.*", "type": "Vehicle"}]}]),
        ),
        registration(
            "buses",
            "redirect",
            json!([{"entities": [{"type": "Bus"}]}]),
        ),
        registration(
            "all-colours",
            "redirect",
            json!([{"propertyNames": ["colour"]}]),
        ),
    ];
    for other in free {
        assert_eq!(
            status_of(&broker, &other).await,
            StatusCode::CREATED,
            "{other}"
        );
    }
    let r = broker
        .get("/csourceRegistrations/urn:ngsi-ld:ContextSourceRegistration:brand")
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // A bus kept here with `local=true`: updating what the buses' registration takes now
    // conflicts, updating its description does not.
    let r = broker
        .post(
            "/entities?local=true",
            &json!({"id": "urn:ngsi-ld:Bus:B1", "type": "Bus"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let path = "/csourceRegistrations/urn:ngsi-ld:ContextSourceRegistration:buses";
    let r = broker
        .send_json(
            Method::PATCH,
            path,
            &json!({"description": "the city's buses"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = broker
        .send_json(
            Method::PATCH,
            path,
            &json!({"information": [{"entities": [{"type": "Bus"}]}], "mode": "redirect"}),
        )
        .await;
    expect_error(r, StatusCode::CONFLICT, "Conflict").await;
}
