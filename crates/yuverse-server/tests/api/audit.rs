use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn state_changes_are_audited_with_who_what_when_where_and_outcome() {
    let app = spawn_demo(true).await;
    let admin = app.admin().await;
    let r = admin
        .post(
            "/api/v1/organisations",
            json!({"name": "渝北元宇宙研究院", "kind": "institution"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let org_id = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let auditor = app.demo("demo-auditor").await;
    let page = auditor
        .get_json(&format!(
            "/api/v1/audit?actor=admin&target=organisation:{org_id}"
        ))
        .await;
    assert_eq!(page["total"], 1);
    let entry = &page["items"][0];
    assert_eq!(entry["action"], "organisation.create");
    assert_eq!(entry["actor_role"], "system_admin");
    assert_eq!(entry["outcome"], "success");
    assert_eq!(entry["ip"], "127.0.0.1");
    assert_eq!(entry["hash"].as_str().unwrap().len(), 64);

    // Filters: action prefix, outcome, time window.
    let logins = auditor
        .get_json("/api/v1/audit?action=auth.&limit=500")
        .await;
    assert!(logins["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["action"].as_str().unwrap().starts_with("auth.")));
    let future = auditor
        .get_json("/api/v1/audit?from=2999-01-01T00:00:00Z")
        .await;
    assert_eq!(future["total"], 0);
    let r = auditor.get("/api/v1/audit?from=yesterday").await;
    let p = expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(p["errors"][0]["field"], "from");

    // Newest first, and each entry links to the one before it.
    let all = auditor.get_json("/api/v1/audit?limit=500").await;
    let items = all["items"].as_array().unwrap();
    for pair in items.windows(2) {
        assert_eq!(
            pair[0]["seq"].as_i64().unwrap(),
            pair[1]["seq"].as_i64().unwrap() + 1
        );
        assert_eq!(pair[0]["prev_hash"], pair[1]["hash"]);
    }
}
