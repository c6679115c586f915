//! `spawn_app()`: the real server on port 0 with its own database: a fresh SQLite data dir, or
//! a fresh PostgreSQL database when `YUVERSE_TEST_DATABASE_URL` points at a server (the
//! `cargo xtask test` pipeline runs this suite both ways).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use reqwest::{Client, Method, Response, StatusCode};
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use yuverse_server::Settings;

pub const ADMIN_PASSWORD: &str = "Admin-Passw0rd!";
pub const DEMO_PASSWORD: &str = "Demo-Passw0rd!";

pub struct TestApp {
    pub addr: SocketAddr,
    /// Where the embedded MQTT broker listens, if it runs (its real port when `:0` was asked).
    pub mqtt: Option<SocketAddr>,
    pub settings: Settings,
    _dir: Option<tempfile::TempDir>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

/// A fresh PostgreSQL database on the test server, or `None` for SQLite.
async fn fresh_postgres_url() -> Option<String> {
    let admin_url = std::env::var("YUVERSE_TEST_DATABASE_URL").ok()?;
    sqlx::any::install_default_drivers();
    let name = format!("yv_test_{:016x}", rand::random::<u64>());
    let pool = sqlx::AnyPool::connect(&admin_url)
        .await
        .expect("connect to the test PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .expect("create a test database");
    pool.close().await;
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .expect("URL has a path");
    Some(format!("{base}/{name}"))
}

/// A loopback address on a port the system picks when it is bound: a server started on it
/// reports the real port, so no other test can take the port between choosing and binding.
#[allow(dead_code)] // used by the suites that run the embedded MQTT broker; `api` does not
pub fn any_loopback_port() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

pub fn uses_postgres() -> bool {
    std::env::var("YUVERSE_TEST_DATABASE_URL").is_ok()
}

pub async fn test_settings(demo: bool) -> (Settings, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::for_data_dir(dir.path().to_path_buf());
    settings.listen = "127.0.0.1:0".parse().unwrap();
    settings.database_url = fresh_postgres_url().await;
    settings.mqtt_listen = None;
    settings.admin_password = Some(ADMIN_PASSWORD.into());
    settings.demo = demo;
    // The district simulator runs only where a test asks for it (tests/sim).
    settings.sim_devices = 0;
    settings.demo_password = Some(DEMO_PASSWORD.into());
    (settings, dir)
}

pub async fn spawn_app() -> TestApp {
    spawn_demo(false).await
}

/// With `demo`, one account per role exists: `demo-<role>` with [`DEMO_PASSWORD`].
pub async fn spawn_demo(demo: bool) -> TestApp {
    let (settings, dir) = test_settings(demo).await;
    let mut app = start(settings).await;
    app._dir = Some(dir);
    app
}

/// Starts a server on the given settings (e.g. to restart on the same data).
pub async fn start(settings: Settings) -> TestApp {
    let (state, _report) = yuverse_server::prepare(&settings).await.expect("prepare");
    let mqtt = state.devices.mqtt_addr();
    let listener = yuverse_server::bind(settings.listen).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(yuverse_server::serve(listener, state, async {
        let _ = stopped.await;
    }));
    TestApp {
        addr,
        mqtt,
        settings,
        _dir: None,
        stop: Some(stop),
        task: Some(task),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Stops gracefully and hands back the settings and the data dir, to start again; the
    /// settings name the MQTT port the broker had, so a restart listens on the same one.
    pub async fn stop(mut self) -> (Settings, Option<tempfile::TempDir>) {
        if self.mqtt.is_some() {
            self.settings.mqtt_listen = self.mqtt;
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
        (self.settings.clone(), self._dir.take())
    }

    pub fn client() -> Client {
        Client::builder().cookie_store(true).build().unwrap()
    }

    /// A client signed in as `username` (cookie session).
    pub async fn login(&self, username: &str, password: &str) -> Session {
        let client = Self::client();
        let r = client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::OK,
            "login {username}: {}",
            r.text().await.unwrap()
        );
        let body: Value = r.json().await.unwrap();
        Session {
            client,
            base: self.url(""),
            me: body["user"].clone(),
        }
    }

    pub async fn admin(&self) -> Session {
        self.login("admin", ADMIN_PASSWORD).await
    }

    pub async fn demo(&self, username: &str) -> Session {
        self.login(username, DEMO_PASSWORD).await
    }
}

pub struct Session {
    pub client: Client,
    pub base: String,
    pub me: Value,
}

impl Session {
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Response {
        let mut request = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    pub async fn get(&self, path: &str) -> Response {
        self.send(Method::GET, path, None).await
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let r = self.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "GET {path}");
        r.json().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.send(Method::POST, path, Some(body)).await
    }
}

/// Asserts a problem+json answer with this status; returns its body.
pub async fn expect_problem(response: Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status, "unexpected status");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status.as_u16());
    assert!(body["type"]
        .as_str()
        .unwrap()
        .starts_with("urn:yuverse:problem:"));
    assert!(!body["detail"].as_str().unwrap().is_empty());
    body
}

/// The SQLite files of a data dir (database, WAL), for tests that read raw bytes.
pub fn sqlite_files(dir: &Path) -> Vec<PathBuf> {
    ["yuverse.db", "yuverse.db-wal", "yuverse.db-shm"]
        .iter()
        .map(|f| dir.join(f))
        .filter(|p| p.exists())
        .collect()
}

/// A valid resident identity number (check digit computed) for a given serial.
pub fn identity_number(serial: u32) -> String {
    let first17 = format!("500112199001{:02}{:03}", 10 + serial % 18, serial % 1000);
    let c = yuverse_governance::domain::id_number::check_character(&first17).unwrap();
    format!("{first17}{c}")
}
