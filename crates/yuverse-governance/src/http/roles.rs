use axum::extract::FromRef;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yuverse_core::error::Problem;
use yuverse_core::{ApiJson, Error, Permission, Role};

use super::extract::Authenticated;
use crate::Governance;

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Governance: FromRef<S>,
{
    OpenApiRouter::new().routes(routes!(list_roles))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoleInfo {
    pub role: Role,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub permissions: Vec<Permission>,
}

/// The roles and what each may do.
#[utoipa::path(get, path = "/api/v1/roles", tag = "roles",
    responses((status = 200, body = Vec<RoleInfo>), (status = 401, body = Problem)))]
async fn list_roles(_auth: Authenticated) -> Result<ApiJson<Vec<RoleInfo>>, Error> {
    Ok(ApiJson(
        Role::ALL
            .into_iter()
            .map(|role| RoleInfo {
                role,
                name_zh: role.name_zh(),
                name_en: role.name_en(),
                permissions: role.permissions().to_vec(),
            })
            .collect(),
    ))
}
