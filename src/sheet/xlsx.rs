//! XLSX sheets through calamine: the first visible worksheet (or `--sheet`), cached formula
//! values, error cells, dates as ISO text, numbers as Excel shows them.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use calamine::{DataRef, Reader, SheetType, SheetVisible, Xlsx, open_workbook};
use rust_decimal::Decimal;

use super::{CellKind, Cells, Chunk, RawRow, ReadOptions, XlsxCells, read_in_chunks};
use crate::Error;

/// An XLSX worksheet whose header has been read. Its rows are streamed from the workbook on
/// demand, never held all at once.
pub struct XlsxSheet {
    pub path: PathBuf,
    pub sheet_name: String,
    pub headers: Vec<String>,
    /// The header's Excel row number.
    header_number: u64,
    /// The workbook as opened for the header, kept for the first read of the rows: opening
    /// parses the shared strings, which is worth doing once.
    opened: std::sync::Mutex<Option<Box<Workbook>>>,
}

type Workbook = Xlsx<BufReader<File>>;

fn open_workbook_at(path: &Path) -> Result<Workbook, Error> {
    open_workbook(path).map_err(|e| Error::format(path, format!("cannot open the workbook: {e}")))
}

impl XlsxSheet {
    pub fn open(path: &Path, opts: &ReadOptions) -> Result<XlsxSheet, Error> {
        if opts.encoding.is_some() {
            return Err(Error::Usage(format!(
                "{}: --encoding applies to CSV files; an XLSX workbook carries its own",
                path.display()
            )));
        }
        super::limits::xlsx_parts(path)?;
        let mut workbook = open_workbook_at(path)?;
        let sheets = workbook.sheets_metadata().to_vec();
        let name = match &opts.sheet {
            Some(wanted) => sheets
                .iter()
                .find(|s| &s.name == wanted)
                .or_else(|| sheets.iter().find(|s| s.name.eq_ignore_ascii_case(wanted)))
                .map(|s| s.name.clone())
                .ok_or_else(|| {
                    let names: Vec<String> = sheet_names(sheets.iter().map(|s| s.name.as_str()));
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
        // The header is the first row with something in it.
        let mut header: Option<(u64, Vec<String>)> = None;
        stream_rows(&mut workbook, &name, path, |number, cells| {
            let width = cells.filled_len();
            if width == 0 {
                return true;
            }
            let texts = (0..width)
                .filter_map(|i| cells.get(i))
                .map(|c| c.text.to_owned());
            header = Some((number, texts.collect()));
            false
        })?;
        if let Some((_, headers)) = &header {
            super::limits::columns(path, headers.len())?;
        }
        let Some((header_number, headers)) = header else {
            let others = sheet_names(
                sheets
                    .iter()
                    .filter(|s| s.name != name && s.typ == SheetType::WorkSheet)
                    .map(|s| s.name.as_str()),
            );
            if others.is_empty() {
                return Err(Error::NoHeader {
                    path: path.to_path_buf(),
                });
            }
            return Err(Error::format(
                path,
                format!(
                    "sheet '{}' is empty; the workbook also has {}: name one with --sheet",
                    crate::text::quoted(&name),
                    others.join(", ")
                ),
            ));
        };
        Ok(XlsxSheet {
            path: path.to_path_buf(),
            sheet_name: name,
            headers,
            header_number,
            opened: std::sync::Mutex::new(Some(Box::new(workbook))),
        })
    }

    /// Streams the data rows after the header, skipping blank ones, as row number and cells
    /// (which `f` may swap for another buffer); `f` returns false to stop.
    fn each_row(&self, mut f: impl FnMut(u64, &mut XlsxCells) -> bool) -> Result<(), Error> {
        let kept = self.opened.lock().map(|mut w| w.take()).unwrap_or(None);
        let mut workbook = match kept {
            Some(w) => w,
            None => Box::new(open_workbook_at(&self.path)?),
        };
        let width = self.headers.len();
        stream_rows(
            &mut workbook,
            &self.sheet_name,
            &self.path,
            |number, cells| {
                if number <= self.header_number {
                    return true;
                }
                let filled = cells.filled_len();
                if filled == 0 {
                    return true;
                }
                // Cells past the header's last column are kept only when they hold something.
                cells.set_len(width.max(filled));
                f(number, cells)
            },
        )
    }

    pub fn scan(&self, mut f: impl FnMut(&RawRow)) -> Result<(), Error> {
        let mut row = RawRow {
            number: 0,
            cells: Cells::Xlsx(XlsxCells::default()),
        };
        self.each_row(|number, cells| {
            let Cells::Xlsx(mine) = &mut row.cells else {
                unreachable!("an XLSX row holds XLSX cells")
            };
            std::mem::swap(mine, cells);
            row.number = number;
            f(&row);
            let Cells::Xlsx(mine) = &mut row.cells else {
                unreachable!("an XLSX row holds XLSX cells")
            };
            std::mem::swap(mine, cells);
            true
        })
    }

    /// Hands the rows to `f` in chunks, read on a second thread while `f` works; as for CSV,
    /// the buffers of dropped chunks are reused.
    pub fn into_chunks(
        self,
        chunk: usize,
        f: impl FnMut(Chunk) -> Result<(), Error>,
    ) -> Result<(), Error> {
        read_in_chunks(
            chunk,
            |filler| {
                self.each_row(|number, cells| {
                    let row = filler.slot(|| RawRow {
                        number: 0,
                        cells: Cells::Xlsx(XlsxCells::default()),
                    });
                    let Cells::Xlsx(slot) = &mut row.cells else {
                        unreachable!("an XLSX sheet's rows hold XLSX cells")
                    };
                    std::mem::swap(slot, cells);
                    row.number = number;
                    filler.keep()
                })
            },
            f,
        )
    }
}

/// Sheet names as a message lists them: quoted, each cut to 60 characters, at most 20.
fn sheet_names<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let all: Vec<&str> = names.collect();
    let mut shown: Vec<String> = all
        .iter()
        .take(20)
        .map(|n| format!("'{}'", crate::text::quoted(n)))
        .collect();
    if all.len() > 20 {
        shown.push(format!("and {} more", all.len() - 20));
    }
    shown
}

/// Calls `f` with each row's Excel row number and its cells from column A, in order, as
/// calamine streams them; `f` returns false to stop. Within a row a worksheet lists each
/// cell once, left to right; a cell listed again for a column already passed is ignored.
fn stream_rows(
    workbook: &mut Workbook,
    name: &str,
    path: &Path,
    mut f: impl FnMut(u64, &mut XlsxCells) -> bool,
) -> Result<(), Error> {
    let shown = crate::text::quoted(name);
    let unreadable = |e: calamine::XlsxError| {
        // calamine's errors can quote the XML they stopped at: a few hundred characters of it.
        let mut why = e.to_string();
        if let Some((cut, _)) = why.char_indices().nth(300) {
            why.truncate(cut);
            why.push('…');
        }
        Error::format(path, format!("cannot read sheet '{shown}': {why}"))
    };
    let mut reader = workbook.worksheet_cells_reader(name).map_err(unreadable)?;
    let mut current: Option<u32> = None;
    let mut cells = XlsxCells::default();
    while let Some(c) = reader.next_cell().map_err(unreadable)? {
        let (row, col) = c.get_position();
        if current != Some(row) {
            if let Some(done) = current
                && !f(u64::from(done) + 1, &mut cells)
            {
                return Ok(());
            }
            cells.clear();
            current = Some(row);
        }
        let col = col as usize;
        // A cell far to the right would make every row that wide: past the limit it stops
        // the read, unless it is empty (a formatted blank cell).
        if col >= super::limits::MAX_COLUMNS {
            if matches!(c.get_value(), DataRef::Empty) {
                continue;
            }
            return Err(Error::format(
                path,
                format!(
                    "sheet '{shown}' has a value in row {} column {}, past the {} columns the tool reads",
                    row + 1,
                    col + 1,
                    super::limits::MAX_COLUMNS
                ),
            ));
        }
        if col >= cells.len() {
            cells.set_len(col);
            push_cell(&mut cells, c.get_value());
        }
    }
    if let Some(done) = current {
        f(u64::from(done) + 1, &mut cells);
    }
    Ok(())
}

/// Appends a cell as text, the way Excel shows it.
fn push_cell(cells: &mut XlsxCells, c: &DataRef) {
    use std::fmt::Write as _;
    match c {
        DataRef::Empty => cells.push_with(CellKind::Text, |_| {}),
        DataRef::String(s) => cells.push_with(CellKind::Text, |t| t.push_str(s)),
        DataRef::SharedString(s) => cells.push_with(CellKind::Text, |t| t.push_str(s)),
        DataRef::Int(i) => cells.push_with(CellKind::Number, |t| {
            let _ = write!(t, "{i}");
        }),
        DataRef::Float(f) => cells.push_with(CellKind::Number, |t| push_number_text(t, *f)),
        DataRef::Bool(b) => cells.push_with(CellKind::Bool, |t| {
            t.push_str(if *b { "TRUE" } else { "FALSE" })
        }),
        DataRef::DateTime(dt) => match dt.as_datetime().filter(|_| dt.is_datetime()) {
            Some(at) => cells.push_with(CellKind::Date, |t| {
                let shape = if at.time() == chrono::NaiveTime::MIN {
                    "%Y-%m-%d"
                } else {
                    "%Y-%m-%d %H:%M:%S"
                };
                let _ = write!(t, "{}", at.format(shape));
            }),
            None => cells.push_with(CellKind::Number, |t| push_number_text(t, dt.as_f64())),
        },
        DataRef::DateTimeIso(s) => {
            cells.push_with(CellKind::Date, |t| t.push_str(&s.replacen('T', " ", 1)))
        }
        DataRef::DurationIso(s) => cells.push_with(CellKind::Text, |t| t.push_str(s)),
        DataRef::Error(e) => cells.push_with(CellKind::Error, |t| {
            let _ = write!(t, "{e}");
        }),
    }
}

/// The decimal text of an XLSX number as Excel shows it: Excel keeps 15 significant digits,
/// so the binary float `1234.12` (really 1234.1199999999998…) reads as exactly `1234.12`.
pub fn number_text(f: f64) -> String {
    let mut text = String::new();
    push_number_text(&mut text, f);
    text
}

/// [`number_text`], appended to `out` without a string of its own.
fn push_number_text(out: &mut String, f: f64) {
    use std::fmt::Write as _;
    let start = out.len();
    let _ = write!(out, "{f}");
    // The shortest text that reads back as `f` is already what Excel shows when it has at
    // most 15 digits, as amounts do (zero aside: `-0` shows as `0`).
    let digits = out.as_bytes()[start..]
        .iter()
        .filter(|b| b.is_ascii_digit())
        .count();
    if digits <= 15 && f != 0.0 {
        return;
    }
    let shortest = out.split_off(start);
    match Decimal::from_str(&shortest) {
        Ok(d) => {
            let _ = write!(out, "{}", d.round_sf(15).unwrap_or(d).normalize());
        }
        Err(_) => out.push_str(&shortest),
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
        assert_eq!(number_text(-0.0), "0");
        assert_eq!(number_text(1e20), "100000000000000000000");
    }

    /// The definition: the shortest text that reads back as `f`, rounded to 15 significant
    /// digits as a decimal.
    fn number_text_by_decimal(f: f64) -> String {
        let shortest = format!("{f}");
        match Decimal::from_str(&shortest) {
            Ok(d) => d.round_sf(15).unwrap_or(d).normalize().to_string(),
            Err(_) => shortest,
        }
    }

    use proptest::strategy::Strategy as _;

    proptest::proptest! {
        #[test]
        fn the_quick_way_agrees_with_the_definition(
            f in proptest::prop_oneof![
                proptest::num::f64::ANY,
                (-1_000_000_000i64..1_000_000_000, 0u32..6)
                    .prop_map(|(m, s)| m as f64 / 10f64.powi(s as i32)),
            ],
            prefix in "[a-z]{0,3}",
        ) {
            let mut out = prefix.clone();
            push_number_text(&mut out, f);
            proptest::prop_assert_eq!(out, prefix + &number_text_by_decimal(f));
        }
    }
}
