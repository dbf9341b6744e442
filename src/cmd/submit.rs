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

use std::path::PathBuf;
use std::time::Duration;

use super::Exit;
use crate::Error;
use crate::session::{self, Where};
use crate::submit::{Mode, Submission};
use crate::validate::Input;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The sheet, how to read it, and where the results go (as for `validate`).
    #[command(flatten)]
    pub input: Input,
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

pub fn run(args: &Args) -> Result<Exit, Error> {
    let done = crate::submit::run(&args.submission())?;
    if let Some(why) = &done.interrupted {
        eprintln!("payu-bulk: {why}");
    }
    eprint!("{}", done.summary.render());
    eprintln!("{}", done.requests.line(done.summary.rows));
    Ok(done.summary.ending(done.interrupted.is_some()).into())
}

impl Args {
    /// The flags as the library's typed submission.
    pub fn submission(&self) -> Submission {
        Submission {
            input: self.input.clone(),
            at: self.at.clone(),
            rate: self.rate,
            burst: self.burst,
            concurrency: self.concurrency,
            batch_size: self.batch_size,
            mode: self.mode,
            journal: self.journal.clone(),
            wait: self.wait,
            visibility_window: self.visibility_window,
            skip_invalid: self.skip_invalid,
            dry_run: self.dry_run,
            yes: self.yes,
            allow_queue: self.allow_queue,
            allow_repeats: self.allow_repeats,
            stop_after: self.stop_after,
            canary: self.canary,
            plan: self.plan.clone(),
            quiet: self.quiet,
        }
    }
}
