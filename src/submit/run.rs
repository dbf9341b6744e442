//! A whole `submit`, from the sheet to the results file: validate every row, ask the
//! journal, hold back what must not be sent, send the rest through the [`Engine`], and
//! write every row's line. The command parses its flags into a [`Submission`] and prints
//! what [`run`] hands back.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use rust_decimal::Decimal;

use super::{Engine, Item, Mode, Options, Outcome, Payer, Progress, plan};
use crate::Error;
use crate::config::{Config, Env};
use crate::journal::Journal;
use crate::plan::policy::Approved;
use crate::report::outputs::{self, Protected};
use crate::report::{Requests, ResultsWriter, RowResult, RunFacts, Status, Summary};
use crate::session::{self, Session, Where};
use crate::validate::{Currency, Input, Loaded, Rules, Verdict, load};

/// Everything a `submit` is asked to do, as typed values.
#[derive(Debug, Clone)]
pub struct Submission {
    /// The sheet, how to read it, and where the results go (as for `validate`).
    pub input: Input,
    pub at: Where,
    /// Requests per second (default: the config's rate, else 50 on the sandbox, 5 elsewhere).
    pub rate: Option<u32>,
    /// Requests that may go at once after a quiet spell (default 1).
    pub burst: Option<u32>,
    /// Requests in flight at once (default 8).
    pub concurrency: Option<usize>,
    /// Transfers per Initiate Transfer request (payout sheets).
    pub batch_size: usize,
    pub mode: Mode,
    /// The journal (default: the user's data folder; the in-process sandbox: this run's own).
    pub journal: Option<PathBuf>,
    /// How long to follow accepted rows after the last send.
    pub wait: Duration,
    pub visibility_window: Option<Duration>,
    pub skip_invalid: bool,
    pub dry_run: bool,
    /// No confirmation on the terminal in production.
    pub yes: bool,
    pub allow_queue: bool,
    pub allow_repeats: bool,
    pub stop_after: usize,
    pub canary: usize,
    /// An approved plan: only its rows are sent.
    pub plan: Option<PathBuf>,
    /// No progress bar or log lines.
    pub quiet: bool,
}

/// What a `submit` did: the results file is written.
#[derive(Debug)]
pub struct Submitted {
    pub summary: Summary,
    /// Why the run stopped before it finished (a signal, a fault), when it did.
    pub interrupted: Option<String>,
    /// The requests the run made of PayU.
    pub requests: Requests,
}

/// Runs a submission to its end: every row of the sheet has its line in the results file.
pub fn run(sub: &Submission) -> Result<Submitted, Error> {
    let started = Utc::now();
    let setup = setup(sub)?;
    let config = setup.config.as_ref();
    let progress = Progress::new(sub.quiet);
    let mut loaded = load_sheet(sub, &setup.session, config)?;
    progress.validated.store(
        loaded.rows.len() as u64,
        std::sync::atomic::Ordering::Relaxed,
    );
    let window =
        session::visibility_window(sub.visibility_window, config, sub.at.config.as_deref())?;
    let files = files(sub, &setup.session, &loaded, &progress)?;
    let mut notes = files.notes.clone();
    let journal = Journal::open(&files.journal)?;
    let apis = &setup.session.apis;
    let batch_id = format!("payu-bulk-{}", started.format("%Y%m%d%H%M%S"));
    let payer = Payer {
        india_merchant: apis.india.as_ref().map_or("", |i| i.merchant_id.as_str()),
        default_shop: apis.europe.as_ref().map(|e| e.shop_id.as_str()),
        batch_id: &batch_id,
    };
    let approved = setup.approved.as_ref();
    let mut items = items_of(sub, &loaded, &payer, approved, apis)?;
    let options = options(sub, &loaded, window, config);
    let engine = Engine::new(apis, journal, options, &progress);
    engine.look_up(&mut items)?;
    let numbers: Vec<u64> = loaded.rows.iter().map(|r| r.number).collect();
    notes.extend(crate::controls::repeat::hold_back(
        &engine.journal.lock().unwrap_or_else(|p| p.into_inner()),
        &mut items,
        &mut loaded.verdicts,
        &numbers,
        crate::controls::repeat::window(config),
        sub.allow_repeats,
        started,
    )?);
    let sending = Sending {
        sub,
        env: setup.env,
        engine: &engine,
        loaded: &loaded,
        approved,
    };
    let interrupted = sending.send(&mut items, &mut notes)?;
    progress.finish();
    notes.extend(waiting_notes(&items));
    for word in engine.unknown_words() {
        notes.push(format!(
            "PayU reported the state '{word}', which the tool does not know: its rows are left PENDING"
        ));
    }
    let mut summary = Summary::new(loaded.map.kind, &sub.input.sheet, &files.out, started);
    summary.notes = notes;
    summary.plan = approved.map(|a| a.note());
    let written = Written {
        sub,
        out: &files.out,
        format: files.format,
        apis,
    };
    let summary = written.write(summary, &loaded, &items, window)?;
    Ok(Submitted {
        summary,
        interrupted,
        requests: Requests::of(&apis.transport.counters),
    })
}

/// What a submission runs with: its config, environment, approved plan and connection.
struct Setup {
    config: Option<Config>,
    env: Env,
    approved: Option<Approved>,
    session: Session,
}

/// Reads the config, checks the plan (or that none is needed), and connects: all before the
/// sheet is read, so that a run that could not send stops before a long validation.
fn setup(sub: &Submission) -> Result<Setup, Error> {
    if let Some(report) = &sub.input.report {
        crate::report::check_report_name(report)?;
    }
    let config = session::load_config(&sub.at)?;
    let env = session::env_of(&sub.at, config.as_ref());
    let approved = crate::plan::policy::preflight(
        sub.plan.as_deref(),
        &sub.input.sheet,
        config.as_ref(),
        sub.at.config.as_deref(),
        env,
        sub.dry_run,
    )?;
    let session = session::connect(&sub.at, config.as_ref(), |env, config_rate| {
        // A PayU answering nothing but 429 is waited on for as long as --wait, no longer.
        session::pace(env, config_rate, sub.rate, sub.burst, sub.concurrency).map(|p| {
            crate::client::Pace {
                patience: sub.wait,
                ..p
            }
        })
    })?;
    Ok(Setup {
        config,
        env,
        approved,
        session,
    })
}

/// The files of a run, proven writable, with the journal locked for as long as this lives.
struct Files {
    out: PathBuf,
    format: crate::sheet::Format,
    journal: PathBuf,
    /// The folder of a journal that is this run's only.
    _temp: Option<tempfile::TempDir>,
    _lock: std::fs::File,
    notes: Vec<String>,
}

/// Where the results and the journal go; every output proven writable before anything
/// leaves (a results file that cannot be written after rows were paid would lose the record
/// of the payments); the journal locked against a second run.
fn files(
    sub: &Submission,
    session: &Session,
    loaded: &Loaded,
    progress: &Progress,
) -> Result<Files, Error> {
    let (out, format) = crate::report::results_path(
        &sub.input.sheet,
        loaded.sheet.format(),
        sub.input.output.as_deref(),
    )?;
    // Every row's results must fit before the first request leaves.
    crate::report::check_capacity(&out, format, loaded.rows.len(), loaded.map.headers.len())?;
    if let Some(report) = &sub.input.report {
        crate::report::check_report_path(report, &out, &sub.input.sheet)?;
    }
    let (journal, temp, notes) = journal_of(sub, session)?;
    let protected = [
        Protected {
            what: "input sheet",
            path: &sub.input.sheet,
        },
        Protected {
            what: "journal",
            path: &journal,
        },
    ];
    outputs::preflight(&protected, &sub.input.outputs(&out))?;
    let lock = lock_journal(&journal, progress)?;
    Ok(Files {
        out,
        format,
        journal,
        _temp: temp,
        _lock: lock,
        notes,
    })
}

/// Reads and validates the sheet with the environment's rules (its default shop, the
/// config's largest row amount).
fn load_sheet(
    sub: &Submission,
    session: &Session,
    config: Option<&Config>,
) -> Result<Loaded, Error> {
    let rules = Rules {
        default_shop_id: session.apis.europe.as_ref().map(|e| e.shop_id.clone()),
        max_row_amount: match config {
            // Checked when the file was loaded: an error here cannot happen.
            Some(c) => c
                .max_row_amount()
                .map_err(|why| Error::Usage(format!("max_row_amount: {why}")))?,
            None => crate::validate::default_max_row_amount(),
        },
        ..Rules::default()
    };
    load(
        &sub.input.sheet,
        &sub.input.read_options(),
        sub.input.kind,
        rules,
    )
}

/// The journal's path, the temporary folder that holds it when it is this run's only, and
/// the note that says so. The in-process sandbox starts empty every run, so its journal is
/// this run's only (a journal kept across runs would hold references that sandbox never saw).
fn journal_of(
    sub: &Submission,
    session: &Session,
) -> Result<(PathBuf, Option<tempfile::TempDir>, Vec<String>), Error> {
    match (&sub.journal, &session.sandbox) {
        (Some(p), _) => Ok((p.clone(), None, Vec::new())),
        (None, Some(_)) => {
            let temp = tempfile::tempdir().map_err(|e| Error::write(Path::new("journal"), e))?;
            let note = "the in-process sandbox starts empty every run, so this run's journal is temporary; give --journal to keep one".to_owned();
            Ok((temp.path().join("journal.sqlite"), Some(temp), vec![note]))
        }
        (None, None) => Ok((session::default_journal()?, None, Vec::new())),
    }
}

/// Each valid row as the payment it makes, checked against the approved plan when there is
/// one.
fn items_of(
    sub: &Submission,
    loaded: &Loaded,
    payer: &Payer,
    approved: Option<&Approved>,
    apis: &super::Apis,
) -> Result<Vec<Item>, Error> {
    let kind = loaded.map.kind;
    if let Some(a) = approved {
        a.check_loaded(&sub.input.sheet, kind, payer)?;
    }
    let mut items: Vec<Item> = Vec::new();
    for (i, (raw, payment)) in loaded.rows.iter().zip(&loaded.payments).enumerate() {
        if let Some(payment) = payment {
            let outgoing = plan::outgoing(payment, payer);
            if let Some(a) = approved {
                a.admit(raw.number, &outgoing)?;
            }
            items.push(Item::new(i, outgoing, apis.env_name(), kind));
        }
    }
    Ok(items)
}

/// The engine's options for this submission.
fn options(
    sub: &Submission,
    loaded: &Loaded,
    window: Duration,
    config: Option<&Config>,
) -> Options {
    Options {
        kind: loaded.map.kind,
        mode: sub.mode,
        batch_size: sub.batch_size,
        concurrency: sub.concurrency.unwrap_or(8),
        wait: sub.wait,
        visibility_window: window,
        stop_after: sub.stop_after,
        approval_flow: config.and_then(|c| c.approval_flow).unwrap_or_default(),
    }
}

/// What sending needs besides the rows.
struct Sending<'a> {
    sub: &'a Submission,
    env: Env,
    engine: &'a Engine<'a>,
    loaded: &'a Loaded,
    approved: Option<&'a Approved>,
}

impl Sending<'_> {
    /// Sends what may be sent, or holds it all back: invalid rows without `--skip-invalid`,
    /// a dry run. Returns why the run stopped before it finished, when it did.
    fn send(&self, items: &mut [Item], notes: &mut Vec<String>) -> Result<Option<String>, Error> {
        let sub = self.sub;
        let invalid = self.invalid(items);
        let blocked = invalid > 0 && !sub.skip_invalid;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Usage(format!("cannot start the run: {e}")))?;
        if blocked {
            let why = format!(
                "not sent: {invalid} row(s) of the sheet are invalid; fix them, or pass --skip-invalid to send the valid rows"
            );
            for item in super::to_send(items) {
                item.hold(&why);
            }
            notes.push(why);
            return Ok(None);
        }
        notes.extend(runtime.block_on(crate::controls::balance::before_sending(
            self.engine.apis,
            self.loaded.map.kind,
            items,
            sub.allow_queue,
            sub.dry_run,
        ))?);
        if sub.dry_run {
            for item in super::to_send(items) {
                item.dry_run();
            }
            notes.push("dry run: nothing was sent".to_owned());
            return Ok(None);
        }
        if self.env == Env::Production && !sub.yes {
            confirm(items)?;
        }
        let interrupted = self.pay(&runtime, items, notes);
        if let Some(why) = self.engine.stopped() {
            notes.push(format!("stopped sending: {why}"));
        }
        Ok(interrupted)
    }

    /// The invalid rows that hold the run back. With a plan, the rows it left out as invalid
    /// were left out by its approvers too.
    fn invalid(&self, items: &[Item]) -> usize {
        let loaded = self.loaded;
        (loaded.rows.iter().zip(&loaded.verdicts))
            .filter(|(r, v)| !v.is_valid() && self.approved.is_none_or(|a| a.holds_row(r.number)))
            .count()
            + items
                .iter()
                .filter(|i| i.state().status() == Status::Invalid)
                .count()
    }

    /// Sends the rows (the canary first when asked) until they are final, the wait runs out
    /// or a stop is asked for; returns why it stopped early, when it did.
    fn pay(
        &self,
        runtime: &tokio::runtime::Runtime,
        items: &mut [Item],
        notes: &mut Vec<String>,
    ) -> Option<String> {
        let finished = runtime.block_on(async {
            // Listening before the first request leaves: a stop asked for at any moment of
            // the run is a stop with results, never a kill without them.
            let stop = stop_signal();
            tokio::pin!(stop);
            tokio::select! {
                r = crate::controls::canary::run(self.engine, items, self.sub.canary) => r.map_err(|e| e.to_string()),
                how = &mut stop => Err(how.to_owned()),
            }
        });
        match finished {
            Ok(canary) => {
                notes.extend(canary);
                None
            }
            Err(why) => {
                // Stopped, by a signal or a fault (the journal locked by another process, a
                // disk full): every row sent is written with what is known of it, the rest
                // NOT_SENT, and the exit code says the run did not finish.
                notes.push(format!("{why}: rows not yet answered are UNKNOWN until the next run or `payu-bulk status` settles them"));
                Some(why)
            }
        }
    }
}

/// Where a submission writes its rows.
struct Written<'a> {
    sub: &'a Submission,
    out: &'a Path,
    format: crate::sheet::Format,
    apis: &'a super::Apis,
}

impl Written<'_> {
    /// Writes every row of the sheet, in order, with its verdict or what the run made of it;
    /// then the summary JSON when asked. Returns the finished summary.
    fn write(
        &self,
        mut summary: Summary,
        loaded: &Loaded,
        items: &[Item],
        window: Duration,
    ) -> Result<Summary, Error> {
        let mut outcomes: Vec<Option<Outcome>> = vec![None; loaded.rows.len()];
        for item in items {
            outcomes[item.row] = Some(item.outcome(window));
        }
        summary.unknown_columns = loaded.map.unknown.clone();
        let style = crate::report::csv_style(&loaded.sheet);
        let mut writer = ResultsWriter::create(self.out, self.format, &loaded.map, style)?;
        if let Some(report) = &self.sub.input.report {
            writer.report_to(report, &loaded.map)?;
        }
        for ((raw, verdict), outcome) in loaded.rows.iter().zip(&loaded.verdicts).zip(outcomes) {
            let result = row_result(verdict, outcome);
            summary.add(result.status, verdict.amount);
            writer.write_row(raw, &result)?;
        }
        summary.finished_at = Utc::now();
        summary.requests = Requests::of(&self.apis.transport.counters);
        writer.finish(&RunFacts {
            summary: &summary,
            environment: Some(self.apis.env_name()),
            requests: summary.requests,
        })?;
        if let Some(p) = &self.sub.input.summary_json {
            summary.write_json(p)?;
        }
        Ok(summary)
    }
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

/// The PENDING rows that wait for a person (approval) or for money (a queue), counted apart
/// from the others for the summary.
fn waiting_notes(items: &[Item]) -> Vec<String> {
    use super::Waiting;
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
        return crate::validate::checked(verdict);
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
