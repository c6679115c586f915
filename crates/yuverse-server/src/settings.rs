//! The server's settings, already merged from flags, environment, config file and defaults by
//! the binary. Secrets here are never printed: `Debug` hides them.

use std::net::SocketAddr;
use std::path::PathBuf;

use yuverse_governance::pii::PiiKeySource;
use yuverse_governance::GovernanceConfig;

#[derive(Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// `None`: SQLite in the data dir.
    pub database_url: Option<String>,
    /// Embedded MQTT broker address, or `None` when disabled (`off`). Used by the twin.
    pub mqtt_listen: Option<SocketAddr>,
    /// External MQTT broker URL instead of the embedded one. Used by the twin.
    pub mqtt_url: Option<String>,
    pub demo: bool,
    pub governance: GovernanceConfig,
    /// Largest accepted request body in bytes.
    pub max_body_bytes: usize,
    /// `YUVERSE_ADMIN_PASSWORD`, used once when `admin` is created.
    pub admin_password: Option<String>,
    /// `YUVERSE_DEMO_PASSWORD`: the demo accounts' password (generated when absent).
    pub demo_password: Option<String>,
    /// `YUVERSE_PII_KEY` (base64 of 32 bytes).
    pub pii_key: Option<String>,
    /// A key file; default `<data dir>/pii.key`, generated when missing.
    pub pii_key_file: Option<PathBuf>,
    /// NGSI-LD writes need credentials (`--ngsi-ld-auth on`, the default).
    pub ngsi_ld_auth: bool,
    /// HTTP status of LdContextNotAvailable: 504 (V1.9.1) or 503 (earlier editions).
    pub ld_context_unavailable_status: u16,
    /// @context documents pre-loaded from local files: URL → file.
    pub context_map: std::collections::BTreeMap<String, PathBuf>,
    /// A folder mirroring @context URLs as `<host>/<path>` files.
    pub context_dir: Option<PathBuf>,
    /// Download @contexts found nowhere locally (`--ld-context-fetch on`; off by default).
    pub ld_context_fetch: bool,
    /// How long one @context download may take.
    pub ld_context_fetch_timeout_seconds: u64,
    /// The clock plan supervision reads (deadlines, lights, reminders); tests move it.
    pub plan_clock: std::sync::Arc<dyn yuverse_plan::Clock>,
    /// How often the plan's sweeper sends due reminders and escalations.
    pub plan_sweep_every: std::time::Duration,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self
                    .database_url
                    .as_deref()
                    .map(yuverse_core::db::redact_url),
            )
            .field("mqtt_listen", &self.mqtt_listen)
            .field(
                "mqtt_url",
                &self.mqtt_url.as_deref().map(yuverse_core::db::redact_url),
            )
            .field("demo", &self.demo)
            .field("governance", &self.governance)
            .field("max_body_bytes", &self.max_body_bytes)
            .field(
                "admin_password",
                &self.admin_password.as_ref().map(|_| "***"),
            )
            .field("demo_password", &self.demo_password.as_ref().map(|_| "***"))
            .field("pii_key", &self.pii_key.as_ref().map(|_| "***"))
            .field("pii_key_file", &self.pii_key_file)
            .field("ngsi_ld_auth", &self.ngsi_ld_auth)
            .field(
                "ld_context_unavailable_status",
                &self.ld_context_unavailable_status,
            )
            .field("context_map", &self.context_map)
            .field("context_dir", &self.context_dir)
            .field("ld_context_fetch", &self.ld_context_fetch)
            .field(
                "ld_context_fetch_timeout_seconds",
                &self.ld_context_fetch_timeout_seconds,
            )
            .field("plan_clock", &self.plan_clock)
            .field("plan_sweep_every", &self.plan_sweep_every)
            .finish()
    }
}

impl Settings {
    /// Defaults for a data dir (what `serve` uses with no flags, and what tests start from).
    pub fn for_data_dir(data_dir: PathBuf) -> Settings {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir,
            database_url: None,
            mqtt_listen: Some(SocketAddr::from(([127, 0, 0, 1], 1883))),
            mqtt_url: None,
            demo: false,
            governance: GovernanceConfig::default(),
            max_body_bytes: 1024 * 1024,
            admin_password: None,
            demo_password: None,
            pii_key: None,
            pii_key_file: None,
            ngsi_ld_auth: true,
            ld_context_unavailable_status: 504,
            context_map: Default::default(),
            context_dir: None,
            ld_context_fetch: false,
            ld_context_fetch_timeout_seconds: 5,
            plan_clock: std::sync::Arc::new(yuverse_plan::SystemClock),
            plan_sweep_every: std::time::Duration::from_secs(60),
        }
    }

    pub fn pii_key_source(&self) -> PiiKeySource {
        match (&self.pii_key, &self.pii_key_file) {
            (Some(key), _) => PiiKeySource::Inline(key.clone()),
            (None, Some(path)) => PiiKeySource::File {
                path: path.clone(),
                create: false,
            },
            (None, None) => PiiKeySource::File {
                path: self.data_dir.join("pii.key"),
                create: true,
            },
        }
    }
}
