//! PayU India payouts: Initiate Transfer v1/v2 (§4), listTransactions (§5), cancel (§7) and
//! getAccountDetail (§3).

use super::auth::{Tokens, authed};
use super::{Answer, CallError, OnLeave, Transport};
use crate::config::{Endpoints, PaymentApi};
use crate::payu::india::{AccountDetail, ListTransactions, Transfer, TransferError};
use crate::payu::{Codes, Envelope};

/// What PayU said of a batch.
#[derive(Debug, Clone)]
pub enum BatchAnswer {
    /// Every item accepted; each goes on asynchronously.
    Accepted,
    /// Refused, with the items PayU named and their codes. Items it does not name were not
    /// accepted either as far as PayU documents, but only a status query can say.
    Refused {
        items: Vec<TransferError>,
        msg: Option<String>,
        code: Option<Codes>,
    },
}

/// One transfer as listTransactions reports it (§5), its status word as PayU wrote it: PayU
/// spells states more than one way (`IN_PROGRESS`, `IN PROGRESS`, `FAILURE`) and may name one
/// no document does, so the word is read by the caller, never refused here.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Found {
    #[serde(default)]
    pub merchant_ref_id: String,
    #[serde(default)]
    pub txn_status: String,
    #[serde(default)]
    pub txn_sub_status: Option<String>,
    #[serde(default)]
    pub payu_transaction_ref_no: Option<String>,
    /// The UTR of a paid transfer.
    #[serde(default)]
    pub bank_transaction_ref_no: Option<String>,
    #[serde(default)]
    pub msg: Option<String>,
    /// The failure or queue reason.
    #[serde(default)]
    pub txn_status_description: Option<String>,
    /// PayU's code for a failure (a number or text, as PayU writes it).
    #[serde(default, deserialize_with = "crate::payu::loose_text")]
    pub response_code: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    #[serde(default)]
    transaction_details: Vec<Found>,
}

pub struct India<'a> {
    pub transport: &'a Transport,
    pub tokens: &'a Tokens,
    pub endpoints: &'a Endpoints,
    pub merchant_id: &'a str,
}

impl India<'_> {
    /// Initiate Transfer with a batch; never retried here (the caller reconciles).
    pub async fn initiate(
        &self,
        batch: &[Transfer],
        skip_approval: bool,
        on_leave: OnLeave<'_>,
    ) -> Result<BatchAnswer, CallError> {
        let body = if skip_approval {
            super::without_approval(&batch)
        } else {
            serde_json::to_value(batch).map_err(|e| CallError::Unreadable(e.to_string()))?
        };
        let header = match self.endpoints.india_payment_api {
            PaymentApi::V1 => "payoutMerchantId",
            PaymentApi::V2 => "pid",
        };
        let answer = authed(self.transport, self.tokens, false, |c, token| {
            on_leave();
            c.post(&self.endpoints.india_payment)
                .bearer_auth(token)
                .header(header, self.merchant_id)
                .json(&body)
        })
        .await?;
        let envelope: Envelope<serde_json::Value> = answer.json().map_err(CallError::Unreadable)?;
        if envelope.is_success() {
            return Ok(BatchAnswer::Accepted);
        }
        // The items come as a list in `data`; other refusals carry no list.
        let items = envelope
            .data
            .and_then(|d| serde_json::from_value::<Vec<TransferError>>(d).ok())
            .unwrap_or_default();
        Ok(BatchAnswer::Refused {
            items,
            msg: envelope.msg,
            code: envelope.code,
        })
    }

    async fn v1(&self, url: &str, form: &impl serde::Serialize) -> Result<Answer, CallError> {
        authed(self.transport, self.tokens, true, |c, token| {
            c.post(url)
                .bearer_auth(token)
                .header("payoutMerchantId", self.merchant_id)
                .form(form)
        })
        .await
    }

    /// The transfer with `reference`, if PayU holds one.
    pub async fn find(&self, reference: &str) -> Result<Option<Found>, CallError> {
        let query = ListTransactions {
            merchant_ref_id: Some(reference.to_owned()),
            ..ListTransactions::default()
        };
        let answer = self
            .v1(&self.endpoints.india_list_transactions, &query)
            .await?;
        let envelope: Envelope<Page> = answer.json().map_err(CallError::Unreadable)?;
        if !envelope.is_success() {
            return Err(CallError::Unreadable(format!(
                "listTransactions refused the query: {}",
                envelope.msg.unwrap_or_default()
            )));
        }
        Ok(envelope
            .data
            .unwrap_or_default()
            .transaction_details
            .into_iter()
            .find(|t| t.merchant_ref_id == reference))
    }

    /// Cancels a queued transfer; PayU's answer as it gave it.
    pub async fn cancel(&self, reference: &str) -> Result<Envelope<serde_json::Value>, CallError> {
        let form = [("merchantRefId", reference)];
        let answer = self.v1(&self.endpoints.india_cancel, &form).await?;
        answer.json().map_err(CallError::Unreadable)
    }

    /// The payout account's balance and details.
    pub async fn account_detail(&self) -> Result<AccountDetail, CallError> {
        let answer = authed(self.transport, self.tokens, true, |c, token| {
            c.get(&self.endpoints.india_account_detail)
                .bearer_auth(token)
                .header("payoutMerchantId", self.merchant_id)
        })
        .await?;
        let envelope: Envelope<AccountDetail> = answer.json().map_err(CallError::Unreadable)?;
        envelope.data.ok_or_else(|| {
            CallError::Unreadable(format!(
                "getAccountDetail refused: {}",
                envelope.msg.unwrap_or_default()
            ))
        })
    }
}
