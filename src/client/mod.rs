//! The PayU clients: HTTP for the typed requests of [`crate::payu`]. They know nothing of
//! sheets: they take PayU's requests and hand back PayU's answers, or say that no answer came.
//!
//! Every request of a run goes through one [`Transport`]: one GCRA limiter (`governor`) paces
//! them all (payments, status queries and token calls alike), at most `concurrency` are in
//! flight, and a `429` pauses every request until its `Retry-After` has passed. Whether a
//! request that got no answer may be sent again is the caller's decision: queries and token
//! calls are retried here with backoff; payments are not (the caller reconciles them).

pub mod auth;
pub mod europe;
pub mod india;
pub mod smart_send;

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::{RequestBuilder, StatusCode};
use tokio::sync::Semaphore;
use tokio::time::Instant;

/// Makes rustls' `ring` provider the process's (the first call does; later ones do
/// nothing). Every HTTP client needs it: `ring` builds with a plain C compiler, where the
/// default provider would need cmake.
pub fn install_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// How a run paces its requests.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// Requests per second, every request of the run counted.
    pub rate: NonZeroU32,
    /// How many may go at once after a quiet spell.
    pub burst: NonZeroU32,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// How long a request may take before it counts as unanswered.
    pub timeout: Duration,
    /// How long a request answered only `429` is waited on (after [`THROTTLE_TRIES`] tries)
    /// before it is given up: a PayU that lets nothing through stops the run with a reason,
    /// never stalls it silently. `submit` makes it its `--wait`.
    pub patience: Duration,
}

/// Called the moment a payment's request leaves (after the limiter, the token and any 429
/// pause; again for each send of it): the caller records when, for the visibility window
/// counts from there.
pub type OnLeave<'a> = &'a dyn Fn();

/// A request body with `disableApprovalFlow: true` on it (or on each of its items, for a
/// list): the payout skips the dashboard's maker/checker approval (§4.1, §12.2).
pub fn without_approval(body: &impl serde::Serialize) -> serde_json::Value {
    let mut v = serde_json::to_value(body).unwrap_or(serde_json::Value::Null);
    let set = |o: &mut serde_json::Value| {
        if let Some(o) = o.as_object_mut() {
            o.insert("disableApprovalFlow".into(), serde_json::Value::Bool(true));
        }
    };
    match &mut v {
        serde_json::Value::Array(items) => items.iter_mut().for_each(set),
        other => set(other),
    }
    v
}

/// An answer PayU gave: its HTTP status and body. A `429` is never one (it is waited out).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body, decoded as `T`.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, String> {
        serde_json::from_slice(&self.body).map_err(|e| {
            format!(
                "PayU answered HTTP {} with a body the tool cannot read ({e}): {}",
                self.status.as_u16(),
                self.snippet()
            )
        })
    }

    /// The start of the body, for a message.
    pub fn snippet(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let mut s: String = text.chars().take(200).collect();
        if text.chars().count() > 200 {
            s.push('…');
        }
        s
    }
}

/// Why a call ended without a usable answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    /// No definitive answer: a timeout, a dropped connection, a 5xx. The request may or may
    /// not have been processed.
    #[error("no answer from PayU: {0}")]
    NoAnswer(String),
    /// No token could be had, or PayU refused a fresh one: nothing was processed.
    #[error("{0}")]
    Auth(String),
    /// PayU answered `429` to every try for longer than the run's patience: nothing was
    /// processed.
    #[error("{0}")]
    Throttled(String),
    /// PayU answered in a way the tool cannot read.
    #[error("{0}")]
    Unreadable(String),
}

/// What a request is, for the summary's count of `requests` (architecture.md §3.4): every
/// request that leaves counts once in exactly one class, the one its caller names (never
/// guessed from a URL, which PayU may move).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Moves or stops money: a payment, a link, a bulk upload, processing a file, a cancel.
    Send,
    /// Asks: listTransactions, a link's, a file's or a payout's status, the balance.
    Status,
    /// A token call.
    Token,
}

/// What the transport counted: for the progress line and the summary.
#[derive(Debug, Default)]
pub struct Counters {
    /// Every request that left (the sum of `send`, `status` and `token`).
    pub requests: AtomicU64,
    pub send: AtomicU64,
    pub status: AtomicU64,
    pub token: AtomicU64,
    /// Requests that repeat an earlier attempt of the same call: after a 429, after no
    /// answer (safe calls), after a 401 (with a fresh token).
    pub retried: AtomicU64,
    /// `429` answers waited out.
    pub throttled: AtomicU64,
    /// Requests that got no answer (and were retried or handed back).
    pub unanswered: AtomicU64,
    /// Milliseconds spent paused after 429s and in backoff.
    pub waited_ms: AtomicU64,
}

impl Counters {
    /// Counts a request leaving: once, in its class, and as a repeat when it is one.
    fn leaving(&self, class: Class, repeat: bool) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let counter = match class {
            Class::Send => &self.send,
            Class::Status => &self.status,
            Class::Token => &self.token,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        if repeat {
            self.retried.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The one way a run's requests leave.
pub struct Transport {
    http: reqwest::Client,
    limiter: DefaultDirectRateLimiter,
    slots: Semaphore,
    /// Every request waits until then (set by a 429).
    paused_until: Mutex<Option<Instant>>,
    jitter: Mutex<u64>,
    pub counters: Counters,
    patience: Duration,
}

/// The longest a backoff waits.
const BACKOFF_CAP: Duration = Duration::from_secs(8);
const BACKOFF_BASE: Duration = Duration::from_millis(100);
/// How many times a safe request (a query, a token) is tried before giving up.
const SAFE_TRIES: u32 = 6;
/// The longest one `Retry-After` is waited: a minute (a larger one is taken as a minute, so
/// that a hostile or mistaken answer cannot stall the run for days).
const RETRY_AFTER_CAP: Duration = Duration::from_secs(60);
/// How many `429`s in a row one request takes at the least before it may be given up.
pub const THROTTLE_TRIES: u32 = 20;

/// The longest the `attempt`th backoff may wait: `base · 2^attempt`, at most the cap.
fn ceiling(attempt: u32) -> Duration {
    BACKOFF_BASE
        .saturating_mul(1u32 << attempt.min(16))
        .min(BACKOFF_CAP)
}

impl Transport {
    pub fn new(pace: Pace) -> Result<Transport, String> {
        install_tls();
        let http = reqwest::Client::builder()
            .timeout(pace.timeout)
            .connect_timeout(pace.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("payu-bulk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot set up HTTPS: {e}"))?;
        let quota = Quota::per_second(pace.rate).allow_burst(pace.burst);
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x2545_f491, |d| d.as_nanos() as u64);
        Ok(Transport {
            http,
            limiter: RateLimiter::direct(quota),
            slots: Semaphore::new(pace.concurrency.max(1)),
            paused_until: Mutex::new(None),
            jitter: Mutex::new(seed | 1),
            counters: Counters::default(),
            patience: pace.patience,
        })
    }

    /// A random fraction in [0, 1) for jitter (xorshift: enough to spread retries apart).
    fn random(&self) -> f64 {
        let mut s = self.jitter.lock().unwrap_or_else(|p| p.into_inner());
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        (*s >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Exponential backoff with full jitter: a random wait between zero and `base ·
    /// 2^attempt`, capped, so that workers that failed together come back spread apart.
    pub fn backoff(&self, attempt: u32) -> Duration {
        ceiling(attempt).mul_f64(self.random())
    }

    /// Waits `d`, counted as a wait.
    pub async fn wait(&self, d: Duration) {
        self.counters
            .waited_ms
            .fetch_add(d.as_millis() as u64, Ordering::Relaxed);
        tokio::time::sleep(d).await;
    }

    async fn wait_out_pause(&self) {
        loop {
            let until = *self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
            match until {
                Some(t) if t > Instant::now() => self.wait(t - Instant::now()).await,
                _ => return,
            }
        }
    }

    fn pause(&self, d: Duration) {
        let mut until = self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
        let t = Instant::now() + d;
        if until.is_none_or(|u| u < t) {
            *until = Some(t);
        }
    }

    /// Sends a request of `class` that may safely be repeated (a query, a token), retrying
    /// with backoff when no answer comes.
    pub async fn send_safe(
        &self,
        class: Class,
        make: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<Answer, CallError> {
        self.send_safe_with(None, class, false, |c, _| make(c))
            .await
            .map(|(a, _)| a)
    }

    /// As [`Transport::send_with`], retried with backoff when no answer comes (each retry
    /// counted as one).
    pub(crate) async fn send_safe_with(
        &self,
        tokens: Option<&auth::Tokens>,
        class: Class,
        repeat: bool,
        make: impl Fn(&reqwest::Client, &str) -> RequestBuilder,
    ) -> Result<(Answer, String), CallError> {
        let mut attempt = 0;
        loop {
            match self
                .send_with(tokens, class, repeat || attempt > 0, &make)
                .await
            {
                Err(CallError::NoAnswer(_)) if attempt + 1 < SAFE_TRIES => {
                    self.wait(self.backoff(attempt)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Sends a request of `class` once (`repeat`: it repeats an earlier attempt of the same
    /// call), with a token from `tokens` taken only after the limiter let the request go (a
    /// token fetched before a long wait in line could expire on the way): the answer and
    /// the token it carried. Every try after a 429 counts as a repeat.
    pub(crate) async fn send_with(
        &self,
        tokens: Option<&auth::Tokens>,
        class: Class,
        repeat: bool,
        make: impl Fn(&reqwest::Client, &str) -> RequestBuilder,
    ) -> Result<(Answer, String), CallError> {
        let mut throttled = 0u32;
        let mut throttled_since: Option<Instant> = None;
        let mut repeat = repeat;
        loop {
            self.wait_out_pause().await;
            self.limiter.until_ready().await;
            let token = match tokens {
                // Boxed: fetching a token sends a request itself.
                Some(t) => Box::pin(t.bearer(self)).await?,
                None => String::new(),
            };
            let permit = self.slots.acquire().await;
            self.counters.leaving(class, repeat);
            let sent = make(&self.http, &token).send().await;
            let response = match sent {
                Ok(r) => r,
                Err(e) => {
                    drop(permit);
                    self.counters.unanswered.fetch_add(1, Ordering::Relaxed);
                    return Err(CallError::NoAnswer(describe(&e)));
                }
            };
            let status = response.status();
            if status == StatusCode::TOO_MANY_REQUESTS {
                drop(permit);
                self.counters.throttled.fetch_add(1, Ordering::Relaxed);
                let since = *throttled_since.get_or_insert_with(Instant::now);
                if throttled + 1 >= THROTTLE_TRIES && since.elapsed() >= self.patience {
                    return Err(CallError::Throttled(format!(
                        "PayU answered 429 (too many requests) {} times in a row over {}s; given up rather than wait on: lower --rate, or try later",
                        throttled + 1,
                        since.elapsed().as_secs()
                    )));
                }
                let after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(|secs| Duration::from_secs(secs).min(RETRY_AFTER_CAP));
                // Retry-After when PayU gives one, else a backoff; a little jitter either way
                // so that the workers do not all come back in the same millisecond.
                let wait = after.unwrap_or_else(|| self.backoff(throttled))
                    + Duration::from_millis(5).mul_f64(1.0 + 10.0 * self.random());
                self.pause(wait);
                throttled = throttled.saturating_add(1);
                repeat = true;
                continue;
            }
            let body = response.bytes().await;
            drop(permit);
            let body = match body {
                Ok(b) => b.to_vec(),
                Err(e) => {
                    self.counters.unanswered.fetch_add(1, Ordering::Relaxed);
                    return Err(CallError::NoAnswer(describe(&e)));
                }
            };
            if status.is_server_error() {
                self.counters.unanswered.fetch_add(1, Ordering::Relaxed);
                let answer = Answer { status, body };
                return Err(CallError::NoAnswer(format!(
                    "HTTP {} {}",
                    status.as_u16(),
                    answer.snippet()
                )));
            }
            return Ok((Answer { status, body }, token));
        }
    }
}

/// A transport error in one line, without the URL's query (which never holds secrets, but
/// need not be repeated).
fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the connection broke off during the answer"
    } else {
        "the connection failed"
    };
    match e.url() {
        Some(u) => format!("{what} ({}{})", u.host_str().unwrap_or(""), u.path()),
        None => what.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transport() -> Transport {
        Transport::new(Pace {
            rate: NonZeroU32::new(10).unwrap(),
            burst: NonZeroU32::new(1).unwrap(),
            concurrency: 2,
            timeout: Duration::from_secs(5),
            patience: Duration::from_secs(5),
        })
        .unwrap()
    }

    #[test]
    fn backoff_is_full_jitter_under_a_growing_capped_ceiling() {
        let t = transport();
        // A fixed seed, so that the draws are the same every run.
        *t.jitter.lock().unwrap() = 0x9E37_79B9_7F4A_7C15;
        let ceilings: Vec<Duration> = (0..20).map(ceiling).collect();
        assert_eq!(ceilings[0], BACKOFF_BASE);
        assert!(ceilings.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(ceilings[19], BACKOFF_CAP);
        let mut below_half = 0;
        for round in 0..50 {
            for (attempt, &top) in ceilings.iter().enumerate() {
                let d = t.backoff(attempt as u32);
                assert!(d < top, "round {round}, attempt {attempt}: {d:?} ≥ {top:?}");
                if d < top / 2 {
                    below_half += 1;
                }
            }
        }
        // Full jitter draws from the whole range: about half the waits are under half the
        // ceiling (equal jitter would give none).
        assert!((300..=700).contains(&below_half), "{below_half} of 1000");
    }

    #[test]
    fn skipping_approval_marks_every_item() {
        let one = without_approval(&serde_json::json!({"merchantRefId": "R1"}));
        assert_eq!(one["disableApprovalFlow"], true);
        let many = without_approval(&serde_json::json!([{"a": 1}, {"a": 2}]));
        assert!(
            many.as_array()
                .unwrap()
                .iter()
                .all(|i| i["disableApprovalFlow"] == true)
        );
    }

    #[test]
    fn a_pause_only_moves_later() {
        let t = transport();
        t.pause(Duration::from_secs(5));
        let first = t.paused_until.lock().unwrap().unwrap();
        t.pause(Duration::from_millis(1));
        assert_eq!(t.paused_until.lock().unwrap().unwrap(), first);
    }
}
