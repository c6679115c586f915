//! The twin's streaming paths, end to end on loopback, SQLite default, history kept:
//!
//! - **MQTT ingestion**: devices provisioned over the API, several real MQTT clients publishing
//!   measures (QoS 1, authenticated) into the embedded broker as fast as it takes them. A
//!   message counts only once it is in the entity's state and durable in the history table;
//!   the figure is messages / (first publish → last one applied and stored).
//! - **Notification latency**: 1,000 active subscriptions of varied `entities`,
//!   `watchedAttributes` and `q`, an in-process HTTP receiver, entity updates at a steady rate;
//!   latency from sending the update request to the notification arriving.
//!
//! Run: `cargo bench -p yuverse-server --bench twin_streams` (figures in docs/performance.md).
//! `YUVERSE_BENCH_QUICK=1` runs a tenth of the sizes; `YUVERSE_BENCH_ONLY=mqtt|notify` one part.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::routing::post;
use reqwest::{Client, StatusCode};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde_json::{json, Value};
use yuverse_core::db::Database;
use yuverse_server::Settings;

/// The allocator of the `yuverse` binary, so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PASSWORD: &str = "Bench-Passw0rd!";
/// MQTT connections the devices publish through (gateways, each for a share of the devices).
const MQTT_CLIENTS: usize = 10;
const ENTITY_TYPES: [&str; 5] = [
    "ParkingSpot",
    "AirQualityObserved",
    "Streetlight",
    "WaterQualityObserved",
    "TrafficFlowObserved",
];

struct Sizes {
    devices: usize,
    messages: usize,
    subscriptions: usize,
    updates: usize,
    updates_per_sec: usize,
}

impl Sizes {
    fn from_env() -> Sizes {
        let quick = std::env::var("YUVERSE_BENCH_QUICK").is_ok_and(|v| v == "1");
        let div = if quick { 10 } else { 1 };
        Sizes {
            devices: 1_000 / div,
            messages: 200_000 / div,
            subscriptions: 1_000 / div,
            updates: 10_000 / div,
            updates_per_sec: 500,
        }
    }
}

struct Server {
    base: String,
    mqtt: SocketAddr,
    db: Database,
    /// Signed in as `demo-unit` (a responsible unit: its own API keys and devices).
    unit: Client,
    /// An API key of an organisation with `mqtt:publish` and `twin:write`: (id, secret).
    key: (String, String),
    _dir: tempfile::TempDir,
}

async fn start_server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::for_data_dir(dir.path().to_path_buf());
    settings.listen = "127.0.0.1:0".parse().unwrap();
    let mqtt = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    settings.mqtt_listen = Some(mqtt);
    settings.admin_password = Some(PASSWORD.into());
    // Demo accounts without the district simulator: `demo-unit` provisions the devices.
    settings.demo = true;
    settings.demo_password = Some(PASSWORD.into());
    settings.sim_devices = 0;
    let (state, _) = yuverse_server::prepare(&settings).await.unwrap();
    let db = state.db.clone();
    let listener = yuverse_server::bind(settings.listen).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(yuverse_server::serve(
        listener,
        state,
        std::future::pending(),
    ));
    let unit = Client::builder().cookie_store(true).build().unwrap();
    let r = unit
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "demo-unit", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "demo-unit login");
    let me: Value = r.json().await.unwrap();
    let org = me["user"]["organisation"]["id"]
        .as_str()
        .expect("an organisation");
    let created: Value = unit
        .post(format!("{base}/api/v1/api-keys"))
        .json(&json!({"name": "bench", "organisation_id": org,
                      "permissions": ["mqtt:publish", "twin:read", "twin:write"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = (
        created["id"].as_str().expect("an API key").to_owned(),
        created["key"].as_str().unwrap().to_owned(),
    );
    Server {
        base,
        mqtt,
        db,
        unit,
        key,
        _dir: dir,
    }
}

/// Runs `f(i)` for `0..n` on `concurrency` workers.
async fn concurrently<F, Fut>(n: usize, concurrency: usize, f: F)
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let f = f.clone();
        tasks.push(tokio::spawn(async move {
            for i in (w..n).step_by(concurrency) {
                f(i).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

// ---- MQTT measures into state and history ---------------------------------------------------

fn device_entity(i: usize) -> String {
    format!("urn:ngsi-ld:BenchSensor:d{i:04}")
}

/// How many devices show `last` as their pm25 (the state part of "applied").
async fn devices_at(server: &Server, last: usize) -> usize {
    let r = server
        .unit
        .get(format!(
            "{}/ngsi-ld/v1/entities?type=BenchSensor&q=pm25=={last}&count=true&limit=0",
            server.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.headers()["ngsild-results-count"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// A device's last pm25 in the twin's state.
async fn device_value(server: &Server, i: usize) -> Option<usize> {
    let r = server
        .unit
        .get(format!(
            "{}/ngsi-ld/v1/entities/{}?options=keyValues",
            server.base,
            device_entity(i)
        ))
        .send()
        .await
        .unwrap();
    let e: Value = r.json().await.ok()?;
    e["pm25"].as_u64().map(|v| v as usize)
}

/// Durable history rows of the benchmark's devices.
async fn history_rows(db: &Database) -> i64 {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM twin_history WHERE entity_id LIKE 'urn:ngsi-ld:BenchSensor:%'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    n
}

/// One gateway connection publishing `per_device` measures for each of its devices, round
/// robin; returns when the broker has acknowledged them all.
async fn gateway(
    addr: SocketAddr,
    key: (String, String),
    devices: Vec<usize>,
    per_device: usize,
) -> Instant {
    let id = format!("bench-gw-{:08x}", rand::random::<u32>());
    let mut options = MqttOptions::new(id, addr.ip().to_string(), addr.port());
    options
        .set_keep_alive(Duration::from_secs(30))
        .set_credentials(key.0.clone(), key.1);
    let (client, mut eventloop) = AsyncClient::new(options, 1024);
    let total = devices.len() * per_device;
    let acks = tokio::spawn(async move {
        let mut acked = 0;
        while acked < total {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::PubAck(_))) => acked += 1,
                Ok(_) => {}
                Err(e) => panic!("MQTT gateway: {e}"),
            }
        }
        Instant::now()
    });
    for n in 0..per_device {
        for d in &devices {
            let payload = format!(r#"{{"p":{n},"t":{}}}"#, 15 + (d + n) % 20);
            client
                .publish(
                    format!("/{}/bench-d{d:04}/attrs", key.0),
                    QoS::AtLeastOnce,
                    false,
                    payload,
                )
                .await
                .unwrap();
        }
    }
    acks.await.unwrap()
}

async fn mqtt_ingestion(server: &Server, sizes: &Sizes) {
    let started = Instant::now();
    let (unit, base, key_id) = (
        server.unit.clone(),
        server.base.clone(),
        server.key.0.clone(),
    );
    concurrently(sizes.devices, 8, move |i| {
        let (unit, base, key_id) = (unit.clone(), base.clone(), key_id.clone());
        async move {
            let r = unit
                .post(format!("{base}/api/v1/twin/devices"))
                .json(&json!({
                    "device_id": format!("bench-d{i:04}"),
                    "entity_name": device_entity(i),
                    "entity_type": "BenchSensor",
                    "api_key_id": key_id,
                    "attributes": [
                        {"object_id": "p", "name": "pm25", "unit_code": "GQ"},
                        {"object_id": "t", "name": "temperature", "unit_code": "CEL"}
                    ]
                }))
                .send()
                .await
                .unwrap();
            assert_eq!(
                r.status(),
                StatusCode::CREATED,
                "{}",
                r.text().await.unwrap()
            );
        }
    })
    .await;
    println!(
        "provisioned {} devices in {:.1} s",
        sizes.devices,
        started.elapsed().as_secs_f64()
    );

    let per_device = sizes.messages / sizes.devices;
    let messages = per_device * sizes.devices;
    let first_publish = Instant::now();
    let gateways: Vec<_> = (0..MQTT_CLIENTS)
        .map(|c| {
            let devices = (c..sizes.devices).step_by(MQTT_CLIENTS).collect();
            tokio::spawn(gateway(
                server.mqtt,
                server.key.clone(),
                devices,
                per_device,
            ))
        })
        .collect();
    let mut acked_at = first_publish;
    for g in gateways {
        acked_at = acked_at.max(g.await.unwrap());
    }
    let expected_rows = 2 * messages as i64;
    let deadline = Instant::now() + Duration::from_secs(120);
    // A cheap probe first (each gateway's last device, whose last measure was published
    // last), so that polling takes little from the server; then the full count.
    let last_devices: Vec<usize> = (sizes.devices - MQTT_CLIENTS..sizes.devices).collect();
    let mut applied = 0;
    while applied < sizes.devices && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let mut probed = true;
        for &d in &last_devices {
            probed &= device_value(server, d).await == Some(per_device - 1);
        }
        if probed {
            applied = devices_at(server, per_device - 1).await;
        }
    }
    let in_state = first_publish.elapsed();
    let mut rows = 0;
    while rows < expected_rows && Instant::now() < deadline {
        rows = history_rows(&server.db).await;
        if rows < expected_rows {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let durable = first_publish.elapsed();
    println!(
        "MQTT: {messages} messages ({} clients, {} devices, 2 attributes each): broker acked all in {:.2} s ({:.0}/s)",
        MQTT_CLIENTS,
        sizes.devices,
        (acked_at - first_publish).as_secs_f64(),
        messages as f64 / (acked_at - first_publish).as_secs_f64(),
    );
    println!(
        "MQTT: last value in state of {applied}/{} devices after {:.2} s; {rows}/{expected_rows} history rows durable after {:.2} s",
        sizes.devices,
        in_state.as_secs_f64(),
        durable.as_secs_f64(),
    );
    println!(
        "MQTT measures into state and history           {:>9.0} messages/s",
        (rows / 2) as f64 / durable.as_secs_f64()
    );
}

// ---- notification latency -------------------------------------------------------------------

fn notified_entity(k: usize) -> (String, &'static str) {
    let t = ENTITY_TYPES[k % ENTITY_TYPES.len()];
    (format!("urn:ngsi-ld:{t}:e{k:04}"), t)
}

/// Subscription `i`: every fourth one follows `level` of one entity (the one updates go to);
/// the others make the matching do real work without firing: a type with a `q` that no update
/// meets, a type and id pattern watching another attribute, or an attribute no update touches.
fn subscription(i: usize, uri: &str) -> Value {
    let (id, t) = notified_entity(i);
    let mut s = match i % 4 {
        0 => json!({"entities": [{"id": id, "type": t}], "watchedAttributes": ["level"],
                    "q": "level>=0"}),
        1 => json!({"entities": [{"type": t}], "watchedAttributes": ["level"],
                    "q": format!("level>{}|temperature>{}", 1_000_000_000 + i, 1_000 + i)}),
        2 => {
            json!({"entities": [{"type": t, "idPattern": format!("^urn:ngsi-ld:{t}:e0*{}$", i % 10)}],
                    "watchedAttributes": ["temperature"]})
        }
        _ => json!({"watchedAttributes": ["status"], "q": "status==\"alarm\""}),
    };
    s["type"] = json!("Subscription");
    s["notification"] = json!({"endpoint": {"uri": uri, "accept": "application/json"},
                               "format": "keyValues"});
    s
}

/// The receiver's record: `level` (the update's sequence number) → arrival time.
type Arrivals = Arc<Mutex<HashMap<u64, Instant>>>;

async fn receiver() -> (String, Arrivals) {
    let arrivals: Arrivals = Arc::default();
    let sink = arrivals.clone();
    let app = axum::Router::new().route(
        "/notify",
        post(move |body: String| {
            let sink = sink.clone();
            async move {
                let at = Instant::now();
                let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                if let Some(data) = body["data"].as_array() {
                    let mut sink = sink.lock().unwrap();
                    for e in data {
                        if let Some(seq) = e["level"].as_u64() {
                            sink.insert(seq, at);
                        }
                    }
                }
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, arrivals)
}

async fn notification_latency(server: &Server, sizes: &Sizes) {
    let ngsi = format!("{}/ngsi-ld/v1", server.base);
    let client = Client::new();
    let key = server.key.1.clone();
    let entities: Vec<Value> = (0..sizes.subscriptions)
        .map(|k| {
            let (id, t) = notified_entity(k);
            json!({"id": id, "type": t, "level": 0, "temperature": 20, "status": "ok"})
        })
        .collect();
    let r = client
        .post(format!("{ngsi}/entityOperations/upsert"))
        .header("x-api-key", &key)
        .header("content-type", "application/json")
        .body(Value::Array(entities).to_string())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());

    let (uri, arrivals) = receiver().await;
    let started = Instant::now();
    let (c, n, k) = (client.clone(), ngsi.clone(), key.clone());
    concurrently(sizes.subscriptions, 8, move |i| {
        let (c, n, k, uri) = (c.clone(), n.clone(), k.clone(), uri.clone());
        async move {
            let r = c
                .post(format!("{n}/subscriptions"))
                .header("x-api-key", k)
                .header("content-type", "application/json")
                .body(subscription(i, &uri).to_string())
                .send()
                .await
                .unwrap();
            assert_eq!(
                r.status(),
                StatusCode::CREATED,
                "{}",
                r.text().await.unwrap()
            );
        }
    })
    .await;
    println!(
        "created {} subscriptions in {:.1} s",
        sizes.subscriptions,
        started.elapsed().as_secs_f64()
    );

    // Updates go round robin to the entities of the firing subscriptions, at a steady rate,
    // each with its own sequence number as `level`, so each fires exactly one notification.
    let targets: Vec<usize> = (0..sizes.subscriptions).step_by(4).collect();
    let sent: Arc<Mutex<Vec<Option<Instant>>>> = Arc::new(Mutex::new(vec![None; sizes.updates]));
    let period = Duration::from_secs_f64(1.0 / sizes.updates_per_sec as f64);
    let begin = tokio::time::Instant::now();
    let mut requests = Vec::with_capacity(sizes.updates);
    for seq in 0..sizes.updates {
        tokio::time::sleep_until(begin + period * seq as u32).await;
        let (id, _) = notified_entity(targets[seq % targets.len()]);
        let (c, n, k, sent) = (client.clone(), ngsi.clone(), key.clone(), sent.clone());
        requests.push(tokio::spawn(async move {
            sent.lock().unwrap()[seq] = Some(Instant::now());
            let r = c
                .patch(format!("{n}/entities/{id}/attrs"))
                .header("x-api-key", k)
                .header("content-type", "application/json")
                .body(json!({"level": seq}).to_string())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::NO_CONTENT);
        }));
    }
    for r in requests {
        r.await.unwrap();
    }
    let rate = sizes.updates as f64 / begin.elapsed().as_secs_f64();
    // Stragglers: wait until every notification came or nothing arrived for 3 s.
    let mut last_count = 0;
    let mut quiet_since = Instant::now();
    loop {
        let count = arrivals.lock().unwrap().len();
        if count >= sizes.updates || quiet_since.elapsed() > Duration::from_secs(3) {
            break;
        }
        if count != last_count {
            last_count = count;
            quiet_since = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let sent = sent.lock().unwrap();
    let arrivals = arrivals.lock().unwrap();
    let mut latencies: Vec<Duration> = arrivals
        .iter()
        .filter_map(|(seq, at)| {
            let from = sent.get(*seq as usize).copied().flatten()?;
            Some(at.saturating_duration_since(from))
        })
        .collect();
    latencies.sort();
    println!(
        "notifications: {}/{} arrived; {} subscriptions, updates at {rate:.0}/s",
        latencies.len(),
        sizes.updates,
        sizes.subscriptions,
    );
    if latencies.is_empty() {
        return;
    }
    println!(
        "notification latency (update sent → received)  p50 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(*latencies.last().unwrap()),
    );
}

#[tokio::main]
async fn main() {
    let sizes = Sizes::from_env();
    let only = std::env::var("YUVERSE_BENCH_ONLY").unwrap_or_default();
    let server = start_server().await;
    if only.is_empty() || only == "mqtt" {
        mqtt_ingestion(&server, &sizes).await;
    }
    if only.is_empty() || only == "notify" {
        notification_latency(&server, &sizes).await;
    }
}
