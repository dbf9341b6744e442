//! The sandbox: a local PayU on loopback, so that the whole flow runs with no account and no
//! network (architecture.md §4.3). It serves PayU's paths with the request and response types of
//! [`crate::payu`], and `/__sandbox/ledger` to prove that nothing was paid twice.

mod answer;
mod approval;
mod chargeback;
mod europe;
mod india;
mod knobs;
mod ledger;
mod rules;
mod smart_send;
mod webhooks;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::{get, post};

pub use chargeback::{CHARGEBACK_EMAIL, CHARGEBACK_PASSWORD};
pub use ledger::LedgerEntry;

/// PayU Europe's public sandbox POS (payu.md §16.1): its id and OAuth secret.
pub const EUROPE_POS_ID: &str = "300746";
pub const EUROPE_POS_SECRET: &str = "2ee86a66e5d97e3fadc400c9f19b065d";
/// The shop the sandbox POS pays out from.
pub const EUROPE_SHOP_ID: &str = "n7Cd7y1U";
/// PayU India's built-in account (architecture.md §4.3): password grant, private client id grant, and
/// the payout merchant id.
pub const INDIA_USERNAME: &str = "payouts@sandbox.test";
pub const INDIA_PASSWORD: &str = "sandbox";
pub const INDIA_PRIVATE_CLIENT_ID: &str = "sandbox-client";
pub const INDIA_PRIVATE_CLIENT_SECRET: &str = "sandbox-secret";
pub const INDIA_MERCHANT_ID: &str = "1111123";

/// How the sandbox behaves.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long an accepted payout stays in progress before it reaches its final state.
    pub settle: Duration,
    /// How long a token lives; `None` for PayU's own lifetimes (43,199 s in Europe).
    pub token_ttl: Option<Duration>,
    /// How long every PayU request waits before it is handled.
    pub latency: Duration,
    /// PayU requests served per second; more are answered 429 with `Retry-After`.
    pub rate_limit: Option<u32>,
    /// The share of PayU requests that fail: a 500, a connection dropped before the request
    /// is handled, or one dropped after it was handled (the payout is recorded, the answer
    /// lost).
    pub fault_rate: f64,
    /// Seeds the faults, so that the same requests meet the same faults.
    pub seed: u64,
    /// How long a payout or link stays out of every status lookup after it was recorded
    /// (PayU: "kindly fetch details after some time"); until then lookups answer as for a
    /// reference never seen.
    pub visibility: Duration,
    /// How long after a reference is recorded PayU's duplicate check still misses it: a
    /// repeat inside this lag is recorded (and paid) as a second payout.
    pub dedupe_lag: Duration,
    /// The dashboard's approval flow (on by default at PayU; off by default here): India
    /// transfers and links sent without `disableApprovalFlow: true` wait for
    /// `POST /__sandbox/approve` or `/__sandbox/reject`.
    pub approval_flow: bool,
    /// The India account's balance at start (`--balance`); `None` for an account topped up
    /// as needed. Transfers beyond it stay QUEUED until `POST /__sandbox/deposit`.
    pub balance: Option<rust_decimal::Decimal>,
    /// How transfer statuses are spelled (`--status-spelling`).
    pub status_spelling: Spelling,
}

/// How the sandbox spells a transfer's `txnStatus`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Spelling {
    /// As the status API's pages do: `IN_PROGRESS`, `FAILED`, `PENDING_FOR_APPROVAL`.
    #[default]
    Doc,
    /// As PayU's lifecycle page does: `IN PROGRESS`, `WAITING FOR RETRY`, `FAILURE`,
    /// `PENDING FOR APPROVAL`; and one transfer in five passes through `ON_HOLD`, a state no
    /// document names, before its final state.
    Lifecycle,
}

impl Spelling {
    /// `word` (a documented status, underscores) as this spelling writes it.
    fn spell(self, word: &str) -> String {
        match (self, word) {
            (Spelling::Doc, _) => word.to_owned(),
            (Spelling::Lifecycle, "FAILED") => "FAILURE".to_owned(),
            (Spelling::Lifecycle, "IN_PROGRESS" | "WAITING_FOR_RETRY" | "PENDING_FOR_APPROVAL") => {
                word.replace('_', " ")
            }
            (Spelling::Lifecycle, _) => word.to_owned(),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            settle: Duration::from_millis(1000),
            token_ttl: None,
            latency: Duration::ZERO,
            rate_limit: None,
            fault_rate: 0.0,
            seed: 0,
            visibility: Duration::ZERO,
            dedupe_lag: Duration::ZERO,
            approval_flow: false,
            balance: None,
            status_spelling: Spelling::Doc,
        }
    }
}

/// Which PayU API a token is for: one API's token opens nothing of another's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Api {
    India,
    Europe,
}

/// A token the sandbox issued.
struct Issued {
    api: Api,
    expires_at: Instant,
}

#[derive(Default)]
struct State {
    ledger: ledger::Ledger,
    tokens: HashMap<String, Issued>,
    europe: europe::Payouts,
    india: india::Transfers,
    /// Refresh tokens of PayU India's password grant still good for one use.
    refresh_tokens: std::collections::HashSet<String>,
    knobs: knobs::Knobs,
    chargeback: chargeback::Current,
    smart_send: smart_send::Links,
    webhooks: webhooks::Webhooks,
    /// How far the sandbox's clock runs ahead of the real one (`POST /__sandbox/clock`).
    clock_ahead: Duration,
    /// Ids handed out so far (tokens, payouts), for deterministic ids.
    issued: u64,
    /// PayU requests received since start or reset, by `"<METHOD> <path>"`.
    requests: std::collections::BTreeMap<String, u64>,
    /// Refusals for a repeated reference alone answered so far, and the seed: which of them
    /// come on the envelope rather than inside `data`.
    duplicates: u64,
    seed: u64,
}

impl State {
    /// Whether `headers` carry a live token of `api`.
    fn authorized(&self, api: Api, headers: &axum::http::HeaderMap) -> bool {
        self.live_token_api(headers) == Some(api)
    }

    /// Which API the live token `headers` carry is for, if they carry one.
    fn live_token_api(&self, headers: &axum::http::HeaderMap) -> Option<Api> {
        let token = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim());
        let issued = self.tokens.get(token?)?;
        (issued.expires_at > Instant::now()).then_some(issued.api)
    }

    /// Now by the sandbox's clock, which `POST /__sandbox/clock` moves ahead: every age the
    /// sandbox measures (settling, visibility, the dedupe lag, Europe's 14 days) is taken
    /// from it, so tests can drive time instead of sleeping.
    fn now(&self) -> Instant {
        Instant::now() + self.clock_ahead
    }

    /// The date and time by the sandbox's clock, for the dates PayU writes and filters on.
    fn wall_now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now()
            + chrono::Duration::from_std(self.clock_ahead).unwrap_or(chrono::Duration::zero())
    }

    /// Counts a refusal for a repeated reference alone; `Some(how many envelope-level ones
    /// came before)` when this one is answered on the envelope: every other one, the seed's
    /// parity deciding whether the first is (seed 0: the second, fourth, …).
    fn duplicate_on_envelope(&mut self) -> Option<u64> {
        let n = self.duplicates;
        self.duplicates += 1;
        (n.wrapping_add(self.seed) % 2 == 1).then_some(n / 2)
    }

    fn next_id(&mut self, salt: &str) -> String {
        self.issued += 1;
        let seed = format!("{salt}:{}", self.issued);
        format!("{:032x}", xxhash_rust::xxh3::xxh3_128(seed.as_bytes()))
    }
}

/// A sandbox's state, shared by its request handlers.
#[derive(Clone)]
pub struct Sandbox {
    state: Arc<Mutex<State>>,
    settings: Arc<Settings>,
}

impl Sandbox {
    pub fn new(settings: Settings) -> Sandbox {
        let mut state = State {
            knobs: knobs::Knobs::new(settings.seed),
            ..State::default()
        };
        state.india.funded = settings.balance;
        state.seed = settings.seed;
        Sandbox {
            state: Arc::new(Mutex::new(state)),
            settings: Arc::new(settings),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A handler that panicked cannot leave the ledger half-written: every change is one
        // statement under the lock. Carry on with what is there.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Every route PayU's hosts serve that the sandbox knows, and its own inspection routes.
    pub fn router(self) -> Router {
        Router::new()
            .route("/pl/standard/user/oauth/authorize", post(europe::authorize))
            .route("/api/v2_1/payouts", post(europe::create))
            .route("/api/v2_1/payouts/{payout_id}", get(europe::retrieve))
            .route("/oauth/token", post(india::token))
            .route("/payout/payment/cancel", post(india::cancel))
            .route(
                "/payout/merchant/getAccountDetail",
                get(india::account_detail),
            )
            .route("/payout/merchant/validateVpa", post(india::validate_vpa))
            .route("/payout/merchant/getIfscDetails", get(india::ifsc_details))
            .route("/payout/payment/verifyAccount", post(india::verify_account))
            .route("/api_auth", post(chargeback::token).get(chargeback::token))
            .route("/payout/v2/smartSend/link", post(smart_send::create))
            .route("/payout/v2/smartSend/status", get(smart_send::status))
            .route(
                "/payout/merchant/smartSend/details",
                get(smart_send::details),
            )
            .route(
                "/payout/v2/smartSend/bulkUpload/transfers",
                post(smart_send::upload),
            )
            .route(
                "/payout/v2/smartSend/bulkUpload/transfers/{file_id}",
                axum::routing::put(smart_send::process),
            )
            .route(
                "/payout/v2/bulkUpload/transfers/{file_id}",
                get(smart_send::file_status),
            )
            .route(
                "/payout/smartPay/cancel",
                post(smart_send::cancel_by_reference),
            )
            .route(
                "/payout/v2/smartSend/cancel/{smart_send_id}",
                axum::routing::put(smart_send::cancel_by_id),
            )
            .route(
                "/payout/v2/smartSend/expiry/{smart_send_id}",
                axum::routing::put(smart_send::extend_expiry),
            )
            .route("/payout/payment", post(india::initiate_v1))
            .route("/payout/v2/payment", post(india::initiate_v2))
            .route(
                "/payout/payment/listTransactions",
                post(india::list_transactions),
            )
            .route("/__sandbox/ledger", get(ledger::show))
            .route("/__sandbox/requests", get(ledger::requests))
            .route("/payout/smartPay", post(smart_send::create_v1))
            .route("/payout/smartPay/status", get(smart_send::status_v1))
            .route("/payout/v2/webhook", post(webhooks::set))
            .route("/payout/v2/webhook/", post(webhooks::set))
            .route("/__sandbox/reset", post(ledger::reset))
            .route("/__sandbox/clock", post(ledger::advance_clock))
            .route("/__sandbox/reverse", post(india::reverse))
            .route("/__sandbox/approve", post(approval::approve))
            .route("/__sandbox/deposit", post(india::deposit))
            .route("/payout/setQueueTxnFlag", post(india::set_queue_flag))
            .route("/__sandbox/reject", post(approval::reject))
            .layer(axum::middleware::from_fn_with_state(
                self.clone(),
                knobs::apply,
            ))
            .with_state(self)
    }
}

/// A sandbox serving on a thread of its own; it stops when this is dropped.
pub struct Running {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDRESS:PORT`, the base every API is served under.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serves until the process is stopped.
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// How long a connection may take to send a request's headers, and how long a kept-alive
/// connection may sit idle before its next one: a client that opens connections and says
/// nothing (or a byte at a time) cannot hold the sandbox's connections, or its file
/// descriptors, for longer than that.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Binds `listen` (port 0 picks a free one) and serves the sandbox on a thread of its own.
pub fn spawn(settings: Settings, listen: SocketAddr) -> std::io::Result<Running> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind(listen))?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let sandbox = Sandbox::new(settings);
    let router = sandbox.clone().router();
    // Events are looked for on the sandbox's own runtime, for as long as it serves.
    runtime.spawn(webhooks::tick(sandbox));
    let thread = std::thread::Builder::new()
        .name("sandbox".into())
        .spawn(move || runtime.block_on(serve(listener, router, stopped)))?;
    Ok(Running {
        addr,
        stop: Some(stop),
        thread: Some(thread),
    })
}

/// Accepts connections until `stopped`, each served by hyper's HTTP/1 with
/// [`HEADER_READ_TIMEOUT`] (`axum::serve` sets no timer, so no header timeout at all).
async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    loop {
        let accepted = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            // Out of file descriptors, or a connection reset before it was accepted: try
            // again shortly rather than spin.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let service = hyper_util::service::TowerToHyperService::new(router.clone());
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service);
            // A connection that breaks off is the client's business.
            let _ = connection.await;
        });
    }
}

/// Now, as text for the ledger.
fn timestamp() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
