//! PayU India's chargeback portal token (§15.1): `X-User-Email` and `X-User-Password`, with
//! `refresh_token=1` replacing the token by a new one valid for a week. PayU's page says GET
//! while its samples POST: both are served.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::Sandbox;
use crate::payu::auth::{ChargebackToken, Organization};

pub const CHARGEBACK_EMAIL: &str = "chargeback@sandbox.test";
pub const CHARGEBACK_PASSWORD: &str = "sandbox";

/// The current token and when it lapses (`YYYY-MM-DD HH:MM:SS`, IST).
#[derive(Default)]
pub(super) struct Current {
    token: Option<(String, String)>,
}

pub(super) async fn token(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    if header("X-User-Email") != CHARGEBACK_EMAIL
        || header("X-User-Password") != CHARGEBACK_PASSWORD
    {
        let body = serde_json::json!({"error": "Invalid email or password"});
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    let refresh = query.get("refresh_token").map(String::as_str) == Some("1");
    let mut state = sandbox.state();
    if refresh || state.chargeback.token.is_none() {
        let hex = state.next_id("chargeback");
        let token = format!(
            "{}_{}_{}_{}_{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        );
        let week =
            chrono::Utc::now().with_timezone(&super::rules::ist()) + chrono::Duration::days(7);
        state.chargeback.token = Some((token, week.format("%Y-%m-%d %H:%M:%S").to_string()));
    }
    let (token, expires_at) = state
        .chargeback
        .token
        .clone()
        .expect("a token was just made if there was none");
    Json(ChargebackToken {
        status: 200,
        message: "Success".to_owned(),
        token,
        expires_at,
        organization: Organization {
            id: 17909,
            name: "Root".to_owned(),
            uuid: "root".to_owned(),
            description: "Root".to_owned(),
            product: "na".to_owned(),
            hide_name: false,
        },
    })
    .into_response()
}
