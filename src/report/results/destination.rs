//! Where results and a report may go, and what a results file can hold: checked before
//! anything is read or sent, so that a run never stops half-way for a file it cannot write.

use std::path::Path;

use super::super::RESULT_COLUMNS;
use crate::Error;
use crate::sheet::Format;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xlsx_capacity_is_checked_before_anything_is_sent() {
        let p = Path::new("r.xlsx");
        assert!(check_capacity(p, Format::Xlsx, XLSX_ROWS_MAX - 1, 30).is_ok());
        let err = check_capacity(p, Format::Xlsx, XLSX_ROWS_MAX, 30).unwrap_err();
        assert!(err.to_string().contains("at most 1048575 rows"), "{err}");
        assert!(check_capacity(p, Format::Xlsx, 10, 16_380).is_err());
        assert!(check_capacity(p, Format::Csv, XLSX_ROWS_MAX * 2, 16_380).is_ok());
    }
}
