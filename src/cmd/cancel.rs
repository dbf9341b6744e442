//! Cancel what PayU has not paid yet: the PENDING and UNKNOWN rows of a results file (all,
//! or those `--rows` names) are asked to be cancelled, after a person confirms the count and
//! the amount (or `--yes`). A cancelled row becomes FAILED with code `CANCELLED`, in the
//! results file (rewritten atomically, as `status` writes it) and in the journal; a row PayU
//! will not cancel keeps its state, with PayU's reason.
//!
//! Exit codes: 0 every row asked about was cancelled (or none needed it); 1 PayU refused
//! some; 2 nothing was done (usage, no confirmation, unreadable file).

use std::path::PathBuf;

use super::Exit;
use crate::Error;
use crate::controls::cancel::{self, Asking, Cancellation, Cancelled};
use crate::rows::Kind;
use crate::session::Where;

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
    let job = Cancellation {
        results: args.results.clone(),
        rows: args.rows.clone(),
        at: args.at.clone(),
        journal: args.journal.clone(),
        kind: args.kind,
    };
    let done = cancel::run(&job, |asking| {
        passed_over(&asking.passed_over);
        eprintln!("{}", about(asking));
        if args.yes {
            return Ok(());
        }
        crate::session::confirm("cancel", "to cancel them", "nothing was cancelled")
    })?;
    match done {
        Cancelled::Nothing { passed_over: rows } => {
            passed_over(&rows);
            eprintln!(
                "no row is PENDING or UNKNOWN: nothing to cancel; the results file is unchanged"
            );
            Ok(Exit::AllGood)
        }
        Cancelled::Done {
            summary, refused, ..
        } => {
            eprint!("{}", summary.render());
            Ok(if refused > 0 {
                Exit::SomeRowsBad
            } else {
                Exit::AllGood
            })
        }
    }
}

/// Each row `--rows` named that PayU can no longer cancel.
fn passed_over(rows: &[(u64, crate::report::Status)]) {
    for (number, status) in rows {
        eprintln!("row {number}: {status} — nothing PayU could still cancel");
    }
}

/// The line a person reads before saying yes.
fn about(asking: &Asking) -> String {
    format!(
        "about to ask PayU to cancel {} row(s){}: {}",
        asking.rows.len(),
        if asking.totals.is_empty() {
            String::new()
        } else {
            format!(" totalling {}", asking.totals.join(" + "))
        },
        (asking.rows.iter())
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    )
}
