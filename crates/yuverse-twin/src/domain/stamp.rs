//! The time a write stamps on what it changes.

use serde_json::Value;

/// The `createdAt`/`modifiedAt` a write gives the entities and attribute instances it changes.
///
/// A write's stamp is the time of its notification mark (`subscriptions::backlog::Mark`): after
/// a crash the notifier finds the changes it may still owe by `modifiedAt` at or after its
/// watermark, so a change stamped with any other time could be missed. Parsing and changing
/// documents therefore take a `Stamp`, never a bare string, and only the backlog makes stamps
/// for writes (tests make fixed ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp(String);

impl Stamp {
    /// A stamp at `at` (storage form). Writes take theirs from the backlog's marks.
    pub(crate) fn new(at: String) -> Self {
        Stamp(at)
    }

    /// The time in storage form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The time as a JSON string, for a document's system attributes.
    pub fn json(&self) -> Value {
        Value::String(self.0.clone())
    }
}
