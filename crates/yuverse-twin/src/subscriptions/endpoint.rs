//! Where a subscription's notifications go: an HTTP(S) URL, or a topic on an MQTT broker
//! following NGSI-LD's MQTT binding: `mqtt[s]://[user[:password]@]host[:port]/topic[/sub…]`
//! with `notifierInfo` keys `MQTT-Version` (`mqtt3.1.1` or `mqtt5.0`, default `mqtt5.0`) and
//! `MQTT-QoS` (0, 1 or 2, default 0). `mqtts://` is MQTT over TLS (port 8883 unless given),
//! trusting the same roots as `https://` notifications.

use serde_json::Value;

use crate::error::{NgsiError, NgsiResult};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Http(String),
    Mqtt(MqttEndpoint),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MqttVersion {
    V311,
    V5,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MqttEndpoint {
    pub host: String,
    pub port: u16,
    pub credentials: Option<(String, String)>,
    pub topic: String,
    pub version: MqttVersion,
    pub qos: u8,
    /// `mqtts://`: TLS, trusting the roots of [`crate::outbound::Outbound`].
    pub tls: bool,
}

const MQTT_PORT: u16 = 1883;
const MQTTS_PORT: u16 = 8883;

impl Endpoint {
    /// Reads `notification.endpoint.uri` and, for MQTT, its `notifierInfo`.
    pub fn parse(uri: &str, notifier_info: &[(String, String)]) -> NgsiResult<Endpoint> {
        if uri.starts_with("http://") || uri.starts_with("https://") {
            reqwest::Url::parse(uri).map_err(|e| {
                NgsiError::bad_data(format!("notification.endpoint.uri `{uri}`: {e}"))
            })?;
            return Ok(Endpoint::Http(uri.to_owned()));
        }
        if !uri.starts_with("mqtt://") && !uri.starts_with("mqtts://") {
            return Err(NgsiError::bad_data(
                "notification.endpoint.uri must be an http://, https://, mqtt:// or mqtts:// URI",
            ));
        }
        Ok(Endpoint::Mqtt(MqttEndpoint::parse(uri, notifier_info)?))
    }

    /// The endpoint for logs: never the MQTT password.
    pub fn redacted(&self) -> String {
        match self {
            Endpoint::Http(uri) => uri.clone(),
            Endpoint::Mqtt(m) => {
                let scheme = if m.tls { "mqtts" } else { "mqtt" };
                format!("{scheme}://{}:{}/{}", m.host, m.port, m.topic)
            }
        }
    }
}

impl MqttEndpoint {
    fn parse(uri: &str, notifier_info: &[(String, String)]) -> NgsiResult<MqttEndpoint> {
        let bad = |why: String| NgsiError::bad_data(format!("notification.endpoint.uri: {why}"));
        let url = reqwest::Url::parse(uri).map_err(|e| bad(e.to_string()))?;
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("an MQTT URI needs a host".into()))?
            .to_owned();
        let topic = url.path().trim_start_matches('/');
        if topic.is_empty() || topic.contains(['+', '#']) {
            return Err(bad(
                "an MQTT URI needs a topic path without the wildcards + and #".into(),
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("an MQTT URI takes no query or fragment".into()));
        }
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| bad("the user name and password must be UTF-8".into()))
        };
        let credentials = match (url.username(), url.password()) {
            ("", None) => None,
            (user, password) => Some((decode(user)?, decode(password.unwrap_or(""))?)),
        };
        let mut version = MqttVersion::V5;
        let mut qos = 0;
        for (key, value) in notifier_info {
            match key.as_str() {
                "MQTT-Version" => {
                    version = match value.as_str() {
                        "mqtt3.1.1" => MqttVersion::V311,
                        "mqtt5.0" => MqttVersion::V5,
                        other => {
                            return Err(NgsiError::bad_data(format!(
                                "notifierInfo MQTT-Version `{other}` must be mqtt3.1.1 or mqtt5.0"
                            )))
                        }
                    }
                }
                "MQTT-QoS" => {
                    qos = match value.as_str() {
                        "0" => 0,
                        "1" => 1,
                        "2" => 2,
                        other => {
                            return Err(NgsiError::bad_data(format!(
                                "notifierInfo MQTT-QoS `{other}` must be 0, 1 or 2"
                            )))
                        }
                    }
                }
                _ => {}
            }
        }
        let tls = url.scheme() == "mqtts";
        Ok(MqttEndpoint {
            host,
            port: url
                .port()
                .unwrap_or(if tls { MQTTS_PORT } else { MQTT_PORT }),
            credentials,
            topic: topic.to_owned(),
            version,
            qos,
            tls,
        })
    }
}

/// `[{key, value}]` lists (`receiverInfo`, `notifierInfo`) as pairs.
pub fn key_values(list: Option<&Value>, field: &str) -> NgsiResult<Vec<(String, String)>> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    let items = list
        .as_array()
        .ok_or_else(|| NgsiError::bad_data(format!("{field} must be an array")))?;
    items
        .iter()
        .map(|item| match (item.get("key"), item.get("value")) {
            (Some(Value::String(k)), Some(Value::String(v))) if !k.is_empty() => {
                Ok((k.clone(), v.clone()))
            }
            _ => Err(NgsiError::bad_data(format!(
                "{field} items need a non-empty key and a string value"
            ))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn mqtt_uris_carry_credentials_topic_and_notifier_info() {
        let e = Endpoint::parse(
            "mqtt://key%3A1:s3cret@127.0.0.1:18830/district/alerts/pm25",
            &info(&[("MQTT-Version", "mqtt3.1.1"), ("MQTT-QoS", "1")]),
        )
        .unwrap();
        let Endpoint::Mqtt(m) = &e else {
            panic!("not mqtt")
        };
        assert_eq!(m.host, "127.0.0.1");
        assert_eq!(m.port, 18830);
        assert_eq!(
            m.credentials,
            Some(("key:1".to_owned(), "s3cret".to_owned()))
        );
        assert_eq!(m.topic, "district/alerts/pm25");
        assert_eq!((m.version, m.qos), (MqttVersion::V311, 1));
        assert!(!e.redacted().contains("s3cret"));
    }

    #[test]
    fn mqtt_defaults_are_version_5_qos_0_port_1883() {
        let Endpoint::Mqtt(m) = Endpoint::parse("mqtt://broker/t", &[]).unwrap() else {
            panic!("not mqtt")
        };
        assert_eq!(
            (m.port, m.version, m.qos, m.credentials),
            (1883, MqttVersion::V5, 0, None)
        );
    }

    #[test]
    fn mqtts_uris_use_tls_and_default_to_port_8883() {
        let Endpoint::Mqtt(m) = Endpoint::parse("mqtts://broker/t", &[]).unwrap() else {
            panic!("not mqtt")
        };
        assert_eq!((m.tls, m.port), (true, 8883));
        let e = Endpoint::parse("mqtts://u:secret@broker:18883/a/b", &[]).unwrap();
        let Endpoint::Mqtt(m) = &e else {
            panic!("not mqtt")
        };
        assert_eq!((m.tls, m.port, m.topic.as_str()), (true, 18883, "a/b"));
        assert_eq!(e.redacted(), "mqtts://broker:18883/a/b");
        let Endpoint::Mqtt(m) = Endpoint::parse("mqtt://broker/t", &[]).unwrap() else {
            panic!("not mqtt")
        };
        assert!(!m.tls);
    }

    #[test]
    fn bad_endpoints_are_refused() {
        for uri in [
            "ftp://x/y",
            "mqtt://host",
            "mqtt://host/",
            "mqtt://host/a/#",
            "mqtt://host/a?x=1",
            "mqtts://host",
            "http://",
        ] {
            assert!(Endpoint::parse(uri, &[]).is_err(), "{uri}");
        }
        for (k, v) in [("MQTT-QoS", "3"), ("MQTT-Version", "mqtt4")] {
            assert!(Endpoint::parse("mqtt://h/t", &info(&[(k, v)])).is_err());
        }
    }
}
