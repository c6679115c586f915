//! The plan document, its versions, tasks, indicators, the cockpit and the sweep.

use axum::extract::{FromRef, Path, State};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yuverse_core::error::Problem;
use yuverse_core::{ApiJson, ApiQuery, Error};
use yuverse_governance::http::Authenticated;
use yuverse_governance::Governance;

use crate::domain::input::TaskPatch;
use crate::domain::PlanDocument;
use crate::service::{Dashboard, IndicatorView, PlanView, SweepReport};
use crate::store::snapshots::Snapshot;
use crate::store::tasks::Task;
use crate::store::versions::VersionInfo;
use crate::Plan;

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Governance: FromRef<S>,
    Plan: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(get_plan))
        .routes(routes!(list_versions))
        .routes(routes!(get_version))
        .routes(routes!(get_task, update_task))
        .routes(routes!(list_indicators))
        .routes(routes!(list_snapshots))
        .routes(routes!(dashboard))
        .routes(routes!(sweep))
}

/// The current plan: goals, the 11 key tasks and 4 safeguards with their units, the targets.
#[utoipa::path(get, path = "/api/v1/plan", tag = "plan",
    responses((status = 200, body = PlanView), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn get_plan(
    State(plan): State<Plan>,
    auth: Authenticated,
) -> Result<ApiJson<PlanView>, Error> {
    Ok(ApiJson(plan.plan(&auth.actor).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct VersionList {
    items: Vec<VersionInfo>,
}

/// Every version of the plan: 1 is the baseline, each later one records a change.
#[utoipa::path(get, path = "/api/v1/plan/versions", tag = "plan",
    responses((status = 200, body = VersionList), (status = 403, body = Problem)))]
async fn list_versions(
    State(plan): State<Plan>,
    auth: Authenticated,
) -> Result<ApiJson<VersionList>, Error> {
    Ok(ApiJson(VersionList {
        items: plan.versions(&auth.actor).await?,
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct VersionDocument {
    #[serde(flatten)]
    info: VersionInfo,
    document: PlanDocument,
}

/// One version's whole plan document.
#[utoipa::path(get, path = "/api/v1/plan/versions/{version}", tag = "plan",
    params(("version" = i64, Path, description = "Version number, from 1")),
    responses((status = 200, body = VersionDocument), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn get_version(
    State(plan): State<Plan>,
    auth: Authenticated,
    Path(version): Path<String>,
) -> Result<ApiJson<VersionDocument>, Error> {
    let version: i64 = version
        .parse()
        .map_err(|_| Error::validation("version", "must be a whole number"))?;
    let (info, document) = plan.version(&auth.actor, version).await?;
    Ok(ApiJson(VersionDocument { info, document }))
}

/// A task or safeguard, by id or code (`T1`…`T11`, `S1`…`S4`).
#[utoipa::path(get, path = "/api/v1/plan/tasks/{id}", tag = "plan",
    responses((status = 200, body = Task), (status = 404, body = Problem)))]
async fn get_task(
    State(plan): State<Plan>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<ApiJson<Task>, Error> {
    Ok(ApiJson(plan.task(&auth.actor, &id).await?))
}

/// Change a task or safeguard (office): title, text, units, lead unit, weight. Makes a new
/// plan version recording the change; audited.
#[utoipa::path(patch, path = "/api/v1/plan/tasks/{id}", tag = "plan", request_body = TaskPatch,
    responses((status = 200, body = Task), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
async fn update_task(
    State(plan): State<Plan>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TaskPatch>,
) -> Result<ApiJson<Task>, Error> {
    Ok(ApiJson(plan.update_task(&auth.actor, &id, body).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct IndicatorList {
    items: Vec<IndicatorView>,
}

/// Every registered indicator with its live value and the plan's target, then targets whose
/// module does not provide the indicator yet.
#[utoipa::path(get, path = "/api/v1/plan/indicators", tag = "plan",
    responses((status = 200, body = IndicatorList), (status = 403, body = Problem)))]
async fn list_indicators(
    State(plan): State<Plan>,
    auth: Authenticated,
) -> Result<ApiJson<IndicatorList>, Error> {
    Ok(ApiJson(IndicatorList {
        items: plan.indicator_list(&auth.actor).await?,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct SnapshotQuery {
    /// One indicator's key (default: all).
    indicator: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct SnapshotList {
    items: Vec<Snapshot>,
}

/// Monthly values of the indicators (trends), by indicator then month.
#[utoipa::path(get, path = "/api/v1/plan/indicators/snapshots", tag = "plan", params(SnapshotQuery),
    responses((status = 200, body = SnapshotList), (status = 403, body = Problem)))]
async fn list_snapshots(
    State(plan): State<Plan>,
    auth: Authenticated,
    ApiQuery(query): ApiQuery<SnapshotQuery>,
) -> Result<ApiJson<SnapshotList>, Error> {
    Ok(ApiJson(SnapshotList {
        items: plan
            .indicator_snapshots(&auth.actor, query.indicator.as_deref())
            .await?,
    }))
}

/// The cockpit's figures (驾驶舱): plan progress, per task, per unit, per area, indicators.
#[utoipa::path(get, path = "/api/v1/plan/dashboard", tag = "plan",
    responses((status = 200, body = Dashboard), (status = 403, body = Problem)))]
async fn dashboard(
    State(plan): State<Plan>,
    auth: Authenticated,
) -> Result<ApiJson<Dashboard>, Error> {
    Ok(ApiJson(plan.dashboard(&auth.actor).await?))
}

/// Run the supervision sweep now (office): reminders, escalations, the month's snapshots.
#[utoipa::path(post, path = "/api/v1/plan/sweep", tag = "plan",
    responses((status = 200, body = SweepReport), (status = 403, body = Problem)))]
async fn sweep(
    State(plan): State<Plan>,
    auth: Authenticated,
) -> Result<ApiJson<SweepReport>, Error> {
    Ok(ApiJson(plan.sweep(&auth.actor).await?))
}
