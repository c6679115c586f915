use axum::extract::{FromRef, State};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yuverse_core::error::Problem;
use yuverse_core::{time, ApiJson, ApiQuery, Error, FieldError, PageQuery, Paged};

use super::extract::Authenticated;
use crate::service::audit::{AuditEntry, AuditFilter};
use crate::Governance;

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Governance: FromRef<S>,
{
    OpenApiRouter::new().routes(routes!(list_audit))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Username (or `apikey:<id>`, `system`) of the actor.
    actor: Option<String>,
    /// An action, or a prefix ending in `.` such as `auth.`.
    action: Option<String>,
    /// The target, e.g. `user:<id>`.
    target: Option<String>,
    /// `success`, `denied` or `failure`.
    outcome: Option<String>,
    /// RFC 3339 time, inclusive.
    from: Option<String>,
    /// RFC 3339 time, inclusive.
    to: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

fn time_param(name: &str, value: Option<String>, errors: &mut Vec<FieldError>) -> Option<String> {
    let value = value.filter(|v| !v.is_empty())?;
    match time::parse_rfc3339(&value) {
        Some(t) => Some(time::to_db(t)),
        None => {
            errors.push(FieldError::new(name, "must be an RFC 3339 time"));
            None
        }
    }
}

/// Browse the audit log, newest first (auditor).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Paged<AuditEntry>), (status = 403, body = Problem),
              (status = 422, body = Problem)))]
async fn list_audit(
    State(governance): State<Governance>,
    auth: Authenticated,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<ApiJson<Paged<AuditEntry>>, Error> {
    let page = PageQuery {
        limit: query.limit,
        offset: query.offset,
    }
    .validate()?;
    let mut errors = Vec::new();
    let from = time_param("from", query.from, &mut errors);
    let to = time_param("to", query.to, &mut errors);
    let outcome = query.outcome.filter(|o| !o.is_empty());
    if let Some(o) = &outcome {
        if !["success", "denied", "failure"].contains(&o.as_str()) {
            errors.push(FieldError::new(
                "outcome",
                "must be success, denied or failure",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let filter = AuditFilter {
        actor: query.actor.filter(|a| !a.is_empty()),
        action: query.action.filter(|a| !a.is_empty()),
        target: query.target.filter(|t| !t.is_empty()),
        outcome,
        from,
        to,
    };
    Ok(ApiJson(
        governance.audit_list(&auth.actor, filter, page).await?,
    ))
}
