//! HTTP for governance: the authentication extractor every context uses, and the `/api/v1`
//! routes for sign-in, the current user, users, organisations, API keys, roles and audit.

mod api_keys;
mod audit;
mod auth;
mod client_address;
mod extract;
mod me;
mod organisations;
mod roles;
mod users;

use axum::extract::FromRef;
use utoipa_axum::router::OpenApiRouter;

pub use client_address::{resolve_client_address, ClientAddress, TrustedProxies};
pub use extract::{client_ip, Authenticated, ClientIp, SESSION_COOKIE};

use crate::Governance;

/// Every governance route, with its OpenAPI description, for the state `S` of the composition.
pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Governance: FromRef<S>,
{
    OpenApiRouter::new()
        .merge(auth::router())
        .merge(me::router())
        .merge(users::router())
        .merge(organisations::router())
        .merge(api_keys::router())
        .merge(roles::router())
        .merge(audit::router())
}
