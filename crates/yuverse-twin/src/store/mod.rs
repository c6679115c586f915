//! Where entities live: in memory with indexes for answering queries (`memory`), durably in
//! SQL with group commit (`persist`, which gathers commits as `gathering` says);
//! the temporal history is read back by `history`; names are stored in the compact form
//! `stored_names` gives them; discovery reads `shapes`. Memory is loaded from SQL at start.

pub mod contexts;
pub mod gathering;
pub mod history;
pub mod memory;
pub mod persist;
pub mod shapes;
pub(crate) mod stored_names;
pub mod types;
