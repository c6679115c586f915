//! The supervision report for a period as JSON, XLSX or a printable page.

use axum::extract::{FromRef, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yuverse_core::error::Problem;
use yuverse_core::{ApiJson, ApiQuery, Error};
use yuverse_governance::http::Authenticated;
use yuverse_governance::Governance;

use crate::export::{to_html, to_xlsx};
use crate::service::SupervisionReport;
use crate::Plan;

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Governance: FromRef<S>,
    Plan: FromRef<S>,
{
    OpenApiRouter::new().routes(routes!(supervision_report))
}

#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
enum Format {
    #[default]
    Json,
    Xlsx,
    Html,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct ReportQuery {
    /// `YYYY-MM` or `YYYY-Qn` (default: the current month).
    period: Option<String>,
    /// `json` (default), `xlsx` (a workbook to download) or `html` (a printable page).
    #[param(inline)]
    format: Option<Format>,
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The supervision report (督办通报) for a period: the plan's figures, every item with its
/// light, the period's reports.
#[utoipa::path(get, path = "/api/v1/plan/supervision-report", tag = "plan", params(ReportQuery),
    responses((status = 200, body = SupervisionReport, description = "JSON; or XLSX / HTML with `format`"),
              (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn supervision_report(
    State(plan): State<Plan>,
    auth: Authenticated,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> Result<Response, Error> {
    let report = plan.supervision_report(&auth.actor, query.period).await?;
    let file = format!("supervision-{}", report.period);
    Ok(match query.format.unwrap_or_default() {
        Format::Json => ApiJson(report).into_response(),
        Format::Xlsx => {
            let bytes = to_xlsx(&report).map_err(|e| Error::Internal(e.into()))?;
            (
                [
                    (header::CONTENT_TYPE, XLSX.to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{file}.xlsx\""),
                    ),
                ],
                bytes,
            )
                .into_response()
        }
        Format::Html => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned())],
            to_html(&report),
        )
            .into_response(),
    })
}
