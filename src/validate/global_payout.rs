//! Rules for `global-payout` rows (PayU Europe), with PayU's codes (payu.md §16.7).
//!
//! A row pays to exactly one destination: the shop's own account (no destination columns),
//! a bank account (domestic or foreign), a postal order, a card token or a card number.

use super::{Check, Currency, Val, account, card, country};
use crate::rows::global_payout::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Destination {
    Shop,
    Bank { foreign: bool },
    Postal,
    Token,
    Card,
}

pub fn check(c: &mut Check) {
    if c.val(SHOP_ID) == Val::Missing && c.ctx.rules.default_shop_id.is_none() {
        let n = c.name(SHOP_ID);
        c.fail(
            "8361",
            format!("{n} is empty and no default shop is configured: give the PayU shop id"),
        );
    }
    if c.required(
        EXT_PAYOUT_ID,
        "EXT_PAYOUT_ID",
        "every row needs its own reference, so that a re-run never pays it twice",
    )
    .is_some()
    {
        c.max_len(EXT_PAYOUT_ID, 64, "EXT_PAYOUT_ID");
    }
    let currency = currency(c);
    let foreign_flag = flag(c, FOREIGN);
    let postal = flag(c, POSTAL_ORDER);
    let payout_all = flag(c, PAYOUT_ALL);
    let Some(dest) = destination(c, currency, foreign_flag, postal) else {
        amount(c, currency, payout_all, None);
        return;
    };
    amount(c, currency, payout_all, Some(dest));
    description(c);
    variable_symbol(c, currency);
    if dest != Destination::Shop {
        c.required_within(
            CUSTOMER_NAME,
            "8302",
            "give the recipient's name",
            c.ctx.rules.eu_text_max,
            "8326",
        );
    }
    match dest {
        Destination::Shop => {}
        Destination::Bank { foreign } => bank(c, currency, foreign),
        Destination::Postal => postal_order(c, currency),
        Destination::Token => {
            if let Some(t) = c.text(CARD_TOKEN) {
                let ok = t.strip_prefix("TOKC_").is_some_and(|rest| {
                    !rest.is_empty() && rest.chars().all(|ch| ch.is_ascii_alphanumeric())
                });
                if !ok {
                    let n = c.name(CARD_TOKEN);
                    c.fail("8362", format!("{n} '{t}' must be a PayU card token: TOKC_ followed by letters and digits"));
                }
            }
        }
        Destination::Card => card_number(c),
    }
}

fn currency(c: &mut Check) -> Currency {
    let Val::Text(t) = c.val(CURRENCY) else {
        return Currency::Pln;
    };
    match Currency::from_code(t) {
        Some(cur) if cur != Currency::Inr => cur,
        _ => {
            let n = c.name(CURRENCY);
            c.fail("8336", format!("{n} '{t}' must be PLN, CZK or EUR"));
            Currency::Pln
        }
    }
}

/// yes/no, true/false, 1/0, y/n (Excel's TRUE/FALSE too); empty is no.
fn flag(c: &mut Check, field: usize) -> bool {
    let Val::Text(t) = c.val(field) else {
        return false;
    };
    match t.to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "1" => true,
        "no" | "n" | "false" | "0" => false,
        _ => {
            let n = c.name(field);
            c.fail(
                "FLAG_VALUE",
                format!("{n} '{t}' must be yes or no (true/false, 1/0, y/n)"),
            );
            false
        }
    }
}

fn destination(
    c: &mut Check,
    currency: Currency,
    foreign_flag: bool,
    postal: bool,
) -> Option<Destination> {
    let present = |c: &Check, f: usize| c.val(f) != Val::Missing;
    let bank_fields = [
        ACCOUNT_NUMBER,
        BANK_NAME,
        SWIFT_CODE,
        BANK_STREET,
        BANK_POSTAL_CODE,
        BANK_CITY,
        BANK_COUNTRY,
    ];
    // A payout to the shop's own account names no recipient: a row that names one (the
    // customer's name) and no card, token or postal order is a bank payout, whose missing
    // account number is then 8301, never read as the shop's account.
    let recipient =
        present(c, CUSTOMER_NAME) && !present(c, CARD_NUMBER) && !present(c, CARD_TOKEN) && !postal;
    let bank = foreign_flag || recipient || bank_fields.iter().any(|&f| present(c, f));
    let mut named = Vec::new();
    if present(c, CARD_NUMBER) {
        named.push((Destination::Card, c.name(CARD_NUMBER).to_owned()));
    }
    if present(c, CARD_TOKEN) {
        named.push((Destination::Token, c.name(CARD_TOKEN).to_owned()));
    }
    if postal {
        named.push((Destination::Postal, c.name(POSTAL_ORDER).to_owned()));
    }
    if bank {
        let foreign = foreign_flag || currency == Currency::Eur;
        named.push((
            Destination::Bank { foreign },
            c.name(ACCOUNT_NUMBER).to_owned(),
        ));
    }
    match named.as_slice() {
        [] => Some(Destination::Shop),
        [(d, _)] => Some(*d),
        many => {
            let names: Vec<String> = many.iter().map(|(_, n)| n.clone()).collect();
            c.fail(
                "8355",
                format!(
                    "the row names more than one destination ({}): a payout goes to one bank account, postal order or card; split it or clear the others",
                    names.join(", ")
                ),
            );
            None
        }
    }
}

fn amount(c: &mut Check, currency: Currency, payout_all: bool, dest: Option<Destination>) {
    let major = c.val(AMOUNT);
    let minor = c.val(AMOUNT_MINOR);
    let (a, m) = (c.name(AMOUNT), c.name(AMOUNT_MINOR));
    if payout_all {
        let p = c.name(PAYOUT_ALL);
        if major != Val::Missing || minor != Val::Missing {
            c.fail(
                "8350",
                format!(
                    "{p} asks for the whole balance but the row also gives an amount; keep one"
                ),
            );
        } else if dest.is_some_and(|d| d != Destination::Shop) {
            c.fail("8300", format!("{p} (the whole balance) only pays to the shop's own account; give {a} for this payout"));
        }
        return;
    }
    if major == Val::Missing && minor == Val::Missing {
        c.fail("8300", format!("{a} is empty: give the amount to pay (or set a payoutAll column to yes to pay out the whole balance)"));
        return;
    }
    let from_major = match major {
        Val::Missing => None,
        // Read exactly, or INVALID: an amount the tool cannot send exactly is never dropped
        // from the request (PayU reads no amount as the whole balance).
        _ => match c.amount(AMOUNT, "8350", currency) {
            None => return,
            Some(v) => match currency.to_minor(v) {
                Some(m) => Some(m),
                None => {
                    let t = c.text(AMOUNT).unwrap_or_default();
                    c.fail(
                        "8350",
                        format!(
                            "{a} '{t}' cannot be sent exactly as a whole number of {}",
                            minor_unit(currency)
                        ),
                    );
                    return;
                }
            },
        },
    };
    let from_minor = match minor {
        Val::Text(t) => {
            // Digits counted first: a number too long for the minor units is refused, never
            // wrapped (15 digits of major units and the currency's decimals).
            let max_digits = super::amount::MAX_INTEGER_DIGITS + currency.decimals() as usize;
            let parsed = (t.bytes().all(|b| b.is_ascii_digit())
                && t.trim_start_matches('0').len() <= max_digits)
                .then(|| t.parse::<i64>().ok())
                .flatten()
                .filter(|&v| v > 0);
            match parsed {
                Some(v) => {
                    let value = rust_decimal::Decimal::new(v, currency.decimals());
                    if !c.within_ceiling(AMOUNT_MINOR, value, currency) {
                        return;
                    }
                    Some(v)
                }
                None => {
                    c.fail(
                        "8350",
                        format!(
                            "{m} '{t}' must be a whole number of {} greater than 0, of at most {max_digits} digits",
                            minor_unit(currency)
                        ),
                    );
                    return;
                }
            }
        }
        Val::Bad => return,
        Val::Missing => None,
    };
    if let (Some(x), Some(y)) = (from_major, from_minor)
        && x != y
    {
        c.fail(
            "8350",
            format!("{a} and {m} disagree: {x} and {y} {}", minor_unit(currency)),
        );
        return;
    }
    match from_major.or(from_minor) {
        Some(v) => {
            let value = rust_decimal::Decimal::new(v, currency.decimals());
            c.verdict.amount = Some((value.normalize(), currency));
        }
        // The amount cell is there but unusable (an error cell, Excel damage): its problem is
        // recorded; never a payout without an amount.
        None => {
            if c.verdict.problems.is_empty() {
                c.fail(
                    "8300",
                    format!("{a} cannot be read: give the amount to pay"),
                );
            }
        }
    }
}

fn minor_unit(currency: Currency) -> &'static str {
    match currency {
        Currency::Pln => "grosz",
        Currency::Czk => "haléř",
        Currency::Eur => "cents",
        Currency::Inr => "paise",
    }
}

fn description(c: &mut Check) {
    c.max_len(DESCRIPTION, c.ctx.rules.eu_description_max, "8316");
    if let Some(t) = c.text(DESCRIPTION)
        && t.chars().any(char::is_control)
    {
        let n = c.name(DESCRIPTION);
        c.fail(
            "8334",
            format!("{n} holds a line break or control character; write it on one line"),
        );
    }
}

fn variable_symbol(c: &mut Check, currency: Currency) {
    let Some(t) = c.text(ADDITIONAL_VARIABLES) else {
        return;
    };
    let n = c.name(ADDITIONAL_VARIABLES);
    let ok = t
        .strip_prefix("VS=")
        .is_some_and(|d| (1..=10).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()));
    if !ok {
        c.fail(
            "VARIABLE_SYMBOL",
            format!("{n} '{t}' must be VS= followed by 1 to 10 digits, e.g. VS=888111"),
        );
    }
    let czech_account = c
        .text(ACCOUNT_NUMBER)
        .is_some_and(|a| account::compact(a).starts_with("CZ") || a.contains('/'));
    if currency != Currency::Czk && !czech_account {
        c.fail(
            "VARIABLE_SYMBOL",
            format!("{n}: a variable symbol is only for payouts to Czech accounts"),
        );
    }
}

fn bank(c: &mut Check, currency: Currency, foreign: bool) {
    // Through the context's own reference, so that `c` stays free to record problems.
    let ctx = c.ctx;
    let rules = &ctx.rules;
    if let Some(t) = c.required(
        ACCOUNT_NUMBER,
        "8301",
        "give the account number (an IBAN, NRB or Czech account)",
    ) {
        let n = c.name(ACCOUNT_NUMBER);
        let compact = account::compact(t);
        if compact.len() > 34 {
            c.fail(
                "8317",
                format!(
                    "{n} '{t}' is {} characters long; an account number has at most 34",
                    compact.len()
                ),
            );
        } else if foreign {
            foreign_account(c, t, &compact);
        } else {
            let result = match currency {
                Currency::Czk if account::looks_like_iban(&compact) => account::iban(&compact).and_then(|i| {
                    if i.to_string().starts_with("CZ") { Ok(()) } else { Err("a CZK payout within Czechia goes to a Czech (CZ) IBAN; for another country mark the row foreign".into()) }
                }),
                Currency::Czk => account::cz_domestic(t),
                _ if account::looks_like_iban(&compact) => account::iban(&compact).and_then(|i| {
                    if account::iban_country(&i) == "PL" { Ok(()) } else { Err("a PLN payout within Poland goes to a Polish NRB or PL IBAN; for another country mark the row foreign".into()) }
                }),
                _ => account::nrb(&compact),
            };
            if let Err(why) = result {
                c.fail("8351", format!("{n} '{t}': {why}"));
            }
        }
    }
    if !foreign {
        return;
    }
    c.required_within(
        BANK_NAME,
        "8303",
        "foreign payouts need the bank's name",
        rules.eu_text_max,
        "8318",
    );
    swift(c);
    c.required_within(
        CUSTOMER_STREET,
        "8309",
        "foreign payouts need the recipient's street",
        rules.eu_text_max,
        "8320",
    );
    c.required_within(
        CUSTOMER_CITY,
        "8310",
        "foreign payouts need the recipient's city",
        rules.eu_text_max,
        "8322",
    );
    country_code(
        c,
        CUSTOMER_COUNTRY,
        "8311",
        "8323",
        "foreign payouts need the recipient's country, e.g. DE",
    );
    let bank_address = [BANK_STREET, BANK_POSTAL_CODE, BANK_CITY, BANK_COUNTRY];
    if bank_address.iter().all(|&f| c.val(f) == Val::Missing) {
        c.fail(
            "8304",
            "the bank's address is empty: foreign payouts need bankAddress.street, .postalCode, .city and .countryCode".into(),
        );
        return;
    }
    c.required_within(
        BANK_STREET,
        "8305",
        "foreign payouts need the bank's street",
        rules.eu_text_max,
        "8328",
    );
    c.required_within(
        BANK_POSTAL_CODE,
        "8304",
        "foreign payouts need the bank's postal code",
        rules.eu_postal_code_max,
        "8329",
    );
    c.required_within(
        BANK_CITY,
        "8306",
        "foreign payouts need the bank's city",
        rules.eu_text_max,
        "8332",
    );
    country_code(
        c,
        BANK_COUNTRY,
        "8307",
        "8333",
        "foreign payouts need the bank's country, e.g. DE",
    );
}

fn foreign_account(c: &mut Check, t: &str, compact: &str) {
    let n = c.name(ACCOUNT_NUMBER);
    if account::looks_like_iban(compact) && account::uses_iban(&compact[..2]) {
        if let Err(why) = account::any_iban(compact) {
            c.fail("8351", format!("{n} '{t}': {why}"));
        }
        return;
    }
    if !compact.chars().all(|ch| ch.is_ascii_alphanumeric()) {
        c.fail(
            "8351",
            format!("{n} '{t}' may hold only letters and digits"),
        );
        return;
    }
    let bank_country = c.text(BANK_COUNTRY).map(str::to_ascii_uppercase);
    if let Some(cc) = bank_country.filter(|cc| account::uses_iban(cc)) {
        c.fail(
            "8351",
            format!("{n} '{t}': accounts in {cc} are IBANs (starting {cc} and two check digits)"),
        );
    }
}

fn swift(c: &mut Check) {
    let Some(t) = c.required(
        SWIFT_CODE,
        "8308",
        "foreign payouts need the bank's SWIFT/BIC code, e.g. DEUTDEFF",
    ) else {
        return;
    };
    let n = c.name(SWIFT_CODE);
    let code = t.to_ascii_uppercase();
    if code.len() > 11 {
        c.fail(
            "8319",
            format!(
                "{n} '{t}' is {} characters long; a BIC has 8 or 11",
                code.len()
            ),
        );
        return;
    }
    match country::bic(&code) {
        Err(why) => c.fail("8308", format!("{n} '{t}' is not a BIC: it {why}")),
        Ok(bic_country) => {
            let iban_country = c
                .text(ACCOUNT_NUMBER)
                .map(account::compact)
                .filter(|a| account::looks_like_iban(a))
                .map(|a| a[..2].to_owned());
            if let Some(ic) = iban_country.filter(|ic| ic != bic_country) {
                let a = c.name(ACCOUNT_NUMBER);
                c.warn(format!(
                    "{n} '{t}' is a bank in {bic_country} but {a} is an account in {ic}"
                ));
            }
        }
    }
}

fn country_code(
    c: &mut Check,
    field: usize,
    invalid: &'static str,
    too_long: &'static str,
    what: &str,
) {
    let Some(t) = c.required(field, invalid, what) else {
        return;
    };
    let n = c.name(field);
    if t.chars().count() > 2 {
        c.fail(
            too_long,
            format!("{n} '{t}' must be a two-letter ISO country code, e.g. DE"),
        );
    } else if !country::is_country(&t.to_ascii_uppercase()) {
        c.fail(
            invalid,
            format!("{n} '{t}' is not an ISO 3166 country code"),
        );
    }
}

fn postal_order(c: &mut Check, currency: Currency) {
    // Through the context's own reference, so that `c` stays free to record problems.
    let ctx = c.ctx;
    let rules = &ctx.rules;
    if currency != Currency::Pln {
        c.fail(
            "8355",
            format!("postal orders are for Polish shops paying in PLN, not {currency}"),
        );
    }
    c.required_within(
        CUSTOMER_STREET,
        "8309",
        "postal orders need the recipient's street",
        rules.eu_text_max,
        "8320",
    );
    c.required_within(
        CUSTOMER_CITY,
        "8310",
        "postal orders need the recipient's city",
        rules.eu_text_max,
        "8322",
    );
    c.required_within(
        CUSTOMER_POSTAL_CODE,
        "8312",
        "postal orders need the recipient's postal code, e.g. 00-950",
        rules.eu_postal_code_max,
        "8321",
    );
}

fn card_number(c: &mut Check) {
    if let Some(t) = c.text(CARD_NUMBER)
        && let Err(why) = card::card_number(t)
    {
        let n = c.name(CARD_NUMBER);
        c.fail("CARD_NUMBER", format!("{n} '{}' {why}", card::mask(t)));
    }
    let month = c.required(
        CARD_EXPIRATION_MONTH,
        "CARD_EXPIRY",
        "card payouts need the card's expiry month",
    );
    let year = c.required(
        CARD_EXPIRATION_YEAR,
        "CARD_EXPIRY",
        "card payouts need the card's expiry year",
    );
    if let (Some(m), Some(y)) = (month, year) {
        use chrono::Datelike;
        let now = c.ctx.now;
        if let Err(why) = card::expiry(m, y, now.year(), now.month()) {
            let (nm, ny) = (c.name(CARD_EXPIRATION_MONTH), c.name(CARD_EXPIRATION_YEAR));
            c.fail("CARD_EXPIRY", format!("{nm}/{ny} '{m}/{y}': {why}"));
        }
    }
}
