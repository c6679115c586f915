//! `Authenticated`: the extractor that turns a request's credentials into an [`Actor`].
//!
//! Credentials, in order: the `yuverse_session` cookie (the browser UI), `Authorization: Bearer`
//! with a session token (`yvs_…`) or an API key (`yvk_…`), and `X-API-Key`. A request without
//! any is 401; the service decides what an authenticated actor may do.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use yuverse_core::{Actor, Error};

use super::client_address::ClientAddress;
use crate::service::auth_prefixes::{API_KEY_PREFIX, SESSION_PREFIX};
use crate::Governance;

pub const SESSION_COOKIE: &str = "yuverse_session";

/// The acting user or key, and the session token when the actor came from one.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub actor: Actor,
    pub session_token: Option<String>,
}

/// The client's address: as resolved through trusted proxies ([`ClientAddress`]), else the
/// TCP peer's.
pub fn client_ip(parts: &Parts) -> Option<String> {
    if let Some(ClientAddress(ip)) = parts.extensions.get::<ClientAddress>() {
        return Some(ip.to_string());
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
}

/// The client address as an extractor (for routes that work without signing in).
#[derive(Debug, Clone)]
pub struct ClientIp(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts)))
    }
}

fn bearer(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

impl<S> FromRequestParts<S> for Authenticated
where
    S: Send + Sync,
    Governance: FromRef<S>,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let governance = Governance::from_ref(state);
        let ip = client_ip(parts);
        let jar = CookieJar::from_headers(&parts.headers);
        let credential = bearer(parts)
            .or_else(|| {
                parts
                    .headers
                    .get("x-api-key")
                    .and_then(|v| v.to_str().ok())
                    .map(|v| v.trim().to_owned())
            })
            .or_else(|| jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()));
        let Some(credential) = credential else {
            return Err(Error::Unauthenticated(
                "sign in, or send a session token or API key".into(),
            ));
        };
        if credential.starts_with(SESSION_PREFIX) {
            let actor = governance.authenticate_session(&credential, ip).await?;
            Ok(Authenticated {
                actor,
                session_token: Some(credential),
            })
        } else if credential.starts_with(API_KEY_PREFIX) {
            let actor = governance.authenticate_api_key(&credential, ip).await?;
            Ok(Authenticated {
                actor,
                session_token: None,
            })
        } else {
            Err(Error::Unauthenticated(
                "the credential has an unknown form".into(),
            ))
        }
    }
}
