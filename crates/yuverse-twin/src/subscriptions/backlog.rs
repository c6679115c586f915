//! What the notifier still owes, so that a crash loses no notification.
//!
//! Every write opens a [`Mark`] stamped with its time, which is also the `modifiedAt` of the
//! entities it changes; marks are stamped in strictly increasing times. The mark travels with
//! the write's committed changes through the notifier into every delivery task they start, and
//! closes when the last of them has ended (delivered, or given up after its retries). The
//! *watermark* is then the time before which every change has been fully notified: the oldest
//! open mark, or just after the newest one when none is open. A task stores it once a second;
//! at start, the changes made at or after the stored watermark are notified again
//! ([`super::catch_up`]). A receiver may therefore get a notification twice after a crash,
//! which at-least-once delivery allows, but never none.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use yuverse_core::db::Database;

use crate::domain::Stamp;
use yuverse_core::time::{to_db, Timestamp};

/// The open marks, by time (several writes may share a microsecond).
#[derive(Debug, Default)]
pub struct Backlog {
    marks: Mutex<Marks>,
}

#[derive(Debug, Default)]
struct Marks {
    open: BTreeMap<String, usize>,
    /// The time of the newest mark [`Backlog::open`] gave.
    newest: Option<Timestamp>,
}

/// An open mark: the changes stamped with it are not all notified yet.
#[derive(Debug)]
pub struct Mark {
    backlog: Arc<Backlog>,
    stamp: Stamp,
}

impl Mark {
    /// The write's time: what it stamps on the entities and instances it changes.
    pub fn stamp(&self) -> &Stamp {
        &self.stamp
    }
}

impl Backlog {
    /// Opens a mark at the current time (or a microsecond after the previous mark, should the
    /// clock not have moved or have gone back), under the backlog's lock, so that a watermark
    /// read after it can never pass it.
    pub fn open(self: &Arc<Self>) -> Mark {
        let mut marks = self.marks.lock().unwrap_or_else(|p| p.into_inner());
        let mut time = yuverse_core::time::now();
        if let Some(newest) = marks.newest.filter(|n| time <= *n) {
            time = newest + chrono::Duration::microseconds(1);
        }
        marks.newest = Some(time);
        let at = to_db(time);
        marks.open_at(&at);
        Mark {
            backlog: self.clone(),
            stamp: Stamp::new(at),
        }
    }

    /// Opens a mark at a past time: the stored watermark, held while changes made since then
    /// are notified again.
    pub fn open_at(self: &Arc<Self>, at: &str) -> Mark {
        let mut marks = self.marks.lock().unwrap_or_else(|p| p.into_inner());
        marks.open_at(at);
        Mark {
            backlog: self.clone(),
            stamp: Stamp::new(at.to_owned()),
        }
    }

    /// Every change stamped before this time is notified; `None` before the first mark.
    pub fn watermark(&self) -> Option<String> {
        let marks = self.marks.lock().unwrap_or_else(|p| p.into_inner());
        match marks.open.keys().next() {
            Some(oldest) => Some(oldest.clone()),
            None => marks
                .newest
                .map(|n| to_db(n + chrono::Duration::microseconds(1))),
        }
    }
}

impl Marks {
    fn open_at(&mut self, at: &str) {
        *self.open.entry(at.to_owned()).or_default() += 1;
    }
}

impl Drop for Mark {
    fn drop(&mut self) {
        let mut marks = self.backlog.marks.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = marks.open.get_mut(self.stamp.as_str()) {
            *count -= 1;
            if *count == 0 {
                marks.open.remove(self.stamp.as_str());
            }
        }
    }
}

/// The stored watermark, if any.
pub async fn stored(db: &Database) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT caught_up_to FROM twin_notified WHERE id = 1")
        .fetch_optional(&db.pool)
        .await
}

/// Stores the watermark.
pub async fn store(db: &Database, watermark: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.write().await?;
    sqlx::query(
        "INSERT INTO twin_notified (id, caught_up_to) VALUES (1, $1) \
         ON CONFLICT (id) DO UPDATE SET caught_up_to = excluded.caught_up_to",
    )
    .bind(watermark)
    .execute(tx.conn())
    .await?;
    tx.commit().await
}

/// Stores the watermark as it is now, at a clean stop, so that the next start notifies again
/// only what was still in flight.
pub async fn store_at_stop(db: &Database, backlog: &Backlog) {
    if let Some(watermark) = backlog.watermark() {
        if let Err(e) = store(db, &watermark).await {
            tracing::warn!(error = %e, "cannot store the notification watermark at stop");
        }
    }
}

/// Stores the watermark once a second while it moves (a failed write is retried a second
/// later: the stored watermark only lags, which costs repeated notifications, not lost ones).
/// Ends when the database is closed.
pub async fn keep(db: Database, backlog: Arc<Backlog>) {
    let mut stored_value: Option<String> = None;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        if db.pool.is_closed() {
            return;
        }
        let Some(watermark) = backlog.watermark() else {
            continue;
        };
        if stored_value.as_ref() == Some(&watermark) {
            continue;
        }
        match store(&db, &watermark).await {
            Ok(()) => stored_value = Some(watermark),
            Err(e) => {
                tracing::warn!(error = %e, "cannot store the notification watermark; will retry")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watermark_waits_for_the_oldest_open_mark_and_then_passes_the_newest() {
        let backlog = Arc::new(Backlog::default());
        assert_eq!(backlog.watermark(), None);
        let first = backlog.open();
        let second = backlog.open();
        assert!(
            first.stamp().as_str() < second.stamp().as_str(),
            "marks are stamped in increasing times"
        );
        let held = backlog.open_at("2026-01-01T00:00:01.000000Z");
        let held_too = backlog.open_at("2026-01-01T00:00:01.000000Z");
        assert_eq!(backlog.watermark().as_deref(), Some(held.stamp().as_str()));
        drop(held);
        // Another mark of the same time is still open.
        assert_eq!(
            backlog.watermark().as_deref(),
            Some(held_too.stamp().as_str())
        );
        drop(held_too);
        assert_eq!(backlog.watermark().as_deref(), Some(first.stamp().as_str()));
        drop(first);
        assert_eq!(
            backlog.watermark().as_deref(),
            Some(second.stamp().as_str())
        );
        let second_at = second.stamp().as_str().to_owned();
        drop(second);
        // Nothing open: the newest mark is notified too.
        let watermark = backlog.watermark().unwrap();
        assert!(watermark > second_at);
        let next = backlog.open();
        assert!(
            next.stamp().as_str() >= watermark.as_str(),
            "a later write is never before the watermark"
        );
    }
}
