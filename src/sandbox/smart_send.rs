//! PayU India Smart Send v2 in the sandbox (§12.2): create a link, its status, its details.
//! A link waits for the payee (`PENDING`) and is paid (`SUCCESS`) once `--settle-ms` passes.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;

use super::{Api, INDIA_MERCHANT_ID, Sandbox, ledger::LedgerEntry, timestamp};
use crate::payu::smart_send::{CreateLink, Link, LinkDetails, LinkError};
use crate::payu::{Envelope, GatewayError};
use crate::validate::{contact, dates};

/// The links the sandbox made, by `merchantRefId`.
#[derive(Default)]
pub(super) struct Links {
    by_reference: HashMap<String, Made>,
}

struct Made {
    link: String,
    link_id: String,
    expiry_date: String,
    payu_ref: String,
    at: Instant,
}

impl Made {
    fn details(&self, reference: &str, settle: Duration) -> LinkDetails {
        let paid = self.at.elapsed() >= settle;
        LinkDetails {
            merchant_ref_id: Some(reference.to_owned()),
            smart_send_status: Some(if paid { "SUCCESS" } else { "PENDING" }.to_owned()),
            link_id: Some(self.link_id.clone()),
            link: Some(self.link.clone()),
            txn_status: paid.then(|| "SUCCESS".to_owned()),
            payu_transaction_ref_no: paid.then(|| self.payu_ref.clone()),
            expiry_date: Some(self.expiry_date.clone()),
        }
    }
}

fn unauthorized(path: &str) -> Response {
    let body = GatewayError {
        timestamp: timestamp(),
        status: 401,
        error: "Unauthorized".to_owned(),
        message: "Access is denied".to_owned(),
        path: path.to_owned(),
    };
    (StatusCode::UNAUTHORIZED, Json(body)).into_response()
}

fn refused(errors: Vec<LinkError>) -> Response {
    Json(Envelope {
        status: 1,
        msg: Some("Fail".to_owned()),
        code: None,
        data: Some(errors),
    })
    .into_response()
}

/// PayU's Smart Send codes (§13) for a create request, as the sandbox models them.
fn check(link: &CreateLink) -> Vec<LinkError> {
    let mut errors = Vec::new();
    let mut fail = |code: i64, message: &str| {
        errors.push(LinkError {
            code,
            message: message.to_owned(),
        })
    };
    let reference = &link.merchant_ref_id;
    if reference.is_empty()
        || !reference
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        fail(1101, "merchantRefId is invalid");
    } else if reference.len() > 40 {
        fail(1102, "merchantRefId is too long");
    }
    if link.amount <= Decimal::ZERO || link.amount.normalize().scale() > 2 {
        fail(1104, "amount is invalid");
    }
    let mobile = link.cust_mobile.as_deref().filter(|m| !m.is_empty());
    let email = link.cust_email.as_deref().filter(|e| !e.is_empty());
    if mobile.is_none() && email.is_none() {
        fail(1108, "custMobile or custEmail is required");
    }
    if mobile.is_some_and(|m| contact::india_mobile(m).is_err()) {
        fail(1105, "custMobile is invalid");
    }
    if email.is_some_and(|e| contact::email(e).is_err()) {
        fail(1106, "custEmail is invalid");
    }
    if link.description.trim().is_empty() || link.description.chars().count() > 100 {
        fail(1114, "description is invalid");
    }
    if let Some(expiry) = &link.expiry_date {
        if dates::expiry(expiry).is_none_or(|t| t <= chrono::Utc::now()) {
            fail(1121, "expiryDate is invalid");
        }
    }
    errors
}

/// `POST /payout/v2/smartSend/link` (header `pid`).
pub(super) async fn create(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut state = sandbox.state();
    if !state.authorized(Api::India, &headers) {
        return unauthorized("/payout/v2/smartSend/link");
    }
    if headers.get("pid").and_then(|v| v.to_str().ok()) != Some(INDIA_MERCHANT_ID) {
        return refused(vec![LinkError {
            code: 1100,
            message: "pid is not a payout merchant id of this account".to_owned(),
        }]);
    }
    let link: CreateLink = match serde_json::from_slice(&body) {
        Ok(l) => l,
        Err(e) => {
            return refused(vec![LinkError {
                code: 1100,
                message: format!("the body is not a Smart Send link: {e}"),
            }]);
        }
    };
    let reference = link.merchant_ref_id.clone();
    let mut errors = check(&link);
    if !reference.is_empty()
        && state
            .ledger
            .received("smart-send", INDIA_MERCHANT_ID, &reference)
    {
        errors.push(LinkError {
            code: 1103,
            message: "duplicate merchantRefId".to_owned(),
        });
    }
    if !errors.is_empty() {
        return refused(errors);
    }
    let id = state.next_id("smart-send");
    let link_id = id[..12].to_owned();
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    let expiry_date = link.expiry_date.clone().unwrap_or_else(|| {
        (chrono::Utc::now() + chrono::Duration::days(7))
            .format("%Y-%m-%dT%H:%M:%S%.3f+0000")
            .to_string()
    });
    let made = Made {
        link: format!("http://{host}/url/{link_id}"),
        link_id: link_id.clone(),
        expiry_date: expiry_date.clone(),
        payu_ref: format!("PAYOUT{}", &id[12..32]),
        at: Instant::now(),
    };
    let contacts: Vec<String> = [("mobile", &link.cust_mobile), ("email", &link.cust_email)]
        .iter()
        .filter_map(|(what, v)| {
            v.as_deref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("{what}:{v}"))
        })
        .collect();
    state.ledger.accept(LedgerEntry {
        api: "smart-send".to_owned(),
        merchant: INDIA_MERCHANT_ID.to_owned(),
        reference: reference.clone(),
        amount: link.amount.to_string(),
        destination: contacts.join(" "),
        accepted_at: timestamp(),
        times_received: 1,
    });
    let answer = Link {
        link: made.link.clone(),
        link_id,
        expiry_date: Some(expiry_date),
    };
    state.smart_send.by_reference.insert(reference, made);
    Json(Envelope {
        status: 0,
        msg: Some("Success".to_owned()),
        code: None,
        data: Some(answer),
    })
    .into_response()
}

fn details_answer(sandbox: &Sandbox, reference: &str) -> Response {
    let state = sandbox.state();
    match state.smart_send.by_reference.get(reference) {
        Some(made) => Json(Envelope {
            status: 0,
            msg: Some("Success".to_owned()),
            code: None,
            data: Some(made.details(reference, sandbox.config.settle)),
        })
        .into_response(),
        // Documented: status 1, a message, and data with only the echoed ids (§12.2).
        None => Json(Envelope {
            status: 1,
            msg: Some(format!(
                "Smart Send Record not found with merchant reference id - {reference}. for Payout Merchant Id - {INDIA_MERCHANT_ID}. Kindly fetch details after some time."
            )),
            code: None,
            data: Some(LinkDetails {
                merchant_ref_id: Some(reference.to_owned()),
                smart_send_status: None,
                link_id: None,
                link: None,
                txn_status: None,
                payu_transaction_ref_no: None,
                expiry_date: None,
            }),
        })
        .into_response(),
    }
}

/// `GET /payout/merchant/smartSend/details?payoutMerchantId=…&merchantRefId=…`.
pub(super) async fn details(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if !sandbox.state().authorized(Api::India, &headers) {
        return unauthorized("/payout/merchant/smartSend/details");
    }
    if query.get("payoutMerchantId").map(String::as_str) != Some(INDIA_MERCHANT_ID) {
        return Json(Envelope::<()> {
            status: 1,
            msg: Some("payoutMerchantId is not a payout merchant id of this account".to_owned()),
            code: None,
            data: None,
        })
        .into_response();
    }
    let reference = query.get("merchantRefId").cloned().unwrap_or_default();
    details_answer(&sandbox, &reference)
}

/// `GET /payout/v2/smartSend/status?linkId=…`, or with `merchantRefId` (header `pid`).
pub(super) async fn status(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if !sandbox.state().authorized(Api::India, &headers) {
        return unauthorized("/payout/v2/smartSend/status");
    }
    let reference = match (query.get("merchantRefId"), query.get("linkId")) {
        (Some(r), _) => r.clone(),
        (None, Some(id)) => {
            let state = sandbox.state();
            let found = state
                .smart_send
                .by_reference
                .iter()
                .find(|(_, m)| &m.link_id == id);
            match found {
                Some((r, _)) => r.clone(),
                None => {
                    return Json(Envelope::<()> {
                        status: 1,
                        msg: Some("SmartPay Link not found".to_owned()),
                        code: Some(crate::payu::Codes::One(1112)),
                        data: None,
                    })
                    .into_response();
                }
            }
        }
        (None, None) => String::new(),
    };
    details_answer(&sandbox, &reference)
}
