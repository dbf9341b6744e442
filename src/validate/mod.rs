//! Checking rows offline, before anything is sent: every rule of `validation-rules.md`, with
//! PayU's code where PayU has one for the problem, else the tool's own.
//!
//! A row collects every problem it has, not just the first. Validation knows nothing of HTTP:
//! it reads a [`RawRow`] through the sheet's [`HeaderMap`] and returns a [`Verdict`].

pub mod account;
pub mod amount;
pub mod card;
pub mod contact;
pub mod country;
pub mod dates;
mod global_payout;
pub mod ifsc;
mod payout;
mod smart_send;

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::Error;
use crate::rows::{HeaderMap, Identifier, Kind};
use crate::sheet::{CellKind, RawRow, Sheet};
pub use amount::Currency;

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
        let problems = self.problems.iter().map(|p| p.message.clone());
        let warnings = self.warnings.iter().map(|w| format!("warning: {w}"));
        problems.chain(warnings).collect::<Vec<_>>().join("; ")
    }
}

/// Limits PayU leaves undocumented, and reading choices: the project's own defaults
/// (documented in the README).
#[derive(Debug, Clone)]
pub struct Rules {
    /// Read `1.234,50` as 1234.50 (and refuse `1,234.50`).
    pub decimal_comma: bool,
    pub imps_max: Decimal,
    pub rtgs_min: Decimal,
    pub upi_max: Decimal,
    /// How far ahead a Smart Send link's expiry must be.
    pub expiry_min_minutes: i64,
    /// Longest name and street PayU Europe takes (the `*_TOO_LONG` codes).
    pub eu_text_max: usize,
    pub eu_postal_code_max: usize,
    pub eu_description_max: usize,
    /// The shop for `global-payout` rows without a `shopId` cell.
    pub default_shop_id: Option<String>,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            decimal_comma: false,
            imps_max: Decimal::from(500_000),
            rtgs_min: Decimal::from(200_000),
            upi_max: Decimal::from(100_000),
            expiry_min_minutes: 15,
            eu_text_max: 35,
            eu_postal_code_max: 10,
            eu_description_max: 140,
            default_shop_id: None,
        }
    }
}

/// Everything validation needs besides the row.
pub struct Context {
    pub rules: Rules,
    pub now: DateTime<Utc>,
    pub duplicates: Duplicates,
}

/// References used by more than one row of the file, with the rows that use them.
#[derive(Debug, Default)]
pub struct Duplicates {
    rows: HashMap<u128, Vec<u64>>,
}

/// A 128-bit digest of a reference: the file's references are compared by digest so that a
/// million-row file costs a few bytes per row, not a copy of every reference.
fn digest(reference: &str) -> u128 {
    let mut a = DefaultHasher::new();
    let mut b = DefaultHasher::new();
    0u8.hash(&mut a);
    1u8.hash(&mut b);
    reference.hash(&mut a);
    reference.hash(&mut b);
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

impl Duplicates {
    /// Reads the reference of every row (a first pass over the file).
    pub fn collect(sheet: &Sheet, map: &HeaderMap) -> Result<(Duplicates, u64), Error> {
        let col = map.column(map.kind.reference_field());
        let mut first: HashMap<u128, u64> = HashMap::new();
        let mut rows: HashMap<u128, Vec<u64>> = HashMap::new();
        let mut count = 0u64;
        sheet.scan(|row| {
            count += 1;
            let Some(text) = col.and_then(|c| row.get(c)).map(|c| c.text.trim()) else {
                return;
            };
            if text.is_empty() {
                return;
            }
            let d = digest(text);
            match first.get(&d) {
                None => {
                    first.insert(d, row.number);
                }
                Some(&f) => rows.entry(d).or_insert_with(|| vec![f]).push(row.number),
            }
        })?;
        Ok((Duplicates { rows }, count))
    }

    /// The other rows that use `reference`, if any.
    pub fn others(&self, reference: &str, row: u64) -> Option<Vec<u64>> {
        let rows = self.rows.get(&digest(reference))?;
        Some(rows.iter().copied().filter(|&r| r != row).collect())
    }
}

/// A field's value in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Val<'a> {
    /// No column, or an empty or white-space cell.
    Missing,
    /// The cell already has a problem of its own (an error cell, Excel number damage).
    Bad,
    /// The trimmed text.
    Text(&'a str),
}

/// A row being checked: its cells through the header map, and what was found so far.
pub struct Check<'a> {
    pub map: &'a HeaderMap,
    pub raw: &'a RawRow,
    pub ctx: &'a Context,
    bad: u64,
    pub verdict: Verdict,
}

impl<'a> Check<'a> {
    pub fn val(&self, field: usize) -> Val<'a> {
        if self.bad & (1 << field) != 0 {
            return Val::Bad;
        }
        match self.map.column(field).and_then(|c| self.raw.get(c)) {
            Some(cell) if !cell.text.trim().is_empty() => Val::Text(cell.text.trim()),
            _ => Val::Missing,
        }
    }

    /// The trimmed text, when the field has a usable value.
    pub fn text(&self, field: usize) -> Option<&'a str> {
        match self.val(field) {
            Val::Text(t) => Some(t),
            _ => None,
        }
    }

    /// The column's name as the sheet spells it.
    pub fn name(&self, field: usize) -> &'a str {
        self.map.name(field)
    }

    pub fn fail(&mut self, code: &'static str, message: String) {
        self.verdict.problems.push(Problem { code, message });
    }

    pub fn warn(&mut self, message: String) {
        self.verdict.warnings.push(message);
    }

    /// Fails `code` when the field is missing; returns its text otherwise.
    pub fn required(&mut self, field: usize, code: &'static str, what: &str) -> Option<&'a str> {
        match self.val(field) {
            Val::Text(t) => Some(t),
            Val::Bad => None,
            Val::Missing => {
                let name = self.name(field);
                self.fail(code, format!("{name} is empty: {what}"));
                None
            }
        }
    }

    /// Fails `code` when the text is longer than `max` characters.
    pub fn max_len(&mut self, field: usize, max: usize, code: &'static str) {
        if let Some(t) = self.text(field) {
            let n = t.chars().count();
            if n > max {
                let name = self.name(field);
                self.fail(
                    code,
                    format!("{name} is {n} characters long; at most {max} are allowed"),
                );
            }
        }
    }

    /// Reads the amount field; fails `code` (or `AMOUNT_FORMAT` for forms the tool will not
    /// guess at) and returns `None` when it cannot be used.
    pub fn amount(
        &mut self,
        field: usize,
        code: &'static str,
        currency: Currency,
    ) -> Option<Decimal> {
        let text = self.required(field, code, "write the amount to pay, e.g. 1500.00")?;
        let name = self.name(field);
        match amount::parse_amount(text, self.ctx.rules.decimal_comma, currency.decimals()) {
            Ok(a) if a.marked.is_some_and(|m| m != currency) => {
                let m = a.marked.map(Currency::code).unwrap_or_default();
                self.fail(
                    code,
                    format!("{name} '{text}' is in {m}, but this row pays in {currency}"),
                );
                None
            }
            Ok(a) => Some(a.value),
            Err(amount::AmountError::Format(why)) => {
                self.fail(
                    "AMOUNT_FORMAT",
                    format!("{name} '{text}' cannot be read as an amount: {why}"),
                );
                None
            }
            Err(amount::AmountError::Decimals(n)) => {
                self.fail(
                    code,
                    format!(
                        "{name} '{text}' has {n} decimals; {currency} has {}, and the tool does not round money",
                        currency.decimals()
                    ),
                );
                None
            }
            Err(amount::AmountError::NotPositive) => {
                self.fail(code, format!("{name} '{text}' must be greater than 0"));
                None
            }
        }
    }

    /// Checks a reference: 1 to `max` letters, digits, `-` or `_`.
    pub fn reference(
        &mut self,
        field: usize,
        missing_or_chars: &'static str,
        length: &'static str,
        max: usize,
    ) {
        let Some(t) = self.required(
            field,
            missing_or_chars,
            "every row needs its own reference, so that a re-run never pays it twice",
        ) else {
            return;
        };
        let name = self.name(field);
        if !t
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            self.fail(
                missing_or_chars,
                format!("{name} '{t}' may hold only letters, digits, '-' and '_'"),
            );
        }
        let n = t.chars().count();
        if n > max {
            self.fail(
                length,
                format!("{name} '{t}' is {n} characters long; at most {max} are allowed"),
            );
        }
    }
}

/// Validates one row of a sheet whose headers `map` describes.
pub fn validate_row(ctx: &Context, map: &HeaderMap, raw: &RawRow) -> Verdict {
    let width = map.headers.len();
    if raw.len() != width {
        let extra: Vec<String> = (width..raw.len())
            .filter_map(|i| raw.get(i))
            .filter(|c| !c.text.trim().is_empty())
            .map(|c| format!("'{}'", c.text))
            .collect();
        let mut message = format!("the row has {} cells but the header has {width}", raw.len());
        if !extra.is_empty() {
            message.push_str(&format!(
                " (cells past the last column: {})",
                extra.join(", ")
            ));
        }
        message.push_str("; check for a stray or missing delimiter or a quote left open");
        return Verdict {
            problems: vec![Problem {
                code: "ROW_SHAPE",
                message,
            }],
            ..Verdict::default()
        };
    }
    let mut check = Check {
        map,
        raw,
        ctx,
        bad: 0,
        verdict: Verdict::default(),
    };
    cell_damage(&mut check);
    match map.kind {
        Kind::Payout => payout::check(&mut check),
        Kind::SmartSend => smart_send::check(&mut check),
        Kind::GlobalPayout => global_payout::check(&mut check),
    }
    duplicate_reference(&mut check);
    check.verdict
}

/// Error cells, and identifiers that Excel turned into numbers or dates.
fn cell_damage(c: &mut Check) {
    for (field, spec) in c.map.kind.fields().iter().enumerate() {
        let Some(cell) = c.map.column(field).and_then(|col| c.raw.get(col)) else {
            continue;
        };
        let name = c.map.name(field);
        let text = cell.text.trim();
        let shown = if spec.masked {
            card::mask(text)
        } else {
            text.to_owned()
        };
        if cell.kind == CellKind::Error {
            c.fail(
                "CELL_ERROR",
                format!(
                    "{name} holds the spreadsheet error {text}: fix the formula or type the value"
                ),
            );
            c.bad |= 1 << field;
            continue;
        }
        if spec.identifier == Identifier::No || text.is_empty() {
            continue;
        }
        let scientific = cell.kind == CellKind::Text && is_scientific(text);
        let number = cell.kind == CellKind::Number;
        let date = cell.kind == CellKind::Date;
        if !(scientific || number || date) {
            continue;
        }
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
        c.bad |= 1 << field;
    }
}

/// `5.12346E+10`, `1E5`, `4.6554131077136E+15`: Excel's way of writing a long number.
fn is_scientific(s: &str) -> bool {
    let Some(e) = s.find(['e', 'E']) else {
        return false;
    };
    let (mantissa, exp) = (&s[..e], &s[e + 1..]);
    let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
    let mut parts = mantissa.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let frac = parts.next().unwrap_or("0");
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && !exp.is_empty()
        && exp.bytes().all(|b| b.is_ascii_digit())
}

fn duplicate_reference(c: &mut Check) {
    let field = c.map.kind.reference_field();
    let Some(reference) = c.text(field) else {
        return;
    };
    let Some(others) = c.ctx.duplicates.others(reference, c.raw.number) else {
        return;
    };
    let code = match c.map.kind {
        Kind::Payout => "1002",
        Kind::SmartSend => "1103",
        Kind::GlobalPayout => "8356",
    };
    let rows: Vec<String> = others.iter().map(u64::to_string).collect();
    let name = c.name(field);
    let plural = if rows.len() == 1 { "" } else { "s" };
    c.fail(
        code,
        format!(
            "{name} '{reference}' is also used on row{plural} {}: each row needs its own reference",
            rows.join(", ")
        ),
    );
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
    }

    #[test]
    fn digests_differ_for_different_references() {
        assert_ne!(digest("REF-1"), digest("REF-2"));
        assert_eq!(digest("REF-1"), digest("REF-1"));
    }
}
