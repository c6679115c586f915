use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn a_restart_keeps_everything_and_loads_the_data_set_only_once() {
    let app = spawn_demo(true).await;
    let admin = app.admin().await;
    let r = admin
        .post(
            "/api/v1/users",
            json!({"username": "persist-me", "display_name": "持久", "password": "Persist-Passw0rd", "role": "citizen"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let orgs_before = admin.get_json("/api/v1/organisations?limit=1").await["total"].clone();
    let places_before = admin.get_json("/api/v1/places").await["features"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        places_before, 19,
        "every park, area and scenario site of the plan"
    );
    let auditor = app.demo("demo-auditor").await;
    let audit_before = auditor.get_json("/api/v1/audit?limit=1").await["total"]
        .as_i64()
        .unwrap();

    let (settings, dir) = app.stop().await;
    let app = start(settings).await;

    let admin = app.admin().await;
    assert_eq!(
        admin.get_json("/api/v1/organisations?limit=1").await["total"],
        orgs_before
    );
    assert_eq!(
        admin.get_json("/api/v1/places").await["features"]
            .as_array()
            .unwrap()
            .len(),
        places_before
    );
    let users = admin.get_json("/api/v1/users?q=persist-me").await;
    assert_eq!(users["total"], 1);
    app.login("persist-me", "Persist-Passw0rd").await;
    let auditor = app.demo("demo-auditor").await;
    let audit_after = auditor.get_json("/api/v1/audit?limit=1").await["total"]
        .as_i64()
        .unwrap();
    assert!(
        audit_after > audit_before,
        "old entries kept, new ones appended"
    );
    let load = auditor.get_json("/api/v1/audit?action=dataset.load").await;
    assert_eq!(load["total"], 1, "the data set was loaded once");
    drop(dir);
}

#[tokio::test]
async fn the_data_set_holds_every_responsible_unit_of_the_plan() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let orgs = admin
        .get_json("/api/v1/organisations?kind=government_unit&limit=500")
        .await;
    let names: Vec<&str> = orgs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    for unit in [
        "区大数据发展局",
        "区经济信息委",
        "区委网信办",
        "龙塔街道",
        "区科协",
    ] {
        assert!(names.contains(&unit), "{unit} missing");
    }
    let plan = include_str!("../../../../data/yubei/action-plan.zh.txt");
    let all = admin.get_json("/api/v1/organisations?limit=500").await;
    let all_names: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    let mut rest = plan;
    while let Some(start) = rest.find("责任单位：") {
        let after = &rest[start + "责任单位：".len()..];
        let end = after.find('）').unwrap();
        for unit in after[..end].split('、') {
            assert!(
                all_names.contains(&unit),
                "responsible unit {unit} is not an organisation"
            );
        }
        rest = &after[end..];
    }
}
