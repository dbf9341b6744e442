//! From a valid row's payment to the PayU request that pays it, with what the journal keys it
//! by: its reference, its merchant, and the fingerprint of what it pays (amount and
//! destination).
//!
//! Validation handed on the payment typed ([`crate::payment`]), each value already in the form
//! PayU takes; here it is only put into PayU's request shapes.

use rust_decimal::Decimal;

use crate::currency::Currency;
use crate::journal::fingerprint;
use crate::payment::{self, Payment, PayoutTo, TransferTo};
use crate::payu::europe::{Account, Address, Card, CardToken, CreatePayout, Payout};
use crate::payu::india::Transfer;
use crate::payu::smart_send::CreateLink;
use crate::text::mask;
use crate::validate::dates;

/// The request that pays a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    Transfer(Transfer),
    Link(CreateLink),
    Payout(CreatePayout),
}

/// A row's payment as it goes out: PayU's request, and the keys the journal holds it by.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// `merchantRefId` or `extPayoutId`.
    pub reference: String,
    /// The payout merchant id (India) or the shop id (Europe).
    pub merchant: String,
    /// Amount and destination, hashed: the same reference with another fingerprint is
    /// `REF_REUSED`.
    pub fingerprint: String,
    pub amount: Option<(Decimal, Currency)>,
    pub request: Request,
}

/// Who pays the rows of a run: the India merchant, the Europe shop (for rows without a
/// `shopId` cell), and the `batchId` for payout rows that give none.
pub struct Payer<'a> {
    pub india_merchant: &'a str,
    pub default_shop: Option<&'a str>,
    pub batch_id: &'a str,
}

/// The request a valid row's payment makes.
pub fn outgoing(payment: &Payment, payer: &Payer) -> Outgoing {
    match payment {
        Payment::Transfer(t) => transfer(t, payer),
        Payment::Link(l) => link(l, payer),
        Payment::Payout(p) => payout(p, payer),
    }
}

fn money(amount: Option<(Decimal, Currency)>) -> String {
    match amount {
        Some((v, c)) => format!("{} {}", v.normalize(), c.code()),
        None => "whole balance".to_owned(),
    }
}

fn transfer(t: &payment::DirectTransfer, payer: &Payer) -> Outgoing {
    let mode = t.mode.name().to_owned();
    // The destination as the request carries it, and as its fingerprint names it.
    let (account, ifsc, vpa, destination) = match &t.to {
        TransferTo::Bank { account, ifsc } => (
            Some(account.clone()),
            Some(ifsc.clone()),
            None,
            format!("account:{account}/{ifsc}"),
        ),
        TransferTo::Upi { vpa } => (
            None,
            None,
            Some(vpa.clone()),
            format!("vpa:{}", vpa.to_ascii_lowercase()),
        ),
    };
    let scheduled = t.scheduled.map(|when| {
        when.with_timezone(&dates::ist())
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    });
    let [custom1, custom2, custom3] = t.custom.clone();
    let request = Transfer {
        beneficiary_account_number: account,
        beneficiary_ifsc_code: ifsc,
        beneficiary_name: t.name.clone(),
        beneficiary_email: t.email.clone(),
        beneficiary_mobile: t.mobile.clone(),
        purpose: t.purpose.clone(),
        amount: t.amount,
        batch_id: t.batch.clone().unwrap_or_else(|| payer.batch_id.to_owned()),
        merchant_ref_id: t.reference.clone(),
        payment_type: mode.clone(),
        vpa,
        retry: false,
        scheduled_time: scheduled,
        custom1,
        custom2,
        custom3,
        disable_approval_flow: None,
    };
    let amount = Some((t.amount, Currency::Inr));
    Outgoing {
        fingerprint: fingerprint(&[&money(amount), &mode, &destination]),
        reference: t.reference.clone(),
        merchant: payer.india_merchant.to_owned(),
        amount,
        request: Request::Transfer(request),
    }
}

fn link(l: &payment::Link, payer: &Payer) -> Outgoing {
    let email = l.email.as_deref().map(str::to_ascii_lowercase);
    let destination = format!(
        "mobile:{} email:{}",
        l.mobile.as_deref().unwrap_or(""),
        email.as_deref().unwrap_or("")
    );
    let request = CreateLink {
        amount: l.amount,
        merchant_ref_id: l.reference.clone(),
        cust_name: l.name.clone(),
        cust_mobile: l.mobile.clone(),
        cust_email: l.email.clone(),
        description: l.description.clone(),
        expiry_date: l
            .expiry
            .map(|when| when.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
        disable_approval_flow: None,
    };
    let amount = Some((l.amount, Currency::Inr));
    Outgoing {
        fingerprint: fingerprint(&[&money(amount), &destination]),
        reference: l.reference.clone(),
        merchant: payer.india_merchant.to_owned(),
        amount,
        request: Request::Link(request),
    }
}

fn address(a: &payment::Address) -> Address {
    Address {
        name: a.name.clone(),
        street: a.street.clone(),
        postal_code: a.postal_code.clone(),
        city: a.city.clone(),
        country_code: a.country.clone(),
    }
}

fn payout(p: &payment::EuropePayout, payer: &Payer) -> Outgoing {
    let shop = p
        .shop
        .clone()
        .or_else(|| payer.default_shop.map(str::to_owned))
        .unwrap_or_default();
    let amount = p.amount.map(|v| (v, p.currency));
    let request = CreatePayout {
        shop_id: shop.clone(),
        payout: Some(Payout {
            ext_payout_id: Some(p.reference.clone()),
            amount: amount
                .and_then(|(v, c)| c.to_minor(v))
                .map(|m| m.to_string()),
            description: p.description.clone(),
            currency_code: Some(p.currency.code().to_owned()),
            additional_variables: p.additional_variables.clone(),
            foreign: matches!(p.to, PayoutTo::Bank { foreign: true, .. }).then_some(true),
            postal_order: matches!(p.to, PayoutTo::PostalOrder).then_some(true),
        }),
        account: match &p.to {
            PayoutTo::Bank {
                account,
                bank_name,
                swift,
                ..
            } => Some(Account {
                account_number: account.clone(),
                bank_name: bank_name.clone(),
                swift_code: swift.clone(),
            }),
            _ => None,
        },
        customer_address: p.customer.as_ref().map(address),
        bank_address: p.bank_address.as_ref().map(address),
        card_token: match &p.to {
            PayoutTo::CardToken(value) => Some(CardToken {
                value: value.clone(),
            }),
            _ => None,
        },
        card: match &p.to {
            PayoutTo::Card {
                number,
                month,
                year,
            } => Some(Card {
                number: number.clone(),
                expiration_month: format!("{month:02}"),
                expiration_year: year.to_string(),
            }),
            _ => None,
        },
    };
    Outgoing {
        fingerprint: fingerprint(&[&money(amount), p.currency.code(), &destination(&p.to)]),
        reference: p.reference.clone(),
        merchant: shop,
        amount,
        request: Request::Payout(request),
    }
}

/// Where a PayU Europe payout goes, as its fingerprint names it (a card masked).
fn destination(to: &PayoutTo) -> String {
    match to {
        PayoutTo::Bank { account, .. } => format!("account:{account}"),
        PayoutTo::Card { number, .. } => format!("card:{}", mask(number)),
        PayoutTo::CardToken(value) => format!("token:{value}"),
        PayoutTo::PostalOrder => "postal-order".to_owned(),
        PayoutTo::Shop => "shop".to_owned(),
    }
}
