//! PayU's requests and responses as types, spelled exactly as PayU spells them
//! (`docs/payu.md`). They are the one definition the PayU clients and the sandbox share, so the
//! two cannot drift apart. This module holds data only: no HTTP (that is [`crate::client`]).

pub mod auth;
pub mod europe;
pub mod india;
pub mod smart_send;
pub mod webhook;

use serde::{Deserialize, Serialize};

/// The envelope of every PayU India payout answer (§1.2): `status` 0 is success, 1 failure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub status: i32,
    pub msg: Option<String>,
    /// An error code: absent on success, a number for some errors, a list inside items.
    pub code: Option<Codes>,
    pub data: Option<T>,
}

impl<T> Envelope<T> {
    pub fn is_success(&self) -> bool {
        self.status == 0
    }
}

/// PayU India's `code`: a single number in envelopes, a list of numbers in batch items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Codes {
    One(i64),
    Many(Vec<i64>),
}

impl Codes {
    pub fn all(&self) -> Vec<i64> {
        match self {
            Codes::One(c) => vec![*c],
            Codes::Many(c) => c.clone(),
        }
    }
}

/// The body of a Spring gateway refusal on the v2 endpoints (HTTP 401), §1.2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatewayError {
    pub timestamp: String,
    pub status: u16,
    pub error: String,
    pub message: String,
    pub path: String,
}
