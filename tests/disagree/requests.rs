//! A sample row's cells, read with the tool's reader, and the PayU request the tool would build
//! from them: each value as the tool sends it where the tool can read it, otherwise as written.

use std::collections::HashMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use payu_bulk::sheet::{ReadOptions, Sheet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Payout,
    SmartSend,
    GlobalPayout,
}

impl Kind {
    pub fn of(sheet: &str) -> Kind {
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
pub struct Cells(HashMap<&'static str, String>);

impl Cells {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    /// The row's reference: `merchantRefId` or `extPayoutId`.
    pub fn reference(&self) -> &str {
        ["merchantRefId", "extPayoutId"]
            .iter()
            .find_map(|f| self.get(f))
            .unwrap_or("")
    }

    fn text(&self, field: &str) -> String {
        self.get(field).unwrap_or("").to_owned()
    }
}

/// The rows of a sheet as the tool's reader gives them, by row number.
pub fn read_rows(path: &std::path::Path, kind: Kind) -> HashMap<u64, Cells> {
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

pub fn transfer(cells: &Cells) -> Value {
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

pub fn link(cells: &Cells) -> Value {
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

pub fn payout(cells: &Cells) -> Value {
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
