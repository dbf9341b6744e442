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
    let s = Sandbox::start(&["--settle-ms", "600000", "--balance", "10000000"]);
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
    let config = payu_bulk::sandbox::Settings {
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
    let config = payu_bulk::sandbox::Settings {
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
    // The second refusal for a repeat alone comes on the envelope (seed 0).
    assert_eq!(s.create_link(&token, &link("D-LINK"))["code"], 1103);
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
    let config = payu_bulk::sandbox::Settings {
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

impl Sandbox {
    /// `POST /__sandbox/{what}` with a JSON body, or none.
    fn inspect(&self, what: &str, body: Option<Value>) -> (u16, Value) {
        let request = self.http.post(format!("{}/__sandbox/{what}", self.url));
        let request = match body {
            Some(b) => request.json(&b),
            None => request,
        };
        let r = request.send().unwrap();
        let status = r.status().as_u16();
        (status, r.json().unwrap_or(Value::Null))
    }

    fn txn(&self, token: &str, reference: &str) -> Value {
        self.transactions(token, reference)["data"]["transactionDetails"][0].clone()
    }
}

#[test]
fn with_the_approval_flow_on_transfers_and_links_wait_for_the_checker() {
    let s = Sandbox::start(&["--settle-ms", "0", "--approval-flow", "on"]);
    let token = s.india_login();
    let mut skip = imps("A-SKIP", "51234567890");
    skip["disableApprovalFlow"] = json!(true);
    let batch = json!([
        imps("A-1", "51234567890"),
        imps("A-2", "51234567890"),
        imps("A-3", "51234567890"),
        skip
    ]);
    assert_eq!(s.transfer(&token, true, &batch).1["status"], 0);
    let mut link_skip = link("A-LINK-SKIP");
    link_skip["disableApprovalFlow"] = json!(true);
    assert_eq!(s.create_link(&token, &link("A-LINK"))["status"], 0);
    assert_eq!(s.create_link(&token, &link_skip)["status"], 0);
    for r in ["A-1", "A-2", "A-3"] {
        assert_eq!(s.txn(&token, r)["txnStatus"], "PENDING_FOR_APPROVAL");
    }
    assert_eq!(s.txn(&token, "A-SKIP")["txnStatus"], "SUCCESS");
    assert_eq!(
        s.link_details(&token, "A-LINK")["data"]["smartSendStatus"],
        "APPROVAL_PENDING"
    );
    assert_eq!(
        s.link_details(&token, "A-LINK-SKIP")["data"]["smartSendStatus"],
        "SUCCESS"
    );
    let (status, approved) = s.inspect("approve", Some(json!({"references": ["A-1", "A-LINK"]})));
    assert_eq!(status, 200);
    assert_eq!(approved["references"], json!(["A-1", "A-LINK"]));
    assert_eq!(s.txn(&token, "A-1")["txnStatus"], "SUCCESS");
    assert_eq!(
        s.link_details(&token, "A-LINK")["data"]["smartSendStatus"],
        "SUCCESS"
    );
    let (_, rejected) = s.inspect("reject", Some(json!({"references": ["A-2"]})));
    assert_eq!(rejected["references"], json!(["A-2"]));
    assert_eq!(s.txn(&token, "A-2")["txnStatus"], "REJECTED");
    // Rejected is final: approving everything waiting leaves it so.
    let (_, all) = s.inspect("approve", None);
    assert_eq!(all["references"], json!(["A-3"]));
    assert_eq!(s.txn(&token, "A-2")["txnStatus"], "REJECTED");
    assert_eq!(s.txn(&token, "A-3")["txnStatus"], "SUCCESS");
    let (_, none) = s.inspect("approve", Some(json!({"references": []})));
    assert_eq!(none["references"], json!([]));
    // A link rejected, through the reject-all form.
    s.create_link(&token, &link("A-LINK-2"));
    let (_, gone) = s.inspect("reject", Some(json!({})));
    assert_eq!(gone["references"], json!(["A-LINK-2"]));
    assert_eq!(
        s.link_details(&token, "A-LINK-2")["data"]["smartSendStatus"],
        "REJECTED"
    );
    let states: Vec<(String, String)> = s
        .ledger()
        .iter()
        .map(|e| {
            (
                e["reference"].as_str().unwrap().to_owned(),
                e["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        states.contains(&("A-2".to_owned(), "REJECTED".to_owned())),
        "{states:?}"
    );
    let (status, _) = s.inspect("approve", Some(json!("not an object")));
    assert_eq!(status, 400);
}

#[test]
fn the_approval_flow_is_off_by_default_and_a_config_field_in_process() {
    let config = payu_bulk::sandbox::Settings {
        settle: std::time::Duration::ZERO,
        approval_flow: true,
        ..Default::default()
    };
    let running = payu_bulk::sandbox::spawn(config, "127.0.0.1:0".parse().unwrap()).unwrap();
    let s = InProcess::new(&running);
    s.transfer(&json!([imps("A-9", "51234567890")]));
    let state = || {
        s.transactions(&[("merchantRefId", "A-9")])["data"]["transactionDetails"][0]["txnStatus"]
            .clone()
    };
    assert_eq!(state(), "PENDING_FOR_APPROVAL");
    let r = s
        .http
        .post(format!("{}/__sandbox/approve", s.url))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(state(), "SUCCESS");
    let off = Sandbox::start(&["--settle-ms", "0"]);
    let token = off.india_login();
    off.transfer(&token, true, &json!([imps("A-10", "51234567890")]));
    assert_eq!(off.txn(&token, "A-10")["txnStatus"], "SUCCESS");
}

fn paid(reference: &str, amount: &str) -> Value {
    let mut t = imps(reference, "51234567890");
    t["amount"] = serde_json::from_str(amount).unwrap();
    t
}

#[test]
fn beyond_the_balance_transfers_queue_until_a_deposit_pays_them_in_arrival_order() {
    let s = Sandbox::start(&["--settle-ms", "0", "--balance", "3000"]);
    let token = s.india_login();
    let account = || s.india_get(&token, "/payout/merchant/getAccountDetail", &[])["data"].clone();
    let start = account();
    assert_eq!(
        (
            &start["balance"],
            &start["transferableAmount"],
            &start["lowBalance"]
        ),
        (&json!(3000), &json!(3000), &json!(true))
    );
    for (r, amount) in [("B-1", "2000"), ("B-2", "2000"), ("B-3", "500")] {
        assert_eq!(
            s.transfer(&token, true, &json!([paid(r, amount)])).1["status"],
            0
        );
    }
    assert_eq!(s.txn(&token, "B-1")["txnStatus"], "SUCCESS");
    let queued = s.txn(&token, "B-2");
    assert_eq!(queued["txnStatus"], "QUEUED");
    assert!(
        queued["txnStatusDescription"]
            .as_str()
            .unwrap()
            .contains("Insufficient balance"),
        "{queued}"
    );
    // B-3 would fit, but it arrived behind B-2.
    assert_eq!(s.txn(&token, "B-3")["txnStatus"], "QUEUED");
    assert_eq!(account()["balance"], json!(1000));
    let (status, first) = s.inspect("deposit", Some(json!({"amount": "1000.00"})));
    assert_eq!(status, 200);
    assert_eq!(first["paid"], json!(["B-2"]), "{first}");
    assert_eq!(s.txn(&token, "B-2")["txnStatus"], "SUCCESS");
    assert_eq!(s.txn(&token, "B-2")["txnStatusDescription"], Value::Null);
    assert_eq!(s.txn(&token, "B-3")["txnStatus"], "QUEUED");
    let (_, second) = s.inspect("deposit", Some(json!({"amount": 5000})));
    assert_eq!(second["paid"], json!(["B-3"]));
    assert_eq!(second["balance"], "4500.00");
    assert_eq!(account()["lowBalance"], json!(true));
    assert_eq!(s.inspect("deposit", Some(json!({"amount": "-1"}))).0, 400);
    // Queueing off (PayU's "Disable Queued Payouts", queueTxn=true): beyond the balance fails.
    let flag = |value: &str| {
        s.india_form(
            &token,
            "/payout/setQueueTxnFlag",
            &[("queueTxn", value), ("configMerchantId", "1111123")],
        )
    };
    let off = flag("true");
    assert_eq!(
        (off["status"].as_i64(), off["data"]["configValue"].as_str()),
        (Some(0), Some("0")),
        "{off}"
    );
    assert_eq!(
        off["data"]["configKey"],
        "queue_transaction_insufficient_balance"
    );
    s.transfer(&token, true, &json!([paid("B-4", "100000")]));
    let failed = s.txn(&token, "B-4");
    assert_eq!(failed["txnStatus"], "FAILED");
    assert!(
        failed["txnStatusDescription"]
            .as_str()
            .unwrap()
            .contains("queueing of payouts is disabled")
    );
    assert_eq!(
        account()["balance"],
        json!(4500),
        "a failed transfer holds nothing"
    );
    assert_eq!(flag("false")["data"]["configValue"], "1");
    s.transfer(&token, true, &json!([paid("B-5", "100000")]));
    assert_eq!(s.txn(&token, "B-5")["txnStatus"], "QUEUED");
    assert_eq!(flag("maybe")["msg"], "Invalid value");
    let ledger = s.ledger();
    let state_of = |r: &str| ledger.iter().find(|e| e["reference"] == r).unwrap()["state"].clone();
    assert_eq!(
        (state_of("B-4"), state_of("B-5")),
        (json!("FAILED"), json!("QUEUED"))
    );
}

#[test]
fn without_a_balance_the_account_is_topped_up_and_an_approved_transfer_meets_the_balance() {
    let s = Sandbox::start(&["--settle-ms", "0"]);
    let token = s.india_login();
    s.transfer(&token, true, &json!([paid("U-1", "20000000")]));
    assert_eq!(
        s.txn(&token, "U-1")["txnStatus"],
        "SUCCESS",
        "nothing queues"
    );
    let balance = &s.india_get(&token, "/payout/merchant/getAccountDetail", &[])["data"]["balance"];
    assert_eq!(balance, &json!(0));
    // In process, with approval: the balance is met when the checker approves.
    let config = payu_bulk::sandbox::Settings {
        settle: std::time::Duration::ZERO,
        approval_flow: true,
        balance: Some(rust_decimal::Decimal::new(1000, 0)),
        ..Default::default()
    };
    let running = payu_bulk::sandbox::spawn(config, "127.0.0.1:0".parse().unwrap()).unwrap();
    let p = InProcess::new(&running);
    p.transfer(&json!([paid("U-2", "1500")]));
    let state = || {
        p.transactions(&[("merchantRefId", "U-2")])["data"]["transactionDetails"][0]["txnStatus"]
            .clone()
    };
    assert_eq!(state(), "PENDING_FOR_APPROVAL");
    p.http
        .post(format!("{}/__sandbox/approve", p.url))
        .send()
        .unwrap();
    assert_eq!(state(), "QUEUED");
    p.http
        .post(format!("{}/__sandbox/deposit", p.url))
        .json(&json!({"amount": "500"}))
        .send()
        .unwrap();
    assert_eq!(state(), "SUCCESS");
}

/// Each transfer's `txnStatus` word, by reference, latest first.
fn words(page: &Value) -> Vec<(String, String)> {
    page["data"]["transactionDetails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["merchantRefId"].as_str().unwrap().to_owned(),
                t["txnStatus"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn on_hold_with_seed(seed: &str) -> Vec<String> {
    let s = Sandbox::start(&[
        "--settle-ms",
        "1000",
        "--status-spelling",
        "lifecycle",
        "--seed",
        seed,
    ]);
    let token = s.india_login();
    let batch: Vec<Value> = (1..=10)
        .map(|i| {
            imps(
                &format!("L-{i:02}"),
                if i == 3 { "41234567890" } else { "51234567890" },
            )
        })
        .collect();
    assert_eq!(s.transfer(&token, true, &json!(batch)).1["status"], 0);
    let all = |s: &Sandbox| words(&s.list(&token, &[("pageSize", "100")]));
    assert!(all(&s).iter().all(|(_, w)| w == "QUEUED"));
    s.advance_ms(600);
    assert!(
        all(&s).iter().all(|(_, w)| w == "IN PROGRESS"),
        "{:?}",
        all(&s)
    );
    s.advance_ms(200);
    let held: Vec<String> = all(&s)
        .into_iter()
        .filter(|(_, w)| w == "ON_HOLD")
        .map(|(r, _)| r)
        .collect();
    assert_eq!(held.len(), 2, "one in five: {:?}", all(&s));
    assert!(
        all(&s)
            .iter()
            .all(|(_, w)| w == "IN PROGRESS" || w == "ON_HOLD")
    );
    s.advance_ms(200);
    for (r, w) in all(&s) {
        assert_eq!(w, if r == "L-03" { "FAILURE" } else { "SUCCESS" }, "{r}");
    }
    assert_eq!(
        references(&s.list(&token, &[("transferStatus", "FAILED")])),
        ["L-03"],
        "the filter takes either spelling"
    );
    assert_eq!(
        s.ledger()
            .iter()
            .find(|e| e["reference"] == "L-03")
            .unwrap()["state"],
        "FAILURE"
    );
    held
}

#[test]
fn the_lifecycle_spelling_writes_payus_lifecycle_words_and_passes_one_in_five_through_on_hold() {
    let with_0 = on_hold_with_seed("0");
    assert_eq!(with_0, ["L-10", "L-05"]);
    assert_eq!(
        on_hold_with_seed("0"),
        with_0,
        "the same seed, the same transfers"
    );
    assert_eq!(on_hold_with_seed("1"), ["L-09", "L-04"]);
    let s = Sandbox::start(&[
        "--settle-ms",
        "0",
        "--status-spelling",
        "lifecycle",
        "--approval-flow",
        "on",
    ]);
    let token = s.india_login();
    s.transfer(&token, true, &json!([imps("L-A", "51234567890")]));
    assert_eq!(s.txn(&token, "L-A")["txnStatus"], "PENDING FOR APPROVAL");
    let doc = Sandbox::start(&["--settle-ms", "1000"]);
    let token = doc.india_login();
    doc.transfer(&token, true, &json!([imps("L-D", "51234567890")]));
    doc.advance_ms(600);
    assert_eq!(doc.txn(&token, "L-D")["txnStatus"], "IN_PROGRESS");
}

#[test]
fn failures_say_why_and_paid_transfers_carry_a_utr() {
    let s = Sandbox::start(&["--settle-ms", "1000"]);
    let token = s.india_login();
    let batch = json!([imps("W-OK", "51234567890"), imps("W-FAIL", "41234567890")]);
    assert_eq!(s.transfer(&token, true, &batch).1["status"], 0);
    let mut failing = link("W-LINK-FAIL");
    failing["custMobile"] = json!("9111111111");
    assert_eq!(s.create_link(&token, &failing)["status"], 0);
    assert_eq!(s.create_link(&token, &link("W-LINK"))["status"], 0);
    let before = s.txn(&token, "W-OK");
    assert_eq!(
        before["bankTransactionRefNo"],
        Value::Null,
        "no UTR before it is paid"
    );
    s.advance_ms(1000);
    let ok = s.txn(&token, "W-OK");
    assert_eq!(ok["txnStatus"], "SUCCESS");
    let utr = ok["bankTransactionRefNo"].as_str().unwrap();
    assert!(
        utr.len() == 12 && utr.bytes().all(|b| b.is_ascii_digit()),
        "{utr}"
    );
    let failed = s.txn(&token, "W-FAIL");
    assert_eq!(failed["txnStatus"], "FAILED");
    let why = failed["txnStatusDescription"].as_str().unwrap();
    assert!(why.contains("account closed"), "{failed}");
    assert_eq!(failed["msg"], why);
    assert_eq!(failed["responseCode"], "ACCOUNT_CLOSED");
    assert_eq!(failed["bankTransactionRefNo"], Value::Null);
    // The link is SUCCESS (the payee filled in their details) while its transfer is on its
    // way, then fails with a reason.
    let paid = s.link_details(&token, "W-LINK-FAIL")["data"].clone();
    assert_eq!(
        (paid["smartSendStatus"].as_str(), paid["txnStatus"].as_str()),
        (Some("SUCCESS"), Some("IN_PROGRESS"))
    );
    s.advance_ms(500);
    let ended = s.link_details(&token, "W-LINK-FAIL")["data"].clone();
    assert_eq!(
        (
            ended["smartSendStatus"].as_str(),
            ended["txnStatus"].as_str()
        ),
        (Some("SUCCESS"), Some("FAILED"))
    );
    assert!(
        ended["msg"].as_str().unwrap().contains("declined"),
        "{ended}"
    );
    assert_eq!(ended["bankTransactionRefNo"], Value::Null);
    let good = s.link_details(&token, "W-LINK")["data"].clone();
    assert_eq!(good["txnStatus"], "SUCCESS");
    assert_eq!(good["bankTransactionRefNo"].as_str().unwrap().len(), 12);
    // PayU Europe's refused test account: 400 8351, and why.
    let europe = s.token();
    let mut refused = bank_payout("W-EU");
    refused["account"]["accountNumber"] = json!("36109010149999999999999999");
    let (status, answer) = s.payout(&europe, &refused);
    assert_eq!((status, code(&answer)), (400, "8351"), "{answer}");
    assert!(
        answer["status"]["statusDesc"]
            .as_str()
            .unwrap()
            .contains("account closed")
    );
    assert!(s.ledger().iter().all(|e| e["reference"] != "W-EU"));
}

/// The duplicate code of a refusal for a repeated reference, and where it came: on the
/// envelope (`true`) or inside `data`.
fn duplicate_code(answer: &Value) -> (i64, bool) {
    if let Some(code) = answer["code"].as_i64() {
        assert_eq!(answer["data"], Value::Null, "{answer}");
        return (code, true);
    }
    let item = &answer["data"][0]["code"];
    (item.as_i64().or_else(|| item[0].as_i64()).unwrap(), false)
}

fn duplicate_levels(seed: &str) -> Vec<(i64, bool)> {
    let s = Sandbox::start(&["--settle-ms", "0", "--seed", seed]);
    let token = s.india_login();
    s.transfer(&token, true, &json!([imps("E-1", "51234567890")]));
    s.create_link(&token, &link("E-LINK"));
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (_, india) = s.transfer(&token, true, &json!([imps("E-1", "51234567890")]));
        assert_eq!(india["status"], 1);
        seen.push(duplicate_code(&india));
        let link_answer = s.create_link(&token, &link("E-LINK"));
        assert_eq!(link_answer["status"], 1);
        seen.push(duplicate_code(&link_answer));
    }
    // Still one payout each, every refused repeat counted.
    let ledger = s.ledger();
    assert_eq!(ledger.len(), 2);
    assert!(ledger.iter().all(|e| e["times_received"] == 4));
    seen
}

#[test]
fn duplicates_come_on_the_envelope_every_other_time_as_the_seed_decides() {
    let with_0 = duplicate_levels("0");
    assert_eq!(
        with_0,
        [
            (1002, false),
            (1103, true),
            (1002, false),
            (1115, true),
            (1002, false),
            (1125, true)
        ]
    );
    assert_eq!(
        duplicate_levels("0"),
        with_0,
        "the same seed, the same levels"
    );
    assert_eq!(
        duplicate_levels("1"),
        [
            (1002, true),
            (1103, false),
            (1002, true),
            (1103, false),
            (1002, true),
            (1103, false)
        ]
    );
}

#[test]
fn europe_refusals_as_payu_sends_them() {
    let s = Sandbox::start(&["--settle-ms", "0"]);
    let europe = s.token();
    assert_eq!(s.payout(&europe, &bank_payout("X-EU")).0, 201);
    let (status, again) = s.payout(&europe, &bank_payout("X-EU"));
    assert_eq!((status, code(&again)), (403, "8356"));
    assert!(again.get("payout").is_none(), "no payoutId: {again}");
    // A live PayU India token on PayU Europe: the 403 body without a statusCode.
    let india = s.india_login();
    let (status, denied) = s.payout(&india, &bank_payout("X-EU-2"));
    assert_eq!(status, 403);
    assert_eq!(
        denied,
        json!({"status": {"error": "access_denied", "error_description": "Access is denied"}})
    );
    let (status, denied) = s.retrieve(&india, "anything");
    assert_eq!((status, denied["status"].get("statusCode")), (403, None));
    assert!(s.ledger().iter().all(|e| e["reference"] != "X-EU-2"));
}

/// The JSON bodies of seed 003's sample payout requests, exactly as printed.
const SEED_003_PAYOUTS: [&str; 7] = [
    r#"{ "shopId": "n7Cd7y1U", "payout": { "amount": 1100 } }"#,
    r#"{ "shopId": "n7Cd7y1U" }"#,
    r#"{ "shopId": "n7Cd7y1U", "payout": { "amount": 1100, "additionalVariables": "VS=888111" } }"#,
    r#"{ "shopId":"n7Cd7y1U", "payout": { "amount":"1000", "description":"Some payout" }, "account": { "accountNumber":"59114072854040477132976504" }, "customerAddress": { "name":"Stefan Jaracz" } }"#,
    r#"{ "shopId":"n7Cd7y1U", "payout": { "amount":"1000", "description":"Some foreign payout", "foreign":"true" }, "account": { "accountNumber":"DE610639036594575851447918096101", "swiftCode":"AARBDE5W700", "bankName":"Aareal Bank" }, "customerAddress": { "street":"RICHARD STRAUSS STRASSE 24", "city":"MUENCHEN", "countryCode":"DE", "name":"Steffen von Klaus" } }"#,
    r#"{ "shopId":"n7Cd7y1U", "payout": { "extPayoutId":"externalId12345", "amount":"1000", "description":"Some payout" }, "customerAddress": { "name":"Stefan Jaracz" }, "cardToken": { "value":"TOKC_2IHRST6HKSST3H62K2GS8pElI862" } }"#,
    r#"{ "shopId":"n7Cd7y1U", "payout": { "extPayoutId":"externalId12345", "amount":"1000", "description":"Some payout" }, "customerAddress": { "name":"Stefan Jaracz" }, "card": { "number":"4444333322221111", "expirationMonth":"11", "expirationYear":"2029" } }"#,
];

#[test]
fn every_sample_request_of_the_seeds_is_answered_as_printed() {
    let s = Sandbox::start(&["--settle-ms", "0"]);
    // Seed 003: each payout sample, on an empty sandbox (two samples share an extPayoutId),
    // with a live token in place of the sample's.
    for (i, body) in SEED_003_PAYOUTS.iter().enumerate() {
        assert_eq!(s.inspect("reset", None).0, 204);
        let token = s.token();
        let r = s
            .http
            .post(format!("{}/api/v2_1/payouts", s.url))
            .header("Content-Type", "application/json")
            .bearer_auth(&token)
            .body(*body)
            .send()
            .unwrap();
        let status = r.status().as_u16();
        let answer: Value = r.json().unwrap();
        assert_eq!(status, 201, "sample {i}: {answer}");
        assert_eq!(answer["payout"]["status"], "PENDING", "sample {i}");
        let id = answer["payout"]["payoutId"].as_str().unwrap();
        let (status, found) = s.retrieve(&token, id);
        assert_eq!(
            (status, found["status"]["statusCode"].as_str()),
            (200, Some("SUCCESS"))
        );
        let ledger = s.ledger();
        assert_eq!(ledger.len(), 1, "sample {i}");
        if i == 0 {
            assert_eq!(ledger[0]["amount"], "1100", "the number's own digits");
        }
        if i == 4 {
            assert_eq!(
                ledger[0]["destination"],
                "account:DE610639036594575851447918096101"
            );
        }
    }
    // Seed 003's retrieve sample: an id this sandbox never gave out.
    let token = s.token();
    let (status, unknown) = s.retrieve(&token, "133bfe5f400e4b2c8da44abfdf753d79");
    assert_eq!((status, code(&unknown)), (404, "8353"));
    // Seed 002: Smart Send v1's sample body (an amount as a number), on v1 and on v2.
    let india = s.india_login();
    let sample = r#"{
 "amount":1.00,
 "merchantRefId":"test1111",
 "custEmail" : "test@gmail.com",
 "custName": "test",
 "custMobile":"9999999999",
 "description" : "smart pay test1"
}"#;
    for (path, header) in [
        ("/payout/smartPay", "payoutMerchantId"),
        ("/payout/v2/smartSend/link", "pid"),
    ] {
        s.inspect("reset", None);
        let india = s.india_login();
        let made: Value = s
            .http
            .post(format!("{}{path}", s.url))
            .bearer_auth(&india)
            .header(header, "1111123")
            .header("Content-Type", "application/json")
            .body(sample)
            .send()
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(
            (made["status"].as_i64(), made["msg"].as_str()),
            (Some(0), Some("Success")),
            "{path}: {made}"
        );
        assert_eq!(s.ledger()[0]["amount"], "1.00");
    }
    drop(india);
    // Seed 000: the UAT password grant as printed: PayU's credentials, not the sandbox's,
    // so PayU's 401 in PayU's shape.
    let r = s
        .http
        .post(format!("{}/oauth/token", s.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=password&scope=create_payout_transactions&client_id=6f8bb4951e030d4d7349e64a144a534778673585f86039617c167166e9154f7e&username=payouttest4%40mailinator.com&password=Tester%40123&=")
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(r.json::<Value>().unwrap()["error"], "invalid_grant");
    // Seed 001: the chargeback token request as printed (its credentials are not the
    // sandbox's): PayU's 401.
    let r = s
        .http
        .post(format!("{}/api_auth?refresh_token=1", s.url))
        .header("X-User-Email", "[email protected]")
        .header("X-User-Password", "Payu@1234")
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(
        r.json::<Value>().unwrap()["error"],
        "Invalid email or password"
    );
}

#[test]
fn india_amounts_and_europe_flags_read_either_way() {
    let s = Sandbox::start(&["--settle-ms", "0"]);
    let token = s.india_login();
    let mut as_text = imps("N-1", "51234567890");
    as_text["amount"] = json!("1100");
    assert_eq!(s.transfer(&token, true, &json!([as_text])).1["status"], 0);
    assert_eq!(s.txn(&token, "N-1")["amount"], json!(1100));
    let mut postal = json!({"shopId": "n7Cd7y1U", "payout": {"extPayoutId": "N-EU", "amount": 500, "postalOrder": "true"},
        "customerAddress": {"name": "Jan Kowalski", "street": "Długa 1", "postalCode": "00-001", "city": "Warszawa"}});
    let europe = s.token();
    assert_eq!(s.payout(&europe, &postal).0, 201);
    postal["payout"]["extPayoutId"] = json!("N-EU-2");
    postal["payout"]["postalOrder"] = json!(true);
    assert_eq!(s.payout(&europe, &postal).0, 201);
    postal["payout"]["extPayoutId"] = json!("N-EU-3");
    postal["payout"]["postalOrder"] = json!("perhaps");
    let (status, refused) = s.payout(&europe, &postal);
    assert_eq!(
        (status, refused["status"]["statusCode"].as_str()),
        (400, Some("ERROR_SYNTAX"))
    );
    let destinations: Vec<String> = s
        .ledger()
        .iter()
        .map(|e| e["destination"].as_str().unwrap()[..6].to_owned())
        .collect();
    assert_eq!(destinations, ["accoun", "postal", "postal"]);
}

#[test]
fn reversals_take_a_list_of_references() {
    let s = Sandbox::start(&["--settle-ms", "0"]);
    let token = s.india_login();
    let batch = json!([
        imps("RV-1", "51234567890"),
        imps("RV-2", "51234567890"),
        imps("RV-3", "41234567890")
    ]);
    s.transfer(&token, true, &batch);
    let (status, answer) = s.inspect(
        "reverse",
        Some(json!({"references": ["RV-1", "RV-2", "RV-3", "RV-NONE"]})),
    );
    assert_eq!(status, 200);
    assert_eq!(
        answer,
        json!({"references": ["RV-1", "RV-2"], "not_reversed": ["RV-3", "RV-NONE"]})
    );
    for r in ["RV-1", "RV-2"] {
        let t = s.txn(&token, r);
        assert_eq!(
            (t["txnStatus"].as_str(), t["txnSubStatus"].as_str()),
            (Some("FAILED"), Some("REVERSED"))
        );
        assert_eq!(
            t["bankTransactionRefNo"].as_str().map(str::len),
            Some(12),
            "it keeps its UTR"
        );
    }
    let ledger = s.ledger();
    assert!(
        ledger
            .iter()
            .filter(|e| e["reference"] != "RV-3")
            .all(|e| e["state"] == "FAILED")
    );
    assert_eq!(s.inspect("reverse", Some(json!("RV-1"))).0, 400);
}

#[test]
fn every_knob_combines_with_faults_latency_and_the_seed() {
    let args = [
        "--settle-ms",
        "1000",
        "--latency-ms",
        "2",
        "--fault-rate",
        "0.3",
        "--seed",
        "7",
        "--visibility-ms",
        "500",
        "--dedupe-lag-ms",
        "2000",
        "--approval-flow",
        "on",
        "--balance",
        "5000",
        "--status-spelling",
        "lifecycle",
    ];
    let run = || {
        let s = Sandbox::start(&args);
        // Faults meet the token grant too: try until one comes through (bounded).
        let mut token = None;
        for _ in 0..20 {
            let r = s
                .http
                .post(format!("{}/oauth/token", s.url))
                .form(&[
                    ("grant_type", "password"),
                    ("client_id", PUBLIC_CLIENT),
                    ("username", "payouts@sandbox.test"),
                    ("password", "sandbox"),
                ])
                .send();
            if let Ok(r) = r
                && r.status().as_u16() == 200
                && let Ok(body) = r.json::<Value>()
            {
                token = body["access_token"].as_str().map(str::to_owned);
                break;
            }
        }
        let token = token.expect("a token within 20 tries");
        // Each reference sent twice: inside the dedupe lag, so a repeat that reaches the
        // sandbox is a second payout.
        let mut sent = 0u64;
        for i in 0..8 {
            for _ in 0..2 {
                sent += 1;
                let _ = s
                    .http
                    .post(format!("{}/payout/v2/payment", s.url))
                    .bearer_auth(&token)
                    .header("pid", "1111123")
                    .json(&json!([paid(&format!("K-{i}"), "1000")]))
                    .send();
            }
        }
        let counted = s.requests();
        assert_eq!(
            counted["POST /payout/v2/payment"], sent,
            "every request counted, faults too"
        );
        let ledger = s.ledger();
        assert!(
            ledger.iter().all(|e| e["state"] == "PENDING FOR APPROVAL"),
            "{ledger:?}"
        );
        // Nothing shows before the visibility window, whatever the approval.
        let hidden = s
            .http
            .post(format!("{}/payout/payment/listTransactions", s.url))
            .bearer_auth(&token)
            .header("payoutMerchantId", "1111123")
            .form(&[("pageSize", "100")])
            .send()
            .ok()
            .and_then(|r| r.json::<Value>().ok());
        if let Some(page) = hidden.filter(|p| p["status"] == 0) {
            assert_eq!(page["data"]["totalElements"], 0, "{page}");
        }
        assert_eq!(s.inspect("approve", None).0, 200);
        assert_eq!(
            s.inspect("deposit", Some(json!({"amount": "100000"}))).0,
            200
        );
        s.advance_ms(2000);
        let states: Vec<(String, String)> = s
            .ledger()
            .iter()
            .map(|e| {
                (
                    e["reference"].as_str().unwrap().to_owned(),
                    e["state"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert!(states.iter().all(|(_, w)| w == "SUCCESS"), "{states:?}");
        states
    };
    let first = run();
    assert!(
        first.len() > 8,
        "some references were paid twice: {first:?}"
    );
    assert_eq!(run(), first, "the same seed, the same run");
}
