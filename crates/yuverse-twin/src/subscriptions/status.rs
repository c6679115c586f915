//! What a subscription's notifications have done so far, and how it is kept: in memory for
//! the notifier, written to `twin_subscriptions.status` by a background writer at most a
//! second after it changes, so counters and dates survive a restart without a database write
//! on every notification.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::registry::Subscriptions;

#[derive(Debug, Default, Clone)]
pub struct Status {
    pub times_sent: u64,
    pub times_failed: u64,
    pub last_notification: Option<String>,
    pub last_success: Option<String>,
    pub last_failure: Option<String>,
    /// When the last notification was taken (throttling and `timeInterval`; not stored).
    pub last_sent_at: Option<Instant>,
}

impl Status {
    /// The stored form (the column `status`, JSON).
    pub fn to_stored(&self) -> String {
        json!({
            "timesSent": self.times_sent,
            "timesFailed": self.times_failed,
            "lastNotification": self.last_notification,
            "lastSuccess": self.last_success,
            "lastFailure": self.last_failure,
        })
        .to_string()
    }

    /// Reads the stored form; anything unreadable counts as a fresh status.
    pub fn from_stored(text: Option<&str>) -> Status {
        let Some(Ok(v)) = text.map(serde_json::from_str::<Value>) else {
            return Status::default();
        };
        let date = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        Status {
            times_sent: v.get("timesSent").and_then(Value::as_u64).unwrap_or(0),
            times_failed: v.get("timesFailed").and_then(Value::as_u64).unwrap_or(0),
            last_notification: date("lastNotification"),
            last_success: date("lastSuccess"),
            last_failure: date("lastFailure"),
            last_sent_at: None,
        }
    }

    /// Counts one delivered or finally failed notification: `timesSent` counts both (clause
    /// 5.2.14: the notifications sent), `timesFailed` the failed ones.
    pub fn record(status: &Mutex<Status>, notified_at: String, delivered: bool, now: String) {
        if let Ok(mut s) = status.lock() {
            s.last_notification = Some(notified_at);
            s.times_sent += 1;
            if delivered {
                s.last_success = Some(now);
            } else {
                s.times_failed += 1;
                s.last_failure = Some(now);
            }
        }
    }
}

/// Which subscription's status changed: (tenant, id).
pub type Changed = (String, String);

/// Writes changed statuses once a second, in one transaction per round.
pub async fn write_changes(
    subscriptions: Subscriptions,
    mut changed: mpsc::UnboundedReceiver<Changed>,
) {
    let mut pending: HashSet<Changed> = HashSet::new();
    loop {
        // A failed round keeps its rows pending and is retried a second later.
        if pending.is_empty() {
            match changed.recv().await {
                Some(c) => {
                    pending.insert(c);
                }
                None => return,
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        while let Ok(c) = changed.try_recv() {
            pending.insert(c);
        }
        let rows: Vec<(String, String, String)> = pending
            .drain()
            .filter_map(|(tenant, id)| {
                let (_, status) = subscriptions.get(&tenant, &id).ok()?;
                Some((tenant, id, status.to_stored()))
            })
            .collect();
        if let Err(e) = store(&subscriptions, &rows).await {
            tracing::warn!(error = %e, "cannot store the subscriptions' delivery status; will retry");
            for (tenant, id, _) in rows {
                pending.insert((tenant, id));
            }
        }
    }
}

async fn store(
    subscriptions: &Subscriptions,
    rows: &[(String, String, String)],
) -> anyhow::Result<()> {
    let mut tx = subscriptions.inner.db.write().await?;
    for (tenant, id, status) in rows {
        sqlx::query("UPDATE twin_subscriptions SET status = $1 WHERE tenant = $2 AND id = $3")
            .bind(status)
            .bind(tenant)
            .bind(id)
            .execute(tx.conn())
            .await?;
    }
    tx.commit().await?;
    Ok(())
}
