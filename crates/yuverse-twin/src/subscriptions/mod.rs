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
    /// Expanded names of the attributes the change touched: those the write named, to which
    /// [`ChangeEvent::add_deleted_attributes`] adds any it removed or took an instance from.
    pub attributes: Vec<String>,
}

impl ChangeEvent {
    /// Completes `attributes` with those an update removed, or took an instance (a datasetId)
    /// from, without naming them, which notifications tell as deleted. Done by the notifier
    /// only for tenants with subscriptions, so that writes do not pay for it.
    pub fn add_deleted_attributes(&mut self) {
        let (Some(before), Some(after)) = (&self.before, &self.after) else {
            return;
        };
        for name in crate::domain::entity::attribute_names(crate::domain::entity::doc(before)) {
            if !self.attributes.contains(name)
                && deletions::deleted_an_instance(before, after, name)
            {
                self.attributes.push(name.clone());
            }
        }
    }
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
