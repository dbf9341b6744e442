//! PayU India's answers, shared by the sandbox's India, Smart Send and webhook handlers.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::timestamp;
use crate::payu::{Codes, Envelope, GatewayError};

/// The gateway's refusal (HTTP 401) of a missing or dead token (§1.2).
pub(super) fn unauthorized(path: &str) -> Response {
    let body = GatewayError {
        timestamp: timestamp(),
        status: 401,
        error: "Unauthorized".to_owned(),
        message: "Access is denied".to_owned(),
        path: path.to_owned(),
    };
    (StatusCode::UNAUTHORIZED, Json(body)).into_response()
}

/// The envelope (§1.2) with data: `status` 0 for success, 1 for failure.
pub(super) fn reply<T: serde::Serialize>(status: i32, msg: &str, data: Option<T>) -> Response {
    Json(Envelope {
        status,
        msg: Some(msg.to_owned()),
        code: None,
        data,
    })
    .into_response()
}

/// The envelope without data, with PayU's code where it has one.
pub(super) fn coded(status: i32, msg: &str, code: Option<i64>) -> Response {
    Json(Envelope::<()> {
        status,
        msg: Some(msg.to_owned()),
        code: code.map(Codes::One),
        data: None,
    })
    .into_response()
}
