//! PayU Europe in the sandbox: OAuth `client_credentials` (§16.2), create a payout (§16.3)
//! and retrieve it (§16.4), answering with PayU's codes and HTTP statuses (§16.7).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{
    Api, EUROPE_POS_ID, EUROPE_POS_SECRET, EUROPE_SHOP_ID, Issued, Sandbox, ledger::LedgerEntry,
    rules, timestamp,
};
use crate::payu::auth::{EuropeTokenRequest, OAuthError, Token};
use crate::payu::europe::{
    CreatePayout, ErrorAnswer, PayoutAnswer, PayoutState, PayoutStatus, Status,
};

/// How long PayU Europe lets a payout be retrieved (§16.4).
const RETRIEVABLE: Duration = Duration::from_secs(14 * 24 * 3600);
/// PayU Europe's token lifetime (§16.2).
const TOKEN_SECONDS: u64 = 43_199;
/// The PayU test cards (seed `003`): the first is paid out, the second cancelled.
const CARD_REALIZED: &str = "4655413107713609";
const CARD_CANCELLED: &str = "4302193177728334";

/// A test bank account beyond PayU's own (a valid Polish NRB): PayU refuses payouts to it,
/// 400 `8351`, saying why in `statusDesc`.
const ACCOUNT_REFUSED: &str = "36109010149999999999999999";
const ACCOUNT_REFUSED_WHY: &str =
    "INCORRECT_ACCOUNT_NUMBER: the beneficiary bank reports the account closed";

/// A test amount beyond PayU's own: 999,999.99 (in minor units) is more than the shop ever
/// holds, so PayU refuses it 403 `8352` NOT_ENOUGH_FUNDS, the refusal of a whole account.
const AMOUNT_UNFUNDED: &str = "99999999";

/// The payouts the sandbox accepted.
#[derive(Default)]
pub(super) struct Payouts {
    by_id: HashMap<String, Accepted>,
}

struct Accepted {
    /// Its entry in the ledger.
    ledger: usize,
    ext_payout_id: Option<String>,
    amount: Option<String>,
    description: Option<String>,
    /// When it was accepted, by the sandbox's clock.
    at: Instant,
    /// Where the payout ends once it has settled.
    outcome: PayoutStatus,
}

impl Accepted {
    fn status(&self, settle: Duration, now: Instant) -> PayoutStatus {
        if now.saturating_duration_since(self.at) >= settle {
            self.outcome
        } else {
            PayoutStatus::Pending
        }
    }
}

impl Payouts {
    /// Each payout's ledger entry and its current status.
    pub(super) fn states(&self, settle: Duration, now: Instant) -> Vec<(usize, String)> {
        self.by_id
            .values()
            .map(|p| (p.ledger, status_word(p.status(settle, now))))
            .collect()
    }
}

fn status_word<T: serde::Serialize>(status: T) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = OAuthError {
        error: error.to_owned(),
        error_description: Some(description.to_owned()),
    };
    (status, Json(body)).into_response()
}

/// PayU's answer for one of its codes.
fn refusal(code: &str) -> Response {
    let (http, body) = ErrorAnswer::for_code(code)
        .unwrap_or_else(|| ErrorAnswer::for_code("100").expect("code 100 is in PayU's table"));
    let status = StatusCode::from_u16(http).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(body)).into_response()
}

/// A token like PayU Europe's, a UUID.
fn uuid(hex: &str) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

pub(super) async fn authorize(
    State(sandbox): State<Sandbox>,
    form: Result<Form<EuropeTokenRequest>, FormRejection>,
) -> Response {
    // PayU answers 401 when the body is not a form (§16.2).
    let Ok(Form(request)) = form else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_request",
            "send grant_type, client_id and client_secret as application/x-www-form-urlencoded",
        );
    };
    if request.grant_type != "client_credentials" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Unsupported grant type",
        );
    }
    if request.client_id != EUROPE_POS_ID || request.client_secret != EUROPE_POS_SECRET {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Bad client credentials",
        );
    }
    let lifetime = sandbox
        .settings
        .token_ttl
        .unwrap_or(Duration::from_secs(TOKEN_SECONDS));
    let mut state = sandbox.state();
    let access = uuid(&state.next_id("europe-token"));
    let refresh = uuid(&state.next_id("europe-refresh"));
    state.tokens.insert(
        access.clone(),
        Issued {
            api: Api::Europe,
            expires_at: Instant::now() + lifetime,
        },
    );
    Json(Token {
        access_token: access,
        token_type: "bearer".to_owned(),
        expires_in: lifetime.as_secs(),
        refresh_token: Some(refresh),
        scope: None,
        created_at: None,
        user_uuid: None,
        grant_type: Some("client_credentials".to_owned()),
    })
    .into_response()
}

/// The refusal of a request without a live PayU Europe token, if it has none: PayU's 401;
/// or, for a live token of PayU India's, the 403 body of PayU's OpenAPI, which has no
/// `statusCode` (`{"status":{"error":"access_denied",…}}`).
fn refused_token(sandbox: &Sandbox, headers: &HeaderMap) -> Option<Response> {
    match sandbox.state().live_token_api(headers) {
        Some(Api::Europe) => None,
        Some(Api::India) => {
            let body = ErrorAnswer {
                status: Status {
                    error: Some("access_denied".to_owned()),
                    error_description: Some("Access is denied".to_owned()),
                    ..Status::default()
                },
            };
            Some((StatusCode::FORBIDDEN, Json(body)).into_response())
        }
        None => Some(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "Invalid or expired access token",
        )),
    }
}

/// What an acceptable payout pays to, and how it ends.
struct Checked {
    destination: String,
    outcome: PayoutStatus,
}

fn present(s: &Option<String>) -> bool {
    s.as_deref().is_some_and(|t| !t.trim().is_empty())
}

/// PayU's rules for a payout request (§16.3), as far as the sandbox can tell them.
fn check(request: &CreatePayout) -> Result<Checked, &'static str> {
    if request.shop_id.trim().is_empty() {
        return Err("8361");
    }
    if request.shop_id != EUROPE_SHOP_ID {
        return Err("8359");
    }
    let payout = request.payout.clone().unwrap_or_default();
    if let Some(amount) = &payout.amount {
        let whole = !amount.is_empty() && amount.bytes().all(|b| b.is_ascii_digit());
        if !whole || amount.trim_start_matches('0').is_empty() {
            return Err("8350");
        }
    }
    // PayU documents code 8316 but no maximum (§16.3): the sandbox takes 140 characters.
    if payout
        .description
        .as_deref()
        .is_some_and(|d| d.chars().count() > 140)
    {
        return Err("8316");
    }
    let currency = payout.currency_code.as_deref().unwrap_or("PLN");
    if !matches!(currency, "PLN" | "CZK" | "EUR") {
        return Err("8336");
    }
    let postal = payout.postal_order == Some(true);
    let foreign = payout.foreign == Some(true) || currency == "EUR";
    let bank =
        request.account.is_some() || request.bank_address.is_some() || payout.foreign == Some(true);
    let chosen = [
        request.card.is_some(),
        request.card_token.is_some(),
        postal,
        bank,
    ];
    match chosen.iter().filter(|&&c| c).count() {
        0 => {
            return Ok(Checked {
                destination: "shop".to_owned(),
                outcome: PayoutStatus::Realized,
            });
        }
        1 => {}
        _ => return Err("8355"),
    }
    if payout.amount.is_none() {
        return Err("8300");
    }
    let customer = request.customer_address.clone().unwrap_or_default();
    if !present(&customer.name) {
        return Err("8302");
    }
    if let Some(c) = &request.card {
        let outcome = match c.number.as_str() {
            CARD_REALIZED => PayoutStatus::Realized,
            CARD_CANCELLED => PayoutStatus::Cancelled,
            // Other valid cards are paid out too.
            _ => PayoutStatus::Realized,
        };
        if !rules::card_number(&c.number) {
            return Err("8351");
        }
        return Ok(Checked {
            destination: format!("card:{}", rules::masked_card(&c.number)),
            outcome,
        });
    }
    if let Some(t) = &request.card_token {
        if !t.value.starts_with("TOKC_") {
            return Err("8362");
        }
        return Ok(Checked {
            destination: format!("token:{}", t.value),
            outcome: PayoutStatus::Realized,
        });
    }
    if postal {
        if !present(&customer.street) {
            return Err("8309");
        }
        if !present(&customer.city) {
            return Err("8310");
        }
        if !present(&customer.postal_code) {
            return Err("8312");
        }
        let name = customer.name.unwrap_or_default();
        return Ok(Checked {
            destination: format!("postal:{name}, {}", customer.city.unwrap_or_default()),
            outcome: PayoutStatus::Realized,
        });
    }
    let acct = request.account.clone().unwrap_or_default();
    let number = rules::compact(&acct.account_number);
    if number.is_empty() {
        return Err("8301");
    }
    if number.len() > 34 {
        return Err("8317");
    }
    if foreign {
        // PayU states formats for Polish and Czech accounts only (§16.3): an IBAN of another
        // country is taken as written (PayU's own sample sends a 32-character German one).
        if rules::iban_shaped(&number)
            && matches!(&number[..2], "PL" | "CZ")
            && !rules::iban(&number)
        {
            return Err("8351");
        }
        if !present(&acct.bank_name) {
            return Err("8303");
        }
        let swift = acct.swift_code.clone().unwrap_or_default();
        if swift.len() > 11 {
            return Err("8319");
        }
        if !rules::bic(&swift.to_ascii_uppercase()) {
            return Err("8308");
        }
        if !present(&customer.street) {
            return Err("8309");
        }
        if !present(&customer.city) {
            return Err("8310");
        }
        if !present(&customer.country_code) {
            return Err("8311");
        }
        // An ISO 3166 two-letter code (§16.3): a longer one is PayU's *_TOO_LONG.
        if customer
            .country_code
            .as_deref()
            .is_some_and(|c| rules::country_code_too_long(c.trim()))
        {
            return Err("8323");
        }
        // PayU's table requires the bank's address for a foreign payout, and its own sample
        // sends none: a missing one is accepted, one given must be whole.
        let Some(bank_address) = &request.bank_address else {
            return Ok(Checked {
                destination: format!("account:{number}"),
                outcome: PayoutStatus::Realized,
            });
        };
        for (value, code) in [
            (&bank_address.street, "8305"),
            (&bank_address.city, "8306"),
            (&bank_address.country_code, "8307"),
            (&bank_address.postal_code, "8304"),
        ] {
            if !present(value) {
                return Err(code);
            }
        }
        if bank_address
            .country_code
            .as_deref()
            .is_some_and(|c| rules::country_code_too_long(c.trim()))
        {
            return Err("8333");
        }
    }
    Ok(Checked {
        destination: format!("account:{number}"),
        outcome: PayoutStatus::Realized,
    })
}

pub(super) async fn create(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = refused_token(&sandbox, &headers) {
        return refused;
    }
    let request: CreatePayout = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            let body = ErrorAnswer {
                status: Status {
                    status_code: "ERROR_SYNTAX".to_owned(),
                    severity: Some("ERROR".to_owned()),
                    code: None,
                    code_literal: None,
                    status_desc: Some(format!("the request is not a payout: {e}")),
                    error: None,
                    error_description: None,
                },
            };
            return (StatusCode::BAD_REQUEST, Json(body)).into_response();
        }
    };
    let payout = request.payout.clone().unwrap_or_default();
    let ext = payout.ext_payout_id.clone().filter(|e| !e.is_empty());
    let mut state = sandbox.state();
    // A reference PayU already holds is refused whatever the rest says, and counted.
    let now = state.now();
    if let Some(ext) = &ext
        && state.ledger.received(
            "europe-payout",
            &request.shop_id,
            ext,
            now,
            sandbox.settings.dedupe_lag,
        )
    {
        return refusal("8356");
    }
    // PayU documents the length (§16.3) but lists no code for it: refused as an invalid
    // value, with no code.
    if ext.as_deref().is_some_and(|e| !rules::ext_payout_id(e)) {
        let body = ErrorAnswer {
            status: Status {
                status_code: "ERROR_VALUE_INVALID".to_owned(),
                severity: Some("ERROR".to_owned()),
                status_desc: Some("extPayoutId must be 1 to 64 characters".to_owned()),
                ..Status::default()
            },
        };
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    let checked = match check(&request) {
        Ok(c) => c,
        Err(code) => return refusal(code),
    };
    if checked.destination == format!("account:{ACCOUNT_REFUSED}") {
        let (http, mut body) = ErrorAnswer::for_code("8351").expect("code 8351 is in PayU's table");
        body.status.status_desc = Some(ACCOUNT_REFUSED_WHY.to_owned());
        let status = StatusCode::from_u16(http).unwrap_or(StatusCode::BAD_REQUEST);
        return (status, Json(body)).into_response();
    }
    if payout.amount.as_deref() == Some(AMOUNT_UNFUNDED) {
        let (http, body) = ErrorAnswer::for_code("8352").expect("code 8352 is in PayU's table");
        let status = StatusCode::from_u16(http).unwrap_or(StatusCode::FORBIDDEN);
        return (status, Json(body)).into_response();
    }
    let payout_id = state.next_id("europe-payout");
    let ledger = state.ledger.accept(
        LedgerEntry {
            api: "europe-payout".to_owned(),
            merchant: request.shop_id.clone(),
            reference: ext.clone().unwrap_or_else(|| payout_id.clone()),
            amount: payout.amount.clone().unwrap_or_default(),
            destination: checked.destination,
            accepted_at: timestamp(),
            times_received: 1,
            state: String::new(),
        },
        now,
    );
    state.europe.by_id.insert(
        payout_id.clone(),
        Accepted {
            ledger,
            ext_payout_id: ext.clone(),
            amount: payout.amount.clone(),
            description: payout.description.clone(),
            at: now,
            outcome: checked.outcome,
        },
    );
    let answer = PayoutAnswer {
        payout: PayoutState {
            payout_id,
            ext_payout_id: ext,
            amount: None,
            description: None,
            status: PayoutStatus::Pending,
        },
        status: success(),
    };
    (StatusCode::CREATED, Json(answer)).into_response()
}

fn success() -> Status {
    Status {
        status_code: "SUCCESS".to_owned(),
        severity: None,
        code: None,
        code_literal: None,
        status_desc: None,
        error: None,
        error_description: None,
    }
}

pub(super) async fn retrieve(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Path(payout_id): Path<String>,
) -> Response {
    if let Some(refused) = refused_token(&sandbox, &headers) {
        return refused;
    }
    let settle = sandbox.settings.settle;
    let state = sandbox.state();
    let now = state.now();
    // PayU Europe retrieves only payouts of the last 14 days (§16.4), by the sandbox's clock.
    let retrievable = |p: &&Accepted| now.saturating_duration_since(p.at) <= RETRIEVABLE;
    let Some(p) = state.europe.by_id.get(&payout_id).filter(retrievable) else {
        return refusal("8353");
    };
    let status = p.status(settle, now);
    let answer = PayoutAnswer {
        payout: PayoutState {
            payout_id,
            ext_payout_id: p.ext_payout_id.clone(),
            amount: p.amount.clone(),
            description: p.description.clone(),
            status,
        },
        status: success(),
    };
    Json(answer).into_response()
}
