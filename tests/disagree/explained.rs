//! Why the tool and the sandbox judge some sample rows differently: each entry names a sheet
//! and a reference, with the reason.

// Why the tool refuses rows that PayU, as its documents describe it, would take. Each is a
// choice the tool makes on purpose (docs/rules.md §9), where PayU's documents are silent,
// conflict, or come from elsewhere.

const LIMITS: &str = "the tool applies RBI's per-mode limits (IMPS at most ₹5,00,000, RTGS at \
    least ₹2,00,000, UPI at most ₹1,00,000); PayU publishes none: codes 1032 and 1128 exist \
    but their values do not (payu.md §17, [3P] sources), so the sandbox applies none";
const REFERENCE_CHARACTERS: &str = "the tool allows only letters, digits, '-' and '_' in a \
    merchantRefId, so that a reference survives every lookup and file; PayU documents only \
    its length, 40 (payu.md §4.1, §17: the character set is UNCONFIRMED, 'alphanumeric is \
    safest')";
const REPEATED_IN_SHEET: &str = "the tool refuses both rows of a reference repeated in one \
    sheet, since it cannot tell which one is meant; PayU takes the first it is sent and \
    refuses the second as a duplicate";
const ROW_SHAPE: &str = "the row has more or fewer cells than the header, so the tool will not \
    guess which cell belongs to which column; PayU only ever sees the request";
const EXCEL_NUMBER: &str = "the cell arrived as an Excel number, which keeps 15 digits: the \
    account number the request would carry may already be rounded, and PayU cannot know that";
const CELL_ERROR: &str = "a cell holds a spreadsheet error (#N/A, #REF!…): the tool refuses \
    the row rather than send a formula's failure as a value; PayU sees only text";
const NAME_LENGTH: &str = "the tool limits a payee's name to 100 characters (docs/rules.md §9); \
    PayU documents no length for custName (payu.md §12.2)";
const TOO_LONG: &str = "PayU's *_TOO_LONG codes exist but their lengths are not documented \
    (payu.md §16.7); the tool picks limits (docs/rules.md §9), the sandbox has none";
const COUNTRY_LIST: &str = "the tool checks a country code against ISO 3166-1's list; PayU \
    documents only that it is an ISO 3166 two-letter code (payu.md §16.3), and the sandbox \
    checks that shape, carrying no list of countries";
const CZECH_CHECKSUM: &str = "the tool checks a Czech domestic account's mod-11 check digits, a \
    typo a bank would bounce; PayU documents 'no format restriction for national (domestic) \
    transfers' (payu.md §16.3)";
const FOREIGN_IBAN: &str = "the tool wants an IBAN for a foreign payout to a bank whose country \
    uses IBANs; PayU states account formats for Polish and Czech accounts only (payu-api.md \
    §16.3)";
const TWO_AMOUNTS: &str = "the row gives amount and amountMinor and they differ: the tool will \
    not choose between them; the request carries one amount, which PayU takes";
const VARIABLE_SYMBOL: &str = "the tool checks the Czech variable symbol (VS= and 1–10 digits, \
    on Czech payouts only); PayU documents only a sample, 'VS=888111', and no code for a bad one \
    (payu.md §16.3)";
const DESCRIPTION_CHARACTERS: &str = "the tool refuses a line break in a description with \
    8334 INCORRECT_DESCRIPTION; PayU lists the code but not what makes a description incorrect \
    (payu.md §16.7)";

/// Each row where the tool and the sandbox disagree, by sheet and reference, and why.
pub const EXPLAINED: &[(&str, &str, &str)] = &[
    ("payout.csv", "PAY/2611/012", REFERENCE_CHARACTERS),
    ("payout.csv", "PAY-2611-018", LIMITS),
    ("payout.csv", "PAY-2611-019", LIMITS),
    ("payout.csv", "PAY-2611-024", REPEATED_IN_SHEET),
    ("payout.csv", "PAY-2611-025", ROW_SHAPE),
    ("payout.xlsx", "PAY/2611/012", REFERENCE_CHARACTERS),
    ("payout.xlsx", "PAY-2611-018", LIMITS),
    ("payout.xlsx", "PAY-2611-019", LIMITS),
    ("payout.xlsx", "PAY-2611-024", REPEATED_IN_SHEET),
    ("payout.xlsx", "PAY-2611-025", ROW_SHAPE),
    ("smart-send.csv", "LINK-2611-021", REPEATED_IN_SHEET),
    ("smart-send.csv", "LINK-2611-022", NAME_LENGTH),
    ("smart-send.csv", "LINK-2611-024", ROW_SHAPE),
    ("smart-send.xlsx", "LINK-2611-021", REPEATED_IN_SHEET),
    ("smart-send.xlsx", "LINK-2611-022", NAME_LENGTH),
    ("smart-send.xlsx", "LINK-2611-024", ROW_SHAPE),
    ("global-payout.csv", "EU-2611-026", TWO_AMOUNTS),
    ("global-payout.csv", "EU-2611-028", VARIABLE_SYMBOL),
    ("global-payout.csv", "EU-2611-030", REPEATED_IN_SHEET),
    ("global-payout.csv", "EU-2611-033", CZECH_CHECKSUM),
    ("global-payout.csv", "EU-2611-034", DESCRIPTION_CHARACTERS),
    ("global-payout.csv", "EU-2611-037", COUNTRY_LIST),
    ("global-payout.csv", "EU-2611-038", TOO_LONG),
    ("global-payout.csv", "EU-2611-041", FOREIGN_IBAN),
    ("global-payout.xlsx", "EU-2611-026", TWO_AMOUNTS),
    ("global-payout.xlsx", "EU-2611-028", VARIABLE_SYMBOL),
    ("global-payout.xlsx", "EU-2611-030", REPEATED_IN_SHEET),
    ("global-payout.xlsx", "EU-2611-033", CZECH_CHECKSUM),
    ("global-payout.xlsx", "EU-2611-034", DESCRIPTION_CHARACTERS),
    ("global-payout.xlsx", "EU-2611-037", COUNTRY_LIST),
    ("global-payout.xlsx", "EU-2611-038", TOO_LONG),
    ("global-payout.xlsx", "EU-2611-041", FOREIGN_IBAN),
    ("payout.xlsx", "PAY-2611-023", EXCEL_NUMBER),
    ("smart-send.xlsx", "LINK-2611-010", CELL_ERROR),
    ("global-payout.xlsx", "EU-2611-001", EXCEL_NUMBER),
    ("global-payout.xlsx", "EU-2611-014", CELL_ERROR),
];

// Where both refuse a row, PayU's codes should agree too: the same set for PayU India (which
// lists every problem of a transfer or link), and the sandbox's one code among the tool's for
// PayU Europe (which answers one). Compared only for rows whose every code is PayU's: a
// tool's own code (AMOUNT_FORMAT, EXCEL_NUMBER…) stands for a problem PayU names otherwise.

const BANK_AND_NAME: &str = "the tool answers 1005 for a bank its IFSC snapshot (data/ifsc) \
    does not know, and 1007 for a beneficiaryName with a digit; the sandbox carries no bank \
    list (PayU documents the IFSC's shape, payu.md §17) and PayU documents no character set \
    for a name (payu.md §4.1), so it asks only that there is one";
const LINK_NAME: &str = "custName is mandatory in PayU's GitBook and one OAS and optional \
    elsewhere (payu.md §12.2): the tool requires it (1007), the sandbox does not";

/// Each row both refuse with different PayU codes, by sheet and reference, and why.
pub const EXPLAINED_CODES: &[(&str, &str, &str)] = &[
    ("payout.csv", "PAY-2611-016", BANK_AND_NAME),
    ("payout.csv", "PAY-2611-017", LIMITS),
    ("payout.xlsx", "PAY-2611-016", BANK_AND_NAME),
    ("payout.xlsx", "PAY-2611-017", LIMITS),
    ("smart-send.csv", "LINK-2611-016", LINK_NAME),
    ("smart-send.xlsx", "LINK-2611-016", LINK_NAME),
];
