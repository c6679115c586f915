//! Updates of attributes by the finer rules of GS CIM 009 V1.9.1: the NGSI-LD Null in updates,
//! partial updates and merges (clause 4.5.0), partial updates keeping sub-attributes, types
//! and scope in attribute updates, and the names an UpdateResult carries.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::*;
use crate::ngsi::*;

const ID: &str = "urn:ngsi-ld:Building:cqvc-1";
const NULL: &str = "urn:ngsi-ld:null";

fn default(name: &str) -> String {
    format!("https://uri.etsi.org/ngsi-ld/default-context/{name}")
}

/// A building with two instances of `name` (the default one and `urn:ds:2`), a location, a
/// language property and a relationship with a sub-attribute.
fn building() -> Value {
    json!({
        "id": ID, "type": "Building",
        "name": [
            {"type": "Property", "value": "重庆科技馆"},
            {"type": "Property", "value": "CQ Science Museum", "datasetId": "urn:ds:2"},
        ],
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [106.55, 29.57]}},
        "label": {"type": "LanguageProperty", "languageMap": {"zh": "科技馆", "en": "museum"}},
        "owner": {
            "type": "Relationship", "object": "urn:ngsi-ld:Organisation:1",
            "providedBy": {"type": "Relationship", "object": "urn:ngsi-ld:Person:2"},
        },
    })
}

async fn setup() -> (TestApp, Ngsi) {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    assert_eq!(
        ngsi.post("/entities", &building()).await.status(),
        StatusCode::CREATED
    );
    (app, ngsi)
}

async fn patch(ngsi: &Ngsi, path: &str, body: Value) -> reqwest::Response {
    ngsi.send_json(Method::PATCH, path, &body).await
}

async fn current(ngsi: &Ngsi) -> Value {
    ngsi.get_json(&format!("/entities/{ID}")).await
}

fn datasets(attribute: &Value) -> Vec<Option<&str>> {
    match attribute {
        Value::Array(instances) => instances
            .iter()
            .map(|i| i.get("datasetId").and_then(Value::as_str))
            .collect(),
        Value::Object(o) => vec![o.get("datasetId").and_then(Value::as_str)],
        _ => Vec::new(),
    }
}

#[tokio::test]
async fn the_ngsi_ld_null_deletes_instances_in_updates_partial_updates_and_merges() {
    let (_app, ngsi) = setup().await;
    let attrs = format!("/entities/{ID}/attrs");

    // Update: a null instance deletes the instance of its datasetId only.
    let null_of_2 = json!({"name": {"type": "Property", "value": NULL, "datasetId": "urn:ds:2"}});
    let r = patch(&ngsi, &attrs, null_of_2).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(datasets(&current(&ngsi).await["name"]), vec![None]);

    // A GeoProperty and a LanguageProperty are deleted by their own forms of the null.
    let r = patch(
        &ngsi,
        &attrs,
        json!({
            "location": {"type": "GeoProperty", "value": NULL},
            "label": {"type": "LanguageProperty", "languageMap": {"@none": NULL}},
        }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let now = current(&ngsi).await;
    assert!(
        now.get("location").is_none() && now.get("label").is_none(),
        "{now}"
    );

    // A null for an attribute the entity lacks is not updated.
    let r = patch(
        &ngsi,
        &attrs,
        json!({"height": {"type": "Property", "value": NULL}}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::MULTI_STATUS);
    let result: Value = r.json().await.unwrap();
    assert_eq!(result["notUpdated"][0]["attributeName"], default("height"));

    // Partial update with the null deletes the (default) instance.
    let r = patch(
        &ngsi,
        &format!("{attrs}/name"),
        json!({"type": "Property", "value": NULL}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(current(&ngsi).await.get("name").is_none());

    // Merge: a null instance deletes only its dataset's instance.
    let two = json!({"name": [
        {"type": "Property", "value": "a"},
        {"type": "Property", "value": "b", "datasetId": "urn:ds:2"},
    ]});
    assert_eq!(
        ngsi.post(&attrs, &two).await.status(),
        StatusCode::NO_CONTENT
    );
    let r = patch(
        &ngsi,
        &format!("/entities/{ID}"),
        json!({"name": {"type": "Property", "value": NULL}}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        datasets(&current(&ngsi).await["name"]),
        vec![Some("urn:ds:2")]
    );
}

#[tokio::test]
async fn a_partial_update_keeps_the_sub_attributes_it_does_not_name() {
    let (_app, ngsi) = setup().await;
    let r = patch(
        &ngsi,
        &format!("/entities/{ID}/attrs/owner"),
        json!({"object": "urn:ngsi-ld:Organisation:9"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let owner = &current(&ngsi).await["owner"];
    assert_eq!(owner["object"], "urn:ngsi-ld:Organisation:9");
    assert_eq!(owner["providedBy"]["type"], "Relationship");
    assert_eq!(owner["providedBy"]["object"], "urn:ngsi-ld:Person:2");
    // A sub-attribute sent is written; one with an IRI name (a `#` fragment) is an attribute
    // name like any other.
    let r = patch(
        &ngsi,
        &format!("/entities/{ID}/attrs/owner"),
        json!({"https://example.org/terms#since": {"type": "Property", "value": 2020}}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let owner = &current(&ngsi).await["owner"];
    assert_eq!(owner["https://example.org/terms#since"]["value"], 2020);
    assert_eq!(owner["providedBy"]["object"], "urn:ngsi-ld:Person:2");
}

#[tokio::test]
async fn updates_add_types_and_write_the_scope() {
    let (_app, ngsi) = setup().await;
    let attrs = format!("/entities/{ID}/attrs");
    // Types sent in an update are added.
    let r = patch(&ngsi, &attrs, json!({"type": "Museum"})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(current(&ngsi).await["type"], json!(["Building", "Museum"]));

    // An update does not give an entity a scope it lacks.
    let r = patch(&ngsi, &attrs, json!({"scope": "/Yubei/Xiantao"})).await;
    assert_eq!(r.status(), StatusCode::MULTI_STATUS);
    let result: Value = r.json().await.unwrap();
    assert_eq!(
        result["notUpdated"][0]["attributeName"],
        "https://uri.etsi.org/ngsi-ld/scope"
    );
    // An append writes it; one scope reads back as a string.
    let r = ngsi.post(&attrs, &json!({"scope": "/Yubei/Xiantao"})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(current(&ngsi).await["scope"], "/Yubei/Xiantao");
    // With noOverwrite an append adds scopes; an update replaces them.
    let r = ngsi
        .post(
            &format!("{attrs}?options=noOverwrite"),
            &json!({"scope": "/Yubei/Konggang"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        current(&ngsi).await["scope"],
        json!(["/Yubei/Xiantao", "/Yubei/Konggang"])
    );
    let r = patch(&ngsi, &attrs, json!({"scope": "/Yubei"})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(current(&ngsi).await["scope"], "/Yubei");
    // scope is not an attribute to replace, but it can be deleted like one.
    expect_error(
        ngsi.send_json(
            Method::PUT,
            &format!("{attrs}/scope"),
            &json!({"type": "Property", "value": "/x"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "BadRequestData",
    )
    .await;
    assert_eq!(
        ngsi.delete(&format!("{attrs}/scope")).await.status(),
        StatusCode::NO_CONTENT
    );
    assert!(current(&ngsi).await.get("scope").is_none());
}

#[tokio::test]
async fn an_update_result_names_attributes_by_their_expanded_names() {
    let (_app, ngsi) = setup().await;
    let r = ngsi
        .post(
            &format!("/entities/{ID}/attrs?options=noOverwrite"),
            &json!({"owner": {"type": "Relationship", "object": "urn:x:1"}, "height": 20}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::MULTI_STATUS);
    let result: Value = r.json().await.unwrap();
    assert_eq!(result["updated"], json!([default("height")]));
    assert_eq!(result["notUpdated"][0]["attributeName"], default("owner"));
}

#[tokio::test]
async fn keywords_are_neither_types_nor_attribute_names() {
    let (_app, ngsi) = setup().await;
    // `type` expands to the keyword @type in the core context.
    expect_error(
        ngsi.post("/entities", &json!({"id": "urn:x:t", "type": "type"}))
            .await,
        StatusCode::BAD_REQUEST,
        "BadRequestData",
    )
    .await;
    expect_error(
        ngsi.send_json(
            Method::PUT,
            &format!("/entities/{ID}/attrs/@invalid"),
            &json!({"type": "Property", "value": 1}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "BadRequestData",
    )
    .await;
}
