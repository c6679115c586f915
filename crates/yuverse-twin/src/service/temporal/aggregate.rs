//! The aggregated temporal representation (clause 4.5.19): `aggrMethods` applied to the values
//! of each attribute's instances over periods of `aggrPeriodDuration` (ISO 8601; zero or absent
//! is one period spanning the whole range), each result `[value, start, end]`.

use std::collections::BTreeSet;

use chrono::Months;
use serde_json::{json, Value};
use yuverse_core::time::Timestamp;

use super::page::wire_time;
use super::TimeRel;
use crate::error::{NgsiError, NgsiResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggrMethod {
    TotalCount,
    DistinctCount,
    Sum,
    Avg,
    Min,
    Max,
    Stddev,
    Sumsq,
}

impl AggrMethod {
    pub fn parse(s: &str) -> NgsiResult<Self> {
        Ok(match s {
            "totalCount" => Self::TotalCount,
            "distinctCount" => Self::DistinctCount,
            "sum" => Self::Sum,
            "avg" => Self::Avg,
            "min" => Self::Min,
            "max" => Self::Max,
            "stddev" => Self::Stddev,
            "sumsq" => Self::Sumsq,
            other => {
                return Err(NgsiError::bad_data(format!(
                    "aggrMethods: unknown method `{other}` (use totalCount, distinctCount, sum, avg, min, max, stddev or sumsq)"
                )))
            }
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::TotalCount => "totalCount",
            Self::DistinctCount => "distinctCount",
            Self::Sum => "sum",
            Self::Avg => "avg",
            Self::Min => "min",
            Self::Max => "max",
            Self::Stddev => "stddev",
            Self::Sumsq => "sumsq",
        }
    }

    /// The method over the values of one period. Numeric methods take the numbers among the
    /// values (null when there are none); `min`/`max` compare strings (e.g. DateTimes) when no
    /// value is a number; `stddev` is the sample standard deviation (null below two numbers).
    fn apply(self, values: &[&Value]) -> Value {
        let numbers: Vec<f64> = values.iter().filter_map(|v| v.as_f64()).collect();
        let n = numbers.len() as f64;
        let sum: f64 = numbers.iter().sum();
        match self {
            Self::TotalCount => json!(values.len()),
            Self::DistinctCount => {
                let distinct: BTreeSet<String> = values.iter().map(|v| v.to_string()).collect();
                json!(distinct.len())
            }
            _ if numbers.is_empty() && matches!(self, Self::Min | Self::Max) => {
                let strings = values.iter().filter_map(|v| v.as_str());
                let best = if self == Self::Min {
                    strings.min()
                } else {
                    strings.max()
                };
                best.map_or(Value::Null, |s| json!(s))
            }
            _ if numbers.is_empty() => Value::Null,
            Self::Sum => json!(sum),
            Self::Avg => json!(sum / n),
            Self::Min => json!(numbers.iter().copied().fold(f64::INFINITY, f64::min)),
            Self::Max => json!(numbers.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
            Self::Sumsq => json!(numbers.iter().map(|x| x * x).sum::<f64>()),
            Self::Stddev if numbers.len() < 2 => Value::Null,
            Self::Stddev => {
                let mean = sum / n;
                let var = numbers.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
                json!(var.sqrt())
            }
        }
    }
}

/// An ISO 8601 duration `P[n]Y[n]M[n]W[n]DT[n]H[n]M[n]S`: calendar months plus exact
/// milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PeriodDuration {
    months: u32,
    millis: i64,
}

impl PeriodDuration {
    pub fn parse(s: &str) -> NgsiResult<Self> {
        let bad = || {
            NgsiError::bad_data(format!(
                "aggrPeriodDuration `{s}` is not an ISO 8601 duration such as PT1H or P1DT12H"
            ))
        };
        let body = s.strip_prefix('P').ok_or_else(bad)?;
        let (date, time) = match body.split_once('T') {
            Some((d, t)) if !t.is_empty() => (d, Some(t)),
            Some(_) => return Err(bad()),
            None => (body, None),
        };
        if date.is_empty() && time.is_none() {
            return Err(bad());
        }
        let mut out = PeriodDuration::default();
        for (part, units) in [(date, "YMWD"), (time.unwrap_or(""), "HMS")] {
            let mut number = String::new();
            let mut seen = String::new();
            for c in part.chars() {
                if c.is_ascii_digit() || (c == '.' && units == "HMS") {
                    number.push(c);
                    continue;
                }
                // Units must appear once each, in order, after a number.
                let after_seen = seen
                    .chars()
                    .last()
                    .map_or(0, |l| units.find(l).unwrap_or(0) + 1);
                let pos = units.find(c).filter(|p| *p >= after_seen).ok_or_else(bad)?;
                let n: f64 = number.parse().map_err(|_| bad())?;
                if c != 'S' && number.contains('.') {
                    return Err(bad());
                }
                // Absurd sizes saturate (and then end the periods) instead of overflowing.
                let whole = n as u32;
                let millis = |per: i64| i64::from(whole).saturating_mul(per);
                match (units, pos) {
                    ("YMWD", 0) => out.months = out.months.saturating_add(whole.saturating_mul(12)),
                    ("YMWD", 1) => out.months = out.months.saturating_add(whole),
                    ("YMWD", 2) => out.millis = out.millis.saturating_add(millis(7 * 86_400_000)),
                    ("YMWD", _) => out.millis = out.millis.saturating_add(millis(86_400_000)),
                    (_, 0) => out.millis = out.millis.saturating_add(millis(3_600_000)),
                    (_, 1) => out.millis = out.millis.saturating_add(millis(60_000)),
                    _ => out.millis = out.millis.saturating_add((n * 1000.0).round() as i64),
                }
                seen.push(c);
                number.clear();
            }
            if !number.is_empty() {
                return Err(bad());
            }
        }
        Ok(out)
    }

    pub fn is_zero(self) -> bool {
        self.months == 0 && self.millis == 0
    }

    /// The start of the period holding `t`, counting whole periods from `from`: a jump over
    /// the empty periods in between for exact durations (so a tiny period over a long range
    /// costs nothing), one period at a time for calendar ones.
    fn skip_empty(self, from: Timestamp, t: Timestamp) -> Timestamp {
        if self.months > 0 || self.millis <= 0 {
            return from;
        }
        let behind = (t - from).num_milliseconds();
        let periods = behind.div_euclid(self.millis).max(0);
        from.checked_add_signed(chrono::Duration::milliseconds(
            periods.saturating_mul(self.millis),
        ))
        .unwrap_or(from)
    }

    fn after(self, t: Timestamp) -> Option<Timestamp> {
        t.checked_add_months(Months::new(self.months))?
            .checked_add_signed(chrono::Duration::milliseconds(self.millis))
    }
}

/// `aggrMethods` and `aggrPeriodDuration`.
#[derive(Debug, Clone)]
pub struct Aggregation {
    pub methods: Vec<AggrMethod>,
    pub period: PeriodDuration,
}

impl Aggregation {
    /// `{method: [[value, start, end], …]}` for the (time, value) pairs of one attribute, oldest
    /// first. Periods start at the window's start (or the first instance) and follow each
    /// other; periods without instances are left out.
    pub(super) fn apply(
        &self,
        points: &[(Timestamp, &Value)],
        timerel: Option<TimeRel>,
    ) -> serde_json::Map<String, Value> {
        let mut out = serde_json::Map::new();
        let (Some(first), Some(last)) = (points.first(), points.last()) else {
            return out;
        };
        let start = match timerel {
            Some(TimeRel::After(at) | TimeRel::Between(at, _)) => at,
            _ => first.0,
        };
        let whole_end = match timerel {
            Some(TimeRel::Before(at) | TimeRel::Between(_, at)) => at,
            _ => last.0,
        };
        let mut periods: Vec<(Timestamp, Timestamp, Vec<&Value>)> = Vec::new();
        if self.period.is_zero() {
            periods.push((start, whole_end, points.iter().map(|p| p.1).collect()));
        } else {
            let mut from = start;
            let mut rest = points;
            while let Some(next) = rest.first() {
                from = self.period.skip_empty(from, next.0);
                let Some(until) = self.period.after(from).filter(|u| *u > from) else {
                    break;
                };
                let inside = rest.iter().take_while(|p| p.0 < until).count();
                if inside > 0 {
                    periods.push((from, until, rest[..inside].iter().map(|p| p.1).collect()));
                }
                rest = &rest[inside..];
                from = until;
            }
        }
        for method in &self.methods {
            let results: Vec<Value> = periods
                .iter()
                .map(|(from, until, values)| {
                    json!([method.apply(values), wire_time(*from), wire_time(*until)])
                })
                .collect();
            out.insert(method.name().to_owned(), Value::Array(results));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let d = PeriodDuration::parse("P1DT2H30M1.5S").unwrap();
        assert_eq!(d.millis, 86_400_000 + 2 * 3_600_000 + 30 * 60_000 + 1500);
        assert_eq!(PeriodDuration::parse("P1Y2M").unwrap().months, 14);
        assert_eq!(
            PeriodDuration::parse("P2W").unwrap().millis,
            14 * 86_400_000
        );
        assert!(PeriodDuration::parse("PT0S").unwrap().is_zero());
        assert!(PeriodDuration::parse("P0D").unwrap().is_zero());
        assert!(
            PeriodDuration::parse("P99999999999999Y").is_ok(),
            "saturates"
        );
        for bad in [
            "", "P", "PT", "1H", "PT1", "P1H", "PT1D", "P1.5D", "PT1S1M", "P1DT", "PTxS",
        ] {
            assert!(PeriodDuration::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tiny_periods_skip_the_empty_ones() {
        let t0 = yuverse_core::time::parse_rfc3339("2020-01-01T00:00:00Z").unwrap();
        let t1 = yuverse_core::time::parse_rfc3339("2024-01-01T00:00:00.0025Z").unwrap();
        let (a, b) = (json!(1), json!(2));
        let aggregation = Aggregation {
            methods: vec![AggrMethod::TotalCount],
            period: PeriodDuration::parse("PT0.001S").unwrap(),
        };
        let out = aggregation.apply(&[(t0, &a), (t1, &b)], None);
        assert_eq!(
            out["totalCount"],
            json!([
                [1, "2020-01-01T00:00:00Z", "2020-01-01T00:00:00.001Z"],
                [1, "2024-01-01T00:00:00.002Z", "2024-01-01T00:00:00.003Z"]
            ])
        );
    }

    #[test]
    fn methods() {
        let values = [json!(1.0), json!(3.0), json!(3.0)];
        let refs: Vec<&Value> = values.iter().collect();
        assert_eq!(AggrMethod::TotalCount.apply(&refs), json!(3));
        assert_eq!(AggrMethod::DistinctCount.apply(&refs), json!(2));
        assert_eq!(AggrMethod::Sum.apply(&refs), json!(7.0));
        assert_eq!(AggrMethod::Sumsq.apply(&refs), json!(19.0));
        assert_eq!(AggrMethod::Min.apply(&refs), json!(1.0));
        assert_eq!(AggrMethod::Max.apply(&refs), json!(3.0));
        let sd = AggrMethod::Stddev.apply(&refs).as_f64().unwrap();
        assert!((sd - (4.0f64 / 3.0).sqrt()).abs() < 1e-9);
        let words = [json!("b"), json!("a")];
        let refs: Vec<&Value> = words.iter().collect();
        assert_eq!(AggrMethod::Min.apply(&refs), json!("a"));
        assert_eq!(AggrMethod::Avg.apply(&refs), Value::Null);
    }
}
