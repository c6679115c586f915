use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::*;

#[tokio::test]
async fn an_administrator_manages_users_and_organisations() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let r = admin
        .post(
            "/api/v1/organisations",
            json!({"name": "重庆示例元宇宙科技有限公司", "kind": "enterprise", "credit_code": "91350100M000100Y43", "name_en": "Example"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let org: Value = r.json().await.unwrap();
    let org_id = org["id"].as_str().unwrap();

    let r = admin
        .post(
            "/api/v1/users",
            json!({"username": "ent-user", "display_name": "企业用户", "password": "Enterprise-Passw0rd",
                   "role": "enterprise", "organisation_id": org_id, "email": "a@example.cn", "phone": "+86 138 0000 0000"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let user: Value = r.json().await.unwrap();
    assert!(user.get("password_hash").is_none());
    let id = user["id"].as_str().unwrap();

    let r = admin
        .post(
            "/api/v1/users",
            json!({"username": "ent-user", "display_name": "重复", "password": "Enterprise-Passw0rd", "role": "citizen"}),
        )
        .await;
    expect_problem(r, StatusCode::CONFLICT).await;

    let listed = admin
        .get_json(&format!("/api/v1/users?organisation_id={org_id}"))
        .await;
    assert_eq!(listed["total"], 1);
    let filtered = admin
        .get_json("/api/v1/organisations?kind=enterprise&q=示例")
        .await;
    assert_eq!(filtered["total"], 1);

    let user_session = app.login("ent-user", "Enterprise-Passw0rd").await;
    assert_eq!(
        user_session.me["organisation"]["name"],
        "重庆示例元宇宙科技有限公司"
    );

    // Disabling ends the user's sessions and stops sign-in.
    let r = admin
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    expect_problem(
        user_session.get("/api/v1/me").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let r = TestApp::client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "ent-user", "password": "Enterprise-Passw0rd"}))
        .send()
        .await
        .unwrap();
    expect_problem(r, StatusCode::UNAUTHORIZED).await;

    // An administrator cannot disable themselves.
    let admin_id = admin.me["id"].as_str().unwrap();
    let r = admin
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{admin_id}"),
            Some(json!({"disabled": true})),
        )
        .await;
    expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
}

#[tokio::test]
async fn users_change_their_own_password_under_the_policy() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let r = admin
        .post(
            "/api/v1/me/password",
            json!({"current_password": ADMIN_PASSWORD, "new_password": "weakpassword"}),
        )
        .await;
    expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let r = admin
        .post(
            "/api/v1/me/password",
            json!({"current_password": "not-it", "new_password": "Another-Passw0rd"}),
        )
        .await;
    expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let r = admin
        .post(
            "/api/v1/me/password",
            json!({"current_password": ADMIN_PASSWORD, "new_password": "Another-Passw0rd"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    app.login("admin", "Another-Passw0rd").await;
}
