//! Run a local PayU on loopback, for rehearsals and tests: no account, no network.
//!
//! Prints `listening on http://ADDRESS:PORT` as its first line, then serves until stopped.
//! With `--listen 127.0.0.1:0` it binds a free port. Built so far: PayU Europe's OAuth and
//! payouts, and `/__sandbox/ledger` and `/__sandbox/reset` (see the README).

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use super::Outcome;
use crate::Error;
use crate::sandbox::{Config, spawn};

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
}

pub fn run(args: &Args) -> Result<Outcome, Error> {
    let config = Config {
        settle: Duration::from_millis(args.settle_ms),
        token_ttl: args.token_ttl.map(Duration::from_secs),
    };
    let running = spawn(config, args.listen)
        .map_err(|e| Error::Usage(format!("the sandbox cannot listen on {}: {e}", args.listen)))?;
    let mut out = std::io::stdout();
    // The first line is a contract: scripts and tests read the address from it.
    let _ = writeln!(out, "listening on {}", running.url());
    let _ = out.flush();
    running.wait();
    Ok(Outcome::AllGood)
}
