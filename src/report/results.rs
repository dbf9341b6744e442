//! Writing the results file: every input row in order with its original cells, then the
//! `result_*` columns. Written to a temporary file in the destination folder and renamed into
//! place, so a crash never leaves half a file.
//!
//! An XLSX results file is a workbook a person acts on at a glance (architecture.md §4.2): the rows sheet
//! first (scripts read it), its header bold, frozen and filtered, its columns as wide as their
//! content (at most [`MAX_WIDTH`]), each `result_status` cell coloured; then a `Summary`
//! sheet. `--report` writes the same workbook whatever the results format.
//!
//! The rows sheet is streamed (rust_xlsxwriter's constant-memory mode: a row goes to disk as
//! soon as the next one starts), yet its widths fit the whole sheet: the widest text of each
//! column is kept as the rows pass, and the widths are set when the workbook is saved, which
//! is when rust_xlsxwriter writes a streamed sheet's `<cols>` (and its `<autoFilter>`). Nothing
//! is read twice and nothing is held per row.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{
    Color, ConditionalFormatCell, ConditionalFormatCellRule, Format as XlsxFormat, FormatAlign,
    Workbook, Worksheet, XlsxError,
};
use tempfile::NamedTempFile;

use super::{RESULT_COLUMNS, Requests, Status, Summary, codes, format_money};
use crate::Error;
use crate::rows::{HeaderMap, Identifier};
use crate::sheet::{CellKind, Cells, Format, RawRow};
use crate::validate::card;

/// The tool's columns for one row (`result_row` is the row's own number, and `result_retry`
/// follows from the status).
#[derive(Debug, Clone)]
pub struct RowResult {
    pub status: Status,
    pub codes: String,
    pub message: String,
    pub reference: String,
    pub link: String,
    /// The bank's reference (UTR, PayU's `bankTransactionRefNo`) of a paid transfer.
    pub utr: String,
}

/// What a person does next with a row of `status`: the `result_retry` column (architecture.md §4.2).
/// A `VALID` row (`validate`, `--dry-run`) was never tried, so there is nothing to retry:
/// its cell is empty.
pub fn retry_advice(status: Status) -> &'static str {
    match status {
        Status::Success | Status::Pending => "no",
        Status::Invalid => "fix-and-rerun",
        Status::NotSent => "rerun",
        Status::Failed => "new-reference",
        Status::Unknown => "status-first",
        Status::Valid => "",
    }
}

/// How many of `headers` are the sheet's own, before the `result_*` columns: `None` when they
/// do not end in the result columns. A results file written before `result_utr` and
/// `result_retry` existed (ending at `result_link`) is read too.
pub fn original_width(headers: &[String]) -> Option<usize> {
    let ends_with = |tail: &[&str]| {
        headers.len() >= tail.len()
            && headers[headers.len() - tail.len()..]
                .iter()
                .map(|h| h.trim())
                .eq(tail.iter().copied())
    };
    [RESULT_COLUMNS.len(), LEGACY_RESULT_COLUMNS]
        .into_iter()
        .find(|&n| ends_with(&RESULT_COLUMNS[..n]))
        .map(|n| headers.len() - n)
}

/// The result columns of files written before `result_utr` and `result_retry`.
const LEGACY_RESULT_COLUMNS: usize = 6;

/// The widest a column of the rows sheet is made, in characters: a long message is read in
/// the cell itself (or the formula bar), rather than pushing the next columns off the page.
pub const MAX_WIDTH: u32 = 60;

/// What the Summary sheet of a results workbook says beyond each row.
#[derive(Debug, Clone, Copy)]
pub struct RunFacts<'a> {
    /// Counts, amounts, files and times.
    pub summary: &'a Summary,
    /// The environment rows were sent to or asked about; `None` for `validate`.
    pub environment: Option<&'a str>,
    /// The requests the run made of PayU.
    pub requests: Requests,
}

/// Refuses a `--report` name that does not end in `.xlsx`: the first thing a command checks,
/// before it connects to anything.
pub fn check_report_name(report: &Path) -> Result<(), Error> {
    let is_xlsx = report
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if is_xlsx {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "--report {}: the report is an XLSX workbook, so its name must end in .xlsx",
            report.display()
        )))
    }
}

/// Refuses a `--report` path that is not an XLSX workbook, or that would overwrite the
/// sheet or the results: checked before anything is read or sent.
pub fn check_report_path(report: &Path, results: &Path, input: &Path) -> Result<(), Error> {
    check_report_name(report)?;
    let same = |a: &Path, b: &Path| {
        a == b
            || match (a.canonicalize(), b.canonicalize()) {
                (Ok(x), Ok(y)) => x == y,
                _ => false,
            }
    };
    if same(report, results) || same(report, input) {
        return Err(Error::Usage(format!(
            "--report {}: the report would overwrite the {}; choose another path",
            report.display(),
            if same(report, input) {
                "sheet itself"
            } else {
                "results file"
            }
        )));
    }
    Ok(())
}

/// How the CSV results mirror the input: delimiter, line ends, byte-order mark.
#[derive(Debug, Clone, Copy)]
pub struct CsvStyle {
    pub delimiter: u8,
    pub crlf: bool,
    pub bom: bool,
}

impl Default for CsvStyle {
    fn default() -> Self {
        CsvStyle {
            delimiter: b',',
            crlf: false,
            bom: false,
        }
    }
}

/// What each input column needs on the way out.
#[derive(Debug, Clone, Copy, Default)]
struct ColumnRole {
    masked: bool,
    identifier: bool,
}

/// A cell that a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, tab, CR, or the
/// full-width `＝ ＋ － ＠` that some spreadsheets fold to them) gets a leading `'`, so that it
/// shows as the text it is.
pub fn neutralize(text: &str) -> Cow<'_, str> {
    let b = text.as_bytes();
    let formula = match b.first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => true,
        // U+FF0B ＋, U+FF0D －, U+FF1D ＝ (EF BC 8B/8D/9D) and U+FF20 ＠ (EF BC A0).
        Some(0xEF) => matches!(b.get(1..3), Some([0xBC, 0x8B | 0x8D | 0x9D | 0xA0])),
        _ => false,
    };
    if formula {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The most characters an XLSX cell holds (Excel's limit, which rust_xlsxwriter enforces).
const XLSX_CELL_MAX: usize = 32_767;

/// `text` cut to fit an XLSX cell, with `…` where it was cut: a results workbook is always
/// writable. Validation makes a row with such a cell `CELL_TOO_LONG`, so the cut is said.
fn fit_cell(text: &str) -> Cow<'_, str> {
    if text.len() <= XLSX_CELL_MAX {
        return Cow::Borrowed(text);
    }
    if text.chars().nth(XLSX_CELL_MAX).is_none() {
        return Cow::Borrowed(text);
    }
    let cut = text
        .char_indices()
        .nth(XLSX_CELL_MAX - 1)
        .map_or(text.len(), |(i, _)| i);
    Cow::Owned(format!("{}…", &text[..cut]))
}

/// The most rows an XLSX worksheet holds, the header included (Excel's limit).
pub const XLSX_ROWS_MAX: usize = 1_048_576;

/// Refuses, before anything is sent, a results file that could not hold `rows` data rows
/// and `columns` columns (the sheet's own and the tool's): a workbook has room for
/// 1,048,575 rows under its header and 16,384 columns; a CSV has no limit.
pub fn check_capacity(
    path: &Path,
    format: Format,
    rows: usize,
    columns: usize,
) -> Result<(), Error> {
    if format == Format::Xlsx && (rows >= XLSX_ROWS_MAX || columns + RESULT_COLUMNS.len() > 16_384)
    {
        return Err(Error::write(
            path,
            format!(
                "an XLSX results file holds at most {} rows and 16,384 columns, and this sheet has {rows} rows and {columns} columns; write CSV results (-o NAME.csv) or split the sheet",
                XLSX_ROWS_MAX - 1
            ),
        ));
    }
    Ok(())
}

pub struct ResultsWriter {
    path: PathBuf,
    roles: Vec<ColumnRole>,
    width: usize,
    inner: Inner,
    /// The row number's text, made without `fmt`.
    number: itoa::Buffer,
    /// Whether some column holds card numbers.
    any_masked: bool,
    /// The workbook `--report` asked for.
    report: Option<Report>,
    /// Rows per error code, for the Summary sheet: counted only when a workbook is written.
    codes: Option<HashMap<String, u64>>,
}

enum Inner {
    Csv {
        temp: NamedTempFile,
        writer: Box<CsvOut<File>>,
        syncer: Syncer,
        /// How far the file must grow before the syncer is woken again.
        next_sync: u64,
    },
    Xlsx(Box<Book>),
}

/// Where `--report` goes: an XLSX results file is copied there once saved; CSV results get a
/// workbook of their own, written beside them row by row.
enum Report {
    Copy(PathBuf),
    Own(PathBuf, Box<Book>),
}

impl ResultsWriter {
    /// Starts a results file at `path` in `format`, for a sheet whose headers `map` describes.
    pub fn create(
        path: &Path,
        format: Format,
        map: &HeaderMap,
        style: CsvStyle,
    ) -> Result<ResultsWriter, Error> {
        let roles: Vec<ColumnRole> = (0..map.headers.len())
            .map(|col| match map.field_of_column(col) {
                Some(f) => {
                    let spec = &map.kind.fields()[f];
                    ColumnRole {
                        masked: spec.masked,
                        identifier: spec.identifier != Identifier::No,
                    }
                }
                None => ColumnRole::default(),
            })
            .collect();
        let headers = headers_of(map);
        let dir = crate::sheet::folder_of(path);
        let inner = match format {
            Format::Csv => {
                let temp = NamedTempFile::new_in(&dir).map_err(|e| {
                    Error::write(
                        path,
                        format!("cannot create a file in {}: {e}", dir.display()),
                    )
                })?;
                let file = temp.reopen().map_err(|e| Error::write(path, e))?;
                let syncer = Syncer::start(file.try_clone().map_err(|e| Error::write(path, e))?);
                let mut writer = Box::new(CsvOut::new(file, style.delimiter, style.crlf));
                if style.bom {
                    writer.raw(b"\xEF\xBB\xBF");
                }
                let mut header = || -> std::io::Result<()> {
                    for h in &headers {
                        writer.field(neutralize(h).as_bytes());
                    }
                    writer.end()
                };
                header().map_err(|e| Error::write(path, e))?;
                Inner::Csv {
                    temp,
                    writer,
                    syncer,
                    next_sync: SYNC_EVERY,
                }
            }
            Format::Xlsx => Inner::Xlsx(Box::new(Book::create(path, &headers, &roles)?)),
        };
        let any_masked = roles.iter().any(|r| r.masked);
        let codes = matches!(inner, Inner::Xlsx(_)).then(HashMap::new);
        Ok(ResultsWriter {
            path: path.to_path_buf(),
            width: map.headers.len(),
            roles,
            inner,
            number: itoa::Buffer::new(),
            any_masked,
            report: None,
            codes,
        })
    }

    /// Also writes the results workbook to `report` (`--report`), whatever this file's
    /// format. `map` is the one the writer was made with.
    pub fn report_to(&mut self, report: &Path, map: &HeaderMap) -> Result<(), Error> {
        self.report = Some(match self.inner {
            Inner::Xlsx(_) => Report::Copy(report.to_path_buf()),
            Inner::Csv { .. } => Report::Own(
                report.to_path_buf(),
                Box::new(Book::create(report, &headers_of(map), &self.roles)?),
            ),
        });
        self.codes.get_or_insert_with(HashMap::new);
        Ok(())
    }

    pub fn write_row(&mut self, raw: &RawRow, result: &RowResult) -> Result<(), Error> {
        let mut number = std::mem::take(&mut self.number);
        let tail = [
            number.format(raw.number),
            result.status.as_str(),
            &result.codes,
            &result.message,
            &result.reference,
            &result.link,
            &result.utr,
            retry_advice(result.status),
        ];
        if let Some(counts) = &mut self.codes {
            count_codes(counts, &result.codes);
        }
        match &mut self.inner {
            Inner::Csv {
                writer,
                syncer,
                next_sync,
                ..
            } => {
                match &raw.cells {
                    // The usual row: as wide as the header, nothing to mask. One search over
                    // the row's bytes decides whether any of its fields needs quotes.
                    Cells::Csv(record) if record.len() == self.width && !self.any_masked => {
                        let plain = !writer.needs_quotes(record.as_byte_record().as_slice());
                        for f in record.iter() {
                            match neutralize(f) {
                                Cow::Borrowed(f) if plain => writer.plain(f.as_bytes()),
                                f => writer.field(f.as_bytes()),
                            }
                        }
                    }
                    _ => {
                        for (col, t) in raw.texts(self.width).enumerate() {
                            let text = if self.roles[col].masked {
                                Cow::Owned(card::mask(t))
                            } else {
                                Cow::Borrowed(t)
                            };
                            writer.field(neutralize(&text).as_bytes());
                        }
                    }
                }
                // The row number, the status and the advice are digits, capitals and
                // dashes that never lead: nothing to quote.
                let [number, status, rest @ .., retry] = tail;
                writer.plain(number.as_bytes());
                writer.plain(status.as_bytes());
                for t in rest {
                    writer.field(neutralize(t).as_bytes());
                }
                writer.plain(retry.as_bytes());
                writer.end().map_err(|e| Error::write(&self.path, e))?;
                if writer.flushed >= *next_sync {
                    syncer.nudge();
                    *next_sync = writer.flushed + SYNC_EVERY;
                }
            }
            Inner::Xlsx(book) => book.write_row(&self.path, raw, &self.roles, self.width, &tail)?,
        }
        if let Some(Report::Own(path, book)) = &mut self.report {
            book.write_row(path, raw, &self.roles, self.width, &tail)?;
        }
        self.number = number;
        Ok(())
    }

    /// Finishes the file (and the report) and renames it into place. `facts` fill the
    /// Summary sheet of a workbook.
    pub fn finish(self, facts: &RunFacts) -> Result<PathBuf, Error> {
        let path = self.path;
        let codes = top_codes(self.codes.unwrap_or_default());
        // Both files are made whole before either is renamed into place.
        let copy = matches!(self.report, Some(Report::Copy(_)));
        let report = match self.report {
            Some(Report::Own(report, book)) => Some((book.save(&report, facts, &codes)?, report)),
            Some(Report::Copy(report)) => {
                let temp = tempfile::Builder::new()
                    .suffix(".xlsx")
                    .tempfile_in(crate::sheet::folder_of(&report))
                    .map_err(|e| Error::write(&report, e))?;
                Some((temp, report))
            }
            None => None,
        };
        match self.inner {
            Inner::Csv {
                temp,
                writer,
                syncer,
                ..
            } => {
                let file = writer.into_inner().map_err(|e| Error::write(&path, e))?;
                syncer.stop().map_err(|e| Error::write(&path, e))?;
                file.sync_all().map_err(|e| Error::write(&path, e))?;
                temp.persist(&path)
                    .map_err(|e| Error::write(&path, e.error))?;
            }
            Inner::Xlsx(book) => {
                let temp = book.save(&path, facts, &codes)?;
                if let (true, Some((report_temp, report))) = (copy, &report) {
                    copy_file(temp.path(), report_temp, report)?;
                }
                temp.persist(&path)
                    .map_err(|e| Error::write(&path, e.error))?;
            }
        }
        if let Some((temp, report)) = report {
            temp.persist(&report)
                .map_err(|e| Error::write(&report, e.error))?;
        }
        Ok(path)
    }
}

/// The results file's headers: the sheet's own, then the tool's.
fn headers_of(map: &HeaderMap) -> Vec<&str> {
    map.headers
        .iter()
        .map(String::as_str)
        .chain(RESULT_COLUMNS)
        .collect()
}

/// Copies the finished workbook at `from` into `temp` (to be renamed to `report`), synced.
fn copy_file(from: &Path, temp: &NamedTempFile, report: &Path) -> Result<(), Error> {
    let mut source = File::open(from).map_err(|e| Error::write(report, e))?;
    let mut out = temp.reopen().map_err(|e| Error::write(report, e))?;
    std::io::copy(&mut source, &mut out).map_err(|e| Error::write(report, e))?;
    out.sync_all().map_err(|e| Error::write(report, e))
}

/// Counts a row's codes (`;`-separated), each once per row.
fn count_codes(counts: &mut HashMap<String, u64>, codes: &str) {
    if codes.is_empty() {
        return;
    }
    let mut seen: Vec<&str> = Vec::new();
    for code in codes.split(';').map(str::trim).filter(|c| !c.is_empty()) {
        if seen.contains(&code) {
            continue;
        }
        seen.push(code);
        match counts.get_mut(code) {
            Some(n) => *n += 1,
            None => {
                counts.insert(code.to_owned(), 1);
            }
        }
    }
}

/// How many error codes the Summary sheet lists.
const TOP_CODES: usize = 10;

/// The most frequent codes, most rows first (ties by code).
fn top_codes(counts: HashMap<String, u64>) -> Vec<(String, u64)> {
    let mut all: Vec<(String, u64)> = counts.into_iter().collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    all.truncate(TOP_CODES);
    all
}

/// A light fill with dark text for each kind of status: the Excel "good", "bad" and
/// "neutral" styles, and a grey. Every fill is light (85–91% luminance) and every text dark,
/// so a grey printout still reads; the status word itself says the rest.
fn status_look(status: Status) -> XlsxFormat {
    let (fill, text) = match status {
        Status::Success | Status::Valid => (0xC6EFCE, 0x006100),
        Status::Failed | Status::Invalid => (0xFFC7CE, 0x9C0006),
        Status::Pending | Status::Unknown => (0xFFEB9C, 0x7A4600),
        Status::NotSent => (0xD9D9D9, 0x262626),
    };
    XlsxFormat::new()
        .set_bold()
        .set_background_color(Color::RGB(fill))
        .set_font_color(Color::RGB(text))
}

/// A results workbook being written: the rows sheet, streamed, and what its looks and its
/// Summary sheet need at the end.
struct Book {
    workbook: Workbook,
    /// The next row of the rows sheet.
    row: u32,
    /// The widest text of each column so far, in characters (the header's counted wider,
    /// for its bold face and its filter button).
    widths: Vec<u32>,
    /// The column of `result_status`.
    status_col: u16,
}

impl Book {
    fn create(path: &Path, headers: &[&str], roles: &[ColumnRole]) -> Result<Book, Error> {
        let mut workbook = Workbook::new();
        // Level 1 packs a results file a little larger, several times faster.
        workbook.set_zip_compression_level(1);
        let bold = XlsxFormat::new().set_bold();
        let text = XlsxFormat::new().set_num_format("@");
        let sheet = workbook
            .add_worksheet_with_constant_memory()
            .map_err(|e| xlsx_error(path, e))?;
        sheet.set_name("results").map_err(|e| xlsx_error(path, e))?;
        // Identifier columns are Text: their cells are string cells, and a value typed
        // into them later stays text too.
        for (col, role) in roles.iter().enumerate() {
            if role.identifier || role.masked {
                sheet
                    .set_column_format(col as u16, &text)
                    .map_err(|e| xlsx_error(path, e))?;
            }
        }
        for (col, h) in headers.iter().enumerate() {
            sheet
                .write_string_with_format(0, col as u16, fit_cell(h).as_ref(), &bold)
                .map_err(|e| xlsx_error(path, e))?;
        }
        sheet
            .set_freeze_panes(1, 0)
            .map_err(|e| xlsx_error(path, e))?;
        Ok(Book {
            workbook,
            row: 1,
            widths: headers.iter().map(|h| chars(h) + 3).collect(),
            status_col: (roles.len() + 1) as u16,
        })
    }

    /// Writes one row: the sheet's cells (`width` of them, card numbers masked), then `tail`.
    fn write_row(
        &mut self,
        path: &Path,
        raw: &RawRow,
        roles: &[ColumnRole],
        width: usize,
        tail: &[&str; RESULT_COLUMNS.len()],
    ) -> Result<(), Error> {
        let sheet = self
            .workbook
            .worksheet_from_index(0)
            .map_err(|e| xlsx_error(path, e))?;
        let r = self.row;
        for (col, role) in roles.iter().enumerate().take(width) {
            let text = raw.get(col).map_or("", |c| c.text);
            if text.is_empty() {
                continue;
            }
            let t = if role.masked {
                Cow::Owned(card::mask(text))
            } else {
                Cow::Borrowed(text)
            };
            widen(&mut self.widths[col], &t);
            let kind = raw.get(col).map_or(CellKind::Text, |c| c.kind);
            let c = col as u16;
            // A cell longer than a worksheet cell holds is cut to fit (validation has made
            // such a row CELL_TOO_LONG already), so the workbook can always be written.
            let fitted = fit_cell(&t);
            let written = match kind {
                _ if role.identifier || role.masked => sheet.write_string(r, c, fitted.as_ref()),
                // A workbook can hold `inf` in a number cell; rust_xlsxwriter writes only finite
                // numbers, so anything else goes out as the text it was.
                CellKind::Number => match t.parse::<f64>() {
                    Ok(v) if v.is_finite() => sheet.write_number(r, c, v),
                    _ => sheet.write_string(r, c, fitted.as_ref()),
                },
                CellKind::Bool => sheet.write_boolean(r, c, t.as_ref() == "TRUE"),
                _ => sheet.write_string(r, c, fitted.as_ref()),
            }
            .map(|_| ());
            written.map_err(|e| xlsx_error(path, e))?;
        }
        for (i, t) in tail.iter().enumerate() {
            let col = width + i;
            let c = col as u16;
            if t.is_empty() {
                continue;
            }
            widen(&mut self.widths[col], t);
            let written = if i == 0 {
                sheet.write_number(r, c, raw.number as f64)
            } else {
                sheet.write_string(r, c, fit_cell(t).as_ref())
            };
            written.map_err(|e| xlsx_error(path, e))?;
        }
        self.row += 1;
        Ok(())
    }

    /// Sets the widths, the filter and the page, adds the Summary sheet, and saves the
    /// workbook to a temporary file beside `path`, for the caller to rename into place.
    fn save(
        mut self,
        path: &Path,
        facts: &RunFacts,
        codes: &[(String, u64)],
    ) -> Result<NamedTempFile, Error> {
        let e = |e| xlsx_error(path, e);
        let sheet = self.workbook.worksheet_from_index(0).map_err(e)?;
        let last_col = (self.widths.len() - 1) as u16;
        for (col, w) in self.widths.iter().enumerate() {
            sheet
                .set_column_width(col as u16, (*w).clamp(4, MAX_WIDTH))
                .map_err(e)?;
        }
        sheet.autofilter(0, 0, self.row - 1, last_col).map_err(e)?;
        // The status cells are coloured by one conditional format per status over the
        // column, not a format per cell: rust_xlsxwriter hashes a cell's format on every
        // write, a twentieth of the writer's time. A status edited by hand recolours too.
        if self.row > 1 {
            for status in Status::ALL {
                let rule = ConditionalFormatCell::new()
                    .set_rule(ConditionalFormatCellRule::EqualTo(status.as_str()))
                    .set_format(status_look(status));
                sheet
                    .add_conditional_format(
                        1,
                        self.status_col,
                        self.row - 1,
                        self.status_col,
                        &rule,
                    )
                    .map_err(e)?;
            }
        }
        // Printed, the result columns stay on the page of their row: landscape, every
        // column on one page across, the header on every page.
        sheet.set_landscape();
        sheet.set_print_fit_to_pages(1, 0);
        sheet.set_repeat_rows(0, 0).map_err(e)?;
        summary_sheet(self.workbook.add_worksheet(), facts, codes).map_err(e)?;

        let dir = crate::sheet::folder_of(path);
        let temp = tempfile::Builder::new()
            .suffix(".xlsx")
            .tempfile_in(&dir)
            .map_err(|e| Error::write(path, e))?;
        // One buffered writer: saved straight to the file, the zip goes out in
        // thousands of small writes.
        let file = temp.reopen().map_err(|e| Error::write(path, e))?;
        let mut out = std::io::BufWriter::with_capacity(1024 * 1024, file);
        self.workbook
            .save_to_writer(&mut out)
            .map_err(|e| xlsx_error(path, e))?;
        out.into_inner()
            .map_err(|e| Error::write(path, e.error()))?
            .sync_all()
            .map_err(|e| Error::write(path, e))?;
        Ok(temp)
    }
}

/// A text's width in characters (its length in bytes when that is no wider than `w` already
/// is: bytes are never fewer than characters, so the usual cell costs one comparison).
fn widen(w: &mut u32, text: &str) {
    if text.len() as u32 + 1 > *w {
        *w = (*w).max(chars(text) + 1);
    }
}

fn chars(text: &str) -> u32 {
    text.chars().count().min(u32::MAX as usize) as u32
}

/// The Summary sheet: the run (files, kind, environment, times, requests), rows and amounts
/// by status and currency, and the most frequent error codes with what they mean. Amounts
/// are exact decimal text, never floating point.
fn summary_sheet(
    sheet: &mut Worksheet,
    facts: &RunFacts,
    codes: &[(String, u64)],
) -> Result<(), XlsxError> {
    let s = facts.summary;
    let bold = XlsxFormat::new().set_bold();
    let title = XlsxFormat::new().set_bold().set_font_size(14);
    let right = XlsxFormat::new().set_align(FormatAlign::Right);
    // Text beside a number in the column before it: indented, so the two do not touch, and
    // given the columns to its right (a printout cuts text that runs on past its cell).
    let beside = XlsxFormat::new().set_indent(1);
    sheet.set_name("Summary")?;
    // Printed on one page across, the meanings in full.
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_column_width(0, 24)?;
    sheet.set_column_width(1, 12)?;
    sheet.set_column_width(2, 18)?;
    sheet.set_column_width(3, 10)?;
    sheet.set_column_width(4, 60)?;
    sheet.write_string_with_format(0, 0, "payu-bulk results", &title)?;
    let time =
        |t: &chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let facts_rows: [(&str, String); 6] = [
        ("Input file", s.input.display().to_string()),
        ("Results file", s.results.display().to_string()),
        ("Kind", s.kind.to_string()),
        (
            "Environment",
            facts
                .environment
                .unwrap_or("none: validate sends nothing")
                .to_owned(),
        ),
        ("Started (UTC)", time(&s.started_at)),
        ("Finished (UTC)", time(&s.finished_at)),
    ];
    let mut r = 2;
    for (label, value) in &facts_rows {
        sheet.write_string_with_format(r, 0, *label, &bold)?;
        sheet.write_string(r, 1, value)?;
        r += 1;
    }
    sheet.write_string_with_format(r, 0, "Rows", &bold)?;
    sheet.write_number(r, 1, s.rows as f64)?;
    r += 1;
    let q = facts.requests;
    sheet.write_string_with_format(r, 0, "Requests made", &bold)?;
    sheet.write_number(r, 1, q.total() as f64)?;
    if facts.environment.is_some() {
        sheet.merge_range(
            r,
            2,
            r,
            4,
            &format!(
                "send {}, status {}, token {}; {} retried, {} answered 429, {} unanswered",
                q.send, q.status, q.token, q.retried, q.throttled, q.unanswered
            ),
            &beside,
        )?;
    }
    r += 2;

    sheet.write_string_with_format(r, 0, "Rows by status", &title)?;
    r += 1;
    for (c, h) in ["Status", "Rows", "Amount", "Currency"].iter().enumerate() {
        sheet.write_string_with_format(r, c as u16, *h, &bold)?;
    }
    r += 1;
    for (status, n) in &s.by_status {
        sheet.write_string_with_format(r, 0, status.as_str(), &status_look(*status))?;
        sheet.write_number(r, 1, *n as f64)?;
        let mut first = true;
        for (currency, sums) in &s.amounts {
            let Some(sum) = sums.get(status) else {
                continue;
            };
            if !first {
                r += 1;
            }
            first = false;
            sheet.write_string_with_format(r, 2, format_money(*sum), &right)?;
            sheet.write_string(r, 3, currency.code())?;
        }
        r += 1;
    }
    sheet.write_string_with_format(r, 0, "Total", &bold)?;
    sheet.write_number(r, 1, s.rows as f64)?;
    r += 2;

    sheet.write_string_with_format(r, 0, "Most frequent error codes", &title)?;
    r += 1;
    for (c, h) in ["Code", "Rows", "Meaning"].iter().enumerate() {
        let head = if c == 2 {
            bold.clone().set_indent(1)
        } else {
            bold.clone()
        };
        sheet.write_string_with_format(r, c as u16, *h, &head)?;
    }
    r += 1;
    if codes.is_empty() {
        sheet.write_string(r, 0, "none")?;
    }
    for (code, n) in codes {
        sheet.write_string(r, 0, code)?;
        sheet.write_number(r, 1, *n as f64)?;
        sheet.merge_range(r, 2, r, 4, &codes::meaning(code), &beside)?;
        r += 1;
    }
    Ok(())
}

/// CSV out, RFC 4180 style: a field holding the delimiter, a quote or a line break is quoted
/// and its quotes doubled. Whether a field needs that is found by a vectorised search (over a
/// whole row at once, for the usual row): the csv crate's writer decides it byte by byte,
/// which was a fifth of `validate`'s time on a large CSV. Rows are gathered in one buffer and
/// written out a few hundred kilobytes at a time.
struct CsvOut<W: Write> {
    out: W,
    buf: Vec<u8>,
    delimiter: u8,
    terminator: &'static [u8],
    /// Which bytes make a field need quotes: the delimiter, `"`, CR and LF.
    special: [bool; 256],
    /// How many bytes went out so far.
    flushed: u64,
    /// Whether the current row has a field already (so the next one needs a delimiter).
    started: bool,
}

/// How much the buffer gathers before it is written out.
const FLUSH_AT: usize = 256 * 1024;

/// How much of a CSV results file is written between two nudges of its [`Syncer`].
const SYNC_EVERY: u64 = 16 * 1024 * 1024;

/// Puts a results file on disk while it is still being written, on a thread of its own that
/// mostly waits for the disk: the sync before the rename then has only the last few megabytes
/// left, where it had the whole file (a tenth of `validate`'s time on a million rows).
struct Syncer {
    wake: Option<std::sync::mpsc::SyncSender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl Syncer {
    fn start(file: File) -> Syncer {
        let (wake, woken) = std::sync::mpsc::sync_channel::<()>(1);
        let thread = std::thread::spawn(move || {
            for () in woken {
                file.sync_data()?;
            }
            Ok(())
        });
        Syncer {
            wake: Some(wake),
            thread: Some(thread),
        }
    }

    /// Asks for a sync of what is written so far; never waits (a sync already asked for
    /// covers this too).
    fn nudge(&self) {
        if let Some(wake) = &self.wake {
            let _ = wake.try_send(());
        }
    }

    /// Waits for the sync under way, and reports the first that failed: a failed sync's error
    /// is not reported a second time by the next one.
    fn stop(mut self) -> std::io::Result<()> {
        drop(self.wake.take());
        match self.thread.take() {
            Some(thread) => thread
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the sync thread stopped"))),
            None => Ok(()),
        }
    }
}

impl<W: Write> CsvOut<W> {
    fn new(out: W, delimiter: u8, crlf: bool) -> CsvOut<W> {
        let mut special = [false; 256];
        for b in [delimiter, b'"', b'\n', b'\r'] {
            special[usize::from(b)] = true;
        }
        CsvOut {
            out,
            buf: Vec::with_capacity(FLUSH_AT + 64 * 1024),
            delimiter,
            terminator: if crlf { b"\r\n" } else { b"\n" },
            special,
            flushed: 0,
            started: false,
        }
    }

    fn needs_quotes(&self, bytes: &[u8]) -> bool {
        // A vectorised search pays from a few dozen bytes; a short field is quicker to walk.
        if bytes.len() < 32 {
            return bytes.iter().any(|&b| self.special[usize::from(b)]);
        }
        memchr::memchr3(self.delimiter, b'"', b'\n', bytes).is_some()
            || memchr::memchr(b'\r', bytes).is_some()
    }

    /// Bytes that go out as they are (a byte-order mark).
    fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    fn separate(&mut self) {
        if self.started {
            self.buf.push(self.delimiter);
        }
        self.started = true;
    }

    /// A field known to need no quotes.
    fn plain(&mut self, bytes: &[u8]) {
        self.separate();
        self.buf.extend_from_slice(bytes);
    }

    fn field(&mut self, bytes: &[u8]) {
        if !self.needs_quotes(bytes) {
            return self.plain(bytes);
        }
        self.separate();
        self.buf.push(b'"');
        for (i, part) in bytes.split(|&b| b == b'"').enumerate() {
            if i > 0 {
                self.buf.extend_from_slice(b"\"\"");
            }
            self.buf.extend_from_slice(part);
        }
        self.buf.push(b'"');
    }

    /// Ends the row; writes the buffer out when it is full enough.
    fn end(&mut self) -> std::io::Result<()> {
        self.started = false;
        self.buf.extend_from_slice(self.terminator);
        if self.buf.len() >= FLUSH_AT {
            self.out.write_all(&self.buf)?;
            self.flushed += self.buf.len() as u64;
            self.buf.clear();
        }
        Ok(())
    }

    /// Writes out what is left and hands back the destination.
    fn into_inner(mut self) -> std::io::Result<W> {
        self.out.write_all(&self.buf)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

fn xlsx_error(path: &Path, e: XlsxError) -> Error {
    Error::write(path, format!("cannot write the workbook: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn csv_out_reads_back_as_written(
            rows in proptest::collection::vec(proptest::collection::vec("[a-z;,\"\r\n =]{0,6}", 1..5), 1..5),
            semicolon in proptest::bool::ANY,
            crlf in proptest::bool::ANY,
        ) {
            let delimiter = if semicolon { b';' } else { b',' };
            let width = rows[0].len();
            let rows: Vec<Vec<String>> = rows.into_iter().map(|mut r| { r.resize(width, String::new()); r }).collect();
            let mut w = CsvOut::new(Vec::new(), delimiter, crlf);
            for row in &rows {
                for f in row {
                    w.field(f.as_bytes());
                }
                w.end().unwrap();
            }
            let back: Vec<Vec<String>> = csv::ReaderBuilder::new()
                .has_headers(false)
                .delimiter(delimiter)
                .from_reader(&w.into_inner().unwrap()[..])
                .records()
                .map(|r| r.unwrap().iter().map(str::to_owned).collect())
                .collect();
            // A row of one empty field is a blank line, which a reader skips.
            let expected: Vec<Vec<String>> = rows.into_iter().filter(|r| !(r.len() == 1 && r[0].is_empty())).collect();
            proptest::prop_assert_eq!(back, expected);
        }
    }

    #[test]
    fn the_syncer_syncs_while_the_file_grows_and_stops_cleanly() {
        let temp = NamedTempFile::new().unwrap();
        let syncer = Syncer::start(temp.reopen().unwrap());
        let mut out = CsvOut::new(temp.reopen().unwrap(), b',', false);
        for i in 0..3 {
            out.plain(format!("row {i}").as_bytes());
            out.end().unwrap();
            syncer.nudge();
            syncer.nudge();
        }
        out.into_inner().unwrap();
        syncer.stop().unwrap();
        assert_eq!(
            std::fs::read_to_string(temp.path()).unwrap(),
            "row 0\nrow 1\nrow 2\n"
        );
    }

    #[test]
    fn xlsx_capacity_is_checked_before_anything_is_sent() {
        let p = Path::new("r.xlsx");
        assert!(check_capacity(p, Format::Xlsx, XLSX_ROWS_MAX - 1, 30).is_ok());
        let err = check_capacity(p, Format::Xlsx, XLSX_ROWS_MAX, 30).unwrap_err();
        assert!(err.to_string().contains("at most 1048575 rows"), "{err}");
        assert!(check_capacity(p, Format::Xlsx, 10, 16_380).is_err());
        assert!(check_capacity(p, Format::Csv, XLSX_ROWS_MAX * 2, 16_380).is_ok());
    }

    #[test]
    fn a_cell_too_long_for_xlsx_is_cut_to_fit() {
        let long = "é".repeat(XLSX_CELL_MAX + 10);
        let cut = fit_cell(&long);
        assert_eq!(cut.chars().count(), XLSX_CELL_MAX);
        assert!(cut.ends_with('…'));
        assert_eq!(fit_cell("short"), "short");
        let exact = "é".repeat(XLSX_CELL_MAX);
        assert_eq!(fit_cell(&exact), exact.as_str());
    }

    #[test]
    fn result_columns_are_found_with_and_without_utr_and_retry() {
        let cols = |extra: &[&str]| -> Vec<String> {
            ["Reference", "Amount"]
                .iter()
                .chain(extra)
                .map(|s| (*s).to_owned())
                .collect()
        };
        assert_eq!(original_width(&cols(&RESULT_COLUMNS)), Some(2));
        assert_eq!(original_width(&cols(&RESULT_COLUMNS[..6])), Some(2));
        assert_eq!(original_width(&cols(&RESULT_COLUMNS[..5])), None);
        assert_eq!(original_width(&cols(&[])), None);
    }

    #[test]
    fn every_status_has_its_advice() {
        let advice: Vec<&str> = Status::ALL.into_iter().map(retry_advice).collect();
        assert_eq!(
            advice,
            [
                "",
                "fix-and-rerun",
                "rerun",
                "no",
                "no",
                "new-reference",
                "status-first"
            ]
        );
    }

    #[test]
    fn codes_are_counted_once_a_row() {
        let mut counts = HashMap::new();
        count_codes(&mut counts, "1022;1022; 1004");
        count_codes(&mut counts, "");
        count_codes(&mut counts, "1004");
        assert_eq!(counts["1022"], 1);
        assert_eq!(counts["1004"], 2);
        assert_eq!(
            top_codes(counts),
            [("1004".to_owned(), 2), ("1022".to_owned(), 1)]
        );
    }

    #[test]
    fn widths_count_characters_not_bytes() {
        let mut w = 3;
        widen(&mut w, "ab");
        assert_eq!(w, 3);
        widen(&mut w, "Łódź Kraków");
        assert_eq!(w, 12);
    }

    #[test]
    fn formulas_are_neutralized() {
        assert_eq!(neutralize("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(neutralize("+91 98"), "'+91 98");
        assert_eq!(neutralize("-5"), "'-5");
        assert_eq!(neutralize("@cmd"), "'@cmd");
        assert_eq!(neutralize("\tx"), "'\tx");
        assert_eq!(neutralize("HDFC0001234"), "HDFC0001234");
        for wide in ["＝SUM(A1)", "＋91", "－5", "＠cmd"] {
            assert_eq!(neutralize(wide), format!("'{wide}"));
        }
        assert_eq!(neutralize("ｘ"), "ｘ");
        assert_eq!(neutralize(""), "");
    }
}
