//! Work items, their workflow and milestones.

use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yuverse_core::error::Problem;
use yuverse_core::{ApiJson, ApiQuery, Error, Paged};
use yuverse_governance::http::Authenticated;
use yuverse_governance::Governance;

use super::page;
use crate::domain::input::{ItemPatch, MilestonePatch, NewItem, NewMilestone, Transition};
use crate::domain::ItemState;
use crate::service::{ItemDetail, ItemView};
use crate::store::items::{ItemFilter, Milestone};
use crate::Plan;

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Governance: FromRef<S>,
    Plan: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(create_item))
        .routes(routes!(list_items))
        .routes(routes!(get_item, update_item))
        .routes(routes!(transition))
        .routes(routes!(create_milestone))
        .routes(routes!(update_milestone, delete_milestone))
}

/// Break a task down: a work item for one of its units (交办; office).
#[utoipa::path(post, path = "/api/v1/plan/tasks/{id}/items", tag = "plan", request_body = NewItem,
    responses((status = 201, body = ItemView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
async fn create_item(
    State(plan): State<Plan>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewItem>,
) -> Result<(StatusCode, ApiJson<ItemView>), Error> {
    Ok((
        StatusCode::CREATED,
        ApiJson(plan.create_item(&auth.actor, &id, body).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct ItemQuery {
    /// Task id or code (`T1`…).
    task: Option<String>,
    /// Organisation id: items it owns or co-operates on.
    unit: Option<String>,
    state: Option<ItemState>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// Work items with their lights, by deadline.
#[utoipa::path(get, path = "/api/v1/plan/items", tag = "plan", params(ItemQuery),
    responses((status = 200, body = Paged<ItemView>), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list_items(
    State(plan): State<Plan>,
    auth: Authenticated,
    ApiQuery(query): ApiQuery<ItemQuery>,
) -> Result<ApiJson<Paged<ItemView>>, Error> {
    let page = page(query.limit, query.offset)?;
    let task_id = match query.task.filter(|t| !t.is_empty()) {
        Some(t) => Some(match plan.task(&auth.actor, &t).await {
            Ok(task) => task.id,
            Err(Error::NotFound(_)) => {
                return Err(Error::validation("task", format!("no task `{t}`")))
            }
            Err(e) => return Err(e),
        }),
        None => None,
    };
    let filter = ItemFilter {
        task_id,
        unit: query.unit.filter(|u| !u.is_empty()),
        state: query.state,
    };
    Ok(ApiJson(plan.list_items(&auth.actor, filter, page).await?))
}

/// One work item with its light and milestones.
#[utoipa::path(get, path = "/api/v1/plan/items/{id}", tag = "plan",
    responses((status = 200, body = ItemDetail), (status = 404, body = Problem)))]
async fn get_item(
    State(plan): State<Plan>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<ApiJson<ItemDetail>, Error> {
    Ok(ApiJson(plan.item(&auth.actor, &id).await?))
}

/// Change a work item (office).
#[utoipa::path(patch, path = "/api/v1/plan/items/{id}", tag = "plan", request_body = ItemPatch,
    responses((status = 200, body = ItemView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
async fn update_item(
    State(plan): State<Plan>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ItemPatch>,
) -> Result<ApiJson<ItemView>, Error> {
    Ok(ApiJson(plan.update_item(&auth.actor, &id, body).await?))
}

/// Move a work item one step: `acknowledged` (签收) and `in_progress` (办理) by its owner
/// unit, `done` (办结) by the office. Any other move is 409.
#[utoipa::path(post, path = "/api/v1/plan/items/{id}/transitions", tag = "plan", request_body = Transition,
    responses((status = 200, body = ItemView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn transition(
    State(plan): State<Plan>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Transition>,
) -> Result<ApiJson<ItemView>, Error> {
    Ok(ApiJson(plan.transition(&auth.actor, &id, body).await?))
}

/// Add a milestone to a work item (office).
#[utoipa::path(post, path = "/api/v1/plan/items/{id}/milestones", tag = "plan", request_body = NewMilestone,
    responses((status = 201, body = Milestone), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
async fn create_milestone(
    State(plan): State<Plan>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewMilestone>,
) -> Result<(StatusCode, ApiJson<Milestone>), Error> {
    Ok((
        StatusCode::CREATED,
        ApiJson(plan.create_milestone(&auth.actor, &id, body).await?),
    ))
}

/// Change a milestone (office), or mark it reached (`{"done": true}`, also the owner unit).
#[utoipa::path(patch, path = "/api/v1/plan/items/{id}/milestones/{milestone}", tag = "plan",
    request_body = MilestonePatch,
    responses((status = 200, body = Milestone), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
async fn update_milestone(
    State(plan): State<Plan>,
    auth: Authenticated,
    Path((id, milestone)): Path<(String, String)>,
    ApiJson(body): ApiJson<MilestonePatch>,
) -> Result<ApiJson<Milestone>, Error> {
    Ok(ApiJson(
        plan.update_milestone(&auth.actor, &id, &milestone, body)
            .await?,
    ))
}

/// Remove a milestone (office).
#[utoipa::path(delete, path = "/api/v1/plan/items/{id}/milestones/{milestone}", tag = "plan",
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn delete_milestone(
    State(plan): State<Plan>,
    auth: Authenticated,
    Path((id, milestone)): Path<(String, String)>,
) -> Result<StatusCode, Error> {
    plan.delete_milestone(&auth.actor, &id, &milestone).await?;
    Ok(StatusCode::NO_CONTENT)
}
