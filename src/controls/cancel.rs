//! Cancelling what PayU has not paid yet (architecture.md §7.2): India transfers still QUEUED or
//! SCHEDULED (payu.md §7) and Smart Send links the payee has not claimed (§12.2, by
//! `merchantRefId`). PayU decides what can still be stopped; the tool asks about every row
//! that may still be in flight (`PENDING` or `UNKNOWN`) and writes down PayU's answer: a
//! cancelled row becomes FAILED with code `CANCELLED`; a row PayU will not cancel keeps its
//! state, with PayU's reason in its message.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::Utc;
use rust_decimal::Decimal;

use crate::Error;
use crate::client::CallError;
use crate::client::india::India;
use crate::client::smart_send::SmartSend;
use crate::journal::Journal;
use crate::payu::Envelope;
use crate::report::{
    Requests, ResultsFile, ResultsWriter, RowResult, RunFacts, Status, Summary, csv_style,
    format_money,
};
use crate::rows::Kind;
use crate::session::{self, Where};
use crate::submit::Apis;
use crate::validate::Currency;

/// The code of a cancelled row.
pub const CODE: &str = "CANCELLED";

/// Reads `--rows`: row numbers as the sheet shows them (the header is row 1), and ranges
/// like `7-9`, comma-separated.
pub fn parse_rows(list: &str) -> Result<BTreeSet<u64>, String> {
    let mut rows = BTreeSet::new();
    for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let bad = || {
            format!(
                "--rows: '{part}' is not a row number or a range like 7-9 (data rows start at 2)"
            )
        };
        let number = |s: &str| s.trim().parse::<u64>().ok().filter(|n| *n >= 2);
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (number(a).ok_or_else(bad)?, number(b).ok_or_else(bad)?);
                if a > b || b - a > 10_000_000 {
                    return Err(bad());
                }
                rows.extend(a..=b);
            }
            None => {
                rows.insert(number(part).ok_or_else(bad)?);
            }
        }
    }
    if rows.is_empty() {
        return Err("--rows names no row".into());
    }
    Ok(rows)
}

/// Whether a row with this result may still be cancelled: PayU may hold it and has not
/// finished with it.
pub fn may_cancel(result: &RowResult) -> bool {
    matches!(result.status, Status::Pending | Status::Unknown)
}

/// What PayU said of one cancel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Cancelled(String),
    /// PayU's reason, as it wrote it.
    Refused(String),
}

/// Asks PayU to cancel the transfer or link with `reference`.
pub async fn cancel(apis: &Apis, kind: Kind, reference: &str) -> Result<Answer, CallError> {
    let account = apis.india.as_ref().ok_or_else(|| {
        CallError::Auth("no PayU India account is configured for this environment".into())
    })?;
    let envelope: Envelope<serde_json::Value> = match kind {
        Kind::Payout => {
            India {
                transport: &apis.transport,
                tokens: &account.tokens,
                endpoints: &apis.endpoints,
                merchant_id: &account.merchant_id,
            }
            .cancel(reference)
            .await?
        }
        Kind::SmartSend => {
            SmartSend {
                transport: &apis.transport,
                tokens: &account.tokens,
                endpoints: &apis.endpoints,
                merchant_id: &account.merchant_id,
            }
            .cancel(reference)
            .await?
        }
        Kind::GlobalPayout => {
            return Err(CallError::Unreadable(
                "PayU Europe offers no way to cancel a payout".into(),
            ));
        }
    };
    let msg = envelope.msg.clone().unwrap_or_default();
    let codes = envelope
        .code
        .as_ref()
        .map(|c| {
            c.all()
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(";")
        })
        .filter(|c| !c.is_empty());
    Ok(if envelope.is_success() {
        Answer::Cancelled(msg)
    } else {
        Answer::Refused(match codes {
            Some(c) => format!("{msg} (code {c})"),
            None => msg,
        })
    })
}

/// The row's result after PayU's answer (`today`: the date to write).
pub fn apply(result: &mut RowResult, answer: &Result<Answer, CallError>, today: &str) {
    let keep = |result: &mut RowResult, why: String| {
        result.message = if result.message.is_empty() {
            why
        } else {
            format!("{}; {why}", result.message)
        };
    };
    match answer {
        Ok(Answer::Cancelled(msg)) => {
            result.status = Status::Failed;
            result.codes = CODE.to_owned();
            result.message = format!(
                "cancelled on {today} by `payu-bulk cancel` (PayU: \"{msg}\"); nothing was paid"
            );
        }
        Ok(Answer::Refused(why)) => keep(
            result,
            format!("not cancelled on {today}: PayU says \"{why}\""),
        ),
        Err(e) => keep(
            result,
            format!("not cancelled on {today}: {e}; run `payu-bulk cancel` again"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_ranges_read() {
        assert_eq!(
            parse_rows("3,7-9").unwrap().into_iter().collect::<Vec<_>>(),
            [3, 7, 8, 9]
        );
        assert_eq!(parse_rows(" 5 , 5").unwrap().len(), 1);
        for bad in ["", "1", "x", "9-7", "3-", "2-x"] {
            assert!(parse_rows(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_cancelled_row_fails_and_a_refused_one_keeps_its_state() {
        let pending = RowResult {
            status: Status::Pending,
            codes: String::new(),
            message: "accepted by PayU".into(),
            reference: "PAYOUT1".into(),
            link: String::new(),
            utr: String::new(),
        };
        let mut r = pending.clone();
        apply(
            &mut r,
            &Ok(Answer::Cancelled("Payout transaction cancelled".into())),
            "2026-12-02",
        );
        assert_eq!((r.status, r.codes.as_str()), (Status::Failed, CODE));
        assert!(
            r.message.contains("2026-12-02") && r.message.contains("Payout transaction cancelled")
        );
        let mut r = pending.clone();
        let why = "Payout cannot be cancelled as it is already processed";
        apply(&mut r, &Ok(Answer::Refused(why.into())), "2026-12-02");
        assert_eq!((r.status, r.codes.as_str()), (Status::Pending, ""));
        assert!(
            r.message.starts_with("accepted by PayU; not cancelled") && r.message.contains(why)
        );
    }
}

/// What a `cancel` is asked to do, as typed values.
#[derive(Debug, Clone)]
pub struct Cancellation {
    /// A results file written by `submit` (or refreshed by `status`), rewritten in place.
    pub results: PathBuf,
    /// Only these rows, as the sheet numbers them; all when `None`.
    pub rows: Option<BTreeSet<u64>>,
    pub at: Where,
    /// The journal to record the cancellations in (default: the one `submit` uses).
    pub journal: Option<PathBuf>,
    pub kind: Option<Kind>,
}

/// The rows a cancellation is about to ask PayU to cancel, for the person who confirms it.
#[derive(Debug, Clone)]
pub struct Asking {
    /// Their numbers, as the sheet numbers them.
    pub rows: Vec<u64>,
    /// Their total per currency (`INR 1,200.00`), currencies in order.
    pub totals: Vec<String>,
    /// The rows `rows` named that PayU could no longer cancel, with their status.
    pub passed_over: Vec<(u64, Status)>,
}

/// What a `cancel` did.
#[derive(Debug)]
pub enum Cancelled {
    /// No row could still be cancelled: nothing was asked, the file is unchanged.
    Nothing { passed_over: Vec<(u64, Status)> },
    /// PayU was asked about every row; the results file is written again.
    Done {
        summary: Box<Summary>,
        cancelled: usize,
        refused: usize,
    },
}

/// Cancels the rows of a results file PayU has not paid yet: picks them, has `confirm` say
/// yes (it may refuse: then nothing is done), asks PayU to cancel each, and writes the file
/// and the journal.
pub fn run(
    job: &Cancellation,
    confirm: impl FnOnce(&Asking) -> Result<(), Error>,
) -> Result<Cancelled, Error> {
    let started = Utc::now();
    let path = &job.results;
    let config = session::config_to_ask(&job.at, "cancel")?;
    let file = ResultsFile::open(path, job.kind)?;
    let kind = file.map.kind;
    if kind == Kind::GlobalPayout {
        return Err(Error::Usage(format!(
            "{}: PayU Europe offers no way to cancel a payout through its API; nothing was done",
            path.display()
        )));
    }
    let (mut results, asked, asking) = pick(job, &file)?;
    if asked.is_empty() {
        return Ok(Cancelled::Nothing {
            passed_over: asking.passed_over,
        });
    }
    confirm(&asking)?;
    let session = session::connect(&job.at, config.as_ref(), |env, rate| {
        session::pace(env, rate, None, None, None)
    })?;
    let journal_path = match &job.journal {
        Some(p) => p.clone(),
        None => session::default_journal()?,
    };
    let journal = Journal::open(&journal_path)?;
    let merchant = (session.apis.india.as_ref())
        .map(|i| i.merchant_id.clone())
        .unwrap_or_default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start: {e}")))?;
    let today = started.format("%Y-%m-%d").to_string();
    let (mut cancelled, mut refused) = (0usize, 0usize);
    for &i in &asked {
        let reference = file.reference(&file.rows[i]);
        let answer = runtime.block_on(cancel(&session.apis, kind, &reference));
        apply(&mut results[i], &answer, &today);
        match &answer {
            Ok(Answer::Cancelled(_)) => {
                cancelled += 1;
                let key = super::reversal::key(&session.apis, kind, &merchant, &reference);
                journal.end(&key, CODE, &results[i].message)?;
            }
            _ => refused += 1,
        }
    }
    let mut summary = Summary::new(kind, path, path, started);
    summary.notes.push(format!(
        "{cancelled} row(s) cancelled; {refused} could not be (see their messages)"
    ));
    write(&file, path, &results, &mut summary, &session)?;
    Ok(Cancelled::Done {
        summary: Box::new(summary),
        cancelled,
        refused,
    })
}

/// Every row's results line, the rows to ask PayU to cancel (by place in the file), and what
/// the person confirming is shown. A row `job.rows` names that the file does not hold is
/// refused, before anything is done.
fn pick(
    job: &Cancellation,
    file: &ResultsFile,
) -> Result<(Vec<RowResult>, Vec<usize>, Asking), Error> {
    if let Some(wanted) = &job.rows {
        let missing: Vec<String> = wanted
            .iter()
            .filter(|n| !file.rows.iter().any(|r| r.number == **n))
            .map(u64::to_string)
            .collect();
        if !missing.is_empty() {
            return Err(Error::format(
                &job.results,
                format!("has no row {}; nothing was done", missing.join(", ")),
            ));
        }
    }
    let mut results = Vec::with_capacity(file.rows.len());
    let mut asked: Vec<usize> = Vec::new();
    let mut totals: BTreeMap<Currency, Decimal> = BTreeMap::new();
    let mut passed_over = Vec::new();
    for (i, raw) in file.rows.iter().enumerate() {
        let result = file.result(raw)?;
        let listed = job.rows.as_ref().is_none_or(|w| w.contains(&raw.number));
        if listed && may_cancel(&result) && !file.reference(raw).is_empty() {
            asked.push(i);
            if let Some((v, c)) = file.amount(raw) {
                let sum = totals.entry(c).or_default();
                *sum = sum.checked_add(v).unwrap_or(*sum);
            }
        } else if listed && job.rows.is_some() {
            passed_over.push((raw.number, result.status));
        }
        results.push(result);
    }
    let asking = Asking {
        rows: asked.iter().map(|&i| file.rows[i].number).collect(),
        totals: (totals.iter())
            .map(|(c, v)| format!("{c} {}", format_money(*v)))
            .collect(),
        passed_over,
    };
    Ok((results, asked, asking))
}

/// Writes the results file again with every row's line, and the summary's counts.
fn write(
    file: &ResultsFile,
    path: &Path,
    results: &[RowResult],
    summary: &mut Summary,
    session: &session::Session,
) -> Result<(), Error> {
    let mut writer =
        ResultsWriter::create(path, file.sheet.format(), &file.map, csv_style(&file.sheet))?;
    for (raw, result) in file.rows.iter().zip(results) {
        summary.add(result.status, file.amount(raw));
        writer.write_row(raw, result)?;
    }
    summary.finished_at = Utc::now();
    writer.finish(&RunFacts {
        summary,
        environment: Some(session.apis.env_name()),
        requests: Requests::of(&session.apis.transport.counters),
    })?;
    Ok(())
}
