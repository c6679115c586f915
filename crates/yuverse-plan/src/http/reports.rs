//! Progress reports and their review.

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
use crate::domain::input::{NewReport, Review};
use crate::store::reports::{Report, ReportFilter, ReportState};
use crate::Plan;

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Governance: FromRef<S>,
    Plan: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(submit_report))
        .routes(routes!(list_reports))
        .routes(routes!(get_report))
        .routes(routes!(review_report))
        .routes(routes!(resubmit_report))
}

/// Report progress on a work item (its owner unit only).
#[utoipa::path(post, path = "/api/v1/plan/items/{id}/reports", tag = "plan", request_body = NewReport,
    responses((status = 201, body = Report), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn submit_report(
    State(plan): State<Plan>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewReport>,
) -> Result<(StatusCode, ApiJson<Report>), Error> {
    Ok((
        StatusCode::CREATED,
        ApiJson(plan.submit_report(&auth.actor, &id, body).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct ReportQuery {
    /// Work item id.
    item: Option<String>,
    /// Organisation id of the reporting unit.
    unit: Option<String>,
    state: Option<ReportState>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// Reports, oldest first (the history of an item with `item=`).
#[utoipa::path(get, path = "/api/v1/plan/reports", tag = "plan", params(ReportQuery),
    responses((status = 200, body = Paged<Report>), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list_reports(
    State(plan): State<Plan>,
    auth: Authenticated,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> Result<ApiJson<Paged<Report>>, Error> {
    let page = page(query.limit, query.offset)?;
    let filter = ReportFilter {
        item_id: query.item.filter(|s| !s.is_empty()),
        organisation_id: query.unit.filter(|s| !s.is_empty()),
        state: query.state,
    };
    Ok(ApiJson(plan.list_reports(&auth.actor, filter, page).await?))
}

#[utoipa::path(get, path = "/api/v1/plan/reports/{id}", tag = "plan",
    responses((status = 200, body = Report), (status = 404, body = Problem)))]
async fn get_report(
    State(plan): State<Plan>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<ApiJson<Report>, Error> {
    Ok(ApiJson(plan.report(&auth.actor, &id).await?))
}

/// Accept a report (the item's progress becomes its percentage) or return it with a reason
/// (office).
#[utoipa::path(post, path = "/api/v1/plan/reports/{id}/review", tag = "plan", request_body = Review,
    responses((status = 200, body = Report), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn review_report(
    State(plan): State<Plan>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Review>,
) -> Result<ApiJson<Report>, Error> {
    Ok(ApiJson(plan.review_report(&auth.actor, &id, body).await?))
}

/// Resubmit a returned report (its unit; once): a new report naming the returned one.
#[utoipa::path(post, path = "/api/v1/plan/reports/{id}/resubmit", tag = "plan", request_body = NewReport,
    responses((status = 201, body = Report), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn resubmit_report(
    State(plan): State<Plan>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewReport>,
) -> Result<(StatusCode, ApiJson<Report>), Error> {
    Ok((
        StatusCode::CREATED,
        ApiJson(plan.resubmit_report(&auth.actor, &id, body).await?),
    ))
}
