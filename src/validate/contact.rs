//! Mobiles, e-mail addresses and UPI IDs.

/// An Indian mobile as PayU wants it: 10 digits starting 6–9, after removing `+91`, `91`, a
/// leading `0`, spaces and dashes.
pub fn india_mobile(s: &str) -> Result<String, String> {
    let mut digits: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '\u{a0}'))
        .collect();
    if let Some(rest) = digits.strip_prefix("+91") {
        digits = rest.to_owned();
    } else if digits.len() == 12 && digits.starts_with("91") {
        digits.drain(..2);
    } else if digits.len() == 11 && digits.starts_with('0') {
        digits.drain(..1);
    }
    let b = digits.as_bytes();
    if b.len() == 10 && b.iter().all(u8::is_ascii_digit) && (b'6'..=b'9').contains(&b[0]) {
        Ok(digits)
    } else {
        Err("must be a 10-digit Indian mobile starting with 6, 7, 8 or 9 (a +91 or 0 prefix is fine)".into())
    }
}

/// A plausible e-mail address: one `@`, something before it, a dotted domain after it.
pub fn email(s: &str) -> Result<(), String> {
    let bad = || Err("is not an e-mail address like name@example.com".to_owned());
    if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad();
    }
    let Some((local, domain)) = s.split_once('@') else {
        return bad();
    };
    if local.is_empty() || local.len() > 64 || domain.contains('@') {
        return bad();
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let tld_ok = labels
        .last()
        .is_some_and(|t| t.len() >= 2 && t.chars().all(char::is_alphabetic));
    if labels.len() < 2 || !labels.iter().all(label_ok) || !tld_ok {
        return bad();
    }
    Ok(())
}

/// A UPI ID (VPA): `handle@psp`, one `@`, letters, digits, `.`, `-`, `_`, and neither part
/// starting or ending with punctuation.
pub fn vpa(s: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("is not a UPI ID like name@bank: {why}"));
    let Some((handle, psp)) = s.split_once('@') else {
        return bad("it has no '@'");
    };
    if psp.contains('@') {
        return bad("it has more than one '@'");
    }
    for part in [handle, psp] {
        if part.is_empty() {
            return bad("a part around '@' is empty");
        }
        if !part
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            return bad("only letters, digits, '.', '-' and '_' are allowed");
        }
        let edge = |c: Option<char>| c.is_some_and(|c| !c.is_ascii_alphanumeric());
        if edge(part.chars().next()) || edge(part.chars().last()) {
            return bad("a part starts or ends with punctuation");
        }
    }
    if s.len() > 255 {
        return bad("it is longer than 255 characters");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn mobiles() {
        assert_eq!(india_mobile("9876473627").unwrap(), "9876473627");
        assert_eq!(india_mobile("+91 98764-73627").unwrap(), "9876473627");
        assert_eq!(india_mobile("919876473627").unwrap(), "9876473627");
        assert_eq!(india_mobile("09876473627").unwrap(), "9876473627");
        assert!(india_mobile("5876473627").is_err());
        assert!(india_mobile("987647362").is_err());
        assert!(india_mobile("98764736x7").is_err());
    }

    #[test]
    fn emails() {
        assert!(email("payu@payu.in").is_ok());
        assert!(email("a.b+c@mail.example.co.in").is_ok());
        assert!(email("payu.in").is_err());
        assert!(email("a@b").is_err());
        assert!(email("a b@c.in").is_err());
        assert!(email("a@@c.in").is_err());
        assert!(email("@c.in").is_err());
    }

    #[test]
    fn vpas() {
        assert!(vpa("ankush.pokarana@ybl").is_ok());
        assert!(vpa("kk@okaxis").is_ok());
        assert!(vpa("9999999999@upi").is_ok());
        assert!(vpa("kk@ok@axis").is_err());
        assert!(vpa(".kk@okaxis").is_err());
        assert!(vpa("kk.@okaxis").is_err());
        assert!(vpa("kk okaxis").is_err());
        assert!(vpa("kk@").is_err());
    }

    proptest! {
        #[test]
        fn any_valid_mobile_survives_its_prefixes(first in 6u8..10, rest in "[0-9]{9}") {
            let m = format!("{first}{rest}");
            for written in [m.clone(), format!("+91{m}"), format!("91{m}"), format!("0{m}"), format!("+91 {}-{}", &m[..5], &m[5..])] {
                prop_assert_eq!(india_mobile(&written).unwrap(), m.clone());
            }
        }

        #[test]
        fn generated_vpas_pass(h in "[a-z0-9]([a-z0-9._-]{0,10}[a-z0-9])?", p in "[a-z]{2,10}") {
            let v = format!("{}@{}", h, p);
            prop_assert!(vpa(&v).is_ok(), "{}", v);
        }

        #[test]
        fn contact_checks_never_panic(s in "\\PC{0,40}") {
            let _ = india_mobile(&s);
            let _ = email(&s);
            let _ = vpa(&s);
        }
    }
}
