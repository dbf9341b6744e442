//! Rules for `payout` rows (PayU India direct transfers), with PayU's codes (payu.md §4.3).

use super::{Check, Currency, Val, contact, dates, ifsc};
use crate::payment::Rail;
use crate::rows::payout::*;

pub fn check(c: &mut Check) {
    c.reference(MERCHANT_REF_ID, "1001", "1001", 40);
    c.max_len(BATCH_ID, 40, "1003");
    let mode = payment_type(c);
    match mode {
        Some(Rail::Upi) => upi(c),
        Some(m) => bank(c, m),
        None => {}
    }
    name(c);
    if let Some(t) = c.text(BENEFICIARY_EMAIL)
        && let Err(why) = contact::email(t)
    {
        let n = c.name(BENEFICIARY_EMAIL);
        c.fail("1009", format!("{n} '{t}' {why}"));
    }
    if let Some(t) = c.text(BENEFICIARY_MOBILE)
        && let Err(why) = contact::india_mobile(t)
    {
        let n = c.name(BENEFICIARY_MOBILE);
        c.fail("1008", format!("{n} '{t}' {why}"));
    }
    amount(c, mode);
    purpose(c);
    scheduled(c);
    for f in [CUSTOM1, CUSTOM2, CUSTOM3] {
        c.max_len(f, 50, "1026");
    }
}

fn payment_type(c: &mut Check) -> Option<Rail> {
    let t = c.required(PAYMENT_TYPE, "1011", "write IMPS, NEFT, RTGS or UPI")?;
    let mode = Rail::ALL
        .into_iter()
        .find(|m| t.eq_ignore_ascii_case(m.name()));
    if mode.is_none() {
        let n = c.name(PAYMENT_TYPE);
        c.fail("1011", format!("{n} '{t}' must be IMPS, NEFT, RTGS or UPI"));
    }
    mode
}

fn bank(c: &mut Check, mode: Rail) {
    let m = mode.name();
    if let Some(t) = c.required(
        BENEFICIARY_ACCOUNT_NUMBER,
        "1004",
        "IMPS, NEFT and RTGS transfers need the beneficiary's account number",
    ) && let Err(why) = super::account::india_account(t)
    {
        let n = c.name(BENEFICIARY_ACCOUNT_NUMBER);
        c.fail("1004", format!("{n} '{t}' {why}"));
    }
    if let Some(t) = c.required(
        BENEFICIARY_IFSC_CODE,
        "1022",
        "IMPS, NEFT and RTGS transfers need the branch's IFSC, e.g. HDFC0001234",
    ) {
        let n = c.name(BENEFICIARY_IFSC_CODE);
        if !ifsc::has_pattern(t) {
            c.fail(
                "1022",
                format!("{n} '{t}' must be 11 characters: 4 letters, 0, then 6 letters or digits"),
            );
        } else {
            match ifsc::lookup(t) {
                ifsc::Ifsc::Known => {}
                ifsc::Ifsc::UnknownBank => c.fail(
                    "1005",
                    format!(
                        "{n} '{t}': no bank has the code {} (checked against the RBI list the tool ships)",
                        t[..4].to_ascii_uppercase()
                    ),
                ),
                ifsc::Ifsc::UnknownBranch => {
                    let bank = ifsc::bank_name(t).unwrap_or(&t[..4]);
                    c.warn(format!(
                        "{n} '{t}' is a {bank} code but not a branch in the tool's IFSC list; check it if the branch is not new"
                    ));
                }
            }
        }
    }
    if c.text(VPA).is_some() {
        let n = c.name(VPA);
        c.warn(format!(
            "{n} is not used for {m} transfers; the account number is"
        ));
    }
}

fn upi(c: &mut Check) {
    if let Some(t) = c.required(
        VPA,
        "1014",
        "UPI transfers need the beneficiary's UPI ID, e.g. name@okaxis",
    ) && let Err(why) = contact::vpa(t)
    {
        let n = c.name(VPA);
        c.fail("1014", format!("{n} '{t}' {why}"));
    }
    for f in [BENEFICIARY_ACCOUNT_NUMBER, BENEFICIARY_IFSC_CODE] {
        if c.text(f).is_some() {
            let n = c.name(f);
            c.warn(format!("{n} is not used for UPI transfers; the UPI ID is"));
        }
    }
}

fn name(c: &mut Check) {
    let Some(t) = c.required(
        BENEFICIARY_NAME,
        "1007",
        "write the name as the bank has it",
    ) else {
        return;
    };
    let allowed = |ch: char| ch.is_alphabetic() || matches!(ch, ' ' | '.' | '\'' | '-');
    // The usual name is plain ASCII: a walk over its bytes settles it.
    let ascii_ok = t.bytes().all(|b| allowed(char::from(b)) && b.is_ascii());
    if let Some(bad) = t.chars().find(|&ch| !ascii_ok && !allowed(ch)) {
        let n = c.name(BENEFICIARY_NAME);
        c.fail(
            "1007",
            format!("{n} '{t}' may hold only letters, spaces and . ' - (not '{bad}')"),
        );
    }
    c.max_len(BENEFICIARY_NAME, 100, "1007");
}

fn amount(c: &mut Check, mode: Option<Rail>) {
    let Some(v) = c.amount(AMOUNT, "1006", Currency::Inr) else {
        return;
    };
    c.verdict.amount = Some((v, Currency::Inr));
    let rules = &c.ctx.rules;
    let limit = match mode {
        Some(Rail::Imps) if v > rules.imps_max => Some(format!(
            "IMPS transfers are at most ₹{}; use NEFT or RTGS",
            rules.imps_max
        )),
        Some(Rail::Upi) if v > rules.upi_max => Some(format!(
            "UPI transfers are at most ₹{}; use a bank transfer",
            rules.upi_max
        )),
        Some(Rail::Rtgs) if v < rules.rtgs_min => Some(format!(
            "RTGS transfers are at least ₹{}; use IMPS or NEFT",
            rules.rtgs_min
        )),
        _ => None,
    };
    if let Some(why) = limit {
        let n = c.name(AMOUNT);
        let text = c.text(AMOUNT).unwrap_or_default();
        c.fail("1006", format!("{n} '{text}': {why}"));
    }
}

fn purpose(c: &mut Check) {
    let Some(t) = c.required(
        PURPOSE,
        "1010",
        "say what the payment is for, e.g. Salary November",
    ) else {
        return;
    };
    if !t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ') {
        let n = c.name(PURPOSE);
        c.fail(
            "1010",
            format!("{n} '{t}' may hold only letters, digits and spaces"),
        );
    }
    c.max_len(PURPOSE, 50, "1010");
}

fn scheduled(c: &mut Check) {
    let Val::Text(t) = c.val(SCHEDULED_TIME) else {
        return;
    };
    let n = c.name(SCHEDULED_TIME);
    match dates::scheduled_time(t) {
        None => c.fail(
            "1018",
            format!(
                "{n} '{t}' must be written yyyy-MM-dd HH:mm:ss (IST), e.g. 2026-12-01 10:00:00"
            ),
        ),
        Some(when) if when <= c.ctx.now => c.fail("1019", format!("{n} '{t}' is in the past")),
        Some(_) => {}
    }
}
