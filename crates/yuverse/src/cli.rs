//! The command line. Every `serve` option is also a `YUVERSE_*` environment variable and a key
//! of the optional TOML config file; precedence is flag, then environment, then file, then the
//! default. Secrets (admin and demo passwords, the PII key) come only from the environment or
//! files, never from flags, so they do not show in process lists.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "yuverse",
    version,
    about = "渝北区元宇宙先导试验区平台 · the Yubei District Metaverse Pilot Zone platform",
    long_about = "Yuverse runs the Yubei District Metaverse Pilot Zone: the digital twin city \
operations platform, virtual spaces, digital collectibles, the industry service platform, plan \
supervision and platform governance, in one server.\n\n\
Secrets are read from the environment only:\n  \
YUVERSE_ADMIN_PASSWORD  password of `admin`, used once when the first administrator is created \
(otherwise a strong one is generated and printed once)\n  \
YUVERSE_DEMO_PASSWORD   password of the demo accounts with --demo (generated when unset)\n  \
YUVERSE_PII_KEY         base64 of the 32-byte key that encrypts identity numbers (otherwise \
pii_key_file, or <data dir>/pii.key generated with mode 0600)\n  \
RUST_LOG                log filter (default: info)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the platform: HTTP API, web UI and the services.
    Serve(Box<ServeArgs>),
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Audit log tools.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print a commented example config file.
    Example,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the audit log's hash chain; names the first broken entry and exits 1 if any.
    Verify(StorageArgs),
}

/// Where the data lives (shared by `serve` and the offline tools).
#[derive(Debug, Args, Clone, Default)]
pub struct StorageArgs {
    /// TOML config file (keys as in `yuverse config example`).
    #[arg(long, env = "YUVERSE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory: the SQLite database, the PII key file [default: ./yuverse-data]
    #[arg(long, env = "YUVERSE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL: postgres://user:password@host/db selects PostgreSQL [default: SQLite in the data dir]
    #[arg(
        long,
        env = "YUVERSE_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct ServeArgs {
    #[command(flatten)]
    pub storage: StorageArgs,
    /// HTTP listen address [default: 127.0.0.1:8080]
    #[arg(long, env = "YUVERSE_LISTEN", value_name = "ADDR")]
    pub listen: Option<String>,
    /// Embedded MQTT broker address, or `off` [default: 127.0.0.1:1883]
    #[arg(long, env = "YUVERSE_MQTT_LISTEN", value_name = "ADDR|off")]
    pub mqtt_listen: Option<String>,
    /// Use this external MQTT broker (mqtt://host:port, or mqtts:// over TLS) instead of the embedded one
    #[arg(
        long,
        env = "YUVERSE_MQTT_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub mqtt_url: Option<String>,
    /// Run the district simulator and create one demo account per role
    #[arg(long, env = "YUVERSE_DEMO")]
    pub demo: bool,
    /// Devices of the district simulator that --demo runs; 0 turns it off [default: 2000]
    #[arg(long, env = "YUVERSE_SIM_DEVICES", value_name = "N")]
    pub sim_devices: Option<usize>,
    /// Seconds between two measures of one simulated device, spread evenly [default: 30]
    #[arg(long, env = "YUVERSE_SIM_INTERVAL_SECONDS", value_name = "SECONDS")]
    pub sim_interval_seconds: Option<u64>,
    /// Simulated seconds per real second; 60 plays a day in 24 minutes [default: 1]
    #[arg(long, env = "YUVERSE_SIM_TIME_SCALE", value_name = "N")]
    pub sim_time_scale: Option<u32>,
    /// Log format [default: text]
    #[arg(long, env = "YUVERSE_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// Minutes without a request after which a session ends [default: 30]
    #[arg(long, env = "YUVERSE_SESSION_IDLE_MINUTES", value_name = "MINUTES")]
    pub session_idle_minutes: Option<u64>,
    /// Sign-in attempts allowed per client address per minute [default: 20]
    #[arg(long, env = "YUVERSE_LOGIN_ATTEMPTS_PER_MINUTE", value_name = "N")]
    pub login_attempts_per_minute: Option<u32>,
    /// Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For names the client; none by default
    #[arg(
        long,
        env = "YUVERSE_TRUSTED_PROXIES",
        value_name = "ADDRESS|NETWORK,…",
        value_delimiter = ','
    )]
    pub trusted_proxies: Option<Vec<String>>,
    /// Largest accepted request body in bytes [default: 1048576]
    #[arg(long, env = "YUVERSE_MAX_BODY_BYTES", value_name = "BYTES")]
    pub max_body_bytes: Option<usize>,
    /// File holding the base64 PII encryption key [default: <data dir>/pii.key, generated]
    #[arg(long, env = "YUVERSE_PII_KEY_FILE", value_name = "FILE")]
    pub pii_key_file: Option<PathBuf>,
    /// NGSI-LD writes need an API key or a signed-in user; `off` opens them for a trusted network [default: on]
    #[arg(long, env = "YUVERSE_NGSI_LD_AUTH", value_enum)]
    pub ngsi_ld_auth: Option<Switch>,
    /// HTTP status of LdContextNotAvailable: 504 (NGSI-LD V1.9.1) or 503 (earlier editions) [default: 504]
    #[arg(
        long,
        env = "YUVERSE_LD_CONTEXT_UNAVAILABLE_STATUS",
        value_name = "503|504"
    )]
    pub ld_context_unavailable_status: Option<u16>,
    /// Folder mirroring @context URLs as <host>/<path> files, for closed networks
    #[arg(long, env = "YUVERSE_CONTEXT_DIR", value_name = "DIR")]
    pub context_dir: Option<PathBuf>,
    /// Download @contexts that are not hosted, pre-loaded or in --context-dir [default: off]
    #[arg(long, env = "YUVERSE_LD_CONTEXT_FETCH", value_enum)]
    pub ld_context_fetch: Option<Switch>,
    /// Longest wait for one @context download, in seconds [default: 5]
    #[arg(
        long,
        env = "YUVERSE_LD_CONTEXT_FETCH_TIMEOUT_SECONDS",
        value_name = "SECONDS"
    )]
    pub ld_context_fetch_timeout_seconds: Option<u64>,
    /// PEM file of CA certificates trusted, besides the system's, for outgoing TLS (HTTPS and mqtts:// notifications, @context downloads, an mqtts:// --mqtt-url)
    #[arg(long, env = "YUVERSE_TLS_CA_FILE", value_name = "FILE")]
    pub tls_ca_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Switch {
    On,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}
