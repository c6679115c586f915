//! Progress reports: a unit reports only on its own items; the office accepts and returns;
//! returned reports are resubmitted; the history is kept; everything is in the audit log.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;
use crate::*;

#[tokio::test]
async fn a_unit_reports_only_on_its_own_items_and_the_office_returns_and_accepts() {
    let app = spawn_plan().await;
    let office = app.demo("demo-office").await;
    let unit = app.demo("demo-unit").await;
    let other = app.unit_user("urban-renewal-company").await;
    let own = unit.me["organisation"]["id"].as_str().unwrap().to_owned();
    let other_org = other.me["organisation"]["id"].as_str().unwrap().to_owned();
    let item = create_item(&office, "T2", &own, json!({"co_units": [other_org]})).await;
    let id = item["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/plan/items/{id}/reports");
    let body = json!({
        "period": "2024-03", "percentage": 30, "narrative": "完成汽车元宇宙集群招商对接 3 家",
        "blockers": "场地审批待区规划部门答复",
        "evidence": [{"name": "对接会纪要", "url": "https://docs.example.cn/minutes/2024-03.pdf"}]
    });

    // Not the owner: neither a co-unit nor the office may report.
    expect_problem(other.post(&path, body.clone()).await, StatusCode::FORBIDDEN).await;
    expect_problem(
        office.post(&path, body.clone()).await,
        StatusCode::FORBIDDEN,
    )
    .await;

    let first = unit.post_ok(&path, body.clone(), StatusCode::CREATED).await;
    assert_eq!(first["state"], "submitted");
    assert_eq!(first["evidence"][0]["name"], "对接会纪要");
    let first_id = first["id"].as_str().unwrap().to_owned();
    // The office hears of it.
    let inbox = office.get_json("/api/v1/notifications").await;
    assert!(inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["kind"] == "report_submitted"));

    // Returning needs a reason; a unit cannot review.
    let review = format!("/api/v1/plan/reports/{first_id}/review");
    let p = expect_problem(
        office.post(&review, json!({"decision": "return"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "reason");
    expect_problem(
        unit.post(&review, json!({"decision": "accept"})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let returned = office
        .post_ok(
            &review,
            json!({"decision": "return", "reason": "请补充招商企业名单"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(returned["state"], "returned");
    assert_eq!(returned["return_reason"], "请补充招商企业名单");
    expect_problem(
        office.post(&review, json!({"decision": "accept"})).await,
        StatusCode::CONFLICT,
    )
    .await;
    let inbox = unit.get_json("/api/v1/notifications").await;
    let note = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "report_returned")
        .unwrap()
        .clone();
    assert_eq!(note["body"], "请补充招商企业名单");
    // A returned report leaves the item's progress alone.
    assert_eq!(
        unit.get_json(&format!("/api/v1/plan/items/{id}")).await["progress"],
        0
    );

    // Resubmitted once, by its unit.
    let resubmit = format!("/api/v1/plan/reports/{first_id}/resubmit");
    let mut again = body.clone();
    again["narrative"] = json!("完成对接 3 家：甲公司、乙公司、丙公司");
    expect_problem(
        other.post(&resubmit, again.clone()).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let second = unit
        .post_ok(&resubmit, again.clone(), StatusCode::CREATED)
        .await;
    assert_eq!(second["supersedes"], first_id.as_str());
    expect_problem(unit.post(&resubmit, again).await, StatusCode::CONFLICT).await;
    let second_id = second["id"].as_str().unwrap().to_owned();
    office
        .post_ok(
            &format!("/api/v1/plan/reports/{second_id}/review"),
            json!({"decision": "accept"}),
            StatusCode::OK,
        )
        .await;
    let after = unit.get_json(&format!("/api/v1/plan/items/{id}")).await;
    assert_eq!(after["progress"], 30);
    assert_eq!(after["state"], "in_progress");

    // The history: both reports, in order, each as it was.
    let history = office
        .get_json(&format!("/api/v1/plan/reports?item={id}"))
        .await;
    assert_eq!(history["total"], 2);
    assert_eq!(history["items"][0]["state"], "returned");
    assert_eq!(history["items"][1]["state"], "accepted");

    // The dashboard counts them per unit.
    let d = office.get_json("/api/v1/plan/dashboard").await;
    let me = d["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["organisation_id"] == own.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (
            me["reports_submitted"].as_i64(),
            me["reports_returned"].as_i64(),
            me["reports_accepted"].as_i64()
        ),
        (Some(2), Some(1), Some(1))
    );

    // Everything is in the audit log, the refusals too.
    let auditor = app.demo("demo-auditor").await;
    let submits = auditor
        .get_json("/api/v1/audit?action=plan.report.submit&outcome=success")
        .await;
    assert_eq!(submits["total"], 2);
    let denied = auditor
        .get_json("/api/v1/audit?action=plan.report.submit&outcome=denied")
        .await;
    assert_eq!(denied["total"], 3);
    let reviews = auditor
        .get_json("/api/v1/audit?action=plan.report.review&outcome=success")
        .await;
    assert_eq!(reviews["total"], 2);
    let entry = auditor
        .get_json(&format!(
            "/api/v1/audit?action=plan.report.review&target=plan_report:{first_id}&outcome=success"
        ))
        .await;
    assert_eq!(entry["items"][0]["detail"], "returned: 请补充招商企业名单");
    assert_eq!(entry["items"][0]["actor_user"], "demo-office");
}
