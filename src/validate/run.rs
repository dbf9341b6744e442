//! The validation pipeline as `validate` runs it: read the sheet, check every row, write the
//! results file, a chunk at a time on three threads; and [`load`], the same checks over a
//! sheet read whole, for the commands that go on to plan or pay its rows.

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use chrono::Utc;
use rayon::prelude::*;
use rustc_hash::FxHashSet;

use super::{Context, Digests, Duplicates, Rules, Verdict, accept_row, validate_row};
use crate::Error;
use crate::payment::Payment;
use crate::report::outputs::{self, Protected};
use crate::report::{
    Requests, ResultsWriter, RowResult, RunFacts, Status, Summary, Tally, check_report_path,
    csv_style, results_path,
};
use crate::rows::{HeaderMap, Kind};
use crate::sheet::{Chunk, Format, RawRow, ReadOptions, Sheet};

/// Rows validated together: enough that handing a chunk from thread to thread costs nothing
/// per row, few enough that a chunk stays in the cache between the reader, the checker and the
/// writer (8,192 rows, a few megabytes, did not: the same work took a fifth longer).
const CHUNK_ROWS: usize = 1024;

/// A sheet to check, how to read it, and where its results go: what `validate` and `submit`
/// take on the command line alike (so both spell these flags the same way).
#[derive(Debug, Clone, clap::Args)]
// No argument group: `submit` flattens these arguments into its own.
#[group(skip)]
pub struct Input {
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

impl Input {
    /// How to read the sheet.
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions {
            sheet: self.sheet_name.clone(),
            encoding: self.encoding.clone(),
        }
    }

    /// Every file a run of this input writes, `results` first (see [`outputs::of_run`]).
    pub fn outputs<'a>(&'a self, results: &'a Path) -> Vec<outputs::Output<'a>> {
        outputs::of_run(
            results,
            self.output.is_some(),
            self.summary_json.as_deref(),
            self.report.as_deref(),
        )
    }
}

/// Checks every row of `sheet`, a chunk at a time, handing each chunk with its verdicts to
/// `f` in file order. A CSV is read on a thread of its own and the results are written on
/// another, so the rows are checked on the cores left over: on this thread alone when there
/// are two (idle pool threads would only spin), on a rayon pool when there are more.
fn check_chunks(
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

/// Everything `validate` does but print: checks the sheet, writes the results file (and the
/// summary JSON and workbook when asked) and returns the summary.
pub fn run(input: &Input) -> Result<Summary, Error> {
    let started = Utc::now();
    let opts = input.read_options();
    let sheet = Sheet::open(&input.sheet, &opts)?;
    let map = HeaderMap::build(&input.sheet, sheet.headers(), input.kind)?;
    let (out, format) = results_path(&input.sheet, sheet.format(), input.output.as_deref())?;
    if let Some(report) = &input.report {
        check_report_path(report, &out, &input.sheet)?;
    }
    let protected = Protected {
        what: "input sheet",
        path: &input.sheet,
    };
    outputs::preflight(&[protected], &input.outputs(&out))?;
    if map.kind == Kind::Payout {
        // The IFSC list loads while the first rows are read, not on the checking thread.
        std::thread::spawn(super::ifsc::warm);
    }
    let mut ctx = Context {
        rules: Rules::default(),
        now: started,
        duplicates: Duplicates::default(),
    };
    // One pass is enough for the usual file, whose references are all different: the
    // references are collected while the results are written. Only a file with repeated
    // references is read a second time, knowing them.
    let dest = Destination {
        input: &input.sheet,
        out: &out,
        format,
        started,
        report: input.report.as_deref(),
    };
    let mut summary = match attempt(sheet, &map, &ctx, &dest, false)? {
        Attempt::Written(summary) => *summary,
        Attempt::Repeats(suspects) => {
            let sheet = Sheet::open(&input.sheet, &opts)?;
            ctx.duplicates = Duplicates::resolve(&sheet, &map, &suspects)?;
            match attempt(sheet, &map, &ctx, &dest, true)? {
                Attempt::Written(summary) => *summary,
                Attempt::Repeats(_) => unreachable!("a resolved attempt does not stop on repeats"),
            }
        }
    };
    summary.finished_at = Utc::now();
    if let Some(p) = &input.summary_json {
        summary.write_json(p)?;
    }
    Ok(summary)
}

/// A sheet read whole, with every row's verdict.
pub struct Loaded {
    pub sheet: Sheet,
    pub map: HeaderMap,
    pub rows: Vec<RawRow>,
    pub verdicts: Vec<Verdict>,
    /// Each row's payment: `Some` exactly for the valid rows.
    pub payments: Vec<Option<Payment>>,
}

/// Reads every row and validates it (the duplicates within the file included): for `plan`
/// and `submit`, which go on to turn the valid rows into payments.
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
    let (verdicts, payments) = rows.iter().map(|r| accept_row(&ctx, &map, r)).unzip();
    Ok(Loaded {
        sheet,
        map,
        rows,
        verdicts,
        payments,
    })
}

/// The results line of a row as validation alone sees it: VALID or INVALID, with its codes
/// and messages.
pub fn checked(verdict: &Verdict) -> RowResult {
    RowResult {
        status: validity(verdict),
        codes: verdict.codes(),
        message: verdict.message(),
        reference: String::new(),
        link: String::new(),
        utr: String::new(),
    }
}

/// VALID or INVALID.
fn validity(verdict: &Verdict) -> Status {
    if verdict.is_valid() {
        Status::Valid
    } else {
        Status::Invalid
    }
}

/// Where an attempt writes its results.
struct Destination<'a> {
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
    dest: &Destination,
    resolved: bool,
) -> Result<Attempt, Error> {
    let out = dest.out;
    let mut summary = Summary::new(map.kind, dest.input, out, dest.started);
    summary.unknown_columns = map.unknown.clone();
    if let Some(looks) =
        HeaderMap::detected_kind(dest.input, &map.headers).filter(|k| *k != map.kind)
    {
        summary.notes.push(format!(
            "checked as a {} sheet as --kind says, but its headers look like a {looks} sheet",
            map.kind
        ));
    }
    let mut writer = ResultsWriter::create(out, dest.format, map, csv_style(&sheet))?;
    if let Some(report) = dest.report {
        writer.report_to(report, map)?;
    }
    let mut digests = Digests::default();
    let mut tally = Tally::default();
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<ToWriter>(crate::sheet::CHUNKS_AHEAD);
        let writing = scope.spawn(move || write_all(writer, rx));
        let read = check_chunks(sheet, map, ctx, |chunk, verdicts| {
            for (row, verdict) in chunk.iter().zip(&verdicts) {
                digests.add(map, row);
                tally.add(validity(verdict), verdict.amount);
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
        if read.is_ok() && repeated.is_empty() {
            summary.absorb(std::mem::take(&mut tally));
            summary.finished_at = Utc::now();
            let _ = tx.send(ToWriter::Done(Box::new(summary.clone())));
        }
        drop(tx);
        // A panic there would be a bug; the user still gets one sentence, and no file.
        let finished = writing
            .join()
            .unwrap_or_else(|_| Err(Error::write(out, "the results writer stopped unexpectedly")));
        read?;
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

/// The writing thread: every chunk's rows in order, then the file finished on `Done`.
/// `Ok(false)` when the checking side stopped before `Done` (the file is dropped).
fn write_all(mut writer: ResultsWriter, rx: mpsc::Receiver<ToWriter>) -> Result<bool, Error> {
    for message in rx {
        match message {
            ToWriter::Rows(chunk, verdicts) => {
                for (row, verdict) in chunk.iter().zip(verdicts) {
                    writer.write_row(row, &checked(&verdict))?;
                }
            }
            ToWriter::Done(summary) => {
                writer.finish(&RunFacts {
                    summary: &summary,
                    environment: None,
                    requests: Requests::default(),
                })?;
                return Ok(true);
            }
        }
    }
    Ok(false)
}
