//! After `kill -9` during sustained ingestion and a restart, every acknowledged update is
//! there: the broker acknowledges a write only once its group commit is durable.

use std::collections::HashMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
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

fn serve(dir: &std::path::Path, port: u16) -> Child {
    Command::new(BIN)
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
    Command::new("kill")
        .args(["-9", &server.id().to_string()])
        .status()
        .unwrap();
    let _ = server.wait();
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
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    let _ = server.wait();
}
