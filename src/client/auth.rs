//! Tokens (architecture.md §3.3): fetched when first needed, renewed before they expire (by refresh
//! token where the grant gives one), and renewed once more when PayU answers 401. A token is
//! never written anywhere: not to the log, the results, nor the journal.

use std::time::Duration;

use reqwest::{Client, RequestBuilder, StatusCode};
use tokio::time::Instant;

use super::{Answer, CallError, Class, Transport};
use crate::payu::auth::{
    ChargebackToken, EuropeTokenRequest, IndiaTokenRequest, OAuthError, PAYOUT_SCOPE, Token,
};

/// How a token is had.
#[derive(Clone)]
pub enum Grant {
    /// PayU India's password grant (§2.1), with the public client id of the environment.
    IndiaPassword {
        client_id: String,
        username: String,
        password: String,
    },
    /// PayU India's private client id grant (§2.2).
    IndiaPrivate {
        client_id: String,
        client_secret: String,
    },
    /// PayU Europe's `client_credentials` with the POS id and its OAuth secret (§16.2).
    Europe {
        pos_id: String,
        client_secret: String,
    },
}

impl std::fmt::Debug for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Which grant, never its secrets.
        f.write_str(self.name())
    }
}

impl Grant {
    pub fn name(&self) -> &'static str {
        match self {
            Grant::IndiaPassword { .. } => "password grant",
            Grant::IndiaPrivate { .. } => "private client id grant",
            Grant::Europe { .. } => "client_credentials grant",
        }
    }

    /// The token request: by `refresh` when given (PayU India's password grant only).
    fn form(&self, refresh: Option<&str>) -> TokenForm {
        TokenForm(match (self, refresh) {
            (Grant::IndiaPassword { client_id, .. }, Some(r)) => {
                Either::India(IndiaTokenRequest::RefreshToken {
                    client_id: client_id.clone(),
                    refresh_token: r.to_owned(),
                })
            }
            (
                Grant::IndiaPassword {
                    client_id,
                    username,
                    password,
                },
                None,
            ) => Either::India(IndiaTokenRequest::Password {
                client_id: client_id.clone(),
                username: username.clone(),
                password: password.clone(),
                scope: PAYOUT_SCOPE.into(),
            }),
            (
                Grant::IndiaPrivate {
                    client_id,
                    client_secret,
                },
                _,
            ) => Either::India(IndiaTokenRequest::ClientCredentials {
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
                scope: PAYOUT_SCOPE.into(),
            }),
            (
                Grant::Europe {
                    pos_id,
                    client_secret,
                },
                _,
            ) => Either::Europe(EuropeTokenRequest {
                grant_type: "client_credentials".into(),
                client_id: pos_id.clone(),
                client_secret: client_secret.clone(),
            }),
        })
    }
}

/// A token request, sent as a form; its Debug names the grant only.
#[derive(serde::Serialize)]
struct TokenForm(Either);

#[derive(serde::Serialize)]
#[serde(untagged)]
enum Either {
    India(IndiaTokenRequest),
    Europe(EuropeTokenRequest),
}

struct Held {
    access: String,
    refresh: Option<String>,
    renew_at: Instant,
}

/// One API's token, shared by every request of a run.
pub struct Tokens {
    grant: Grant,
    url: String,
    held: tokio::sync::Mutex<Option<Held>>,
}

impl Tokens {
    pub fn new(grant: Grant, url: String) -> Tokens {
        Tokens {
            grant,
            url,
            held: tokio::sync::Mutex::new(None),
        }
    }

    pub fn grant(&self) -> &Grant {
        &self.grant
    }

    /// A live token: the one held, or a new one when it is about to expire.
    pub async fn bearer(&self, t: &Transport) -> Result<String, CallError> {
        let mut held = self.held.lock().await;
        if let Some(h) = held.as_ref().filter(|h| h.renew_at > Instant::now()) {
            return Ok(h.access.clone());
        }
        self.replace(t, &mut held).await
    }

    /// After PayU refused `stale` (401): a new token, unless another request already got one.
    pub async fn renew(&self, t: &Transport, stale: &str) -> Result<String, CallError> {
        let mut held = self.held.lock().await;
        if let Some(h) = held.as_ref().filter(|h| h.access != stale) {
            return Ok(h.access.clone());
        }
        self.replace(t, &mut held).await
    }

    /// Fetches a new token in place of the one held (by its refresh token, if any).
    async fn replace(&self, t: &Transport, held: &mut Option<Held>) -> Result<String, CallError> {
        let refresh = held.as_ref().and_then(|h| h.refresh.clone());
        let fresh = self.fetch(t, refresh.as_deref()).await?;
        let access = fresh.access.clone();
        *held = Some(fresh);
        Ok(access)
    }

    /// Fetches a token: by refresh token when there is one (falling back to the grant when
    /// PayU refuses it), else by the grant.
    async fn fetch(&self, t: &Transport, refresh: Option<&str>) -> Result<Held, CallError> {
        if let Some(r) = refresh
            && let Ok(held) = self.request(t, Some(r)).await
        {
            return Ok(held);
        }
        self.request(t, None).await
    }

    async fn request(&self, t: &Transport, refresh: Option<&str>) -> Result<Held, CallError> {
        let form = self.grant.form(refresh);
        let answer = t
            .send_safe(Class::Token, |c| c.post(&self.url).form(&form))
            .await
            .map_err(|e| CallError::Auth(format!("no token from {}: {e}", self.url)))?;
        if !answer.status.is_success() {
            let why = answer
                .json::<OAuthError>()
                .map(|e| match e.error_description {
                    Some(d) => format!("{}: {d}", e.error),
                    None => e.error,
                })
                .unwrap_or_else(|_| answer.snippet());
            return Err(CallError::Auth(format!(
                "PayU refused the {} at {} (HTTP {}): {why}",
                self.grant.name(),
                self.url,
                answer.status.as_u16()
            )));
        }
        let token: Token = answer.json().map_err(CallError::Auth)?;
        let lifetime = Duration::from_secs(token.expires_in);
        // Renewed a little before it runs out: a fifth of its life, at most a minute.
        let margin = (lifetime / 5).min(Duration::from_secs(60));
        Ok(Held {
            access: token.access_token,
            refresh: token.refresh_token,
            renew_at: Instant::now() + lifetime - margin,
        })
    }
}

/// Sends a request of `class` that needs a token: with the live one, and once more with a
/// new one if PayU answers 401 (a 401 means PayU did not process it; the second try counts
/// as a repeat). `safe` requests are retried when no answer comes.
pub async fn authed(
    t: &Transport,
    tokens: &Tokens,
    class: Class,
    safe: bool,
    make: impl Fn(&Client, &str) -> RequestBuilder,
) -> Result<Answer, CallError> {
    let send = |repeat: bool| {
        let make = &make;
        async move {
            if safe {
                t.send_safe_with(Some(tokens), class, repeat, make).await
            } else {
                t.send_with(Some(tokens), class, repeat, make).await
            }
        }
    };
    let (answer, token) = send(false).await?;
    if answer.status != StatusCode::UNAUTHORIZED {
        return Ok(answer);
    }
    tokens.renew(t, &token).await?;
    let (answer, _) = send(true).await?;
    if answer.status == StatusCode::UNAUTHORIZED {
        return Err(CallError::Auth(format!(
            "PayU refused a freshly issued token (HTTP 401): {}",
            answer.snippet()
        )));
    }
    Ok(answer)
}

/// The chargeback portal's token (§15.1): only fetched, by `auth check`.
pub async fn chargeback_token(
    t: &Transport,
    url: &str,
    email: &str,
    password: &str,
) -> Result<ChargebackToken, CallError> {
    let answer = t
        .send_safe(Class::Token, |c| {
            c.post(url)
                .header("X-User-Email", email)
                .header("X-User-Password", password)
        })
        .await?;
    if !answer.status.is_success() {
        return Err(CallError::Auth(format!(
            "PayU refused the chargeback login at {url} (HTTP {}): {}",
            answer.status.as_u16(),
            answer.snippet()
        )));
    }
    answer.json().map_err(CallError::Unreadable)
}
