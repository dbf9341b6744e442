//! Check every row of a payout sheet offline and write a results file.
//!
//! Reads SHEET (CSV or XLSX), recognises its kind from the headers (or takes `--kind`),
//! checks every row against the rules of its kind, and writes the results file: every input
//! row in order with its original cells, then `result_row`, `result_status` (`VALID` or
//! `INVALID`), `result_error_code` and `result_error_message`. Nothing is sent anywhere.
//!
//! Exit codes: 0 every row is valid; 1 some rows are invalid; 2 nothing could be checked
//! (unreadable file, missing columns, bad arguments).

use super::Exit;
use crate::Error;

/// The sheet, how to read it, and where the results go.
pub type Args = crate::validate::Input;

pub fn run(args: &Args) -> Result<Exit, Error> {
    let summary = crate::validate::run(args)?;
    eprint!("{}", summary.render());
    Ok(summary.ending(false).into())
}
