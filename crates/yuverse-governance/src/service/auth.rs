//! Sign-in, sessions and API-key authentication.
//!
//! Session tokens (`yvs_…`) and API keys (`yvk_…`) are 256-bit random secrets; only their
//! SHA-256 is stored, so a copy of the database cannot be used to sign in. A session ends after
//! the idle timeout; `last_seen_at` is refreshed at most every 30 seconds to keep reads cheap.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use yuverse_core::{time, Actor, Error, Permission, Principal};

use super::audit::{append, AuditActor, AuditEvent, Outcome};
use super::Governance;
use crate::domain::password;
use crate::store;
use crate::store::users::User;

/// Consecutive failures that lock an account.
pub const LOCKOUT_THRESHOLD: i64 = 5;
const TOUCH_EVERY_SECS: i64 = 30;
pub const SESSION_PREFIX: &str = "yvs_";
pub const API_KEY_PREFIX: &str = "yvk_";

/// An Argon2id hash verified against when the username does not exist, so that a wrong
/// username costs as much time as a wrong password (no user enumeration by timing).
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| password::hash(&new_secret("")).unwrap_or_default())
}

pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", B64URL.encode(bytes))
}

pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[derive(Debug)]
pub struct LoginResult {
    pub token: String,
    pub user: User,
}

fn actor_for(user: &User, ip: Option<String>) -> Actor {
    Actor {
        principal: Principal::User {
            user_id: user.id.clone(),
            username: user.username.clone(),
            role: user.role,
        },
        organisation_id: user.organisation_id.clone(),
        ip,
    }
}

impl Governance {
    pub async fn login(
        &self,
        username: &str,
        password_attempt: &str,
        ip: Option<String>,
    ) -> Result<LoginResult, Error> {
        let now = time::now();
        let found = {
            let mut conn = self.db.pool.acquire().await?;
            store::users::get_by_username(&mut conn, username).await?
        };
        let who = AuditActor::anonymous(username, ip.clone());
        let Some((user, credentials)) = found else {
            password::verify(password_attempt, dummy_hash());
            self.audit_login_failure(&who, None, "unknown username")
                .await?;
            return Err(wrong_credentials());
        };
        let target = format!("user:{}", user.id);
        if user.disabled {
            self.audit_login_failure(&who, Some(&target), "account disabled")
                .await?;
            return Err(wrong_credentials());
        }
        if let Some(until) = user.locked_until.as_deref() {
            if until > time::to_db(now).as_str() {
                self.audit_login_failure(&who, Some(&target), "account locked")
                    .await?;
                return Err(locked(until));
            }
        }
        if !password::verify(password_attempt, &credentials.password_hash) {
            let failures = credentials.failed_logins + 1;
            let mut tx = self.db.write().await?;
            let lock_until = (failures >= LOCKOUT_THRESHOLD).then(|| {
                time::to_db(
                    now + chrono::Duration::from_std(self.config.lockout_duration)
                        .unwrap_or_default(),
                )
            });
            store::users::set_login_state(
                tx.conn(),
                &user.id,
                if lock_until.is_some() { 0 } else { failures },
                lock_until.as_deref(),
            )
            .await?;
            append(
                tx.conn(),
                &who,
                AuditEvent::new("auth.login_failed", Some(&target))
                    .outcome(Outcome::Failure)
                    .detail(format!("wrong password ({failures} in a row)")),
            )
            .await?;
            if let Some(until) = &lock_until {
                append(
                    tx.conn(),
                    &AuditActor {
                        user: "system".into(),
                        role: "system".into(),
                        organisation: None,
                        ip: ip.clone(),
                    },
                    AuditEvent::new("user.locked", Some(&target)).detail(format!(
                        "locked until {until} after {LOCKOUT_THRESHOLD} failed logins"
                    )),
                )
                .await?;
            }
            tx.commit().await?;
            return Err(match lock_until {
                Some(until) => locked(&until),
                None => wrong_credentials(),
            });
        }

        let token = new_secret(SESSION_PREFIX);
        let mut tx = self.db.write().await?;
        store::users::set_login_state(tx.conn(), &user.id, 0, None).await?;
        store::sessions::insert(
            tx.conn(),
            &secret_hash(&token),
            &user.id,
            &time::to_db(now),
            ip.as_deref(),
        )
        .await?;
        append(
            tx.conn(),
            &AuditActor::from(&actor_for(&user, ip)),
            AuditEvent::new("auth.login", Some(&target)),
        )
        .await?;
        tx.commit().await?;
        let mut user = user;
        user.locked_until = None;
        Ok(LoginResult { token, user })
    }

    async fn audit_login_failure(
        &self,
        who: &AuditActor,
        target: Option<&str>,
        why: &str,
    ) -> Result<(), Error> {
        let mut tx = self.db.write().await?;
        append(
            tx.conn(),
            who,
            AuditEvent::new("auth.login_failed", target)
                .outcome(Outcome::Failure)
                .detail(why),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn logout(&self, actor: &Actor, token: &str) -> Result<(), Error> {
        let mut tx = self.db.write().await?;
        store::sessions::delete(tx.conn(), &secret_hash(token)).await?;
        let target = actor.user_id().map(|id| format!("user:{id}"));
        append(
            tx.conn(),
            &AuditActor::from(actor),
            AuditEvent::new("auth.logout", target.as_deref()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Resolves a session token to its actor, ending the session if it has been idle too long.
    pub async fn authenticate_session(
        &self,
        token: &str,
        ip: Option<String>,
    ) -> Result<Actor, Error> {
        let hash = secret_hash(token);
        let now = time::now();
        let mut conn = self.db.pool.acquire().await?;
        let Some(session) = store::sessions::get(&mut conn, &hash).await? else {
            return Err(Error::Unauthenticated(
                "the session is not valid; sign in again".into(),
            ));
        };
        let last_seen = time::from_db(&session.last_seen_at)?;
        let idle = chrono::Duration::from_std(self.config.session_idle_timeout).unwrap_or_default();
        if now - last_seen > idle {
            drop(conn);
            let mut tx = self.db.write().await?;
            store::sessions::delete(tx.conn(), &hash).await?;
            tx.commit().await?;
            return Err(Error::Unauthenticated(
                "the session has expired after inactivity; sign in again".into(),
            ));
        }
        let Some((user, _)) = store::users::get(&mut conn, &session.user_id).await? else {
            return Err(Error::Unauthenticated(
                "the account no longer exists".into(),
            ));
        };
        drop(conn);
        if user.disabled {
            return Err(Error::Unauthenticated("the account is disabled".into()));
        }
        if (now - last_seen).num_seconds() >= TOUCH_EVERY_SECS {
            let mut tx = self.db.write().await?;
            store::sessions::touch(tx.conn(), &hash, &time::to_db(now)).await?;
            tx.commit().await?;
        }
        Ok(actor_for(&user, ip))
    }

    /// Resolves an API key to its actor (the key's organisation and permissions).
    pub async fn authenticate_api_key(
        &self,
        key: &str,
        ip: Option<String>,
    ) -> Result<Actor, Error> {
        let mut conn = self.db.pool.acquire().await?;
        let Some(found) =
            store::api_keys::find_active_by_hash(&mut conn, &secret_hash(key)).await?
        else {
            return Err(Error::Unauthenticated(
                "the API key is not valid or has been revoked".into(),
            ));
        };
        drop(conn);
        let now = time::now();
        let stale = found
            .last_used_at
            .as_deref()
            .and_then(|t| time::from_db(t).ok())
            .is_none_or(|t| (now - t).num_seconds() >= 60);
        if stale {
            let mut tx = self.db.write().await?;
            store::api_keys::mark_used(tx.conn(), &found.id, &time::to_db(now)).await?;
            tx.commit().await?;
        }
        Ok(Actor {
            principal: Principal::ApiKey {
                key_id: found.id,
                permissions: found
                    .permissions
                    .iter()
                    .filter_map(|p| Permission::parse_api_key_permission(p))
                    .collect(),
            },
            organisation_id: Some(found.organisation_id),
            ip,
        })
    }

    /// Removes sessions idle past the timeout (run periodically by the server).
    pub async fn purge_idle_sessions(&self) -> Result<u64, Error> {
        let idle = chrono::Duration::from_std(self.config.session_idle_timeout).unwrap_or_default();
        let cutoff = time::to_db(time::now() - idle);
        let mut tx = self.db.write().await?;
        let n = store::sessions::delete_idle(tx.conn(), &cutoff).await?;
        tx.commit().await?;
        Ok(n)
    }
}

fn wrong_credentials() -> Error {
    Error::Unauthenticated("wrong username or password".into())
}

fn locked(until: &str) -> Error {
    Error::Locked(format!(
        "too many failed logins: the account is locked until {until}"
    ))
}
