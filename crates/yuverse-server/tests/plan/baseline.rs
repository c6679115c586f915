//! The plan as data: the baseline holds exactly the seed's tasks, safeguards and units; a
//! change by the office is a new, audited version.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;
use crate::*;

const PLAN: &str = include_str!("../../../../data/yubei/plan.json");

#[tokio::test]
async fn the_first_start_holds_exactly_the_seeds_11_tasks_and_4_safeguards_with_their_units() {
    let app = spawn_plan().await;
    let office = app.demo("demo-office").await;
    let seed: Value = serde_json::from_str(PLAN).unwrap();
    let plan = office.get_json("/api/v1/plan").await;
    assert_eq!(plan["version"]["version"], 1);
    assert_eq!(plan["goals"], seed["goals"]);
    assert_eq!(plan["goals"]["six_ones"].as_array().unwrap().len(), 6);
    assert_eq!(plan["goals"]["domains"].as_array().unwrap().len(), 8);
    for (kind, expected_count) in [("tasks", 11), ("safeguards", 4)] {
        let got = plan[kind].as_array().unwrap();
        let want = seed[kind].as_array().unwrap();
        assert_eq!(got.len(), expected_count);
        assert_eq!(want.len(), expected_count);
        for (g, w) in got.iter().zip(want) {
            assert_eq!(g["code"], w["code"]);
            assert_eq!(g["title"], w["title"]);
            assert_eq!(g["text"], w["text"]);
            let names: Vec<&Value> = w["units"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| &u["name"])
                .collect();
            let got_names: Vec<&Value> = g["unit_names"].as_array().unwrap().iter().collect();
            assert_eq!(got_names, names, "units of {}", w["code"]);
            // The first unit named leads.
            assert_eq!(g["lead_unit_name"], w["units"][0]["name"]);
            assert_eq!(g["lead_unit"], g["units"][0]);
        }
    }
    // The seed's wording, spot-checked against the original.
    assert_eq!(plan["tasks"][3]["unit_names"], json!(["区大数据发展局"]));
    assert_eq!(plan["safeguards"][2]["lead_unit_name"], "区委网信办");

    // A restart does not load it again.
    let app = app.restart().await;
    let office = app.demo("demo-office").await;
    let plan = office.get_json("/api/v1/plan").await;
    assert_eq!(plan["version"]["version"], 1);
    assert_eq!(plan["tasks"].as_array().unwrap().len(), 11);
    assert_eq!(
        office.get_json("/api/v1/plan/versions").await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn the_office_changes_the_lead_unit_and_a_new_audited_version_records_it() {
    let app = spawn_plan().await;
    let office = app.demo("demo-office").await;
    let t3 = office.get_json("/api/v1/plan/tasks/T3").await;
    let new_lead = t3["units"][1].as_str().unwrap().to_owned();
    let r = office
        .patch(
            "/api/v1/plan/tasks/T3",
            json!({"lead_unit": new_lead, "note": "工作组会议决定"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let task: Value = r.json().await.unwrap();
    assert_eq!(task["lead_unit"], new_lead.as_str());
    assert_eq!(task["updated_in"], 2);

    let versions = office.get_json("/api/v1/plan/versions").await;
    let items = versions["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let summary = items[1]["summary"].as_str().unwrap();
    assert!(summary.contains("区商务委 → 区文化旅游委"), "{summary}");
    assert_eq!(items[1]["created_by"], "demo-office");
    // The baseline stays as it was; version 2 names the new lead.
    let v1 = office.get_json("/api/v1/plan/versions/1").await;
    assert!(v1["document"]["tasks"][2].get("lead").is_none());
    let v2 = office.get_json("/api/v1/plan/versions/2").await;
    assert_eq!(
        v2["document"]["tasks"][2]["lead"],
        "culture-tourism-commission"
    );
    let plan = office.get_json("/api/v1/plan").await;
    assert_eq!(plan["tasks"][2]["lead_unit_name"], "区文化旅游委");

    let auditor = app.demo("demo-auditor").await;
    let audit = auditor
        .get_json("/api/v1/audit?action=plan.task.update&target=plan_task:T3")
        .await;
    assert_eq!(audit["total"], 1);
    assert!(audit["items"][0]["detail"]
        .as_str()
        .unwrap()
        .starts_with("version 2:"));

    // A unit cannot change the plan; the refusal is audited too.
    let unit = app.demo("demo-unit").await;
    let r = unit
        .patch("/api/v1/plan/tasks/T3", json!({"title": "改"}))
        .await;
    expect_problem(r, StatusCode::FORBIDDEN).await;
    let denied = auditor
        .get_json("/api/v1/audit?action=plan.task.update&outcome=denied")
        .await;
    assert_eq!(denied["total"], 1);
}
