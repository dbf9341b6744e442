//! Checking rows offline, before anything is sent: every rule of `docs/rules.md`, with
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
mod run;
mod smart_send;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rustc_hash::FxHashSet;

use crate::Error;
use crate::rows::{HeaderMap, Identifier, Kind};
use crate::sheet::{CellKind, RawRow, Sheet};
pub use amount::Currency;
pub use run::{Input, Loaded, checked, load, run};

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
    /// The largest amount one row may pay, per currency (`AMOUNT_CEILING` above it): a
    /// guard against an account number or a total pasted into the amount column.
    pub max_row_amount: Vec<(Currency, Decimal)>,
}

/// The built-in per-row ceilings: ₹10 crore, PLN 5 million, CZK 25 million, EUR 1 million.
pub fn default_max_row_amount() -> Vec<(Currency, Decimal)> {
    vec![
        (Currency::Inr, Decimal::from(100_000_000)),
        (Currency::Pln, Decimal::from(5_000_000)),
        (Currency::Czk, Decimal::from(25_000_000)),
        (Currency::Eur, Decimal::from(1_000_000)),
    ]
}

impl Rules {
    /// The most one row may pay in `currency`.
    pub fn ceiling(&self, currency: Currency) -> Option<Decimal> {
        self.max_row_amount
            .iter()
            .find(|(c, _)| *c == currency)
            .map(|(_, d)| *d)
    }
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
            max_row_amount: default_max_row_amount(),
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
    rows: HashMap<String, Vec<u64>>,
}

/// A 64-bit digest of a reference. Digests only pick out references that may repeat; every
/// candidate is then compared by its text, so two references that happen to share a digest
/// are never taken for one.
fn digest(reference: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(reference.as_bytes())
}

fn reference_of<'r>(map: &HeaderMap, row: &'r RawRow) -> &'r str {
    let col = map.column(map.kind.reference_field());
    col.and_then(|c| row.get(c)).map_or("", |c| trim(c.text))
}

impl Duplicates {
    /// The duplicates among rows whose reference digest is one of `suspects`: none without
    /// reading the file when there are no suspects, else found by a scan that compares the
    /// references' text.
    pub fn resolve(
        sheet: &Sheet,
        map: &HeaderMap,
        suspects: &FxHashSet<u64>,
    ) -> Result<Duplicates, Error> {
        let mut found = Duplicates::default();
        if suspects.is_empty() {
            return Ok(found);
        }
        sheet.scan(|row| {
            let reference = reference_of(map, row);
            if suspects.contains(&digest(reference)) {
                found.note(reference, row.number);
            }
        })?;
        Ok(found.repeated_only())
    }

    /// The duplicates among rows already in memory (`submit` holds every row).
    pub fn among<'r>(map: &HeaderMap, rows: impl IntoIterator<Item = &'r RawRow>) -> Duplicates {
        let mut found = Duplicates::default();
        for row in rows {
            found.note(reference_of(map, row), row.number);
        }
        found.repeated_only()
    }

    fn note(&mut self, reference: &str, row: u64) {
        if !reference.is_empty() {
            self.rows.entry(reference.to_owned()).or_default().push(row);
        }
    }

    fn repeated_only(mut self) -> Duplicates {
        self.rows.retain(|_, r| r.len() > 1);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The other rows that use `reference`, if any.
    pub fn others(&self, reference: &str, row: u64) -> Option<Vec<u64>> {
        if self.rows.is_empty() {
            return None;
        }
        let rows = self.rows.get(reference)?;
        Some(rows.iter().copied().filter(|&r| r != row).collect())
    }
}

/// The reference digest of every row seen: 8 bytes a row, all the memory a pass over a file
/// keeps besides the chunks in flight. Kept in buckets by their top bits, so that finding the
/// repeats sorts many small runs that fit in the cache instead of one long one.
#[derive(Debug)]
pub struct Digests {
    buckets: Vec<Vec<u64>>,
}

/// Digests are grouped by their top `DIGEST_BUCKET_BITS` bits.
const DIGEST_BUCKET_BITS: u32 = 8;

impl Default for Digests {
    fn default() -> Self {
        Digests {
            buckets: vec![Vec::new(); 1 << DIGEST_BUCKET_BITS],
        }
    }
}

impl Digests {
    pub fn add(&mut self, map: &HeaderMap, row: &RawRow) {
        let reference = reference_of(map, row);
        if !reference.is_empty() {
            self.push(digest(reference));
        }
    }

    fn push(&mut self, d: u64) {
        self.buckets[(d >> (64 - DIGEST_BUCKET_BITS)) as usize].push(d);
    }

    /// The digests seen more than once (sorting puts equal ones side by side: cheaper than a
    /// hash map of a million entries).
    pub fn repeated(self) -> FxHashSet<u64> {
        let mut repeated = FxHashSet::default();
        for mut bucket in self.buckets {
            bucket.sort_unstable();
            repeated.extend(
                bucket
                    .windows(2)
                    .filter(|pair| pair[0] == pair[1])
                    .map(|pair| pair[0]),
            );
        }
        repeated
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

/// The most fields a kind has (global-payout has 26).
const MAX_FIELDS: usize = 32;
const _: () = assert!(
    crate::rows::global_payout::CARD_EXPIRATION_YEAR < MAX_FIELDS,
    "every field of every kind fits in a Check"
);

/// A row being checked: its cells through the header map, and what was found so far.
pub struct Check<'a> {
    pub map: &'a HeaderMap,
    pub raw: &'a RawRow,
    pub ctx: &'a Context,
    /// Each field's value, trimmed once.
    vals: [Val<'a>; MAX_FIELDS],
    /// How each field's cell arrived (an XLSX number has no thousands separators).
    kinds: [CellKind; MAX_FIELDS],
    /// Whether some field's text is longer than a message quotes ([`QUOTE_MAX`]).
    long: bool,
    pub verdict: Verdict,
}

pub use crate::text::{QUOTE_MAX, quoted};

/// The most characters one problem's message has, whatever the row holds.
pub const MESSAGE_MAX: usize = 1_000;

/// The longest cell the tool takes: Excel's own limit, so that every cell fits a results
/// workbook. A longer cell makes its row `CELL_TOO_LONG`.
pub const CELL_MAX_CHARS: usize = 32_767;

impl<'a> Check<'a> {
    pub fn val(&self, field: usize) -> Val<'a> {
        self.vals[field]
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
        let message = self.shorten(message);
        self.verdict.problems.push(Problem { code, message });
    }

    pub fn warn(&mut self, message: String) {
        let message = self.shorten(message);
        self.verdict.warnings.push(message);
    }

    /// The message with every long value of the row it quotes cut to [`QUOTE_MAX`]
    /// characters: a message stays short whatever the cells hold. Costs nothing for the
    /// usual row, whose values are all short.
    fn shorten(&self, message: String) -> String {
        if !self.long {
            return message;
        }
        let mut message = message;
        for v in &self.vals {
            if let Val::Text(t) = v
                && t.len() > QUOTE_MAX
                && message.contains(t)
            {
                message = message.replace(t, &quoted(t));
            }
        }
        // A value the rule changed before quoting it (upper-cased, compacted) is not found
        // above: the message as a whole is bounded too.
        if message.len() > MESSAGE_MAX
            && let Some((cut, _)) = message.char_indices().nth(MESSAGE_MAX)
        {
            message.truncate(cut);
            message.push('…');
        }
        message
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

    /// [`Check::required`], then [`Check::max_len`]: a field that must be there, and not be
    /// longer than `max` characters.
    pub fn required_within(
        &mut self,
        field: usize,
        missing: &'static str,
        what: &str,
        max: usize,
        too_long: &'static str,
    ) {
        if self.required(field, missing, what).is_some() {
            self.max_len(field, max, too_long);
        }
    }

    /// Fails `code` when the text is longer than `max` characters.
    pub fn max_len(&mut self, field: usize, max: usize, code: &'static str) {
        // A text of at most `max` bytes has at most `max` characters: no need to count.
        if let Some(t) = self.text(field).filter(|t| t.len() > max) {
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
    /// guess at, `AMOUNT_CEILING` past the row ceiling) and returns `None` when it cannot be
    /// used. An XLSX number cell is read as the number it is: it has no thousands separators.
    pub fn amount(
        &mut self,
        field: usize,
        code: &'static str,
        currency: Currency,
    ) -> Option<Decimal> {
        let text = self.required(field, code, "write the amount to pay, e.g. 1500.00")?;
        let parsed = if self.kinds[field] == CellKind::Number {
            amount::parse_number(text, currency.decimals())
        } else {
            amount::parse_amount(text, self.ctx.rules.decimal_comma, currency.decimals())
        };
        let name = self.name(field);
        let value = match parsed {
            Ok(a) if a.marked.is_some_and(|m| m != currency) => {
                let m = a.marked.map(Currency::code).unwrap_or_default();
                self.fail(
                    code,
                    format!("{name} '{text}' is in {m}, but this row pays in {currency}"),
                );
                return None;
            }
            Ok(a) => a.value,
            Err(amount::AmountError::Format(why)) => {
                self.fail(
                    "AMOUNT_FORMAT",
                    format!("{name} '{text}' cannot be read as an amount: {why}"),
                );
                return None;
            }
            Err(amount::AmountError::Decimals(n)) => {
                self.fail(
                    code,
                    format!(
                        "{name} '{text}' has {n} decimals; {currency} has {}, and the tool does not round money",
                        currency.decimals()
                    ),
                );
                return None;
            }
            Err(amount::AmountError::NotPositive) => {
                self.fail(code, format!("{name} '{text}' must be greater than 0"));
                return None;
            }
            Err(amount::AmountError::TooLarge) => {
                self.fail(
                    code,
                    format!(
                        "{name} '{text}' is too large: an amount has at most {} digits before the decimal point (is it an account number?)",
                        amount::MAX_INTEGER_DIGITS
                    ),
                );
                return None;
            }
        };
        self.within_ceiling(field, value, currency).then_some(value)
    }

    /// Fails `AMOUNT_CEILING` when `value` is more than one row may pay in `currency`.
    pub fn within_ceiling(&mut self, field: usize, value: Decimal, currency: Currency) -> bool {
        match self.ctx.rules.ceiling(currency) {
            Some(max) if value > max => {
                let name = self.name(field);
                let text = self.text(field).unwrap_or_default();
                self.fail(
                    "AMOUNT_CEILING",
                    format!(
                        "{name} '{text}' is more than one row may pay ({currency} {}); split the payment, or raise max_row_amount in the config",
                        crate::report::format_money(max)
                    ),
                );
                false
            }
            _ => true,
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
        if !t
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        {
            let name = self.name(field);
            self.fail(
                missing_or_chars,
                format!("{name} '{t}' may hold only letters, digits, '-' and '_'"),
            );
        }
        if t.len() > max {
            let name = self.name(field);
            let n = t.chars().count();
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
        let mut extra: Vec<String> = (width..raw.len())
            .filter_map(|i| raw.get(i))
            .filter(|c| !c.text.trim().is_empty())
            .take(4)
            .map(|c| format!("'{}'", quoted(c.text)))
            .collect();
        if extra.len() == 4 {
            extra[3] = "…".to_owned();
        }
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
        vals: [Val::Missing; MAX_FIELDS],
        kinds: [CellKind::Text; MAX_FIELDS],
        long: false,
        verdict: Verdict::default(),
    };
    read_cells(&mut check);
    match map.kind {
        Kind::Payout => payout::check(&mut check),
        Kind::SmartSend => smart_send::check(&mut check),
        Kind::GlobalPayout => global_payout::check(&mut check),
    }
    duplicate_reference(&mut check);
    check.verdict
}

/// Reads each field's cell once: its trimmed text, or `Bad` for error cells and identifiers
/// that Excel turned into numbers or dates (each reported here).
fn read_cells(c: &mut Check) {
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
fn trim(s: &str) -> &str {
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

    /// What `submit` relies on when it builds a PayU Europe request: a valid row carries an
    /// amount that converts exactly to minor units, unless it pays out the whole balance on
    /// purpose (`payoutAll`): an amount is never dropped from a request.
    mod every_valid_payout_has_its_amount {
        use super::super::*;
        use crate::sheet::Cells;
        use proptest::prelude::*;

        fn amount() -> impl Strategy<Value = String> {
            prop_oneof![
                Just(String::new()),
                Just("10.25".to_owned()),
                Just("61109010140000071219812874".to_owned()),
                Just("9999999999999999999999999999".to_owned()),
                Just("4999999.99".to_owned()),
                Just("5000000.01".to_owned()),
                "[0-9]{1,20}(\\.[0-9]{0,3})?",
                "[0-9,. ]{0,24}",
            ]
        }

        proptest! {
            #[test]
            fn a_valid_row_has_an_exact_amount_or_pays_all(
                major in amount(),
                minor in prop_oneof![Just(String::new()), "[0-9]{1,22}"],
                all in prop_oneof![Just(""), Just("yes"), Just("no")],
                currency in prop_oneof![Just("PLN"), Just("CZK"), Just("EUR"), Just("")],
                account in prop_oneof![Just(""), Just("61109010140000071219812874")],
                name in prop_oneof![Just(""), Just("Jan Kowalski")],
            ) {
                let headers: Vec<String> = ["shopId", "extPayoutId", "amount", "amountMinor", "payoutAll", "currency", "account.accountNumber", "customerAddress.name"]
                    .map(str::to_owned).to_vec();
                let map = HeaderMap::build(std::path::Path::new("t.csv"), &headers, Some(Kind::GlobalPayout)).unwrap();
                let raw = RawRow {
                    number: 2,
                    cells: Cells::Csv(::csv::StringRecord::from(vec!["S1", "E1", &major, &minor, all, currency, account, name])),
                };
                let ctx = Context { rules: Rules::default(), now: chrono::Utc::now(), duplicates: Duplicates::default() };
                let verdict = validate_row(&ctx, &map, &raw);
                if verdict.is_valid() {
                    match verdict.amount {
                        Some((v, c)) => {
                            prop_assert!(amount::to_minor(v, c).is_some_and(|m| m > 0), "{:?}", verdict);
                            prop_assert!(v <= ctx.rules.ceiling(c).unwrap());
                        }
                        None => prop_assert!(all == "yes" && account.is_empty() && name.is_empty(), "{:?}", verdict),
                    }
                }
            }
        }
    }

    #[test]
    fn repeated_digests_are_found_in_any_bucket() {
        let mut d = Digests::default();
        // Digests in the first, a middle and the last bucket, each seen twice, and some once.
        let twice = [1u64, 0x8000_0000_0000_0001, u64::MAX];
        for x in twice.iter().chain(&twice).chain(&[2, 3, u64::MAX - 1]) {
            d.push(*x);
        }
        let mut found: Vec<u64> = d.repeated().into_iter().collect();
        found.sort_unstable();
        assert_eq!(found, twice);
    }

    #[test]
    fn digests_differ_for_different_references() {
        assert_ne!(digest("REF-1"), digest("REF-2"));
        assert_eq!(digest("REF-1"), digest("REF-1"));
    }
}
