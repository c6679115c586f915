//! Plan supervision against the real server (SQLite, or PostgreSQL with
//! `YUVERSE_TEST_DATABASE_URL`), with the supervision clock under the test's control.

#[path = "../api/common.rs"]
#[allow(dead_code)]
mod common;

mod bad_input;
mod baseline;
mod export;
mod indicators;
mod reports;
mod rollup;
mod supervision;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use yuverse_core::indicators::IndicatorSource;
use yuverse_plan::ManualClock;
use yuverse_server::Settings;

use common::*;

/// Where the supervision clock starts in every test.
pub const START: &str = "2024-03-01T00:00:00Z";

pub fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    yuverse_core::time::parse_rfc3339(s).unwrap()
}

/// A running server whose plan clock the test moves. Demo accounts exist (`demo-<role>`);
/// `demo-unit` belongs to 仙桃数据谷公司.
pub struct PlanApp {
    pub addr: SocketAddr,
    /// Where the embedded MQTT broker listens, if it runs.
    pub mqtt: Option<SocketAddr>,
    pub clock: ManualClock,
    pub settings: Settings,
    dir: Option<tempfile::TempDir>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

pub async fn spawn_plan() -> PlanApp {
    spawn_with(|_| {}).await
}

/// Like [`spawn_plan`], letting the test register indicator sources at composition.
pub async fn spawn_with(
    register: impl FnOnce(&yuverse_core::indicators::IndicatorRegistry),
) -> PlanApp {
    spawn_custom(None, register).await
}

/// With `mqtt`, the embedded MQTT broker listens there.
pub async fn spawn_custom(
    mqtt: Option<SocketAddr>,
    register: impl FnOnce(&yuverse_core::indicators::IndicatorRegistry),
) -> PlanApp {
    let (mut settings, dir) = test_settings(true).await;
    settings.mqtt_listen = mqtt;
    let clock = ManualClock::new(at(START));
    settings.plan_clock = Arc::new(clock.clone());
    // Sweeps are run on demand (POST /api/v1/plan/sweep) so that the test decides when.
    settings.plan_sweep_every = Duration::from_secs(24 * 3600);
    let mut app = start_plan(settings, clock, register).await;
    app.dir = Some(dir);
    app
}

pub async fn start_plan(
    settings: Settings,
    clock: ManualClock,
    register: impl FnOnce(&yuverse_core::indicators::IndicatorRegistry),
) -> PlanApp {
    let (state, _) = yuverse_server::prepare(&settings).await.expect("prepare");
    register(state.plan.indicators());
    let mqtt = state.devices.mqtt_addr();
    let listener = yuverse_server::bind(settings.listen).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(yuverse_server::serve(listener, state, async {
        let _ = stopped.await;
    }));
    PlanApp {
        addr,
        mqtt,
        clock,
        settings,
        dir: None,
        stop: Some(stop),
        task: Some(task),
    }
}

impl PlanApp {
    pub async fn login(&self, username: &str, password: &str) -> Session {
        let client = TestApp::client();
        let base = format!("http://{}", self.addr);
        let r = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "login {username}");
        let body: Value = r.json().await.unwrap();
        Session {
            client,
            base,
            me: body["user"].clone(),
        }
    }

    pub async fn demo(&self, username: &str) -> Session {
        self.login(username, DEMO_PASSWORD).await
    }

    /// Stops and starts again on the same data and clock.
    pub async fn restart(mut self) -> PlanApp {
        let _ = self.stop.take().map(|s| s.send(()));
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
        let mut next = start_plan(self.settings.clone(), self.clock.clone(), |_| {}).await;
        next.dir = self.dir.take();
        next
    }

    /// A unit user of the organisation with this code (created by the system administrator).
    pub async fn unit_user(&self, org_code: &str) -> Session {
        let sysadmin = self.demo("demo-system-admin").await;
        let orgs = sysadmin
            .get_json(&format!("/api/v1/organisations?q={org_code}"))
            .await;
        let org = orgs["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["code"] == org_code)
            .expect("organisation")["id"]
            .clone();
        let username = format!("unit-{org_code}");
        let r = sysadmin
            .post(
                "/api/v1/users",
                json!({"username": username, "display_name": "单位填报员", "password": DEMO_PASSWORD,
                       "role": "unit", "organisation_id": org}),
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "{}",
            r.text().await.unwrap()
        );
        self.login(&username, DEMO_PASSWORD).await
    }
}

impl Session {
    pub async fn patch(&self, path: &str, body: Value) -> reqwest::Response {
        self.send(Method::PATCH, path, Some(body)).await
    }

    /// POST expecting `status`; answers the JSON body.
    pub async fn post_ok(&self, path: &str, body: Value, status: StatusCode) -> Value {
        let r = self.post(path, body).await;
        let got = r.status();
        let text = r.text().await.unwrap();
        assert_eq!(got, status, "POST {path}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }
}

/// The organisation id of a data-set organisation code.
pub async fn org_id(session: &Session, code: &str) -> String {
    let orgs = session
        .get_json(&format!("/api/v1/organisations?q={code}"))
        .await;
    orgs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == code)
        .unwrap_or_else(|| panic!("no organisation {code}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Creates a work item under `task` (a code) owned by `owner` (an organisation id).
pub async fn create_item(office: &Session, task: &str, owner: &str, extra: Value) -> Value {
    let mut body = json!({"title": format!("{task} 工作事项"), "owner_unit": owner,
                          "start_at": START, "deadline": "2024-03-31T00:00:00Z"});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    office
        .post_ok(
            &format!("/api/v1/plan/tasks/{task}/items"),
            body,
            StatusCode::CREATED,
        )
        .await
}

/// Submits a report as `unit` and accepts it as `office`.
pub async fn report_accepted(unit: &Session, office: &Session, item: &str, percentage: i64) {
    let report = unit
        .post_ok(
            &format!("/api/v1/plan/items/{item}/reports"),
            json!({"period": "2024-03", "percentage": percentage, "narrative": "按计划推进"}),
            StatusCode::CREATED,
        )
        .await;
    office
        .post_ok(
            &format!(
                "/api/v1/plan/reports/{}/review",
                report["id"].as_str().unwrap()
            ),
            json!({"decision": "accept"}),
            StatusCode::OK,
        )
        .await;
}

/// A source registered only by the tests, as a future module would register its own.
pub struct AllianceMembers;

#[async_trait::async_trait]
impl IndicatorSource for AllianceMembers {
    fn indicators(&self) -> Vec<yuverse_core::indicators::IndicatorDef> {
        vec![yuverse_core::indicators::IndicatorDef::new(
            "industry.alliances",
            "产业联盟",
            "Industry alliances",
            "个",
            "test-alliance",
        )]
    }

    async fn values(
        &self,
    ) -> Result<Vec<yuverse_core::indicators::IndicatorValue>, yuverse_core::Error> {
        Ok(vec![yuverse_core::indicators::IndicatorValue::new(
            "industry.alliances",
            1.0,
        )])
    }
}
