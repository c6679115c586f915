//! The application state shared by every request: the database and the context services.

use std::sync::Arc;

use axum::extract::FromRef;
use yuverse_core::db::Database;
use yuverse_governance::Governance;
use yuverse_industry::Industry;
use yuverse_plan::Plan;
use yuverse_twin::devices::Devices;
use yuverse_twin::http::Contexts;
use yuverse_twin::Twin;

use crate::metrics::Metrics;
use crate::Settings;

#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Database,
    pub governance: Governance,
    pub industry: Industry,
    pub twin: Twin,
    pub contexts: Contexts,
    pub devices: Devices,
    pub plan: Plan,
    pub metrics: Arc<Metrics>,
    pub max_body_bytes: usize,
    pub plan_sweep_every: std::time::Duration,
}

impl AppState {
    pub fn new(
        db: Database,
        governance: Governance,
        industry: Industry,
        (twin, contexts): (Twin, Contexts),
        devices: Devices,
        plan: Plan,
        settings: &Settings,
    ) -> Self {
        Self {
            db,
            governance,
            industry,
            twin,
            contexts,
            devices,
            plan,
            metrics: Arc::new(Metrics::default()),
            max_body_bytes: settings.max_body_bytes,
            plan_sweep_every: settings.plan_sweep_every,
        }
    }
}

impl FromRef<AppState> for Governance {
    fn from_ref(state: &AppState) -> Self {
        state.governance.clone()
    }
}

impl FromRef<AppState> for Industry {
    fn from_ref(state: &AppState) -> Self {
        state.industry.clone()
    }
}

impl FromRef<AppState> for Twin {
    fn from_ref(state: &AppState) -> Self {
        state.twin.clone()
    }
}

impl FromRef<AppState> for Contexts {
    fn from_ref(state: &AppState) -> Self {
        state.contexts.clone()
    }
}

impl FromRef<AppState> for Devices {
    fn from_ref(state: &AppState) -> Self {
        state.devices.clone()
    }
}

impl FromRef<AppState> for Plan {
    fn from_ref(state: &AppState) -> Self {
        state.plan.clone()
    }
}
