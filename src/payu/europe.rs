//! PayU Europe payouts (§16): create `POST /api/v2_1/payouts`, retrieve
//! `GET /api/v2_1/payouts/{payoutId}`.

use serde::{Deserialize, Serialize};

/// A payout request. Which parts are there decides the destination (§16.3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatePayout {
    pub shop_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payout: Option<Payout>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<Account>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_address: Option<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_address: Option<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_token: Option<CardToken>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<Card>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payout {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ext_payout_id: Option<String>,
    /// In the currency's smallest unit (grosz, cents). PayU's samples send it as a string;
    /// absent means "the whole balance" (standard payouts only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_variables: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_order: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub account_number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swift_code: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoutState {
    pub payout_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ext_payout_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub status_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_literal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_desc: Option<String>,
}

/// An error answer: `{"status":{…}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorAnswer {
    pub status: Status,
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
