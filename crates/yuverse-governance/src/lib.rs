//! Platform governance (平台治理, 规范管理, 数据安全和隐私保护): users, organisations, roles,
//! sessions and API keys, real-name verification with encrypted identity numbers, and the
//! tamper-evident audit log every context writes to.
#![forbid(unsafe_code)]

pub mod domain;
pub mod http;
pub mod pii;
pub mod service;
pub mod store;

pub use service::{Governance, GovernanceConfig};
