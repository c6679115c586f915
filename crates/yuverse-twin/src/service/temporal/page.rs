//! Paging of instances (clause 6.3.10): when an attribute has more instances in the window
//! than the server's limit, the answer is cut at one instant for every attribute of every
//! entity, answered 206, and the instant range served is named in
//! `Content-Range: date-time <range-start>-<range-end>/<size>`. Without `lastN` paging runs
//! forwards (oldest first; size `*`), with `lastN` backwards (newest first; size = `lastN`).

use std::collections::BTreeMap;

use super::{Grouped, TemporalQuery, TimeRel};
use crate::store::history::Instance;

/// The instant range a cut answer covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentRange {
    pub start: String,
    pub end: String,
    pub size: Option<usize>,
}

impl ContentRange {
    /// The `Content-Range` header value.
    pub fn header(&self) -> String {
        let size = self.size.map_or_else(|| "*".to_owned(), |s| s.to_string());
        format!("date-time {}-{}/{size}", self.start, self.end)
    }
}

/// A storage time (fixed-width RFC 3339) in the wire form (no empty fraction).
pub(super) fn wire(stored: &str) -> String {
    yuverse_core::time::from_db(stored)
        .map(wire_time)
        .unwrap_or_else(|_| stored.to_owned())
}

pub(super) fn wire_time(t: yuverse_core::time::Timestamp) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Attributes the cut left without instances, by entity, with their attribute type: they
/// still show, empty (`[]`, or `{"type": …, "values": []}` simplified), so that a client sees
/// they have instances past the range served (as clause 6.3.10 pages them).
pub(super) type Emptied = BTreeMap<String, BTreeMap<String, String>>;

/// What a cut served.
pub(super) struct Cut {
    pub range: ContentRange,
    pub emptied: Emptied,
}

/// Cuts `grouped` (read with at most `limit` instances per attribute) at the instant where the
/// first attribute ran out, and answers the range served; `None` when nothing was cut.
pub(super) fn cut(grouped: &mut Grouped, query: &TemporalQuery, limit: usize) -> Option<Cut> {
    let backwards = query.last_n.is_some();
    // Attributes that have more instances in the window than the answer could take.
    let cut_groups = grouped
        .values()
        .flat_map(|attrs| attrs.values())
        .filter(|list| {
            let in_window = list.first().map_or(0, |i| i.in_window);
            let wanted = query.last_n.map_or(in_window, |n| n.min(in_window));
            list.len() < wanted && list.len() >= limit
        });
    // Forwards: the earliest last instant of a cut attribute; backwards: the latest first one.
    let boundary = if backwards {
        cut_groups
            .filter_map(|l| l.first().map(|i| i.time.clone()))
            .max()?
    } else {
        cut_groups
            .filter_map(|l| l.last().map(|i| i.time.clone()))
            .min()?
    };
    let mut emptied = Emptied::new();
    for (entity, attrs) in grouped.iter_mut() {
        for (name, list) in attrs.iter_mut() {
            let kind = list.first().map(kind_of);
            list.retain(|i| {
                if backwards {
                    i.time >= boundary
                } else {
                    i.time <= boundary
                }
            });
            if let (true, Some(kind)) = (list.is_empty(), kind) {
                emptied
                    .entry(entity.clone())
                    .or_default()
                    .insert(name.clone(), kind);
            }
        }
    }
    let times = || {
        grouped
            .values()
            .flat_map(|a| a.values())
            .flatten()
            .map(|i| &i.time)
    };
    let start = match (query.timerel, backwards) {
        (Some(TimeRel::After(at) | TimeRel::Between(at, _)), false) => wire_time(at),
        (Some(TimeRel::Before(at) | TimeRel::Between(_, at)), true) => wire_time(at),
        (_, false) => wire(times().min()?),
        (_, true) => wire(times().max()?),
    };
    Some(Cut {
        range: ContentRange {
            start,
            end: wire(&boundary),
            size: query.last_n,
        },
        emptied,
    })
}

/// The attribute type of a stored instance (only read for attributes the cut emptied).
fn kind_of(instance: &Instance) -> String {
    serde_json::from_str::<serde_json::Value>(&instance.row.doc)
        .ok()
        .and_then(|d| d.get("type").and_then(|t| t.as_str()).map(str::to_owned))
        .unwrap_or_else(|| "Property".to_owned())
}
