//! Governance use cases. Each public method takes the acting [`Actor`], authorises first, then
//! validates, then changes state in one write transaction together with its audit entry.

mod api_keys;
pub mod audit;
mod auth;
mod organisations;
mod real_name;
mod users;

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use yuverse_core::db::Database;
use yuverse_core::{Actor, Error, Permission};

pub use api_keys::{CreatedApiKey, NewApiKey};
pub use audit::{AuditActor, AuditEntry, AuditEvent, Outcome};
pub use auth::{LoginResult, LOCKOUT_THRESHOLD};

/// The prefixes that tell session tokens from API keys.
pub mod auth_prefixes {
    pub use super::auth::{API_KEY_PREFIX, SESSION_PREFIX};
}
pub use organisations::{NewOrganisation, OrganisationPatch};
pub use real_name::{RealNameRequest, RealNameView};
pub use users::{NewUser, UserPatch};

use crate::pii::PiiCipher;

#[derive(Debug, Clone)]
pub struct GovernanceConfig {
    /// A session ends after this long without a request.
    pub session_idle_timeout: Duration,
    /// How long an account stays locked after too many failed logins.
    pub lockout_duration: Duration,
    /// Sign-in attempts allowed per client address per minute.
    pub login_attempts_per_minute: u32,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`--trusted-proxies`).
    pub trusted_proxies: crate::http::TrustedProxies,
}

impl Default for GovernanceConfig {
    fn default() -> Self {
        Self {
            session_idle_timeout: Duration::from_secs(30 * 60),
            lockout_duration: Duration::from_secs(15 * 60),
            login_attempts_per_minute: 20,
            trusted_proxies: Default::default(),
        }
    }
}

/// The governance service: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Governance {
    db: Database,
    pii: PiiCipher,
    config: GovernanceConfig,
    login_limiter: Arc<DefaultKeyedRateLimiter<String>>,
}

impl std::fmt::Debug for Governance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Governance")
            .field("config", &self.config)
            .finish()
    }
}

impl Governance {
    pub fn new(db: Database, pii: PiiCipher, config: GovernanceConfig) -> Self {
        let per_minute =
            NonZeroU32::new(config.login_attempts_per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let login_limiter = Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute)));
        Self {
            db,
            pii,
            config,
            login_limiter,
        }
    }

    /// Throttles sign-in attempts per client address (brute force across accounts).
    pub fn check_login_rate(&self, ip: Option<&str>) -> Result<(), Error> {
        let key = ip.unwrap_or("unknown").to_owned();
        self.login_limiter
            .check_key(&key)
            .map_err(|_| Error::RateLimited)
    }

    /// Forgets idle rate-limit buckets (called with the periodic session purge).
    pub fn shrink_login_limiter(&self) {
        self.login_limiter.retain_recent();
        self.login_limiter.shrink_to_fit();
    }

    pub fn db(&self) -> &Database {
        &self.db
    }

    pub fn config(&self) -> &GovernanceConfig {
        &self.config
    }

    /// Authorises a state-changing action; a refusal is itself audited (outcome `denied`).
    async fn authorize_write(
        &self,
        actor: &Actor,
        permission: Permission,
        action: &str,
        target: Option<&str>,
    ) -> Result<(), Error> {
        if let Err(denied) = actor.require(permission) {
            let mut tx = self.db.write().await?;
            audit::append(
                tx.conn(),
                &AuditActor::from(actor),
                AuditEvent::new(action, target).outcome(Outcome::Denied),
            )
            .await?;
            tx.commit().await?;
            return Err(denied);
        }
        Ok(())
    }
}
