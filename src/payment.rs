//! What a valid row pays, typed: the one thing validation hands on to planning and sending.
//!
//! Validation reads each cell once and, for a row with no problem, builds its [`Payment`]:
//! amounts as [`Decimal`], identifiers in the form PayU takes (a compact account number, an
//! upper-case IFSC, a 10-digit mobile), dates as instants, and the destination as a type per
//! kind. Planning, the approved plan and `submit` take these values; after validation nothing
//! reads a cell's text again.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::currency::Currency;

/// The payment a valid row makes, by kind of sheet.
#[derive(Debug, Clone, PartialEq)]
pub enum Payment {
    /// A PayU India direct transfer (`payout` sheets).
    Transfer(DirectTransfer),
    /// A PayU India Smart Send payout link (`smart-send` sheets).
    Link(Link),
    /// A PayU Europe payout (`global-payout` sheets).
    Payout(EuropePayout),
}

impl Payment {
    /// The row's own reference: `merchantRefId` or `extPayoutId`.
    pub fn reference(&self) -> &str {
        match self {
            Payment::Transfer(t) => &t.reference,
            Payment::Link(l) => &l.reference,
            Payment::Payout(p) => &p.reference,
        }
    }

    /// The amount the row moves; `None` for a PayU Europe payout of the whole balance.
    pub fn amount(&self) -> Option<(Decimal, Currency)> {
        match self {
            Payment::Transfer(t) => Some((t.amount, Currency::Inr)),
            Payment::Link(l) => Some((l.amount, Currency::Inr)),
            Payment::Payout(p) => p.amount.map(|v| (v, p.currency)),
        }
    }
}

/// How a PayU India transfer moves: three bank rails and UPI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rail {
    Imps,
    Neft,
    Rtgs,
    Upi,
}

impl Rail {
    pub const ALL: [Rail; 4] = [Rail::Imps, Rail::Neft, Rail::Rtgs, Rail::Upi];

    /// PayU's `paymentType`.
    pub fn name(self) -> &'static str {
        match self {
            Rail::Imps => "IMPS",
            Rail::Neft => "NEFT",
            Rail::Rtgs => "RTGS",
            Rail::Upi => "UPI",
        }
    }
}

/// Where a PayU India transfer goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferTo {
    /// An account (digits only) at the branch with this (upper-case) IFSC.
    Bank { account: String, ifsc: String },
    /// A UPI ID, as written.
    Upi { vpa: String },
}

/// A PayU India direct transfer.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectTransfer {
    pub reference: String,
    /// The sheet's `batchId`; the run's own when the row gives none.
    pub batch: Option<String>,
    pub mode: Rail,
    pub to: TransferTo,
    pub name: String,
    pub email: Option<String>,
    /// Ten digits, without `+91` or a leading 0.
    pub mobile: Option<String>,
    pub purpose: String,
    /// In rupees.
    pub amount: Decimal,
    pub scheduled: Option<DateTime<Utc>>,
    /// `custom1` to `custom3`.
    pub custom: [Option<String>; 3],
}

/// A PayU India Smart Send payout link: PayU sends it to the payee's mobile or e-mail.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub reference: String,
    /// In rupees.
    pub amount: Decimal,
    pub name: String,
    /// Ten digits, without `+91` or a leading 0.
    pub mobile: Option<String>,
    /// As written (the fingerprint compares it in lower case).
    pub email: Option<String>,
    pub description: String,
    pub expiry: Option<DateTime<Utc>>,
}

/// A PayU Europe payout.
#[derive(Debug, Clone, PartialEq)]
pub struct EuropePayout {
    pub reference: String,
    /// The row's `shopId`; the configured default shop when the row gives none.
    pub shop: Option<String>,
    pub currency: Currency,
    /// In major units; `None` pays out the shop's whole balance (`payoutAll`).
    pub amount: Option<Decimal>,
    pub to: PayoutTo,
    pub description: Option<String>,
    pub additional_variables: Option<String>,
    pub customer: Option<Address>,
    /// The recipient bank's address (foreign payouts).
    pub bank_address: Option<Address>,
}

/// Where a PayU Europe payout goes: exactly one destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayoutTo {
    /// The shop's own account: the row names no destination.
    Shop,
    /// A bank account (compact: no spaces); `foreign` for an account abroad or any EUR payout.
    Bank {
        account: String,
        bank_name: Option<String>,
        swift: Option<String>,
        foreign: bool,
    },
    /// A Polish postal order to the customer's address.
    PostalOrder,
    /// A card PayU holds as a token (`TOKC_…`).
    CardToken(String),
    /// A card by its number (digits only) and expiry.
    Card {
        number: String,
        month: u32,
        year: i32,
    },
}

/// A postal address; a bank's has no name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    pub name: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    /// ISO 3166 alpha-2, upper case.
    pub country: Option<String>,
}
