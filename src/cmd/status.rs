//! Refresh the PENDING and UNKNOWN rows of a results file from PayU, and rewrite the file
//! (atomically, as `submit` writes it). Rows are asked about by reference (`merchantRefId`),
//! or for PayU Europe by the payoutId in `result_reference`. Nothing is ever sent: a row
//! PayU does not know stays as it was, for a rerun of `submit` to settle.
//!
//! Exit codes as `submit`'s.

use std::path::PathBuf;
use std::time::Duration;

use super::Exit;
use crate::Error;
use crate::rows::Kind;
use crate::session::{self, Where};
use crate::status::Refresh;

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
    pub since: Duration,
    /// How long PayU may take to show a payout it has, as for `submit` (default: the
    /// config's `visibility_window`, else 15m): what an UNKNOWN row's message says it waits
    /// for before `submit` may resend it.
    #[arg(long, value_name = "DURATION", value_parser = session::parse_duration)]
    pub visibility_window: Option<Duration>,
    /// Also write the results workbook (rows sheet and Summary) here, whatever the results
    /// format: a path ending in .xlsx.
    #[arg(long, value_name = "FILE.xlsx")]
    pub report: Option<PathBuf>,
    /// Keep asking about the rows that are not final yet, in rounds further and further
    /// apart, for this long at most (e.g. 30s, 2m, 1h; at most 7 days); 0 asks each row once.
    #[arg(long, value_name = "DURATION", default_value = "0", value_parser = session::parse_duration)]
    pub wait: Duration,
    /// Requests per second (default: the config's rate, else 50 on the sandbox and 5
    /// elsewhere).
    #[arg(long, value_name = "N")]
    pub rate: Option<u32>,
}

pub fn run(args: &Args) -> Result<Exit, Error> {
    let done = crate::status::refresh(&Refresh {
        results: args.results.clone(),
        at: args.at.clone(),
        journal: args.journal.clone(),
        kind: args.kind,
        recheck_success: args.recheck_success,
        since: args.since,
        visibility_window: args.visibility_window,
        report: args.report.clone(),
        rate: args.rate,
        wait: args.wait,
    })?;
    eprint!("{}", done.summary.render());
    Ok(done.summary.ending(false).into())
}
