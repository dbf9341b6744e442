//! Run a local PayU on loopback, for rehearsals and tests: no account, no network.
//!
//! Prints `listening on http://ADDRESS:PORT` as its first line, then serves until stopped.
//! With `--listen 127.0.0.1:0` it binds a free port. What it serves so far is in the README.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use super::Exit;
use crate::Error;
use crate::sandbox::{Settings, spawn};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The address to serve on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// How long an accepted payout stays in progress before reaching its final state.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub settle_ms: u64,
    /// How long a token lives, in seconds (default: PayU's own lifetimes).
    #[arg(long, value_name = "S")]
    pub token_ttl: Option<u64>,
    /// How long every PayU request waits before it is handled, in milliseconds.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub latency_ms: u64,
    /// PayU requests served per second (at least 1); more are answered 429 with Retry-After.
    #[arg(long, value_name = "N", value_parser = per_second)]
    pub rate_limit: Option<u32>,
    /// The share of PayU requests (0 to 1) that meet a fault: a 500, a connection dropped
    /// before the request is handled, or one dropped after (the payout recorded, the answer
    /// lost).
    #[arg(long, value_name = "P", default_value_t = 0.0, value_parser = share)]
    pub fault_rate: f64,
    /// Seeds the faults, so that the same requests meet the same faults.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
    /// Milliseconds after it is recorded before a payout or link shows in any status lookup
    /// (until then lookups answer as for a reference never seen).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub visibility_ms: u64,
    /// Milliseconds after a reference is recorded during which a repeat of it is recorded
    /// (and paid) as a second payout instead of refused as a duplicate.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub dedupe_lag_ms: u64,
    /// The dashboard's approval flow: with `on`, transfers and links sent without
    /// `disableApprovalFlow: true` wait for `POST /__sandbox/approve` or `/__sandbox/reject`.
    #[arg(long, value_name = "on|off", default_value = "off", value_parser = on_off, action = clap::ArgAction::Set)]
    pub approval_flow: bool,
    /// The India account's balance in rupees (default: topped up as needed). Transfers
    /// beyond it stay QUEUED until `POST /__sandbox/deposit`.
    #[arg(long, value_name = "AMOUNT", value_parser = rupees)]
    pub balance: Option<rust_decimal::Decimal>,
    /// How transfer statuses are spelled: `doc` (IN_PROGRESS, FAILED…) or `lifecycle` (IN
    /// PROGRESS, FAILURE…, and one transfer in five through an undocumented ON_HOLD).
    #[arg(long, value_name = "doc|lifecycle", default_value = "doc", value_parser = spelling)]
    pub status_spelling: crate::sandbox::Spelling,
}

fn spelling(text: &str) -> Result<crate::sandbox::Spelling, String> {
    match text {
        "doc" => Ok(crate::sandbox::Spelling::Doc),
        "lifecycle" => Ok(crate::sandbox::Spelling::Lifecycle),
        _ => Err(format!("'{text}' is not doc or lifecycle")),
    }
}

fn rupees(text: &str) -> Result<rust_decimal::Decimal, String> {
    match text.trim().parse::<rust_decimal::Decimal>() {
        Ok(d) if d >= rust_decimal::Decimal::ZERO && d.normalize().scale() <= 2 => Ok(d),
        _ => Err(format!(
            "'{text}' is not an amount in rupees (at most 2 decimals)"
        )),
    }
}

fn on_off(text: &str) -> Result<bool, String> {
    match text {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(format!("'{text}' is not on or off")),
    }
}

/// A rate of at least 1: a sandbox that lets nothing through would only stall its callers.
fn per_second(text: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(0) => Err("must be at least 1 request per second".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!(
            "'{text}' is not a whole number of requests per second"
        )),
    }
}

/// What to say, loudly, when the sandbox can be reached from other machines: anyone who can
/// reach it can use it, and its credentials are printed in the README and in this binary.
fn exposure(addr: SocketAddr) -> Option<String> {
    let ip = addr.ip();
    if ip.is_loopback() {
        return None;
    }
    let reach = if ip.is_unspecified() {
        format!("EVERY network interface of this machine ({ip})")
    } else {
        format!("{ip}, which other machines can reach")
    };
    Some(format!(
        "WARNING: the sandbox serves {reach}; its credentials are public (they are in the README), so anyone who can reach it can use it. Use --listen 127.0.0.1:0 unless that is what you want."
    ))
}

fn share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("'{text}' is not a share from 0 to 1")),
    }
}

pub fn run(args: &Args) -> Result<Exit, Error> {
    let config = Settings {
        settle: Duration::from_millis(args.settle_ms),
        token_ttl: args.token_ttl.map(Duration::from_secs),
        latency: Duration::from_millis(args.latency_ms),
        rate_limit: args.rate_limit,
        fault_rate: args.fault_rate,
        seed: args.seed,
        visibility: Duration::from_millis(args.visibility_ms),
        dedupe_lag: Duration::from_millis(args.dedupe_lag_ms),
        approval_flow: args.approval_flow,
        balance: args.balance,
        status_spelling: args.status_spelling,
    };
    let running = spawn(config, args.listen)
        .map_err(|e| Error::Usage(format!("the sandbox cannot listen on {}: {e}", args.listen)))?;
    if let Some(warning) = exposure(running.addr()) {
        eprintln!("{warning}");
    }
    let mut out = std::io::stdout();
    // The first line is a contract: scripts and tests read the address from it.
    let _ = writeln!(out, "listening on {}", running.url());
    let _ = out.flush();
    running.wait();
    Ok(Exit::AllGood)
}
