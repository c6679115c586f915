//! Where entities live: in memory with indexes for answering queries (`memory`), durably in
//! SQL with group commit (`persist`). Memory is loaded from SQL at start.

pub mod contexts;
pub mod memory;
pub mod persist;
pub mod types;
