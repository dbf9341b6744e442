//! The results writer: every input row in order with its original cells, then the
//! `result_*` columns, to a temporary file renamed into place when the run ends; and the
//! workbook `--report` asks for beside it.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::super::RESULT_COLUMNS;
use super::book::Book;
use super::cell::ColumnRole;
use super::csv_file::CsvFile;
use super::csv_out::CsvStyle;
use super::row::{RowResult, retry_advice};
use super::summary_sheet::{RunFacts, count_codes, top_codes};
use crate::Error;
use crate::rows::{HeaderMap, Identifier};
use crate::sheet::{Format, RawRow};

/// A results file being written, row by row in the sheet's order, and the `--report`
/// workbook with it. Nothing is in place until [`ResultsWriter::finish`] renames it there.
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
    Csv(Box<CsvFile>),
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
        let inner = match format {
            Format::Csv => Inner::Csv(Box::new(CsvFile::create(path, &headers, style)?)),
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
            Inner::Csv(_) => Report::Own(
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
            Inner::Csv(csv) => {
                csv.write_row(&self.path, raw, &self.roles, self.any_masked, &tail)?
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
            Inner::Csv(csv) => csv.finish(&path)?,
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
