//! Composing plan supervision: the indicator registry with every module's source, the plan
//! service over it, and the plan's baseline from the data set.

use std::sync::Arc;

use yuverse_core::db::Database;
use yuverse_core::indicators::IndicatorRegistry;
use yuverse_core::Actor;
use yuverse_governance::Governance;
use yuverse_industry::Industry;
use yuverse_plan::service::{load_baseline, PlaceRef};
use yuverse_plan::Plan;
use yuverse_twin::devices::Devices;

use crate::indicators::{OrganisationsByKind, PlacesByKind, TwinDevices};
use crate::Settings;

const PLAN: &str = include_str!("../../../data/yubei/plan.json");

pub async fn open(
    db: &Database,
    governance: &Governance,
    industry: &Industry,
    devices: &Devices,
    settings: &Settings,
) -> anyhow::Result<Plan> {
    load_baseline(db, governance, PLAN).await?;
    let places = industry
        .places(&Actor::system())
        .await
        .map_err(|e| anyhow::anyhow!("reading places: {}", e.problem().detail))?
        .features
        .into_iter()
        .filter_map(|f| {
            let p = f.properties?;
            Some(PlaceRef {
                code: p.get("code")?.as_str()?.to_owned(),
                name: p.get("name")?.as_str()?.to_owned(),
            })
        })
        .collect();
    let registry = IndicatorRegistry::new();
    let plan = Plan::new(
        db.clone(),
        governance.clone(),
        Arc::clone(&settings.plan_clock),
        registry.clone(),
        places,
    );
    registry.register(OrganisationsByKind(governance.clone()));
    registry.register(PlacesByKind(industry.clone()));
    registry.register(TwinDevices(devices.clone()));
    registry.register(plan.indicator_source());
    Ok(plan)
}
