//! The district simulator (`yuverse serve --demo`): the parks, areas and scenario sites of the
//! Yubei data set carry thousands of devices of FIWARE Smart Data Models types that publish
//! daily rhythms over MQTT into the broker, as real devices would.
//!
//! On start, idempotently: an API key with `mqtt:publish` ([`provision::api_key`]), the static
//! context (buildings and each device's entity with its location) written through the twin,
//! and the devices provisioned through the devices service; then one MQTT connection per place
//! publishes each device's measures on its `/{apikey}/{deviceId}/attrs` topic. Nothing here
//! writes to the twin's measures directly: they go through the broker and the ingestion like
//! any device's. See `docs/simulator.md`.
//!
//! Rooms: [`rhythm`] (the daily and seasonal curves, pure), [`catalogue`] (the SDM types and
//! their measures, pure), [`district`] and [`plan`] (where things are, deterministic),
//! `provision` and `publish` (the I/O).
#![forbid(unsafe_code)]

pub mod catalogue;
pub mod district;
pub mod plan;
mod provision;
mod publish;
pub mod rhythm;

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Mutex};
use tokio::task::JoinHandle;
use yuverse_governance::Governance;
use yuverse_twin::devices::Devices;
use yuverse_twin::domain::Vocabulary;
use yuverse_twin::Twin;

pub use provision::{DEVICE_PREFIX, KEY_FILE, OPERATOR_CODE};
pub use publish::Broker;

/// How the simulator runs.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Simulated devices (`--sim-devices`).
    pub devices: usize,
    /// Each device publishes once per interval (`--sim-interval-seconds`).
    pub interval: Duration,
    /// Simulated seconds per real second (`--sim-time-scale`); 1 is real time.
    pub time_scale: u32,
    pub broker: Broker,
    /// Where the simulator keeps its API key (the data dir).
    pub state_dir: PathBuf,
}

/// The services the simulator works through.
#[derive(Clone)]
pub struct Platform {
    pub governance: Governance,
    pub twin: Twin,
    /// The NGSI-LD core context, as devices' measures use it.
    pub vocab: Arc<dyn Vocabulary>,
    pub devices: Devices,
}

/// A running simulator; [`Simulator::stop`] ends it.
#[derive(Debug, Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    stop: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
    stats: Arc<publish::Stats>,
}

impl Simulator {
    /// Starts in the background: set-up and publishing never block or fail the server; a
    /// failed set-up is logged and the simulator stays idle.
    pub fn start(config: SimConfig, platform: Platform) -> Simulator {
        let (stop, stopped) = watch::channel(false);
        let stats = Arc::new(publish::Stats::default());
        let task = tokio::spawn(run(config, platform, stats.clone(), stopped));
        Simulator {
            inner: Arc::new(Inner {
                stop,
                task: Mutex::new(Some(task)),
                stats,
            }),
        }
    }

    /// Measures handed to the broker so far.
    pub fn published(&self) -> u64 {
        self.inner.stats.published.load(Ordering::Relaxed)
    }

    /// Stops publishing and closes the connections. Call before the broker stops.
    pub async fn stop(&self) {
        let Some(mut task) = self.inner.task.lock().await.take() else {
            return;
        };
        let _ = self.inner.stop.send(true);
        if tokio::time::timeout(Duration::from_secs(10), &mut task)
            .await
            .is_err()
        {
            tracing::warn!("the district simulator did not stop within 10 s");
            task.abort();
        }
        tracing::info!(
            published = self.published(),
            dropped = self.inner.stats.dropped.load(Ordering::Relaxed),
            "district simulator stopped"
        );
    }
}

async fn run(
    config: SimConfig,
    platform: Platform,
    stats: Arc<publish::Stats>,
    stop: watch::Receiver<bool>,
) {
    let started = tokio::select! {
        set_up = set_up(&config, &platform, &stop) => set_up,
        _ = stopped(stop.clone()) => return,
    };
    let (scheduled, gateways) = match started {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "the district simulator cannot start");
            return;
        }
    };
    let clock = publish::Clock {
        origin: chrono::Utc::now(),
        scale: config.time_scale,
    };
    publish::run(
        scheduled,
        &gateways,
        config.interval,
        clock,
        stats,
        stop.clone(),
    )
    .await;
    for g in gateways {
        let mut task = g.task;
        if tokio::time::timeout(Duration::from_secs(2), &mut task)
            .await
            .is_err()
        {
            task.abort();
        }
    }
}

async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Key, entities and devices; then the gateways, connected.
async fn set_up(
    config: &SimConfig,
    platform: &Platform,
    stop: &watch::Receiver<bool>,
) -> anyhow::Result<(Vec<publish::Scheduled>, Vec<publish::Gateway>)> {
    let places = district::places()?;
    let devices = plan::devices(&places, config.devices);
    let buildings = plan::buildings(&places);
    let key = provision::api_key(&platform.governance, &config.state_dir).await?;
    let created = provision::entities(
        &platform.twin,
        platform.vocab.as_ref(),
        &places,
        &devices,
        &buildings,
    )
    .await?;
    let existing = provision::existing(&platform.devices).await?;
    let mut provisioned = 0;
    for d in &devices {
        if *stop.borrow() {
            anyhow::bail!("stopped while provisioning");
        }
        if provision::device(&platform.devices, &existing, &key, d).await? {
            provisioned += 1;
        }
    }
    tracing::info!(
        devices = devices.len(),
        provisioned_now = provisioned,
        buildings = buildings.len(),
        entities_created = created,
        "district simulator ready"
    );

    let mut gateway_of = vec![usize::MAX; places.len()];
    let mut gateways = Vec::new();
    for d in &devices {
        if gateway_of[d.place] == usize::MAX {
            gateway_of[d.place] = gateways.len();
            let per_place = devices.iter().filter(|x| x.place == d.place).count();
            gateways.push(publish::gateway(
                &places[d.place].code,
                &config.broker,
                Some((key.key_id.clone(), key.secret.clone())),
                (per_place * 2).max(64),
                stop.clone(),
            ));
        }
    }
    let scheduled = devices
        .iter()
        .enumerate()
        .map(|(i, d)| publish::Scheduled {
            topic: format!("/{}/{}/attrs", key.key_id, d.device_id),
            kind: d.kind,
            traits: d.traits,
            gateway: gateway_of[d.place],
            noise: district::stable_hash(&d.device_id) ^ i as u64,
        })
        .collect();
    Ok((scheduled, gateways))
}
