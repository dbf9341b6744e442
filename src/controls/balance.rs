//! Balance before paying (architecture.md §7.2). PayU India queues a transfer it cannot pay from the
//! account's balance (payu.md §6) and pays it whenever money arrives, which may be days
//! later, after the sheet has been forgotten. So before a payout sheet is sent, the rupees of
//! the rows still to send are compared with `getAccountDetail`'s `transferableAmount`
//! (§3): a shortfall sends nothing (exit 2) unless `--allow-queue` says queueing is wanted.
//! Smart Send links are paid only when the payee claims them, so for them the comparison is
//! a warning.

use rust_decimal::Decimal;

use crate::Error;
use crate::client::CallError;
use crate::client::india::India;
use crate::report::format_money;
use crate::rows::Kind;
use crate::submit::{Apis, Item};
use crate::validate::Currency;

/// The rows still to send against the account's balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comparison {
    /// The rupees of the rows still to send.
    pub total: Decimal,
    /// What PayU says can be paid out now.
    pub transferable: Decimal,
}

impl Comparison {
    /// By how much the balance falls short, if it does.
    pub fn shortfall(&self) -> Option<Decimal> {
        self.total
            .checked_sub(self.transferable)
            .filter(|d| *d > Decimal::ZERO)
    }

    /// The comparison in one sentence: total, balance and, if any, the shortfall.
    pub fn describe(&self) -> String {
        let head = format!(
            "the rows to send total INR {}; the account's transferable balance is INR {}",
            format_money(self.total),
            format_money(self.transferable)
        );
        match self.shortfall() {
            Some(short) => format!("{head}: INR {} short", format_money(short)),
            None => format!("{head}: enough"),
        }
    }
}

/// The rupees of the rows still to send (rows the journal already holds are not sent again,
/// so they do not count). `None` if the sum overflows, which no real sheet reaches.
pub fn total(items: &[Item]) -> Option<Decimal> {
    items
        .iter()
        .filter(|i| i.state().is_to_send())
        .filter_map(|i| i.payment.amount)
        .filter(|(_, c)| *c == Currency::Inr)
        .try_fold(Decimal::ZERO, |sum, (v, _)| sum.checked_add(v))
}

/// PayU's `transferableAmount` for the run's India account.
pub async fn transferable(apis: &Apis) -> Result<Decimal, CallError> {
    let account = apis.india.as_ref().ok_or_else(|| {
        CallError::Auth("no PayU India account is configured for this environment".into())
    })?;
    let india = India {
        transport: &apis.transport,
        tokens: &account.tokens,
        endpoints: &apis.endpoints,
        merchant_id: &account.merchant_id,
    };
    Ok(india.account_detail().await?.transferable_amount)
}

/// Compares the rows still to send with the balance, before anything is sent. `Err` (exit 2,
/// nothing sent) for a payout sheet the balance does not cover, or whose balance cannot be
/// read, unless `allow_queue`; a dry run only says what a real run would do. `Ok`: the
/// notes for the summary.
pub async fn before_sending(
    apis: &Apis,
    kind: Kind,
    items: &[Item],
    allow_queue: bool,
    dry_run: bool,
) -> Result<Vec<String>, Error> {
    let mut notes = Vec::new();
    if kind == Kind::GlobalPayout || !items.iter().any(|i| i.state().is_to_send()) {
        return Ok(notes);
    }
    let total = total(items).ok_or_else(|| {
        Error::Usage("the rows' amounts add up beyond what can be counted".into())
    })?;
    let transferable = match transferable(apis).await {
        Ok(t) => t,
        Err(e) => {
            let why = format!("the account's balance could not be read from PayU ({e})");
            return match kind {
                Kind::SmartSend => {
                    notes.push(format!("warning: {why}"));
                    Ok(notes)
                }
                _ if allow_queue || dry_run => {
                    notes.push(format!(
                        "warning: {why}; {}",
                        if dry_run {
                            "a real run would send nothing unless --allow-queue"
                        } else {
                            "sending anyway (--allow-queue)"
                        }
                    ));
                    Ok(notes)
                }
                _ => Err(Error::Usage(format!(
                    "nothing was sent: {why}; try again, or pass --allow-queue to send without the check"
                ))),
            };
        }
    };
    let cmp = Comparison {
        total,
        transferable,
    };
    let line = cmp.describe();
    eprintln!("balance: {line}");
    match (kind, cmp.shortfall()) {
        (_, None) => notes.push(format!("balance: {line}")),
        (Kind::SmartSend, Some(_)) => notes.push(format!(
            "warning: {line}; links are paid when the payees claim them, so fund the account before they do"
        )),
        (_, Some(_)) if allow_queue => {
            notes.push(format!(
                "balance: {line}; sent anyway (--allow-queue): PayU queues what it cannot pay and pays it when the account is funded; `payu-bulk cancel` stops queued transfers"
            ));
        }
        (_, Some(_)) if dry_run => notes.push(format!(
            "balance: {line}; a real run would send nothing: fund the account, or pass --allow-queue"
        )),
        (_, Some(_)) => {
            return Err(Error::Usage(format!(
                "nothing was sent: {line}. Fund the account, or pass --allow-queue to let PayU queue the transfers it cannot pay yet"
            )));
        }
    }
    Ok(notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shortfall_is_the_difference_and_enough_is_none() {
        let short = Comparison {
            total: Decimal::new(1_200_000_000, 2),
            transferable: Decimal::new(1_000_000_000, 2),
        };
        assert_eq!(short.shortfall(), Some(Decimal::new(200_000_000, 2)));
        assert_eq!(
            short.describe(),
            "the rows to send total INR 12000000.00; the account's transferable balance is INR 10000000.00: INR 2000000.00 short"
        );
        let even = Comparison {
            total: Decimal::new(5, 0),
            transferable: Decimal::new(500, 2),
        };
        assert_eq!(even.shortfall(), None);
    }
}
