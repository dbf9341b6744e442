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
use std::sync::mpsc;

use chrono::Utc;
use rayon::prelude::*;
use rustc_hash::FxHashSet;

use super::Outcome;
use crate::Error;
use crate::report::outputs::{self, Output, Protected, Role};
use crate::report::{
    CsvStyle, Requests, ResultsWriter, RowResult, RunFacts, Status, Summary, Tally,
    check_report_path,
};
use crate::rows::{HeaderMap, Kind};
use crate::sheet::{Chunk, Format, RawRow, ReadOptions, Sheet, sibling_path};
use crate::validate::{Context, Digests, Duplicates, Rules, Verdict, validate_row};

/// Rows validated together: enough that handing a chunk from thread to thread costs nothing
/// per row, few enough that a chunk stays in the cache between the reader, the checker and the
/// writer (8,192 rows, a few megabytes, did not: the same work took a fifth longer).
const CHUNK_ROWS: usize = 1024;

#[derive(Debug, Clone, clap::Args)]
// No argument group: `submit` flattens these arguments into its own `Args`.
#[group(skip)]
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
    /// Where to write the results (default: beside the sheet, as `<name>.results.<ext>`); the
    /// extension chooses CSV or XLSX.
    #[arg(short = 'o', long = "output", value_name = "RESULTS")]
    pub output: Option<PathBuf>,
    /// Also write counts and amounts by status as JSON.
    #[arg(long, value_name = "PATH")]
    pub summary_json: Option<PathBuf>,
    /// Also write the results workbook (rows sheet and Summary) here, whatever the results
    /// format: a path ending in .xlsx.
    #[arg(long, value_name = "FILE.xlsx")]
    pub report: Option<PathBuf>,
}

/// Checks every row of `sheet`, a chunk at a time, handing each chunk with its verdicts to
/// `f` in file order. A CSV is read on a thread of its own and the results are written on
/// another, so the rows are checked on the cores left over: on this thread alone when there
/// are two (idle pool threads would only spin), on a rayon pool when there are more.
pub fn check_chunks(
    sheet: Sheet,
    map: &HeaderMap,
    ctx: &Context,
    mut f: impl FnMut(Chunk, Vec<Verdict>) -> Result<(), Error>,
) -> Result<(), Error> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pool = match cores.saturating_sub(2) {
        0 | 1 => None,
        n => rayon::ThreadPoolBuilder::new().num_threads(n).build().ok(),
    };
    sheet.into_chunks(CHUNK_ROWS, |chunk| {
        let check = |row: &RawRow| validate_row(ctx, map, row);
        let verdicts: Vec<Verdict> = match &pool {
            Some(pool) => pool.install(|| chunk.par_iter().map(check).collect()),
            None => chunk.iter().map(check).collect(),
        };
        f(chunk, verdicts)
    })
}

/// How the CSV results mirror the input.
pub fn csv_style(sheet: &Sheet) -> CsvStyle {
    match sheet {
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

/// Every file a run of these arguments writes, `results` first: what
/// [`outputs::preflight`] proves writable before the run does anything.
pub fn outputs<'a>(args: &'a Args, results: &'a Path) -> Vec<Output<'a>> {
    let mut all = vec![Output {
        path: results,
        flag: args.output.as_ref().map(|_| "-o"),
        role: Role::Results,
    }];
    if let Some(p) = &args.summary_json {
        all.push(Output {
            path: p,
            flag: Some("--summary-json"),
            role: Role::SummaryJson,
        });
    }
    if let Some(p) = &args.report {
        all.push(Output {
            path: p,
            flag: Some("--report"),
            role: Role::Workbook,
        });
    }
    all
}

/// What the checking thread tells the results writer.
enum ToWriter {
    Rows(Chunk, Vec<Verdict>),
    /// Every row was sent: finish the file, with the run's summary for its Summary sheet.
    /// Without it the file is dropped, never renamed into place.
    Done(Box<Summary>),
}

/// How one attempt at the results file ended.
enum Attempt {
    Written(Box<Summary>),
    /// Some references may repeat (their digests do), which the attempt did not know of: its
    /// results file was dropped, and the rows must be checked again knowing them.
    Repeats(FxHashSet<u64>),
}

pub fn run(args: &Args) -> Result<Outcome, Error> {
    let summary = check(args)?;
    eprint!("{}", summary.render());
    Ok(if summary.count(Status::Invalid) > 0 {
        Outcome::SomeRowsBad
    } else {
        Outcome::AllGood
    })
}

/// Everything `validate` does but print: checks the sheet, writes the results file (and the
/// summary JSON when asked) and returns the summary.
pub fn check(args: &Args) -> Result<Summary, Error> {
    let started = Utc::now();
    let opts = ReadOptions {
        sheet: args.sheet_name.clone(),
        encoding: args.encoding.clone(),
    };
    let sheet = Sheet::open(&args.sheet, &opts)?;
    let map = HeaderMap::build(&args.sheet, sheet.headers(), args.kind)?;
    let (out, format) = results_path(&args.sheet, sheet.format(), args.output.as_deref())?;
    if let Some(report) = &args.report {
        check_report_path(report, &out, &args.sheet)?;
    }
    let input = Protected {
        what: "input sheet",
        path: &args.sheet,
    };
    outputs::preflight(&[input], &outputs(args, &out))?;
    if map.kind == Kind::Payout {
        // The IFSC list loads while the first rows are read, not on the checking thread.
        std::thread::spawn(crate::validate::ifsc::warm);
    }
    let mut ctx = Context {
        rules: Rules::default(),
        now: started,
        duplicates: Duplicates::default(),
    };
    // One pass is enough for the usual file, whose references are all different: the
    // references are collected while the results are written. Only a file with repeated
    // references is read a second time, knowing them.
    let target = Target {
        input: &args.sheet,
        out: &out,
        format,
        started,
        report: args.report.as_deref(),
    };
    let mut summary = match attempt(sheet, &map, &ctx, &target, false)? {
        Attempt::Written(summary) => *summary,
        Attempt::Repeats(suspects) => {
            let sheet = Sheet::open(&args.sheet, &opts)?;
            ctx.duplicates = Duplicates::resolve(&sheet, &map, &suspects)?;
            match attempt(sheet, &map, &ctx, &target, true)? {
                Attempt::Written(summary) => *summary,
                Attempt::Repeats(_) => unreachable!("a resolved attempt does not stop on repeats"),
            }
        }
    };
    summary.finished_at = Utc::now();
    if let Some(p) = &args.summary_json {
        summary.write_json(p)?;
    }
    Ok(summary)
}

/// What `validate` makes of a verdict.
fn status_of(verdict: &Verdict) -> Status {
    if verdict.is_valid() {
        Status::Valid
    } else {
        Status::Invalid
    }
}

/// Where an attempt writes its results.
struct Target<'a> {
    input: &'a Path,
    out: &'a Path,
    format: Format,
    started: chrono::DateTime<Utc>,
    /// Where `--report` writes the workbook.
    report: Option<&'a Path>,
}

/// Checks every row and writes the results file, on two threads: this one checks the rows
/// (and tallies them), a second writes them while the next chunk is checked. Unless
/// `resolved` (the repeated references are already known), it stops at the end without
/// keeping the file if some references repeat.
fn attempt(
    sheet: Sheet,
    map: &HeaderMap,
    ctx: &Context,
    target: &Target,
    resolved: bool,
) -> Result<Attempt, Error> {
    let out = target.out;
    let mut summary = Summary::new(map.kind, target.input, out, target.started);
    summary.unknown_columns = map.unknown.clone();
    if let Some(looks) =
        HeaderMap::detected_kind(target.input, &map.headers).filter(|k| *k != map.kind)
    {
        summary.notes.push(format!(
            "checked as a {} sheet as --kind says, but its headers look like a {looks} sheet",
            map.kind
        ));
    }
    let mut writer = ResultsWriter::create(out, target.format, map, csv_style(&sheet))?;
    if let Some(report) = target.report {
        writer.report_to(report, map)?;
    }
    let mut digests = Digests::default();
    let mut tally = Tally::default();
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<ToWriter>(crate::sheet::CHUNKS_AHEAD);
        let writing = scope.spawn(move || -> Result<bool, Error> {
            for message in rx {
                let (chunk, verdicts) = match message {
                    ToWriter::Rows(chunk, verdicts) => (chunk, verdicts),
                    ToWriter::Done(summary) => {
                        writer.finish(&RunFacts {
                            summary: &summary,
                            environment: None,
                            requests: Requests::default(),
                        })?;
                        return Ok(true);
                    }
                };
                for (row, verdict) in chunk.iter().zip(verdicts) {
                    let status = status_of(&verdict);
                    writer.write_row(
                        row,
                        &RowResult {
                            status,
                            codes: verdict.codes(),
                            message: verdict.message(),
                            reference: String::new(),
                            link: String::new(),
                            utr: String::new(),
                        },
                    )?;
                }
            }
            Ok(false)
        });
        let checked = check_chunks(sheet, map, ctx, |chunk, verdicts| {
            for (row, verdict) in chunk.iter().zip(&verdicts) {
                digests.add(map, row);
                let status = status_of(verdict);
                tally.add(status, verdict.amount);
            }
            // A closed channel means the writer stopped on an error, which `join` reports.
            let _ = tx.send(ToWriter::Rows(chunk, verdicts));
            Ok(())
        });
        let repeated = if resolved {
            Default::default()
        } else {
            std::mem::take(&mut digests).repeated()
        };
        if checked.is_ok() && repeated.is_empty() {
            summary.absorb(std::mem::take(&mut tally));
            summary.finished_at = Utc::now();
            let _ = tx.send(ToWriter::Done(Box::new(summary.clone())));
        }
        drop(tx);
        // A panic there would be a bug; the user still gets one sentence, and no file.
        let finished = writing
            .join()
            .unwrap_or_else(|_| Err(Error::write(out, "the results writer stopped unexpectedly")));
        checked?;
        if !repeated.is_empty() {
            return Ok(Attempt::Repeats(repeated));
        }
        match finished? {
            true => Ok(Attempt::Written(Box::new(summary))),
            false => Err(Error::write(
                out,
                "the results writer stopped before the last row",
            )),
        }
    })
}
