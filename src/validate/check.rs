//! A row being checked: each field's value read once, and the helpers every kind's rules
//! share (required, length, amount, reference), which record problems on the row's verdict.

use rust_decimal::Decimal;

use super::{Context, Currency, Problem, Verdict, amount};
use crate::rows::HeaderMap;
use crate::sheet::{CellKind, RawRow};
pub use crate::text::{QUOTE_MAX, quoted};

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
pub(super) const MAX_FIELDS: usize = 32;
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
    pub(super) vals: [Val<'a>; MAX_FIELDS],
    /// How each field's cell arrived (an XLSX number has no thousands separators).
    pub(super) kinds: [CellKind; MAX_FIELDS],
    /// Whether some field's text is longer than a message quotes ([`QUOTE_MAX`]).
    pub(super) long: bool,
    pub verdict: Verdict,
}

/// The most characters one problem's message has, whatever the row holds.
pub const MESSAGE_MAX: usize = 1_000;

impl<'a> Check<'a> {
    /// A row about to be checked, its cells not yet read ([`super::cells::read_cells`]).
    pub(super) fn new(ctx: &'a Context, map: &'a HeaderMap, raw: &'a RawRow) -> Check<'a> {
        Check {
            map,
            raw,
            ctx,
            vals: [Val::Missing; MAX_FIELDS],
            kinds: [CellKind::Text; MAX_FIELDS],
            long: false,
            verdict: Verdict::default(),
        }
    }

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
