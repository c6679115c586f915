//! Distributed writes (clause 4.3.6.3) between two real brokers: the district's broker passes
//! entity writes on to a park's broker registered as a context source, by the registration's
//! mode and operations.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::*;
use crate::ngsi::*;

const CAR: &str = "urn:ngsi-ld:Vehicle:C1";

/// A registration of the park's broker, which it reaches with the park's API key.
/// Two brokers with a writer each: the district's, which sources are registered with, and a
/// park's, which serves as a context source.
pub(crate) async fn two_brokers() -> (TestApp, TestApp, Ngsi, Ngsi) {
    let district = spawn_demo(true).await;
    let park = spawn_demo(true).await;
    let broker = Ngsi::writer(&district).await;
    let source = Ngsi::writer(&park).await;
    (district, park, broker, source)
}

pub(crate) fn registration(id: &str, park: &TestApp, source: &Ngsi, extra: Value) -> Value {
    let mut r = json!({
        "id": format!("urn:ngsi-ld:ContextSourceRegistration:{id}"),
        "type": "ContextSourceRegistration",
        "endpoint": park.url(""),
        "contextSourceInfo": [{"key": "x-api-key", "value": source.key.clone().unwrap()}],
    });
    for (k, v) in extra.as_object().unwrap() {
        r[k] = v.clone();
    }
    r
}

pub(crate) async fn register(broker: &Ngsi, registration: &Value) {
    let r = broker.post("/csourceRegistrations", registration).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
}

pub(crate) async fn local(ngsi: &Ngsi, id: &str) -> Value {
    let r = ngsi.get(&format!("/entities/{id}?local=true")).await;
    if r.status() == StatusCode::NOT_FOUND {
        return Value::Null;
    }
    r.json().await.unwrap()
}

#[tokio::test]
async fn an_exclusive_source_takes_its_attributes_and_the_broker_keeps_the_rest() {
    let (_district, park, broker, source) = two_brokers().await;
    let car =
        json!({"id": CAR, "type": "Vehicle", "brandName": {"type": "Property", "value": "长安"}});
    assert_eq!(
        broker.post("/entities", &car).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        source.post("/entities", &car).await.status(),
        StatusCode::CREATED
    );
    let exclusive = json!({
        "mode": "exclusive",
        "operations": ["redirectionOps"],
        "information": [{"entities": [{"id": CAR, "type": "Vehicle"}], "propertyNames": ["speed"]}],
    });
    register(&broker, &registration("speed", &park, &source, exclusive)).await;

    // Appending speed and isParked: speed goes to the park, isParked stays.
    let r = broker
        .post(
            &format!("/entities/{CAR}/attrs/"),
            &json!({"speed": {"type": "Property", "value": 42}, "isParked": {"type": "Property", "value": false}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let here = local(&broker, CAR).await;
    assert_eq!(here["isParked"]["value"], false);
    assert!(here.get("speed").is_none(), "{here}");
    let there = local(&source, CAR).await;
    assert_eq!(there["speed"]["value"], 42);
    assert!(there.get("isParked").is_none(), "{there}");

    // A partial update of speed goes only to the park, though the broker has no speed.
    let r = broker
        .send_json(
            Method::PATCH,
            &format!("/entities/{CAR}/attrs/speed"),
            &json!({"type": "Property", "value": 50}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(local(&source, CAR).await["speed"]["value"], 50);

    // A read merges both again.
    let merged = broker.get_json(&format!("/entities/{CAR}")).await;
    assert_eq!(merged["speed"]["value"], 50);
    assert_eq!(merged["isParked"]["value"], false);

    // Deleting the entity deletes it at both.
    assert_eq!(
        broker.delete(&format!("/entities/{CAR}")).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(local(&broker, CAR).await, Value::Null);
    assert_eq!(local(&source, CAR).await, Value::Null);
}

#[tokio::test]
async fn redirect_and_inclusive_sources_take_whole_entities() {
    let (_district, park, broker, source) = two_brokers().await;
    let redirect = json!({
        "mode": "redirect",
        "operations": ["redirectionOps"],
        "information": [{"entities": [{"type": "Vehicle"}]}],
    });
    register(&broker, &registration("vehicles", &park, &source, redirect)).await;
    let inclusive = json!({
        "operations": ["createEntity", "deleteEntity"],
        "information": [{"entities": [{"type": "Streetlight"}]}],
    });
    register(&broker, &registration("lights", &park, &source, inclusive)).await;

    // A vehicle is created at the park only, with the broker's usual answer.
    let car = json!({"id": CAR, "type": "Vehicle", "speed": {"type": "Property", "value": 30}});
    let r = broker.post("/entities", &car).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(
        r.headers()["location"],
        format!("/ngsi-ld/v1/entities/{CAR}")
    );
    assert_eq!(local(&broker, CAR).await, Value::Null);
    assert_eq!(local(&source, CAR).await["speed"]["value"], 30);

    // A streetlight is created at both.
    let light = "urn:ngsi-ld:Streetlight:L1";
    let r = broker
        .post(
            "/entities",
            &json!({"id": light, "type": "Streetlight", "powerState": {"type": "Property", "value": "on"}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(local(&broker, light).await["powerState"]["value"], "on");
    assert_eq!(local(&source, light).await["powerState"]["value"], "on");

    // The park refuses a second creation: the broker passes its refusal on.
    expect_error(
        broker.post("/entities", &car).await,
        StatusCode::CONFLICT,
        "AlreadyExists",
    )
    .await;

    // `local=true` keeps a write at the broker.
    let other = "urn:ngsi-ld:Vehicle:C2";
    let r = broker
        .post(
            "/entities?local=true",
            &json!({"id": other, "type": "Vehicle", "speed": {"type": "Property", "value": 5}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(local(&broker, other).await["speed"]["value"], 5);
    assert_eq!(local(&source, other).await, Value::Null);
}

#[tokio::test]
async fn sources_that_fail_are_reported_and_sources_not_taking_writes_are_not_sent_any() {
    let district = spawn_demo(true).await;
    let broker = Ngsi::writer(&district).await;
    // Port 9 (discard) is closed here.
    let gone = |id: &str, mode: &str, ty: &str| {
        json!({
            "id": format!("urn:ngsi-ld:ContextSourceRegistration:{id}"),
            "type": "ContextSourceRegistration",
            "endpoint": "http://127.0.0.1:9",
            "mode": mode,
            "operations": ["redirectionOps"],
            "information": [{"entities": [{"type": ty}], "propertyNames": ["speed"]}],
        })
    };
    register(&broker, &gone("inclusive", "inclusive", "Vehicle")).await;
    register(&broker, &gone("redirect", "redirect", "Bus")).await;
    // Without `operations` a registration takes only reads (federationOps).
    let reads_only = json!({
        "type": "ContextSourceRegistration",
        "endpoint": "http://127.0.0.1:9",
        "information": [{"entities": [{"type": "Bicycle"}]}],
    });
    register(&broker, &reads_only).await;

    // The broker wrote its part; the source did not: 207 names both.
    let car = json!({
        "id": CAR, "type": "Vehicle",
        "speed": {"type": "Property", "value": 30},
        "brandName": {"type": "Property", "value": "长安"},
    });
    let r = broker.post("/entities", &car).await;
    assert_eq!(r.status(), StatusCode::MULTI_STATUS);
    let result: Value = r.json().await.unwrap();
    let default = |name: &str| format!("https://uri.etsi.org/ngsi-ld/default-context/{name}");
    assert_eq!(
        result["updated"],
        json!([default("brandName"), default("speed")])
    );
    assert_eq!(result["notUpdated"][0]["attributeName"], default("speed"));
    assert_eq!(
        result["notUpdated"][0]["registrationId"],
        "urn:ngsi-ld:ContextSourceRegistration:inclusive"
    );
    assert_eq!(local(&broker, CAR).await["speed"]["value"], 30);

    // Only the source was to write, and it failed: its failure is the answer.
    let bus = json!({"id": "urn:ngsi-ld:Bus:B1", "type": "Bus", "speed": {"type": "Property", "value": 20}});
    expect_error(
        broker.post("/entities", &bus).await,
        StatusCode::BAD_GATEWAY,
        "InternalError",
    )
    .await;
    assert_eq!(local(&broker, "urn:ngsi-ld:Bus:B1").await, Value::Null);

    // A read-only registration is not sent writes.
    let bike = json!({"id": "urn:ngsi-ld:Bicycle:K1", "type": "Bicycle", "speed": {"type": "Property", "value": 9}});
    assert_eq!(
        broker.post("/entities", &bike).await.status(),
        StatusCode::CREATED
    );
}

/// A context source that answers every request with success and keeps its headers.
async fn capturing_source() -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<reqwest::header::HeaderMap>>>,
) {
    use axum::http::{HeaderMap, Method as AxumMethod, StatusCode as AxumStatus};
    let seen: std::sync::Arc<std::sync::Mutex<Vec<HeaderMap>>> = Default::default();
    let sink = seen.clone();
    let app = axum::Router::new().fallback(move |method: AxumMethod, headers: HeaderMap| {
        let sink = sink.clone();
        async move {
            sink.lock().unwrap().push(headers);
            if method == AxumMethod::POST {
                AxumStatus::CREATED
            } else {
                AxumStatus::NO_CONTENT
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

#[tokio::test]
async fn a_write_that_comes_back_through_via_is_a_loop() {
    let district = spawn_demo(true).await;
    let broker = Ngsi::writer(&district).await;
    let (url, seen) = capturing_source().await;
    let inclusive = json!({
        "type": "ContextSourceRegistration",
        "endpoint": url,
        "operations": ["createEntity", "deleteEntity", "queryEntity"],
        "information": [{"entities": [{"type": "Vehicle"}]}],
    });
    register(&broker, &inclusive).await;

    // A write passed on names this broker in Via, after the proxies it came through.
    let car = json!({"id": CAR, "type": "Vehicle", "speed": {"type": "Property", "value": 1}});
    let r = broker
        .request(Method::POST, "/entities")
        .header("content-type", "application/json")
        .header("via", "1.1 gateway")
        .body(car.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let via = seen.lock().unwrap()[0]["via"].to_str().unwrap().to_owned();
    assert!(via.starts_with("1.1 gateway, 1.1 yuverse-"), "{via}");

    // The same Via coming back is refused before anything is done.
    let r = broker
        .request(Method::DELETE, &format!("/entities/{CAR}"))
        .header("via", &via)
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::LOOP_DETECTED, "LoopDetected").await;
    assert_eq!(local(&broker, CAR).await["speed"]["value"], 1);
    let r = broker
        .request(Method::GET, "/entities?type=Vehicle")
        .header("via", &via)
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::LOOP_DETECTED, "LoopDetected").await;
}
