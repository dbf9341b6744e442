//! Rules for `smart-send` rows (PayU India payout links), with PayU's codes (payu.md §13).

use chrono::Duration;

use super::{Check, Currency, contact, dates};
use crate::rows::smart_send::*;

pub fn check(c: &mut Check) {
    c.reference(MERCHANT_REF_ID, "1101", "1102", 40);
    if let Some(v) = c.amount(AMOUNT, "1104", Currency::Inr) {
        c.verdict.amount = Some((v, Currency::Inr));
    }
    c.required(CUST_NAME, "1007", "write the payee's name");
    c.max_len(CUST_NAME, 100, "1007");
    let mobile = c.val(CUST_MOBILE);
    let email = c.val(CUST_EMAIL);
    if mobile == super::Val::Missing && email == super::Val::Missing {
        let (m, e) = (c.name(CUST_MOBILE), c.name(CUST_EMAIL));
        c.fail("1108", format!("{m} and {e} are both empty: the link goes to a mobile or an e-mail, so give at least one"));
    }
    if let Some(t) = c.text(CUST_MOBILE)
        && let Err(why) = contact::india_mobile(t)
    {
        let n = c.name(CUST_MOBILE);
        c.fail("1105", format!("{n} '{t}' {why}"));
    }
    if let Some(t) = c.text(CUST_EMAIL)
        && let Err(why) = contact::email(t)
    {
        let n = c.name(CUST_EMAIL);
        c.fail("1106", format!("{n} '{t}' {why}"));
    }
    c.required(DESCRIPTION, "1114", "say what the payment is for");
    c.max_len(DESCRIPTION, 100, "1114");
    if let Some(t) = c.text(EXPIRY_DATE) {
        let n = c.name(EXPIRY_DATE);
        let minutes = c.ctx.rules.expiry_min_minutes;
        match dates::expiry(t) {
            None => c.fail(
                "1121",
                format!("{n} '{t}' must be a date (2026-12-31) or a date-time (2026-12-31 18:00:00, IST)"),
            ),
            Some(when) if when < c.ctx.now + Duration::minutes(minutes) => c.fail(
                "1121",
                format!("{n} '{t}' must be at least {minutes} minutes from now"),
            ),
            Some(_) => {}
        }
    }
}
