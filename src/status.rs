//! Refreshing a results file from PayU (`status`): the PENDING and UNKNOWN rows (and, with
//! a recheck, recent SUCCESS rows) are asked about by reference, in rounds until every one
//! is final or the wait has passed, and the file is written again. Nothing is ever sent: a
//! row PayU does not know stays as it was, for a rerun of `submit` to settle.
//!
//! The wait is kept to the second whatever PayU's pace: each round runs under the deadline,
//! and the lookups still in flight when it comes are dropped (they only read; a row keeps
//! what it last had).

use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::time::Instant;

use crate::Error;
use crate::client::CallError;
use crate::controls::reversal::{self, Recheck};
use crate::journal::{Details, Entry, Journal, Key, State};
use crate::report::{
    Requests, ResultsFile, ResultsWriter, RowResult, RunFacts, Status, Summary, csv_style,
};
use crate::rows::{HeaderMap, Kind};
use crate::session::{self, Session, Where};
use crate::sheet::RawRow;
use crate::submit::{Engine, Lookup, Mode, Options, Progress, Report, Said, SendState, Waiting};

/// The first pause between two rounds of lookups; each pause after is twice the last, up to
/// [`ROUND_CEILING`].
pub const FIRST_ROUND_GAP: Duration = Duration::from_millis(500);

/// The longest pause between two rounds: a payout PayU has accepted takes seconds to minutes
/// to settle, and asking more often than this would spend the merchant's rate for nothing.
pub const ROUND_CEILING: Duration = Duration::from_secs(15);

/// Lookups in flight at once within a round (the limiter paces them).
const IN_FLIGHT: usize = 8;

/// What a `status` is asked to do, as typed values.
#[derive(Debug, Clone)]
pub struct Refresh {
    /// The results file written by `submit` (rewritten in place).
    pub results: PathBuf,
    pub at: Where,
    /// The journal to bring up to date (default: the one `submit` uses).
    pub journal: Option<PathBuf>,
    pub kind: Option<Kind>,
    /// Ask about SUCCESS rows too, first sent within `since`: a reversal becomes FAILED.
    pub recheck_success: bool,
    pub since: Duration,
    pub visibility_window: Option<Duration>,
    /// Also write the results workbook here.
    pub report: Option<PathBuf>,
    /// Requests per second (default: the config's rate, else 50 on the sandbox, 5 elsewhere).
    pub rate: Option<u32>,
    /// How long to keep asking about rows not final yet; zero asks each row once.
    pub wait: Duration,
}

/// What a `status` did: the results file is written again.
#[derive(Debug)]
pub struct Refreshed {
    pub summary: Summary,
    /// The requests made of PayU.
    pub requests: Requests,
}

/// A row to ask PayU about, and what it had before.
struct Ask {
    /// Its place in the file's rows.
    row: usize,
    reference: String,
    payu_id: String,
    key: Option<Key>,
    entry: Option<Entry>,
    before: RowResult,
}

/// The last thing a lookup of a row gave, and when it was asked.
type Answer = (i64, Result<Lookup, CallError>);

/// Refreshes every row of the results file that may have moved, and writes the file again.
pub fn refresh(job: &Refresh) -> Result<Refreshed, Error> {
    let started = Utc::now();
    let path = &job.results;
    let config = session::config_to_ask(&job.at, "status")?;
    let file = ResultsFile::open(path, job.kind)?;
    if let Some(report) = &job.report {
        crate::report::check_report_path(report, path, path)?;
    }
    let session = session::connect(&job.at, config.as_ref(), |env, rate| {
        session::pace(env, rate, job.rate, None, None)
    })?;
    let journal_path = match &job.journal {
        Some(p) => p.clone(),
        None => session::default_journal()?,
    };
    let journal = Journal::open(&journal_path)?;
    let progress = Progress::new(true);
    let window = session::visibility_window(
        job.visibility_window,
        config.as_ref(),
        job.at.config.as_deref(),
    )?;
    let engine = Engine::new(
        &session.apis,
        journal,
        Options {
            kind: file.map.kind,
            mode: Mode::Api,
            batch_size: 1,
            concurrency: IN_FLIGHT,
            wait: Duration::ZERO,
            visibility_window: window,
            stop_after: 0,
            approval_flow: Default::default(),
        },
        &progress,
    );
    let mut recheck = Recheck::new(job.recheck_success, job.since, started);
    let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
    let (mut results, asks, from_journal) =
        sort(&file, &session, &engine, &mut recheck, window_ms)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start: {e}")))?;
    let answers = runtime.block_on(ask_in_rounds(&engine, &asks, job.wait));
    let mut refreshed = from_journal;
    for (ask, answer) in asks.iter().zip(answers) {
        let result = &mut results[ask.row];
        if apply_answer(&engine, &mut recheck, ask, answer, result, window_ms)? {
            refreshed += 1;
        }
    }
    let mut summary = Summary::new(file.map.kind, path, path, started);
    summary.notes = notes(&results, refreshed, &recheck);
    write(&file, job, &results, &mut summary, &session)?;
    let requests = Requests::of(&session.apis.transport.counters);
    Ok(Refreshed { summary, requests })
}

/// Writes the results file again (and the workbook when asked) with every row's line, and
/// the summary's counts.
fn write(
    file: &ResultsFile,
    job: &Refresh,
    results: &[RowResult],
    summary: &mut Summary,
    session: &Session,
) -> Result<(), Error> {
    let path = &job.results;
    let style = csv_style(&file.sheet);
    let mut writer = ResultsWriter::create(path, file.sheet.format(), &file.map, style)?;
    if let Some(report) = &job.report {
        writer.report_to(report, &file.map)?;
    }
    for (raw, result) in file.rows.iter().zip(results) {
        // Amounts for the summary come from the row itself, read as `validate` reads it.
        summary.add(result.status, file.amount(raw));
        writer.write_row(raw, result)?;
    }
    summary.finished_at = Utc::now();
    summary.requests = Requests::of(&session.apis.transport.counters);
    writer.finish(&RunFacts {
        summary,
        environment: Some(session.apis.env_name()),
        requests: summary.requests,
    })?;
    Ok(())
}

/// Every row's results line as the file has it, brought up to date from the journal where
/// another run settled it; and the rows to ask PayU about. Returns the lines, the asks, and
/// how many rows the journal settled.
fn sort(
    file: &ResultsFile,
    session: &Session,
    engine: &Engine,
    recheck: &mut Recheck,
    window_ms: i64,
) -> Result<(Vec<RowResult>, Vec<Ask>, usize), Error> {
    let map = &file.map;
    let merchant = match map.kind {
        Kind::GlobalPayout => None,
        _ => session.apis.india.as_ref().map(|i| i.merchant_id.clone()),
    };
    let (mut results, mut asks, mut settled) = (Vec::new(), Vec::new(), 0);
    for (row, raw) in file.rows.iter().enumerate() {
        let mut result = file.result(raw)?;
        let status = result.status;
        let reference = file.reference(raw);
        let key = (merchant.clone().or_else(|| shop_of(map, raw, session)))
            .map(|m| reversal::key(&session.apis, map.kind, &m, &reference));
        let again = recheck.asks(status, &engine.journal, key.as_ref())?;
        let unsettled = matches!(status, Status::Pending | Status::Unknown);
        if (unsettled || again) && !reference.is_empty() {
            let entry = match &key {
                Some(k) => lock(engine).get(k)?,
                None => None,
            };
            match &entry {
                // Another run settled it: the journal has PayU's word, code, reason and UTR.
                Some(e) if e.state.is_final() && !again => {
                    let by_reference = map.kind != Kind::GlobalPayout;
                    let o = SendState::from_journal(e, by_reference).outcome(window_ms);
                    settled += 1;
                    apply(&mut result, &o);
                }
                _ => {
                    let payu_id = if result.reference.is_empty() {
                        (entry.as_ref().and_then(|e| e.payu_id.clone())).unwrap_or_default()
                    } else {
                        result.reference.clone()
                    };
                    asks.push(Ask {
                        row,
                        reference,
                        payu_id,
                        key,
                        entry,
                        before: result.clone(),
                    });
                }
            }
        }
        results.push(result);
    }
    Ok((results, asks, settled))
}

/// Asks about every row, then again in rounds spaced from [`FIRST_ROUND_GAP`] up to
/// [`ROUND_CEILING`], each round only about rows PayU has not called final, until none is
/// left or `wait` has passed. With a zero wait each row is asked once, with no deadline.
/// Lookups in flight at the deadline are dropped: a row keeps its last answer (or none).
async fn ask_in_rounds(engine: &Engine<'_>, asks: &[Ask], wait: Duration) -> Vec<Option<Answer>> {
    let mut answers: Vec<Option<Answer>> = (0..asks.len()).map(|_| None).collect();
    let deadline = (!wait.is_zero()).then(|| Instant::now() + wait);
    let mut gap = FIRST_ROUND_GAP;
    loop {
        let open: Vec<usize> = (0..asks.len())
            .filter(|&i| !is_final(answers[i].as_ref()))
            .collect();
        if open.is_empty() {
            break;
        }
        round(engine, asks, &open, deadline, &mut answers).await;
        let Some(deadline) = deadline else { break };
        if answers.iter().all(|a| is_final(a.as_ref())) {
            break;
        }
        // The last round starts a little before the deadline, not after it.
        let now = Instant::now();
        let next = (now + gap).min(deadline.checked_sub(FIRST_ROUND_GAP).unwrap_or(now));
        if next <= now {
            break;
        }
        tokio::time::sleep_until(next).await;
        gap = (gap * 2).min(ROUND_CEILING);
    }
    answers
}

/// One round: the `open` rows looked up, [`IN_FLIGHT`] at once, until all have answered or
/// the deadline comes (the rest are dropped).
async fn round(
    engine: &Engine<'_>,
    asks: &[Ask],
    open: &[usize],
    deadline: Option<Instant>,
    answers: &mut [Option<Answer>],
) {
    let mut waiting = open.iter().copied();
    let mut flying = FuturesUnordered::new();
    let lookup = |i: usize| async move {
        let asked_at = crate::submit::state::now();
        let found = engine.lookup(&asks[i].reference, &asks[i].payu_id).await;
        (i, (asked_at, found))
    };
    for i in waiting.by_ref().take(IN_FLIGHT) {
        flying.push(lookup(i));
    }
    loop {
        let next = match deadline {
            Some(d) => match tokio::time::timeout_at(d, flying.next()).await {
                Ok(next) => next,
                Err(_) => return,
            },
            None => flying.next().await,
        };
        let Some((i, answer)) = next else { return };
        keep(&mut answers[i], answer);
        if let Some(i) = waiting.next() {
            flying.push(lookup(i));
        }
    }
}

/// Keeps the answer that says most: a newer report over an older one, any report over
/// "nothing found", "nothing found" over an error.
fn keep(slot: &mut Option<Answer>, answer: Answer) {
    let rank = |a: &Answer| match &a.1 {
        Ok(Lookup::Found(_)) => 2,
        Ok(Lookup::Empty) => 1,
        Err(_) => 0,
    };
    if slot.as_ref().is_none_or(|old| rank(&answer) >= rank(old)) {
        *slot = Some(answer);
    }
}

/// Whether PayU has said the row's last word (paid or failed).
fn is_final(answer: Option<&Answer>) -> bool {
    matches!(answer, Some((_, Ok(Lookup::Found(r)))) if !matches!(r.said, Said::Waiting(_)))
}

/// Writes what PayU said of an asked row into its line (and the journal); returns whether
/// the row was refreshed.
fn apply_answer(
    engine: &Engine,
    recheck: &mut Recheck,
    ask: &Ask,
    answer: Option<Answer>,
    result: &mut RowResult,
    window_ms: i64,
) -> Result<bool, Error> {
    let Some((asked_at, answer)) = answer else {
        // Not answered before the deadline: the row stays as it was.
        return Ok(false);
    };
    match answer {
        Ok(Lookup::Found(r)) => {
            apply(result, &r.outcome());
            if let (Some(k), Some(_)) = (&ask.key, &ask.entry) {
                record(engine, k, &r)?;
            }
            recheck.settle(&ask.before, result, &engine.journal, ask.key.as_ref())?;
            Ok(true)
        }
        Ok(Lookup::Empty) => {
            // Undetermined: it stays as it was; an UNKNOWN row says what a rerun of
            // `submit` would wait for.
            if let Some(e) = &ask.entry
                && ask.before.status == Status::Unknown
            {
                let by_reference = engine.options.kind != Kind::GlobalPayout;
                let mut s = SendState::from_journal(e, by_reference);
                if s.looked_up(Lookup::Empty, asked_at).is_ok() {
                    result.message = s.outcome(window_ms).messages.join("; ");
                }
            }
            Ok(false)
        }
        Err(e) => {
            result.message = format!("could not be refreshed from PayU ({e})");
            Ok(false)
        }
    }
}

/// The summary's notes: how many rows were refreshed, the recheck's, and the PENDING rows
/// that wait for a person or for money.
fn notes(results: &[RowResult], refreshed: usize, recheck: &Recheck) -> Vec<String> {
    let approval = Waiting::Approval.message();
    let pending = || results.iter().filter(|r| r.status == Status::Pending);
    let waiting_approval = pending().filter(|r| r.message.contains(&approval)).count();
    let queued = pending()
        .filter(|r| !r.message.contains(&approval))
        .filter(|r| r.message.contains("queued by PayU: the balance is too low"))
        .count();
    let mut notes = vec![format!("{refreshed} row(s) refreshed from PayU")];
    notes.extend(recheck.note());
    if waiting_approval > 0 {
        notes.push(format!(
            "{waiting_approval} PENDING row(s) are waiting for approval in the PayU dashboard"
        ));
    }
    if queued > 0 {
        notes.push(format!(
            "{queued} PENDING row(s) are queued by PayU because the balance is too low: add funds, and run `payu-bulk status` again"
        ));
    }
    notes
}

fn lock<'a>(engine: &'a Engine) -> std::sync::MutexGuard<'a, Journal> {
    engine.journal.lock().unwrap_or_else(|p| p.into_inner())
}

/// The shop a PayU Europe row pays from: its own cell, else the configured shop.
fn shop_of(map: &HeaderMap, raw: &RawRow, session: &Session) -> Option<String> {
    map.column(crate::rows::global_payout::SHOP_ID)
        .and_then(|c| raw.get(c))
        .map(|c| c.text.trim().to_owned())
        .filter(|s| !s.is_empty())
        .or_else(|| session.apis.europe.as_ref().map(|e| e.shop_id.clone()))
}

/// A refreshed row's results cells.
fn apply(result: &mut RowResult, o: &crate::submit::Outcome) {
    result.status = o.status;
    result.codes = o.codes.join(";");
    result.message = o.all_messages().join("; ");
    if !o.reference.is_empty() {
        result.reference = o.reference.clone();
    }
    if !o.link.is_empty() {
        result.link = o.link.clone();
    }
    if let Some(utr) = &o.utr {
        result.utr = utr.clone();
    }
}

/// Brings the journal's entry up to date with what PayU reports: its state, code, reason
/// and UTR.
fn record(engine: &Engine, key: &Key, r: &Report) -> Result<(), Error> {
    let (state, details) = match &r.said {
        Said::Success => (
            State::Success,
            Details {
                utr: r.utr.clone(),
                ..Details::default()
            },
        ),
        Said::Failed { code, reason } => (
            State::Failed,
            Details {
                code: Some(code.clone()),
                reason: Some(reason.clone()),
                utr: r.utr.clone(),
            },
        ),
        Said::Waiting(_) => (State::Pending, Details::default()),
    };
    lock(engine).record_details(key, state, r.payu_id.as_deref(), &details)
}
