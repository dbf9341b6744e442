//! XLSX sheets through calamine: the first visible worksheet (or `--sheet`), cached formula
//! values, error cells, dates as ISO text, numbers as Excel shows them.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use calamine::{Data, Reader, SheetType, SheetVisible, Xlsx, open_workbook};
use rust_decimal::Decimal;

use super::{Cell, CellKind, Cells, RawRow, ReadOptions};
use crate::Error;

/// An XLSX worksheet, read whole (calamine parses a sheet at once).
pub struct XlsxSheet {
    pub path: PathBuf,
    pub sheet_name: String,
    pub headers: Vec<String>,
    pub rows: Vec<RawRow>,
}

impl XlsxSheet {
    pub fn open(path: &Path, opts: &ReadOptions) -> Result<XlsxSheet, Error> {
        if opts.encoding.is_some() {
            return Err(Error::Usage(format!(
                "{}: --encoding applies to CSV files; an XLSX workbook carries its own",
                path.display()
            )));
        }
        let mut workbook: Xlsx<_> = open_workbook(path)
            .map_err(|e| Error::format(path, format!("cannot open the workbook: {e}")))?;
        let sheets = workbook.sheets_metadata().to_vec();
        let name = match &opts.sheet {
            Some(wanted) => sheets
                .iter()
                .find(|s| &s.name == wanted)
                .or_else(|| sheets.iter().find(|s| s.name.eq_ignore_ascii_case(wanted)))
                .map(|s| s.name.clone())
                .ok_or_else(|| {
                    let names: Vec<String> =
                        sheets.iter().map(|s| format!("'{}'", s.name)).collect();
                    Error::format(
                        path,
                        format!(
                            "there is no sheet '{wanted}'; the workbook has {}",
                            names.join(", ")
                        ),
                    )
                })?,
            None => sheets
                .iter()
                .find(|s| s.typ == SheetType::WorkSheet && s.visible == SheetVisible::Visible)
                .map(|s| s.name.clone())
                .ok_or_else(|| Error::format(path, "the workbook has no visible worksheet"))?,
        };
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e| Error::format(path, format!("cannot read sheet '{name}': {e}")))?;
        let (first_row, _) = range.start().unwrap_or((0, 0));
        let mut rows = range.rows().enumerate().map(|(i, cells)| {
            let number = u64::from(first_row) + i as u64 + 1;
            (number, cells)
        });
        let headers: Vec<String> = loop {
            let Some((_, cells)) = rows.next() else {
                let others: Vec<String> = sheets
                    .iter()
                    .filter(|s| s.name != name && s.typ == SheetType::WorkSheet)
                    .map(|s| format!("'{}'", s.name))
                    .collect();
                if others.is_empty() {
                    return Err(Error::NoHeader {
                        path: path.to_path_buf(),
                    });
                }
                return Err(Error::format(
                    path,
                    format!(
                        "sheet '{name}' is empty; the workbook also has {}: name one with --sheet",
                        others.join(", ")
                    ),
                ));
            };
            if cells.iter().any(|c| !is_blank(c)) {
                let width = last_filled(cells);
                break cells[..width].iter().map(|c| cell(c).text).collect();
            }
        };
        let width = headers.len();
        let rows = rows
            .filter(|(_, cells)| cells.iter().any(|c| !is_blank(c)))
            .map(|(number, cells)| {
                let keep = width.max(last_filled(cells));
                let mut out: Vec<Cell> = cells[..keep.min(cells.len())].iter().map(cell).collect();
                out.resize(
                    keep,
                    Cell {
                        text: String::new(),
                        kind: CellKind::Text,
                    },
                );
                RawRow {
                    number,
                    cells: Cells::Xlsx(out),
                }
            })
            .collect();
        Ok(XlsxSheet {
            path: path.to_path_buf(),
            sheet_name: name,
            headers,
            rows,
        })
    }

    pub fn into_chunks(
        self,
        chunk: usize,
        mut f: impl FnMut(Vec<RawRow>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut rows = self.rows.into_iter();
        loop {
            let part: Vec<RawRow> = rows.by_ref().take(chunk).collect();
            if part.is_empty() {
                return Ok(());
            }
            f(part)?;
        }
    }
}

fn is_blank(c: &Data) -> bool {
    match c {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn last_filled(cells: &[Data]) -> usize {
    cells
        .iter()
        .rposition(|c| !is_blank(c))
        .map_or(0, |i| i + 1)
}

/// A cell as text, the way Excel shows it.
fn cell(c: &Data) -> Cell {
    let (text, kind) = match c {
        Data::Empty => (String::new(), CellKind::Text),
        Data::String(s) => (s.clone(), CellKind::Text),
        Data::Int(i) => (i.to_string(), CellKind::Number),
        Data::Float(f) => (number_text(*f), CellKind::Number),
        Data::Bool(b) => (
            (if *b { "TRUE" } else { "FALSE" }).to_owned(),
            CellKind::Bool,
        ),
        Data::DateTime(dt) if dt.is_datetime() => match dt.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => {
                (t.format("%Y-%m-%d").to_string(), CellKind::Date)
            }
            Some(t) => (t.format("%Y-%m-%d %H:%M:%S").to_string(), CellKind::Date),
            None => (number_text(dt.as_f64()), CellKind::Number),
        },
        Data::DateTime(dt) => (number_text(dt.as_f64()), CellKind::Number),
        Data::DateTimeIso(s) => (s.replacen('T', " ", 1), CellKind::Date),
        Data::DurationIso(s) => (s.clone(), CellKind::Text),
        Data::Error(e) => (e.to_string(), CellKind::Error),
    };
    Cell { text, kind }
}

/// The decimal text of an XLSX number as Excel shows it: Excel keeps 15 significant digits,
/// so the binary float `1234.12` (really 1234.1199999999998…) reads as exactly `1234.12`.
pub fn number_text(f: f64) -> String {
    let shortest = format!("{f}");
    match Decimal::from_str(&shortest) {
        Ok(d) => d.round_sf(15).unwrap_or(d).normalize().to_string(),
        Err(_) => shortest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_excel_shows_them() {
        assert_eq!(number_text(1234.12), "1234.12");
        assert_eq!(number_text(0.1 + 0.2), "0.3");
        assert_eq!(number_text(51234567890.0), "51234567890");
        assert_eq!(number_text(100.0), "100");
        assert_eq!(number_text(-5.5), "-5.5");
        // 16 digits cannot survive: Excel shows the first 15.
        assert_eq!(number_text(4655413107713609.0), "4655413107713610");
    }
}
