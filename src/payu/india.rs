//! PayU India direct transfers: Initiate Transfer (§4), listTransactions (§5), cancel (§7).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One transfer of an Initiate Transfer request; the request body is a JSON array of them.
/// A field a request leaves out reads as empty, so that the sandbox can answer it with
/// PayU's code for that field rather than refuse the whole body.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transfer {
    pub beneficiary_account_number: Option<String>,
    pub beneficiary_ifsc_code: Option<String>,
    #[serde(default)]
    pub beneficiary_name: String,
    pub beneficiary_email: Option<String>,
    pub beneficiary_mobile: Option<String>,
    #[serde(default)]
    pub purpose: String,
    /// A JSON number with at most two decimals (`1234.12`), written digit for digit: never
    /// through a binary float. Read as a number or a string (one OAS types it `"1000"`).
    #[serde(
        default,
        serialize_with = "rust_decimal::serde::arbitrary_precision::serialize",
        deserialize_with = "super::string_or_number_or_zero"
    )]
    pub amount: Decimal,
    #[serde(default)]
    pub batch_id: String,
    #[serde(default)]
    pub merchant_ref_id: String,
    /// `IMPS`, `NEFT`, `RTGS` or `UPI`.
    #[serde(default)]
    pub payment_type: String,
    pub vpa: Option<String>,
    /// Sent explicitly: PayU's sources disagree on its default.
    #[serde(default)]
    pub retry: bool,
    /// `yyyy-MM-dd HH:mm:ss`, IST.
    pub scheduled_time: Option<String>,
    pub custom1: Option<String>,
    pub custom2: Option<String>,
    pub custom3: Option<String>,
    /// `true` skips the dashboard's maker/checker approval for this transfer (OAS v16); absent,
    /// the account's setting decides.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::flag"
    )]
    pub disable_approval_flow: Option<bool>,
}

/// An item of a rejected batch (§4.2): which transfer, what is wrong, PayU's codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferError {
    #[serde(default)]
    pub batch_id: Option<String>,
    #[serde(default)]
    pub merchant_ref_id: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub code: Vec<i64>,
}

/// The form of a listTransactions request (§5); every field is optional.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListTransactions {
    pub merchant_ref_id: Option<String>,
    pub batch_id: Option<String>,
    pub transfer_status: Option<String>,
    /// `dd/MM/yyyy`, inclusive.
    pub from: Option<String>,
    /// `dd/MM/yyyy`, inclusive.
    pub to: Option<String>,
    /// 1-based (answers echo it 0-based as `currentPage`).
    pub page: Option<u32>,
    /// At most 100; PayU's default is 10.
    pub page_size: Option<u32>,
}

/// The `data` of a listTransactions answer. Read leniently (the tool's status reads depend
/// on it): a field PayU writes another way (a count as text, an amount as a string) reads as
/// absent, never makes the page unreadable.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionPage {
    #[serde(default, deserialize_with = "super::loose_number")]
    pub payout_merchant_id: Option<i64>,
    #[serde(default, deserialize_with = "number_or_zero")]
    pub no_of_pages: i64,
    #[serde(default, deserialize_with = "number_or_zero")]
    pub total_elements: i64,
    /// 0-based, even when `page=1` was asked for (§5).
    #[serde(default, deserialize_with = "number_or_zero")]
    pub current_page: i64,
    #[serde(
        default,
        serialize_with = "rust_decimal::serde::arbitrary_precision_option::serialize",
        deserialize_with = "super::loose_amount"
    )]
    pub total_amount: Option<Decimal>,
    /// Spelled as PayU spells it.
    #[serde(default, deserialize_with = "super::loose_number")]
    pub succes_txn: Option<i64>,
    #[serde(default, deserialize_with = "super::loose_number")]
    pub pending_txn: Option<i64>,
    #[serde(default)]
    pub transaction_details: Vec<Transaction>,
}

fn number_or_zero<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    super::loose_number(d).map(Option::unwrap_or_default)
}

/// One transfer as listTransactions reports it. Its state is `txnStatus`, and nothing else,
/// kept as PayU wrote it: PayU spells states more than one way (`IN_PROGRESS`, `IN
/// PROGRESS`, `FAILURE`) and may name one no document does, so the word is read by the
/// caller ([`Transaction::status`] for the documented ones), never refused here. Every other
/// field is read leniently, as in [`TransactionPage`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    #[serde(default, deserialize_with = "super::loose_number")]
    pub txn_id: Option<i64>,
    #[serde(default, deserialize_with = "super::loose_text")]
    pub batch_id: Option<String>,
    #[serde(default, deserialize_with = "text_or_empty")]
    pub merchant_ref_id: String,
    #[serde(
        default,
        serialize_with = "rust_decimal::serde::arbitrary_precision_option::serialize",
        deserialize_with = "super::loose_amount"
    )]
    pub amount: Option<Decimal>,
    #[serde(default, deserialize_with = "text_or_empty")]
    pub txn_status: String,
    #[serde(default, deserialize_with = "super::loose_text")]
    pub txn_sub_status: Option<String>,
    #[serde(default, deserialize_with = "super::loose_text")]
    pub payu_transaction_ref_no: Option<String>,
    /// The UTR of a paid transfer.
    #[serde(default, deserialize_with = "super::loose_text")]
    pub bank_transaction_ref_no: Option<String>,
    #[serde(default, deserialize_with = "super::loose_text")]
    pub transfer_type: Option<String>,
    #[serde(default, deserialize_with = "super::loose_text")]
    pub msg: Option<String>,
    /// The failure or queue reason.
    #[serde(default, deserialize_with = "super::loose_text")]
    pub txn_status_description: Option<String>,
    /// The bank's or PayU's code for the outcome (a number or text, as PayU writes it).
    #[serde(default, deserialize_with = "super::loose_text")]
    pub response_code: Option<String>,
    #[serde(default, deserialize_with = "super::loose_text")]
    pub purpose: Option<String>,
    #[serde(default, deserialize_with = "super::loose_text")]
    pub beneficiary_name: Option<String>,
    #[serde(default, deserialize_with = "super::loose_text")]
    pub txn_source: Option<String>,
    /// `2022-08-22T05:56:13.000+0000`.
    #[serde(default, deserialize_with = "super::loose_text")]
    pub txn_date: Option<String>,
    #[serde(default, deserialize_with = "super::loose_text")]
    pub last_status_update_date: Option<String>,
    #[serde(default, deserialize_with = "super::loose_text")]
    pub succeed_on: Option<String>,
}

fn text_or_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    super::loose_text(d).map(Option::unwrap_or_default)
}

impl Transaction {
    /// Its state, when PayU wrote it in a documented spelling.
    pub fn status(&self) -> Option<TxnStatus> {
        serde_json::from_value(serde_json::Value::String(self.txn_status.trim().to_owned())).ok()
    }
}

/// A transfer's state (§6). PayU leaves some spellings unconfirmed; the variants accept the
/// documented one and the likely alternatives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TxnStatus {
    #[serde(alias = "SCHEDULED")]
    Queued,
    InProgress,
    Pending,
    WaitingForRetry,
    Success,
    #[serde(alias = "FAILURE")]
    Failed,
    Reversed,
    #[serde(alias = "PENDING FOR APPROVAL")]
    PendingForApproval,
    Rejected,
    Cancelled,
}

impl TxnStatus {
    /// Whether PayU will not change it any more.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            TxnStatus::Success
                | TxnStatus::Failed
                | TxnStatus::Reversed
                | TxnStatus::Rejected
                | TxnStatus::Cancelled
        )
    }
}

/// The `data` of `GET {base}/payout/merchant/getAccountDetail` (§3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountDetail {
    pub payout_merchant_id: i64,
    pub uuid: String,
    pub virtual_account_number: String,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub transferable_amount: Decimal,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub balance: Decimal,
    pub low_balance: bool,
    pub ifsc: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub client_id: String,
    pub transit_account_number: Option<String>,
}

/// The `data` of validateVpa (§9.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VpaCheck {
    pub message: Option<String>,
    pub name: Option<String>,
}

/// The `data` of getIfscDetails (§9.3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IfscDetails {
    pub ifsc: String,
    pub bank: String,
    pub branch: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub state: Option<String>,
    pub office: Option<String>,
    pub micr: Option<String>,
    pub contact: Option<String>,
}

/// The `data` of verifyAccount (§9.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountVerification {
    /// `YES`, `No` or `VERIFICATION_PENDING`, as PayU writes them.
    pub account_exists: String,
    pub beneficiary_name: String,
    #[serde(default, with = "rust_decimal::serde::arbitrary_precision_option")]
    pub name_match: Option<Decimal>,
    pub status: String,
    pub error: String,
}

#[cfg(test)]
mod tests {
    use super::super::{Codes, Envelope};
    use super::*;

    #[test]
    fn the_documented_imps_transfer_round_trips() {
        let body = r#"[{"beneficiaryAccountNumber":"51234567890","beneficiaryIfscCode":"HDFC0001234","beneficiaryName":"Payu",
            "beneficiaryEmail":"payu@payu.in","beneficiaryMobile":"9876473627","purpose":"Payment from Company",
            "amount":1234.12,"batchId":"1","merchantRefId":"123asdfad3","paymentType":"IMPS","retry":false}]"#;
        let items: Vec<Transfer> = serde_json::from_str(body).unwrap();
        assert_eq!(items[0].amount, Decimal::new(123412, 2), "exactly 1234.12");
        let again = serde_json::to_value(&items).unwrap();
        assert_eq!(
            again,
            serde_json::from_str::<serde_json::Value>(body).unwrap()
        );
    }

    #[test]
    fn accepted_and_rejected_batches_read() {
        let ok: Envelope<Vec<TransferError>> = serde_json::from_str(
            r#"{"status":0,"msg":"Requests are in process. Will send response of individual request on webhooks set by you","code":null,"data":[]}"#,
        )
        .unwrap();
        assert!(ok.is_success());
        let bad: Envelope<Vec<TransferError>> = serde_json::from_str(
            r#"{"status":1,"msg":null,"code":null,"data":[{"batchId":"1","merchantRefId":"111","error":"beneficiary account number can not be empty. ","code":[1004]}]}"#,
        )
        .unwrap();
        assert_eq!(bad.data.unwrap()[0].code, vec![1004]);
        let single: Envelope<()> = serde_json::from_str(
            r#"{"status":1,"msg":"Webhook url is invalid","code":20407,"data":null}"#,
        )
        .unwrap();
        assert_eq!(single.code, Some(Codes::One(20407)));
    }

    #[test]
    fn transaction_pages_read_and_unknown_references_are_empty() {
        let body = r#"{"status":0,"msg":null,"code":null,"data":{"payoutMerchantId":1111123,"noOfPages":1,"totalElements":1,
            "currentPage":0,"totalAmount":100,"succesTxn":1,"pendingTxn":0,"transactionDetails":[{"txnId":1,"batchId":"1",
            "merchantRefId":"R1","purpose":"Salary","amount":100.5,"txnStatus":"FAILED","txnSubStatus":"REVERSED",
            "payuTransactionRefNo":"PAYOUT1661147773462lrSLcvHSc1K","transferType":"IMPS"}]}}"#;
        let page: Envelope<TransactionPage> = serde_json::from_str(body).unwrap();
        let t = &page.data.unwrap().transaction_details[0];
        assert_eq!(
            (t.status(), t.amount),
            (Some(TxnStatus::Failed), Some(Decimal::new(1005, 1)))
        );
        assert!(t.status().is_some_and(TxnStatus::is_final));
        let empty: Envelope<TransactionPage> = serde_json::from_str(
            r#"{"status":0,"msg":null,"code":null,"data":{"noOfPages":0,"totalElements":0,"currentPage":0,"transactionDetails":[]}}"#,
        )
        .unwrap();
        assert!(empty.data.unwrap().transaction_details.is_empty());
    }

    #[test]
    fn a_page_in_other_spellings_reads_rather_than_fails() {
        // Counts as text, an amount as a string, a code as a number, a reference as a
        // number, an undocumented state, a field no document names, a null: all read.
        let body = r#"{"status":0,"msg":null,"code":null,"data":{"noOfPages":"3","totalElements":"250",
            "currentPage":"1","totalAmount":"100.00","transactionDetails":[{"txnId":"77","batchId":12,
            "merchantRefId":12345,"amount":"100.00","txnStatus":"ON_HOLD","responseCode":0,
            "msg":null,"somethingNew":{"a":1}}]}}"#;
        let page: Envelope<TransactionPage> = serde_json::from_str(body).unwrap();
        let page = page.data.unwrap();
        assert_eq!(
            (page.no_of_pages, page.total_elements, page.current_page),
            (3, 250, 1)
        );
        let t = &page.transaction_details[0];
        assert_eq!(t.merchant_ref_id, "12345");
        assert_eq!(t.batch_id.as_deref(), Some("12"));
        assert_eq!(t.amount, Some(Decimal::new(10000, 2)));
        assert_eq!((t.txn_status.as_str(), t.status()), ("ON_HOLD", None));
        assert_eq!(t.response_code.as_deref(), Some("0"));
        let lifecycle = Transaction {
            txn_status: "PENDING FOR APPROVAL".into(),
            ..Transaction::default()
        };
        assert_eq!(lifecycle.status(), Some(TxnStatus::PendingForApproval));
    }

    #[test]
    fn verification_and_vpa_samples_read() {
        let ok: Envelope<AccountVerification> = serde_json::from_str(
            r#"{"status":0,"msg":null,"code":null,"data":{"accountExists":"YES","beneficiaryName":"Asha Verma","nameMatch":59.45,"status":"Success","error":""}}"#,
        )
        .unwrap();
        assert_eq!(ok.data.unwrap().name_match, Some(Decimal::new(5945, 2)));
        let vpa: Envelope<VpaCheck> = serde_json::from_str(
            r#"{"status":1,"msg":"vpa not available","code":null,"data":{"message":"UPI address is invalid","name":null}}"#,
        )
        .unwrap();
        assert_eq!(
            vpa.data.unwrap().message.as_deref(),
            Some("UPI address is invalid")
        );
    }

    #[test]
    fn status_spellings() {
        let s: TxnStatus = serde_json::from_str(r#""SCHEDULED""#).unwrap();
        assert_eq!(s, TxnStatus::Queued);
        let s: TxnStatus = serde_json::from_str(r#""WAITING_FOR_RETRY""#).unwrap();
        assert!(!s.is_final());
    }
}
