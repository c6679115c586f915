//! The NGSI-LD data model without I/O: validating and normalising entities and attributes
//! from any of the input forms, and rendering the output representations.
//!
//! Inside the broker an entity is kept as one JSON object in *normalised, expanded* form:
//! `id`, `type` (array of IRIs), optional `scope`, `createdAt`/`modifiedAt`, and every
//! attribute under its expanded name as an **array of instances** (one per `datasetId`), each
//! instance a normalised attribute object carrying its own `createdAt`/`modifiedAt`. Keeping one
//! uniform shape lets the query language evaluate stored entities directly.

pub mod attribute;
pub mod entity;
pub mod join;
pub mod language;
pub mod ordering;
pub mod render;
pub mod stamp;
pub mod vocabulary;

pub use stamp::Stamp;
pub use vocabulary::Vocabulary;
