//! Small, dependency-free ISO 8601 recognisers for the three temporal literal kinds of the
//! query language (clause 4.6.3: DateTime, Date, Time).
//!
//! * DateTime: `YYYY-MM-DDThh:mm[:ss[.fraction]][Z|±hh:mm|±hhmm]`, compared as an instant
//!   (nanoseconds since the Unix epoch, UTC). A missing zone is read as UTC.
//! * Date: `YYYY-MM-DD`, compared as a day number.
//! * Time: `hh:mm[:ss[.fraction]][Z|±hh:mm|±hhmm]`, compared as nanoseconds after midnight UTC.

/// Which temporal form a piece of text has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TemporalKind {
    DateTime,
    Date,
    Time,
}

fn digits(s: &[u8], at: usize, n: usize) -> bool {
    s.len() >= at + n && s[at..at + n].iter().all(u8::is_ascii_digit)
}

fn num(s: &[u8], at: usize, n: usize) -> i64 {
    s[at..at + n]
        .iter()
        .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'))
}

fn scan_date(s: &[u8]) -> bool {
    digits(s, 0, 4)
        && s.get(4) == Some(&b'-')
        && digits(s, 5, 2)
        && s.get(7) == Some(&b'-')
        && digits(s, 8, 2)
}

/// Length of a time (with optional fraction and zone) starting at `at`, if there is one.
fn scan_time(s: &[u8], at: usize) -> Option<usize> {
    if !(digits(s, at, 2) && s.get(at + 2) == Some(&b':') && digits(s, at + 3, 2)) {
        return None;
    }
    let mut j = at + 5;
    if s.get(j) == Some(&b':') && digits(s, j + 1, 2) {
        j += 3;
        if s.get(j) == Some(&b'.') && digits(s, j + 1, 1) {
            j += 1;
            while digits(s, j, 1) {
                j += 1;
            }
        }
    }
    match s.get(j) {
        Some(b'Z') | Some(b'z') => j += 1,
        Some(b'+') | Some(b'-') => {
            if digits(s, j + 1, 2) && s.get(j + 3) == Some(&b':') && digits(s, j + 4, 2) {
                j += 6;
            } else if digits(s, j + 1, 4) {
                j += 5;
            }
        }
        _ => {}
    }
    Some(j - at)
}

/// Recognise a temporal literal at the start of `s`: its kind and length in bytes.
/// Only the shape is checked here; [`date_time_nanos`] and friends validate the fields.
pub(crate) fn scan(s: &[u8]) -> Option<(TemporalKind, usize)> {
    if scan_date(s) {
        if matches!(s.get(10), Some(b'T') | Some(b't')) {
            if let Some(n) = scan_time(s, 11) {
                return Some((TemporalKind::DateTime, 11 + n));
            }
        }
        return Some((TemporalKind::Date, 10));
    }
    scan_time(s, 0).map(|n| (TemporalKind::Time, n))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (civil-from-days inverse).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 {
                29
            } else {
                28
            }
        }
    }
}

fn date_fields(s: &[u8]) -> Option<i64> {
    let (y, m, d) = (num(s, 0, 4), num(s, 5, 2), num(s, 8, 2));
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

const NANOS_PER_SEC: i64 = 1_000_000_000;
const NANOS_PER_DAY: i64 = 86_400 * NANOS_PER_SEC;

/// Nanoseconds after midnight, zone-adjusted (may fall outside one day), for a time that
/// occupies the whole of `s`.
fn time_fields(s: &[u8]) -> Option<i64> {
    let (h, mi) = (num(s, 0, 2), num(s, 3, 2));
    if h > 23 || mi > 59 {
        return None;
    }
    let mut j = 5;
    let mut sec = 0;
    let mut nanos = 0;
    if s.get(j) == Some(&b':') {
        sec = num(s, j + 1, 2);
        if sec > 60 {
            return None;
        }
        j += 3;
        if s.get(j) == Some(&b'.') {
            j += 1;
            let mut scale = 100_000_000;
            while j < s.len() && s[j].is_ascii_digit() {
                nanos += i64::from(s[j] - b'0') * scale;
                scale /= 10;
                j += 1;
            }
        }
    }
    let mut offset_secs = 0;
    match s.get(j) {
        None => {}
        Some(b'Z') | Some(b'z') => j += 1,
        Some(sign @ (b'+' | b'-')) => {
            let (oh, om, len) = if s.get(j + 3) == Some(&b':') {
                (num(s, j + 1, 2), num(s, j + 4, 2), 6)
            } else {
                (num(s, j + 1, 2), num(s, j + 3, 2), 5)
            };
            if oh > 23 || om > 59 {
                return None;
            }
            offset_secs = (oh * 3600 + om * 60) * if *sign == b'+' { 1 } else { -1 };
            j += len;
        }
        Some(_) => return None,
    }
    if j != s.len() {
        return None;
    }
    Some(((h * 3600 + mi * 60 + sec) - offset_secs) * NANOS_PER_SEC + nanos)
}

/// The instant of an ISO 8601 date-time that occupies the whole of `text`, in nanoseconds
/// since the Unix epoch (UTC).
pub(crate) fn date_time_nanos(text: &str) -> Option<i128> {
    let s = text.as_bytes();
    match scan(s) {
        Some((TemporalKind::DateTime, n)) if n == s.len() => {
            let days = date_fields(s)?;
            let t = time_fields(&s[11..])?;
            Some(i128::from(days) * i128::from(NANOS_PER_DAY) + i128::from(t))
        }
        _ => None,
    }
}

/// The day number of an ISO 8601 date that occupies the whole of `text`.
pub(crate) fn date_days(text: &str) -> Option<i64> {
    let s = text.as_bytes();
    match scan(s) {
        Some((TemporalKind::Date, 10)) if s.len() == 10 => date_fields(s),
        _ => None,
    }
}

/// Nanoseconds after midnight UTC of an ISO 8601 time that occupies the whole of `text`.
pub(crate) fn time_nanos(text: &str) -> Option<i64> {
    let s = text.as_bytes();
    match scan(s) {
        Some((TemporalKind::Time, n)) if n == s.len() => {
            time_fields(s).map(|t| t.rem_euclid(NANOS_PER_DAY))
        }
        _ => None,
    }
}

/// The comparison key of a temporal literal of the given kind, if the text is valid.
pub(crate) fn key(kind: TemporalKind, text: &str) -> Option<i128> {
    match kind {
        TemporalKind::DateTime => date_time_nanos(text),
        TemporalKind::Date => date_days(text).map(i128::from),
        TemporalKind::Time => time_nanos(text).map(i128::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_zones() {
        assert_eq!(date_time_nanos("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(date_time_nanos("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(date_time_nanos("1970-01-01T01:00:00+0100"), Some(0));
        assert_eq!(date_time_nanos("1969-12-31T23:00:00-01:00"), Some(0));
        assert_eq!(date_time_nanos("1970-01-01T00:00:00.5Z"), Some(500_000_000));
        assert_eq!(date_time_nanos("1970-01-01T00:00Z"), Some(0));
        assert_eq!(date_time_nanos("1970-01-01T00:00:00"), Some(0));
        assert_eq!(
            date_time_nanos("2000-03-01T00:00:00Z"),
            Some(951_868_800 * i128::from(NANOS_PER_SEC))
        );
    }

    #[test]
    fn rejects_bad_fields() {
        assert_eq!(date_time_nanos("2021-02-29T00:00:00Z"), None);
        assert_eq!(date_time_nanos("2021-13-01T00:00:00Z"), None);
        assert_eq!(date_time_nanos("2021-01-01T24:00:00Z"), None);
        assert_eq!(date_time_nanos("2021-01-01T00:00:00Zx"), None);
        assert_eq!(date_time_nanos("2021-01-01"), None);
        assert_eq!(date_days("2020-02-29"), Some(days_from_civil(2020, 2, 29)));
        assert_eq!(date_days("2020-02-30"), None);
        assert_eq!(date_days("2020-02-2"), None);
        assert_eq!(time_nanos("12:00:00Z"), Some(12 * 3600 * NANOS_PER_SEC));
        assert_eq!(
            time_nanos("13:00:00+01:00"),
            Some(12 * 3600 * NANOS_PER_SEC)
        );
        assert_eq!(
            time_nanos("00:30:00+01:00"),
            Some(NANOS_PER_DAY - 1800 * NANOS_PER_SEC)
        );
        assert_eq!(time_nanos("12:60"), None);
        assert_eq!(time_nanos("2020-01-01"), None);
    }

    #[test]
    fn scan_shapes() {
        assert_eq!(
            scan(b"2020-01-01..2020-02-01"),
            Some((TemporalKind::Date, 10))
        );
        assert_eq!(
            scan(b"2020-01-01T10:00:00Z;x"),
            Some((TemporalKind::DateTime, 20))
        );
        assert_eq!(scan(b"10:00:00..11:00"), Some((TemporalKind::Time, 8)));
        assert_eq!(scan(b"10..20"), None);
        assert_eq!(scan(b"2020"), None);
    }
}
