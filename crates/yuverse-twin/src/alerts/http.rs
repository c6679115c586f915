//! `/api/v1/twin/alert-rules` and `/api/v1/twin/alerts` (platform API style: problem+json
//! errors, `ApiJson`, OpenAPI).

use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yuverse_core::error::Problem;
use yuverse_core::{ApiJson, ApiQuery, Error, PageQuery, Paged};
use yuverse_governance::http::Authenticated;
use yuverse_governance::Governance;

use super::{Alert, AlertFilter, AlertState, Alerts, CloseRequest, NewRule, Rule, RulePatch};

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Governance: FromRef<S>,
    Alerts: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(list_rules, create_rule))
        .routes(routes!(get_rule, update_rule, delete_rule))
        .routes(routes!(list_alerts))
        .routes(routes!(get_alert))
        .routes(routes!(acknowledge_alert))
        .routes(routes!(close_alert))
}

/// Alert rules, oldest first.
#[utoipa::path(get, path = "/api/v1/twin/alert-rules", tag = "twin-alerts", params(PageQuery),
    responses((status = 200, body = Paged<Rule>), (status = 401, body = Problem),
              (status = 403, body = Problem)))]
async fn list_rules(
    State(alerts): State<Alerts>,
    auth: Authenticated,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<ApiJson<Paged<Rule>>, Error> {
    let page = page.validate()?;
    Ok(ApiJson(alerts.rules(&auth.actor, page).await?))
}

/// Create a rule; entities matching it now raise alerts right away.
#[utoipa::path(post, path = "/api/v1/twin/alert-rules", tag = "twin-alerts", request_body = NewRule,
    responses((status = 201, body = Rule), (status = 403, body = Problem),
              (status = 422, body = Problem)))]
async fn create_rule(
    State(alerts): State<Alerts>,
    auth: Authenticated,
    ApiJson(body): ApiJson<NewRule>,
) -> Result<(StatusCode, ApiJson<Rule>), Error> {
    let created = alerts.create_rule(&auth.actor, body).await?;
    Ok((StatusCode::CREATED, ApiJson(created)))
}

#[utoipa::path(get, path = "/api/v1/twin/alert-rules/{id}", tag = "twin-alerts",
    responses((status = 200, body = Rule), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
async fn get_rule(
    State(alerts): State<Alerts>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<ApiJson<Rule>, Error> {
    Ok(ApiJson(alerts.rule(&auth.actor, &id).await?))
}

/// Change a rule (members given are changed; `"geofence": null` removes it).
#[utoipa::path(patch, path = "/api/v1/twin/alert-rules/{id}", tag = "twin-alerts",
    request_body = RulePatch,
    responses((status = 200, body = Rule), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update_rule(
    State(alerts): State<Alerts>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RulePatch>,
) -> Result<ApiJson<Rule>, Error> {
    Ok(ApiJson(alerts.update_rule(&auth.actor, &id, body).await?))
}

/// Delete a rule; its alerts that are not closed are closed with reason `rule deleted`.
#[utoipa::path(delete, path = "/api/v1/twin/alert-rules/{id}", tag = "twin-alerts",
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn delete_rule(
    State(alerts): State<Alerts>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    alerts.delete_rule(&auth.actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Filters and paging of the alert list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct AlertQuery {
    /// `open`, `acknowledged` or `closed`.
    state: Option<AlertState>,
    rule_id: Option<String>,
    /// The NGSI-LD id of the entity that raised the alert.
    entity_id: Option<String>,
    /// Page size, 1 to 500 (default 50).
    limit: Option<i64>,
    /// Number of items to skip (default 0).
    offset: Option<i64>,
}

/// Alerts, newest first.
#[utoipa::path(get, path = "/api/v1/twin/alerts", tag = "twin-alerts", params(AlertQuery),
    responses((status = 200, body = Paged<Alert>), (status = 400, body = Problem),
              (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn list_alerts(
    State(alerts): State<Alerts>,
    auth: Authenticated,
    ApiQuery(query): ApiQuery<AlertQuery>,
) -> Result<ApiJson<Paged<Alert>>, Error> {
    let page = PageQuery {
        limit: query.limit,
        offset: query.offset,
    }
    .validate()?;
    let filter = AlertFilter {
        state: query.state,
        rule_id: query.rule_id,
        entity_id: query.entity_id,
    };
    Ok(ApiJson(alerts.list(&auth.actor, filter, page).await?))
}

#[utoipa::path(get, path = "/api/v1/twin/alerts/{id}", tag = "twin-alerts",
    responses((status = 200, body = Alert), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
async fn get_alert(
    State(alerts): State<Alerts>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<ApiJson<Alert>, Error> {
    Ok(ApiJson(alerts.get(&auth.actor, &id).await?))
}

/// Acknowledge an open alert.
#[utoipa::path(post, path = "/api/v1/twin/alerts/{id}/acknowledge", tag = "twin-alerts",
    responses((status = 200, body = Alert), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn acknowledge_alert(
    State(alerts): State<Alerts>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<ApiJson<Alert>, Error> {
    Ok(ApiJson(alerts.acknowledge(&auth.actor, &id).await?))
}

/// Close an open or acknowledged alert, optionally with `{"reason": "…"}`.
#[utoipa::path(post, path = "/api/v1/twin/alerts/{id}/close", tag = "twin-alerts",
    request_body(content = Option<CloseRequest>),
    responses((status = 200, body = Alert), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
async fn close_alert(
    State(alerts): State<Alerts>,
    auth: Authenticated,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<ApiJson<Alert>, Error> {
    // The body is optional: an empty one closes without a reason.
    let request: CloseRequest = if body.iter().all(u8::is_ascii_whitespace) {
        CloseRequest::default()
    } else {
        yuverse_core::json::parse_json(&body)?
    };
    Ok(ApiJson(
        alerts.close(&auth.actor, &id, request.reason).await?,
    ))
}
