//! A valid row as the [`Payment`] it makes, built from the values its checks read: each in the
//! form PayU takes, the same normalisation the rules accepted (a 10-digit mobile, an
//! upper-case IFSC, a compact account number, an instant for a date).

use super::{Check, Currency, account, card, contact, dates};
use crate::payment::{
    Address, DirectTransfer, EuropePayout, Link, Payment, PayoutTo, Rail, TransferTo,
};
use crate::rows::{Kind, global_payout as eu, payout as pay, smart_send as ss};

/// The payment of a row whose checks found no problem.
pub(super) fn payment(c: &Check) -> Payment {
    match c.map.kind {
        Kind::Payout => Payment::Transfer(transfer(c)),
        Kind::SmartSend => Payment::Link(link(c)),
        Kind::GlobalPayout => Payment::Payout(payout(c)),
    }
}

fn owned(c: &Check, field: usize) -> Option<String> {
    c.text(field).map(str::to_owned)
}

/// yes/no, true/false, 1/0, y/n: the rules refused any other spelling.
fn flag(c: &Check, field: usize) -> bool {
    c.text(field)
        .is_some_and(|t| matches!(t.to_ascii_lowercase().as_str(), "yes" | "y" | "true" | "1"))
}

fn mobile(c: &Check, field: usize) -> Option<String> {
    c.text(field)
        .and_then(|m| contact::india_mobile(m).ok())
        .map(|m| m.as_str().to_owned())
}

fn amount(c: &Check) -> rust_decimal::Decimal {
    c.verdict.amount.map(|(v, _)| v).unwrap_or_default()
}

fn transfer(c: &Check) -> DirectTransfer {
    let mode = c
        .text(pay::PAYMENT_TYPE)
        .and_then(|t| {
            Rail::ALL
                .into_iter()
                .find(|m| t.eq_ignore_ascii_case(m.name()))
        })
        .unwrap_or(Rail::Imps);
    let to = match mode {
        Rail::Upi => TransferTo::Upi {
            vpa: owned(c, pay::VPA).unwrap_or_default(),
        },
        _ => TransferTo::Bank {
            account: c
                .text(pay::BENEFICIARY_ACCOUNT_NUMBER)
                .map(account::compact)
                .unwrap_or_default(),
            ifsc: c
                .text(pay::BENEFICIARY_IFSC_CODE)
                .map(str::to_ascii_uppercase)
                .unwrap_or_default(),
        },
    };
    DirectTransfer {
        reference: owned(c, pay::MERCHANT_REF_ID).unwrap_or_default(),
        batch: owned(c, pay::BATCH_ID),
        mode,
        to,
        name: owned(c, pay::BENEFICIARY_NAME).unwrap_or_default(),
        email: owned(c, pay::BENEFICIARY_EMAIL),
        mobile: mobile(c, pay::BENEFICIARY_MOBILE),
        purpose: owned(c, pay::PURPOSE).unwrap_or_default(),
        amount: amount(c),
        scheduled: c.text(pay::SCHEDULED_TIME).and_then(dates::scheduled_time),
        custom: [pay::CUSTOM1, pay::CUSTOM2, pay::CUSTOM3].map(|f| owned(c, f)),
    }
}

fn link(c: &Check) -> Link {
    Link {
        reference: owned(c, ss::MERCHANT_REF_ID).unwrap_or_default(),
        amount: amount(c),
        name: owned(c, ss::CUST_NAME).unwrap_or_default(),
        mobile: mobile(c, ss::CUST_MOBILE),
        email: owned(c, ss::CUST_EMAIL),
        description: owned(c, ss::DESCRIPTION).unwrap_or_default(),
        expiry: c.text(ss::EXPIRY_DATE).and_then(dates::expiry),
    }
}

/// An address from its five fields (a bank address has no name field), when any is given.
fn address(c: &Check, fields: [Option<usize>; 5]) -> Option<Address> {
    let [name, street, postal_code, city, country] = fields.map(|f| f.and_then(|f| owned(c, f)));
    let address = Address {
        name,
        street,
        postal_code,
        city,
        country: country.map(|t| t.to_ascii_uppercase()),
    };
    (address != Address::default()).then_some(address)
}

fn payout(c: &Check) -> EuropePayout {
    let currency = c
        .text(eu::CURRENCY)
        .and_then(Currency::from_code)
        .unwrap_or(Currency::Pln);
    EuropePayout {
        reference: owned(c, eu::EXT_PAYOUT_ID).unwrap_or_default(),
        shop: owned(c, eu::SHOP_ID),
        currency,
        amount: c.verdict.amount.map(|(v, _)| v),
        to: destination(c, currency),
        description: owned(c, eu::DESCRIPTION),
        additional_variables: owned(c, eu::ADDITIONAL_VARIABLES),
        customer: address(
            c,
            [
                Some(eu::CUSTOMER_NAME),
                Some(eu::CUSTOMER_STREET),
                Some(eu::CUSTOMER_POSTAL_CODE),
                Some(eu::CUSTOMER_CITY),
                Some(eu::CUSTOMER_COUNTRY),
            ],
        ),
        bank_address: address(
            c,
            [
                None,
                Some(eu::BANK_STREET),
                Some(eu::BANK_POSTAL_CODE),
                Some(eu::BANK_CITY),
                Some(eu::BANK_COUNTRY),
            ],
        ),
    }
}

/// The one destination the rules let the row name (`8355` for more than one).
fn destination(c: &Check, currency: Currency) -> PayoutTo {
    if let Some(number) = c.text(eu::CARD_NUMBER) {
        // The rules held the expiry against today; only its numbers are wanted here.
        let (month, year) = card::expiry(
            c.text(eu::CARD_EXPIRATION_MONTH).unwrap_or_default(),
            c.text(eu::CARD_EXPIRATION_YEAR).unwrap_or_default(),
            i32::MIN,
            0,
        )
        .unwrap_or_default();
        return PayoutTo::Card {
            number: card::card_digits(number),
            month,
            year,
        };
    }
    if let Some(token) = owned(c, eu::CARD_TOKEN) {
        return PayoutTo::CardToken(token);
    }
    if flag(c, eu::POSTAL_ORDER) {
        return PayoutTo::PostalOrder;
    }
    match c.text(eu::ACCOUNT_NUMBER) {
        Some(number) => PayoutTo::Bank {
            account: account::compact(number),
            bank_name: owned(c, eu::BANK_NAME),
            swift: c.text(eu::SWIFT_CODE).map(account::compact),
            foreign: flag(c, eu::FOREIGN) || currency == Currency::Eur,
        },
        None => PayoutTo::Shop,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Context, Duplicates, Rules, Verdict, accept_row};
    use super::*;
    use crate::rows::HeaderMap;
    use crate::sheet::{Cells, RawRow};

    fn accept(kind: Kind, cells: &[(&str, &str)]) -> (Verdict, Option<Payment>) {
        let headers: Vec<String> = cells.iter().map(|(h, _)| (*h).to_owned()).collect();
        let map = HeaderMap::build(std::path::Path::new("t.csv"), &headers, Some(kind)).unwrap();
        let values: Vec<&str> = cells.iter().map(|(_, v)| *v).collect();
        let raw = RawRow {
            number: 2,
            cells: Cells::Csv(::csv::StringRecord::from(values)),
        };
        let ctx = Context {
            rules: Rules::default(),
            now: chrono::Utc::now(),
            duplicates: Duplicates::default(),
        };
        accept_row(&ctx, &map, &raw)
    }

    fn accepted(kind: Kind, cells: &[(&str, &str)]) -> Payment {
        let (verdict, payment) = accept(kind, cells);
        assert!(verdict.is_valid(), "{verdict:?}");
        payment.expect("a valid row has its payment")
    }

    fn transfer_row(mode: &str) -> Vec<(&'static str, &str)> {
        vec![
            ("merchantRefId", " R1 "),
            ("paymentType", mode),
            ("beneficiaryAccountNumber", "001234567890"),
            ("beneficiaryIfscCode", "hdfc0001234"),
            ("beneficiaryName", "Asha Rao"),
            ("beneficiaryMobile", "+91 98765 43210"),
            ("amount", "1,500.50"),
            ("purpose", "Salary November"),
        ]
    }

    #[test]
    fn a_transfer_carries_normalised_values() {
        let p = accepted(Kind::Payout, &transfer_row("neft"));
        let Payment::Transfer(t) = p else {
            panic!("{p:?}")
        };
        assert_eq!(t.reference, "R1");
        assert_eq!(t.mode, Rail::Neft);
        assert_eq!(
            t.to,
            TransferTo::Bank {
                account: "001234567890".into(),
                ifsc: "HDFC0001234".into()
            }
        );
        assert_eq!(t.mobile.as_deref(), Some("9876543210"));
        assert_eq!(t.amount, rust_decimal::Decimal::new(150050, 2));
        assert_eq!(t.batch, None);
    }

    #[test]
    fn a_europe_card_payout_has_its_expiry_as_numbers() {
        let p = accepted(
            Kind::GlobalPayout,
            &[
                ("shopId", "S1"),
                ("extPayoutId", "E1"),
                ("amount", "10.25"),
                ("currency", "PLN"),
                ("customerAddress.name", "Jan Kowalski"),
                ("card.number", "4444 3333 2222 1111"),
                ("card.expirationMonth", "3"),
                ("card.expirationYear", "39"),
            ],
        );
        let Payment::Payout(eu) = p else {
            panic!("{p:?}")
        };
        assert_eq!(
            eu.to,
            PayoutTo::Card {
                number: "4444333322221111".into(),
                month: 3,
                year: 2039
            }
        );
        assert_eq!(eu.amount, Some(rust_decimal::Decimal::new(1025, 2)));
        assert_eq!(
            eu.customer.and_then(|a| a.name).as_deref(),
            Some("Jan Kowalski")
        );
    }

    #[test]
    fn an_invalid_row_has_no_payment() {
        let (verdict, payment) = accept(Kind::Payout, &transfer_row("CHEQUE"));
        assert!(!verdict.is_valid());
        assert_eq!(payment, None);
    }
}
