//! Usernames: 3 to 32 characters of `a-z 0-9 . _ -`, starting with a letter or digit. Kept
//! ASCII and lower case so that logins and audit lines are unambiguous.

pub fn validate(name: &str) -> Result<(), &'static str> {
    let ok_len = (3..=32).contains(&name.len());
    let ok_chars = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    let ok_start = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if ok_len && ok_chars && ok_start {
        Ok(())
    } else {
        Err("3-32 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rules() {
        assert!(super::validate("demo-auditor").is_ok());
        assert!(super::validate("Admin").is_err());
        assert!(super::validate("-x1").is_err());
        assert!(super::validate("ab").is_err());
    }
}
