//! API keys for devices and integrations: shown once, stored hashed, scoped to an organisation
//! and a set of permissions, revocable.

use serde::{Deserialize, Serialize};
use yuverse_core::paging::{Page, Paged};
use yuverse_core::{ids, time, Actor, Error, FieldError, Permission};

use super::audit::{append, AuditActor, AuditEvent};
use super::auth::{new_secret, secret_hash, API_KEY_PREFIX};
use super::Governance;
use crate::store;
use crate::store::api_keys::ApiKey;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    pub name: String,
    pub organisation_id: String,
    /// Any of `twin:read`, `twin:write`, `mqtt:publish`.
    pub permissions: Vec<String>,
}

/// The answer to a creation: the only time the secret is shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub api_key: ApiKey,
    /// The secret. Store it now: it cannot be shown again.
    pub key: String,
}

impl Governance {
    /// Whether the actor may manage keys of `organisation_id`.
    fn may_manage_keys_of(actor: &Actor, organisation_id: &str) -> bool {
        actor.has(Permission::ApiKeysManageAll)
            || (actor.has(Permission::ApiKeysManageOwn)
                && actor.organisation_id.as_deref() == Some(organisation_id))
    }

    pub async fn create_api_key(
        &self,
        actor: &Actor,
        new: NewApiKey,
    ) -> Result<CreatedApiKey, Error> {
        let target = format!("organisation:{}", new.organisation_id);
        if !Self::may_manage_keys_of(actor, &new.organisation_id) {
            // Audits the refusal and answers 403.
            self.authorize_write(
                actor,
                Permission::ApiKeysManageAll,
                "api_key.create",
                Some(&target),
            )
            .await?;
        }
        let mut errors = Vec::new();
        let name_len = new.name.trim().chars().count();
        if name_len == 0 || name_len > 64 {
            errors.push(FieldError::new("name", "must be 1-64 characters"));
        }
        let mut permissions = Vec::new();
        for (i, p) in new.permissions.iter().enumerate() {
            match Permission::parse_api_key_permission(p) {
                Some(p) if !permissions.contains(&p) => permissions.push(p),
                Some(_) => {}
                None => errors.push(FieldError::new(
                    format!("permissions[{i}]"),
                    format!("unknown permission `{p}` (use twin:read, twin:write, mqtt:publish)"),
                )),
            }
        }
        if new.permissions.is_empty() {
            errors.push(FieldError::new(
                "permissions",
                "give at least one permission",
            ));
        }
        {
            let mut conn = self.db.pool.acquire().await?;
            if store::organisations::get(&mut conn, &new.organisation_id)
                .await?
                .is_none()
            {
                errors.push(FieldError::new("organisation_id", "no such organisation"));
            }
        }
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        let secret = new_secret(API_KEY_PREFIX);
        let api_key = ApiKey {
            id: ids::new_id(),
            name: new.name.trim().to_owned(),
            prefix: secret[..12].to_owned(),
            organisation_id: new.organisation_id,
            permissions: permissions.iter().map(|p| p.as_str().to_owned()).collect(),
            created_at: time::now_db(),
            created_by: actor.audit_name(),
            revoked_at: None,
            last_used_at: None,
        };
        let mut tx = self.db.write().await?;
        store::api_keys::insert(tx.conn(), &api_key, &secret_hash(&secret)).await?;
        append(
            tx.conn(),
            &AuditActor::from(actor),
            AuditEvent::new("api_key.create", Some(&format!("api_key:{}", api_key.id))).detail(
                format!(
                    "{} for {target} with {}",
                    api_key.name,
                    api_key.permissions.join(",")
                ),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(CreatedApiKey {
            api_key,
            key: secret,
        })
    }

    pub async fn revoke_api_key(&self, actor: &Actor, id: &str) -> Result<(), Error> {
        let target = format!("api_key:{id}");
        let existing = {
            let mut conn = self.db.pool.acquire().await?;
            store::api_keys::get(&mut conn, id).await?
        };
        let Some(existing) =
            existing.filter(|k| Self::may_manage_keys_of(actor, &k.organisation_id))
        else {
            if !actor.has(Permission::ApiKeysManageOwn) {
                // Not a key manager at all: audit the refusal and answer 403.
                self.authorize_write(
                    actor,
                    Permission::ApiKeysManageAll,
                    "api_key.revoke",
                    Some(&target),
                )
                .await?;
            }
            // Keys of other organisations are invisible rather than forbidden.
            return Err(Error::NotFound(format!("no API key with id `{id}`")));
        };
        if existing.revoked_at.is_some() {
            return Ok(());
        }
        let mut tx = self.db.write().await?;
        store::api_keys::revoke(tx.conn(), id, &time::now_db()).await?;
        append(
            tx.conn(),
            &AuditActor::from(actor),
            AuditEvent::new("api_key.revoke", Some(&target)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// One key (never its secret), when the actor may manage it. Contexts that bind things to a
    /// key (the twin's devices) call this as the platform (`Actor::system()`) after their own
    /// authorisation, to check that the key exists, is live and carries a permission.
    pub async fn get_api_key(&self, actor: &Actor, id: &str) -> Result<ApiKey, Error> {
        if !actor.has(Permission::ApiKeysManageAll) {
            actor.require(Permission::ApiKeysManageOwn)?;
        }
        let found = {
            let mut conn = self.db.pool.acquire().await?;
            store::api_keys::get(&mut conn, id).await?
        };
        found
            .filter(|k| Self::may_manage_keys_of(actor, &k.organisation_id))
            .ok_or_else(|| Error::NotFound(format!("no API key with id `{id}`")))
    }

    pub async fn list_api_keys(&self, actor: &Actor, page: Page) -> Result<Paged<ApiKey>, Error> {
        let scope = if actor.has(Permission::ApiKeysManageAll) {
            None
        } else {
            actor.require(Permission::ApiKeysManageOwn)?;
            Some(
                actor
                    .organisation_id
                    .clone()
                    .ok_or_else(|| Error::Forbidden("you belong to no organisation".into()))?,
            )
        };
        let mut conn = self.db.pool.acquire().await?;
        let (items, total) = store::api_keys::list(&mut conn, scope.as_deref(), page).await?;
        Ok(Paged::new(items, total, page))
    }
}
