//! How `/subscriptions`, `/csourceRegistrations` and `/csourceSubscriptions` show their
//! documents and refuse malformed requests, as the ETSI conformance suite checks them
//! (GS CIM 009 V1.9.1, clauses 5.8 to 5.11).

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::*;
use crate::ngsi::*;

fn building_subscription(id: &str, uri: &str) -> Value {
    json!({
        "id": id,
        "type": "Subscription",
        "entities": [{"type": "Building"}],
        "notification": {"format": "keyValues",
            "endpoint": {"uri": uri, "accept": "application/json"}}
    })
}

/// Polls `path` until `check` holds on it (or a generous deadline passes).
async fn wait_until(ngsi: &Ngsi, path: &str, check: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..200 {
        last = ngsi.get_json(path).await;
        if check(&last) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    last
}

#[tokio::test]
async fn a_subscription_shows_what_the_client_gave_and_the_delivery_status_once_notified() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let id = "urn:ngsi-ld:Subscription:buildings";
    // Port 9 (discard) is closed here: every attempt fails at once.
    let r = ngsi
        .post(
            "/subscriptions",
            &building_subscription(id, "http://127.0.0.1:9/notify"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let shown = ngsi.get_json(&format!("/subscriptions/{id}")).await;
    assert_eq!(shown["status"], "active");
    assert!(shown.get("isActive").is_none(), "not given: {shown}");
    assert_eq!(
        shown["notificationTrigger"],
        json!(["attributeCreated", "attributeUpdated"])
    );
    let notification = shown["notification"].as_object().unwrap();
    for member in ["status", "timesSent", "timesFailed", "lastNotification"] {
        assert!(!notification.contains_key(member), "{member}: {shown}");
    }

    ngsi.post(
        "/entities",
        &json!({"id": "urn:ngsi-ld:Building:b1", "type": "Building", "name": "解放碑"}),
    )
    .await;
    let path = format!("/subscriptions/{id}");
    let shown = wait_until(&ngsi, &path, |s| s["notification"]["timesFailed"] == 1).await;
    // A failed notification was sent all the same.
    assert_eq!(shown["notification"]["timesSent"], 1, "{shown}");
    assert_eq!(shown["notification"]["status"], "failed");
    assert!(shown["notification"]["lastFailure"].is_string());

    let r = ngsi
        .send_json(Method::PATCH, &path, &json!({"isActive": false}))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let shown = ngsi.get_json(&path).await;
    assert_eq!(shown["isActive"], false);
    assert_eq!(shown["status"], "paused");
}

#[tokio::test]
async fn ids_in_paths_must_be_uris() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    for resource in [
        "/subscriptions",
        "/csourceRegistrations",
        "/csourceSubscriptions",
    ] {
        let path = format!("{resource}/invalidId");
        expect_error(
            ngsi.get(&path).await,
            StatusCode::BAD_REQUEST,
            "BadRequestData",
        )
        .await;
        expect_error(
            ngsi.send_json(Method::PATCH, &path, &json!({"description": "x"}))
                .await,
            StatusCode::BAD_REQUEST,
            "BadRequestData",
        )
        .await;
        expect_error(
            ngsi.delete(&path).await,
            StatusCode::BAD_REQUEST,
            "BadRequestData",
        )
        .await;
    }
}

#[tokio::test]
async fn subscription_lists_link_their_previous_and_next_pages() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    for resource in ["/subscriptions", "/csourceSubscriptions"] {
        for n in 1..=3 {
            let id = format!("urn:ngsi-ld:Subscription:page{n}");
            let r = ngsi
                .post(
                    resource,
                    &building_subscription(&id, "http://127.0.0.1:9/notify"),
                )
                .await;
            assert_eq!(r.status(), StatusCode::CREATED);
        }
        let r = ngsi.get(&format!("{resource}?limit=1&offset=1")).await;
        assert_eq!(r.status(), StatusCode::OK);
        let links: Vec<String> = r
            .headers()
            .get_all("link")
            .iter()
            .map(|v| v.to_str().unwrap().replace(' ', ""))
            .collect();
        let expected = |offset: usize, rel: &str| {
            format!(
                "</ngsi-ld/v1{resource}?limit=1&offset={offset}>;rel=\"{rel}\";type=\"application/ld+json\""
            )
        };
        assert!(links.contains(&expected(0, "prev")), "{links:?}");
        assert!(links.contains(&expected(2, "next")), "{links:?}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body.as_array().unwrap().len(), 1);

        let r = ngsi.get(&format!("{resource}?limit=2&offset=2")).await;
        let links: Vec<String> = r
            .headers()
            .get_all("link")
            .iter()
            .map(|v| v.to_str().unwrap().replace(' ', ""))
            .collect();
        assert!(links.contains(&expected(0, "prev").replace("limit=1", "limit=2")));
        assert!(
            !links.iter().any(|l| l.contains("rel=\"next\"")),
            "{links:?}"
        );
    }
}

#[tokio::test]
async fn a_patch_with_null_removes_a_member_and_an_entity_subscription_cannot_be_expired() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let id = "urn:ngsi-ld:Subscription:expiring";
    let mut body = building_subscription(id, "http://127.0.0.1:9/notify");
    body["expiresAt"] = json!("2100-01-01T00:00:00Z");
    body["description"] = json!("到期");
    assert_eq!(
        ngsi.post("/subscriptions", &body).await.status(),
        StatusCode::CREATED
    );
    let path = format!("/subscriptions/{id}");
    expect_error(
        ngsi.send_json(
            Method::PATCH,
            &path,
            &json!({"expiresAt": "2000-01-01T00:00:00Z"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "BadRequestData",
    )
    .await;
    let r = ngsi
        .send_json(Method::PATCH, &path, &json!({"expiresAt": null}))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let shown = ngsi.get_json(&path).await;
    assert!(shown.get("expiresAt").is_none(), "{shown}");
    assert_eq!(shown["description"], "到期");

    let registration = "urn:ngsi-ld:ContextSourceRegistration:expiring";
    let r = ngsi
        .post(
            "/csourceRegistrations",
            &json!({"id": registration, "type": "ContextSourceRegistration",
                "information": [{"entities": [{"type": "Building"}]}],
                "endpoint": "http://source.example:1026",
                "expiresAt": "2100-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let path = format!("/csourceRegistrations/{registration}");
    let r = ngsi
        .send_json(
            Method::PATCH,
            &path,
            &json!({"id": registration, "expiresAt": null}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(ngsi.get_json(&path).await.get("expiresAt").is_none());
}

#[tokio::test]
async fn registrations_must_fit_their_mode_and_management_rules() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let registration = |extra: Value| {
        let mut r = json!({"type": "ContextSourceRegistration",
            "information": [{"entities": [{"type": "Building"}]}],
            "endpoint": "http://source.example:1026"});
        for (k, v) in extra.as_object().unwrap() {
            r[k] = v.clone();
        }
        r
    };
    for bad in [
        json!({"management": {"cacheDuration": "bogus"}}),
        json!({"management": {"cooldown": 0}}),
        json!({"management": {"timeout": -5}}),
        json!({"mode": "auxiliary", "operations": ["updateEntity"]}),
        json!({"mode": "exclusive", "information": [{"entities": [{"type": "Building"}], "propertyNames": ["name"]}]}),
    ] {
        expect_error(
            ngsi.post("/csourceRegistrations", &registration(bad)).await,
            StatusCode::BAD_REQUEST,
            "BadRequestData",
        )
        .await;
    }
    let fine = registration(json!({
        "management": {"cacheDuration": "PT5M", "cooldown": 500, "timeout": 3000, "localOnly": true}
    }));
    assert_eq!(
        ngsi.post("/csourceRegistrations", &fine).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn stored_terms_are_shown_in_the_readers_context() {
    let app = spawn_demo(true).await;
    let ngsi = Ngsi::writer(&app).await;
    let context = json!([
        {"Tower": "https://example.org/cq#Tower", "height": "https://example.org/cq#height"},
        "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"
    ]);
    let post = |path: &'static str, mut body: Value| {
        body["@context"] = context.clone();
        let ngsi = &ngsi;
        async move {
            let r = ngsi
                .request(Method::POST, path)
                .header("content-type", "application/ld+json")
                .body(body.to_string())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::CREATED, "{path}");
        }
    };
    let sub = "urn:ngsi-ld:Subscription:towers";
    let mut body = building_subscription(sub, "http://127.0.0.1:9/notify");
    body["entities"] = json!([{"type": "Tower"}]);
    body["watchedAttributes"] = json!(["height"]);
    post("/subscriptions", body).await;
    let reg = "urn:ngsi-ld:ContextSourceRegistration:towers";
    post(
        "/csourceRegistrations",
        json!({"id": reg, "type": "ContextSourceRegistration",
            "information": [{"entities": [{"type": "Tower"}], "propertyNames": ["height"]}],
            "endpoint": "http://source.example:1026"}),
    )
    .await;

    // Read without a context: the core context has no term for them.
    let shown = ngsi.get_json(&format!("/subscriptions/{sub}")).await;
    assert_eq!(shown["entities"][0]["type"], "https://example.org/cq#Tower");
    assert_eq!(
        shown["watchedAttributes"][0],
        "https://example.org/cq#height"
    );
    let shown = ngsi.get_json(&format!("/csourceRegistrations/{reg}")).await;
    let information = &shown["information"][0];
    assert_eq!(
        information["entities"][0]["type"],
        "https://example.org/cq#Tower"
    );
    assert_eq!(
        information["propertyNames"][0],
        "https://example.org/cq#height"
    );
}
