//! PayU India payouts in the sandbox: the token grants (§2), Initiate Transfer v1 and v2
//! (§4), and listTransactions (§5), with PayU's codes and its test accounts (§4.5).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use rust_decimal::Decimal;

use super::Spelling;
use super::answer::{merchant_ok, reply, unauthorized, v1_refusal};
use super::approval::{Approval, Chosen};
use super::rules;
use super::{
    Api, INDIA_MERCHANT_ID, INDIA_PASSWORD, INDIA_PRIVATE_CLIENT_ID, INDIA_PRIVATE_CLIENT_SECRET,
    INDIA_USERNAME, Issued, Sandbox, ledger::LedgerEntry, timestamp,
};
use crate::payu::Envelope;
use crate::payu::auth::{INDIA_PUBLIC_CLIENT_ID_TEST, OAuthError, PAYOUT_SCOPE, Token};
use crate::payu::india::{
    AccountVerification, IfscDetails, Transaction, TransactionPage, Transfer, TransferError,
    TxnStatus, VpaCheck,
};

/// PayU India's token lifetime (its samples: 7199 s).
const TOKEN_SECONDS: u64 = 7_199;
/// The test accounts of §4.5.
const ACCOUNT_SUCCESS: &str = "51234567890";
const ACCOUNT_FAILURE: &str = "41234567890";
const ACCOUNT_PENDING: &str = "61234567890";
const ACCEPTED: &str =
    "Requests are in process. Will send response of individual request on webhooks set by you";

/// What the account shows before any transfer when `--balance` is not given (and the
/// account is then topped up as needed: the balance never runs short).
const OPENING_BALANCE: i64 = 10_000_000;
/// Below this the account reports `lowBalance`.
const LOW_BALANCE: i64 = 10_000;
/// What a transfer beyond the balance says, queued or failed (PayU documents that the reason
/// is in `txnStatusDescription`, not its words).
const QUEUED_FOR_BALANCE: &str =
    "Insufficient balance in the payout account: the transfer is queued until funds are added";
const FAILED_FOR_BALANCE: &str =
    "Insufficient balance in the payout account, and queueing of payouts is disabled";

/// Why the failing test account's transfers fail, as a bank says it, and the code with it
/// (PayU documents that the reason is in `txnStatusDescription` and `msg`, not its words).
const BANK_DECLINED: &str = "Transaction declined by the beneficiary bank: account closed";
const BANK_DECLINED_CODE: &str = "ACCOUNT_CLOSED";
const BALANCE_CODE: &str = "INSUFFICIENT_BALANCE";

/// The UTR of the transfer with `txn_id`: twelve digits, as an IMPS reference has.
pub(super) fn utr(txn_id: i64) -> String {
    format!("{:012}", 300_000_000_000i64.saturating_add(txn_id))
}

/// The transfers the sandbox accepted, in arrival order (a reference paid twice inside
/// `--dedupe-lag-ms` has two), and the account they draw on.
#[derive(Default)]
pub(super) struct Transfers {
    sent: Vec<Sent>,
    next_txn: i64,
    /// `--balance`: what the account held at start; `None` for an account topped up as
    /// needed.
    pub(super) funded: Option<Decimal>,
    /// Added since: `POST /__sandbox/deposit`, and the top-ups of an unlimited account.
    deposited: Decimal,
    /// `setQueueTxnFlag` turned queueing off: a transfer beyond the balance fails.
    queueing_off: bool,
}

impl Transfers {
    /// The balance: what the account was funded with and given since, less what live
    /// transfers hold (a failed, cancelled or rejected transfer gives its money back; one
    /// queued for want of balance, or waiting for its checker, holds none).
    fn balance(&self, settle: Duration, now: Instant) -> Decimal {
        let held: Decimal = self
            .sent
            .iter()
            .filter(|s| {
                !s.waiting_for_balance
                    && !matches!(
                        s.status(settle, now),
                        TxnStatus::Failed
                            | TxnStatus::Cancelled
                            | TxnStatus::Rejected
                            | TxnStatus::PendingForApproval
                    )
            })
            .map(|s| s.amount)
            .sum();
        self.funded.unwrap_or(Decimal::from(OPENING_BALANCE)) + self.deposited - held
    }

    /// Whether a transfer is queued for want of balance.
    fn queue_waiting(&self) -> bool {
        self.sent.iter().any(Sent::in_balance_queue)
    }

    /// Lets the transfer at `index` meet the balance, as it sets off for the bank: it goes
    /// on when the balance covers it and nothing queued is ahead of it; otherwise it is
    /// queued (or, with queueing off, fails).
    fn admit(&mut self, index: usize, settle: Duration, now: Instant) {
        let amount = self.sent[index].amount;
        // The balance counts the transfer as held already: what there was before it.
        let balance = self.balance(settle, now) + amount;
        let short = amount > balance || self.queue_waiting();
        if !short {
            return;
        }
        if self.funded.is_none() {
            // An unlimited account is topped up, and queues nothing.
            self.deposited += (amount - balance).max(Decimal::ZERO);
            return;
        }
        if self.queueing_off {
            self.sent[index].failed_for_balance = true;
        } else {
            self.sent[index].waiting_for_balance = true;
        }
    }

    /// Pays queued transfers in arrival order while the balance covers the next one. The
    /// references paid.
    pub(super) fn pay_queue(&mut self, settle: Duration, now: Instant) -> Vec<String> {
        let mut balance = self.balance(settle, now);
        let mut paid = Vec::new();
        for s in self.sent.iter_mut().filter(|s| s.in_balance_queue()) {
            if s.amount > balance {
                break;
            }
            balance -= s.amount;
            s.waiting_for_balance = false;
            s.started = now;
            paid.push(s.reference.clone());
        }
        paid
    }

    /// Each transfer's ledger entry and its current status, as lookups spell it.
    pub(super) fn states(
        &self,
        settle: Duration,
        now: Instant,
        spelling: Spelling,
    ) -> Vec<(usize, String)> {
        self.sent
            .iter()
            .map(|s| (s.ledger, s.word(settle, now, spelling)))
            .collect()
    }

    /// The checker's decision on the waiting transfers `chosen` names: approved ones start
    /// for the bank now, rejected ones end REJECTED. The references moved.
    pub(super) fn decide(
        &mut self,
        chosen: &Chosen,
        approve: bool,
        settle: Duration,
        now: Instant,
    ) -> Vec<String> {
        let mut moved = Vec::new();
        for index in 0..self.sent.len() {
            let s = &mut self.sent[index];
            if s.approval != Approval::Waiting || !chosen.has(&s.reference) {
                continue;
            }
            s.approval = if approve {
                Approval::Approved
            } else {
                Approval::Rejected
            };
            s.started = now;
            moved.push(s.reference.clone());
            if approve {
                self.admit(index, settle, now);
            }
        }
        moved
    }

    /// The latest transfer with `reference`.
    fn latest_mut(&mut self, reference: &str) -> Option<&mut Sent> {
        self.sent
            .iter_mut()
            .rev()
            .find(|s| s.reference == reference)
    }
}

struct Sent {
    reference: String,
    /// Its entry in the ledger.
    ledger: usize,
    txn_id: i64,
    batch_id: String,
    amount: Decimal,
    transfer_type: String,
    payu_ref: String,
    /// When it was recorded, by the sandbox's clock.
    at: Instant,
    /// The same moment as a date, for `txnDate` and the `from`/`to` filter.
    recorded: chrono::DateTime<chrono::Utc>,
    purpose: String,
    beneficiary_name: String,
    /// Where it ends once settled (the pending test account never settles).
    outcome: TxnStatus,
    cancelled: bool,
    /// Accepted while the balance was short: it stays QUEUED (PayU's queueing, §6).
    waiting_for_balance: bool,
    /// Beyond the balance with queueing off: FAILED at once.
    failed_for_balance: bool,
    /// Reversed by the beneficiary's bank after it succeeded (`POST /__sandbox/reverse`).
    reversed: bool,
    /// One of the one in five that pass through `ON_HOLD` (lifecycle spelling only).
    on_hold: bool,
    /// Where it stands with the dashboard's checker (`--approval-flow`).
    approval: Approval,
    /// When its way to the bank began (recorded, approved, or paid from the queue), by the
    /// sandbox's clock: `--settle-ms` counts from here.
    started: Instant,
}

impl Sent {
    /// QUEUED, then IN_PROGRESS, then its outcome once `settle` has passed.
    fn status(&self, settle: Duration, now: Instant) -> TxnStatus {
        if self.cancelled {
            return TxnStatus::Cancelled;
        }
        // PayU reports a reversal as FAILED with the sub-status REVERSED (§5).
        if self.reversed {
            return TxnStatus::Failed;
        }
        match self.approval {
            Approval::Waiting => return TxnStatus::PendingForApproval,
            Approval::Rejected => return TxnStatus::Rejected,
            Approval::NotNeeded | Approval::Approved => {}
        }
        if self.failed_for_balance {
            return TxnStatus::Failed;
        }
        if self.waiting_for_balance {
            return TxnStatus::Queued;
        }
        let elapsed = now.saturating_duration_since(self.started);
        if elapsed >= settle {
            self.outcome
        } else if elapsed >= settle / 2 {
            TxnStatus::InProgress
        } else {
            TxnStatus::Queued
        }
    }

    /// Whether status lookups show it yet (`--visibility-ms`).
    fn visible(&self, visibility: Duration, now: Instant) -> bool {
        now.saturating_duration_since(self.at) >= visibility
    }

    /// Its status as lookups write it: `spelling`'s words, and `ON_HOLD` for the last
    /// quarter of the way to its final state when it is one of the transfers that pass
    /// through it (`--status-spelling lifecycle`).
    fn word(&self, settle: Duration, now: Instant, spelling: Spelling) -> String {
        let status = self.status(settle, now);
        let elapsed = now.saturating_duration_since(self.started);
        if self.on_hold && status == TxnStatus::InProgress && elapsed >= settle / 4 * 3 {
            return "ON_HOLD".to_owned();
        }
        spelling.spell(&word(status))
    }

    /// Why it stands where it stands, and the code with it, when PayU says why.
    fn reason(&self, status: TxnStatus) -> Option<(&'static str, &'static str)> {
        if self.cancelled {
            None
        } else if self.reversed {
            Some(("Transfer reversed by the beneficiary bank", "REVERSED"))
        } else if self.failed_for_balance {
            Some((FAILED_FOR_BALANCE, BALANCE_CODE))
        } else if self.waiting_for_balance {
            Some((QUEUED_FOR_BALANCE, BALANCE_CODE))
        } else if status == TxnStatus::Failed {
            Some((BANK_DECLINED, BANK_DECLINED_CODE))
        } else if status == TxnStatus::Rejected {
            Some(("Rejected by the approver", "REJECTED"))
        } else {
            None
        }
    }

    /// Queued for want of balance, and still to be paid from the queue.
    fn in_balance_queue(&self) -> bool {
        self.waiting_for_balance && !self.cancelled
    }
}

fn oauth_error(error: &str, description: &str) -> Response {
    let body = OAuthError {
        error: error.to_owned(),
        error_description: Some(description.to_owned()),
    };
    (StatusCode::UNAUTHORIZED, Json(body)).into_response()
}

/// `POST /oauth/token`: the password grant (with the public test client id), the private
/// client id grant, and the refresh of a password-grant token (each refresh token works once).
pub(super) async fn token(
    State(sandbox): State<Sandbox>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return oauth_error(
            "invalid_request",
            "send the grant as application/x-www-form-urlencoded",
        );
    };
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    let public_client = field("client_id") == INDIA_PUBLIC_CLIENT_ID_TEST;
    let mut state = sandbox.state();
    let refreshable = match field("grant_type") {
        "password" if !public_client => {
            return oauth_error(
                "invalid_client",
                "Client authentication failed due to unknown client",
            );
        }
        "password"
            if field("username") != INDIA_USERNAME || field("password") != INDIA_PASSWORD =>
        {
            return oauth_error(
                "invalid_grant",
                "The provided authorization grant is invalid",
            );
        }
        "password" => true,
        "client_credentials"
            if field("client_id") != INDIA_PRIVATE_CLIENT_ID
                || field("client_secret") != INDIA_PRIVATE_CLIENT_SECRET =>
        {
            return oauth_error(
                "invalid_client",
                "Client authentication failed due to unknown client",
            );
        }
        "client_credentials" => false,
        "refresh_token" if !public_client => {
            return oauth_error(
                "invalid_client",
                "Client authentication failed due to unknown client",
            );
        }
        "refresh_token" if !state.refresh_tokens.remove(field("refresh_token")) => {
            return oauth_error(
                "invalid_grant",
                "The refresh token is invalid, used or expired",
            );
        }
        "refresh_token" => true,
        _ => {
            return oauth_error(
                "invalid_request",
                "The request is missing a required parameter",
            );
        }
    };
    let lifetime = sandbox
        .settings
        .token_ttl
        .unwrap_or(Duration::from_secs(TOKEN_SECONDS));
    let access = format!(
        "{}{}",
        state.next_id("india-token"),
        state.next_id("india-token")
    );
    state.tokens.insert(
        access.clone(),
        Issued {
            api: Api::India,
            expires_at: Instant::now() + lifetime,
        },
    );
    let refresh = refreshable.then(|| {
        let r = format!(
            "{}{}",
            state.next_id("india-refresh"),
            state.next_id("india-refresh")
        );
        state.refresh_tokens.insert(r.clone());
        r
    });
    Json(Token {
        access_token: access,
        token_type: "Bearer".to_owned(),
        expires_in: lifetime.as_secs(),
        user_uuid: refreshable.then(|| "11e8-5a8f-05faaaa4-84a5-020d245326e4".to_owned()),
        refresh_token: refresh,
        scope: Some(PAYOUT_SCOPE.to_owned()),
        created_at: Some(chrono::Utc::now().timestamp()),
        grant_type: None,
    })
    .into_response()
}

pub(super) async fn initiate_v1(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    initiate(
        &sandbox,
        &headers,
        &body,
        "payoutMerchantId",
        "/payout/payment",
    )
}

pub(super) async fn initiate_v2(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    initiate(&sandbox, &headers, &body, "pid", "/payout/v2/payment")
}

/// Initiate Transfer: a batch is accepted whole, or refused whole with the failing items and
/// their codes (PayU documents only "in case all values are correct the request will get
/// accepted"; a partly accepted batch is not modelled).
fn initiate(
    sandbox: &Sandbox,
    headers: &HeaderMap,
    body: &[u8],
    merchant_header: &str,
    path: &str,
) -> Response {
    let mut state = sandbox.state();
    if !state.authorized(Api::India, headers) {
        return unauthorized(path);
    }
    if !merchant_ok(headers, merchant_header) {
        return reply::<()>(
            1,
            &format!("{merchant_header} is not a payout merchant id of this account"),
            None,
        );
    }
    let transfers: Vec<Transfer> = match serde_json::from_slice(body) {
        Ok(t) => t,
        Err(e) => {
            return reply::<()>(
                1,
                &format!("the body is not an array of transfers: {e}"),
                None,
            );
        }
    };
    let mut errors = Vec::new();
    let mut in_batch = HashSet::new();
    for t in &transfers {
        let mut problems = check(t, state.wall_now());
        let reference = t.merchant_ref_id.as_str();
        if !reference.is_empty() {
            // Counted whether or not the batch goes through: the ledger says how many
            // requests carried an accepted reference.
            let now = state.now();
            let known = state.ledger.received(
                "india-payout",
                INDIA_MERCHANT_ID,
                reference,
                now,
                sandbox.settings.dedupe_lag,
            );
            if known || !in_batch.insert(reference.to_owned()) {
                problems.push((1002, "duplicate merchant ref id. ".to_owned()));
            }
        }
        if !problems.is_empty() {
            errors.push(TransferError {
                batch_id: Some(t.batch_id.clone()),
                merchant_ref_id: Some(t.merchant_ref_id.clone()),
                error: Some(problems.iter().map(|p| p.1.as_str()).collect()),
                code: problems.iter().map(|p| p.0).collect(),
            });
        }
    }
    // A refusal for repeated references alone comes, every other time (which ones the seed
    // decides), as PayU also sends it: `code 1002` on the envelope, no `data`.
    if !errors.is_empty()
        && errors.iter().all(|e| e.code == [1002])
        && state.duplicate_on_envelope().is_some()
    {
        return Json(Envelope::<()> {
            status: 1,
            msg: Some("DUPLICATE MERCHANT REF ID".to_owned()),
            code: Some(crate::payu::Codes::One(1002)),
            data: None,
        })
        .into_response();
    }
    if !errors.is_empty() {
        return Json(Envelope {
            status: 1,
            msg: None,
            code: None,
            data: Some(errors),
        })
        .into_response();
    }
    for t in transfers {
        let now = state.now();
        let payu_ref = format!("PAYOUT{}", &state.next_id("india-payout")[..20]);
        let upi = t.payment_type.eq_ignore_ascii_case("UPI");
        let (destination, outcome) = if upi {
            (
                format!("vpa:{}", t.vpa.clone().unwrap_or_default()),
                TxnStatus::Success,
            )
        } else {
            let number = t.beneficiary_account_number.clone().unwrap_or_default();
            let outcome = match number.as_str() {
                ACCOUNT_SUCCESS => TxnStatus::Success,
                ACCOUNT_FAILURE => TxnStatus::Failed,
                ACCOUNT_PENDING => TxnStatus::Pending,
                _ => TxnStatus::Success,
            };
            let ifsc = t
                .beneficiary_ifsc_code
                .clone()
                .unwrap_or_default()
                .to_ascii_uppercase();
            (format!("account:{number}/{ifsc}"), outcome)
        };
        let ledger = state.ledger.accept(
            LedgerEntry {
                api: "india-payout".to_owned(),
                merchant: INDIA_MERCHANT_ID.to_owned(),
                reference: t.merchant_ref_id.clone(),
                amount: t.amount.to_string(),
                destination,
                accepted_at: timestamp(),
                times_received: 1,
                state: String::new(),
            },
            now,
        );
        state.india.next_txn += 1;
        let approval = Approval::at_start(sandbox.settings.approval_flow, t.disable_approval_flow);
        let sent = Sent {
            reference: t.merchant_ref_id,
            ledger,
            txn_id: state.india.next_txn,
            batch_id: t.batch_id,
            amount: t.amount,
            transfer_type: t.payment_type.to_ascii_uppercase(),
            payu_ref,
            at: now,
            recorded: state.wall_now(),
            purpose: t.purpose.clone(),
            beneficiary_name: t.beneficiary_name.clone(),
            outcome,
            cancelled: false,
            waiting_for_balance: false,
            failed_for_balance: false,
            reversed: false,
            // Exactly one transfer in five, which ones decided by the seed.
            on_hold: sandbox.settings.status_spelling == Spelling::Lifecycle
                && (state.india.next_txn as u64)
                    .wrapping_add(sandbox.settings.seed)
                    .is_multiple_of(5),
            approval,
            started: now,
        };
        state.india.sent.push(sent);
        // A transfer waiting for its checker meets the balance only once approved.
        if approval != Approval::Waiting {
            let index = state.india.sent.len() - 1;
            state.india.admit(index, sandbox.settings.settle, now);
        }
    }
    Json(Envelope {
        status: 0,
        msg: Some(ACCEPTED.to_owned()),
        code: None,
        data: Some(Vec::<TransferError>::new()),
    })
    .into_response()
}

/// PayU's per-item checks (§4.1, §4.3), with the sandbox's own reading of PayU's rules
/// ([`rules`]); `now` is the sandbox's clock, for a `scheduledTime`.
fn check(t: &Transfer, now: chrono::DateTime<chrono::Utc>) -> Vec<(i64, String)> {
    let mut problems = Vec::new();
    let mut fail = |code: i64, what: &str| problems.push((code, format!("{what}. ")));
    let reference = &t.merchant_ref_id;
    if reference.is_empty() || !rules::within_40(reference) {
        fail(1001, "merchant ref id must be 1 to 40 characters");
    }
    if !rules::within_40(&t.batch_id) {
        fail(1003, "batch id can be at most 40 characters");
    }
    let mode = t.payment_type.to_ascii_uppercase();
    match mode.as_str() {
        "IMPS" | "NEFT" | "RTGS" => {
            match t.beneficiary_account_number.as_deref().unwrap_or("") {
                "" => fail(1004, "beneficiary account number can not be empty"),
                number if !rules::account_number(number) => {
                    fail(1004, "invalid beneficiary account number")
                }
                _ => {}
            }
            if !rules::ifsc_pattern(t.beneficiary_ifsc_code.as_deref().unwrap_or("")) {
                fail(1022, "invalid ifsc code pattern");
            }
        }
        "UPI" => {
            if !rules::vpa(t.vpa.as_deref().unwrap_or("")) {
                fail(1014, "invalid upi id");
            }
        }
        _ => fail(1011, "invalid transfer type"),
    }
    if t.beneficiary_name.trim().is_empty() {
        fail(1007, "beneficiary name can not be empty");
    }
    if !rules::rupees(t.amount) {
        fail(1006, "invalid amount");
    }
    if !rules::purpose(&t.purpose) {
        fail(1010, "purpose can only have letters, digits and spaces");
    }
    if t.beneficiary_email
        .as_deref()
        .is_some_and(|e| !e.is_empty() && !rules::email(e))
    {
        fail(1009, "invalid email");
    }
    if t.beneficiary_mobile
        .as_deref()
        .is_some_and(|m| !m.is_empty() && !rules::mobile(m))
    {
        fail(1008, "invalid mobile");
    }
    if let Some(at) = t.scheduled_time.as_deref().filter(|s| !s.is_empty()) {
        match rules::scheduled_time(at, now) {
            Err(rules::Schedule::Format) => fail(1018, "invalid schedule date format"),
            Err(rules::Schedule::Past) => fail(1019, "invalid schedule date"),
            Ok(()) => {}
        }
    }
    if [&t.custom1, &t.custom2, &t.custom3]
        .iter()
        .any(|c| c.as_deref().is_some_and(|c| !rules::custom_field(c)))
    {
        fail(1026, "custom fields can be at most 50 characters");
    }
    problems
}

/// PayU's largest page, and its default (§5; the GitBook's figures).
const MAX_PAGE_SIZE: usize = 100;
const DEFAULT_PAGE_SIZE: usize = 10;

/// PayU's dates, `2022-08-22T05:56:13.000+0000`.
fn payu_date(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

/// A `from`/`to` date, `dd/MM/yyyy` (PayU's sample) or `dd/MM/yy` (one OAS).
fn form_date(text: &str) -> Option<chrono::NaiveDate> {
    let text = text.trim();
    chrono::NaiveDate::parse_from_str(text, "%d/%m/%Y")
        .ok()
        .filter(|d| d.year() >= 1000)
        .or_else(|| chrono::NaiveDate::parse_from_str(text, "%d/%m/%y").ok())
}

/// A status word as a filter compares it: upper case, spaces as underscores, SCHEDULED as
/// QUEUED.
fn status_key(word: &str) -> String {
    let key = word.trim().to_ascii_uppercase().replace(' ', "_");
    match key.as_str() {
        "SCHEDULED" => "QUEUED".to_owned(),
        "FAILURE" => "FAILED".to_owned(),
        _ => key,
    }
}

/// `POST /payout/payment/listTransactions` (§5): every documented filter (`merchantRefId`,
/// `batchId`, `transferStatus`, `from`/`to` by the transfer's date in IST, inclusive), latest
/// first, `page` (1-based; 0 reads as 1) of `pageSize` (default 10, at most 100). An unknown
/// reference is `status 0` with no details: undetermined, never failed.
pub(super) async fn list_transactions(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let state = sandbox.state();
    if let Some(refused) = v1_refusal(&state, &headers, "/payout/payment/listTransactions") {
        return refused;
    }
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let given = |name: &str| form.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    let wanted = |name: &str, value: &str| given(name).is_none_or(|w| w == value);
    let mut dates = [None, None];
    for (slot, name) in dates.iter_mut().zip(["from", "to"]) {
        if let Some(text) = given(name) {
            match form_date(text) {
                Some(d) => *slot = Some(d),
                None => {
                    return reply::<()>(
                        1,
                        &format!("{name} must be a date as dd/MM/yyyy, not '{text}'"),
                        None,
                    );
                }
            }
        }
    }
    let number = |name: &str, default: usize| match given(name) {
        None => Some(default),
        Some(text) => text.parse::<usize>().ok(),
    };
    let (Some(page), Some(size)) = (number("page", 1), number("pageSize", DEFAULT_PAGE_SIZE))
    else {
        return reply::<()>(1, "page and pageSize must be whole numbers", None);
    };
    let page = page.max(1);
    let size = size.clamp(1, MAX_PAGE_SIZE);
    let settle = sandbox.settings.settle;
    let now = state.now();
    let visibility = sandbox.settings.visibility;
    let status_wanted = given("transferStatus").map(status_key);
    let spelling = sandbox.settings.status_spelling;
    let ist = rules::ist();
    let mut matching: Vec<&Sent> = state
        .india
        .sent
        .iter()
        // Not yet visible: exactly as a reference PayU never saw (§5).
        .filter(|sent| sent.visible(visibility, now))
        .filter(|sent| {
            let day = sent.recorded.with_timezone(&ist).date_naive();
            wanted("merchantRefId", &sent.reference)
                && wanted("batchId", &sent.batch_id)
                && dates[0].is_none_or(|from| day >= from)
                && dates[1].is_none_or(|to| day <= to)
                && status_wanted
                    .as_ref()
                    .is_none_or(|w| *w == status_key(&sent.word(settle, now, spelling)))
        })
        .collect();
    // Latest first, as PayU sorts them.
    matching.sort_by_key(|sent| std::cmp::Reverse(sent.txn_id));
    let total = matching.len();
    let succeeded = matching
        .iter()
        .filter(|s| s.status(settle, now) == TxnStatus::Success)
        .count();
    let pending = matching
        .iter()
        .filter(|s| !s.status(settle, now).is_final())
        .count();
    let total_amount: Decimal = matching.iter().map(|s| s.amount).sum();
    let shown: Vec<&Sent> = matching
        .iter()
        .skip((page - 1).saturating_mul(size))
        .take(size)
        .copied()
        .collect();
    let page = Envelope {
        status: 0,
        msg: None,
        code: None,
        data: Some(TransactionPage {
            payout_merchant_id: INDIA_MERCHANT_ID.parse().ok(),
            no_of_pages: total.div_ceil(size) as i64,
            total_elements: total as i64,
            current_page: (page - 1) as i64,
            total_amount: Some(total_amount),
            succes_txn: Some(succeeded as i64),
            pending_txn: Some(pending as i64),
            transaction_details: shown.iter().map(|s| s.transaction(settle, now)).collect(),
        }),
    };
    // The typed page knows only documented words: each status is written as spelled.
    let mut body = serde_json::to_value(&page).unwrap_or_default();
    if let Some(items) = body["data"]["transactionDetails"].as_array_mut() {
        for (item, sent) in items.iter_mut().zip(&shown) {
            item["txnStatus"] = serde_json::Value::String(sent.word(settle, now, spelling));
        }
    }
    Json(body).into_response()
}

/// A status as PayU writes it.
fn word(status: TxnStatus) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl Sent {
    /// The transfer as listTransactions reports it.
    fn transaction(&self, settle: Duration, now: Instant) -> Transaction {
        let status = self.status(settle, now);
        let reason = self.reason(status);
        let settled_at =
            self.recorded + chrono::Duration::from_std(settle).unwrap_or(chrono::Duration::zero());
        Transaction {
            txn_id: Some(self.txn_id),
            batch_id: Some(self.batch_id.clone()),
            merchant_ref_id: self.reference.clone(),
            amount: Some(self.amount),
            txn_status: word(status),
            txn_sub_status: self.reversed.then(|| "REVERSED".to_owned()),
            payu_transaction_ref_no: Some(self.payu_ref.clone()),
            // A paid transfer carries its UTR (a reversed one keeps it).
            bank_transaction_ref_no: (status == TxnStatus::Success || self.reversed)
                .then(|| utr(self.txn_id)),
            transfer_type: Some(self.transfer_type.clone()),
            msg: reason.map(|r| r.0.to_owned()).or_else(|| {
                (status == TxnStatus::Success).then(|| "Transfer successful".to_owned())
            }),
            txn_status_description: reason.map(|r| r.0.to_owned()),
            response_code: reason
                .map(|r| r.1.to_owned())
                .or_else(|| (status == TxnStatus::Success).then(|| "00".to_owned())),
            purpose: Some(self.purpose.clone()),
            beneficiary_name: Some(self.beneficiary_name.clone()),
            txn_source: Some("API".to_owned()),
            txn_date: Some(payu_date(self.recorded)),
            last_status_update_date: Some(payu_date(if status.is_final() {
                settled_at
            } else {
                self.recorded
            })),
            succeed_on: (status == TxnStatus::Success).then(|| payu_date(settled_at)),
        }
    }
}

/// `POST /payout/payment/cancel` (form `merchantRefId`): only a QUEUED transfer (§7).
pub(super) async fn cancel(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let mut state = sandbox.state();
    if let Some(refused) = v1_refusal(&state, &headers, "/payout/payment/cancel") {
        return refused;
    }
    let reference = form
        .map(|Form(f)| f)
        .unwrap_or_default()
        .remove("merchantRefId")
        .unwrap_or_default();
    let settle = sandbox.settings.settle;
    let now = state.now();
    match state.india.latest_mut(&reference) {
        None => reply::<()>(1, "Merchant reference Id is incorrect", None),
        Some(sent) if sent.cancelled => {
            reply::<()>(1, "Payout transaction already cancelled", None)
        }
        Some(sent) if sent.status(settle, now) != TxnStatus::Queued => reply::<()>(
            1,
            "Payout cannot be cancelled as it is already processed",
            None,
        ),
        Some(sent) => {
            sent.cancelled = true;
            reply::<()>(0, "Payout transaction cancelled", None)
        }
    }
}

/// `GET /payout/merchant/getAccountDetail` (§3).
pub(super) async fn account_detail(State(sandbox): State<Sandbox>, headers: HeaderMap) -> Response {
    let state = sandbox.state();
    if let Some(refused) = v1_refusal(&state, &headers, "/payout/merchant/getAccountDetail") {
        return refused;
    }
    // A number as PayU's sample writes it (`94003`), without trailing zeros.
    let balance = state
        .india
        .balance(sandbox.settings.settle, state.now())
        .normalize();
    let detail = crate::payu::india::AccountDetail {
        payout_merchant_id: INDIA_MERCHANT_ID.parse().unwrap_or_default(),
        uuid: "11e8-5a8f-05faaaa4-84a5-020d245326e4".to_owned(),
        virtual_account_number: format!("PAYUIN{INDIA_MERCHANT_ID}"),
        transferable_amount: balance,
        balance,
        low_balance: balance < Decimal::from(LOW_BALANCE) || state.india.queue_waiting(),
        ifsc: "YESB0CMSNOC".to_owned(),
        kind: "current".to_owned(),
        client_id: INDIA_PUBLIC_CLIENT_ID_TEST.to_owned(),
        transit_account_number: None,
    };
    reply(0, "Account details", Some(detail))
}

/// `POST /payout/merchant/validateVpa?vpa=…` (or `vpa` in the form): in PayU's test
/// environment only `kk@okaxis` exists (§9.2).
pub(super) async fn validate_vpa(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let state = sandbox.state();
    if let Some(refused) = v1_refusal(&state, &headers, "/payout/merchant/validateVpa") {
        return refused;
    }
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let vpa = query
        .get("vpa")
        .or_else(|| form.get("vpa"))
        .cloned()
        .unwrap_or_default();
    if vpa == "kk@okaxis" {
        reply(
            0,
            "vpa available",
            Some(VpaCheck {
                message: None,
                name: Some("KK SANDBOX".to_owned()),
            }),
        )
    } else {
        reply(
            1,
            "vpa not available",
            Some(VpaCheck {
                message: Some("UPI address is invalid".to_owned()),
                name: None,
            }),
        )
    }
}

/// The banks whose IFSCs `getIfscDetails` knows: the sandbox's own short list (PayU's samples'
/// banks and the large ones), not the tool's IFSC snapshot. Any branch of a listed bank is
/// found, with the bank's name and empty address fields.
const BANKS: &[(&str, &str)] = &[
    ("BARB", "Bank of Baroda"),
    ("CNRB", "Canara Bank"),
    ("HDFC", "HDFC Bank"),
    ("IBKL", "IDBI Bank"),
    ("ICIC", "ICICI Bank"),
    ("INDB", "IndusInd Bank"),
    ("KKBK", "Kotak Mahindra Bank"),
    ("PUNB", "Punjab National Bank"),
    ("SBIN", "State Bank of India"),
    ("UBIN", "Union Bank of India"),
    ("UTIB", "Axis Bank"),
    ("YESB", "Yes Bank"),
];

/// `GET /payout/merchant/getIfscDetails?ifsc=…` (§9.3): an IFSC of PayU's pattern whose bank
/// is in [`BANKS`].
pub(super) async fn ifsc_details(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let state = sandbox.state();
    if let Some(refused) = v1_refusal(&state, &headers, "/payout/merchant/getIfscDetails") {
        return refused;
    }
    let code = query
        .get("ifsc")
        .map(|c| c.trim().to_ascii_uppercase())
        .unwrap_or_default();
    let bank = BANKS
        .iter()
        .find(|(prefix, _)| code.starts_with(prefix))
        .map(|(_, name)| (*name).to_owned());
    let Some(bank) = bank.filter(|_| rules::ifsc_pattern(&code)) else {
        return reply::<()>(1, "IFSC is invalid", None);
    };
    reply(
        0,
        "IFSC details",
        Some(IfscDetails {
            ifsc: code,
            bank,
            ..IfscDetails::default()
        }),
    )
}

/// `POST /payout/payment/verifyAccount` (form), the penny test (§9.1): the test accounts
/// answer found, not found and pending; any other well-formed account is found.
pub(super) async fn verify_account(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let state = sandbox.state();
    if let Some(refused) = v1_refusal(&state, &headers, "/payout/payment/verifyAccount") {
        return refused;
    }
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    if field("merchantRefId").is_empty() {
        return reply::<()>(1, "merchantRefId is required", None);
    }
    if !rules::account_number(field("accountNumber")) || !rules::ifsc_pattern(field("ifscCode")) {
        return reply::<()>(
            1,
            "accountNumber and ifscCode are required and must be valid",
            None,
        );
    }
    let name = field("beneName").to_owned();
    let (exists, named, matched, status, error) = match field("accountNumber") {
        ACCOUNT_FAILURE => (
            "No",
            String::new(),
            None,
            "Failed",
            "Invalid Benificiary MMID/Mobile Number",
        ),
        ACCOUNT_PENDING => ("VERIFICATION_PENDING", String::new(), None, "Pending", ""),
        _ => (
            "YES",
            if name.is_empty() {
                "SANDBOX BENEFICIARY".to_owned()
            } else {
                name.to_uppercase()
            },
            Some(Decimal::ONE_HUNDRED),
            "Success",
            "",
        ),
    };
    let data = AccountVerification {
        account_exists: exists.to_owned(),
        beneficiary_name: named,
        name_match: matched,
        status: status.to_owned(),
        error: error.to_owned(),
    };
    reply(0, "Account verification", Some(data))
}

impl Transfers {
    /// The `TRANSFER_SUCCESS` and `TRANSFER_FAILED` events of transfers that reached their
    /// final state since `sent` last saw them.
    pub(super) fn settled_events(
        &self,
        settle: Duration,
        now: Instant,
        sent: &mut HashSet<String>,
    ) -> Vec<crate::payu::webhook::Event> {
        let mut events = Vec::new();
        for transfer in &self.sent {
            let reference = &transfer.reference;
            if transfer.reversed && sent.insert(format!("reversed:{}", transfer.txn_id)) {
                events.push(crate::payu::webhook::Event {
                    event: "TRANSFER_REVERSED".to_owned(),
                    msg: "Transfer reversed by the beneficiary bank".to_owned(),
                    payu_ref_id: Some(transfer.payu_ref.clone()),
                    merchant_reference_id: Some(reference.clone()),
                    bank_reference_id: Some(utr(transfer.txn_id)),
                    ..crate::payu::webhook::Event::default()
                });
            }
            let status = transfer.status(settle, now);
            let (event, msg) = match status {
                TxnStatus::Success => ("TRANSFER_SUCCESS", "Success"),
                // The transfer's own reason, as its lookups give it.
                TxnStatus::Failed => (
                    "TRANSFER_FAILED",
                    transfer.reason(status).map_or(BANK_DECLINED, |r| r.0),
                ),
                _ => continue,
            };
            if !sent.insert(format!("transfer:{}", transfer.txn_id)) {
                continue;
            }
            events.push(crate::payu::webhook::Event {
                event: event.to_owned(),
                msg: msg.to_owned(),
                payu_ref_id: Some(transfer.payu_ref.clone()),
                merchant_reference_id: Some(reference.clone()),
                bank_reference_id: (event == "TRANSFER_SUCCESS").then(|| utr(transfer.txn_id)),
                ..crate::payu::webhook::Event::default()
            });
        }
        events
    }
}

/// `POST /__sandbox/reverse` with `{"references": [...]}` (architecture.md §4.3), or the older
/// `{"merchantRefId": …}`: the beneficiary's bank reverses transfers that succeeded. PayU
/// documents no way to cause a reversal in its test environment; this lets a client rehearse
/// one (status FAILED / REVERSED, and the `TRANSFER_REVERSED` event).
///
/// With `references` it answers 200 `{"references": [reversed], "not_reversed": [...]}`
/// (every paid transfer of a reference is reversed, both of a double payment); with
/// `merchantRefId` alone, 204, or 409 when that transfer has not succeeded, or 404.
pub(super) async fn reverse(State(sandbox): State<Sandbox>, body: Bytes) -> Response {
    #[derive(serde::Deserialize)]
    struct Reverse {
        references: Option<Vec<String>>,
        #[serde(rename = "merchantRefId")]
        merchant_ref_id: Option<String>,
    }
    let Ok(asked) = serde_json::from_slice::<Reverse>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            "the body must be {\"references\": [...]}",
        )
            .into_response();
    };
    let settle = sandbox.settings.settle;
    let mut state = sandbox.state();
    let now = state.now();
    if let Some(references) = asked.references {
        let mut reversed = Vec::new();
        let mut not_reversed = Vec::new();
        for reference in references.into_iter().chain(asked.merchant_ref_id) {
            let mut any = false;
            for sent in state
                .india
                .sent
                .iter_mut()
                .filter(|s| s.reference == reference)
            {
                if sent.status(settle, now) == TxnStatus::Success {
                    sent.reversed = true;
                    any = true;
                }
            }
            if any {
                reversed.push(reference);
            } else {
                not_reversed.push(reference);
            }
        }
        let answer = serde_json::json!({ "references": reversed, "not_reversed": not_reversed });
        return Json(answer).into_response();
    }
    let reference = asked.merchant_ref_id.unwrap_or_default();
    match state.india.latest_mut(&reference) {
        Some(sent) if sent.status(settle, now) == TxnStatus::Success => {
            sent.reversed = true;
            StatusCode::NO_CONTENT.into_response()
        }
        Some(_) => (
            StatusCode::CONFLICT,
            "only a transfer that succeeded can be reversed",
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no transfer has that merchantRefId").into_response(),
    }
}

/// `POST /__sandbox/deposit` with `{"amount": "5000.00"}` (a string or a number of rupees):
/// money reaches the account, and the queue is paid in arrival order while it lasts.
/// Answers the balance after, and the references paid from the queue.
pub(super) async fn deposit(State(sandbox): State<Sandbox>, body: Bytes) -> Response {
    #[derive(serde::Deserialize)]
    struct Deposit {
        #[serde(deserialize_with = "crate::payu::string_or_number")]
        amount: Decimal,
    }
    let amount = match serde_json::from_slice::<Deposit>(&body) {
        Ok(d) if d.amount > Decimal::ZERO && d.amount.normalize().scale() <= 2 => d.amount,
        _ => {
            return (
                StatusCode::BAD_REQUEST,
                "the body must be {\"amount\": \"5000.00\"}, a positive amount in rupees",
            )
                .into_response();
        }
    };
    let settle = sandbox.settings.settle;
    let mut state = sandbox.state();
    let now = state.now();
    let Some(total) = state.india.deposited.checked_add(amount) else {
        return (StatusCode::BAD_REQUEST, "the amount is too large").into_response();
    };
    state.india.deposited = total;
    let paid = state.india.pay_queue(settle, now);
    let balance = state.india.balance(settle, now);
    Json(serde_json::json!({ "balance": format!("{balance:.2}"), "paid": paid })).into_response()
}

/// `POST /payout/setQueueTxnFlag` (form `queueTxn`, `configMerchantId`; §8). PayU's sample
/// sends `queueTxn=true` and answers `configValue "0"`, and the API is named "Disable Queued
/// Payouts": the sandbox reads `queueTxn=true` as "disable queueing" (configValue `0`) and
/// `false` as "queue" (configValue `1`).
pub(super) async fn set_queue_flag(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let mut state = sandbox.state();
    if let Some(refused) = v1_refusal(&state, &headers, "/payout/setQueueTxnFlag") {
        return refused;
    }
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let field = |name: &str| form.get(name).map(|v| v.trim().to_ascii_lowercase());
    let disable = match field("queueTxn").as_deref() {
        Some("true") => true,
        Some("false") => false,
        _ => return reply::<()>(1, "Invalid value", None),
    };
    if field("configMerchantId").is_some_and(|id| id != INDIA_MERCHANT_ID) {
        return reply::<()>(1, "Invalid value", None);
    }
    state.india.queueing_off = disable;
    let at = payu_date(state.wall_now());
    reply(
        0,
        "Config updated successfully",
        Some(serde_json::json!({
            "id": 1,
            "merchantId": INDIA_MERCHANT_ID.parse::<i64>().unwrap_or_default(),
            "entityId": INDIA_MERCHANT_ID,
            "entityType": "merchant_id",
            "configKey": "queue_transaction_insufficient_balance",
            "configValue": if disable { "0" } else { "1" },
            "groupName": "payout",
            "isActive": true,
            "addedOn": at,
            "updatedOn": at,
            "isDeleted": false,
            "updatedBy": "11e8-5a8f-05faaaa4-84a5-020d245326e4",
        })),
    )
}
