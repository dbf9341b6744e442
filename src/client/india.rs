//! PayU India payouts: Initiate Transfer v1/v2 (§4), listTransactions (§5), cancel (§7) and
//! getAccountDetail (§3).

use super::auth::{Tokens, authed};
use super::{Answer, CallError, Class, OnLeave, Transport};
use crate::config::{Endpoints, PaymentApi};
use crate::payu::india::{
    AccountDetail, ListTransactions, Transaction, TransactionPage, Transfer, TransferError,
};
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

/// The most transfers one listTransactions page holds (§5).
pub const PAGE_SIZE: u32 = 100;

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
        let answer = authed(
            self.transport,
            self.tokens,
            Class::Send,
            false,
            |c, token| {
                on_leave();
                c.post(&self.endpoints.india_payment)
                    .bearer_auth(token)
                    .header(header, self.merchant_id)
                    .json(&body)
            },
        )
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

    async fn v1(
        &self,
        class: Class,
        url: &str,
        form: &impl serde::Serialize,
    ) -> Result<Answer, CallError> {
        authed(self.transport, self.tokens, class, true, |c, token| {
            c.post(url)
                .bearer_auth(token)
                .header("payoutMerchantId", self.merchant_id)
                .form(form)
        })
        .await
    }

    /// One listTransactions page.
    async fn page(&self, query: &ListTransactions) -> Result<TransactionPage, CallError> {
        let answer = self
            .v1(
                Class::Status,
                &self.endpoints.india_list_transactions,
                query,
            )
            .await?;
        let envelope: Envelope<TransactionPage> = answer.json().map_err(CallError::Unreadable)?;
        if !envelope.is_success() {
            return Err(CallError::Unreadable(format!(
                "listTransactions refused the query: {}",
                envelope.msg.unwrap_or_default()
            )));
        }
        Ok(envelope.data.unwrap_or_default())
    }

    /// The transfer with `reference`, if PayU shows one (the latest, should PayU hold two).
    pub async fn find(&self, reference: &str) -> Result<Option<Transaction>, CallError> {
        let query = ListTransactions {
            merchant_ref_id: Some(reference.to_owned()),
            ..ListTransactions::default()
        };
        Ok(self
            .page(&query)
            .await?
            .transaction_details
            .into_iter()
            .find(|t| t.merchant_ref_id == reference))
    }

    /// Every transfer PayU shows with `batch_id` made from `from` to `to` (`dd/MM/yyyy`,
    /// inclusive), latest first: every page of [`PAGE_SIZE`], pages after the first asked
    /// for at once. A page count that grows while the pages are read (transfers arriving
    /// meanwhile push the others to later pages) is followed; a page other than the one
    /// asked for (a PayU that ignores `page`) fails the whole listing, so that the caller
    /// asks by reference instead of taking a row for one PayU does not show.
    pub async fn batch(
        &self,
        batch_id: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<Transaction>, CallError> {
        let query = |page: u32| ListTransactions {
            batch_id: Some(batch_id.to_owned()),
            from: Some(from.to_owned()),
            to: Some(to.to_owned()),
            page: Some(page),
            page_size: Some(PAGE_SIZE),
            ..ListTransactions::default()
        };
        // `page` is 1-based in requests, `currentPage` 0-based in answers (§5).
        let checked = |page: u32, answer: TransactionPage| {
            if answer.current_page == i64::from(page) - 1 {
                Ok(answer)
            } else {
                Err(CallError::Unreadable(format!(
                    "listTransactions answered page {} (0-based) to a request for page {page} (1-based)",
                    answer.current_page
                )))
            }
        };
        let first = checked(1, self.page(&query(1)).await?)?;
        let mut pages = clamp_pages(first.no_of_pages);
        let mut found = first.transaction_details;
        let mut read = 1;
        while read < pages {
            let wanted = read + 1..=pages;
            let answers = futures_util::future::join_all(
                wanted
                    .clone()
                    .map(|p| async move { checked(p, self.page(&query(p)).await?) }),
            )
            .await;
            read = pages;
            for answer in answers {
                let answer = answer?;
                pages = pages.max(clamp_pages(answer.no_of_pages));
                found.extend(answer.transaction_details);
            }
        }
        Ok(found)
    }

    /// Cancels a queued transfer; PayU's answer as it gave it.
    pub async fn cancel(&self, reference: &str) -> Result<Envelope<serde_json::Value>, CallError> {
        let form = [("merchantRefId", reference)];
        let answer = self
            .v1(Class::Send, &self.endpoints.india_cancel, &form)
            .await?;
        answer.json().map_err(CallError::Unreadable)
    }

    /// The payout account's balance and details.
    pub async fn account_detail(&self) -> Result<AccountDetail, CallError> {
        let answer = authed(
            self.transport,
            self.tokens,
            Class::Status,
            true,
            |c, token| {
                c.get(&self.endpoints.india_account_detail)
                    .bearer_auth(token)
                    .header("payoutMerchantId", self.merchant_id)
            },
        )
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

/// A page count as PayU gives it, within what one listing reads: at least the page just read,
/// at most a thousand pages (a hundred thousand transfers in one batch; PayU's own batches are
/// far smaller, and a count past it is taken as an error of PayU's, not followed).
fn clamp_pages(n: i64) -> u32 {
    u32::try_from(n.clamp(1, 1000)).unwrap_or(1)
}
