//! A results row: the tool's columns for one input row, and where they start in a file read
//! back.

use super::super::{RESULT_COLUMNS, Status};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
