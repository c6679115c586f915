//! The optional TOML config file and the merge of flags, environment, file and defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use serde::Deserialize;
use yuverse_server::Settings;

use crate::cli::{LogFormat, ServeArgs, StorageArgs, Switch};

/// Keys of the config file; each mirrors a flag (see `yuverse config example`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub mqtt_listen: Option<String>,
    pub mqtt_url: Option<String>,
    pub demo: Option<bool>,
    pub sim_devices: Option<usize>,
    pub sim_interval_seconds: Option<u64>,
    pub sim_time_scale: Option<u32>,
    pub log_format: Option<LogFormat>,
    pub session_idle_minutes: Option<u64>,
    pub login_attempts_per_minute: Option<u32>,
    pub trusted_proxies: Option<Vec<String>>,
    pub max_body_bytes: Option<usize>,
    pub pii_key_file: Option<PathBuf>,
    pub ngsi_ld_auth: Option<Switch>,
    pub ld_context_unavailable_status: Option<u16>,
    /// @context URL → local file, for closed networks.
    pub context_map: Option<std::collections::BTreeMap<String, PathBuf>>,
    pub context_dir: Option<PathBuf>,
    pub ld_context_fetch: Option<Switch>,
    pub ld_context_fetch_timeout_seconds: Option<u64>,
    pub tls_ca_file: Option<PathBuf>,
}

/// Most simulated devices (each is a provisioned device and an entity with history).
const MAX_SIM_DEVICES: usize = 100_000;

pub const EXAMPLE: &str = include_str!("example-config.toml");

pub fn read_file(path: Option<&Path>) -> anyhow::Result<FileConfig> {
    let Some(path) = path else {
        return Ok(FileConfig::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
}

pub fn data_dir(storage: &StorageArgs, file: &FileConfig) -> PathBuf {
    storage
        .data_dir
        .clone()
        .or_else(|| file.data_dir.clone())
        .unwrap_or_else(|| PathBuf::from("./yuverse-data"))
}

pub fn database_url(storage: &StorageArgs, file: &FileConfig) -> Option<String> {
    storage
        .database_url
        .clone()
        .or_else(|| file.database_url.clone())
        .filter(|u| !u.is_empty())
}

fn parse_addr(what: &str, value: &str) -> anyhow::Result<SocketAddr> {
    value
        .parse()
        .with_context(|| format!("--{what} `{value}` is not an address like 127.0.0.1:8080"))
}

/// The log format after merging (needed before anything else starts).
pub fn log_format(args: &ServeArgs, file: &FileConfig) -> LogFormat {
    args.log_format
        .or(file.log_format)
        .unwrap_or(LogFormat::Text)
}

/// Merges everything into the server's settings.
pub fn settings(args: &ServeArgs, file: &FileConfig) -> anyhow::Result<Settings> {
    let mut settings = Settings::for_data_dir(data_dir(&args.storage, file));
    settings.database_url = database_url(&args.storage, file);
    if let Some(listen) = args.listen.as_ref().or(file.listen.as_ref()) {
        settings.listen = parse_addr("listen", listen)?;
    }
    if let Some(mqtt) = args.mqtt_listen.as_ref().or(file.mqtt_listen.as_ref()) {
        settings.mqtt_listen = if mqtt == "off" {
            None
        } else {
            Some(parse_addr("mqtt-listen", mqtt)?)
        };
    }
    settings.mqtt_url = args.mqtt_url.clone().or_else(|| file.mqtt_url.clone());
    if let Some(url) = &settings.mqtt_url {
        if !(url.starts_with("mqtt://") || url.starts_with("mqtts://")) {
            bail!("--mqtt-url must start with mqtt:// or mqtts://");
        }
    }
    settings.demo = args.demo || file.demo.unwrap_or(false);
    if let Some(n) = args.sim_devices.or(file.sim_devices) {
        if n > MAX_SIM_DEVICES {
            bail!("--sim-devices must be at most {MAX_SIM_DEVICES}");
        }
        settings.sim_devices = n;
    }
    if let Some(seconds) = args.sim_interval_seconds.or(file.sim_interval_seconds) {
        if !(1..=3600).contains(&seconds) {
            bail!("--sim-interval-seconds must be between 1 and 3600");
        }
        settings.sim_interval = Duration::from_secs(seconds);
    }
    if let Some(scale) = args.sim_time_scale.or(file.sim_time_scale) {
        if !(1..=3600).contains(&scale) {
            bail!("--sim-time-scale must be between 1 and 3600");
        }
        settings.sim_time_scale = scale;
    }
    if let Some(minutes) = args.session_idle_minutes.or(file.session_idle_minutes) {
        if minutes == 0 {
            bail!("--session-idle-minutes must be at least 1");
        }
        settings.governance.session_idle_timeout = Duration::from_secs(minutes * 60);
    }
    if let Some(n) = args
        .login_attempts_per_minute
        .or(file.login_attempts_per_minute)
    {
        if n == 0 {
            bail!("--login-attempts-per-minute must be at least 1");
        }
        settings.governance.login_attempts_per_minute = n;
    }
    if let Some(bytes) = args.max_body_bytes.or(file.max_body_bytes) {
        if bytes < 1024 {
            bail!("--max-body-bytes must be at least 1024");
        }
        settings.max_body_bytes = bytes;
    }
    if let Some(proxies) = args
        .trusted_proxies
        .as_ref()
        .or(file.trusted_proxies.as_ref())
    {
        settings.governance.trusted_proxies =
            yuverse_governance::http::TrustedProxies::parse(proxies)
                .map_err(|e| anyhow::anyhow!("--trusted-proxies: {e}"))?;
    }
    settings.pii_key_file = args
        .pii_key_file
        .clone()
        .or_else(|| file.pii_key_file.clone());
    settings.ngsi_ld_auth = args
        .ngsi_ld_auth
        .or(file.ngsi_ld_auth)
        .unwrap_or(Switch::On)
        == Switch::On;
    if let Some(status) = args
        .ld_context_unavailable_status
        .or(file.ld_context_unavailable_status)
    {
        if status != 503 && status != 504 {
            bail!("--ld-context-unavailable-status must be 503 or 504");
        }
        settings.ld_context_unavailable_status = status;
    }
    settings.context_map = file.context_map.clone().unwrap_or_default();
    settings.context_dir = args
        .context_dir
        .clone()
        .or_else(|| file.context_dir.clone());
    settings.ld_context_fetch = args.ld_context_fetch.or(file.ld_context_fetch) == Some(Switch::On);
    if let Some(seconds) = args
        .ld_context_fetch_timeout_seconds
        .or(file.ld_context_fetch_timeout_seconds)
    {
        if !(1..=60).contains(&seconds) {
            bail!("--ld-context-fetch-timeout-seconds must be between 1 and 60");
        }
        settings.ld_context_fetch_timeout_seconds = seconds;
    }
    settings.tls_ca_file = args
        .tls_ca_file
        .clone()
        .or_else(|| file.tls_ca_file.clone());
    settings.admin_password = secret_env("YUVERSE_ADMIN_PASSWORD");
    settings.demo_password = secret_env("YUVERSE_DEMO_PASSWORD");
    settings.pii_key = secret_env("YUVERSE_PII_KEY");
    Ok(settings)
}

fn secret_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_parses_and_flags_win_over_the_file() {
        let file: FileConfig = toml::from_str(EXAMPLE).unwrap();
        let args = ServeArgs {
            listen: Some("127.0.0.1:9999".into()),
            ..ServeArgs::default()
        };
        let s = settings(&args, &file).unwrap();
        assert_eq!(s.listen.port(), 9999);
        assert_eq!(
            s.governance.session_idle_timeout,
            Duration::from_secs(30 * 60)
        );
    }

    #[test]
    fn bad_values_name_the_flag() {
        let args = ServeArgs {
            listen: Some("nowhere".into()),
            ..ServeArgs::default()
        };
        let err = settings(&args, &FileConfig::default()).unwrap_err();
        assert!(err.to_string().contains("--listen"));
        for (args, flag) in [
            (
                ServeArgs {
                    sim_interval_seconds: Some(0),
                    ..ServeArgs::default()
                },
                "--sim-interval-seconds",
            ),
            (
                ServeArgs {
                    sim_devices: Some(MAX_SIM_DEVICES + 1),
                    ..ServeArgs::default()
                },
                "--sim-devices",
            ),
            (
                ServeArgs {
                    sim_time_scale: Some(0),
                    ..ServeArgs::default()
                },
                "--sim-time-scale",
            ),
        ] {
            let err = settings(&args, &FileConfig::default()).unwrap_err();
            assert!(err.to_string().contains(flag), "{err}");
        }
        let args = ServeArgs {
            trusted_proxies: Some(vec!["10.0.0.0/8".into(), "proxy.local".into()]),
            ..ServeArgs::default()
        };
        let err = settings(&args, &FileConfig::default()).unwrap_err();
        assert!(err.to_string().contains("--trusted-proxies"), "{err}");
        assert!(err.to_string().contains("proxy.local"), "{err}");
        let unknown: Result<FileConfig, _> = toml::from_str("lisen = \"x\"");
        assert!(unknown.is_err());
    }
}
