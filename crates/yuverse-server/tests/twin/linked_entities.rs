//! Linked entity retrieval (`join`, `joinLevel`; clause 4.5.23): the entities an answer's
//! Relationships point at, inline or in one flat list.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;
use crate::ngsi::*;

async fn district(ngsi: &Ngsi) {
    for body in [
        json!({"id": "urn:ngsi-ld:Company:lj", "type": "Company", "name": "两江停车管理"}),
        json!({"id": "urn:ngsi-ld:OffStreetParking:p1", "type": "OffStreetParking",
               "operator": {"type": "Relationship", "object": "urn:ngsi-ld:Company:lj"},
               "availableSpotNumber": 120}),
        json!({"id": "urn:ngsi-ld:Vehicle:v1", "type": "Vehicle", "speed": 0,
               "isParked": {"type": "Relationship", "object": "urn:ngsi-ld:OffStreetParking:p1"}}),
    ] {
        assert_eq!(
            ngsi.post("/entities", &body).await.status(),
            StatusCode::CREATED
        );
    }
}

#[tokio::test]
async fn join_inline_and_flat_follow_relationships_as_deep_as_asked() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    district(&ngsi).await;
    let car = "/entities/urn:ngsi-ld:Vehicle:v1";

    let inline = ngsi.get_json(&format!("{car}?join=inline")).await;
    let park = &inline["isParked"]["entity"];
    assert_eq!(
        inline["isParked"]["object"],
        "urn:ngsi-ld:OffStreetParking:p1"
    );
    assert_eq!(park["availableSpotNumber"]["value"], 120);
    assert!(
        park["operator"].get("entity").is_none(),
        "one level by default"
    );
    let deeper = ngsi
        .get_json(&format!("{car}?join=inline&joinLevel=2"))
        .await;
    assert_eq!(
        deeper["isParked"]["entity"]["operator"]["entity"]["name"]["value"],
        "两江停车管理"
    );
    let simplified = ngsi
        .get_json(&format!("{car}?join=inline&options=keyValues"))
        .await;
    assert_eq!(
        simplified["isParked"]["id"],
        "urn:ngsi-ld:OffStreetParking:p1"
    );
    assert_eq!(simplified["isParked"]["availableSpotNumber"], 120);

    // flat: the entity, then each entity it links to, once.
    let flat = ngsi.get_json(&format!("{car}?join=flat&joinLevel=2")).await;
    assert_eq!(
        ids(&flat),
        vec![
            "urn:ngsi-ld:Vehicle:v1",
            "urn:ngsi-ld:OffStreetParking:p1",
            "urn:ngsi-ld:Company:lj"
        ]
    );
    let query = ngsi.get_json("/entities?type=Vehicle&join=flat").await;
    assert_eq!(
        ids(&query),
        vec!["urn:ngsi-ld:Vehicle:v1", "urn:ngsi-ld:OffStreetParking:p1"]
    );
    // attrs choose the answer's attributes; linked entities come whole.
    let picked = ngsi
        .get_json("/entities?type=Vehicle&attrs=isParked&join=inline")
        .await;
    assert!(picked[0].get("speed").is_none());
    assert_eq!(
        picked[0]["isParked"]["entity"]["availableSpotNumber"]["value"],
        120
    );
    // join=@none is no join.
    let none = ngsi.get_json(&format!("{car}?join=@none")).await;
    assert!(none["isParked"].get("entity").is_none());

    for bad in [
        "join=deep",
        "join=flat&joinLevel=0",
        "join=inline&joinLevel=many",
    ] {
        expect_error(
            ngsi.get(&format!("{car}?{bad}")).await,
            StatusCode::BAD_REQUEST,
            "BadRequestData",
        )
        .await;
    }
}
