//! What validation says of a row: its problems, each with a code, and its warnings.

use rust_decimal::Decimal;

use super::Currency;

/// One thing wrong with a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// PayU's code (`1022`, `8308`…) or the tool's own (`EXCEL_NUMBER`).
    pub code: &'static str,
    /// Names the column as the sheet spells it, quotes the value, says what would be right.
    pub message: String,
}

/// What validation says of one row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Verdict {
    pub problems: Vec<Problem>,
    /// Things worth a look that do not stop the row (an IFSC branch missing from the list…).
    pub warnings: Vec<String>,
    /// The amount the row moves, when it could be read.
    pub amount: Option<(Decimal, Currency)>,
}

impl Verdict {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }

    /// The codes, `;`-separated, each once, in the order found.
    pub fn codes(&self) -> String {
        if self.problems.is_empty() {
            return String::new();
        }
        let mut codes: Vec<&str> = Vec::with_capacity(self.problems.len());
        for p in &self.problems {
            if !codes.contains(&p.code) {
                codes.push(p.code);
            }
        }
        codes.join(";")
    }

    /// Every problem, then every warning, `; `-separated.
    pub fn message(&self) -> String {
        if self.problems.is_empty() && self.warnings.is_empty() {
            return String::new();
        }
        let problems = self.problems.iter().map(|p| p.message.clone());
        let warnings = self.warnings.iter().map(|w| format!("warning: {w}"));
        problems.chain(warnings).collect::<Vec<_>>().join("; ")
    }
}
