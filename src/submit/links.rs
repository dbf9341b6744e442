//! `smart-send` rows: a PayU India Smart Send link each, made one request per row (`--mode
//! api`) or through a Bulk Smart Send file (`--mode bulk`: upload → process → file status →
//! each row's details).

use std::time::Duration;

use tokio::time::Instant;

use super::{Engine, Item, Outcome, Phase, Request, to_send};
use crate::Error;
use crate::client::CallError;
use crate::client::smart_send::{FileAnswer, LinkAnswer, SmartSend};
use crate::journal::State;
use crate::payu::smart_send::{BULK_COLUMNS, LinkDetails};
use crate::report::Status;

/// PayU's duplicate-reference code for a link.
const DUPLICATE: i64 = 1103;
/// The least time a bulk file is given to be processed, whatever `--wait` says.
const FILE_WAIT_MIN: Duration = Duration::from_secs(30);

/// A link's details as a results line.
pub fn outcome(d: &LinkDetails) -> Outcome {
    let upper = |s: &Option<String>| s.as_deref().unwrap_or("").to_ascii_uppercase();
    let (link_status, txn) = (upper(&d.smart_send_status), upper(&d.txn_status));
    let failed = ["CANCELLED", "EXPIRED", "FAILED", "REJECTED"];
    let status = if txn == "SUCCESS" || link_status == "SUCCESS" {
        Status::Success
    } else if failed.contains(&txn.as_str()) || failed.contains(&link_status.as_str()) {
        Status::Failed
    } else {
        Status::Pending
    };
    let mut o = Outcome::new(status);
    o.reference = d.link_id.clone().unwrap_or_default();
    o.link = d.link.clone().unwrap_or_default();
    o.utr = d.bank_transaction_ref_no.clone().filter(|u| !u.is_empty());
    if status == Status::Failed {
        let what = if failed.contains(&link_status.as_str()) {
            link_status
        } else {
            txn
        };
        o.codes = vec![what.clone()];
        o.messages = vec![format!("PayU: the link is {what}")];
    } else if status == Status::Pending {
        o.messages = vec!["the link is made; the payee has not claimed it yet".to_owned()];
    }
    o
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

    pub(super) async fn send_links(&self, items: &mut [Item]) -> Result<(), Error> {
        let sending = to_send(items).map(|item| self.send_link(item));
        self.each(sending).await
    }

    async fn send_link(&self, item: &mut Item) -> Result<(), Error> {
        if self.stopped().is_some() || !self.claim(item)? {
            return Ok(());
        }
        let Request::Link(request) = &item.payment.request else {
            return Ok(());
        };
        let request = request.clone();
        let resend = self.sending(item);
        let answer = match self.smart_send() {
            Ok(api) => api.create(&request).await,
            Err(e) => Err(e),
        };
        self.tick();
        match answer {
            Ok(LinkAnswer::Made(link)) => {
                self.settle(item, State::Pending, Some(&link.link_id))?;
                item.outcome.set(
                    Status::Pending,
                    "the link is made; the payee has not claimed it yet",
                );
                item.outcome.reference = link.link_id;
                item.outcome.link = link.link;
                item.phase = Phase::Poll;
            }
            Ok(LinkAnswer::Refused { errors, .. })
                if resend && errors.iter().any(|e| e.code == DUPLICATE) =>
            {
                // The earlier request arrived: PayU has the link; its details say how it is.
                self.settle(item, State::Unknown, None)?;
                item.phase = Phase::Reconcile;
            }
            Ok(LinkAnswer::Refused { errors, msg }) => {
                self.settle(item, State::Failed, None)?;
                let codes = errors
                    .iter()
                    .map(|e| e.code.to_string())
                    .collect::<Vec<_>>();
                let why = if errors.is_empty() {
                    msg.unwrap_or_default()
                } else {
                    errors
                        .iter()
                        .map(|e| format!("{} {}", e.code, e.message))
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                let codes = if codes.is_empty() {
                    vec!["PAYU_REFUSED".to_owned()]
                } else {
                    codes
                };
                item.outcome
                    .fail(codes, format!("PayU refused the link: {why}"));
                item.phase = Phase::Done;
            }
            Err(e) => self.unanswered(item, &e, resend)?,
        }
        Ok(())
    }

    /// The link of the item's reference, if PayU made one.
    pub(super) async fn ask_link(&self, reference: &str) -> Result<Option<Outcome>, CallError> {
        let found = self.smart_send()?.details(reference).await?;
        Ok(found.as_ref().map(outcome))
    }

    /// Bulk Smart Send: one file with every row to send, uploaded, processed, and followed
    /// until PayU has gone through it; then each row's link by its reference.
    pub(super) async fn send_bulk(&self, items: &mut [Item]) -> Result<(), Error> {
        let mut rows = self.claim_all(to_send(items))?;
        if rows.is_empty() {
            return Ok(());
        }
        let (name, bytes) = upload_file(&rows)?;
        let resent: Vec<bool> = rows.iter_mut().map(|item| self.sending(item)).collect();
        self.progress.phase(&format!(
            "uploading a Bulk Smart Send file of {} rows",
            rows.len()
        ));
        let file = match self.bulk_file(&name, &bytes).await {
            Ok(Ok(id)) => id,
            Ok(Err(why)) => {
                for item in rows.iter_mut() {
                    self.settle(item, State::Failed, None)?;
                    item.outcome.fail(
                        vec!["BULK_FILE_REFUSED".into()],
                        format!("PayU refused the bulk file: {why}"),
                    );
                    item.phase = Phase::Done;
                }
                return Ok(());
            }
            Err(e) => {
                for (item, resend) in rows.iter_mut().zip(resent) {
                    self.unanswered(item, &e, resend)?;
                }
                return Ok(());
            }
        };
        self.progress.phase(&format!(
            "PayU is processing bulk file {file}; asking for each row's link"
        ));
        // Until each row's details come, the journal keeps them SENDING: a crash here is
        // reconciled by reference like any unanswered request.
        let api = match self.smart_send() {
            Ok(api) => api,
            Err(e) => {
                for item in rows.iter_mut() {
                    self.unanswered(item, &e, true)?;
                }
                return Ok(());
            }
        };
        let asking = rows.iter_mut().map(|item| {
            let api = &api;
            async move {
                match api.details(&item.key.reference).await {
                    Ok(Some(d)) => {
                        item.outcome = outcome(&d);
                        let state = super::state_of(item.outcome.status);
                        self.settle(item, state, d.link_id.as_deref())?;
                        item.phase = match item.outcome.status {
                            Status::Pending => Phase::Poll,
                            _ => Phase::Done,
                        };
                    }
                    Ok(None) => {
                        self.settle(item, State::Failed, None)?;
                        item.outcome.fail(
                            vec!["BULK_ROW_REFUSED".into()],
                            format!("PayU's processing of bulk file {file} made no link for this row and does not say why; send it with --mode api to see PayU's code"),
                        );
                        item.phase = Phase::Done;
                    }
                    Err(e) => {
                        item.outcome.set(
                            Status::Unknown,
                            format!("PayU processed bulk file {file} but this row's link could not be checked ({e})"),
                        );
                        item.phase = Phase::Reconcile;
                    }
                }
                Ok::<(), Error>(())
            }
        });
        self.each(asking).await
    }

    /// Uploads and processes a file and waits for PayU to go through it: its id, PayU's
    /// refusal, or no answer.
    async fn bulk_file(&self, name: &str, bytes: &[u8]) -> Result<Result<i64, String>, CallError> {
        let api = self.smart_send()?;
        let file = match api.upload(name, bytes).await? {
            FileAnswer::File(f) => f,
            FileAnswer::Refused(why) => return Ok(Err(why)),
        };
        let id = file.id;
        if let FileAnswer::Refused(why) = api.process(id).await? {
            return Ok(Err(why));
        }
        let deadline = Instant::now() + self.options.wait.max(FILE_WAIT_MIN);
        let mut interval = Duration::from_millis(250);
        loop {
            match api.file_status(id).await? {
                FileAnswer::File(f) if f.status.eq_ignore_ascii_case("COMPLETED") => {
                    return Ok(Ok(id));
                }
                FileAnswer::File(f) if f.status.eq_ignore_ascii_case("FAILED") => {
                    return Ok(Err(format!(
                        "file {id} FAILED ({} rows failed)",
                        f.failed_rows
                    )));
                }
                FileAnswer::File(_) => {}
                FileAnswer::Refused(why) => return Ok(Err(why)),
            }
            if Instant::now() >= deadline {
                return Err(CallError::NoAnswer(format!(
                    "bulk file {id} was still being processed when the wait ran out"
                )));
            }
            self.apis.transport.wait(interval).await;
            interval = (interval * 2).min(Duration::from_secs(5));
            self.tick();
        }
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
