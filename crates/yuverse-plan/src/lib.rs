//! Plan supervision (工作组 · 责任单位 · 督办): the action plan as versioned data, its break-down
//! into work items and milestones, supervision with reminders and escalations, progress
//! reports, the indicators every module contributes, the cockpit's figures and in-app
//! notifications. See `docs/plan.md`.
#![forbid(unsafe_code)]

pub mod clock;
pub mod domain;
pub mod http;
pub mod service;
mod store;

pub use clock::{Clock, ManualClock, SystemClock};
pub use service::Plan;
