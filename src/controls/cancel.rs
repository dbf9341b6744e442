//! Cancelling what PayU has not paid yet (architecture.md §7.2): India transfers still QUEUED or
//! SCHEDULED (payu.md §7) and Smart Send links the payee has not claimed (§12.2, by
//! `merchantRefId`). PayU decides what can still be stopped; the tool asks about every row
//! that may still be in flight (`PENDING` or `UNKNOWN`) and writes down PayU's answer: a
//! cancelled row becomes FAILED with code `CANCELLED`; a row PayU will not cancel keeps its
//! state, with PayU's reason in its message.

use std::collections::BTreeSet;

use crate::client::CallError;
use crate::client::india::India;
use crate::client::smart_send::SmartSend;
use crate::payu::Envelope;
use crate::report::{RowResult, Status};
use crate::rows::Kind;
use crate::submit::Apis;

/// The code of a cancelled row.
pub const CODE: &str = "CANCELLED";

/// Reads `--rows`: row numbers as the sheet shows them (the header is row 1), and ranges
/// like `7-9`, comma-separated.
pub fn parse_rows(list: &str) -> Result<BTreeSet<u64>, String> {
    let mut rows = BTreeSet::new();
    for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let bad = || {
            format!(
                "--rows: '{part}' is not a row number or a range like 7-9 (data rows start at 2)"
            )
        };
        let number = |s: &str| s.trim().parse::<u64>().ok().filter(|n| *n >= 2);
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (number(a).ok_or_else(bad)?, number(b).ok_or_else(bad)?);
                if a > b || b - a > 10_000_000 {
                    return Err(bad());
                }
                rows.extend(a..=b);
            }
            None => {
                rows.insert(number(part).ok_or_else(bad)?);
            }
        }
    }
    if rows.is_empty() {
        return Err("--rows names no row".into());
    }
    Ok(rows)
}

/// Whether a row with this result may still be cancelled: PayU may hold it and has not
/// finished with it.
pub fn may_cancel(result: &RowResult) -> bool {
    matches!(result.status, Status::Pending | Status::Unknown)
}

/// What PayU said of one cancel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Cancelled(String),
    /// PayU's reason, as it wrote it.
    Refused(String),
}

/// Asks PayU to cancel the transfer or link with `reference`.
pub async fn cancel(apis: &Apis, kind: Kind, reference: &str) -> Result<Answer, CallError> {
    let account = apis.india.as_ref().ok_or_else(|| {
        CallError::Auth("no PayU India account is configured for this environment".into())
    })?;
    let envelope: Envelope<serde_json::Value> = match kind {
        Kind::Payout => {
            India {
                transport: &apis.transport,
                tokens: &account.tokens,
                endpoints: &apis.endpoints,
                merchant_id: &account.merchant_id,
            }
            .cancel(reference)
            .await?
        }
        Kind::SmartSend => {
            SmartSend {
                transport: &apis.transport,
                tokens: &account.tokens,
                endpoints: &apis.endpoints,
                merchant_id: &account.merchant_id,
            }
            .cancel(reference)
            .await?
        }
        Kind::GlobalPayout => {
            return Err(CallError::Unreadable(
                "PayU Europe offers no way to cancel a payout".into(),
            ));
        }
    };
    let msg = envelope.msg.clone().unwrap_or_default();
    let codes = envelope
        .code
        .as_ref()
        .map(|c| {
            c.all()
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(";")
        })
        .filter(|c| !c.is_empty());
    Ok(if envelope.is_success() {
        Answer::Cancelled(msg)
    } else {
        Answer::Refused(match codes {
            Some(c) => format!("{msg} (code {c})"),
            None => msg,
        })
    })
}

/// The row's result after PayU's answer (`today`: the date to write).
pub fn apply(result: &mut RowResult, answer: &Result<Answer, CallError>, today: &str) {
    let keep = |result: &mut RowResult, why: String| {
        result.message = if result.message.is_empty() {
            why
        } else {
            format!("{}; {why}", result.message)
        };
    };
    match answer {
        Ok(Answer::Cancelled(msg)) => {
            result.status = Status::Failed;
            result.codes = CODE.to_owned();
            result.message = format!(
                "cancelled on {today} by `payu-bulk cancel` (PayU: \"{msg}\"); nothing was paid"
            );
        }
        Ok(Answer::Refused(why)) => keep(
            result,
            format!("not cancelled on {today}: PayU says \"{why}\""),
        ),
        Err(e) => keep(
            result,
            format!("not cancelled on {today}: {e}; run `payu-bulk cancel` again"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_ranges_read() {
        assert_eq!(
            parse_rows("3,7-9").unwrap().into_iter().collect::<Vec<_>>(),
            [3, 7, 8, 9]
        );
        assert_eq!(parse_rows(" 5 , 5").unwrap().len(), 1);
        for bad in ["", "1", "x", "9-7", "3-", "2-x"] {
            assert!(parse_rows(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_cancelled_row_fails_and_a_refused_one_keeps_its_state() {
        let pending = RowResult {
            status: Status::Pending,
            codes: String::new(),
            message: "accepted by PayU".into(),
            reference: "PAYOUT1".into(),
            link: String::new(),
            utr: String::new(),
        };
        let mut r = pending.clone();
        apply(
            &mut r,
            &Ok(Answer::Cancelled("Payout transaction cancelled".into())),
            "2026-12-02",
        );
        assert_eq!((r.status, r.codes.as_str()), (Status::Failed, CODE));
        assert!(
            r.message.contains("2026-12-02") && r.message.contains("Payout transaction cancelled")
        );
        let mut r = pending.clone();
        let why = "Payout cannot be cancelled as it is already processed";
        apply(&mut r, &Ok(Answer::Refused(why.into())), "2026-12-02");
        assert_eq!((r.status, r.codes.as_str()), (Status::Pending, ""));
        assert!(
            r.message.starts_with("accepted by PayU; not cancelled") && r.message.contains(why)
        );
    }
}
