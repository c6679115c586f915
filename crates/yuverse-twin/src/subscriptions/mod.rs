//! NGSI-LD subscriptions: create, list, retrieve, update, delete; notifications on entity
//! changes (`watchedAttributes`, `q`, `geoQ`, `notificationTrigger`, `throttling`) and
//! periodic ones (`timeInterval`); delivery over HTTP(S) with `receiverInfo` headers or to an
//! MQTT broker topic, at least once with retries and back-off, off the write path, and again
//! after a crash (`backlog`, `catch_up`); status fields kept up to date and stored.

pub mod backlog;
mod catch_up;
pub(crate) mod deletions;
pub(crate) mod delivery;
pub mod endpoint;
pub mod http;
mod index;
pub(crate) mod model;
mod mqtt_publish;
mod registry;
mod show_changes;
pub(crate) mod status;

pub use backlog::{Backlog, Mark};
pub use model::{EntitySelector, Subscription};
pub use registry::Subscriptions;

use std::sync::Arc;

use serde_json::Value;

/// One committed change of an entity, as the notifier sees it.
#[derive(Debug, Clone)]
pub struct ChangeEvent {
    pub tenant: String,
    pub id: String,
    pub before: Option<Arc<Value>>,
    pub after: Option<Arc<Value>>,
    /// Expanded names of the attributes the change touched.
    pub attributes: Vec<String>,
}

/// A committed change on its way to the notifier, holding its write's [`Mark`] open until
/// every notification it starts has ended.
#[derive(Debug)]
pub struct Notice {
    pub event: ChangeEvent,
    /// Notified again at start after a stop ([`catch_up`]): the entity as it is now, which
    /// every trigger but deletion selects.
    pub catch_up: bool,
    pub mark: Arc<Mark>,
}
