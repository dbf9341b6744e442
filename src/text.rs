//! Text as the tool shows it back to people: a card number masked, a long value quoted short.
//! Validation's messages, the results file and the summary all show cells this way; it lives
//! here, below all three, so that writing a report never reaches into validation for it.

use std::borrow::Cow;

/// A card number as the results file, a message or a log shows it: the first 6 and last 4
/// digits only; a shorter value keeps only its last 4 (at most half of it).
pub fn mask(card_number: &str) -> String {
    let chars: Vec<char> = card_number.trim().chars().collect();
    let n = chars.len();
    if n == 0 {
        return String::new();
    }
    let (head, tail) = if n >= 13 { (6, 4) } else { (0, 4.min(n / 2)) };
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| if i < head || i >= n - tail { c } else { '*' })
        .collect()
}

/// The most characters of a value a message quotes; a longer one is cut, with `…`.
pub const QUOTE_MAX: usize = 60;

/// `text` as a message quotes it: at most [`QUOTE_MAX`] characters, cut with `…`.
pub fn quoted(text: &str) -> Cow<'_, str> {
    if text.len() <= QUOTE_MAX {
        return text.into();
    }
    match text.char_indices().nth(QUOTE_MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]).into(),
        None => text.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_numbers_show_six_and_four() {
        assert_eq!(mask("4111111111111111"), "411111******1111");
        assert_eq!(mask(" 4111111111111111 "), "411111******1111");
        assert_eq!(mask("12345678"), "****5678");
        assert_eq!(mask("123"), "**3");
        assert_eq!(mask(""), "");
    }

    #[test]
    fn long_values_are_cut_by_characters() {
        assert_eq!(quoted("short"), "short");
        let exact = "ł".repeat(QUOTE_MAX);
        assert_eq!(quoted(&exact), exact.as_str());
        let long = "ł".repeat(QUOTE_MAX + 1);
        let cut = quoted(&long);
        assert_eq!(cut.chars().count(), QUOTE_MAX + 1);
        assert!(cut.ends_with('…'));
    }
}
