//! Every role against every platform endpoint: allowed exactly what the role table says,
//! denied the rest with 403 problem+json.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::*;

const ROLES: [&str; 8] = [
    "office",
    "unit",
    "enterprise",
    "regulator",
    "citizen",
    "system_admin",
    "security_admin",
    "auditor",
];

fn username(role: &str) -> String {
    format!("demo-{}", role.replace('_', "-"))
}

struct Case {
    method: Method,
    path: String,
    body: Option<Value>,
    allowed: &'static [&'static str],
}

#[tokio::test]
async fn every_role_is_allowed_exactly_its_endpoints() {
    let app = spawn_demo(true).await;
    let admin = app.admin().await;
    let orgs = admin.get_json("/api/v1/organisations?limit=500").await;
    let org_id = |code: &str| -> String {
        orgs["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["code"] == code)
            .unwrap_or_else(|| panic!("organisation {code}"))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let xiantao = org_id("xiantao-data-valley-company");
    let citizen_id = app.demo("demo-citizen").await.me["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // A key with mqtt:publish of the demo unit's organisation, for the device cases.
    let unit = app.demo("demo-unit").await;
    let unit_org = unit.me["organisation"]["id"].as_str().unwrap().to_owned();
    let device_key: Value = unit
        .post(
            "/api/v1/api-keys",
            json!({"name": "matrix devices", "organisation_id": unit_org, "permissions": ["mqtt:publish"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let unit_device_key = device_key["id"].as_str().unwrap().to_owned();
    let enterprise = app.demo("demo-enterprise").await;
    let enterprise_org = enterprise.me["organisation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let device_key: Value = enterprise
        .post(
            "/api/v1/api-keys",
            json!({"name": "matrix devices", "organisation_id": enterprise_org, "permissions": ["mqtt:publish"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let enterprise_device_key = device_key["id"].as_str().unwrap().to_owned();

    let (alert_rules, alert_ids) = alert_fixtures(&app, &unit).await;

    let all: &[&str] = &ROLES;
    let staff: &[&str] = &[
        "office",
        "unit",
        "enterprise",
        "regulator",
        "system_admin",
        "security_admin",
    ];
    for (i, role) in ROLES.iter().enumerate() {
        let session = app.demo(&username(role)).await;
        let own_org = session.me["organisation"]["id"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| xiantao.clone());
        let device_key = if *role == "enterprise" {
            &enterprise_device_key
        } else {
            &unit_device_key
        };
        let devices: &[&str] = &["office", "unit", "enterprise", "system_admin"];
        let alerts_read: &[&str] = &[
            "office",
            "unit",
            "enterprise",
            "regulator",
            "citizen",
            "system_admin",
            "security_admin",
        ];
        let alerts_manage: &[&str] = &["office", "system_admin"];
        let (alert_rule, alert) = (&alert_rules[i], &alert_ids[i]);
        let cases = [
            Case {
                method: Method::GET,
                path: "/api/v1/me".into(),
                body: None,
                allowed: all,
            },
            Case {
                method: Method::GET,
                path: "/api/v1/roles".into(),
                body: None,
                allowed: all,
            },
            Case {
                method: Method::GET,
                path: "/api/v1/places".into(),
                body: None,
                allowed: &[
                    "office",
                    "unit",
                    "enterprise",
                    "regulator",
                    "citizen",
                    "system_admin",
                    "security_admin",
                ],
            },
            Case {
                method: Method::GET,
                path: "/api/v1/users".into(),
                body: None,
                allowed: &["office", "regulator", "system_admin", "security_admin"],
            },
            Case {
                method: Method::GET,
                path: format!("/api/v1/users/{citizen_id}"),
                body: None,
                allowed: &[
                    "office",
                    "regulator",
                    "citizen",
                    "system_admin",
                    "security_admin",
                ],
            },
            Case {
                method: Method::POST,
                path: "/api/v1/users".into(),
                body: Some(json!({
                    "username": format!("matrix-{i}"), "display_name": "矩阵", "password": "Matrix-Passw0rd",
                    "role": "citizen"
                })),
                allowed: &["system_admin"],
            },
            Case {
                method: Method::PATCH,
                path: format!("/api/v1/users/{citizen_id}"),
                body: Some(json!({"display_name": format!("公众{i}")})),
                allowed: &["system_admin"],
            },
            Case {
                method: Method::POST,
                path: format!("/api/v1/users/{citizen_id}/unlock"),
                body: Some(json!({})),
                allowed: &["security_admin"],
            },
            Case {
                method: Method::GET,
                path: "/api/v1/organisations".into(),
                body: None,
                allowed: staff,
            },
            Case {
                method: Method::GET,
                path: format!("/api/v1/organisations/{xiantao}"),
                body: None,
                allowed: staff,
            },
            Case {
                method: Method::POST,
                path: "/api/v1/organisations".into(),
                body: Some(json!({"name": format!("矩阵研究院{i}"), "kind": "institution"})),
                allowed: &["office", "system_admin"],
            },
            Case {
                method: Method::PATCH,
                path: format!("/api/v1/organisations/{xiantao}"),
                body: Some(json!({"name_en": "Xiantao Data Valley Company"})),
                allowed: &["office", "system_admin"],
            },
            Case {
                method: Method::GET,
                path: "/api/v1/api-keys".into(),
                body: None,
                allowed: &["unit", "enterprise", "security_admin"],
            },
            Case {
                method: Method::POST,
                path: "/api/v1/api-keys".into(),
                body: Some(
                    json!({"name": "matrix", "organisation_id": own_org, "permissions": ["twin:read"]}),
                ),
                allowed: &["unit", "enterprise", "security_admin"],
            },
            Case {
                method: Method::POST,
                path: "/api/v1/twin/devices".into(),
                body: Some(json!({
                    "device_id": format!("matrix-{i}"),
                    "entity_name": format!("urn:ngsi-ld:Device:matrix-{i}"),
                    "entity_type": "Device",
                    "api_key_id": device_key,
                    "attributes": [{"object_id": "t", "name": "temperature"}]
                })),
                allowed: devices,
            },
            Case {
                method: Method::GET,
                path: "/api/v1/twin/devices".into(),
                body: None,
                allowed: devices,
            },
            Case {
                method: Method::GET,
                path: format!("/api/v1/twin/devices/matrix-{i}"),
                body: None,
                allowed: devices,
            },
            Case {
                method: Method::DELETE,
                path: format!("/api/v1/twin/devices/matrix-{i}"),
                body: None,
                allowed: devices,
            },
            Case {
                method: Method::GET,
                path: "/api/v1/twin/alert-rules".into(),
                body: None,
                allowed: alerts_read,
            },
            Case {
                method: Method::POST,
                path: "/api/v1/twin/alert-rules".into(),
                body: Some(
                    json!({"name": format!("矩阵{i}"), "entityType": "MatrixIdle",
                                  "q": "level>1000", "severity": "info"}),
                ),
                allowed: alerts_manage,
            },
            Case {
                method: Method::GET,
                path: format!("/api/v1/twin/alert-rules/{alert_rule}"),
                body: None,
                allowed: alerts_read,
            },
            Case {
                method: Method::PATCH,
                path: format!("/api/v1/twin/alert-rules/{alert_rule}"),
                body: Some(json!({"severity": "warning"})),
                allowed: alerts_manage,
            },
            Case {
                method: Method::DELETE,
                path: format!("/api/v1/twin/alert-rules/{alert_rule}"),
                body: None,
                allowed: alerts_manage,
            },
            Case {
                method: Method::GET,
                path: "/api/v1/twin/alerts".into(),
                body: None,
                allowed: alerts_read,
            },
            Case {
                method: Method::GET,
                path: format!("/api/v1/twin/alerts/{alert}"),
                body: None,
                allowed: alerts_read,
            },
            Case {
                method: Method::POST,
                path: format!("/api/v1/twin/alerts/{alert}/acknowledge"),
                body: None,
                allowed: alerts_manage,
            },
            Case {
                method: Method::POST,
                path: format!("/api/v1/twin/alerts/{alert}/close"),
                body: Some(json!({"reason": "矩阵"})),
                allowed: alerts_manage,
            },
            Case {
                method: Method::GET,
                path: "/api/v1/audit".into(),
                body: None,
                allowed: &["auditor"],
            },
            Case {
                method: Method::POST,
                path: "/api/v1/me/real-name".into(),
                body: Some(json!({"name": "张三", "id_number": identity_number(i as u32)})),
                allowed: &["citizen"],
            },
        ];
        for case in cases {
            let response = session
                .send(case.method.clone(), &case.path, case.body.clone())
                .await;
            let what = format!("{role} {} {}", case.method, case.path);
            if case.allowed.contains(role) {
                assert!(
                    response.status().is_success(),
                    "{what} should be allowed, got {}: {}",
                    response.status(),
                    response.text().await.unwrap()
                );
            } else {
                let body = expect_problem(response, StatusCode::FORBIDDEN).await;
                assert_eq!(body["type"], "urn:yuverse:problem:forbidden", "{what}");
            }
        }
    }

    // Denied writes are themselves audited.
    let auditor = app.demo("demo-auditor").await;
    let denied = auditor
        .get_json("/api/v1/audit?outcome=denied&action=user.create&limit=500")
        .await;
    assert_eq!(
        denied["total"], 7,
        "every role but system_admin was refused user.create"
    );
    let denied = auditor
        .get_json("/api/v1/audit?outcome=denied&action=device.create&limit=500")
        .await;
    assert_eq!(
        denied["total"], 4,
        "regulator, citizen, security_admin and auditor were refused device.create"
    );
}

/// One alert rule per role to change and delete, and one open alert per role to acknowledge
/// and close (raised by entities the unit writes through NGSI-LD).
async fn alert_fixtures(app: &TestApp, unit: &Session) -> (Vec<String>, Vec<String>) {
    let admin = app.admin().await;
    let rule = |name: String, entity_type: &str, q: &str| json!({"name": name, "entityType": entity_type, "q": q, "severity": "info"});
    let create = |body: Value| {
        let admin = &admin;
        async move {
            let r = admin.post("/api/v1/twin/alert-rules", body).await;
            assert_eq!(r.status(), StatusCode::CREATED);
            let created: Value = r.json().await.unwrap();
            created["id"].as_str().unwrap().to_owned()
        }
    };
    let probe = create(rule("矩阵探针".into(), "MatrixProbe", "level>10")).await;
    let mut rules = Vec::new();
    for i in 0..ROLES.len() {
        rules.push(create(rule(format!("矩阵规则{i}"), "MatrixIdle", "level>1000")).await);
        let entity = json!({"id": format!("urn:ngsi-ld:MatrixProbe:{i}"), "type": "MatrixProbe", "level": 20});
        let r = unit
            .send(Method::POST, "/ngsi-ld/v1/entities", Some(entity))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    for _ in 0..200 {
        let page = admin
            .get_json(&format!("/api/v1/twin/alerts?ruleId={probe}&limit=500"))
            .await;
        if page["total"] == ROLES.len() {
            let alert_of = |i: usize| {
                let entity = format!("urn:ngsi-ld:MatrixProbe:{i}");
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|a| a["entityId"] == entity.as_str())
                    .unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            };
            return (rules, (0..ROLES.len()).map(alert_of).collect());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the matrix probes raised no alerts");
}
