//! 督办 with an injected clock: the workflow, the traffic light, reminders and escalations that
//! fire once each (also across a restart), and the notifications they send.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;
use crate::*;

async fn light(session: &Session, item: &str) -> String {
    session
        .get_json(&format!("/api/v1/plan/items/{item}"))
        .await["light"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn sweep(office: &Session) -> Value {
    office
        .post_ok("/api/v1/plan/sweep", json!({}), StatusCode::OK)
        .await
}

async fn notifications(session: &Session, kind: &str) -> Vec<Value> {
    let page = session.get_json("/api/v1/notifications?limit=500").await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == kind)
        .cloned()
        .collect()
}

#[tokio::test]
async fn the_item_workflow_goes_step_by_step_and_only_the_office_closes() {
    let app = spawn_plan().await;
    let office = app.demo("demo-office").await;
    let unit = app.demo("demo-unit").await;
    let own = unit.me["organisation"]["id"].as_str().unwrap().to_owned();
    let item = create_item(&office, "T2", &own, json!({})).await;
    assert_eq!(item["state"], "assigned");
    let id = item["id"].as_str().unwrap();
    let path = format!("/api/v1/plan/items/{id}/transitions");

    // 交办 reached the unit.
    assert_eq!(notifications(&unit, "assignment").await.len(), 1);

    // Another unit may not acknowledge it.
    let other = app.unit_user("urban-renewal-company").await;
    expect_problem(
        other.post(&path, json!({"to": "acknowledged"})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // No skipping steps.
    expect_problem(
        unit.post(&path, json!({"to": "in_progress"})).await,
        StatusCode::CONFLICT,
    )
    .await;
    let v = unit
        .post_ok(&path, json!({"to": "acknowledged"}), StatusCode::OK)
        .await;
    assert_eq!(v["state"], "acknowledged");
    let v = unit
        .post_ok(&path, json!({"to": "in_progress"}), StatusCode::OK)
        .await;
    assert_eq!(v["state"], "in_progress");
    // 办结 is the office's.
    expect_problem(
        unit.post(&path, json!({"to": "done"})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let v = office
        .post_ok(&path, json!({"to": "done"}), StatusCode::OK)
        .await;
    assert_eq!(v["state"], "done");
    assert_eq!(v["progress"], 100);
    expect_problem(
        office.post(&path, json!({"to": "done"})).await,
        StatusCode::CONFLICT,
    )
    .await;

    let auditor = app.demo("demo-auditor").await;
    let audit = auditor
        .get_json(&format!(
            "/api/v1/audit?action=plan.item.transition&target=plan_item:{id}"
        ))
        .await;
    assert_eq!(audit["total"], 5, "three successes and two refusals");
}

#[tokio::test]
async fn an_item_turns_yellow_3_days_before_its_deadline_and_red_after_with_one_reminder_and_one_escalation(
) {
    let app = spawn_plan().await;
    let office = app.demo("demo-office").await;
    let unit = app.demo("demo-unit").await;
    let own = unit.me["organisation"]["id"].as_str().unwrap().to_owned();
    // 2024-03-01 → 2024-03-31; reported 95% done, so it is ahead of the planned line until
    // the last three days.
    let item = create_item(&office, "T2", &own, json!({})).await;
    let id = item["id"].as_str().unwrap().to_owned();
    assert_eq!(item["light"], "green");
    report_accepted(&unit, &office, &id, 95).await;

    app.clock.set(at("2024-03-27T23:00:00Z"));
    assert_eq!(light(&unit, &id).await, "green");
    assert_eq!(sweep(&office).await["reminders"], 0);

    app.clock.set(at("2024-03-28T00:00:00Z"));
    assert_eq!(light(&unit, &id).await, "yellow");
    assert_eq!(sweep(&office).await["reminders"], 1);
    assert_eq!(sweep(&office).await["reminders"], 0);
    assert_eq!(notifications(&unit, "reminder").await.len(), 1);

    // A restart does not send it again.
    let app = app.restart().await;
    let office = app.demo("demo-office").await;
    let unit = app.demo("demo-unit").await;
    assert_eq!(sweep(&office).await["reminders"], 0);
    assert_eq!(notifications(&unit, "reminder").await.len(), 1);

    app.clock.set(at("2024-03-31T00:00:00Z"));
    assert_eq!(light(&unit, &id).await, "yellow", "due, not yet overdue");
    app.clock.set(at("2024-03-31T00:00:01Z"));
    assert_eq!(light(&unit, &id).await, "red");
    let first = sweep(&office).await;
    assert_eq!(
        (first["escalations"].as_i64(), first["reminders"].as_i64()),
        (Some(1), Some(0))
    );
    assert_eq!(sweep(&office).await["escalations"], 0);
    app.clock.set(at("2024-04-15T00:00:00Z"));
    assert_eq!(sweep(&office).await["escalations"], 0);
    assert_eq!(notifications(&unit, "escalation").await.len(), 1);
    // 催办 reaches the office too.
    let escalations = notifications(&office, "escalation").await;
    assert_eq!(escalations.len(), 1);
    assert_eq!(escalations[0]["subject"], format!("plan_item:{id}"));

    let auditor = app.demo("demo-auditor").await;
    for action in ["plan.item.reminder", "plan.item.escalation"] {
        let audit = auditor
            .get_json(&format!(
                "/api/v1/audit?action={action}&target=plan_item:{id}"
            ))
            .await;
        assert_eq!(audit["total"], 1, "{action}");
    }

    // Mark read: the unread count drops; another unit cannot touch it.
    let page = unit.get_json("/api/v1/notifications?unread=true").await;
    let unread = page["unread"].as_i64().unwrap();
    let first_id = page["items"][0]["id"].as_str().unwrap().to_owned();
    let r = unit
        .post(&format!("/api/v1/notifications/{first_id}/read"), json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        unit.get_json("/api/v1/notifications").await["unread"],
        unread - 1
    );
    let other = app.unit_user("urban-renewal-company").await;
    let r = other
        .post(&format!("/api/v1/notifications/{first_id}/read"), json!({}))
        .await;
    expect_problem(r, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn behind_the_planned_progress_is_yellow() {
    let app = spawn_plan().await;
    let office = app.demo("demo-office").await;
    let unit = app.demo("demo-unit").await;
    let own = unit.me["organisation"]["id"].as_str().unwrap().to_owned();
    let item = create_item(&office, "T2", &own, json!({})).await;
    let id = item["id"].as_str().unwrap().to_owned();
    app.clock.set(at("2024-03-16T00:00:00Z"));
    let v = unit.get_json(&format!("/api/v1/plan/items/{id}")).await;
    assert_eq!(v["planned_progress"], 50.0);
    assert_eq!(v["light"], "yellow");
    report_accepted(&unit, &office, &id, 50).await;
    assert_eq!(light(&unit, &id).await, "green");
}
