//! Write a sheet of the rows of a results file that need another attempt.
//!
//! Reads RESULTS (a results file of `submit` or `status`, CSV or XLSX) and writes a sheet in
//! the input's own format and columns, without the `result_*` columns: the `FAILED` rows
//! whose code allows another try, their reference given a suffix `-R1` (`X-R1` becomes
//! `X-R2`), and the `NOT_SENT` rows as they were. `SUCCESS`, `PENDING` and `UNKNOWN` rows
//! never go in. It prints how many rows it left out and why, and each row it refused. The
//! sheet goes beside RESULTS as `<stem>.retry.<ext>` unless `-o` says otherwise (its
//! extension choosing CSV or XLSX); nothing is written when no row needs another attempt.
//! Nothing is sent: run `payu-bulk submit` on the sheet.
//!
//! Exit codes: 0 every row needing another attempt is in the sheet; 1 some were refused
//! (a new reference over PayU's limit, a masked card number); 2 nothing could be done.

use std::path::PathBuf;

use super::Exit;
use crate::Error;
use crate::rows::Kind;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// A results file written by `submit` or `status`.
    pub results: PathBuf,
    /// Where to write the retry sheet (default: beside RESULTS, as `<stem>.retry.<ext>`); the
    /// extension chooses CSV or XLSX.
    #[arg(short = 'o', long = "output", value_name = "SHEET")]
    pub output: Option<PathBuf>,
    /// The sheet's kind, when the headers do not make it clear.
    #[arg(long, value_enum)]
    pub kind: Option<Kind>,
}

pub fn run(args: &Args) -> Result<Exit, Error> {
    let done = crate::report::write_retry_sheet(&args.results, args.output.as_deref(), args.kind)?;
    let (plan, out) = (&done.retry, &done.path);
    if plan.rows.is_empty() {
        eprintln!("nothing to retry: no sheet written");
    } else {
        eprintln!(
            "retry sheet: {} ({} row(s): {} FAILED with a new reference, {} NOT_SENT as they were)",
            out.display(),
            plan.rows.len(),
            plan.renamed,
            plan.as_they_were
        );
    }
    let left: u64 = plan.left_out.values().sum();
    if left > 0 {
        eprintln!("left out: {left} row(s)");
        for (why, n) in &plan.left_out {
            eprintln!("  {n:>6}  {why}");
        }
    }
    for refused in &plan.refused {
        eprintln!("refused: {refused}");
    }
    if !plan.rows.is_empty() {
        eprintln!("next: payu-bulk submit {}", out.display());
    }
    Ok(if plan.refused.is_empty() {
        Exit::AllGood
    } else {
        Exit::SomeRowsBad
    })
}
