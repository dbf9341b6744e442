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
use crate::journal::Journal;
use crate::report::{RESULT_COLUMNS, ResultsWriter, RowResult, Status, Summary};
use crate::rows::{HeaderMap, Kind};
use crate::sheet::{RawRow, ReadOptions, Sheet};
use crate::submit::{Engine, Mode, Options, Progress};
use crate::validate::{Rules, Verdict, validate_row};

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
    let sheet = Sheet::open(path, &ReadOptions::default())?;
    let headers = sheet.headers().to_vec();
    let n = headers.len();
    if n < RESULT_COLUMNS.len()
        || headers[n - RESULT_COLUMNS.len()..]
            .iter()
            .map(|h| h.trim())
            .ne(RESULT_COLUMNS)
    {
        return Err(Error::format(
            path,
            format!(
                "is not a results file: its last columns must be {}",
                RESULT_COLUMNS.join(", ")
            ),
        ));
    }
    let width = n - RESULT_COLUMNS.len();
    let map = HeaderMap::build(path, &headers[..width], args.kind)?;
    let mut rows: Vec<RawRow> = Vec::new();
    sheet.scan(|r| rows.push(r.clone()))?;
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
    let cell = |row: &RawRow, i: usize| row.get(width + i).map_or("", |c| c.text.trim()).to_owned();
    let reference_col = map.column(map.kind.reference_field());
    let merchant = match map.kind {
        Kind::GlobalPayout => None,
        _ => session.apis.india.as_ref().map(|i| i.merchant_id.clone()),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start: {e}")))?;
    let (out_path, format) = (path.clone(), sheet.format());
    let mut writer = ResultsWriter::create(&out_path, format, &map, csv_style(&sheet))?;
    let mut summary = Summary::new(map.kind, path, path, started);
    let mut refreshed = 0;
    // Amounts for the summary come from the row itself, read as `validate` reads it.
    let ctx = crate::validate::Context {
        rules: Rules::default(),
        now: started,
        duplicates: Default::default(),
    };
    for raw in &mut rows {
        if let Ok(number) = cell(raw, 0).parse::<u64>() {
            raw.number = number;
        }
        let status = Status::parse(&cell(raw, 1)).ok_or_else(|| {
            Error::format(
                path,
                format!(
                    "row {}: result_status '{}' is not a status",
                    raw.number,
                    cell(raw, 1)
                ),
            )
        })?;
        let mut result = RowResult {
            status,
            codes: cell(raw, 2),
            message: cell(raw, 3),
            reference: cell(raw, 4),
            link: cell(raw, 5),
        };
        let reference = reference_col
            .and_then(|c| raw.get(c))
            .map_or("", |c| c.text.trim())
            .to_owned();
        if matches!(status, Status::Pending | Status::Unknown) && !reference.is_empty() {
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
                    let merchant = merchant.clone().or_else(|| shop_of(&map, raw, &session));
                    if let Some(merchant) = merchant {
                        record(&engine, &session.apis, map.kind, &merchant, &reference, &o)?;
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    result.message = format!("could not be refreshed from PayU ({e})");
                }
            }
        }
        let verdict: Verdict = validate_row(&ctx, &map, &truncated(raw, width));
        summary.add(result.status, verdict.amount);
        writer.write_row(raw, &result)?;
    }
    writer.finish()?;
    summary.finished_at = Utc::now();
    summary
        .notes
        .push(format!("{refreshed} row(s) refreshed from PayU"));
    eprint!("{}", summary.render());
    Ok(exit_of(&summary, false))
}

/// The row without its result cells, for reading its amount.
fn truncated(raw: &RawRow, width: usize) -> RawRow {
    let mut r = raw.clone();
    if let crate::sheet::Cells::Csv(record) = &raw.cells {
        r.cells = crate::sheet::Cells::Csv(record.iter().take(width).collect());
    } else if let crate::sheet::Cells::Xlsx(cells) = &mut r.cells {
        cells.set_len(width.min(cells.len()));
    }
    r
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
