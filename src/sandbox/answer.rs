//! PayU India's answers, shared by the sandbox's India, Smart Send and webhook handlers.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use axum::http::HeaderMap;

use super::{Api, INDIA_MERCHANT_ID, State, timestamp};
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

/// Whether `header` (`payoutMerchantId` for v1, `pid` for v2) names this account.
pub(super) fn merchant_ok(headers: &HeaderMap, header: &str) -> bool {
    headers.get(header).and_then(|v| v.to_str().ok()) == Some(INDIA_MERCHANT_ID)
}

/// The refusal of a request whose `payoutMerchantId` is not this account's, if it is not.
pub(super) fn wrong_merchant(headers: &HeaderMap) -> Option<Response> {
    (!merchant_ok(headers, "payoutMerchantId")).then(|| {
        coded(
            1,
            "payoutMerchantId is not a payout merchant id of this account",
            None,
        )
    })
}

/// The checks every v1 API makes, a live India token and this account's `payoutMerchantId`:
/// the refusal, when one fails.
pub(super) fn v1_refusal(state: &State, headers: &HeaderMap, path: &str) -> Option<Response> {
    if !state.authorized(Api::India, headers) {
        return Some(unauthorized(path));
    }
    wrong_merchant(headers)
}
