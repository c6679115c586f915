//! Attribute names as `twin_history` stores them. Each instance row, and its entry in the
//! history's time index, carries its attribute's expanded name, and most names share a long
//! prefix: `pm25` is `https://uri.etsi.org/ngsi-ld/default-context/pm25`. Stored with the prefix
//! replaced by one digit, a row and its index entry are about 90 bytes lighter, which the
//! writer no longer pushes through the WAL and the checkpoint (the ingestion path writes one row
//! per attribute per update).
//!
//! The form is unambiguous: an expanded name is an absolute IRI, which starts with a letter (its
//! scheme), so a leading digit is always a prefix's number; `0` marks a name kept as it was
//! because it starts with a digit itself. Migration `…_history_compact_attribute_names` rewrote
//! the rows stored before; its numbers and this table must stay the same.

use std::borrow::Cow;

/// Prefix `n` is stored as the digit `n + 1`. The longer of two nested prefixes comes first.
const PREFIXES: [&str; 3] = [
    "https://uri.etsi.org/ngsi-ld/default-context/",
    "https://uri.etsi.org/ngsi-ld/",
    "https://smartdatamodels.org/",
];

/// The stored form of an expanded attribute name.
pub fn compact(name: &str) -> Cow<'_, str> {
    for (n, prefix) in PREFIXES.iter().enumerate() {
        if let Some(rest) = name.strip_prefix(prefix) {
            return Cow::Owned(format!("{}{rest}", n + 1));
        }
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Cow::Owned(format!("0{name}"));
    }
    Cow::Borrowed(name)
}

/// The expanded name of a stored one.
pub fn expand(stored: String) -> String {
    let Some(digit) = stored.chars().next().and_then(|c| c.to_digit(10)) else {
        return stored;
    };
    let rest = &stored[1..];
    match digit.checked_sub(1) {
        None => rest.to_owned(),
        Some(n) => match PREFIXES.get(n as usize) {
            Some(prefix) => format!("{prefix}{rest}"),
            // Not written by `compact`: shown as stored rather than guessed at.
            None => stored,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_under_a_known_prefix_shrink_to_a_digit_and_come_back() {
        for (name, stored) in [
            ("https://uri.etsi.org/ngsi-ld/default-context/pm25", "1pm25"),
            ("https://uri.etsi.org/ngsi-ld/scope", "2scope"),
            (
                "https://smartdatamodels.org/dataModel.Environment/NO2",
                "3dataModel.Environment/NO2",
            ),
            ("http://example.org/speed", "http://example.org/speed"),
            ("urn:ex:3d", "urn:ex:3d"),
            ("9lives", "09lives"),
            ("", ""),
        ] {
            assert_eq!(compact(name), stored, "{name}");
            assert_eq!(expand(stored.to_owned()), name, "{stored}");
        }
    }

    #[test]
    fn the_core_prefix_does_not_swallow_the_default_contexts() {
        assert_eq!(
            compact("https://uri.etsi.org/ngsi-ld/default-context/"),
            "1"
        );
        assert_eq!(compact("https://uri.etsi.org/ngsi-ld/"), "2");
        assert_eq!(
            expand("1".into()),
            "https://uri.etsi.org/ngsi-ld/default-context/"
        );
    }
}
