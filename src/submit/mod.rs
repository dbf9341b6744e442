//! Paying the valid rows: plan → journal → send → reconcile → poll (architecture.md §1, §3.1, §3.4, §3.6).
//!
//! Every row that may be paid is an [`Item`]: its request, its journal key and its
//! [`SendState`], which alone says whether it may be sent. The journal is asked first: a
//! reference it already holds is never sent again as new (its state is refreshed from PayU
//! instead). A row is committed as `SENDING` before its request leaves. A request without a
//! definitive answer leaves the row `UNKNOWN`; a lookup that finds nothing is undetermined,
//! and the row is resent, with the same reference, only when a lookup made
//! `visibility_window` after its last send still finds nothing, so that PayU's own duplicate
//! check (`1002`, `1103`, `8356`) stands behind the journal's. A duplicate answer means PayU
//! has the row: it is settled by lookup, never sent again, never FAILED.
//!
//! Each PayU surface (India transfers, Smart Send links, PayU Europe payouts) is a
//! `Surface`: send a group of rows, look one up, each answer read into the state's words.
//! Bulk Smart Send is the links surface with a file in front (`links.rs`).

mod europe;
mod india;
mod links;
pub mod plan;
mod progress;
mod run;
pub mod state;

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

pub use plan::{Outgoing, Payer, Request};
pub use progress::Progress;
pub use run::{Submission, Submitted, run};
pub use state::{Answer, Lookup, Report, Said, SendState, Waiting};

use crate::Error;
use crate::client::auth::Tokens;
use crate::client::{CallError, Transport};
use crate::config::{Endpoints, Env};
use crate::journal::{Claim, Entry, Journal, Key};
use crate::report::Status;
use crate::rows::Kind;

/// A PayU India payout account, with its token.
pub struct IndiaAccount {
    pub tokens: Tokens,
    pub merchant_id: String,
}

/// A PayU Europe POS, with its token, and the shop rows without a `shopId` pay from.
pub struct EuropeAccount {
    pub tokens: Tokens,
    pub shop_id: String,
}

/// Everything a run talks to.
pub struct Apis {
    pub transport: Transport,
    pub endpoints: Endpoints,
    pub env: Env,
    pub india: Option<IndiaAccount>,
    pub europe: Option<EuropeAccount>,
}

impl Apis {
    pub fn env_name(&self) -> &'static str {
        match self.env {
            Env::Sandbox => "sandbox",
            Env::Uat => "uat",
            Env::Production => "production",
        }
    }
}

/// Smart Send: one link per request, or a Bulk Smart Send file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    Api,
    Bulk,
}

/// What a row's results line says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    pub codes: Vec<String>,
    pub messages: Vec<String>,
    /// PayU's id: payuTransactionRefNo, linkId or payoutId.
    pub reference: String,
    pub link: String,
    /// The bank's reference (UTR, `bankTransactionRefNo`) of a paid India or Smart Send
    /// transfer.
    pub utr: Option<String>,
    /// Where the row's state came from, when not from this run (the journal): kept whatever
    /// PayU says next.
    pub note: String,
}

impl Outcome {
    pub fn new(status: Status) -> Outcome {
        Outcome {
            status,
            codes: Vec::new(),
            messages: Vec::new(),
            reference: String::new(),
            link: String::new(),
            utr: None,
            note: String::new(),
        }
    }

    /// The note, then the messages.
    pub fn all_messages(&self) -> Vec<String> {
        let note = (!self.note.is_empty()).then(|| self.note.clone());
        note.into_iter()
            .chain(self.messages.iter().filter(|&m| !m.is_empty()).cloned())
            .collect()
    }
}

/// One row that may be paid.
#[derive(Debug, Clone)]
pub struct Item {
    /// The row's index among the sheet's data rows.
    pub row: usize,
    pub payment: Outgoing,
    pub key: Key,
    /// What the journal said of it, when an earlier run sent it.
    note: String,
    /// The tool's code for a row held back unsent (`CANARY`).
    held_code: Option<String>,
    /// When it was first sent (this run, or an earlier one by the journal): a listing by
    /// batch covers the days from then.
    first_sent: Option<state::Stamp>,
    /// The `batchId` of the transfer PayU accepted from this run (PayU India). Only an
    /// accepted send says under which batch PayU holds the row: a row an earlier run sent, or
    /// one PayU answered with a duplicate or not at all, may be there under another run's
    /// batchId, so it is asked by reference.
    batch: Option<String>,
    /// Where it stands: changed only through its transitions.
    state: SendState,
}

impl Item {
    pub fn new(row: usize, payment: Outgoing, env: &str, kind: Kind) -> Item {
        let key = Key {
            env: env.to_owned(),
            merchant: payment.merchant.clone(),
            kind: kind.name().to_owned(),
            reference: payment.reference.clone(),
        };
        Item {
            row,
            payment,
            key,
            note: String::new(),
            held_code: None,
            first_sent: None,
            batch: None,
            state: SendState::new(by_reference(kind)),
        }
    }

    pub fn state(&self) -> &SendState {
        &self.state
    }

    /// Its results line; `window` for what an unanswered row waits for.
    pub fn outcome(&self, window: Duration) -> Outcome {
        let mut o = self.state.outcome(window_ms(window));
        o.note = self.note.clone();
        if let Some(code) = &self.held_code
            && o.status == Status::NotSent
        {
            o.codes = vec![code.clone()];
        }
        o
    }

    /// Not sent by this run, for `why`, with the tool's `code` for it (`CANARY`); nothing if
    /// it is not a row still to send.
    pub fn hold_with(&mut self, code: &str, why: &str) {
        if self.state.hold(why).is_ok() {
            self.held_code = Some(code.to_owned());
        }
    }

    /// Not sent by this run, for `why`; nothing if it is not a row still to send.
    pub fn hold(&mut self, why: &str) {
        let _ = self.state.hold(why);
    }

    /// A dry run: it would be sent; nothing if it is not a row still to send.
    pub fn dry_run(&mut self) {
        let _ = self.state.dry_run();
    }

    /// Refused before sending, with the tool's `code` (e.g. `POSSIBLE_REPEAT`): INVALID.
    pub fn refuse(&mut self, code: &str, message: String) {
        self.state.invalid(code, message);
    }

    /// The item as the journal has it: not sent again as new.
    fn take_journal(&mut self, entry: &Entry) {
        if entry.fingerprint != self.payment.fingerprint {
            self.reused(entry);
            return;
        }
        let by_ref = self.key.kind != Kind::GlobalPayout.name();
        self.state = SendState::from_journal(entry, by_ref);
        self.first_sent = state::stamp_of(&entry.created_at).or(self.first_sent);
        let first = entry.created_at.get(..10).unwrap_or(&entry.created_at);
        self.note = if self.state.is_final()
            || self.state.waiting().is_some()
            || self.state.is_held()
        {
            format!("sent by an earlier run on {first} (journal); not sent again")
        } else {
            format!(
                "sent by an earlier run on {first} with no definitive answer; checked with PayU before anything is resent"
            )
        };
    }

    /// The row as a round of lookups asks about it.
    fn asked(&self) -> Asked {
        Asked {
            reference: self.key.reference.clone(),
            batch: self.batch.clone(),
            since: self.first_sent,
        }
    }

    fn reused(&mut self, entry: &Entry) {
        let first = entry.created_at.get(..10).unwrap_or(&entry.created_at);
        self.note.clear();
        self.state.reused(format!(
            "the reference '{}' was already sent on {first} with another amount or destination ({}); two payouts never share a reference: give this row a new one",
            self.key.reference,
            entry.state.as_str()
        ));
    }
}

/// Whether PayU can be asked about a row of `kind` by its reference (PayU Europe only by the
/// payoutId of its answer).
fn by_reference(kind: Kind) -> bool {
    kind != Kind::GlobalPayout
}

fn window_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The items still to send (never sent).
pub fn to_send(items: &mut [Item]) -> impl Iterator<Item = &mut Item> {
    items.iter_mut().filter(|i| i.state.is_to_send())
}

/// How a run goes.
pub struct Options {
    pub kind: Kind,
    pub mode: Mode,
    pub batch_size: usize,
    pub concurrency: usize,
    /// How long to keep asking about accepted rows after the last send.
    pub wait: Duration,
    /// How long PayU may take to show a row it has: a row sent without an answer is resent
    /// only when PayU still does not show it this long after its last send.
    pub visibility_window: Duration,
    /// Stop sending after this many refusals in a row with one code (0: never).
    pub stop_after: usize,
    /// Whether transfers and links skip PayU's approval flow (`disableApprovalFlow`).
    pub approval_flow: crate::config::ApprovalFlow,
}

/// The default `visibility_window` (architecture.md §3.1).
pub const VISIBILITY_WINDOW: Duration = Duration::from_secs(15 * 60);

/// The longest nap between two rounds of lookups.
const POLL_CEILING: Duration = Duration::from_secs(5);
/// How long after its send a row is first asked about: PayU settles a transfer or a link in
/// moments when all goes well, and a round that comes too early costs a round more.
const SETTLE_ESTIMATE: Duration = Duration::from_millis(250);

/// A row as a round of lookups asks about it.
#[derive(Debug, Clone)]
pub(crate) struct Asked {
    /// Its reference (`merchantRefId`, `extPayoutId`).
    pub reference: String,
    /// Its batch (`batchId`, PayU India transfers), if known.
    pub batch: Option<String>,
    /// When it was first sent, if known.
    pub since: Option<state::Stamp>,
}

/// One PayU surface: send a group of rows in one request, look one row up, each answer read
/// into [`Answer`] and [`Lookup`].
pub(crate) trait Surface {
    /// Rows one request carries at most.
    fn group(&self) -> usize;
    /// Sends one request for `payments`: an answer for each, in order. `left(i)` is called
    /// the moment the request carrying `payments[i]` leaves.
    async fn send(&self, payments: &[&Outgoing], left: &dyn Fn(usize)) -> Vec<Answer>;
    /// What PayU says of a row now, by its reference or the id PayU gave it.
    async fn look_up(&self, reference: &str, payu_id: Option<&str>) -> Result<Lookup, CallError>;
    /// What PayU says of many rows, where it can say it in fewer requests than one a row
    /// (PayU India's listing by batch): a lookup for each row it could answer, `None` for the
    /// others, which are then looked up one by one. By default, none.
    async fn look_up_many(&self, rows: &[Asked]) -> Vec<Option<Lookup>> {
        vec![None; rows.len()]
    }
}

/// The answer a call that failed stands for.
pub(crate) fn unanswered(e: &CallError) -> Answer {
    match e {
        CallError::Auth(why) | CallError::Throttled(why) => Answer::NotProcessed(why.clone()),
        CallError::NoAnswer(_) | CallError::Unreadable(_) => Answer::NoAnswer(e.to_string()),
    }
}

/// The surface of a run's kind.
enum Surfaces<'a> {
    Transfers(india::Transfers<'a>),
    Links(links::Links<'a>),
    Payouts(europe::Payouts<'a>),
}

impl Surface for Surfaces<'_> {
    fn group(&self) -> usize {
        match self {
            Surfaces::Transfers(s) => s.group(),
            Surfaces::Links(s) => s.group(),
            Surfaces::Payouts(s) => s.group(),
        }
    }

    async fn send(&self, payments: &[&Outgoing], left: &dyn Fn(usize)) -> Vec<Answer> {
        match self {
            Surfaces::Transfers(s) => s.send(payments, left).await,
            Surfaces::Links(s) => s.send(payments, left).await,
            Surfaces::Payouts(s) => s.send(payments, left).await,
        }
    }

    async fn look_up(&self, reference: &str, payu_id: Option<&str>) -> Result<Lookup, CallError> {
        match self {
            Surfaces::Transfers(s) => s.look_up(reference, payu_id).await,
            Surfaces::Links(s) => s.look_up(reference, payu_id).await,
            Surfaces::Payouts(s) => s.look_up(reference, payu_id).await,
        }
    }

    async fn look_up_many(&self, rows: &[Asked]) -> Vec<Option<Lookup>> {
        match self {
            Surfaces::Transfers(s) => s.look_up_many(rows).await,
            Surfaces::Links(s) => s.look_up_many(rows).await,
            Surfaces::Payouts(s) => s.look_up_many(rows).await,
        }
    }
}

/// A run: the APIs, the journal, and what it shows.
pub struct Engine<'a> {
    pub apis: &'a Apis,
    pub journal: Mutex<Journal>,
    pub options: Options,
    pub progress: &'a Progress,
    /// Set when PayU refuses the run's credentials, or answers that no further row can
    /// succeed: nothing more is sent.
    stopped: Mutex<Option<String>>,
    /// The run's refusals in a row (architecture.md §7.2).
    streak: Mutex<crate::controls::stops::Streak>,
    /// The status words PayU used that the tool does not know, each warned of once.
    warned: Mutex<BTreeSet<String>>,
}

impl<'a> Engine<'a> {
    pub fn new(apis: &'a Apis, journal: Journal, options: Options, progress: &'a Progress) -> Self {
        Engine {
            apis,
            journal: Mutex::new(journal),
            streak: Mutex::new(crate::controls::stops::Streak::new(options.stop_after)),
            options,
            progress,
            stopped: Mutex::new(None),
            warned: Mutex::new(BTreeSet::new()),
        }
    }

    fn journal(&self) -> std::sync::MutexGuard<'_, Journal> {
        self.journal.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn window(&self) -> i64 {
        window_ms(self.options.visibility_window)
    }

    /// The PayU India account, which payout and smart-send rows need.
    fn india_account(&self) -> Result<&IndiaAccount, CallError> {
        self.apis.india.as_ref().ok_or_else(|| {
            CallError::Auth("no PayU India account is configured for this environment".into())
        })
    }

    fn surface(&self) -> Result<Surfaces<'_>, CallError> {
        Ok(match self.options.kind {
            Kind::Payout => Surfaces::Transfers(self.transfers()?),
            Kind::SmartSend => Surfaces::Links(self.links()?),
            Kind::GlobalPayout => Surfaces::Payouts(self.payouts()?),
        })
    }

    /// Refreshes the progress bar or log line with the transport's counts.
    fn tick(&self) {
        self.progress.update(&self.apis.transport.counters);
    }

    /// Why the run stopped sending, if it did.
    pub fn stopped(&self) -> Option<String> {
        self.stopped
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn stop(&self, why: &str) {
        let mut s = self.stopped.lock().unwrap_or_else(|p| p.into_inner());
        if s.is_none() {
            self.progress.phase(&format!("stopping: {why}"));
            *s = Some(why.to_owned());
        }
    }

    /// The status words PayU used that the tool does not know.
    pub fn unknown_words(&self) -> Vec<String> {
        self.warned
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    /// Warns once per word of a state PayU named that the tool does not know.
    fn warn_of(&self, report: &Report) {
        if let Said::Waiting(Waiting::Unrecognised(word)) = &report.said {
            let mut warned = self.warned.lock().unwrap_or_else(|p| p.into_inner());
            if warned.insert(word.clone()) {
                eprintln!(
                    "payu-bulk: warning: PayU reports a state the tool does not know, '{word}'; rows in it are left PENDING"
                );
            }
        }
    }

    /// What the journal already knows of each item: an item it holds is not sent as new.
    pub fn look_up(&self, items: &mut [Item]) -> Result<(), Error> {
        let journal = self.journal();
        for item in items.iter_mut() {
            if let Some(entry) = journal.get(&item.key)? {
                item.take_journal(&entry);
            }
        }
        Ok(())
    }

    /// Pays every item that may be sent, then follows them until they are final or the wait
    /// runs out: lookups in rounds, a resend only as the row's state allows.
    ///
    /// Rows never sent go first, so that no lookup takes a send's turn in the limiter; rows
    /// an earlier run left unsettled are asked about after them, in the rounds. `--wait`
    /// counts from the last send, and is kept whatever PayU's rate or latency: see
    /// [`Engine::follow_until`].
    pub async fn run(&self, items: &mut [Item]) -> Result<(), Error> {
        let mut first_round = Instant::now();
        let mut last_send = Instant::now();
        if self.sendable(items) {
            self.send_all(items).await?;
            last_send = Instant::now();
            first_round = last_send + SETTLE_ESTIMATE;
        }
        loop {
            let deadline = last_send + self.options.wait;
            self.follow(items, first_round, deadline, true).await?;
            if !self.sendable(items) {
                break;
            }
            // A lookup allowed a resend (the visibility window passed with PayU showing
            // nothing): sent, and followed again for the wait.
            self.send_all(items).await?;
            last_send = Instant::now();
            first_round = last_send + SETTLE_ESTIMATE;
        }
        if let Some(why) = self.stopped() {
            for item in to_send(items) {
                item.hold(&format!("not sent: the run stopped ({why})"));
            }
        }
        Ok(())
    }

    /// Follows `items` (lookups only; nothing is sent or resent) until every one is final or
    /// `deadline` comes, in rounds: the first at once, then spaced, each asking only about
    /// rows not yet final. Kept to the deadline whatever the rate, PayU's latency or its
    /// 429s: a round still running at the deadline is dropped, requests in flight with it,
    /// which is safe (a lookup is read-only, and a row's state and journal entry change only
    /// once an answer is in hand, so each row keeps its state: `PENDING`, or `UNKNOWN`).
    /// For `status --wait` as well as `submit`.
    pub async fn follow_until(&self, items: &mut [Item], deadline: Instant) -> Result<(), Error> {
        self.follow(items, Instant::now(), deadline, false).await
    }

    /// Whether a row may be sent now (and the run has not stopped).
    fn sendable(&self, items: &[Item]) -> bool {
        let window = self.window();
        self.stopped().is_none() && items.iter().any(|i| i.state.may_send(window))
    }

    /// Rounds of lookups from `first` until nothing is left to follow or `deadline` comes;
    /// with `resend`, also until a row may be sent again (the caller sends it). Between
    /// rounds the nap doubles from [`SETTLE_ESTIMATE`] up to [`POLL_CEILING`], waking early
    /// for the first moment a lookup could allow a resend.
    async fn follow(
        &self,
        items: &mut [Item],
        first: Instant,
        deadline: Instant,
        resend: bool,
    ) -> Result<(), Error> {
        let window = self.window();
        let mut next = first;
        let mut interval = SETTLE_ESTIMATE;
        loop {
            let following = items
                .iter()
                .any(|i| i.state.needs_lookup() || i.state.file().is_some());
            if !following || self.stopped().is_some() || (resend && self.sendable(items)) {
                return Ok(());
            }
            let mut wake = next.min(deadline);
            if resend {
                let wall = state::now();
                if let Some(first) = items
                    .iter()
                    .filter_map(|i| i.state.resend_from(window))
                    .filter(|t| *t > wall)
                    .min()
                {
                    let at = Instant::now() + Duration::from_millis((first - wall) as u64 + 1);
                    wake = wake.min(at);
                }
            }
            let now = Instant::now();
            if wake > now {
                self.apis.transport.wait(wake - now).await;
            }
            if Instant::now() >= deadline {
                return Ok(());
            }
            match tokio::time::timeout_at(deadline, self.ask_all(items)).await {
                Ok(asked) => asked?,
                // The deadline: what the round had learnt is recorded; the rest is dropped.
                Err(_) => return Ok(()),
            }
            next = Instant::now() + interval;
            interval = (interval * 2).min(POLL_CEILING);
        }
    }

    /// Runs `tasks`, up to `--concurrency` at once (the limiter paces their requests),
    /// until the first journal error: then the others are dropped (their rows in flight end
    /// `UNKNOWN`) rather than each wait out the journal's busy timeout in turn.
    pub(super) async fn each<F>(&self, tasks: impl Iterator<Item = F>) -> Result<(), Error>
    where
        F: std::future::Future<Output = Result<(), Error>>,
    {
        use futures_util::{StreamExt, TryStreamExt};
        futures_util::stream::iter(tasks)
            .buffer_unordered(self.options.concurrency.max(1))
            .try_for_each(|()| std::future::ready(Ok(())))
            .await
    }

    /// Sends every item that may be sent: in groups of the surface's size, or (Bulk Smart
    /// Send) in one file.
    async fn send_all(&self, items: &mut [Item]) -> Result<(), Error> {
        let window = self.window();
        let mut sending: Vec<&mut Item> = items
            .iter_mut()
            .filter(|i| i.state.may_send(window))
            .collect();
        if self.options.kind == Kind::SmartSend && self.options.mode == Mode::Bulk {
            return self.send_bulk(sending).await;
        }
        let surface = match self.surface() {
            Ok(s) => s,
            Err(e) => {
                self.stop(&e.to_string());
                return Ok(());
            }
        };
        let size = match self.options.kind {
            Kind::Payout => self.options.batch_size.max(1),
            _ => surface.group(),
        };
        let surface = &surface;
        let groups = sending
            .chunks_mut(size)
            .map(|group| self.send_group(surface, group));
        self.each(groups).await
    }

    async fn send_group(
        &self,
        surface: &impl Surface,
        group: &mut [&mut Item],
    ) -> Result<(), Error> {
        let mut claimed = self.claim_all(group.iter_mut().map(|i| &mut **i))?;
        if claimed.is_empty() {
            return Ok(());
        }
        let payments: Vec<&Outgoing> = claimed.iter().map(|i| &i.payment).collect();
        let keys: Vec<Key> = claimed.iter().map(|i| i.key.clone()).collect();
        let moments = std::cell::RefCell::new(vec![None; keys.len()]);
        let failed = std::cell::RefCell::new(None);
        let left = |i: usize| self.left(&keys[i..=i], &moments, i, &failed);
        let answers = surface.send(&payments, &left).await;
        self.tick();
        if let Some(e) = failed.into_inner() {
            return Err(e);
        }
        for ((item, answer), at) in claimed.iter_mut().zip(answers).zip(moments.into_inner()) {
            if let Some(at) = at {
                item.state
                    .left(at)
                    .map_err(|e| Error::Usage(format!("internal error: {e}")))?;
            }
            self.answered(item, answer)?;
        }
        Ok(())
    }

    /// Records that the request carrying `keys` leaves now (`moments[first..]` for them).
    fn left(
        &self,
        keys: &[Key],
        moments: &std::cell::RefCell<Vec<Option<state::Stamp>>>,
        first: usize,
        failed: &std::cell::RefCell<Option<Error>>,
    ) {
        let at = state::now();
        let text = state::text_of(at);
        let journal = self.journal();
        for (i, key) in keys.iter().enumerate() {
            if let Some(m) = moments.borrow_mut().get_mut(first + i) {
                *m = Some(at);
            }
            if let Err(e) = journal.left(key, &text) {
                failed.borrow_mut().get_or_insert(e);
            }
        }
    }

    /// Claims each of `items` in the journal and marks it sent, just before its request
    /// leaves: those this run may send (none once the run has stopped).
    fn claim_all<'i>(
        &self,
        items: impl IntoIterator<Item = &'i mut Item>,
    ) -> Result<Vec<&'i mut Item>, Error> {
        let mut claimed = Vec::new();
        if self.stopped().is_some() {
            return Ok(claimed);
        }
        for item in items {
            if self.claim(item)? {
                claimed.push(item);
            }
        }
        Ok(claimed)
    }

    /// Claims an item (committed as `SENDING`, with the moment it leaves): `false` when it
    /// must not be sent (another run holds it, or the reference was reused meanwhile).
    fn claim(&self, item: &mut Item) -> Result<bool, Error> {
        let window = self.window();
        let at = state::now();
        let text = state::text_of(at);
        let mut journal = self.journal();
        if item.state.was_sent() {
            // Resent: the journal holds it already.
            journal.sending(&item.key, &text, None)?;
        } else {
            match journal.claim_at(&item.key, &item.payment.fingerprint, &text)? {
                Claim::Fresh => {}
                Claim::Known(entry) => {
                    // Another run claimed it at the same moment: it settles it.
                    item.take_journal(&entry);
                    return Ok(false);
                }
                Claim::Reused(entry) => {
                    item.reused(&entry);
                    return Ok(false);
                }
            }
        }
        item.state
            .claim(window)
            .and_then(|()| item.state.send(at))
            .map_err(|e| Error::Usage(format!("internal error: {e}")))?;
        item.first_sent.get_or_insert(at);
        self.progress
            .sent
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(true)
    }

    /// Records PayU's answer to an item's request.
    fn answered(&self, item: &mut Item, answer: Answer) -> Result<(), Error> {
        if let Answer::NotProcessed(why) = &answer {
            self.stop(why);
        }
        let account_wide = (self.streak.lock().unwrap_or_else(|p| p.into_inner())).after(&answer);
        if let Some(why) = account_wide {
            self.stop(&why);
        }
        if let Answer::Accepted(r) = &answer {
            self.warn_of(r);
            if let Request::Transfer(t) = &item.payment.request
                && !t.batch_id.trim().is_empty()
            {
                item.batch = Some(t.batch_id.clone());
            }
        }
        item.state
            .answer(answer)
            .map_err(|e| Error::Usage(format!("internal error: {e}")))?;
        self.persist(item)
    }

    /// Writes the item's state to the journal (a row PayU certainly never got is given up).
    fn persist(&self, item: &Item) -> Result<(), Error> {
        let journal = self.journal();
        match item.state.journal_state() {
            Some((state, details)) => {
                journal.record_details(&item.key, state, item.state.payu_id(), &details)?;
                if item.state.is_final() {
                    self.progress
                        .confirmed
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
            None => journal.release(&item.key)?,
        }
        Ok(())
    }

    /// One round: asks PayU about every item that needs it (Bulk Smart Send: its files
    /// first), as many as the surface can at once (PayU India: by batch), the others one by
    /// one.
    async fn ask_all(&self, items: &mut [Item]) -> Result<(), Error> {
        if self.options.kind == Kind::SmartSend {
            self.follow_files(items).await?;
        }
        if !items.iter().any(|i| i.state.needs_lookup()) {
            return Ok(());
        }
        let surface = match self.surface() {
            Ok(s) => s,
            Err(_) => return Ok(()),
        };
        let surface = &surface;
        let mut asking: Vec<&mut Item> = items
            .iter_mut()
            .filter(|i| i.state.needs_lookup())
            .collect();
        let asked: Vec<Asked> = asking.iter().map(|i| i.asked()).collect();
        let asked_at = state::now();
        let many = surface.look_up_many(&asked).await;
        let mut rest = Vec::new();
        for (item, found) in asking.iter_mut().zip(many) {
            match found {
                Some(found) => self.record(item, found, asked_at)?,
                None => rest.push(item),
            }
        }
        self.each(rest.into_iter().map(|item| self.ask(surface, item)))
            .await?;
        self.tick();
        Ok(())
    }

    /// Asks PayU about one item, and records what it says.
    async fn ask(&self, surface: &impl Surface, item: &mut Item) -> Result<(), Error> {
        let asked_at = state::now();
        let payu_id = item.state.payu_id().map(str::to_owned);
        match surface
            .look_up(&item.key.reference, payu_id.as_deref())
            .await
        {
            Ok(found) => self.record(item, found, asked_at),
            // Nothing learnt: it stays as it was, for the next round or `status`.
            Err(_) => Ok(()),
        }
    }

    /// Records what a lookup made at `asked_at` found of an item.
    fn record(&self, item: &mut Item, found: Lookup, asked_at: state::Stamp) -> Result<(), Error> {
        let before = item.state.journal_state();
        if let Lookup::Found(r) = &found {
            self.warn_of(r);
        }
        item.state
            .looked_up(found, asked_at)
            .map_err(|e| Error::Usage(format!("internal error: {e}")))?;
        if item.state.journal_state() != before {
            self.persist(item)?;
        }
        Ok(())
    }

    /// What PayU says of a row now, by its reference (`merchantRefId`) or, for PayU Europe,
    /// its payoutId.
    pub async fn lookup(&self, reference: &str, payu_id: &str) -> Result<Lookup, CallError> {
        let payu_id = (!payu_id.is_empty()).then_some(payu_id);
        let found = self.surface()?.look_up(reference, payu_id).await?;
        if let Lookup::Found(r) = &found {
            self.warn_of(r);
        }
        Ok(found)
    }
}
