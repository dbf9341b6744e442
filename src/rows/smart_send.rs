//! `smart-send` sheets: PayU India Smart Send v2 links (payu.md §12.2).

use super::{FieldSpec, Identifier::*};

pub const MERCHANT_REF_ID: usize = 0;
pub const AMOUNT: usize = 1;
pub const CUST_NAME: usize = 2;
pub const CUST_MOBILE: usize = 3;
pub const CUST_EMAIL: usize = 4;
pub const DESCRIPTION: usize = 5;
pub const EXPIRY_DATE: usize = 6;

pub static FIELDS: &[FieldSpec] = &[
    FieldSpec::new("merchantRefId", super::payout::REFERENCE_ALIASES).id(Lenient),
    FieldSpec::new("amount", &["Amount", "Amount (INR)", "Amount INR", "Amt"]),
    FieldSpec::new(
        "custName",
        &["Customer Name", "Name", "Payee Name", "Beneficiary Name"],
    ),
    FieldSpec::new(
        "custMobile",
        &[
            "Mobile",
            "Mobile No",
            "Mobile Number",
            "Phone",
            "Customer Mobile",
        ],
    )
    .id(Lenient),
    FieldSpec::new(
        "custEmail",
        &["Email", "Email ID", "Email Address", "Customer Email"],
    ),
    FieldSpec::new("description", &["Description", "Desc", "Link Description"]),
    FieldSpec::new(
        "expiryDate",
        &["Expiry Date", "Expiry", "Link Expiry", "Expires On"],
    ),
];

pub const REQUIRED: &[&[usize]] = &[
    &[MERCHANT_REF_ID],
    &[AMOUNT],
    &[CUST_NAME],
    &[DESCRIPTION],
    &[CUST_MOBILE, CUST_EMAIL],
];
