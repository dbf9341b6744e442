//! PayU Europe payouts (§16): create and retrieve.

use super::auth::{Tokens, authed};
use super::{CallError, Transport};
use crate::payu::europe::{CreatePayout, ErrorAnswer, PayoutAnswer, PayoutState};

/// What PayU said of a payout request.
#[derive(Debug, Clone)]
pub enum Created {
    Accepted(PayoutState),
    /// Refused with PayU's code (`8356`: a payout with this `extPayoutId` exists).
    Refused {
        http: u16,
        code: Option<String>,
        description: String,
    },
}

pub struct Europe<'a> {
    pub transport: &'a Transport,
    pub tokens: &'a Tokens,
    pub host: &'a str,
}

impl Europe<'_> {
    /// `POST /api/v2_1/payouts`; never retried here (the caller resends only as the journal
    /// allows, relying on PayU's `8356`).
    pub async fn create(&self, payout: &CreatePayout) -> Result<Created, CallError> {
        let url = format!("{}/api/v2_1/payouts", self.host);
        let answer = authed(self.transport, self.tokens, false, |c, token| {
            c.post(&url).bearer_auth(token).json(payout)
        })
        .await?;
        if answer.status.is_success() {
            let created: PayoutAnswer = answer.json().map_err(CallError::Unreadable)?;
            return Ok(Created::Accepted(created.payout));
        }
        let refusal: ErrorAnswer = answer.json().map_err(CallError::Unreadable)?;
        let s = refusal.status;
        Ok(Created::Refused {
            http: answer.status.as_u16(),
            code: s.code,
            description: [s.code_literal, s.status_desc]
                .into_iter()
                .flatten()
                .next()
                .unwrap_or(s.status_code),
        })
    }

    /// `GET /api/v2_1/payouts/{payoutId}`: `None` when PayU does not know it (or no longer:
    /// it keeps 14 days).
    pub async fn retrieve(&self, payout_id: &str) -> Result<Option<PayoutState>, CallError> {
        let url = format!("{}/api/v2_1/payouts/{payout_id}", self.host);
        let answer = authed(self.transport, self.tokens, true, |c, token| {
            c.get(&url).bearer_auth(token)
        })
        .await?;
        if answer.status.is_success() {
            let found: PayoutAnswer = answer.json().map_err(CallError::Unreadable)?;
            return Ok(Some(found.payout));
        }
        if answer.status == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        Err(CallError::Unreadable(format!(
            "PayU answered HTTP {} to a payout query: {}",
            answer.status.as_u16(),
            answer.snippet()
        )))
    }
}
