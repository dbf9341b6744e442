//! Mobiles, e-mail addresses and UPI IDs.

/// A 10-digit Indian mobile, as PayU wants it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mobile([u8; 10]);

impl Mobile {
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("a Mobile holds ASCII digits only")
    }
}

/// An Indian mobile as PayU wants it: 10 digits starting 6–9, after removing `+91`, `91`, a
/// leading `0`, spaces and dashes.
pub fn india_mobile(s: &str) -> Result<Mobile, String> {
    let bad = || {
        Err("must be a 10-digit Indian mobile starting with 6, 7, 8 or 9 (a +91 or 0 prefix is fine)".to_owned())
    };
    let b = s.as_bytes();
    if b.len() == 10 && b.iter().all(u8::is_ascii_digit) && (b'6'..=b'9').contains(&b[0]) {
        let mut m = [0u8; 10];
        m.copy_from_slice(b);
        return Ok(Mobile(m));
    }
    // Up to 16 significant characters, on the stack: this runs for every row.
    let mut buf = [0u8; 16];
    let mut n = 0;
    for c in s
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '\u{a0}'))
    {
        if n == buf.len() || !(c.is_ascii_digit() || (c == '+' && n == 0)) {
            return bad();
        }
        buf[n] = c as u8;
        n += 1;
    }
    let mut digits = &buf[..n];
    if let Some(rest) = digits.strip_prefix(b"+91") {
        digits = rest;
    } else if digits.len() == 12 && digits.starts_with(b"91") {
        digits = &digits[2..];
    } else if digits.len() == 11 && digits[0] == b'0' {
        digits = &digits[1..];
    }
    if digits.len() == 10
        && digits.iter().all(u8::is_ascii_digit)
        && (b'6'..=b'9').contains(&digits[0])
    {
        let mut m = [0u8; 10];
        m.copy_from_slice(digits);
        Ok(Mobile(m))
    } else {
        bad()
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
        for written in [
            "9876473627",
            "+91 98764-73627",
            "919876473627",
            "09876473627",
        ] {
            assert_eq!(
                india_mobile(written).unwrap().as_str(),
                "9876473627",
                "{written}"
            );
        }
        assert!(india_mobile("+9198764736271").is_err());
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
                let got = india_mobile(&written).unwrap();
                prop_assert_eq!(got.as_str(), m.as_str());
            }
        }

        #[test]
        fn generated_vpas_pass(h in "[a-z0-9]([a-z0-9._-]{0,10}[a-z0-9])?", p in "[a-z]{2,10}") {
            let v = format!("{}@{}", h, p);
            prop_assert!(vpa(&v).is_ok(), "{}", v);
        }

        #[test]
        fn plausible_emails_pass(local in "[a-z0-9][a-z0-9._+-]{0,20}", host in "[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", tld in "[a-z]{2,6}") {
            let address = format!("{}@{}.{}", local, host, tld);
            prop_assert!(email(&address).is_ok(), "{}", address);
            let spaced = format!("{} {}", local, address);
            prop_assert!(email(&spaced).is_err());
        }

        #[test]
        fn contact_checks_never_panic(s in "\\PC{0,40}") {
            let _ = india_mobile(&s);
            let _ = email(&s);
            let _ = vpa(&s);
        }
    }
}
