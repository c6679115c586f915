//! Plan use cases. Each public method takes the acting [`Actor`], authorises first, then
//! validates, then changes state in one write transaction with its audit entry and the
//! notifications it causes.

mod document;
mod figures;
mod items;
mod notifications;
mod reports;
mod seed;
mod supervision;

use std::collections::HashMap;
use std::sync::Arc;

use sqlx::AnyConnection;
use yuverse_core::db::Database;
use yuverse_core::indicators::IndicatorRegistry;
use yuverse_core::paging::Page;
use yuverse_core::time::{self, Timestamp};
use yuverse_core::{ids, Actor, Error, FieldError, Permission};
use yuverse_governance::service::audit::{append, AuditActor, AuditEvent, Outcome};
use yuverse_governance::Governance;

pub use document::{PlanView, TaskView};
pub use figures::{
    AreaFigures, Dashboard, IndicatorView, Lights, PlanIndicators, TaskFigures, UnitFigures,
};
pub use items::{ItemDetail, ItemView};
pub use notifications::NotificationPage;
pub use seed::load_baseline;
pub use supervision::SweepReport;

use crate::clock::Clock;
use crate::store::notifications::Notification;

/// A place items can be about (the district's parks and areas), by code.
#[derive(Debug, Clone)]
pub struct PlaceRef {
    pub code: String,
    pub name: String,
}

/// The plan service: cheap to clone, shared by every request and the sweeper.
#[derive(Clone)]
pub struct Plan {
    inner: Arc<Inner>,
}

struct Inner {
    db: Database,
    governance: Governance,
    clock: Arc<dyn Clock>,
    indicators: IndicatorRegistry,
    places: Vec<PlaceRef>,
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("clock", &self.inner.clock)
            .field("indicators", &self.inner.indicators)
            .finish()
    }
}

impl Plan {
    pub fn new(
        db: Database,
        governance: Governance,
        clock: Arc<dyn Clock>,
        indicators: IndicatorRegistry,
        places: Vec<PlaceRef>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                governance,
                clock,
                indicators,
                places,
            }),
        }
    }

    fn db(&self) -> &Database {
        &self.inner.db
    }

    fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    /// The registry every module's indicators are registered in.
    pub fn indicators(&self) -> &IndicatorRegistry {
        &self.inner.indicators
    }

    /// Checks a state-changing action; a refusal is itself audited (outcome `denied`).
    async fn authorize(
        &self,
        actor: &Actor,
        allowed: Result<(), Error>,
        action: &str,
        target: &str,
    ) -> Result<(), Error> {
        if let Err(denied) = allowed {
            let mut tx = self.db().write().await?;
            append(
                tx.conn(),
                &AuditActor::from(actor),
                AuditEvent::new(action, Some(target)).outcome(Outcome::Denied),
            )
            .await?;
            tx.commit().await?;
            return Err(denied);
        }
        Ok(())
    }

    /// Names of every organisation by id (for figures and messages).
    async fn organisation_names(&self) -> Result<HashMap<String, String>, Error> {
        let page = Page {
            limit: yuverse_core::paging::MAX_LIMIT,
            offset: 0,
        };
        let mut names = HashMap::new();
        let mut offset = 0;
        loop {
            let batch = self
                .inner
                .governance
                .list_organisations(
                    &Actor::system(),
                    Default::default(),
                    Page { offset, ..page },
                )
                .await?;
            let n = batch.items.len() as i64;
            names.extend(batch.items.into_iter().map(|o| (o.id, o.name)));
            offset += n;
            if n == 0 || offset >= batch.total {
                return Ok(names);
            }
        }
    }

    /// Checks that each id names an organisation, reporting the field of each that does not.
    async fn check_organisations(&self, fields: &[(String, &str)]) -> Result<(), Error> {
        let mut errors = Vec::new();
        for (field, id) in fields {
            match self
                .inner
                .governance
                .get_organisation(&Actor::system(), id)
                .await
            {
                Ok(_) => {}
                Err(Error::NotFound(_)) => errors.push(FieldError::new(
                    field,
                    format!("no organisation with id `{id}`"),
                )),
                Err(e) => return Err(e),
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(errors))
        }
    }

    fn place(&self, code: &str) -> Option<&PlaceRef> {
        self.inner.places.iter().find(|p| p.code == code)
    }
}

fn require_any(actor: &Actor, permissions: &[Permission]) -> Result<(), Error> {
    match permissions.iter().find(|p| actor.has(**p)) {
        Some(_) => Ok(()),
        None => actor.require(permissions[0]),
    }
}

fn audit_event(action: &str, target: &str, detail: impl Into<String>) -> AuditEvent {
    AuditEvent::new(action, Some(target)).detail(detail)
}

async fn audit(
    conn: &mut AnyConnection,
    actor: &Actor,
    event: AuditEvent,
) -> Result<(), sqlx::Error> {
    append(conn, &AuditActor::from(actor), event)
        .await
        .map(|_| ())
}

/// Who is told: an organisation or every user of a role.
enum To<'a> {
    Organisation(&'a str),
    Office,
}

async fn notify(
    conn: &mut AnyConnection,
    to: To<'_>,
    kind: &str,
    title: String,
    body: String,
    subject: String,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    let (organisation_id, role) = match to {
        To::Organisation(id) => (Some(id.to_owned()), None),
        To::Office => (None, Some(yuverse_core::Role::Office.as_str().to_owned())),
    };
    crate::store::notifications::insert(
        conn,
        &Notification {
            id: ids::new_id(),
            organisation_id,
            role,
            kind: kind.to_owned(),
            title,
            body,
            subject: Some(subject),
            created_at: time::to_db(now),
            read_at: None,
        },
    )
    .await
}

fn parse_stored(s: &str) -> Result<Timestamp, Error> {
    time::from_db(s).map_err(Error::Internal)
}
