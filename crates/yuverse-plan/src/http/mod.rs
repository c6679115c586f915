//! `/api/v1/plan/…` and `/api/v1/notifications`: parse, call one service method, answer.

mod items;
mod notifications;
mod plan;
mod reports;

use axum::extract::FromRef;
use utoipa_axum::router::OpenApiRouter;
use yuverse_governance::Governance;

use crate::Plan;

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Governance: FromRef<S>,
    Plan: FromRef<S>,
{
    OpenApiRouter::new()
        .merge(plan::router())
        .merge(items::router())
        .merge(reports::router())
        .merge(notifications::router())
}

/// Paging from optional query fields.
fn page(
    limit: Option<i64>,
    offset: Option<i64>,
) -> Result<yuverse_core::paging::Page, yuverse_core::Error> {
    yuverse_core::PageQuery { limit, offset }.validate()
}
