//! Managing user accounts (system administrator) and one's own password.

use serde::Deserialize;
use yuverse_core::paging::{Page, Paged};
use yuverse_core::{ids, time, Actor, Error, FieldError, Permission, Role};

use super::audit::{append, AuditActor, AuditEvent};
use super::Governance;
use crate::domain::{password, username};
use crate::store;
use crate::store::users::{User, UserFilter};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    #[serde(default)]
    pub organisation_id: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub display_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub role: Option<Role>,
    pub organisation_id: Option<String>,
    pub disabled: Option<bool>,
}

pub(crate) fn check_display_name(name: &str, errors: &mut Vec<FieldError>) {
    let len = name.trim().chars().count();
    if len == 0 || len > 64 {
        errors.push(FieldError::new("display_name", "must be 1-64 characters"));
    }
}

fn check_contact(phone: Option<&str>, email: Option<&str>, errors: &mut Vec<FieldError>) {
    if let Some(phone) = phone {
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let allowed = phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()".contains(c));
        if !allowed || !(5..=20).contains(&digits) {
            errors.push(FieldError::new(
                "phone",
                "must be 5-20 digits (spaces, +, -, () allowed)",
            ));
        }
    }
    if let Some(email) = email {
        let valid = email.len() <= 254
            && email
                .split_once('@')
                .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
        if !valid {
            errors.push(FieldError::new("email", "is not an e-mail address"));
        }
    }
}

impl Governance {
    async fn check_organisation(
        &self,
        role: Role,
        organisation_id: Option<&str>,
        errors: &mut Vec<FieldError>,
    ) -> Result<(), Error> {
        match organisation_id {
            Some(id) => {
                let mut conn = self.db.pool.acquire().await?;
                if store::organisations::get(&mut conn, id).await?.is_none() {
                    errors.push(FieldError::new("organisation_id", "no such organisation"));
                }
            }
            None if role.needs_organisation() => errors.push(FieldError::new(
                "organisation_id",
                format!(
                    "a user with role `{}` must belong to an organisation",
                    role.as_str()
                ),
            )),
            None => {}
        }
        Ok(())
    }

    pub async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<User, Error> {
        self.authorize_write(actor, Permission::UsersWrite, "user.create", None)
            .await?;
        let mut errors = Vec::new();
        if let Err(reason) = username::validate(&new.username) {
            errors.push(FieldError::new("username", reason));
        }
        check_display_name(&new.display_name, &mut errors);
        if let Err(reason) = password::check_policy(&new.password) {
            errors.push(FieldError::new("password", reason));
        }
        check_contact(new.phone.as_deref(), new.email.as_deref(), &mut errors);
        self.check_organisation(new.role, new.organisation_id.as_deref(), &mut errors)
            .await?;
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        self.insert_user(actor, new).await
    }

    /// Inserts a validated user with its audit entry (also used for bootstrap accounts).
    pub(crate) async fn insert_user(&self, actor: &Actor, new: NewUser) -> Result<User, Error> {
        let now = time::now_db();
        let user = User {
            id: ids::new_id(),
            username: new.username,
            display_name: new.display_name.trim().to_owned(),
            phone: new.phone,
            email: new.email,
            role: new.role,
            organisation_id: new.organisation_id,
            disabled: false,
            locked_until: None,
            real_name_verified: false,
            created_at: now.clone(),
            updated_at: now,
        };
        let hash = password::hash(&new.password)?;
        let mut tx = self.db.write().await?;
        if let Err(e) = store::users::insert(tx.conn(), &user, &hash).await {
            return Err(if store::is_unique_violation(&e) {
                Error::Conflict(format!("the username `{}` is taken", user.username))
            } else {
                e.into()
            });
        }
        append(
            tx.conn(),
            &AuditActor::from(actor),
            AuditEvent::new("user.create", Some(&format!("user:{}", user.id))).detail(format!(
                "{} as {}",
                user.username,
                user.role.as_str()
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn update_user(
        &self,
        actor: &Actor,
        id: &str,
        patch: UserPatch,
    ) -> Result<User, Error> {
        let target = format!("user:{id}");
        self.authorize_write(actor, Permission::UsersWrite, "user.update", Some(&target))
            .await?;
        let mut user = self.load_user(id).await?;
        let mut errors = Vec::new();
        if actor.user_id() == Some(id)
            && (patch.role.is_some_and(|r| r != user.role) || patch.disabled == Some(true))
        {
            errors.push(FieldError::new(
                if patch.disabled == Some(true) {
                    "disabled"
                } else {
                    "role"
                },
                "administrators cannot change their own role or disable themselves",
            ));
        }
        if let Some(name) = patch.display_name {
            check_display_name(&name, &mut errors);
            user.display_name = name.trim().to_owned();
        }
        if patch.phone.is_some() {
            user.phone = patch.phone.filter(|p| !p.is_empty());
        }
        if patch.email.is_some() {
            user.email = patch.email.filter(|e| !e.is_empty());
        }
        check_contact(user.phone.as_deref(), user.email.as_deref(), &mut errors);
        if let Some(role) = patch.role {
            user.role = role;
        }
        if let Some(org) = patch.organisation_id {
            user.organisation_id = Some(org);
        }
        if let Some(disabled) = patch.disabled {
            user.disabled = disabled;
        }
        self.check_organisation(user.role, user.organisation_id.as_deref(), &mut errors)
            .await?;
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        user.updated_at = time::now_db();
        let mut tx = self.db.write().await?;
        store::users::update_profile(tx.conn(), &user).await?;
        if user.disabled {
            store::sessions::delete_for_user(tx.conn(), &user.id).await?;
        }
        append(
            tx.conn(),
            &AuditActor::from(actor),
            AuditEvent::new("user.update", Some(&target)).detail(format!(
                "role {}, disabled {}",
                user.role.as_str(),
                user.disabled
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn unlock_user(&self, actor: &Actor, id: &str) -> Result<User, Error> {
        let target = format!("user:{id}");
        self.authorize_write(actor, Permission::UsersUnlock, "user.unlock", Some(&target))
            .await?;
        let mut user = self.load_user(id).await?;
        let mut tx = self.db.write().await?;
        store::users::set_login_state(tx.conn(), id, 0, None).await?;
        append(
            tx.conn(),
            &AuditActor::from(actor),
            AuditEvent::new("user.unlock", Some(&target)),
        )
        .await?;
        tx.commit().await?;
        user.locked_until = None;
        Ok(user)
    }

    pub async fn change_own_password(
        &self,
        actor: &Actor,
        current: &str,
        new_password: &str,
    ) -> Result<(), Error> {
        let Some(user_id) = actor.user_id() else {
            return Err(Error::Forbidden("only people have passwords".into()));
        };
        let (_, credentials) = {
            let mut conn = self.db.pool.acquire().await?;
            store::users::get(&mut conn, user_id)
                .await?
                .ok_or_else(|| Error::NotFound("user".into()))?
        };
        if !password::verify(current, &credentials.password_hash) {
            return Err(Error::validation(
                "current_password",
                "is not your current password",
            ));
        }
        if let Err(reason) = password::check_policy(new_password) {
            return Err(Error::validation("new_password", reason));
        }
        if current == new_password {
            return Err(Error::validation(
                "new_password",
                "must differ from the current password",
            ));
        }
        let hash = password::hash(new_password)?;
        let target = format!("user:{user_id}");
        let mut tx = self.db.write().await?;
        store::users::set_password(tx.conn(), user_id, &hash, &time::now_db()).await?;
        append(
            tx.conn(),
            &AuditActor::from(actor),
            AuditEvent::new("user.password_change", Some(&target)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn get_user(&self, actor: &Actor, id: &str) -> Result<User, Error> {
        if actor.user_id() != Some(id) {
            actor.require(Permission::UsersRead)?;
        }
        self.load_user(id).await
    }

    pub(crate) async fn load_user(&self, id: &str) -> Result<User, Error> {
        let mut conn = self.db.pool.acquire().await?;
        store::users::get(&mut conn, id)
            .await?
            .map(|(u, _)| u)
            .ok_or_else(|| Error::NotFound(format!("no user with id `{id}`")))
    }

    pub async fn list_users(
        &self,
        actor: &Actor,
        filter: UserFilter,
        page: Page,
    ) -> Result<Paged<User>, Error> {
        actor.require(Permission::UsersRead)?;
        let mut conn = self.db.pool.acquire().await?;
        let (items, total) = store::users::list(&mut conn, &filter, page).await?;
        Ok(Paged::new(items, total, page))
    }

    /// Creates `admin` when the platform has no system administrator. Returns the generated
    /// password when none was supplied (to be printed once by the caller).
    pub async fn bootstrap_admin(
        &self,
        supplied_password: Option<&str>,
    ) -> Result<Option<String>, Error> {
        {
            let mut conn = self.db.pool.acquire().await?;
            if store::users::count_with_role(&mut conn, Role::SystemAdmin).await? > 0 {
                return Ok(None);
            }
        }
        let (password, generated) = match supplied_password {
            Some(p) => {
                password::check_policy(p)
                    .map_err(|reason| Error::validation("YUVERSE_ADMIN_PASSWORD", reason))?;
                (p.to_owned(), false)
            }
            None => (password::generate(), true),
        };
        self.insert_user(
            &Actor::system(),
            NewUser {
                username: "admin".into(),
                display_name: "系统管理员".into(),
                password: password.clone(),
                role: Role::SystemAdmin,
                organisation_id: None,
                phone: None,
                email: None,
            },
        )
        .await?;
        Ok(generated.then_some(password))
    }

    /// Creates (once) a demo account for a role; used by `serve --demo`.
    pub async fn ensure_demo_user(
        &self,
        username: &str,
        display_name: &str,
        role: Role,
        organisation_id: Option<String>,
        password: &str,
    ) -> Result<bool, Error> {
        {
            let mut conn = self.db.pool.acquire().await?;
            if store::users::get_by_username(&mut conn, username)
                .await?
                .is_some()
            {
                return Ok(false);
            }
        }
        self.insert_user(
            &Actor::system(),
            NewUser {
                username: username.into(),
                display_name: display_name.into(),
                password: password.into(),
                role,
                organisation_id,
                phone: None,
                email: None,
            },
        )
        .await?;
        Ok(true)
    }
}
