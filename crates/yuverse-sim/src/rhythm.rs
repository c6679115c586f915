//! The district's daily and seasonal rhythms as pure functions of local time (China Standard
//! Time, UTC+8, no daylight saving): each answers a level, mostly 0..1, that the device kinds
//! scale to their own units. No clock reads, no randomness: noise is added by the caller.

use std::f64::consts::PI;

use chrono::{DateTime, Datelike, FixedOffset, Timelike, Utc, Weekday};

/// Local time as the rhythms need it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalTime {
    /// Hours since local midnight, 0 ≤ hour < 24.
    pub hour: f64,
    pub weekend: bool,
    /// 1 = 1 January.
    pub day_of_year: u32,
    /// Days since 1970-01-01 (local), for slow multi-day waves.
    pub day_number: i64,
}

impl LocalTime {
    /// Yubei's local time (UTC+8) of an instant.
    pub fn of(at: DateTime<Utc>) -> LocalTime {
        let offset = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
        let local = at.with_timezone(&offset);
        LocalTime {
            hour: f64::from(local.hour())
                + f64::from(local.minute()) / 60.0
                + f64::from(local.second()) / 3600.0,
            weekend: matches!(local.weekday(), Weekday::Sat | Weekday::Sun),
            day_of_year: local.ordinal(),
            day_number: i64::from(local.num_days_from_ce()) - 719_163,
        }
    }

    /// Fractional days since 1970-01-01, local.
    fn days(&self) -> f64 {
        self.day_number as f64 + self.hour / 24.0
    }
}

/// A bell around `centre` (hours) with this width; 1 at the centre.
fn bell(hour: f64, centre: f64, width: f64) -> f64 {
    let d = hour - centre;
    (-(d * d) / (2.0 * width * width)).exp()
}

/// Road traffic, 0..1: morning and evening rush hours on working days, a flatter midday
/// hump at weekends, almost nothing around 03:00.
pub fn traffic(t: &LocalTime) -> f64 {
    let h = t.hour;
    let level = if t.weekend {
        0.05 + 0.5 * bell(h, 11.5, 2.5) + 0.45 * bell(h, 17.0, 2.5)
    } else {
        0.05 + 0.95 * bell(h, 8.0, 0.9) + 0.9 * bell(h, 18.0, 1.1) + 0.35 * bell(h, 13.0, 2.5)
    };
    level.min(1.0)
}

/// Visitors at leisure and shopping places, 0..1 of what the place can hold: open from
/// morning to late evening, far busier at weekends (afternoon peak).
pub fn crowd(t: &LocalTime) -> f64 {
    let h = t.hour;
    let level = if t.weekend {
        0.02 + 0.95 * bell(h, 15.0, 2.6) + 0.35 * bell(h, 20.0, 1.2)
    } else {
        0.02 + 0.35 * bell(h, 12.5, 1.5) + 0.4 * bell(h, 19.5, 1.5)
    };
    level.min(1.0)
}

/// People at work in office and industrial parks, 0..1: working-day office hours.
pub fn work(t: &LocalTime) -> f64 {
    let h = t.hour;
    let open = smoothstep(h, 7.5, 9.0) * (1.0 - smoothstep(h, 18.0, 20.5));
    let lunch_dip = 1.0 - 0.15 * bell(h, 12.5, 0.6);
    let day = if t.weekend { 0.15 } else { 1.0 };
    (0.05 + 0.95 * open * lunch_dip * day).min(1.0)
}

/// 0 below `from`, 1 above `to`, smooth in between.
fn smoothstep(x: f64, from: f64, to: f64) -> f64 {
    let s = ((x - from) / (to - from)).clamp(0.0, 1.0);
    s * s * (3.0 - 2.0 * s)
}

/// Sunrise and sunset in Chongqing (local hours) for a day of the year: about 07:50/17:55 at
/// the winter solstice and 06:00/20:00 at the summer one.
pub fn sun(day_of_year: u32) -> (f64, f64) {
    // Peaks at the summer solstice (day 172).
    let season = (2.0 * PI * (f64::from(day_of_year) - 172.0) / 365.0).cos();
    let noon = 12.9;
    let half_day = 6.0 + 1.0 * season;
    (noon - half_day, noon + half_day)
}

/// What street lights do: off in daylight, on at dusk and until late, dimmed in the small
/// hours (energy saving), on again before dawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lighting {
    Off,
    On,
    Low,
}

pub fn lighting(t: &LocalTime) -> Lighting {
    let (sunrise, sunset) = sun(t.day_of_year);
    let h = t.hour;
    if h >= sunrise + 0.25 && h < sunset - 0.25 {
        Lighting::Off
    } else if (1.0..5.0).contains(&h) {
        Lighting::Low
    } else {
        Lighting::On
    }
}

/// Air temperature in °C: Chongqing's seasons (about 8 °C in January, 29 °C in late July)
/// and a daily swing peaking mid-afternoon.
pub fn temperature(t: &LocalTime) -> f64 {
    let season = (2.0 * PI * (f64::from(t.day_of_year) - 205.0) / 365.0).cos();
    let mean = 18.5 + 10.5 * season;
    let swing = 3.5 + 1.0 * season;
    mean + swing * (2.0 * PI * (t.hour - 15.0) / 24.0).cos()
}

/// Relative humidity 0..1: high at dawn, lower in the afternoon.
pub fn humidity(t: &LocalTime) -> f64 {
    (0.75 - 0.15 * (2.0 * PI * (t.hour - 15.0) / 24.0).cos()).clamp(0.0, 1.0)
}

/// The slow weather wave (−1..1) that makes polluted and clean spells last a few days; each
/// sensor adds its own phase (radians).
pub fn spell(t: &LocalTime, phase: f64) -> f64 {
    (2.0 * PI * t.days() / 4.5 + phase).sin()
}

/// PM2.5 in µg/m³ before per-sensor noise: a winter-high seasonal base, multi-day spells,
/// traffic on top, and a night-time inversion bump. Winter spells pass 75 (the alert level);
/// summer days stay mostly clean.
pub fn pm25(t: &LocalTime, phase: f64, exposure: f64) -> f64 {
    let winter = (2.0 * PI * (f64::from(t.day_of_year) - 15.0) / 365.0).cos();
    let base = 38.0 + 22.0 * winter;
    let spells = 1.0 + 0.55 * spell(t, phase);
    let inversion = 8.0 * bell(t.hour, 6.0, 2.0);
    (base * spells + exposure * 30.0 * traffic(t) + inversion).max(3.0)
}

/// Use of car parks, 0..1, by what the place is for.
pub fn parking(t: &LocalTime, leisure: bool) -> f64 {
    if leisure {
        (0.1 + 0.88 * crowd(t) + 0.1 * bell(t.hour, 20.0, 1.5)).min(1.0)
    } else {
        (0.08 + 0.9 * work(t)).min(1.0)
    }
}

/// Chargers in use, 0..1: at work by day on working days, plus an evening peak everywhere.
pub fn charging(t: &LocalTime) -> f64 {
    (0.1 + 0.55 * work(t) + 0.45 * bell(t.hour, 20.5, 2.0)).min(1.0)
}

/// Electrical load of a building, 0..1 of its peak: office hours, plus cooling in summer
/// afternoons and heating on winter mornings.
pub fn load(t: &LocalTime) -> f64 {
    let season = (2.0 * PI * (f64::from(t.day_of_year) - 205.0) / 365.0).cos();
    let climate = 0.12 * season.abs() * work(t);
    (0.18 + 0.7 * work(t) + climate).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-30 is a Monday, 2026-12-05 a Saturday (UTC+8).
    fn at(rfc3339: &str) -> LocalTime {
        LocalTime::of(
            DateTime::parse_from_rfc3339(rfc3339)
                .unwrap()
                .with_timezone(&Utc),
        )
    }

    #[test]
    fn local_time_is_utc_plus_eight() {
        let t = at("2026-11-30T00:30:00Z");
        assert!((t.hour - 8.5).abs() < 1e-9);
        assert!(!t.weekend);
        assert_eq!(t.day_of_year, 334);
        assert!(at("2026-12-04T16:00:00Z").weekend, "Saturday 00:00 local");
    }

    #[test]
    fn traffic_peaks_at_rush_hours() {
        let night = traffic(&at("2026-11-30T03:00:00+08:00"));
        let morning = traffic(&at("2026-11-30T08:00:00+08:00"));
        let midday = traffic(&at("2026-11-30T11:00:00+08:00"));
        let evening = traffic(&at("2026-11-30T18:00:00+08:00"));
        assert!(morning > 0.9 && evening > 0.85, "{morning} {evening}");
        assert!(night < 0.1, "{night}");
        assert!(morning > midday && evening > midday);
        let saturday_8 = traffic(&at("2026-12-05T08:00:00+08:00"));
        assert!(saturday_8 < morning, "no rush hour at weekends");
    }

    #[test]
    fn crowds_gather_at_weekends() {
        let saturday = crowd(&at("2026-12-05T15:00:00+08:00"));
        let monday = crowd(&at("2026-11-30T15:00:00+08:00"));
        let night = crowd(&at("2026-12-05T03:00:00+08:00"));
        assert!(saturday > 0.9, "{saturday}");
        assert!(saturday > 2.0 * monday);
        assert!(night < 0.05);
    }

    #[test]
    fn lights_are_on_at_night_and_off_by_day() {
        assert_eq!(lighting(&at("2026-11-30T13:00:00+08:00")), Lighting::Off);
        assert_eq!(lighting(&at("2026-11-30T19:00:00+08:00")), Lighting::On);
        assert_eq!(lighting(&at("2026-11-30T03:00:00+08:00")), Lighting::Low);
        assert_eq!(lighting(&at("2026-11-30T06:30:00+08:00")), Lighting::On);
        // Mid-June: still daylight at 19:30, not in late November.
        assert_eq!(lighting(&at("2026-06-20T19:30:00+08:00")), Lighting::Off);
        assert_eq!(lighting(&at("2026-11-30T19:30:00+08:00")), Lighting::On);
    }

    #[test]
    fn pm25_varies_and_winter_spells_pass_the_alert_level() {
        let mut winter = Vec::new();
        for day in 0..10 {
            for hour in 0..24 {
                let t = LocalTime {
                    hour: f64::from(hour),
                    weekend: false,
                    day_of_year: 5 + day,
                    day_number: 20_460 + i64::from(day),
                };
                winter.push(pm25(&t, 0.0, 0.5));
            }
        }
        let max = winter.iter().cloned().fold(f64::MIN, f64::max);
        let min = winter.iter().cloned().fold(f64::MAX, f64::min);
        assert!(max > 75.0, "winter peaks {max}");
        assert!(min < 50.0, "clean winter days too {min}");
        let summer = LocalTime {
            hour: 3.0,
            weekend: false,
            day_of_year: 200,
            day_number: 20_650,
        };
        assert!(pm25(&summer, 0.0, 0.5) < 40.0);
    }

    #[test]
    fn temperature_follows_day_and_season() {
        let july_afternoon = temperature(&at("2026-07-25T15:00:00+08:00"));
        let july_dawn = temperature(&at("2026-07-25T04:00:00+08:00"));
        let january = temperature(&at("2026-01-15T15:00:00+08:00"));
        assert!(
            july_afternoon > 30.0 && july_afternoon < 37.0,
            "{july_afternoon}"
        );
        assert!(july_dawn < july_afternoon - 5.0);
        assert!(january < 15.0, "{january}");
    }

    #[test]
    fn work_parking_and_load_follow_office_hours() {
        let monday_10 = at("2026-11-30T10:00:00+08:00");
        let monday_2 = at("2026-11-30T02:00:00+08:00");
        let sunday_10 = at("2026-12-06T10:00:00+08:00");
        assert!(parking(&monday_10, false) > 0.9);
        assert!(parking(&monday_2, false) < 0.2);
        assert!(parking(&sunday_10, false) < 0.35);
        assert!(load(&monday_10) > 2.0 * load(&monday_2));
        assert!(charging(&at("2026-11-30T20:30:00+08:00")) > charging(&monday_2));
        let saturday_15 = at("2026-12-05T15:00:00+08:00");
        assert!(
            parking(&saturday_15, true) > 0.9,
            "leisure car parks fill at weekends"
        );
    }
}
