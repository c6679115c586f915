//! Organisations: government units, park companies, enterprises, institutions, financial
//! institutions.

use serde::Deserialize;
use yuverse_core::paging::{Page, Paged};
use yuverse_core::{ids, time, Actor, Error, FieldError, Permission};

use super::audit::{append, AuditActor, AuditEvent};
use super::Governance;
use crate::domain::credit_code;
use crate::domain::organisation::OrganisationKind;
use crate::store;
use crate::store::organisations::{Organisation, OrganisationFilter};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    pub name: String,
    pub kind: OrganisationKind,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub name_en: Option<String>,
    #[serde(default)]
    pub credit_code: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationPatch {
    pub name: Option<String>,
    pub name_en: Option<String>,
    pub credit_code: Option<String>,
}

fn check_name(name: &str, errors: &mut Vec<FieldError>) {
    let len = name.trim().chars().count();
    if len == 0 || len > 100 {
        errors.push(FieldError::new("name", "must be 1-100 characters"));
    }
}

fn check_code(code: &str, errors: &mut Vec<FieldError>) {
    let ok = (2..=48).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !ok {
        errors.push(FieldError::new(
            "code",
            "2-48 characters of a-z, 0-9 and '-'",
        ));
    }
}

fn check_credit_code(kind: OrganisationKind, code: Option<&str>, errors: &mut Vec<FieldError>) {
    match code {
        Some(code) => {
            if let Err(reason) = credit_code::validate(code) {
                errors.push(FieldError::new("credit_code", reason));
            }
        }
        None if kind.requires_credit_code() => errors.push(FieldError::new(
            "credit_code",
            "an enterprise must give its unified social credit code (统一社会信用代码)",
        )),
        None => {}
    }
}

fn conflict_or(e: sqlx::Error) -> Error {
    if store::is_unique_violation(&e) {
        Error::Conflict("another organisation already has this code or credit code".into())
    } else {
        e.into()
    }
}

impl Governance {
    pub async fn create_organisation(
        &self,
        actor: &Actor,
        new: NewOrganisation,
    ) -> Result<Organisation, Error> {
        self.authorize_write(
            actor,
            Permission::OrganisationsWrite,
            "organisation.create",
            None,
        )
        .await?;
        let mut errors = Vec::new();
        check_name(&new.name, &mut errors);
        if let Some(code) = &new.code {
            check_code(code, &mut errors);
        }
        check_credit_code(new.kind, new.credit_code.as_deref(), &mut errors);
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        let now = time::now_db();
        let organisation = Organisation {
            id: ids::new_id(),
            code: new.code,
            name: new.name.trim().to_owned(),
            name_en: new.name_en.filter(|n| !n.trim().is_empty()),
            kind: new.kind,
            credit_code: new.credit_code,
            created_at: now.clone(),
            updated_at: now,
        };
        let mut tx = self.db.write().await?;
        store::organisations::insert(tx.conn(), &organisation)
            .await
            .map_err(conflict_or)?;
        append(
            tx.conn(),
            &AuditActor::from(actor),
            AuditEvent::new(
                "organisation.create",
                Some(&format!("organisation:{}", organisation.id)),
            )
            .detail(format!(
                "{} ({})",
                organisation.name,
                organisation.kind.as_str()
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(organisation)
    }

    pub async fn update_organisation(
        &self,
        actor: &Actor,
        id: &str,
        patch: OrganisationPatch,
    ) -> Result<Organisation, Error> {
        let target = format!("organisation:{id}");
        self.authorize_write(
            actor,
            Permission::OrganisationsWrite,
            "organisation.update",
            Some(&target),
        )
        .await?;
        let mut organisation = self.get_organisation(actor, id).await?;
        let mut errors = Vec::new();
        if let Some(name) = patch.name {
            check_name(&name, &mut errors);
            organisation.name = name.trim().to_owned();
        }
        if let Some(name_en) = patch.name_en {
            organisation.name_en = Some(name_en).filter(|n| !n.trim().is_empty());
        }
        if let Some(code) = patch.credit_code {
            organisation.credit_code = Some(code).filter(|c| !c.is_empty());
        }
        check_credit_code(
            organisation.kind,
            organisation.credit_code.as_deref(),
            &mut errors,
        );
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        organisation.updated_at = time::now_db();
        let mut tx = self.db.write().await?;
        store::organisations::update(tx.conn(), &organisation)
            .await
            .map_err(conflict_or)?;
        append(
            tx.conn(),
            &AuditActor::from(actor),
            AuditEvent::new("organisation.update", Some(&target)),
        )
        .await?;
        tx.commit().await?;
        Ok(organisation)
    }

    pub async fn get_organisation(&self, actor: &Actor, id: &str) -> Result<Organisation, Error> {
        if actor.organisation_id.as_deref() != Some(id) {
            actor.require(Permission::OrganisationsRead)?;
        }
        let mut conn = self.db.pool.acquire().await?;
        store::organisations::get(&mut conn, id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no organisation with id `{id}`")))
    }

    pub async fn list_organisations(
        &self,
        actor: &Actor,
        filter: OrganisationFilter,
        page: Page,
    ) -> Result<Paged<Organisation>, Error> {
        actor.require(Permission::OrganisationsRead)?;
        let mut conn = self.db.pool.acquire().await?;
        let (items, total) = store::organisations::list(&mut conn, &filter, page).await?;
        Ok(Paged::new(items, total, page))
    }

    /// Inserts a data-set organisation (already validated by the loader) inside a transaction.
    pub async fn seed_organisation(
        conn: &mut sqlx::AnyConnection,
        organisation: &Organisation,
    ) -> Result<(), Error> {
        store::organisations::insert(conn, organisation).await?;
        Ok(())
    }

    pub async fn organisation_by_code(&self, code: &str) -> Result<Option<Organisation>, Error> {
        let mut conn = self.db.pool.acquire().await?;
        Ok(store::organisations::get_by_code(&mut conn, code).await?)
    }
}
