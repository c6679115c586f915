//! Query Temporal Evolution of Entities (clause 5.7.4): `GET /temporal/entities` and
//! `POST /temporal/entityOperations/query`.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;
use crate::ngsi::*;

const IN: &str = "2026-03-01T12:00:00Z";
const OUT: &str = "2026-01-05T00:00:00Z";
const WINDOW: &str = "timerel=between&timeAt=2026-03-01T00:00:00Z&endTimeAt=2026-03-02T00:00:00Z";

fn instance(value: Value, at: &str) -> Value {
    json!({"type": "Property", "value": value, "observedAt": at})
}

/// Vehicles whose speeds lie inside and outside the March window.
async fn seed(ngsi: &Ngsi) {
    let vehicles = [
        json!({"id": "urn:ngsi-ld:Vehicle:fast", "type": "Vehicle",
            "speed": [instance(json!(30), IN), instance(json!(90), OUT)],
            "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [106.5, 29.6]}}}),
        json!({"id": "urn:ngsi-ld:Vehicle:slow", "type": "Vehicle",
            "speed": [instance(json!(10), IN), instance(json!(80), OUT)],
            "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [107.5, 30.6]}}}),
        json!({"id": "urn:ngsi-ld:Vehicle:nowin", "type": "Vehicle",
            "speed": [instance(json!(99), OUT)]}),
        json!({"id": "urn:ngsi-ld:Bus:b1", "type": "Bus", "scope": "/Yubei/Park",
            "speed": [instance(json!(50), IN)]}),
    ];
    for v in vehicles {
        let r = ngsi.post("/temporal/entities", &v).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{v}");
    }
}

#[tokio::test]
async fn q_is_checked_against_the_windowed_instances_only() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    seed(&ngsi).await;
    // slow's only speed above 25 lies outside the window; nowin has nothing inside it.
    let body = ngsi
        .get_json(&format!(
            "/temporal/entities?type=Vehicle&q=speed%3E25&{WINDOW}"
        ))
        .await;
    assert_eq!(ids(&body), ["urn:ngsi-ld:Vehicle:fast"]);
    let speeds = body[0]["speed"].as_array().unwrap();
    assert_eq!(speeds.len(), 1, "only the instance inside the window");
    assert_eq!(speeds[0]["value"], 30);
    assert!(speeds[0]["instanceId"]
        .as_str()
        .unwrap()
        .starts_with("urn:ngsi-ld:attribute:instance:"));
    // Without q, every Vehicle with instances in the window.
    let body = ngsi
        .get_json(&format!("/temporal/entities?type=Vehicle&{WINDOW}"))
        .await;
    assert_eq!(
        ids(&body),
        ["urn:ngsi-ld:Vehicle:fast", "urn:ngsi-ld:Vehicle:slow"]
    );
    // Without a window, the whole history.
    let body = ngsi.get_json("/temporal/entities?type=Vehicle").await;
    assert_eq!(ids(&body).len(), 3);
    assert_eq!(body[0]["speed"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn selectors_paging_and_counts() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    seed(&ngsi).await;
    let r = ngsi
        .get("/temporal/entities?type=Vehicle,Bus&count=true&limit=2&offset=1")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["ngsild-results-count"], "4");
    let links: Vec<String> = r
        .headers()
        .get_all("link")
        .iter()
        .map(|l| l.to_str().unwrap().to_owned())
        .collect();
    assert!(
        links.iter().any(|l| l.contains("rel=\"next\"")),
        "{links:?}"
    );
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        ids(&body),
        ["urn:ngsi-ld:Vehicle:fast", "urn:ngsi-ld:Vehicle:nowin"]
    );
    let body = ngsi.get_json("/temporal/entities?idPattern=.*slow$").await;
    assert_eq!(ids(&body), ["urn:ngsi-ld:Vehicle:slow"]);
    let body = ngsi
        .get_json("/temporal/entities?id=urn:ngsi-ld:Bus:b1,urn:ngsi-ld:Vehicle:nowin")
        .await;
    assert_eq!(ids(&body).len(), 2);
    let body = ngsi
        .get_json("/temporal/entities?type=Vehicle&georel=near;maxDistance==2000&geometry=Point&coordinates=[106.5,29.6]")
        .await;
    assert_eq!(ids(&body), ["urn:ngsi-ld:Vehicle:fast"]);
    // attrs selects entities with the attribute and keeps only it.
    let body = ngsi.get_json("/temporal/entities?attrs=location").await;
    assert_eq!(ids(&body).len(), 2);
    assert!(body[0].get("speed").is_none());
    let r = ngsi
        .get("/temporal/entities?type=Vehicle&limit=0&count=true")
        .await;
    assert_eq!(r.headers()["ngsild-results-count"], "3");
    // q on system members only, and an empty attrs list, select nothing (and fail nothing).
    let body = ngsi
        .get_json("/temporal/entities?type=Vehicle&q=modifiedAt%3E%222000-01-01T00:00:00Z%22")
        .await;
    assert!(body.is_array());
    let r = ngsi.get("/temporal/entities?type=Vehicle&attrs=").await;
    assert_eq!(r.status(), StatusCode::OK);
    // scopeQ matches the scope the temporal create gave the new entity.
    let body = ngsi
        .get_json("/temporal/entities?type=Vehicle,Bus&scopeQ=/Yubei/Park")
        .await;
    assert_eq!(ids(&body), ["urn:ngsi-ld:Bus:b1"]);
    // JSON-LD answers carry the @context in each entity.
    let r = ngsi
        .request(reqwest::Method::GET, "/temporal/entities?type=Bus")
        .header("accept", "application/ld+json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/ld+json");
    let body: Value = r.json().await.unwrap();
    assert!(body[0]["@context"].is_string());
    let r = ngsi
        .request(reqwest::Method::GET, "/temporal/entities?type=Bus")
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_ACCEPTABLE);
}

/// A GeoProperty instance observed at `at`.
fn position(lon: f64, lat: f64, at: &str) -> Value {
    json!({"type": "GeoProperty", "value": {"type": "Point", "coordinates": [lon, lat]}, "observedAt": at})
}

#[tokio::test]
async fn geo_queries_match_where_an_entity_was_in_the_window() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    // The bus was at the park in March and has been in the north since; the van the other way.
    let moving = [
        json!({"id": "urn:ngsi-ld:Bus:moved", "type": "Bus",
            "location": [position(106.5, 29.6, IN), position(106.9, 30.2, "2026-04-01T00:00:00Z")]}),
        json!({"id": "urn:ngsi-ld:Bus:arrived", "type": "Bus",
            "location": [position(106.9, 30.2, IN), position(106.5, 29.6, "2026-04-01T00:00:00Z")]}),
    ];
    for v in moving {
        let r = ngsi.post("/temporal/entities", &v).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{v}");
    }
    let near_park = "georel=near;maxDistance==2000&geometry=Point&coordinates=[106.5,29.6]";
    let body = ngsi
        .get_json(&format!("/temporal/entities?type=Bus&{near_park}&{WINDOW}"))
        .await;
    assert_eq!(
        ids(&body),
        ["urn:ngsi-ld:Bus:moved"],
        "where it was in March"
    );
    let body = ngsi
        .get_json(&format!(
            "/temporal/entities?type=Bus&{near_park}&timerel=after&timeAt=2026-03-15T00:00:00Z"
        ))
        .await;
    assert_eq!(
        ids(&body),
        ["urn:ngsi-ld:Bus:arrived"],
        "where it was in April"
    );
    // Without a window, any position in the whole history.
    let body = ngsi
        .get_json(&format!("/temporal/entities?type=Bus&{near_park}"))
        .await;
    assert_eq!(
        ids(&body),
        ["urn:ngsi-ld:Bus:arrived", "urn:ngsi-ld:Bus:moved"]
    );
    // The POST form takes the same geo-query, with q beside it.
    let body = ngsi
        .post(
            "/temporal/entityOperations/query",
            &json!({"type": "Query", "entities": [{"type": "Bus"}],
                "geoQ": {"georel": "within", "geometry": "Polygon",
                    "coordinates": [[[106.8, 30.1], [107.0, 30.1], [107.0, 30.3], [106.8, 30.3], [106.8, 30.1]]]},
                "temporalQ": {"timerel": "before", "timeAt": "2026-03-15T00:00:00Z"}}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(ids(&body), ["urn:ngsi-ld:Bus:arrived"]);
}

#[tokio::test]
async fn representations_and_time_properties() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    seed(&ngsi).await;
    let body = ngsi
        .get_json("/temporal/entities?type=Vehicle&format=temporalValues&lastN=1")
        .await;
    assert_eq!(
        body[0]["speed"],
        json!({"type": "Property", "values": [[30, IN]]})
    );
    // options=temporalValues is the older spelling; format wins over options.
    let body = ngsi
        .get_json("/temporal/entities?id=urn:ngsi-ld:Bus:b1&options=temporalValues")
        .await;
    assert_eq!(body[0]["speed"]["values"], json!([[50, IN]]));
    let body = ngsi
        .get_json(
            "/temporal/entities?id=urn:ngsi-ld:Bus:b1&options=temporalValues&format=normalized",
        )
        .await;
    assert!(body[0]["speed"].is_array());
    assert!(body[0]["speed"][0].get("createdAt").is_none());
    let body = ngsi
        .get_json("/temporal/entities?id=urn:ngsi-ld:Bus:b1&options=sysAttrs")
        .await;
    assert!(body[0]["speed"][0]["createdAt"].is_string());
    // An instance never modified was modified when it was created.
    assert_eq!(
        body[0]["speed"][0]["modifiedAt"],
        body[0]["speed"][0]["createdAt"]
    );
    // createdAt windows: everything was recorded after 2020, nothing before.
    let body = ngsi
        .get_json("/temporal/entities?type=Bus&timeproperty=createdAt&timerel=after&timeAt=2020-01-01T00:00:00Z")
        .await;
    assert_eq!(ids(&body), ["urn:ngsi-ld:Bus:b1"]);
    let body = ngsi
        .get_json("/temporal/entities?type=Bus&timeproperty=modifiedAt&timerel=before&timeAt=2020-01-01T00:00:00Z")
        .await;
    assert_eq!(body, json!([]));
    let body = ngsi
        .get_json("/temporal/entities?type=Bus&timeproperty=modifiedAt&timerel=after&timeAt=2020-01-01T00:00:00Z")
        .await;
    assert_eq!(ids(&body), ["urn:ngsi-ld:Bus:b1"]);
}

#[tokio::test]
async fn post_query_takes_a_query_body_with_temporal_q() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    seed(&ngsi).await;
    let r = ngsi
        .post(
            "/temporal/entityOperations/query",
            &json!({"type": "Query", "entities": [{"type": "Vehicle"}], "q": "speed>25",
                "temporalQ": {"timerel": "before", "timeAt": "2026-02-01T00:00:00Z", "lastN": 1}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(ids(&body).len(), 3);
    assert_eq!(body[0]["speed"][0]["value"], 90);
    let r = ngsi
        .post(
            "/temporal/entityOperations/query?format=temporalValues",
            &json!({"type": "Query", "entities": [{"id": "urn:ngsi-ld:Bus:b1"}],
                "temporalQ": {"timerel": "after", "timeAt": "2026-02-01T00:00:00Z"}}),
        )
        .await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body[0]["speed"]["values"], json!([[50, IN]]));
    for bad in [
        json!({"entities": [{"type": "Vehicle"}]}),
        json!({"type": "Query", "entities": [{"type": "Vehicle"}], "temporalQ": {"timerel": "after"}}),
        json!({"type": "Query", "entities": [{"type": "Vehicle"}], "temporalQ": {"timerel": "soon", "timeAt": IN}}),
        json!({"type": "Query", "entities": [{"type": "Vehicle"}], "temporalQ": {"lastN": "x"}}),
        json!({"type": "Query", "entities": [{"type": "Vehicle"}], "temporalQ": "now"}),
    ] {
        expect_error(
            ngsi.post("/temporal/entityOperations/query", &bad).await,
            StatusCode::BAD_REQUEST,
            "BadRequestData",
        )
        .await;
    }
}

#[tokio::test]
async fn bad_temporal_parameters_are_bad_request_data() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    seed(&ngsi).await;
    for query in [
        "timerel=after&timeAt=2026-01-01T00:00:00Z",
        "type=Vehicle&timerel=after",
        "type=Vehicle&timeAt=2026-01-01T00:00:00Z",
        "type=Vehicle&timerel=between&timeAt=2026-01-01T00:00:00Z",
        "type=Vehicle&timerel=between&timeAt=2026-01-02T00:00:00Z&endTimeAt=2026-01-01T00:00:00Z",
        "type=Vehicle&timerel=during&timeAt=2026-01-01T00:00:00Z",
        "type=Vehicle&timerel=after&timeAt=yesterday",
        "type=Vehicle&timeproperty=expiredAt",
        "type=Vehicle&lastN=0",
        "type=Vehicle&lastN=-1",
        "type=Vehicle&format=aggregatedValues",
        "type=Vehicle&format=aggregatedValues&aggrMethods=median",
        "type=Vehicle&format=aggregatedValues&aggrMethods=sum&aggrPeriodDuration=1H",
        "type=Vehicle&q=speed%3E",
    ] {
        expect_error(
            ngsi.get(&format!("/temporal/entities?{query}")).await,
            StatusCode::BAD_REQUEST,
            "BadRequestData",
        )
        .await;
    }
    expect_error(
        ngsi.get("/temporal/entities?type=Vehicle&limit=5000").await,
        StatusCode::FORBIDDEN,
        "TooManyResults",
    )
    .await;
    expect_error(
        ngsi.get("/temporal/entities/urn:ngsi-ld:Vehicle:fast?timerel=before")
            .await,
        StatusCode::BAD_REQUEST,
        "BadRequestData",
    )
    .await;
    expect_error(
        ngsi.get("/temporal/entities/not-a-uri").await,
        StatusCode::BAD_REQUEST,
        "BadRequestData",
    )
    .await;
}

/// A time with an offset (RFC 3339) names the instant it is in UTC, in an instance's
/// `observedAt` as in `timeAt`/`endTimeAt`: windows compare instants, not the text sent.
#[tokio::test]
async fn times_with_an_offset_are_compared_as_instants() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let id = "urn:ngsi-ld:Vehicle:offset";
    ngsi.create_temporal(&json!({"id": id, "type": "Vehicle", "speed": [
        // 2026-02-28T23:00:00Z, before the other although its text sorts after.
        instance(json!(1), "2026-03-01T02:00:00+03:00"),
        instance(json!(2), "2026-03-01T00:30:00Z"),
    ]}))
    .await;
    // The broker reads `+` in its query string as itself, sent as such or as `%2B`.
    for (window, expected) in [
        ("timerel=after&timeAt=2026-03-01T00:00:00Z", vec![2]),
        ("timerel=after&timeAt=2026-03-01T03:00:00+03:00", vec![2]),
        ("timerel=before&timeAt=2026-03-01T03:00:00%2B03:00", vec![1]),
        (
            // 2026-02-28T23:00:00Z to 2026-03-01T00:00:00Z.
            "timerel=between&timeAt=2026-02-28T22:00:00-01:00&endTimeAt=2026-03-01T01:00:00%2B01:00",
            vec![1],
        ),
    ] {
        let body = ngsi
            .get_json(&format!("/temporal/entities/{id}?{window}"))
            .await;
        let values: Vec<i64> = match &body["speed"] {
            Value::Array(items) => items.iter().map(|i| i["value"].as_i64().unwrap()).collect(),
            Value::Null => Vec::new(),
            one => vec![one["value"].as_i64().unwrap()],
        };
        assert_eq!(values, expected, "{window}: {body}");
    }
}
