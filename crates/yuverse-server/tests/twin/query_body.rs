//! The Query data type (clause 5.2.23) of `POST /entityOperations/query` and its temporal
//! twin: several entity selectors, each member of the body, and bad bodies (400 naming the
//! member); `type=*` (clause 6.4.3.2) and the checks of `idPattern` and `attrs`.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;
use crate::ngsi::*;

const P1: &str = "urn:ngsi-ld:Parking:p1";
const P2: &str = "urn:ngsi-ld:Parking:p2";
const LIGHT: &str = "urn:ngsi-ld:Streetlight:s1";
const CAMERA: &str = "urn:ngsi-ld:Camera:c1";

async fn seed(ngsi: &Ngsi) {
    let entities = json!([
        {"id": P1, "type": "Parking", "free": {"type": "Property", "value": 3},
            "name": {"type": "Property", "value": "north"},
            "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [106.50, 29.66]}}},
        {"id": P2, "type": "Parking", "free": {"type": "Property", "value": 40},
            "name": {"type": "Property", "value": "south"},
            "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [107.50, 29.66]}}},
        {"id": LIGHT, "type": "Streetlight", "powerState": {"type": "Property", "value": "on"}},
        {"id": CAMERA, "type": "Camera", "powerState": {"type": "Property", "value": "off"}}
    ]);
    let r = ngsi.post("/entityOperations/upsert", &entities).await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

async fn post_query(ngsi: &Ngsi, path: &str, body: Value) -> Value {
    let r = ngsi.post(path, &body).await;
    assert_eq!(r.status(), StatusCode::OK, "{body}");
    r.json().await.unwrap()
}

#[tokio::test]
async fn an_entity_matches_any_selector_and_all_of_its_members() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    seed(&ngsi).await;
    let body = post_query(
        &ngsi,
        "/entityOperations/query",
        json!({"type": "Query", "entities": [
            {"id": P1, "type": "Parking"},
            {"idPattern": "^urn:ngsi-ld:Streetlight:", "type": "Streetlight"}]}),
    )
    .await;
    assert_eq!(sorted_ids(&body), [P1, LIGHT]);
    // Each selector needs all of its members: P2 is no Streetlight, the pattern no Camera.
    let body = post_query(
        &ngsi,
        "/entityOperations/query",
        json!({"type": "Query", "entities": [
            {"id": P2, "type": "Streetlight"},
            {"idPattern": "^urn:ngsi-ld:Streetlight:", "type": "Camera"},
            {"type": "Camera"}]}),
    )
    .await;
    assert_eq!(sorted_ids(&body), [CAMERA]);
    // The other members apply to whatever the selectors chose.
    let body = post_query(
        &ngsi,
        "/entityOperations/query?count=true",
        json!({"type": "Query", "entities": [{"type": "Parking"}, {"type": "Camera"}],
            "q": "free>10"}),
    )
    .await;
    assert_eq!(sorted_ids(&body), [P2]);
    // The temporal query takes the same selectors.
    let body = post_query(
        &ngsi,
        "/temporal/entityOperations/query",
        json!({"type": "Query", "entities": [{"id": P1}, {"type": "Camera"}],
            "temporalQ": {"timerel": "after", "timeAt": "2000-01-01T00:00:00Z"}}),
    )
    .await;
    assert_eq!(sorted_ids(&body), [CAMERA, P1]);
}

#[tokio::test]
async fn every_member_of_the_query_is_honoured() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    seed(&ngsi).await;
    let query = |members: Value| {
        let mut body = json!({"type": "Query", "entities": [{"type": "Parking"}]});
        body.as_object_mut()
            .unwrap()
            .extend(members.as_object().unwrap().clone());
        body
    };
    let path = "/entityOperations/query";
    let body = post_query(&ngsi, path, query(json!({"attrs": ["free"]}))).await;
    assert!(
        body[0]["free"].is_object() && body[0].get("name").is_none(),
        "{body}"
    );
    let body = post_query(&ngsi, path, query(json!({"pick": ["id", "name"]}))).await;
    assert_eq!(
        body[0],
        json!({"id": P1, "name": {"type": "Property", "value": "north"}})
    );
    let body = post_query(&ngsi, path, query(json!({"omit": "free,location"}))).await;
    assert!(
        body[0].get("free").is_none() && body[0]["name"].is_object(),
        "{body}"
    );
    let body = post_query(
        &ngsi,
        path,
        query(
            json!({"geoQ": {"georel": "near;maxDistance==2000", "geometry": "Point",
            "coordinates": [106.50, 29.66]}}),
        ),
    )
    .await;
    assert_eq!(sorted_ids(&body), [P1]);
    let body = post_query(
        &ngsi,
        path,
        query(json!({"q": "name==\"south\"", "local": true})),
    )
    .await;
    assert_eq!(sorted_ids(&body), [P2]);
    let body = post_query(
        &ngsi,
        path,
        query(json!({"datasetId": ["@none"], "attrs": ["free"]})),
    )
    .await;
    assert_eq!(body[0]["free"]["value"], 3);
    let body = post_query(
        &ngsi,
        path,
        query(json!({"join": "inline", "joinLevel": 1})),
    )
    .await;
    assert_eq!(sorted_ids(&body), [P1, P2]);
}

#[tokio::test]
async fn a_bad_query_body_is_bad_request_data_naming_the_member() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    seed(&ngsi).await;
    let selector = json!([{"type": "Parking"}]);
    for (bad, named) in [
        (json!({"type": "NotQuery", "entities": selector}), "Query"),
        (json!({"type": "Query", "entities": []}), "entities"),
        (
            json!({"type": "Query", "entities": {"type": "Parking"}}),
            "entities",
        ),
        (json!({"type": "Query", "entities": [{}]}), "entities[0]"),
        (
            json!({"type": "Query", "entities": ["Parking"]}),
            "entities[0]",
        ),
        (
            json!({"type": "Query", "entities": [{"type": "Parking", "name": "x"}]}),
            "entities[0].name",
        ),
        (
            json!({"type": "Query", "entities": [{"type": "Parking"}, {"idPattern": "a**"}]}),
            "entities[1].idPattern",
        ),
        (
            json!({"type": "Query", "entities": [{"type": "Parking"}, {"id": "not a uri"}]}),
            "entities[1].id",
        ),
        (
            json!({"type": "Query", "entities": [{"type": "Parking"}, {"type": "(A"}]}),
            "entities[1].type",
        ),
        (
            json!({"type": "Query", "entities": [{"type": 7}]}),
            "entities[0].type",
        ),
        (
            json!({"type": "Query", "entities": selector, "attrs": []}),
            "attrs",
        ),
        (
            json!({"type": "Query", "entities": selector, "attrs": "free"}),
            "attrs",
        ),
        (
            json!({"type": "Query", "entities": selector, "pick": []}),
            "pick",
        ),
        (json!({"type": "Query", "entities": selector, "q": 42}), "q"),
        (
            json!({"type": "Query", "entities": selector, "join": "inline", "joinLevel": 0}),
            "joinLevel",
        ),
        (
            json!({"type": "Query", "entities": selector, "local": "yes"}),
            "local",
        ),
        (
            json!({"type": "Query", "entities": selector, "geoQ": "near"}),
            "geoQ",
        ),
        (
            json!({"type": "Query", "entities": selector, "geoQ": {"georel": "within", "shape": 1}}),
            "geoQ.shape",
        ),
        (
            json!({"type": "Query", "entities": selector, "orderBy": "free"}),
            "orderBy",
        ),
        (
            json!({"type": "Query", "entities": selector,
            "temporalQ": {"timerel": "after", "timeAt": "2020-01-01T00:00:00Z"}}),
            "temporalQ",
        ),
    ] {
        let r = ngsi.post("/entityOperations/query", &bad).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
        let body = expect_error(r, StatusCode::BAD_REQUEST, "BadRequestData").await;
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.contains(named), "{bad}: {detail}");
    }
    // The temporal query refuses the same bodies (temporalQ aside).
    expect_error(
        ngsi.post(
            "/temporal/entityOperations/query",
            &json!({"type": "Query", "entities": [{"type": "Parking"}, {"idPattern": "a**"}]}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "BadRequestData",
    )
    .await;
}

#[tokio::test]
async fn type_wildcard_selects_every_type() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    seed(&ngsi).await;
    let body = ngsi.get_json("/entities?type=*&limit=100").await;
    assert_eq!(sorted_ids(&body), [CAMERA, P1, P2, LIGHT]);
    let body = ngsi
        .get_json("/entities?type=*&q=powerState==%22on%22")
        .await;
    assert_eq!(sorted_ids(&body), [LIGHT]);
    let body = post_query(
        &ngsi,
        "/entityOperations/query",
        json!({"type": "Query", "entities": [{"type": "*"}], "attrs": ["powerState"]}),
    )
    .await;
    assert_eq!(sorted_ids(&body), [CAMERA, LIGHT]);
    let body = ngsi
        .get_json("/temporal/entities?type=*&timerel=after&timeAt=2000-01-01T00:00:00Z")
        .await;
    assert_eq!(sorted_ids(&body), [CAMERA, P1, P2, LIGHT]);
    // `*` implies local=true, which local=false contradicts.
    for path in [
        "/entities?type=*&local=false",
        "/temporal/entities?type=*&local=false",
    ] {
        expect_error(
            ngsi.get(path).await,
            StatusCode::BAD_REQUEST,
            "BadRequestData",
        )
        .await;
    }
}

#[tokio::test]
async fn bad_id_patterns_attribute_names_and_csf_are_bad_request_data() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    seed(&ngsi).await;
    for path in [
        "/entities?type=Parking&idPattern=invalid_entity_id_pattern**",
        "/entities?type=Parking&idPattern=%2Bp1",
        "/entities?type=Parking&idPattern=p%7B2,1%7D",
        "/entities?type=Parking&idPattern=p%2B%7B2%7D",
        "/entities?type=Parking&idPattern=(p1",
        "/entities?attrs=id,type",
        "/entities?type=Parking&attrs=type",
        "/entities?type=Parking&attrs=@context",
        "/entities?type=Parking&attrs=fr%3Dee",
        "/entities/urn:ngsi-ld:Parking:p1?attrs=id",
        "/temporal/entities?type=Parking&attrs=id",
        "/entities?type=Parking&csf=))bad((",
    ] {
        let r = ngsi.get(path).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
        expect_error(r, StatusCode::BAD_REQUEST, "BadRequestData").await;
    }
}

#[tokio::test]
async fn queries_too_wide_to_run_are_bad_request_data() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    seed(&ngsi).await;
    // Ids, an idPattern, or system members alone do not narrow a query (clause 5.7.2.4).
    for path in [
        "/entities?id=urn:ngsi-ld:Parking:p1,urn:ngsi-ld:Parking:p2",
        "/entities?idPattern=p1$",
        "/entities?attrs=createdAt",
        "/entities?q=modifiedAt%3E%222000-01-01T00:00:00Z%22",
    ] {
        let r = ngsi.get(path).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
        expect_error(r, StatusCode::BAD_REQUEST, "BadRequestData").await;
    }
    for entities in [
        json!([{"id": P1}]),
        json!([{"id": P1}, {"idPattern": "p2$"}]),
    ] {
        let bad = json!({"type": "Query", "entities": entities});
        let r = ngsi.post("/entityOperations/query", &bad).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    // With local=true, or beside a type, attrs or q naming an attribute, they run.
    let body = ngsi
        .get_json("/entities?id=urn:ngsi-ld:Parking:p1&local=true")
        .await;
    assert_eq!(sorted_ids(&body), [P1]);
    let body = ngsi.get_json("/entities?idPattern=p1$&q=free").await;
    assert_eq!(sorted_ids(&body), [P1]);
    let body = ngsi.get_json("/entities?attrs=createdAt,powerState").await;
    assert_eq!(sorted_ids(&body), [CAMERA, LIGHT]);
    let body = post_query(
        &ngsi,
        "/entityOperations/query",
        json!({"type": "Query", "entities": [{"id": P1}, {"id": P2}], "local": true}),
    )
    .await;
    assert_eq!(sorted_ids(&body), [P1, P2]);
}

#[tokio::test]
async fn a_linked_q_needs_join_as_deep_as_its_paths() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    seed(&ngsi).await;
    for path in [
        "/entities?type=Parking&q=owner%7Bname%7D==%22x%22",
        "/entities?type=Parking&q=owner%7Bworks%7Bname%7D%7D==%22x%22&join=inline&joinLevel=1",
    ] {
        let r = ngsi.get(path).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
        expect_error(r, StatusCode::BAD_REQUEST, "BadRequestData").await;
    }
    let r = ngsi
        .get("/entities?type=Parking&q=owner%7Bworks%7Bname%7D%7D==%22x%22&join=inline&joinLevel=2")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}
