//! Bank account numbers: Indian accounts, Polish NRB, IBANs, Czech domestic numbers.

use iban::{Iban, IbanLike, ParseIbanError};

/// PayU India: 9–35 letters or digits.
pub fn india_account(s: &str) -> Result<(), String> {
    if (9..=35).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Ok(());
    }
    if s.chars().any(char::is_whitespace) {
        return Err("must not contain spaces".into());
    }
    if !s.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err("must be letters and digits only".into());
    }
    if !(9..=35).contains(&s.len()) {
        return Err(format!("must be 9 to 35 characters, not {}", s.len()));
    }
    Ok(())
}

/// The account number as PayU wants it: without the spaces people group it with.
pub fn compact(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase()
}

/// Polish NRB: 26 digits whose first two are IBAN check digits of `PL` + the rest.
pub fn nrb(s: &str) -> Result<(), String> {
    if s.len() != 26 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "an NRB has 26 digits, this has {} characters",
            s.len()
        ));
    }
    match iban(&format!("PL{s}")) {
        Ok(_) => Ok(()),
        Err(_) => Err("the NRB check digits are wrong (a digit is mistyped)".into()),
    }
}

/// An IBAN with a valid check and its country's length and structure.
pub fn iban(s: &str) -> Result<Iban, String> {
    s.parse::<Iban>().map_err(|e| match e {
        ParseIbanError::UnknownCountry(_) => {
            format!(
                "'{}' is not a country that uses IBANs",
                &s[..2.min(s.len())]
            )
        }
        ParseIbanError::InvalidBban(_) => {
            "the IBAN's length or structure is wrong for its country".into()
        }
        ParseIbanError::InvalidBaseIban { .. } => {
            "the IBAN check digits are wrong, or it is not an IBAN".into()
        }
    })
}

/// Whether the text starts like an IBAN: a country code and two check digits.
pub fn looks_like_iban(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 4
        && b[..2].iter().all(u8::is_ascii_alphabetic)
        && b[2..4].iter().all(u8::is_ascii_digit)
}

/// A country code, its IBAN length, and its BBAN as runs of (length, character class).
type IbanCountry = (&'static str, usize, &'static [(usize, u8)]);

/// Countries of the SWIFT IBAN registry that `iban_validate` 5.0.1's copy of it lacks, with
/// each one's IBAN length and BBAN shape (`a` letters, `n` digits, `c` either), from the
/// registry: Pakistan (`4!a16!c`) and Honduras (`4!a20!n`).
const IBAN_COUNTRIES_BEYOND_THE_CRATE: &[IbanCountry] = &[
    ("PK", 24, &[(4, b'a'), (16, b'c')]),
    ("HN", 28, &[(4, b'a'), (20, b'n')]),
];

/// Whether accounts in `country` are IBANs: `iban_validate`'s registry, and the registry's
/// countries it lacks.
pub fn uses_iban(country: &str) -> bool {
    is_iban_country(country)
        || IBAN_COUNTRIES_BEYOND_THE_CRATE
            .iter()
            .any(|(cc, _, _)| country.eq_ignore_ascii_case(cc))
}

/// An IBAN of any country that uses them ([`uses_iban`]): its check digits, and its
/// country's length and structure.
pub fn any_iban(s: &str) -> Result<(), String> {
    let Some(&(cc, len, shape)) = IBAN_COUNTRIES_BEYOND_THE_CRATE
        .iter()
        .find(|(cc, _, _)| s.len() >= 2 && s[..2].eq_ignore_ascii_case(cc))
    else {
        return iban(s).map(|_| ());
    };
    if s.len() != len {
        return Err(format!(
            "an IBAN of {cc} has {len} characters, this has {}",
            s.len()
        ));
    }
    let mut bban = s.as_bytes()[4..].iter();
    for &(n, class) in shape {
        for b in bban.by_ref().take(n) {
            let fits = match class {
                b'a' => b.is_ascii_uppercase(),
                b'n' => b.is_ascii_digit(),
                _ => b.is_ascii_uppercase() || b.is_ascii_digit(),
            };
            if !fits {
                return Err("the IBAN's length or structure is wrong for its country".into());
            }
        }
    }
    if s.parse::<iban::BaseIban>().is_err() {
        return Err("the IBAN check digits are wrong, or it is not an IBAN".into());
    }
    Ok(())
}

/// Whether `country` is in `iban_validate`'s IBAN registry (what [`iban()`] can parse).
pub fn is_iban_country(country: &str) -> bool {
    // iban_validate exposes its registry only through parsing: an IBAN of a registered
    // country fails on its BBAN, one of an unregistered country fails on the country.
    let cc = country.to_ascii_uppercase();
    if cc.len() != 2 || !cc.bytes().all(|b| b.is_ascii_uppercase()) {
        return false;
    }
    let bban = "0000";
    let check = 98 - mod97(&format!("{bban}{cc}00"));
    !matches!(
        format!("{cc}{check:02}{bban}").parse::<Iban>(),
        Err(ParseIbanError::UnknownCountry(_))
    )
}

fn mod97(s: &str) -> u32 {
    s.chars().fold(0u32, |acc, c| {
        let v = c.to_digit(36).unwrap_or(0);
        if v >= 10 {
            (acc * 100 + v) % 97
        } else {
            (acc * 10 + v) % 97
        }
    })
}

/// Czech domestic format `([0-9]{1,6}-)?[0-9]{2,10}/[0-9]{4}`, with the mod-11 checks the
/// Czech National Bank sets for the prefix and the number.
pub fn cz_domestic(s: &str) -> Result<(), String> {
    let wrong =
        || "a Czech account is [prefix-]number/bank code, e.g. 19-2000145399/0800".to_owned();
    let (account, bank) = s.split_once('/').ok_or_else(wrong)?;
    let (prefix, number) = match account.split_once('-') {
        Some((p, n)) => (p, n),
        None => ("", account),
    };
    let digits = |t: &str, lo: usize, hi: usize| {
        (lo..=hi).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit())
    };
    if !(prefix.is_empty() || digits(prefix, 1, 6)) || !digits(number, 2, 10) || !digits(bank, 4, 4)
    {
        return Err(wrong());
    }
    let weighted = |t: &str, weights: &[u32]| -> u32 {
        let pad = weights.len() - t.len();
        t.bytes()
            .enumerate()
            .map(|(i, b)| u32::from(b - b'0') * weights[pad + i])
            .sum()
    };
    if !prefix.is_empty() && weighted(prefix, &[10, 5, 8, 4, 2, 1]) % 11 != 0 {
        return Err("the prefix fails the Czech mod-11 check (a digit is mistyped)".into());
    }
    if weighted(number, &[6, 3, 7, 9, 10, 5, 8, 4, 2, 1]) % 11 != 0 {
        return Err("the number fails the Czech mod-11 check (a digit is mistyped)".into());
    }
    Ok(())
}

/// Country of an IBAN.
pub fn iban_country(i: &Iban) -> &str {
    i.country_code()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn indian_accounts() {
        assert!(india_account("51234567890").is_ok());
        assert!(india_account("00012345ABC").is_ok());
        assert!(india_account("12345678").is_err());
        assert!(india_account("1234 5678 90").is_err());
        assert!(india_account(&"1".repeat(36)).is_err());
    }

    #[test]
    fn nrb_check() {
        assert!(nrb("61109010140000071219812874").is_ok());
        assert!(nrb("61109010140000071219812875").is_err());
        assert!(nrb("6110901014").is_err());
    }

    #[test]
    fn ibans() {
        assert!(iban("DE89370400440532013000").is_ok());
        assert!(iban("DE89370400440532013001").is_err());
        assert!(iban("GB82WEST12345698765432").is_ok());
        assert!(iban("PL61109010140000071219812874").is_ok());
        assert!(iban("CZ6508000000192000145399").is_ok());
        assert!(iban("DE8937040044053201300").is_err());
    }

    #[test]
    fn iban_countries() {
        assert!(is_iban_country("DE"));
        // Pakistan uses IBANs (24 characters) though iban_validate 5.0.1 lacks it.
        assert!(uses_iban("PK") && !is_iban_country("PK"));
        assert_eq!(any_iban("PK36SCBL0000001123456702"), Ok(()));
        assert!(any_iban("PK36SCBL00000011234567").is_err());
        assert!(any_iban("PK37SCBL0000001123456702").is_err());
        assert!(any_iban("PK361CBL0000001123456702").is_err());
        assert_eq!(any_iban("DE89370400440532013000"), Ok(()));
        assert!(is_iban_country("PL"));
        assert!(!is_iban_country("US"));
        assert!(!is_iban_country("IN"));
    }

    #[test]
    fn czech_domestic() {
        assert!(cz_domestic("19-2000145399/0800").is_ok());
        assert!(cz_domestic("2000145399/0800").is_ok());
        assert!(cz_domestic("2000145398/0800").is_err());
        assert!(cz_domestic("19-2000145399").is_err());
        assert!(cz_domestic("19-2000145399/080").is_err());
    }

    proptest! {
        #[test]
        fn a_changed_digit_breaks_the_nrb(pos in 2usize..26, delta in 1u8..10) {
            let good = "61109010140000071219812874";
            let mut b = good.as_bytes().to_vec();
            b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            prop_assert!(nrb(std::str::from_utf8(&b).unwrap()).is_err());
        }

        #[test]
        fn czech_numbers_pass_exactly_when_mod_11_holds(base in "[0-9]{9}", bank in "[0-9]{4}") {
            let weights = [6u32, 3, 7, 9, 10, 5, 8, 4, 2, 1];
            for last in 0..10u32 {
                let number = format!("{base}{last}");
                let sum: u32 = number.bytes().zip(weights).map(|(b, w)| u32::from(b - b'0') * w).sum();
                let account = format!("{number}/{bank}");
                prop_assert_eq!(cz_domestic(&account).is_ok(), sum.is_multiple_of(11), "{}", account);
            }
        }

        #[test]
        fn account_checks_never_panic(s in "\\PC{0,40}") {
            let _ = india_account(&s);
            let _ = nrb(&s);
            let _ = iban(&s);
            let _ = cz_domestic(&s);
        }
    }
}
