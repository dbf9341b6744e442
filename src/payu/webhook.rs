//! PayU India's webhooks (§11): Set Webhook's body, and the events PayU posts.

use serde::{Deserialize, Serialize};

/// One entry of Set Webhook's body, a JSON array of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// `default`, or an event key (`transfer_success`, `transfer_failed`…).
    pub webhook: String,
    pub values: Target,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub url: String,
    /// A secret of the merchant's that PayU sends back with every event.
    pub authorization: Option<String>,
}

/// An event as PayU posts it; `event` is upper case (`TRANSFER_SUCCESS`…). Fields an event
/// does not carry are left out.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub event: String,
    pub msg: String,
    pub payu_ref_id: Option<String>,
    pub merchant_reference_id: Option<String>,
    pub bank_reference_id: Option<String>,
    pub link_id: Option<String>,
    pub file_id: Option<i64>,
    pub total_rows: Option<i64>,
    pub successful_rows: Option<i64>,
    pub failed_rows: Option<i64>,
    pub status: Option<String>,
    pub authorization: Option<String>,
    pub payout_merchant_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_subscription_reads() {
        let body = r#"[{"webhook":"default","values":{"url":"https://example.in/payu","authorization":"s3cret"}}]"#;
        let subs: Vec<Subscription> = serde_json::from_str(body).unwrap();
        assert_eq!(subs[0].values.authorization.as_deref(), Some("s3cret"));
    }

    #[test]
    fn events_leave_out_what_they_do_not_carry() {
        let e = Event {
            event: "TRANSFER_FAILED".into(),
            msg: "Transfer failed".into(),
            merchant_reference_id: Some("R1".into()),
            ..Event::default()
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["merchantReferenceId"], "R1");
        assert!(v.get("fileId").is_none());
    }
}
