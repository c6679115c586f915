//! What clients send, and the checks that need nothing but the input itself. Checks that need
//! storage (organisations exist, the item is the unit's own) are the service's.

use serde::{Deserialize, Serialize};
use yuverse_core::time::{parse_rfc3339, Timestamp};
use yuverse_core::FieldError;

const MAX_TITLE: usize = 200;
const MAX_TEXT: usize = 4000;
const MAX_EVIDENCE: usize = 10;
const MAX_WEIGHT: i64 = 100;

fn text(errors: &mut Vec<FieldError>, field: &str, value: &str, required: bool, max: usize) {
    let len = value.chars().count();
    if required && value.trim().is_empty() {
        errors.push(FieldError::new(field, "must not be empty"));
    } else if len > max {
        errors.push(FieldError::new(field, format!("at most {max} characters")));
    }
}

fn time(errors: &mut Vec<FieldError>, field: &str, value: &str) -> Option<Timestamp> {
    let parsed = parse_rfc3339(value);
    if parsed.is_none() {
        errors.push(FieldError::new(
            field,
            "must be an RFC 3339 time, e.g. 2024-06-30T18:00:00+08:00",
        ));
    }
    parsed
}

fn weight(errors: &mut Vec<FieldError>, value: i64) {
    if !(1..=MAX_WEIGHT).contains(&value) {
        errors.push(FieldError::new(
            "weight",
            format!("must be between 1 and {MAX_WEIGHT}"),
        ));
    }
}

fn units(errors: &mut Vec<FieldError>, field: &str, ids: &[String]) {
    let mut seen = std::collections::HashSet::new();
    for (i, id) in ids.iter().enumerate() {
        if !seen.insert(id.as_str()) {
            errors.push(FieldError::new(format!("{field}[{i}]"), "named twice"));
        }
    }
}

fn done(errors: Vec<FieldError>) -> Result<(), Vec<FieldError>> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// A work item under a task (交办 by the office).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewItem {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Organisation id of the owner unit: one of the task's responsible units.
    pub owner_unit: String,
    /// Organisation ids of co-operating units.
    #[serde(default)]
    pub co_units: Vec<String>,
    /// Code of the place (park, area) the item is about, for progress by area.
    #[serde(default)]
    pub place_code: Option<String>,
    /// Relative weight in the task's progress, 1 to 100 (default 1).
    #[serde(default = "one")]
    pub weight: i64,
    /// Planned start (default: now).
    #[serde(default)]
    pub start_at: Option<String>,
    pub deadline: String,
}

fn one() -> i64 {
    1
}

/// Validated times of a new item.
#[derive(Debug, Clone, Copy)]
pub struct ItemTimes {
    pub start: Timestamp,
    pub deadline: Timestamp,
}

impl NewItem {
    pub fn check(&self, now: Timestamp) -> Result<ItemTimes, Vec<FieldError>> {
        let mut errors = Vec::new();
        text(&mut errors, "title", &self.title, true, MAX_TITLE);
        text(
            &mut errors,
            "description",
            &self.description,
            false,
            MAX_TEXT,
        );
        weight(&mut errors, self.weight);
        units(&mut errors, "co_units", &self.co_units);
        if self.co_units.contains(&self.owner_unit) {
            errors.push(FieldError::new(
                "co_units",
                "must not include the owner unit",
            ));
        }
        let start = match &self.start_at {
            Some(s) => time(&mut errors, "start_at", s),
            None => Some(now),
        };
        let deadline = time(&mut errors, "deadline", &self.deadline);
        if let (Some(s), Some(d)) = (start, deadline) {
            if d <= s {
                errors.push(FieldError::new("deadline", "must be after the start"));
            }
        }
        done(errors)?;
        Ok(ItemTimes {
            start: start.unwrap_or(now),
            deadline: deadline.unwrap_or(now),
        })
    }
}

/// Changes to a work item (office). Absent fields stay.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub owner_unit: Option<String>,
    pub co_units: Option<Vec<String>>,
    pub place_code: Option<String>,
    pub weight: Option<i64>,
    pub deadline: Option<String>,
}

impl ItemPatch {
    pub fn check(&self) -> Result<Option<Timestamp>, Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(t) = &self.title {
            text(&mut errors, "title", t, true, MAX_TITLE);
        }
        if let Some(d) = &self.description {
            text(&mut errors, "description", d, false, MAX_TEXT);
        }
        if let Some(w) = self.weight {
            weight(&mut errors, w);
        }
        if let Some(c) = &self.co_units {
            units(&mut errors, "co_units", c);
        }
        let deadline = self
            .deadline
            .as_deref()
            .and_then(|d| time(&mut errors, "deadline", d));
        done(errors)?;
        Ok(deadline)
    }
}

/// A state change of a work item.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// `acknowledged` (签收, owner unit), `in_progress` (办理, owner unit) or `done` (办结, office).
    pub to: super::ItemState,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMilestone {
    pub title: String,
    pub due_at: String,
}

impl NewMilestone {
    pub fn check(&self) -> Result<Timestamp, Vec<FieldError>> {
        let mut errors = Vec::new();
        text(&mut errors, "title", &self.title, true, MAX_TITLE);
        let due = time(&mut errors, "due_at", &self.due_at);
        done(errors)?;
        Ok(due.unwrap_or_default())
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestonePatch {
    pub title: Option<String>,
    pub due_at: Option<String>,
    /// Marks the milestone reached (or not).
    pub done: Option<bool>,
}

impl MilestonePatch {
    pub fn check(&self) -> Result<Option<Timestamp>, Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(t) = &self.title {
            text(&mut errors, "title", t, true, MAX_TITLE);
        }
        let due = self
            .due_at
            .as_deref()
            .and_then(|d| time(&mut errors, "due_at", d));
        done(errors)?;
        Ok(due)
    }
}

/// Evidence for a report, kept as a reference (a document in another system or a URL).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub name: String,
    /// `https://…` or `http://…`.
    pub url: String,
}

/// A progress report on one work item for a period.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    /// The period reported on: `YYYY-MM` (month) or `YYYY-Qn` (quarter).
    pub period: String,
    /// Completion of the item, 0 to 100.
    pub percentage: i64,
    pub narrative: String,
    #[serde(default)]
    pub blockers: String,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
}

fn valid_period(p: &str) -> bool {
    let b = p.as_bytes();
    let year = b.len() == 7 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-';
    year && match &b[5..] {
        [b'Q', q] => (b'1'..=b'4').contains(q),
        [m1, m2] if m1.is_ascii_digit() && m2.is_ascii_digit() => {
            (1..=12).contains(&((m1 - b'0') * 10 + (m2 - b'0')))
        }
        _ => false,
    }
}

impl NewReport {
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if !valid_period(&self.period) {
            errors.push(FieldError::new(
                "period",
                "must be YYYY-MM or YYYY-Qn, e.g. 2024-06 or 2024-Q2",
            ));
        }
        if !(0..=100).contains(&self.percentage) {
            errors.push(FieldError::new("percentage", "must be between 0 and 100"));
        }
        text(&mut errors, "narrative", &self.narrative, true, MAX_TEXT);
        text(&mut errors, "blockers", &self.blockers, false, MAX_TEXT);
        if self.evidence.len() > MAX_EVIDENCE {
            errors.push(FieldError::new(
                "evidence",
                format!("at most {MAX_EVIDENCE} references"),
            ));
        }
        for (i, e) in self.evidence.iter().enumerate() {
            text(
                &mut errors,
                &format!("evidence[{i}].name"),
                &e.name,
                true,
                MAX_TITLE,
            );
            let scheme_ok = e.url.starts_with("https://") || e.url.starts_with("http://");
            if !scheme_ok || e.url.len() > 2000 || e.url.chars().any(char::is_whitespace) {
                errors.push(FieldError::new(
                    format!("evidence[{i}].url"),
                    "must be an http(s) URL without spaces",
                ));
            }
        }
        done(errors)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Accept,
    Return,
}

/// The office's review of a report.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Review {
    pub decision: Decision,
    /// Required when returning: what the unit must change.
    #[serde(default)]
    pub reason: Option<String>,
}

impl Review {
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        match (self.decision, self.reason.as_deref()) {
            (Decision::Return, None) => errors.push(FieldError::new(
                "reason",
                "a returned report needs a reason",
            )),
            (_, Some(r)) => text(
                &mut errors,
                "reason",
                r,
                self.decision == Decision::Return,
                MAX_TEXT,
            ),
            _ => {}
        }
        done(errors)
    }
}

/// A change to a task or safeguard of the plan (office); makes a new plan version.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskPatch {
    pub title: Option<String>,
    pub text: Option<String>,
    /// Organisation id of the leading unit: one of the task's units.
    pub lead_unit: Option<String>,
    /// Organisation ids of the responsible units, in order.
    pub units: Option<Vec<String>>,
    /// Relative weight in the plan's progress, 1 to 100.
    pub weight: Option<i64>,
    /// Why the plan changes, recorded with the version.
    pub note: Option<String>,
}

impl TaskPatch {
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(t) = &self.title {
            text(&mut errors, "title", t, true, MAX_TITLE);
        }
        if let Some(t) = &self.text {
            text(&mut errors, "text", t, true, MAX_TEXT);
        }
        if let Some(u) = &self.units {
            if u.is_empty() {
                errors.push(FieldError::new(
                    "units",
                    "a task needs at least one responsible unit",
                ));
            }
            units(&mut errors, "units", u);
        }
        if let Some(w) = self.weight {
            weight(&mut errors, w);
        }
        if let Some(n) = &self.note {
            text(&mut errors, "note", n, false, MAX_TITLE);
        }
        let empty = self.title.is_none()
            && self.text.is_none()
            && self.lead_unit.is_none()
            && self.units.is_none()
            && self.weight.is_none();
        if empty {
            errors.push(FieldError::new(
                "body",
                "change at least one of title, text, lead_unit, units, weight",
            ));
        }
        done(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_months_or_quarters() {
        for ok in ["2024-01", "2024-12", "2024-Q1", "2024-Q4"] {
            assert!(valid_period(ok), "{ok}");
        }
        for bad in [
            "2024-13", "2024-00", "2024-Q5", "24-01", "2024/01", "2024-1", "",
        ] {
            assert!(!valid_period(bad), "{bad}");
        }
    }
}
