//! Hands committed changes to their readers: the notifier and in-process watchers (alerts,
//! the live map). The twin's writer calls it right after a commit, before it acknowledges the
//! writes in it, so a change is published in commit order and even when the client that made
//! it has gone.

use std::sync::{Arc, OnceLock};

use tokio::sync::{broadcast, mpsc};

use crate::subscriptions::{Backlog, ChangeEvent, Mark, Notice};

/// How many committed changes a slow [`crate::Twin::watch`] receiver may fall behind.
pub const WATCH_CAPACITY: usize = 16_384;

pub(super) struct Publisher {
    /// Where committed changes go for notifications, once subscriptions are started.
    pub notices: OnceLock<mpsc::UnboundedSender<Notice>>,
    pub watchers: broadcast::Sender<ChangeEvent>,
    /// What the notifier still owes (each write opens a mark).
    pub backlog: Arc<Backlog>,
}

impl Publisher {
    pub fn new() -> Publisher {
        Publisher {
            notices: OnceLock::new(),
            watchers: broadcast::channel(WATCH_CAPACITY).0,
            backlog: Arc::default(),
        }
    }

    /// Publishes one write's committed changes; its mark stays open while the notifier works
    /// on them.
    pub fn publish(&self, events: Vec<ChangeEvent>, mark: Mark) {
        let watched = self.watchers.receiver_count() > 0;
        let mark = Arc::new(mark);
        for event in events {
            if watched {
                // A send fails only when every watcher has gone, which is fine.
                let _ = self.watchers.send(event.clone());
            }
            if let Some(notices) = self.notices.get() {
                let _ = notices.send(Notice {
                    event,
                    catch_up: false,
                    mark: mark.clone(),
                });
            }
        }
    }
}
