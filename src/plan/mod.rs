//! Approved plans (architecture.md §7.3): the exact rows a payout run may pay, signed by the person
//! who prepared them and by others who approved them, checked offline before `submit` sends
//! anything.
//!
//! A plan file is JSON with three members, always in this order:
//!
//! - `plan`: what was approved: the sheet's file name, size and SHA-256, kind, environment,
//!   merchant (or shop), `created_at`, `expires_at`, the count of rows and the totals per
//!   currency, the number of invalid rows left out, and each row's number, reference, merchant,
//!   amount, currency and money fingerprint (the journal's: amount and destination).
//! - `digest`: `sha256:` and the lower-case hex SHA-256 of the **canonical form** of `plan`:
//!   its compact JSON as [`Body`] serializes it, members in the order above (the order of the
//!   struct's fields), no whitespace between tokens, strings escaped as JSON requires and no
//!   more (non-ASCII as UTF-8), numbers as plain integers, an absent amount as `null`. The
//!   canonical form is rebuilt from the parsed plan, so the file's own spacing does not count,
//!   and a `plan` with a member the format does not know is refused rather than ignored.
//! - `signatures`: `{role, name, key, signature}`, role `preparer` or `approver`, key
//!   `ed25519:BASE64`, signature the base64 ed25519 signature over the bytes of
//!   `payu-bulk plan signature\nrole: ROLE\ndigest: DIGEST\n` (see [`message`]). The role is
//!   signed, so a preparer's signature cannot be relabelled an approval.
//!
//! The sheet's SHA-256 binds the plan to the sheet's every byte; the per-row fingerprints,
//! amounts and merchants are what `submit` compares each row it would send against, so that
//! a row the plan does not hold, or holds with other money, is never sent.

mod approve;
pub mod key;
pub mod policy;
mod prepare;

use std::collections::{BTreeMap, HashSet};
use std::io::{Read, Write};
use std::path::Path;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::Error;
use crate::submit::plan::Outgoing;

pub use approve::{Approval, Review, approve};
pub use key::{KeyFile, PublicKey};
pub use policy::{Approved, Policy};
pub use prepare::{Preparation, Prepared, prepare};

/// The `format` of the plans this version writes and reads.
pub const FORMAT: &str = "payu-bulk-plan/1";

/// What was approved: everything the digest covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Body {
    pub format: String,
    pub sheet: SheetRef,
    /// `payout`, `smart-send` or `global-payout`.
    pub kind: String,
    /// `sandbox`, `uat` or `production`.
    pub environment: String,
    /// The payout merchant id (India) or the default shop id (Europe) the run pays from.
    pub merchant: String,
    /// RFC 3339, UTC, whole seconds.
    pub created_at: String,
    pub expires_at: String,
    /// How many rows the plan pays.
    pub count: u64,
    /// Rows of the sheet left out as invalid (`plan --skip-invalid`).
    pub skipped_invalid: u64,
    /// Rows and sum per currency, by currency code.
    pub totals: Vec<Total>,
    pub rows: Vec<Row>,
}

/// The sheet the plan was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SheetRef {
    /// The file's name, without its folder.
    pub file: String,
    pub bytes: u64,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Total {
    pub currency: String,
    pub rows: u64,
    /// A decimal string, exact.
    pub amount: String,
}

/// One row the plan pays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    /// The row's number as a person sees it in the sheet (the header is row 1).
    pub row: u64,
    pub reference: String,
    pub merchant: String,
    /// A decimal string; `null` where the row gives none (PayU Europe then pays out the
    /// shop's whole balance).
    pub amount: Option<String>,
    pub currency: Option<String>,
    /// The journal's fingerprint of the row's amount and destination.
    pub fingerprint: String,
}

impl Row {
    /// The plan's line for a payment `submit` would make from sheet row `number`.
    pub fn of(number: u64, payment: &Outgoing) -> Row {
        Row {
            row: number,
            reference: payment.reference.clone(),
            merchant: payment.merchant.clone(),
            amount: payment.amount.map(|(v, _)| money_text(v)),
            currency: payment.amount.map(|(_, c)| c.code().to_owned()),
            fingerprint: payment.fingerprint.clone(),
        }
    }
}

/// Who signed, as what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Preparer,
    Approver,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Preparer => "preparer",
            Role::Approver => "approver",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    pub role: Role,
    pub name: String,
    /// `ed25519:BASE64`.
    pub key: String,
    /// Base64 of the 64-byte ed25519 signature over [`message`].
    pub signature: String,
}

/// A plan file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    pub plan: Body,
    pub digest: String,
    #[serde(default)]
    pub signatures: Vec<Signature>,
}

/// The canonical form of a plan's body: the bytes its digest is taken over.
pub fn canonical(body: &Body) -> Vec<u8> {
    // Serializing plain strings and integers cannot fail.
    serde_json::to_vec(body).unwrap_or_default()
}

/// `sha256:` and the hex SHA-256 of the body's canonical form.
pub fn digest(body: &Body) -> String {
    format!("sha256:{}", hex(&Sha256::digest(canonical(body))))
}

/// The bytes a signature of `role` over a plan with `digest` signs.
pub fn message(role: Role, digest: &str) -> Vec<u8> {
    format!(
        "payu-bulk plan signature\nrole: {}\ndigest: {digest}\n",
        role.as_str()
    )
    .into_bytes()
}

/// An amount as the plan writes it: exact, with at least two decimals (`100.50`, `200.00`).
pub fn money_text(value: Decimal) -> String {
    let mut v = value;
    if v.scale() < 2 {
        v.rescale(2);
    }
    v.to_string()
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The SHA-256 (hex) and length of a file's bytes.
pub fn hash_file(path: &Path) -> Result<(String, u64), Error> {
    let open = |source| Error::Open {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(open)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut len = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(open)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    Ok((hex(&hasher.finalize()), len))
}

impl Body {
    /// Sets `count` and `totals` from the rows. Refuses a reference listed twice, an amount
    /// that is not a decimal or has no currency, and a sum past `Decimal`'s range.
    pub fn tally(&mut self) -> Result<(), String> {
        let mut sums: BTreeMap<String, (u64, Decimal)> = BTreeMap::new();
        let mut seen = HashSet::new();
        for r in &self.rows {
            if !seen.insert(r.reference.as_str()) {
                return Err(format!("the plan lists reference '{}' twice", r.reference));
            }
            match (&r.amount, &r.currency) {
                (Some(a), Some(c)) => {
                    let v: Decimal = a.parse().map_err(|_| {
                        format!("row {}: amount '{a}' is not a decimal number", r.row)
                    })?;
                    let e = sums.entry(c.clone()).or_insert((0, Decimal::ZERO));
                    e.0 += 1;
                    e.1 =
                        e.1.checked_add(v)
                            .ok_or_else(|| format!("the {c} total is beyond any sum"))?;
                }
                (None, None) => {}
                _ => {
                    return Err(format!("row {}: an amount comes with its currency", r.row));
                }
            }
        }
        self.count = self.rows.len() as u64;
        self.totals = sums
            .into_iter()
            .map(|(currency, (rows, amount))| Total {
                currency,
                rows,
                amount: money_text(amount),
            })
            .collect();
        Ok(())
    }

    /// Every field a person is shown is what its name says: a known kind, environment and
    /// currency, times, a hex hash, and names and merchants without control characters (which
    /// could redraw the terminal an approver reads the plan on).
    pub fn check_shape(&self) -> Result<(), String> {
        if !crate::rows::KINDS.iter().any(|k| k.name() == self.kind) {
            return Err(format!(
                "kind '{}' is not a sheet kind",
                self.kind.escape_debug()
            ));
        }
        if !["sandbox", "uat", "production"].contains(&self.environment.as_str()) {
            return Err(format!(
                "environment '{}' is not sandbox, uat or production",
                self.environment.escape_debug()
            ));
        }
        for (what, t) in [
            ("created_at", &self.created_at),
            ("expires_at", &self.expires_at),
        ] {
            if chrono::DateTime::parse_from_rfc3339(t).is_err() {
                return Err(format!("{what} '{}' is not a time", t.escape_debug()));
            }
        }
        let sha = &self.sheet.sha256;
        if sha.len() != 64
            || !sha
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err("sheet.sha256 is not a SHA-256 in hex".to_owned());
        }
        let plain = |what: &str, t: &str| {
            if t.chars().any(char::is_control) {
                Err(format!(
                    "{what} '{}' holds control characters",
                    t.escape_debug()
                ))
            } else {
                Ok(())
            }
        };
        plain("sheet.file", &self.sheet.file)?;
        plain("merchant", &self.merchant)?;
        for r in &self.rows {
            plain("a row's merchant", &r.merchant)?;
            if let Some(c) = &r.currency
                && crate::validate::Currency::from_code(c).map(|k| k.code()) != Some(c.as_str())
            {
                return Err(format!(
                    "row {}: currency '{}' is not one PayU pays in",
                    r.row,
                    c.escape_debug()
                ));
            }
        }
        Ok(())
    }

    /// The rows that give no amount.
    pub fn without_amount(&self) -> u64 {
        self.rows.iter().filter(|r| r.amount.is_none()).count() as u64
    }

    /// The totals for a person: `INR 301.50 (3 rows) + PLN 10.25 (1 row)`.
    pub fn totals_line(&self) -> String {
        let mut parts: Vec<String> = self
            .totals
            .iter()
            .map(|t| {
                format!(
                    "{} {} ({} row{})",
                    t.currency,
                    t.amount,
                    t.rows,
                    if t.rows == 1 { "" } else { "s" }
                )
            })
            .collect();
        let none = self.without_amount();
        if none > 0 {
            parts.push(format!("{none} row(s) without an amount"));
        }
        if parts.is_empty() {
            "nothing".to_owned()
        } else {
            parts.join(" + ")
        }
    }
}

impl PlanFile {
    /// A new, unsigned plan over `body` (its count and totals made from its rows).
    pub fn new(mut body: Body) -> Result<PlanFile, String> {
        body.tally()?;
        let digest = digest(&body);
        Ok(PlanFile {
            plan: body,
            digest,
            signatures: Vec::new(),
        })
    }

    /// Reads a plan and checks it is whole: its format, its digest against its body, and its
    /// count and totals against its rows (they are what an approver is shown).
    pub fn read(path: &Path) -> Result<PlanFile, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let plan: PlanFile = serde_json::from_str(&text)
            .map_err(|e| Error::format(path, format!("is not a payu-bulk plan: {e}")))?;
        if plan.plan.format != FORMAT {
            return Err(Error::format(
                path,
                format!(
                    "is a plan of format '{}'; this payu-bulk reads '{FORMAT}'",
                    plan.plan.format
                ),
            ));
        }
        if plan.digest != digest(&plan.plan) {
            return Err(Error::format(
                path,
                "the plan does not match its digest: it was changed after it was made",
            ));
        }
        plan.plan
            .check_shape()
            .map_err(|why| Error::format(path, why))?;
        for s in &plan.signatures {
            key::check_name(&s.name)
                .map_err(|why| Error::format(path, format!("a signature: {why}")))?;
        }
        let mut tallied = plan.plan.clone();
        tallied.tally().map_err(|why| Error::format(path, why))?;
        if tallied != plan.plan {
            return Err(Error::format(
                path,
                "the plan's count and totals do not add up to its rows",
            ));
        }
        Ok(plan)
    }

    /// Writes the plan atomically (a temporary file in the same folder, renamed into place),
    /// pretty-printed; the digest does not depend on the spacing.
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        let dir = crate::sheet::folder_of(path);
        let mut temp = tempfile::NamedTempFile::new_in(&dir).map_err(|e| Error::write(path, e))?;
        serde_json::to_writer_pretty(&mut temp, self).map_err(|e| Error::write(path, e))?;
        temp.write_all(b"\n").map_err(|e| Error::write(path, e))?;
        temp.as_file()
            .sync_all()
            .map_err(|e| Error::write(path, e))?;
        temp.persist(path)
            .map_err(|e| Error::write(path, e.error))?;
        Ok(())
    }

    /// Adds `key`'s signature as `role`.
    pub fn sign(&mut self, role: Role, key: &KeyFile) {
        self.signatures.push(Signature {
            role,
            name: key.name.clone(),
            key: key.public().to_string(),
            signature: key.sign(&message(role, &self.digest)),
        });
    }

    /// Every signature checked against the digest: the signers, in the file's order. The
    /// first that does not verify is named.
    pub fn verified(&self) -> Result<Vec<Signer>, String> {
        let mut out = Vec::with_capacity(self.signatures.len());
        for s in &self.signatures {
            let bad = || {
                format!(
                    "the {} signature of '{}' does not verify: the plan was changed after it was signed, or the signature was copied from another plan",
                    s.role.as_str(),
                    s.name
                )
            };
            let key = PublicKey::parse(&s.key).map_err(|_| bad())?;
            if !key.verifies(&message(s.role, &self.digest), &s.signature) {
                return Err(bad());
            }
            out.push(Signer {
                role: s.role,
                name: s.name.clone(),
                key,
            });
        }
        Ok(out)
    }
}

/// A signature that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    pub role: Role,
    pub name: String,
    pub key: PublicKey,
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn body() -> Body {
        Body {
            format: FORMAT.to_owned(),
            sheet: SheetRef {
                file: "pay.csv".into(),
                bytes: 120,
                sha256: "ab".repeat(32),
            },
            kind: "payout".into(),
            environment: "sandbox".into(),
            merchant: "1111123".into(),
            created_at: "2026-12-02T16:00:00Z".into(),
            expires_at: "2026-12-03T16:00:00Z".into(),
            count: 0,
            skipped_invalid: 0,
            totals: vec![],
            rows: vec![
                Row {
                    row: 2,
                    reference: "A-1".into(),
                    merchant: "1111123".into(),
                    amount: Some("100.50".into()),
                    currency: Some("INR".into()),
                    fingerprint: "f1".into(),
                },
                Row {
                    row: 3,
                    reference: "Zoë \"2\"".into(),
                    merchant: "1111123".into(),
                    amount: Some("1.25".into()),
                    currency: Some("INR".into()),
                    fingerprint: "f2".into(),
                },
            ],
        }
    }

    #[test]
    fn the_canonical_form_is_compact_json_in_field_order() {
        let mut b = body();
        b.tally().unwrap();
        let text = String::from_utf8(canonical(&b)).unwrap();
        assert_eq!(
            text,
            concat!(
                r#"{"format":"payu-bulk-plan/1","sheet":{"file":"pay.csv","bytes":120,"sha256":""#,
                "abababababababababababababababababababababababababababababababab",
                r#""},"kind":"payout","environment":"sandbox","merchant":"1111123","#,
                r#""created_at":"2026-12-02T16:00:00Z","expires_at":"2026-12-03T16:00:00Z","#,
                r#""count":2,"skipped_invalid":0,"totals":[{"currency":"INR","rows":2,"amount":"101.75"}],"#,
                r#""rows":[{"row":2,"reference":"A-1","merchant":"1111123","amount":"100.50","currency":"INR","fingerprint":"f1"},"#,
                r#"{"row":3,"reference":"Zoë \"2\"","merchant":"1111123","amount":"1.25","currency":"INR","fingerprint":"f2"}]}"#
            )
        );
        // The digest is SHA-256 of exactly those bytes.
        assert_eq!(
            digest(&b),
            format!("sha256:{}", hex(&Sha256::digest(text.as_bytes())))
        );
    }

    #[test]
    fn the_digest_survives_reformatting_and_changes_with_any_field() {
        let plan = PlanFile::new(body()).unwrap();
        let pretty = serde_json::to_string_pretty(&plan).unwrap();
        let compact = serde_json::to_string(&plan).unwrap();
        for text in [pretty, compact] {
            let back: PlanFile = serde_json::from_str(&text).unwrap();
            assert_eq!(digest(&back.plan), plan.digest);
        }
        let mut other = plan.plan.clone();
        other.rows[1].fingerprint = "f3".into();
        assert_ne!(digest(&other), plan.digest);
        let mut other = plan.plan.clone();
        other.expires_at = "2026-12-04T16:00:00Z".into();
        assert_ne!(digest(&other), plan.digest);
    }

    #[test]
    fn reading_refuses_a_changed_plan_unknown_members_and_wrong_totals() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        let plan = PlanFile::new(body()).unwrap();
        plan.write(&path).unwrap();
        assert_eq!(PlanFile::read(&path).unwrap(), plan);

        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("100.50", "900.50")).unwrap();
        let err = PlanFile::read(&path).unwrap_err().to_string();
        assert!(err.contains("does not match its digest"), "{err}");

        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["plan"]["note"] = "extra".into();
        std::fs::write(&path, v.to_string()).unwrap();
        let err = PlanFile::read(&path).unwrap_err().to_string();
        assert!(err.contains("unknown field"), "{err}");

        // Totals that understate the rows, with a digest to match: still refused.
        let mut lying = plan.clone();
        lying.plan.totals[0].amount = "1.00".into();
        lying.digest = digest(&lying.plan);
        lying.write(&path).unwrap();
        let err = PlanFile::read(&path).unwrap_err().to_string();
        assert!(err.contains("do not add up"), "{err}");
    }

    #[test]
    fn amounts_are_exact_with_two_decimals_at_least() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(money_text(d("200")), "200.00");
        assert_eq!(money_text(d("100.5")), "100.50");
        assert_eq!(money_text(d("0.125")), "0.125");
    }

    #[test]
    fn a_plan_shows_an_approver_only_what_its_fields_say() {
        let mut b = body();
        b.tally().unwrap();
        assert_eq!(b.check_shape(), Ok(()));
        let mut bad = b.clone();
        bad.merchant = "1111123\x1b[1A\x1b[2K".into();
        assert!(
            bad.check_shape()
                .unwrap_err()
                .contains("control characters")
        );
        let mut bad = b.clone();
        bad.rows[0].currency = Some("INR\r".into());
        assert!(bad.check_shape().is_err());
        let mut bad = b.clone();
        bad.environment = "prod".into();
        assert!(bad.check_shape().is_err());
        let mut bad = b.clone();
        bad.kind = "payouts".into();
        assert!(bad.check_shape().is_err());
        let mut bad = b;
        bad.expires_at = "tomorrow".into();
        assert!(bad.check_shape().is_err());
    }

    #[test]
    fn a_reference_twice_is_refused() {
        let mut b = body();
        b.rows[1].reference = "A-1".into();
        assert!(b.tally().unwrap_err().contains("twice"));
    }

    #[test]
    fn signatures_verify_for_their_plan_and_role_only() {
        let asha = KeyFile::generate("asha").unwrap();
        let ravi = KeyFile::generate("ravi").unwrap();
        let mut plan = PlanFile::new(body()).unwrap();
        plan.sign(Role::Preparer, &asha);
        plan.sign(Role::Approver, &ravi);
        let signers = plan.verified().unwrap();
        assert_eq!(signers.len(), 2);
        assert_eq!(signers[1].key, ravi.public());

        // Relabelled: a preparer's signature is not an approval.
        let mut relabelled = plan.clone();
        relabelled.signatures[0].role = Role::Approver;
        assert!(relabelled.verified().unwrap_err().contains("'asha'"));

        // Copied onto another plan.
        let mut b = body();
        b.rows.pop();
        let mut other = PlanFile::new(b).unwrap();
        other.signatures.push(plan.signatures[1].clone());
        let err = other.verified().unwrap_err();
        assert!(err.contains("approver signature of 'ravi'"), "{err}");

        // Another key named in place of the signer's.
        let mut swapped = plan.clone();
        swapped.signatures[1].key = asha.public().to_string();
        assert!(swapped.verified().is_err());
    }
}
