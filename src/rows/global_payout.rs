//! `global-payout` sheets: PayU Europe payouts (payu.md §16.3). Column names follow the
//! JSON paths of the request (`account.accountNumber`, `customerAddress.city`…).

use super::{FieldSpec, Identifier::*};

pub const SHOP_ID: usize = 0;
pub const EXT_PAYOUT_ID: usize = 1;
pub const AMOUNT: usize = 2;
pub const AMOUNT_MINOR: usize = 3;
pub const PAYOUT_ALL: usize = 4;
pub const CURRENCY: usize = 5;
pub const DESCRIPTION: usize = 6;
pub const ADDITIONAL_VARIABLES: usize = 7;
pub const FOREIGN: usize = 8;
pub const POSTAL_ORDER: usize = 9;
pub const ACCOUNT_NUMBER: usize = 10;
pub const BANK_NAME: usize = 11;
pub const SWIFT_CODE: usize = 12;
pub const CUSTOMER_NAME: usize = 13;
pub const CUSTOMER_STREET: usize = 14;
pub const CUSTOMER_POSTAL_CODE: usize = 15;
pub const CUSTOMER_CITY: usize = 16;
pub const CUSTOMER_COUNTRY: usize = 17;
pub const BANK_STREET: usize = 18;
pub const BANK_POSTAL_CODE: usize = 19;
pub const BANK_CITY: usize = 20;
pub const BANK_COUNTRY: usize = 21;
pub const CARD_TOKEN: usize = 22;
pub const CARD_NUMBER: usize = 23;
pub const CARD_EXPIRATION_MONTH: usize = 24;
pub const CARD_EXPIRATION_YEAR: usize = 25;

pub static FIELDS: &[FieldSpec] = &[
    FieldSpec::new("shopId", &["Shop ID", "Shop"]).id(Lenient),
    FieldSpec::new(
        "extPayoutId",
        &[
            "payout.extPayoutId",
            "Ext Payout ID",
            "External ID",
            "Payout Reference",
            "Reference",
            "Ref",
        ],
    )
    .id(Lenient),
    FieldSpec::new("amount", &["Amount", "Kwota"]),
    FieldSpec::new(
        "amountMinor",
        &[
            "payout.amount",
            "Amount Minor",
            "Amount in Minor Units",
            "Amount Grosz",
        ],
    ),
    FieldSpec::new("payoutAll", &["Payout All", "Whole Balance"]),
    FieldSpec::new(
        "currency",
        &["Currency Code", "payout.currencyCode", "Waluta"],
    ),
    FieldSpec::new(
        "description",
        &[
            "payout.description",
            "Description",
            "Title",
            "Transfer Title",
            "Tytuł",
        ],
    ),
    FieldSpec::new(
        "additionalVariables",
        &["payout.additionalVariables", "Variable Symbol", "VS"],
    ),
    FieldSpec::new("foreign", &["payout.foreign"]),
    FieldSpec::new("postalOrder", &["payout.postalOrder", "Postal Order"]),
    FieldSpec::new(
        "account.accountNumber",
        &[
            "Account Number",
            "Account No",
            "IBAN",
            "NRB",
            "Bank Account",
        ],
    )
    .id(Strict),
    FieldSpec::new("account.bankName", &["Bank Name", "Bank"]),
    FieldSpec::new(
        "account.swiftCode",
        &["SWIFT", "SWIFT Code", "BIC", "SWIFT/BIC"],
    ),
    FieldSpec::new(
        "customerAddress.name",
        &[
            "Name",
            "Customer Name",
            "Recipient Name",
            "Recipient",
            "Payee Name",
        ],
    ),
    FieldSpec::new(
        "customerAddress.street",
        &["Street", "Address", "Customer Street"],
    ),
    FieldSpec::new(
        "customerAddress.postalCode",
        &[
            "Postal Code",
            "Post Code",
            "ZIP",
            "ZIP Code",
            "Kod Pocztowy",
        ],
    ),
    FieldSpec::new("customerAddress.city", &["City", "Customer City", "Miasto"]),
    FieldSpec::new(
        "customerAddress.countryCode",
        &["Country", "Country Code", "Customer Country"],
    ),
    FieldSpec::new("bankAddress.street", &["Bank Street", "Bank Address"]),
    FieldSpec::new("bankAddress.postalCode", &["Bank Postal Code", "Bank ZIP"]),
    FieldSpec::new("bankAddress.city", &["Bank City"]),
    FieldSpec::new(
        "bankAddress.countryCode",
        &["Bank Country", "Bank Country Code"],
    ),
    FieldSpec::new("cardToken", &["cardToken.value", "Card Token", "Token"]).id(Strict),
    FieldSpec::new("card.number", &["Card Number", "Card No", "Card"])
        .id(Strict)
        .masked(),
    FieldSpec::new(
        "card.expirationMonth",
        &[
            "Expiration Month",
            "Expiry Month",
            "Exp Month",
            "Card Expiry Month",
        ],
    ),
    FieldSpec::new(
        "card.expirationYear",
        &[
            "Expiration Year",
            "Expiry Year",
            "Exp Year",
            "Card Expiry Year",
        ],
    ),
];

pub const REQUIRED: &[&[usize]] = &[&[EXT_PAYOUT_ID], &[AMOUNT, AMOUNT_MINOR, PAYOUT_ALL]];
