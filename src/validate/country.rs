//! ISO 3166-1 alpha-2 country codes.

/// Every officially assigned ISO 3166-1 alpha-2 code (249), sorted.
const CODES: &[&str] = &[
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// Whether `code` (upper case) is an ISO 3166-1 alpha-2 country.
pub fn is_country(code: &str) -> bool {
    CODES.binary_search(&code).is_ok()
}

/// A BIC (SWIFT code): 4 letters of bank, a country, 2 letters or digits of location and an
/// optional 3 of branch: 8 or 11 characters. Returns its country.
pub fn bic(s: &str) -> Result<&str, String> {
    let b = s.as_bytes();
    if b.len() != 8 && b.len() != 11 {
        return Err(format!("must be 8 or 11 characters, not {}", b.len()));
    }
    let alnum = |x: &[u8]| {
        x.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    };
    if !b[..4].iter().all(u8::is_ascii_uppercase) || !alnum(&b[6..]) {
        return Err("must be 4 letters (bank), a country code, 2 letters or digits (place) and an optional 3 (branch)".into());
    }
    let country = &s[4..6];
    // SWIFT also assigns XK (Kosovo), which ISO 3166 has not.
    if !is_country(country) && country != "XK" {
        return Err(format!("'{country}' in it is not a country code"));
    }
    Ok(country)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_sorted_and_complete() {
        assert_eq!(CODES.len(), 249);
        assert!(CODES.windows(2).all(|w| w[0] < w[1]));
        assert!(is_country("PL") && is_country("CZ") && is_country("IN") && is_country("GB"));
        assert!(!is_country("UK") && !is_country("EU") && !is_country("pl"));
    }

    proptest::proptest! {
        #[test]
        fn a_bic_is_its_parts(bank in "[A-Z]{4}", i in 0usize..249, place in "[A-Z0-9]{2}", branch in proptest::option::of("[A-Z0-9]{3}")) {
            let country = CODES[i];
            let code = format!("{bank}{country}{place}{}", branch.clone().unwrap_or_default());
            proptest::prop_assert_eq!(bic(&code), Ok(country));
        }

        #[test]
        fn bic_never_panics(s in "\\PC{0,14}") {
            let _ = bic(&s);
            let _ = is_country(&s);
        }
    }

    #[test]
    fn bics() {
        assert_eq!(bic("DEUTDEFF"), Ok("DE"));
        assert_eq!(bic("BPKOPLPWXXX"), Ok("PL"));
        assert!(bic("DEUTDEF").is_err());
        assert!(bic("DEUTZZFF").is_err());
        assert!(bic("D3UTDEFF").is_err());
    }
}
