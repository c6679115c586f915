use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yuverse_core::error::Problem;
use yuverse_core::{ApiJson, Error, Permission, Role};

use super::extract::Authenticated;
use crate::domain::organisation::OrganisationKind;
use crate::service::{RealNameRequest, RealNameView};
use crate::store::users::User;
use crate::Governance;

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Governance: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(get_me))
        .routes(routes!(change_password))
        .routes(routes!(verify_real_name))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrganisationRef {
    pub id: String,
    pub name: String,
    pub kind: OrganisationKind,
}

/// The signed-in user, with what they may do.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub role: Role,
    pub permissions: Vec<Permission>,
    pub organisation: Option<OrganisationRef>,
    pub real_name: Option<RealNameView>,
}

pub(super) async fn me_of(governance: &Governance, user: User) -> Result<Me, Error> {
    let organisation = match &user.organisation_id {
        Some(id) => {
            let mut conn = governance.db().pool.acquire().await?;
            crate::store::organisations::get(&mut conn, id)
                .await?
                .map(|o| OrganisationRef {
                    id: o.id,
                    name: o.name,
                    kind: o.kind,
                })
        }
        None => None,
    };
    let real_name = governance.real_name_of(&user.id).await?;
    Ok(Me {
        permissions: user.role.permissions().to_vec(),
        id: user.id,
        username: user.username,
        display_name: user.display_name,
        phone: user.phone,
        email: user.email,
        role: user.role,
        organisation,
        real_name,
    })
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "me",
    responses((status = 200, body = Me), (status = 401, body = Problem)))]
async fn get_me(
    State(governance): State<Governance>,
    auth: Authenticated,
) -> Result<ApiJson<Me>, Error> {
    let Some(user_id) = auth.actor.user_id() else {
        return Err(Error::Forbidden("an API key is not a user".into()));
    };
    let user = governance.get_user(&auth.actor, user_id).await?;
    Ok(ApiJson(me_of(&governance, user).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Change one's own password.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "me",
    request_body = PasswordChange,
    responses((status = 204), (status = 422, body = Problem)))]
async fn change_password(
    State(governance): State<Governance>,
    auth: Authenticated,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<StatusCode, Error> {
    governance
        .change_own_password(&auth.actor, &body.current_password, &body.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Verify one's real name with the resident identity number (citizens).
#[utoipa::path(post, path = "/api/v1/me/real-name", tag = "me",
    request_body = RealNameRequest,
    responses((status = 200, body = RealNameView), (status = 403, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn verify_real_name(
    State(governance): State<Governance>,
    auth: Authenticated,
    ApiJson(body): ApiJson<RealNameRequest>,
) -> Result<ApiJson<RealNameView>, Error> {
    Ok(ApiJson(
        governance.verify_real_name(&auth.actor, body).await?,
    ))
}
