//! Writing the results file: every input row in order with its original cells, then the
//! `result_*` columns. Written to a temporary file in the destination folder and renamed into
//! place, so a crash never leaves half a file.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
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

/// A cell that a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, tab, CR) gets a
/// leading `'`, so that it shows as the text it is.
pub fn neutralize(text: &str) -> Cow<'_, str> {
    match text.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

pub struct ResultsWriter {
    path: PathBuf,
    roles: Vec<ColumnRole>,
    width: usize,
    inner: Inner,
    /// The row number's text, reused from row to row.
    number: String,
    /// Whether some column holds card numbers.
    any_masked: bool,
}

enum Inner {
    Csv {
        temp: NamedTempFile,
        writer: CsvOut<BufWriter<File>>,
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
                let mut out = BufWriter::with_capacity(256 * 1024, file);
                if style.bom {
                    out.write_all(b"\xEF\xBB\xBF")
                        .map_err(|e| Error::write(path, e))?;
                }
                let mut writer = CsvOut::new(out, style.delimiter, style.crlf);
                let mut header = || -> std::io::Result<()> {
                    for h in &headers {
                        writer.field(neutralize(h).as_bytes())?;
                    }
                    writer.end()
                };
                header().map_err(|e| Error::write(path, e))?;
                Inner::Csv { temp, writer }
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
                        .write_string_with_format(0, col as u16, *h, &bold)
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
            number: String::new(),
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
        use std::fmt::Write as _;
        let mut number = std::mem::take(&mut self.number);
        number.clear();
        let _ = write!(number, "{}", raw.number);
        let tail = [
            number.as_str(),
            result.status.as_str(),
            &result.codes,
            &result.message,
            &result.reference,
            &result.link,
        ];
        match &mut self.inner {
            Inner::Csv { writer, .. } => {
                let mut row = || -> std::io::Result<()> {
                    match &raw.cells {
                        // The usual row: as wide as the header, nothing to mask, quote or
                        // neutralize. One search over the row's bytes decides it.
                        Cells::Csv(record)
                            if record.len() == self.width
                                && !self.any_masked
                                && !writer.needs_quotes(record.as_byte_record().as_slice())
                                && record
                                    .iter()
                                    .all(|f| matches!(neutralize(f), Cow::Borrowed(_))) =>
                        {
                            for f in record.iter() {
                                writer.plain(f.as_bytes())?;
                            }
                        }
                        _ => {
                            for (col, t) in raw.texts(self.width).enumerate() {
                                let text = if self.roles[col].masked {
                                    Cow::Owned(card::mask(t))
                                } else {
                                    Cow::Borrowed(t)
                                };
                                writer.field(neutralize(&text).as_bytes())?;
                            }
                        }
                    }
                    for t in tail {
                        writer.field(neutralize(t).as_bytes())?;
                    }
                    writer.end()
                };
                row().map_err(|e| Error::write(&self.path, e))?;
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
            let written = match kind {
                _ if role.identifier || role.masked => sheet.write_string(r, c, t.as_ref()),
                CellKind::Number => match t.parse::<f64>() {
                    Ok(v) => sheet.write_number(r, c, v),
                    Err(_) => sheet.write_string(r, c, t.as_ref()),
                },
                CellKind::Bool => sheet.write_boolean(r, c, t.as_ref() == "TRUE"),
                _ => sheet.write_string(r, c, t.as_ref()),
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
                    .write_string(r, c, *t)
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
            Inner::Csv { temp, writer } => {
                writer
                    .out
                    .into_inner()
                    .map_err(|e| Error::write(&path, e.error()))?
                    .sync_all()
                    .map_err(|e| Error::write(&path, e))?;
                temp.persist(&path)
                    .map_err(|e| Error::write(&path, e.error))?;
            }
            Inner::Xlsx { mut workbook, .. } => {
                let dir = crate::sheet::folder_of(&path);
                let temp = tempfile::Builder::new()
                    .suffix(".xlsx")
                    .tempfile_in(&dir)
                    .map_err(|e| Error::write(&path, e))?;
                workbook
                    .save(temp.path())
                    .map_err(|e| xlsx_error(&path, e))?;
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
/// which was a fifth of `validate`'s time on a large CSV.
struct CsvOut<W: Write> {
    out: W,
    delimiter: u8,
    terminator: &'static [u8],
    /// Whether the current row has a field already (so the next one needs a delimiter).
    started: bool,
}

impl<W: Write> CsvOut<W> {
    fn new(out: W, delimiter: u8, crlf: bool) -> CsvOut<W> {
        CsvOut {
            out,
            delimiter,
            terminator: if crlf { b"\r\n" } else { b"\n" },
            started: false,
        }
    }

    fn needs_quotes(&self, bytes: &[u8]) -> bool {
        // A vectorised search pays from a few dozen bytes; a short field is quicker to walk.
        if bytes.len() < 32 {
            let d = self.delimiter;
            return bytes
                .iter()
                .any(|&b| b == d || b == b'"' || b == b'\n' || b == b'\r');
        }
        memchr::memchr3(self.delimiter, b'"', b'\n', bytes).is_some()
            || memchr::memchr(b'\r', bytes).is_some()
    }

    fn separate(&mut self) -> std::io::Result<()> {
        if self.started {
            self.out.write_all(&[self.delimiter])?;
        }
        self.started = true;
        Ok(())
    }

    /// A field known to need no quotes.
    fn plain(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.separate()?;
        self.out.write_all(bytes)
    }

    fn field(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if !self.needs_quotes(bytes) {
            return self.plain(bytes);
        }
        self.separate()?;
        self.out.write_all(b"\"")?;
        for (i, part) in bytes.split(|&b| b == b'"').enumerate() {
            if i > 0 {
                self.out.write_all(b"\"\"")?;
            }
            self.out.write_all(part)?;
        }
        self.out.write_all(b"\"")
    }

    fn end(&mut self) -> std::io::Result<()> {
        self.started = false;
        self.out.write_all(self.terminator)
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
                    w.field(f.as_bytes()).unwrap();
                }
                w.end().unwrap();
            }
            let back: Vec<Vec<String>> = csv::ReaderBuilder::new()
                .has_headers(false)
                .delimiter(delimiter)
                .from_reader(&w.out[..])
                .records()
                .map(|r| r.unwrap().iter().map(str::to_owned).collect())
                .collect();
            // A row of one empty field is a blank line, which a reader skips.
            let expected: Vec<Vec<String>> = rows.into_iter().filter(|r| !(r.len() == 1 && r[0].is_empty())).collect();
            proptest::prop_assert_eq!(back, expected);
        }
    }

    #[test]
    fn formulas_are_neutralized() {
        assert_eq!(neutralize("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(neutralize("+91 98"), "'+91 98");
        assert_eq!(neutralize("-5"), "'-5");
        assert_eq!(neutralize("@cmd"), "'@cmd");
        assert_eq!(neutralize("\tx"), "'\tx");
        assert_eq!(neutralize("HDFC0001234"), "HDFC0001234");
        assert_eq!(neutralize(""), "");
    }
}
