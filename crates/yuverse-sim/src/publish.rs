//! Publishing like real devices: one MQTT connection per place (the place's IoT gateway),
//! each device's measures on its own `/{apikey}/{deviceId}/attrs` topic as a JSON object of
//! short names, spread evenly over the interval. A gateway that loses the broker reconnects
//! with back-off; what it cannot send meanwhile is dropped, as a sensor's reading would be,
//! and never holds up the other places.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use yuverse_twin::outbound::Outbound;

use crate::catalogue::{self, Kind, Traits};
use crate::rhythm::LocalTime;

/// Where the simulated devices connect.
#[derive(Debug, Clone)]
pub enum Broker {
    /// The embedded broker; devices log in with the simulator's API key.
    Embedded(SocketAddr),
    /// An external broker (`--mqtt-url`) with the credentials of its URL; `tls` holds the
    /// roots an `mqtts://` broker is trusted with (`None`: plain MQTT).
    External {
        host: String,
        port: u16,
        credentials: Option<(String, String)>,
        tls: Option<Outbound>,
    },
}

const BACKOFF_START: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// Counters of what was published and dropped.
#[derive(Debug, Default)]
pub struct Stats {
    pub published: AtomicU64,
    pub dropped: AtomicU64,
}

/// One device as the scheduler needs it.
#[derive(Debug, Clone)]
pub struct Scheduled {
    pub topic: String,
    pub kind: Kind,
    pub traits: Traits,
    /// Index of the device's gateway.
    pub gateway: usize,
    /// Keys the device's jitter.
    pub noise: u64,
}

pub struct Gateway {
    pub client: AsyncClient,
    pub task: JoinHandle<()>,
}

/// The simulated clock: real time, optionally running `scale` times faster from `origin`.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub origin: DateTime<Utc>,
    pub scale: u32,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        self.at(Utc::now())
    }

    /// The simulated time at a real instant.
    fn at(&self, real: DateTime<Utc>) -> DateTime<Utc> {
        if self.scale <= 1 {
            return real;
        }
        let elapsed = real - self.origin;
        self.origin + elapsed * self.scale as i32
    }
}

/// Connects a gateway and keeps it connected until `stop`.
pub fn gateway(
    name: &str,
    broker: &Broker,
    login: Option<(String, String)>,
    queue: usize,
    mut stop: watch::Receiver<bool>,
) -> Gateway {
    let (host, port, credentials, tls) = match broker {
        Broker::Embedded(addr) => (addr.ip().to_string(), addr.port(), login, None),
        Broker::External {
            host,
            port,
            credentials,
            tls,
        } => (host.clone(), *port, credentials.clone(), tls.as_ref()),
    };
    let mut options = MqttOptions::new(format!("yuverse-sim-{name}"), host, port);
    if let Some(outbound) = tls {
        options.set_transport(outbound.mqtt_tls());
    }
    options
        .set_keep_alive(Duration::from_secs(30))
        .set_clean_session(true);
    if let Some((user, password)) = credentials {
        options.set_credentials(user, password);
    }
    let (client, mut eventloop) = AsyncClient::new(options, queue);
    let name = name.to_owned();
    let own = client.clone();
    let task = tokio::spawn(async move {
        let mut backoff = BACKOFF_START;
        let mut connected = false;
        loop {
            let event = tokio::select! {
                _ = stop.changed() => break,
                event = eventloop.poll() => event,
            };
            match event {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    if !connected {
                        tracing::debug!(gateway = %name, "simulated gateway connected");
                    }
                    connected = true;
                    backoff = BACKOFF_START;
                }
                Ok(_) => {}
                Err(e) => {
                    if connected || backoff == BACKOFF_START {
                        tracing::warn!(gateway = %name, error = %e, retry_in = ?backoff,
                            "simulated gateway lost the MQTT broker");
                    }
                    connected = false;
                    tokio::select! {
                        _ = stop.changed() => break,
                        _ = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(BACKOFF_MAX);
                }
            }
        }
        // Say goodbye when connected: flush the DISCONNECT for a moment, then go.
        if connected && own.try_disconnect().is_ok() {
            let bye = async {
                loop {
                    match eventloop.poll().await {
                        Ok(Event::Outgoing(rumqttc::Outgoing::Disconnect)) | Err(_) => break,
                        Ok(_) => {}
                    }
                }
            };
            let _ = tokio::time::timeout(Duration::from_millis(500), bye).await;
        }
    });
    Gateway { client, task }
}

/// Publishes every device once per `interval`, device `i` of `n` at `i/n` of it, until `stop`.
pub async fn run(
    devices: Vec<Scheduled>,
    gateways: &[Gateway],
    interval: Duration,
    clock: Clock,
    stats: Arc<Stats>,
    mut stop: watch::Receiver<bool>,
) {
    let n = devices.len() as u32;
    if n == 0 {
        return;
    }
    let start = Instant::now();
    let mut round: u32 = 0;
    let mut last_drop_log: Option<Instant> = None;
    loop {
        for (i, device) in devices.iter().enumerate() {
            let due = start + interval * round + interval * (i as u32) / n;
            tokio::select! {
                _ = stop.changed() => return,
                _ = tokio::time::sleep_until(due) => {}
            }
            let t = LocalTime::of(clock.now());
            let noise = device.noise ^ u64::from(round).wrapping_mul(0x9e37_79b9);
            let payload = serde_json::Value::Object(catalogue::measure(
                device.kind,
                &device.traits,
                &t,
                noise,
            ))
            .to_string();
            let client = &gateways[device.gateway].client;
            match client.try_publish(device.topic.as_str(), QoS::AtLeastOnce, false, payload) {
                Ok(()) => {
                    stats.published.fetch_add(1, Ordering::Relaxed);
                }
                Err(_) => {
                    let dropped = stats.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                    if last_drop_log.is_none_or(|at| at.elapsed() >= Duration::from_secs(60)) {
                        last_drop_log = Some(Instant::now());
                        tracing::warn!(
                            dropped,
                            "simulated measures dropped: a gateway is not connected"
                        );
                    }
                }
            }
        }
        round += 1;
        // After a stall (a suspended machine), skip the missed rounds instead of bursting.
        let behind = Instant::now().saturating_duration_since(start + interval * round);
        if behind > interval {
            round += (behind.as_millis() / interval.as_millis().max(1)) as u32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_compressed_clock_runs_faster_from_its_origin() {
        let origin = DateTime::parse_from_rfc3339("2026-11-30T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let later = origin + chrono::TimeDelta::seconds(90);
        let fast = Clock { origin, scale: 60 };
        assert_eq!(fast.at(later), origin + chrono::TimeDelta::minutes(90));
        let real = Clock { origin, scale: 1 };
        assert_eq!(real.at(later), later);
    }
}
