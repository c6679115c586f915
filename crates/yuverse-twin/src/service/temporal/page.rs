//! Paging of instances (clause 6.3.10): when an attribute has more instances in the window
//! than the server's limit, the answer is cut at one instant for every attribute of every
//! entity, answered 206, and the instant range served is named in
//! `Content-Range: date-time <range-start>-<range-end>/<size>`. Without `lastN` paging runs
//! forwards (oldest first; size `*`), with `lastN` backwards (newest first; size = `lastN`).

use super::{Grouped, TemporalQuery, TimeRel};

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

/// Cuts `grouped` (read with at most `limit` instances per attribute) at the instant where the
/// first attribute ran out, and answers the range served; `None` when nothing was cut.
pub(super) fn cut(
    grouped: &mut Grouped,
    query: &TemporalQuery,
    limit: usize,
) -> Option<ContentRange> {
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
    for attrs in grouped.values_mut() {
        for list in attrs.values_mut() {
            list.retain(|i| {
                if backwards {
                    i.time >= boundary
                } else {
                    i.time <= boundary
                }
            });
        }
        attrs.retain(|_, list| !list.is_empty());
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
    Some(ContentRange {
        start,
        end: wire(&boundary),
        size: query.last_n,
    })
}
