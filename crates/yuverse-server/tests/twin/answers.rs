//! How the broker answers: batch update results with `noOverwrite` (clause 5.6.9), and counts
//! and pages that agree with what a projection leaves of the entities (clauses 4.21, 5.5.9).

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;
use crate::distributed_batch::recording_source;
use crate::distributed_writes::register;
use crate::ngsi::*;

const CAR: &str = "urn:ngsi-ld:Vehicle:A1";
const VAN: &str = "urn:ngsi-ld:Vehicle:A2";

/// A vehicle whose `speed` has only a named instance (datasetId), as the suite's D014_02 makes.
fn vehicle(id: &str) -> Value {
    json!({"id": id, "type": "Vehicle",
           "speed": {"type": "Property", "value": 56,
                     "datasetId": "urn:ngsi-ld:Property:speedometer"},
           "isParked2": {"type": "Relationship", "object": "urn:ngsi-ld:OffStreetParking:D2"}})
}

/// New attributes and new instances (datasetIds) of existing attributes, sent with scope.
fn additions(id: &str) -> Value {
    json!({"id": id, "type": "Vehicle", "scope": "/Madrid/Centro",
           "isParked": {"type": "Relationship", "object": "urn:ngsi-ld:OffStreetParking:D2"},
           "speed": [{"type": "Property", "value": 55},
                     {"type": "Property", "value": 54.5,
                      "datasetId": "urn:ngsi-ld:Property:gps"}]})
}

#[tokio::test]
async fn a_no_overwrite_batch_update_with_an_inclusive_source_adding_only_new_instances_is_204() {
    let district = spawn_demo(true).await;
    let broker = Ngsi::writer(&district).await;
    for id in [CAR, VAN] {
        let r = broker.post("/entities", &vehicle(id)).await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let (url, seen) = recording_source().await;
    register(
        &broker,
        &json!({"type": "ContextSourceRegistration", "endpoint": url,
                "operations": ["redirectionOps", "createBatch", "upsertBatch", "updateBatch", "deleteBatch", "mergeBatch"],
                "information": [{"entities": [{"idPattern": "urn:ngsi-ld:Vehicle:*", "type": "Vehicle"}]}]}),
    )
    .await;
    let r = broker
        .post(
            "/entityOperations/update?options=noOverwrite",
            &json!([additions(CAR), additions(VAN)]),
        )
        .await;
    let status = r.status();
    assert_eq!(
        status,
        StatusCode::NO_CONTENT,
        "{}",
        r.text().await.unwrap()
    );
    assert_eq!(seen.lock().unwrap().len(), 1);
}

/// Three buses, the first without `speed`: `pick=speed` leaves it nothing to show.
async fn buses(ngsi: &Ngsi) {
    let bus = |n: u32, speed: Option<u32>| {
        let mut e = json!({"id": format!("urn:ngsi-ld:Bus:P{n}"), "type": "Bus",
                           "route": {"type": "Property", "value": "550"}});
        if let Some(v) = speed {
            e["speed"] = json!({"type": "Property", "value": v});
        }
        e
    };
    let r = ngsi
        .post(
            "/entityOperations/create",
            &json!([bus(0, None), bus(1, Some(10)), bus(2, Some(20))]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

fn links(r: &reqwest::Response) -> Vec<String> {
    r.headers()
        .get_all("link")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn count_and_pages_are_of_the_entities_a_projection_leaves_something_of() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    buses(&ngsi).await;

    let r = ngsi
        .get("/entities?type=Bus&pick=speed&count=true&limit=1")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["ngsild-results-count"], "2");
    let next = links(&r);
    assert!(
        next.iter()
            .any(|l| l.contains("rel=\"next\"") && l.contains("offset=1")),
        "{next:?}"
    );
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!([{"speed": {"type": "Property", "value": 10}}])
    );

    let r = ngsi
        .get("/entities?type=Bus&pick=speed&count=true&limit=1&offset=1")
        .await;
    assert_eq!(r.headers()["ngsild-results-count"], "2");
    assert!(
        !links(&r).iter().any(|l| l.contains("rel=\"next\"")),
        "{:?}",
        links(&r)
    );
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!([{"speed": {"type": "Property", "value": 20}}])
    );

    // Ordered, and with `omit`, the same holds; `id` picked keeps every entity.
    let r = ngsi
        .get("/entities?type=Bus&omit=id,type,route&count=true&orderBy=speed;desc")
        .await;
    assert_eq!(r.headers()["ngsild-results-count"], "2");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body.as_array().unwrap().len(), 2, "{body}");
    assert_eq!(body[0]["speed"]["value"], 20);
    let r = ngsi
        .get("/entities?type=Bus&pick=id,speed&count=true")
        .await;
    assert_eq!(r.headers()["ngsild-results-count"], "3");

    // Bad projections stay problem+json.
    let r = ngsi.get("/entities?type=Bus&pick=speed&omit=route").await;
    expect_error(r, StatusCode::BAD_REQUEST, "BadRequestData").await;
}

/// Paging `Link`s are values of their own beside the @context `Link` of a JSON answer, each
/// written as the conformance suite compares them (031_02, 041_03): `<url>;rel="prev"`.
#[tokio::test]
async fn paging_links_are_exact_and_apart_from_the_context_link() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    buses(&ngsi).await;
    let r = ngsi.get("/entities?type=Bus&limit=1&offset=1").await;
    assert_eq!(r.status(), StatusCode::OK);
    let values = links(&r);
    assert_eq!(values.len(), 3, "{values:?}");
    assert!(
        values.iter().any(
            |l| l.contains("rel=\"http://www.w3.org/ns/json-ld#context\"")
                && !l.contains("rel=\"next\"")
        ),
        "{values:?}"
    );
    assert!(
        values
            .contains(&"</ngsi-ld/v1/entities?type=Bus&limit=1&offset=0>;rel=\"prev\"".to_owned()),
        "{values:?}"
    );
    assert!(
        values
            .contains(&"</ngsi-ld/v1/entities?type=Bus&limit=1&offset=2>;rel=\"next\"".to_owned()),
        "{values:?}"
    );

    for n in 0..2 {
        let r = ngsi
            .post(
                "/subscriptions",
                &json!({"id": format!("urn:ngsi-ld:Subscription:answers{n}"), "type": "Subscription",
                        "entities": [{"type": "Bus"}],
                        "notification": {"endpoint": {"uri": "http://127.0.0.1:9/notify"}}}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let r = ngsi
        .request(reqwest::Method::GET, "/subscriptions?limit=1&offset=1")
        .header("accept", "application/ld+json")
        .send()
        .await
        .unwrap();
    assert_eq!(
        links(&r),
        ["</ngsi-ld/v1/subscriptions?limit=1&offset=0>;rel=\"prev\";type=\"application/ld+json\""]
    );

    let r = ngsi.get("/entities?type=Bus&limit=many").await;
    expect_error(r, StatusCode::BAD_REQUEST, "BadRequestData").await;
}

/// The broker's own part of a query that also asks context sources is counted and paged the
/// same way.
#[tokio::test]
async fn a_query_asking_sources_counts_only_what_the_projection_leaves() {
    let district = spawn_demo(true).await;
    let park = spawn_demo(true).await;
    let broker = Ngsi::writer(&district).await;
    let source = Ngsi::writer(&park).await;
    buses(&broker).await;
    let r = source
        .post(
            "/entities",
            &json!({"id": "urn:ngsi-ld:Bus:P3", "type": "Bus", "speed": {"type": "Property", "value": 30}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    register(
        &broker,
        &json!({"type": "ContextSourceRegistration", "endpoint": park.url(""),
                "information": [{"entities": [{"type": "Bus"}]}]}),
    )
    .await;
    let r = broker.get("/entities?type=Bus&pick=speed&count=true").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["ngsild-results-count"], "3");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body.as_array().unwrap().len(), 3, "{body}");
    assert!(
        body.as_array()
            .unwrap()
            .iter()
            .all(|e| e["speed"].is_object()),
        "{body}"
    );
}
