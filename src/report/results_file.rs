//! A results file read back: the commands that work on what `submit` wrote (`status`,
//! `cancel`) read the sheet's own columns and each row's `result_*` columns from it, change
//! some rows, and write it again in place (atomically, through [`super::ResultsWriter`]).

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

use super::{RESULT_COLUMNS, RowResult, Status};
use crate::Error;
use crate::currency::Currency;
use crate::rows::{HeaderMap, Kind};
use crate::sheet::{Cells, RawRow, ReadOptions, Sheet};
use crate::validate::{Context, Rules, validate_row};

/// A results file: the sheet's columns (mapped as `validate` maps them), then the tool's.
pub struct ResultsFile {
    pub path: PathBuf,
    pub sheet: Sheet,
    /// The header map of the sheet's own columns.
    pub map: HeaderMap,
    /// How many of the columns are the sheet's own.
    pub width: usize,
    /// Every data row, numbered by its `result_row` (the row as a person sees it).
    pub rows: Vec<RawRow>,
}

impl ResultsFile {
    /// Reads `path`, refusing a file whose last columns are not the tool's.
    pub fn open(path: &Path, kind: Option<Kind>) -> Result<ResultsFile, Error> {
        let sheet = Sheet::open(path, &ReadOptions::default())?;
        let headers = sheet.headers().to_vec();
        // A file from before `result_utr` and `result_retry` is read too, and rewritten with them.
        let Some(width) = super::original_width(&headers) else {
            return Err(Error::format(
                path,
                format!(
                    "is not a results file: its last columns must be {}",
                    RESULT_COLUMNS.join(", ")
                ),
            ));
        };
        let map = HeaderMap::build(path, &headers[..width], kind)?;
        let mut rows: Vec<RawRow> = Vec::new();
        sheet.scan(|r| rows.push(r.clone()))?;
        let mut file = ResultsFile {
            path: path.to_path_buf(),
            sheet,
            map,
            width,
            rows,
        };
        for i in 0..file.rows.len() {
            if let Ok(number) = file.cell(&file.rows[i], 0).parse::<u64>() {
                file.rows[i].number = number;
            }
        }
        Ok(file)
    }

    /// The text of the `i`-th result column of `row`, trimmed.
    fn cell(&self, row: &RawRow, i: usize) -> String {
        row.get(self.width + i)
            .map_or("", |c| c.text.trim())
            .to_owned()
    }

    /// The row's `result_*` columns; an unreadable status names the file and row.
    pub fn result(&self, row: &RawRow) -> Result<RowResult, Error> {
        let status = Status::parse(&self.cell(row, 1)).ok_or_else(|| {
            Error::format(
                &self.path,
                format!(
                    "row {}: result_status '{}' is not a status",
                    row.number,
                    self.cell(row, 1)
                ),
            )
        })?;
        Ok(RowResult {
            status,
            codes: self.cell(row, 2),
            message: self.cell(row, 3),
            reference: self.cell(row, 4),
            link: self.cell(row, 5),
            utr: self.cell(row, 6),
        })
    }

    /// The row's own reference (`merchantRefId` or `extPayoutId`), empty if it has none.
    pub fn reference(&self, row: &RawRow) -> String {
        self.map
            .column(self.map.kind.reference_field())
            .and_then(|c| row.get(c))
            .map_or("", |c| c.text.trim())
            .to_owned()
    }

    /// The amount the row moves, read as `validate` reads it.
    pub fn amount(&self, row: &RawRow) -> Option<(Decimal, Currency)> {
        let ctx = Context {
            rules: Rules::default(),
            now: chrono::Utc::now(),
            duplicates: Default::default(),
        };
        validate_row(&ctx, &self.map, &self.original(row)).amount
    }

    /// The row without its result cells.
    fn original(&self, raw: &RawRow) -> RawRow {
        let mut r = raw.clone();
        if let Cells::Csv(record) = &raw.cells {
            r.cells = Cells::Csv(record.iter().take(self.width).collect());
        } else if let Cells::Xlsx(cells) = &mut r.cells {
            cells.set_len(self.width.min(cells.len()));
        }
        r
    }
}
