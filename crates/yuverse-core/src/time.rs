//! Time on the wire and in storage: RFC 3339 UTC with a fixed width so that stored strings sort
//! (and compare in SQL) in time order on every backend.

use chrono::{DateTime, SecondsFormat, Utc};

pub type Timestamp = DateTime<Utc>;

pub fn now() -> Timestamp {
    Utc::now()
}

/// The storage form: always microseconds and a `Z`, so `ORDER BY`/`<` on text is time order.
pub fn to_db(t: Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The current time in the storage form.
pub fn now_db() -> String {
    to_db(now())
}

pub fn from_db(s: &str) -> anyhow::Result<Timestamp> {
    Ok(DateTime::parse_from_rfc3339(s)?.with_timezone(&Utc))
}

/// Parses a client-supplied RFC 3339 time (any offset) into UTC.
pub fn parse_rfc3339(s: &str) -> Option<Timestamp> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_form_round_trips_and_sorts() {
        let a = parse_rfc3339("2024-01-02T03:04:05+08:00").unwrap();
        let b = parse_rfc3339("2024-01-02T03:04:05.5+08:00").unwrap();
        assert_eq!(from_db(&to_db(a)).unwrap(), a);
        assert!(to_db(a) < to_db(b));
        assert_eq!(to_db(a), "2024-01-01T19:04:05.000000Z");
    }
}
