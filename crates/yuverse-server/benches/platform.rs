//! Platform hot paths, measured over real HTTP on loopback against the SQLite default:
//! authenticated reads (session lookup on every request) and audited writes (one transaction
//! with its hash-chained audit entry). Prints throughput and latency percentiles.
//!
//! Run: `cargo bench -p yuverse-server --bench platform` (release mode). Figures are recorded in
//! docs/performance.md.

use std::time::{Duration, Instant};

use serde_json::json;
use yuverse_server::Settings;

const ADMIN_PASSWORD: &str = "Bench-Passw0rd!";
const CONCURRENCY: usize = 16;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, mut latencies: Vec<Duration>, elapsed: Duration) {
    latencies.sort();
    println!(
        "{name:<40} {:>8.0} req/s   p50 {:>7.2} ms   p99 {:>7.2} ms   ({} requests, {} concurrent)",
        latencies.len() as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.len(),
        CONCURRENCY
    );
}

/// Runs `per_worker` requests on each of `CONCURRENCY` workers; `make` builds request `i`.
async fn load<F>(per_worker: usize, make: F) -> (Vec<Duration>, Duration)
where
    F: Fn(usize) -> reqwest::RequestBuilder + Clone + Send + 'static,
{
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..CONCURRENCY {
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_worker);
            for i in 0..per_worker {
                let t = Instant::now();
                let r = make(w * per_worker + i).send().await.expect("request");
                assert!(r.status().is_success(), "{}", r.status());
                let _ = r.bytes().await;
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    (all, started.elapsed())
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::for_data_dir(dir.path().to_path_buf());
    settings.listen = "127.0.0.1:0".parse().unwrap();
    settings.mqtt_listen = None;
    settings.admin_password = Some(ADMIN_PASSWORD.into());
    settings.governance.login_attempts_per_minute = 1000;
    let (state, _) = yuverse_server::prepare(&settings).await.unwrap();
    let listener = yuverse_server::bind(settings.listen).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(yuverse_server::serve(
        listener,
        state,
        std::future::pending(),
    ));

    let client = reqwest::Client::new();
    let login: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_owned();

    let (c, b, t) = (client.clone(), base.clone(), token.clone());
    let (lat, el) = load(500, move |_| {
        c.get(format!("{b}/api/v1/me")).bearer_auth(&t)
    })
    .await;
    report("GET /api/v1/me (session auth)", lat, el);

    let (c, b, t) = (client.clone(), base.clone(), token.clone());
    let (lat, el) = load(300, move |_| {
        c.get(format!("{b}/api/v1/organisations?limit=20"))
            .bearer_auth(&t)
    })
    .await;
    report("GET /api/v1/organisations?limit=20", lat, el);

    let (c, b, t) = (client.clone(), base.clone(), token.clone());
    let (lat, el) = load(150, move |i| {
        c.post(format!("{b}/api/v1/organisations"))
            .bearer_auth(&t)
            .json(&json!({"name": format!("基准机构{i}"), "kind": "institution"}))
    })
    .await;
    report("POST /api/v1/organisations (audited)", lat, el);
}
