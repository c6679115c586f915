//! Distributed reads (clause 4.3.6) between two real brokers: the district's broker asks a
//! park's broker registered as a context source, and merges its entities into its own.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;
use crate::ngsi::*;

fn vehicle(id: &str, attrs: Value) -> Value {
    let mut v = json!({"id": id, "type": "Vehicle"});
    for (k, a) in attrs.as_object().unwrap() {
        v[k] = a.clone();
    }
    v
}

const A456: &str = "urn:ngsi-ld:Vehicle:A456";
const B1: &str = "urn:ngsi-ld:Vehicle:B1";

#[tokio::test]
async fn queries_and_retrievals_ask_registered_sources_and_merge_their_entities() {
    let district = spawn_demo(true).await;
    let park = spawn_demo(true).await;
    let broker = Ngsi::writer(&district).await;
    let source = Ngsi::writer(&park).await;
    // The park's broker knows the vehicles' speed; the district's knows one's brand.
    for body in [
        vehicle(A456, json!({"speed": 30})),
        vehicle(B1, json!({"speed": 12})),
    ] {
        assert_eq!(
            source.post("/entities", &body).await.status(),
            StatusCode::CREATED
        );
    }
    assert_eq!(
        broker
            .post("/entities", &vehicle(A456, json!({"brandName": "长安"})))
            .await
            .status(),
        StatusCode::CREATED
    );
    let registration = json!({
        "id": "urn:ngsi-ld:ContextSourceRegistration:park",
        "type": "ContextSourceRegistration",
        "information": [{"entities": [{"type": "Vehicle"}]}],
        "endpoint": park.url(""),
    });
    assert_eq!(
        broker
            .post("/csourceRegistrations", &registration)
            .await
            .status(),
        StatusCode::CREATED
    );

    // A retrieval merges the two brokers' attributes; one of the source's alone is found too.
    let merged = broker.get_json(&format!("/entities/{A456}")).await;
    assert_eq!(merged["brandName"]["value"], "长安");
    assert_eq!(merged["speed"]["value"], 30);
    assert_eq!(
        broker.get_json(&format!("/entities/{B1}")).await["speed"]["value"],
        12
    );
    expect_error(
        broker.get("/entities/urn:ngsi-ld:Vehicle:none").await,
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
    )
    .await;

    // A query does the same, in the representation asked for, with the count of both.
    let r = broker.get("/entities?type=Vehicle&count=true").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["ngsild-results-count"],
        "3",
        "one held locally, two by the source"
    );
    let list: Value = r.json().await.unwrap();
    assert_eq!(sorted_ids(&list), vec![A456, B1]);
    let simplified = broker
        .get_json("/entities?type=Vehicle&options=keyValues&q=speed>20")
        .await;
    assert_eq!(sorted_ids(&simplified), vec![A456]);
    assert_eq!(simplified[0]["speed"], 30);
    // Paging cuts the merged list.
    let second = broker
        .get_json("/entities?type=Vehicle&limit=1&offset=1")
        .await;
    assert_eq!(sorted_ids(&second), vec![B1]);

    // local=true reads the broker's own data only.
    let local = broker.get_json("/entities?type=Vehicle&local=true").await;
    assert_eq!(sorted_ids(&local), vec![A456]);
    assert!(local[0].get("speed").is_none());
    // Entities of types no registration names are not asked for.
    assert!(broker
        .get_json("/entities?type=Streetlight")
        .await
        .as_array()
        .unwrap()
        .is_empty());

    // The park's broker registers the district's back: local=true on forwarded reads keeps
    // the two from asking each other in circles.
    let back = json!({
        "type": "ContextSourceRegistration",
        "information": [{"entities": [{"type": "Vehicle"}]}],
        "endpoint": district.url(""),
    });
    assert_eq!(
        source.post("/csourceRegistrations", &back).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        sorted_ids(&broker.get_json("/entities?type=Vehicle").await),
        vec![A456, B1]
    );
    let from_park = source.get_json(&format!("/entities/{A456}")).await;
    assert_eq!(from_park["brandName"]["value"], "长安");
}

#[tokio::test]
async fn a_source_that_does_not_answer_is_left_out_with_a_warning() {
    let district = spawn_demo(true).await;
    let broker = Ngsi::writer(&district).await;
    assert_eq!(
        broker
            .post("/entities", &vehicle(A456, json!({"brandName": "长安"})))
            .await
            .status(),
        StatusCode::CREATED
    );
    // Port 9 (discard) is closed here.
    let registration = json!({
        "id": "urn:ngsi-ld:ContextSourceRegistration:gone",
        "type": "ContextSourceRegistration",
        "information": [{"entities": [{"type": "Vehicle"}]}],
        "endpoint": "http://127.0.0.1:9",
        "management": {"timeout": 2000},
    });
    assert_eq!(
        broker
            .post("/csourceRegistrations", &registration)
            .await
            .status(),
        StatusCode::CREATED
    );
    let r = broker.get("/entities?type=Vehicle").await;
    assert_eq!(r.status(), StatusCode::OK);
    let warning = r.headers()["ngsild-warning"].to_str().unwrap().to_owned();
    assert!(
        warning.contains("urn:ngsi-ld:ContextSourceRegistration:gone"),
        "{warning}"
    );
    let list: Value = r.json().await.unwrap();
    assert_eq!(sorted_ids(&list), vec![A456]);
    let r = broker.get(&format!("/entities/{A456}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().contains_key("ngsild-warning"));

    // A registration that does not take queries is not asked.
    let quiet = json!({
        "type": "ContextSourceRegistration",
        "information": [{"entities": [{"type": "Streetlight"}]}],
        "endpoint": "http://127.0.0.1:9",
        "operations": ["createEntity"],
    });
    assert_eq!(
        broker.post("/csourceRegistrations", &quiet).await.status(),
        StatusCode::CREATED
    );
    let r = broker.get("/entities?type=Streetlight").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(!r.headers().contains_key("ngsild-warning"));
}
