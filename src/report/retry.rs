//! The retry sheet: from a results file, the rows that need another attempt, as a sheet of
//! the input's own columns (no `result_*` columns) that `submit` takes as it took the first.
//!
//! What goes in, and why:
//! - `FAILED` rows whose code allows another try, their reference (`merchantRefId`,
//!   `extPayoutId`) given a suffix `-R1` (`X-R1` becomes `X-R2`): PayU keeps a failed
//!   reference, and a second payout needs a reference of its own. A new reference that would
//!   pass PayU's limit (40 characters; 64 for `extPayoutId`), or that the file already uses,
//!   takes the next number; past the limit the row is refused, with its reason.
//! - `NOT_SENT` rows as they were: PayU never saw them.
//!
//! What stays out: `SUCCESS` (paid), `PENDING` (PayU has it: wait), `UNKNOWN` (sent without
//! an answer: `payu-bulk status` first, never a resend by hand), `INVALID` and `VALID` (never
//! tried: fix or submit the sheet itself), and `FAILED` rows whose code says another payout
//! would be wrong: [`BLOCKING`].
//!
//! A CSV results file writes a cell that a spreadsheet would take for a formula with a
//! leading `'`; the retry sheet gives such cells back as the input had them. A card number
//! is masked in the results, so a row paying a card cannot be rebuilt from them: refused.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Format as XlsxFormat, Workbook};

use super::{CsvStyle, Status};
use crate::Error;
use crate::rows::{HeaderMap, Identifier, Kind};
use crate::sheet::{CellKind, Format, RawRow, sibling_path};

/// Codes of a `FAILED` row that keep it out of the retry sheet, with the reason printed.
pub const BLOCKING: [(&str, &str); 13] = [
    ("CANCELLED", "cancelled on purpose"),
    ("REJECTED", "rejected by an approver"),
    ("1122", "the link was cancelled"),
    ("1123", "the link was rejected"),
    (
        "REVERSED",
        "the bank sent the money back: check the account before paying again",
    ),
    (
        "1002",
        "PayU says the transfer exists: another would pay twice",
    ),
    ("1103", "PayU says the link exists: another would pay twice"),
    (
        "1115",
        "PayU says the request exists: another would pay twice",
    ),
    ("1125", "PayU says the link exists: another would pay twice"),
    (
        "8356",
        "PayU says the payout exists: another would pay twice",
    ),
    (
        "1118",
        "the payee has filled in the link's details already: it is being paid",
    ),
    (
        "REF_REUSED",
        "the reference was paid before with another amount or destination",
    ),
    ("POSSIBLE_REPEAT", "it looks like a payment made before"),
];

/// The longest reference PayU takes for a kind (`merchantRefId` 40, `extPayoutId` 64).
pub fn reference_limit(kind: Kind) -> usize {
    match kind {
        Kind::Payout | Kind::SmartSend => 40,
        Kind::GlobalPayout => 64,
    }
}

/// The reference after `reference`: `X` → `X-R1`, `X-R1` → `X-R2`.
pub fn next_reference(reference: &str) -> String {
    if let Some((stem, n)) = reference.rsplit_once("-R")
        && !stem.is_empty()
        && !n.is_empty()
        && n.bytes().all(|b| b.is_ascii_digit())
        && !n.starts_with('0')
        && let Ok(n) = n.parse::<u64>()
        && let Some(next) = n.checked_add(1)
    {
        return format!("{stem}-R{next}");
    }
    format!("{reference}-R1")
}

/// Why a `FAILED` row with `codes` must not be tried again, if it must not.
pub fn blocking_reason(codes: &str) -> Option<(&'static str, &'static str)> {
    codes
        .split(';')
        .map(str::trim)
        .find_map(|c| BLOCKING.iter().find(|(b, _)| *b == c).copied())
}

/// What becomes of one row of a results file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Into the retry sheet, with a new reference (FAILED) or as it was (NOT_SENT).
    Again { reference: Option<String> },
    /// Left out, for this reason (counted in the printout).
    LeftOut(String),
    /// It needs another attempt but cannot have one from this file: why, in a sentence.
    Refused(String),
}

/// Decides one row. `taken` holds every reference the file uses and the new ones given so
/// far; a new reference is added to it.
pub fn decide(
    status: Status,
    codes: &str,
    reference: &str,
    limit: usize,
    taken: &mut HashSet<String>,
) -> Decision {
    match status {
        Status::NotSent => Decision::Again { reference: None },
        Status::Failed => {
            if let Some((code, why)) = blocking_reason(codes) {
                return Decision::LeftOut(format!("FAILED with {code} ({why})"));
            }
            if reference.is_empty() {
                return Decision::Refused(
                    "it is FAILED but has no reference to give a suffix to".to_owned(),
                );
            }
            let mut next = next_reference(reference);
            while taken.contains(&next) && next.chars().count() <= limit {
                next = next_reference(&next);
            }
            if next.chars().count() > limit {
                return Decision::Refused(format!(
                    "its new reference '{next}' would be {} characters, over PayU's {limit}: copy the row by hand with a shorter reference",
                    next.chars().count()
                ));
            }
            taken.insert(next.clone());
            Decision::Again {
                reference: Some(next),
            }
        }
        Status::Success => Decision::LeftOut("SUCCESS (paid)".to_owned()),
        Status::Pending => Decision::LeftOut(
            "PENDING (PayU has it and it is not final: wait, then run `payu-bulk status`)"
                .to_owned(),
        ),
        Status::Unknown => Decision::LeftOut(
            "UNKNOWN (sent without a definitive answer: run `payu-bulk status` first, never resend by hand)"
                .to_owned(),
        ),
        Status::Invalid => Decision::LeftOut(
            "INVALID (never sent: fix the cell and run the sheet again)".to_owned(),
        ),
        Status::Valid => Decision::LeftOut(
            "VALID (only validated, never sent: submit the sheet itself)".to_owned(),
        ),
    }
}

/// One cell of the retry sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub kind: CellKind,
}

/// The retry sheet of a results file, and what was left out.
#[derive(Debug, Default)]
pub struct Retry {
    /// The sheet's headers, as the input had them.
    pub headers: Vec<String>,
    /// The rows to try again, each with its cells in the input's column order.
    pub rows: Vec<Vec<Cell>>,
    /// How many of them are FAILED rows with a new reference.
    pub renamed: u64,
    /// How many are NOT_SENT rows, as they were.
    pub as_they_were: u64,
    /// Rows left out, by reason.
    pub left_out: BTreeMap<String, u64>,
    /// Rows that need another attempt and cannot have it from this file, each in a sentence
    /// naming its row.
    pub refused: Vec<String>,
}

/// A CSV results cell as the input had it: the `'` that kept a formula-like cell text is
/// taken off again.
fn as_input(text: &str) -> &str {
    match text.as_bytes() {
        [b'\'', b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r', ..] => &text[1..],
        _ => text,
    }
}

/// Builds the retry sheet from a results file's rows. `width` is the number of the sheet's
/// own columns (see [`super::original_width`]); `map` describes them; `csv`: the results file
/// is CSV (whose formula-like cells carry a leading `'`).
pub fn build(
    path: &Path,
    headers: &[String],
    width: usize,
    map: &HeaderMap,
    rows: &[RawRow],
    csv: bool,
) -> Result<Retry, Error> {
    let text = |raw: &RawRow, col: usize| -> String {
        let t = raw.get(col).map_or("", |c| c.text);
        if csv { as_input(t) } else { t }.to_owned()
    };
    let result = |raw: &RawRow, i: usize| text(raw, width + i).trim().to_owned();
    let reference_col = map.column(map.kind.reference_field());
    let masked_cols: Vec<usize> = (0..width)
        .filter(|&c| {
            map.field_of_column(c)
                .is_some_and(|f| map.kind.fields()[f].masked)
        })
        .collect();
    let mut taken: HashSet<String> = match reference_col {
        Some(c) => rows.iter().map(|r| text(r, c).trim().to_owned()).collect(),
        None => HashSet::new(),
    };
    let limit = reference_limit(map.kind);
    let mut retry = Retry {
        headers: headers[..width]
            .iter()
            .map(|h| if csv { as_input(h) } else { h }.to_owned())
            .collect(),
        ..Retry::default()
    };
    for raw in rows {
        let number = result(raw, 0);
        let status_text = result(raw, 1);
        let status = Status::parse(&status_text).ok_or_else(|| {
            Error::format(
                path,
                format!(
                    "row {}: result_status '{status_text}' is not a status",
                    raw.number
                ),
            )
        })?;
        let reference = reference_col.map_or(String::new(), |c| text(raw, c).trim().to_owned());
        let decision = match decide(status, &result(raw, 2), &reference, limit, &mut taken) {
            Decision::Again { .. }
                if masked_cols
                    .iter()
                    .any(|&c| raw.get(c).is_some_and(|cell| cell.text.contains('*'))) =>
            {
                Decision::Refused(
                    "its card number is masked in the results file (first 6 and last 4 digits): copy the row from the original sheet".to_owned(),
                )
            }
            d => d,
        };
        match decision {
            Decision::Again { reference: new } => {
                let mut cells: Vec<Cell> = (0..width)
                    .map(|c| Cell {
                        text: text(raw, c),
                        kind: raw.get(c).map_or(CellKind::Text, |cell| cell.kind),
                    })
                    .collect();
                match (new, reference_col) {
                    (Some(new), Some(c)) => {
                        cells[c] = Cell {
                            text: new,
                            kind: CellKind::Text,
                        };
                        retry.renamed += 1;
                    }
                    _ => retry.as_they_were += 1,
                }
                retry.rows.push(cells);
            }
            Decision::LeftOut(why) => *retry.left_out.entry(why).or_default() += 1,
            Decision::Refused(why) => {
                let row = if number.is_empty() {
                    raw.number.to_string()
                } else {
                    number
                };
                retry.refused.push(format!("row {row}: {why}"));
            }
        }
    }
    Ok(retry)
}

/// Where the retry sheet of `results` goes by default: beside it, `<stem>.retry.<ext>`, the
/// `.results` of its stem left off (`pay.results.csv` → `pay.retry.csv`).
pub fn default_path(results: &Path, format: Format) -> PathBuf {
    let ext = match format {
        Format::Csv => results
            .extension()
            .and_then(|e| e.to_str())
            .filter(|e| Format::from_extension(Path::new(&format!("x.{e}"))) == Some(Format::Csv))
            .unwrap_or("csv")
            .to_owned(),
        Format::Xlsx => "xlsx".to_owned(),
    };
    let stem = results
        .file_stem()
        .and_then(|s| s.to_str())
        .and_then(|s| s.strip_suffix(".results"))
        .map(|s| results.with_file_name(format!("{s}.{ext}")))
        .unwrap_or_else(|| results.to_path_buf());
    sibling_path(&stem, "retry", &ext)
}

/// Writes the retry sheet atomically (a temporary file in the same folder, then a rename).
/// CSV mirrors the results file's delimiter, line ends and byte-order mark; XLSX writes
/// identifier columns as Text and their cells as strings, numbers as numbers.
pub fn write(
    path: &Path,
    format: Format,
    style: CsvStyle,
    map: &HeaderMap,
    retry: &Retry,
) -> Result<(), Error> {
    let dir = crate::sheet::folder_of(path);
    let temp = tempfile::Builder::new()
        .suffix(match format {
            Format::Csv => ".csv",
            Format::Xlsx => ".xlsx",
        })
        .tempfile_in(&dir)
        .map_err(|e| {
            Error::write(
                path,
                format!("cannot create a file in {}: {e}", dir.display()),
            )
        })?;
    let file = temp.reopen().map_err(|e| Error::write(path, e))?;
    match format {
        Format::Csv => {
            let mut out = std::io::BufWriter::new(file);
            if style.bom {
                std::io::Write::write_all(&mut out, b"\xEF\xBB\xBF")
                    .map_err(|e| Error::write(path, e))?;
            }
            let mut w = csv::WriterBuilder::new()
                .delimiter(style.delimiter)
                .terminator(if style.crlf {
                    csv::Terminator::CRLF
                } else {
                    csv::Terminator::Any(b'\n')
                })
                .from_writer(out);
            w.write_record(&retry.headers)
                .map_err(|e| Error::write(path, e))?;
            for row in &retry.rows {
                w.write_record(row.iter().map(|c| c.text.as_str()))
                    .map_err(|e| Error::write(path, e))?;
            }
            let out = w.into_inner().map_err(|e| Error::write(path, e.error()))?;
            out.into_inner()
                .map_err(|e| Error::write(path, e.error()))?
                .sync_all()
                .map_err(|e| Error::write(path, e))?;
        }
        Format::Xlsx => {
            let xe = |e: rust_xlsxwriter::XlsxError| {
                Error::write(path, format!("cannot write the workbook: {e}"))
            };
            let mut book = Workbook::new();
            let sheet = book.add_worksheet();
            sheet.set_name("retry").map_err(xe)?;
            let bold = XlsxFormat::new().set_bold();
            let text = XlsxFormat::new().set_num_format("@");
            let identifier: Vec<bool> = (0..retry.headers.len())
                .map(|c| {
                    map.field_of_column(c).is_some_and(|f| {
                        let spec = &map.kind.fields()[f];
                        spec.identifier != Identifier::No || spec.masked
                    })
                })
                .collect();
            for (c, is_id) in identifier.iter().enumerate() {
                if *is_id {
                    sheet.set_column_format(c as u16, &text).map_err(xe)?;
                }
            }
            for (c, h) in retry.headers.iter().enumerate() {
                sheet
                    .write_string_with_format(0, c as u16, h, &bold)
                    .map_err(xe)?;
            }
            for (r, row) in retry.rows.iter().enumerate() {
                let r = (r + 1) as u32;
                for (c, cell) in row.iter().enumerate() {
                    if cell.text.is_empty() {
                        continue;
                    }
                    let col = c as u16;
                    let number = (cell.kind == CellKind::Number && !identifier[c])
                        .then(|| cell.text.parse::<f64>().ok())
                        .flatten();
                    match (number, cell.kind) {
                        (Some(v), _) => sheet.write_number(r, col, v),
                        (None, CellKind::Bool) if !identifier[c] => {
                            sheet.write_boolean(r, col, cell.text == "TRUE")
                        }
                        _ => sheet.write_string(r, col, &cell.text),
                    }
                    .map_err(xe)?;
                }
            }
            sheet.set_freeze_panes(1, 0).map_err(xe)?;
            sheet.set_autofit_max_width(400).autofit();
            let mut out = std::io::BufWriter::new(file);
            book.save_to_writer(&mut out).map_err(xe)?;
            out.into_inner()
                .map_err(|e| Error::write(path, e.error()))?
                .sync_all()
                .map_err(|e| Error::write(path, e))?;
        }
    }
    temp.persist(path)
        .map_err(|e| Error::write(path, e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_take_the_next_suffix() {
        assert_eq!(next_reference("PAY-001"), "PAY-001-R1");
        assert_eq!(next_reference("PAY-001-R1"), "PAY-001-R2");
        assert_eq!(next_reference("PAY-001-R9"), "PAY-001-R10");
        // Not a suffix of ours: a number with a leading zero, no number, nothing before.
        assert_eq!(next_reference("X-R01"), "X-R01-R1");
        assert_eq!(next_reference("X-R"), "X-R-R1");
        assert_eq!(next_reference("-R3"), "-R3-R1");
    }

    #[test]
    fn each_status_is_decided() {
        let mut taken = HashSet::new();
        let mut d = |s, codes: &str, r: &str| decide(s, codes, r, 40, &mut taken);
        assert_eq!(
            d(Status::Failed, "FAILED", "A"),
            Decision::Again {
                reference: Some("A-R1".into())
            }
        );
        assert_eq!(
            d(Status::NotSent, "", "B"),
            Decision::Again { reference: None }
        );
        for s in [
            Status::Success,
            Status::Pending,
            Status::Unknown,
            Status::Invalid,
            Status::Valid,
        ] {
            assert!(matches!(d(s, "", "C"), Decision::LeftOut(_)), "{s}");
        }
        for code in ["CANCELLED", "REVERSED", "8356", "1002;1004"] {
            assert!(
                matches!(d(Status::Failed, code, "D"), Decision::LeftOut(_)),
                "{code}"
            );
        }
        assert!(matches!(d(Status::Failed, "", ""), Decision::Refused(_)));
    }

    #[test]
    fn a_new_reference_never_passes_the_limit_nor_repeats_one_in_use() {
        let mut taken: HashSet<String> = ["A-R1".to_owned()].into();
        assert_eq!(
            decide(Status::Failed, "", "A", 40, &mut taken),
            Decision::Again {
                reference: Some("A-R2".into())
            }
        );
        // The next failure of A gets R3: R1 and R2 are taken now.
        assert_eq!(
            decide(Status::Failed, "", "A", 40, &mut taken),
            Decision::Again {
                reference: Some("A-R3".into())
            }
        );
        let long = "X".repeat(37);
        assert_eq!(
            decide(Status::Failed, "", &long, 40, &mut taken),
            Decision::Again {
                reference: Some(format!("{long}-R1"))
            }
        );
        let Decision::Refused(why) = decide(Status::Failed, "", &"Y".repeat(38), 40, &mut taken)
        else {
            panic!("41 characters must be refused");
        };
        assert!(why.contains("41 characters, over PayU's 40"), "{why}");
    }

    #[test]
    fn the_default_path_drops_results_from_the_stem() {
        assert_eq!(
            default_path(Path::new("d/pay.results.csv"), Format::Csv),
            Path::new("d/pay.retry.csv")
        );
        assert_eq!(
            default_path(Path::new("d/pay.results.xlsx"), Format::Xlsx),
            Path::new("d/pay.retry.xlsx")
        );
        assert_eq!(
            default_path(Path::new("d/other.tsv"), Format::Csv),
            Path::new("d/other.retry.tsv")
        );
    }

    #[test]
    fn formula_guards_come_off() {
        assert_eq!(as_input("'=SUM(A1)"), "=SUM(A1)");
        assert_eq!(as_input("'+91 98"), "+91 98");
        assert_eq!(as_input("'quoted"), "'quoted");
        assert_eq!(as_input("plain"), "plain");
    }
}
