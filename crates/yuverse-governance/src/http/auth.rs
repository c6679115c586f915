use axum::extract::{FromRef, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yuverse_core::error::Problem;
use yuverse_core::{ApiJson, Error};

use super::extract::{Authenticated, ClientIp, SESSION_COOKIE};
use super::me::{me_of, Me};
use crate::Governance;

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Governance: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    /// Session token for API clients (`Authorization: Bearer …`); browsers use the cookie.
    pub token: String,
    /// The session ends after this many seconds without a request.
    pub expires_in_secs: u64,
    pub user: Me,
}

/// The session cookie: HttpOnly (no script reads it) and SameSite=Strict (no cross-site
/// request carries it, which is the CSRF defence for the UI).
fn session_cookie(value: String, remove: bool) -> HeaderValue {
    let mut cookie = Cookie::build((SESSION_COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/")
        .build();
    if remove {
        cookie.make_removal();
    }
    HeaderValue::from_str(&cookie.to_string()).expect("cookie is ASCII")
}

/// Sign in with username and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse, description = "Signed in; also sets the session cookie"),
        (status = 401, body = Problem, description = "Wrong username or password"),
        (status = 423, body = Problem, description = "Account locked after repeated failures"),
        (status = 429, body = Problem, description = "Too many attempts from this address"),
    ))]
async fn login(
    State(governance): State<Governance>,
    ClientIp(ip): ClientIp,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Response, Error> {
    governance.check_login_rate(ip.as_deref())?;
    let result = governance
        .login(&request.username, &request.password, ip)
        .await?;
    let me = me_of(&governance, result.user).await?;
    let body = LoginResponse {
        token: result.token.clone(),
        expires_in_secs: governance.config().session_idle_timeout.as_secs(),
        user: me,
    };
    let mut response = ApiJson(body).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(result.token, false));
    Ok(response)
}

/// End the current session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Signed out; the cookie is cleared"),
              (status = 401, body = Problem)))]
async fn logout(
    State(governance): State<Governance>,
    auth: Authenticated,
) -> Result<(StatusCode, HeaderMap), Error> {
    if let Some(token) = &auth.session_token {
        governance.logout(&auth.actor, token).await?;
    }
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, session_cookie(String::new(), true));
    Ok((StatusCode::NO_CONTENT, headers))
}
