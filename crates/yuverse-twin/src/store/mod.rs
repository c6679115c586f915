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

/// JSON text for storage, written straight into a buffer of `capacity` bytes (a typical size
/// for what is written, so that the buffer is not grown several times on the ingestion path;
/// `Value`'s `Display` goes through the formatter machinery and starts from nothing).
pub(crate) fn json_text<T: serde::Serialize + ?Sized>(value: &T, capacity: usize) -> String {
    let mut out = Vec::with_capacity(capacity);
    serde_json::to_writer(&mut out, value).expect("JSON values with string keys always serialise");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}
