//! Bad input answers 4xx problem+json naming the problem, and changes nothing.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::*;

async fn organisation_count(session: &Session) -> i64 {
    session.get_json("/api/v1/organisations?limit=1").await["total"]
        .as_i64()
        .unwrap()
}

async fn audit_count(app: &TestApp) -> i64 {
    let auditor = app.demo("demo-auditor").await;
    auditor
        .get_json("/api/v1/audit?limit=1&action=organisation.")
        .await["total"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn malformed_wrong_unknown_oversized_and_invalid_bodies_are_refused_cleanly() {
    let app = spawn_demo(true).await;
    let admin = app.admin().await;
    let before = organisation_count(&admin).await;
    let audit_before = audit_count(&app).await;
    let url = app.url("/api/v1/organisations");

    let raw = |body: Vec<u8>, content_type: &'static str| {
        admin
            .client
            .post(&url)
            .header("content-type", content_type)
            .body(body)
    };

    let r = raw(b"{\"name\": \"x\", ".to_vec(), "application/json")
        .send()
        .await
        .unwrap();
    let p = expect_problem(r, StatusCode::BAD_REQUEST).await;
    assert_eq!(p["type"], "urn:yuverse:problem:malformed-json");

    let r = raw(
        br#"{"name": 5, "kind": "institution"}"#.to_vec(),
        "application/json",
    )
    .send()
    .await
    .unwrap();
    let p = expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(p["errors"][0]["field"], "name");

    let r = raw(
        br#"{"name": "x", "kind": "institution", "owner": "me"}"#.to_vec(),
        "application/json",
    )
    .send()
    .await
    .unwrap();
    let p = expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(p["detail"].as_str().unwrap().contains("owner"));

    let r = raw(
        br#"{"name": "x", "kind": "ministry"}"#.to_vec(),
        "application/json",
    )
    .send()
    .await
    .unwrap();
    let p = expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(p["errors"][0]["field"], "kind");

    let huge = format!(
        r#"{{"name": "{}", "kind": "institution"}}"#,
        "x".repeat(2 * 1024 * 1024)
    );
    let r = raw(huge.into_bytes(), "application/json")
        .send()
        .await
        .unwrap();
    expect_problem(r, StatusCode::PAYLOAD_TOO_LARGE).await;

    let r = raw(b"name=x".to_vec(), "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    expect_problem(r, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;

    let r = admin
        .post(
            "/api/v1/organisations",
            json!({"name": "示例企业", "kind": "enterprise", "credit_code": "91350100M000100Y44"}),
        )
        .await;
    let p = expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(p["errors"][0]["field"], "credit_code");
    assert!(p["detail"].as_str().unwrap().contains("check character"));

    let r = admin
        .post(
            "/api/v1/organisations",
            json!({"name": "示例企业", "kind": "enterprise"}),
        )
        .await;
    let p = expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(p["errors"][0]["field"], "credit_code");

    assert_eq!(
        organisation_count(&admin).await,
        before,
        "nothing was created"
    );
    assert_eq!(
        audit_count(&app).await,
        audit_before,
        "nothing was audited as done"
    );

    // The valid code is accepted.
    let r = admin
        .post(
            "/api/v1/organisations",
            json!({"name": "示例企业", "kind": "enterprise", "credit_code": "91350100M000100Y43"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = admin
        .post(
            "/api/v1/organisations",
            json!({"name": "示例企业二", "kind": "enterprise", "credit_code": "91350100M000100Y43"}),
        )
        .await;
    expect_problem(r, StatusCode::CONFLICT).await;
}

#[tokio::test]
async fn user_input_rules_name_each_field() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let r = admin
        .post(
            "/api/v1/users",
            json!({"username": "Bad Name", "display_name": "", "password": "short", "role": "unit",
                   "email": "nope", "phone": "abc"}),
        )
        .await;
    let p = expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "username",
        "display_name",
        "password",
        "email",
        "phone",
        "organisation_id",
    ] {
        assert!(fields.contains(&f), "{f} missing in {fields:?}");
    }
    let r = admin
        .post(
            "/api/v1/users",
            json!({"username": "weak", "display_name": "x", "password": "alllowercase1", "role": "citizen"}),
        )
        .await;
    let p = expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(p["errors"][0]["field"], "password");
    let r = admin.get("/api/v1/users?limit=100000").await;
    let p = expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(p["errors"][0]["field"], "limit");
    let r = admin.get("/api/v1/users?role=king").await;
    expect_problem(r, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_are_problems() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let p = expect_problem(
        admin.get("/api/v1/nothing-here").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(p["type"], "urn:yuverse:problem:not-found");
    let r = admin.send(Method::DELETE, "/api/v1/me", None).await;
    let p = expect_problem(r, StatusCode::METHOD_NOT_ALLOWED).await;
    assert_eq!(p["type"], "urn:yuverse:problem:method-not-allowed");
    let p = expect_problem(
        admin.get("/api/v1/users/no-such-user").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(p["type"], "urn:yuverse:problem:not-found");
}
