//! The twin's hot paths over real HTTP on loopback, SQLite default, history kept: batch upsert
//! throughput, single-entity creation, `type`+`q` and `near` queries over 100,000 entities, and
//! the resident memory at that size. Prints its figures (recorded in docs/performance.md).
//!
//! Run: `cargo bench -p yuverse-server --bench twin`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use yuverse_server::Settings;

/// The allocator of the `yuverse` binary, so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ENTITIES: usize = 100_000;
const BATCH: usize = 1_000;
const CONCURRENCY: usize = 16;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn sensor(i: usize, round: usize) -> Value {
    let lon = 106.45 + (i % 500) as f64 * 0.001;
    let lat = 29.55 + (i / 500) as f64 * 0.002;
    json!({
        "id": format!("urn:ngsi-ld:AirQualityObserved:s{i:06}"),
        "type": if i.is_multiple_of(10) { "OffStreetParking" } else { "AirQualityObserved" },
        // Below the default alert rule's 75 µg/m³, as most real readings are: an alert for every
        // other sensor would measure the alert engine's storm handling, not the broker.
        "pm25": {"type": "Property", "value": ((i * 7 + round) % 75) as f64},
        "temperature": {"type": "Property", "value": 15.0 + (i % 20) as f64},
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [lon, lat]}}
    })
}

/// Sends `total` requests from `CONCURRENCY` workers; `make(i)` builds request `i`.
async fn load<F>(total: usize, make: F) -> (Vec<Duration>, Duration)
where
    F: Fn(usize) -> reqwest::RequestBuilder + Clone + Send + 'static,
{
    load_with(total, CONCURRENCY, make).await
}

/// Sends `total` requests from `workers` concurrent clients.
async fn load_with<F>(total: usize, workers: usize, make: F) -> (Vec<Duration>, Duration)
where
    F: Fn(usize) -> reqwest::RequestBuilder + Clone + Send + 'static,
{
    let started = Instant::now();
    let per = total / workers;
    let mut tasks = Vec::new();
    for w in 0..workers {
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per);
            for i in 0..per {
                let t = Instant::now();
                let r = make(w * per + i).send().await.expect("request");
                assert!(r.status().is_success(), "{}", r.status());
                let _ = r.bytes().await;
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    (all, started.elapsed())
}

fn report(name: &str, unit: &str, per_request: usize, mut lat: Vec<Duration>, elapsed: Duration) {
    lat.sort();
    println!(
        "{name:<46} {:>9.0} {unit}/s   p50 {:>7.2} ms   p99 {:>7.2} ms",
        (lat.len() * per_request) as f64 / elapsed.as_secs_f64(),
        percentile(&lat, 0.5).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3,
    );
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::for_data_dir(dir.path().to_path_buf());
    settings.listen = "127.0.0.1:0".parse().unwrap();
    settings.mqtt_listen = None;
    settings.ngsi_ld_auth = false;
    settings.admin_password = Some("Bench-Passw0rd!".into());
    let (state, _) = yuverse_server::prepare(&settings).await.unwrap();
    let listener = yuverse_server::bind(settings.listen).await.unwrap();
    let base = format!("http://{}/ngsi-ld/v1", listener.local_addr().unwrap());
    tokio::spawn(yuverse_server::serve(
        listener,
        state,
        std::future::pending(),
    ));
    let client = reqwest::Client::new();

    // The request bodies are written before the clock starts: the client shares the server's
    // two cores, and building 100,000 entities of JSON is the client's work, not the broker's.
    let upsert = |round: usize| {
        let (c, b) = (client.clone(), base.clone());
        let bodies: Arc<Vec<String>> = Arc::new(
            (0..ENTITIES / BATCH)
                .map(|i| {
                    Value::Array(
                        (i * BATCH..(i + 1) * BATCH)
                            .map(|n| sensor(n, round))
                            .collect(),
                    )
                    .to_string()
                })
                .collect(),
        );
        move |i: usize| {
            c.post(format!("{b}/entityOperations/upsert"))
                .header("content-type", "application/json")
                .body(bodies[i].clone())
        }
    };
    let (lat, el) = load(ENTITIES / BATCH, upsert(0)).await;
    report(
        "batch upsert, create (1,000/batch, 3 attrs)",
        "entities",
        BATCH,
        lat,
        el,
    );
    let (lat, el) = load(ENTITIES / BATCH, upsert(1)).await;
    report(
        "batch upsert, update (1,000/batch, 3 attrs)",
        "entities",
        BATCH,
        lat,
        el,
    );
    println!(
        "{:<46} {:>9.0} MiB (server and client in one process)",
        "RSS at 100,000 entities",
        rss_mib()
    );

    // Each create is acknowledged only when its commit is durable, so a client waits one
    // commit (an fsync) per create and throughput follows the number of clients in flight:
    // measured at the usual 16 and at 128 (many devices or gateways writing at once).
    for (workers, first) in [(16, 0), (128, 100_000)] {
        let (c, b) = (client.clone(), base.clone());
        let (lat, el) = load_with(16_000, workers, move |i| {
            c.post(format!("{b}/entities"))
                .header("content-type", "application/json")
                .body(json!({"id": format!("urn:ngsi-ld:Streetlight:l{}", first + i), "type": "Streetlight", "powerState": "on", "lux": 120}).to_string())
        })
        .await;
        report(
            &format!("single-entity create over HTTP, {workers} clients"),
            "creates",
            1,
            lat,
            el,
        );
    }

    let (c, b) = (client.clone(), base.clone());
    let (lat, el) = load(8_000, move |i| {
        c.get(format!(
            "{b}/entities?type=AirQualityObserved&q=pm25%3E{}&limit=20",
            35 + i % 30
        ))
    })
    .await;
    report(
        "type+q query, limit 20, 100,000 entities",
        "queries",
        1,
        lat,
        el,
    );

    let (c, b) = (client.clone(), base.clone());
    let (lat, el) = load(8_000, move |i| {
        let lon = 106.45 + (i % 400) as f64 * 0.001;
        c.get(format!(
            "{b}/entities?type=AirQualityObserved&georel=near%3BmaxDistance==300&geometry=Point&coordinates=%5B{lon},29.6%5D&limit=20"
        ))
    })
    .await;
    report(
        "near query (300 m), 100,000 entities",
        "queries",
        1,
        lat,
        el,
    );

    let (c, b) = (client.clone(), base.clone());
    let polygon = "%5B%5B%5B106.5,29.6%5D,%5B106.52,29.6%5D,%5B106.52,29.62%5D,%5B106.5,29.62%5D,%5B106.5,29.6%5D%5D%5D";
    let (lat, el) = load(8_000, move |_| {
        c.get(format!("{b}/entities?type=AirQualityObserved&georel=within&geometry=Polygon&coordinates={polygon}&limit=20"))
    })
    .await;
    report(
        "within query (2 km box), 100,000 entities",
        "queries",
        1,
        lat,
        el,
    );
}
