//! Distributed batch operations (clause 4.3.6.3 with clauses 6.14 to 6.17 and 6.31): each entity
//! of a batch goes where a single write on it would, every source gets its part of all the
//! entities in one batch request, and the BatchOperationResult names the registration of a
//! source that refused an entity. A purge (clause 6.4.3.3) goes to the sources of its types.

use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;
use crate::distributed_writes::{local, register, registration, two_brokers};
use crate::ngsi::*;

const CAR: &str = "urn:ngsi-ld:Vehicle:C1";
const VAN: &str = "urn:ngsi-ld:Vehicle:V1";
const BATCH_OPS: [&str; 5] = [
    "createBatch",
    "upsertBatch",
    "updateBatch",
    "deleteBatch",
    "mergeBatch",
];

fn errors(name: &str) -> String {
    format!("https://uri.etsi.org/ngsi-ld/errors/{name}")
}

#[tokio::test]
async fn an_exclusive_source_takes_its_attributes_of_each_entity_in_a_batch() {
    let (_district, park, broker, source) = two_brokers().await;
    let exclusive = json!({
        "mode": "exclusive",
        "operations": BATCH_OPS,
        "information": [{"entities": [{"id": CAR, "type": "Vehicle"}], "propertyNames": ["speed"]}],
    });
    register(&broker, &registration("speed", &park, &source, exclusive)).await;

    // The car's speed goes to the park, the rest of both vehicles stays.
    let vehicle = |id: &str| {
        json!({"id": id, "type": "Vehicle",
               "speed": {"type": "Property", "value": 30},
               "brandName": {"type": "Property", "value": "长安"}})
    };
    let r = broker
        .post(
            "/entityOperations/create",
            &json!([vehicle(CAR), vehicle(VAN)]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.json::<Value>().await.unwrap(), json!([CAR, VAN]));
    let here = local(&broker, CAR).await;
    assert_eq!(here["brandName"]["value"], "长安");
    assert!(here.get("speed").is_none(), "{here}");
    let there = local(&source, CAR).await;
    assert_eq!(there["speed"]["value"], 30);
    assert!(there.get("brandName").is_none(), "{there}");
    assert_eq!(local(&broker, VAN).await["speed"]["value"], 30);
    assert_eq!(local(&source, VAN).await, Value::Null);

    // An update of the car's speed alone goes only to the park.
    let speed =
        |id: &str, value: i64| json!({"id": id, "speed": {"type": "Property", "value": value}});
    let r = broker
        .post(
            "/entityOperations/update",
            &json!([speed(CAR, 50), speed(VAN, 60)]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(local(&source, CAR).await["speed"]["value"], 50);
    assert!(local(&broker, CAR).await.get("speed").is_none());
    assert_eq!(local(&broker, VAN).await["speed"]["value"], 60);

    // So does a merge and an upsert.
    let r = broker
        .send_json(
            reqwest::Method::POST,
            "/entityOperations/merge",
            &json!([speed(CAR, 55)]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(local(&source, CAR).await["speed"]["value"], 55);
    let mut car = speed(CAR, 58);
    car["type"] = json!("Vehicle");
    let r = broker
        .post("/entityOperations/upsert?options=update", &json!([car]))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(local(&source, CAR).await["speed"]["value"], 58);
    assert_eq!(local(&broker, CAR).await["brandName"]["value"], "长安");

    // A batch deletion deletes the car at both, the van here.
    let r = broker
        .post("/entityOperations/delete", &json!([CAR, VAN]))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    for id in [CAR, VAN] {
        assert_eq!(local(&broker, id).await, Value::Null);
        assert_eq!(local(&source, id).await, Value::Null);
    }
}

#[tokio::test]
async fn entities_a_source_refuses_are_reported_with_its_registration() {
    let (_district, park, broker, source) = two_brokers().await;
    let redirect = json!({
        "mode": "redirect",
        "operations": ["createBatch"],
        "information": [{"entities": [{"type": "Vehicle"}]}],
    });
    register(&broker, &registration("vehicles", &park, &source, redirect)).await;
    // Port 9 (discard) is closed here.
    let gone = json!({
        "id": "urn:ngsi-ld:ContextSourceRegistration:buses",
        "type": "ContextSourceRegistration",
        "endpoint": "http://127.0.0.1:9",
        "mode": "redirect",
        "operations": ["createBatch"],
        "information": [{"entities": [{"type": "Bus"}]}],
    });
    register(&broker, &gone).await;
    let existing = json!({"id": CAR, "type": "Vehicle", "speed": {"type": "Property", "value": 1}});
    assert_eq!(
        source.post("/entities", &existing).await.status(),
        StatusCode::CREATED
    );

    let light = "urn:ngsi-ld:Streetlight:L1";
    let bus = "urn:ngsi-ld:Bus:B1";
    let r = broker
        .post(
            "/entityOperations/create",
            &json!([
                {"id": light, "type": "Streetlight"},
                {"id": CAR, "type": "Vehicle", "speed": {"type": "Property", "value": 2}},
                {"id": VAN, "type": "Vehicle"},
                {"id": bus, "type": "Bus"},
            ]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::MULTI_STATUS);
    let result: Value = r.json().await.unwrap();
    assert_eq!(result["success"], json!([light, VAN]), "{result}");
    let errors_by_id = |id: &str| {
        result["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["entityId"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} in {result}"))
    };
    // The park already has the car: its refusal, by entity.
    let car = errors_by_id(CAR);
    assert_eq!(car["error"]["type"], errors("AlreadyExists"));
    assert_eq!(car["error"]["status"], 409);
    assert_eq!(
        car["registrationId"],
        "urn:ngsi-ld:ContextSourceRegistration:vehicles"
    );
    // The buses' source does not answer.
    let bus_error = errors_by_id(bus);
    assert_eq!(bus_error["error"]["status"], 502);
    assert_eq!(
        bus_error["registrationId"],
        "urn:ngsi-ld:ContextSourceRegistration:buses"
    );
    assert_eq!(local(&source, CAR).await["speed"]["value"], 1);
    assert!(local(&source, VAN).await.is_object());
    assert_eq!(local(&broker, VAN).await, Value::Null);
    assert_eq!(local(&broker, bus).await, Value::Null);
    assert!(local(&broker, light).await.is_object());
}

/// One request a context source received.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    uri: String,
    via: Option<String>,
    link: Option<String>,
    body: Value,
}

/// A context source that answers every batch with success and keeps what it was sent.
pub(crate) async fn recording_source() -> (String, Arc<Mutex<Vec<Received>>>) {
    use axum::http::{HeaderMap, StatusCode as AxumStatus, Uri};
    let seen: Arc<Mutex<Vec<Received>>> = Default::default();
    let sink = seen.clone();
    let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: String| {
        let sink = sink.clone();
        async move {
            sink.lock().unwrap().push(Received {
                uri: uri.to_string(),
                via: headers
                    .get("via")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
                link: headers
                    .get("link")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
                body: serde_json::from_str(&body).unwrap_or(Value::Null),
            });
            AxumStatus::NO_CONTENT
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

#[tokio::test]
async fn a_source_gets_one_batch_with_its_entities_and_the_clients_options() {
    let district = spawn_demo(true).await;
    let broker = Ngsi::writer(&district).await;
    let (url, seen) = recording_source().await;
    let inclusive = json!({
        "type": "ContextSourceRegistration",
        "endpoint": url,
        "operations": ["updateBatch", "createBatch"],
        "information": [{"entities": [{"type": "Vehicle"}]}],
    });
    register(&broker, &inclusive).await;
    // Without batch operations a registration takes no batch.
    let (other_url, other_seen) = recording_source().await;
    let single_writes = json!({
        "type": "ContextSourceRegistration",
        "endpoint": other_url,
        "mode": "redirect",
        "operations": ["redirectionOps"],
        "information": [{"entities": [{"type": "Vehicle"}]}],
    });
    register(&broker, &single_writes).await;
    let car =
        |id: &str| json!({"id": id, "type": "Vehicle", "speed": {"type": "Property", "value": 3}});
    let r = broker
        .post("/entityOperations/create", &json!([car(CAR), car(VAN)]))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(local(&broker, CAR).await["speed"]["value"], 3);

    let heading = |id: &str| json!({"id": id, "heading": {"type": "Property", "value": 9}});
    let r = broker
        .post(
            "/entityOperations/update?options=noOverwrite",
            &json!([heading(CAR), heading(VAN)]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let received = seen.lock().unwrap().clone();
    assert_eq!(received.len(), 2, "{received:?}");
    assert_eq!(
        received[0].uri,
        "/ngsi-ld/v1/entityOperations/create?local=true"
    );
    let update = &received[1];
    assert!(
        update
            .uri
            .starts_with("/ngsi-ld/v1/entityOperations/update?")
            && update.uri.contains("options=noOverwrite")
            && update.uri.contains("local=true"),
        "{}",
        update.uri
    );
    assert!(update
        .via
        .as_deref()
        .is_some_and(|v| v.starts_with("1.1 yuverse-")));
    assert_eq!(ids(&update.body), [CAR, VAN]);
    assert!(update.body[0]["@context"].is_string() || update.body[0]["@context"].is_array());
    assert!(other_seen.lock().unwrap().is_empty());

    // An entity the broker refuses goes to no source; `local=true` keeps a batch here.
    let r = broker
        .post(
            "/entityOperations/create",
            &json!([car("urn:ngsi-ld:Vehicle:C2"), {"id": "urn:ngsi-ld:Vehicle:C3", "type": "Vehicle", "speed": {"type": "Property"}}]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::MULTI_STATUS);
    let result: Value = r.json().await.unwrap();
    assert_eq!(result["errors"][0]["entityId"], "urn:ngsi-ld:Vehicle:C3");
    assert_eq!(
        result["errors"][0]["error"]["type"],
        errors("BadRequestData")
    );
    assert!(result["errors"][0].get("registrationId").is_none());
    let r = broker
        .post(
            "/entityOperations/update?local=true",
            &json!([heading(CAR)]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let received = seen.lock().unwrap().clone();
    assert_eq!(received.len(), 3, "{received:?}");
    assert_eq!(ids(&received[2].body), ["urn:ngsi-ld:Vehicle:C2"]);
}

#[tokio::test]
async fn a_batch_that_comes_back_through_via_is_a_loop() {
    let district = spawn_demo(true).await;
    let broker = Ngsi::writer(&district).await;
    let (url, seen) = recording_source().await;
    let inclusive = json!({
        "type": "ContextSourceRegistration",
        "endpoint": url,
        "operations": ["deleteBatch"],
        "information": [{"entities": [{"type": "Vehicle"}]}],
    });
    register(&broker, &inclusive).await;
    let car = json!({"id": CAR, "type": "Vehicle"});
    assert_eq!(
        broker.post("/entities", &car).await.status(),
        StatusCode::CREATED
    );
    let r = broker.post("/entityOperations/delete", &json!([CAR])).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let via = seen.lock().unwrap()[0].via.clone().unwrap();
    assert_eq!(seen.lock().unwrap()[0].body, json!([CAR]));

    assert_eq!(
        broker.post("/entities", &car).await.status(),
        StatusCode::CREATED
    );
    let r = broker
        .request(reqwest::Method::POST, "/entityOperations/delete")
        .header("content-type", "application/json")
        .header("via", &via)
        .body(json!([CAR]).to_string())
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::LOOP_DETECTED, "LoopDetected").await;
    assert!(local(&broker, CAR).await.is_object());
}

#[tokio::test]
async fn a_purge_goes_to_the_sources_of_its_types() {
    let (_district, park, broker, source) = two_brokers().await;
    let vehicle = |id: &str, name: &str| json!({"id": id, "type": "Vehicle", name: {"type": "Property", "value": 1}});
    for (ngsi, id, name) in [
        (&broker, CAR, "brandName"),
        (&broker, VAN, "brandName"),
        (&source, CAR, "speed"),
        (&source, "urn:ngsi-ld:Vehicle:P1", "speed"),
    ] {
        assert_eq!(
            ngsi.post("/entities", &vehicle(id, name)).await.status(),
            StatusCode::CREATED
        );
    }
    // redirectionOps holds purgeEntity.
    let exclusive = json!({
        "mode": "exclusive",
        "operations": ["redirectionOps"],
        "information": [{"entities": [{"id": CAR, "type": "Vehicle"}], "propertyNames": ["speed"]}],
    });
    register(&broker, &registration("speed", &park, &source, exclusive)).await;
    let (url, seen) = recording_source().await;
    let purges = json!({
        "type": "ContextSourceRegistration",
        "endpoint": url,
        "operations": ["purgeEntity"],
        "information": [{"entities": [{"type": "Vehicle"}]}],
    });
    register(&broker, &purges).await;
    let (other_url, other_seen) = recording_source().await;
    let no_purge = json!({
        "type": "ContextSourceRegistration",
        "endpoint": other_url,
        "operations": ["createEntity", "deleteEntity"],
        "information": [{"entities": [{"type": "Vehicle"}]}],
    });
    register(&broker, &no_purge).await;

    let r = broker.delete("/entities?type=Vehicle").await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    for id in [CAR, VAN] {
        assert_eq!(local(&broker, id).await, Value::Null);
    }
    assert_eq!(local(&source, CAR).await, Value::Null);
    assert_eq!(local(&source, "urn:ngsi-ld:Vehicle:P1").await, Value::Null);
    let received = seen.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    assert_eq!(
        received[0].uri,
        "/ngsi-ld/v1/entities?type=Vehicle&local=true"
    );
    assert!(
        received[0]
            .link
            .as_deref()
            .is_some_and(|l| l.contains("rel=\"http://www.w3.org/ns/json-ld#context\"")),
        "{:?}",
        received[0].link
    );
    assert!(other_seen.lock().unwrap().is_empty());

    // A source that cannot be reached is named; the broker purged its own.
    let gone = json!({
        "id": "urn:ngsi-ld:ContextSourceRegistration:buses",
        "type": "ContextSourceRegistration",
        "endpoint": "http://127.0.0.1:9",
        "mode": "redirect",
        "operations": ["redirectionOps"],
        "information": [{"entities": [{"type": "Bus"}]}],
    });
    register(&broker, &gone).await;
    let bus = "urn:ngsi-ld:Bus:B1";
    let r = broker
        .post("/entities?local=true", &json!({"id": bus, "type": "Bus"}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = broker.delete("/entities?type=Bus").await;
    assert_eq!(r.status(), StatusCode::MULTI_STATUS);
    let result: Value = r.json().await.unwrap();
    assert_eq!(
        result["notUpdated"][0]["registrationId"],
        "urn:ngsi-ld:ContextSourceRegistration:buses"
    );
    assert_eq!(local(&broker, bus).await, Value::Null);
    // `local=true` purges here only.
    let r = broker
        .post("/entities?local=true", &json!({"id": bus, "type": "Bus"}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = broker.delete("/entities?type=Bus&local=true").await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}
