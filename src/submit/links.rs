//! `smart-send` rows: a PayU India Smart Send link each, made one request per row (`--mode
//! api`) or through a Bulk Smart Send file (`--mode bulk`: upload → process → file status →
//! each row's details). A row is SUCCESS only when its link's transfer is (`txnStatus`):
//! PayU's link `SUCCESS` means "payout is initiated", not paid (§12.2).
//!
//! A bulk file is never uploaded again while an earlier upload holding the same rows is not
//! `COMPLETED`; a row a completed file does not account for is `UNKNOWN` until a lookup finds
//! its link, and uploaded again only as the visibility window allows.

use std::collections::BTreeMap;

use super::india::{for_funds, reason_of, word};
use super::state::{self, Answer, Lookup, Report, Said, Waiting};
use super::{Engine, Item, Outgoing, Request, Surface, unanswered};
use crate::Error;
use crate::client::CallError;
use crate::client::smart_send::{FileAnswer, LinkAnswer, SmartSend};
use crate::config::ApprovalFlow;
use crate::journal::Key;
use crate::payu::smart_send::{BULK_COLUMNS, LinkDetails};

/// PayU's codes for a link it has already: the reference (1103), the request (1115), the
/// link (1125).
const DUPLICATES: [i64; 3] = [1103, 1115, 1125];

/// A link's details as PayU reports them: the transfer's `txnStatus` decides once there is
/// one; the link's `smartSendStatus` before that.
pub fn report(d: &LinkDetails) -> Report {
    let txn = d.txn_status.as_deref().map(word).unwrap_or_default();
    let link = d.smart_send_status.as_deref().map(word).unwrap_or_default();
    let why = reason_of(&[d.txn_status_description.as_deref(), d.msg.as_deref()]);
    let with_why = |s: String| {
        if why.is_empty() {
            s
        } else {
            format!("{s}: {why}")
        }
    };
    let code_or = |default: &str| {
        d.response_code
            .clone()
            .filter(|c| !c.trim().is_empty())
            .or_else(|| {
                d.txn_sub_status
                    .as_deref()
                    .map(word)
                    .filter(|s| !s.is_empty())
            })
            .unwrap_or_else(|| default.to_owned())
    };
    let said = match (txn.as_str(), link.as_str()) {
        ("SUCCESS", _) => Said::Success,
        ("FAILED" | "FAILURE" | "REVERSED", _) => Said::Failed {
            code: code_or(&txn),
            reason: with_why(format!("PayU: the link's transfer is {txn}")),
        },
        ("REJECTED", _) | (_, "REJECTED") => Said::Failed {
            code: "REJECTED".into(),
            reason: with_why("PayU: the link was rejected in the approval flow".into()),
        },
        (_, "CANCELLED" | "CANCELED" | "EXPIRED" | "FAILED" | "FAILURE") => Said::Failed {
            code: link.clone(),
            reason: with_why(format!("PayU: the link is {link}")),
        },
        (_, "APPROVAL_PENDING" | "PENDING_FOR_APPROVAL") => Said::Waiting(Waiting::Approval),
        ("PENDING_FOR_APPROVAL" | "APPROVAL_PENDING", _) => Said::Waiting(Waiting::Approval),
        ("QUEUED" | "SCHEDULED", _) if for_funds(&why) => Said::Waiting(Waiting::Queued(why)),
        ("", "PENDING") => Said::Waiting(Waiting::InProgress(
            "the link is made; the payee has not claimed it yet".into(),
        )),
        ("", "SUCCESS" | "INITIATED" | "APPROVED") => Said::Waiting(Waiting::InProgress(format!(
            "PayU says the link is {link}; its transfer has not reported yet"
        ))),
        (
            "IN_PROGRESS" | "PENDING" | "WAITING_FOR_RETRY" | "QUEUED" | "SCHEDULED" | "INITIATED",
            _,
        ) => Said::Waiting(Waiting::InProgress(format!(
            "the payee claimed the link; its transfer is {txn}"
        ))),
        ("", _) => Said::Waiting(Waiting::Unrecognised(
            d.smart_send_status
                .clone()
                .unwrap_or_default()
                .trim()
                .to_owned(),
        )),
        _ => Said::Waiting(Waiting::Unrecognised(
            d.txn_status.clone().unwrap_or_default().trim().to_owned(),
        )),
    };
    Report {
        said,
        payu_id: d.link_id.clone().filter(|s| !s.is_empty()),
        link: d.link.clone().filter(|s| !s.is_empty()),
        utr: d.bank_transaction_ref_no.clone().filter(|s| !s.is_empty()),
    }
}

/// A create-link answer.
fn read(answer: LinkAnswer) -> Answer {
    match answer {
        LinkAnswer::Made(link) => Answer::Accepted(Report {
            said: Said::Waiting(Waiting::InProgress(
                "the link is made; the payee has not claimed it yet".into(),
            )),
            payu_id: Some(link.link_id),
            link: Some(link.link),
            utr: None,
        }),
        LinkAnswer::Refused { errors, msg, code } => {
            let mut codes: Vec<i64> = errors.iter().map(|e| e.code).collect();
            codes.extend(code.map(|c| c.all()).unwrap_or_default());
            if let Some(dup) = codes.iter().find(|c| DUPLICATES.contains(c)) {
                return Answer::Duplicate {
                    code: dup.to_string(),
                    payu_id: None,
                };
            }
            let why = if errors.is_empty() {
                msg.unwrap_or_default()
            } else {
                errors
                    .iter()
                    .map(|e| format!("{} {}", e.code, e.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            let code = if codes.is_empty() {
                "PAYU_REFUSED".to_owned()
            } else {
                codes
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(";")
            };
            Answer::Refused {
                code,
                reason: format!("PayU refused the link: {why}"),
            }
        }
    }
}

/// PayU India's Smart Send links.
pub(super) struct Links<'a> {
    api: SmartSend<'a>,
    skip_approval: bool,
}

impl Engine<'_> {
    fn smart_send(&self) -> Result<SmartSend<'_>, CallError> {
        let account = self.india_account()?;
        Ok(SmartSend {
            transport: &self.apis.transport,
            tokens: &account.tokens,
            endpoints: &self.apis.endpoints,
            merchant_id: &account.merchant_id,
        })
    }

    pub(super) fn links(&self) -> Result<Links<'_>, CallError> {
        Ok(Links {
            api: self.smart_send()?,
            skip_approval: self.options.approval_flow == ApprovalFlow::Skip,
        })
    }

    /// Bulk Smart Send: one file with every row to send, uploaded and processed; the rows
    /// then wait for the file (see [`Engine::follow_files`]).
    pub(super) async fn send_bulk(&self, rows: Vec<&mut Item>) -> Result<(), Error> {
        let mut rows = self.claim_all(rows)?;
        if rows.is_empty() {
            return Ok(());
        }
        let (name, bytes) = upload_file(&rows)?;
        self.progress.phase(&format!(
            "uploading a Bulk Smart Send file of {} rows",
            rows.len()
        ));
        let api = match self.smart_send() {
            Ok(api) => api,
            Err(e) => {
                for item in rows.iter_mut() {
                    self.answered(item, unanswered(&e))?;
                }
                return Ok(());
            }
        };
        let keys: Vec<Key> = rows.iter().map(|i| i.key.clone()).collect();
        let moments = std::cell::RefCell::new(vec![None; keys.len()]);
        let failed = std::cell::RefCell::new(None);
        let leave = || self.left(&keys, &moments, 0, &failed);
        let uploaded = api.upload(&name, &bytes, &leave).await;
        self.tick();
        if let Some(e) = failed.into_inner() {
            return Err(e);
        }
        for (item, at) in rows.iter_mut().zip(moments.into_inner()) {
            if let Some(at) = at {
                item.state
                    .left(at)
                    .map_err(|e| Error::Usage(format!("internal error: {e}")))?;
            }
        }
        let file = match uploaded {
            Ok(FileAnswer::File(f)) => f,
            Ok(FileAnswer::Refused(why)) => {
                for item in rows.iter_mut() {
                    self.answered(
                        item,
                        Answer::Refused {
                            code: "BULK_FILE_REFUSED".into(),
                            reason: format!("PayU refused the bulk file: {why}"),
                        },
                    )?;
                }
                return Ok(());
            }
            // No answer: if PayU has the file, it is never processed (only this run could
            // ask for that, and it does not know the file's id), so it pays nothing.
            Err(e) => {
                for item in rows.iter_mut() {
                    self.answered(item, unanswered(&e))?;
                }
                return Ok(());
            }
        };
        let id = file.id.to_string();
        {
            let journal = self.journal();
            for item in rows.iter_mut() {
                item.state
                    .in_file(&id)
                    .map_err(|e| Error::Usage(format!("internal error: {e}")))?;
                journal.file(&item.key, Some(&id))?;
            }
        }
        self.progress.phase(&format!(
            "PayU is processing bulk file {id}; asking for each row's link when it is done"
        ));
        if let Ok(FileAnswer::Refused(why)) = api.process(file.id).await {
            for item in rows.iter_mut() {
                item.state
                    .file_completed(state::now())
                    .map_err(|e| Error::Usage(format!("internal error: {e}")))?;
                self.answered(
                    item,
                    Answer::Refused {
                        code: "BULK_FILE_REFUSED".into(),
                        reason: format!("PayU refused to process bulk file {id}: {why}"),
                    },
                )?;
            }
        }
        self.tick();
        Ok(())
    }

    /// Asks PayU about every bulk file that holds rows: one not yet processed is asked to be
    /// (safe to repeat), and a `COMPLETED` one lets its rows be looked up one by one.
    pub(super) async fn follow_files(&self, items: &mut [Item]) -> Result<(), Error> {
        let mut files: BTreeMap<String, Vec<&mut Item>> = BTreeMap::new();
        for item in items.iter_mut() {
            if let Some(f) = item.state.file() {
                files.entry(f.to_owned()).or_default().push(item);
            }
        }
        if files.is_empty() {
            return Ok(());
        }
        let Ok(api) = self.smart_send() else {
            return Ok(());
        };
        for (id, rows) in files {
            let Ok(number) = id.parse::<i64>() else {
                continue;
            };
            let status = match api.file_status(number).await {
                Ok(FileAnswer::File(f)) => word(&f.status),
                _ => continue,
            };
            self.tick();
            match status.as_str() {
                // FAILED is not documented; a file PayU is done with either way.
                "COMPLETED" | "FAILED" => {
                    let at = state::now();
                    let journal = self.journal();
                    for item in rows {
                        item.state
                            .file_completed(at)
                            .map_err(|e| Error::Usage(format!("internal error: {e}")))?;
                        journal.file(&item.key, None)?;
                    }
                }
                "REQUESTED" => {
                    let _ = api.process(number).await;
                }
                _ => {}
            }
        }
        Ok(())
    }
}

impl Surface for Links<'_> {
    fn group(&self) -> usize {
        1
    }

    async fn send(&self, payments: &[&Outgoing], left: &dyn Fn(usize)) -> Vec<Answer> {
        let mut answers = Vec::with_capacity(payments.len());
        for (i, p) in payments.iter().enumerate() {
            let Request::Link(request) = &p.request else {
                answers.push(Answer::Refused {
                    code: "NOT_A_LINK".into(),
                    reason: "not a Smart Send link".into(),
                });
                continue;
            };
            let leave = || left(i);
            answers.push(
                match self.api.create(request, self.skip_approval, &leave).await {
                    Ok(a) => read(a),
                    Err(e) => unanswered(&e),
                },
            );
        }
        answers
    }

    async fn look_up(&self, reference: &str, _: Option<&str>) -> Result<Lookup, CallError> {
        Ok(match self.api.details(reference).await? {
            Some(d) => Lookup::Found(report(&d)),
            None => Lookup::Empty,
        })
    }
}

/// The Bulk Smart Send upload file (CSV, PayU's column names), written with `tempfile` and
/// read back: its name and bytes.
fn upload_file(rows: &[&mut Item]) -> Result<(String, Vec<u8>), Error> {
    let temp = tempfile::Builder::new()
        .prefix("payu-bulk-smart-send-")
        .suffix(".csv")
        .tempfile()
        .map_err(|e| Error::write(std::path::Path::new("bulk upload file"), e))?;
    let path = temp.path().to_path_buf();
    let fail = |e: &dyn std::fmt::Display| Error::write(&path, e);
    {
        let mut w = csv::Writer::from_writer(temp.as_file());
        w.write_record(BULK_COLUMNS).map_err(|e| fail(&e))?;
        for item in rows {
            let Request::Link(l) = &item.payment.request else {
                continue;
            };
            w.write_record([
                l.merchant_ref_id.as_str(),
                &l.amount.to_string(),
                &l.cust_name,
                l.cust_mobile.as_deref().unwrap_or(""),
                l.cust_email.as_deref().unwrap_or(""),
                &l.description,
                l.expiry_date.as_deref().unwrap_or(""),
            ])
            .map_err(|e| fail(&e))?;
        }
        w.flush().map_err(|e| fail(&e))?;
    }
    let bytes = std::fs::read(&path).map_err(|e| fail(&e))?;
    let name = path.file_name().map_or_else(
        || "upload.csv".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    Ok((name, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payu::Codes;

    fn details(link: &str, txn: Option<&str>) -> LinkDetails {
        LinkDetails {
            smart_send_status: Some(link.into()),
            link_id: Some("L1".into()),
            txn_status: txn.map(str::to_owned),
            ..LinkDetails::default()
        }
    }

    #[test]
    fn a_link_is_paid_only_when_its_transfer_is() {
        assert!(matches!(
            report(&details("SUCCESS", None)).said,
            Said::Waiting(_)
        ));
        assert!(matches!(
            report(&details("SUCCESS", Some("IN_PROGRESS"))).said,
            Said::Waiting(Waiting::InProgress(_))
        ));
        let mut paid = details("SUCCESS", Some("SUCCESS"));
        paid.bank_transaction_ref_no = Some("UTR9".into());
        let r = report(&paid);
        assert_eq!((r.said, r.utr.as_deref()), (Said::Success, Some("UTR9")));
        let mut failed = details("SUCCESS", Some("FAILED"));
        failed.txn_status_description = Some("Invalid beneficiary account".into());
        let Said::Failed { reason, .. } = report(&failed).said else {
            panic!()
        };
        assert!(reason.contains("Invalid beneficiary account"), "{reason}");
        assert_eq!(
            report(&details("APPROVAL_PENDING", None)).said,
            Said::Waiting(Waiting::Approval)
        );
        assert!(
            matches!(report(&details("REJECTED", None)).said, Said::Failed { ref code, .. } if code == "REJECTED")
        );
    }

    #[test]
    fn duplicates_at_either_level_mean_the_link_exists() {
        for (errors, code) in [
            (
                vec![crate::payu::smart_send::LinkError {
                    code: 1103,
                    message: "dup".into(),
                }],
                None,
            ),
            (vec![], Some(Codes::One(1125))),
            (vec![], Some(Codes::One(1115))),
        ] {
            let a = read(LinkAnswer::Refused {
                errors,
                msg: None,
                code,
            });
            assert!(matches!(a, Answer::Duplicate { .. }), "{a:?}");
        }
    }
}
