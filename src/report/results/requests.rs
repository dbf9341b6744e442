//! The requests a run made of PayU, as the Summary sheet reports them.

/// The requests a run made of PayU (every one the limiter let go, token calls included).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Requests {
    pub made: u64,
    /// Answered 429 and waited out.
    pub throttled: u64,
    /// Without an answer (timeouts, dropped connections, 5xx).
    pub unanswered: u64,
}

impl Requests {
    pub fn of(counters: &crate::client::Counters) -> Requests {
        let load = |a: &std::sync::atomic::AtomicU64| a.load(std::sync::atomic::Ordering::Relaxed);
        Requests {
            made: load(&counters.requests),
            throttled: load(&counters.throttled),
            unanswered: load(&counters.unanswered),
        }
    }
}
