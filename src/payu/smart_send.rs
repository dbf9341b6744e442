//! PayU India Smart Send v2 payout links (§12.2).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Create a link: `POST {base}/payout/v2/smartSend/link` with header `pid`. A field a request
/// leaves out reads as empty, for the sandbox to answer with PayU's code.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateLink {
    /// PayU's sample sends it as a string, `"100.00"`: the digits go as written. A number is
    /// read too (PayU documents either), exactly.
    #[serde(
        serialize_with = "rust_decimal::serde::str::serialize",
        deserialize_with = "super::string_or_number"
    )]
    pub amount: Decimal,
    #[serde(default)]
    pub merchant_ref_id: String,
    #[serde(default)]
    pub cust_name: String,
    pub cust_mobile: Option<String>,
    pub cust_email: Option<String>,
    #[serde(default)]
    pub description: String,
    /// `yyyy-MM-dd'T'HH:mm:ss.000Z`; PayU's default is 7 days.
    pub expiry_date: Option<String>,
    /// `true` skips the approval flow when the account makes it optional (§12.2).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::flag"
    )]
    pub disable_approval_flow: Option<bool>,
}

/// A refused request's item (the Smart Send page's failure body): PayU's code and message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkError {
    pub code: i64,
    pub message: String,
}

/// The `data` of a created link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Link {
    pub link: String,
    pub link_id: String,
    #[serde(default)]
    pub expiry_date: Option<String>,
}

/// The `data` of `GET {base}/payout/merchant/smartSend/details`: the link and, once the payee
/// has filled in their details, its transfer. The client reads it and the sandbox writes it.
///
/// Read leniently, because this answer decides whether a row was paid: any field may be
/// missing or `null` (a reference not known yet echoes only its ids), and the ids and codes
/// are read as their text whether PayU writes them as text or as numbers ([`super::loose_text`]),
/// so that one odd field never makes the whole answer unreadable and a paid row `UNKNOWN`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LinkDetails {
    #[serde(deserialize_with = "super::loose_text")]
    pub merchant_ref_id: Option<String>,
    /// The link's state (§12.2): `PENDING`, `SUCCESS` ("payout is initiated"), `CANCELLED`…
    pub smart_send_status: Option<String>,
    #[serde(deserialize_with = "super::loose_text")]
    pub link_id: Option<String>,
    pub link: Option<String>,
    /// The transfer's state once the payee has claimed the link: what decides a row.
    pub txn_status: Option<String>,
    #[serde(deserialize_with = "super::loose_text")]
    pub payu_transaction_ref_no: Option<String>,
    pub expiry_date: Option<String>,
    /// The transfer's UTR, once paid.
    #[serde(deserialize_with = "super::loose_text")]
    pub bank_transaction_ref_no: Option<String>,
    pub txn_sub_status: Option<String>,
    /// The transfer's message: why it failed, when it did.
    pub msg: Option<String>,
    /// The failure or queue reason. (Read when PayU gives it; the sandbox leaves it out.)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub txn_status_description: Option<String>,
    /// PayU's code for a failure (a number or text, as PayU writes it; the sandbox leaves it
    /// out).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::loose_text"
    )]
    pub response_code: Option<String>,
    pub transfer_type: Option<String>,
    pub txn_source: Option<String>,
    pub succeed_on: Option<String>,
}

/// The `data` of Smart Send v1's status (§12.1), spelled as PayU spells it (`custMoblie`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkStatusV1 {
    pub link: String,
    pub link_id: String,
    pub merchant_ref_id: String,
    #[serde(default)]
    pub cust_email: Option<String>,
    #[serde(default)]
    pub cust_name: Option<String>,
    #[serde(default, rename = "custMoblie")]
    pub cust_mobile: Option<String>,
    pub amount: String,
    pub is_otp_verified: bool,
    pub link_expiry_date: String,
    pub detail_filled: bool,
}

/// A Bulk Smart Send file, as upload, process and status answer it (§12.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkFile {
    /// The fileId.
    pub id: i64,
    pub file_name: String,
    pub merchant_id: i64,
    pub display_name: String,
    pub total_rows: i64,
    pub successful_rows: i64,
    pub failed_rows: i64,
    /// `REQUESTED`, `IN_PROGRESS`, `COMPLETED`.
    pub status: String,
    pub added_on: String,
    pub updated_on: String,
    #[serde(default)]
    pub uploaded_by: Option<String>,
    #[serde(default)]
    pub file_export_id: Option<i64>,
    #[serde(default)]
    pub file_source: Option<String>,
}

/// The columns of a Bulk Smart Send upload file: PayU does not publish its template, so
/// these follow the create-link fields (architecture.md §4.3).
pub const BULK_COLUMNS: [&str; 7] = [
    "merchantRefId",
    "amount",
    "custName",
    "custMobile",
    "custEmail",
    "description",
    "expiryDate",
];

#[cfg(test)]
mod tests {
    use super::super::Envelope;
    use super::*;

    #[test]
    fn create_and_its_documented_answer() {
        let req = CreateLink {
            amount: Decimal::new(10000, 2),
            merchant_ref_id: "LINK-1".into(),
            cust_name: "Ananya Rao".into(),
            cust_mobile: Some("9845012345".into()),
            cust_email: None,
            description: "Refund".into(),
            expiry_date: None,
            disable_approval_flow: None,
        };
        let v = serde_json::to_value(&req).unwrap();
        assert_eq!(v["amount"], "100.00");
        assert!(v.get("custEmail").is_none());
        let body = r#"{"status":0,"msg":"Success","code":null,"data":{"link":"https://test.payumoney.com/url/1IOrXuzqo5KH","linkId":"D9tC","expiryDate":"2021-07-21T12:19:04.882+0000"}}"#;
        let answer: Envelope<Link> = serde_json::from_str(body).unwrap();
        assert_eq!(
            answer.data.unwrap().link,
            "https://test.payumoney.com/url/1IOrXuzqo5KH"
        );
    }

    #[test]
    fn amounts_read_from_strings_and_numbers_alike() {
        for amount in [r#""100.10""#, "100.10"] {
            let body = format!(
                r#"{{"amount":{amount},"merchantRefId":"L1","custName":"A","custMobile":"9845012345","description":"d"}}"#
            );
            let link: CreateLink = serde_json::from_str(&body).unwrap();
            assert_eq!(link.amount, Decimal::new(10010, 2), "{amount}");
        }
        let refused: Envelope<Vec<LinkError>> = serde_json::from_str(
            r#"{"status":1,"msg":"Fail","code":null,"data":[{"code":1108,"message":"custMobile or custEmail is required"}]}"#,
        )
        .unwrap();
        assert_eq!(refused.data.unwrap()[0].code, 1108);
    }

    #[test]
    fn details_read_ids_and_codes_written_as_numbers_or_text() {
        let body = r#"{"status":0,"msg":null,"code":null,"data":{"merchantRefId":12345,"smartSendStatus":"SUCCESS",
            "linkId":"D9tC","txnStatus":"FAILED","payuTransactionRefNo":987654321,"bankTransactionRefNo":null,
            "txnStatusDescription":"Account closed","responseCode":1022,"unknownField":{"a":1}}}"#;
        let d = serde_json::from_str::<Envelope<LinkDetails>>(body)
            .unwrap()
            .data
            .unwrap();
        assert_eq!(d.merchant_ref_id.as_deref(), Some("12345"));
        assert_eq!(d.payu_transaction_ref_no.as_deref(), Some("987654321"));
        assert_eq!(d.response_code.as_deref(), Some("1022"));
        assert_eq!(d.txn_status_description.as_deref(), Some("Account closed"));
        assert_eq!(d.bank_transaction_ref_no, None);
        assert_eq!(d.link, None);
    }

    #[test]
    fn a_record_not_found_yet_reads_with_empty_fields() {
        let body = r#"{"status":1,"msg":"Smart Send Record not found with merchant reference id - xyz. for Payout Merchant Id - 2212618. Kindly fetch details after some time.",
            "code":null,"data":{"merchantRefId":"xyz","smartSendStatus":null,"linkId":null}}"#;
        let answer: Envelope<LinkDetails> = serde_json::from_str(body).unwrap();
        assert!(!answer.is_success());
        assert_eq!(answer.data.unwrap().smart_send_status, None);
    }
}
