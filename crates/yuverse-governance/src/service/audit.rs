//! Appending to and reading the hash-chained audit log.

use serde::Serialize;
use sqlx::AnyConnection;
use yuverse_core::db::Database;
use yuverse_core::paging::{Page, Paged};
use yuverse_core::{time, Actor, Error, Permission};

use super::Governance;
use crate::domain::audit_chain::{AuditRecord, ChainBreak, ChainVerifier};
use crate::store;
pub use crate::store::audit::AuditFilter;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Denied,
    Failure,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Denied => "denied",
            Outcome::Failure => "failure",
        }
    }
}

/// Who an entry is attributed to.
#[derive(Debug, Clone)]
pub struct AuditActor {
    pub user: String,
    pub role: String,
    pub organisation: Option<String>,
    pub ip: Option<String>,
}

impl From<&Actor> for AuditActor {
    fn from(actor: &Actor) -> Self {
        AuditActor {
            user: actor.audit_name(),
            role: actor.audit_role(),
            organisation: actor.organisation_id.clone(),
            ip: actor.ip.clone(),
        }
    }
}

impl AuditActor {
    /// Someone not (yet) signed in, e.g. a failed login naming `claimed_username`.
    pub fn anonymous(claimed_username: &str, ip: Option<String>) -> Self {
        AuditActor {
            user: claimed_username.to_owned(),
            role: "anonymous".to_owned(),
            organisation: None,
            ip,
        }
    }
}

/// What happened.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub action: String,
    pub target: Option<String>,
    pub outcome: Outcome,
    /// Free text for people; never personal data or secrets.
    pub detail: Option<String>,
}

impl AuditEvent {
    pub fn new(action: &str, target: Option<&str>) -> Self {
        AuditEvent {
            action: action.to_owned(),
            target: target.map(str::to_owned),
            outcome: Outcome::Success,
            detail: None,
        }
    }

    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// Appends one entry inside the caller's write transaction (see `Database::write`).
/// Other contexts call this to audit their own actions in their own transactions.
pub async fn append(
    conn: &mut AnyConnection,
    who: &AuditActor,
    event: AuditEvent,
) -> Result<AuditRecord, sqlx::Error> {
    let (last_seq, last_hash) = store::audit::head(conn).await?;
    let record = AuditRecord {
        seq: last_seq + 1,
        at: time::now_db(),
        actor_user: who.user.clone(),
        actor_role: who.role.clone(),
        actor_org: who.organisation.clone(),
        action: event.action,
        target: event.target,
        ip: who.ip.clone(),
        outcome: event.outcome.as_str().to_owned(),
        detail: event.detail,
        prev_hash: last_hash,
    };
    let hash = record.hash();
    store::audit::insert(conn, &record, &hash).await?;
    Ok(record)
}

/// An entry as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    #[serde(flatten)]
    pub record: AuditRecord,
    pub hash: String,
}

/// How far a verification got.
#[derive(Debug)]
pub enum VerifyReport {
    Intact { entries: i64 },
    Broken { verified: i64, at: ChainBreak },
}

/// Walks the whole log in pages and checks every link (the `yuverse audit verify` command).
pub async fn verify_chain(db: &Database) -> Result<VerifyReport, sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    let mut verifier = ChainVerifier::default();
    let mut after = 0;
    loop {
        let chunk = store::audit::chunk_after(&mut conn, after, 1000).await?;
        if chunk.is_empty() {
            return Ok(VerifyReport::Intact {
                entries: verifier.verified(),
            });
        }
        for (record, hash) in &chunk {
            if let Err(at) = verifier.check(record, hash) {
                return Ok(VerifyReport::Broken {
                    verified: verifier.verified(),
                    at,
                });
            }
            after = record.seq;
        }
    }
}

impl Governance {
    pub async fn audit_list(
        &self,
        actor: &Actor,
        filter: AuditFilter,
        page: Page,
    ) -> Result<Paged<AuditEntry>, Error> {
        actor.require(Permission::AuditRead)?;
        let mut conn = self.db.pool.acquire().await?;
        let (rows, total) = store::audit::list(&mut conn, &filter, page).await?;
        let items = rows
            .into_iter()
            .map(|(record, hash)| AuditEntry { record, hash })
            .collect();
        Ok(Paged::new(items, total, page))
    }
}
