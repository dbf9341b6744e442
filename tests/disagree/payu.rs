//! A `payu-bulk sandbox` process with a token of each API, and its verdict on one request.

use std::collections::HashMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

use super::common::Sandbox;
use super::requests::Kind;
use payu_bulk::payu::auth::INDIA_PUBLIC_CLIENT_ID_TEST;
use payu_bulk::sandbox::{
    EUROPE_POS_ID, EUROPE_POS_SECRET, INDIA_MERCHANT_ID, INDIA_PASSWORD, INDIA_USERNAME,
};

/// What the sandbox said to one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Accepted,
    /// Refused, with PayU's codes (none when it refused the body as a whole).
    Refused(Vec<String>),
}

pub struct Payu {
    pub sandbox: Sandbox,
    india: String,
    europe: String,
}

impl Payu {
    pub fn start() -> Payu {
        let sandbox = Sandbox::start(&[]);
        let (india, europe) = Payu::tokens(&sandbox);
        Payu {
            sandbox,
            india,
            europe,
        }
    }

    fn tokens(s: &Sandbox) -> (String, String) {
        let token = |path: &str, form: &[(&str, &str)]| -> String {
            let answer: Value = s
                .http
                .post(format!("{}{path}", s.url))
                .form(form)
                .send()
                .expect("a token answer")
                .json()
                .expect("a JSON token");
            answer["access_token"].as_str().expect("a token").to_owned()
        };
        let india = token(
            "/oauth/token",
            &[
                ("grant_type", "password"),
                ("client_id", INDIA_PUBLIC_CLIENT_ID_TEST),
                ("username", INDIA_USERNAME),
                ("password", INDIA_PASSWORD),
                ("scope", "create_payout_transactions"),
            ],
        );
        let europe = token(
            "/pl/standard/user/oauth/authorize",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", EUROPE_POS_ID),
                ("client_secret", EUROPE_POS_SECRET),
            ],
        );
        (india, europe)
    }

    /// Forgets what the last sheet sent (the CSV and XLSX twins share their references).
    pub fn reset(&mut self) {
        let s = &self.sandbox;
        let r = s.http.post(format!("{}/__sandbox/reset", s.url)).send();
        assert!(r.expect("a reset").status().is_success());
        (self.india, self.europe) = Payu::tokens(s);
    }

    /// What the ledger shows paid since the last reset: by reference, the amount (as a
    /// number; none for a whole balance) and the destination.
    pub fn paid(&self) -> HashMap<String, (Option<Decimal>, String)> {
        self.sandbox
            .ledger()
            .iter()
            .map(|e| {
                let text = |f: &str| e[f].as_str().expect("a ledger field").to_owned();
                let amount = Decimal::from_str(&text("amount")).ok();
                (
                    text("reference"),
                    (amount.map(|a| a.normalize()), text("destination")),
                )
            })
            .collect()
    }

    pub fn send(&self, kind: Kind, body: &Value) -> Verdict {
        let s = &self.sandbox;
        let (path, token) = match kind {
            Kind::Payout => ("/payout/v2/payment", &self.india),
            Kind::SmartSend => ("/payout/v2/smartSend/link", &self.india),
            Kind::GlobalPayout => ("/api/v2_1/payouts", &self.europe),
        };
        let answer = s
            .http
            .post(format!("{}{path}", s.url))
            .bearer_auth(token)
            .header("pid", INDIA_MERCHANT_ID)
            .json(body)
            .send()
            .expect("an answer");
        let http = answer.status().as_u16();
        let answer: Value = answer.json().expect("a JSON answer");
        let codes = |v: &Value| -> Vec<String> {
            match v {
                Value::Array(items) => items.iter().map(|c| c.to_string()).collect(),
                Value::Null => Vec::new(),
                one => vec![one.to_string().trim_matches('"').to_owned()],
            }
        };
        match kind {
            Kind::GlobalPayout if http == 201 => Verdict::Accepted,
            Kind::GlobalPayout => Verdict::Refused(codes(&answer["status"]["code"])),
            _ if answer["status"] == 0 => Verdict::Accepted,
            _ => {
                let mut found = codes(&answer["code"]);
                for item in answer["data"].as_array().into_iter().flatten() {
                    found.extend(codes(&item["code"]));
                }
                Verdict::Refused(found)
            }
        }
    }
}
