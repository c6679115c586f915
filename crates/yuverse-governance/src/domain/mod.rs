//! Governance rules without I/O: identifiers and their check characters, the password policy,
//! masking, organisation kinds and the audit chain's hashing.

pub mod audit_chain;
pub mod credit_code;
pub mod id_number;
pub mod masking;
pub mod organisation;
pub mod password;
pub mod username;
