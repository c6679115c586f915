//! Supervision rules (督办): the states of a work item, the traffic light, when reminders and
//! escalations are due, and the weighted roll-up of progress.

use chrono::Duration;
use serde::{Deserialize, Serialize};
use yuverse_core::time::Timestamp;

/// How long before a deadline an item turns yellow and its unit is reminded.
pub const DUE_SOON: Duration = Duration::days(3);

/// 交办 → 签收 → 办理 → 办结.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// 交办: assigned by the office to the owner unit.
    Assigned,
    /// 签收: the owner unit has acknowledged it.
    Acknowledged,
    /// 办理: work is under way.
    InProgress,
    /// 办结: done, confirmed by the office.
    Done,
}

impl ItemState {
    pub const ALL: [ItemState; 4] = [
        ItemState::Assigned,
        ItemState::Acknowledged,
        ItemState::InProgress,
        ItemState::Done,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemState::Assigned => "assigned",
            ItemState::Acknowledged => "acknowledged",
            ItemState::InProgress => "in_progress",
            ItemState::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether `self → to` is a step of the workflow: one step forward at a time.
    pub fn can_move_to(self, to: ItemState) -> bool {
        matches!(
            (self, to),
            (ItemState::Assigned, ItemState::Acknowledged)
                | (ItemState::Acknowledged, ItemState::InProgress)
                | (ItemState::InProgress, ItemState::Done)
        )
    }

    /// Only the office confirms 办结; the owner unit acknowledges and starts.
    pub fn office_only(self) -> bool {
        self == ItemState::Done
    }
}

/// The traffic light of an item (and of the figures built on items).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    /// On track (or done).
    Green,
    /// Due within three days, or behind the planned progress.
    Yellow,
    /// Past its deadline and not done.
    Red,
}

/// The progress an item should have reached by `now`: linear from its start to its deadline.
pub fn planned_progress(start: Timestamp, deadline: Timestamp, now: Timestamp) -> f64 {
    let span = (deadline - start).num_seconds();
    if span <= 0 || now >= deadline {
        return 100.0;
    }
    let elapsed = (now - start).num_seconds().max(0);
    elapsed as f64 * 100.0 / span as f64
}

pub fn light(
    state: ItemState,
    progress: i64,
    start: Timestamp,
    deadline: Timestamp,
    now: Timestamp,
) -> Light {
    if state == ItemState::Done {
        Light::Green
    } else if now > deadline {
        Light::Red
    } else if deadline - now <= DUE_SOON
        || (progress as f64) < planned_progress(start, deadline, now)
    {
        Light::Yellow
    } else {
        Light::Green
    }
}

/// What supervision owes an open item at `now`, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertKind {
    /// 提醒: the deadline is within [`DUE_SOON`].
    Reminder,
    /// 催办: the deadline has passed.
    Escalation,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Reminder => "reminder",
            AlertKind::Escalation => "escalation",
        }
    }
}

pub fn alert_due(state: ItemState, deadline: Timestamp, now: Timestamp) -> Option<AlertKind> {
    if state == ItemState::Done {
        None
    } else if now > deadline {
        Some(AlertKind::Escalation)
    } else if deadline - now <= DUE_SOON {
        Some(AlertKind::Reminder)
    } else {
        None
    }
}

/// The weighted mean of `(weight, percentage)` pairs, rounded to two decimals; `None` when
/// the weights add up to nothing.
pub fn weighted_progress(parts: impl IntoIterator<Item = (i64, f64)>) -> Option<f64> {
    let (sum, weights) = parts
        .into_iter()
        .fold((0.0, 0i64), |(sum, weights), (w, p)| {
            (sum + w as f64 * p, weights + w)
        });
    (weights > 0).then(|| round2(sum / weights as f64))
}

pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use yuverse_core::time::parse_rfc3339;

    fn t(s: &str) -> Timestamp {
        parse_rfc3339(s).unwrap()
    }

    #[test]
    fn the_light_turns_yellow_three_days_before_and_red_after() {
        let start = t("2024-01-01T00:00:00Z");
        let deadline = t("2024-01-31T00:00:00Z");
        let at = |s| light(ItemState::InProgress, 95, start, deadline, t(s));
        assert_eq!(at("2024-01-27T23:59:59Z"), Light::Green);
        assert_eq!(at("2024-01-28T00:00:00Z"), Light::Yellow);
        assert_eq!(at("2024-01-31T00:00:00Z"), Light::Yellow);
        assert_eq!(at("2024-01-31T00:00:01Z"), Light::Red);
        assert_eq!(
            light(
                ItemState::Done,
                100,
                start,
                deadline,
                t("2024-03-01T00:00:00Z")
            ),
            Light::Green
        );
    }

    #[test]
    fn behind_the_planned_progress_is_yellow() {
        let start = t("2024-01-01T00:00:00Z");
        let deadline = t("2024-01-31T00:00:00Z");
        let mid = t("2024-01-16T00:00:00Z");
        assert_eq!(planned_progress(start, deadline, mid), 50.0);
        assert_eq!(
            light(ItemState::InProgress, 49, start, deadline, mid),
            Light::Yellow
        );
        assert_eq!(
            light(ItemState::InProgress, 50, start, deadline, mid),
            Light::Green
        );
    }

    #[test]
    fn the_workflow_moves_one_step_at_a_time() {
        use ItemState::*;
        assert!(Assigned.can_move_to(Acknowledged));
        assert!(!Assigned.can_move_to(Done));
        assert!(!Done.can_move_to(InProgress));
        assert!(InProgress.can_move_to(Done));
    }

    #[test]
    fn roll_up_is_weighted() {
        assert_eq!(weighted_progress([(3, 100.0), (1, 40.0)]), Some(85.0));
        assert_eq!(weighted_progress([(1, 33.333)]), Some(33.33));
        assert_eq!(weighted_progress([]), None);
    }

    #[test]
    fn alerts_follow_the_deadline() {
        let deadline = t("2024-01-31T00:00:00Z");
        assert_eq!(
            alert_due(ItemState::Assigned, deadline, t("2024-01-20T00:00:00Z")),
            None
        );
        assert_eq!(
            alert_due(ItemState::Assigned, deadline, t("2024-01-29T00:00:00Z")),
            Some(AlertKind::Reminder)
        );
        assert_eq!(
            alert_due(ItemState::InProgress, deadline, t("2024-02-01T00:00:00Z")),
            Some(AlertKind::Escalation)
        );
        assert_eq!(
            alert_due(ItemState::Done, deadline, t("2024-02-01T00:00:00Z")),
            None
        );
    }
}
