//! What every command that talks to PayU shares: which environment, which URLs, which
//! accounts with which secrets, and (for `--env sandbox` without `--base-url`) a sandbox
//! started in-process on a free loopback port; with the pace, the journal's default place,
//! the durations and the terminal's yes those commands read. The commands call it; it knows
//! nothing of them.

use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use crate::Error;
use crate::client::auth::{Grant, Tokens, chargeback_token};
use crate::client::{Pace, Transport};
use crate::config::{Config, Endpoints, Env, Secret, check_url};
use crate::payu::auth::{INDIA_PUBLIC_CLIENT_ID_PRODUCTION, INDIA_PUBLIC_CLIENT_ID_TEST};
use crate::sandbox;
use crate::submit::{Apis, EuropeAccount, IndiaAccount};

/// Where a run goes.
#[derive(Debug, Clone, clap::Args)]
pub struct Where {
    /// The environment (default: the config's `env`, else sandbox).
    #[arg(long, value_enum)]
    pub env: Option<Env>,
    /// A TOML file with environments, merchant ids, limits and where secrets are read from.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Every API at one host: a sandbox started by `payu-bulk sandbox`, or a PayU test host.
    /// https, or plain http to 127.0.0.0/8, `[::1]` or localhost only; no user name or password.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
}

/// The chargeback portal login, for `auth check`.
pub struct ChargebackLogin {
    pub url: String,
    pub email: String,
    pub password: String,
}

/// A connected run.
pub struct Session {
    pub apis: Apis,
    pub chargeback: Option<ChargebackLogin>,
    /// The requests per second the environment allows, when the config says.
    pub rate: Option<u32>,
    /// The in-process sandbox, served for as long as the session lives.
    pub sandbox: Option<sandbox::Running>,
}

/// One API of the environment and whether it issued a token, said in words (never the token).
pub struct TokenCheck {
    pub api: String,
    pub result: Result<String, String>,
}

impl Session {
    /// Asks every API the environment configures (PayU India payouts, PayU Europe, the
    /// chargeback portal) for a token: `auth check`. An environment that configures none is
    /// a usage error.
    pub fn check_tokens(&self) -> Result<Vec<TokenCheck>, Error> {
        let apis = &self.apis;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Usage(format!("cannot start: {e}")))?;
        let t = &apis.transport;
        let mut checks = Vec::new();
        runtime.block_on(async {
            if let Some(india) = &apis.india {
                checks.push(TokenCheck {
                    api: format!("PayU India payouts (merchant {})", india.merchant_id),
                    result: try_tokens(t, &india.tokens).await,
                });
            }
            if let Some(europe) = &apis.europe {
                checks.push(TokenCheck {
                    api: format!("PayU Europe (shop {})", europe.shop_id),
                    result: try_tokens(t, &europe.tokens).await,
                });
            }
            if let Some(c) = &self.chargeback {
                let result = chargeback_token(t, &c.url, &c.email, &c.password)
                    .await
                    .map(|tok| format!("token issued, valid until {}", tok.expires_at))
                    .map_err(|e| e.to_string());
                checks.push(TokenCheck {
                    api: "PayU India chargeback portal".to_owned(),
                    result,
                });
            }
        });
        if checks.is_empty() {
            return Err(Error::Usage(format!(
                "the {} environment configures no API to check",
                apis.env_name()
            )));
        }
        Ok(checks)
    }
}

/// A token from `tokens`, said in words (never the token itself).
async fn try_tokens(t: &Transport, tokens: &Tokens) -> Result<String, String> {
    tokens
        .bearer(t)
        .await
        .map(|_| format!("token issued ({})", tokens.grant().name()))
        .map_err(|e| e.to_string())
}

fn secret(path: &std::path::Path, what: &str, s: &Secret) -> Result<String, Error> {
    s.resolve()
        .map_err(|why| Error::format(path, format!("{what}: {why}")))
}

/// The environment a command runs against.
pub fn env_of(w: &Where, config: Option<&Config>) -> Env {
    w.env
        .or_else(|| config.and_then(|c| c.env))
        .unwrap_or(Env::Sandbox)
}

/// The config file, when one is named.
pub fn load_config(w: &Where) -> Result<Option<Config>, Error> {
    w.config.as_deref().map(Config::load).transpose()
}

/// The rate, burst and concurrency a run uses: the flags, else the config's rate, else the
/// defaults (50 per second on the sandbox, 5 elsewhere: PayU does not publish its limits).
pub fn pace(
    env: Env,
    config_rate: Option<u32>,
    rate: Option<u32>,
    burst: Option<u32>,
    concurrency: Option<usize>,
) -> Result<Pace, Error> {
    let default = if env == Env::Sandbox { 50 } else { 5 };
    let rate = rate.or(config_rate).unwrap_or(default);
    let rate = NonZeroU32::new(rate)
        .ok_or_else(|| Error::Usage("--rate must be at least 1 request per second".into()))?;
    let burst = NonZeroU32::new(burst.unwrap_or(1))
        .ok_or_else(|| Error::Usage("--burst must be at least 1".into()))?;
    let concurrency = concurrency.unwrap_or(8);
    if concurrency == 0 {
        return Err(Error::Usage("--concurrency must be at least 1".into()));
    }
    Ok(Pace {
        rate,
        burst,
        concurrency,
        timeout: Duration::from_secs(30),
        patience: Duration::from_secs(30),
    })
}

/// A count that must be at least 1 (`--batch-size`): 0 would send nothing, forever.
pub fn at_least_one(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("'{s}' is not a whole number")),
    }
}

/// Connects to `env`: the sandbox's built-in accounts, or the config's.
pub fn connect(
    w: &Where,
    config: Option<&Config>,
    pace_of: impl FnOnce(Env, Option<u32>) -> Result<Pace, Error>,
) -> Result<Session, Error> {
    let env = env_of(w, config);
    if let Some(base) = &w.base_url {
        check_url("--base-url", base).map_err(Error::Usage)?;
    }
    if env == Env::Sandbox {
        return sandbox_session(w, pace_of(env, None)?);
    }
    let path = w.config.as_deref().ok_or_else(|| {
        Error::Usage(format!(
            "--env {}: give --config with the accounts of that environment (see samples/payu-bulk.toml)",
            env_name(env)
        ))
    })?;
    let environment = config
        .and_then(|c| c.environments.get(&env))
        .ok_or_else(|| {
            Error::format(
                path,
                format!("has no [environments.{}] section", env_name(env)),
            )
        })?;
    let endpoints = match &w.base_url {
        Some(base) => Endpoints::at_base(base),
        None => environment
            .endpoints(env)
            .map_err(|why| Error::format(path, why))?,
    };
    let transport = Transport::new(pace_of(env, environment.rate)?).map_err(Error::Usage)?;
    let india = match &environment.india {
        None => None,
        Some(i) => {
            let grant = match (&i.username, &i.password, &i.client_id, &i.client_secret) {
                (Some(u), Some(p), _, _) => Grant::IndiaPassword {
                    client_id: i.public_client_id.clone().unwrap_or_else(|| {
                        match env {
                            Env::Production => INDIA_PUBLIC_CLIENT_ID_PRODUCTION,
                            _ => INDIA_PUBLIC_CLIENT_ID_TEST,
                        }
                        .to_owned()
                    }),
                    username: secret(path, "india.username", u)?,
                    password: secret(path, "india.password", p)?,
                },
                (_, _, Some(id), Some(s)) => Grant::IndiaPrivate {
                    client_id: id.clone(),
                    client_secret: secret(path, "india.client_secret", s)?,
                },
                _ => {
                    return Err(Error::format(
                        path,
                        format!(
                            "[environments.{}.india] needs username and password, or client_id and client_secret",
                            env_name(env)
                        ),
                    ));
                }
            };
            Some(IndiaAccount {
                tokens: Tokens::new(grant, endpoints.india_token.clone()),
                merchant_id: i.merchant_id.clone(),
            })
        }
    };
    let europe = match &environment.europe {
        None => None,
        Some(e) => Some(EuropeAccount {
            tokens: Tokens::new(
                Grant::Europe {
                    pos_id: e.pos_id.clone(),
                    client_secret: secret(path, "europe.client_secret", &e.client_secret)?,
                },
                format!("{}/pl/standard/user/oauth/authorize", endpoints.europe_host),
            ),
            shop_id: e.shop_id.clone(),
        }),
    };
    let chargeback = match &environment.chargeback {
        None => None,
        Some(c) => Some(ChargebackLogin {
            url: endpoints.chargeback_token.clone(),
            email: secret(path, "chargeback.email", &c.email)?,
            password: secret(path, "chargeback.password", &c.password)?,
        }),
    };
    Ok(Session {
        apis: Apis {
            transport,
            endpoints,
            env,
            india,
            europe,
        },
        chargeback,
        rate: environment.rate,
        sandbox: None,
    })
}

pub fn env_name(env: Env) -> &'static str {
    match env {
        Env::Sandbox => "sandbox",
        Env::Uat => "uat",
        Env::Production => "production",
    }
}

/// The sandbox with its built-in accounts (architecture.md §4.3): at `--base-url`, or in-process.
fn sandbox_session(w: &Where, pace: Pace) -> Result<Session, Error> {
    let (base, running) = match &w.base_url {
        Some(base) => (base.trim_end_matches('/').to_owned(), None),
        None => {
            let listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
            let running = sandbox::spawn(sandbox::Settings::default(), listen)
                .map_err(|e| Error::Usage(format!("cannot start the in-process sandbox: {e}")))?;
            (running.url(), Some(running))
        }
    };
    let endpoints = Endpoints::at_base(&base);
    let transport = Transport::new(pace).map_err(Error::Usage)?;
    let india = IndiaAccount {
        tokens: Tokens::new(
            Grant::IndiaPassword {
                client_id: INDIA_PUBLIC_CLIENT_ID_TEST.to_owned(),
                username: sandbox::INDIA_USERNAME.to_owned(),
                password: sandbox::INDIA_PASSWORD.to_owned(),
            },
            endpoints.india_token.clone(),
        ),
        merchant_id: sandbox::INDIA_MERCHANT_ID.to_owned(),
    };
    let europe = EuropeAccount {
        tokens: Tokens::new(
            Grant::Europe {
                pos_id: sandbox::EUROPE_POS_ID.to_owned(),
                client_secret: sandbox::EUROPE_POS_SECRET.to_owned(),
            },
            format!("{}/pl/standard/user/oauth/authorize", endpoints.europe_host),
        ),
        shop_id: sandbox::EUROPE_SHOP_ID.to_owned(),
    };
    let chargeback = ChargebackLogin {
        url: endpoints.chargeback_token.clone(),
        email: sandbox::CHARGEBACK_EMAIL.to_owned(),
        password: sandbox::CHARGEBACK_PASSWORD.to_owned(),
    };
    Ok(Session {
        apis: Apis {
            transport,
            endpoints,
            env: Env::Sandbox,
            india: Some(india),
            europe: Some(europe),
        },
        chargeback: Some(chargeback),
        rate: None,
        sandbox: running,
    })
}

/// Where the journal lives unless `--journal` says: `payu-bulk/journal.sqlite` in the user's
/// data folder, as each system names it (`dirs::data_dir`): `$XDG_DATA_HOME` or
/// `~/.local/share` on Linux, `~/Library/Application Support` on macOS, `%APPDATA%` on
/// Windows.
pub fn default_journal() -> Result<PathBuf, Error> {
    let base = dirs::data_dir().ok_or_else(|| {
        Error::Usage(
            "cannot tell where the user's data folder is (no home folder); give --journal".into(),
        )
    })?;
    let dir = base.join("payu-bulk");
    std::fs::create_dir_all(&dir).map_err(|source| Error::Open {
        path: dir.clone(),
        source,
    })?;
    Ok(dir.join("journal.sqlite"))
}

/// The longest `--wait` or `--visibility-window` a run takes: a week. Longer is a typo (or an
/// attack on the arithmetic), and a run that waits longer than that helps nobody.
pub const MAX_DURATION: Duration = Duration::from_secs(7 * 24 * 3600);

/// Parses a duration: `30s`, `2m`, `500ms`, `1h`, `1h 30m` (humantime's forms), or a bare
/// number of seconds; at most [`MAX_DURATION`].
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let too_long =
        || format!("'{s}' is longer than the longest wait the tool takes, 7 days (168h)");
    let parsed = if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        // Only digits: seconds. Too many digits for a u64 is too long, not malformed.
        s.parse::<u64>()
            .map(Duration::from_secs)
            .map_err(|_| too_long())
    } else {
        humantime::parse_duration(s).map_err(|e| match e {
            humantime::DurationError::NumberOverflow => too_long(),
            _ => format!("'{s}' is not a duration like 30s, 2m, 500ms or 1h"),
        })
    }?;
    if parsed > MAX_DURATION {
        return Err(too_long());
    }
    Ok(parsed)
}

/// The visibility window: the flag, else the config's `visibility_window`, else 15 minutes.
pub fn visibility_window(
    flag: Option<Duration>,
    config: Option<&Config>,
    path: Option<&std::path::Path>,
) -> Result<Duration, Error> {
    if let Some(d) = flag {
        return Ok(d);
    }
    match config.and_then(|c| c.visibility_window.as_deref()) {
        Some(text) => parse_duration(text).map_err(|why| {
            Error::format(
                path.unwrap_or(std::path::Path::new("the configuration")),
                format!("visibility_window: {why}"),
            )
        }),
        None => Ok(crate::submit::VISIBILITY_WINDOW),
    }
}

/// A yes typed by a person at a terminal, before a command moves or stops money. `action` is
/// what would be done ("pay in production"), `prompt` ends the question ("to pay"), and
/// `undone` says what stays as it was when no yes comes ("nothing was sent"). Without a
/// terminal there is no one to ask: the command refuses, and `--yes` is the way for cron.
pub fn confirm(action: &str, prompt: &str, undone: &str) -> Result<(), Error> {
    use std::io::{BufRead, IsTerminal};
    if !std::io::stdin().is_terminal() {
        return Err(Error::Usage(format!(
            "refusing to {action} without a confirmation: run it on a terminal, or pass --yes; {undone}"
        )));
    }
    eprint!("type yes {prompt}: ");
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::Usage(format!("no confirmation ({e}): {undone}")))?;
    if answer.trim().eq_ignore_ascii_case("yes") {
        Ok(())
    } else {
        Err(Error::Usage(format!("not confirmed: {undone}")))
    }
}

/// The configuration of a command that asks PayU about rows sent earlier (`status`,
/// `cancel`). An in-process sandbox starts empty and would know none of them, so the sandbox
/// must be one already running, at `--base-url`.
pub fn config_to_ask(at: &Where, command: &str) -> Result<Option<Config>, Error> {
    let config = load_config(at)?;
    if env_of(at, config.as_ref()) == Env::Sandbox && at.base_url.is_none() {
        return Err(Error::Usage(format!(
            "{command} asks the PayU the rows were sent to; an in-process sandbox would know none of them: give --base-url of the running sandbox"
        )));
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("168h"), Ok(MAX_DURATION));
        assert!(
            parse_duration("soon")
                .unwrap_err()
                .contains("not a duration")
        );
        assert!(parse_duration("").is_err());
        assert!(parse_duration("-5s").is_err());
        for too_long in [
            "6000000000000000h",
            "3381903080180084463m",
            "169h",
            "8days",
            "99999999999999999999999",
            "18446744073709551615",
        ] {
            let err = parse_duration(too_long).unwrap_err();
            assert!(err.contains("7 days"), "{too_long}: {err}");
        }
    }
}
