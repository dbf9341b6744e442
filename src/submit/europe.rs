//! `global-payout` rows: one PayU Europe payout request per row. PayU Europe cannot be asked
//! by `extPayoutId`, only by the payoutId of its answer, so a row sent without an answer is
//! resent with the same reference once the visibility window has passed, and PayU's `8356`
//! (the payout exists) settles that it is there (architecture.md §3.1).

use super::state::{Answer, Lookup, Report, Said, Waiting};
use super::{Engine, Outgoing, Request, Surface, unanswered};
use crate::client::CallError;
use crate::client::europe::{Created, Europe, Payout};

/// PayU Europe's code for a payout whose `extPayoutId` it has.
const DUPLICATE: &str = "8356";

/// A payout's state as PayU Europe reports it (§16.5).
pub fn report(p: &Payout) -> Report {
    let w = super::india::word(&p.status);
    let said = match w.as_str() {
        "REALIZED" => Said::Success,
        "CANCELLED" | "CANCELED" => Said::Failed {
            code: "CANCELLED".into(),
            reason: "PayU cancelled the payout".into(),
        },
        "PENDING" | "WAITING" | "NEW" => Said::Waiting(Waiting::InProgress(format!(
            "accepted by PayU; PayU says {w}"
        ))),
        _ => Said::Waiting(Waiting::Unrecognised(p.status.trim().to_owned())),
    };
    let mut r = Report::new(said);
    r.payu_id = Some(p.payout_id.clone());
    r
}

/// PayU Europe's payouts.
pub(super) struct Payouts<'a> {
    api: Europe<'a>,
}

impl Engine<'_> {
    pub(super) fn payouts(&self) -> Result<Payouts<'_>, CallError> {
        let account = self.apis.europe.as_ref().ok_or_else(|| {
            CallError::Auth("no PayU Europe account is configured for this environment".into())
        })?;
        Ok(Payouts {
            api: Europe {
                transport: &self.apis.transport,
                tokens: &account.tokens,
                host: &self.apis.endpoints.europe_host,
            },
        })
    }
}

impl Surface for Payouts<'_> {
    fn group(&self) -> usize {
        1
    }

    async fn send(&self, payments: &[&Outgoing], left: &dyn Fn(usize)) -> Vec<Answer> {
        let mut answers = Vec::with_capacity(payments.len());
        for (i, p) in payments.iter().enumerate() {
            let Request::Payout(request) = &p.request else {
                answers.push(Answer::Refused {
                    code: "NOT_A_PAYOUT".into(),
                    reason: "not a PayU Europe payout".into(),
                });
                continue;
            };
            let leave = || left(i);
            answers.push(match self.api.create(request, &leave).await {
                Ok(created) => read(created),
                Err(e) => unanswered(&e),
            });
        }
        answers
    }

    /// By the payoutId only: without one there is nothing to ask, and the lookup is empty.
    async fn look_up(&self, _: &str, payu_id: Option<&str>) -> Result<Lookup, CallError> {
        let Some(id) = payu_id else {
            return Ok(Lookup::Empty);
        };
        Ok(match self.api.retrieve(id).await? {
            Some(p) => Lookup::Found(report(&p)),
            None => Lookup::Empty,
        })
    }
}

fn read(created: Created) -> Answer {
    match created {
        Created::Accepted(p) => Answer::Accepted(report(&p)),
        Created::Refused {
            code, payout_id, ..
        } if code.as_deref() == Some(DUPLICATE) => Answer::Duplicate {
            code: DUPLICATE.into(),
            payu_id: payout_id,
        },
        Created::Refused {
            http,
            code,
            description,
            ..
        } => {
            let code = code.unwrap_or_else(|| format!("HTTP_{http}"));
            Answer::Refused {
                reason: format!("PayU refused the payout: {code} {description}"),
                code,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duplicate_is_held_with_or_without_its_id_and_refusals_keep_payus_words() {
        let dup = |id: Option<&str>| Created::Refused {
            http: 403,
            code: Some("8356".into()),
            description: "PAYOUT_ALREADY_EXISTS".into(),
            payout_id: id.map(str::to_owned),
        };
        assert_eq!(
            read(dup(None)),
            Answer::Duplicate {
                code: "8356".into(),
                payu_id: None
            }
        );
        assert_eq!(
            read(dup(Some("P1"))),
            Answer::Duplicate {
                code: "8356".into(),
                payu_id: Some("P1".into())
            }
        );
        let denied = Created::Refused {
            http: 403,
            code: Some("access_denied".into()),
            description: "Access is denied".into(),
            payout_id: None,
        };
        assert_eq!(
            read(denied),
            Answer::Refused {
                code: "access_denied".into(),
                reason: "PayU refused the payout: access_denied Access is denied".into()
            }
        );
        let odd = report(&Payout {
            payout_id: "P2".into(),
            status: "SUSPENDED".into(),
        });
        assert_eq!(
            odd.said,
            Said::Waiting(Waiting::Unrecognised("SUSPENDED".into()))
        );
    }
}
