//! Real-name verification of citizens: name and resident identity number.
//!
//! The number is validated (GB 11643 check digit), encrypted bound to the user's id, indexed by
//! a keyed hash so one identity binds one account, and only ever returned masked.

use serde::{Deserialize, Serialize};
use yuverse_core::{time, Actor, Error, FieldError, Permission};

use super::audit::{append, AuditActor, AuditEvent};
use super::Governance;
use crate::domain::{id_number, masking};
use crate::store;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RealNameRequest {
    pub name: String,
    /// 18-character resident identity number (居民身份证号码).
    pub id_number: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RealNameView {
    pub name: String,
    /// First 4 and last 4 characters; the rest masked.
    pub id_number_masked: String,
    pub verified_at: String,
}

impl Governance {
    pub async fn verify_real_name(
        &self,
        actor: &Actor,
        request: RealNameRequest,
    ) -> Result<RealNameView, Error> {
        let user_id = actor
            .user_id()
            .ok_or_else(|| Error::Forbidden("only people verify their real name".into()))?
            .to_owned();
        let target = format!("user:{user_id}");
        self.authorize_write(
            actor,
            Permission::ProfileRealName,
            "real_name.verify",
            Some(&target),
        )
        .await?;
        let mut errors = Vec::new();
        let name = request.name.trim().to_owned();
        let name_len = name.chars().count();
        if !(2..=30).contains(&name_len) || name.chars().any(|c| c.is_ascii_digit()) {
            errors.push(FieldError::new(
                "name",
                "must be 2-30 characters without digits",
            ));
        }
        let number = match id_number::validate(&request.id_number) {
            Ok(n) => Some(n),
            Err(reason) => {
                errors.push(FieldError::new("id_number", reason));
                None
            }
        };
        let Some(number) = number.filter(|_| errors.is_empty()) else {
            return Err(Error::Validation(errors));
        };
        let blind = self.pii.blind_index(&number);
        let cipher = self.pii.encrypt(&number, &user_id)?;
        let now = time::now_db();
        let mut tx = self.db.write().await?;
        if let Some(owner) = store::real_names::owner_of(tx.conn(), &blind).await? {
            if owner != user_id {
                return Err(Error::Conflict(
                    "this identity is already verified for another account".into(),
                ));
            }
        }
        store::real_names::upsert(tx.conn(), &user_id, &name, &cipher, &blind, &now).await?;
        append(
            tx.conn(),
            &AuditActor::from(actor),
            AuditEvent::new("real_name.verify", Some(&target)),
        )
        .await?;
        tx.commit().await?;
        Ok(RealNameView {
            name,
            id_number_masked: masking::mask_keep_4_4(&number),
            verified_at: now,
        })
    }

    /// The user's verification, decrypted only to be masked.
    pub async fn real_name_of(&self, user_id: &str) -> Result<Option<RealNameView>, Error> {
        let mut conn = self.db.pool.acquire().await?;
        let Some(stored) = store::real_names::get(&mut conn, user_id).await? else {
            return Ok(None);
        };
        let number = self.pii.decrypt(&stored.id_cipher, user_id)?;
        Ok(Some(RealNameView {
            name: stored.name,
            id_number_masked: masking::mask_keep_4_4(&number),
            verified_at: stored.verified_at,
        }))
    }
}
