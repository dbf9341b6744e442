//! `payout` rows: PayU India Initiate Transfer, in batches. PayU accepts a batch whole or
//! refuses it naming the items at fault; items it does not name stay `UNKNOWN` until
//! listTransactions, asked by reference, settles them (architecture.md §3.1).

use std::collections::HashMap;

use super::{Engine, Item, Outcome, Phase, Request, to_send};
use crate::Error;
use crate::client::CallError;
use crate::client::india::{BatchAnswer, India};
use crate::journal::State;
use crate::payu::india::{Transaction, TxnStatus};
use crate::report::Status;

/// PayU's duplicate-reference code for a transfer.
const DUPLICATE: i64 = 1002;

/// A transfer's state as a results line.
pub fn outcome(t: &Transaction) -> Outcome {
    let status = match t.txn_status {
        TxnStatus::Success => Status::Success,
        TxnStatus::Failed | TxnStatus::Reversed | TxnStatus::Rejected | TxnStatus::Cancelled => {
            Status::Failed
        }
        _ => Status::Pending,
    };
    let mut o = Outcome::new(status);
    o.reference = t.payu_transaction_ref_no.clone().unwrap_or_default();
    if status == Status::Failed {
        let name = serde_json::to_value(t.txn_status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let sub = t.txn_sub_status.as_deref().unwrap_or("");
        o.codes = vec![if sub.is_empty() {
            name.clone()
        } else {
            sub.to_owned()
        }];
        let detail = [t.txn_status_description.as_deref(), t.msg.as_deref()]
            .into_iter()
            .flatten()
            .filter(|d| !d.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        o.messages = vec![format!(
            "PayU: the transfer is {name}{}{}",
            if sub.is_empty() {
                String::new()
            } else {
                format!(" ({sub})")
            },
            if detail.is_empty() {
                String::new()
            } else {
                format!(": {detail}")
            }
        )];
    }
    if t.txn_status == TxnStatus::Queued {
        // PayU holds it for want of balance or until its scheduled time (§6).
        let why = t.txn_status_description.as_deref().unwrap_or("").trim();
        o.messages = vec![format!(
            "PayU: the transfer is QUEUED{}: paid once the balance covers it (or at its scheduled time); `payu-bulk cancel` can still stop it",
            if why.is_empty() {
                String::new()
            } else {
                format!(" ({why})")
            }
        )];
    }
    o
}

impl Engine<'_> {
    fn india(&self) -> Result<India<'_>, CallError> {
        let account = self.india_account()?;
        Ok(India {
            transport: &self.apis.transport,
            tokens: &account.tokens,
            endpoints: &self.apis.endpoints,
            merchant_id: &account.merchant_id,
        })
    }

    pub(super) async fn send_transfers(&self, items: &mut [Item]) -> Result<(), Error> {
        let mut pending: Vec<&mut Item> = to_send(items).collect();
        let size = self.options.batch_size.max(1);
        let batches = pending.chunks_mut(size).map(|batch| self.send_batch(batch));
        self.each(batches).await
    }

    async fn send_batch(&self, batch: &mut [&mut Item]) -> Result<(), Error> {
        let mut claimed = self.claim_all(batch.iter_mut().map(|item| &mut **item))?;
        if claimed.is_empty() {
            return Ok(());
        }
        let transfers: Vec<_> = claimed
            .iter()
            .filter_map(|i| match &i.payment.request {
                Request::Transfer(t) => Some(t.clone()),
                _ => None,
            })
            .collect();
        let resent: Vec<bool> = claimed.iter_mut().map(|item| self.sending(item)).collect();
        let answer = match self.india() {
            Ok(api) => api.initiate(&transfers).await,
            Err(e) => Err(e),
        };
        self.tick();
        match answer {
            Ok(BatchAnswer::Accepted) => {
                for item in claimed.iter_mut() {
                    self.settle(item, State::Pending, None)?;
                    item.outcome.set(Status::Pending, "accepted by PayU");
                    item.phase = Phase::Poll;
                }
            }
            Ok(BatchAnswer::Refused { items, .. }) if !items.is_empty() => {
                let named: HashMap<&str, _> = items
                    .iter()
                    .filter_map(|e| e.merchant_ref_id.as_deref().map(|r| (r, e)))
                    .collect();
                for (item, resend) in claimed.iter_mut().zip(resent) {
                    match named.get(item.key.reference.as_str()) {
                        // A resend PayU calls a duplicate: the earlier request arrived.
                        Some(e) if resend && e.code.contains(&DUPLICATE) => {
                            self.settle(item, State::Unknown, None)?;
                            item.phase = Phase::Reconcile;
                        }
                        Some(e) => {
                            self.settle(item, State::Failed, None)?;
                            let codes = e.code.iter().map(i64::to_string).collect();
                            let why = e.error.as_deref().unwrap_or("").trim();
                            item.outcome
                                .fail(codes, format!("PayU refused the transfer: {why}"));
                            item.phase = Phase::Done;
                        }
                        // Not named: PayU refused the batch for the others; only a status
                        // query can say for sure.
                        None => {
                            self.settle(item, State::Unknown, None)?;
                            item.outcome.set(
                                Status::Unknown,
                                "its batch was refused for other rows; checked with PayU before it is resent",
                            );
                            item.phase = Phase::Reconcile;
                        }
                    }
                }
            }
            Ok(BatchAnswer::Refused { msg, code, .. }) => {
                // The whole batch refused, naming no item: PayU processed none of it.
                let codes = code
                    .map(|c| c.all().iter().map(i64::to_string).collect())
                    .unwrap_or_else(|| vec!["PAYU_REFUSED".to_owned()]);
                let why = msg.unwrap_or_default();
                for item in claimed.iter_mut() {
                    self.settle(item, State::Failed, None)?;
                    item.outcome
                        .fail(codes.clone(), format!("PayU refused the batch: {why}"));
                    item.phase = Phase::Done;
                }
            }
            Err(e) => {
                for (item, resend) in claimed.iter_mut().zip(resent) {
                    self.unanswered(item, &e, resend)?;
                }
            }
        }
        Ok(())
    }

    pub(super) async fn ask_transfer(&self, reference: &str) -> Result<Option<Outcome>, CallError> {
        let found = self.india()?.find(reference).await?;
        Ok(found.as_ref().map(outcome))
    }
}
