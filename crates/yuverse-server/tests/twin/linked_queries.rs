//! Queries into linked entities (`q=rel{attr}…` with `join`, clause 4.9) and `expandValues`
//! (values of the named attributes IRI-expanded with the @context before comparing).

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;
use crate::ngsi::*;

const LJ: &str = "urn:ngsi-ld:Company:lj";
const P1: &str = "urn:ngsi-ld:OffStreetParking:p1";
const P2: &str = "urn:ngsi-ld:OffStreetParking:p2";
const V1: &str = "urn:ngsi-ld:Vehicle:v1";

/// Two car parks run by different companies (one of them not in the broker), a car parked in
/// the first.
async fn district(ngsi: &Ngsi) {
    for body in [
        json!({"id": LJ, "type": "Company", "name": "Liangjiang"}),
        json!({"id": P1, "type": "OffStreetParking", "availableSpotNumber": 120,
               "operator": {"type": "Relationship", "object": LJ}}),
        json!({"id": P2, "type": "OffStreetParking", "availableSpotNumber": 30,
               "operator": {"type": "Relationship", "object": "urn:ngsi-ld:Company:gone"}}),
        json!({"id": V1, "type": "Vehicle",
               "isParked": {"type": "Relationship", "object": P1}}),
    ] {
        assert_eq!(
            ngsi.post("/entities", &body).await.status(),
            StatusCode::CREATED
        );
    }
}

/// The query-string form of a `q` or other value (the characters a URL cannot carry as such).
fn enc(text: &str) -> String {
    text.replace('{', "%7B")
        .replace('}', "%7D")
        .replace('"', "%22")
        .replace('>', "%3E")
        .replace('<', "%3C")
        .replace(' ', "%20")
}

async fn query_ids(ngsi: &Ngsi, params: &str) -> Vec<String> {
    let body = ngsi.get_json(&format!("/entities?{params}")).await;
    ids(&body).into_iter().map(str::to_owned).collect()
}

#[tokio::test]
async fn a_linked_path_tests_the_entity_the_relationship_points_at() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    district(&ngsi).await;
    let parks = |q: &str, join: &str| format!("type=OffStreetParking&q={}&{join}", enc(q));

    let by_name = parks(r#"operator{name}=="Liangjiang""#, "join=inline");
    assert_eq!(query_ids(&ngsi, &by_name).await, [P1]);
    // A type hint keeps only linked entities of that type.
    let hinted = parks(r#"operator{Company:name}=="Liangjiang""#, "join=inline");
    assert_eq!(query_ids(&ngsi, &hinted).await, [P1]);
    let wrong_type = parks(r#"operator{Vehicle:name}=="Liangjiang""#, "join=inline");
    assert!(query_ids(&ngsi, &wrong_type).await.is_empty());
    let other_name = parks(r#"operator{name}=="Other""#, "join=flat");
    assert!(query_ids(&ngsi, &other_name).await.is_empty());
    // Existence: P2's operator is not in the broker, so it has no name to test.
    assert_eq!(
        query_ids(&ngsi, &parks("operator{name}", "join=flat")).await,
        [P1, LJ],
        "flat lists the linked entity after the answer"
    );
    // A negated linked term matches where the linked entity lacks the attribute.
    assert_eq!(
        query_ids(&ngsi, &parks("!operator{name}", "join=inline")).await,
        [P2]
    );

    // Numbers and ranges compare on the linked entity's values; counts are of the answer.
    let cars = |q: &str, join: &str| format!("type=Vehicle&q={}&{join}", enc(q));
    let r = ngsi
        .get(&format!(
            "/entities?{}&count=true",
            cars("isParked{availableSpotNumber}>100", "join=inline")
        ))
        .await;
    assert_eq!(r.headers()["ngsild-results-count"], "1");
    let body: Value = r.json().await.unwrap();
    assert_eq!(ids(&body), [V1]);
    assert_eq!(body[0]["isParked"]["entity"]["id"], P1);
    let too_many = cars("isParked{availableSpotNumber}>500", "join=inline");
    assert!(query_ids(&ngsi, &too_many).await.is_empty());
    let range = cars("isParked{availableSpotNumber}==100..130", "join=inline");
    assert_eq!(query_ids(&ngsi, &range).await, [V1]);
    // Two relationships deep, within joinLevel.
    let deep = cars(
        r#"isParked{operator{name}}=="Liangjiang""#,
        "join=inline&joinLevel=2",
    );
    assert_eq!(query_ids(&ngsi, &deep).await, [V1]);
    let deep_miss = cars(
        r#"isParked{operator{name}}=="x""#,
        "join=inline&joinLevel=2",
    );
    assert!(query_ids(&ngsi, &deep_miss).await.is_empty());
    // Combined with a term on the entity itself.
    let both = parks(
        r#"availableSpotNumber>100;operator{name}=="Liangjiang""#,
        "join=inline",
    );
    assert_eq!(query_ids(&ngsi, &both).await, [P1]);
    let either = parks(
        r#"availableSpotNumber<50|operator{name}=="Liangjiang""#,
        "join=inline",
    );
    assert_eq!(query_ids(&ngsi, &either).await, [P1, P2]);

    // A ListRelationship: any of the entities it lists may match.
    let group = json!({"id": "urn:ngsi-ld:Company:group", "type": "Company",
        "runs": {"type": "ListRelationship", "objectList": [P2, P1]}});
    assert_eq!(
        ngsi.post("/entities", &group).await.status(),
        StatusCode::CREATED
    );
    let companies = |q: &str| format!("type=Company&q={}&join=inline", enc(q));
    assert_eq!(
        query_ids(&ngsi, &companies("runs{availableSpotNumber}>100")).await,
        ["urn:ngsi-ld:Company:group"]
    );
    assert!(
        query_ids(&ngsi, &companies("runs{availableSpotNumber}>200"))
            .await
            .is_empty()
    );

    // The Query body takes the same paths.
    let r = ngsi
        .post(
            "/entityOperations/query",
            &json!({"type": "Query", "entities": [{"type": "Vehicle"}],
                    "q": "isParked{OffStreetParking:operator{name}}==\"Liangjiang\"",
                    "join": "inline", "joinLevel": 2}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(ids(&r.json().await.unwrap()), [V1]);
}

#[tokio::test]
async fn linked_entities_are_looked_up_in_the_same_tenant() {
    let app = spawn_demo(true).await;
    let mut ngsi = Ngsi::writer(&app).await;
    district(&ngsi).await;
    ngsi.tenant = Some("park-other".into());
    let park = json!({"id": P1, "type": "OffStreetParking",
        "operator": {"type": "Relationship", "object": LJ}});
    assert_eq!(
        ngsi.post("/entities", &park).await.status(),
        StatusCode::CREATED
    );
    let q = enc(r#"operator{name}=="Liangjiang""#);
    let found = query_ids(&ngsi, &format!("type=OffStreetParking&q={q}&join=inline")).await;
    assert!(found.is_empty(), "{found:?}");
}

#[tokio::test]
async fn linked_paths_without_join_too_deep_or_malformed_are_refused() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    district(&ngsi).await;
    for params in [
        format!("type=Vehicle&q={}", enc("isParked{availableSpotNumber}>1")),
        format!(
            "type=Vehicle&q={}&join=inline",
            enc(r#"isParked{operator{name}}=="x""#)
        ),
        format!(
            "type=Vehicle&q={}&join=inline",
            enc("isParked{availableSpotNumber>1")
        ),
        format!("type=Vehicle&q={}&join=inline", enc("isParked{}>1")),
    ] {
        let r = ngsi.get(&format!("/entities?{params}")).await;
        let body = expect_error(r, StatusCode::BAD_REQUEST, "BadRequestData").await;
        assert!(
            body["detail"].as_str().unwrap().starts_with('q'),
            "{params}: {body}"
        );
    }
    let r = ngsi
        .post(
            "/entityOperations/query",
            &json!({"type": "Query", "entities": [{"type": "Vehicle"}],
                    "q": "isParked{availableSpotNumber}>1"}),
        )
        .await;
    expect_error(r, StatusCode::BAD_REQUEST, "BadRequestData").await;
}

async fn shops(ngsi: &Ngsi) {
    for body in [
        json!({"id": "urn:ngsi-ld:Building:b1", "type": "Building",
               "category": {"type": "VocabProperty", "vocab": "commercial"},
               "name": "commercial"}),
        json!({"id": "urn:ngsi-ld:Building:b2", "type": "Building",
               "category": {"type": "VocabProperty", "vocab": ["residential", "office"]}}),
    ] {
        assert_eq!(
            ngsi.post("/entities", &body).await.status(),
            StatusCode::CREATED
        );
    }
}

#[tokio::test]
async fn expand_values_expands_the_named_attributes_values_before_comparing() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    shops(&ngsi).await;
    let buildings = |q: &str, extra: &str| format!("type=Building&q={}{extra}", enc(q));

    // A VocabProperty holds the IRI its term expands to: the bare term does not equal it.
    assert!(query_ids(&ngsi, &buildings("category==commercial", ""))
        .await
        .is_empty());
    let expanded = buildings("category==commercial", "&expandValues=category");
    assert_eq!(
        query_ids(&ngsi, &expanded).await,
        ["urn:ngsi-ld:Building:b1"]
    );
    let quoted = buildings(r#"category=="commercial""#, "&expandValues=category");
    assert_eq!(query_ids(&ngsi, &quoted).await, ["urn:ngsi-ld:Building:b1"]);
    let listed = buildings("category==office,shop", "&expandValues=category,name");
    assert_eq!(query_ids(&ngsi, &listed).await, ["urn:ngsi-ld:Building:b2"]);
    let unequal = buildings("category!=commercial", "&expandValues=category");
    assert_eq!(
        query_ids(&ngsi, &unequal).await,
        ["urn:ngsi-ld:Building:b2"]
    );
    // Only the attributes named are expanded: `name` keeps its plain string.
    let both = buildings(
        r#"name=="commercial";category==commercial"#,
        "&expandValues=category",
    );
    assert_eq!(query_ids(&ngsi, &both).await, ["urn:ngsi-ld:Building:b1"]);
    let other = buildings("category==commercial", "&expandValues=name");
    assert!(query_ids(&ngsi, &other).await.is_empty());

    // The Query body takes it as an array of names or one comma-separated string.
    for expand in [json!(["category"]), json!("name,category")] {
        let r = ngsi
            .post(
                "/entityOperations/query",
                &json!({"type": "Query", "entities": [{"type": "Building"}],
                        "q": "category==commercial", "expandValues": expand}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{expand}");
        assert_eq!(ids(&r.json().await.unwrap()), ["urn:ngsi-ld:Building:b1"]);
    }
}

#[tokio::test]
async fn malformed_expand_values_are_refused_naming_it() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    shops(&ngsi).await;
    for value in ["", ",", "id", "%40id", "a%7Bb%7D", "a%20b"] {
        let r = ngsi
            .get(&format!(
                "/entities?type=Building&q=category==commercial&expandValues={value}"
            ))
            .await;
        let body = expect_error(r, StatusCode::BAD_REQUEST, "BadRequestData").await;
        assert!(
            body["detail"].as_str().unwrap().contains("expandValues"),
            "{value}: {body}"
        );
    }
    for value in [json!([]), json!(5), json!([1]), json!(["type"])] {
        let r = ngsi
            .post(
                "/entityOperations/query",
                &json!({"type": "Query", "entities": [{"type": "Building"}],
                        "q": "category==commercial", "expandValues": value}),
            )
            .await;
        let body = expect_error(r, StatusCode::BAD_REQUEST, "BadRequestData").await;
        assert!(
            body["detail"].as_str().unwrap().contains("expandValues"),
            "{value}: {body}"
        );
    }
}
