//! `/jsonldContexts` (clause 5.13) beyond hosting: the core context as a pseudo-entry,
//! ImplicitlyCreated contexts of subscriptions, numberOfHits, and tenants.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::*;
use crate::ngsi::*;

const CORE: &str = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.6.jsonld";

fn link(url: &str) -> String {
    format!("<{url}>; rel=\"http://www.w3.org/ns/json-ld#context\"; type=\"application/ld+json\"")
}

fn encoded(url: &str) -> String {
    url.replace(':', "%3A").replace('/', "%2F")
}

/// Hosts a small context; answers its local id and URL.
async fn host(ngsi: &Ngsi) -> (String, String) {
    let r = ngsi
        .post(
            "/jsonldContexts",
            &json!({"@context": {"occupancy": "https://example.org/occupancy"}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let id = location.rsplit('/').next().unwrap().to_owned();
    let details = ngsi
        .get_json(&format!("/jsonldContexts/{id}?details=true"))
        .await;
    (id, details["URL"].as_str().unwrap().to_owned())
}

async fn hits(ngsi: &Ngsi, id: &str) -> Value {
    ngsi.get_json(&format!("/jsonldContexts/{id}?details=true"))
        .await["numberOfHits"]
        .clone()
}

#[tokio::test]
async fn the_core_context_is_described_but_never_deleted() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let details = ngsi
        .get_json(&format!("/jsonldContexts/{}?details=true", encoded(CORE)))
        .await;
    assert_eq!(details["kind"], "Cached", "{details}");
    assert!(details["createdAt"].is_string());
    for query in ["", "?reload=false"] {
        let r = ngsi
            .delete(&format!("/jsonldContexts/{}{query}", encoded(CORE)))
            .await;
        expect_error(r, StatusCode::BAD_REQUEST, "BadRequestData").await;
    }
    // Reloading the embedded copy changes nothing, and succeeds.
    let r = ngsi
        .delete(&format!("/jsonldContexts/{}?reload=true", encoded(CORE)))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let listed = ngsi.get_json("/jsonldContexts?kind=Cached").await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
}

#[tokio::test]
async fn a_subscription_with_an_array_context_gets_an_implicitly_created_one() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let context = json!([{"occupancy": "https://example.org/occupancy"}, CORE]);
    let r = ngsi
        .request(Method::POST, "/subscriptions")
        .header("content-type", "application/ld+json")
        .body(
            json!({"id": "urn:ngsi-ld:Subscription:implicit", "type": "Subscription",
                   "entities": [{"type": "OffStreetParking"}],
                   "notification": {"endpoint": {"uri": "http://127.0.0.1:9/n"}},
                   "@context": context})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let sub = ngsi
        .get_json("/subscriptions/urn:ngsi-ld:Subscription:implicit")
        .await;
    let url = sub["jsonldContext"]
        .as_str()
        .expect("jsonldContext")
        .to_owned();
    let id = url.rsplit('/').next().unwrap().to_owned();

    let listed = ngsi
        .get_json("/jsonldContexts?details=true&kind=ImplicitlyCreated")
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["URL"], url.as_str());
    assert_eq!(listed[0]["kind"], "ImplicitlyCreated");
    let served = ngsi.get_json(&format!("/jsonldContexts/{id}")).await;
    assert_eq!(served, json!({"@context": context}));
    // The subscription checked its jsonldContext once; a request naming it is one more use.
    assert_eq!(hits(&ngsi, &id).await, 1);
    let r = ngsi
        .request(Method::GET, "/entities?type=OffStreetParking")
        .header("link", link(&url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(hits(&ngsi, &id).await, 2);
    // Reload is for Cached contexts only; a plain delete removes it.
    let r = ngsi
        .delete(&format!("/jsonldContexts/{id}?reload=true"))
        .await;
    expect_error(r, StatusCode::BAD_REQUEST, "BadRequestData").await;
    let r = ngsi.delete(&format!("/jsonldContexts/{id}")).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    // A single URL needs no context of its own.
    let r = ngsi
        .request(Method::POST, "/subscriptions")
        .header("content-type", "application/ld+json")
        .body(
            json!({"id": "urn:ngsi-ld:Subscription:url", "type": "Subscription",
                   "entities": [{"type": "OffStreetParking"}],
                   "notification": {"endpoint": {"uri": "http://127.0.0.1:9/n"}},
                   "@context": CORE})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let sub = ngsi
        .get_json("/subscriptions/urn:ngsi-ld:Subscription:url")
        .await;
    assert!(sub.get("jsonldContext").is_none(), "{sub}");
}

#[tokio::test]
async fn each_use_of_a_hosted_context_counts_a_hit() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let (id, url) = host(&ngsi).await;
    assert_eq!(hits(&ngsi, &id).await, 0);
    for expected in [1, 2, 3] {
        let r = ngsi
            .request(Method::GET, "/entities?type=OffStreetParking")
            .header("link", link(&url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(hits(&ngsi, &id).await, expected);
    }
}

#[tokio::test]
async fn hosted_contexts_stay_within_their_tenant() {
    let app = spawn_demo(true).await;
    let a = Ngsi {
        tenant: Some("tenant-a".into()),
        ..Ngsi::writer(&app).await
    };
    let b = Ngsi {
        tenant: Some("tenant-b".into()),
        ..Ngsi::writer(&app).await
    };
    let (id, _) = host(&a).await;
    for details in ["", "?details=true"] {
        let r = b.get(&format!("/jsonldContexts/{id}{details}")).await;
        expect_error(r, StatusCode::NOT_FOUND, "ResourceNotFound").await;
    }
    for query in ["", "?details=true"] {
        let listed = b.get_json(&format!("/jsonldContexts{query}")).await;
        assert!(!listed.to_string().contains(&id), "{listed}");
    }
    let r = b.delete(&format!("/jsonldContexts/{id}")).await;
    expect_error(r, StatusCode::NOT_FOUND, "ResourceNotFound").await;
    assert_eq!(
        a.get(&format!("/jsonldContexts/{id}")).await.status(),
        StatusCode::OK
    );
    let r = a.delete(&format!("/jsonldContexts/{id}")).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}
