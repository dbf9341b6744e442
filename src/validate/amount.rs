//! Amounts as exact decimals, from the ways people write them in sheets.

use rust_decimal::Decimal;

pub use crate::currency::Currency;

/// Why an amount could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmountError {
    /// Not a number in a form the tool reads without guessing; the text says why.
    Format(String),
    /// More decimals than the currency has.
    Decimals(u32),
    /// Zero or negative.
    NotPositive,
    /// More digits before the decimal point than [`MAX_INTEGER_DIGITS`].
    TooLarge,
}

/// The most digits an amount may have before its decimal point: under 10^15 (a thousand
/// million million), far past any payout, and small enough that every money type the tool
/// uses holds it exactly: minor units in an `i64` (PayU Europe's `amount`), and the sum of
/// every row a file can hold, in a `Decimal` (28 digits) or an `i128`. Excel keeps 15 digits
/// too, so a longer number in a cell is not what anyone typed.
pub const MAX_INTEGER_DIGITS: usize = 15;

/// An amount read from a cell, with the currency it was marked with, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount {
    pub value: Decimal,
    pub marked: Option<Currency>,
}

const PREFIXES: &[(&str, Currency)] = &[
    ("₹", Currency::Inr),
    ("INR", Currency::Inr),
    ("RS.", Currency::Inr),
    ("RS", Currency::Inr),
    ("PLN", Currency::Pln),
    ("EUR", Currency::Eur),
    ("€", Currency::Eur),
    ("CZK", Currency::Czk),
];

/// Reads `1234.5`, `1,234.50`, `1,23,456.00` (Indian grouping), `1 234.50`, with an optional
/// leading `₹`/`INR`/`Rs`/`PLN`/`EUR`/`CZK`. With `decimal_comma` the roles of `,` and `.` swap
/// (`1.234,50`). Forms that could mean two different amounts (`1,5`, `1.234,50` without
/// `decimal_comma`) are refused, never guessed; so are amounts with more than `decimals`
/// decimals: the tool never rounds money.
pub fn parse_amount(text: &str, decimal_comma: bool, decimals: u32) -> Result<Amount, AmountError> {
    if let Some(amount) = plain(text, decimal_comma, decimals) {
        return Ok(amount);
    }
    let mut s = text.trim();
    let mut marked = None;
    for (prefix, currency) in PREFIXES {
        if s.len() >= prefix.len()
            && s.is_char_boundary(prefix.len())
            && s[..prefix.len()].eq_ignore_ascii_case(prefix)
        {
            marked = Some(*currency);
            s = s[prefix.len()..].trim_start();
            break;
        }
    }
    let (negative, s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if s.is_empty() {
        return Err(AmountError::Format("there is no number".into()));
    }
    let (point, group) = if decimal_comma {
        (',', '.')
    } else {
        ('.', ',')
    };
    if s.chars()
        .any(|c| !(c.is_ascii_digit() || c == ',' || c == '.' || c == ' ' || c == '\u{a0}'))
    {
        return Err(AmountError::Format(
            "it is not a plain number (only digits, one decimal point and thousands separators)"
                .into(),
        ));
    }
    let (int_part, frac_part) = match s.rfind(point) {
        Some(i) => (&s[..i], Some(&s[i + point.len_utf8()..])),
        None => (s, None),
    };
    if let Some(frac) = frac_part
        && (frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(AmountError::Format(format!(
            "the digits after the decimal '{point}' are not plain digits"
        )));
    }
    if int_part.contains(point) {
        return Err(AmountError::Format(format!(
            "it has more than one decimal '{point}'"
        )));
    }
    if !decimal_comma {
        if frac_part.is_none() && int_part.contains(',') && !int_part.contains(' ') {
            // `1,234` is grouping; `1,5` and `1,50` would be a decimal comma.
            if let Some(last) = int_part.rsplit(',').next()
                && last.len() < 3
            {
                return Err(AmountError::Format(
                    "a comma followed by fewer than three digits could be a decimal comma; \
                         write the amount with a decimal point (1.50), or set decimal_comma in the \
                         config"
                        .into(),
                ));
            }
        }
        if let Some(frac) = frac_part
            && frac.len() == 3
            && !int_part.contains(',')
            && int_part.len() <= 3
        {
            return Err(AmountError::Format(format!(
                "the '.' could be a thousands separator or a decimal point; if the amount is \
                     {int_part}{frac}, write it without the '.'"
            )));
        }
    }
    check_groups(int_part, group).map_err(AmountError::Format)?;
    let frac = frac_part.unwrap_or("");
    let significant = frac.trim_end_matches('0');
    if significant.len() as u32 > decimals {
        return Err(AmountError::Decimals(significant.len() as u32));
    }
    // Counted before anything is added up: past the limit the amount is refused, never
    // wrapped or rounded.
    let integer_digits = int_part
        .bytes()
        .filter(u8::is_ascii_digit)
        .skip_while(|&b| b == b'0')
        .count();
    if integer_digits > MAX_INTEGER_DIGITS {
        return Err(AmountError::TooLarge);
    }
    // The digits, without separators, as one integer and a scale: exact, and no allocation.
    // At most 15 + `decimals` significant digits: an `i128` holds them with room to spare.
    let mut mantissa: i128 = 0;
    for b in int_part.bytes().chain(significant.bytes()) {
        if b.is_ascii_digit() {
            mantissa = mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add(i128::from(b - b'0')))
                .ok_or(AmountError::TooLarge)?;
        }
    }
    let value = Decimal::try_from_i128_with_scale(mantissa, significant.len() as u32)
        .map_err(|_| AmountError::TooLarge)?;
    if negative || value.is_zero() {
        return Err(AmountError::NotPositive);
    }
    Ok(Amount {
        value: value.normalize(),
        marked,
    })
}

/// An XLSX number cell's text (`1234.5`, `-5`, `12.345`, as [`crate::sheet::number_text`]
/// writes it): a number has no thousands separators, so every `.` is a decimal point and
/// three decimals are three decimals, never a grouping to guess at.
pub fn parse_number(text: &str, decimals: u32) -> Result<Amount, AmountError> {
    let (negative, s) = match text.trim().strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.trim()),
    };
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) {
        return Err(AmountError::Format(
            "the number cell does not hold a plain number".into(),
        ));
    }
    if int.trim_start_matches('0').len() > MAX_INTEGER_DIGITS {
        return Err(AmountError::TooLarge);
    }
    let significant = frac.trim_end_matches('0');
    if significant.len() as u32 > decimals {
        return Err(AmountError::Decimals(significant.len() as u32));
    }
    // At most 15 + `decimals` digits: no overflow.
    let mut mantissa: i128 = 0;
    for b in int.bytes().chain(significant.bytes()) {
        mantissa = mantissa
            .checked_mul(10)
            .and_then(|m| m.checked_add(i128::from(b - b'0')))
            .ok_or(AmountError::TooLarge)?;
    }
    let value = Decimal::try_from_i128_with_scale(mantissa, significant.len() as u32)
        .map_err(|_| AmountError::TooLarge)?;
    if negative || value.is_zero() {
        return Err(AmountError::NotPositive);
    }
    Ok(Amount {
        value: value.normalize(),
        marked: None,
    })
}

/// The usual cell, `1234`, `1234.50` or `1,234.50`, read without the general path's checks;
/// `None` sends anything else (and anything wrong) down that path for its message.
fn plain(text: &str, decimal_comma: bool, decimals: u32) -> Option<Amount> {
    if decimal_comma {
        return None;
    }
    let b = text.as_bytes();
    let (int, frac) = match b.iter().position(|&c| c == b'.') {
        Some(i) => (&b[..i], &b[i + 1..]),
        None => (b, &b[..0]),
    };
    let digits = |x: &[u8]| x.iter().all(u8::is_ascii_digit);
    let grouped = int.contains(&b',');
    // Three digits after a point on a short number could be thousands: not plain. At most
    // 15 integer digits and `decimals` (2) more: the `i64` below holds them without
    // overflow; anything longer takes the general path, which refuses it. The digits are
    // counted only for a long text.
    let long = int.len() > MAX_INTEGER_DIGITS;
    if int.is_empty()
        || (long
            && (int.len() > MAX_INTEGER_DIGITS + MAX_INTEGER_DIGITS / 3
                || int.iter().filter(|c| c.is_ascii_digit()).count() > MAX_INTEGER_DIGITS))
        || decimals > 3
        || !digits(frac)
        || frac.len() > decimals as usize
        || !(if grouped {
            int.iter().all(|&c| c.is_ascii_digit() || c == b',') && groups_ok(int, b',')
        } else {
            digits(int)
        })
    {
        return None;
    }
    let mut mantissa: i64 = 0;
    for &c in int.iter().chain(frac).filter(|&&c| c != b',') {
        mantissa = mantissa * 10 + i64::from(c - b'0');
    }
    if mantissa == 0 || (b.len() > int.len() && frac.is_empty()) {
        return None;
    }
    Some(Amount {
        value: Decimal::new(mantissa, frac.len() as u32).normalize(),
        marked: None,
    })
}

/// Checks that thousands separators group digits as people do: Western `1,234,567` or Indian
/// `12,34,567`, with `,` (or `.` under a decimal comma) or spaces.
fn check_groups(int_part: &str, group: char) -> Result<(), String> {
    let mut seps = int_part.chars().filter(|c| !c.is_ascii_digit());
    let Some(sep) = seps.next() else {
        return Ok(());
    };
    if seps.any(|c| c != sep) || !(sep == group || sep == ' ' || sep == '\u{a0}') {
        return Err("its thousands separators are mixed or misplaced".into());
    }
    let mut bytes = [0u8; 4];
    if groups_ok(
        int_part.as_bytes(),
        sep.encode_utf8(&mut bytes).as_bytes()[0],
    ) {
        Ok(())
    } else {
        Err(format!(
            "the digit groups between '{sep}' are not thousands (1,234,567) or Indian lakhs (12,34,567)"
        ))
    }
}

/// Whether the digit groups between `sep` bytes (the last byte of the separator, for a
/// no-break space) are Western thousands or Indian lakhs. Allocates nothing: it runs for every
/// grouped amount.
fn groups_ok(int: &[u8], sep: u8) -> bool {
    // A multi-byte separator's other bytes are not digits: strip them from the lengths.
    let len = |g: &[u8]| g.iter().filter(|b| b.is_ascii_digit()).count();
    let mut groups = int.split(|&b| b == sep);
    let first = groups.next().map_or(0, len);
    let (mut rest, mut all_three, mut twos_then_three) = (0usize, true, true);
    let mut last = 0;
    for g in groups {
        // Every group before the last must be two long for lakhs; the last, three.
        if rest > 0 && last != 2 {
            twos_then_three = false;
        }
        last = len(g);
        all_three &= last == 3;
        rest += 1;
    }
    let indian = first <= 2 && rest > 0 && last == 3 && twos_then_three;
    (1..=3).contains(&first) && (all_three || indian)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(s: &str) -> String {
        parse_amount(s, false, 2).unwrap().value.to_string()
    }

    fn err(s: &str) -> AmountError {
        parse_amount(s, false, 2).unwrap_err()
    }

    #[test]
    fn reads_the_forms_people_write() {
        assert_eq!(ok("1234.5"), "1234.5");
        assert_eq!(ok("1,234.50"), "1234.5");
        assert_eq!(ok("1,23,456.00"), "123456");
        assert_eq!(ok("₹ 1,00,000"), "100000");
        assert_eq!(ok("INR 500"), "500");
        assert_eq!(ok("Rs. 99.99"), "99.99");
        assert_eq!(ok("1 234.50"), "1234.5");
        assert_eq!(ok("1,234"), "1234");
        assert_eq!(ok("0.01"), "0.01");
        assert_eq!(ok("1234.500"), "1234.5");
        assert_eq!(
            parse_amount("PLN 10", false, 2).unwrap().marked,
            Some(Currency::Pln)
        );
    }

    #[test]
    fn refuses_what_it_would_have_to_guess() {
        assert!(matches!(err("1,5"), AmountError::Format(_)));
        assert!(matches!(err("1,50"), AmountError::Format(_)));
        assert!(matches!(err("1.234,50"), AmountError::Format(_)));
        assert!(matches!(err("1.234"), AmountError::Format(_)));
        assert!(matches!(err("5.12E+3"), AmountError::Format(_)));
        assert!(matches!(err("12,3456"), AmountError::Format(_)));
        assert!(matches!(err("1,2,3"), AmountError::Format(_)));
        assert!(matches!(err("abc"), AmountError::Format(_)));
        assert!(matches!(err(""), AmountError::Format(_)));
        assert_eq!(err("1234.567"), AmountError::Decimals(3));
        assert!(matches!(err("10.123"), AmountError::Format(_)));
        assert_eq!(err("-5"), AmountError::NotPositive);
        assert_eq!(err("0.00"), AmountError::NotPositive);
    }

    #[test]
    fn number_cells_have_no_thousands_separators() {
        assert_eq!(parse_number("12.345", 2), Err(AmountError::Decimals(3)));
        assert_eq!(
            parse_number("1234.5", 2).unwrap().value.to_string(),
            "1234.5"
        );
        assert_eq!(parse_number("100", 2).unwrap().value.to_string(), "100");
        assert_eq!(parse_number("12.34", 2).unwrap().value.to_string(), "12.34");
        assert_eq!(parse_number("12.3", 2).unwrap().value.to_string(), "12.3");
        assert_eq!(parse_number("-5.5", 2), Err(AmountError::NotPositive));
        assert_eq!(parse_number("0", 2), Err(AmountError::NotPositive));
        assert_eq!(
            parse_number("100000000000000000000", 2),
            Err(AmountError::TooLarge)
        );
        assert!(matches!(
            parse_number("1e5", 2),
            Err(AmountError::Format(_))
        ));
    }

    #[test]
    fn decimal_comma_when_configured() {
        let v = parse_amount("1.234,50", true, 2).unwrap().value;
        assert_eq!(v.to_string(), "1234.5");
        assert_eq!(
            parse_amount("1 234,5", true, 2).unwrap().value.to_string(),
            "1234.5"
        );
    }

    /// The digits a cell says, as `Decimal` prints them: no separators or mark, no leading
    /// zeros, no trailing decimal zeros.
    fn digits_of(cell: &str) -> String {
        let kept: String = cell
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let (int, frac) = kept.split_once('.').unwrap_or((&kept, ""));
        let int = int.trim_start_matches('0');
        let frac = frac.trim_end_matches('0');
        let int = if int.is_empty() { "0" } else { int };
        if frac.is_empty() {
            int.to_owned()
        } else {
            format!("{int}.{frac}")
        }
    }

    /// `digits` with Western thousands separators.
    fn group(digits: &str) -> String {
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    }

    #[test]
    fn amounts_past_fifteen_digits_are_too_large_never_wrapped() {
        // Each of these was once read wrapped in an i64 (₹101, ₹0.01, ₹100, a negative).
        for s in [
            "184467440737095617.16",
            "184467440737095516.17",
            "184467440737095616.16",
            "123456789012345678.00",
            "1234567890123456789012345678",
            "99999999999999999999999999999999",
            "9,999,999,999,999,999.99",
        ] {
            assert_eq!(err(s), AmountError::TooLarge, "{s}");
        }
        assert_eq!(ok("999999999999999.99"), "999999999999999.99");
        assert_eq!(ok("000000000000000001.50"), "1.5");
    }

    #[test]
    fn minor_units_are_exact() {
        let v = parse_amount("1234.12", false, 2).unwrap().value;
        assert_eq!(Currency::Pln.to_minor(v), Some(123412));
        // Too large for the minor units, or for the multiplication itself: None, no panic.
        assert_eq!(Currency::Pln.to_minor(Decimal::MAX), None);
        assert_eq!(Currency::Pln.to_minor(Decimal::new(i64::MAX, 0)), None);
    }

    proptest! {
        #[test]
        fn any_two_decimal_amount_round_trips(rupees in 1u64..10_000_000_000, paise in 0u64..100) {
            let text = format!("{rupees}.{paise:02}");
            let parsed = parse_amount(&text, false, 2).unwrap().value;
            prop_assert_eq!(Currency::Inr.to_minor(parsed), Some((rupees * 100 + paise) as i64));
        }

        #[test]
        fn western_grouping_reads_the_same_as_plain(n in 1000u64..1_000_000_000_000) {
            let plain = n.to_string();
            let mut grouped = String::new();
            for (i, c) in plain.chars().enumerate() {
                if i > 0 && (plain.len() - i) % 3 == 0 {
                    grouped.push(',');
                }
                grouped.push(c);
            }
            prop_assert_eq!(ok(&grouped), plain);
        }

        #[test]
        fn the_fast_path_agrees_with_the_general_one(int in "[0-9,]{1,14}", frac in "[0-9]{0,3}") {
            let text = if frac.is_empty() { int.clone() } else { format!("{int}.{frac}") };
            if let Some(fast) = plain(&text, false, 2) {
                // The general path, forced by a leading space that `plain` refuses.
                let general = parse_amount(&format!(" {text}"), false, 2);
                prop_assert_eq!(Ok(fast), general);
            }
        }

        #[test]
        fn grouped_amounts_take_the_fast_path_and_agree(n in 1000u64..1_000_000_000_000, paise in 0u64..100, indian in proptest::bool::ANY) {
            let digits = n.to_string();
            let mut grouped = String::new();
            for (i, c) in digits.chars().enumerate() {
                let left = digits.len() - i;
                let cut = if indian { left >= 3 && (left == 3 || (left - 3) % 2 == 0) } else { left % 3 == 0 };
                if i > 0 && cut {
                    grouped.push(',');
                }
                grouped.push(c);
            }
            let text = format!("{grouped}.{paise:02}");
            let fast = plain(&text, false, 2);
            prop_assert!(fast.is_some(), "{} should take the fast path", text);
            prop_assert_eq!(Ok(fast.unwrap()), parse_amount(&format!(" {text}"), false, 2));
        }

        /// Every accepted amount is exactly the cell's digits: printed back, it equals them
        /// with the separators, the currency mark, leading zeros and trailing decimal zeros
        /// taken off.
        #[test]
        fn an_accepted_amount_is_the_cells_digits(
            s in "(₹ ?|INR |PLN )?[0-9]{1,22}|[0-9]{1,3}(,[0-9]{2,3}){0,7}(\\.[0-9]{0,4})?|[0-9]{1,22}\\.[0-9]{0,4}",
        ) {
            if let Ok(a) = parse_amount(&s, false, 2) {
                prop_assert_eq!(a.value.to_string(), digits_of(&s));
            }
        }

        /// A number cell's text read back is its digits too, and a number of more than 15
        /// integer digits is refused.
        #[test]
        fn a_number_cell_is_its_digits(s in "-?[0-9]{1,20}(\\.[0-9]{1,4})?") {
            match parse_number(&s, 2) {
                Ok(a) => prop_assert_eq!(a.value.to_string(), digits_of(&s)),
                Err(AmountError::TooLarge) => prop_assert!(s.trim_start_matches('-').split('.').next().unwrap().trim_start_matches('0').len() > MAX_INTEGER_DIGITS),
                Err(_) => {}
            }
        }

        /// Nothing with more integer digits than the money type holds is accepted, on either
        /// path, grouped or not.
        #[test]
        fn more_digits_than_the_money_type_holds_are_refused(
            lead in 1u8..10, rest in "[0-9]{15,30}", frac in "(\\.[0-9]{1,2})?", grouped in proptest::bool::ANY,
        ) {
            let int = format!("{lead}{rest}");
            let int = if grouped { group(&int) } else { int };
            let text = format!("{int}{frac}");
            prop_assert_eq!(parse_amount(&text, false, 2), Err(AmountError::TooLarge), "{}", text);
            prop_assert_eq!(plain(&text, false, 2), None);
        }

        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = parse_amount(&s, false, 2);
            let _ = parse_amount(&s, true, 2);
        }
    }
}
