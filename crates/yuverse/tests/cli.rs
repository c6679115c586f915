//! The `yuverse` binary as an operator uses it: start, sign in, stop on SIGTERM, a taken port,
//! the config example, and `audit verify` detecting a changed row.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_yuverse");
const ADMIN_PASSWORD: &str = "Admin-Passw0rd!";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn serve(data_dir: &Path, port: u16) -> Child {
    serve_on(data_dir, &format!("127.0.0.1:{port}"))
}

fn serve_on(data_dir: &Path, listen: &str) -> Child {
    Command::new(BIN)
        .args(["serve", "--mqtt-listen", "off", "--data-dir"])
        .arg(data_dir)
        .args(["--listen", listen])
        .env("YUVERSE_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env_remove("YUVERSE_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

async fn wait_ready(port: u16) {
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
        {
            if r.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not become ready");
}

/// SIGTERM, then the process must finish its requests, close storage and exit 0.
fn terminate(child: Child) -> Output {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "graceful stop exits 0: {output:?}");
    output
}

fn verify(data_dir: &Path) -> Output {
    Command::new(BIN)
        .args(["audit", "verify", "--data-dir"])
        .arg(data_dir)
        .env_remove("YUVERSE_DATABASE_URL")
        .output()
        .unwrap()
}

#[tokio::test]
async fn serve_sign_in_stop_and_detect_a_changed_audit_row() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = serve(dir.path(), port);
    wait_ready(port).await;

    let client = reqwest::Client::new();
    let login = client
        .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    for name in ["研究院甲", "研究院乙", "研究院丙"] {
        let r = client
            .post(format!("http://127.0.0.1:{port}/api/v1/organisations"))
            .bearer_auth(login_token(&client, port).await)
            .json(&serde_json::json!({"name": name, "kind": "institution"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }

    // A second server on the same port fails with one line naming the flag.
    let clash = Command::new(BIN)
        .args(["serve", "--mqtt-listen", "off", "--data-dir"])
        .arg(dir.path().join("other"))
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .output()
        .unwrap();
    assert!(!clash.status.success());
    let stderr = String::from_utf8(clash.stderr).unwrap();
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("--listen"), "{stderr}");

    let stopped = terminate(server);
    assert!(String::from_utf8_lossy(&stopped.stderr).contains("database is closed"));

    let intact = verify(dir.path());
    assert!(intact.status.success(), "{intact:?}");
    assert!(String::from_utf8_lossy(&intact.stdout).contains("intact"));

    // Change one stored row: verification fails and names it.
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", dir.path().join("yuverse.db").display());
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let seq: i64 = sqlx::query_scalar(
        "SELECT seq FROM audit_log WHERE action = 'organisation.create' ORDER BY seq LIMIT 1 OFFSET 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query("UPDATE audit_log SET detail = 'nothing happened' WHERE seq = $1")
        .bind(seq)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let broken = verify(dir.path());
    assert_eq!(broken.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&broken.stdout);
    assert!(stdout.contains(&format!("entry {seq}:")), "{stdout}");
    assert!(stdout.contains("changed"), "{stdout}");
}

#[tokio::test]
async fn the_demo_simulator_publishes_over_mqtt_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (port, mqtt) = (free_port(), free_port());
    let server = Command::new(BIN)
        .args(["serve", "--demo", "--sim-devices", "20"])
        .args(["--sim-interval-seconds", "1", "--sim-time-scale", "60"])
        .args(["--mqtt-listen", &format!("127.0.0.1:{mqtt}"), "--data-dir"])
        .arg(dir.path())
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("YUVERSE_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("YUVERSE_DEMO_PASSWORD", "Demo-Passw0rd!")
        .env_remove("YUVERSE_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_ready(port).await;
    let url = format!(
        "http://127.0.0.1:{port}/ngsi-ld/v1/entities/urn:ngsi-ld:AirQualityObserved:yubei:xiantao-data-valley:1"
    );
    let mut measured = false;
    for _ in 0..300 {
        let r = reqwest::get(&url).await.unwrap();
        if r.status() == 200 {
            let e: serde_json::Value = r.json().await.unwrap();
            if e["pm25"]["value"].is_number() {
                measured = true;
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(measured, "a simulated measure reached the twin");
    let stopped = terminate(server);
    let logs = String::from_utf8_lossy(&stopped.stderr);
    assert!(logs.contains("district simulator stopped"), "{logs}");
    assert!(logs.contains("database is closed"), "{logs}");
    let intact = verify(dir.path());
    assert!(intact.status.success(), "{intact:?}");
}

async fn login_token(client: &reqwest::Client, port: u16) -> String {
    let body: serde_json::Value = client
        .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["token"].as_str().unwrap().to_owned()
}

#[test]
fn a_generated_admin_password_is_printed_once() {
    let dir = tempfile::tempdir().unwrap();
    let run = |port: u16| {
        let child = Command::new(BIN)
            .args(["serve", "--mqtt-listen", "off", "--data-dir"])
            .arg(dir.path())
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env_remove("YUVERSE_ADMIN_PASSWORD")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(wait_ready(port));
        String::from_utf8(terminate(child).stdout).unwrap()
    };
    let first = run(free_port());
    assert!(first.contains("generated password"), "{first}");
    let second = run(free_port());
    assert!(!second.contains("generated password"), "{second}");
}

#[test]
fn help_documents_every_option_and_the_example_config_prints() {
    let help = Command::new(BIN)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8(help.stdout).unwrap();
    for flag in [
        "--listen",
        "--data-dir",
        "--database-url",
        "--mqtt-listen",
        "--mqtt-url",
        "--demo",
        "--sim-devices",
        "--sim-interval-seconds",
        "--sim-time-scale",
        "--config",
        "--log-format",
        "YUVERSE_LISTEN",
    ] {
        assert!(text.contains(flag), "{flag} missing from serve --help");
    }
    let example = Command::new(BIN)
        .args(["config", "example"])
        .output()
        .unwrap();
    let example = String::from_utf8(example.stdout).unwrap();
    for key in [
        "listen",
        "data_dir",
        "database_url",
        "mqtt_listen",
        "mqtt_url",
        "demo",
        "sim_devices",
        "sim_interval_seconds",
        "sim_time_scale",
    ] {
        assert!(
            example.contains(&format!("{key} =")),
            "{key} missing from the example"
        );
    }
}

#[test]
fn json_logs_are_structured_and_never_carry_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = Command::new(BIN)
        .args([
            "serve",
            "--mqtt-listen",
            "off",
            "--log-format",
            "json",
            "--demo",
            "--data-dir",
        ])
        .arg(dir.path())
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .arg("--database-url")
        .arg(format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("yuverse.db").display()
        ))
        .env("YUVERSE_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("YUVERSE_DEMO_PASSWORD", "Demo-Secret-Passw0rd")
        .env(
            "YUVERSE_PII_KEY",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(wait_ready(port));
    let output = terminate(child);
    let logs = String::from_utf8(output.stderr).unwrap();
    let lines: Vec<&str> = logs.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty());
    for line in &lines {
        let parsed: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(parsed.get("level").is_some() && parsed.get("timestamp").is_some());
    }
    for secret in [
        ADMIN_PASSWORD,
        "Demo-Secret-Passw0rd",
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    ] {
        assert!(!logs.contains(secret), "a secret reached the logs");
    }
}

/// `--listen 127.0.0.1:0`: the system picks the port, and the log names the one bound.
#[tokio::test]
async fn a_port_picked_by_the_system_is_the_one_logged() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let mut child = serve_on(dir.path(), "127.0.0.1:0");
    // Kept open until the server has stopped, so that its later log lines have a reader.
    let mut logs = BufReader::new(child.stderr.take().unwrap()).lines();
    let line = logs
        .by_ref()
        .map(Result::unwrap)
        .find(|l| l.contains("listening"))
        .expect("a line saying where the server listens");
    let address = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("an address in {line}"));
    let port: u16 = address.rsplit(':').next().unwrap().parse().unwrap();
    assert_ne!(port, 0, "{line}");
    wait_ready(port).await;
    terminate(child);
    drop(logs);
}
