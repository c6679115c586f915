//! Masking of personal identifiers for display: the first 4 and last 4 characters stay.

pub fn mask_keep_4_4(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_first_and_last_four() {
        assert_eq!(mask_keep_4_4("11010519491231002X"), "1101**********002X");
        assert_eq!(mask_keep_4_4("1234"), "****");
    }
}
