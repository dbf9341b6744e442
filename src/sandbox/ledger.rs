//! The ledger: one entry per payout or link the sandbox accepted, with how many requests
//! carried its reference (`GET /__sandbox/ledger`, `POST /__sandbox/reset`; architecture.md §4.3).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::Sandbox;

/// One accepted payout or link (a contract: tests and users' scripts read these fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// `india-payout`, `smart-send` or `europe-payout`.
    pub api: String,
    /// The payout merchant id, or the shop id.
    pub merchant: String,
    /// `merchantRefId` or `extPayoutId`.
    pub reference: String,
    /// As the request carried it (PayU Europe: in the smallest unit; empty for the whole
    /// balance).
    pub amount: String,
    /// Where the money goes: `account:…`, `card:…` (masked), `token:…`, `postal:…` or `shop`.
    pub destination: String,
    pub accepted_at: String,
    /// Requests that carried this reference, duplicates included.
    pub times_received: u64,
    /// The payout's current status, in its API's words (`txnStatus`, `smartSendStatus`,
    /// PayU Europe's `status`).
    #[serde(default)]
    pub state: String,
}

type Key = (String, String, String);

#[derive(Default)]
pub(super) struct Ledger {
    entries: Vec<LedgerEntry>,
    /// The latest entry of each reference, and when the reference was first recorded (by
    /// the sandbox's clock).
    by_reference: HashMap<Key, (usize, Instant)>,
}

impl Ledger {
    /// Whether a request carrying `reference` is a duplicate PayU refuses: the ledger holds
    /// the reference, recorded at least `lag` ago (`--dedupe-lag-ms`; inside the lag PayU's
    /// check has not caught up, and the request is paid again). A duplicate is counted on the
    /// reference's latest entry.
    pub(super) fn received(
        &mut self,
        api: &str,
        merchant: &str,
        reference: &str,
        now: Instant,
        lag: Duration,
    ) -> bool {
        let key = (api.to_owned(), merchant.to_owned(), reference.to_owned());
        match self.by_reference.get(&key) {
            Some(&(i, first)) if now.saturating_duration_since(first) >= lag => {
                self.entries[i].times_received += 1;
                true
            }
            _ => false,
        }
    }

    /// Records a payout at `now`; its index in the ledger.
    pub(super) fn accept(&mut self, entry: LedgerEntry, now: Instant) -> usize {
        let key = (
            entry.api.clone(),
            entry.merchant.clone(),
            entry.reference.clone(),
        );
        let index = self.entries.len();
        let first = self.by_reference.get(&key).map_or(now, |&(_, first)| first);
        self.by_reference.insert(key, (index, first));
        self.entries.push(entry);
        index
    }
}

pub(super) async fn show(State(sandbox): State<Sandbox>) -> Json<Vec<LedgerEntry>> {
    let settle = sandbox.settings.settle;
    let state = sandbox.state();
    let now = state.now();
    let mut entries = state.ledger.entries.clone();
    let states = state
        .india
        .states(settle, now, sandbox.settings.status_spelling)
        .into_iter()
        .chain(state.smart_send.states(settle, now))
        .chain(state.europe.states(settle, now));
    for (index, word) in states {
        if let Some(entry) = entries.get_mut(index) {
            entry.state = word;
        }
    }
    Json(entries)
}

/// `GET /__sandbox/requests`: `{"<METHOD> <path>": n, …}`, the PayU requests received since
/// start or the last reset (architecture.md §4.3). `/__sandbox/*` itself is not counted.
pub(super) async fn requests(
    State(sandbox): State<Sandbox>,
) -> Json<std::collections::BTreeMap<String, u64>> {
    Json(sandbox.state().requests.clone())
}

/// Forgets every payout, link, token and counted request.
pub(super) async fn reset(State(sandbox): State<Sandbox>) -> StatusCode {
    let mut state = sandbox.state();
    let issued = state.issued;
    let knobs = std::mem::take(&mut state.knobs);
    let clock_ahead = state.clock_ahead;
    *state = super::State::default();
    state.clock_ahead = clock_ahead;
    // Ids keep counting, so that nothing issued before the reset is issued again; the fault
    // sequence goes on where it was.
    state.issued = issued;
    state.knobs = knobs;
    state.india.funded = sandbox.settings.balance;
    state.seed = sandbox.settings.seed;
    StatusCode::NO_CONTENT
}

/// `POST /__sandbox/clock` with `{"advance_seconds": N}` and/or `{"advance_ms": N}`: moves
/// the sandbox's clock forward, for everything that depends on age (settling, visibility,
/// the dedupe lag, PayU Europe's 14 days).
#[derive(Debug, Deserialize)]
pub(super) struct Advance {
    #[serde(default)]
    advance_seconds: u64,
    #[serde(default)]
    advance_ms: u64,
}

pub(super) async fn advance_clock(
    State(sandbox): State<Sandbox>,
    Json(advance): Json<Advance>,
) -> Json<serde_json::Value> {
    let mut state = sandbox.state();
    state.clock_ahead += std::time::Duration::from_secs(advance.advance_seconds)
        + std::time::Duration::from_millis(advance.advance_ms);
    Json(serde_json::json!({
        "ahead_seconds": state.clock_ahead.as_secs(),
        "ahead_ms": state.clock_ahead.as_millis() as u64,
    }))
}
