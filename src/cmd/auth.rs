//! `auth check`: fetch a token from every API the environment configures (PayU India
//! payouts, PayU Europe, the chargeback portal) and say which work: the nightly job's
//! pre-flight. No token is ever printed.
//!
//! Exit codes: 0 every configured API gave a token; 1 some did not; 2 nothing could be
//! checked (no config, a secret that cannot be read).

use super::Exit;
use crate::Error;
use crate::client::auth::{Tokens, chargeback_token};
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
    let apis = &session.apis;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start: {e}")))?;
    let t = &apis.transport;
    let mut lines: Vec<(String, Result<String, String>)> = Vec::new();
    runtime.block_on(async {
        if let Some(india) = &apis.india {
            let r = try_tokens(t, &india.tokens).await;
            lines.push((
                format!("PayU India payouts (merchant {})", india.merchant_id),
                r,
            ));
        }
        if let Some(europe) = &apis.europe {
            let r = try_tokens(t, &europe.tokens).await;
            lines.push((format!("PayU Europe (shop {})", europe.shop_id), r));
        }
        if let Some(c) = &session.chargeback {
            let r = chargeback_token(t, &c.url, &c.email, &c.password)
                .await
                .map(|tok| format!("token issued, valid until {}", tok.expires_at))
                .map_err(|e| e.to_string());
            lines.push(("PayU India chargeback portal".to_owned(), r));
        }
    });
    if lines.is_empty() {
        return Err(Error::Usage(format!(
            "the {} environment configures no API to check",
            apis.env_name()
        )));
    }
    let mut failed = 0;
    println!("environment: {}", apis.env_name());
    for (api, r) in &lines {
        match r {
            Ok(ok) => println!("  ok      {api}: {ok}"),
            Err(why) => {
                failed += 1;
                println!("  FAILED  {api}: {why}");
            }
        }
    }
    Ok(if failed == 0 {
        Exit::AllGood
    } else {
        Exit::SomeRowsBad
    })
}

/// A token from `tokens`, said in words (never the token itself).
async fn try_tokens(t: &crate::client::Transport, tokens: &Tokens) -> Result<String, String> {
    tokens
        .bearer(t)
        .await
        .map(|_| format!("token issued ({})", tokens.grant().name()))
        .map_err(|e| e.to_string())
}
