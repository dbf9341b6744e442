//! `payout` rows: PayU India Initiate Transfer, in batches, and listTransactions by batch
//! (by reference for a row whose batch is unknown or whose batch listing failed). PayU
//! accepts a batch whole or refuses it naming the items at fault; items it does not name stay
//! `UNKNOWN` until a lookup settles them (architecture.md §3.1).

use std::collections::{BTreeMap, HashMap};

use super::state::{self, Answer, Lookup, Report, Said, Waiting};
use super::{Asked, Engine, Outgoing, Request, Surface, unanswered};
use crate::client::CallError;
use crate::client::india::{BatchAnswer, India};
use crate::config::ApprovalFlow;
use crate::payu::india::Transaction;

/// PayU's duplicate-reference code for a transfer.
const DUPLICATE: i64 = 1002;

/// A status word in one spelling: upper case, words joined by `_` (`IN PROGRESS` and
/// `in-progress` are `IN_PROGRESS`).
pub fn word(s: &str) -> String {
    s.trim()
        .to_ascii_uppercase()
        .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// PayU's reason, from the fields it puts one in.
pub fn reason_of(parts: &[Option<&str>]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for p in parts.iter().flatten() {
        let p = p.trim();
        if !p.is_empty() && !seen.contains(&p) {
            seen.push(p);
        }
    }
    seen.join("; ")
}

/// Whether a queue reason is the balance (§6: QUEUED while the balance is insufficient).
pub fn for_funds(reason: &str) -> bool {
    let r = reason.to_ascii_lowercase();
    r.contains("balance") || r.contains("fund")
}

/// A transfer's state as PayU reports it (§6), in every spelling PayU uses.
pub fn report(t: &Transaction) -> Report {
    let w = word(&t.txn_status);
    let why = reason_of(&[t.txn_status_description.as_deref(), t.msg.as_deref()]);
    let sub = t.txn_sub_status.as_deref().map(word).unwrap_or_default();
    let failed = |default: &str| {
        let code = if !sub.is_empty() && sub != w {
            sub.clone()
        } else {
            t.response_code
                .clone()
                .filter(|c| !c.trim().is_empty())
                .unwrap_or_else(|| default.to_owned())
        };
        let reason = if why.is_empty() {
            format!("PayU: the transfer is {default}")
        } else {
            format!("PayU: the transfer is {default}: {why}")
        };
        Said::Failed { code, reason }
    };
    let said = match w.as_str() {
        "SUCCESS" => Said::Success,
        "FAILED" | "FAILURE" => failed("FAILED"),
        "REVERSED" => failed("REVERSED"),
        "REJECTED" => Said::Failed {
            code: "REJECTED".into(),
            reason: if why.is_empty() {
                "PayU: the transfer was rejected in the approval flow".into()
            } else {
                format!("PayU: the transfer was rejected: {why}")
            },
        },
        "CANCELLED" | "CANCELED" => failed("CANCELLED"),
        "PENDING_FOR_APPROVAL" | "APPROVAL_PENDING" => Said::Waiting(Waiting::Approval),
        "QUEUED" | "SCHEDULED" if for_funds(&why) => Said::Waiting(Waiting::Queued(why)),
        "QUEUED" | "SCHEDULED" => Said::Waiting(Waiting::InProgress(if why.is_empty() {
            format!("accepted by PayU; PayU says {w}")
        } else {
            format!("accepted by PayU; PayU says {w}: {why}")
        })),
        "IN_PROGRESS" | "PENDING" | "WAITING_FOR_RETRY" => Said::Waiting(Waiting::InProgress(
            format!("accepted by PayU; PayU says {w}"),
        )),
        _ => Said::Waiting(Waiting::Unrecognised(t.txn_status.trim().to_owned())),
    };
    Report {
        said,
        payu_id: t.payu_transaction_ref_no.clone().filter(|s| !s.is_empty()),
        link: None,
        utr: t.bank_transaction_ref_no.clone().filter(|s| !s.is_empty()),
    }
}

/// PayU India's transfers.
pub(super) struct Transfers<'a> {
    api: India<'a>,
    skip_approval: bool,
}

impl Engine<'_> {
    pub(super) fn india(&self) -> Result<India<'_>, CallError> {
        let account = self.india_account()?;
        Ok(India {
            transport: &self.apis.transport,
            tokens: &account.tokens,
            endpoints: &self.apis.endpoints,
            merchant_id: &account.merchant_id,
        })
    }

    pub(super) fn transfers(&self) -> Result<Transfers<'_>, CallError> {
        Ok(Transfers {
            api: self.india()?,
            skip_approval: self.options.approval_flow == ApprovalFlow::Skip,
        })
    }
}

impl Surface for Transfers<'_> {
    fn group(&self) -> usize {
        50
    }

    async fn send(&self, payments: &[&Outgoing], left: &dyn Fn(usize)) -> Vec<Answer> {
        let transfers: Vec<_> = payments
            .iter()
            .filter_map(|p| match &p.request {
                Request::Transfer(t) => Some(t.clone()),
                _ => None,
            })
            .collect();
        let leave = || (0..payments.len()).for_each(left);
        match self
            .api
            .initiate(&transfers, self.skip_approval, &leave)
            .await
        {
            Ok(answer) => {
                let references: Vec<&str> = payments.iter().map(|p| p.reference.as_str()).collect();
                read(answer, &references)
            }
            Err(e) => payments.iter().map(|_| unanswered(&e)).collect(),
        }
    }

    async fn look_up(&self, reference: &str, _: Option<&str>) -> Result<Lookup, CallError> {
        Ok(match self.api.find(reference).await? {
            Some(t) => Lookup::Found(report(&t)),
            None => Lookup::Empty,
        })
    }

    /// Rows by their batch: one listing (every page) per distinct `batchId`, from the day
    /// before the batch's first send to the day after today (IST, so that a clock apart from
    /// PayU's by minutes near midnight loses no day), the listings at once. A row its batch's
    /// listing shows is found by its `merchantRefId` (a batchId is free text and may repeat
    /// across runs: what the listing holds besides the asked rows is ignored); a row it does
    /// not show is undetermined (`Empty`, never absent). A batch whose listing failed leaves
    /// its rows to be asked by reference.
    async fn look_up_many(&self, rows: &[Asked]) -> Vec<Option<Lookup>> {
        let mut batches: BTreeMap<&str, (Vec<usize>, state::Stamp)> = BTreeMap::new();
        for (i, row) in rows.iter().enumerate() {
            if let (Some(batch), Some(since)) = (row.batch.as_deref(), row.since) {
                let (members, first) = batches.entry(batch).or_insert((Vec::new(), since));
                members.push(i);
                *first = (*first).min(since);
            }
        }
        let today = day_of(state::now());
        let listings =
            futures_util::future::join_all(batches.iter().map(|(batch, (_, first))| async move {
                let from = dd_mm_yyyy(day_of(*first) - chrono::Days::new(1));
                let to = dd_mm_yyyy(today + chrono::Days::new(1));
                self.api.batch(batch, &from, &to).await
            }))
            .await;
        let mut found = vec![None; rows.len()];
        for ((_, (members, _)), listing) in batches.iter().zip(listings) {
            let Ok(listing) = listing else { continue };
            // Latest first: the first entry of a reference is its latest transfer.
            let mut by_reference: HashMap<&str, &Transaction> = HashMap::new();
            for t in &listing {
                by_reference.entry(t.merchant_ref_id.as_str()).or_insert(t);
            }
            for &i in members {
                found[i] = Some(match by_reference.get(rows[i].reference.as_str()) {
                    Some(t) => Lookup::Found(report(t)),
                    None => Lookup::Empty,
                });
            }
        }
        found
    }
}

/// The day (IST, PayU India's) of a moment.
fn day_of(at: state::Stamp) -> chrono::NaiveDate {
    chrono::DateTime::from_timestamp_millis(at)
        .unwrap_or_default()
        .with_timezone(&crate::validate::dates::ist())
        .date_naive()
}

/// A day as listTransactions' `from` and `to` take it (§5).
fn dd_mm_yyyy(day: chrono::NaiveDate) -> String {
    day.format("%d/%m/%Y").to_string()
}

/// A batch's answer, for each of its rows.
fn read(answer: BatchAnswer, payments: &[&str]) -> Vec<Answer> {
    let accepted = || {
        Answer::Accepted(Report::new(Said::Waiting(Waiting::InProgress(
            "accepted by PayU".into(),
        ))))
    };
    match answer {
        BatchAnswer::Accepted => payments.iter().map(|_| accepted()).collect(),
        BatchAnswer::Refused { items, .. } if !items.is_empty() => {
            let named: HashMap<&str, _> = items
                .iter()
                .filter_map(|e| e.merchant_ref_id.as_deref().map(|r| (r, e)))
                .collect();
            payments
                .iter()
                .map(|p| match named.get(p) {
                    // PayU has it: a first send (a journal emptied or new) or a resend.
                    Some(e) if e.code.contains(&DUPLICATE) => Answer::Duplicate {
                        code: DUPLICATE.to_string(),
                        payu_id: None,
                    },
                    Some(e) => Answer::Refused {
                        code: e
                            .code
                            .iter()
                            .map(i64::to_string)
                            .collect::<Vec<_>>()
                            .join(";"),
                        reason: format!(
                            "PayU refused the transfer: {}",
                            e.error.as_deref().unwrap_or("").trim()
                        ),
                    },
                    // Not named: PayU refused the batch for the others; only a lookup can say.
                    None => Answer::NoAnswer(
                        "its batch was refused for other rows; checked with PayU before it is resent"
                            .into(),
                    ),
                })
                .collect()
        }
        BatchAnswer::Refused { msg, code, .. } => {
            let codes = code.map(|c| c.all()).unwrap_or_default();
            let why = msg.unwrap_or_default();
            if codes.contains(&DUPLICATE) {
                // A duplicate on the whole answer: with one row, that row; with more, PayU
                // has at least one of them and does not say which.
                return payments
                    .iter()
                    .map(|_| {
                        if payments.len() == 1 {
                            Answer::Duplicate {
                                code: DUPLICATE.to_string(),
                                payu_id: None,
                            }
                        } else {
                            Answer::NoAnswer(format!(
                                "PayU answered its batch with the duplicate code {DUPLICATE} without naming the rows ({why}); checked with PayU before it is resent"
                            ))
                        }
                    })
                    .collect();
            }
            // The whole batch refused, naming no item: PayU processed none of it.
            let code = if codes.is_empty() {
                "PAYU_REFUSED".to_owned()
            } else {
                codes
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(";")
            };
            payments
                .iter()
                .map(|_| Answer::Refused {
                    code: code.clone(),
                    reason: format!("PayU refused the batch: {why}"),
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(status: &str, description: Option<&str>) -> Transaction {
        Transaction {
            merchant_ref_id: "R1".into(),
            txn_status: status.into(),
            txn_status_description: description.map(str::to_owned),
            ..Transaction::default()
        }
    }

    #[test]
    fn every_spelling_of_a_state_reads_the_same_and_unknown_words_wait() {
        for (w, said) in [
            ("SUCCESS", "success"),
            ("FAILURE", "failed"),
            ("FAILED", "failed"),
            ("IN PROGRESS", "waiting"),
            ("WAITING FOR RETRY", "waiting"),
            ("PENDING FOR APPROVAL", "approval"),
            ("PENDING_FOR_APPROVAL", "approval"),
            ("ON_HOLD", "unknown"),
        ] {
            let r = report(&found(w, None));
            let got = match r.said {
                Said::Success => "success",
                Said::Failed { .. } => "failed",
                Said::Waiting(Waiting::Approval) => "approval",
                Said::Waiting(Waiting::Unrecognised(ref u)) => {
                    assert_eq!(u, w);
                    "unknown"
                }
                Said::Waiting(_) => "waiting",
            };
            assert_eq!(got, said, "{w}");
        }
    }

    #[test]
    fn a_duplicate_at_either_level_means_payu_has_it() {
        use crate::payu::Codes;
        use crate::payu::india::TransferError;
        let named = BatchAnswer::Refused {
            items: vec![TransferError {
                batch_id: None,
                merchant_ref_id: Some("R1".into()),
                error: Some("DUPLICATE MERCHANT REF ID".into()),
                code: vec![1002],
            }],
            msg: None,
            code: None,
        };
        let answers = read(named, &["R1", "R2"]);
        assert!(matches!(answers[0], Answer::Duplicate { .. }));
        assert!(
            matches!(answers[1], Answer::NoAnswer(_)),
            "not named: undetermined"
        );
        let envelope = || BatchAnswer::Refused {
            items: vec![],
            msg: Some("Duplicate merchantRefId".into()),
            code: Some(Codes::One(1002)),
        };
        assert!(matches!(
            read(envelope(), &["R1"])[0],
            Answer::Duplicate { .. }
        ));
        assert!(
            read(envelope(), &["R1", "R2"])
                .iter()
                .all(|a| matches!(a, Answer::NoAnswer(_))),
            "which of them PayU has it does not say: each is looked up, never FAILED"
        );
    }

    #[test]
    fn a_failure_carries_payus_code_and_reason_and_a_success_its_utr() {
        let mut t = found("FAILED", Some("Beneficiary account is closed"));
        t.response_code = Some("FX0012".into());
        let Said::Failed { code, reason } = report(&t).said else {
            panic!()
        };
        assert_eq!(code, "FX0012");
        assert!(reason.contains("Beneficiary account is closed"), "{reason}");
        let mut t = found("SUCCESS", None);
        t.bank_transaction_ref_no = Some("UTR0001".into());
        assert_eq!(report(&t).utr.as_deref(), Some("UTR0001"));
        let q = report(&found("QUEUED", Some("Insufficient balance in account")));
        assert_eq!(
            q.said,
            Said::Waiting(Waiting::Queued("Insufficient balance in account".into()))
        );
        assert!(
            matches!(report(&found("REJECTED", None)).said, Said::Failed { ref code, .. } if code == "REJECTED")
        );
    }
}
