//! Pay every valid row of a sheet exactly once, at a controlled rate, and account for every
//! row in the results file.
//!
//! Every row is validated first; if any is invalid nothing is sent (unless `--skip-invalid`).
//! The journal is asked about every reference before anything leaves: a reference it holds is
//! not sent again, and one reused with another amount or destination is `REF_REUSED`. Rows
//! are then sent (payout rows in batches, smart-send rows one link each or in a Bulk Smart
//! Send file, global-payout rows one request each), through one limiter, and followed until
//! they are final or `--wait` runs out.
//!
//! Exit codes: 0 every row SUCCESS or PENDING; 1 some rows INVALID, FAILED or NOT_SENT; 2
//! nothing could be done; 3 some rows UNKNOWN, or the run was interrupted.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use rust_decimal::Decimal;

use super::Outcome as Exit;
use super::session::{self, Where};
use super::validate::{csv_style, results_path};
use crate::Error;
use crate::config::Env;
use crate::journal::Journal;
use crate::report::outputs::{self, Protected};
use crate::report::{Requests, ResultsWriter, RowResult, RunFacts, Status, Summary};
use crate::rows::{HeaderMap, Kind};
use crate::sheet::{RawRow, ReadOptions, Sheet};
use crate::submit::{Engine, Item, Mode, Options, Outcome, Progress, Target, plan};
use crate::validate::{Context, Currency, Duplicates, Rules, Verdict, validate_row};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The sheet, how to read it, and where the results go (as for `validate`).
    #[command(flatten)]
    pub input: super::validate::Args,
    #[command(flatten)]
    pub at: Where,
    /// Requests per second, every request of the run counted (default: the config's rate,
    /// else 50 on the sandbox and 5 elsewhere).
    #[arg(long, value_name = "N")]
    pub rate: Option<u32>,
    /// Requests that may go at once after a quiet spell (default 1).
    #[arg(long, value_name = "N")]
    pub burst: Option<u32>,
    /// Requests in flight at once (default 8).
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Transfers per Initiate Transfer request, for payout sheets (at least 1).
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = session::at_least_one)]
    pub batch_size: usize,
    /// Smart Send: one link per request (api), or a Bulk Smart Send file (bulk).
    #[arg(long, value_enum, default_value = "api")]
    pub mode: Mode,
    /// The journal of every row ever sent (default: payu-bulk/journal.sqlite in the user's
    /// data folder: ~/.local/share or $XDG_DATA_HOME on Linux, ~/Library/Application Support
    /// on macOS, %APPDATA% on Windows; for the in-process sandbox, a journal of this run only).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// How long to keep asking about accepted rows after the last send (e.g. 30s, 2m, 1h 30m,
    /// 0; at most 7 days).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = session::parse_duration)]
    pub wait: Duration,
    /// How long PayU may take to show a payout it has: a row sent without an answer is
    /// resent (same reference) only when PayU still does not show it this long after its
    /// last send (default: the config's `visibility_window`, else 15m).
    #[arg(long, value_name = "DURATION", value_parser = session::parse_duration)]
    pub visibility_window: Option<Duration>,
    /// Send the valid rows even if some rows are invalid.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Do everything but send.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation in production (for cron).
    #[arg(long)]
    pub yes: bool,
    /// Send a payout sheet even if the account's balance does not cover it: PayU queues the
    /// transfers it cannot pay yet (`payu-bulk cancel` stops them).
    #[arg(long)]
    pub allow_queue: bool,
    /// Send rows that repeat a payment of the last `repeat_window` (same destination and
    /// amount under another reference) instead of holding them back as POSSIBLE_REPEAT.
    #[arg(long)]
    pub allow_repeats: bool,
    /// Stop sending when PayU refuses this many rows in a row with the same code (0: never);
    /// the rest stay NOT_SENT for a rerun after the fix.
    #[arg(long, value_name = "N", default_value_t = crate::controls::stops::DEFAULT_STOP_AFTER)]
    pub stop_after: usize,
    /// Send the first N rows, wait until they are final (within --wait), and send the rest
    /// only if all N ended SUCCESS; else the rest are NOT_SENT with code CANARY.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub canary: usize,
    /// An approved plan (`payu-bulk plan`, `payu-bulk approve`): only its rows are sent, and
    /// nothing unless it matches the sheet and holds the approvals the config asks for.
    #[arg(long, value_name = "PLAN")]
    pub plan: Option<PathBuf>,
    /// No progress bar or log lines; the summary only.
    #[arg(long, hide = true)]
    pub quiet: bool,
}

/// A sheet read whole, with every row's verdict.
pub struct Loaded {
    pub sheet: Sheet,
    pub map: HeaderMap,
    pub rows: Vec<RawRow>,
    pub verdicts: Vec<Verdict>,
}

/// Reads every row and validates it (the duplicates within the file included).
pub fn load(
    path: &Path,
    opts: &ReadOptions,
    kind: Option<Kind>,
    rules: Rules,
) -> Result<Loaded, Error> {
    let sheet = Sheet::open(path, opts)?;
    let map = HeaderMap::build(path, sheet.headers(), kind)?;
    let mut rows = Vec::new();
    sheet.scan(|row| rows.push(row.clone()))?;
    let ctx = Context {
        rules,
        now: Utc::now(),
        duplicates: Duplicates::among(&map, &rows),
    };
    let verdicts = rows.iter().map(|r| validate_row(&ctx, &map, r)).collect();
    Ok(Loaded {
        sheet,
        map,
        rows,
        verdicts,
    })
}

pub fn run(args: &Args) -> Result<Exit, Error> {
    let started = Utc::now();
    if let Some(report) = &args.input.report {
        crate::report::check_report_name(report)?;
    }
    let config = session::load_config(&args.at)?;
    let env = session::env_of(&args.at, config.as_ref());
    let approved = crate::plan::policy::preflight(
        args.plan.as_deref(),
        &args.input.sheet,
        config.as_ref(),
        args.at.config.as_deref(),
        env,
        args.dry_run,
    )?;
    let session = session::connect(&args.at, config.as_ref(), |env, config_rate| {
        // A PayU answering nothing but 429 is waited on for as long as --wait, no longer.
        session::pace(env, config_rate, args.rate, args.burst, args.concurrency).map(|p| {
            crate::client::Pace {
                patience: args.wait,
                ..p
            }
        })
    })?;
    let apis = &session.apis;
    let progress = Progress::new(args.quiet);
    let rules = Rules {
        default_shop_id: apis.europe.as_ref().map(|e| e.shop_id.clone()),
        max_row_amount: match &config {
            // Checked when the file was loaded: an error here cannot happen.
            Some(c) => c
                .max_row_amount()
                .map_err(|why| Error::Usage(format!("max_row_amount: {why}")))?,
            None => crate::validate::default_max_row_amount(),
        },
        ..Rules::default()
    };
    let opts = ReadOptions {
        sheet: args.input.sheet_name.clone(),
        encoding: args.input.encoding.clone(),
    };
    let mut loaded = load(&args.input.sheet, &opts, args.input.kind, rules)?;
    let (out, format) = results_path(
        &args.input.sheet,
        loaded.sheet.format(),
        args.input.output.as_deref(),
    )?;
    // Every row's results must fit before the first request leaves.
    crate::report::check_capacity(&out, format, loaded.rows.len(), loaded.map.headers.len())?;
    if let Some(report) = &args.input.report {
        crate::report::check_report_path(report, &out, &args.input.sheet)?;
    }
    let kind = loaded.map.kind;
    progress.validated.store(
        loaded.rows.len() as u64,
        std::sync::atomic::Ordering::Relaxed,
    );
    let mut notes = Vec::new();
    let window = visibility_window(
        args.visibility_window,
        config.as_ref(),
        args.at.config.as_deref(),
    )?;

    // The journal: the in-process sandbox starts empty every run, so its journal is this
    // run's only (a journal kept across runs would hold references that sandbox never saw).
    let temp_journal;
    let journal_path = match (&args.journal, &session.sandbox) {
        (Some(p), _) => p.clone(),
        (None, Some(_)) => {
            temp_journal =
                tempfile::tempdir().map_err(|e| Error::write(Path::new("journal"), e))?;
            notes.push("the in-process sandbox starts empty every run, so this run's journal is temporary; give --journal to keep one".to_owned());
            temp_journal.path().join("journal.sqlite")
        }
        (None, None) => session::default_journal()?,
    };
    // Every output proven writable before anything leaves: a results file that cannot be
    // written after rows were paid would lose the record of the payments.
    let protected = [
        Protected {
            what: "input sheet",
            path: &args.input.sheet,
        },
        Protected {
            what: "journal",
            path: &journal_path,
        },
    ];
    outputs::preflight(&protected, &super::validate::outputs(&args.input, &out))?;
    let _lock = lock_journal(&journal_path, &progress)?;
    let journal = Journal::open(&journal_path)?;

    let target = Target {
        india_merchant: apis.india.as_ref().map_or("", |i| i.merchant_id.as_str()),
        default_shop: apis.europe.as_ref().map(|e| e.shop_id.as_str()),
        batch_id: &format!("payu-bulk-{}", started.format("%Y%m%d%H%M%S")),
    };
    if let Some(a) = &approved {
        a.check_loaded(&args.input.sheet, kind, &target)?;
    }
    let mut items: Vec<Item> = Vec::new();
    for (i, (raw, verdict)) in loaded.rows.iter().zip(&loaded.verdicts).enumerate() {
        if verdict.is_valid() {
            let payment = plan::payment(&loaded.map, raw, verdict.amount, &target);
            if let Some(a) = &approved {
                a.admit(raw.number, &payment)?;
            }
            items.push(Item::new(i, payment, apis.env_name(), kind));
        }
    }
    let engine = Engine::new(
        apis,
        journal,
        Options {
            kind,
            mode: args.mode,
            batch_size: args.batch_size,
            concurrency: args.concurrency.unwrap_or(8),
            wait: args.wait,
            visibility_window: window,
            stop_after: args.stop_after,
            approval_flow: config
                .as_ref()
                .and_then(|c| c.approval_flow)
                .unwrap_or_default(),
        },
        &progress,
    );
    engine.look_up(&mut items)?;
    let numbers: Vec<u64> = loaded.rows.iter().map(|r| r.number).collect();
    notes.extend(crate::controls::repeat::hold_back(
        &engine.journal.lock().unwrap_or_else(|p| p.into_inner()),
        &mut items,
        &mut loaded.verdicts,
        &numbers,
        crate::controls::repeat::window(config.as_ref()),
        args.allow_repeats,
        started,
    )?);

    // With a plan, the rows it left out as invalid were left out by its approvers too.
    let invalid = (loaded.rows.iter().zip(&loaded.verdicts))
        .filter(|(r, v)| !v.is_valid() && approved.as_ref().is_none_or(|a| a.holds_row(r.number)))
        .count()
        + items
            .iter()
            .filter(|i| i.state().status() == Status::Invalid)
            .count();
    let blocked = invalid > 0 && !args.skip_invalid;
    let mut interrupted = false;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start the run: {e}")))?;
    if !blocked {
        notes.extend(runtime.block_on(crate::controls::balance::before_sending(
            apis,
            kind,
            &items,
            args.allow_queue,
            args.dry_run,
        ))?);
    }
    if blocked {
        let why = format!(
            "not sent: {invalid} row(s) of the sheet are invalid; fix them, or pass --skip-invalid to send the valid rows"
        );
        for item in crate::submit::to_send(&mut items) {
            item.hold(&why);
        }
        notes.push(why);
    } else if args.dry_run {
        for item in crate::submit::to_send(&mut items) {
            item.dry_run();
        }
        notes.push("dry run: nothing was sent".to_owned());
    } else {
        if env == Env::Production && !args.yes {
            confirm(&items)?;
        }
        let finished = runtime.block_on(async {
            // Listening before the first request leaves: a stop asked for at any moment of
            // the run is a stop with results, never a kill without them.
            let stop = stop_signal();
            tokio::pin!(stop);
            tokio::select! {
                r = crate::controls::canary::run(&engine, &mut items, args.canary) => r.map_err(|e| e.to_string()),
                how = &mut stop => Err(how.to_owned()),
            }
        });
        match finished {
            Ok(canary) => notes.extend(canary),
            Err(why) => {
                // Stopped, by a signal or a fault (the journal locked by another process, a
                // disk full): every row sent is written with what is known of it, the rest
                // NOT_SENT, and the exit code says the run did not finish.
                interrupted = true;
                eprintln!("payu-bulk: {why}");
                notes.push(format!("{why}: rows not yet answered are UNKNOWN until the next run or `payu-bulk status` settles them"));
            }
        }
        if let Some(why) = engine.stopped() {
            notes.push(format!("stopped sending: {why}"));
        }
    }
    progress.finish();
    notes.extend(waiting_notes(&items));
    for word in engine.unknown_words() {
        notes.push(format!(
            "PayU reported the state '{word}', which the tool does not know: its rows are left PENDING"
        ));
    }

    let mut outcomes: Vec<Option<Outcome>> = vec![None; loaded.rows.len()];
    for item in &items {
        outcomes[item.row] = Some(item.outcome(window));
    }
    let mut summary = Summary::new(kind, &args.input.sheet, &out, started);
    summary.unknown_columns = loaded.map.unknown.clone();
    summary.notes = notes;
    summary.plan = approved.map(|a| a.note());
    let mut writer = ResultsWriter::create(&out, format, &loaded.map, csv_style(&loaded.sheet))?;
    if let Some(report) = &args.input.report {
        writer.report_to(report, &loaded.map)?;
    }
    for ((raw, verdict), outcome) in loaded.rows.iter().zip(&loaded.verdicts).zip(outcomes) {
        let result = row_result(verdict, outcome);
        summary.add(result.status, verdict.amount);
        writer.write_row(raw, &result)?;
    }
    summary.finished_at = Utc::now();
    summary.requests = Requests::of(&apis.transport.counters);
    writer.finish(&RunFacts {
        summary: &summary,
        environment: Some(apis.env_name()),
        requests: summary.requests,
    })?;
    if let Some(p) = &args.input.summary_json {
        summary.write_json(p)?;
    }
    eprint!("{}", summary.render());
    eprintln!("{}", summary.requests.line(summary.rows));
    Ok(exit_of(&summary, interrupted))
}

/// Resolves when the run is asked to stop: Ctrl-C (SIGINT), or SIGTERM (what cron,
/// systemd and container runtimes send), with what to call the stop. A signal that cannot be
/// listened for never resolves: the run is not stopped for it.
async fn stop_signal() -> &'static str {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let terminate = async {
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    term.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = interrupt => "interrupted (Ctrl-C)",
            _ = terminate => "stopped by SIGTERM",
        }
    }
    #[cfg(not(unix))]
    {
        interrupt.await;
        "interrupted (Ctrl-C)"
    }
}

/// The visibility window: the flag, else the config's `visibility_window`, else 15 minutes.
pub fn visibility_window(
    flag: Option<Duration>,
    config: Option<&crate::config::Config>,
    path: Option<&Path>,
) -> Result<Duration, Error> {
    if let Some(d) = flag {
        return Ok(d);
    }
    match config.and_then(|c| c.visibility_window.as_deref()) {
        Some(text) => session::parse_duration(text).map_err(|why| {
            Error::format(
                path.unwrap_or(Path::new("the configuration")),
                format!("visibility_window: {why}"),
            )
        }),
        None => Ok(crate::submit::VISIBILITY_WINDOW),
    }
}

/// The PENDING rows that wait for a person (approval) or for money (a queue), counted apart
/// from the others for the summary.
pub fn waiting_notes(items: &[Item]) -> Vec<String> {
    use crate::submit::Waiting;
    let approval = items
        .iter()
        .filter(|i| matches!(i.state().waiting(), Some(Waiting::Approval)))
        .count();
    let queued = items
        .iter()
        .filter(|i| matches!(i.state().waiting(), Some(Waiting::Queued(_))))
        .count();
    let mut notes = Vec::new();
    if approval > 0 {
        notes.push(format!(
            "{approval} PENDING row(s) are waiting for approval in the PayU dashboard"
        ));
    }
    if queued > 0 {
        notes.push(format!(
            "{queued} PENDING row(s) are queued by PayU because the balance is too low: add funds, and run `payu-bulk status`"
        ));
    }
    notes
}

/// The results line of a row: its verdict, and what the run made of it.
fn row_result(verdict: &Verdict, outcome: Option<Outcome>) -> RowResult {
    let Some(o) = outcome else {
        // Invalid: never sent.
        return RowResult {
            status: Status::Invalid,
            codes: verdict.codes(),
            message: verdict.message(),
            reference: String::new(),
            link: String::new(),
            utr: String::new(),
        };
    };
    let warnings = verdict.warnings.iter().map(|w| format!("warning: {w}"));
    let message: Vec<String> = o.all_messages().into_iter().chain(warnings).collect();
    RowResult {
        status: o.status,
        codes: o.codes.join(";"),
        message: message.join("; "),
        reference: o.reference,
        link: o.link,
        utr: o.utr.unwrap_or_default(),
    }
}

/// The exit code of architecture.md §4.1.
pub fn exit_of(summary: &Summary, interrupted: bool) -> Exit {
    if interrupted || summary.count(Status::Unknown) > 0 {
        Exit::Unsettled
    } else if [Status::Invalid, Status::Failed, Status::NotSent]
        .iter()
        .any(|s| summary.count(*s) > 0)
    {
        Exit::SomeRowsBad
    } else {
        Exit::AllGood
    }
}

/// Holds the journal's lock file for the run: a second run on the same journal waits for the
/// first to finish, so two runs never send at once. The operating system lets go of it when
/// the process ends, however it ends.
fn lock_journal(journal: &Path, progress: &Progress) -> Result<std::fs::File, Error> {
    let mut name = journal.as_os_str().to_owned();
    name.push(".lock");
    let path = PathBuf::from(name);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| Error::Open {
            path: path.clone(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            progress.phase(&format!(
                "another run is using the journal {}; waiting for it to finish",
                journal.display()
            ));
            file.lock().map_err(|source| Error::Open {
                path: path.clone(),
                source,
            })?;
        }
        Err(std::fs::TryLockError::Error(source)) => return Err(Error::Open { path, source }),
    }
    Ok(file)
}

/// Production: the count and total per currency, and a yes from a person.
fn confirm(items: &[Item]) -> Result<(), Error> {
    let to_send: Vec<&Item> = items.iter().filter(|i| i.state().is_to_send()).collect();
    let mut totals: std::collections::BTreeMap<Currency, Decimal> = Default::default();
    for item in &to_send {
        if let Some((v, c)) = item.payment.amount {
            let total = totals.entry(c).or_default();
            *total = total.checked_add(v).ok_or_else(|| {
                Error::Usage(format!(
                    "the total in {c} is too large to add up; nothing was sent"
                ))
            })?;
        }
    }
    let totals: Vec<String> = totals
        .iter()
        .map(|(c, v)| format!("{c} {}", crate::report::format_money(*v)))
        .collect();
    eprintln!(
        "about to pay {} rows in PRODUCTION: {}",
        to_send.len(),
        if totals.is_empty() {
            "no amounts".to_owned()
        } else {
            totals.join(" + ")
        }
    );
    session::confirm("pay in production", "to pay", "nothing was sent")
}
