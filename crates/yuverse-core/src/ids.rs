//! Opaque ids. UUIDv7 strings sort by creation time, which keeps indexes append-friendly.

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
