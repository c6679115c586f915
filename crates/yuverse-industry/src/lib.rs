//! The industry service platform (产业服务). For now: the district's places, the "one core,
//! many points" layout (一核多点) of parks, areas and scenario sites, with the clusters each
//! hosts. Enterprises, the alliance, scenarios and challenges arrive with their issues.
#![forbid(unsafe_code)]

pub mod domain;
pub mod http;
pub mod service;
pub mod store;

pub use service::Industry;
