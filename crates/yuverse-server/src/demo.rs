//! `serve --demo`: one account per role so a newcomer can see every screen, and the district
//! simulator so the twin has something to show. The accounts share one password,
//! `YUVERSE_DEMO_PASSWORD` or a generated one, printed once at start.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use yuverse_core::{Actor, Role};
use yuverse_governance::domain::{credit_code, organisation::OrganisationKind, password};
use yuverse_governance::service::NewOrganisation;
use yuverse_governance::Governance;
use yuverse_sim::{Broker, Platform, SimConfig, Simulator};
use yuverse_twin::devices::{parse_broker_url, Devices};
use yuverse_twin::http::Contexts;
use yuverse_twin::Twin;

use crate::Settings;

/// The organisation each demo role belongs to (codes from `data/yubei/organisations.json`).
fn home_organisation(role: Role) -> Option<&'static str> {
    match role {
        Role::Office | Role::SystemAdmin | Role::SecurityAdmin | Role::Auditor => {
            Some("big-data-bureau")
        }
        Role::Unit => Some("xiantao-data-valley-company"),
        Role::Regulator => Some("party-cyberspace-office"),
        Role::Enterprise => Some(DEMO_ENTERPRISE_CODE),
        Role::Citizen => None,
    }
}

const DEMO_ENTERPRISE_CODE: &str = "demo-enterprise";

pub fn demo_username(role: Role) -> String {
    format!("demo-{}", role.as_str().replace('_', "-"))
}

/// Creates what is missing; answers every demo account (username, role) and the password.
pub async fn ensure_accounts(
    governance: &Governance,
    supplied_password: Option<&str>,
) -> anyhow::Result<(Vec<(String, String)>, String)> {
    let demo_password = match supplied_password {
        Some(p) => {
            password::check_policy(p)
                .map_err(|reason| anyhow::anyhow!("YUVERSE_DEMO_PASSWORD {reason}"))?;
            p.to_owned()
        }
        None => password::generate(),
    };
    if governance
        .organisation_by_code(DEMO_ENTERPRISE_CODE)
        .await?
        .is_none()
    {
        let first17 = "91500112MA60DEM1X";
        let code = format!(
            "{first17}{}",
            credit_code::check_character(first17).expect("demo code uses the code alphabet")
        );
        governance
            .create_organisation(
                &Actor::system(),
                NewOrganisation {
                    name: "渝北元宇宙示范科技有限公司（演示）".into(),
                    kind: OrganisationKind::Enterprise,
                    code: Some(DEMO_ENTERPRISE_CODE.into()),
                    name_en: Some("Yubei Metaverse Demo Technology Co. (demo)".into()),
                    credit_code: Some(code),
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("demo enterprise: {}", e.problem().detail))?;
    }
    let mut accounts = Vec::new();
    for role in Role::ALL {
        let organisation_id = match home_organisation(role) {
            Some(code) => governance.organisation_by_code(code).await?.map(|o| o.id),
            None => None,
        };
        let username = demo_username(role);
        let created = governance
            .ensure_demo_user(
                &username,
                &format!("演示{}", role.name_zh()),
                role,
                organisation_id,
                &demo_password,
            )
            .await
            .map_err(|e| anyhow::anyhow!("demo account {username}: {}", e.problem().detail))?;
        if !created {
            tracing::info!(username, "demo account exists; its password is unchanged");
        }
        accounts.push((username, role.as_str().to_owned()));
    }
    Ok((accounts, demo_password))
}

/// Starts the district simulator on the platform's broker (`--mqtt-url`, or the embedded one);
/// `None` when `--sim-devices 0` or when MQTT is off.
pub fn simulator(
    settings: &Settings,
    governance: &Governance,
    (twin, contexts): &(Twin, Contexts),
    devices: &Devices,
) -> Option<Simulator> {
    if settings.sim_devices == 0 {
        return None;
    }
    let broker = match (&settings.mqtt_url, devices.mqtt_addr()) {
        (Some(url), _) => {
            let external = parse_broker_url(url).and_then(|u| {
                // An mqtts:// broker is trusted as the platform's own connection trusts it.
                let tls = u.tls.then(|| crate::twin::outbound(settings)).transpose()?;
                Ok(Broker::External {
                    host: u.host,
                    port: u.port,
                    credentials: u.credentials,
                    tls,
                })
            });
            match external {
                Ok(broker) => broker,
                Err(e) => {
                    tracing::warn!(error = %e, "the district simulator does not run");
                    return None;
                }
            }
        }
        (None, Some(addr)) => Broker::Embedded(reachable(addr)),
        (None, None) => {
            tracing::warn!(
                "the district simulator needs MQTT (--mqtt-listen is off); it does not run"
            );
            return None;
        }
    };
    let config = SimConfig {
        devices: settings.sim_devices,
        interval: settings.sim_interval,
        time_scale: settings.sim_time_scale,
        broker,
        state_dir: settings.data_dir.clone(),
    };
    tracing::info!(devices = config.devices, interval = ?config.interval,
        time_scale = config.time_scale, "starting the district simulator");
    Some(Simulator::start(
        config,
        Platform {
            governance: governance.clone(),
            twin: twin.clone(),
            vocab: Arc::new(contexts.core()),
            devices: devices.clone(),
        },
    ))
}

/// A listen address as a client connects to it: `0.0.0.0` and `::` become loopback.
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => (Ipv4Addr::LOCALHOST, addr.port()).into(),
        IpAddr::V6(ip) if ip.is_unspecified() => (Ipv6Addr::LOCALHOST, addr.port()).into(),
        _ => addr,
    }
}
