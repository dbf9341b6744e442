//! Writing the results file: every input row in order with its original cells, then the
//! `result_*` columns. Written to a temporary file in the destination folder and renamed into
//! place, so a crash never leaves half a file.

use std::borrow::Cow;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Format as XlsxFormat, Workbook, XlsxError};
use tempfile::NamedTempFile;

use super::{RESULT_COLUMNS, Status};
use crate::Error;
use crate::rows::{HeaderMap, Identifier};
use crate::sheet::{CellKind, Cells, Format, RawRow};
use crate::validate::card;

/// The tool's columns for one row.
#[derive(Debug, Clone)]
pub struct RowResult {
    pub status: Status,
    pub codes: String,
    pub message: String,
    pub reference: String,
    pub link: String,
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
}

enum Inner {
    Csv {
        temp: NamedTempFile,
        writer: Box<CsvOut<File>>,
        syncer: Syncer,
        /// How far the file must grow before the syncer is woken again.
        next_sync: u64,
    },
    Xlsx {
        workbook: Box<Workbook>,
        row: u32,
    },
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
        let headers: Vec<&str> = map
            .headers
            .iter()
            .map(String::as_str)
            .chain(RESULT_COLUMNS)
            .collect();
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
            Format::Xlsx => {
                let mut workbook = Box::new(Workbook::new());
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
                Inner::Xlsx { workbook, row: 1 }
            }
        };
        let any_masked = roles.iter().any(|r| r.masked);
        Ok(ResultsWriter {
            path: path.to_path_buf(),
            width: map.headers.len(),
            roles,
            inner,
            number: itoa::Buffer::new(),
            any_masked,
        })
    }

    /// The text of an input cell as it goes out: masked if it is a card number.
    fn cell_text<'r>(&self, raw: &'r RawRow, col: usize) -> Cow<'r, str> {
        let text = raw.get(col).map_or("", |c| c.text);
        if self.roles[col].masked {
            Cow::Owned(card::mask(text))
        } else {
            Cow::Borrowed(text)
        }
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
        ];
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
                // The row number and the status are digits and capitals: nothing to quote.
                let [number, status, rest @ ..] = tail;
                writer.plain(number.as_bytes());
                writer.plain(status.as_bytes());
                for t in rest {
                    writer.field(neutralize(t).as_bytes());
                }
                writer.end().map_err(|e| Error::write(&self.path, e))?;
                if writer.flushed >= *next_sync {
                    syncer.nudge();
                    *next_sync = writer.flushed + SYNC_EVERY;
                }
            }
            Inner::Xlsx { .. } => self.write_xlsx_row(raw, &tail)?,
        }
        self.number = number;
        Ok(())
    }

    fn write_xlsx_row(&mut self, raw: &RawRow, tail: &[&str; 6]) -> Result<(), Error> {
        let texts: Vec<Cow<'_, str>> = (0..self.width)
            .map(|col| self.cell_text(raw, col))
            .collect();
        let Inner::Xlsx { workbook, row } = &mut self.inner else {
            unreachable!("write_xlsx_row is only called for XLSX output")
        };
        let path = &self.path;
        let sheet = workbook
            .worksheet_from_index(0)
            .map_err(|e| xlsx_error(path, e))?;
        let r = *row;
        for (col, t) in texts.iter().enumerate() {
            let kind = raw.get(col).map_or(CellKind::Text, |c| c.kind);
            let role = self.roles[col];
            let c = col as u16;
            if t.is_empty() {
                continue;
            }
            let fitted = fit_cell(t);
            let written = match kind {
                _ if role.identifier || role.masked => sheet.write_string(r, c, fitted.as_ref()),
                // A workbook can hold `inf` in a number cell; rust_xlsxwriter writes only finite
                // numbers, so anything else goes out as the text it was.
                CellKind::Number => match t.parse::<f64>() {
                    Ok(v) if v.is_finite() => sheet.write_number(r, c, v),
                    Ok(_) => sheet.write_string(r, c, fitted.as_ref()),
                    Err(_) => sheet.write_string(r, c, fitted.as_ref()),
                },
                CellKind::Bool => sheet.write_boolean(r, c, t.as_ref() == "TRUE"),
                _ => sheet.write_string(r, c, fitted.as_ref()),
            }
            .map(|_| ());
            written.map_err(|e| xlsx_error(path, e))?;
        }
        for (i, t) in tail.iter().enumerate() {
            let c = (self.width + i) as u16;
            if i == 0 {
                sheet
                    .write_number(r, c, raw.number as f64)
                    .map_err(|e| xlsx_error(path, e))?;
            } else if !t.is_empty() {
                sheet
                    .write_string(r, c, fit_cell(t).as_ref())
                    .map_err(|e| xlsx_error(path, e))?;
            }
        }
        *row += 1;
        Ok(())
    }

    /// Finishes the file and renames it into place.
    pub fn finish(self) -> Result<PathBuf, Error> {
        let path = self.path;
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
            Inner::Xlsx { mut workbook, .. } => {
                let dir = crate::sheet::folder_of(&path);
                let temp = tempfile::Builder::new()
                    .suffix(".xlsx")
                    .tempfile_in(&dir)
                    .map_err(|e| Error::write(&path, e))?;
                // One buffered writer: saved straight to the file, the zip goes out in
                // thousands of small writes.
                let file = temp.reopen().map_err(|e| Error::write(&path, e))?;
                let mut out = std::io::BufWriter::with_capacity(1024 * 1024, file);
                workbook
                    .save_to_writer(&mut out)
                    .map_err(|e| xlsx_error(&path, e))?;
                out.into_inner()
                    .map_err(|e| Error::write(&path, e.error()))?
                    .sync_all()
                    .map_err(|e| Error::write(&path, e))?;
                temp.persist(&path)
                    .map_err(|e| Error::write(&path, e.error))?;
            }
        }
        Ok(path)
    }
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
