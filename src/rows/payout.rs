//! `payout` sheets: PayU India Initiate Transfer items (payu.md §4.1).

use super::{FieldSpec, Identifier::*};

pub const MERCHANT_REF_ID: usize = 0;
pub const BATCH_ID: usize = 1;
pub const PAYMENT_TYPE: usize = 2;
pub const BENEFICIARY_ACCOUNT_NUMBER: usize = 3;
pub const BENEFICIARY_IFSC_CODE: usize = 4;
pub const VPA: usize = 5;
pub const BENEFICIARY_NAME: usize = 6;
pub const BENEFICIARY_EMAIL: usize = 7;
pub const BENEFICIARY_MOBILE: usize = 8;
pub const AMOUNT: usize = 9;
pub const PURPOSE: usize = 10;
pub const SCHEDULED_TIME: usize = 11;
pub const CUSTOM1: usize = 12;
pub const CUSTOM2: usize = 13;
pub const CUSTOM3: usize = 14;

pub const REFERENCE_ALIASES: &[&str] = &[
    "Reference",
    "Ref",
    "Ref ID",
    "Reference ID",
    "Reference No",
    "Merchant Reference",
    "Payment Reference",
    "Transaction Reference",
];

pub static FIELDS: &[FieldSpec] = &[
    FieldSpec::new("merchantRefId", REFERENCE_ALIASES).id(Lenient),
    FieldSpec::new("batchId", &["Batch", "Batch ID"]).id(Lenient),
    FieldSpec::new(
        "paymentType",
        &[
            "Payment Type",
            "Payment Mode",
            "Mode",
            "Transfer Type",
            "Transfer Mode",
        ],
    ),
    FieldSpec::new(
        "beneficiaryAccountNumber",
        &[
            "Account Number",
            "Account No",
            "A/C No",
            "Acc No",
            "Bank Account Number",
            "Beneficiary Account",
            "Beneficiary Account No",
            "Account",
        ],
    )
    .id(Strict),
    FieldSpec::new(
        "beneficiaryIfscCode",
        &["IFSC", "IFSC Code", "Beneficiary IFSC", "Bank IFSC"],
    )
    .id(Strict),
    FieldSpec::new("vpa", &["UPI ID", "UPI", "UPI Address", "Beneficiary VPA"]),
    FieldSpec::new(
        "beneficiaryName",
        &[
            "Beneficiary Name",
            "Name",
            "Payee Name",
            "Account Holder Name",
            "Account Name",
            "Beneficiary",
        ],
    ),
    FieldSpec::new(
        "beneficiaryEmail",
        &["Email", "Email ID", "Email Address", "Beneficiary Email"],
    ),
    FieldSpec::new(
        "beneficiaryMobile",
        &[
            "Mobile",
            "Mobile No",
            "Mobile Number",
            "Phone",
            "Phone Number",
            "Contact Number",
        ],
    )
    .id(Lenient),
    FieldSpec::new(
        "amount",
        &[
            "Amount",
            "Amount (INR)",
            "Amount INR",
            "Transfer Amount",
            "Amt",
        ],
    ),
    FieldSpec::new(
        "purpose",
        &["Purpose", "Remarks", "Narration", "Payment Purpose"],
    ),
    FieldSpec::new(
        "scheduledTime",
        &["Scheduled Time", "Schedule Time", "Scheduled At"],
    ),
    FieldSpec::new("custom1", &["Custom 1"]),
    FieldSpec::new("custom2", &["Custom 2"]),
    FieldSpec::new("custom3", &["Custom 3"]),
];

/// Without these a payout sheet cannot be read (the account/IFSC-or-VPA rule is in
/// `Kind::missing`).
pub const REQUIRED: &[&[usize]] = &[
    &[MERCHANT_REF_ID],
    &[PAYMENT_TYPE],
    &[BENEFICIARY_NAME],
    &[AMOUNT],
    &[PURPOSE],
    &[BENEFICIARY_ACCOUNT_NUMBER, VPA],
];
