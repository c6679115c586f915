//! The audit log's hash chain: each entry stores the SHA-256 of the previous entry's hash and
//! its own fields, so changing, deleting or reordering any stored row breaks every later link.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash the first entry links to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry's content as it is hashed and stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditRecord {
    pub seq: i64,
    /// RFC 3339 UTC, storage form.
    pub at: String,
    pub actor_user: String,
    pub actor_role: String,
    pub actor_org: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub ip: Option<String>,
    /// `success`, `denied` or `failure`.
    pub outcome: String,
    pub detail: Option<String>,
    pub prev_hash: String,
}

impl AuditRecord {
    /// SHA-256 over a canonical JSON array of every field (field order fixed by this code).
    pub fn hash(&self) -> String {
        let canonical = serde_json::json!([
            self.seq,
            self.at,
            self.actor_user,
            self.actor_role,
            self.actor_org,
            self.action,
            self.target,
            self.ip,
            self.outcome,
            self.detail,
            self.prev_hash,
        ]);
        hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
    }
}

/// Where a chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The stored hash is not the hash of the stored fields: the row was changed.
    HashMismatch { seq: i64 },
    /// The entry does not link to the entry before it: a row was removed or reordered.
    BrokenLink { seq: i64 },
    /// Sequence numbers are not consecutive: a row was removed.
    Gap { expected: i64, found: i64 },
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::HashMismatch { seq } => {
                write!(
                    f,
                    "entry {seq}: stored hash does not match its content (the row was changed)"
                )
            }
            ChainBreak::BrokenLink { seq } => {
                write!(
                    f,
                    "entry {seq}: prev_hash does not match the previous entry's hash"
                )
            }
            ChainBreak::Gap { expected, found } => {
                write!(
                    f,
                    "entry {expected} is missing (next stored entry is {found})"
                )
            }
        }
    }
}

/// Walks entries in `seq` order and checks every link. Streams: keeps only the previous hash.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            expected_seq: 1,
            prev_hash: GENESIS.to_owned(),
        }
    }
}

impl ChainVerifier {
    pub fn check(&mut self, record: &AuditRecord, stored_hash: &str) -> Result<(), ChainBreak> {
        if record.seq != self.expected_seq {
            return Err(ChainBreak::Gap {
                expected: self.expected_seq,
                found: record.seq,
            });
        }
        if record.hash() != stored_hash {
            return Err(ChainBreak::HashMismatch { seq: record.seq });
        }
        if record.prev_hash != self.prev_hash {
            return Err(ChainBreak::BrokenLink { seq: record.seq });
        }
        self.expected_seq += 1;
        self.prev_hash = stored_hash.to_owned();
        Ok(())
    }

    pub fn verified(&self) -> i64 {
        self.expected_seq - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seq: i64, prev_hash: &str) -> AuditRecord {
        AuditRecord {
            seq,
            at: "2024-01-01T00:00:00.000000Z".into(),
            actor_user: "admin".into(),
            actor_role: "system_admin".into(),
            actor_org: None,
            action: "user.create".into(),
            target: Some(format!("user:{seq}")),
            ip: Some("127.0.0.1".into()),
            outcome: "success".into(),
            detail: None,
            prev_hash: prev_hash.into(),
        }
    }

    #[test]
    fn a_good_chain_verifies_and_a_changed_row_is_named() {
        let a = record(1, GENESIS);
        let b = record(2, &a.hash());
        let c = record(3, &b.hash());
        let mut v = ChainVerifier::default();
        for r in [&a, &b, &c] {
            v.check(r, &r.hash()).unwrap();
        }
        assert_eq!(v.verified(), 3);

        let mut changed = b.clone();
        changed.outcome = "failure".into();
        let mut v = ChainVerifier::default();
        v.check(&a, &a.hash()).unwrap();
        assert_eq!(
            v.check(&changed, &b.hash()),
            Err(ChainBreak::HashMismatch { seq: 2 })
        );
    }

    #[test]
    fn a_removed_row_is_a_gap() {
        let a = record(1, GENESIS);
        let b = record(2, &a.hash());
        let c = record(3, &b.hash());
        let mut v = ChainVerifier::default();
        v.check(&a, &a.hash()).unwrap();
        assert_eq!(
            v.check(&c, &c.hash()),
            Err(ChainBreak::Gap {
                expected: 2,
                found: 3
            })
        );
    }
}
