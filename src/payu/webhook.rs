//! PayU India's webhooks (§11): Set Webhook's body, and the events PayU posts.

use serde::{Deserialize, Serialize};

/// One entry of Set Webhook's body, a JSON array of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// `default`, or an event key (`transfer_success`, `transfer_failed`…).
    pub webhook: String,
    pub values: Target,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub url: String,
    /// A secret of the merchant's that PayU sends back with every event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<String>,
}

/// An event as PayU posts it; `event` is upper case (`TRANSFER_SUCCESS`…). Fields an event
/// does not carry are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub event: String,
    pub msg: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payu_ref_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_reference_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_reference_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_rows: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub successful_rows: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_rows: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
