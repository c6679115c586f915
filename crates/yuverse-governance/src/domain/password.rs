//! The password policy (at least 10 characters, 3 of the 4 character classes) and Argon2id
//! hashing with the crate's default parameters (19 MiB, 2 passes), stored as PHC strings.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordVerifier};

pub const MIN_LENGTH: usize = 10;

pub fn check_policy(password: &str) -> Result<(), &'static str> {
    if password.chars().count() < MIN_LENGTH {
        return Err("must be at least 10 characters");
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|&&present| present).count() < 3 {
        return Err("must mix at least 3 of: lower case, upper case, digits, other characters");
    }
    Ok(())
}

pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A strong random password for generated accounts (first admin, demo accounts).
pub fn generate() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    let body: String = (0..16)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    // A fixed tail guarantees all four classes whatever the random part drew.
    format!("{body}-a7K")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert!(check_policy("Short1!").is_err());
        assert!(check_policy("alllowercase").is_err());
        assert!(check_policy("lowerUPPER12").is_ok());
        assert!(check_policy("lower-12345").is_ok());
        assert!(check_policy("lowerupperx").is_err());
        assert!(check_policy(&generate()).is_ok());
    }

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash("Correct-Horse-9").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("Correct-Horse-9", &h));
        assert!(!verify("correct-horse-9", &h));
        assert!(!verify("x", "not a hash"));
    }
}
