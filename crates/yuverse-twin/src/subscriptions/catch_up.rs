//! At start, notifies again what may not have been notified before the last stop: the
//! entities deleted, then those created or changed, at or after the stored watermark (see
//! [`super::backlog`]). An entity changed several times since then is notified once, in its
//! current state; what a receiver gets is what it would get for a new match (every trigger
//! but deletion counts), so the same `q`, `watchedAttributes` and throttling apply.

use std::sync::Arc;

use serde_json::json;
use tokio::sync::mpsc;
use yuverse_core::db::Database;

use super::backlog::{self, Backlog};
use super::{ChangeEvent, Notice};
use crate::domain::entity;
use crate::store::history;
use crate::Twin;

/// Queues the notices of changes made since the stored watermark; answers how many. A
/// database without a watermark (a new one) gets one now, so that no later change is missed.
pub async fn notify_missed(
    twin: &Twin,
    db: &Database,
    backlog: &Arc<Backlog>,
    notices: &mpsc::UnboundedSender<Notice>,
) -> anyhow::Result<usize> {
    let Some(since) = backlog::stored(db).await? else {
        let now = || yuverse_core::time::now_db();
        backlog::store(db, &backlog.watermark().unwrap_or_else(now)).await?;
        return Ok(0);
    };
    // Held until every notice below has been notified, so the watermark stays where it is.
    let mark = Arc::new(backlog.open_at(&since));
    let mut events = Vec::new();
    for (tenant, deleted) in history::deleted_since(db, &since).await? {
        let last_known = json!({"id": deleted.id, "type": deleted.types});
        events.push(ChangeEvent {
            tenant,
            id: deleted.id,
            before: Some(Arc::new(last_known)),
            after: None,
            attributes: Vec::new(),
        });
    }
    for (tenant, current) in twin.changed_since(&since)? {
        let doc = entity::doc(&current);
        events.push(ChangeEvent {
            tenant,
            id: entity::id_of(doc).to_owned(),
            before: None,
            attributes: entity::attribute_names(doc).cloned().collect(),
            after: Some(current),
        });
    }
    let count = events.len();
    for event in events {
        let _ = notices.send(Notice {
            event,
            catch_up: true,
            mark: mark.clone(),
        });
    }
    if count > 0 {
        tracing::info!(
            changes = count,
            since,
            "notifying again the changes made since the last notified one"
        );
    }
    Ok(count)
}
