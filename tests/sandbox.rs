//! `payu-bulk sandbox` as a client sees it: PayU Europe's OAuth and payouts, with PayU's
//! codes and HTTP statuses, and the ledger that proves what was paid.

mod common;

use std::io::{BufRead, BufReader};

use serde_json::{Value, json};

use common::{Sandbox, client};

impl Sandbox {
    fn token_with(&self, id: &str, secret: &str) -> reqwest::blocking::Response {
        self.http
            .post(format!("{}/pl/standard/user/oauth/authorize", self.url))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", secret),
            ])
            .send()
            .expect("a token answer")
    }

    fn token(&self) -> String {
        let body: Value = self
            .token_with("300746", "2ee86a66e5d97e3fadc400c9f19b065d")
            .json()
            .unwrap();
        body["access_token"].as_str().expect("a token").to_owned()
    }

    fn payout(&self, token: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}/api/v2_1/payouts", self.url))
            .bearer_auth(token)
            .json(body)
            .send()
            .expect("a payout answer");
        (r.status().as_u16(), r.json().expect("a JSON answer"))
    }

    fn retrieve(&self, token: &str, id: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}/api/v2_1/payouts/{id}", self.url))
            .bearer_auth(token)
            .send()
            .expect("a retrieve answer");
        (r.status().as_u16(), r.json().expect("a JSON answer"))
    }
}

fn bank_payout(ext: &str) -> Value {
    json!({
        "shopId": "n7Cd7y1U",
        "payout": {"extPayoutId": ext, "amount": "150000", "description": "Wynagrodzenie"},
        "account": {"accountNumber": "61109010140000071219812874"},
        "customerAddress": {"name": "Jan Kowalski"}
    })
}

fn code(answer: &Value) -> &str {
    answer["status"]["code"].as_str().unwrap_or("")
}

#[test]
fn oauth_takes_the_sandbox_pos_and_nothing_else() {
    let s = Sandbox::start(&[]);
    let good = s.token_with("300746", "2ee86a66e5d97e3fadc400c9f19b065d");
    assert_eq!(good.status().as_u16(), 200);
    let body: Value = good.json().unwrap();
    assert_eq!(
        (body["token_type"].as_str(), body["expires_in"].as_u64()),
        (Some("bearer"), Some(43199))
    );
    let bad = s.token_with("300746", "wrong");
    assert_eq!(bad.status().as_u16(), 401);
    assert_eq!(bad.json::<Value>().unwrap()["error"], "invalid_client");
    // Without the form content type PayU answers 401 (§16.2).
    let not_a_form = s
        .http
        .post(format!("{}/pl/standard/user/oauth/authorize", s.url))
        .json(&json!({"grant_type": "client_credentials", "client_id": "300746"}))
        .send()
        .unwrap();
    assert_eq!(not_a_form.status().as_u16(), 401);
}

#[test]
fn a_payout_is_accepted_once_and_its_duplicates_counted() {
    let s = Sandbox::start(&[]);
    let (status, _) = s.payout("not-a-token", &bank_payout("EU-1"));
    assert_eq!(status, 401);
    assert!(s.ledger().is_empty(), "a refused request pays nothing");
    let token = s.token();
    let (status, created) = s.payout(&token, &bank_payout("EU-1"));
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        (
            created["payout"]["status"].as_str(),
            created["status"]["statusCode"].as_str()
        ),
        (Some("PENDING"), Some("SUCCESS"))
    );
    assert_eq!(created["payout"]["extPayoutId"], "EU-1");
    for _ in 0..2 {
        let (status, again) = s.payout(&token, &bank_payout("EU-1"));
        assert_eq!((status, code(&again)), (403, "8356"), "{again}");
        assert_eq!(again["status"]["codeLiteral"], "PAYOUT_ALREADY_EXISTS");
    }
    let ledger = s.ledger();
    assert_eq!(ledger.len(), 1);
    let entry = &ledger[0];
    assert_eq!(entry["api"], "europe-payout");
    assert_eq!(entry["merchant"], "n7Cd7y1U");
    assert_eq!(entry["reference"], "EU-1");
    assert_eq!(entry["amount"], "150000");
    assert_eq!(entry["destination"], "account:61109010140000071219812874");
    assert_eq!(entry["times_received"], 3);
    assert!(entry["accepted_at"].is_string());
    let reset = s
        .http
        .post(format!("{}/__sandbox/reset", s.url))
        .send()
        .unwrap();
    assert!(reset.status().is_success());
    assert!(s.ledger().is_empty());
}

#[test]
fn payouts_are_refused_with_payus_codes() {
    let s = Sandbox::start(&[]);
    let token = s.token();
    let mut foreign = bank_payout("EU-2");
    foreign["payout"]["currencyCode"] = json!("EUR");
    foreign["account"]["accountNumber"] = json!("DE89370400440532013000");
    assert_eq!(s.payout(&token, &foreign).0, 400);
    assert_eq!(
        code(&s.payout(&token, &foreign).1),
        "8303",
        "a foreign payout needs the bank's name"
    );
    let mut other_shop = bank_payout("EU-3");
    other_shop["shopId"] = json!("someone-else");
    let (status, answer) = s.payout(&token, &other_shop);
    assert_eq!((status, code(&answer)), (403, "8359"));
    let mut two = bank_payout("EU-4");
    two["cardToken"] = json!({"value": "TOKC_ABC"});
    let (status, answer) = s.payout(&token, &two);
    assert_eq!((status, code(&answer)), (403, "8355"));
    let mut no_amount = bank_payout("EU-5");
    no_amount["payout"]
        .as_object_mut()
        .unwrap()
        .remove("amount");
    let (status, answer) = s.payout(&token, &no_amount);
    assert_eq!((status, code(&answer)), (400, "8300"));
    let mut no_shop = bank_payout("EU-6");
    no_shop["shopId"] = json!("");
    assert_eq!(code(&s.payout(&token, &no_shop).1), "8361");
    assert!(s.ledger().is_empty());
    let (status, answer) = s.retrieve(&token, "no-such-payout");
    assert_eq!((status, code(&answer)), (404, "8353"));
}

#[test]
fn test_cards_settle_as_payu_documents() {
    let s = Sandbox::start(&["--settle-ms", "0"]);
    let token = s.token();
    let card = |ext: &str, number: &str| {
        json!({
            "shopId": "n7Cd7y1U",
            "payout": {"extPayoutId": ext, "amount": "9999", "description": "Zwrot"},
            "customerAddress": {"name": "Katarzyna Lewandowska"},
            "card": {"number": number, "expirationMonth": "12", "expirationYear": "2099"}
        })
    };
    let (_, paid) = s.payout(&token, &card("EU-7", "4655413107713609"));
    let (_, cancelled) = s.payout(&token, &card("EU-8", "4302193177728334"));
    let status = |answer: &Value| {
        let id = answer["payout"]["payoutId"].as_str().unwrap().to_owned();
        s.retrieve(&token, &id).1["payout"]["status"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(status(&paid), "REALIZED");
    assert_eq!(status(&cancelled), "CANCELLED");
    let ledger = s.ledger();
    assert_eq!(
        ledger[0]["destination"], "card:465541******3609",
        "the ledger masks cards"
    );
}

#[test]
fn payouts_stay_pending_until_they_settle() {
    let s = Sandbox::start(&["--settle-ms", "600000"]);
    let token = s.token();
    let (_, created) = s.payout(&token, &bank_payout("EU-9"));
    let id = created["payout"]["payoutId"].as_str().unwrap();
    let (status, answer) = s.retrieve(&token, id);
    assert_eq!(
        (status, answer["payout"]["status"].as_str()),
        (200, Some("PENDING"))
    );
    assert_eq!(answer["payout"]["amount"], "150000");
}

#[test]
fn an_expired_token_is_refused() {
    let s = Sandbox::start(&["--token-ttl", "0"]);
    let token = s.token();
    let (status, answer) = s.payout(&token, &bank_payout("EU-10"));
    assert_eq!(status, 401);
    assert_eq!(answer["error"], "invalid_token");
    assert!(s.ledger().is_empty());
}

const PUBLIC_CLIENT: &str = "6f8bb4951e030d4d7349e64a144a534778673585f86039617c167166e9154f7e";

impl Sandbox {
    fn india_token(&self, form: &[(&str, &str)]) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}/oauth/token", self.url))
            .form(form)
            .send()
            .unwrap();
        (r.status().as_u16(), r.json().unwrap())
    }

    fn india_login(&self) -> String {
        let (status, body) = self.india_token(&[
            ("grant_type", "password"),
            ("client_id", PUBLIC_CLIENT),
            ("username", "payouts@sandbox.test"),
            ("password", "sandbox"),
            ("scope", "create_payout_transactions"),
        ]);
        assert_eq!(status, 200, "{body}");
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// Initiate Transfer v2 (header `pid`), or v1 (header `payoutMerchantId`).
    fn transfer(&self, token: &str, v2: bool, items: &Value) -> (u16, Value) {
        let (path, header) = if v2 {
            ("/payout/v2/payment", "pid")
        } else {
            ("/payout/payment", "payoutMerchantId")
        };
        let r = self
            .http
            .post(format!("{}{path}", self.url))
            .bearer_auth(token)
            .header(header, "1111123")
            .json(items)
            .send()
            .unwrap();
        (r.status().as_u16(), r.json().unwrap())
    }

    fn transactions(&self, token: &str, reference: &str) -> Value {
        self.http
            .post(format!("{}/payout/payment/listTransactions", self.url))
            .bearer_auth(token)
            .header("payoutMerchantId", "1111123")
            .form(&[("merchantRefId", reference)])
            .send()
            .unwrap()
            .json()
            .unwrap()
    }
}

fn imps(reference: &str, account: &str) -> Value {
    json!({"beneficiaryAccountNumber": account, "beneficiaryIfscCode": "HDFC0001234", "beneficiaryName": "Asha Verma",
           "purpose": "Salary November", "amount": 1234.12, "batchId": "B1", "merchantRefId": reference,
           "paymentType": "IMPS", "retry": false})
}

#[test]
fn india_grants_and_their_refusals() {
    let s = Sandbox::start(&[]);
    let (status, body) = s.india_token(&[
        ("grant_type", "password"),
        ("client_id", PUBLIC_CLIENT),
        ("username", "payouts@sandbox.test"),
        ("password", "sandbox"),
        ("scope", "create_payout_transactions"),
    ]);
    assert_eq!(status, 200);
    assert_eq!(
        (body["token_type"].as_str(), body["expires_in"].as_u64()),
        (Some("Bearer"), Some(7199))
    );
    assert_eq!(body["access_token"].as_str().unwrap().len(), 64);
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();
    let renew = [
        ("grant_type", "refresh_token"),
        ("client_id", PUBLIC_CLIENT),
        ("refresh_token", refresh.as_str()),
    ];
    let (status, renewed) = s.india_token(&renew);
    assert_eq!(status, 200, "{renewed}");
    assert!(renewed["refresh_token"].is_string());
    assert_eq!(s.india_token(&renew).0, 401, "a refresh token works once");
    let (status, private) = s.india_token(&[
        ("grant_type", "client_credentials"),
        ("client_id", "sandbox-client"),
        ("client_secret", "sandbox-secret"),
        ("scope", "create_payout_transactions"),
    ]);
    assert_eq!(status, 200);
    assert!(private.get("refresh_token").is_none(), "{private}");
    let (status, refused) = s.india_token(&[
        ("grant_type", "password"),
        ("client_id", PUBLIC_CLIENT),
        ("username", "payouts@sandbox.test"),
        ("password", "guess"),
    ]);
    assert_eq!(
        (status, refused["error"].as_str()),
        (401, Some("invalid_grant"))
    );
    // A PayU Europe token opens nothing in India.
    let europe = s.token();
    let (status, gateway) = s.transfer(&europe, true, &json!([imps("R0", "50100234567891")]));
    assert_eq!(
        (
            status,
            gateway["message"].as_str(),
            gateway["path"].as_str()
        ),
        (401, Some("Access is denied"), Some("/payout/v2/payment"))
    );
}

#[test]
fn india_test_accounts_settle_as_documented() {
    let s = Sandbox::start(&["--settle-ms", "0"]);
    let token = s.india_login();
    let batch = json!([
        imps("R-OK", "51234567890"),
        imps("R-FAIL", "41234567890"),
        imps("R-WAIT", "61234567890")
    ]);
    let (status, accepted) = s.transfer(&token, true, &batch);
    assert_eq!(
        (status, accepted["status"].as_i64()),
        (200, Some(0)),
        "{accepted}"
    );
    assert_eq!(accepted["data"], json!([]));
    let state = |reference: &str| {
        let page = s.transactions(&token, reference);
        page["data"]["transactionDetails"][0]["txnStatus"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(state("R-OK"), "SUCCESS");
    assert_eq!(state("R-FAIL"), "FAILED");
    assert_eq!(state("R-WAIT"), "PENDING");
    let page = s.transactions(&token, "R-OK");
    assert_eq!(
        page["data"]["transactionDetails"][0]["amount"],
        json!(1234.12)
    );
    let unknown = s.transactions(&token, "never-sent");
    assert_eq!(unknown["status"], 0);
    assert_eq!(unknown["data"]["transactionDetails"], json!([]));
    let ledger = s.ledger();
    assert_eq!(ledger.len(), 3);
    assert_eq!(ledger[0]["api"], "india-payout");
    assert_eq!(ledger[0]["amount"], "1234.12");
    assert_eq!(ledger[0]["destination"], "account:51234567890/HDFC0001234");
}

#[test]
fn india_batches_are_refused_whole_with_codes_per_item() {
    let s = Sandbox::start(&["--settle-ms", "600000"]);
    let token = s.india_login();
    let (_, first) = s.transfer(&token, false, &json!([imps("R1", "50100234567891")]));
    assert_eq!(first["status"], 0, "v1 with payoutMerchantId: {first}");
    let queued = s.transactions(&token, "R1");
    assert_eq!(
        queued["data"]["transactionDetails"][0]["txnStatus"],
        "QUEUED"
    );
    let mut no_account = imps("R2", "");
    no_account["beneficiaryAccountNumber"] = json!("");
    let bad_ifsc = {
        let mut t = imps("R3", "50100234567892");
        t["beneficiaryIfscCode"] = json!("HDFC001234");
        t
    };
    let (status, refused) = s.transfer(
        &token,
        true,
        &json!([imps("R1", "50100234567891"), no_account, bad_ifsc]),
    );
    assert_eq!((status, refused["status"].as_i64()), (200, Some(1)));
    let items = refused["data"].as_array().unwrap();
    let codes: Vec<(&str, Value)> = items
        .iter()
        .map(|i| (i["merchantRefId"].as_str().unwrap(), i["code"].clone()))
        .collect();
    assert_eq!(
        codes,
        [
            ("R1", json!([1002])),
            ("R2", json!([1004])),
            ("R3", json!([1022]))
        ]
    );
    assert_eq!(
        items[1]["error"],
        "beneficiary account number can not be empty. "
    );
    let ledger = s.ledger();
    assert_eq!(ledger.len(), 1, "nothing of a refused batch is paid");
    assert_eq!(ledger[0]["times_received"], 2);
    // A merchant id that is not this account's.
    let wrong = s
        .http
        .post(format!("{}/payout/v2/payment", s.url))
        .bearer_auth(&token)
        .header("pid", "999")
        .json(&json!([imps("R9", "50100234567891")]))
        .send()
        .unwrap()
        .json::<Value>()
        .unwrap();
    assert_eq!(wrong["status"], 1);
}

#[test]
fn latency_delays_payu_requests_only() {
    // A latency far longer than any wait below, so that neither check depends on speed.
    let s = Sandbox::start(&["--latency-ms", "120000"]);
    let impatient = reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(1))
        .build()
        .unwrap();
    let held = impatient
        .post(format!("{}/pl/standard/user/oauth/authorize", s.url))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "300746"),
            ("client_secret", "2ee86a66e5d97e3fadc400c9f19b065d"),
        ])
        .send();
    assert!(
        held.as_ref().is_err_and(|e| e.is_timeout()),
        "a PayU request waits out the latency: {held:?}"
    );
    // The inspection endpoints answer at once: delayed by the latency, they would outlast
    // the client's own timeout (30 s) and fail.
    assert!(s.ledger().is_empty());
    let reset = s
        .http
        .post(format!("{}/__sandbox/reset", s.url))
        .send()
        .expect("the reset answers while a PayU request is held");
    assert!(reset.status().is_success());
}

#[test]
fn over_the_rate_limit_payu_answers_429_with_retry_after() {
    let s = Sandbox::start(&["--rate-limit", "2"]);
    let answers: Vec<reqwest::blocking::Response> = (0..10)
        .map(|_| s.token_with("300746", "2ee86a66e5d97e3fadc400c9f19b065d"))
        .collect();
    let limited: Vec<&reqwest::blocking::Response> = answers
        .iter()
        .filter(|r| r.status().as_u16() == 429)
        .collect();
    assert!(
        !limited.is_empty(),
        "10 requests at 2 a second meet the limit"
    );
    assert_eq!(limited[0].headers()["retry-after"], "1");
    // The inspection endpoints are never limited.
    for _ in 0..5 {
        s.ledger();
    }
}

/// What became of one request.
#[derive(Debug, PartialEq)]
enum Outcome {
    Answered(u16, Value),
    /// The connection dropped: no status, no body.
    NoAnswer,
}

impl Sandbox {
    /// A PayU Europe token, or `None` when the request met a fault.
    fn try_token(&self) -> Option<String> {
        let r = self
            .http
            .post(format!("{}/pl/standard/user/oauth/authorize", self.url))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "300746"),
                ("client_secret", "2ee86a66e5d97e3fadc400c9f19b065d"),
            ])
            .send()
            .ok()?;
        if r.status().as_u16() != 200 {
            return None;
        }
        r.json::<Value>().ok()?["access_token"]
            .as_str()
            .map(str::to_owned)
    }

    fn try_payout(&self, token: &str, body: &Value) -> Outcome {
        match self
            .http
            .post(format!("{}/api/v2_1/payouts", self.url))
            .bearer_auth(token)
            .json(body)
            .send()
        {
            Ok(r) => {
                let status = r.status().as_u16();
                Outcome::Answered(status, r.json().unwrap_or(Value::Null))
            }
            Err(_) => Outcome::NoAnswer,
        }
    }
}

#[test]
fn faults_are_seeded_and_a_lost_answer_may_hide_a_payout() {
    let s = Sandbox::start(&["--fault-rate", "0.5", "--seed", "7"]);
    let token = (0..50)
        .find_map(|_| s.try_token())
        .expect("a token within 50 tries");
    let outcomes: Vec<(String, Outcome)> = (0..40)
        .map(|i| {
            let reference = format!("EU-F{i}");
            let outcome = s.try_payout(&token, &bank_payout(&reference));
            (reference, outcome)
        })
        .collect();
    let ledger: Vec<String> = s
        .ledger()
        .iter()
        .map(|e| e["reference"].as_str().unwrap().to_owned())
        .collect();
    let paid = |r: &str| ledger.iter().any(|l| l == r);
    let mut lost_but_paid = Vec::new();
    let mut lost_unpaid = 0;
    let mut errors = 0;
    for (reference, outcome) in &outcomes {
        match outcome {
            Outcome::Answered(201, _) => assert!(paid(reference), "{reference} was accepted"),
            Outcome::Answered(500, _) => {
                errors += 1;
                assert!(!paid(reference), "a 500 comes before anything is done");
            }
            Outcome::Answered(status, body) => panic!("{reference}: {status} {body}"),
            Outcome::NoAnswer if paid(reference) => lost_but_paid.push(reference.clone()),
            Outcome::NoAnswer => lost_unpaid += 1,
        }
    }
    assert!(
        errors > 0 && lost_unpaid > 0 && !lost_but_paid.is_empty(),
        "{outcomes:?}"
    );
    // Sent again, a payout whose answer was lost gets PayU's duplicate answer: it exists.
    let again = (0..50)
        .map(|_| s.try_payout(&token, &bank_payout(&lost_but_paid[0])))
        .find(|o| matches!(o, Outcome::Answered(status, _) if *status != 500))
        .expect("an answer within 50 tries");
    match again {
        Outcome::Answered(403, body) => assert_eq!(code(&body), "8356"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn chargeback_token_keeps_or_rotates() {
    let s = Sandbox::start(&[]);
    let ask = |email: &str, refresh: &str| {
        s.http
            .post(format!("{}/api_auth?refresh_token={refresh}", s.url))
            .header("X-User-Email", email)
            .header("X-User-Password", "sandbox")
            .send()
            .unwrap()
    };
    let refused = ask("someone@else.test", "0");
    assert_eq!(refused.status().as_u16(), 401);
    assert_eq!(
        refused.json::<Value>().unwrap(),
        json!({"error": "Invalid email or password"})
    );
    let first: Value = ask("chargeback@sandbox.test", "0").json().unwrap();
    assert_eq!(
        (first["status"].as_u64(), first["message"].as_str()),
        (Some(200), Some("Success"))
    );
    let token = first["token"].as_str().unwrap();
    assert_eq!(
        token.split('_').map(str::len).collect::<Vec<_>>(),
        [8, 4, 4, 4, 12]
    );
    assert_eq!(first["organization"]["name"], "Root");
    let same: Value = ask("chargeback@sandbox.test", "0").json().unwrap();
    assert_eq!(
        same["token"], first["token"],
        "refresh_token=0 keeps the token"
    );
    let rotated: Value = ask("chargeback@sandbox.test", "1").json().unwrap();
    assert_ne!(
        rotated["token"], first["token"],
        "refresh_token=1 replaces it"
    );
    let by_get: Value = s
        .http
        .get(format!("{}/api_auth", s.url))
        .header("X-User-Email", "chargeback@sandbox.test")
        .header("X-User-Password", "sandbox")
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(by_get["token"], rotated["token"]);
}

impl Sandbox {
    fn create_link(&self, token: &str, body: &Value) -> Value {
        self.http
            .post(format!("{}/payout/v2/smartSend/link", self.url))
            .bearer_auth(token)
            .header("pid", "1111123")
            .json(body)
            .send()
            .unwrap()
            .json()
            .unwrap()
    }

    fn link_details(&self, token: &str, reference: &str) -> Value {
        self.http
            .get(format!("{}/payout/merchant/smartSend/details", self.url))
            .bearer_auth(token)
            .query(&[
                ("payoutMerchantId", "1111123"),
                ("merchantRefId", reference),
            ])
            .send()
            .unwrap()
            .json()
            .unwrap()
    }
}

fn link(reference: &str) -> Value {
    json!({"amount": "1500.00", "merchantRefId": reference, "custName": "Ananya Rao",
           "custMobile": "9845012345", "description": "Refund order 88121"})
}

#[test]
fn smart_send_links_are_made_once_and_paid_when_they_settle() {
    let s = Sandbox::start(&["--settle-ms", "0"]);
    let token = s.india_login();
    let made = s.create_link(&token, &link("LINK-1"));
    assert_eq!(
        (made["status"].as_i64(), made["msg"].as_str()),
        (Some(0), Some("Success")),
        "{made}"
    );
    let link_id = made["data"]["linkId"].as_str().unwrap().to_owned();
    assert!(
        made["data"]["link"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    let again = s.create_link(&token, &link("LINK-1"));
    assert_eq!(
        (again["status"].as_i64(), again["data"][0]["code"].as_i64()),
        (Some(1), Some(1103))
    );
    let details = s.link_details(&token, "LINK-1");
    assert_eq!(details["data"]["smartSendStatus"], "SUCCESS");
    assert!(
        details["data"]["payuTransactionRefNo"]
            .as_str()
            .unwrap()
            .starts_with("PAYOUT")
    );
    let by_link: Value = s
        .http
        .get(format!("{}/payout/v2/smartSend/status", s.url))
        .bearer_auth(&token)
        .header("pid", "1111123")
        .query(&[("linkId", link_id.as_str())])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(by_link["data"]["merchantRefId"], "LINK-1");
    let unknown = s.link_details(&token, "LINK-X");
    assert_eq!(unknown["status"], 1);
    assert!(
        unknown["msg"]
            .as_str()
            .unwrap()
            .starts_with("Smart Send Record not found with merchant reference id - LINK-X.")
    );
    assert_eq!(unknown["data"]["merchantRefId"], "LINK-X");
    let ledger = s.ledger();
    assert_eq!(
        (
            ledger[0]["api"].as_str(),
            ledger[0]["times_received"].as_u64()
        ),
        (Some("smart-send"), Some(2))
    );
    assert_eq!(ledger[0]["amount"], "1500.00");
    assert_eq!(ledger[0]["destination"], "mobile:9845012345");
}

#[test]
fn smart_send_refusals_carry_payus_codes() {
    let s = Sandbox::start(&["--settle-ms", "600000"]);
    let token = s.india_login();
    let mut nobody = link("LINK-2");
    nobody.as_object_mut().unwrap().remove("custMobile");
    let refused = s.create_link(&token, &nobody);
    assert_eq!(
        refused["data"],
        json!([{"code": 1108, "message": "custMobile or custEmail is required"}])
    );
    let mut bad = link("LINK#3");
    bad["amount"] = json!(0);
    bad["custEmail"] = json!("nobody@");
    let codes: Vec<i64> = s.create_link(&token, &bad)["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [1101, 1104, 1106]);
    let mut number_amount = link("LINK-4");
    number_amount["amount"] = json!(250.5);
    assert_eq!(
        s.create_link(&token, &number_amount)["status"],
        0,
        "an amount may come as a number"
    );
    assert_eq!(
        s.link_details(&token, "LINK-4")["data"]["smartSendStatus"],
        "PENDING"
    );
    assert_eq!(s.ledger().len(), 1);
}

impl Sandbox {
    fn india_form(&self, token: &str, path: &str, form: &[(&str, &str)]) -> Value {
        self.http
            .post(format!("{}{path}", self.url))
            .bearer_auth(token)
            .header("payoutMerchantId", "1111123")
            .form(form)
            .send()
            .unwrap()
            .json()
            .unwrap()
    }

    fn india_get(&self, token: &str, path: &str, query: &[(&str, &str)]) -> Value {
        self.http
            .get(format!("{}{path}", self.url))
            .bearer_auth(token)
            .header("payoutMerchantId", "1111123")
            .query(query)
            .send()
            .unwrap()
            .json()
            .unwrap()
    }
}

#[test]
fn only_queued_transfers_cancel_and_the_balance_follows() {
    let s = Sandbox::start(&["--settle-ms", "600000"]);
    let token = s.india_login();
    let opening = s.india_get(&token, "/payout/merchant/getAccountDetail", &[]);
    assert_eq!(opening["data"]["balance"], json!(10000000));
    assert_eq!(opening["data"]["virtualAccountNumber"], "PAYUIN1111123");
    s.transfer(&token, true, &json!([imps("R1", "50100234567891")]));
    let after = s.india_get(&token, "/payout/merchant/getAccountDetail", &[]);
    assert_eq!(after["data"]["balance"], json!(9998765.88));
    let cancelled = s.india_form(&token, "/payout/payment/cancel", &[("merchantRefId", "R1")]);
    assert_eq!(
        (cancelled["status"].as_i64(), cancelled["msg"].as_str()),
        (Some(0), Some("Payout transaction cancelled"))
    );
    assert_eq!(
        s.transactions(&token, "R1")["data"]["transactionDetails"][0]["txnStatus"],
        "CANCELLED"
    );
    let again = s.india_form(&token, "/payout/payment/cancel", &[("merchantRefId", "R1")]);
    assert_eq!(again["status"], 1);
    let unknown = s.india_form(
        &token,
        "/payout/payment/cancel",
        &[("merchantRefId", "R-none")],
    );
    assert_eq!(unknown["msg"], "Merchant reference Id is incorrect");
    let back = s.india_get(&token, "/payout/merchant/getAccountDetail", &[]);
    assert_eq!(
        back["data"]["balance"],
        json!(10000000),
        "a cancelled transfer gives its money back"
    );
    // More than the balance: accepted, and queued until money comes.
    let mut big = imps("R2", "50100234567892");
    big["amount"] = json!(20000000);
    big["paymentType"] = json!("NEFT");
    assert_eq!(s.transfer(&token, true, &json!([big])).1["status"], 0);
    assert_eq!(
        s.transactions(&token, "R2")["data"]["transactionDetails"][0]["txnStatus"],
        "QUEUED"
    );
}

#[test]
fn a_settled_transfer_cannot_be_cancelled() {
    let s = Sandbox::start(&["--settle-ms", "0"]);
    let token = s.india_login();
    s.transfer(&token, true, &json!([imps("R1", "51234567890")]));
    let refused = s.india_form(&token, "/payout/payment/cancel", &[("merchantRefId", "R1")]);
    assert_eq!(
        refused["msg"],
        "Payout cannot be cancelled as it is already processed"
    );
}

#[test]
fn verification_apis_answer_as_in_payus_test_environment() {
    let s = Sandbox::start(&[]);
    let token = s.india_login();
    let vpa = s
        .http
        .post(format!("{}/payout/merchant/validateVpa", s.url))
        .bearer_auth(&token)
        .header("payoutMerchantId", "1111123")
        .query(&[("vpa", "kk@okaxis")])
        .send()
        .unwrap()
        .json::<Value>()
        .unwrap();
    assert_eq!(
        (vpa["status"].as_i64(), vpa["msg"].as_str()),
        (Some(0), Some("vpa available"))
    );
    let other = s.india_form(
        &token,
        "/payout/merchant/validateVpa",
        &[("vpa", "someone@ybl")],
    );
    assert_eq!(other["data"]["message"], "UPI address is invalid");
    let ifsc = s.india_get(
        &token,
        "/payout/merchant/getIfscDetails",
        &[("ifsc", "HDFC0000001")],
    );
    assert_eq!(
        (ifsc["data"]["ifsc"].as_str(), ifsc["data"]["bank"].as_str()),
        (Some("HDFC0000001"), Some("HDFC Bank"))
    );
    let bad = s.india_get(
        &token,
        "/payout/merchant/getIfscDetails",
        &[("ifsc", "QQQQ0000001")],
    );
    assert_eq!(bad["msg"], "IFSC is invalid");
    let verify = |account: &str| {
        s.india_form(
            &token,
            "/payout/payment/verifyAccount",
            &[
                ("accountNumber", account),
                ("ifscCode", "HDFC0000001"),
                ("merchantRefId", "V1"),
                ("purpose", "Verification"),
            ],
        )["data"]["accountExists"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(verify("51234567890"), "YES");
    assert_eq!(verify("41234567890"), "No");
    assert_eq!(verify("61234567890"), "VERIFICATION_PENDING");
}

impl Sandbox {
    fn upload(&self, token: &str, name: &str, bytes: Vec<u8>) -> Value {
        let part = reqwest::blocking::multipart::Part::bytes(bytes).file_name(name.to_owned());
        self.http
            .post(format!(
                "{}/payout/v2/smartSend/bulkUpload/transfers",
                self.url
            ))
            .bearer_auth(token)
            .header("pid", "1111123")
            .multipart(reqwest::blocking::multipart::Form::new().part("file", part))
            .send()
            .unwrap()
            .json()
            .unwrap()
    }

    fn bulk(&self, token: &str, put: bool, id: i64) -> Value {
        let request = if put {
            self.http.put(format!(
                "{}/payout/v2/smartSend/bulkUpload/transfers/{id}",
                self.url
            ))
        } else {
            self.http
                .get(format!("{}/payout/v2/bulkUpload/transfers/{id}", self.url))
        };
        request
            .bearer_auth(token)
            .header("pid", "1111123")
            .send()
            .unwrap()
            .json()
            .unwrap()
    }
}

const BULK_CSV: &str = "merchantRefId,amount,custName,custMobile,custEmail,description,expiryDate\n\
BULK-1,1500.00,Ananya Rao,9845012345,,Refund order 1,\n\
BULK-2,250,Vikram Singh,,vikram@example.in,Refund order 2,\n\
BULK-3,0,Fatima Sheikh,,,Refund order 3,\n";

#[test]
fn a_bulk_file_goes_requested_in_progress_completed() {
    let s = Sandbox::start(&["--settle-ms", "0"]);
    let token = s.india_login();
    let uploaded = s.upload(&token, "links.csv", BULK_CSV.as_bytes().to_vec());
    assert_eq!(uploaded["status"], 0, "{uploaded}");
    let file = &uploaded["data"];
    assert_eq!(
        (file["status"].as_str(), file["totalRows"].as_i64()),
        (Some("REQUESTED"), Some(3))
    );
    assert_eq!(file["displayName"], "links.csv");
    let id = file["id"].as_i64().unwrap();
    assert!(
        s.ledger().is_empty(),
        "nothing is made before the file is processed"
    );
    let processing = s.bulk(&token, true, id);
    assert_eq!(processing["data"]["status"], "IN_PROGRESS");
    let done = s.bulk(&token, false, id);
    assert_eq!(done["data"]["status"], "COMPLETED");
    assert_eq!(
        (
            done["data"]["successfulRows"].as_i64(),
            done["data"]["failedRows"].as_i64()
        ),
        (Some(2), Some(1))
    );
    assert_eq!(
        s.link_details(&token, "BULK-2")["data"]["smartSendStatus"],
        "SUCCESS"
    );
    assert_eq!(
        s.link_details(&token, "BULK-3")["status"],
        1,
        "the failed row made no link"
    );
    let refs: Vec<String> = s
        .ledger()
        .iter()
        .map(|e| e["reference"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(refs, ["BULK-1", "BULK-2"]);
    // Processing again makes nothing twice.
    s.bulk(&token, true, id);
    assert_eq!(s.ledger().len(), 2);
    assert_eq!(s.bulk(&token, false, 424242)["status"], 1);
}

#[test]
fn a_bulk_file_may_be_xlsx() {
    let s = Sandbox::start(&["--settle-ms", "600000"]);
    let token = s.india_login();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheet = wb.add_worksheet();
    for (r, line) in BULK_CSV.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            sheet.write_string(r as u32, c as u16, cell).unwrap();
        }
    }
    let bytes = wb.save_to_buffer().unwrap();
    let uploaded = s.upload(&token, "links.xlsx", bytes);
    let id = uploaded["data"]["id"].as_i64().unwrap();
    assert_eq!(uploaded["data"]["totalRows"], 3);
    assert_eq!(s.bulk(&token, true, id)["data"]["successfulRows"], 2);
    assert_eq!(
        s.bulk(&token, false, id)["data"]["status"],
        "IN_PROGRESS",
        "not settled yet"
    );
    let refused = s.upload(&token, "links.pdf", b"%PDF".to_vec());
    assert_eq!(refused["status"], 1);
}

#[test]
fn links_cancel_only_before_they_are_paid_and_expiry_can_be_extended() {
    let s = Sandbox::start(&["--settle-ms", "600000"]);
    let token = s.india_login();
    let made = s.create_link(&token, &link("LINK-C1"));
    let id = made["data"]["linkId"].as_str().unwrap().to_owned();
    let extend = |expiry: &str| -> Value {
        s.http
            .put(format!("{}/payout/v2/smartSend/expiry/{id}", s.url))
            .bearer_auth(&token)
            .header("pid", "1111123")
            .form(&[("expiryDate", expiry)])
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    assert_eq!(extend("2099-01-31T10:00:00.000Z")["status"], 0);
    assert_eq!(extend("2020-01-31T10:00:00.000Z")["code"], 1121);
    let cancel = || -> Value {
        s.http
            .post(format!("{}/payout/smartPay/cancel", s.url))
            .bearer_auth(&token)
            .header("payoutMerchantId", "1111123")
            .query(&[("merchantRefId", "LINK-C1")])
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    assert_eq!(
        cancel(),
        json!({"status": 0, "msg": "Smart send link cancelled", "code": null, "data": null})
    );
    assert_eq!(cancel()["code"], 1110, "a cancelled link cancels once");
    assert_eq!(
        s.link_details(&token, "LINK-C1")["data"]["smartSendStatus"],
        "CANCELLED"
    );
    let status: Value = s
        .http
        .get(format!("{}/payout/v2/smartSend/status", s.url))
        .bearer_auth(&token)
        .header("pid", "1111123")
        .query(&[("linkId", id.as_str())])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        (status["msg"].as_str(), status["code"].as_i64()),
        (Some("SmartPay Link cancelled"), Some(1122))
    );
    let by_id = s
        .http
        .put(format!("{}/payout/v2/smartSend/cancel/unknown-id", s.url))
        .bearer_auth(&token)
        .header("pid", "1111123")
        .send()
        .unwrap()
        .json::<Value>()
        .unwrap();
    assert_eq!(by_id["code"], 1112);
}

#[test]
fn a_paid_link_does_not_cancel() {
    let s = Sandbox::start(&["--settle-ms", "0"]);
    let token = s.india_login();
    let id = s.create_link(&token, &link("LINK-P"))["data"]["linkId"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused: Value = s
        .http
        .put(format!("{}/payout/v2/smartSend/cancel/{id}", s.url))
        .bearer_auth(&token)
        .header("pid", "1111123")
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(refused["code"], 1110);
}

#[test]
fn europe_payouts_older_than_14_days_are_not_found() {
    let s = Sandbox::start(&[]);
    let token = s.token();
    let (_, created) = s.payout(&token, &bank_payout("EU-OLD"));
    let id = created["payout"]["payoutId"].as_str().unwrap().to_owned();
    assert_eq!(s.retrieve(&token, &id).0, 200);
    let advance = |seconds: u64| {
        s.http
            .post(format!("{}/__sandbox/clock", s.url))
            .json(&json!({"advance_seconds": seconds}))
            .send()
            .unwrap()
    };
    advance(13 * 24 * 3600);
    assert_eq!(s.retrieve(&token, &id).0, 200, "13 days old");
    advance(2 * 24 * 3600);
    let (status, answer) = s.retrieve(&token, &id);
    assert_eq!((status, code(&answer)), (404, "8353"), "15 days old");
}

/// A merchant's webhook endpoint on an OS-chosen port: answers each POST with the next of
/// `answers` (then 200), and hands every body it receives to the test.
struct Receiver {
    url: String,
    bodies: std::sync::mpsc::Receiver<Value>,
}

fn receiver(answers: Vec<u16>) -> Receiver {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/payu/events", listener.local_addr().unwrap());
    let (tx, bodies) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut answers = answers.into_iter();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                continue;
            }
            let status = answers.next().unwrap_or(200);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            if tx
                .send(serde_json::from_slice(&body).unwrap_or(Value::Null))
                .is_err()
            {
                return;
            }
        }
    });
    Receiver { url, bodies }
}

impl Receiver {
    fn next(&self) -> Value {
        self.bodies
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("an event within 20 s")
    }
}

impl Sandbox {
    fn set_webhooks(&self, token: &str, body: &Value) -> Value {
        self.http
            .post(format!("{}/payout/v2/webhook", self.url))
            .bearer_auth(token)
            .header("payoutMerchantId", "1111123")
            .json(body)
            .send()
            .unwrap()
            .json()
            .unwrap()
    }
}

#[test]
fn settled_transfers_are_posted_to_the_webhook_with_the_authorization_echoed() {
    let s = Sandbox::start(&["--settle-ms", "0"]);
    let token = s.india_login();
    let merchant = receiver(vec![]);
    let failures = receiver(vec![]);
    let saved = s.set_webhooks(&token, &json!([
        {"webhook": "default", "values": {"url": merchant.url, "authorization": "s3cret"}},
        {"webhook": "transfer_failed", "values": {"url": failures.url, "authorization": "other"}}
    ]));
    assert_eq!(
        (saved["status"].as_i64(), saved["msg"].as_str()),
        (Some(0), Some("Webhook saved successfully"))
    );
    s.transfer(
        &token,
        true,
        &json!([imps("R-OK", "51234567890"), imps("R-FAIL", "41234567890")]),
    );
    let ok = merchant.next();
    assert_eq!(
        (ok["event"].as_str(), ok["merchantReferenceId"].as_str()),
        (Some("TRANSFER_SUCCESS"), Some("R-OK"))
    );
    assert_eq!(
        (
            ok["authorization"].as_str(),
            ok["payoutMerchantId"].as_str()
        ),
        (Some("s3cret"), Some("1111123"))
    );
    assert!(ok["payuRefId"].as_str().unwrap().starts_with("PAYOUT"));
    let failed = failures.next();
    assert_eq!(
        (failed["event"].as_str(), failed["authorization"].as_str()),
        (Some("TRANSFER_FAILED"), Some("other"))
    );
    let invalid = s.set_webhooks(
        &token,
        &json!([{"webhook": "default", "values": {"url": "not a url"}}]),
    );
    assert_eq!(
        (invalid["code"].as_i64(), invalid["msg"].as_str()),
        (Some(20407), Some("Webhook url is invalid"))
    );
}

#[test]
fn an_event_is_tried_twice_more_and_bulk_files_announce_themselves() {
    let s = Sandbox::start(&["--settle-ms", "0"]);
    let token = s.india_login();
    // Only the file's event goes to this endpoint (the links' events have no webhook).
    let merchant = receiver(vec![500, 503, 200]);
    s.set_webhooks(
        &token,
        &json!([{"webhook": "bulk_smart_send_file_processed", "values": {"url": merchant.url}}]),
    );
    let uploaded = s.upload(&token, "links.csv", BULK_CSV.as_bytes().to_vec());
    s.bulk(&token, true, uploaded["data"]["id"].as_i64().unwrap());
    let tries: Vec<Value> = (0..3).map(|_| merchant.next()).collect();
    assert!(
        tries.iter().all(|t| t == &tries[0]),
        "the same event three times: {tries:?}"
    );
    assert_eq!(tries[0]["event"], "BULK_SMART_SEND_FILE_PROCESSED");
    assert_eq!(
        (
            tries[0]["successfulRows"].as_i64(),
            tries[0]["failedRows"].as_i64()
        ),
        (Some(2), Some(1))
    );
    assert!(tries[0].get("authorization").is_none(), "no secret was set");
}

#[test]
fn smart_send_v1_makes_the_same_links_and_links_announce_themselves() {
    let s = Sandbox::start(&["--settle-ms", "0"]);
    let token = s.india_login();
    let merchant = receiver(vec![]);
    s.set_webhooks(
        &token,
        &json!([{"webhook": "default", "values": {"url": merchant.url, "authorization": "k"}}]),
    );
    let made: Value = s
        .http
        .post(format!("{}/payout/smartPay", s.url))
        .bearer_auth(&token)
        .header("payoutMerchantId", "1111123")
        .json(&link("LINK-V1"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let id = made["data"]["linkId"].as_str().unwrap().to_owned();
    let status: Value = s
        .http
        .get(format!("{}/payout/smartPay/status", s.url))
        .bearer_auth(&token)
        .query(&[("linkId", id.as_str())])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        (
            status["data"]["custMoblie"].as_str(),
            status["data"]["detailFilled"].as_bool()
        ),
        (Some("9845012345"), Some(true))
    );
    let event = merchant.next();
    assert_eq!(
        (
            event["event"].as_str(),
            event["merchantReferenceId"].as_str()
        ),
        (Some("SMART_SEND_DETAIL_SUBMITTED"), Some("LINK-V1"))
    );
    assert_eq!(event["linkId"], json!(id));
    // Made by v1 or v2, a reference is one link.
    assert_eq!(
        s.create_link(&token, &link("LINK-V1"))["data"][0]["code"],
        1103
    );
}

#[test]
fn a_reversal_reads_failed_reversed_and_is_announced() {
    let s = Sandbox::start(&["--settle-ms", "0"]);
    let token = s.india_login();
    let merchant = receiver(vec![]);
    s.set_webhooks(&token, &json!([{"webhook": "transfer_reversed", "values": {"url": merchant.url, "authorization": "r"}}]));
    s.transfer(&token, true, &json!([imps("R-REV", "51234567890")]));
    let reverse = |reference: &str| {
        s.http
            .post(format!("{}/__sandbox/reverse", s.url))
            .json(&json!({"merchantRefId": reference}))
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(reverse("R-REV"), 204);
    assert_eq!(reverse("R-REV"), 409, "once");
    assert_eq!(reverse("R-NONE"), 404);
    let detail = &s.transactions(&token, "R-REV")["data"]["transactionDetails"][0];
    assert_eq!(
        (
            detail["txnStatus"].as_str(),
            detail["txnSubStatus"].as_str()
        ),
        (Some("FAILED"), Some("REVERSED"))
    );
    let event = merchant.next();
    assert_eq!(
        (
            event["event"].as_str(),
            event["merchantReferenceId"].as_str()
        ),
        (Some("TRANSFER_REVERSED"), Some("R-REV"))
    );
}

#[test]
fn the_sandbox_runs_in_process_too() {
    let config = payu_bulk::sandbox::Config {
        settle: std::time::Duration::ZERO,
        ..Default::default()
    };
    let running = payu_bulk::sandbox::spawn(config, "127.0.0.1:0".parse().unwrap()).unwrap();
    assert!(running.addr().ip().is_loopback());
    let http = client();
    let token: Value = http
        .post(format!(
            "{}/pl/standard/user/oauth/authorize",
            running.url()
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "300746"),
            ("client_secret", "2ee86a66e5d97e3fadc400c9f19b065d"),
        ])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(token["access_token"].is_string());
    let url = running.url();
    drop(running);
    assert!(
        http.get(format!("{url}/__sandbox/ledger")).send().is_err(),
        "dropping it stops it"
    );
}

#[test]
fn the_same_seed_meets_the_same_faults() {
    let run = || {
        let s = Sandbox::start(&["--fault-rate", "0.4", "--seed", "42"]);
        (0..30)
            .map(|_| match s.token_with_checked() {
                Some(status) => status.to_string(),
                None => "dropped".to_owned(),
            })
            .collect::<Vec<_>>()
    };
    let first = run();
    assert_eq!(first, run());
    assert!(
        first.iter().any(|o| o == "200") && first.iter().any(|o| o != "200"),
        "{first:?}"
    );
}

impl Sandbox {
    /// The status of a token request, or `None` when its connection dropped.
    fn token_with_checked(&self) -> Option<u16> {
        self.http
            .post(format!("{}/pl/standard/user/oauth/authorize", self.url))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "300746"),
                ("client_secret", "2ee86a66e5d97e3fadc400c9f19b065d"),
            ])
            .send()
            .ok()
            .map(|r| r.status().as_u16())
    }
}

#[test]
fn every_europe_destination_is_accepted_or_refused_with_payus_codes() {
    let s = Sandbox::start(&[]);
    let token = s.token();
    let accepted = |body: Value| {
        let (status, answer) = s.payout(&token, &body);
        assert_eq!(status, 201, "{body} -> {answer}");
    };
    // The shop's own account: the whole balance, or a part of it.
    accepted(json!({"shopId": "n7Cd7y1U", "payout": {"extPayoutId": "EU-S1"}}));
    accepted(json!({"shopId": "n7Cd7y1U", "payout": {"extPayoutId": "EU-S2", "amount": "10000"}}));
    let postal = json!({"shopId": "n7Cd7y1U", "payout": {"extPayoutId": "EU-P1", "amount": "30000", "postalOrder": true},
                        "customerAddress": {"name": "Anna Nowak", "street": "ul. Polna 12", "postalCode": "00-950", "city": "Warszawa"}});
    accepted(postal.clone());
    accepted(
        json!({"shopId": "n7Cd7y1U", "payout": {"extPayoutId": "EU-T1", "amount": "15000", "description": "Zwrot"},
                    "customerAddress": {"name": "Marek Zieliński"}, "cardToken": {"value": "TOKC_2IHRST6HKSST3H62K2GS8pElI862"}}),
    );
    let mut foreign = bank_payout("EU-F1");
    foreign["payout"]["currencyCode"] = json!("EUR");
    foreign["account"] = json!({"accountNumber": "DE89370400440532013000", "bankName": "Deutsche Bank", "swiftCode": "DEUTDEFF"});
    foreign["customerAddress"] = json!({"name": "Hans Müller", "street": "Hauptstraße 5", "postalCode": "10115", "city": "Berlin", "countryCode": "DE"});
    foreign["bankAddress"] = json!({"street": "Taunusanlage 12", "postalCode": "60325", "city": "Frankfurt am Main", "countryCode": "DE"});
    accepted(foreign);
    let refused = |body: Value, http: u16, expected: &str| {
        let (status, answer) = s.payout(&token, &body);
        assert_eq!((status, code(&answer)), (http, expected), "{body}");
    };
    let mut no_postal_code = postal;
    no_postal_code["payout"]["extPayoutId"] = json!("EU-P2");
    no_postal_code["customerAddress"]
        .as_object_mut()
        .unwrap()
        .remove("postalCode");
    refused(no_postal_code, 400, "8312");
    refused(
        json!({"shopId": "n7Cd7y1U", "payout": {"extPayoutId": "EU-T2", "amount": "1"}, "customerAddress": {"name": "A"}, "cardToken": {"value": "tok_1"}}),
        400,
        "8362",
    );
    refused(
        json!({"shopId": "n7Cd7y1U", "payout": {"extPayoutId": "EU-C1", "amount": "1", "currencyCode": "USD"}}),
        400,
        "8336",
    );
    refused(
        json!({"shopId": "n7Cd7y1U", "payout": {"extPayoutId": "EU-A1", "amount": "12.50"}}),
        400,
        "8350",
    );
    assert_eq!(s.ledger().len(), 5);
}

// ---- PayU's uncertainty (issue 12 §1): visibility, dedupe lag, approval, balance, spellings.

impl Sandbox {
    /// Moves the sandbox's clock ahead by `ms`: time in tests is driven, not slept.
    fn advance_ms(&self, ms: u64) {
        let r = self
            .http
            .post(format!("{}/__sandbox/clock", self.url))
            .json(&json!({ "advance_ms": ms }))
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }

    fn link_status_by_id(&self, token: &str, link_id: &str) -> Value {
        self.http
            .get(format!("{}/payout/v2/smartSend/status", self.url))
            .bearer_auth(token)
            .header("pid", "1111123")
            .query(&[("linkId", link_id)])
            .send()
            .unwrap()
            .json()
            .unwrap()
    }
}

#[test]
fn before_the_visibility_window_every_lookup_answers_as_for_an_unknown_reference() {
    let s = Sandbox::start(&["--settle-ms", "0", "--visibility-ms", "60000"]);
    let token = s.india_login();
    assert_eq!(
        s.transfer(&token, true, &json!([imps("V-1", "51234567890")]))
            .1["status"],
        0
    );
    let unknown = s.transactions(&token, "never-sent");
    let hidden = s.transactions(&token, "V-1");
    assert_eq!(hidden, unknown, "exactly as a reference never seen");
    assert_eq!(hidden["status"], 0);
    assert_eq!(hidden["data"]["transactionDetails"], json!([]));
    assert_eq!(hidden["data"]["totalElements"], 0);
    // The link and its status by id, and a bulk file's counts, hide the same way.
    let made = s.create_link(&token, &link("V-LINK"));
    let link_id = made["data"]["linkId"].as_str().unwrap().to_owned();
    let details = s.link_details(&token, "V-LINK");
    assert_eq!(details["status"], 1);
    assert!(
        details["msg"]
            .as_str()
            .unwrap()
            .ends_with("Kindly fetch details after some time."),
        "{details}"
    );
    assert_eq!(details["data"]["smartSendStatus"], Value::Null);
    assert_eq!(
        s.link_status_by_id(&token, &link_id),
        s.link_status_by_id(&token, "no-such-link")
    );
    let uploaded = s.upload(&token, "links.csv", BULK_CSV.as_bytes().to_vec());
    let id = uploaded["data"]["id"].as_i64().unwrap();
    let processing = s.bulk(&token, true, id);
    assert_eq!(
        (
            processing["data"]["successfulRows"].as_i64(),
            processing["data"]["failedRows"].as_i64()
        ),
        (Some(0), Some(0))
    );
    assert_eq!(s.bulk(&token, false, id)["data"]["successfulRows"], 0);
    // Nothing is missing from the ledger meanwhile: recorded is not the same as visible.
    assert_eq!(s.ledger().len(), 4);
    s.advance_ms(59_000);
    assert_eq!(s.transactions(&token, "V-1")["data"]["totalElements"], 0);
    s.advance_ms(1_000);
    let shown = s.transactions(&token, "V-1");
    assert_eq!(
        shown["data"]["transactionDetails"][0]["txnStatus"],
        "SUCCESS"
    );
    assert_eq!(
        s.link_details(&token, "V-LINK")["data"]["smartSendStatus"],
        "SUCCESS"
    );
    assert_eq!(
        s.link_status_by_id(&token, &link_id)["data"]["merchantRefId"],
        "V-LINK"
    );
    let done = s.bulk(&token, false, id);
    assert_eq!(
        (
            done["data"]["status"].as_str(),
            done["data"]["successfulRows"].as_i64(),
            done["data"]["failedRows"].as_i64()
        ),
        (Some("COMPLETED"), Some(2), Some(1))
    );
}

/// Login, transfer and lookup against an in-process sandbox (`sandbox::spawn`).
struct InProcess {
    url: String,
    http: reqwest::blocking::Client,
    token: String,
}

impl InProcess {
    fn new(running: &payu_bulk::sandbox::Running) -> InProcess {
        let http = client();
        let url = running.url();
        let body: Value = http
            .post(format!("{url}/oauth/token"))
            .form(&[
                ("grant_type", "password"),
                ("client_id", PUBLIC_CLIENT),
                ("username", "payouts@sandbox.test"),
                ("password", "sandbox"),
            ])
            .send()
            .unwrap()
            .json()
            .unwrap();
        let token = body["access_token"].as_str().unwrap().to_owned();
        InProcess { url, http, token }
    }

    fn transfer(&self, items: &Value) -> Value {
        self.http
            .post(format!("{}/payout/v2/payment", self.url))
            .bearer_auth(&self.token)
            .header("pid", "1111123")
            .json(items)
            .send()
            .unwrap()
            .json()
            .unwrap()
    }

    fn transactions(&self, form: &[(&str, &str)]) -> Value {
        self.http
            .post(format!("{}/payout/payment/listTransactions", self.url))
            .bearer_auth(&self.token)
            .header("payoutMerchantId", "1111123")
            .form(form)
            .send()
            .unwrap()
            .json()
            .unwrap()
    }

    fn ledger(&self) -> Vec<Value> {
        let v: Value = self
            .http
            .get(format!("{}/__sandbox/ledger", self.url))
            .send()
            .unwrap()
            .json()
            .unwrap();
        v.as_array().unwrap().clone()
    }
}

#[test]
fn visibility_counts_real_milliseconds_too_and_works_in_process() {
    let config = payu_bulk::sandbox::Config {
        settle: std::time::Duration::ZERO,
        visibility: std::time::Duration::from_millis(500),
        ..Default::default()
    };
    let running = payu_bulk::sandbox::spawn(config, "127.0.0.1:0".parse().unwrap()).unwrap();
    let s = InProcess::new(&running);
    assert_eq!(
        s.transfer(&json!([imps("V-2", "51234567890")]))["status"],
        0
    );
    let total = || s.transactions(&[("merchantRefId", "V-2")])["data"]["totalElements"].clone();
    assert_eq!(total(), 0, "hidden at first");
    // Polled, in a bounded loop: the transfer shows once 500 ms have passed.
    let mut shown = false;
    for _ in 0..1000 {
        if total() == 1 {
            shown = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(shown, "visible after the window");
}

#[test]
fn inside_the_dedupe_lag_a_repeat_is_paid_twice_and_the_ledger_shows_it() {
    let s = Sandbox::start(&["--settle-ms", "1000", "--dedupe-lag-ms", "60000"]);
    let token = s.india_login();
    let europe = s.token();
    for _ in 0..2 {
        assert_eq!(
            s.transfer(&token, true, &json!([imps("D-1", "51234567890")]))
                .1["status"],
            0
        );
        assert_eq!(s.create_link(&token, &link("D-LINK"))["status"], 0);
        assert_eq!(s.payout(&europe, &bank_payout("D-EU")).0, 201);
    }
    let ledger = s.ledger();
    let entries = |reference: &str| -> Vec<&Value> {
        ledger
            .iter()
            .filter(|e| e["reference"] == reference)
            .collect()
    };
    for (reference, queued) in [
        ("D-1", "QUEUED"),
        ("D-LINK", "PENDING"),
        ("D-EU", "PENDING"),
    ] {
        let twice = entries(reference);
        assert_eq!(twice.len(), 2, "paid twice: {reference}");
        assert!(twice.iter().all(|e| e["times_received"] == 1));
        assert!(twice.iter().all(|e| e["state"] == queued), "{twice:?}");
    }
    let both = s.transactions(&token, "D-1");
    assert_eq!(both["data"]["totalElements"], 2, "{both}");
    s.advance_ms(60_000);
    // Past the lag the duplicate check sees the reference, at every API.
    let (_, refused) = s.transfer(&token, true, &json!([imps("D-1", "51234567890")]));
    assert_eq!(refused["data"][0]["code"], json!([1002]), "{refused}");
    assert_eq!(
        s.create_link(&token, &link("D-LINK"))["data"][0]["code"],
        1103
    );
    let (status, again) = s.payout(&europe, &bank_payout("D-EU"));
    assert_eq!((status, code(&again)), (403, "8356"));
    let ledger = s.ledger();
    assert_eq!(ledger.len(), 6, "nothing paid a third time");
    let states: Vec<(&str, &str, u64)> = ledger
        .iter()
        .map(|e| {
            (
                e["reference"].as_str().unwrap(),
                e["state"].as_str().unwrap(),
                e["times_received"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("D-1", "SUCCESS", 1),
            ("D-LINK", "SUCCESS", 1),
            ("D-EU", "REALIZED", 1),
            ("D-1", "SUCCESS", 2),
            ("D-LINK", "SUCCESS", 2),
            ("D-EU", "REALIZED", 2),
        ],
        "the refused repeat is counted on the latest entry"
    );
}

#[test]
fn without_a_lag_a_repeat_is_refused_at_once() {
    let config = payu_bulk::sandbox::Config {
        settle: std::time::Duration::ZERO,
        dedupe_lag: std::time::Duration::ZERO,
        ..Default::default()
    };
    let running = payu_bulk::sandbox::spawn(config, "127.0.0.1:0".parse().unwrap()).unwrap();
    let s = InProcess::new(&running);
    assert_eq!(
        s.transfer(&json!([imps("D-2", "51234567890")]))["status"],
        0
    );
    assert_eq!(
        s.transfer(&json!([imps("D-2", "51234567890")]))["status"],
        1
    );
    let ledger = s.ledger();
    assert_eq!(ledger.len(), 1);
    assert_eq!(
        (
            ledger[0]["times_received"].as_u64(),
            ledger[0]["state"].as_str()
        ),
        (Some(2), Some("SUCCESS"))
    );
}

impl Sandbox {
    fn requests(&self) -> Value {
        self.http
            .get(format!("{}/__sandbox/requests", self.url))
            .send()
            .unwrap()
            .json()
            .unwrap()
    }
}

#[test]
fn the_sandbox_counts_every_payu_request_it_received_until_reset() {
    let s = Sandbox::start(&["--rate-limit", "3", "--settle-ms", "0"]);
    assert_eq!(s.requests(), json!({}));
    let token = s.india_login();
    s.transfer(&token, true, &json!([imps("Q-1", "51234567890")]));
    // The query is not part of the counted path.
    s.link_details(&token, "Q-1");
    // Over the rate: answered 429, and counted all the same.
    let mut sent = 0;
    let mut throttled = false;
    while !throttled && sent < 50 {
        let r = s
            .http
            .post(format!("{}/payout/payment/listTransactions", s.url))
            .bearer_auth(&token)
            .header("payoutMerchantId", "1111123")
            .form(&[("merchantRefId", "Q-1")])
            .send()
            .unwrap();
        sent += 1;
        throttled = r.status().as_u16() == 429;
    }
    assert!(throttled, "the rate limit answered 429");
    s.ledger();
    assert_eq!(
        s.requests(),
        json!({
            "POST /oauth/token": 1,
            "POST /payout/v2/payment": 1,
            "GET /payout/merchant/smartSend/details": 1,
            "POST /payout/payment/listTransactions": sent,
        }),
        "the inspection endpoints are not counted"
    );
    let reset = s
        .http
        .post(format!("{}/__sandbox/reset", s.url))
        .send()
        .unwrap();
    assert_eq!(reset.status().as_u16(), 204);
    assert_eq!(s.requests(), json!({}));
}

impl Sandbox {
    fn list(&self, token: &str, form: &[(&str, &str)]) -> Value {
        self.http
            .post(format!("{}/payout/payment/listTransactions", self.url))
            .bearer_auth(token)
            .header("payoutMerchantId", "1111123")
            .form(form)
            .send()
            .unwrap()
            .json()
            .unwrap()
    }
}

fn references(page: &Value) -> Vec<String> {
    page["data"]["transactionDetails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["merchantRefId"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn list_transactions_honours_every_documented_filter_and_pages_latest_first() {
    let s = Sandbox::start(&["--settle-ms", "0"]);
    let token = s.india_login();
    let b1: Vec<Value> = (1..=12)
        .map(|i| imps(&format!("P-{i:02}"), "51234567890"))
        .collect();
    assert_eq!(s.transfer(&token, true, &json!(b1)).1["status"], 0);
    let mut b2 = vec![imps("P-FAIL", "41234567890"), imps("P-WAIT", "61234567890")];
    for t in &mut b2 {
        t["batchId"] = json!("B2");
    }
    assert_eq!(s.transfer(&token, true, &json!(b2)).1["status"], 0);
    let first = s.list(
        &token,
        &[("batchId", "B1"), ("pageSize", "5"), ("page", "1")],
    );
    let data = &first["data"];
    assert_eq!(
        (
            data["currentPage"].as_i64(),
            data["noOfPages"].as_i64(),
            data["totalElements"].as_i64()
        ),
        (Some(0), Some(3), Some(12)),
        "currentPage is 0-based in answers"
    );
    assert_eq!(references(&first), ["P-12", "P-11", "P-10", "P-09", "P-08"]);
    let last = s.list(
        &token,
        &[("batchId", "B1"), ("pageSize", "5"), ("page", "3")],
    );
    assert_eq!(last["data"]["currentPage"], 2);
    assert_eq!(references(&last), ["P-02", "P-01"]);
    let beyond = s.list(
        &token,
        &[("batchId", "B1"), ("pageSize", "5"), ("page", "4")],
    );
    assert_eq!(
        (
            references(&beyond).len(),
            beyond["data"]["totalElements"].as_i64()
        ),
        (0, Some(12))
    );
    // PayU's default page is 10; its largest 100.
    let default = s.list(&token, &[]);
    assert_eq!(
        (
            references(&default).len(),
            default["data"]["noOfPages"].as_i64()
        ),
        (10, Some(2))
    );
    assert_eq!(references(&default)[0], "P-WAIT");
    let big = s.list(&token, &[("pageSize", "1000")]);
    assert_eq!(
        (references(&big).len(), big["data"]["noOfPages"].as_i64()),
        (14, Some(1))
    );
    assert_eq!(
        references(&s.list(&token, &[("transferStatus", "FAILED")])),
        ["P-FAIL"]
    );
    assert_eq!(
        references(&s.list(&token, &[("transferStatus", "PENDING"), ("batchId", "B2")])),
        ["P-WAIT"]
    );
    assert_eq!(
        s.list(&token, &[("transferStatus", "SUCCESS")])["data"]["totalElements"],
        12
    );
    assert_eq!(
        references(&s.list(&token, &[("merchantRefId", "P-03"), ("batchId", "B1")])),
        ["P-03"]
    );
    assert_eq!(
        s.list(&token, &[("merchantRefId", "P-03"), ("batchId", "B2")])["data"]["totalElements"],
        0
    );
    // Dates: the transfer's day in IST, inclusive, dd/MM/yyyy (or dd/MM/yy).
    let ist = chrono::FixedOffset::east_opt(5 * 3600 + 1800).unwrap();
    let day = |offset: i64| {
        (chrono::Utc::now().with_timezone(&ist) + chrono::Duration::days(offset))
            .format("%d/%m/%Y")
            .to_string()
    };
    let (yesterday, tomorrow) = (day(-1), day(1));
    let around = s.list(
        &token,
        &[("from", &yesterday), ("to", &tomorrow), ("pageSize", "100")],
    );
    assert_eq!(around["data"]["totalElements"], 14);
    assert_eq!(
        s.list(&token, &[("to", &yesterday)])["data"]["totalElements"],
        0
    );
    let bad = s.list(&token, &[("from", "2024-01-01")]);
    assert_eq!(bad["status"], 1, "{bad}");
    // Two days on by the sandbox's clock, a new transfer is the only one from then.
    s.advance_ms(2 * 24 * 3600 * 1000);
    s.transfer(&token, true, &json!([imps("P-LATER", "51234567890")]));
    let later = s.list(&token, &[("from", &day(2)), ("to", &day(3))]);
    assert_eq!(references(&later), ["P-LATER"]);
    let t = &later["data"]["transactionDetails"][0];
    assert_eq!(t["purpose"], "Salary November");
    assert!(t["txnDate"].as_str().unwrap().ends_with("+0000"), "{t}");
}
