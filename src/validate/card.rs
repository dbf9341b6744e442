//! Card numbers (Luhn), expiry dates and masking.

/// The digits of a card number, without the spaces and dashes people group them with.
pub fn card_digits(s: &str) -> String {
    s.chars().filter(|c| !matches!(c, ' ' | '-')).collect()
}

/// 12–19 digits with a valid Luhn check digit.
pub fn card_number(s: &str) -> Result<(), String> {
    let d = card_digits(s);
    if !d.bytes().all(|b| b.is_ascii_digit()) {
        return Err("must be digits only".into());
    }
    if !(12..=19).contains(&d.len()) {
        return Err(format!("must be 12 to 19 digits, not {}", d.len()));
    }
    if !luhn(&d) {
        return Err("fails the Luhn check (a digit is mistyped)".into());
    }
    Ok(())
}

pub fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

pub use crate::text::mask;

/// A month 1–12 and a year (2 or 4 digits) not before `(now_year, now_month)`.
pub fn expiry(
    month: &str,
    year: &str,
    now_year: i32,
    now_month: u32,
) -> Result<(u32, i32), String> {
    let m: u32 = month
        .trim()
        .parse()
        .ok()
        .filter(|m| (1..=12).contains(m))
        .ok_or_else(|| format!("month '{}' must be 1 to 12", month.trim()))?;
    let y = year.trim();
    let y: i32 = match (y.len(), y.parse::<i32>()) {
        (2, Ok(v)) => 2000 + v,
        (4, Ok(v)) => v,
        _ => return Err(format!("year '{y}' must be 2 or 4 digits")),
    };
    if (y, m) < (now_year, now_month) {
        return Err(format!("the card expired in {m:02}/{y}"));
    }
    Ok((m, y))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn payu_test_cards_pass() {
        assert!(card_number("4655413107713609").is_ok());
        assert!(card_number("4302193177728334").is_ok());
        assert!(card_number("4655 4131 0771 3609").is_ok());
        assert!(card_number("4655413107713608").is_err());
        assert!(card_number("46554131077").is_err());
    }

    #[test]
    fn masks_all_but_first_six_and_last_four() {
        assert_eq!(mask("4655413107713609"), "465541******3609");
        assert_eq!(mask("123"), "**3");
        assert_eq!(mask(""), "");
    }

    #[test]
    fn expiry_rules() {
        assert_eq!(expiry("12", "2030", 2026, 11), Ok((12, 2030)));
        assert_eq!(expiry("11", "26", 2026, 11), Ok((11, 2026)));
        assert!(expiry("10", "2026", 2026, 11).is_err());
        assert!(expiry("13", "2030", 2026, 11).is_err());
        assert!(expiry("1", "203", 2026, 11).is_err());
    }

    proptest! {
        #[test]
        fn one_changed_digit_breaks_luhn(digits in "[0-9]{15}", pos in 0usize..16, delta in 1u32..10) {
            let check = (0..10).find(|c| luhn(&format!("{digits}{c}"))).unwrap();
            let good = format!("{digits}{check}");
            prop_assert!(luhn(&good));
            let mut b = good.into_bytes();
            b[pos] = b'0' + ((u32::from(b[pos] - b'0') + delta) % 10) as u8;
            prop_assert!(!luhn(std::str::from_utf8(&b).unwrap()));
        }

        #[test]
        fn masking_never_shows_the_middle(digits in "[0-9]{13,19}") {
            let m = mask(&digits);
            prop_assert_eq!(m.len(), digits.len());
            prop_assert_eq!(&m[..6], &digits[..6]);
            prop_assert!(m[6..m.len() - 4].chars().all(|c| c == '*'));
        }
    }
}
