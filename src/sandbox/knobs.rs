//! The sandbox's knobs (architecture.md §4.3): latency, a request-rate limit answered with 429 and
//! `Retry-After`, and seeded faults. They apply to PayU's paths only: `/__sandbox/*` always
//! answers, so that tests can see what happened.

use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Sandbox;

/// What a request runs into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// A 500 before anything is done.
    ServerError,
    /// The connection drops before anything is done.
    DropBefore,
    /// The request is handled (a payout may be recorded), then the connection drops.
    LoseAnswer,
}

/// The knobs' own state: the rate window and the fault sequence.
pub(super) struct Knobs {
    started: Instant,
    window: u64,
    in_window: u32,
    rng: u64,
}

impl Default for Knobs {
    fn default() -> Self {
        Knobs::new(0)
    }
}

impl Knobs {
    pub(super) fn new(seed: u64) -> Knobs {
        Knobs {
            started: Instant::now(),
            window: 0,
            in_window: 0,
            rng: seed,
        }
    }

    /// SplitMix64: a small, well-known generator, enough to make faults repeatable.
    fn next(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Counts a request against the rate; `Some(seconds to wait)` when it is over.
    fn over_rate(&mut self, limit: u32) -> Option<u64> {
        let elapsed = self.started.elapsed();
        let window = elapsed.as_secs();
        if window != self.window {
            self.window = window;
            self.in_window = 0;
        }
        self.in_window += 1;
        (self.in_window > limit).then_some(1)
    }

    fn fault(&mut self, rate: f64) -> Option<Fault> {
        if rate <= 0.0 {
            return None;
        }
        let draw = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        if draw >= rate {
            return None;
        }
        Some(match self.next() % 3 {
            0 => Fault::ServerError,
            1 => Fault::DropBefore,
            _ => Fault::LoseAnswer,
        })
    }
}

/// A response whose body fails before a byte is sent: the server closes the connection and
/// the client gets no answer at all.
fn dropped() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("the sandbox dropped this connection"))
    });
    Response::new(Body::from_stream(failing))
}

pub(super) async fn apply(
    State(sandbox): State<Sandbox>,
    request: Request,
    next: Next,
) -> Response {
    if request.uri().path().starts_with("/__sandbox/") {
        return next.run(request).await;
    }
    // Counted as it arrives, whatever it then meets (429, a fault, the latency): the client
    // made it. The path is counted without its query.
    let key = format!("{} {}", request.method(), request.uri().path());
    *sandbox.state().requests.entry(key).or_default() += 1;
    let settings = sandbox.settings.clone();
    if !settings.latency.is_zero() {
        tokio::time::sleep(settings.latency).await;
    }
    let (over, fault) = {
        let mut state = sandbox.state();
        let over = settings
            .rate_limit
            .and_then(|limit| state.knobs.over_rate(limit));
        let fault = if over.is_none() {
            state.knobs.fault(settings.fault_rate)
        } else {
            None
        };
        (over, fault)
    };
    if let Some(wait) = over {
        let mut response = (StatusCode::TOO_MANY_REQUESTS, "Too Many Requests").into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return response;
    }
    match fault {
        None => next.run(request).await,
        Some(Fault::ServerError) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()
        }
        Some(Fault::DropBefore) => dropped(),
        Some(Fault::LoseAnswer) => {
            let _handled = next.run(request).await;
            dropped()
        }
    }
}
