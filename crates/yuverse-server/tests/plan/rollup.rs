//! Weighted roll-up, worked example (items → tasks → plan), and the cockpit's figures.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::*;

fn task<'a>(dashboard: &'a Value, code: &str) -> &'a Value {
    dashboard["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == code)
        .unwrap()
}

#[tokio::test]
async fn progress_rolls_up_by_weight_from_items_to_tasks_to_the_plan() {
    let app = spawn_plan().await;
    let office = app.demo("demo-office").await;
    let unit = app.demo("demo-unit").await;
    let own = unit.me["organisation"]["id"].as_str().unwrap().to_owned();

    // T1: A (weight 3) at 100 %, B (weight 1) at 40 % → (3·100 + 1·40) / 4 = 85 %.
    // T2: C (weight 2) at 50 % → 50 %.
    // Plan: 15 tasks and safeguards of weight 1, the other 13 at 0 → (85 + 50) / 15 = 9 %.
    let a = create_item(
        &office,
        "T1",
        &own,
        json!({"weight": 3, "place_code": "xiantao-data-valley"}),
    )
    .await;
    let b = create_item(
        &office,
        "T1",
        &own,
        json!({"weight": 1, "place_code": "xiantao-data-valley"}),
    )
    .await;
    let c = create_item(
        &office,
        "T2",
        &own,
        json!({"weight": 2, "place_code": "longxi-subdistrict"}),
    )
    .await;
    for (item, pct) in [(&a, 100), (&b, 40), (&c, 50)] {
        report_accepted(&unit, &office, item["id"].as_str().unwrap(), pct).await;
    }
    let d = office.get_json("/api/v1/plan/dashboard").await;
    assert_eq!(task(&d, "T1")["progress"], 85.0);
    assert_eq!(task(&d, "T1")["items"], 2);
    assert_eq!(task(&d, "T2")["progress"], 50.0);
    assert_eq!(task(&d, "T3")["progress"], 0.0);
    assert_eq!(d["progress"], 9.0);
    assert_eq!(d["items"], 3);
    assert_eq!(d["states"]["in_progress"], 3);

    // By area: 仙桃数据谷 carries A and B → 85 %; 龙溪街道 carries C → 50 %.
    let area = |code: &str| {
        d["areas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["place_code"] == code)
            .unwrap()
            .clone()
    };
    assert_eq!(area("xiantao-data-valley")["progress"], 85.0);
    assert_eq!(area("xiantao-data-valley")["items"], 2);
    assert_eq!(area("longxi-subdistrict")["progress"], 50.0);
    assert_eq!(area("central-park")["items"], 0);

    // Per unit: reports filed and their outcome.
    let me = d["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["organisation_id"] == own.as_str())
        .unwrap();
    assert_eq!(me["name"], "仙桃数据谷公司");
    assert_eq!(
        (
            me["items"].as_i64(),
            me["reports_submitted"].as_i64(),
            me["reports_accepted"].as_i64()
        ),
        (Some(3), Some(3), Some(3))
    );
    assert_eq!(me["on_time_rate"], Value::Null, "nothing is due yet");
    assert_eq!(
        d["units"].as_array().unwrap().len(),
        29,
        "every responsible unit of the plan"
    );

    // The plan's own indicator agrees.
    let indicators = office.get_json("/api/v1/plan/indicators").await;
    let progress = indicators["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == "plan.progress")
        .unwrap()
        .clone();
    assert_eq!(progress["value"], 9.0);
    assert_eq!(progress["target"], 100.0);
    assert_eq!(progress["attainment"], 9.0);

    // Weighting T1 by 3 (a new plan version): (3·85 + 50) / 17 = 17.94 %.
    let r = office
        .patch("/api/v1/plan/tasks/T1", json!({"weight": 3}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let d = office.get_json("/api/v1/plan/dashboard").await;
    assert_eq!(d["progress"], 17.94);
    assert_eq!(d["version"], 2);

    // On-time rate: A closed on time, C overdue → 50 %.
    let a_id = a["id"].as_str().unwrap();
    office
        .post_ok(
            &format!("/api/v1/plan/items/{a_id}/transitions"),
            json!({"to": "done"}),
            StatusCode::OK,
        )
        .await;
    let b_id = b["id"].as_str().unwrap();
    office
        .post_ok(
            &format!("/api/v1/plan/items/{b_id}/transitions"),
            json!({"to": "done"}),
            StatusCode::OK,
        )
        .await;
    app.clock.set(at("2024-04-02T00:00:00Z"));
    let d = office.get_json("/api/v1/plan/dashboard").await;
    assert_eq!(task(&d, "T1")["progress"], 100.0);
    assert_eq!(d["on_time_rate"], 66.67, "A and B on time, C overdue");
    assert_eq!(d["lights"]["red"], 1);
    assert_eq!(d["lights"]["green"], 2);
}
