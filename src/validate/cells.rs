//! Reading a row's cells for its fields: trimmed once, spreadsheet error cells and identifiers
//! Excel turned into numbers or dates found here (`CELL_ERROR`, `EXCEL_NUMBER`), and cells
//! too long for a results workbook (`CELL_TOO_LONG`).

use super::card;
use super::check::{Check, MAX_FIELDS, QUOTE_MAX, Val, quoted};
use crate::rows::Identifier;
use crate::sheet::CellKind;

/// The longest cell the tool takes: Excel's own limit, so that every cell fits a results
/// workbook. A longer cell makes its row `CELL_TOO_LONG`.
pub const CELL_MAX_CHARS: usize = 32_767;

/// Reads each field's cell once: its trimmed text, or `Bad` for error cells and identifiers
/// that Excel turned into numbers or dates (each reported here).
pub(super) fn read_cells(c: &mut Check) {
    // One walk through the row finds each field's cell; they are then looked at in the
    // kind's field order, the order their problems are reported in.
    let mut cells = [None; MAX_FIELDS];
    for (col, cell) in c.raw.cells().enumerate() {
        if let Some(field) = c.map.field_of_column(col) {
            cells[field] = Some(cell);
        }
        // A byte count over the limit is where counting characters starts: the usual cell
        // costs one comparison.
        if cell.text.len() > CELL_MAX_CHARS {
            let n = cell.text.chars().count();
            if n > CELL_MAX_CHARS {
                let name = c.map.headers.get(col).map_or("", String::as_str);
                let name = quoted(name.trim()).into_owned();
                c.fail(
                    "CELL_TOO_LONG",
                    format!(
                        "the cell in column {name} is {n} characters long; a cell holds at most {CELL_MAX_CHARS} (Excel's limit; an XLSX results file shows it cut)"
                    ),
                );
            }
        }
    }
    for (field, spec) in c.map.kind.fields().iter().enumerate() {
        let Some(cell) = cells[field] else {
            continue;
        };
        let text = trim(cell.text);
        c.kinds[field] = cell.kind;
        c.long |= text.len() > QUOTE_MAX;
        if cell.kind == CellKind::Error {
            let name = c.map.name(field);
            c.fail(
                "CELL_ERROR",
                format!(
                    "{name} holds the spreadsheet error {text}: fix the formula or type the value"
                ),
            );
            c.vals[field] = Val::Bad;
            continue;
        }
        if text.is_empty() {
            continue;
        }
        c.vals[field] = Val::Text(text);
        if spec.identifier == Identifier::No {
            continue;
        }
        let scientific = cell.kind == CellKind::Text && is_scientific(text);
        let number = cell.kind == CellKind::Number;
        let date = cell.kind == CellKind::Date;
        if !(scientific || number || date) {
            continue;
        }
        let name = c.map.name(field);
        let shown = if spec.masked {
            card::mask(text)
        } else {
            text.to_owned()
        };
        let digits_ok = text.len() <= 15 && text.bytes().all(|b| b.is_ascii_digit());
        if number && digits_ok && spec.identifier == Identifier::Lenient {
            c.warn(format!(
                "{name} '{shown}' arrived as a number; format the column as Text so Excel keeps it exactly"
            ));
            continue;
        }
        let what = if date { "a date" } else { "a number" };
        c.fail(
            "EXCEL_NUMBER",
            format!(
                "{name} '{shown}' arrived as {what}, so Excel may have rounded it (it keeps 15 digits) \
                 or dropped its leading zeros; format the column as Text in Excel, retype the value \
                 and export again"
            ),
        );
        c.vals[field] = Val::Bad;
    }
}

/// `str::trim`, with a fast way out for the usual cell that starts and ends with a visible
/// ASCII character: this runs for every cell of every row.
pub(super) fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// `5.12346E+10`, `1E5`, `4.6554131077136E+15`: Excel's way of writing a long number, i.e.
/// digits, optionally `.` and more digits, `E` or `e`, an optional sign and digits. One pass
/// over the bytes: most identifiers fail on their first byte or hold nothing but digits.
fn is_scientific(s: &str) -> bool {
    fn digits(b: &[u8]) -> usize {
        b.iter().take_while(|c| c.is_ascii_digit()).count()
    }
    let b = s.as_bytes();
    let whole = digits(b);
    if whole == 0 {
        return false;
    }
    let mut rest = &b[whole..];
    if let Some(frac) = rest.strip_prefix(b".") {
        rest = &frac[digits(frac)..];
    }
    let Some((&e, exp)) = rest.split_first() else {
        return false;
    };
    let exp = exp
        .strip_prefix(b"+")
        .or(exp.strip_prefix(b"-"))
        .unwrap_or(exp);
    (e == b'e' || e == b'E') && !exp.is_empty() && digits(exp) == exp.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scientific_notation_is_spotted() {
        assert!(is_scientific("5.12346E+10"));
        assert!(is_scientific("1e5"));
        assert!(is_scientific("4.6554131077136E+15"));
        assert!(!is_scientific("E5"));
        assert!(!is_scientific("HDFC0E12345"));
        assert!(!is_scientific("12345"));
        assert!(!is_scientific("1.5E"));
        assert!(!is_scientific("1.5.2E5"));
        assert!(is_scientific("5.E-3"));
    }

    /// The definition, written plainly: split at the first `e`, then check each part.
    fn scientific_by_parts(s: &str) -> bool {
        let Some(e) = s.find(['e', 'E']) else {
            return false;
        };
        let (mantissa, exp) = (&s[..e], &s[e + 1..]);
        let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        let (whole, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        !whole.is_empty() && digits(whole) && digits(frac) && !exp.is_empty() && digits(exp)
    }

    proptest::proptest! {
        #[test]
        fn scientific_agrees_with_its_definition(s in "[0-9.eE+-]{0,8}|[0-9A-Z.eE+-]{0,12}|.{0,6}") {
            proptest::prop_assert_eq!(is_scientific(&s), scientific_by_parts(&s), "{:?}", s);
        }
    }
}
