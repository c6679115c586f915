//! The plan's types and rules. No I/O: the clock's "now" comes in as an argument.

pub mod document;
pub mod input;
pub mod supervision;

pub use document::{PlanDocument, TaskKind};
pub use supervision::{ItemState, Light};
