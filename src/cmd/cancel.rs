//! Cancel what PayU has not paid yet: the PENDING and UNKNOWN rows of a results file (all,
//! or those `--rows` names) are asked to be cancelled, after a person confirms the count and
//! the amount (or `--yes`). A cancelled row becomes FAILED with code `CANCELLED`, in the
//! results file (rewritten atomically, as `status` writes it) and in the journal; a row PayU
//! will not cancel keeps its state, with PayU's reason.
//!
//! Exit codes: 0 every row asked about was cancelled (or none needed it); 1 PayU refused
//! some; 2 nothing was done (usage, no confirmation, unreadable file).

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::Utc;
use rust_decimal::Decimal;

use super::Outcome as Exit;
use crate::Error;
use crate::controls::cancel::{self, Answer};
use crate::controls::reversal::key;
use crate::journal::Journal;
use crate::report::csv_style;
use crate::report::{ResultsFile, ResultsWriter, Summary, format_money};
use crate::rows::Kind;
use crate::session::{self, Where};
use crate::validate::Currency;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// A results file written by `submit` (or refreshed by `status`).
    pub results: PathBuf,
    /// Only these rows, as the sheet numbers them (the header is row 1): e.g. 3,7-9.
    #[arg(long, value_name = "LIST", value_parser = cancel::parse_rows)]
    pub rows: Option<std::collections::BTreeSet<u64>>,
    /// Do not ask for confirmation (for scripts).
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub at: Where,
    /// The journal to record the cancellations in (default: the one `submit` uses).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// The sheet's kind, when the headers do not make it clear.
    #[arg(long, value_enum)]
    pub kind: Option<Kind>,
}

pub fn run(args: &Args) -> Result<Exit, Error> {
    let started = Utc::now();
    let path = &args.results;
    let config = session::config_to_ask(&args.at, "cancel")?;
    let file = ResultsFile::open(path, args.kind)?;
    let kind = file.map.kind;
    if kind == Kind::GlobalPayout {
        return Err(Error::Usage(format!(
            "{}: PayU Europe offers no way to cancel a payout through its API; nothing was done",
            path.display()
        )));
    }
    if let Some(wanted) = &args.rows {
        let missing: Vec<String> = wanted
            .iter()
            .filter(|n| !file.rows.iter().any(|r| r.number == **n))
            .map(u64::to_string)
            .collect();
        if !missing.is_empty() {
            return Err(Error::format(
                path,
                format!("has no row {}; nothing was done", missing.join(", ")),
            ));
        }
    }
    let mut results = Vec::with_capacity(file.rows.len());
    let mut asked: Vec<usize> = Vec::new();
    let mut totals: BTreeMap<Currency, Decimal> = BTreeMap::new();
    for (i, raw) in file.rows.iter().enumerate() {
        let result = file.result(raw)?;
        let listed = args.rows.as_ref().is_none_or(|w| w.contains(&raw.number));
        if listed && cancel::may_cancel(&result) && !file.reference(raw).is_empty() {
            asked.push(i);
            if let Some((v, c)) = file.amount(raw) {
                let sum = totals.entry(c).or_default();
                *sum = sum.checked_add(v).unwrap_or(*sum);
            }
        } else if listed && args.rows.is_some() {
            eprintln!(
                "row {}: {} — nothing PayU could still cancel",
                raw.number, result.status
            );
        }
        results.push(result);
    }
    if asked.is_empty() {
        eprintln!("no row is PENDING or UNKNOWN: nothing to cancel; the results file is unchanged");
        return Ok(Exit::AllGood);
    }
    let totals: Vec<String> = totals
        .iter()
        .map(|(c, v)| format!("{c} {}", format_money(*v)))
        .collect();
    eprintln!(
        "about to ask PayU to cancel {} row(s){}: {}",
        asked.len(),
        if totals.is_empty() {
            String::new()
        } else {
            format!(" totalling {}", totals.join(" + "))
        },
        asked
            .iter()
            .map(|&i| file.rows[i].number.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    if !args.yes {
        session::confirm("cancel", "to cancel them", "nothing was cancelled")?;
    }

    let session = session::connect(&args.at, config.as_ref(), |env, rate| {
        session::pace(env, rate, None, None, None)
    })?;
    let journal_path = match &args.journal {
        Some(p) => p.clone(),
        None => session::default_journal()?,
    };
    let journal = Journal::open(&journal_path)?;
    let merchant = session
        .apis
        .india
        .as_ref()
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
        let answer = runtime.block_on(cancel::cancel(&session.apis, kind, &reference));
        cancel::apply(&mut results[i], &answer, &today);
        match &answer {
            Ok(Answer::Cancelled(_)) => {
                cancelled += 1;
                journal.end(
                    &key(&session.apis, kind, &merchant, &reference),
                    cancel::CODE,
                    &results[i].message,
                )?;
            }
            _ => refused += 1,
        }
    }

    let mut writer =
        ResultsWriter::create(path, file.sheet.format(), &file.map, csv_style(&file.sheet))?;
    let mut summary = Summary::new(kind, path, path, started);
    for (raw, result) in file.rows.iter().zip(&results) {
        summary.add(result.status, file.amount(raw));
        writer.write_row(raw, result)?;
    }
    summary.finished_at = Utc::now();
    summary.notes.push(format!(
        "{cancelled} row(s) cancelled; {refused} could not be (see their messages)"
    ));
    writer.finish(&crate::report::RunFacts {
        summary: &summary,
        environment: Some(session.apis.env_name()),
        requests: crate::report::Requests::of(&session.apis.transport.counters),
    })?;
    eprint!("{}", summary.render());
    Ok(if refused > 0 {
        Exit::SomeRowsBad
    } else {
        Exit::AllGood
    })
}
