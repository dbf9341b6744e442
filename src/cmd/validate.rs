//! Check every row of a payout sheet offline and write a results file.
//!
//! Reads SHEET (CSV or XLSX), recognises its kind from the headers (or takes `--kind`),
//! checks every row against the rules of its kind, and writes the results file: every input
//! row in order with its original cells, then `result_row`, `result_status` (`VALID` or
//! `INVALID`), `result_error_code` and `result_error_message`. Nothing is sent anywhere.
//!
//! Exit codes: 0 every row is valid; 1 some rows are invalid; 2 nothing could be checked
//! (unreadable file, missing columns, bad arguments).

use std::path::{Path, PathBuf};

use chrono::Utc;
use rayon::prelude::*;

use super::Outcome;
use crate::Error;
use crate::report::{CsvStyle, ResultsWriter, RowResult, Status, Summary};
use crate::rows::{HeaderMap, Kind};
use crate::sheet::{Format, RawRow, ReadOptions, Sheet, sibling_path};
use crate::validate::{Context, Duplicates, Rules, Verdict, validate_row};

/// Rows validated together: large enough to keep both cores busy, small enough that memory
/// does not grow with the file.
const CHUNK_ROWS: usize = 8192;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The sheet to check: a .csv or .xlsx file.
    pub sheet: PathBuf,
    /// The sheet's kind, when the headers do not make it clear.
    #[arg(long, value_enum)]
    pub kind: Option<Kind>,
    /// The worksheet to read from an XLSX file (default: the first visible one).
    #[arg(long = "sheet", value_name = "NAME")]
    pub sheet_name: Option<String>,
    /// The encoding of a CSV file without a byte-order mark, e.g. windows-1250 (Polish) or
    /// windows-1252 (default: UTF-8).
    #[arg(long, value_name = "LABEL")]
    pub encoding: Option<String>,
    /// Where to write the results (default: beside the sheet, as <name>.results.<ext>); the
    /// extension chooses CSV or XLSX.
    #[arg(short = 'o', long = "output", value_name = "RESULTS")]
    pub output: Option<PathBuf>,
    /// Also write counts and amounts by status as JSON.
    #[arg(long, value_name = "PATH")]
    pub summary_json: Option<PathBuf>,
}

/// An opened sheet with its kind decided and its references read: ready to be checked.
pub struct Prepared {
    pub sheet: Sheet,
    pub map: HeaderMap,
    pub ctx: Context,
    pub rows: u64,
}

/// Opens the sheet, maps its headers and reads its references (the first pass).
pub fn prepare(
    path: &Path,
    kind: Option<Kind>,
    opts: &ReadOptions,
    rules: Rules,
) -> Result<Prepared, Error> {
    let sheet = Sheet::open(path, opts)?;
    let map = HeaderMap::build(path, sheet.headers(), kind)?;
    let (duplicates, rows) = Duplicates::collect(&sheet, &map)?;
    let ctx = Context {
        rules,
        now: Utc::now(),
        duplicates,
    };
    Ok(Prepared {
        sheet,
        map,
        ctx,
        rows,
    })
}

impl Prepared {
    /// Checks every row, in order, handing each with its verdict to `f`. Rows are checked in
    /// parallel a chunk at a time; `f` sees them in file order.
    pub fn check_rows(
        self,
        mut f: impl FnMut(&RawRow, Verdict) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let Prepared {
            sheet, map, ctx, ..
        } = self;
        sheet.into_chunks(CHUNK_ROWS, |chunk| {
            let verdicts: Vec<Verdict> = chunk
                .par_iter()
                .map(|row| validate_row(&ctx, &map, row))
                .collect();
            for (row, verdict) in chunk.iter().zip(verdicts) {
                f(row, verdict)?;
            }
            Ok(())
        })
    }

    /// How the CSV results mirror the input.
    pub fn csv_style(&self) -> CsvStyle {
        match &self.sheet {
            Sheet::Csv(s) => CsvStyle {
                delimiter: s.delimiter,
                crlf: s.crlf,
                // A sheet that was not UTF-8 comes back as UTF-8 with a BOM, so that Excel shows
                // its Polish or accented names right.
                bom: s.had_bom() || s.encoding() != encoding_rs::UTF_8,
            },
            Sheet::Xlsx(_) => CsvStyle::default(),
        }
    }
}

/// Where the results go, and in which format.
pub fn results_path(
    input: &Path,
    input_format: Format,
    output: Option<&Path>,
) -> Result<(PathBuf, Format), Error> {
    let (path, format) = match output {
        Some(p) => (
            p.to_path_buf(),
            Format::from_extension(p).unwrap_or(input_format),
        ),
        None => {
            let ext = match input_format {
                Format::Csv => input
                    .extension()
                    .and_then(|e| e.to_str())
                    .filter(|e| {
                        Format::from_extension(Path::new(&format!("x.{e}"))) == Some(Format::Csv)
                    })
                    .unwrap_or("csv")
                    .to_owned(),
                Format::Xlsx => "xlsx".to_owned(),
            };
            (sibling_path(input, "results", &ext), input_format)
        }
    };
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    };
    if same(&path, input) {
        return Err(Error::Usage(format!(
            "{}: the results would overwrite the sheet itself; choose another path with -o",
            path.display()
        )));
    }
    Ok((path, format))
}

pub fn run(args: &Args) -> Result<Outcome, Error> {
    let started = Utc::now();
    let opts = ReadOptions {
        sheet: args.sheet_name.clone(),
        encoding: args.encoding.clone(),
    };
    let prepared = prepare(&args.sheet, args.kind, &opts, Rules::default())?;
    let (out, format) = results_path(&args.sheet, prepared.sheet.format(), args.output.as_deref())?;
    let mut summary = Summary::new(prepared.map.kind, &args.sheet, &out, started);
    summary.unknown_columns = prepared.map.unknown.clone();
    let mut writer = ResultsWriter::create(&out, format, &prepared.map, prepared.csv_style())?;
    prepared.check_rows(|row, verdict| {
        let status = if verdict.is_valid() {
            Status::Valid
        } else {
            Status::Invalid
        };
        summary.add(status, verdict.amount);
        writer.write_row(
            row,
            &RowResult {
                status,
                codes: verdict.codes(),
                message: verdict.message(),
                reference: String::new(),
                link: String::new(),
            },
        )
    })?;
    writer.finish()?;
    summary.finished_at = Utc::now();
    if let Some(p) = &args.summary_json {
        summary.write_json(p)?;
    }
    eprint!("{}", summary.render());
    Ok(if summary.count(Status::Invalid) > 0 {
        Outcome::SomeRowsBad
    } else {
        Outcome::AllGood
    })
}
