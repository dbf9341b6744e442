//! Stopping when the account, not the row, is the problem (architecture.md §7.2). Some of
//! PayU's refusals say that no further row can succeed: the merchant or shop is unknown or
//! not allowed, the funds are gone, the credentials lack a permission. Sending the rest of
//! the sheet into them would only turn every row FAILED under a reference the payee's
//! accountant now has to retire. The same code on `--stop-after N` rows in a row is taken
//! as the same sign. The run then stops sending: the rows not yet sent stay NOT_SENT with
//! the reason (their claims never made), and a rerun after the fix sends them.
//!
//! (A 401 that persists after a fresh token already stops the run in the engine.)

use crate::submit::Answer;

/// PayU Europe's codes that no other row of the run can get past (§16.7): UNKOWN_MERCHANT,
/// NOT_ENOUGH_FUNDS, UNAUTHORIZED_REQUEST, NO_PERMISSION, SHOP_NOT_ALLOWED,
/// FIRM_NOT_ALLOWED, PAYOUT_TOKEN_INSUFFICIENT_AUTHENTICATION_LEVEL.
pub const EUROPE_ACCOUNT_WIDE: [(&str, &str); 7] = [
    ("101", "PayU does not know the merchant"),
    ("8352", "the shop has not enough funds"),
    ("8357", "the request is not authorized"),
    ("8358", "the POS has no permission to pay out"),
    ("8359", "the shop may not pay out (is the shop id right?)"),
    ("8360", "the firm may not pay out"),
    ("8364", "the payout token's authentication level is too low"),
];

/// The default `--stop-after`.
pub const DEFAULT_STOP_AFTER: usize = 10;

/// The failures of the run's sends, in order.
#[derive(Debug, Clone)]
pub struct Streak {
    /// Stop after this many refusals in a row with one code (0: never).
    limit: usize,
    code: Option<String>,
    count: usize,
}

impl Streak {
    pub fn new(limit: usize) -> Streak {
        Streak {
            limit,
            code: None,
            count: 0,
        }
    }

    /// After PayU answered one row's send: why the run must stop sending, if it must.
    pub fn after(&mut self, answer: &Answer) -> Option<String> {
        let Answer::Refused { code, reason } = answer else {
            if matches!(answer, Answer::Accepted(_) | Answer::Duplicate { .. }) {
                self.code = None;
                self.count = 0;
            }
            return None;
        };
        if let Some((_, what)) = EUROPE_ACCOUNT_WIDE.iter().find(|(c, _)| c == code) {
            return Some(format!(
                "PayU answered {code}: {what} ({reason}); no further row can succeed: fix the account or the sheet, then submit again to send the rest"
            ));
        }
        if for_funds(reason) {
            return Some(format!(
                "PayU refused a transfer for want of funds ({reason}); fund the account, then submit again to send the rest"
            ));
        }
        if self.code.as_deref() == Some(code.as_str()) {
            self.count += 1;
        } else {
            self.code = Some(code.clone());
            self.count = 1;
        }
        (self.limit > 0 && self.count >= self.limit).then(|| {
            format!(
                "PayU refused {} rows in a row with code {code} (the last: {reason}); this looks like a problem of the account or the sheet, not of the rows: fix it, then submit again to send the rest (--stop-after sets how many)",
                self.count
            )
        })
    }
}

/// Whether PayU's reason is the funds ("Insufficient balance in account", "not enough
/// funds"), and not merely a word like "refund" or "whole balance" in it.
fn for_funds(reason: &str) -> bool {
    let r = reason.to_ascii_lowercase();
    r.contains("insufficient") || r.contains("not enough fund") || r.contains("low balance")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(code: &str) -> Answer {
        Answer::Refused {
            code: code.into(),
            reason: format!("PayU refused the payout: {code}"),
        }
    }

    #[test]
    fn the_same_code_n_times_in_a_row_stops_and_anything_else_starts_over() {
        let mut s = Streak::new(3);
        assert_eq!(s.after(&refused("8351")), None);
        assert_eq!(s.after(&refused("8351")), None);
        assert_eq!(s.after(&refused("8302")), None, "another code starts over");
        assert_eq!(s.after(&refused("8302")), None);
        let why = s.after(&refused("8302")).expect("three in a row");
        assert!(why.contains("3 rows in a row with code 8302"), "{why}");
        let mut s = Streak::new(2);
        s.after(&refused("8351"));
        s.after(&Answer::Duplicate {
            code: "8356".into(),
            payu_id: None,
        });
        assert_eq!(s.after(&refused("8351")), None, "a taken row starts over");
        let mut never = Streak::new(0);
        assert!((0..50).all(|_| never.after(&refused("8351")).is_none()));
    }

    #[test]
    fn an_account_wide_code_stops_at_once() {
        let mut s = Streak::new(10);
        let why = s.after(&refused("8359")).expect("account-wide");
        assert!(why.contains("8359") && why.contains("shop"), "{why}");
        let funds = Answer::Refused {
            code: "PAYU_REFUSED".into(),
            reason: "Insufficient balance in account".into(),
        };
        assert!(s.after(&funds).is_some());
        let refund = Answer::Refused {
            code: "8316".into(),
            reason: "description of the refund is too long".into(),
        };
        assert!(s.after(&refund).is_none(), "a refund is no want of funds");
        assert!(s.after(&Answer::NoAnswer("timed out".into())).is_none());
    }
}
