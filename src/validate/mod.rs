//! Checking rows offline, before anything is sent: every rule of `docs/rules.md`, with
//! PayU's code where PayU has one for the problem, else the tool's own.
//!
//! A row collects every problem it has, not just the first. Validation knows nothing of HTTP:
//! it reads a [`RawRow`] through the sheet's [`HeaderMap`] and returns a [`Verdict`].

mod accept;
pub mod account;
pub mod amount;
pub mod card;
mod cells;
mod check;
pub mod contact;
pub mod country;
pub mod dates;
mod duplicates;
mod global_payout;
pub mod ifsc;
mod payout;
mod run;
mod smart_send;
mod verdict;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::payment::Payment;
use crate::rows::{HeaderMap, Kind};
use crate::sheet::RawRow;
pub use amount::Currency;
pub use cells::CELL_MAX_CHARS;
pub use check::{Check, MESSAGE_MAX, QUOTE_MAX, Val, quoted};
pub use duplicates::{Digests, Duplicates};
pub use run::{Input, Loaded, checked, load, run};
pub use verdict::{Problem, Verdict};

/// Limits PayU leaves undocumented, and reading choices: the project's own defaults
/// (documented in the README).
#[derive(Debug, Clone)]
pub struct Rules {
    /// Read `1.234,50` as 1234.50 (and refuse `1,234.50`).
    pub decimal_comma: bool,
    pub imps_max: Decimal,
    pub rtgs_min: Decimal,
    pub upi_max: Decimal,
    /// How far ahead a Smart Send link's expiry must be.
    pub expiry_min_minutes: i64,
    /// Longest name and street PayU Europe takes (the `*_TOO_LONG` codes).
    pub eu_text_max: usize,
    pub eu_postal_code_max: usize,
    pub eu_description_max: usize,
    /// The shop for `global-payout` rows without a `shopId` cell.
    pub default_shop_id: Option<String>,
    /// The largest amount one row may pay, per currency (`AMOUNT_CEILING` above it): a
    /// guard against an account number or a total pasted into the amount column.
    pub max_row_amount: Vec<(Currency, Decimal)>,
}

/// The built-in per-row ceilings: ₹10 crore, PLN 5 million, CZK 25 million, EUR 1 million.
pub fn default_max_row_amount() -> Vec<(Currency, Decimal)> {
    vec![
        (Currency::Inr, Decimal::from(100_000_000)),
        (Currency::Pln, Decimal::from(5_000_000)),
        (Currency::Czk, Decimal::from(25_000_000)),
        (Currency::Eur, Decimal::from(1_000_000)),
    ]
}

impl Rules {
    /// The most one row may pay in `currency`.
    pub fn ceiling(&self, currency: Currency) -> Option<Decimal> {
        self.max_row_amount
            .iter()
            .find(|(c, _)| *c == currency)
            .map(|(_, d)| *d)
    }
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            decimal_comma: false,
            imps_max: Decimal::from(500_000),
            rtgs_min: Decimal::from(200_000),
            upi_max: Decimal::from(100_000),
            expiry_min_minutes: 15,
            eu_text_max: 35,
            eu_postal_code_max: 10,
            eu_description_max: 140,
            default_shop_id: None,
            max_row_amount: default_max_row_amount(),
        }
    }
}

/// Everything validation needs besides the row.
pub struct Context {
    pub rules: Rules,
    pub now: DateTime<Utc>,
    pub duplicates: Duplicates,
}

/// Validates one row of a sheet whose headers `map` describes.
pub fn validate_row(ctx: &Context, map: &HeaderMap, raw: &RawRow) -> Verdict {
    match checked_row(ctx, map, raw) {
        Ok(check) => check.verdict,
        Err(shape) => shape,
    }
}

/// Validates one row and, when it has no problem, hands on the [`Payment`] it makes: what
/// planning and sending take (`validate` alone needs only the verdict, [`validate_row`]).
pub fn accept_row(ctx: &Context, map: &HeaderMap, raw: &RawRow) -> (Verdict, Option<Payment>) {
    match checked_row(ctx, map, raw) {
        Ok(check) => {
            let payment = check.verdict.is_valid().then(|| accept::payment(&check));
            (check.verdict, payment)
        }
        Err(shape) => (shape, None),
    }
}

/// Every rule of the row's kind, run over its cells; a row without as many cells as the
/// header has is not read further (`ROW_SHAPE`).
fn checked_row<'a>(
    ctx: &'a Context,
    map: &'a HeaderMap,
    raw: &'a RawRow,
) -> Result<Check<'a>, Verdict> {
    let width = map.headers.len();
    if raw.len() != width {
        return Err(misshapen(raw, width));
    }
    let mut check = Check::new(ctx, map, raw);
    cells::read_cells(&mut check);
    match map.kind {
        Kind::Payout => payout::check(&mut check),
        Kind::SmartSend => smart_send::check(&mut check),
        Kind::GlobalPayout => global_payout::check(&mut check),
    }
    duplicates::duplicate_reference(&mut check);
    Ok(check)
}

/// `ROW_SHAPE`: the row has more or fewer cells than the header, quoting the cells past the
/// last column.
fn misshapen(raw: &RawRow, width: usize) -> Verdict {
    let mut extra: Vec<String> = (width..raw.len())
        .filter_map(|i| raw.get(i))
        .filter(|c| !c.text.trim().is_empty())
        .take(4)
        .map(|c| format!("'{}'", quoted(c.text)))
        .collect();
    if extra.len() == 4 {
        extra[3] = "…".to_owned();
    }
    let mut message = format!("the row has {} cells but the header has {width}", raw.len());
    if !extra.is_empty() {
        message.push_str(&format!(
            " (cells past the last column: {})",
            extra.join(", ")
        ));
    }
    message.push_str("; check for a stray or missing delimiter or a quote left open");
    Verdict {
        problems: vec![Problem {
            code: "ROW_SHAPE",
            message,
        }],
        ..Verdict::default()
    }
}

#[cfg(test)]
mod tests {
    /// What `submit` relies on when it builds a PayU Europe request: a valid row carries an
    /// amount that converts exactly to minor units, unless it pays out the whole balance on
    /// purpose (`payoutAll`): an amount is never dropped from a request.
    mod every_valid_payout_has_its_amount {
        use super::super::*;
        use crate::sheet::Cells;
        use proptest::prelude::*;

        fn amount() -> impl Strategy<Value = String> {
            prop_oneof![
                Just(String::new()),
                Just("10.25".to_owned()),
                Just("61109010140000071219812874".to_owned()),
                Just("9999999999999999999999999999".to_owned()),
                Just("4999999.99".to_owned()),
                Just("5000000.01".to_owned()),
                "[0-9]{1,20}(\\.[0-9]{0,3})?",
                "[0-9,. ]{0,24}",
            ]
        }

        proptest! {
            #[test]
            fn a_valid_row_has_an_exact_amount_or_pays_all(
                major in amount(),
                minor in prop_oneof![Just(String::new()), "[0-9]{1,22}"],
                all in prop_oneof![Just(""), Just("yes"), Just("no")],
                currency in prop_oneof![Just("PLN"), Just("CZK"), Just("EUR"), Just("")],
                account in prop_oneof![Just(""), Just("61109010140000071219812874")],
                name in prop_oneof![Just(""), Just("Jan Kowalski")],
            ) {
                let headers: Vec<String> = ["shopId", "extPayoutId", "amount", "amountMinor", "payoutAll", "currency", "account.accountNumber", "customerAddress.name"]
                    .map(str::to_owned).to_vec();
                let map = HeaderMap::build(std::path::Path::new("t.csv"), &headers, Some(Kind::GlobalPayout)).unwrap();
                let raw = RawRow {
                    number: 2,
                    cells: Cells::Csv(::csv::StringRecord::from(vec!["S1", "E1", &major, &minor, all, currency, account, name])),
                };
                let ctx = Context { rules: Rules::default(), now: chrono::Utc::now(), duplicates: Duplicates::default() };
                let (verdict, payment) = accept_row(&ctx, &map, &raw);
                // A valid row, and only a valid row, hands on a payment of the same amount.
                prop_assert_eq!(payment.is_some(), verdict.is_valid());
                prop_assert_eq!(payment.as_ref().map_or(verdict.amount, Payment::amount), verdict.amount);
                prop_assert_eq!(validate_row(&ctx, &map, &raw), verdict.clone());
                if verdict.is_valid() {
                    match verdict.amount {
                        Some((v, c)) => {
                            prop_assert!(c.to_minor(v).is_some_and(|m| m > 0), "{:?}", verdict);
                            prop_assert!(v <= ctx.rules.ceiling(c).unwrap());
                        }
                        None => prop_assert!(all == "yes" && account.is_empty() && name.is_empty(), "{:?}", verdict),
                    }
                }
            }
        }
    }
}
