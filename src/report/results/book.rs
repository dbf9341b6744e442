//! The XLSX results workbook and its looks: the rows sheet streamed, its header bold, frozen
//! and filtered, its columns fitted, each status coloured; the Summary sheet added at save.

use std::path::Path;

use rust_xlsxwriter::{
    Color, ConditionalFormatCell, ConditionalFormatCellRule, Format as XlsxFormat, Workbook,
    XlsxError,
};
use tempfile::NamedTempFile;

use super::super::{RESULT_COLUMNS, Status};
use super::cell::{ColumnRole, fit_cell};
use super::summary_sheet::{RunFacts, summary_sheet};
use crate::Error;
use crate::sheet::{CellKind, RawRow};

/// The widest a column of the rows sheet is made, in characters: a long message is read in
/// the cell itself (or the formula bar), rather than pushing the next columns off the page.
pub const MAX_WIDTH: u32 = 60;

/// A light fill with dark text for each kind of status: the Excel "good", "bad" and
/// "neutral" styles, and a grey. Every fill is light (85–91% luminance) and every text dark,
/// so a grey printout still reads; the status word itself says the rest.
pub(super) fn status_look(status: Status) -> XlsxFormat {
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
pub(super) struct Book {
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
    pub(super) fn create(
        path: &Path,
        headers: &[&str],
        roles: &[ColumnRole],
    ) -> Result<Book, Error> {
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
    pub(super) fn write_row(
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
            let t = role.shown(text);
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
    pub(super) fn save(
        mut self,
        path: &Path,
        facts: &RunFacts,
        codes: &[(String, u64)],
    ) -> Result<NamedTempFile, Error> {
        let e = |e| xlsx_error(path, e);
        self.finish_rows_sheet().map_err(e)?;
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
        self.workbook.save_to_writer(&mut out).map_err(e)?;
        out.into_inner()
            .map_err(|e| Error::write(path, e.error()))?
            .sync_all()
            .map_err(|e| Error::write(path, e))?;
        Ok(temp)
    }

    /// What the rows sheet gets once every row is in: the widths, the filter, the status
    /// colours and the page.
    fn finish_rows_sheet(&mut self) -> Result<(), XlsxError> {
        let sheet = self.workbook.worksheet_from_index(0)?;
        let last_col = (self.widths.len() - 1) as u16;
        for (col, w) in self.widths.iter().enumerate() {
            sheet.set_column_width(col as u16, (*w).clamp(4, MAX_WIDTH))?;
        }
        sheet.autofilter(0, 0, self.row - 1, last_col)?;
        // The status cells are coloured by one conditional format per status over the
        // column, not a format per cell: rust_xlsxwriter hashes a cell's format on every
        // write, a twentieth of the writer's time. A status edited by hand recolours too.
        if self.row > 1 {
            for status in Status::ALL {
                let rule = ConditionalFormatCell::new()
                    .set_rule(ConditionalFormatCellRule::EqualTo(status.as_str()))
                    .set_format(status_look(status));
                let (first, last) = (1, self.row - 1);
                sheet.add_conditional_format(
                    first,
                    self.status_col,
                    last,
                    self.status_col,
                    &rule,
                )?;
            }
        }
        // Printed, the result columns stay on the page of their row: landscape, every
        // column on one page across, the header on every page.
        sheet.set_landscape();
        sheet.set_print_fit_to_pages(1, 0);
        sheet.set_repeat_rows(0, 0)?;
        Ok(())
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

fn xlsx_error(path: &Path, e: XlsxError) -> Error {
    Error::write(path, format!("cannot write the workbook: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_count_characters_not_bytes() {
        let mut w = 3;
        widen(&mut w, "ab");
        assert_eq!(w, 3);
        widen(&mut w, "Łódź Kraków");
        assert_eq!(w, 12);
    }
}
