//! Paying the valid rows: plan → journal → send → reconcile → poll (architecture.md §1, §3.1, §3.4).
//!
//! Every row that may be paid is an [`Item`]: its request, its journal key and where it
//! stands. The journal is asked first: a reference it already holds is never sent again (its
//! state is refreshed from PayU instead), and one it holds as `SENDING` or `UNKNOWN` is
//! reconciled with PayU by reference before anything is resent. A row is committed as
//! `SENDING` before its request leaves. A request without a definitive answer leaves the row
//! `UNKNOWN` until PayU, asked by reference, says whether it has it; only then may it be sent
//! again, with the same reference, so that PayU's own duplicate check (`1002`, `1103`,
//! `8356`) stands behind the journal's.

mod europe;
mod india;
mod links;
pub mod plan;
mod progress;

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

pub use plan::{Payment, Request, Target};
pub use progress::Progress;

use crate::Error;
use crate::client::auth::Tokens;
use crate::client::{CallError, Transport};
use crate::config::{Endpoints, Env};
use crate::journal::{Claim, Entry, Journal, Key, State};
use crate::report::Status;
use crate::rows::Kind;

/// How many times one row may be sent in a run (a first send and resends after unanswered
/// requests that PayU, asked, did not know of).
const MAX_SENDS: u32 = 4;

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
            note: String::new(),
        }
    }

    /// The note, then the messages.
    pub fn all_messages(&self) -> Vec<String> {
        let note = (!self.note.is_empty()).then(|| self.note.clone());
        note.into_iter()
            .chain(self.messages.iter().cloned())
            .collect()
    }

    fn set(&mut self, status: Status, message: impl Into<String>) {
        self.status = status;
        self.codes.clear();
        self.messages = vec![message.into()];
    }

    fn fail(&mut self, codes: Vec<String>, message: impl Into<String>) {
        self.status = Status::Failed;
        self.codes = codes;
        self.messages = vec![message.into()];
    }
}

/// Where an item stands in the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// To be sent (again).
    Send,
    /// Sent without a definitive answer: ask PayU by reference.
    Reconcile,
    /// Accepted: ask PayU until it is final.
    Poll,
    Done,
}

/// One row that may be paid.
#[derive(Debug, Clone)]
pub struct Item {
    /// The row's index among the sheet's data rows.
    pub row: usize,
    pub payment: Payment,
    pub key: Key,
    /// A request for it may have reached PayU (in this run or an earlier one).
    pub maybe_sent: bool,
    /// The journal holds it and this run may act on it.
    pub claimed: bool,
    pub sends: u32,
    pub phase: Phase,
    pub outcome: Outcome,
}

impl Item {
    pub fn new(row: usize, payment: Payment, env: &str, kind: Kind) -> Item {
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
            maybe_sent: false,
            claimed: false,
            sends: 0,
            phase: Phase::Send,
            outcome: Outcome::new(Status::NotSent),
        }
    }
}

/// How a run goes.
pub struct Options {
    pub kind: Kind,
    pub mode: Mode,
    pub batch_size: usize,
    pub concurrency: usize,
    /// How long to keep asking about accepted rows after the last send.
    pub wait: Duration,
}

/// A run: the APIs, the journal, and what it shows.
pub struct Engine<'a> {
    pub apis: &'a Apis,
    pub journal: Mutex<Journal>,
    pub options: Options,
    pub progress: &'a Progress,
    /// Set when PayU refuses the run's credentials: nothing more is sent.
    stopped: Mutex<Option<String>>,
}

/// What a state in the journal means in the results file.
pub fn status_of(state: State) -> Status {
    match state {
        State::Sending | State::Unknown => Status::Unknown,
        State::Pending => Status::Pending,
        State::Success => Status::Success,
        State::Failed => Status::Failed,
    }
}

/// The journal state a results status stands for (anything unsettled is `UNKNOWN`).
pub fn state_of(status: Status) -> State {
    match status {
        Status::Pending => State::Pending,
        Status::Success => State::Success,
        Status::Failed => State::Failed,
        _ => State::Unknown,
    }
}

impl<'a> Engine<'a> {
    pub fn new(apis: &'a Apis, journal: Journal, options: Options, progress: &'a Progress) -> Self {
        Engine {
            apis,
            journal: Mutex::new(journal),
            options,
            progress,
            stopped: Mutex::new(None),
        }
    }

    fn journal(&self) -> std::sync::MutexGuard<'_, Journal> {
        self.journal.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The PayU India account, which payout and smart-send rows need.
    fn india_account(&self) -> Result<&IndiaAccount, CallError> {
        self.apis.india.as_ref().ok_or_else(|| {
            CallError::Auth("no PayU India account is configured for this environment".into())
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

    /// What the journal already knows of each item: an item it holds is not sent again.
    pub fn look_up(&self, items: &mut [Item]) -> Result<(), Error> {
        let journal = self.journal();
        for item in items.iter_mut() {
            if let Some(entry) = journal.get(&item.key)? {
                from_journal(item, &entry);
            }
        }
        Ok(())
    }

    /// Pays every item that needs it, then follows the accepted ones until they are final
    /// or the wait runs out.
    pub async fn run(&self, items: &mut [Item]) -> Result<(), Error> {
        self.reconcile(items).await?;
        for _ in 0..MAX_SENDS {
            if self.stopped().is_some() || !items.iter().any(|i| i.phase == Phase::Send) {
                break;
            }
            let to_send = to_send(items).count() as u64;
            self.progress
                .to_send
                .fetch_add(to_send, std::sync::atomic::Ordering::Relaxed);
            match self.options.kind {
                Kind::Payout => self.send_transfers(items).await?,
                Kind::SmartSend if self.options.mode == Mode::Bulk => self.send_bulk(items).await?,
                Kind::SmartSend => self.send_links(items).await?,
                Kind::GlobalPayout => self.send_payouts(items).await?,
            }
            self.reconcile(items).await?;
        }
        for item in items.iter_mut() {
            match item.phase {
                // Sent as often as a run allows, and PayU never confirmed it.
                Phase::Send if item.maybe_sent => {
                    item.outcome.status = Status::Unknown;
                    item.phase = Phase::Done;
                }
                Phase::Send => {
                    if let Some(why) = self.stopped() {
                        item.outcome.messages = vec![format!("not sent: the run stopped ({why})")];
                    }
                    item.phase = Phase::Done;
                }
                _ => {}
            }
        }
        self.poll(items).await
    }

    /// Runs `tasks`, up to `--concurrency` at once (the limiter paces their requests);
    /// the first journal error, if any.
    pub(super) async fn each<F>(&self, tasks: impl Iterator<Item = F>) -> Result<(), Error>
    where
        F: std::future::Future<Output = Result<(), Error>>,
    {
        use futures_util::StreamExt;
        let results: Vec<Result<(), Error>> = futures_util::stream::iter(tasks)
            .buffer_unordered(self.options.concurrency.max(1))
            .collect()
            .await;
        results.into_iter().collect()
    }

    /// Asks PayU about every item that was sent without a definitive answer.
    async fn reconcile(&self, items: &mut [Item]) -> Result<(), Error> {
        let asking = items
            .iter_mut()
            .filter(|i| i.phase == Phase::Reconcile)
            .map(|item| self.ask(item, true));
        self.each(asking).await
    }

    /// Follows accepted items until they are final or `--wait` runs out.
    async fn poll(&self, items: &mut [Item]) -> Result<(), Error> {
        let deadline = Instant::now() + self.options.wait;
        let mut interval = Duration::from_millis(500);
        loop {
            let waiting = items.iter().filter(|i| i.phase == Phase::Poll).count();
            if waiting == 0 || Instant::now() >= deadline || self.stopped().is_some() {
                break;
            }
            let now = Instant::now();
            let nap = interval.min(deadline - now);
            self.apis.transport.wait(nap).await;
            interval = (interval * 2).min(Duration::from_secs(5));
            if Instant::now() >= deadline {
                break;
            }
            let asking = items
                .iter_mut()
                .filter(|i| i.phase == Phase::Poll)
                .map(|item| self.ask(item, false));
            self.each(asking).await?;
            self.tick();
        }
        for item in items.iter_mut().filter(|i| i.phase == Phase::Poll) {
            item.phase = Phase::Done;
        }
        Ok(())
    }

    /// Asks PayU about one item by its reference (or id), and records what it says.
    /// `reconciling`: the item was sent without an answer, and may be resent if PayU does
    /// not know it.
    async fn ask(&self, item: &mut Item, reconciling: bool) -> Result<(), Error> {
        let found = self
            .lookup(&item.key.reference, &item.outcome.reference)
            .await;
        match found {
            Ok(Some(outcome)) => {
                let was = item.outcome.status;
                item.outcome.status = outcome.status;
                item.outcome.codes = outcome.codes;
                item.outcome.messages = outcome.messages;
                if !outcome.reference.is_empty() {
                    item.outcome.reference = outcome.reference;
                }
                if !outcome.link.is_empty() {
                    item.outcome.link = outcome.link;
                }
                let reference =
                    (!item.outcome.reference.is_empty()).then_some(item.outcome.reference.as_str());
                self.journal()
                    .record(&item.key, state_of(item.outcome.status), reference)?;
                let done = matches!(item.outcome.status, Status::Success | Status::Failed);
                if done && was != item.outcome.status {
                    self.progress
                        .confirmed
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                item.phase = if done { Phase::Done } else { Phase::Poll };
            }
            // PayU does not know it: the request never arrived, and it may be sent again.
            Ok(None) if reconciling => {
                if item.sends < MAX_SENDS && self.stopped().is_none() {
                    item.phase = Phase::Send;
                } else {
                    item.outcome.set(
                        Status::Unknown,
                        format!(
                            "sent {} times without a definitive answer, and PayU does not know the reference yet; run `payu-bulk status` or submit again later",
                            item.sends
                        ),
                    );
                    item.phase = Phase::Done;
                }
            }
            Ok(None) => {
                // Accepted once, now unknown to PayU (e.g. older than PayU keeps): keep
                // what was known.
                item.phase = Phase::Done;
            }
            Err(e) => {
                let what = if reconciling {
                    "could not be checked with PayU"
                } else {
                    "could not be refreshed from PayU"
                };
                if reconciling {
                    item.outcome.status = Status::Unknown;
                }
                item.outcome.messages = vec![format!(
                    "{what} ({e}); run `payu-bulk status` on the results file later"
                )];
                item.phase = Phase::Done;
            }
        }
        self.tick();
        Ok(())
    }

    /// What PayU says of a row now, by its reference (`merchantRefId`) or, for PayU Europe,
    /// its payoutId: `None` when PayU does not know it.
    pub async fn lookup(
        &self,
        reference: &str,
        payu_id: &str,
    ) -> Result<Option<Outcome>, CallError> {
        match self.options.kind {
            Kind::Payout => self.ask_transfer(reference).await,
            Kind::SmartSend => self.ask_link(reference).await,
            Kind::GlobalPayout => self.ask_payout(payu_id).await,
        }
    }

    /// Claims an item before its request leaves: `false` when it must not be sent (another
    /// run holds it, or the reference was reused meanwhile).
    fn claim(&self, item: &mut Item) -> Result<bool, Error> {
        let mut journal = self.journal();
        if item.claimed {
            // Taken over from an earlier run that left it SENDING/UNKNOWN, or resent.
            journal.record(&item.key, State::Sending, None)?;
            return Ok(true);
        }
        match journal.claim(&item.key, &item.payment.fingerprint)? {
            Claim::Fresh => {
                item.claimed = true;
                Ok(true)
            }
            Claim::Known(entry) => {
                from_journal(item, &entry);
                if item.phase == Phase::Reconcile {
                    // Only ask: whoever claimed it is resolving it.
                    item.phase = Phase::Done;
                    item.outcome.set(
                        Status::Unknown,
                        "another run claimed this reference at the same moment; it settles it",
                    );
                }
                Ok(false)
            }
            Claim::Reused(entry) => {
                reused(item, &entry);
                Ok(false)
            }
        }
    }

    /// Records what PayU said of a sent item.
    fn settle(&self, item: &mut Item, state: State, payu_id: Option<&str>) -> Result<(), Error> {
        self.journal().record(&item.key, state, payu_id)?;
        Ok(())
    }

    /// Claims each of `items` in the journal before their request leaves: those this run may
    /// send (none once the run has stopped).
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

    /// Marks an item sent: from here on only PayU can say whether it arrived. Whether an
    /// earlier request for it may have arrived already (a duplicate answer then settles it).
    fn sending(&self, item: &mut Item) -> bool {
        let resend = item.maybe_sent;
        item.sends += 1;
        item.maybe_sent = true;
        self.progress
            .sent
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        resend
    }

    /// What a call that ended without an answer leaves the item as.
    fn unanswered(&self, item: &mut Item, e: &CallError, had_been_sent: bool) -> Result<(), Error> {
        match e {
            CallError::Auth(why) => {
                // PayU processed nothing: the claim is given back, unless an earlier request
                // may have arrived.
                if had_been_sent {
                    self.settle(item, State::Unknown, None)?;
                    item.outcome.set(Status::Unknown, why.clone());
                } else {
                    self.journal().release(&item.key)?;
                    item.claimed = false;
                    item.maybe_sent = false;
                    item.outcome.set(Status::NotSent, why.clone());
                }
                item.phase = Phase::Done;
                self.stop(why);
            }
            CallError::NoAnswer(why) | CallError::Unreadable(why) => {
                self.settle(item, State::Unknown, None)?;
                item.outcome.set(Status::Unknown, why.clone());
                item.phase = Phase::Reconcile;
            }
        }
        Ok(())
    }
}

/// The items still to send.
pub fn to_send(items: &mut [Item]) -> impl Iterator<Item = &mut Item> {
    items.iter_mut().filter(|i| i.phase == Phase::Send)
}

/// The item as the journal has it: not to be sent again.
fn from_journal(item: &mut Item, entry: &Entry) {
    if entry.fingerprint != item.payment.fingerprint {
        reused(item, entry);
        return;
    }
    item.claimed = true;
    item.outcome.status = status_of(entry.state);
    item.outcome.reference = entry.payu_id.clone().unwrap_or_default();
    let first = entry.created_at.get(..10).unwrap_or(&entry.created_at);
    match entry.state {
        State::Success | State::Failed => {
            item.outcome.note =
                format!("sent by an earlier run on {first} (journal); not sent again");
            item.phase = Phase::Done;
        }
        State::Pending => {
            item.outcome.note =
                format!("sent by an earlier run on {first} (journal); not sent again");
            item.phase = Phase::Poll;
        }
        State::Sending | State::Unknown => {
            item.maybe_sent = true;
            item.outcome.note = format!(
                "sent by an earlier run on {first} with no definitive answer; checked with PayU before anything is resent"
            );
            item.phase = Phase::Reconcile;
        }
    }
}

fn reused(item: &mut Item, entry: &Entry) {
    item.claimed = false;
    item.outcome = Outcome::new(Status::Invalid);
    item.outcome.codes = vec!["REF_REUSED".to_owned()];
    let first = entry.created_at.get(..10).unwrap_or(&entry.created_at);
    item.outcome.messages = vec![format!(
        "the reference '{}' was already sent on {first} with another amount or destination ({}); two payouts never share a reference: give this row a new one",
        item.key.reference,
        entry.state.as_str()
    )];
    item.phase = Phase::Done;
}
