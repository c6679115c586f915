//! One notification published to an MQTT broker.
//!
//! Each attempt opens its own short connection, publishes, waits for the broker's
//! acknowledgement that the QoS asks for (none for 0, PUBACK for 1, PUBCOMP for 2) and
//! disconnects. That keeps the success/failure of every notification exact for the status
//! fields and the retries, at the cost of a connection per notification — cheap next to the
//! notification itself on the networks the platform runs on.

use std::time::Duration;

use rumqttc::{Outgoing, QoS, Transport};

use super::endpoint::{MqttEndpoint, MqttVersion};

/// The largest notification message; brokers commonly accept this much.
const MAX_PACKET_BYTES: usize = 16 * 1024 * 1024;
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

fn qos(level: u8) -> QoS {
    match level {
        0 => QoS::AtMostOnce,
        1 => QoS::AtLeastOnce,
        _ => QoS::ExactlyOnce,
    }
}

fn qos_v5(level: u8) -> rumqttc::v5::mqttbytes::QoS {
    use rumqttc::v5::mqttbytes::QoS;
    match level {
        0 => QoS::AtMostOnce,
        1 => QoS::AtLeastOnce,
        _ => QoS::ExactlyOnce,
    }
}

fn client_id() -> String {
    format!("yuverse-notifier-{}", uuid::Uuid::now_v7().simple())
}

/// Publishes `payload` on the endpoint's topic; `Err` says why it did not arrive. `tls` is
/// the transport of `mqtts://` endpoints.
pub async fn publish(
    endpoint: &MqttEndpoint,
    payload: Vec<u8>,
    tls: &Transport,
) -> Result<(), String> {
    let transport = if endpoint.tls {
        tls.clone()
    } else {
        Transport::Tcp
    };
    let attempt = async {
        match endpoint.version {
            MqttVersion::V311 => publish_v311(endpoint, payload, transport).await,
            MqttVersion::V5 => publish_v5(endpoint, payload, transport).await,
        }
    };
    tokio::time::timeout(ATTEMPT_TIMEOUT, attempt)
        .await
        .unwrap_or_else(|_| Err("no acknowledgement from the MQTT broker in time".into()))
}

async fn publish_v311(
    endpoint: &MqttEndpoint,
    payload: Vec<u8>,
    transport: Transport,
) -> Result<(), String> {
    use rumqttc::{AsyncClient, Event, MqttOptions, Packet};
    let mut options = MqttOptions::new(client_id(), &endpoint.host, endpoint.port);
    options.set_max_packet_size(MAX_PACKET_BYTES, MAX_PACKET_BYTES);
    options.set_transport(transport);
    if let Some((user, password)) = &endpoint.credentials {
        options.set_credentials(user, password);
    }
    let (client, mut events) = AsyncClient::new(options, 4);
    client
        .publish(&endpoint.topic, qos(endpoint.qos), false, payload)
        .await
        .map_err(|e| e.to_string())?;
    loop {
        let done = match events.poll().await.map_err(|e| e.to_string())? {
            Event::Outgoing(Outgoing::Publish(_)) => endpoint.qos == 0,
            Event::Incoming(Packet::PubAck(_)) => endpoint.qos == 1,
            Event::Incoming(Packet::PubComp(_)) => true,
            _ => false,
        };
        if done {
            break;
        }
    }
    // The message is with the broker; a failed goodbye changes nothing.
    if client.disconnect().await.is_ok() {
        while let Ok(event) = events.poll().await {
            if matches!(event, Event::Outgoing(Outgoing::Disconnect)) {
                break;
            }
        }
    }
    Ok(())
}

async fn publish_v5(
    endpoint: &MqttEndpoint,
    payload: Vec<u8>,
    transport: Transport,
) -> Result<(), String> {
    use rumqttc::v5::mqttbytes::v5::{Packet, PubAckReason, PubCompReason};
    use rumqttc::v5::{AsyncClient, Event, MqttOptions};
    let mut options = MqttOptions::new(client_id(), &endpoint.host, endpoint.port);
    options.set_max_packet_size(Some(MAX_PACKET_BYTES as u32));
    options.set_transport(transport);
    if let Some((user, password)) = &endpoint.credentials {
        options.set_credentials(user, password);
    }
    let (client, mut events) = AsyncClient::new(options, 4);
    client
        .publish(&endpoint.topic, qos_v5(endpoint.qos), false, payload)
        .await
        .map_err(|e| e.to_string())?;
    loop {
        let done = match events.poll().await.map_err(|e| e.to_string())? {
            Event::Outgoing(Outgoing::Publish(_)) => endpoint.qos == 0,
            Event::Incoming(Packet::PubAck(ack)) if endpoint.qos == 1 => {
                // 0x10 "no matching subscribers" is still accepted by the broker.
                if !matches!(
                    ack.reason,
                    PubAckReason::Success | PubAckReason::NoMatchingSubscribers
                ) {
                    return Err(format!("the broker refused the message: {:?}", ack.reason));
                }
                true
            }
            Event::Incoming(Packet::PubComp(comp)) => {
                if comp.reason != PubCompReason::Success {
                    return Err(format!("the broker refused the message: {:?}", comp.reason));
                }
                true
            }
            _ => false,
        };
        if done {
            break;
        }
    }
    if client.disconnect().await.is_ok() {
        while let Ok(event) = events.poll().await {
            if matches!(event, Event::Outgoing(Outgoing::Disconnect)) {
                break;
            }
        }
    }
    Ok(())
}
