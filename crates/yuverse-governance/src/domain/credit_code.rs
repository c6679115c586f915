//! Unified social credit code (统一社会信用代码), GB 32100-2015.
//!
//! 18 characters from the 31-character set `0-9A-Y` without I, O, S, V, Z. The 18th is a check
//! character: with weights 3^(i-1) mod 31 for positions 1..17, check = 31 - (sum mod 31), where
//! 31 becomes 0.

const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

fn value_of(c: u8) -> Option<u32> {
    CHARSET.iter().position(|&x| x == c).map(|p| p as u32)
}

/// The check character for the first 17 characters, or `None` if one is not in the set.
pub fn check_character(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 {
        return None;
    }
    let mut weight = 1u32;
    let mut sum = 0u32;
    for &b in bytes {
        sum += value_of(b)? * weight;
        weight = weight * 3 % 31;
    }
    let check = (31 - sum % 31) % 31;
    Some(CHARSET[check as usize] as char)
}

/// Why a credit code is rejected.
pub fn validate(code: &str) -> Result<(), &'static str> {
    if code.len() != 18 || !code.is_ascii() {
        return Err("must be 18 characters");
    }
    if code.bytes().any(|b| value_of(b).is_none()) {
        return Err("may use only 0-9 and A-Y without I, O, S, V, Z (upper case)");
    }
    match check_character(&code[..17]) {
        Some(c) if code.as_bytes()[17] == c as u8 => Ok(()),
        _ => Err("the check character (18th) does not match GB 32100-2015"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_example_is_valid_and_every_other_last_character_is_not() {
        assert_eq!(validate("91350100M000100Y43"), Ok(()));
        for &c in CHARSET.iter().filter(|&&c| c != b'3') {
            let code = format!("91350100M000100Y4{}", c as char);
            assert!(validate(&code).is_err(), "{code} must be invalid");
        }
    }

    #[test]
    fn shape_errors() {
        assert!(validate("91350100M000100Y4").is_err());
        assert!(validate("91350100M000100YO3").is_err());
        assert!(validate("91350100m000100y43").is_err());
        assert!(validate("９1350100M000100Y43").is_err());
    }

    #[test]
    fn a_computed_check_character_validates() {
        let first = "91500112MA5U000001";
        let code = format!("{}{}", &first[..17], check_character(&first[..17]).unwrap());
        assert_eq!(validate(&code), Ok(()));
    }

    proptest::proptest! {
        #[test]
        fn exactly_one_check_character_fits_any_body(body in "[0-9A-HJ-NP-RTUW-Y]{17}") {
            let check = check_character(&body).unwrap();
            for &c in CHARSET {
                let code = format!("{body}{}", c as char);
                proptest::prop_assert_eq!(validate(&code).is_ok(), c as char == check);
            }
        }
    }
}
