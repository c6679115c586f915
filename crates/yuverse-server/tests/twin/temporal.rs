use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::*;
use crate::ngsi::*;

#[tokio::test]
async fn every_change_is_kept_and_read_back_in_time_windows() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let id = "urn:ngsi-ld:WeatherObserved:w1";
    ngsi.post(
        "/entities",
        &json!({"id": id, "type": "WeatherObserved",
        "temperature": {"type": "Property", "value": 20.0, "observedAt": "2024-05-01T00:00:00Z"}}),
    )
    .await;
    for (hour, t) in [(1, 21.0), (2, 22.5), (3, 19.0)] {
        let r = ngsi
            .send_json(Method::PATCH, &format!("/entities/{id}/attrs"), &json!({"temperature": {"type": "Property", "value": t, "observedAt": format!("2024-05-01T0{hour}:00:00Z")}}))
            .await;
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
    }
    let all = ngsi.get_json(&format!("/temporal/entities/{id}")).await;
    assert_eq!(all["temperature"].as_array().unwrap().len(), 4);
    let between = ngsi
        .get_json(&format!("/temporal/entities/{id}?timerel=between&timeAt=2024-05-01T01:00:00Z&endTimeAt=2024-05-01T03:00:00Z"))
        .await;
    let values: Vec<f64> = between["temperature"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["value"].as_f64().unwrap())
        .collect();
    assert_eq!(values, [21.0, 22.5]);
    let last = ngsi
        .get_json(&format!(
            "/temporal/entities/{id}?lastN=1&options=temporalValues"
        ))
        .await;
    assert_eq!(
        last["temperature"]["values"],
        json!([[19.0, "2024-05-01T03:00:00Z"]])
    );
    expect_error(
        ngsi.get(&format!(
            "/temporal/entities/{id}?timerel=between&timeAt=2024-05-01T01:00:00Z"
        ))
        .await,
        StatusCode::BAD_REQUEST,
        "BadRequestData",
    )
    .await;
    expect_error(
        ngsi.get("/temporal/entities/urn:ngsi-ld:Nothing:1").await,
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
    )
    .await;
}

#[tokio::test]
async fn simplified_pairs_wrap_language_maps_json_and_vocabs_but_not_lists() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let id = "urn:ngsi-ld:Street:s1";
    let at = "2024-05-01T00:00:00Z";
    ngsi.create_temporal(&json!({"id": id, "type": "Street",
        "name": {"type": "LanguageProperty", "languageMap": {"fr": "Grand Place", "nl": "Grote Markt"}, "observedAt": at},
        "config": {"type": "JsonProperty", "json": {"lanes": 2}, "observedAt": at},
        "surface": {"type": "VocabProperty", "vocab": "asphalt", "observedAt": at},
        "widths": {"type": "ListProperty", "valueList": [3.5, 3.0], "observedAt": at},
        "speed": {"type": "Property", "value": 30, "observedAt": at}})).await;
    let body = ngsi
        .get_json(&format!("/temporal/entities/{id}?format=temporalValues"))
        .await;
    assert_eq!(
        body["name"]["languageMaps"],
        json!([[{"languageMap": {"fr": "Grand Place", "nl": "Grote Markt"}}, at]])
    );
    assert_eq!(
        body["config"]["jsons"],
        json!([[{"json": {"lanes": 2}}, at]])
    );
    assert_eq!(
        body["surface"]["vocabs"],
        json!([[{"vocab": "asphalt"}, at]])
    );
    assert_eq!(body["widths"]["valueLists"], json!([[[3.5, 3.0], at]]));
    assert_eq!(body["speed"]["values"], json!([[30, at]]));
}
