//! PayU's requests and responses as types, spelled exactly as PayU spells them
//! (`docs/payu.md`). They are the one definition the PayU clients and the sandbox share, so the
//! two cannot drift apart. This module holds data only: no HTTP (that is [`crate::client`]).

pub mod auth;
pub mod europe;
pub mod india;
pub mod smart_send;
pub mod webhook;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An amount PayU's samples write either as a JSON number (`1100`) or as a string
/// (`"100.00"`): read exactly either way, never through a binary float.
pub fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Text(String),
        Number(serde_json::Number),
    }
    let text = match Either::deserialize(d)? {
        Either::Text(t) => t,
        // serde_json keeps a number's own digits (arbitrary_precision): no float between.
        Either::Number(n) => n.to_string(),
    };
    text.trim()
        .parse::<Decimal>()
        .map_err(serde::de::Error::custom)
}

/// A field of a request that PayU's samples write as a string (`"1000"`) or as a number
/// (`1100`): read as the digits it was written with. Anything else is refused, so that a
/// request never reads as if the field were absent.
pub fn text_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Text(String),
        Number(serde_json::Number),
    }
    Ok(Option::<Either>::deserialize(d)?.map(|e| match e {
        Either::Text(t) => t,
        Either::Number(n) => n.to_string(),
    }))
}

/// A field of an answer that PayU writes as a number in one and as text in another (a
/// `responseCode`): read as its text whatever it is, so that an odd spelling never makes the
/// whole answer unreadable; a value with no text (an object, a list) reads as absent.
pub fn loose_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        Some(serde_json::Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    })
}

/// An amount of an answer, a JSON number or a string: read exactly; absent, or anything that
/// is no amount, reads as `None` rather than make the whole answer unreadable.
pub fn loose_amount<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    Ok(Option::<serde_json::Value>::deserialize(d)?.and_then(|v| string_or_number(v).ok()))
}

/// A whole number of an answer (a count, a page, an id), a JSON number or its digits as
/// text: anything else reads as `None` rather than make the whole answer unreadable.
pub fn loose_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::Number(n)) => n.as_i64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

/// A string-or-number amount that may be absent (absent reads as zero, for the sandbox to
/// answer with PayU's code for a missing amount).
pub fn string_or_number_or_zero<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Decimal, D::Error> {
    Option::<serde_json::Value>::deserialize(d).and_then(|v| match v {
        None | Some(serde_json::Value::Null) => Ok(Decimal::ZERO),
        Some(v) => string_or_number(v).map_err(serde::de::Error::custom),
    })
}

/// A flag PayU's samples write as `true` or as `"true"` (its OpenAPI types Europe's
/// `foreign` and `postalOrder` as strings).
pub fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Bool(bool),
        Text(String),
    }
    match Option::<Either>::deserialize(d)? {
        None => Ok(None),
        Some(Either::Bool(b)) => Ok(Some(b)),
        Some(Either::Text(t)) => match t.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(Some(true)),
            "false" => Ok(Some(false)),
            other => Err(serde::de::Error::custom(format!(
                "'{other}' is not true or false"
            ))),
        },
    }
}

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
