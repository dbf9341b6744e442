//! Counts and amounts by status: the one-screen summary on stderr, and `--summary-json`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::Status;
use crate::Error;
use crate::currency::Currency;
use crate::rows::Kind;

#[derive(Debug, Clone)]
pub struct Summary {
    pub kind: Kind,
    pub input: PathBuf,
    pub results: PathBuf,
    pub rows: u64,
    pub by_status: BTreeMap<Status, u64>,
    pub amounts: BTreeMap<Currency, BTreeMap<Status, Decimal>>,
    pub unknown_columns: Vec<String>,
    /// Things a person should know about the run as a whole.
    pub notes: Vec<String>,
    /// The sums that would not fit a `Decimal`: left out of `amounts`, and said so, never
    /// printed wrapped or stuck at the largest value. (Validation caps each row at 15
    /// digits, so no sheet a person can make gets here; the check is what makes it so.)
    pub overflowed: std::collections::BTreeSet<(Currency, Status)>,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// The approved plan the run sent against (`submit --plan`).
    pub plan: Option<PlanNote>,
    /// The requests the run made of PayU (none for `validate`).
    pub requests: Requests,
}

/// The requests a run made of PayU, by what they are: every request that left counts once
/// in exactly one of `send`, `status` and `token` (architecture.md §3.4), so that their sum
/// is what PayU served.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Requests {
    /// Payments, links, bulk uploads, processing a file, cancels.
    pub send: u64,
    /// Every query: listTransactions, a link's, a file's or a payout's status, the balance.
    pub status: u64,
    /// Token calls.
    pub token: u64,
    /// Requests that repeated an earlier attempt of the same call (after a 429, no answer,
    /// a 401); counted in their class too.
    pub retried: u64,
    /// `429` answers waited out.
    pub throttled: u64,
    /// Without an answer (timeouts, dropped connections, 5xx).
    pub unanswered: u64,
}

impl Requests {
    pub fn of(counters: &crate::client::Counters) -> Requests {
        let load = |a: &std::sync::atomic::AtomicU64| a.load(std::sync::atomic::Ordering::Relaxed);
        Requests {
            send: load(&counters.send),
            status: load(&counters.status),
            token: load(&counters.token),
            retried: load(&counters.retried),
            throttled: load(&counters.throttled),
            unanswered: load(&counters.unanswered),
        }
    }

    /// Every request made.
    pub fn total(&self) -> u64 {
        self.send
            .saturating_add(self.status)
            .saturating_add(self.token)
    }

    /// The `requests` object of `--summary-json` (architecture.md §4.2, a contract).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "send": self.send,
            "status": self.status,
            "token": self.token,
            "retried": self.retried,
            "throttled": self.throttled,
        })
    }

    /// The end-of-run line on stderr, with the requests per row of a sheet of `rows`:
    /// `requests: 31 (send 20, status 10, token 1; 0.03 per row; 0 retried, 0 answered 429)`.
    pub fn line(&self, rows: u64) -> String {
        let total = self.total();
        let per_row = match rows {
            0 => String::new(),
            // Hundredths, rounded half up, in whole numbers: no float between.
            n => {
                let hundredths = (u128::from(total) * 100 + u128::from(n) / 2) / u128::from(n);
                format!("; {}.{:02} per row", hundredths / 100, hundredths % 100)
            }
        };
        let unanswered = match self.unanswered {
            0 => String::new(),
            n => format!(", {n} unanswered"),
        };
        format!(
            "requests: {total} (send {}, status {}, token {}{per_row}; {} retried, {} answered 429{unanswered})",
            self.send, self.status, self.token, self.retried, self.throttled
        )
    }
}

/// An approved plan, as the summary records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanNote {
    /// `sha256:…`, the plan's digest.
    pub digest: String,
    /// The approvers' names.
    pub approvers: Vec<String>,
}

impl Summary {
    pub fn new(kind: Kind, input: &Path, results: &Path, started_at: DateTime<Utc>) -> Summary {
        Summary {
            kind,
            input: input.to_path_buf(),
            results: results.to_path_buf(),
            rows: 0,
            by_status: BTreeMap::new(),
            amounts: BTreeMap::new(),
            unknown_columns: Vec::new(),
            notes: Vec::new(),
            overflowed: Default::default(),
            started_at,
            finished_at: started_at,
            plan: None,
            requests: Requests::default(),
        }
    }

    pub fn add(&mut self, status: Status, amount: Option<(Decimal, Currency)>) {
        self.rows += 1;
        *self.by_status.entry(status).or_default() += 1;
        if let Some((value, currency)) = amount {
            self.add_amount(currency, status, Some(value));
        }
    }

    /// Adds `value` (`None`: a value that itself did not fit) to the sum of `currency` and
    /// `status`, checked.
    fn add_amount(&mut self, currency: Currency, status: Status, value: Option<Decimal>) {
        if self.overflowed.contains(&(currency, status)) {
            return;
        }
        let sums = self.amounts.entry(currency).or_default();
        let sum = sums.entry(status).or_default();
        match value.and_then(|v| sum.checked_add(v)) {
            Some(total) => *sum = total,
            None => {
                sums.remove(&status);
                if sums.is_empty() {
                    self.amounts.remove(&currency);
                }
                self.overflowed.insert((currency, status));
            }
        }
    }

    /// Adds what a [`Tally`] counted.
    pub fn absorb(&mut self, tally: Tally) {
        for status in Status::ALL {
            let n = tally.counts[status as usize];
            if n > 0 {
                self.rows += n;
                *self.by_status.entry(status).or_default() += n;
            }
        }
        for (currency, sums) in tally.minor {
            for status in Status::ALL {
                match sums[status as usize] {
                    Some(Some(m)) => {
                        let value = Decimal::try_from_i128_with_scale(m, currency.decimals()).ok();
                        self.add_amount(currency, status, value);
                    }
                    Some(None) => self.add_amount(currency, status, None),
                    None => {}
                }
            }
        }
        for (currency, status, value) in tally.other {
            self.add_amount(currency, status, Some(value));
        }
    }

    pub fn count(&self, status: Status) -> u64 {
        self.by_status.get(&status).copied().unwrap_or(0)
    }

    /// The JSON of architecture.md §4.2: `amount_by_status` holds decimal strings in the sheet's one
    /// currency; a sheet in several currencies leaves it empty and gives
    /// `amount_by_status_by_currency` instead (it is always there).
    pub fn to_json(&self) -> serde_json::Value {
        let money = |m: &BTreeMap<Status, Decimal>| -> serde_json::Map<String, serde_json::Value> {
            m.iter()
                .map(|(s, d)| {
                    (
                        s.as_str().to_owned(),
                        serde_json::Value::String(format_money(*d)),
                    )
                })
                .collect()
        };
        let single = if self.amounts.len() == 1 {
            self.amounts.values().next().map(money).unwrap_or_default()
        } else {
            serde_json::Map::new()
        };
        let by_currency: serde_json::Map<String, serde_json::Value> = self
            .amounts
            .iter()
            .map(|(c, m)| (c.code().to_owned(), serde_json::Value::Object(money(m))))
            .collect();
        let currency = match self.amounts.keys().collect::<Vec<_>>().as_slice() {
            [one] => serde_json::Value::String(one.code().to_owned()),
            _ => serde_json::Value::Null,
        };
        let mut json = serde_json::json!({
            "kind": self.kind,
            "input": self.input.display().to_string(),
            "results": self.results.display().to_string(),
            "rows": self.rows,
            "by_status": self.by_status.iter().map(|(s, n)| (s.as_str().to_owned(), *n)).collect::<BTreeMap<_, _>>(),
            "amount_by_status": single,
            "currency": currency,
            "amount_by_status_by_currency": by_currency,
            "unknown_columns": self.unknown_columns,
            "amounts_too_large_to_add_up": self.overflowed.iter().map(|(c, s)| format!("{c} {s}")).collect::<Vec<_>>(),
            "started_at": self.started_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "finished_at": self.finished_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "requests": self.requests.to_json(),
        });
        if let (Some(plan), Some(map)) = (&self.plan, json.as_object_mut()) {
            map.insert(
                "plan".to_owned(),
                serde_json::json!({"digest": plan.digest, "approvers": plan.approvers}),
            );
        }
        json
    }

    /// Writes the JSON atomically (temporary file, then rename).
    pub fn write_json(&self, path: &Path) -> Result<(), Error> {
        let dir = crate::sheet::folder_of(path);
        let mut temp = tempfile::NamedTempFile::new_in(&dir).map_err(|e| Error::write(path, e))?;
        serde_json::to_writer_pretty(&mut temp, &self.to_json())
            .map_err(|e| Error::write(path, e))?;
        temp.write_all(b"\n").map_err(|e| Error::write(path, e))?;
        temp.persist(path)
            .map_err(|e| Error::write(path, e.error))?;
        Ok(())
    }

    /// The one-screen summary for a person.
    pub fn render(&self) -> String {
        let mut out = format!(
            "{} sheet {}: {} rows\n",
            self.kind,
            self.input.display(),
            self.rows
        );
        for (status, n) in &self.by_status {
            let amounts: Vec<String> = self
                .amounts
                .iter()
                .filter_map(|(c, m)| m.get(status).map(|d| format!("{c} {}", format_money(*d))))
                .collect();
            out.push_str(&format!("  {:<9} {:>8}", status.as_str(), n));
            if !amounts.is_empty() {
                out.push_str(&format!("   {}", amounts.join(" + ")));
            }
            out.push('\n');
        }
        if !self.unknown_columns.is_empty() {
            // Bounded: a sheet of a thousand long headers is listed in a line or two.
            let mut shown: Vec<String> = self
                .unknown_columns
                .iter()
                .take(20)
                .map(|c| crate::text::quoted(c).into_owned())
                .collect();
            if self.unknown_columns.len() > 20 {
                shown.push(format!("and {} more", self.unknown_columns.len() - 20));
            }
            out.push_str(&format!(
                "columns the tool does not use (kept as they are): {}\n",
                shown.join(", ")
            ));
        }
        for (currency, status) in &self.overflowed {
            out.push_str(&format!(
                "note: the {status} amounts in {currency} are too large to add up; they are left out\n"
            ));
        }
        for note in &self.notes {
            out.push_str(&format!("note: {note}\n"));
        }
        if let Some(plan) = &self.plan {
            out.push_str(&format!(
                "plan: {}, approved by {}\n",
                plan.digest,
                plan.approvers.join(", ")
            ));
        }
        out.push_str(&format!("results: {}\n", self.results.display()));
        out
    }
}

/// Counts and amounts by status over many rows, cheaper to add to than a [`Summary`] (the
/// validate loop adds a million rows): amounts are summed as whole minor units in an `i128`,
/// exact for any amount with no more decimals than its currency; any other amount is summed
/// as a `Decimal`. Folded into a summary once, by [`Summary::absorb`].
#[derive(Debug, Default)]
pub struct Tally {
    counts: [u64; Status::ALL.len()],
    /// Per currency and status, the sum in minor units, if some row added to it (`None`
    /// inside: it overflowed, checked, and stays so).
    minor: Vec<(Currency, [Option<Option<i128>>; Status::ALL.len()])>,
    /// Amounts that did not fit the minor units.
    other: Vec<(Currency, Status, Decimal)>,
}

impl Tally {
    pub fn add(&mut self, status: Status, amount: Option<(Decimal, Currency)>) {
        let s = status as usize;
        self.counts[s] += 1;
        let Some((value, currency)) = amount else {
            return;
        };
        let decimals = currency.decimals();
        let minor = (value.scale() <= decimals)
            .then(|| {
                value
                    .mantissa()
                    .checked_mul(10i128.pow(decimals - value.scale()))
            })
            .flatten();
        let i = match self.minor.iter().position(|(c, _)| *c == currency) {
            Some(i) => i,
            None => {
                self.minor.push((currency, Default::default()));
                self.minor.len() - 1
            }
        };
        let slot = &mut self.minor[i].1[s];
        match (minor, *slot) {
            (Some(m), None) => *slot = Some(Some(m)),
            (Some(m), Some(Some(sum))) => *slot = Some(sum.checked_add(m)),
            (Some(_), Some(None)) => {}
            (None, _) => self.other.push((currency, status, value)),
        }
    }
}

/// Money with its two decimals, as people write it: `1500.00`.
pub fn format_money(d: Decimal) -> String {
    let mut d = d;
    d.rescale(2);
    d.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn currency(i: u8) -> Currency {
        [Currency::Inr, Currency::Pln, Currency::Eur][usize::from(i % 3)]
    }

    #[test]
    fn requests_are_counted_by_class_in_the_json_and_the_line() {
        let r = Requests {
            send: 20,
            status: 10,
            token: 1,
            retried: 2,
            throttled: 3,
            unanswered: 0,
        };
        assert_eq!(
            r.line(1000),
            "requests: 31 (send 20, status 10, token 1; 0.03 per row; 2 retried, 3 answered 429)"
        );
        assert_eq!(
            Requests { unanswered: 4, ..r }.line(0),
            "requests: 31 (send 20, status 10, token 1; 2 retried, 3 answered 429, 4 unanswered)"
        );
        assert_eq!(
            Requests::default().line(3),
            "requests: 0 (send 0, status 0, token 0; 0.00 per row; 0 retried, 0 answered 429)"
        );
        let mut s = Summary::new(
            Kind::Payout,
            Path::new("a.csv"),
            Path::new("a.results.csv"),
            DateTime::<Utc>::UNIX_EPOCH,
        );
        s.requests = r;
        assert_eq!(
            s.to_json()["requests"],
            serde_json::json!({"send": 20, "status": 10, "token": 1, "retried": 2, "throttled": 3})
        );
    }

    #[test]
    fn a_status_indexes_its_place_in_all() {
        // A tally keeps its counts in an array indexed by `status as usize`.
        for (i, status) in Status::ALL.into_iter().enumerate() {
            assert_eq!(status as usize, i);
        }
    }

    proptest! {
        #[test]
        fn a_tally_sums_as_summary_add_does(
            rows in proptest::collection::vec((0usize..7, proptest::option::of((0i64..10_000_000_000, 0u32..4, 0u8..3))), 0..60)
        ) {
            let empty = || Summary::new(Kind::Payout, Path::new("a.csv"), Path::new("a.results.csv"), DateTime::<Utc>::UNIX_EPOCH);
            let (mut direct, mut folded, mut tally) = (empty(), empty(), Tally::default());
            for (status, amount) in rows {
                let status = Status::ALL[status];
                // Scale 3 does not fit the minor units: the tally's other path.
                let amount = amount.map(|(m, scale, c)| (Decimal::new(m, scale), currency(c)));
                direct.add(status, amount);
                tally.add(status, amount);
            }
            folded.absorb(tally);
            prop_assert_eq!(folded.rows, direct.rows);
            prop_assert_eq!(&folded.by_status, &direct.by_status);
            prop_assert_eq!(&folded.amounts, &direct.amounts);
        }
    }

    #[test]
    fn a_sum_too_large_is_left_out_and_said_never_wrapped() {
        let empty = || {
            Summary::new(
                Kind::Payout,
                Path::new("a.csv"),
                Path::new("a.results.csv"),
                DateTime::<Utc>::UNIX_EPOCH,
            )
        };
        let huge = Some((Decimal::MAX, Currency::Inr));
        let (mut direct, mut folded, mut tally) = (empty(), empty(), Tally::default());
        for _ in 0..3 {
            direct.add(Status::Valid, huge);
            tally.add(Status::Valid, huge);
        }
        direct.add(Status::Valid, Some((Decimal::ONE, Currency::Pln)));
        tally.add(Status::Valid, Some((Decimal::ONE, Currency::Pln)));
        folded.absorb(tally);
        for s in [&direct, &folded] {
            assert_eq!(s.amounts.get(&Currency::Inr), None);
            assert_eq!(s.amounts[&Currency::Pln][&Status::Valid], Decimal::ONE);
            let text = s.render();
            assert!(text.contains("too large to add up"), "{text}");
            assert!(!text.contains("79228162514264337593543950335"), "{text}");
        }
        // A sum of minor units past what a Decimal holds is caught on the way in.
        let mut t = Tally::default();
        let big = Some((
            Decimal::from_i128_with_scale(i128::from(i64::MAX) << 30, 0),
            Currency::Eur,
        ));
        for _ in 0..(1 << 12) {
            t.add(Status::Valid, big);
        }
        let mut s = empty();
        s.absorb(t);
        assert!(s.overflowed.contains(&(Currency::Eur, Status::Valid)));
        assert_eq!(s.amounts.get(&Currency::Eur), None);
    }
}
