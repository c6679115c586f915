use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;

async fn audit_actions(app: &TestApp, target_user: &str) -> Vec<Value> {
    let auditor = app.demo("demo-auditor").await;
    let body = auditor
        .get_json(&format!(
            "/api/v1/audit?target=user:{target_user}&limit=100"
        ))
        .await;
    body["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn six_failed_logins_lock_the_account_and_the_audit_log_shows_it() {
    let app = spawn_demo(true).await;
    let victim = app.demo("demo-office").await.me["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let client = TestApp::client();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let r = client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": "demo-office", "password": "Wrong-Passw0rd!"}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status());
        if r.status() == StatusCode::LOCKED {
            let body = expect_problem(r, StatusCode::LOCKED).await;
            assert_eq!(body["type"], "urn:yuverse:problem:account-locked");
        }
    }
    assert_eq!(&statuses[..4], &[StatusCode::UNAUTHORIZED; 4]);
    assert_eq!(&statuses[4..], &[StatusCode::LOCKED; 2]);

    // Even the right password is refused while locked.
    let r = client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "demo-office", "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    expect_problem(r, StatusCode::LOCKED).await;

    let entries = audit_actions(&app, &victim).await;
    let failures = entries
        .iter()
        .filter(|e| e["action"] == "auth.login_failed" && e["outcome"] == "failure")
        .count();
    assert_eq!(failures, 7, "5 wrong passwords + 2 attempts while locked");
    let locks: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "user.locked")
        .collect();
    assert_eq!(locks.len(), 1);
    assert!(entries
        .iter()
        .filter(|e| e["action"] == "auth.login_failed")
        .all(|e| e["ip"] == "127.0.0.1" && e["actor_user"] == "demo-office"));

    // The security administrator lifts the lock; the password works again.
    let security = app.demo("demo-security-admin").await;
    let r = security
        .post(&format!("/api/v1/users/{victim}/unlock"), json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    app.demo("demo-office").await;
}

#[tokio::test]
async fn sessions_work_by_cookie_and_bearer_and_end_at_logout() {
    let app = spawn_app().await;
    let r = TestApp::client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let bearer = TestApp::client();
    let me = bearer
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(me.json::<Value>().await.unwrap()["role"], "system_admin");

    let session = app.admin().await;
    assert_eq!(session.get("/api/v1/me").await.status(), StatusCode::OK);
    assert_eq!(
        session
            .post("/api/v1/auth/logout", json!({}))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    expect_problem(session.get("/api/v1/me").await, StatusCode::UNAUTHORIZED).await;

    let anonymous = TestApp::client()
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap();
    expect_problem(anonymous, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn idle_sessions_expire() {
    let (mut settings, dir) = test_settings(false).await;
    // Long enough that signing in (Argon2) and reading /me fit in it on a loaded machine.
    settings.governance.session_idle_timeout = std::time::Duration::from_secs(3);
    let app = start(settings).await;
    let session = app.admin().await;
    tokio::time::sleep(std::time::Duration::from_millis(6100)).await;
    let body = expect_problem(session.get("/api/v1/me").await, StatusCode::UNAUTHORIZED).await;
    assert!(body["detail"].as_str().unwrap().contains("inactivity"));
    drop(dir);
}

#[tokio::test]
async fn login_attempts_are_rate_limited_per_address() {
    let (mut settings, dir) = test_settings(false).await;
    settings.governance.login_attempts_per_minute = 3;
    let app = start(settings).await;
    let client = TestApp::client();
    let mut last = StatusCode::OK;
    for _ in 0..4 {
        last = client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": "nobody", "password": "x"}))
            .send()
            .await
            .unwrap()
            .status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    drop(dir);
}

/// Failed sign-ins of `username` sent as if forwarded for `client`: their statuses.
async fn forwarded_logins(app: &TestApp, username: &str, client: &str, n: usize) -> Vec<u16> {
    let mut statuses = Vec::new();
    for _ in 0..n {
        let r = TestApp::client()
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", format!("192.0.2.200, {client}"))
            .json(&json!({"username": username, "password": "Wrong-Passw0rd!"}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    statuses
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit_and_audit_address() {
    let (mut settings, dir) = test_settings(true).await;
    settings.governance.login_attempts_per_minute = 3;
    // The tests reach the server from 127.0.0.1: here that is the proxy.
    settings.governance.trusted_proxies =
        yuverse_governance::http::TrustedProxies::parse(&["127.0.0.0/8"]).unwrap();
    let app = start(settings).await;
    let victim = app.demo("demo-office").await.me["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // One client behind the proxy spends its attempts; another behind it still may sign in.
    assert_eq!(
        forwarded_logins(&app, "nobody", "198.51.100.1", 4).await,
        [401, 401, 401, 429]
    );
    assert_eq!(
        forwarded_logins(&app, "demo-office", "198.51.100.2", 1).await,
        [401]
    );
    // The audit log names the client, not the proxy (nor what the client claimed at the left).
    let entries = audit_actions(&app, &victim).await;
    let failed = entries
        .iter()
        .find(|e| e["action"] == "auth.login_failed")
        .expect("the failed sign-in is audited");
    assert_eq!(failed["ip"], "198.51.100.2", "{failed}");
    drop(dir);
}

#[tokio::test]
async fn a_peer_that_is_not_a_trusted_proxy_cannot_choose_its_address() {
    let (mut settings, dir) = test_settings(false).await;
    settings.governance.login_attempts_per_minute = 3;
    settings.governance.trusted_proxies =
        yuverse_governance::http::TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();
    let app = start(settings).await;
    // Each attempt claims another address; they all count against the peer's.
    let mut statuses = Vec::new();
    for client in [
        "198.51.100.1",
        "198.51.100.2",
        "198.51.100.3",
        "198.51.100.4",
    ] {
        statuses.extend(forwarded_logins(&app, "nobody", client, 1).await);
    }
    assert_eq!(statuses, [401, 401, 401, 429]);
    drop(dir);
}

#[tokio::test]
async fn api_keys_are_shown_once_work_and_stop_at_revocation() {
    let app = spawn_demo(true).await;
    let unit = app.demo("demo-unit").await;
    let org = unit.me["organisation"]["id"].as_str().unwrap().to_owned();
    let r = unit
        .post(
            "/api/v1/api-keys",
            json!({"name": "gateway-1", "organisation_id": org, "permissions": ["twin:write"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    let key = created["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("yvk_"));
    let listed = unit.get_json("/api/v1/api-keys").await;
    assert!(
        !listed.to_string().contains(&key),
        "the secret is never listed"
    );

    // The key authenticates (it may read its organisation) …
    let with_key = TestApp::client()
        .get(app.url(&format!("/api/v1/organisations/{org}")))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(with_key.status(), StatusCode::OK);
    // … but has no administrative permission.
    let r = TestApp::client()
        .get(app.url("/api/v1/users"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    expect_problem(r, StatusCode::FORBIDDEN).await;

    let id = created["id"].as_str().unwrap();
    let r = unit
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/api-keys/{id}"),
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = TestApp::client()
        .get(app.url(&format!("/api/v1/organisations/{org}")))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    expect_problem(r, StatusCode::UNAUTHORIZED).await;

    // Another organisation's unit cannot see or revoke it.
    let enterprise = app.demo("demo-enterprise").await;
    let r = enterprise
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/api-keys/{id}"),
            None,
        )
        .await;
    expect_problem(r, StatusCode::NOT_FOUND).await;
}
