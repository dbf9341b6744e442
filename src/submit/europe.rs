//! `global-payout` rows: one PayU Europe payout request per row. PayU Europe cannot be asked
//! by `extPayoutId`, so a row sent without an answer is resent with the same reference, and
//! PayU's `8356` (the payout exists) settles it (architecture.md §3.1).

use super::{Engine, Item, Outcome, Phase, Request, to_send};
use crate::Error;
use crate::client::CallError;
use crate::client::europe::{Created, Europe};
use crate::journal::State;
use crate::payu::europe::{PayoutState, PayoutStatus};
use crate::report::Status;

/// A payout's state as a results line.
pub fn outcome(p: &PayoutState) -> Outcome {
    let mut o = Outcome::new(match p.status {
        PayoutStatus::Realized => Status::Success,
        PayoutStatus::Cancelled => Status::Failed,
        PayoutStatus::Pending | PayoutStatus::Waiting => Status::Pending,
    });
    o.reference = p.payout_id.clone();
    if p.status == PayoutStatus::Cancelled {
        o.codes = vec!["CANCELLED".to_owned()];
        o.messages = vec!["PayU cancelled the payout".to_owned()];
    }
    o
}

impl Engine<'_> {
    fn europe(&self) -> Result<Europe<'_>, CallError> {
        let account = self.apis.europe.as_ref().ok_or_else(|| {
            CallError::Auth("no PayU Europe account is configured for this environment".into())
        })?;
        Ok(Europe {
            transport: &self.apis.transport,
            tokens: &account.tokens,
            host: &self.apis.endpoints.europe_host,
        })
    }

    pub(super) async fn send_payouts(&self, items: &mut [Item]) -> Result<(), Error> {
        let sending = to_send(items).map(|item| self.send_payout(item));
        self.each(sending).await
    }

    async fn send_payout(&self, item: &mut Item) -> Result<(), Error> {
        if self.stopped().is_some() || !self.claim(item)? {
            return Ok(());
        }
        let Request::Payout(request) = &item.payment.request else {
            return Ok(());
        };
        let request = request.clone();
        let resend = self.sending(item);
        let answer = match self.europe() {
            Ok(api) => api.create(&request).await,
            Err(e) => Err(e),
        };
        self.tick();
        match answer {
            Ok(Created::Accepted(state)) => {
                item.outcome = outcome(&state);
                self.settle(
                    item,
                    super::state_of(item.outcome.status),
                    Some(&state.payout_id),
                )?;
                item.phase = if state.status.is_final() {
                    Phase::Done
                } else {
                    Phase::Poll
                };
            }
            Ok(Created::Refused { code, .. }) if resend && code.as_deref() == Some("8356") => {
                // The earlier request arrived: PayU holds the payout. Its id was in the answer
                // that was lost, and PayU Europe cannot be asked by extPayoutId.
                self.settle(item, State::Pending, None)?;
                item.outcome.set(
                    Status::Pending,
                    "PayU already holds this payout (8356 to a resend after an unanswered request); its payoutId was in the lost answer: find it by extPayoutId in the PayU panel",
                );
                item.phase = Phase::Done;
            }
            Ok(Created::Refused {
                http,
                code,
                description,
            }) => {
                self.settle(item, State::Failed, None)?;
                let code = code.unwrap_or_else(|| format!("HTTP_{http}"));
                item.outcome.fail(
                    vec![code.clone()],
                    format!("PayU refused the payout: {code} {description}"),
                );
                item.phase = Phase::Done;
            }
            Err(e) => self.unanswered(item, &e, resend)?,
        }
        Ok(())
    }

    /// The payout's state by its payoutId; `None` when it has none (an unanswered request:
    /// it is resent) or PayU no longer knows it.
    pub(super) async fn ask_payout(&self, payout_id: &str) -> Result<Option<Outcome>, CallError> {
        if payout_id.is_empty() {
            return Ok(None);
        }
        let found = self.europe()?.retrieve(payout_id).await?;
        Ok(found.as_ref().map(outcome))
    }
}
