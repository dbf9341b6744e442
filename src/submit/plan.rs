//! From a valid row to the PayU request that pays it, with what the journal keys it by: its
//! reference, its merchant, and the fingerprint of what it pays (amount and destination).
//!
//! Only rows that passed validation come here, so every value is known to be usable; the
//! values go to PayU in the form PayU wants (a 10-digit mobile, an upper-case IFSC, minor
//! units for PayU Europe), the same normalisation validation accepted.

use rust_decimal::Decimal;

use crate::journal::fingerprint;
use crate::payu::europe::{Account, Address, Card, CardToken, CreatePayout, Payout};
use crate::payu::india::Transfer;
use crate::payu::smart_send::CreateLink;
use crate::rows::{HeaderMap, Kind, global_payout as eu, payout as pay, smart_send as ss};
use crate::sheet::RawRow;
use crate::validate::amount::to_minor;
use crate::validate::{Currency, account, card, contact, dates};

/// The request that pays a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    Transfer(Transfer),
    Link(CreateLink),
    Payout(CreatePayout),
}

/// A row ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Payment {
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

/// Reads one row's fields through the header map: trimmed, `None` when empty.
struct Fields<'a> {
    map: &'a HeaderMap,
    raw: &'a RawRow,
}

impl<'a> Fields<'a> {
    fn get(&self, field: usize) -> Option<&'a str> {
        let col = self.map.column(field)?;
        let text = self.raw.get(col)?.text.trim();
        (!text.is_empty()).then_some(text)
    }

    fn owned(&self, field: usize) -> Option<String> {
        self.get(field).map(str::to_owned)
    }

    fn flag(&self, field: usize) -> bool {
        self.get(field)
            .is_some_and(|t| matches!(t.to_ascii_lowercase().as_str(), "yes" | "y" | "true" | "1"))
    }
}

/// Where the rows of a run go: the India merchant and the Europe shop (for rows without a
/// `shopId` cell).
pub struct Target<'a> {
    pub india_merchant: &'a str,
    pub default_shop: Option<&'a str>,
    /// The `batchId` for payout rows that give none.
    pub batch_id: &'a str,
}

/// The payment a valid row makes.
pub fn payment(
    map: &HeaderMap,
    raw: &RawRow,
    amount: Option<(Decimal, Currency)>,
    target: &Target,
) -> Payment {
    let f = Fields { map, raw };
    match map.kind {
        Kind::Payout => transfer(&f, amount, target),
        Kind::SmartSend => link(&f, amount, target),
        Kind::GlobalPayout => payout(&f, amount, target),
    }
}

fn money(amount: Option<(Decimal, Currency)>) -> String {
    match amount {
        Some((v, c)) => format!("{} {}", v.normalize(), c.code()),
        None => "whole balance".to_owned(),
    }
}

fn transfer(f: &Fields, amount: Option<(Decimal, Currency)>, target: &Target) -> Payment {
    let mode = f.get(pay::PAYMENT_TYPE).unwrap_or("").to_ascii_uppercase();
    let upi = mode == "UPI";
    let account = (!upi)
        .then(|| f.get(pay::BENEFICIARY_ACCOUNT_NUMBER).map(account::compact))
        .flatten();
    let ifsc = (!upi)
        .then(|| {
            f.get(pay::BENEFICIARY_IFSC_CODE)
                .map(str::to_ascii_uppercase)
        })
        .flatten();
    let vpa = upi.then(|| f.owned(pay::VPA)).flatten();
    let reference = f.owned(pay::MERCHANT_REF_ID).unwrap_or_default();
    let destination = match (&vpa, &account, &ifsc) {
        (Some(v), _, _) => format!("vpa:{}", v.to_ascii_lowercase()),
        (None, a, i) => format!(
            "account:{}/{}",
            a.as_deref().unwrap_or(""),
            i.as_deref().unwrap_or("")
        ),
    };
    let scheduled = f.get(pay::SCHEDULED_TIME).and_then(|t| {
        dates::scheduled_time(t).map(|when| {
            when.with_timezone(&dates::ist())
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
    });
    let request = Transfer {
        beneficiary_account_number: account,
        beneficiary_ifsc_code: ifsc,
        beneficiary_name: f.owned(pay::BENEFICIARY_NAME).unwrap_or_default(),
        beneficiary_email: f.owned(pay::BENEFICIARY_EMAIL),
        beneficiary_mobile: f
            .get(pay::BENEFICIARY_MOBILE)
            .and_then(|m| contact::india_mobile(m).ok())
            .map(|m| m.as_str().to_owned()),
        purpose: f.owned(pay::PURPOSE).unwrap_or_default(),
        amount: amount.map_or(Decimal::ZERO, |a| a.0),
        batch_id: f
            .owned(pay::BATCH_ID)
            .unwrap_or_else(|| target.batch_id.to_owned()),
        merchant_ref_id: reference.clone(),
        payment_type: mode.clone(),
        vpa,
        retry: false,
        scheduled_time: scheduled,
        custom1: f.owned(pay::CUSTOM1),
        custom2: f.owned(pay::CUSTOM2),
        custom3: f.owned(pay::CUSTOM3),
        disable_approval_flow: None,
    };
    Payment {
        fingerprint: fingerprint(&[&money(amount), &mode, &destination]),
        reference,
        merchant: target.india_merchant.to_owned(),
        amount,
        request: Request::Transfer(request),
    }
}

fn link(f: &Fields, amount: Option<(Decimal, Currency)>, target: &Target) -> Payment {
    let reference = f.owned(ss::MERCHANT_REF_ID).unwrap_or_default();
    let mobile = f
        .get(ss::CUST_MOBILE)
        .and_then(|m| contact::india_mobile(m).ok())
        .map(|m| m.as_str().to_owned());
    let email = f.get(ss::CUST_EMAIL).map(str::to_ascii_lowercase);
    let expiry = f.get(ss::EXPIRY_DATE).and_then(|t| {
        dates::expiry(t).map(|when| when.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
    });
    let destination = format!(
        "mobile:{} email:{}",
        mobile.as_deref().unwrap_or(""),
        email.as_deref().unwrap_or("")
    );
    let request = CreateLink {
        amount: amount.map_or(Decimal::ZERO, |a| a.0),
        merchant_ref_id: reference.clone(),
        cust_name: f.owned(ss::CUST_NAME).unwrap_or_default(),
        cust_mobile: mobile,
        cust_email: f.owned(ss::CUST_EMAIL),
        description: f.owned(ss::DESCRIPTION).unwrap_or_default(),
        expiry_date: expiry,
        disable_approval_flow: None,
    };
    Payment {
        fingerprint: fingerprint(&[&money(amount), &destination]),
        reference,
        merchant: target.india_merchant.to_owned(),
        amount,
        request: Request::Link(request),
    }
}

/// An address from its five fields (a bank address has no name field).
fn address(f: &Fields, fields: [Option<usize>; 5]) -> Option<Address> {
    let [name, street, postal, city, country] = fields.map(|i| i.and_then(|i| f.owned(i)));
    let any = [&name, &street, &postal, &city, &country]
        .iter()
        .any(|v| v.is_some());
    any.then(|| Address {
        name,
        street,
        postal_code: postal,
        city,
        country_code: country.map(|c| c.to_ascii_uppercase()),
    })
}

fn payout(f: &Fields, amount: Option<(Decimal, Currency)>, target: &Target) -> Payment {
    let reference = f.owned(eu::EXT_PAYOUT_ID).unwrap_or_default();
    let shop = f
        .owned(eu::SHOP_ID)
        .or_else(|| target.default_shop.map(str::to_owned))
        .unwrap_or_default();
    let currency = f
        .get(eu::CURRENCY)
        .and_then(Currency::from_code)
        .unwrap_or(Currency::Pln);
    let minor = amount
        .and_then(|(v, c)| to_minor(v, c))
        .map(|m| m.to_string());
    let account = f.get(eu::ACCOUNT_NUMBER).map(|number| Account {
        account_number: account::compact(number),
        bank_name: f.owned(eu::BANK_NAME),
        swift_code: f.get(eu::SWIFT_CODE).map(account::compact),
    });
    let card = f.get(eu::CARD_NUMBER).map(|number| Card {
        number: card::card_digits(number),
        expiration_month: f
            .get(eu::CARD_EXPIRATION_MONTH)
            .and_then(|m| m.parse::<u32>().ok())
            .map_or_else(String::new, |m| format!("{m:02}")),
        expiration_year: f
            .get(eu::CARD_EXPIRATION_YEAR)
            .map(|y| {
                if y.len() == 2 {
                    format!("20{y}")
                } else {
                    y.to_owned()
                }
            })
            .unwrap_or_default(),
    });
    let card_token = f.owned(eu::CARD_TOKEN).map(|value| CardToken { value });
    let postal_order = f.flag(eu::POSTAL_ORDER);
    let foreign = f.flag(eu::FOREIGN) || (account.is_some() && currency == Currency::Eur);
    let destination = match (&account, &card, &card_token) {
        (Some(a), _, _) => format!("account:{}", a.account_number),
        (_, Some(c), _) => format!("card:{}", card::mask(&c.number)),
        (_, _, Some(t)) => format!("token:{}", t.value),
        _ if postal_order => "postal-order".to_owned(),
        _ => "shop".to_owned(),
    };
    let customer = address(
        f,
        [
            Some(eu::CUSTOMER_NAME),
            Some(eu::CUSTOMER_STREET),
            Some(eu::CUSTOMER_POSTAL_CODE),
            Some(eu::CUSTOMER_CITY),
            Some(eu::CUSTOMER_COUNTRY),
        ],
    );
    let bank = address(
        f,
        [
            None,
            Some(eu::BANK_STREET),
            Some(eu::BANK_POSTAL_CODE),
            Some(eu::BANK_CITY),
            Some(eu::BANK_COUNTRY),
        ],
    );
    let request = CreatePayout {
        shop_id: shop.clone(),
        payout: Some(Payout {
            ext_payout_id: Some(reference.clone()),
            amount: minor,
            description: f.owned(eu::DESCRIPTION),
            currency_code: Some(currency.code().to_owned()),
            additional_variables: f.owned(eu::ADDITIONAL_VARIABLES),
            foreign: foreign.then_some(true),
            postal_order: postal_order.then_some(true),
        }),
        account,
        customer_address: customer,
        bank_address: bank,
        card_token,
        card,
    };
    Payment {
        fingerprint: fingerprint(&[&money(amount), currency.code(), &destination]),
        reference,
        merchant: shop,
        amount,
        request: Request::Payout(request),
    }
}
