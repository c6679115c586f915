//! `/api/v1/notifications`: the signed-in user's in-app notifications.

use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yuverse_core::error::Problem;
use yuverse_core::{ApiJson, ApiQuery, Error};
use yuverse_governance::http::Authenticated;
use yuverse_governance::Governance;

use super::page;
use crate::service::NotificationPage;
use crate::Plan;

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Governance: FromRef<S>,
    Plan: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(list_notifications))
        .routes(routes!(mark_read))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct NotificationQuery {
    /// Only unread ones.
    unread: Option<bool>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// Notifications for the signed-in user's organisation and role, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", params(NotificationQuery),
    responses((status = 200, body = NotificationPage), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn list_notifications(
    State(plan): State<Plan>,
    auth: Authenticated,
    ApiQuery(query): ApiQuery<NotificationQuery>,
) -> Result<ApiJson<NotificationPage>, Error> {
    let page = page(query.limit, query.offset)?;
    Ok(ApiJson(
        plan.notifications(&auth.actor, query.unread.unwrap_or(false), page)
            .await?,
    ))
}

/// Mark a notification read.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "notifications",
    responses((status = 204), (status = 404, body = Problem)))]
async fn mark_read(
    State(plan): State<Plan>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    plan.mark_read(&auth.actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
