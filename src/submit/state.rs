//! A row's send state: one type, changed only by its transition methods (house style "State
//! as a type"). Whether a row may be sent, or sent again, is answered here and nowhere else.
//!
//! PayU answers asynchronously and is slow to show what it has: a lookup that finds nothing
//! means *undetermined*, never absent (`payu.md` §5, §12.2). So a row sent without a
//! definitive answer is sent again, with the same reference, only when a lookup made at
//! least `visibility_window` after its last send still finds nothing; and a duplicate answer
//! at any level (1002, 1103, 1115, 1125, 8356) means PayU has it, so it is never sent again.

use crate::journal::{Details, Entry, State};
use crate::report::Status;

use super::Outcome;

/// A moment, in milliseconds since the Unix epoch (wall clock: moments are compared across
/// runs through the journal).
pub type Stamp = i64;

/// The moment now.
pub fn now() -> Stamp {
    chrono::Utc::now().timestamp_millis()
}

/// A journal time (RFC 3339) as a moment; `None` if it is not one.
pub fn stamp_of(text: &str) -> Option<Stamp> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// A moment as the journal writes it.
pub fn text_of(at: Stamp) -> String {
    chrono::DateTime::from_timestamp_millis(at)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// What PayU says of a row: in a send's answer or when asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub said: Said,
    /// payuTransactionRefNo, linkId or payoutId.
    pub payu_id: Option<String>,
    pub link: Option<String>,
    /// The bank's reference of a paid transfer (`bankTransactionRefNo`).
    pub utr: Option<String>,
}

impl Report {
    pub fn new(said: Said) -> Report {
        Report {
            said,
            payu_id: None,
            link: None,
            utr: None,
        }
    }

    pub fn is_final(&self) -> bool {
        !matches!(self.said, Said::Waiting(_))
    }

    /// Its results line.
    pub fn outcome(&self) -> Outcome {
        let mut o = match &self.said {
            Said::Success => Outcome::new(Status::Success),
            Said::Failed { code, reason } => {
                let mut o = Outcome::new(Status::Failed);
                o.codes = vec![code.clone()];
                o.messages = vec![reason.clone()];
                o
            }
            Said::Waiting(w) => {
                let mut o = Outcome::new(Status::Pending);
                o.messages = vec![w.message()];
                o
            }
        };
        o.reference = self.payu_id.clone().unwrap_or_default();
        o.link = self.link.clone().unwrap_or_default();
        o.utr = self.utr.clone();
        o
    }

    /// Laid over what was known: ids PayU does not repeat are kept.
    fn over(mut self, earlier: Option<&Report>) -> Report {
        if let Some(e) = earlier {
            self.payu_id = self.payu_id.or_else(|| e.payu_id.clone());
            self.link = self.link.or_else(|| e.link.clone());
            self.utr = self.utr.or_else(|| e.utr.clone());
        }
        self
    }
}

/// How a row stands at PayU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Said {
    Success,
    /// PayU's code and reason, as the results file shows them.
    Failed {
        code: String,
        reason: String,
    },
    Waiting(Waiting),
}

/// Why an accepted row is not final yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Waiting {
    /// On its way; the words say how.
    InProgress(String),
    /// Held by the maker/checker approval flow (on by default in PayU's dashboard).
    Approval,
    /// Queued by PayU until the account has the funds; PayU's reason.
    Queued(String),
    /// A state the tool does not know: PayU's word for it.
    Unrecognised(String),
}

impl Waiting {
    pub fn message(&self) -> String {
        match self {
            Waiting::InProgress(m) => m.clone(),
            Waiting::Approval => "waiting for approval in the PayU dashboard".to_owned(),
            Waiting::Queued(why) => {
                format!("queued by PayU: the balance is too low (PayU: {why})")
            }
            Waiting::Unrecognised(word) => format!(
                "PayU says the state is '{word}', which the tool does not know; left PENDING for `payu-bulk status`"
            ),
        }
    }
}

/// What came back from a send, for one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// PayU took it; the report says how it stands.
    Accepted(Report),
    /// PayU's duplicate code: it has the reference already. The id, when the answer has one.
    Duplicate {
        code: String,
        payu_id: Option<String>,
    },
    /// PayU refused it, with its code and reason: it was not taken.
    Refused { code: String, reason: String },
    /// No definitive answer: a timeout, a 5xx, a dropped connection, a batch refused for
    /// other rows, an answer the tool cannot read. PayU may or may not have it.
    NoAnswer(String),
    /// PayU processed nothing (it refused the run's credentials).
    NotProcessed(String),
}

/// What a lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Found(Report),
    /// Nothing, or nothing yet: undetermined, never absent.
    Empty,
}

/// A send that left: how many so far, and when the last did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub count: u32,
    pub last: Stamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Inner {
    /// Never sent, as far as this run and the journal know.
    ToSend,
    /// Not to be sent by this run.
    NotSent(String),
    /// A dry run: it would be sent.
    DryRun,
    /// Refused before sending (`REF_REUSED`).
    Invalid {
        code: String,
        message: String,
    },
    /// Committed as `SENDING`: its request is about to leave (a resend when `sent`).
    Claimed {
        sent: Option<Sent>,
    },
    /// Sent, and no definitive answer yet. `empty`: when a lookup last found nothing.
    /// `file`: the Bulk Smart Send file that holds it, while that file is not `COMPLETED`.
    Unanswered {
        sent: Sent,
        empty: Option<Stamp>,
        file: Option<String>,
        why: String,
    },
    /// PayU said it has the reference (a duplicate answer): never sent again.
    Held {
        code: String,
        payu_id: Option<String>,
    },
    /// PayU has it and it is not final.
    Accepted(Report),
    Final(Report),
}

/// A row's send state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendState {
    inner: Inner,
    /// Whether PayU can be asked about the row by its reference (India, Smart Send), or only
    /// by the id in its answer (PayU Europe).
    by_reference: bool,
}

/// A transition the state does not allow (a bug in the caller, never PayU's doing).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a row cannot go from {from} by {by}")]
pub struct Refused {
    from: &'static str,
    by: &'static str,
}

impl SendState {
    /// A row no run has sent.
    pub fn new(by_reference: bool) -> SendState {
        SendState {
            inner: Inner::ToSend,
            by_reference,
        }
    }

    /// A row as the journal holds it.
    pub fn from_journal(entry: &Entry, by_reference: bool) -> SendState {
        let payu_id = entry.payu_id.clone();
        let report = |said| Report {
            said,
            payu_id: payu_id.clone(),
            link: None,
            utr: entry.details.utr.clone(),
        };
        let inner = match entry.state {
            State::Sending | State::Unknown => Inner::Unanswered {
                sent: Sent {
                    count: 1,
                    // A time the tool cannot read is taken as now: the window starts again.
                    last: stamp_of(entry.last_sent()).unwrap_or_else(now),
                },
                empty: None,
                file: entry.file_id.clone(),
                why: "sent by an earlier run with no definitive answer".to_owned(),
            },
            State::Exists => Inner::Held {
                code: entry
                    .details
                    .code
                    .clone()
                    .unwrap_or_else(|| "DUPLICATE".into()),
                payu_id,
            },
            State::Pending => Inner::Accepted(report(Said::Waiting(Waiting::InProgress(
                "accepted by PayU; not final yet".to_owned(),
            )))),
            State::Success => Inner::Final(report(Said::Success)),
            State::Failed => Inner::Final(report(Said::Failed {
                code: entry
                    .details
                    .code
                    .clone()
                    .unwrap_or_else(|| "FAILED".into()),
                reason: entry
                    .details
                    .reason
                    .clone()
                    .unwrap_or_else(|| "PayU: the payout failed".into()),
            })),
        };
        SendState {
            inner,
            by_reference,
        }
    }

    fn name(&self) -> &'static str {
        match self.inner {
            Inner::ToSend => "to send",
            Inner::NotSent(_) => "not sent",
            Inner::DryRun => "dry run",
            Inner::Invalid { .. } => "invalid",
            Inner::Claimed { .. } => "claimed",
            Inner::Unanswered { .. } => "unanswered",
            Inner::Held { .. } => "held by PayU",
            Inner::Accepted(_) => "accepted",
            Inner::Final(_) => "final",
        }
    }

    fn refuse(&self, by: &'static str) -> Refused {
        Refused {
            from: self.name(),
            by,
        }
    }

    /// Whether it may be sent now: never sent, or sent with no answer and a lookup made at
    /// least `window` after that send found nothing, and no unfinished bulk file holds it.
    pub fn may_send(&self, window_ms: i64) -> bool {
        match &self.inner {
            Inner::ToSend => true,
            Inner::Unanswered {
                sent,
                empty: Some(t),
                file: None,
                ..
            } => *t >= sent.last.saturating_add(window_ms),
            _ => false,
        }
    }

    /// When a lookup could first allow a resend (for a row sent with no answer).
    pub fn resend_from(&self, window_ms: i64) -> Option<Stamp> {
        match &self.inner {
            Inner::Unanswered {
                sent, file: None, ..
            } => Some(sent.last.saturating_add(window_ms)),
            _ => None,
        }
    }

    /// Whether this is a resend (an earlier request for it may have reached PayU).
    pub fn was_sent(&self) -> bool {
        match &self.inner {
            Inner::Claimed { sent } => sent.is_some(),
            Inner::Unanswered { .. } | Inner::Held { .. } => true,
            _ => false,
        }
    }

    /// Claims it for sending (the journal has committed it as `SENDING`).
    pub fn claim(&mut self, window_ms: i64) -> Result<(), Refused> {
        if !self.may_send(window_ms) {
            return Err(self.refuse("a claim"));
        }
        let sent = match &self.inner {
            Inner::Unanswered { sent, .. } => Some(*sent),
            _ => None,
        };
        self.inner = Inner::Claimed { sent };
        Ok(())
    }

    /// Its request leaves at `at`: from here on only PayU can say whether it arrived.
    pub fn send(&mut self, at: Stamp) -> Result<(), Refused> {
        let Inner::Claimed { sent } = &self.inner else {
            return Err(self.refuse("a send"));
        };
        let count = sent.map_or(0, |s| s.count) + 1;
        self.inner = Inner::Unanswered {
            sent: Sent { count, last: at },
            empty: None,
            file: None,
            why: "sent; PayU has not answered yet".to_owned(),
        };
        Ok(())
    }

    /// Its request actually left at `at` (later than the send was marked: the limiter, a
    /// token or a 429 held it): the window counts from then.
    pub fn left(&mut self, at: Stamp) -> Result<(), Refused> {
        let Inner::Unanswered { sent, .. } = &mut self.inner else {
            return Err(self.refuse("a request leaving"));
        };
        sent.last = sent.last.max(at);
        Ok(())
    }

    /// A claim given up before its request left (the run stopped first).
    pub fn release(&mut self, why: &str) -> Result<(), Refused> {
        match &self.inner {
            Inner::Claimed { sent: None } => self.inner = Inner::NotSent(why.to_owned()),
            Inner::Claimed { sent: Some(sent) } => {
                self.inner = Inner::Unanswered {
                    sent: *sent,
                    empty: None,
                    file: None,
                    why: format!("sent by an earlier request with no definitive answer; {why}"),
                }
            }
            _ => return Err(self.refuse("a release")),
        }
        Ok(())
    }

    /// What PayU answered to its request.
    pub fn answer(&mut self, answer: Answer) -> Result<(), Refused> {
        let Inner::Unanswered { sent, .. } = &self.inner else {
            return Err(self.refuse("an answer"));
        };
        let sent = *sent;
        self.inner = match answer {
            Answer::Accepted(r) if r.is_final() => Inner::Final(r),
            Answer::Accepted(r) => Inner::Accepted(r),
            Answer::Duplicate { code, payu_id } => Inner::Held { code, payu_id },
            Answer::Refused { code, reason } => {
                Inner::Final(Report::new(Said::Failed { code, reason }))
            }
            Answer::NoAnswer(why) => Inner::Unanswered {
                sent,
                empty: None,
                file: None,
                why,
            },
            // Only this request went unprocessed: an earlier one may have arrived.
            Answer::NotProcessed(why) if sent.count == 1 => Inner::NotSent(why),
            Answer::NotProcessed(why) => Inner::Unanswered {
                sent,
                empty: None,
                file: None,
                why,
            },
        };
        Ok(())
    }

    /// Bulk Smart Send: the uploaded file `id` holds it; it is not uploaded again until that
    /// file is `COMPLETED`.
    pub fn in_file(&mut self, id: &str) -> Result<(), Refused> {
        let Inner::Unanswered { file, why, .. } = &mut self.inner else {
            return Err(self.refuse("an upload"));
        };
        *file = Some(id.to_owned());
        *why = format!("in Bulk Smart Send file {id}, which PayU has not finished");
        Ok(())
    }

    /// Bulk Smart Send: its file is `COMPLETED` at `at`; until a lookup finds its link the
    /// row is unanswered, and PayU is given `window` from now to show it.
    pub fn file_completed(&mut self, at: Stamp) -> Result<(), Refused> {
        let Inner::Unanswered {
            sent, file, why, ..
        } = &mut self.inner
        else {
            return Err(self.refuse("a finished file"));
        };
        if let Some(id) = file.take() {
            *why = format!(
                "PayU finished Bulk Smart Send file {id} and shows no link for this row yet"
            );
        }
        sent.last = sent.last.max(at);
        Ok(())
    }

    /// The Bulk Smart Send file that holds it, if one does.
    pub fn file(&self) -> Option<&str> {
        match &self.inner {
            Inner::Unanswered { file, .. } => file.as_deref(),
            _ => None,
        }
    }

    /// Whether PayU should be asked about it.
    pub fn needs_lookup(&self) -> bool {
        match &self.inner {
            Inner::Unanswered { file, .. } => file.is_none(),
            Inner::Held { payu_id, .. } => self.by_reference || payu_id.is_some(),
            Inner::Accepted(_) => true,
            _ => false,
        }
    }

    /// The id PayU gave it, if any.
    pub fn payu_id(&self) -> Option<&str> {
        match &self.inner {
            Inner::Held { payu_id, .. } => payu_id.as_deref(),
            Inner::Accepted(r) | Inner::Final(r) => r.payu_id.as_deref(),
            _ => None,
        }
    }

    /// What a lookup at `asked_at` found.
    pub fn looked_up(&mut self, found: Lookup, asked_at: Stamp) -> Result<(), Refused> {
        match (&mut self.inner, found) {
            (Inner::Unanswered { empty, .. }, Lookup::Empty) => {
                *empty = Some(asked_at);
            }
            // Undetermined: PayU has it (it said so), it just does not show it yet.
            (Inner::Held { .. } | Inner::Accepted(_), Lookup::Empty) => {}
            (
                Inner::Unanswered { .. } | Inner::Held { .. } | Inner::Accepted(_),
                Lookup::Found(r),
            ) => {
                let earlier = match &self.inner {
                    Inner::Accepted(e) => Some(e.clone()),
                    Inner::Held { payu_id, .. } => Some(Report {
                        payu_id: payu_id.clone(),
                        ..Report::new(Said::Success)
                    }),
                    _ => None,
                };
                let r = r.over(earlier.as_ref());
                self.inner = if r.is_final() {
                    Inner::Final(r)
                } else {
                    Inner::Accepted(r)
                };
            }
            _ => return Err(self.refuse("a lookup")),
        }
        Ok(())
    }

    /// It was not sent, and will not be by this run.
    pub fn hold(&mut self, why: &str) -> Result<(), Refused> {
        match self.inner {
            Inner::ToSend => {
                self.inner = Inner::NotSent(why.to_owned());
                Ok(())
            }
            _ => Err(self.refuse("holding it back")),
        }
    }

    /// A dry run: it would be sent.
    pub fn dry_run(&mut self) -> Result<(), Refused> {
        match self.inner {
            Inner::ToSend => {
                self.inner = Inner::DryRun;
                Ok(())
            }
            _ => Err(self.refuse("a dry run")),
        }
    }

    /// Its reference was sent before with another amount or destination.
    pub fn reused(&mut self, message: String) {
        self.invalid("REF_REUSED", message);
    }

    /// Refused before sending with the tool's `code`; nothing if it may have been sent.
    pub fn invalid(&mut self, code: &str, message: String) {
        if matches!(
            self.inner,
            Inner::ToSend | Inner::NotSent(_) | Inner::DryRun
        ) {
            self.inner = Inner::Invalid {
                code: code.into(),
                message,
            };
        }
    }

    /// Whether it is still to be sent by this run (never sent).
    pub fn is_to_send(&self) -> bool {
        self.inner == Inner::ToSend
    }

    pub fn is_final(&self) -> bool {
        matches!(self.inner, Inner::Final(_))
    }

    /// Whether PayU said it has it (a duplicate answer) and it is not settled yet.
    pub fn is_held(&self) -> bool {
        matches!(self.inner, Inner::Held { .. })
    }

    /// Whether PayU may have it: sent by this run or an earlier one.
    pub fn status(&self) -> Status {
        match &self.inner {
            Inner::ToSend | Inner::NotSent(_) => Status::NotSent,
            Inner::DryRun => Status::Valid,
            Inner::Invalid { .. } => Status::Invalid,
            Inner::Claimed { .. } | Inner::Unanswered { .. } | Inner::Held { .. } => {
                Status::Unknown
            }
            Inner::Accepted(_) => Status::Pending,
            Inner::Final(r) => r.outcome().status,
        }
    }

    /// What PayU said while it waits, when it is accepted and not final.
    pub fn waiting(&self) -> Option<&Waiting> {
        match &self.inner {
            Inner::Accepted(Report {
                said: Said::Waiting(w),
                ..
            }) => Some(w),
            _ => None,
        }
    }

    /// How the journal holds it (`None`: the journal holds nothing for it).
    pub fn journal_state(&self) -> Option<(State, Details)> {
        let details = |r: &Report| Details {
            code: match &r.said {
                Said::Failed { code, .. } => Some(code.clone()),
                _ => None,
            },
            reason: match &r.said {
                Said::Failed { reason, .. } => Some(reason.clone()),
                _ => None,
            },
            utr: r.utr.clone(),
        };
        match &self.inner {
            Inner::ToSend | Inner::NotSent(_) | Inner::DryRun | Inner::Invalid { .. } => None,
            Inner::Claimed { .. } => Some((State::Sending, Details::default())),
            Inner::Unanswered { .. } => Some((State::Unknown, Details::default())),
            Inner::Held { code, .. } => Some((
                State::Exists,
                Details {
                    code: Some(code.clone()),
                    ..Details::default()
                },
            )),
            Inner::Accepted(r) => Some((State::Pending, details(r))),
            Inner::Final(r) => Some((
                match r.said {
                    Said::Success => State::Success,
                    _ => State::Failed,
                },
                details(r),
            )),
        }
    }

    /// Its results line.
    pub fn outcome(&self, window_ms: i64) -> Outcome {
        let unknown = |message: String| {
            let mut o = Outcome::new(Status::Unknown);
            o.messages = vec![message];
            o
        };
        match &self.inner {
            Inner::ToSend => Outcome::new(Status::NotSent),
            Inner::NotSent(why) => {
                let mut o = Outcome::new(Status::NotSent);
                o.messages = vec![why.clone()];
                o
            }
            Inner::DryRun => {
                let mut o = Outcome::new(Status::Valid);
                o.messages = vec!["dry run: would be sent".to_owned()];
                o
            }
            Inner::Invalid { code, message } => {
                let mut o = Outcome::new(Status::Invalid);
                o.codes = vec![code.clone()];
                o.messages = vec![message.clone()];
                o
            }
            Inner::Claimed { .. } => unknown("the run stopped before PayU answered".to_owned()),
            Inner::Unanswered {
                sent, file, why, ..
            } => {
                let then = text_of(sent.last);
                let when = if file.is_some() {
                    "it is not uploaded again until PayU finishes that file".to_owned()
                } else {
                    format!(
                        "PayU does not show it yet; it is resent, with the same reference, only if PayU still does not show it {} after its last send ({then})",
                        window_text(window_ms)
                    )
                };
                unknown(format!("{why}; {when}; run `payu-bulk status` later"))
            }
            Inner::Held { code, payu_id } => unknown(match (payu_id, self.by_reference) {
                (Some(id), _) => format!(
                    "PayU answered {code}: it already holds this reference (id {id}); it is never sent again, and `payu-bulk status` looks up how it stands"
                ),
                (None, true) => format!(
                    "PayU answered {code}: it already holds this reference; it is never sent again, and `payu-bulk status` looks up how it stands"
                ),
                (None, false) => format!(
                    "PayU answered {code}: it already holds this payout, and its payoutId was in an answer that was lost (PayU cannot be asked by extPayoutId); it is never sent again: find it by its reference in the PayU panel"
                ),
            }),
            Inner::Accepted(r) | Inner::Final(r) => {
                let mut o = r.outcome();
                if let Some(code) = o.codes.first()
                    && o.status == Status::Failed
                    && o.messages.first().is_some_and(|m| m.is_empty())
                {
                    o.messages = vec![format!("PayU: the payout is {code}")];
                }
                o
            }
        }
    }
}

/// A window, as the results file says it.
fn window_text(ms: i64) -> String {
    humanish(std::time::Duration::from_millis(ms.max(0) as u64))
}

fn humanish(d: std::time::Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 && s.is_multiple_of(3600) {
        format!("{}h", s / 3600)
    } else if s >= 60 && s.is_multiple_of(60) {
        format!("{}m", s / 60)
    } else if d.subsec_millis() == 0 {
        format!("{s}s")
    } else {
        format!("{}ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const WINDOW: i64 = 15 * 60 * 1000;

    /// One thing that can happen to a row, in the table's words.
    #[derive(Debug, Clone)]
    enum Event {
        /// The run sends it if the state allows (claim, then send) at this moment.
        Send(Stamp),
        Accepted,
        Lost,
        Http5xx,
        /// A 429 is waited out by the transport: the row sees the answer that follows, so it
        /// never reaches the state at all; kept in the table to say so.
        Throttled,
        Duplicate(Option<&'static str>),
        Refused,
        Unauthorised,
        Empty(Stamp),
        Found(Said),
    }
    use Event::*;

    fn accepted() -> Answer {
        Answer::Accepted(Report::new(Said::Waiting(Waiting::InProgress(
            "accepted by PayU".into(),
        ))))
    }

    /// Plays `events` on a new row; the state, and the moments it was sent.
    fn play(events: &[Event], by_reference: bool) -> (SendState, Vec<Stamp>) {
        let mut s = SendState::new(by_reference);
        let mut sends = Vec::new();
        for e in events {
            let _ = match e {
                Send(at) => {
                    if s.claim(WINDOW).is_ok() {
                        s.send(*at).unwrap();
                        sends.push(*at);
                    }
                    Ok(())
                }
                Accepted => s.answer(accepted()),
                Lost => s.answer(Answer::NoAnswer("timed out".into())),
                Http5xx => s.answer(Answer::NoAnswer("HTTP 503".into())),
                Throttled => Ok(()),
                Duplicate(id) => s.answer(Answer::Duplicate {
                    code: "1002".into(),
                    payu_id: id.map(str::to_owned),
                }),
                Refused => s.answer(Answer::Refused {
                    code: "1005".into(),
                    reason: "INVALID IFSC CODE".into(),
                }),
                Unauthorised => s.answer(Answer::NotProcessed("401".into())),
                Empty(at) => s.looked_up(Lookup::Empty, *at),
                Found(said) => s.looked_up(Lookup::Found(Report::new(said.clone())), 0),
            };
        }
        (s, sends)
    }

    fn failed() -> Said {
        Said::Failed {
            code: "FAILED".into(),
            reason: "beneficiary bank rejected".into(),
        }
    }

    #[test]
    fn answer_sequences_to_states_and_resends() {
        let m = 60 * 1000;
        // (events, by reference, status it leaves, may it be sent again now)
        let table: Vec<(Vec<Event>, bool, Status, bool)> = vec![
            (vec![], true, Status::NotSent, true),
            (vec![Send(0), Accepted], true, Status::Pending, false),
            (
                vec![Send(0), Throttled, Accepted],
                true,
                Status::Pending,
                false,
            ),
            (vec![Send(0), Lost], true, Status::Unknown, false),
            (vec![Send(0), Http5xx], true, Status::Unknown, false),
            // Empty before the window: undetermined, not absent.
            (vec![Send(0), Lost, Empty(m)], true, Status::Unknown, false),
            (
                vec![Send(0), Lost, Empty(14 * m)],
                true,
                Status::Unknown,
                false,
            ),
            // Empty after the window: it may be sent again, with the same reference.
            (
                vec![Send(0), Lost, Empty(15 * m)],
                true,
                Status::Unknown,
                true,
            ),
            (
                vec![Send(0), Http5xx, Empty(16 * m)],
                true,
                Status::Unknown,
                true,
            ),
            // Resent, and the window counts from the resend.
            (
                vec![
                    Send(0),
                    Lost,
                    Empty(16 * m),
                    Send(16 * m),
                    Lost,
                    Empty(20 * m),
                ],
                true,
                Status::Unknown,
                false,
            ),
            (
                vec![
                    Send(0),
                    Lost,
                    Empty(16 * m),
                    Send(16 * m),
                    Lost,
                    Empty(31 * m),
                ],
                true,
                Status::Unknown,
                true,
            ),
            (
                vec![Send(0), Lost, Found(Said::Success)],
                true,
                Status::Success,
                false,
            ),
            (
                vec![Send(0), Lost, Found(failed())],
                true,
                Status::Failed,
                false,
            ),
            // A duplicate to a first send or a resend: PayU has it; never sent again.
            (vec![Send(0), Duplicate(None)], true, Status::Unknown, false),
            (
                vec![Send(0), Duplicate(None), Empty(99 * m)],
                true,
                Status::Unknown,
                false,
            ),
            (
                vec![Send(0), Lost, Empty(16 * m), Send(16 * m), Duplicate(None)],
                true,
                Status::Unknown,
                false,
            ),
            (
                vec![Send(0), Duplicate(None), Found(Said::Success)],
                true,
                Status::Success,
                false,
            ),
            // Europe: a duplicate without a payoutId cannot be looked up; with one it can.
            (
                vec![Send(0), Duplicate(None)],
                false,
                Status::Unknown,
                false,
            ),
            (
                vec![Send(0), Duplicate(Some("P1")), Found(Said::Success)],
                false,
                Status::Success,
                false,
            ),
            (vec![Send(0), Refused], true, Status::Failed, false),
            // Accepted, then lookups find nothing: still PENDING, never resent.
            (
                vec![Send(0), Accepted, Empty(99 * m)],
                true,
                Status::Pending,
                false,
            ),
            // Unknown word, approval, queue: PENDING, never resent.
            (
                vec![
                    Send(0),
                    Accepted,
                    Found(Said::Waiting(Waiting::Unrecognised("ON_HOLD".into()))),
                ],
                true,
                Status::Pending,
                false,
            ),
            (
                vec![Send(0), Accepted, Found(Said::Waiting(Waiting::Approval))],
                true,
                Status::Pending,
                false,
            ),
            (
                vec![
                    Send(0),
                    Accepted,
                    Found(Said::Waiting(Waiting::Queued(
                        "insufficient balance".into(),
                    ))),
                ],
                true,
                Status::Pending,
                false,
            ),
            (
                vec![
                    Send(0),
                    Accepted,
                    Found(Said::Waiting(Waiting::Approval)),
                    Found(Said::Failed {
                        code: "REJECTED".into(),
                        reason: "rejected by a checker".into(),
                    }),
                ],
                true,
                Status::Failed,
                false,
            ),
            // A 401 to a first send: PayU processed nothing; to a resend: the first may be there.
            (vec![Send(0), Unauthorised], true, Status::NotSent, false),
            (
                vec![Send(0), Lost, Empty(16 * m), Send(16 * m), Unauthorised],
                true,
                Status::Unknown,
                false,
            ),
        ];
        for (events, by_reference, status, resend) in table {
            let (s, _) = play(&events, by_reference);
            assert_eq!(s.status(), status, "{events:?}");
            assert_eq!(s.may_send(WINDOW), resend, "{events:?}");
        }
    }

    #[test]
    fn final_states_keep_payu_code_reason_and_utr_and_the_journal_gets_them() {
        let mut s = SendState::new(true);
        s.claim(WINDOW).unwrap();
        s.send(0).unwrap();
        s.answer(accepted()).unwrap();
        let mut r = Report::new(failed());
        r.payu_id = Some("PAYOUT1".into());
        s.looked_up(Lookup::Found(r), 1).unwrap();
        let o = s.outcome(WINDOW);
        assert_eq!(o.codes, ["FAILED"]);
        assert_eq!(o.messages, ["beneficiary bank rejected"]);
        let (state, details) = s.journal_state().unwrap();
        assert_eq!(state, State::Failed);
        assert_eq!(details.reason.as_deref(), Some("beneficiary bank rejected"));
        let mut paid = Report::new(Said::Success);
        paid.utr = Some("UTR123".into());
        let mut s = SendState::new(true);
        s.claim(WINDOW).unwrap();
        s.send(0).unwrap();
        s.answer(Answer::Accepted(paid)).unwrap();
        assert_eq!(s.outcome(WINDOW).utr.as_deref(), Some("UTR123"));
        assert_eq!(s.journal_state().unwrap().1.utr.as_deref(), Some("UTR123"));
    }

    #[test]
    fn a_bulk_row_is_not_uploaded_again_until_its_file_is_completed() {
        let mut s = SendState::new(true);
        s.claim(WINDOW).unwrap();
        s.send(0).unwrap();
        s.in_file("42").unwrap();
        assert!(!s.needs_lookup());
        s.looked_up(Lookup::Empty, 10 * WINDOW).unwrap();
        assert!(!s.may_send(WINDOW), "file 42 is not COMPLETED");
        s.file_completed(WINDOW).unwrap();
        s.looked_up(Lookup::Empty, WINDOW + 1).unwrap();
        assert!(!s.may_send(WINDOW), "the window counts from the file's end");
        assert_eq!(s.status(), Status::Unknown);
        s.looked_up(Lookup::Empty, 2 * WINDOW).unwrap();
        assert!(s.may_send(WINDOW));
    }

    #[test]
    fn transitions_the_state_does_not_allow_are_refused() {
        let mut s = SendState::new(true);
        assert!(s.send(0).is_err(), "never sent without a claim");
        assert!(s.answer(accepted()).is_err());
        s.claim(WINDOW).unwrap();
        assert!(s.claim(WINDOW).is_err(), "claimed twice");
        s.send(0).unwrap();
        assert!(s.claim(WINDOW).is_err(), "sent, no lookup yet");
    }

    fn event() -> impl Strategy<Value = (u8, u32)> {
        (0u8..9, 0u32..(20 * 60 * 1000))
    }

    proptest! {
        /// Whatever PayU answers, in whatever order, and however the run's moments fall, no
        /// reference is sent twice within the window, nor again once PayU said it has it.
        #[test]
        fn no_sequence_sends_a_reference_twice_inside_the_window(
            steps in proptest::collection::vec(event(), 0..60),
            by_reference in any::<bool>(),
        ) {
            let mut s = SendState::new(by_reference);
            let mut clock: Stamp = 0;
            let mut sends: Vec<Stamp> = Vec::new();
            let mut held = false;
            for (kind, gap) in steps {
                clock += i64::from(gap);
                let _ = match kind {
                    0 | 1 => {
                        if s.claim(WINDOW).is_ok() {
                            prop_assert!(!held, "sent after PayU said it has it");
                            s.send(clock).unwrap();
                            sends.push(clock);
                        }
                        Ok(())
                    }
                    2 => s.answer(accepted()),
                    3 => s.answer(Answer::NoAnswer("lost".into())),
                    4 => {
                        let r = s.answer(Answer::Duplicate { code: "1002".into(), payu_id: None });
                        held |= r.is_ok();
                        r
                    }
                    5 => s.looked_up(Lookup::Empty, clock),
                    6 => s.looked_up(Lookup::Found(Report::new(Said::Waiting(Waiting::Approval))), clock),
                    7 => s.answer(Answer::NotProcessed("401".into())),
                    _ => s.answer(Answer::Refused { code: "1005".into(), reason: "bad".into() }),
                };
            }
            for pair in sends.windows(2) {
                prop_assert!(pair[1] - pair[0] >= WINDOW, "sent at {} and again at {}", pair[0], pair[1]);
            }
        }
    }
}
