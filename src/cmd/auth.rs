//! `auth check`: fetch a token from every API the environment configures (PayU India
//! payouts, PayU Europe, the chargeback portal) and say which work: the nightly job's
//! pre-flight. No token is ever printed.
//!
//! Exit codes: 0 every configured API gave a token; 1 some did not; 2 nothing could be
//! checked (no config, a secret that cannot be read).

use super::Exit;
use crate::Error;
use crate::session::{self, Where};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub what: What,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum What {
    /// Fetch a token from each configured API and say which work.
    Check(CheckArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub at: Where,
}

pub fn run(args: &Args) -> Result<Exit, Error> {
    let What::Check(check) = &args.what;
    let config = session::load_config(&check.at)?;
    let session = session::connect(&check.at, config.as_ref(), |env, rate| {
        session::pace(env, rate, None, None, None)
    })?;
    let checks = session.check_tokens()?;
    println!("environment: {}", session.apis.env_name());
    let mut failed = 0;
    for c in &checks {
        match &c.result {
            Ok(ok) => println!("  ok      {}: {ok}", c.api),
            Err(why) => {
                failed += 1;
                println!("  FAILED  {}: {why}", c.api);
            }
        }
    }
    Ok(if failed == 0 {
        Exit::AllGood
    } else {
        Exit::SomeRowsBad
    })
}
