//! The language filter `lang` (clause 4.15): a language priority list written as an HTTP
//! Accept-Language value (RFC 9110 clause 12.5.4): basic language ranges (RFC 4647), `*`
//! among them, each with an optional weight `;q=`. It picks the one language of a
//! LanguageProperty's languageMap that is shown.

use crate::error::{NgsiError, NgsiResult};

/// The key of a languageMap's string without a language.
pub const NO_LANGUAGE: &str = "@none";

/// A parsed `lang` value, its ranges in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanguageFilter {
    ranges: Vec<Range>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Range {
    /// Lower-cased; `*` for any language.
    tag: String,
    /// The weight in thousandths, 0 meaning "not acceptable".
    weight: u16,
}

impl Range {
    fn matches(&self, language: &str) -> bool {
        self.tag == "*"
            || language.eq_ignore_ascii_case(&self.tag)
            || (language.len() > self.tag.len()
                && language.as_bytes()[self.tag.len()] == b'-'
                && language[..self.tag.len()].eq_ignore_ascii_case(&self.tag))
    }

    /// How specific a match by this range is: `*` is the least.
    fn specificity(&self) -> usize {
        if self.tag == "*" {
            0
        } else {
            self.tag.len()
        }
    }
}

impl LanguageFilter {
    /// Parses a `lang` value; a malformed one is BadRequestData.
    pub fn parse(text: &str) -> NgsiResult<LanguageFilter> {
        let bad = |why: String| NgsiError::bad_data(format!("lang `{text}`: {why}"));
        let mut ranges = Vec::new();
        // An HTTP list may hold empty elements, which count for nothing.
        for element in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let mut parts = element.split(';').map(str::trim);
            let tag = parts.next().unwrap_or_default();
            if !is_range(tag) {
                return Err(bad(format!("`{tag}` is not a language range")));
            }
            let mut weight = 1000;
            for parameter in parts {
                weight = match parameter.split_once('=') {
                    Some((name, value)) if name.trim().eq_ignore_ascii_case("q") => {
                        parse_weight(value.trim()).ok_or_else(|| {
                            bad(format!("`{value}` is not a weight between 0 and 1"))
                        })?
                    }
                    _ => return Err(bad(format!("`{parameter}` is not a weight `q=…`"))),
                };
            }
            ranges.push(Range {
                tag: tag.to_ascii_lowercase(),
                weight,
            });
        }
        if ranges.is_empty() {
            return Err(bad("no language range".into()));
        }
        Ok(LanguageFilter { ranges })
    }

    /// The language of `languages` (keys of a languageMap) that the filter prefers, if it
    /// accepts any: the weight of a language is that of the most specific range matching it
    /// (RFC 4647 basic filtering, `en` matching `en-GB`); between equal weights the earlier
    /// range, then the earlier language wins. When no range matches, a range's prefix
    /// (`en` for `en-GB`) is looked up as in RFC 4647 lookup. `@none` is no language.
    pub fn choose<'a>(&self, languages: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
        let languages: Vec<&str> = languages
            .into_iter()
            .filter(|l| *l != NO_LANGUAGE)
            .collect();
        let filtered = languages
            .iter()
            .enumerate()
            .filter_map(|(position, language)| {
                let (index, range) = self
                    .ranges
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.matches(language))
                    .max_by_key(|(index, r)| (r.specificity(), std::cmp::Reverse(*index)))?;
                (range.weight > 0).then_some((range.weight, index, position, *language))
            })
            .max_by_key(|(weight, index, position, _)| {
                (
                    *weight,
                    std::cmp::Reverse(*index),
                    std::cmp::Reverse(*position),
                )
            })
            .map(|(.., language)| language);
        filtered.or_else(|| self.look_up(&languages))
    }

    /// RFC 4647 lookup over the ranges by falling weight: each range and then its prefixes,
    /// longest first, against the languages.
    fn look_up<'a>(&self, languages: &[&'a str]) -> Option<&'a str> {
        let mut ranges: Vec<&Range> = self
            .ranges
            .iter()
            .filter(|r| r.weight > 0 && r.tag != "*")
            .collect();
        ranges.sort_by_key(|r| std::cmp::Reverse(r.weight));
        ranges.into_iter().find_map(|range| {
            let mut prefix = range.tag.as_str();
            while let Some((shorter, _)) = prefix.rsplit_once('-') {
                prefix = shorter;
                if let Some(found) = languages.iter().find(|l| l.eq_ignore_ascii_case(prefix)) {
                    return Some(*found);
                }
            }
            None
        })
    }
}

/// `*` or `1*8ALPHA *("-" 1*8alphanum)`.
fn is_range(tag: &str) -> bool {
    if tag == "*" {
        return true;
    }
    let mut subtags = tag.split('-');
    let first = subtags.next().unwrap_or_default();
    let sized = |s: &str| (1..=8).contains(&s.len());
    sized(first)
        && first.bytes().all(|b| b.is_ascii_alphabetic())
        && subtags.all(|s| sized(s) && s.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// `0[.ddd]` or `1[.000]` (at most three decimals) in thousandths.
fn parse_weight(value: &str) -> Option<u16> {
    let (whole, decimals) = value.split_once('.').unwrap_or((value, ""));
    if decimals.len() > 3 || !decimals.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let fraction = format!("{decimals:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(fraction),
        "1" if fraction == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choose<'a>(filter: &str, languages: &[&'a str]) -> Option<&'a str> {
        LanguageFilter::parse(filter)
            .unwrap()
            .choose(languages.iter().copied())
    }

    #[test]
    fn one_tag_matches_itself_case_insensitively() {
        assert_eq!(choose("fr", &["fr", "nl"]), Some("fr"));
        assert_eq!(choose("NL", &["fr", "nl"]), Some("nl"));
        assert_eq!(choose("de", &["fr", "nl"]), None);
    }

    #[test]
    fn a_range_matches_the_tags_it_is_a_prefix_of() {
        assert_eq!(choose("en", &["de", "en-GB"]), Some("en-GB"));
        assert_eq!(choose("en", &["english"]), None);
        assert_eq!(choose("zh-Hant", &["zh-Hant-TW", "zh"]), Some("zh-Hant-TW"));
    }

    #[test]
    fn weights_rank_the_ranges() {
        assert_eq!(choose("fr;q=0.5,nl", &["fr", "nl"]), Some("nl"));
        assert_eq!(
            choose("fr-CH,fr;q=0.9,en;q=0.8,*;q=0.5", &["en", "fr", "nl"]),
            Some("fr")
        );
        assert_eq!(choose("de,*;q=0.1", &["nl", "fr"]), Some("nl"));
        // Equal weights: the earlier range wins, whatever the order of the map.
        assert_eq!(choose("nl,fr", &["fr", "nl"]), Some("nl"));
        assert_eq!(choose("fr-CH,fr", &["fr", "fr-CH"]), Some("fr-CH"));
    }

    #[test]
    fn star_takes_any_language_and_q_zero_refuses_one() {
        assert_eq!(choose("*", &["fr", "nl"]), Some("fr"));
        assert_eq!(choose("*", &["@none", "nl"]), Some("nl"));
        assert_eq!(choose("*", &["@none"]), None);
        // The most specific range decides: `fr;q=0` refuses French even under `*`.
        assert_eq!(choose("*,fr;q=0", &["fr", "nl"]), Some("nl"));
        assert_eq!(choose("fr;q=0", &["fr"]), None);
        assert_eq!(choose("en-GB;q=0,en", &["en-GB", "en-US"]), Some("en-US"));
    }

    #[test]
    fn a_longer_range_falls_back_to_its_prefix() {
        assert_eq!(choose("en-GB", &["fr", "en"]), Some("en"));
        assert_eq!(choose("de-CH;q=0.4,fr-BE", &["de", "fr"]), Some("fr"));
        assert_eq!(choose("en-GB;q=0", &["en"]), None);
    }

    #[test]
    fn malformed_filters_are_refused() {
        for bad in [
            "",
            " , ",
            "en_GB",
            "languages-x",
            "en-",
            "-en",
            "1en",
            "en;q=2",
            "en;q=1.5",
            "en;q=0.1234",
            "en;q=",
            "en;q=abc",
            "en;level=1",
            "en;",
            "@none",
            "e n",
        ] {
            let error = LanguageFilter::parse(bad).unwrap_err();
            assert_eq!(error.kind, crate::error::ErrorKind::BadRequestData, "{bad}");
        }
    }

    #[test]
    fn well_formed_filters_are_taken() {
        for good in [
            "en",
            "*",
            "en-GB , fr ;q=0.8",
            "zh-Hant-TW;Q=1.000",
            "x-private;q=0",
            "en;q=1.",
            "de,,fr",
        ] {
            assert!(LanguageFilter::parse(good).is_ok(), "{good}");
        }
    }
}
