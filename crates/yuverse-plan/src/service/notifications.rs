//! In-app notifications of the signed-in user: those addressed to their organisation and
//! those addressed to their role (the office's).

use serde::Serialize;
use yuverse_core::paging::Page;
use yuverse_core::{time, Actor, Error};

use super::Plan;
use crate::store::notifications::{self, Notification};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotificationPage {
    pub items: Vec<Notification>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
    /// Unread notifications in all.
    pub unread: i64,
}

/// The reader's address: organisation id and role (users only).
fn address(actor: &Actor) -> Result<(String, String), Error> {
    let role = actor
        .role()
        .ok_or_else(|| Error::Forbidden("notifications are for signed-in users".into()))?;
    Ok((
        actor.organisation_id.clone().unwrap_or_default(),
        role.as_str().to_owned(),
    ))
}

impl Plan {
    pub async fn notifications(
        &self,
        actor: &Actor,
        unread_only: bool,
        page: Page,
    ) -> Result<NotificationPage, Error> {
        let (org, role) = address(actor)?;
        let mut conn = self.db().pool.acquire().await?;
        let (items, total, unread) =
            notifications::list(&mut conn, &org, &role, unread_only, page).await?;
        Ok(NotificationPage {
            items,
            total,
            limit: page.limit,
            offset: page.offset,
            unread,
        })
    }

    /// Marks a notification read (not audited: reading changes nothing of the plan).
    pub async fn mark_read(&self, actor: &Actor, id: &str) -> Result<(), Error> {
        let (org, role) = address(actor)?;
        let now = time::to_db(self.now());
        let mut tx = self.db().write().await?;
        let found = notifications::mark_read(tx.conn(), id, &org, &role, &now).await?;
        tx.commit().await?;
        if found {
            Ok(())
        } else {
            Err(Error::NotFound(format!("no notification `{id}`")))
        }
    }
}
