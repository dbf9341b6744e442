//! PayU's rules for the fields of the requests the sandbox serves, written from PayU's own
//! documents (payu.md §4.1, §12.2, §16.3, §17) in PayU's terms, and on purpose not taken from
//! the tool's validators: a rule the tool reads wrongly must not be read wrongly here too, or
//! no test could catch it (`tests/disagree.rs` runs the sample sheets through both and lists
//! where they differ). Each function answers only whether PayU would take the value; the
//! handlers choose PayU's code for it.
//!
//! Where PayU's documents are silent the sandbox is lenient (it accepts), so that a stricter
//! rule of the tool's shows up as a disagreement that has to be explained.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use rust_decimal::Decimal;

/// India Standard Time, UTC+05:30: PayU India's dates without a zone (a `scheduledTime`, the
/// chargeback token's `expires_at`, the `from`/`to` days of listTransactions).
pub(super) fn ist() -> FixedOffset {
    FixedOffset::east_opt(5 * 3600 + 30 * 60).expect("UTC+05:30 is a valid offset")
}

// ---- PayU India: Initiate Transfer (§4.1) and the validator facts (§17).

/// `merchantRefId` and `batchId`: at most 40 characters (§4.1; PayU documents no character
/// set for either).
pub(super) fn within_40(text: &str) -> bool {
    text.chars().count() <= 40
}

/// `custom1`–`custom3`: at most 50 characters each (§4.1, code 1026).
pub(super) fn custom_field(text: &str) -> bool {
    text.chars().count() <= 50
}

/// `beneficiaryAccountNumber`: "min 9, max 35 chars" (§4.1). PayU names no character set;
/// an account number is letters and digits, so a space or a punctuation mark is refused.
pub(super) fn account_number(text: &str) -> bool {
    (9..=35).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// `beneficiaryIfscCode`'s pattern (§17, code 1022): 11 characters, four letters for the bank,
/// the reserved `0`, six letters or digits for the branch; either case. The sandbox carries
/// no list of banks, so it never answers 1005 INVALID IFSC CODE.
pub(super) fn ifsc_pattern(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 11
        && b[..4].iter().all(u8::is_ascii_alphabetic)
        && b[4] == b'0'
        && b[5..].iter().all(u8::is_ascii_alphanumeric)
}

/// A UPI `vpa`, `handle@psp` (§17, codes 1013 and 1014): exactly one `@`; the handle of
/// letters, digits, `.`, `-` and `_`, neither starting nor ending with one of the marks; the
/// PSP of letters. Lengths as the common choice §17 gives: handle 2–256, PSP 2–64.
pub(super) fn vpa(text: &str) -> bool {
    let Some((handle, psp)) = text.split_once('@') else {
        return false;
    };
    let mark = |b: &u8| matches!(b, b'.' | b'-' | b'_');
    let h = handle.as_bytes();
    (2..=256).contains(&h.len())
        && h.iter().all(|b| b.is_ascii_alphanumeric() || mark(b))
        && !mark(&h[0])
        && !mark(&h[h.len() - 1])
        && (2..=64).contains(&psp.len())
        && psp.bytes().all(|b| b.is_ascii_alphabetic())
}

/// An Indian mobile as PayU's samples write it: ten digits, the first 6–9 (§17, code 1008
/// for a transfer, 1105 for a link). A `+91` or `0` in front is the sender's to remove.
pub(super) fn mobile(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10 && matches!(b[0], b'6'..=b'9') && b.iter().all(u8::is_ascii_digit)
}

/// An email address (codes 1009 and 1106; PayU documents no rule): one `@`, something before
/// it, and a domain of at least two dot-separated labels of letters, digits and `-`; no
/// spaces.
pub(super) fn email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let labels: Vec<&str> = domain.split('.').collect();
    !local.is_empty()
        && !local.chars().any(|c| c.is_whitespace() || c == '@')
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

/// An amount in rupees: `Double(20,2)` (§4.1): more than zero, at most two decimals, at most
/// eighteen digits before the point. PayU publishes no per-mode limits (§17: codes 1032 and
/// 1128 exist, their values do not), so none is applied.
pub(super) fn rupees(amount: Decimal) -> bool {
    let plain = amount.normalize();
    amount > Decimal::ZERO && plain.scale() <= 2 && plain.trunc() < Decimal::from(10u64.pow(18))
}

/// `purpose`: "Only alphanumeric characters are allowed", and PayU's own sample has spaces
/// (§4.1, code 1010). No length is documented.
pub(super) fn purpose(text: &str) -> bool {
    !text.trim().is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ')
}

/// Why a `scheduledTime` is refused: its format (1018) or its moment (1019).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Schedule {
    Format,
    Past,
}

/// A `scheduledTime`, `yyyy-MM-dd HH:mm:ss` (§4.1), read in IST (PayU's zone, though it does
/// not say so): it must be after `now`.
pub(super) fn scheduled_time(text: &str, now: DateTime<Utc>) -> Result<(), Schedule> {
    let at = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .ok()
        .filter(|_| text.len() == 19)
        .and_then(|naive| ist().from_local_datetime(&naive).single())
        .ok_or(Schedule::Format)?;
    if at.with_timezone(&Utc) > now {
        Ok(())
    } else {
        Err(Schedule::Past)
    }
}

// ---- PayU India Smart Send (§12.2, §13).

/// A link's `merchantRefId` (1101): letters, digits, `-` and `_`, not empty. Its length
/// (1102) is [`within_40`], the limit §14 gives for every `merchantRefId`.
pub(super) fn link_reference(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A link's `description` (1114): required. Its length is undocumented; the sandbox allows
/// 100 characters.
pub(super) fn link_description(text: &str) -> bool {
    !text.trim().is_empty() && text.chars().count() <= 100
}

/// A link's `expiryDate` in PayU's format, `yyyy-MM-dd'T'HH:mm:ss.000Z` (§12.2, code 1121):
/// the moment, if it is one.
pub(super) fn expiry_date(text: &str) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.3fZ").ok()?;
    // `%.3f` also takes no fraction or another number of digits: PayU's has exactly three.
    (text.len() == 24).then(|| Utc.from_utc_datetime(&naive))
}

// ---- PayU Europe (§16.3, §16.7).

/// `payout.extPayoutId`: 1–64 characters, unique per shop (§16.3).
pub(super) fn ext_payout_id(text: &str) -> bool {
    (1..=64).contains(&text.chars().count())
}

/// An account number as PayU reads it: without spaces (PayU's samples write NRBs and IBANs
/// both ways).
pub(super) fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Whether `number` (compacted) is written as an IBAN: two letters, two check digits.
pub(super) fn iban_shaped(number: &str) -> bool {
    let b = number.as_bytes();
    b.len() > 4
        && b[..2].iter().all(u8::is_ascii_alphabetic)
        && b[2..4].iter().all(u8::is_ascii_digit)
}

/// Whether an IBAN holds together: its country's length and structure and its mod-97 check
/// digits (ISO 13616, through the `iban_validate` crate).
pub(super) fn iban(number: &str) -> bool {
    number.to_ascii_uppercase().parse::<iban::Iban>().is_ok()
}

/// A SWIFT code (BIC, ISO 9362): four letters for the bank, two for the country, two letters
/// or digits for the place, and optionally three for the branch. Its length beyond 11 is
/// 8319, checked before this.
pub(super) fn bic(text: &str) -> bool {
    let b = text.as_bytes();
    matches!(b.len(), 8 | 11)
        && b[..6].iter().all(u8::is_ascii_alphabetic)
        && b[6..].iter().all(u8::is_ascii_alphanumeric)
}

/// A card number PayU can pay to: 12 to 19 digits with a valid Luhn check digit (ISO/IEC
/// 7812).
pub(super) fn card_number(number: &str) -> bool {
    if !(12..=19).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = number
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let twice = d * 2;
                if twice > 9 { twice - 9 } else { twice }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A card number as the ledger shows it: the first six and last four digits.
pub(super) fn masked_card(number: &str) -> String {
    let n = number.len();
    if n <= 10 {
        return "*".repeat(n);
    }
    format!("{}{}{}", &number[..6], "*".repeat(n - 10), &number[n - 4..])
}

/// An ISO 3166 country code, as the address fields take it (§16.3): two letters. More than
/// two is one of PayU's `*_COUNTRY_CODE_TOO_LONG` codes (8323, 8333).
pub(super) fn country_code_too_long(text: &str) -> bool {
    text.chars().count() > 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payus_own_examples_pass() {
        // The values of PayU's documents and samples (payu.md §4.1, §4.5, §16.3, §17).
        assert!(account_number("51234567890"));
        assert!(ifsc_pattern("HDFC0001234") && ifsc_pattern("IBKL0070T16"));
        assert!(ifsc_pattern("yesb0cmsnoc"));
        assert!(vpa("ankush.pokarana@ybl") && vpa("kk@okaxis") && vpa("9999999999@upi"));
        assert!(mobile("9876473627"));
        assert!(email("payu@payu.in"));
        assert!(purpose("Payment from Company"));
        assert!(rupees(Decimal::new(123412, 2)));
        assert!(iban("DE89370400440532013000") && iban("PL61109010140000071219812874"));
        assert!(bic("DEUTDEFF") && bic("COBADEFFXXX"));
        assert!(card_number("4655413107713609") && card_number("4302193177728334"));
        assert!(expiry_date("2021-07-24T18:18:10.000Z").is_some());
    }

    #[test]
    fn what_payu_refuses_is_refused() {
        assert!(!account_number("12345") && !account_number("5.01002E+13"));
        assert!(!account_number(&"1".repeat(36)));
        assert!(!ifsc_pattern("HDFC001234") && !ifsc_pattern("HDFC1001234"));
        assert!(!vpa("rohit@@ybl") && !vpa(".rohit@ybl") && !vpa("rohit@") && !vpa("rohit"));
        assert!(!mobile("12345") && !mobile("+919876473627") && !mobile("5876473627"));
        assert!(!email("rohan@mail") && !email("nisha@") && !email("a b@example.in"));
        assert!(!purpose("Rent (Nov)") && !purpose("  "));
        assert!(!rupees(Decimal::ZERO) && !rupees(Decimal::new(1000555, 3)));
        assert!(!rupees(Decimal::new(-500, 0)));
        assert!(!iban("DE89370400440532013001"));
        assert!(!bic("DEUTDEFFXXXX") && !bic("DEUT1EFF"));
        assert!(!card_number("4655413107713608") && !card_number("46554131077136O9"));
        assert!(expiry_date("2099-12-31").is_none() && expiry_date("31/12/2026").is_none());
        assert!(expiry_date("2099-12-31T10:00:00Z").is_none());
    }

    #[test]
    fn a_schedule_is_in_ist_and_ahead() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 4, 0, 0).unwrap();
        // 09:30 IST is 04:00 UTC: not after now.
        assert_eq!(
            scheduled_time("2026-12-01 09:30:00", now),
            Err(Schedule::Past)
        );
        assert_eq!(scheduled_time("2026-12-01 09:30:01", now), Ok(()));
        assert_eq!(
            scheduled_time("01/12/2026 10:00", now),
            Err(Schedule::Format)
        );
    }

    #[test]
    fn a_card_is_masked_to_its_first_six_and_last_four() {
        assert_eq!(masked_card("4655413107713609"), "465541******3609");
    }

    #[test]
    fn no_file_of_the_sandbox_borrows_the_tools_validators_or_readers() {
        // The point of this module: the sandbox's rules are its own (issue 11), and so is its
        // reading of a Bulk Smart Send file (not the tool's sheet reader or header map). Found
        // by reading the sources, so a new `use` of them anywhere under src/sandbox fails here.
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sandbox");
        // Spelled in pieces, so that this file does not find itself.
        let word = "validate";
        let forbidden = [
            format!("crate::{word}"),
            format!("{word}::"),
            format!("{{{word},"),
            format!(",{word},"),
            format!(",{word}}}"),
            format!("crate::{}", "rows"),
            format!("crate::{}", "sheet"),
        ];
        let mut offenders = Vec::new();
        for entry in std::fs::read_dir(&folder).expect("src/sandbox is readable") {
            let path = entry.expect("a folder entry").path();
            let text = std::fs::read_to_string(&path).expect("a source file");
            let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            if forbidden.iter().any(|f| flat.contains(f.as_str())) {
                offenders.push(path.file_name().map(|n| n.to_string_lossy().into_owned()));
            }
        }
        assert!(
            offenders.is_empty(),
            "these use the tool's validators or readers: {offenders:?}"
        );
    }
}
