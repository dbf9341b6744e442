//! A cell on its way out: masked when it holds a card number, kept from reading as a formula,
//! cut to what a workbook cell holds. Both writers show every cell through these.

use std::borrow::Cow;

/// What each input column needs on the way out.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct ColumnRole {
    pub(super) masked: bool,
    pub(super) identifier: bool,
}

impl ColumnRole {
    /// The cell's text as the results show it: a card number masked, anything else as it is.
    pub(super) fn shown(self, text: &str) -> Cow<'_, str> {
        if self.masked {
            Cow::Owned(crate::text::mask(text))
        } else {
            Cow::Borrowed(text)
        }
    }
}

/// A cell that a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, tab, CR, or the
/// full-width `＝ ＋ － ＠` that some spreadsheets fold to them) gets a leading `'`, so that it
/// shows as the text it is.
pub fn neutralize(text: &str) -> Cow<'_, str> {
    let b = text.as_bytes();
    let formula = match b.first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => true,
        // U+FF0B ＋, U+FF0D －, U+FF1D ＝ (EF BC 8B/8D/9D) and U+FF20 ＠ (EF BC A0).
        Some(0xEF) => matches!(b.get(1..3), Some([0xBC, 0x8B | 0x8D | 0x9D | 0xA0])),
        _ => false,
    };
    if formula {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The most characters an XLSX cell holds (Excel's limit, which rust_xlsxwriter enforces).
const XLSX_CELL_MAX: usize = 32_767;

/// `text` cut to fit an XLSX cell, with `…` where it was cut: a results workbook is always
/// writable. Validation makes a row with such a cell `CELL_TOO_LONG`, so the cut is said.
pub(super) fn fit_cell(text: &str) -> Cow<'_, str> {
    if text.len() <= XLSX_CELL_MAX {
        return Cow::Borrowed(text);
    }
    if text.chars().nth(XLSX_CELL_MAX).is_none() {
        return Cow::Borrowed(text);
    }
    let cut = text
        .char_indices()
        .nth(XLSX_CELL_MAX - 1)
        .map_or(text.len(), |(i, _)| i);
    Cow::Owned(format!("{}…", &text[..cut]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_too_long_for_xlsx_is_cut_to_fit() {
        let long = "é".repeat(XLSX_CELL_MAX + 10);
        let cut = fit_cell(&long);
        assert_eq!(cut.chars().count(), XLSX_CELL_MAX);
        assert!(cut.ends_with('…'));
        assert_eq!(fit_cell("short"), "short");
        let exact = "é".repeat(XLSX_CELL_MAX);
        assert_eq!(fit_cell(&exact), exact.as_str());
    }

    #[test]
    fn formulas_are_neutralized() {
        assert_eq!(neutralize("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(neutralize("+91 98"), "'+91 98");
        assert_eq!(neutralize("-5"), "'-5");
        assert_eq!(neutralize("@cmd"), "'@cmd");
        assert_eq!(neutralize("\tx"), "'\tx");
        assert_eq!(neutralize("HDFC0001234"), "HDFC0001234");
        for wide in ["＝SUM(A1)", "＋91", "－5", "＠cmd"] {
            assert_eq!(neutralize(wide), format!("'{wide}"));
        }
        assert_eq!(neutralize("ｘ"), "ｘ");
        assert_eq!(neutralize(""), "");
    }
}
