//! The indicators of the modules that exist today, each computed through its module's own
//! service and registered at composition (see `yuverse_core::indicators`). A new module adds
//! its source here (or in its crate) with one `registry.register(...)` line; the plan crate
//! does not change.

use std::collections::BTreeMap;
use std::time::Duration;

use yuverse_core::indicators::{IndicatorDef, IndicatorSource, IndicatorValue};
use yuverse_core::paging::Page;
use yuverse_core::{Actor, Error};
use yuverse_governance::domain::organisation::OrganisationKind;
use yuverse_governance::store::organisations::OrganisationFilter;
use yuverse_governance::Governance;
use yuverse_industry::domain::PlaceKind;
use yuverse_industry::Industry;
use yuverse_twin::devices::Devices;

/// A device is online when it sent a message within this time.
pub const ONLINE_WINDOW: Duration = Duration::from_secs(10 * 60);

/// Organisations by kind (`governance.organisations.<kind>`).
pub struct OrganisationsByKind(pub Governance);

fn kind_names(kind: OrganisationKind) -> (&'static str, &'static str) {
    match kind {
        OrganisationKind::GovernmentUnit => ("政府部门", "Government units"),
        OrganisationKind::ParkCompany => ("园区及平台公司", "Park and platform companies"),
        OrganisationKind::Enterprise => ("企业", "Enterprises"),
        OrganisationKind::Institution => ("事业单位及机构", "Institutions"),
        OrganisationKind::FinancialInstitution => ("金融机构", "Financial institutions"),
    }
}

#[async_trait::async_trait]
impl IndicatorSource for OrganisationsByKind {
    fn indicators(&self) -> Vec<IndicatorDef> {
        OrganisationKind::ALL
            .into_iter()
            .map(|kind| {
                let (zh, en) = kind_names(kind);
                IndicatorDef::new(
                    &format!("governance.organisations.{}", kind.as_str()),
                    zh,
                    en,
                    "个",
                    "governance",
                )
            })
            .collect()
    }

    async fn values(&self) -> Result<Vec<IndicatorValue>, Error> {
        let mut values = Vec::new();
        for kind in OrganisationKind::ALL {
            let filter = OrganisationFilter {
                kind: Some(kind),
                q: None,
            };
            let page = Page {
                limit: 1,
                offset: 0,
            };
            let total = self
                .0
                .list_organisations(&Actor::system(), filter, page)
                .await?
                .total;
            values.push(IndicatorValue::new(
                &format!("governance.organisations.{}", kind.as_str()),
                total as f64,
            ));
        }
        Ok(values)
    }
}

/// Places by kind: the core, areas, parks and scenario sites (`industry.places.<kind>`).
pub struct PlacesByKind(pub Industry);

const PLACE_KINDS: [(PlaceKind, &str, &str); 4] = [
    (PlaceKind::Core, "核心区", "Core"),
    (PlaceKind::Area, "片区", "Areas"),
    (PlaceKind::Park, "产业园区", "Parks"),
    (PlaceKind::ScenarioSite, "应用场景点位", "Scenario sites"),
];

#[async_trait::async_trait]
impl IndicatorSource for PlacesByKind {
    fn indicators(&self) -> Vec<IndicatorDef> {
        PLACE_KINDS
            .iter()
            .map(|(kind, zh, en)| {
                IndicatorDef::new(
                    &format!("industry.places.{}", kind.as_str()),
                    zh,
                    en,
                    "个",
                    "industry",
                )
            })
            .collect()
    }

    async fn values(&self) -> Result<Vec<IndicatorValue>, Error> {
        let places = self.0.places(&Actor::system()).await?;
        let mut counts: BTreeMap<&str, f64> = PLACE_KINDS
            .iter()
            .map(|(kind, _, _)| (kind.as_str(), 0.0))
            .collect();
        for feature in &places.features {
            let kind = feature
                .properties
                .as_ref()
                .and_then(|p| p.get("kind"))
                .and_then(|k| k.as_str())
                .and_then(PlaceKind::parse);
            if let Some(n) = kind.and_then(|k| counts.get_mut(k.as_str())) {
                *n += 1.0;
            }
        }
        Ok(counts
            .into_iter()
            .map(|(kind, n)| IndicatorValue::new(&format!("industry.places.{kind}"), n))
            .collect())
    }
}

/// Twin devices provisioned and online (`twin.devices.provisioned`, `twin.devices.online`).
pub struct TwinDevices(pub Devices);

#[async_trait::async_trait]
impl IndicatorSource for TwinDevices {
    fn indicators(&self) -> Vec<IndicatorDef> {
        vec![
            IndicatorDef::new(
                "twin.devices.provisioned",
                "已接入物联设备",
                "Devices provisioned",
                "台",
                "twin",
            ),
            IndicatorDef::new(
                "twin.devices.online",
                "在线物联设备（10分钟内有上报）",
                "Devices online (reported within 10 minutes)",
                "台",
                "twin",
            ),
        ]
    }

    async fn values(&self) -> Result<Vec<IndicatorValue>, Error> {
        let window =
            chrono::Duration::from_std(ONLINE_WINDOW).map_err(|e| Error::Internal(e.into()))?;
        let online = self
            .0
            .online_count(yuverse_core::time::now() - window)
            .await?;
        Ok(vec![
            IndicatorValue::new(
                "twin.devices.provisioned",
                self.0.provisioned_count() as f64,
            ),
            IndicatorValue::new("twin.devices.online", online as f64),
        ])
    }
}
