use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;
use crate::ngsi::*;

async fn seed(ngsi: &Ngsi) {
    let mut entities = Vec::new();
    for i in 0..30 {
        entities.push(json!({
            "id": format!("urn:ngsi-ld:OffStreetParking:p{i:02}"),
            "type": "OffStreetParking",
            "occupancy": {"type": "Property", "value": i as f64 / 30.0},
            "name": {"type": "Property", "value": format!("停车场{i}")},
            "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [106.50 + i as f64 * 0.01, 29.66]}}
        }));
    }
    entities.push(
        json!({"id": "urn:ngsi-ld:Streetlight:s1", "type": "Streetlight", "powerState": "on",
        "location": {"type": "Point", "coordinates": [106.52, 29.66]}}),
    );
    let r = ngsi
        .post("/entityOperations/upsert", &json!(entities))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn type_q_paging_and_counts() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    seed(&ngsi).await;

    let r = ngsi
        .get("/entities?type=OffStreetParking&q=occupancy%3E0.9&count=true")
        .await;
    assert_eq!(r.headers()["ngsild-results-count"], "2");
    let r = ngsi
        .get("/entities?type=OffStreetParking&q=occupancy==0.1..0.2&options=keyValues")
        .await;
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body.as_array().unwrap().len(),
        4,
        "ranges include both ends: {body}"
    );

    // Paging: limit, offset, Link next/prev, TooManyResults above the maximum.
    let r = ngsi
        .get("/entities?type=OffStreetParking&limit=10&offset=10")
        .await;
    let links: Vec<String> = r
        .headers()
        .get_all("link")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(
        links
            .iter()
            .any(|l| l.contains("rel=\"next\"") && l.contains("offset=20")),
        "{links:?}"
    );
    assert!(
        links
            .iter()
            .any(|l| l.contains("rel=\"prev\"") && l.contains("offset=0")),
        "{links:?}"
    );
    let page: serde_json::Value = r.json().await.unwrap();
    assert_eq!(page[0]["id"], "urn:ngsi-ld:OffStreetParking:p10");
    expect_error(
        ngsi.get("/entities?type=OffStreetParking&limit=100000")
            .await,
        StatusCode::FORBIDDEN,
        "TooManyResults",
    )
    .await;

    // Type expressions and id patterns.
    let both = ngsi
        .get_json("/entities?type=OffStreetParking,Streetlight&limit=100")
        .await;
    assert_eq!(both.as_array().unwrap().len(), 31);
    let pattern = ngsi
        .get_json("/entities?idPattern=.*p0[0-4]$&local=true")
        .await;
    assert_eq!(pattern.as_array().unwrap().len(), 5);
    let attrs = ngsi.get_json("/entities?attrs=powerState").await;
    assert_eq!(attrs.as_array().unwrap().len(), 1);

    // A query without any selector, or with a broken q, is 400.
    expect_error(
        ngsi.get("/entities").await,
        StatusCode::BAD_REQUEST,
        "BadRequestData",
    )
    .await;
    expect_error(
        ngsi.get("/entities?type=OffStreetParking&q=occupancy%3E%3E")
            .await,
        StatusCode::BAD_REQUEST,
        "BadRequestData",
    )
    .await;
    expect_error(
        ngsi.get("/entities?type=(A").await,
        StatusCode::BAD_REQUEST,
        "BadRequestData",
    )
    .await;

    // POST /entityOperations/query says the same in a body.
    let r = ngsi
        .post("/entityOperations/query?count=true", &json!({"type": "Query", "entities": [{"type": "OffStreetParking"}], "q": "occupancy>0.9"}))
        .await;
    assert_eq!(r.headers()["ngsild-results-count"], "2");
}

#[tokio::test]
async fn geo_queries_near_and_within() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    seed(&ngsi).await;
    // 0.01° of longitude at 29.66° N is about 967 m.
    let near = ngsi
        .get_json("/entities?type=OffStreetParking&georel=near%3BmaxDistance==1500&geometry=Point&coordinates=%5B106.50,29.66%5D")
        .await;
    let ids = ids(&near);
    assert_eq!(
        ids,
        [
            "urn:ngsi-ld:OffStreetParking:p00",
            "urn:ngsi-ld:OffStreetParking:p01"
        ]
    );
    let polygon = "%5B%5B%5B106.495,29.65%5D,%5B106.525,29.65%5D,%5B106.525,29.67%5D,%5B106.495,29.67%5D,%5B106.495,29.65%5D%5D%5D";
    let within = ngsi
        .get_json(&format!(
            "/entities?georel=within&geometry=Polygon&coordinates={polygon}"
        ))
        .await;
    assert_eq!(
        within.as_array().unwrap().len(),
        4,
        "p00-p02 and the streetlight"
    );
    expect_error(
        ngsi.get("/entities?type=OffStreetParking&georel=near&geometry=Point&coordinates=%5B106.5,29.66%5D").await,
        StatusCode::BAD_REQUEST,
        "BadRequestData",
    )
    .await;
    expect_error(
        ngsi.get("/entities?type=OffStreetParking&georel=within&geometry=Polygon")
            .await,
        StatusCode::BAD_REQUEST,
        "BadRequestData",
    )
    .await;
    // GeoJSON output.
    let r = ngsi
        .request(reqwest::Method::GET, "/entities?type=Streetlight")
        .header("accept", "application/geo+json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/geo+json");
    let fc: serde_json::Value = r.json().await.unwrap();
    assert_eq!(fc["type"], "FeatureCollection");
    assert_eq!(fc["features"][0]["geometry"]["type"], "Point");
    // The collection carries the @context once, at its top.
    assert!(
        fc["@context"].to_string().contains("ngsi-ld-core-context"),
        "{}",
        fc["@context"]
    );
    assert!(fc["features"][0].get("@context").is_none());
}

#[tokio::test]
async fn discovery_of_types_and_attributes() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    seed(&ngsi).await;
    let types = ngsi.get_json("/types").await;
    assert_eq!(types["type"], "EntityTypeList");
    // The seeded car parks may also have raised alerts by now (mirrored as `Alert` entities).
    let listed: Vec<&str> = types["typeList"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .filter(|t| *t != "Alert")
        .collect();
    assert_eq!(listed, ["OffStreetParking", "Streetlight"]);
    let info = ngsi.get_json("/types/OffStreetParking").await;
    assert_eq!(info["type"], "EntityTypeInfo");
    assert_eq!(info["entityCount"], 30);
    let attrs = ngsi.get_json("/attributes").await;
    assert!(attrs["attributeList"]
        .as_array()
        .unwrap()
        .contains(&json!("occupancy")));
    let occupancy = ngsi.get_json("/attributes/occupancy").await;
    assert_eq!(occupancy["attributeCount"], 30);
    expect_error(
        ngsi.get("/types/Nothing").await,
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
    )
    .await;

    // Details follow every change: a new type with a Relationship appears with its attribute
    // types, and disappears with its last entity.
    let kiosk = json!({"id": "urn:ngsi-ld:Kiosk:k1", "type": "Kiosk",
        "servedBy": {"type": "Relationship", "object": "urn:ngsi-ld:Streetlight:x"},
        "name": {"type": "Property", "value": "报刊亭"}});
    assert_eq!(
        ngsi.post("/entities", &kiosk).await.status(),
        StatusCode::CREATED
    );
    let info = ngsi.get_json("/types/Kiosk").await;
    assert_eq!(info["entityCount"], 1);
    let details: Vec<(Value, Value)> = info["attributeDetails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["attributeName"].clone(), a["attributeTypes"].clone()))
        .collect();
    assert_eq!(
        details,
        [
            (json!("name"), json!(["Property"])),
            (json!("servedBy"), json!(["Relationship"]))
        ]
    );
    let all = ngsi.get_json("/types?details=true").await;
    let kiosk_type = all
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["typeName"] == "Kiosk")
        .expect("Kiosk is listed with details");
    assert_eq!(kiosk_type["attributeNames"], json!(["name", "servedBy"]));
    let deleted = ngsi.delete("/entities/urn:ngsi-ld:Kiosk:k1").await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    expect_error(
        ngsi.get("/types/Kiosk").await,
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
    )
    .await;
    let attrs = ngsi.get_json("/attributes?details=true").await;
    assert!(
        !attrs
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["attributeName"] == "servedBy"),
        "{attrs}"
    );
}

/// `orderBy` (clause 4.23): the whole match is sorted, then paged; bad keys are 400.
#[tokio::test]
async fn queries_order_by_keys_then_page() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    for (n, name, sub, lon) in [(2, "B", 2, 106.6), (1, "A", 3, 106.5), (3, "C", 1, 106.7)] {
        let body = json!({
            "id": format!("urn:ngsi-ld:Building:o{n}"), "type": "Building",
            "name": {"type": "Property", "value": name, "rank": {"type": "Property", "value": sub}},
            "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [lon, 29.6]}},
        });
        assert_eq!(
            ngsi.post("/entities", &body).await.status(),
            StatusCode::CREATED
        );
    }
    let ids = |list: Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|e| {
                e["id"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("urn:ngsi-ld:Building:")
                    .to_owned()
            })
            .collect()
    };
    // `local=true` is selector enough: every entity the broker holds.
    let all = ngsi.get_json("/entities?local=true&limit=1000").await;
    let buildings = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "Building")
        .count();
    assert_eq!(buildings, 3);
    let query = |order: &str| format!("/entities?type=Building&orderBy={order}");
    assert_eq!(ids(ngsi.get_json(&query("name")).await), ["o1", "o2", "o3"]);
    assert_eq!(
        ids(ngsi.get_json(&query("name;desc")).await),
        ["o3", "o2", "o1"]
    );
    assert_eq!(
        ids(ngsi.get_json(&query("createdAt")).await),
        ["o2", "o1", "o3"]
    );
    assert_eq!(
        ids(ngsi.get_json(&query("name.rank")).await),
        ["o3", "o2", "o1"]
    );
    assert_eq!(
        ids(ngsi
            .get_json(&query("location;dist-asc&orderFrom=[106.69,29.6]"))
            .await),
        ["o3", "o2", "o1"]
    );
    // The page is cut from the ordered whole.
    let r = ngsi
        .get(&(query("name;desc") + "&limit=1&offset=1&count=true"))
        .await;
    assert_eq!(r.headers()["ngsild-results-count"], "3");
    assert_eq!(ids(r.json().await.unwrap()), ["o2"]);
    for bad in ["name;sideways", "location;dist-asc", "name[", ""] {
        expect_error(
            ngsi.get(&query(bad)).await,
            StatusCode::BAD_REQUEST,
            "BadRequestData",
        )
        .await;
    }
}
