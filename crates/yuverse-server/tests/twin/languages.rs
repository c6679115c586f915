//! The language filter `lang` (clause 4.15): a list of language ranges with weights, as an HTTP
//! Accept-Language value, choosing the language a LanguageProperty is shown in, on retrieval,
//! queries, temporal retrieval and notifications (the subscription's `lang`).

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::*;
use crate::ngsi::*;
use crate::subscriptions::receiver;

const SQUARE: &str = "/entities/urn:ngsi-ld:Building:square";

/// A building with a street in French and Dutch, a name with regional tags and a string without
/// a language, and a sign whose label is a LanguageProperty sub-attribute.
async fn square(ngsi: &Ngsi) {
    let r = ngsi
        .post(
            "/entities",
            &json!({"id": "urn:ngsi-ld:Building:square", "type": "Building",
                "street": {"type": "LanguageProperty",
                           "languageMap": {"fr": "Grand Place", "nl": "Grote Markt"}},
                "name": {"type": "LanguageProperty",
                         "languageMap": {"en-GB": "Liberation Monument", "zh-Hans": "解放碑",
                                         "@none": "Jiefangbei"}},
                "sign": {"type": "Property", "value": 3,
                         "label": {"type": "LanguageProperty",
                                   "languageMap": {"fr": "Sortie", "nl": "Uitgang"}}}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

fn shown(value: &str, lang: &str) -> Value {
    json!({"type": "Property", "value": value, "lang": lang})
}

#[tokio::test]
async fn retrieval_shows_the_best_language_of_the_filter() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    square(&ngsi).await;
    // The conformance suite's cases (018_07): one language, several without weights, any
    // language, several with weights.
    for (filter, expected) in [
        ("fr", "fr"),
        ("fr-CH,fr", "fr"),
        ("*", "fr"),
        ("fr-CH,fr;q=0.9,en;q=0.8,*;q=0.5", "fr"),
        ("fr;q=0.4,nl;q=0.5", "nl"),
        ("nl,fr", "nl"),
        ("NL", "nl"),
        ("*,fr;q=0", "nl"),
        ("nl-BE", "nl"),
        // Encoded as a client would: `;` and `=` percent-encoded.
        ("fr%3Bq%3D0.1%2Cnl%3Bq%3D0.2", "nl"),
    ] {
        let e = ngsi.get_json(&format!("{SQUARE}?lang={filter}")).await;
        let value = if expected == "fr" {
            "Grand Place"
        } else {
            "Grote Markt"
        };
        assert_eq!(e["street"], shown(value, expected), "lang={filter}");
    }
    // A range matches the tags it is a prefix of.
    let e = ngsi.get_json(&format!("{SQUARE}?lang=zh")).await;
    assert_eq!(e["name"], shown("解放碑", "zh-Hans"));
    let e = ngsi.get_json(&format!("{SQUARE}?lang=en,zh;q=0.5")).await;
    assert_eq!(e["name"], shown("Liberation Monument", "en-GB"));
    // None accepted: the string without a language, else the first language, `lang` telling
    // which.
    let e = ngsi.get_json(&format!("{SQUARE}?lang=de")).await;
    assert_eq!(e["name"], shown("Jiefangbei", "@none"));
    assert_eq!(e["street"], shown("Grand Place", "fr"));
    // Without `lang` the LanguageProperty is whole.
    let e = ngsi.get_json(SQUARE).await;
    assert_eq!(e["street"]["type"], "LanguageProperty");
    assert_eq!(e["street"]["languageMap"]["nl"], "Grote Markt");
}

#[tokio::test]
async fn simplified_concise_and_sub_attributes_follow_the_filter() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    square(&ngsi).await;
    let e = ngsi
        .get_json(&format!("{SQUARE}?lang=fr&options=keyValues"))
        .await;
    assert_eq!(e["street"], "Grand Place");
    assert_eq!(e["sign"], 3);
    let e = ngsi
        .get_json(&format!("{SQUARE}?lang=*&format=simplified"))
        .await;
    assert_eq!(e["street"], "Grand Place");
    let e = ngsi
        .get_json(&format!("{SQUARE}?lang=nl&format=concise"))
        .await;
    assert_eq!(e["street"], json!({"value": "Grote Markt", "lang": "nl"}));
    assert_eq!(
        e["sign"]["label"],
        json!({"value": "Uitgang", "lang": "nl"})
    );
    let e = ngsi.get_json(&format!("{SQUARE}?lang=nl")).await;
    assert_eq!(e["sign"]["label"], shown("Uitgang", "nl"));
    assert_eq!(e["sign"]["value"], 3);
}

#[tokio::test]
async fn queries_take_the_filter_as_parameter_or_body_member() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    square(&ngsi).await;
    let list = ngsi
        .get_json("/entities?type=Building&lang=nl;q=0.9,fr;q=0.1")
        .await;
    assert_eq!(list[0]["street"], shown("Grote Markt", "nl"));
    let r = ngsi
        .post(
            "/entityOperations/query",
            &json!({"type": "Query", "entities": [{"type": "Building"}], "lang": "fr"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let list: Value = r.json().await.unwrap();
    assert_eq!(list[0]["street"], shown("Grand Place", "fr"));
}

#[tokio::test]
async fn a_malformed_filter_is_bad_request_data() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    square(&ngsi).await;
    for filter in [
        "",
        "en_GB",
        "en;q=2",
        "en;q=0.1234",
        "en;level=1",
        "fr,,1x",
        "@none",
    ] {
        for path in [
            format!("{SQUARE}?lang={filter}"),
            format!("/entities?type=Building&lang={filter}"),
            format!("/temporal/entities/urn:ngsi-ld:Building:square?lang={filter}"),
        ] {
            expect_error(
                ngsi.get(&path).await,
                StatusCode::BAD_REQUEST,
                "BadRequestData",
            )
            .await;
        }
    }
    let subscription = |lang: Value| {
        json!({"type": "Subscription", "entities": [{"type": "Building"}],
               "notification": {"endpoint": {"uri": "http://localhost:1/notify"}},
               "lang": lang})
    };
    for lang in [json!("en;q=x"), json!(["en"]), json!("")] {
        expect_error(
            ngsi.post("/subscriptions", &subscription(lang)).await,
            StatusCode::BAD_REQUEST,
            "BadRequestData",
        )
        .await;
    }
    let r = ngsi
        .post("/subscriptions", &subscription(json!("nl, fr;q=0.5")))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn notifications_show_the_language_of_the_subscription() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let rx = receiver().await;
    square(&ngsi).await;
    let r = ngsi
        .post(
            "/subscriptions",
            &json!({"type": "Subscription", "entities": [{"type": "Building"}],
                    "watchedAttributes": ["street"], "lang": "de,nl;q=0.8",
                    "notification": {"endpoint": {"uri": rx.url, "accept": "application/json"},
                                     "attributes": ["street", "sign"]}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = ngsi
        .send_json(
            Method::PATCH,
            &format!("{SQUARE}/attrs"),
            &json!({"street": {"type": "LanguageProperty",
                               "languageMap": {"fr": "Place Royale", "nl": "Koningsplein"}}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let got = rx.wait_for(1).await;
    assert_eq!(got.len(), 1);
    let entity = &got[0].0["data"][0];
    assert_eq!(entity["street"], shown("Koningsplein", "nl"));
    assert_eq!(entity["sign"]["label"], shown("Uitgang", "nl"));
}

#[tokio::test]
async fn temporal_representations_follow_the_filter() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let id = "urn:ngsi-ld:Street:s1";
    let (t1, t2) = ("2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z");
    ngsi.create_temporal(&json!({"id": id, "type": "Street",
        "name": [
            {"type": "LanguageProperty", "observedAt": t1,
             "languageMap": {"fr": "Grand Place", "nl": "Grote Markt"}},
            {"type": "LanguageProperty", "observedAt": t2,
             "languageMap": {"fr": "Place Royale"}}]}))
        .await;
    let e = ngsi
        .get_json(&format!("/temporal/entities/{id}?lang=nl"))
        .await;
    let instances = e["name"].as_array().unwrap();
    assert_eq!(instances.len(), 2);
    let mut shown_values: Vec<(&str, &str)> = instances
        .iter()
        .map(|i| {
            assert_eq!(i["type"], "Property");
            (i["value"].as_str().unwrap(), i["lang"].as_str().unwrap())
        })
        .collect();
    shown_values.sort();
    assert_eq!(
        shown_values,
        vec![("Grote Markt", "nl"), ("Place Royale", "fr")]
    );
    let e = ngsi
        .get_json(&format!(
            "/temporal/entities/{id}?lang=nl&format=temporalValues"
        ))
        .await;
    assert_eq!(e["name"]["type"], "Property");
    let mut pairs = e["name"]["values"].as_array().unwrap().clone();
    pairs.sort_by_key(|p| p[1].as_str().unwrap().to_owned());
    assert_eq!(
        pairs,
        vec![json!(["Grote Markt", t1]), json!(["Place Royale", t2])]
    );
}
