//! The digital twin city operations platform (数字孪生城市运营平台): an ETSI NGSI-LD context
//! broker (GS CIM 009, target V1.9.1) under `/ngsi-ld/v1`.
//!
//! Entities live in memory per tenant with type, attribute and spatial indexes, so queries never
//! scan every entity; every change is made durable in SQL through a group-commit writer before
//! it is acknowledged, with each attribute change kept as a temporal instance. The query
//! language, geo-queries and @context processing are their own crates
//! (`yuverse-twin-query`, `yuverse-twin-geo`, `yuverse-twin-context`).
#![forbid(unsafe_code)]

pub mod alerts;
pub mod devices;
pub mod domain;
pub mod error;
pub mod http;
pub mod live;
pub mod outbound;
pub mod registrations;
pub mod service;
pub mod store;
pub mod subscriptions;

pub use service::{Twin, TwinConfig};
