//! Refresh the PENDING and UNKNOWN rows of a results file from PayU, and rewrite the file
//! (atomically, as `submit` writes it). Rows are asked about by reference (`merchantRefId`),
//! or for PayU Europe by the payoutId in `result_reference`. Nothing is ever sent: a row
//! PayU does not know stays as it was, for a rerun of `submit` to settle.
//!
//! Exit codes as `submit`'s.

use std::path::PathBuf;

use chrono::Utc;

use super::Outcome as Exit;
use super::session::{self, Where};
use super::submit::exit_of;
use super::validate::csv_style;
use crate::Error;
use crate::controls::reversal::{self, Recheck};
use crate::journal::{Details, Journal, Key, State};
use crate::report::{Requests, ResultsFile, ResultsWriter, RowResult, RunFacts, Status, Summary};
use crate::rows::{HeaderMap, Kind};
use crate::sheet::RawRow;
use crate::submit::{Engine, Lookup, Mode, Options, Progress, Report, Said, SendState};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// A results file written by `submit`.
    pub results: PathBuf,
    #[command(flatten)]
    pub at: Where,
    /// The journal to bring up to date as well (default: the one `submit` uses, in the user's
    /// data folder).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// The sheet's kind, when the headers do not make it clear.
    #[arg(long, value_enum)]
    pub kind: Option<Kind>,
    /// Ask PayU again about SUCCESS rows too: a transfer reversed since becomes FAILED with
    /// code REVERSED (exit 1).
    #[arg(long)]
    pub recheck_success: bool,
    /// With --recheck-success: only rows first sent this long ago or less (e.g. 14d, 36h).
    #[arg(long, value_name = "DURATION", default_value = crate::controls::reversal::DEFAULT_SINCE,
          value_parser = crate::controls::parse_window, requires = "recheck_success")]
    pub since: std::time::Duration,
    /// How long PayU may take to show a payout it has, as for `submit` (default: the
    /// config's `visibility_window`, else 15m): what an UNKNOWN row's message says it waits
    /// for before `submit` may resend it.
    #[arg(long, value_name = "DURATION", value_parser = session::parse_duration)]
    pub visibility_window: Option<std::time::Duration>,
    /// Also write the results workbook (rows sheet and Summary) here, whatever the results
    /// format: a path ending in .xlsx.
    #[arg(long, value_name = "FILE.xlsx")]
    pub report: Option<PathBuf>,
}

pub fn run(args: &Args) -> Result<Exit, Error> {
    let started = Utc::now();
    let path = &args.results;
    let config = session::config_to_ask(&args.at, "status")?;
    let file = ResultsFile::open(path, args.kind)?;
    if let Some(report) = &args.report {
        crate::report::check_report_path(report, path, path)?;
    }
    let map = &file.map;
    let session = session::connect(&args.at, config.as_ref(), |env, rate| {
        session::pace(env, rate, None, None, None)
    })?;
    let journal_path = match &args.journal {
        Some(p) => p.clone(),
        None => session::default_journal()?,
    };
    let journal = Journal::open(&journal_path)?;
    let progress = Progress::new(true);
    let window = super::submit::visibility_window(
        args.visibility_window,
        config.as_ref(),
        args.at.config.as_deref(),
    )?;
    let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
    let engine = Engine::new(
        &session.apis,
        journal,
        Options {
            kind: map.kind,
            mode: Mode::Api,
            batch_size: 1,
            concurrency: 8,
            wait: std::time::Duration::ZERO,
            visibility_window: window,
            stop_after: 0,
            approval_flow: Default::default(),
        },
        &progress,
    );
    let merchant = match map.kind {
        Kind::GlobalPayout => None,
        _ => session.apis.india.as_ref().map(|i| i.merchant_id.clone()),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start: {e}")))?;
    let mut writer = ResultsWriter::create(path, file.sheet.format(), map, csv_style(&file.sheet))?;
    if let Some(report) = &args.report {
        writer.report_to(report, map)?;
    }
    let mut summary = Summary::new(map.kind, path, path, started);
    let mut refreshed = 0;
    let (mut waiting_approval, mut queued) = (0, 0);
    let mut recheck = Recheck::new(args.recheck_success, args.since, started);
    for raw in &file.rows {
        let mut result = file.result(raw)?;
        let status = result.status;
        let reference = file.reference(raw);
        let key = (merchant.clone().or_else(|| shop_of(map, raw, &session)))
            .map(|m| reversal::key(&session.apis, map.kind, &m, &reference));
        let again = recheck.asks(status, &engine.journal, key.as_ref())?;
        if (matches!(status, Status::Pending | Status::Unknown) || again) && !reference.is_empty() {
            let before = result.clone();
            let entry = match &key {
                Some(k) => engine
                    .journal
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get(k)?,
                None => None,
            };
            let by_reference = map.kind != Kind::GlobalPayout;
            match &entry {
                // Another run settled it: the journal has PayU's word, code, reason and UTR.
                Some(e) if e.state.is_final() && !again => {
                    let o = SendState::from_journal(e, by_reference).outcome(window_ms);
                    refreshed += 1;
                    apply(&mut result, &o);
                }
                _ => {
                    let payu_id = if result.reference.is_empty() {
                        entry
                            .as_ref()
                            .and_then(|e| e.payu_id.clone())
                            .unwrap_or_default()
                    } else {
                        result.reference.clone()
                    };
                    let asked_at = crate::submit::state::now();
                    match runtime.block_on(engine.lookup(&reference, &payu_id)) {
                        Ok(Lookup::Found(r)) => {
                            refreshed += 1;
                            apply(&mut result, &r.outcome());
                            if let (Some(k), Some(_)) = (&key, &entry) {
                                record(&engine, k, &r)?;
                            }
                            recheck.settle(&before, &mut result, &engine.journal, key.as_ref())?;
                        }
                        Ok(Lookup::Empty) => {
                            // Undetermined: it stays as it was; an UNKNOWN row says what a
                            // rerun of `submit` would wait for.
                            if let Some(e) = &entry
                                && status == Status::Unknown
                            {
                                let mut s = SendState::from_journal(e, by_reference);
                                if s.looked_up(Lookup::Empty, asked_at).is_ok() {
                                    result.message = s.outcome(window_ms).messages.join("; ");
                                }
                            }
                        }
                        Err(e) => {
                            result.message = format!("could not be refreshed from PayU ({e})");
                        }
                    }
                }
            }
        }
        if result.status == Status::Pending {
            let approval = crate::submit::Waiting::Approval.message();
            if result.message.contains(&approval) {
                waiting_approval += 1;
            } else if result
                .message
                .contains("queued by PayU: the balance is too low")
            {
                queued += 1;
            }
        }
        // Amounts for the summary come from the row itself, read as `validate` reads it.
        summary.add(result.status, file.amount(raw));
        writer.write_row(raw, &result)?;
    }
    summary.finished_at = Utc::now();
    summary
        .notes
        .push(format!("{refreshed} row(s) refreshed from PayU"));
    summary.notes.extend(recheck.note());
    if waiting_approval > 0 {
        summary.notes.push(format!(
            "{waiting_approval} PENDING row(s) are waiting for approval in the PayU dashboard"
        ));
    }
    if queued > 0 {
        summary.notes.push(format!(
            "{queued} PENDING row(s) are queued by PayU because the balance is too low: add funds, and run `payu-bulk status` again"
        ));
    }
    writer.finish(&RunFacts {
        summary: &summary,
        environment: Some(session.apis.env_name()),
        requests: Requests::of(&session.apis.transport.counters),
    })?;
    eprint!("{}", summary.render());
    Ok(exit_of(&summary, false))
}

/// The shop a PayU Europe row pays from: its own cell, else the configured shop.
fn shop_of(map: &HeaderMap, raw: &RawRow, session: &session::Session) -> Option<String> {
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
    let journal = engine.journal.lock().unwrap_or_else(|p| p.into_inner());
    journal.record_details(key, state, r.payu_id.as_deref(), &details)
}
