//! Resident identity number (居民身份证号码), GB 11643-1999: 17 digits and a check character.
//!
//! The check: sum of digit × weight (7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2), mod 11, indexes
//! `10X98765432`. The number is personal information: it is only ever stored encrypted and
//! shown masked (see `masking`).

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECKS: &[u8; 11] = b"10X98765432";

/// Normalises (trim, upper-case `x`) and validates; answers the canonical form.
pub fn validate(raw: &str) -> Result<String, &'static str> {
    let number = raw.trim().to_ascii_uppercase();
    let bytes = number.as_bytes();
    if bytes.len() != 18 {
        return Err("must be 18 characters");
    }
    if !bytes[..17].iter().all(u8::is_ascii_digit) {
        return Err("the first 17 characters must be digits");
    }
    let sum: u32 = bytes[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    if bytes[17] != CHECKS[(sum % 11) as usize] {
        return Err("the check character (18th) does not match GB 11643");
    }
    if !plausible_birth_date(&number[6..14]) {
        return Err("characters 7-14 are not a valid birth date");
    }
    Ok(number)
}

fn plausible_birth_date(yyyymmdd: &str) -> bool {
    chrono::NaiveDate::parse_from_str(yyyymmdd, "%Y%m%d")
        .map(|d| d.format("%Y").to_string().as_str() >= "1900")
        .unwrap_or(false)
}

/// Computes the check character for 17 digits (used to build test and demo numbers).
pub fn check_character(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    Some(CHECKS[(sum % 11) as usize] as char)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_example_is_valid() {
        // The example number printed in GB 11643-1999.
        assert_eq!(
            validate("11010519491231002x").unwrap(),
            "11010519491231002X"
        );
        assert!(validate("110105194912310021").is_err());
    }

    #[test]
    fn shapes_and_dates() {
        assert!(validate("1101051949123100").is_err());
        assert!(validate("11010519491231A02X").is_err());
        let first = "50011219901332123";
        let bad_date = format!("{first}{}", check_character(first).unwrap());
        assert!(validate(&bad_date).is_err());
    }

    proptest::proptest! {
        #[test]
        fn a_changed_check_character_is_always_caught(
            region in 110000u32..659999, day in 1u32..28, serial in 0u32..999
        ) {
            let first17 = format!("{region:06}199005{day:02}{serial:03}");
            let good = format!("{first17}{}", check_character(&first17).unwrap());
            proptest::prop_assert!(validate(&good).is_ok());
            for c in CHECKS.iter().map(|&c| c as char).filter(|&c| !good.ends_with(c)) {
                let changed = format!("{first17}{c}");
                proptest::prop_assert!(validate(&changed).is_err());
            }
        }
    }
}
