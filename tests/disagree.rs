//! The tool against the sandbox (issue 11): every row of every sample sheet is judged twice,
//! by `payu-bulk validate` (its results file) and by a `payu-bulk sandbox` process, whose
//! rules are its own, written from PayU's documents (src/sandbox/rules.rs). Each row, passed
//! or refused, goes to the sandbox as the PayU request the tool would build from its cells.
//! Where the two verdicts differ, the row must be in [`EXPLAINED`] with the reason, and where
//! both refuse it with different PayU codes, in [`EXPLAINED_CODES`]; a new disagreement, or an
//! explanation no row needs any more, fails the test.
//!
//! The requests are built here from the cells, not through the tool's planner: the planner
//! takes only rows that passed, and drops what it cannot read (an unreadable mobile is left
//! out), which would hide from PayU exactly what made the tool refuse the row. So each value
//! goes as the tool would send it where the tool can read it (an amount in the sheet's
//! notations as a number, a mobile without its `+91`, an IFSC in upper case, minor units for
//! PayU Europe), and otherwise as written, for PayU to judge.

mod common;

use std::collections::HashMap;
use std::str::FromStr;

use common::{Sandbox, Workdir, code, col, read_csv, stderr};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use payu_bulk::payu::auth::INDIA_PUBLIC_CLIENT_ID_TEST;
use payu_bulk::sandbox::{
    EUROPE_POS_ID, EUROPE_POS_SECRET, INDIA_MERCHANT_ID, INDIA_PASSWORD, INDIA_USERNAME,
};
use payu_bulk::sheet::{ReadOptions, Sheet};

/// The held-in sheets of each kind (tests/data/ holds reader fixtures, no payout sheets).
const SHEETS: &[&str] = &[
    "samples/payout.csv",
    "samples/payout.xlsx",
    "samples/smart-send.csv",
    "samples/smart-send.xlsx",
    "samples/global-payout.csv",
    "samples/global-payout.xlsx",
];

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
const EXPLAINED: &[(&str, &str, &str)] = &[
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
const EXPLAINED_CODES: &[(&str, &str, &str)] = &[
    ("payout.csv", "PAY-2611-016", BANK_AND_NAME),
    ("payout.csv", "PAY-2611-017", LIMITS),
    ("payout.xlsx", "PAY-2611-016", BANK_AND_NAME),
    ("payout.xlsx", "PAY-2611-017", LIMITS),
    ("smart-send.csv", "LINK-2611-016", LINK_NAME),
    ("smart-send.xlsx", "LINK-2611-016", LINK_NAME),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Payout,
    SmartSend,
    GlobalPayout,
}

impl Kind {
    fn of(sheet: &str) -> Kind {
        if sheet.contains("smart-send") {
            Kind::SmartSend
        } else if sheet.contains("global-payout") {
            Kind::GlobalPayout
        } else {
            Kind::Payout
        }
    }

    /// PayU's field for a header, as the samples spell their headers (PayU's own names, and
    /// the plain ones people use), compared without case, spaces and marks.
    fn field(self, header: &str) -> Option<&'static str> {
        let key: String = header
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        let aliases: &[(&str, &str)] = match self {
            Kind::Payout => &[
                ("reference", "merchantRefId"),
                ("batch", "batchId"),
                ("paymentmode", "paymentType"),
                ("accountno", "beneficiaryAccountNumber"),
                ("ifsccode", "beneficiaryIfscCode"),
                ("upiid", "vpa"),
                ("beneficiaryname", "beneficiaryName"),
                ("email", "beneficiaryEmail"),
                ("mobile", "beneficiaryMobile"),
                ("amount", "amount"),
                ("purpose", "purpose"),
                ("scheduledtime", "scheduledTime"),
                ("custom1", "custom1"),
            ],
            Kind::SmartSend => &[
                ("reference", "merchantRefId"),
                ("customername", "custName"),
                ("mobile", "custMobile"),
                ("email", "custEmail"),
                ("amount", "amount"),
                ("description", "description"),
                ("expirydate", "expiryDate"),
            ],
            // The Europe sample's headers are PayU's own dotted names.
            Kind::GlobalPayout => return GLOBAL_FIELDS.iter().copied().find(|f| flat(f) == key),
        };
        aliases
            .iter()
            .find(|(alias, field)| *alias == key || flat(field) == key)
            .map(|(_, field)| *field)
    }
}

const GLOBAL_FIELDS: &[&str] = &[
    "shopId",
    "extPayoutId",
    "amount",
    "amountMinor",
    "payoutAll",
    "currency",
    "description",
    "additionalVariables",
    "foreign",
    "postalOrder",
    "account.accountNumber",
    "account.bankName",
    "account.swiftCode",
    "customerAddress.name",
    "customerAddress.street",
    "customerAddress.postalCode",
    "customerAddress.city",
    "customerAddress.countryCode",
    "bankAddress.street",
    "bankAddress.postalCode",
    "bankAddress.city",
    "bankAddress.countryCode",
    "cardToken",
    "card.number",
    "card.expirationMonth",
    "card.expirationYear",
];

fn flat(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// One row's cells by PayU field, trimmed, empty ones left out.
struct Cells(HashMap<&'static str, String>);

impl Cells {
    fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    fn text(&self, field: &str) -> String {
        self.get(field).unwrap_or("").to_owned()
    }
}

/// The rows of a sheet as the tool's reader gives them, by row number.
fn read_rows(path: &std::path::Path, kind: Kind) -> HashMap<u64, Cells> {
    let sheet = Sheet::open(path, &ReadOptions::default()).expect("a sample sheet opens");
    let fields: Vec<Option<&'static str>> = sheet.headers().iter().map(|h| kind.field(h)).collect();
    let mut rows = HashMap::new();
    sheet
        .scan(|row| {
            let mut cells = HashMap::new();
            for (i, field) in fields.iter().enumerate() {
                let text = row.get(i).map(|c| c.text.trim()).unwrap_or("");
                if let (Some(field), false) = (field, text.is_empty()) {
                    cells.insert(*field, text.to_owned());
                }
            }
            rows.insert(row.number, Cells(cells));
        })
        .expect("a sample sheet reads");
    rows
}

/// An amount in the notations the tool reads (`1,25,000.50`, `₹ 18,500`, `INR 3300`,
/// `1 234.50`, `-500`): its value; `None` for anything else (`1,5`, `1.234,50`, `5E3`).
fn amount(text: &str) -> Option<Decimal> {
    let mut t = text.trim();
    for mark in ["₹", "INR", "Rs.", "Rs", "PLN", "EUR", "CZK"] {
        t = t.strip_prefix(mark).unwrap_or(t).trim();
        t = t.strip_suffix(mark).unwrap_or(t).trim();
    }
    let (sign, t) = t.strip_prefix('-').map_or(("", t), |rest| ("-", rest));
    let (whole, fraction) = t.split_once('.').unwrap_or((t, ""));
    let groups: Vec<&str> = whole.split([',', ' ']).collect();
    let digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    let grouped = groups.len() == 1
        || (groups.iter().all(|g| digits(g))
            && groups[0].len() <= 3
            && groups[groups.len() - 1].len() == 3
            && groups[1..groups.len() - 1]
                .iter()
                .all(|g| matches!(g.len(), 2 | 3)));
    if !grouped || !groups.iter().all(|g| digits(g)) {
        return None;
    }
    if t.contains('.') && !digits(fraction) {
        return None;
    }
    let plain = format!(
        "{sign}{}{}{fraction}",
        groups.concat(),
        if fraction.is_empty() { "" } else { "." }
    );
    Decimal::from_str(&plain).ok()
}

/// A JSON number written digit for digit (serde_json's arbitrary precision).
fn number(value: Decimal) -> Value {
    Value::Number(serde_json::Number::from_str(&value.to_string()).expect("a decimal's digits"))
}

/// An amount as the request carries it: the number the tool reads, or the text as written.
fn rupees(cells: &Cells, field: &str) -> Option<Value> {
    let text = cells.get(field)?;
    Some(amount(text).map_or_else(|| json!(text), number))
}

/// A mobile as the tool sends it: ten digits once spaces, dashes and a `+91`, `91` or `0` in
/// front are gone; otherwise as written.
fn mobile(text: &str) -> String {
    let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let bare = digits.strip_prefix("+91").unwrap_or(&digits);
    let bare = match bare.len() {
        12 => bare.strip_prefix("91").unwrap_or(bare),
        11 => bare.strip_prefix('0').unwrap_or(bare),
        _ => bare,
    };
    if bare.len() == 10 && bare.bytes().all(|b| b.is_ascii_digit()) {
        bare.to_owned()
    } else {
        text.to_owned()
    }
}

/// An expiry as the tool sends it, PayU's `yyyy-MM-dd'T'HH:mm:ss.000Z`: a date is the end of
/// that day in IST, a date and time without a zone is IST; otherwise as written.
fn expiry(text: &str) -> String {
    use chrono::{NaiveDate, NaiveDateTime, TimeZone};
    let ist = chrono::FixedOffset::east_opt(19_800).expect("IST");
    let at = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_milli_opt(23, 59, 59, 999))
        .or_else(|| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").ok());
    match at.and_then(|naive| ist.from_local_datetime(&naive).single()) {
        Some(at) => at
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string(),
        None => text.to_owned(),
    }
}

fn transfer(cells: &Cells) -> Value {
    let mode = cells.text("paymentType").to_ascii_uppercase();
    let mut t = Map::new();
    let mut put = |name: &str, value: Option<Value>| {
        if let Some(v) = value {
            t.insert(name.to_owned(), v);
        }
    };
    let text = |field: &str| cells.get(field).map(|v| json!(v));
    if mode == "UPI" {
        put("vpa", text("vpa"));
    } else {
        let account = cells.get("beneficiaryAccountNumber");
        put(
            "beneficiaryAccountNumber",
            account.map(|a| json!(a.replace(' ', ""))),
        );
        let ifsc = cells.get("beneficiaryIfscCode");
        put(
            "beneficiaryIfscCode",
            ifsc.map(|i| json!(i.to_ascii_uppercase())),
        );
    }
    put("merchantRefId", Some(json!(cells.text("merchantRefId"))));
    put(
        "batchId",
        Some(json!(cells.get("batchId").unwrap_or("DISAGREE-1"))),
    );
    put("paymentType", Some(json!(mode)));
    put("beneficiaryName", text("beneficiaryName"));
    put("beneficiaryEmail", text("beneficiaryEmail"));
    put(
        "beneficiaryMobile",
        cells.get("beneficiaryMobile").map(|m| json!(mobile(m))),
    );
    put("amount", rupees(cells, "amount"));
    put("purpose", text("purpose"));
    put("scheduledTime", text("scheduledTime"));
    put("custom1", text("custom1"));
    put("retry", Some(json!(false)));
    Value::Array(vec![Value::Object(t)])
}

fn link(cells: &Cells) -> Value {
    let mut l = Map::new();
    let mut put = |name: &str, value: Option<Value>| {
        if let Some(v) = value {
            l.insert(name.to_owned(), v);
        }
    };
    let text = |field: &str| cells.get(field).map(|v| json!(v));
    put("merchantRefId", Some(json!(cells.text("merchantRefId"))));
    put("amount", rupees(cells, "amount"));
    put("custName", text("custName"));
    put(
        "custMobile",
        cells.get("custMobile").map(|m| json!(mobile(m))),
    );
    put("custEmail", text("custEmail"));
    put("description", text("description"));
    put(
        "expiryDate",
        cells.get("expiryDate").map(|e| json!(expiry(e))),
    );
    Value::Object(l)
}

/// A yes/no cell as PayU's flag: `true`, left out, or the text as written.
fn flag(cells: &Cells, field: &str) -> Option<Value> {
    let text = cells.get(field)?;
    match text.to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "1" => Some(json!(true)),
        "no" | "n" | "false" | "0" => None,
        _ => Some(json!(text)),
    }
}

/// The fields of `group` (`account`, `customerAddress`…) as an object, if any is filled.
fn group(cells: &Cells, prefix: &str) -> Option<Value> {
    let object: Map<String, Value> = GLOBAL_FIELDS
        .iter()
        .filter_map(|f| Some((f.strip_prefix(prefix)?.strip_prefix('.')?, cells.get(f)?)))
        .map(|(name, v)| (name.to_owned(), json!(v)))
        .collect();
    (!object.is_empty()).then_some(Value::Object(object))
}

fn payout(cells: &Cells) -> Value {
    let all = flag(cells, "payoutAll") == Some(json!(true));
    // Minor units, as PayU Europe takes them; every currency of the sheet has two decimals.
    let minor = match (cells.get("amountMinor"), cells.get("amount")) {
        _ if all => None,
        (Some(minor), _) => Some(json!(minor)),
        (None, Some(text)) => Some(match amount(text).and_then(|a| a.checked_mul(100.into())) {
            Some(m) if m.normalize().scale() == 0 => json!(m.normalize().to_string()),
            _ => json!(text),
        }),
        (None, None) => None,
    };
    let mut p = Map::new();
    let mut put = |name: &str, value: Option<Value>| {
        if let Some(v) = value {
            p.insert(name.to_owned(), v);
        }
    };
    let text = |field: &str| cells.get(field).map(|v| json!(v));
    put("extPayoutId", text("extPayoutId"));
    put("amount", minor);
    put("currencyCode", text("currency"));
    put("description", text("description"));
    put("additionalVariables", text("additionalVariables"));
    put("foreign", flag(cells, "foreign"));
    put("postalOrder", flag(cells, "postalOrder"));
    let mut request = Map::new();
    request.insert("shopId".to_owned(), json!(cells.text("shopId")));
    request.insert("payout".to_owned(), Value::Object(p));
    for name in ["account", "customerAddress", "bankAddress", "card"] {
        if let Some(g) = group(cells, name) {
            request.insert(name.to_owned(), g);
        }
    }
    if let Some(token) = cells.get("cardToken") {
        request.insert("cardToken".to_owned(), json!({ "value": token }));
    }
    Value::Object(request)
}

/// What the sandbox said to one request.
#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    Accepted,
    /// Refused, with PayU's codes (none when it refused the body as a whole).
    Refused(Vec<String>),
}

struct Payu {
    sandbox: Sandbox,
    india: String,
    europe: String,
}

impl Payu {
    fn start() -> Payu {
        let sandbox = Sandbox::start(&[]);
        let (india, europe) = Payu::tokens(&sandbox);
        Payu {
            sandbox,
            india,
            europe,
        }
    }

    fn tokens(s: &Sandbox) -> (String, String) {
        let token = |path: &str, form: &[(&str, &str)]| -> String {
            let answer: Value = s
                .http
                .post(format!("{}{path}", s.url))
                .form(form)
                .send()
                .expect("a token answer")
                .json()
                .expect("a JSON token");
            answer["access_token"].as_str().expect("a token").to_owned()
        };
        let india = token(
            "/oauth/token",
            &[
                ("grant_type", "password"),
                ("client_id", INDIA_PUBLIC_CLIENT_ID_TEST),
                ("username", INDIA_USERNAME),
                ("password", INDIA_PASSWORD),
                ("scope", "create_payout_transactions"),
            ],
        );
        let europe = token(
            "/pl/standard/user/oauth/authorize",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", EUROPE_POS_ID),
                ("client_secret", EUROPE_POS_SECRET),
            ],
        );
        (india, europe)
    }

    /// Forgets what the last sheet sent (the CSV and XLSX twins share their references).
    fn reset(&mut self) {
        let s = &self.sandbox;
        let r = s.http.post(format!("{}/__sandbox/reset", s.url)).send();
        assert!(r.expect("a reset").status().is_success());
        (self.india, self.europe) = Payu::tokens(s);
    }

    /// What the ledger shows paid since the last reset: by reference, the amount (as a
    /// number; none for a whole balance) and the destination.
    fn paid(&self) -> HashMap<String, (Option<Decimal>, String)> {
        self.sandbox
            .ledger()
            .iter()
            .map(|e| {
                let text = |f: &str| e[f].as_str().expect("a ledger field").to_owned();
                let amount = Decimal::from_str(&text("amount")).ok();
                (
                    text("reference"),
                    (amount.map(|a| a.normalize()), text("destination")),
                )
            })
            .collect()
    }

    fn send(&self, kind: Kind, body: &Value) -> Verdict {
        let s = &self.sandbox;
        let (path, token) = match kind {
            Kind::Payout => ("/payout/v2/payment", &self.india),
            Kind::SmartSend => ("/payout/v2/smartSend/link", &self.india),
            Kind::GlobalPayout => ("/api/v2_1/payouts", &self.europe),
        };
        let answer = s
            .http
            .post(format!("{}{path}", s.url))
            .bearer_auth(token)
            .header("pid", INDIA_MERCHANT_ID)
            .json(body)
            .send()
            .expect("an answer");
        let http = answer.status().as_u16();
        let answer: Value = answer.json().expect("a JSON answer");
        let codes = |v: &Value| -> Vec<String> {
            match v {
                Value::Array(items) => items.iter().map(|c| c.to_string()).collect(),
                Value::Null => Vec::new(),
                one => vec![one.to_string().trim_matches('"').to_owned()],
            }
        };
        match kind {
            Kind::GlobalPayout if http == 201 => Verdict::Accepted,
            Kind::GlobalPayout => Verdict::Refused(codes(&answer["status"]["code"])),
            _ if answer["status"] == 0 => Verdict::Accepted,
            _ => {
                let mut found = codes(&answer["code"]);
                for item in answer["data"].as_array().into_iter().flatten() {
                    found.extend(codes(&item["code"]));
                }
                Verdict::Refused(found)
            }
        }
    }
}

/// One row the two judge differently.
#[derive(Debug)]
struct Disagreement {
    sheet: String,
    row: u64,
    reference: String,
    tool: String,
    sandbox: Verdict,
    /// Both refuse it, with different codes.
    codes_only: bool,
}

/// Every row of `sheet`, judged by the tool and by the sandbox; the rows they disagree on.
/// The rows the tool passes are then sent by `submit --skip-invalid` too: each must be
/// accepted, paying what the request built here paid (so these requests are the tool's).
fn compare(payu: &mut Payu, sheet: &str) -> (usize, Vec<Disagreement>) {
    let dir = Workdir::new();
    let name = sheet.rsplit('/').next().expect("a file name");
    let path = dir.copy(sheet, name);
    let results = dir.path("results.csv");
    let out = dir.run(&["validate", name, "-o", "results.csv"]);
    assert!(matches!(code(&out), 0 | 1), "{sheet}: {}", stderr(&out));
    let kind = Kind::of(sheet);
    let rows = read_rows(&path, kind);
    // The results file keeps the sheet's delimiter.
    let first = std::fs::read_to_string(&results).expect("the results file");
    let first = first.lines().next().unwrap_or("");
    let delimiter = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let table = read_csv(&results, delimiter);
    let header = &table[0];
    let (row_col, status_col, codes_col) = (
        col(header, "result_row"),
        col(header, "result_status"),
        col(header, "result_error_code"),
    );
    let mut disagreements = Vec::new();
    let mut passed = Vec::new();
    for line in &table[1..] {
        let number: u64 = line[row_col].parse().expect("a row number");
        let cells = rows.get(&number).expect("the results' row is in the sheet");
        let body = match kind {
            Kind::Payout => transfer(cells),
            Kind::SmartSend => link(cells),
            Kind::GlobalPayout => payout(cells),
        };
        let verdict = payu.send(kind, &body);
        let tool_passes = line[status_col] == "VALID";
        let reference = ["merchantRefId", "extPayoutId"]
            .iter()
            .find_map(|f| cells.get(f))
            .unwrap_or("")
            .to_owned();
        if tool_passes {
            passed.push(reference.clone());
        }
        let tool_codes: Vec<&str> = line[codes_col]
            .split(';')
            .filter(|c| !c.is_empty())
            .collect();
        if let Verdict::Refused(codes) = &verdict
            && !tool_passes
            && !codes.is_empty()
            && tool_codes
                .iter()
                .all(|c| c.bytes().all(|b| b.is_ascii_digit()))
        {
            let mut theirs: Vec<&str> = codes.iter().map(String::as_str).collect();
            let mut ours = tool_codes.clone();
            let agree = if kind == Kind::GlobalPayout {
                theirs.iter().all(|c| ours.contains(c))
            } else {
                theirs.sort_unstable();
                theirs.dedup();
                ours.sort_unstable();
                ours.dedup();
                theirs == ours
            };
            if !agree {
                disagreements.push(Disagreement {
                    sheet: name.to_owned(),
                    row: number,
                    reference: reference.clone(),
                    tool: format!("{} {}", line[status_col], line[codes_col]),
                    sandbox: verdict.clone(),
                    codes_only: true,
                });
            }
        }
        if tool_passes != (verdict == Verdict::Accepted) {
            disagreements.push(Disagreement {
                sheet: name.to_owned(),
                row: number,
                reference,
                tool: format!("{} {}", line[status_col], line[codes_col]),
                sandbox: verdict,
                codes_only: false,
            });
        }
    }
    let built = payu.paid();
    payu.reset();
    let out = dir.run(&[
        "submit",
        name,
        "--base-url",
        &payu.sandbox.url,
        "--journal",
        "journal.sqlite",
        "--quiet",
        "--skip-invalid",
        "--wait",
        "0",
    ]);
    assert!(matches!(code(&out), 0 | 1), "{sheet}: {}", stderr(&out));
    let sent = payu.paid();
    assert!(
        passed.len() >= 9,
        "{sheet}: only {} rows passed",
        passed.len()
    );
    let mut matched = 0;
    for reference in &passed {
        let tools = sent.get(reference);
        assert!(
            tools.is_some(),
            "{sheet}: the sandbox refused the tool's own request for {reference}, a row it \
             passed: {}",
            stderr(&out)
        );
        if let Some(ours) = built.get(reference) {
            assert_eq!(
                Some(ours),
                tools,
                "{sheet} {reference}: the request built here pays otherwise than the tool's"
            );
            matched += 1;
        }
    }
    // Each passed row the sandbox refused as built here is a disagreement listed above.
    let refused_here = disagreements
        .iter()
        .filter(|d| d.tool.starts_with("VALID") && !d.codes_only)
        .count();
    assert_eq!(matched + refused_here, passed.len(), "{sheet}");
    (table.len() - 1, disagreements)
}

#[test]
fn the_tool_and_the_sandbox_judge_every_sample_row_alike_or_the_difference_is_explained() {
    let mut payu = Payu::start();
    let mut compared = 0;
    let mut unexplained = Vec::new();
    let mut explained_used = vec![false; EXPLAINED.len()];
    let mut codes_used = vec![false; EXPLAINED_CODES.len()];
    for sheet in SHEETS {
        payu.reset();
        let (rows, found) = compare(&mut payu, sheet);
        assert!(rows > 20, "{sheet}: only {rows} rows judged");
        compared += rows;
        for d in found {
            let (list, used) = if d.codes_only {
                (EXPLAINED_CODES, &mut codes_used)
            } else {
                (EXPLAINED, &mut explained_used)
            };
            let known = list
                .iter()
                .position(|(s, r, _)| *s == d.sheet && *r == d.reference);
            match known {
                Some(i) => used[i] = true,
                None => unexplained.push(d),
            }
        }
    }
    let listed: Vec<String> = unexplained
        .iter()
        .map(|d| {
            format!(
                "{} row {} ({}): the tool says {}, the sandbox {:?}{}",
                d.sheet,
                d.row,
                d.reference,
                d.tool,
                d.sandbox,
                if d.codes_only {
                    " (EXPLAINED_CODES)"
                } else {
                    ""
                }
            )
        })
        .collect();
    assert!(
        listed.is_empty(),
        "{} of {compared} rows judged differently, without an explanation:\n{}",
        listed.len(),
        listed.join("\n")
    );
    let stale: Vec<_> = EXPLAINED
        .iter()
        .zip(&explained_used)
        .chain(EXPLAINED_CODES.iter().zip(&codes_used))
        .filter(|(_, used)| !**used)
        .map(|(e, _)| (e.0, e.1))
        .collect();
    assert!(
        stale.is_empty(),
        "explained, but the tool and the sandbox now agree on these rows (remove them): {stale:?}"
    );
}
