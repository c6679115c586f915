//! After `kill -9` and a restart, nothing acknowledged is lost: every acknowledged update is
//! there (the broker acknowledges a write only once its group commit is durable), and every
//! notification that was still in flight is sent; what was notified is not notified again.

use std::collections::HashMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_yuverse");
const ENTITIES: usize = 200;
const BATCH: usize = 50;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A server process; one a failed assertion leaves running is killed when it is dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        // Already stopped and reaped on the passing path: then this does nothing.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(dir: &std::path::Path, port: u16) -> Server {
    let child = Command::new(BIN)
        .args([
            "serve",
            "--mqtt-listen",
            "off",
            "--ngsi-ld-auth",
            "off",
            "--data-dir",
        ])
        .arg(dir)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("YUVERSE_ADMIN_PASSWORD", "Admin-Passw0rd!")
        .env_remove("YUVERSE_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Server(child)
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

fn kill(server: &mut Server, signal: &str) {
    Command::new("kill")
        .args([signal, &server.0.id().to_string()])
        .status()
        .unwrap();
    let _ = server.0.wait();
}

fn meter(i: usize, round: u64) -> Value {
    json!({"id": format!("urn:ngsi-ld:Meter:{i}"), "type": "Meter", "reading": {"type": "Property", "value": round}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_update_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut server = serve(dir.path(), port);
    wait_ready(port).await;

    // Highest acknowledged round per entity.
    let acknowledged: Arc<Mutex<HashMap<usize, u64>>> = Arc::default();
    let mut writers = Vec::new();
    for worker in 0..ENTITIES / BATCH {
        let acknowledged = acknowledged.clone();
        writers.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let ids: Vec<usize> = (worker * BATCH..(worker + 1) * BATCH).collect();
            for round in 1u64.. {
                let body = Value::Array(ids.iter().map(|&i| meter(i, round)).collect());
                let sent = client
                    .post(format!(
                        "http://127.0.0.1:{port}/ngsi-ld/v1/entityOperations/upsert"
                    ))
                    .header("content-type", "application/json")
                    .body(body.to_string())
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().is_success() => {
                        let mut acked = acknowledged.lock().unwrap();
                        for &i in &ids {
                            acked.insert(i, round);
                        }
                    }
                    // The server is gone: stop writing.
                    _ => return,
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    kill(&mut server, "-9");
    for w in writers {
        w.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        !acknowledged.is_empty(),
        "some writes were acknowledged before the kill"
    );

    let port = free_port();
    let mut server = serve(dir.path(), port);
    wait_ready(port).await;
    let client = reqwest::Client::new();
    let stored: Value = client
        .get(format!(
            "http://127.0.0.1:{port}/ngsi-ld/v1/entities?type=Meter&limit=1000&options=keyValues"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let stored: HashMap<String, u64> = stored
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["id"].as_str().unwrap().to_owned(),
                e["reading"].as_u64().unwrap(),
            )
        })
        .collect();
    for (i, round) in &acknowledged {
        let value = stored.get(&format!("urn:ngsi-ld:Meter:{i}")).copied();
        assert!(
            value.is_some_and(|v| v >= *round),
            "meter {i}: acknowledged round {round}, stored {value:?}"
        );
    }
    kill(&mut server, "-TERM");
}

/// A notification receiver that records the ids of the entities it is notified of. Until it
/// is told to answer, it never does: every notification stays in flight.
struct Receiver {
    url: String,
    notified: Arc<Mutex<Vec<String>>>,
    answering: Arc<AtomicBool>,
}

async fn receiver() -> Receiver {
    let notified: Arc<Mutex<Vec<String>>> = Arc::default();
    let answering = Arc::new(AtomicBool::new(false));
    let (sink, answer) = (notified.clone(), answering.clone());
    let app = axum::Router::new().route(
        "/notify",
        axum::routing::post(move |body: String| {
            let (sink, answer) = (sink.clone(), answer.clone());
            async move {
                let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                for entity in body["data"].as_array().into_iter().flatten() {
                    let id = entity["id"].as_str().unwrap_or_default().to_owned();
                    sink.lock().unwrap().push(id);
                }
                if !answer.load(Ordering::SeqCst) {
                    std::future::pending::<()>().await;
                }
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver {
        url,
        notified,
        answering,
    }
}

impl Receiver {
    /// Waits until `id` was notified (or a generous deadline passes); answers whether it was.
    async fn wait_for(&self, id: &str) -> bool {
        for _ in 0..200 {
            if self.notified.lock().unwrap().iter().any(|n| n == id) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }
}

async fn post(port: u16, path: &str, body: &Value) -> reqwest::StatusCode {
    reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/ngsi-ld/v1{path}"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .status()
}

/// Long enough for the server to store its notification watermark twice (once a second).
const WATERMARK_ROUNDS: Duration = Duration::from_millis(2500);

/// Starts the server again on `dir`, writes meter `n` and checks that its change alone is
/// notified: nothing already delivered is notified again at start.
async fn restart_notifying_only_new_changes(
    dir: &std::path::Path,
    rx: &Receiver,
    n: usize,
) -> (Server, u16) {
    rx.notified.lock().unwrap().clear();
    let port = free_port();
    let server = serve(dir, port);
    wait_ready(port).await;
    let id = format!("urn:ngsi-ld:Meter:{n}");
    assert_eq!(post(port, "/entities", &meter(n, 1)).await, 201);
    assert!(rx.wait_for(&id).await);
    // Time for anything notified again at start to arrive too.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        *rx.notified.lock().unwrap(),
        [id],
        "only the new change is notified"
    );
    (server, port)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_in_flight_at_kill_9_is_sent_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let rx = receiver().await;
    let port = free_port();
    let mut server = serve(dir.path(), port);
    wait_ready(port).await;
    let subscription = json!({
        "type": "Subscription",
        "entities": [{"type": "Meter"}],
        "notification": {"endpoint": {"uri": rx.url, "accept": "application/json"}, "format": "keyValues"}
    });
    assert_eq!(post(port, "/subscriptions", &subscription).await, 201);
    // Through the batch path, which devices' measures take too.
    let batch = json!([meter(1, 1)]);
    assert_eq!(post(port, "/entityOperations/upsert", &batch).await, 201);
    assert!(
        rx.wait_for("urn:ngsi-ld:Meter:1").await,
        "sent, never answered"
    );
    // The server keeps storing how far it has notified; it must not pass the write in flight.
    tokio::time::sleep(WATERMARK_ROUNDS).await;
    kill(&mut server, "-9");

    rx.notified.lock().unwrap().clear();
    rx.answering.store(true, Ordering::SeqCst);
    let port = free_port();
    let mut server = serve(dir.path(), port);
    wait_ready(port).await;
    assert!(
        rx.wait_for("urn:ngsi-ld:Meter:1").await,
        "the notification in flight at the kill is sent after the restart"
    );

    // Once delivered, a change is not notified again at the next start.
    assert_eq!(post(port, "/entities", &meter(2, 1)).await, 201);
    assert!(rx.wait_for("urn:ngsi-ld:Meter:2").await);
    tokio::time::sleep(WATERMARK_ROUNDS).await;
    kill(&mut server, "-9");
    let (mut server, port) = restart_notifying_only_new_changes(dir.path(), &rx, 3).await;

    // A clean stop stores how far it has notified, however recent the last notification.
    assert_eq!(post(port, "/entities", &meter(4, 1)).await, 201);
    assert!(rx.wait_for("urn:ngsi-ld:Meter:4").await);
    // Time for the server to take the receiver's answer (well under its once-a-second store).
    tokio::time::sleep(Duration::from_millis(200)).await;
    kill(&mut server, "-TERM");
    let (mut server, _) = restart_notifying_only_new_changes(dir.path(), &rx, 5).await;
    kill(&mut server, "-TERM");
}
