//! Opening the digital twin: the broker's settings and the pre-loaded @context documents.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::http::StatusCode;
use yuverse_core::db::Database;
use yuverse_core::{Actor, Error};
use yuverse_governance::Governance;
use yuverse_industry::Industry;
use yuverse_twin::alerts::{Alerts, Place, PlaceDirectory, PlaceFuture};
use yuverse_twin::devices::{Devices, MqttMode};
use yuverse_twin::http::{ContextSourcesConfig, Contexts};
use yuverse_twin::outbound::Outbound;
use yuverse_twin::registrations::Registrations;
use yuverse_twin::subscriptions::Subscriptions;
use yuverse_twin::{Twin, TwinConfig};

use crate::Settings;

pub async fn open(db: &Database, settings: &Settings) -> anyhow::Result<(Twin, Contexts)> {
    if !settings.ngsi_ld_auth {
        tracing::warn!("--ngsi-ld-auth off: anyone who reaches this server can write to the twin");
    }
    let config = TwinConfig {
        auth_required: settings.ngsi_ld_auth,
        temporal_instance_limit: settings.temporal_instance_limit,
        ..TwinConfig::default()
    };
    let twin = Twin::open(db.clone(), config).await?;
    let mut preloaded = HashMap::new();
    for (url, path) in &settings.context_map {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!("cannot read the @context file {} for {url}", path.display())
        })?;
        let document: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("the @context file {} is not JSON", path.display()))?;
        preloaded.insert(url.clone(), document);
    }
    let status = StatusCode::from_u16(settings.ld_context_unavailable_status)
        .context("ld_context_unavailable_status must be 503 or 504")?;
    let outbound = outbound(settings)?;
    let sources = ContextSourcesConfig {
        preloaded,
        dir: settings.context_dir.clone(),
        fetch_timeout: settings
            .ld_context_fetch
            .then(|| Duration::from_secs(settings.ld_context_fetch_timeout_seconds)),
        outbound: outbound.clone(),
    };
    let contexts = Contexts::open(sources, status, db.clone()).await?;
    Subscriptions::start(twin.clone(), contexts.clone(), db.clone(), &outbound).await?;
    twin.set_registrations(Registrations::load(db.clone(), &contexts, &outbound).await?);
    Ok((twin, contexts))
}

/// The roots of every outgoing TLS connection: the system's plus `--tls-ca-file`.
pub(crate) fn outbound(settings: &Settings) -> anyhow::Result<Outbound> {
    match &settings.tls_ca_file {
        Some(path) => Outbound::with_ca_file(path),
        None => Ok(Outbound::default()),
    }
}

/// Devices and MQTT: a client of `--mqtt-url` when given, else the embedded broker on
/// `--mqtt-listen` (unless `off`). Stop it with [`Devices::stop`] before the database closes.
pub async fn devices(
    db: &Database,
    governance: &Governance,
    (twin, contexts): &(Twin, Contexts),
    settings: &Settings,
) -> anyhow::Result<Devices> {
    let mode = match (&settings.mqtt_url, settings.mqtt_listen) {
        (Some(url), _) => MqttMode::External {
            url: url.clone(),
            outbound: outbound(settings)?,
        },
        (None, Some(addr)) => MqttMode::Embedded(addr),
        (None, None) => MqttMode::Off,
    };
    Devices::start(
        db.clone(),
        governance.clone(),
        twin.clone(),
        contexts,
        mode,
        settings.ngsi_ld_auth,
    )
    .await
}

/// Alerts: rules, the engine watching the twin, and places from the industry context for
/// geofences. Stop it with [`Alerts::stop`] before the database closes.
pub async fn alerts(
    db: &Database,
    industry: &Industry,
    (twin, contexts): &(Twin, Contexts),
) -> anyhow::Result<Alerts> {
    let places = Arc::new(DistrictPlaces(industry.clone()));
    Alerts::start(db.clone(), twin.clone(), contexts, places).await
}

/// The district's places (parks, areas, scenario sites) as alert geofences.
struct DistrictPlaces(Industry);

impl PlaceDirectory for DistrictPlaces {
    fn find<'a>(&'a self, id_or_code: &'a str) -> PlaceFuture<'a> {
        Box::pin(async move {
            let places = self.0.places(&Actor::system()).await?;
            for feature in places.features {
                let id = match &feature.id {
                    Some(geojson::feature::Id::String(id)) => id.clone(),
                    _ => continue,
                };
                let property = |name: &str| {
                    feature
                        .property(name)
                        .and_then(|v| v.as_str())
                        .map(str::to_owned)
                };
                if id != id_or_code && property("code").as_deref() != Some(id_or_code) {
                    continue;
                }
                let geometry = serde_json::to_value(&feature.geometry)
                    .map_err(|e| Error::Internal(e.into()))?;
                return Ok(Some(Place {
                    id,
                    name: property("name").unwrap_or_default(),
                    geometry,
                }));
            }
            Ok(None)
        })
    }
}
