//! The MQTT side: the embedded broker (rumqttd) or a client of an external broker (rumqttc).
//! Either way the result is the same: a bounded stream of the messages on the device topics
//! and a publisher for commands.
//!
//! rumqttd serves MQTT 3.1.1 and 5 on separate listeners, so the embedded broker listens on
//! two loopback ports of its own and the platform's address is a small front door that reads
//! the protocol level of each CONNECT and splices the connection to the matching one. Binding
//! the front door ourselves also makes a taken port a start-up error and lets shutdown close
//! every device connection. rumqttd has no way to stop its own threads: after shutdown they
//! stay idle, unreachable except on loopback, until the process exits; so they hold nothing of
//! the platform (password checks go to the platform through a channel, see `auth_checks`).

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use percent_encoding::percent_decode_str;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, Semaphore};
use tokio::task::{JoinHandle, JoinSet};
use yuverse_core::Permission;
use yuverse_governance::Governance;

use super::domain::INGEST_FILTERS;
use crate::outbound::Outbound;

/// One message from a device topic.
#[derive(Debug)]
pub struct Incoming {
    pub topic: Bytes,
    pub payload: Bytes,
}

/// Where the platform's MQTT goes.
#[derive(Debug, Clone)]
pub enum MqttMode {
    /// The embedded broker on this address (`--mqtt-listen`).
    Embedded(SocketAddr),
    /// A client of this external broker (`--mqtt-url mqtt[s]://[user[:password]@]host[:port]`);
    /// `mqtts://` trusts the roots of `outbound`.
    External {
        url: String,
        outbound: Outbound,
    },
    Off,
}

/// Largest MQTT packet accepted (a measure is a small JSON object).
const MAX_PACKET_BYTES: usize = 256 * 1024;
/// Device connections the front door admits at once.
const MAX_CONNECTIONS: usize = 10_000;
/// Messages waiting for the dispatcher before the broker is made to hold them.
const INCOMING_CAPACITY: usize = 4096;
/// The shared-subscription group of the platform's nodes on an external broker, so that each
/// message is ingested by one node only.
const SHARE_GROUP: &str = "yuverse-twin";

#[derive(Clone)]
pub enum Publisher {
    Embedded(Arc<Mutex<rumqttd::local::LinkTx>>),
    External(rumqttc::AsyncClient),
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Publisher::Embedded(_) => "Publisher::Embedded",
            Publisher::External(_) => "Publisher::External",
        })
    }
}

impl Publisher {
    /// Publishes once (the embedded broker's local link is QoS 0; external: QoS 1).
    pub async fn publish(&self, topic: String, payload: Vec<u8>) -> Result<(), String> {
        match self {
            Publisher::Embedded(link) => {
                let link = link.clone();
                // LinkTx blocks while the router's queue is full: keep it off the runtime.
                tokio::task::spawn_blocking(move || {
                    link.lock()
                        .map_err(|_| "the MQTT link is poisoned".to_owned())?
                        .publish(topic, payload)
                        .map(|_| ())
                        .map_err(|e| format!("the embedded broker refused the message: {e}"))
                })
                .await
                .map_err(|e| format!("publishing failed: {e}"))?
            }
            Publisher::External(client) => client
                .publish(topic, rumqttc::QoS::AtLeastOnce, false, payload)
                .await
                .map_err(|e| format!("the MQTT client refused the message: {e}")),
        }
    }
}

/// A running transport: its messages, its publisher, and the tasks to stop.
pub struct Transport {
    pub incoming: mpsc::Receiver<Incoming>,
    pub publisher: Publisher,
    /// The embedded broker's actual address (with the port chosen when `:0` was asked).
    pub local_addr: Option<SocketAddr>,
    pub tasks: Vec<JoinHandle<()>>,
}

/// Starts the transport. `auth`: CONNECT must carry an API key with `mqtt:publish` as its
/// password (embedded broker only; an external broker does its own authentication).
pub async fn start(
    mode: &MqttMode,
    governance: &Governance,
    auth: bool,
) -> anyhow::Result<Option<Transport>> {
    match mode {
        MqttMode::Off => Ok(None),
        MqttMode::Embedded(addr) => embedded(*addr, governance, auth).await.map(Some),
        MqttMode::External { url, outbound } => external(url, outbound).map(Some),
    }
}

// ---- embedded broker ----------------------------------------------------------------------

fn free_loopback_port() -> anyhow::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))
        .context("cannot find a free loopback port for the embedded MQTT broker")?;
    Ok(listener.local_addr()?)
}

/// A password check asked of the platform: the password, and where to answer.
type AuthRequest = (String, oneshot::Sender<bool>);

/// Answers the broker's password checks (API keys with `mqtt:publish`) from a task on the
/// platform's runtime. The broker's threads outlive the platform (rumqttd cannot be stopped),
/// so they hold only the sender: when the platform stops the transport, this task ends with it,
/// every later check answers no, and nothing of the platform (its database pool above all) is
/// kept alive by the broker.
fn auth_checks(governance: &Governance) -> (mpsc::Sender<AuthRequest>, JoinHandle<()>) {
    let (requests, mut pending) = mpsc::channel::<AuthRequest>(64);
    let governance = governance.clone();
    let task = tokio::spawn(async move {
        // Checks run side by side in a set this task owns: stopping the task stops them too,
        // so no check holding `governance` outlives the transport.
        let mut running = JoinSet::new();
        loop {
            tokio::select! {
                request = pending.recv() => {
                    let Some((password, answer)) = request else { break };
                    let governance = governance.clone();
                    running.spawn(async move {
                        let allowed = governance
                            .authenticate_api_key(&password, None)
                            .await
                            .is_ok_and(|actor| actor.has(Permission::MqttPublish));
                        let _ = answer.send(allowed);
                    });
                }
                Some(_) = running.join_next() => {}
            }
        }
    });
    (requests, task)
}

fn server_settings(
    name: &str,
    listen: SocketAddr,
    auth: Option<&mpsc::Sender<AuthRequest>>,
) -> rumqttd::ServerSettings {
    let mut connections = rumqttd::ConnectionSettings {
        connection_timeout_ms: 10_000,
        max_payload_size: MAX_PACKET_BYTES,
        max_inflight_count: 100,
        auth: None,
        external_auth: None,
        dynamic_filters: false,
    };
    if let Some(checks) = auth {
        let checks = checks.clone();
        connections.set_auth_handler(move |_client_id, _username, password: String| {
            let checks = checks.clone();
            async move {
                if password.is_empty() {
                    return false;
                }
                let (answer, answered) = oneshot::channel();
                checks.send((password, answer)).await.is_ok() && answered.await == Ok(true)
            }
        });
    }
    rumqttd::ServerSettings {
        name: name.to_owned(),
        listen,
        tls: None,
        next_connection_delay_ms: 0,
        connections,
    }
}

async fn embedded(
    addr: SocketAddr,
    governance: &Governance,
    auth: bool,
) -> anyhow::Result<Transport> {
    let front = TcpListener::bind(addr).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            anyhow::anyhow!(
                "cannot listen for MQTT on {addr}: the address is already in use (choose another with --mqtt-listen, or `off`)"
            )
        } else {
            anyhow::anyhow!("cannot listen for MQTT on {addr}: {e} (change it with --mqtt-listen)")
        }
    })?;
    let local_addr = front.local_addr()?;
    let (v4, v5) = (free_loopback_port()?, free_loopback_port()?);
    let (checks, checker) = match auth.then(|| auth_checks(governance)) {
        Some((checks, task)) => (Some(checks), Some(task)),
        None => (None, None),
    };
    let config = rumqttd::Config {
        id: 0,
        router: rumqttd::RouterConfig {
            max_connections: MAX_CONNECTIONS + 10,
            max_outgoing_packet_count: 200,
            // The router keeps a bounded log per filter: 4 × 8 MiB for the device measures.
            max_segment_size: 8 * 1024 * 1024,
            max_segment_count: 4,
            ..Default::default()
        },
        v4: Some(
            [(
                "v4".to_owned(),
                server_settings("mqtt-v4", v4, checks.as_ref()),
            )]
            .into(),
        ),
        v5: Some(
            [(
                "v5".to_owned(),
                server_settings("mqtt-v5", v5, checks.as_ref()),
            )]
            .into(),
        ),
        ..Default::default()
    };
    let mut broker = rumqttd::Broker::new(config);
    let (mut link_tx, mut link_rx) = broker
        .link("yuverse-twin")
        .context("cannot link the platform to the embedded MQTT broker")?;
    for filter in INGEST_FILTERS {
        link_tx
            .subscribe(filter)
            .context("cannot subscribe to the device topics")?;
    }
    std::thread::Builder::new()
        .name("mqtt-broker".into())
        .spawn(move || {
            if let Err(e) = broker.start() {
                tracing::error!(error = %e, "the embedded MQTT broker stopped");
            }
        })
        .context("cannot start the embedded MQTT broker")?;

    let (tx, incoming) = mpsc::channel(INCOMING_CAPACITY);
    let reader = tokio::spawn(async move {
        loop {
            match link_rx.next().await {
                Ok(Some(rumqttd::Notification::Forward(forward))) => {
                    let message = Incoming {
                        topic: forward.publish.topic,
                        payload: forward.publish.payload,
                    };
                    if tx.send(message).await.is_err() {
                        break;
                    }
                }
                // The router paused us because our queue filled: ask for more.
                Ok(Some(rumqttd::Notification::Unschedule)) => {
                    if link_rx.wake().await.is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(error = %e, "the embedded MQTT broker's link closed");
                    break;
                }
            }
        }
    });
    let door = tokio::spawn(front_door(front, v4, v5));
    tracing::info!(address = %local_addr, "embedded MQTT broker (3.1.1 and 5) listening");
    Ok(Transport {
        incoming,
        publisher: Publisher::Embedded(Arc::new(Mutex::new(link_tx))),
        local_addr: Some(local_addr),
        tasks: [door, reader].into_iter().chain(checker).collect(),
    })
}

/// Connects to a broker listener, waiting a little for it right after start (probing it
/// before a device comes would only make rumqttd log a connection without a CONNECT).
async fn connect_broker(addr: SocketAddr) -> std::io::Result<TcpStream> {
    let mut tries = 0;
    loop {
        match TcpStream::connect(addr).await {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused && tries < 100 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => return other,
        }
    }
}

/// Accepts device connections and splices each to the broker listener of its protocol
/// level. Aborting this task drops the set, which closes every device connection.
async fn front_door(listener: TcpListener, v4: SocketAddr, v5: SocketAddr) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::warn!(error = %e, "MQTT accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let Ok(slot) = slots.clone().try_acquire_owned() else {
                    tracing::warn!(%peer, "MQTT connection refused: too many connections");
                    continue;
                };
                connections.spawn(async move {
                    if let Err(e) = splice(stream, v4, v5).await {
                        tracing::debug!(%peer, error = %e, "MQTT connection ended");
                    }
                    drop(slot);
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn splice(mut device: TcpStream, v4: SocketAddr, v5: SocketAddr) -> std::io::Result<()> {
    device.set_nodelay(true)?;
    let mut head = Vec::with_capacity(64);
    let level = tokio::time::timeout(
        Duration::from_secs(10),
        read_protocol_level(&mut device, &mut head),
    )
    .await
    .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no CONNECT in time"))??;
    let mut broker = connect_broker(if level == 5 { v5 } else { v4 }).await?;
    broker.set_nodelay(true)?;
    broker.write_all(&head).await?;
    tokio::io::copy_bidirectional(&mut device, &mut broker).await?;
    Ok(())
}

/// Reads the start of the CONNECT packet into `head` until its protocol level is known.
async fn read_protocol_level(stream: &mut TcpStream, head: &mut Vec<u8>) -> std::io::Result<u8> {
    let mut chunk = [0u8; 64];
    loop {
        match protocol_level(head) {
            Ok(Some(level)) => return Ok(level),
            Ok(None) if head.len() < 64 => {}
            _ => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "not an MQTT CONNECT",
                ))
            }
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        head.extend_from_slice(&chunk[..n]);
    }
}

/// The protocol level of a CONNECT packet's start: `Ok(None)` while more bytes are needed.
fn protocol_level(bytes: &[u8]) -> Result<Option<u8>, ()> {
    let Some(&first) = bytes.first() else {
        return Ok(None);
    };
    if first != 0x10 {
        return Err(());
    }
    // Remaining length: 1 to 4 bytes, 7 bits each, high bit = more.
    let mut i = 1;
    loop {
        let Some(&b) = bytes.get(i) else {
            return Ok(None);
        };
        i += 1;
        if b & 0x80 == 0 {
            break;
        }
        if i > 4 {
            return Err(());
        }
    }
    let (Some(&hi), Some(&lo)) = (bytes.get(i), bytes.get(i + 1)) else {
        return Ok(None);
    };
    let name_len = usize::from(u16::from_be_bytes([hi, lo]));
    if name_len > 6 {
        return Err(());
    }
    Ok(bytes.get(i + 2 + name_len).copied())
}

// ---- external broker ----------------------------------------------------------------------

/// `mqtt[s]://[user[:password]@]host[:port][/]` → its parts.
#[derive(Debug, PartialEq, Eq)]
pub struct BrokerUrl {
    pub host: String,
    pub port: u16,
    pub credentials: Option<(String, String)>,
    /// `mqtts://`: MQTT over TLS.
    pub tls: bool,
}

/// Also used by other MQTT clients of the platform (the district simulator) to reach the same
/// broker as `--mqtt-url`.
pub fn parse_url(url: &str) -> anyhow::Result<BrokerUrl> {
    let (rest, tls) = match (url.strip_prefix("mqtts://"), url.strip_prefix("mqtt://")) {
        (Some(rest), _) => (rest, true),
        (None, Some(rest)) => (rest, false),
        (None, None) => anyhow::bail!("--mqtt-url must start with mqtt:// or mqtts://"),
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (userinfo, hostport) = match rest.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, rest),
    };
    let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
    let credentials = userinfo.map(|u| match u.split_once(':') {
        Some((user, password)) => (decode(user), decode(password)),
        None => (decode(u), String::new()),
    });
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6.split_once(']').context("--mqtt-url: unclosed [")?;
        let port = after.strip_prefix(':').unwrap_or("");
        (host.to_owned(), port)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), p),
            None => (hostport.to_owned(), ""),
        }
    };
    if host.is_empty() || host.contains('/') {
        anyhow::bail!(
            "--mqtt-url: no host in `{}`",
            yuverse_core::db::redact_url(url)
        );
    }
    let port = if port.is_empty() {
        if tls {
            8883
        } else {
            1883
        }
    } else {
        port.parse()
            .context("--mqtt-url: the port is not a number")?
    };
    Ok(BrokerUrl {
        host,
        port,
        credentials,
        tls,
    })
}

fn external(url: &str, outbound: &Outbound) -> anyhow::Result<Transport> {
    let parsed = parse_url(url)?;
    let client_id = format!("yuverse-twin-{}", uuid::Uuid::now_v7().simple());
    let mut options = rumqttc::MqttOptions::new(client_id, parsed.host.clone(), parsed.port);
    options
        .set_keep_alive(Duration::from_secs(30))
        .set_clean_session(true)
        .set_max_packet_size(MAX_PACKET_BYTES, MAX_PACKET_BYTES);
    if let Some((user, password)) = parsed.credentials {
        options.set_credentials(user, password);
    }
    if parsed.tls {
        options.set_transport(outbound.mqtt_tls());
    }
    let (client, mut eventloop) = rumqttc::AsyncClient::new(options, 1024);
    let (tx, incoming) = mpsc::channel(INCOMING_CAPACITY);
    let subscriber = client.clone();
    let scheme = if parsed.tls { "mqtts" } else { "mqtt" };
    let where_ = format!("{scheme}://{}:{}", parsed.host, parsed.port);
    let task = tokio::spawn(async move {
        let mut backoff = Duration::from_millis(500);
        loop {
            match eventloop.poll().await {
                Ok(rumqttc::Event::Incoming(rumqttc::Packet::ConnAck(_))) => {
                    tracing::info!(broker = %where_, "connected to the external MQTT broker");
                    backoff = Duration::from_millis(500);
                    // A clean session forgets subscriptions: subscribe on every connect.
                    for filter in INGEST_FILTERS {
                        let shared = format!("$share/{SHARE_GROUP}/{filter}");
                        if let Err(e) = subscriber.try_subscribe(shared, rumqttc::QoS::AtLeastOnce)
                        {
                            tracing::error!(error = %e, "cannot subscribe to the device topics");
                        }
                    }
                }
                Ok(rumqttc::Event::Incoming(rumqttc::Packet::Publish(publish))) => {
                    let message = Incoming {
                        topic: Bytes::from(publish.topic),
                        payload: publish.payload,
                    };
                    if tx.send(message).await.is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(rumqttc::ConnectionError::Tls(e)) => {
                    tracing::error!(broker = %where_, error = %e, retry_in = ?backoff,
                        "TLS with the external MQTT broker failed: is its certificate issued for this host by a CA of the system or of --tls-ca-file?");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
                Err(e) => {
                    tracing::warn!(broker = %where_, error = %e, retry_in = ?backoff,
                        "the external MQTT broker is unreachable");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
        }
    });
    tracing::info!(broker = %yuverse_core::db::redact_url(url), "using the external MQTT broker");
    Ok(Transport {
        incoming,
        publisher: Publisher::External(client),
        local_addr: None,
        tasks: vec![task],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_protocol_level_is_read_from_a_connect_start() {
        // CONNECT, remaining length 16, "MQTT", level 4.
        let v4 = [0x10, 16, 0, 4, b'M', b'Q', b'T', b'T', 4, 2];
        assert_eq!(protocol_level(&v4), Ok(Some(4)));
        let v5 = [0x10, 0x80, 0x01, 0, 4, b'M', b'Q', b'T', b'T', 5];
        assert_eq!(protocol_level(&v5), Ok(Some(5)));
        assert_eq!(protocol_level(&v5[..6]), Ok(None));
        assert_eq!(protocol_level(&[]), Ok(None));
        assert_eq!(protocol_level(b"GET / HTTP/1.1"), Err(()));
        assert_eq!(protocol_level(&[0x10, 0xff, 0xff, 0xff, 0xff, 0]), Err(()));
    }

    #[test]
    fn broker_urls_are_parsed() {
        assert_eq!(
            parse_url("mqtt://broker.local").unwrap(),
            BrokerUrl {
                host: "broker.local".into(),
                port: 1883,
                credentials: None,
                tls: false
            }
        );
        assert_eq!(
            parse_url("mqtt://dev%40yv:p%3Ass@10.0.0.5:1884/").unwrap(),
            BrokerUrl {
                host: "10.0.0.5".into(),
                port: 1884,
                credentials: Some(("dev@yv".into(), "p:ss".into())),
                tls: false
            }
        );
        assert_eq!(parse_url("mqtt://[::1]:1999").unwrap().host, "::1");
        let tls = parse_url("mqtts://broker").unwrap();
        assert_eq!((tls.port, tls.tls), (8883, true));
        assert_eq!(parse_url("mqtts://u:p@broker:18883/").unwrap().port, 18883);
        assert!(parse_url("http://broker").is_err());
        assert!(parse_url("mqtt://:1883").is_err());
        assert!(parse_url("mqtt://host:port").is_err());
    }
}
