//! The journal: every row that was ever sent, so that no row is ever paid twice (architecture.md §3.1).
//!
//! One SQLite file (WAL, every commit synced) holds one entry per reference, keyed by
//! environment, merchant, kind and the row's reference, with a fingerprint of the fields
//! that move money, the row's state and PayU's id. A row is claimed, and committed as
//! `SENDING`, before its request leaves; a claim runs in an immediate transaction, so two runs
//! on one journal cannot both claim a reference. No secret is ever written here.
//!

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::Error;

/// Where a row stands, as far as the journal knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Claimed, and its request may have left: only PayU can say what became of it.
    Sending,
    /// PayU accepted it; the outcome is not final yet.
    Pending,
    Success,
    Failed,
    /// Sent, with no definitive answer (timeout, reset connection, 5xx).
    Unknown,
    /// PayU answered a send with its duplicate code (1002, 1103, 1115, 1125, 8356): it holds
    /// the reference, so it is never sent again; only a lookup can say how it stands.
    Exists,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Sending => "SENDING",
            State::Pending => "PENDING",
            State::Success => "SUCCESS",
            State::Failed => "FAILED",
            State::Unknown => "UNKNOWN",
            State::Exists => "EXISTS",
        }
    }

    fn parse(s: &str) -> Option<State> {
        Some(match s {
            "SENDING" => State::Sending,
            "PENDING" => State::Pending,
            "SUCCESS" => State::Success,
            "FAILED" => State::Failed,
            "UNKNOWN" => State::Unknown,
            "EXISTS" => State::Exists,
            _ => return None,
        })
    }

    /// Whether PayU will not change it any more.
    pub fn is_final(self) -> bool {
        matches!(self, State::Success | State::Failed)
    }

    /// The moment, as the journal writes it.
    pub fn now() -> String {
        now()
    }
}

/// What identifies a payout across runs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    /// `sandbox`, `uat` or `production`.
    pub env: String,
    /// The payout merchant id (India) or the shop id (Europe).
    pub merchant: String,
    /// The sheet kind (`payout`, `smart-send`, `global-payout`).
    pub kind: String,
    /// `merchantRefId` or `extPayoutId`.
    pub reference: String,
}

/// A journal entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: Key,
    pub fingerprint: String,
    pub state: State,
    /// PayU's id for it: payuTransactionRefNo, linkId or payoutId.
    pub payu_id: Option<String>,
    /// What PayU said of it: its code(s) (`;`-separated) and reason for a FAILED row, and
    /// the bank's reference (UTR) of a paid one: `status` prints them again.
    pub details: Details,
    /// When its last request left (RFC 3339): a resend waits `visibility_window` from here.
    pub last_sent_at: Option<String>,
    /// The Bulk Smart Send file that holds it, while that file may not be `COMPLETED`.
    pub file_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Entry {
    /// When its last request left: the recorded moment, else (journals written before it was
    /// kept) when it was last changed, which is no earlier.
    pub fn last_sent(&self) -> &str {
        self.last_sent_at.as_deref().unwrap_or(&self.updated_at)
    }
}

/// What PayU said of a row beyond its state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Details {
    pub code: Option<String>,
    pub reason: Option<String>,
    pub utr: Option<String>,
}

/// What a claim found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Never seen: now recorded as `SENDING`, and this run may send it.
    Fresh,
    /// Seen before with the same amount and destination: not to be sent again.
    Known(Entry),
    /// Seen before with another amount or destination: the row is `REF_REUSED`.
    Reused(Entry),
}

/// The fingerprint of what a row pays: amount (with its currency) and destination, as text
/// the caller builds in one fixed way. Reusing a reference for anything else shows up as a
/// different fingerprint.
pub fn fingerprint(parts: &[&str]) -> String {
    let joined = parts.join("\u{1f}");
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(joined.as_bytes()))
}

pub struct Journal {
    conn: Connection,
    path: PathBuf,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sent (
    env TEXT NOT NULL,
    merchant TEXT NOT NULL,
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    payu_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (env, merchant, kind, reference)
) WITHOUT ROWID;
-- Added for the controls (architecture.md §7.2); a journal written before them gains these on open.
-- The same payment under another reference, found by what it pays.
CREATE INDEX IF NOT EXISTS sent_by_payment ON sent (env, merchant, kind, fingerprint, created_at);
";

/// Columns added after the first journals were written: a journal without them gets them
/// (empty) when it is opened, so every journal ever written stays usable.
const ADDED: [(&str, &str); 5] = [
    ("code", "TEXT"),
    ("reason", "TEXT"),
    ("utr", "TEXT"),
    ("last_sent_at", "TEXT"),
    ("file_id", "TEXT"),
];

const COLUMNS: &str = "env, merchant, kind, reference, fingerprint, state, payu_id, created_at, updated_at, code, reason, utr, last_sent_at, file_id";

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Journal {
    /// Opens the journal at `path`, creating it (and nothing else) if it is not there.
    pub fn open(path: &Path) -> Result<Journal, Error> {
        let fail = |e: rusqlite::Error| Error::format(path, format!("cannot use the journal: {e}"));
        let conn = Connection::open(path).map_err(fail)?;
        // Another run may hold the write lock for a moment: wait for it rather than fail.
        conn.busy_timeout(Duration::from_secs(30)).map_err(fail)?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(fail)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::format(
                path,
                format!("the journal cannot use WAL mode (it is in {mode} mode)"),
            ));
        }
        // A claim must survive a crash or a power cut the moment it is committed.
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(fail)?;
        conn.execute_batch(SCHEMA).map_err(fail)?;
        migrate(&conn).map_err(fail)?;
        Ok(Journal {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Whether the next commits wait for the disk (`synchronous` FULL) or only for the
    /// operating system (NORMAL, which in WAL mode survives a killed process).
    fn durable(&self, yes: bool) -> Result<(), Error> {
        self.conn
            .pragma_update(None, "synchronous", if yes { "FULL" } else { "NORMAL" })
            .map_err(|e| self.fail(e))
    }

    fn fail(&self, e: rusqlite::Error) -> Error {
        Error::format(&self.path, format!("cannot use the journal: {e}"))
    }

    /// Claims `key` for sending: records it as `SENDING` if the journal has never seen it.
    pub fn claim(&mut self, key: &Key, fingerprint: &str) -> Result<Claim, Error> {
        self.claim_at(key, fingerprint, &now())
    }

    /// Claims `key` as [`Journal::claim`] does, its request leaving at `at` (RFC 3339).
    pub fn claim_at(&mut self, key: &Key, fingerprint: &str, at: &str) -> Result<Claim, Error> {
        let path = self.path.clone();
        let fail =
            |e: rusqlite::Error| Error::format(&path, format!("cannot use the journal: {e}"));
        self.durable(true)?;
        // IMMEDIATE takes the write lock before reading, so no other run can claim the same
        // reference between this look and this write.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        let existing = read_entry(&tx, key).map_err(fail)?;
        let claim = match existing {
            Some(entry) if entry.fingerprint == fingerprint => Claim::Known(entry),
            Some(entry) => Claim::Reused(entry),
            None => {
                tx.execute(
                    "INSERT INTO sent (env, merchant, kind, reference, fingerprint, state, payu_id, created_at, updated_at, last_sent_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, ?7, ?7)",
                    params![key.env, key.merchant, key.kind, key.reference, fingerprint, State::Sending.as_str(), at],
                )
                .map_err(fail)?;
                Claim::Fresh
            }
        };
        tx.commit().map_err(fail)?;
        Ok(claim)
    }

    /// Records what became of a claimed row.
    ///
    /// Only `SENDING` must reach the disk before anything else happens (a request is about
    /// to leave); any other state is written without waiting for the disk: should a power
    /// cut lose it, the entry is `SENDING` again, and PayU is asked before anything is
    /// resent. (A process that is killed loses nothing either way.)
    pub fn record(&self, key: &Key, state: State, payu_id: Option<&str>) -> Result<(), Error> {
        self.record_details(key, state, payu_id, &Details::default())
    }

    /// Records a state with what PayU said of it (code, reason, UTR); an empty detail keeps
    /// what the journal had.
    pub fn record_details(
        &self,
        key: &Key,
        state: State,
        payu_id: Option<&str>,
        details: &Details,
    ) -> Result<(), Error> {
        self.durable(state == State::Sending)?;
        let changed = self
            .conn
            .execute(
                "UPDATE sent SET state = ?5, payu_id = COALESCE(?6, payu_id), updated_at = ?7,
                   code = COALESCE(?8, code), reason = COALESCE(?9, reason), utr = COALESCE(?10, utr)
                 WHERE env = ?1 AND merchant = ?2 AND kind = ?3 AND reference = ?4",
                params![
                    key.env,
                    key.merchant,
                    key.kind,
                    key.reference,
                    state.as_str(),
                    payu_id,
                    now(),
                    details.code,
                    details.reason,
                    details.utr,
                ],
            )
            .map_err(|e| self.fail(e))?;
        self.changed(key, changed)
    }

    /// Records that a request for `key` leaves now (committed to disk first, as `SENDING`),
    /// and, for a Bulk Smart Send row, the file that holds it.
    pub fn sending(&self, key: &Key, at: &str, file_id: Option<&str>) -> Result<(), Error> {
        self.durable(true)?;
        let changed = self
            .conn
            .execute(
                "UPDATE sent SET state = 'SENDING', last_sent_at = ?5, updated_at = ?5,
                   file_id = COALESCE(?6, file_id)
                 WHERE env = ?1 AND merchant = ?2 AND kind = ?3 AND reference = ?4",
                params![key.env, key.merchant, key.kind, key.reference, at, file_id],
            )
            .map_err(|e| self.fail(e))?;
        self.changed(key, changed)
    }

    /// Records the moment a request for `key` actually left (after the limiter and the
    /// token), later than its claim: the visibility window counts from here. Written
    /// without waiting for the disk (a killed process loses nothing in WAL mode; a power
    /// cut leaves the claim's own moment, which is earlier, so the window is only longer).
    pub fn left(&self, key: &Key, at: &str) -> Result<(), Error> {
        self.durable(false)?;
        self.conn
            .execute(
                "UPDATE sent SET last_sent_at = ?5
                 WHERE env = ?1 AND merchant = ?2 AND kind = ?3 AND reference = ?4
                   AND (last_sent_at IS NULL OR last_sent_at < ?5)",
                params![key.env, key.merchant, key.kind, key.reference, at],
            )
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// Records the Bulk Smart Send file that holds `key` (`None`: no file holds it any more,
    /// the file being `COMPLETED`).
    pub fn file(&self, key: &Key, file_id: Option<&str>) -> Result<(), Error> {
        self.durable(true)?;
        let changed = self
            .conn
            .execute(
                "UPDATE sent SET file_id = ?5
                 WHERE env = ?1 AND merchant = ?2 AND kind = ?3 AND reference = ?4",
                params![key.env, key.merchant, key.kind, key.reference, file_id],
            )
            .map_err(|e| self.fail(e))?;
        self.changed(key, changed)
    }

    fn changed(&self, key: &Key, changed: usize) -> Result<(), Error> {
        if changed == 0 {
            return Err(Error::format(
                &self.path,
                format!(
                    "the journal has no claim for reference '{}' to record",
                    key.reference
                ),
            ));
        }
        Ok(())
    }

    /// Gives up a claim whose request PayU certainly did not process (it refused the
    /// run's credentials): the row may be sent by a later run. Only a `SENDING` entry goes.
    pub fn release(&self, key: &Key) -> Result<(), Error> {
        self.conn
            .execute(
                "DELETE FROM sent WHERE env = ?1 AND merchant = ?2 AND kind = ?3 AND reference = ?4 AND state = 'SENDING'",
                params![key.env, key.merchant, key.kind, key.reference],
            )
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// The entry of `key`, if the journal holds one.
    pub fn get(&self, key: &Key) -> Result<Option<Entry>, Error> {
        read_entry(&self.conn, key).map_err(|e| self.fail(e))
    }

    /// The entries of one environment, merchant and kind that only PayU can settle: `SENDING`
    /// (a run stopped after claiming them), `UNKNOWN` and `EXISTS`.
    pub fn unsettled(&self, env: &str, merchant: &str, kind: &str) -> Result<Vec<Entry>, Error> {
        let mut stmt = self
            .conn
            .prepare(
                &format!("SELECT {COLUMNS}
                 FROM sent WHERE env = ?1 AND merchant = ?2 AND kind = ?3 AND state IN ('SENDING', 'UNKNOWN', 'EXISTS')
                 ORDER BY created_at, reference"),
            )
            .map_err(|e| self.fail(e))?;
        let rows = stmt
            .query_map(params![env, merchant, kind], entry_from_row)
            .map_err(|e| self.fail(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.fail(e))
    }
}

/// The controls' questions (architecture.md §7.2).
impl Journal {
    /// The payments with `fingerprint` (same amount and destination) under another reference
    /// than `key`'s, first sent at or after `since` (RFC 3339, as the journal writes times),
    /// that may have paid: every state but FAILED. Oldest first.
    pub fn same_payment(
        &self,
        key: &Key,
        fingerprint: &str,
        since: &str,
    ) -> Result<Vec<Entry>, Error> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS}
                 FROM sent WHERE env = ?1 AND merchant = ?2 AND kind = ?3 AND fingerprint = ?4
                 AND created_at >= ?5 AND reference <> ?6 AND state <> 'FAILED'
                 ORDER BY created_at, reference"
            ))
            .map_err(|e| self.fail(e))?;
        let rows = stmt
            .query_map(
                params![
                    key.env,
                    key.merchant,
                    key.kind,
                    fingerprint,
                    since,
                    key.reference
                ],
                entry_from_row,
            )
            .map_err(|e| self.fail(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.fail(e))
    }

    /// Records that an entry ended FAILED for a reason of the tool's own (`code`: CANCELLED,
    /// REVERSED), with the reason a rerun shows. `false` when the journal has no entry for
    /// `key`.
    pub fn end(&self, key: &Key, code: &str, reason: &str) -> Result<bool, Error> {
        self.durable(false)?;
        let changed = self
            .conn
            .execute(
                "UPDATE sent SET state = 'FAILED', code = ?5, reason = ?6, updated_at = ?7
                 WHERE env = ?1 AND merchant = ?2 AND kind = ?3 AND reference = ?4",
                params![
                    key.env,
                    key.merchant,
                    key.kind,
                    key.reference,
                    code,
                    reason,
                    now()
                ],
            )
            .map_err(|e| self.fail(e))?;
        Ok(changed > 0)
    }
}

fn read_entry(conn: &Connection, key: &Key) -> rusqlite::Result<Option<Entry>> {
    conn.query_row(
        &format!(
            "SELECT {COLUMNS} FROM sent WHERE env = ?1 AND merchant = ?2 AND kind = ?3 AND reference = ?4"
        ),
        params![key.env, key.merchant, key.kind, key.reference],
        entry_from_row,
    )
    .optional()
}

fn entry_from_row(r: &rusqlite::Row) -> rusqlite::Result<Entry> {
    let state: String = r.get(5)?;
    Ok(Entry {
        key: Key {
            env: r.get(0)?,
            merchant: r.get(1)?,
            kind: r.get(2)?,
            reference: r.get(3)?,
        },
        fingerprint: r.get(4)?,
        state: State::parse(&state).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                5,
                rusqlite::types::Type::Text,
                format!("unknown state '{state}'").into(),
            )
        })?,
        payu_id: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
        details: Details {
            code: r.get(9)?,
            reason: r.get(10)?,
            utr: r.get(11)?,
        },
        last_sent_at: r.get(12)?,
        file_id: r.get(13)?,
    })
}

/// Adds the columns a journal of an earlier version lacks.
fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare("PRAGMA table_info(sent)")?;
    let have: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(1))?
        .collect::<Result<_, _>>()?;
    for (name, ty) in ADDED {
        if !have.iter().any(|h| h == name) {
            conn.execute_batch(&format!("ALTER TABLE sent ADD COLUMN {name} {ty}"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(reference: &str) -> Key {
        Key {
            env: "sandbox".into(),
            merchant: "1111123".into(),
            kind: "payout".into(),
            reference: reference.into(),
        }
    }

    #[test]
    fn a_reference_is_claimed_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(&dir.path().join("j.sqlite")).unwrap();
        let print = fingerprint(&["1500.00", "INR", "50100234567891", "HDFC0000001"]);
        assert_eq!(j.claim(&key("R1"), &print).unwrap(), Claim::Fresh);
        match j.claim(&key("R1"), &print).unwrap() {
            Claim::Known(e) => assert_eq!(e.state, State::Sending),
            other => panic!("{other:?}"),
        }
        let other = fingerprint(&["1600.00", "INR", "50100234567891", "HDFC0000001"]);
        assert!(matches!(
            j.claim(&key("R1"), &other).unwrap(),
            Claim::Reused(_)
        ));
        // The same reference for another merchant or environment is another payout.
        let mut elsewhere = key("R1");
        elsewhere.env = "production".into();
        assert_eq!(j.claim(&elsewhere, &print).unwrap(), Claim::Fresh);
    }

    #[test]
    fn states_and_ids_are_kept_across_opens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.sqlite");
        {
            let mut j = Journal::open(&path).unwrap();
            j.claim(&key("R1"), "f").unwrap();
            j.claim(&key("R2"), "f").unwrap();
            j.claim(&key("R3"), "f").unwrap();
            j.record(
                &key("R1"),
                State::Pending,
                Some("PAYOUT1661147773462lrSLcvHSc1K"),
            )
            .unwrap();
            j.record(&key("R1"), State::Success, None).unwrap();
            j.record(&key("R2"), State::Unknown, None).unwrap();
            assert!(
                j.record(&key("never-claimed"), State::Failed, None)
                    .is_err()
            );
        }
        let j = Journal::open(&path).unwrap();
        let r1 = j.get(&key("R1")).unwrap().unwrap();
        assert_eq!(
            (r1.state, r1.payu_id.as_deref()),
            (State::Success, Some("PAYOUT1661147773462lrSLcvHSc1K"))
        );
        let unsettled: Vec<String> = j
            .unsettled("sandbox", "1111123", "payout")
            .unwrap()
            .into_iter()
            .map(|e| e.key.reference)
            .collect();
        assert_eq!(unsettled, ["R2", "R3"]);
        let mode: String = j
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn two_runs_at_once_never_both_claim_a_reference() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.sqlite");
        Journal::open(&path).unwrap();
        let fresh: Vec<Vec<String>> = std::thread::scope(|s| {
            let runs: Vec<_> = (0..2)
                .map(|_| {
                    let path = path.clone();
                    s.spawn(move || {
                        let mut j = Journal::open(&path).unwrap();
                        (0..300)
                            .map(|i| format!("R{i}"))
                            .filter(|r| j.claim(&key(r), "f").unwrap() == Claim::Fresh)
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            runs.into_iter().map(|r| r.join().unwrap()).collect()
        });
        let mut all: Vec<&String> = fresh.iter().flatten().collect();
        assert_eq!(
            all.len(),
            300,
            "every reference is claimed by exactly one run"
        );
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 300);
    }

    #[test]
    fn a_file_that_is_not_a_journal_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        std::fs::write(
            &path,
            "this is not a database, just some text that is long enough to be a header",
        )
        .unwrap();
        let err = Journal::open(&path)
            .err()
            .expect("not a journal")
            .to_string();
        assert!(
            err.contains("notes.txt") && err.contains("journal"),
            "{err}"
        );
    }

    #[test]
    fn a_journal_of_the_first_version_is_migrated_and_keeps_its_entries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(SCHEMA).unwrap();
            conn.execute(
                "INSERT INTO sent VALUES ('sandbox', '1111123', 'payout', 'OLD1', 'f', 'UNKNOWN', NULL, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z')",
                [],
            )
            .unwrap();
        }
        let j = Journal::open(&path).unwrap();
        let old = j.get(&key("OLD1")).unwrap().unwrap();
        assert_eq!(old.state, State::Unknown);
        assert_eq!(old.details, Details::default());
        // No send time was kept then: the last change stands for it.
        assert_eq!(old.last_sent(), "2026-01-01T00:00:01.000Z");
        j.record_details(
            &key("OLD1"),
            State::Failed,
            Some("PAYOUT1"),
            &Details {
                code: Some("FAILED".into()),
                reason: Some("Beneficiary bank down".into()),
                utr: None,
            },
        )
        .unwrap();
        j.sending(&key("OLD1"), "2026-01-02T00:00:00.000Z", Some("77"))
            .unwrap();
        drop(j);
        let j = Journal::open(&path).unwrap();
        let e = j.get(&key("OLD1")).unwrap().unwrap();
        assert_eq!(e.details.reason.as_deref(), Some("Beneficiary bank down"));
        assert_eq!(e.last_sent(), "2026-01-02T00:00:00.000Z");
        assert_eq!(e.file_id.as_deref(), Some("77"));
        assert_eq!(e.state, State::Sending);
    }

    #[test]
    fn the_same_payment_is_found_under_other_references_and_endings_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(&dir.path().join("j.sqlite")).unwrap();
        let print = fingerprint(&["1500 INR", "IMPS", "account:50100234567891/HDFC0000001"]);
        j.claim(&key("R1"), &print).unwrap();
        j.claim(&key("R2"), &print).unwrap();
        j.claim(&key("R3"), "another payment").unwrap();
        j.record(&key("R2"), State::Failed, None).unwrap();
        let found: Vec<String> = j
            .same_payment(&key("R9"), &print, "2000-01-01T00:00:00.000Z")
            .unwrap()
            .into_iter()
            .map(|e| e.key.reference)
            .collect();
        assert_eq!(found, ["R1"], "a FAILED payment paid nothing");
        assert!(
            j.same_payment(&key("R1"), &print, "2000-01-01T00:00:00.000Z")
                .unwrap()
                .is_empty()
        );
        assert!(
            j.same_payment(&key("R9"), &print, "2999-01-01T00:00:00.000Z")
                .unwrap()
                .is_empty()
        );
        assert!(
            j.end(&key("R1"), "CANCELLED", "cancelled on request")
                .unwrap()
        );
        assert!(!j.end(&key("never-sent"), "CANCELLED", "").unwrap());
        let r1 = j.get(&key("R1")).unwrap().unwrap();
        assert_eq!(
            (
                r1.state,
                r1.details.code.as_deref(),
                r1.details.reason.as_deref()
            ),
            (
                State::Failed,
                Some("CANCELLED"),
                Some("cancelled on request")
            )
        );
    }

    #[test]
    fn a_journal_from_before_the_controls_opens_and_gains_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE sent (env TEXT NOT NULL, merchant TEXT NOT NULL, kind TEXT NOT NULL,
                 reference TEXT NOT NULL, fingerprint TEXT NOT NULL, state TEXT NOT NULL, payu_id TEXT,
                 created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
                 PRIMARY KEY (env, merchant, kind, reference)) WITHOUT ROWID;
                 INSERT INTO sent VALUES ('sandbox','1111123','payout','OLD','f','SUCCESS',NULL,
                 '2026-12-01T10:00:00.000Z','2026-12-01T10:00:00.000Z');",
            )
            .unwrap();
        }
        let j = Journal::open(&path).unwrap();
        assert_eq!(j.get(&key("OLD")).unwrap().unwrap().state, State::Success);
        let found = j
            .same_payment(&key("NEW"), "f", "2026-11-30T00:00:00.000Z")
            .unwrap();
        assert_eq!(found.len(), 1, "old entries are found by what they paid");
        assert!(j.end(&key("OLD"), "REVERSED", "reversed").unwrap());
    }

    #[test]
    fn fingerprints_separate_their_parts() {
        assert_ne!(fingerprint(&["1", "23"]), fingerprint(&["12", "3"]));
        assert_eq!(fingerprint(&["a", "b"]), fingerprint(&["a", "b"]));
    }
}
