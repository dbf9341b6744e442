//! The dashboard's maker/checker approval flow (payu.md §6, §14: on by default at PayU),
//! as `--approval-flow on` models it: `POST /__sandbox/approve` and `/__sandbox/reject` with
//! `{"references": [...]}` (no body, or an empty list: everything waiting) play the checker.

use std::time::Instant;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::Sandbox;

/// Where a transfer or link stands with the checker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Approval {
    /// Sent with the flow off, or with `disableApprovalFlow: true`.
    NotNeeded,
    Waiting,
    Approved,
    Rejected,
}

impl Approval {
    /// What a new transfer or link starts as.
    pub(super) fn at_start(flow_on: bool, disabled: Option<bool>) -> Approval {
        if flow_on && disabled != Some(true) {
            Approval::Waiting
        } else {
            Approval::NotNeeded
        }
    }
}

/// `{"references": [...]}`; `references` may be absent.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Chosen {
    #[serde(default)]
    pub(super) references: Vec<String>,
    /// Accepted too, for one reference (as `/__sandbox/reverse` once took it).
    #[serde(default, rename = "merchantRefId")]
    pub(super) merchant_ref_id: Option<String>,
}

impl Chosen {
    /// Reads an optional JSON body: none, or an empty one, chooses everything.
    pub(super) fn read(body: &[u8]) -> Result<Chosen, Box<Response>> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Chosen::default());
        }
        let mut chosen: Chosen = serde_json::from_slice(body).map_err(|e| {
            Box::new(
                (
                    StatusCode::BAD_REQUEST,
                    format!("the body must be {{\"references\": [...]}}: {e}"),
                )
                    .into_response(),
            )
        })?;
        if let Some(r) = chosen.merchant_ref_id.take() {
            chosen.references.push(r);
        }
        Ok(chosen)
    }

    /// Whether `reference` is chosen (all are, when the list is empty).
    pub(super) fn has(&self, reference: &str) -> bool {
        self.references.is_empty() || self.references.iter().any(|r| r == reference)
    }
}

fn decide(sandbox: &Sandbox, body: &[u8], approve: bool) -> Response {
    let chosen = match Chosen::read(body) {
        Ok(c) => c,
        Err(refused) => return *refused,
    };
    let mut guard = sandbox.state();
    let state = &mut *guard;
    let now: Instant = state.now();
    let mut moved = state
        .india
        .decide(&chosen, approve, sandbox.settings.settle, now);
    moved.extend(state.smart_send.decide(&chosen, approve, now));
    Json(serde_json::json!({ "references": moved })).into_response()
}

/// `POST /__sandbox/approve`: the waiting transfers and links chosen go on.
pub(super) async fn approve(State(sandbox): State<Sandbox>, body: Bytes) -> Response {
    decide(&sandbox, &body, true)
}

/// `POST /__sandbox/reject`: the waiting transfers and links chosen end `REJECTED`.
pub(super) async fn reject(State(sandbox): State<Sandbox>, body: Bytes) -> Response {
    decide(&sandbox, &body, false)
}
