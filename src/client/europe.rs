//! PayU Europe payouts (§16): create and retrieve.
//!
//! Answers are read field by field rather than refused whole: a status word no document
//! names, a `403` body without a `statusCode`, or an `8356` without a `payoutId` are all
//! answers PayU sends, and the caller decides what each means.

use serde_json::Value;

use super::auth::{Tokens, authed};
use super::{Answer, CallError, Class, OnLeave, Transport};
use crate::payu::europe::CreatePayout;

/// A payout as PayU Europe reports it, its status word as written (`PENDING`, `WAITING`,
/// `CANCELLED`/`CANCELED`, `REALIZED`, or another).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payout {
    pub payout_id: String,
    pub status: String,
}

/// What PayU said of a payout request.
#[derive(Debug, Clone)]
pub enum Created {
    Accepted(Payout),
    /// Refused with PayU's code (`8356`: a payout with this `extPayoutId` exists; its
    /// `payoutId` when the answer carries one).
    Refused {
        http: u16,
        code: Option<String>,
        description: String,
        payout_id: Option<String>,
    },
}

pub struct Europe<'a> {
    pub transport: &'a Transport,
    pub tokens: &'a Tokens,
    pub host: &'a str,
}

fn text(v: &Value, path: &[&str]) -> Option<String> {
    let mut v = v;
    for p in path {
        v = v.get(p)?;
    }
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The `payout` object of an answer, if it has one with an id.
fn payout_of(body: &Value) -> Option<Payout> {
    Some(Payout {
        payout_id: text(body, &["payout", "payoutId"])?,
        status: text(body, &["payout", "status"]).unwrap_or_default(),
    })
}

fn body_of(answer: &Answer) -> Result<Value, CallError> {
    answer.json::<Value>().map_err(CallError::Unreadable)
}

impl Europe<'_> {
    /// `POST /api/v2_1/payouts`; never retried here (the caller resends only as the journal
    /// allows, relying on PayU's `8356`).
    pub async fn create(
        &self,
        payout: &CreatePayout,
        on_leave: OnLeave<'_>,
    ) -> Result<Created, CallError> {
        let url = format!("{}/api/v2_1/payouts", self.host);
        let answer = authed(
            self.transport,
            self.tokens,
            Class::Send,
            false,
            |c, token| {
                on_leave();
                c.post(&url).bearer_auth(token).json(payout)
            },
        )
        .await?;
        let body = body_of(&answer)?;
        if answer.status.is_success() {
            return payout_of(&body).map(Created::Accepted).ok_or_else(|| {
                CallError::Unreadable(format!(
                    "PayU accepted the payout but its answer has no payoutId: {}",
                    answer.snippet()
                ))
            });
        }
        // `{"status":{"statusCode","code","codeLiteral","statusDesc"}}`, or a 403's
        // `{"status":{"error","error_description"}}`, or OAuth's `{"error",…}`.
        let status = body.get("status").unwrap_or(&body);
        let code = text(status, &["code"]).or_else(|| text(status, &["error"]));
        // Every part PayU gave, each once ("INCORRECT_ACCOUNT_NUMBER" inside
        // "INCORRECT_ACCOUNT_NUMBER: the bank reports the account closed" is not repeated).
        let parts: Vec<String> = ["codeLiteral", "statusDesc", "error_description"]
            .iter()
            .filter_map(|k| text(status, &[k]))
            .collect();
        let mut kept: Vec<&str> = Vec::new();
        for (i, p) in parts.iter().enumerate() {
            let inside_another = parts
                .iter()
                .enumerate()
                .any(|(j, q)| j != i && q.contains(p.as_str()) && (q != p || j < i));
            if !inside_another {
                kept.push(p);
            }
        }
        let description = if kept.is_empty() {
            text(status, &["statusCode"]).unwrap_or_else(|| answer.snippet())
        } else {
            kept.join(": ")
        };
        Ok(Created::Refused {
            http: answer.status.as_u16(),
            code,
            description,
            payout_id: payout_of(&body).map(|p| p.payout_id),
        })
    }

    /// `GET /api/v2_1/payouts/{payoutId}`: `None` when PayU does not know it (or no longer:
    /// it keeps 14 days).
    pub async fn retrieve(&self, payout_id: &str) -> Result<Option<Payout>, CallError> {
        let url = format!("{}/api/v2_1/payouts/{payout_id}", self.host);
        let answer = authed(
            self.transport,
            self.tokens,
            Class::Status,
            true,
            |c, token| c.get(&url).bearer_auth(token),
        )
        .await?;
        if answer.status.is_success() {
            let body = body_of(&answer)?;
            return payout_of(&body).map(Some).ok_or_else(|| {
                CallError::Unreadable(format!(
                    "PayU's payout answer has no payoutId: {}",
                    answer.snippet()
                ))
            });
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
