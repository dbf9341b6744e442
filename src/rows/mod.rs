//! The three sheet kinds and their columns: which header names mean which PayU field, which
//! columns a kind needs, and which kind a sheet is when `--kind` does not say.

pub mod global_payout;
pub mod payout;
pub mod smart_send;

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use crate::Error;

/// What a sheet's rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// PayU India direct transfers: IMPS, NEFT, RTGS, UPI.
    Payout,
    /// PayU India Smart Send payout links.
    SmartSend,
    /// PayU Europe payouts (PL/CZ).
    GlobalPayout,
}

pub const KINDS: [Kind; 3] = [Kind::Payout, Kind::SmartSend, Kind::GlobalPayout];

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Payout => "payout",
            Kind::SmartSend => "smart-send",
            Kind::GlobalPayout => "global-payout",
        }
    }

    pub fn fields(self) -> &'static [FieldSpec] {
        match self {
            Kind::Payout => payout::FIELDS,
            Kind::SmartSend => smart_send::FIELDS,
            Kind::GlobalPayout => global_payout::FIELDS,
        }
    }

    /// The field whose value is the row's reference (`merchantRefId` or `extPayoutId`).
    pub fn reference_field(self) -> usize {
        match self {
            Kind::Payout => payout::MERCHANT_REF_ID,
            Kind::SmartSend => smart_send::MERCHANT_REF_ID,
            Kind::GlobalPayout => global_payout::EXT_PAYOUT_ID,
        }
    }

    /// The columns this kind needs, given which fields the sheet has: one requirement per
    /// entry, each a list of fields any of which would do.
    fn missing(self, has: &dyn Fn(usize) -> bool) -> Vec<&'static [usize]> {
        let required: &[&'static [usize]] = match self {
            Kind::Payout => payout::REQUIRED,
            Kind::SmartSend => smart_send::REQUIRED,
            Kind::GlobalPayout => global_payout::REQUIRED,
        };
        let mut missing: Vec<&'static [usize]> = required
            .iter()
            .copied()
            .filter(|any_of| !any_of.iter().any(|&f| has(f)))
            .collect();
        if self == Kind::Payout
            && has(payout::BENEFICIARY_ACCOUNT_NUMBER)
            && !has(payout::BENEFICIARY_IFSC_CODE)
        {
            missing.push(&[payout::BENEFICIARY_IFSC_CODE]);
        }
        missing
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How a column that holds an identifier is guarded against Excel's number damage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identifier {
    /// Not an identifier: numbers are fine.
    No,
    /// A number cell is always `EXCEL_NUMBER` (leading zeros matter: account and card numbers).
    Strict,
    /// An integer number cell of at most 15 digits is accepted with a warning (references,
    /// mobiles: no leading zero carries meaning).
    Lenient,
}

/// One column a kind knows.
#[derive(Debug)]
pub struct FieldSpec {
    /// PayU's field name: the template's header and the name the API uses.
    pub name: &'static str,
    /// Other names people give the column, as they would write them.
    pub aliases: &'static [&'static str],
    pub identifier: Identifier,
    /// Card numbers: written masked into the results.
    pub masked: bool,
}

impl FieldSpec {
    pub const fn new(name: &'static str, aliases: &'static [&'static str]) -> FieldSpec {
        FieldSpec {
            name,
            aliases,
            identifier: Identifier::No,
            masked: false,
        }
    }

    pub const fn id(mut self, identifier: Identifier) -> FieldSpec {
        self.identifier = identifier;
        self
    }

    pub const fn masked(mut self) -> FieldSpec {
        self.masked = true;
        self
    }

    fn accepted(&self) -> String {
        let mut names = vec![format!("'{}'", self.name)];
        names.extend(self.aliases.iter().take(4).map(|a| format!("'{a}'")));
        names.join(", ")
    }
}

/// A header name reduced to what matters: lower case, without spaces, `_`, `-` and `.`.
pub fn normalize(header: &str) -> String {
    header
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.' | '\u{feff}' | '\u{a0}' | '\t'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// For each normalized name, the (kind, field) pairs it can mean.
fn lookup() -> &'static HashMap<String, Vec<(Kind, usize)>> {
    static LOOKUP: OnceLock<HashMap<String, Vec<(Kind, usize)>>> = OnceLock::new();
    LOOKUP.get_or_init(|| {
        let mut map: HashMap<String, Vec<(Kind, usize)>> = HashMap::new();
        for kind in KINDS {
            for (i, f) in kind.fields().iter().enumerate() {
                for name in std::iter::once(&f.name).chain(f.aliases) {
                    let entry = map.entry(normalize(name)).or_default();
                    if !entry.contains(&(kind, i)) {
                        entry.push((kind, i));
                    }
                }
            }
        }
        map
    })
}

/// Which column holds which field, for a sheet of one kind.
#[derive(Debug, Clone)]
pub struct HeaderMap {
    pub kind: Kind,
    /// The headers as the sheet spells them.
    pub headers: Vec<String>,
    /// For each field of the kind, the column that holds it.
    columns: Vec<Option<usize>>,
    /// For each column, the field it holds.
    fields: Vec<Option<usize>>,
    /// For each field, its name in messages (see [`HeaderMap::name`]).
    names: Vec<String>,
    /// Headers that mean nothing to this kind (echoed into the results, listed in the summary).
    pub unknown: Vec<String>,
}

impl HeaderMap {
    /// Maps `headers` to a kind: `kind` when given, else the one kind the headers fit.
    pub fn build(path: &Path, headers: &[String], kind: Option<Kind>) -> Result<HeaderMap, Error> {
        let normalized: Vec<String> = headers.iter().map(|h| normalize(h)).collect();
        let kind = match kind {
            Some(k) => k,
            None => detect(path, headers, &normalized)?,
        };
        let mut columns: Vec<Option<usize>> = vec![None; kind.fields().len()];
        let mut unknown = Vec::new();
        for (col, norm) in normalized.iter().enumerate() {
            let field = lookup()
                .get(norm)
                .and_then(|hits| hits.iter().find(|(k, _)| *k == kind))
                .map(|&(_, f)| f);
            match field {
                Some(f) => {
                    if let Some(other) = columns[f] {
                        return Err(Error::Headers {
                            path: path.to_path_buf(),
                            what: format!(
                                "columns '{}' and '{}' both mean {}; keep one of them",
                                crate::text::quoted(headers[other].trim()),
                                crate::text::quoted(headers[col].trim()),
                                kind.fields()[f].name
                            ),
                        });
                    }
                    columns[f] = Some(col);
                }
                None if norm.is_empty() => {}
                None => unknown.push(headers[col].trim().to_owned()),
            }
        }
        let mut fields = vec![None; headers.len()];
        for (f, col) in columns.iter().enumerate() {
            if let Some(c) = col {
                fields[*c] = Some(f);
            }
        }
        let names = (0..kind.fields().len())
            .map(|f| match columns[f] {
                Some(c) => headers[c].trim().to_owned(),
                None => kind.fields()[f].name.to_owned(),
            })
            .collect();
        let map = HeaderMap {
            kind,
            headers: headers.to_vec(),
            columns,
            fields,
            names,
            unknown,
        };
        let missing = kind.missing(&|f| map.columns[f].is_some());
        if !missing.is_empty() {
            return Err(Error::Headers {
                path: path.to_path_buf(),
                what: format!(
                    "a {kind} sheet needs {}; the sheet has {}",
                    describe_missing(kind, &missing),
                    describe_headers(headers)
                ),
            });
        }
        Ok(map)
    }

    pub fn column(&self, field: usize) -> Option<usize> {
        self.columns[field]
    }

    /// The kind the headers point to on their own, if they point to one.
    pub fn detected_kind(path: &Path, headers: &[String]) -> Option<Kind> {
        let normalized: Vec<String> = headers.iter().map(|h| normalize(h)).collect();
        detect(path, headers, &normalized).ok()
    }

    /// The column's name as the sheet spells it, or PayU's name when the sheet has no such
    /// column: messages name what the user sees.
    pub fn name(&self, field: usize) -> &str {
        &self.names[field]
    }

    /// The field a column holds, if any.
    pub fn field_of_column(&self, col: usize) -> Option<usize> {
        self.fields.get(col).copied().flatten()
    }
}

fn describe_missing(kind: Kind, missing: &[&[usize]]) -> String {
    let fields = kind.fields();
    missing
        .iter()
        .map(|any_of| {
            any_of
                .iter()
                .map(|&f| {
                    format!(
                        "a column {} (accepted: {})",
                        fields[f].name,
                        fields[f].accepted()
                    )
                })
                .collect::<Vec<_>>()
                .join(" or ")
        })
        .collect::<Vec<_>>()
        .join("; and ")
}

fn describe_headers(headers: &[String]) -> String {
    // Bounded: a header of a thousand long cells makes a message of a few lines.
    const SHOWN: usize = 40;
    let all: Vec<&String> = headers.iter().filter(|h| !h.trim().is_empty()).collect();
    let mut named: Vec<String> = all
        .iter()
        .take(SHOWN)
        .map(|h| format!("'{}'", crate::text::quoted(h.trim())))
        .collect();
    if all.len() > SHOWN {
        named.push(format!("and {} more", all.len() - SHOWN));
    }
    if named.is_empty() {
        "no named columns".to_owned()
    } else {
        format!("the columns {}", named.join(", "))
    }
}

/// The kind the headers fit. Candidates are the kinds whose required columns are all there;
/// a candidate whose recognised columns are a strict subset of another's drops out; the one
/// left wins if it has a column named in a way only it uses, or if it beat another candidate.
/// Anything else stops the run with what was seen and what was expected.
fn detect(path: &Path, headers: &[String], normalized: &[String]) -> Result<Kind, Error> {
    struct Reading {
        kind: Kind,
        has: Vec<bool>,
        columns: Vec<usize>,
        exclusive: bool,
    }
    let readings: Vec<Reading> = KINDS
        .iter()
        .map(|&kind| {
            let mut r = Reading {
                kind,
                has: vec![false; kind.fields().len()],
                columns: Vec::new(),
                exclusive: false,
            };
            for (col, norm) in normalized.iter().enumerate() {
                let Some(hits) = lookup().get(norm) else {
                    continue;
                };
                if let Some(&(_, f)) = hits.iter().find(|(k, _)| *k == kind) {
                    r.has[f] = true;
                    r.columns.push(col);
                    r.exclusive |= hits.iter().all(|(k, _)| *k == kind);
                }
            }
            r
        })
        .collect();
    let candidates: Vec<&Reading> = readings
        .iter()
        .filter(|r| r.kind.missing(&|f| r.has[f]).is_empty())
        .collect();
    let subset = |a: &Reading, b: &Reading| {
        a.columns.len() < b.columns.len() && a.columns.iter().all(|c| b.columns.contains(c))
    };
    let left: Vec<&Reading> = candidates
        .iter()
        .copied()
        .filter(|a| !candidates.iter().any(|b| subset(a, b)))
        .collect();
    if let [one] = left.as_slice()
        && (one.exclusive || candidates.len() > 1)
    {
        return Ok(one.kind);
    }
    // The kind the user most likely meant: one with a column only it uses, then the most
    // recognised columns.
    let closest = readings
        .iter()
        .filter(|r| !r.columns.is_empty())
        .max_by_key(|r| {
            (
                r.exclusive,
                r.columns.len(),
                std::cmp::Reverse(r.kind as u8),
            )
        });
    let what = match (left.as_slice(), closest) {
        ([one], Some(r)) if !(r.exclusive && r.kind != one.kind) => format!(
            "the columns could be a {} sheet but none is specific to it: the sheet has {}; \
             say which kind it is with --kind",
            one.kind,
            describe_headers(headers)
        ),
        (many, _) if many.len() > 1 => format!(
            "the columns fit more than one sheet kind ({}): the sheet has {}; say which \
             with --kind",
            many.iter()
                .map(|r| r.kind.name())
                .collect::<Vec<_>>()
                .join(", "),
            describe_headers(headers)
        ),
        (_, Some(r)) => format!(
            "the columns fit no sheet kind: the sheet has {}; the closest kind, {}, also \
             needs {}; or name the kind with --kind",
            describe_headers(headers),
            r.kind,
            describe_missing(r.kind, &r.kind.missing(&|f| r.has[f]))
        ),
        _ => format!(
            "the first row does not look like a header: it has {}; expected PayU field \
             names such as merchantRefId, beneficiaryIfscCode, custMobile or extPayoutId \
             (`payu-bulk template KIND -o FILE` writes an empty sheet)",
            describe_headers(headers)
        ),
    };
    Err(Error::Headers {
        path: path.to_path_buf(),
        what,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn normalizes_case_and_punctuation() {
        assert_eq!(normalize("IFSC Code"), "ifsccode");
        assert_eq!(normalize("customerAddress.city"), "customeraddresscity");
        assert_eq!(
            normalize("beneficiary_account-number"),
            "beneficiaryaccountnumber"
        );
    }

    #[test]
    fn every_alias_means_one_field_per_kind() {
        for kind in KINDS {
            let mut seen = HashMap::new();
            for (i, f) in kind.fields().iter().enumerate() {
                for name in std::iter::once(&f.name).chain(f.aliases) {
                    if let Some(other) = seen.insert(normalize(name), i) {
                        assert_eq!(other, i, "{kind}: '{name}' means two fields");
                    }
                }
            }
        }
    }

    #[test]
    fn detects_each_kind_from_people_names() {
        let p = Path::new("s.csv");
        let payout = headers(&[
            "Reference",
            "Payment Mode",
            "Beneficiary Name",
            "Account No",
            "IFSC Code",
            "Amount",
            "Purpose",
        ]);
        assert_eq!(
            HeaderMap::build(p, &payout, None).unwrap().kind,
            Kind::Payout
        );
        let upi = headers(&[
            "merchantRefId",
            "paymentType",
            "beneficiaryName",
            "UPI ID",
            "amount",
            "purpose",
        ]);
        assert_eq!(HeaderMap::build(p, &upi, None).unwrap().kind, Kind::Payout);
        let smart = headers(&[
            "Reference",
            "Customer Name",
            "Mobile",
            "Amount",
            "Description",
        ]);
        assert_eq!(
            HeaderMap::build(p, &smart, None).unwrap().kind,
            Kind::SmartSend
        );
        let eu = headers(&[
            "shopId",
            "extPayoutId",
            "amount",
            "account.accountNumber",
            "customerAddress.name",
        ]);
        assert_eq!(
            HeaderMap::build(p, &eu, None).unwrap().kind,
            Kind::GlobalPayout
        );
    }

    #[test]
    fn missing_columns_are_named_with_what_would_do() {
        let p = Path::new("s.csv");
        let err = HeaderMap::build(
            p,
            &headers(&["Reference", "IFSC", "Account No", "Amount"]),
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("paymentType"), "{err}");
        assert!(err.contains("'Payment Mode'"), "{err}");
        assert!(err.contains("'IFSC'"), "{err}");
        let err = HeaderMap::build(p, &headers(&["a", "b"]), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("does not look like a header"), "{err}");
    }

    #[test]
    fn two_columns_for_one_field_stop_the_run() {
        let p = Path::new("s.csv");
        let h = headers(&[
            "Reference",
            "Payment Mode",
            "Name",
            "IFSC",
            "IFSC Code",
            "Account No",
            "Amount",
            "Purpose",
        ]);
        let err = HeaderMap::build(p, &h, Some(Kind::Payout))
            .unwrap_err()
            .to_string();
        assert!(err.contains("'IFSC' and 'IFSC Code'"), "{err}");
    }

    #[test]
    fn unknown_columns_are_kept_aside() {
        let p = Path::new("s.csv");
        let h = headers(&[
            "Reference",
            "Customer Name",
            "Mobile",
            "Amount",
            "Description",
            "Cost Centre",
        ]);
        let map = HeaderMap::build(p, &h, None).unwrap();
        assert_eq!(map.unknown, vec!["Cost Centre".to_owned()]);
        assert_eq!(map.name(smart_send::CUST_NAME), "Customer Name");
        assert_eq!(map.name(smart_send::EXPIRY_DATE), "expiryDate");
    }
}
