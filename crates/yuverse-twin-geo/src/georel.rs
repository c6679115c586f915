//! The `georel` parameter: grammar of clause 4.10.
//!
//! ```text
//! georel   = nearRel / withinRel / containsRel / overlapsRel / intersectsRel / equalsRel / disjointRel
//! nearRel  = "near" ";" distance "==" PositiveNumber
//! distance = "maxDistance" / "minDistance"
//! ```

use std::fmt;
use std::str::FromStr;

use crate::error::{excerpt, GeoError};

/// The geospatial relationship of a geo-query.
///
/// Distances are in metres. A parsed `Near` always has at least one distance, every distance is
/// finite and strictly positive, and when both are present `min_distance_m < max_distance_m`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GeoRel {
    /// `near;maxDistance==<m>` and/or `near;minDistance==<m>`.
    Near {
        /// The target's distance to the reference geometry must be `<=` this.
        max_distance_m: Option<f64>,
        /// The target's distance to the reference geometry must be `>` this.
        min_distance_m: Option<f64>,
    },
    /// The target geometry is within the reference geometry.
    Within,
    /// The target geometry contains the reference geometry.
    Contains,
    /// The target geometry and the reference geometry have at least one point in common.
    Intersects,
    /// The target geometry equals the reference geometry.
    Equals,
    /// The target geometry and the reference geometry have no point in common.
    Disjoint,
    /// The geometries share part of their interiors, neither contains the other, same dimension.
    Overlaps,
}

const EXPECTED: &str = "expected one of near;maxDistance==<metres>, near;minDistance==<metres>, \
                        within, contains, intersects, equals, disjoint, overlaps";

impl GeoRel {
    /// Parses a `georel` value such as `near;maxDistance==2000` or `within`.
    ///
    /// Names are case-sensitive as in the standard's grammar. Whitespace around the whole value
    /// and around each `;`-separated token is tolerated. Both `maxDistance` and `minDistance` may
    /// be given together (each at most once); this is a documented extension of the grammar,
    /// which has exactly one.
    pub fn parse(input: &str) -> Result<GeoRel, GeoError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(GeoError::georel(format!("empty value; {EXPECTED}")));
        }
        let mut parts = s.split(';');
        let op = parts.next().unwrap_or_default().trim();
        let simple = match op {
            "near" => return parse_near(parts),
            "within" => GeoRel::Within,
            "contains" => GeoRel::Contains,
            "intersects" => GeoRel::Intersects,
            "equals" => GeoRel::Equals,
            "disjoint" => GeoRel::Disjoint,
            "overlaps" => GeoRel::Overlaps,
            other => {
                let hint = if matches!(
                    other.to_ascii_lowercase().as_str(),
                    "near"
                        | "within"
                        | "contains"
                        | "intersects"
                        | "equals"
                        | "disjoint"
                        | "overlaps"
                ) {
                    " (names are case-sensitive)"
                } else if other == "coveredBy" {
                    " (coveredBy is NGSIv2; NGSI-LD uses within)"
                } else {
                    ""
                };
                return Err(GeoError::georel(format!(
                    "unknown geo-relationship `{}`{hint}; {EXPECTED}",
                    excerpt(other)
                )));
            }
        };
        if parts.next().is_some() {
            return Err(GeoError::georel(format!(
                "`{}` takes no modifiers; only near has maxDistance/minDistance",
                simple.name()
            )));
        }
        Ok(simple)
    }

    /// The relationship's name as written in `georel` (`near`, `within`, …).
    pub fn name(&self) -> &'static str {
        match self {
            GeoRel::Near { .. } => "near",
            GeoRel::Within => "within",
            GeoRel::Contains => "contains",
            GeoRel::Intersects => "intersects",
            GeoRel::Equals => "equals",
            GeoRel::Disjoint => "disjoint",
            GeoRel::Overlaps => "overlaps",
        }
    }
}

fn parse_near<'a>(modifiers: impl Iterator<Item = &'a str>) -> Result<GeoRel, GeoError> {
    let mut max = None;
    let mut min = None;
    for raw in modifiers {
        let part = raw.trim();
        if part.is_empty() {
            return Err(GeoError::georel(
                "empty modifier after `;`; expected near;maxDistance==<metres> or near;minDistance==<metres>",
            ));
        }
        let Some((name, value)) = part.split_once("==") else {
            let hint = if part.contains('=') || part.contains(':') {
                " (the operator is `==`, e.g. near;maxDistance==2000)"
            } else {
                ""
            };
            return Err(GeoError::georel(format!(
                "malformed near modifier `{}`{hint}; expected maxDistance==<metres> or minDistance==<metres>",
                excerpt(part)
            )));
        };
        let (name, value) = (name.trim(), value.trim());
        let slot = match name {
            "maxDistance" => &mut max,
            "minDistance" => &mut min,
            other => {
                return Err(GeoError::georel(format!(
                    "unknown near modifier `{}`; expected maxDistance or minDistance",
                    excerpt(other)
                )))
            }
        };
        if slot.is_some() {
            return Err(GeoError::georel(format!("{name} is given more than once")));
        }
        let Some(metres) = parse_positive_number(value) else {
            return Err(GeoError::georel(format!(
                "{name} must be a positive number of metres (JSON number syntax, no sign, not 0), got `{}`",
                excerpt(value)
            )));
        };
        *slot = Some(metres);
    }
    if max.is_none() && min.is_none() {
        return Err(GeoError::georel(
            "near requires a distance: near;maxDistance==<metres> or near;minDistance==<metres>",
        ));
    }
    if let (Some(max), Some(min)) = (max, min) {
        if min >= max {
            return Err(GeoError::georel(format!(
                "minDistance ({min}) must be smaller than maxDistance ({max})"
            )));
        }
    }
    Ok(GeoRel::Near {
        max_distance_m: max,
        min_distance_m: min,
    })
}

/// The standard's `PositiveNumber`: RFC 8259 `number` without the minus sign, not zero, and (our
/// addition) finite once converted to `f64`.
pub(crate) fn parse_positive_number(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let digits = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let mut i = match b.first() {
        Some(b'0') => 1,
        Some(b'1'..=b'9') => digits(1),
        _ => return None,
    };
    if b.get(i) == Some(&b'.') {
        let end = digits(i + 1);
        if end == i + 1 {
            return None;
        }
        i = end;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let end = digits(i);
        if end == i {
            return None;
        }
        i = end;
    }
    if i != b.len() {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite() && *v > 0.0)
}

impl FromStr for GeoRel {
    type Err = GeoError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        GeoRel::parse(s)
    }
}

/// The canonical `georel` text; parsing it gives back the same value.
impl fmt::Display for GeoRel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())?;
        if let GeoRel::Near {
            max_distance_m,
            min_distance_m,
        } = self
        {
            if let Some(max) = max_distance_m {
                write!(f, ";maxDistance=={max}")?;
            }
            if let Some(min) = min_distance_m {
                write!(f, ";minDistance=={min}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positive_number_follows_json_grammar() {
        for ok in ["1", "2000", "0.5", "2e3", "2E+3", "1.5e-2", "10.0"] {
            assert!(parse_positive_number(ok).is_some(), "{ok}");
        }
        for bad in [
            "", "0", "0.0", "-1", "+1", "01", ".5", "5.", "1e", "1e+", "abc", "NaN", "inf",
            "Infinity", "1e999", "1e-400", " 1", "1 ", "0x10", "1_000", "1,5",
        ] {
            assert!(parse_positive_number(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "near;maxDistance==2000",
            "near;minDistance==0.5",
            "near;maxDistance==2000;minDistance==10",
            "within",
            "overlaps",
        ] {
            let rel = GeoRel::parse(s).unwrap();
            assert_eq!(GeoRel::parse(&rel.to_string()).unwrap(), rel);
        }
        assert_eq!(
            GeoRel::parse("near;maxDistance==2e3").unwrap().to_string(),
            "near;maxDistance==2000"
        );
    }
}
