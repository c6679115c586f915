//! Entity projection (clause 4.21 `pick`/`omit`, with linked entity retrieval, clause 4.5.23),
//! `datasetId` and the errors of the retrieval parameters (clauses 5.7.1.4, 5.7.2.4, 6.3.7).

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;
use crate::ngsi::*;

const BUILDING: &str = "/entities/urn:ngsi-ld:Building:b1";

/// A building located in a city in a country, a second building without links, and a vehicle.
async fn town(ngsi: &Ngsi) {
    for body in [
        json!({"id": "urn:ngsi-ld:Country:cn", "type": "Country", "name": "中国",
               "description": "a country"}),
        json!({"id": "urn:ngsi-ld:City:cq", "type": "City", "name": "重庆",
               "description": "a city",
               "isInCountry": {"type": "Relationship", "object": "urn:ngsi-ld:Country:cn"}}),
        json!({"id": "urn:ngsi-ld:Building:b1", "type": "Building", "name": "解放碑",
               "floors": 3,
               "locatedAt": {"type": "Relationship", "object": "urn:ngsi-ld:City:cq"}}),
        json!({"id": "urn:ngsi-ld:Building:b2", "type": "Building", "name": "洪崖洞",
               "floors": 11}),
        json!({"id": "urn:ngsi-ld:Vehicle:v1", "type": "Vehicle", "speed": 3}),
    ] {
        assert_eq!(
            ngsi.post("/entities", &body).await.status(),
            StatusCode::CREATED
        );
    }
}

async fn bad(ngsi: &Ngsi, path: &str, kind: &str) {
    let r = ngsi.get(path).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
    expect_error(r, StatusCode::BAD_REQUEST, kind).await;
}

#[tokio::test]
async fn malformed_or_conflicting_projections_are_bad_request_data() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    town(&ngsi).await;
    for value in [
        "id;name",
        "id,locatedAt{name",
        "id,locatedAt{{name}",
        "id,,name",
        "id,locatedAt{,name}",
        "id,locatedAt{}",
        "name||floors",
        "",
    ] {
        let encoded = value
            .replace('{', "%7B")
            .replace('}', "%7D")
            .replace('|', "%7C");
        for key in ["pick", "omit"] {
            bad(
                &ngsi,
                &format!("{BUILDING}?{key}={encoded}&join=inline"),
                "BadRequestData",
            )
            .await;
            bad(
                &ngsi,
                &format!("/entities?type=Building&{key}={encoded}&join=inline"),
                "BadRequestData",
            )
            .await;
        }
    }
    for query in [
        // With attrs, which chooses the members too.
        "pick=name&attrs=floors",
        "omit=name&attrs=floors",
        // A linked projection without join, or deeper than joinLevel.
        "pick=locatedAt%7Bname%7D",
        "omit=locatedAt%7Bname%7D",
        "pick=locatedAt%7BisInCountry%7Bname%7D%7D&join=inline",
        "omit=locatedAt%7BisInCountry%7Bname%7D%7D&join=flat&joinLevel=1",
        // id and type link nothing.
        "pick=id%7Bname%7D&join=inline",
    ] {
        bad(&ngsi, &format!("{BUILDING}?{query}"), "BadRequestData").await;
        bad(
            &ngsi,
            &format!("/entities?type=Building&{query}"),
            "BadRequestData",
        )
        .await;
    }
    // The temporal API shares the rule on attrs and has no join.
    for query in ["pick=name&attrs=floors", "omit=locatedAt%7Bname%7D"] {
        bad(
            &ngsi,
            &format!("/temporal{BUILDING}?{query}"),
            "BadRequestData",
        )
        .await;
    }
}

#[tokio::test]
async fn pipe_separates_like_comma_and_nothing_left_is_not_found() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    town(&ngsi).await;
    let comma = ngsi.get_json(&format!("{BUILDING}?pick=name,floors")).await;
    let pipe = ngsi
        .get_json(&format!("{BUILDING}?pick=name%7Cfloors"))
        .await;
    assert_eq!(comma, pipe);
    assert_eq!(
        comma,
        json!({"name": {"type": "Property", "value": "解放碑"},
                             "floors": {"type": "Property", "value": 3}})
    );
    // An id alone is something left.
    assert_eq!(
        ngsi.get_json(&format!("{BUILDING}?pick=id")).await,
        json!({"id": "urn:ngsi-ld:Building:b1"})
    );
    for query in [
        "pick=unknown",
        "omit=id,type,name,floors,locatedAt",
        "attrs=unknown",
    ] {
        expect_error(
            ngsi.get(&format!("{BUILDING}?{query}")).await,
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
        )
        .await;
    }
    // A query leaves out the entities with nothing left and keeps id-only ones.
    let named = ngsi
        .get_json("/entities?type=Building,Vehicle&pick=speed")
        .await;
    assert_eq!(named, json!([{"speed": {"type": "Property", "value": 3}}]));
    let only_ids = ngsi
        .get_json("/entities?type=Building,Vehicle&pick=id")
        .await;
    assert_eq!(only_ids.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn nested_pick_and_omit_project_the_linked_entities() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    town(&ngsi).await;
    let pick_one = "pick=id,locatedAt%7Bid,name%7D&joinLevel=2";
    let inline = ngsi
        .get_json(&format!("{BUILDING}?join=inline&{pick_one}"))
        .await;
    assert_eq!(
        inline,
        json!({"id": "urn:ngsi-ld:Building:b1", "locatedAt": {
            "type": "Relationship", "object": "urn:ngsi-ld:City:cq",
            "entity": {"id": "urn:ngsi-ld:City:cq", "name": {"type": "Property", "value": "重庆"}}}})
    );
    // Flat follows only the relationships kept: the country is not reached.
    let flat = ngsi
        .get_json(&format!("{BUILDING}?join=flat&{pick_one}"))
        .await;
    assert_eq!(
        ids(&flat),
        vec!["urn:ngsi-ld:Building:b1", "urn:ngsi-ld:City:cq"]
    );
    assert_eq!(
        flat[1],
        json!({"id": "urn:ngsi-ld:City:cq", "name": {"type": "Property", "value": "重庆"}})
    );

    let pick_two = "pick=id,locatedAt%7Bid,isInCountry%7Bdescription%7D%7D&joinLevel=2";
    let inline = ngsi
        .get_json(&format!("{BUILDING}?join=inline&{pick_two}"))
        .await;
    let country = &inline["locatedAt"]["entity"]["isInCountry"]["entity"];
    assert_eq!(
        country,
        &json!({"description": {"type": "Property", "value": "a country"}})
    );
    let flat = ngsi
        .get_json(&format!("{BUILDING}?join=flat&{pick_two}"))
        .await;
    assert_eq!(flat.as_array().unwrap().len(), 3);
    assert_eq!(
        flat[2],
        json!({"description": {"type": "Property", "value": "a country"}})
    );

    // omit `rel{…}` keeps the relationship and drops members of the linked entity.
    let omit = "omit=type,locatedAt%7Bname,isInCountry%7Bdescription%7D%7D&joinLevel=2";
    let inline = ngsi
        .get_json(&format!("{BUILDING}?join=inline&{omit}"))
        .await;
    assert!(inline.get("type").is_none() && inline["floors"]["value"] == 3);
    let city = &inline["locatedAt"]["entity"];
    assert_eq!(city["type"], "City");
    assert!(city.get("name").is_none() && city["description"]["value"] == "a city");
    assert_eq!(
        city["isInCountry"]["entity"],
        json!({"id": "urn:ngsi-ld:Country:cn", "type": "Country", "name": {"type": "Property", "value": "中国"}})
    );
    // A plain omit is of the answer's entities only: linked ones come whole.
    let flat = ngsi
        .get_json("/entities?type=Building&join=flat&omit=name")
        .await;
    assert_eq!(
        ids(&flat),
        vec![
            "urn:ngsi-ld:Building:b1",
            "urn:ngsi-ld:Building:b2",
            "urn:ngsi-ld:City:cq"
        ]
    );
    assert!(flat[0].get("name").is_none() && flat[2]["name"]["value"] == "重庆");
}

#[tokio::test]
async fn flat_join_without_linked_entities_answers_the_entity_alone() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    town(&ngsi).await;
    let alone = ngsi
        .get_json("/entities/urn:ngsi-ld:Building:b2?join=flat")
        .await;
    assert_eq!(alone["id"], "urn:ngsi-ld:Building:b2");
    // A link to an entity the broker does not hold is no linked entity either.
    let body = json!({"id": "urn:ngsi-ld:Building:b3", "type": "Building",
                      "locatedAt": {"type": "Relationship", "object": "urn:ngsi-ld:City:gone"}});
    assert_eq!(
        ngsi.post("/entities", &body).await.status(),
        StatusCode::CREATED
    );
    let alone = ngsi
        .get_json("/entities/urn:ngsi-ld:Building:b3?join=flat")
        .await;
    assert_eq!(alone["locatedAt"]["object"], "urn:ngsi-ld:City:gone");
    let listed = ngsi.get_json(&format!("{BUILDING}?join=flat")).await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn dataset_id_keeps_the_instances_listed() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let body = json!({"id": "urn:ngsi-ld:Building:ds", "type": "Building",
        "name": [{"type": "Property", "value": "Eiffel Tower"},
                 {"type": "Property", "value": "Tour Eiffel", "datasetId": "urn:ngsi-ld:Dataset:fr"},
                 {"type": "Property", "value": "Eiffelturm", "datasetId": "urn:ngsi-ld:Dataset:de"}],
        "locatedAt": [{"type": "Relationship", "object": "urn:ngsi-ld:City:Paris"},
                      {"type": "Relationship", "object": "urn:ngsi-ld:Ciudad:Paris", "datasetId": "urn:ngsi-ld:Dataset:es"}]});
    assert_eq!(
        ngsi.post("/entities", &body).await.status(),
        StatusCode::CREATED
    );
    let path = "/entities/urn:ngsi-ld:Building:ds";

    let french = ngsi
        .get_json(&format!("{path}?datasetId=urn:ngsi-ld:Dataset:fr"))
        .await;
    assert_eq!(
        french,
        json!({"id": "urn:ngsi-ld:Building:ds", "type": "Building",
               "name": {"type": "Property", "value": "Tour Eiffel", "datasetId": "urn:ngsi-ld:Dataset:fr"}})
    );
    let default = ngsi.get_json(&format!("{path}?datasetId=@none")).await;
    assert_eq!(default["name"]["value"], "Eiffel Tower");
    assert_eq!(default["locatedAt"]["object"], "urn:ngsi-ld:City:Paris");
    let two = ngsi
        .get_json(&format!(
            "{path}?datasetId=urn:ngsi-ld:Dataset:de,urn:ngsi-ld:Dataset:es"
        ))
        .await;
    assert_eq!(two["name"]["value"], "Eiffelturm");
    assert_eq!(two["locatedAt"]["datasetId"], "urn:ngsi-ld:Dataset:es");

    // In a query, an entity with no instance left keeps its id and type.
    let none = ngsi
        .get_json("/entities?type=Building&attrs=name&datasetId=urn:ngsi-ld:Dataset:es")
        .await;
    assert_eq!(
        none,
        json!([{"id": "urn:ngsi-ld:Building:ds", "type": "Building"}])
    );
    let german = ngsi
        .get_json("/entities?type=Building&attrs=name&datasetId=urn:ngsi-ld:Dataset:de")
        .await;
    assert_eq!(german[0]["name"]["value"], "Eiffelturm");
    assert!(german[0].get("locatedAt").is_none());
    bad(
        &ngsi,
        &format!("{path}?datasetId=not%20a%20uri"),
        "BadRequestData",
    )
    .await;
}

#[tokio::test]
async fn unknown_format_or_options_are_invalid_request() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    town(&ngsi).await;
    for query in [
        "format=invalidFormat",
        "options=invalidOptions",
        "options=keyValues,invalid",
        "format=keyValues&options=invalid",
    ] {
        // Checked before the entity is looked for: an unknown id is 400 too.
        for path in [BUILDING, "/entities/urn:ngsi-ld:Building:nowhere"] {
            bad(&ngsi, &format!("{path}?{query}"), "InvalidRequest").await;
        }
        bad(
            &ngsi,
            &format!("/entities?type=Building&{query}"),
            "InvalidRequest",
        )
        .await;
    }
}
