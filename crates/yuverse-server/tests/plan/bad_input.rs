//! Bad input is a problem+json naming the field, and changes nothing.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;
use crate::*;

#[tokio::test]
async fn bad_inputs_are_refused_with_the_field_and_write_nothing() {
    let app = spawn_plan().await;
    let office = app.demo("demo-office").await;
    let unit = app.demo("demo-unit").await;
    let own = unit.me["organisation"]["id"].as_str().unwrap().to_owned();
    let fields = |p: &serde_json::Value| -> Vec<String> {
        p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect()
    };

    // Work items.
    let r = office
        .post(
            "/api/v1/plan/tasks/T2/items",
            json!({"title": " ", "owner_unit": own, "weight": 0, "deadline": "next friday",
                   "co_units": [own]}),
        )
        .await;
    let p = expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&p), ["title", "weight", "co_units", "deadline"]);
    let r = office
        .post(
            "/api/v1/plan/tasks/T2/items",
            json!({"title": "x", "owner_unit": own, "start_at": "2024-05-01T00:00:00Z",
                     "deadline": "2024-04-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(
        fields(&expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["deadline"]
    );
    // The owner must be one of the task's units (区司法局 is not a unit of T2).
    let justice = org_id(&office, "justice-bureau").await;
    let r = office
        .post(
            "/api/v1/plan/tasks/T2/items",
            json!({"title": "x", "owner_unit": justice, "deadline": "2024-04-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(
        fields(&expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["owner_unit"]
    );
    let r = office
        .post(
            "/api/v1/plan/tasks/T2/items",
            json!({"title": "x", "owner_unit": "nobody", "deadline": "2024-04-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(
        fields(&expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["owner_unit"]
    );
    let r = office
        .post("/api/v1/plan/tasks/T2/items",
              json!({"title": "x", "owner_unit": own, "deadline": "2024-04-01T00:00:00Z", "place_code": "atlantis"}))
        .await;
    assert_eq!(
        fields(&expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["place_code"]
    );
    let r = office
        .post("/api/v1/plan/tasks/T2/items", json!({"title": "x", "owner_unit": own, "deadline": "2024-04-01T00:00:00Z", "colour": "red"}))
        .await;
    expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let r = office
        .post(
            "/api/v1/plan/tasks/T99/items",
            json!({"title": "x", "owner_unit": own, "deadline": "2024-04-01T00:00:00Z"}),
        )
        .await;
    expect_problem(r, StatusCode::NOT_FOUND).await;
    let r = office
        .client
        .post(format!("{}/api/v1/plan/tasks/T2/items", office.base))
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .unwrap();
    expect_problem(r, StatusCode::BAD_REQUEST).await;
    assert_eq!(
        office.get_json("/api/v1/plan/items").await["total"],
        0,
        "nothing was written"
    );

    // Reports.
    let item = create_item(&office, "T2", &own, json!({})).await;
    let path = format!(
        "/api/v1/plan/items/{}/reports",
        item["id"].as_str().unwrap()
    );
    let r = unit
        .post(
            &path,
            json!({"period": "2024-13", "percentage": 150, "narrative": "",
                            "evidence": [{"name": "x", "url": "file:///etc/passwd"}]}),
        )
        .await;
    let p = expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        fields(&p),
        ["period", "percentage", "narrative", "evidence[0].url"]
    );
    assert_eq!(office.get_json("/api/v1/plan/reports").await["total"], 0);

    // The plan, lists and transitions.
    let r = office.patch("/api/v1/plan/tasks/T1", json!({})).await;
    assert_eq!(
        fields(&expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["body"]
    );
    let r = office
        .patch("/api/v1/plan/tasks/T1", json!({"lead_unit": justice}))
        .await;
    assert_eq!(
        fields(&expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["lead_unit"]
    );
    let r = office
        .patch("/api/v1/plan/tasks/T1", json!({"units": []}))
        .await;
    assert_eq!(
        fields(&expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["units"]
    );
    assert_eq!(
        office.get_json("/api/v1/plan/versions").await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    expect_problem(
        office.get("/api/v1/plan/versions/first").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    expect_problem(
        office.get("/api/v1/plan/versions/9").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_problem(
        office.get("/api/v1/plan/items?limit=0").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    expect_problem(
        office.get("/api/v1/plan/items?state=lost").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    expect_problem(
        office.get("/api/v1/plan/items?task=T42").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let t = format!(
        "/api/v1/plan/items/{}/transitions",
        item["id"].as_str().unwrap()
    );
    expect_problem(
        unit.post(&t, json!({"to": "finished"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    expect_problem(
        office.get("/api/v1/plan/items/nope").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let r = office
        .post(
            &format!(
                "/api/v1/plan/items/{}/milestones",
                item["id"].as_str().unwrap()
            ),
            json!({"title": "中期评估", "due_at": "soon"}),
        )
        .await;
    assert_eq!(
        fields(&expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["due_at"]
    );

    // Who may do what: a citizen reads nothing of the plan; anonymous is 401.
    let citizen = app.demo("demo-citizen").await;
    expect_problem(citizen.get("/api/v1/plan").await, StatusCode::FORBIDDEN).await;
    let r = reqwest::get(format!("http://{}/api/v1/plan/dashboard", app.addr))
        .await
        .unwrap();
    expect_problem(r, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn milestones_break_an_item_down_and_the_owner_marks_them_reached() {
    let app = spawn_plan().await;
    let office = app.demo("demo-office").await;
    let unit = app.demo("demo-unit").await;
    let own = unit.me["organisation"]["id"].as_str().unwrap().to_owned();
    let item = create_item(
        &office,
        "T11",
        &own,
        json!({"title": "举办中国元宇宙产业发展论坛"}),
    )
    .await;
    let id = item["id"].as_str().unwrap();
    let base = format!("/api/v1/plan/items/{id}/milestones");
    let m = office
        .post_ok(
            &base,
            json!({"title": "确定论坛议程", "due_at": "2024-03-10T00:00:00+08:00"}),
            StatusCode::CREATED,
        )
        .await;
    let mid = m["id"].as_str().unwrap();
    assert_eq!(m["due_at"], "2024-03-09T16:00:00.000000Z");
    // The owner may only mark it reached.
    let r = unit
        .patch(&format!("{base}/{mid}"), json!({"title": "改名"}))
        .await;
    expect_problem(r, StatusCode::FORBIDDEN).await;
    let r = unit
        .patch(&format!("{base}/{mid}"), json!({"done": true}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let detail = office.get_json(&format!("/api/v1/plan/items/{id}")).await;
    assert_eq!(
        detail["milestones"][0]["done_at"],
        "2024-03-01T00:00:00.000000Z"
    );
    let r = office
        .send(reqwest::Method::DELETE, &format!("{base}/{mid}"), None)
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        office.get_json(&format!("/api/v1/plan/items/{id}")).await["milestones"],
        json!([])
    );
}
