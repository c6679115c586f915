use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yuverse_core::error::Problem;
use yuverse_core::{ApiJson, ApiQuery, Error, PageQuery, Paged};

use super::extract::Authenticated;
use crate::service::{CreatedApiKey, NewApiKey};
use crate::store::api_keys::ApiKey;
use crate::Governance;

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Governance: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(list_api_keys, create_api_key))
        .routes(routes!(revoke_api_key))
}

/// API keys the caller may manage (all, or their organisation's).
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "api-keys", params(PageQuery),
    responses((status = 200, body = Paged<ApiKey>), (status = 403, body = Problem)))]
async fn list_api_keys(
    State(governance): State<Governance>,
    auth: Authenticated,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<ApiJson<Paged<ApiKey>>, Error> {
    let page = page.validate()?;
    Ok(ApiJson(governance.list_api_keys(&auth.actor, page).await?))
}

/// Create an API key; the answer is the only time the secret is shown.
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "api-keys", request_body = NewApiKey,
    responses((status = 201, body = CreatedApiKey), (status = 403, body = Problem),
              (status = 422, body = Problem)))]
async fn create_api_key(
    State(governance): State<Governance>,
    auth: Authenticated,
    ApiJson(body): ApiJson<NewApiKey>,
) -> Result<(StatusCode, ApiJson<CreatedApiKey>), Error> {
    let created = governance.create_api_key(&auth.actor, body).await?;
    Ok((StatusCode::CREATED, ApiJson(created)))
}

/// Revoke an API key; it stops working at once.
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "api-keys",
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn revoke_api_key(
    State(governance): State<Governance>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    governance.revoke_api_key(&auth.actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
