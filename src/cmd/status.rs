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
use crate::config::Env;
use crate::controls::reversal::{self, Recheck};
use crate::journal::Journal;
use crate::report::{Requests, ResultsFile, ResultsWriter, RunFacts, Status, Summary};
use crate::rows::{HeaderMap, Kind};
use crate::sheet::RawRow;
use crate::submit::{Engine, Mode, Options, Progress};

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
    /// Also write the results workbook (rows sheet and Summary) here, whatever the results
    /// format: a path ending in .xlsx.
    #[arg(long, value_name = "FILE.xlsx")]
    pub report: Option<PathBuf>,
}

pub fn run(args: &Args) -> Result<Exit, Error> {
    let started = Utc::now();
    let path = &args.results;
    let config = session::load_config(&args.at)?;
    if session::env_of(&args.at, config.as_ref()) == Env::Sandbox && args.at.base_url.is_none() {
        return Err(Error::Usage(
            "status asks the PayU the rows were sent to; an in-process sandbox would know none of them: give --base-url of the running sandbox".into(),
        ));
    }
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
    let engine = Engine::new(
        &session.apis,
        journal,
        Options {
            kind: map.kind,
            mode: Mode::Api,
            batch_size: 1,
            concurrency: 8,
            wait: std::time::Duration::ZERO,
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
            let found = runtime.block_on(engine.lookup(&reference, &result.reference));
            match found {
                Ok(Some(o)) => {
                    refreshed += 1;
                    result.status = o.status;
                    result.codes = o.codes.join(";");
                    result.message = o.messages.join("; ");
                    if !o.reference.is_empty() {
                        result.reference = o.reference.clone();
                    }
                    if !o.link.is_empty() {
                        result.link = o.link.clone();
                    }
                    if let Some(utr) = &o.utr {
                        result.utr = utr.clone();
                    }
                    let merchant = merchant.clone().or_else(|| shop_of(map, raw, &session));
                    if let Some(merchant) = merchant {
                        record(&engine, &session.apis, map.kind, &merchant, &reference, &o)?;
                    }
                    recheck.settle(&before, &mut result, &engine.journal, key.as_ref())?;
                }
                Ok(None) => {}
                Err(e) => {
                    result.message = format!("could not be refreshed from PayU ({e})");
                }
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

/// Brings the journal's entry up to date, when the journal has one.
fn record(
    engine: &Engine,
    apis: &crate::submit::Apis,
    kind: Kind,
    merchant: &str,
    reference: &str,
    o: &crate::submit::Outcome,
) -> Result<(), Error> {
    let key = crate::journal::Key {
        env: apis.env_name().to_owned(),
        merchant: merchant.to_owned(),
        kind: kind.name().to_owned(),
        reference: reference.to_owned(),
    };
    let journal = engine.journal.lock().unwrap_or_else(|p| p.into_inner());
    let settled = matches!(o.status, Status::Success | Status::Failed | Status::Pending);
    if settled && journal.get(&key)?.is_some() {
        let state = crate::submit::state_of(o.status);
        let id = (!o.reference.is_empty()).then_some(o.reference.as_str());
        journal.record(&key, state, id)?;
    }
    Ok(())
}
