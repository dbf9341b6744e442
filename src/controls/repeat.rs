//! The same payment under a new reference (architecture.md §7.2). The journal already stops a
//! reference from being paid twice; a sheet exported again under fresh references (yesterday's
//! payroll with today's ids) it would pay again. So a row that pays the same destination the
//! same amount as a payment the journal holds under another reference, sent within
//! `repeat_window`, is held back as `POSSIBLE_REPEAT` unless `--allow-repeats`. A payment
//! that FAILED paid nothing, so it does not count: its retry under a new reference goes.
//! Two such rows inside one sheet are only a warning: two invoices can match.
//!
//! "The same destination and amount" is the journal's fingerprint of a row (account + IFSC
//! or VPA with the payment mode; mobile and email for a link; the account, card or token for
//! PayU Europe; amount and currency), so journals written before this check take part too.
//! PayU Europe payouts to the shop's own account and postal orders are not checked: their
//! fingerprint names no payee.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::when;
use crate::Error;
use crate::journal::Journal;
use crate::submit::{Item, Outgoing, Request};
use crate::validate::Verdict;

/// The code of a row held back.
pub const CODE: &str = "POSSIBLE_REPEAT";

/// The default `repeat_window`.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(7 * 86_400);

/// The config's `repeat_window`, else [`DEFAULT_WINDOW`] (the file was checked on load).
pub fn window(config: Option<&crate::config::Config>) -> Duration {
    config
        .and_then(|c| c.repeat_window.as_deref())
        .and_then(|w| super::parse_window(w).ok())
        .unwrap_or(DEFAULT_WINDOW)
}

/// Holds back the rows still to send that repeat a journal payment of the last `window`
/// (or, with `allow`, lets them through with a warning), and warns of rows of the sheet that
/// pay the same destination the same amount. `numbers`: each row's number in the sheet, by
/// index. The notes for the summary.
pub fn hold_back(
    journal: &Journal,
    items: &mut [Item],
    verdicts: &mut [Verdict],
    numbers: &[u64],
    window: Duration,
    allow: bool,
    now: DateTime<Utc>,
) -> Result<Vec<String>, Error> {
    let mut notes = Vec::new();
    warn_within_sheet(items, verdicts, numbers);
    if window.is_zero() {
        return Ok(notes);
    }
    let since = chrono::Duration::from_std(window)
        .ok()
        .and_then(|w| now.checked_sub_signed(w))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let (mut held, mut let_through) = (0usize, 0usize);
    for item in items
        .iter_mut()
        .filter(|i| i.state().is_to_send() && names_a_payee(&i.payment))
    {
        let earlier = journal.same_payment(&item.key, &item.payment.fingerprint, &since)?;
        // The latest of them is the one a person remembers.
        let Some(e) = earlier.last() else { continue };
        let what = format!(
            "the same destination and amount as '{}', sent on {} ({} in the journal){}",
            e.key.reference,
            when(&e.created_at),
            e.state.as_str(),
            if earlier.len() > 1 {
                format!(
                    " and {} more in the last {}",
                    earlier.len() - 1,
                    days(window)
                )
            } else {
                String::new()
            }
        );
        if allow {
            let_through += 1;
            verdicts[item.row]
                .warnings
                .push(format!("{what}; sent anyway (--allow-repeats)"));
        } else {
            held += 1;
            item.refuse(
                CODE,
                format!(
                    "possibly paid already: {what}; if this is a new payment, submit again with --allow-repeats"
                ),
            );
        }
    }
    if held > 0 {
        notes.push(format!(
            "{held} row(s) POSSIBLE_REPEAT: the same destination and amount as a payment of the last {} under another reference; check them, then pass --allow-repeats for those that are new",
            days(window)
        ));
    }
    if let_through > 0 {
        notes.push(format!(
            "{let_through} row(s) repeat a payment of the last {} and were let through (--allow-repeats)",
            days(window)
        ));
    }
    Ok(notes)
}

/// Rows of this sheet that pay the same destination the same amount under different
/// references: a warning on each, naming the others.
fn warn_within_sheet(items: &[Item], verdicts: &mut [Verdict], numbers: &[u64]) {
    let mut groups: HashMap<(&str, &str), Vec<&Item>> = HashMap::new();
    for item in items
        .iter()
        .filter(|i| i.state().is_to_send() && names_a_payee(&i.payment))
    {
        groups
            .entry((&item.key.merchant, &item.payment.fingerprint))
            .or_default()
            .push(item);
    }
    for group in groups.values().filter(|g| g.len() > 1) {
        for item in group {
            let others: Vec<String> = group
                .iter()
                .filter(|o| o.row != item.row)
                .map(|o| {
                    format!(
                        "row {} ('{}')",
                        numbers.get(o.row).copied().unwrap_or(0),
                        o.key.reference
                    )
                })
                .collect();
            verdicts[item.row].warnings.push(format!(
                "the same destination and amount as {} of this sheet: two invoices can match, but check it is not one payment twice",
                others.join(", ")
            ));
        }
    }
}

/// Whether the fingerprint of a payment names who is paid. A PayU Europe payout to the shop's
/// own account (a routine sweep) names no payee, and a postal order's fingerprint holds no
/// address: the same amount there is no sign of the same payment.
fn names_a_payee(payment: &Outgoing) -> bool {
    match &payment.request {
        Request::Payout(p) => p.account.is_some() || p.card.is_some() || p.card_token.is_some(),
        Request::Transfer(_) | Request::Link(_) => true,
    }
}

/// A window as a person says it: `7 days`, `36h`.
fn days(window: Duration) -> String {
    let s = window.as_secs();
    if s.is_multiple_of(86_400) {
        format!("{} day(s)", s / 86_400)
    } else {
        in_units(s)
    }
}

fn in_units(s: u64) -> String {
    if s.is_multiple_of(3600) {
        format!("{}h", s / 3600)
    } else if s.is_multiple_of(60) {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_said_in_days_where_they_are_days() {
        assert_eq!(days(DEFAULT_WINDOW), "7 day(s)");
        assert_eq!(days(Duration::from_secs(36 * 3600)), "36h");
        assert_eq!(days(Duration::from_secs(90)), "90s");
    }
}
