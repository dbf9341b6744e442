//! The Summary sheet of a results workbook: the run, rows and amounts by status, and the
//! most frequent error codes with what they mean.

use std::collections::HashMap;

use rust_xlsxwriter::{Format as XlsxFormat, FormatAlign, Worksheet, XlsxError};

use super::super::{Summary, codes, format_money};
use super::book::status_look;
use crate::report::Requests;

/// What the Summary sheet of a results workbook says beyond each row.
#[derive(Debug, Clone, Copy)]
pub struct RunFacts<'a> {
    /// Counts, amounts, files and times.
    pub summary: &'a Summary,
    /// The environment rows were sent to or asked about; `None` for `validate`.
    pub environment: Option<&'a str>,
    /// The requests the run made of PayU.
    pub requests: Requests,
}

/// Counts a row's codes (`;`-separated), each once per row.
pub(super) fn count_codes(counts: &mut HashMap<String, u64>, codes: &str) {
    if codes.is_empty() {
        return;
    }
    let mut seen: Vec<&str> = Vec::new();
    for code in codes.split(';').map(str::trim).filter(|c| !c.is_empty()) {
        if seen.contains(&code) {
            continue;
        }
        seen.push(code);
        match counts.get_mut(code) {
            Some(n) => *n += 1,
            None => {
                counts.insert(code.to_owned(), 1);
            }
        }
    }
}

/// How many error codes the Summary sheet lists.
const TOP_CODES: usize = 10;

/// The most frequent codes, most rows first (ties by code).
pub(super) fn top_codes(counts: HashMap<String, u64>) -> Vec<(String, u64)> {
    let mut all: Vec<(String, u64)> = counts.into_iter().collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    all.truncate(TOP_CODES);
    all
}

/// The formats the Summary sheet writes with.
struct Looks {
    bold: XlsxFormat,
    title: XlsxFormat,
    right: XlsxFormat,
    /// Text beside a number in the column before it: indented, so the two do not touch, and
    /// given the columns to its right (a printout cuts text that runs on past its cell).
    beside: XlsxFormat,
}

/// The Summary sheet: the run (files, kind, environment, times, requests), rows and amounts
/// by status and currency, and the most frequent error codes with what they mean. Amounts
/// are exact decimal text, never floating point.
pub(super) fn summary_sheet(
    sheet: &mut Worksheet,
    facts: &RunFacts,
    codes: &[(String, u64)],
) -> Result<(), XlsxError> {
    let looks = Looks {
        bold: XlsxFormat::new().set_bold(),
        title: XlsxFormat::new().set_bold().set_font_size(14),
        right: XlsxFormat::new().set_align(FormatAlign::Right),
        beside: XlsxFormat::new().set_indent(1),
    };
    sheet.set_name("Summary")?;
    // Printed on one page across, the meanings in full.
    sheet.set_print_fit_to_pages(1, 0);
    for (col, width) in [24, 12, 18, 10, 60].into_iter().enumerate() {
        sheet.set_column_width(col as u16, width)?;
    }
    sheet.write_string_with_format(0, 0, "payu-bulk results", &looks.title)?;
    let r = the_run(sheet, &looks, facts, 2)?;
    let r = rows_by_status(sheet, &looks, facts.summary, r + 2)?;
    top_codes_table(sheet, &looks, codes, r + 2)
}

/// The run's facts from row `r` on: files, kind, environment, times, rows and requests.
/// Returns the row of the last one.
fn the_run(
    sheet: &mut Worksheet,
    looks: &Looks,
    facts: &RunFacts,
    mut r: u32,
) -> Result<u32, XlsxError> {
    let s = facts.summary;
    let time =
        |t: &chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let facts_rows: [(&str, String); 6] = [
        ("Input file", s.input.display().to_string()),
        ("Results file", s.results.display().to_string()),
        ("Kind", s.kind.to_string()),
        (
            "Environment",
            facts
                .environment
                .unwrap_or("none: validate sends nothing")
                .to_owned(),
        ),
        ("Started (UTC)", time(&s.started_at)),
        ("Finished (UTC)", time(&s.finished_at)),
    ];
    for (label, value) in &facts_rows {
        sheet.write_string_with_format(r, 0, *label, &looks.bold)?;
        sheet.write_string(r, 1, value)?;
        r += 1;
    }
    sheet.write_string_with_format(r, 0, "Rows", &looks.bold)?;
    sheet.write_number(r, 1, s.rows as f64)?;
    r += 1;
    let q = facts.requests;
    sheet.write_string_with_format(r, 0, "Requests made", &looks.bold)?;
    sheet.write_number(r, 1, q.total() as f64)?;
    if facts.environment.is_some() {
        sheet.merge_range(
            r,
            2,
            r,
            4,
            &format!(
                "send {}, status {}, token {}; {} retried, {} answered 429, {} unanswered",
                q.send, q.status, q.token, q.retried, q.throttled, q.unanswered
            ),
            &looks.beside,
        )?;
    }
    Ok(r)
}

/// Rows and amounts by status and currency from row `r` on, then their total. Returns the
/// row of the total.
fn rows_by_status(
    sheet: &mut Worksheet,
    looks: &Looks,
    s: &Summary,
    mut r: u32,
) -> Result<u32, XlsxError> {
    sheet.write_string_with_format(r, 0, "Rows by status", &looks.title)?;
    r += 1;
    for (c, h) in ["Status", "Rows", "Amount", "Currency"].iter().enumerate() {
        sheet.write_string_with_format(r, c as u16, *h, &looks.bold)?;
    }
    r += 1;
    for (status, n) in &s.by_status {
        sheet.write_string_with_format(r, 0, status.as_str(), &status_look(*status))?;
        sheet.write_number(r, 1, *n as f64)?;
        let mut first = true;
        for (currency, sums) in &s.amounts {
            let Some(sum) = sums.get(status) else {
                continue;
            };
            if !first {
                r += 1;
            }
            first = false;
            sheet.write_string_with_format(r, 2, format_money(*sum), &looks.right)?;
            sheet.write_string(r, 3, currency.code())?;
        }
        r += 1;
    }
    sheet.write_string_with_format(r, 0, "Total", &looks.bold)?;
    sheet.write_number(r, 1, s.rows as f64)?;
    Ok(r)
}

/// The most frequent error codes from row `r` on, each with its rows and what it means.
fn top_codes_table(
    sheet: &mut Worksheet,
    looks: &Looks,
    codes: &[(String, u64)],
    mut r: u32,
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(r, 0, "Most frequent error codes", &looks.title)?;
    r += 1;
    for (c, h) in ["Code", "Rows", "Meaning"].iter().enumerate() {
        let head = if c == 2 {
            looks.bold.clone().set_indent(1)
        } else {
            looks.bold.clone()
        };
        sheet.write_string_with_format(r, c as u16, *h, &head)?;
    }
    r += 1;
    if codes.is_empty() {
        sheet.write_string(r, 0, "none")?;
    }
    for (code, n) in codes {
        sheet.write_string(r, 0, code)?;
        sheet.write_number(r, 1, *n as f64)?;
        sheet.merge_range(r, 2, r, 4, &codes::meaning(code), &looks.beside)?;
        r += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_counted_once_a_row() {
        let mut counts = HashMap::new();
        count_codes(&mut counts, "1022;1022; 1004");
        count_codes(&mut counts, "");
        count_codes(&mut counts, "1004");
        assert_eq!(counts["1022"], 1);
        assert_eq!(counts["1004"], 2);
        assert_eq!(
            top_codes(counts),
            [("1004".to_owned(), 2), ("1022".to_owned(), 1)]
        );
    }
}
