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

use super::Outcome as Exit;
use crate::Error;
use crate::report::csv_style;
use crate::report::{RESULT_COLUMNS, original_width, retry};
use crate::rows::{HeaderMap, Kind};
use crate::sheet::{Format, RawRow, ReadOptions, Sheet};

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
    let path = &args.results;
    let sheet = Sheet::open(path, &ReadOptions::default())?;
    let headers = sheet.headers().to_vec();
    let Some(width) = original_width(&headers) else {
        return Err(Error::format(
            path,
            format!(
                "is not a results file: its last columns must be {}",
                RESULT_COLUMNS.join(", ")
            ),
        ));
    };
    let map = HeaderMap::build(path, &headers[..width], args.kind)?;
    let format = sheet.format();
    let (out, out_format) = match &args.output {
        Some(p) => (p.clone(), Format::from_extension(p).unwrap_or(format)),
        None => (retry::default_path(path, format), format),
    };
    let same = match (out.canonicalize(), path.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(Error::Usage(format!(
            "{}: the retry sheet would overwrite the results file; choose another path with -o",
            out.display()
        )));
    }
    let style = csv_style(&sheet);
    let mut rows: Vec<RawRow> = Vec::new();
    sheet.scan(|r| rows.push(r.clone()))?;
    let plan = retry::build(path, &headers, width, &map, &rows, format == Format::Csv)?;

    if plan.rows.is_empty() {
        eprintln!("nothing to retry: no sheet written");
    } else {
        retry::write(&out, out_format, style, &map, &plan)?;
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
