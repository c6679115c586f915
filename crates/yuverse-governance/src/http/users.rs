use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yuverse_core::error::Problem;
use yuverse_core::{ApiJson, ApiQuery, Error, PageQuery, Paged, Role};

use super::extract::Authenticated;
use crate::service::{NewUser, UserPatch};
use crate::store::users::{User, UserFilter};
use crate::Governance;

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Governance: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user))
        .routes(routes!(unlock_user))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UserQuery {
    /// Part of the username or display name.
    q: Option<String>,
    role: Option<Role>,
    organisation_id: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// List users.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserQuery),
    responses((status = 200, body = Paged<User>), (status = 403, body = Problem)))]
async fn list_users(
    State(governance): State<Governance>,
    auth: Authenticated,
    ApiQuery(query): ApiQuery<UserQuery>,
) -> Result<ApiJson<Paged<User>>, Error> {
    let page = PageQuery {
        limit: query.limit,
        offset: query.offset,
    }
    .validate()?;
    let filter = UserFilter {
        q: query.q.filter(|q| !q.is_empty()),
        role: query.role,
        organisation_id: query.organisation_id.filter(|o| !o.is_empty()),
    };
    Ok(ApiJson(
        governance.list_users(&auth.actor, filter, page).await?,
    ))
}

/// Create a user (system administrator).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = User), (status = 403, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_user(
    State(governance): State<Governance>,
    auth: Authenticated,
    ApiJson(body): ApiJson<NewUser>,
) -> Result<(StatusCode, ApiJson<User>), Error> {
    let user = governance.create_user(&auth.actor, body).await?;
    Ok((StatusCode::CREATED, ApiJson(user)))
}

/// One user.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users",
    responses((status = 200, body = User), (status = 404, body = Problem)))]
async fn get_user(
    State(governance): State<Governance>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<ApiJson<User>, Error> {
    Ok(ApiJson(governance.get_user(&auth.actor, &id).await?))
}

/// Change a user's profile, role, organisation or disabled flag (system administrator).
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", request_body = UserPatch,
    responses((status = 200, body = User), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update_user(
    State(governance): State<Governance>,
    auth: Authenticated,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UserPatch>,
) -> Result<ApiJson<User>, Error> {
    Ok(ApiJson(
        governance.update_user(&auth.actor, &id, body).await?,
    ))
}

/// Lift a lock-out (security administrator).
#[utoipa::path(post, path = "/api/v1/users/{id}/unlock", tag = "users",
    responses((status = 200, body = User), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn unlock_user(
    State(governance): State<Governance>,
    auth: Authenticated,
    Path(id): Path<String>,
) -> Result<ApiJson<User>, Error> {
    Ok(ApiJson(governance.unlock_user(&auth.actor, &id).await?))
}
