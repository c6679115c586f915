use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yuverse_core::error::Problem;
use yuverse_core::{ApiJson, ApiQuery, Error, PageQuery, Paged};

use super::extract::Authenticated;
use crate::domain::organisation::OrganisationKind;
use crate::service::{NewOrganisation, OrganisationPatch};
use crate::store::organisations::{Organisation, OrganisationFilter};
use crate::Governance;

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Governance: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(list_organisations, create_organisation))
        .routes(routes!(get_organisation, update_organisation))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OrganisationQuery {
    kind: Option<OrganisationKind>,
    /// Part of the name, English name or code.
    q: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// List organisations.
#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", params(OrganisationQuery),
    responses((status = 200, body = Paged<Organisation>), (status = 403, body = Problem)))]
async fn list_organisations(
    State(governance): State<Governance>,
    auth: Authenticated,
    ApiQuery(query): ApiQuery<OrganisationQuery>,
) -> Result<ApiJson<Paged<Organisation>>, Error> {
    let page = PageQuery {
        limit: query.limit,
        offset: query.offset,
    }
    .validate()?;
    let filter = OrganisationFilter {
        kind: query.kind,
        q: query.q.filter(|q| !q.is_empty()),
    };
    Ok(ApiJson(
        governance
            .list_organisations(&auth.actor, filter, page)
            .await?,
    ))
}

/// Register an organisation (office, system administrator).
#[utoipa::path(post, path = "/api/v1/organisations", tag = "organisations",
    request_body = NewOrganisation,
    responses((status = 201, body = Organisation), (status = 403, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_organisation(
    State(governance): State<Governance>,
    auth: Authenticated,
    ApiJson(body): ApiJson<NewOrganisation>,
) -> Result<(StatusCode, ApiJson<Organisation>), Error> {
    let organisation = governance.create_organisation(&auth.actor, body).await?;
    Ok((StatusCode::CREATED, ApiJson(organisation)))
}

/// One organisation.
#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "organisations",
    responses((status = 200, body = Organisation), (status = 404, body = Problem)))]
async fn get_organisation(
    State(governance): State<Governance>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<ApiJson<Organisation>, Error> {
    Ok(ApiJson(
        governance.get_organisation(&auth.actor, &id).await?,
    ))
}

/// Change an organisation's names or credit code (office, system administrator).
#[utoipa::path(patch, path = "/api/v1/organisations/{id}", tag = "organisations",
    request_body = OrganisationPatch,
    responses((status = 200, body = Organisation), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update_organisation(
    State(governance): State<Governance>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<OrganisationPatch>,
) -> Result<ApiJson<Organisation>, Error> {
    Ok(ApiJson(
        governance
            .update_organisation(&auth.actor, &id, body)
            .await?,
    ))
}
