//! PayU Europe payouts (§16): create `POST /api/v2_1/payouts`, retrieve
//! `GET /api/v2_1/payouts/{payoutId}`.

use serde::{Deserialize, Serialize};

/// A payout request. Which parts are there decides the destination (§16.3).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatePayout {
    pub shop_id: String,
    pub payout: Option<Payout>,
    pub account: Option<Account>,
    pub customer_address: Option<Address>,
    pub bank_address: Option<Address>,
    pub card_token: Option<CardToken>,
    pub card: Option<Card>,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payout {
    pub ext_payout_id: Option<String>,
    /// In the currency's smallest unit (grosz, cents). PayU's samples send it as a string
    /// (`"1000"`) and as a number (`1100`): either is read, as its digits; absent means "the
    /// whole balance" (standard payouts only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::text_or_number"
    )]
    pub amount: Option<String>,
    pub description: Option<String>,
    pub currency_code: Option<String>,
    pub additional_variables: Option<String>,
    /// `true` or `"true"` (PayU's sample writes the string; its OpenAPI types it so).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::flag"
    )]
    pub foreign: Option<bool>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::flag"
    )]
    pub postal_order: Option<bool>,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// Absent reads as empty, so that the sandbox answers PayU's 8301 MISSING_ACCOUNT_NUMBER
    /// rather than refuse the whole body.
    #[serde(default)]
    pub account_number: String,
    pub bank_name: Option<String>,
    pub swift_code: Option<String>,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    pub name: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub country_code: Option<String>,
}

/// PayU's sample writes the token as an object, `{"value":"TOKC_…"}` (its OpenAPI says a
/// plain string: the sample is followed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardToken {
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Card {
    pub number: String,
    pub expiration_month: String,
    pub expiration_year: String,
}

/// A payout answer, created (201) or retrieved (200).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutAnswer {
    pub payout: PayoutState,
    pub status: Status,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoutState {
    pub payout_id: String,
    pub ext_payout_id: Option<String>,
    pub amount: Option<String>,
    pub description: Option<String>,
    pub status: PayoutStatus,
}

/// `PENDING`, `WAITING`, `CANCELLED` (also read as `CANCELED`) or `REALIZED` (§16.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PayoutStatus {
    Pending,
    Waiting,
    #[serde(alias = "CANCELED")]
    Cancelled,
    Realized,
}

impl PayoutStatus {
    pub fn is_final(self) -> bool {
        matches!(self, PayoutStatus::Cancelled | PayoutStatus::Realized)
    }
}

/// The `status` object of every PayU Europe answer (§16.6). On errors `code` is PayU's code
/// as a string (`"8356"`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// Absent (read as empty) in PayU's 403 `access_denied` body, which carries `error` and
    /// `error_description` instead.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status_code: String,
    pub severity: Option<String>,
    pub code: Option<String>,
    pub code_literal: Option<String>,
    pub status_desc: Option<String>,
    /// `access_denied` in the 403 body of PayU's OpenAPI (§16.3), snake case as PayU writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(
        default,
        rename = "error_description",
        skip_serializing_if = "Option::is_none"
    )]
    pub error_description: Option<String>,
}

/// An error answer: `{"status":{…}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorAnswer {
    pub status: Status,
}

/// PayU Europe's payout error codes (§16.7): code, `statusCode`, `codeLiteral`, HTTP status.
pub const ERRORS: &[(&str, &str, &str, u16)] = &[
    ("100", "GENERAL_ERROR", "GENERAL_ERROR", 500),
    ("101", "ERROR_VALUE_INVALID", "UNKOWN_MERCHANT", 403),
    ("102", "GENERAL_ERROR", "SERVICE_TEMPORARY_UNAVAILABLE", 500),
    ("8300", "ERROR_VALUE_MISSING", "MISSING_PAYOUT_AMOUNT", 400),
    ("8301", "ERROR_VALUE_MISSING", "MISSING_ACCOUNT_NUMBER", 400),
    ("8302", "ERROR_VALUE_MISSING", "MISSING_CUSTOMER_NAME", 400),
    ("8303", "ERROR_VALUE_MISSING", "MISSING_BANK_NAME", 400),
    ("8304", "ERROR_VALUE_MISSING", "MISSING_BANK_ADDRESS", 400),
    (
        "8305",
        "ERROR_VALUE_MISSING",
        "MISSING_BANK_ADDRESS_STREET",
        400,
    ),
    (
        "8306",
        "ERROR_VALUE_MISSING",
        "MISSING_BANK_ADDRESS_CITY",
        400,
    ),
    (
        "8307",
        "ERROR_VALUE_MISSING",
        "MISSING_BANK_ADDRESS_COUNTRY",
        400,
    ),
    ("8308", "ERROR_VALUE_MISSING", "MISSING_SWIFT_CODE", 400),
    (
        "8309",
        "ERROR_VALUE_MISSING",
        "MISSING_CUSTOMER_ADDRESS_STREET",
        400,
    ),
    (
        "8310",
        "ERROR_VALUE_MISSING",
        "MISSING_CUSTOMER_ADDRESS_CITY",
        400,
    ),
    (
        "8311",
        "ERROR_VALUE_MISSING",
        "MISSING_CUSTOMER_ADDRESS_COUNTRY",
        400,
    ),
    (
        "8312",
        "ERROR_VALUE_MISSING",
        "MISSING_CUSTOMER_ADDRESS_POSTAL_CODE",
        400,
    ),
    (
        "8313",
        "ERROR_VALUE_MISSING",
        "MISSING_MERCHANT_POS_ID",
        400,
    ),
    ("8314", "ERROR_VALUE_MISSING", "MISSING_USER_NAME", 400),
    ("8315", "ERROR_VALUE_MISSING", "MISSING_TIMESTAMP", 400),
    (
        "8316",
        "ERROR_VALUE_INVALID",
        "PAYOUT_DESCRIPTION_TOO_LONG",
        400,
    ),
    (
        "8317",
        "ERROR_VALUE_INVALID",
        "ACCOUNT_NUMBER_TOO_LONG",
        400,
    ),
    ("8318", "ERROR_VALUE_INVALID", "BANK_NAME_TOO_LONG", 400),
    ("8319", "ERROR_VALUE_INVALID", "SWIFT_CODE_TOO_LONG", 400),
    (
        "8320",
        "ERROR_VALUE_INVALID",
        "CUSTOMER_ADDRESS_STREET_TOO_LONG",
        400,
    ),
    (
        "8321",
        "ERROR_VALUE_INVALID",
        "CUSTOMER_ADDRESS_POSTAL_CODE_TOO_LONG",
        400,
    ),
    (
        "8322",
        "ERROR_VALUE_INVALID",
        "CUSTOMER_ADDRESS_CITY_TOO_LONG",
        400,
    ),
    (
        "8323",
        "ERROR_VALUE_INVALID",
        "CUSTOMER_ADDRESS_COUNTRY_CODE_TOO_LONG",
        400,
    ),
    (
        "8324",
        "ERROR_VALUE_INVALID",
        "CUSTOMER_ADDRESS_POSTAL_CITY_TOO_LONG",
        400,
    ),
    (
        "8325",
        "ERROR_VALUE_INVALID",
        "CUSTOMER_ADDRESS_POSTAL_NAME_TOO_LONG",
        400,
    ),
    (
        "8326",
        "ERROR_VALUE_INVALID",
        "CUSTOMER_ADDRESS_NAME_TOO_LONG",
        400,
    ),
    ("8327", "ERROR_VALUE_INVALID", "CUSTOMER_NAME_TOO_LONG", 400),
    (
        "8328",
        "ERROR_VALUE_INVALID",
        "BANK_ADDRESS_STREET_TOO_LONG",
        400,
    ),
    (
        "8329",
        "ERROR_VALUE_INVALID",
        "BANK_ADDRESS_POSTAL_CODE_TOO_LONG",
        400,
    ),
    (
        "8330",
        "ERROR_VALUE_INVALID",
        "BANK_ADDRESS_POSTAL_CITY_TOO_LONG",
        400,
    ),
    (
        "8331",
        "ERROR_VALUE_INVALID",
        "BANK_ADDRESS_POSTAL_NAME_TOO_LONG",
        400,
    ),
    (
        "8332",
        "ERROR_VALUE_INVALID",
        "BANK_ADDRESS_CITY_TOO_LONG",
        400,
    ),
    (
        "8333",
        "ERROR_VALUE_INVALID",
        "BANK_ADDRESS_COUNTRY_CODE_TOO_LONG",
        400,
    ),
    ("8334", "ERROR_VALUE_INVALID", "INCORRECT_DESCRIPTION", 400),
    ("8335", "ERROR_VALUE_INVALID", "INCORRECT_PUBLIC_ID", 400),
    ("8336", "ERROR_VALUE_INVALID", "WRONG_CURRENCY", 400),
    (
        "8350",
        "ERROR_VALUE_INVALID",
        "INCORRECT_PAYOUT_AMOUNT",
        400,
    ),
    (
        "8351",
        "ERROR_VALUE_INVALID",
        "INCORRECT_ACCOUNT_NUMBER",
        400,
    ),
    ("8352", "BUSINESS_ERROR", "NOT_ENOUGH_FUNDS", 403),
    ("8353", "DATA_NOT_FOUND", "INCORRECT_PAYOUT", 404),
    ("8354", "DATA_NOT_FOUND", "INCORRECT_MERCHANT_POS", 404),
    ("8355", "BUSINESS_ERROR", "INCORRECT_REQUEST", 403),
    ("8356", "BUSINESS_ERROR", "PAYOUT_ALREADY_EXISTS", 403),
    ("8357", "UNAUTHORIZED_REQUEST", "UNAUTHORIZED_REQUEST", 401),
    ("8358", "BUSINESS_ERROR", "NO_PERMISSION", 403),
    ("8359", "BUSINESS_ERROR", "SHOP_NOT_ALLOWED", 403),
    ("8360", "BUSINESS_ERROR", "FIRM_NOT_ALLOWED", 403),
    (
        "8361",
        "ERROR_VALUE_MISSING",
        "MISSING_MERCHANT_SHOP_ID",
        400,
    ),
    ("8362", "ERROR_VALUE_MISSING", "PAYOUT_TOKEN_MISSING", 400),
    (
        "8363",
        "ERROR_VALUE_INVALID",
        "PAYOUT_TOKEN_WITH_SHARING_AGREEMENT",
        400,
    ),
    (
        "8364",
        "BUSINESS_ERROR",
        "PAYOUT_TOKEN_INSUFFICIENT_AUTHENTICATION_LEVEL",
        403,
    ),
];

impl ErrorAnswer {
    /// PayU's answer for one of its codes, and the HTTP status it comes with.
    pub fn for_code(code: &str) -> Option<(u16, ErrorAnswer)> {
        let &(code, status_code, literal, http) = ERRORS.iter().find(|e| e.0 == code)?;
        Some((
            http,
            ErrorAnswer {
                status: Status {
                    status_code: status_code.to_owned(),
                    severity: Some("ERROR".to_owned()),
                    code: Some(code.to_owned()),
                    code_literal: Some(literal.to_owned()),
                    status_desc: Some(literal.to_owned()),
                    error: None,
                    error_description: None,
                },
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_answers_read() {
        let created: PayoutAnswer = serde_json::from_str(
            r#"{"payout":{"payoutId":"133bfe5f400e4b2c8da44abfdf753d79","extPayoutId":"123123","status":"PENDING"},"status":{"statusCode":"SUCCESS"}}"#,
        )
        .unwrap();
        assert_eq!(created.payout.status, PayoutStatus::Pending);
        let retrieved: PayoutAnswer = serde_json::from_str(
            r#"{"payout":{"payoutId":"x","amount":"1100","description":"Billing: 169602484","status":"PENDING"},"status":{"statusCode":"SUCCESS"}}"#,
        )
        .unwrap();
        assert_eq!(retrieved.payout.amount.as_deref(), Some("1100"));
        let error: ErrorAnswer = serde_json::from_str(
            r#"{"status":{"statusCode":"DATA_NOT_FOUND","severity":"ERROR","code":"8354","codeLiteral":"INCORRECT_MERCHANT_POS","statusDesc":"INCORRECT_MERCHANT_POS"}}"#,
        )
        .unwrap();
        assert_eq!(error.status.code.as_deref(), Some("8354"));
        let s: PayoutStatus = serde_json::from_str(r#""CANCELED""#).unwrap();
        assert!(s.is_final());
    }

    #[test]
    fn the_403_body_without_a_status_code_reads() {
        let denied: ErrorAnswer = serde_json::from_str(
            r#"{"status":{"error":"access_denied","error_description":"Access is denied"}}"#,
        )
        .unwrap();
        assert_eq!(denied.status.status_code, "");
        assert_eq!(denied.status.error.as_deref(), Some("access_denied"));
        assert_eq!(
            denied.status.error_description.as_deref(),
            Some("Access is denied")
        );
    }

    #[test]
    fn error_answers_follow_the_table() {
        let (http, answer) = ErrorAnswer::for_code("8356").unwrap();
        assert_eq!(http, 403);
        assert_eq!(
            answer.status.code_literal.as_deref(),
            Some("PAYOUT_ALREADY_EXISTS")
        );
        assert_eq!(ERRORS.len(), 3 + 37 + 15);
        assert!(ErrorAnswer::for_code("9999").is_none());
    }

    #[test]
    fn a_card_token_payout_is_written_as_the_sample() {
        let request = CreatePayout {
            shop_id: "n7Cd7y1U".into(),
            payout: Some(Payout {
                ext_payout_id: Some("EU-1".into()),
                amount: Some("15000".into()),
                description: Some("Zwrot".into()),
                ..Payout::default()
            }),
            customer_address: Some(Address {
                name: Some("Marek Zieliński".into()),
                ..Address::default()
            }),
            card_token: Some(CardToken {
                value: "TOKC_2IHRST6HKSST3H62K2GS8pElI862".into(),
            }),
            ..CreatePayout::default()
        };
        let v = serde_json::to_value(&request).unwrap();
        assert_eq!(v["cardToken"]["value"], "TOKC_2IHRST6HKSST3H62K2GS8pElI862");
        assert_eq!(v["payout"]["extPayoutId"], "EU-1");
        assert!(v.get("account").is_none());
        assert_eq!(serde_json::from_value::<CreatePayout>(v).unwrap(), request);
    }
}
