//! Reversals found again (architecture.md §7.2). A transfer PayU paid can come back days later: the
//! beneficiary's bank returns it, and PayU then reports it as `txnStatus` FAILED with
//! `txnSubStatus` REVERSED, or as REVERSED (payu.md §5, §6). A results file that said
//! SUCCESS would go on saying so; `status --recheck-success` asks PayU again about the SUCCESS
//! rows first sent within `--since`, and a reversed one becomes FAILED with code `REVERSED`
//! and the date it was found, in the results file and in the journal.

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::Error;
use crate::journal::{Journal, Key};
use crate::report::{RowResult, Status};
use crate::rows::Kind;
use crate::submit::Apis;

/// The code of a reversed row.
pub const CODE: &str = "REVERSED";

/// The default `--since`.
pub const DEFAULT_SINCE: &str = "14d";

/// What `status --recheck-success` asks again, and what it found.
pub struct Recheck {
    /// The earliest first send to ask about again (RFC 3339); `None` when not rechecking.
    since: Option<String>,
    today: String,
    /// SUCCESS rows asked about again.
    pub asked: u64,
    /// Of them, reversed.
    pub reversed: u64,
}

/// The journal's key of a row.
pub fn key(apis: &Apis, kind: Kind, merchant: &str, reference: &str) -> Key {
    Key {
        env: apis.env_name().to_owned(),
        merchant: merchant.to_owned(),
        kind: kind.name().to_owned(),
        reference: reference.to_owned(),
    }
}

fn lock(journal: &Mutex<Journal>) -> std::sync::MutexGuard<'_, Journal> {
    journal.lock().unwrap_or_else(|p| p.into_inner())
}

impl Recheck {
    pub fn new(on: bool, since: Duration, now: DateTime<Utc>) -> Recheck {
        let since = on.then(|| {
            chrono::Duration::from_std(since)
                .ok()
                .and_then(|d| now.checked_sub_signed(d))
                .unwrap_or(DateTime::<Utc>::MIN_UTC)
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        });
        Recheck {
            since,
            today: now.format("%Y-%m-%d").to_string(),
            asked: 0,
            reversed: 0,
        }
    }

    /// Whether to ask PayU again about a row the results file says is `status`: a SUCCESS
    /// row first sent within the period, as the journal says (one the journal does not hold
    /// is asked about: better a question too many than a reversal missed).
    pub fn asks(
        &mut self,
        status: Status,
        journal: &Mutex<Journal>,
        key: Option<&Key>,
    ) -> Result<bool, Error> {
        let Some(since) = &self.since else {
            return Ok(false);
        };
        if status != Status::Success {
            return Ok(false);
        }
        let sent_at = match key {
            Some(k) => lock(journal).get(k)?.map(|e| e.created_at),
            None => None,
        };
        let asks = sent_at.is_none_or(|at| at.as_str() >= since.as_str());
        if asks {
            self.asked += 1;
        }
        Ok(asks)
    }

    /// After PayU answered about a row that was `before`: a SUCCESS row PayU now reports as
    /// reversed is rewritten as FAILED `REVERSED` with today's date, and so recorded in the
    /// journal; one still paid keeps its line as it was.
    pub fn settle(
        &mut self,
        before: &RowResult,
        result: &mut RowResult,
        journal: &Mutex<Journal>,
        key: Option<&Key>,
    ) -> Result<(), Error> {
        if self.since.is_none() || before.status != Status::Success {
            return Ok(());
        }
        if result.status == Status::Success {
            result.codes.clone_from(&before.codes);
            result.message.clone_from(&before.message);
            return Ok(());
        }
        let reversed = result.codes.split(';').any(|c| c.trim() == CODE);
        if result.status != Status::Failed || !reversed {
            return Ok(());
        }
        self.reversed += 1;
        result.codes = CODE.to_owned();
        let payu = if result.message.is_empty() {
            String::new()
        } else {
            format!(" ({})", result.message)
        };
        result.message = format!(
            "reversed after it was paid: found on {} that PayU now reports the transfer as reversed{payu}; the money is back in the account: pay it again under a new reference if it is still owed",
            self.today
        );
        if let Some(k) = key {
            lock(journal).end(k, CODE, &result.message)?;
        }
        Ok(())
    }

    /// The summary's line, when rechecking.
    pub fn note(&self) -> Option<String> {
        self.since.as_ref().map(|_| {
            format!(
                "{} paid row(s) asked about again; {} reversed",
                self.asked, self.reversed
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(status: Status, codes: &str) -> RowResult {
        RowResult {
            status,
            codes: codes.to_owned(),
            message: "PayU: the transfer is FAILED (REVERSED)".to_owned(),
            reference: String::new(),
            link: String::new(),
            utr: String::new(),
        }
    }

    #[test]
    fn only_a_paid_row_now_reported_reversed_is_a_reversal() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Mutex::new(Journal::open(&dir.path().join("j.sqlite")).unwrap());
        let now = Utc::now();
        let mut r = Recheck::new(true, Duration::from_secs(14 * 86_400), now);
        let paid = RowResult {
            message: "warning: check the name".into(),
            ..result(Status::Success, "")
        };
        let mut failed = result(Status::Failed, "1004");
        r.settle(&paid, &mut failed, &journal, None).unwrap();
        assert_eq!(
            failed.codes, "1004",
            "a failure that is no reversal keeps PayU's code"
        );
        let mut was_pending = result(Status::Failed, "REVERSED");
        r.settle(
            &result(Status::Pending, ""),
            &mut was_pending,
            &journal,
            None,
        )
        .unwrap();
        assert_eq!(r.reversed, 0);
        let mut still_paid = result(Status::Success, "");
        r.settle(&paid, &mut still_paid, &journal, None).unwrap();
        assert_eq!(
            still_paid.message, "warning: check the name",
            "kept as it was"
        );
        let mut reversed = result(Status::Failed, "REVERSED");
        r.settle(&paid, &mut reversed, &journal, None).unwrap();
        assert_eq!((r.reversed, reversed.codes.as_str()), (1, "REVERSED"));
        assert!(
            reversed
                .message
                .contains(&now.format("%Y-%m-%d").to_string())
        );
        assert!(
            reversed
                .message
                .contains("PayU: the transfer is FAILED (REVERSED)")
        );
        let off = Recheck::new(false, Duration::ZERO, now);
        assert_eq!(off.note(), None);
    }
}
