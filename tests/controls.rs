//! The controls of architecture.md §7.2 through the binary, against a sandbox on a port the OS chose:
//! the balance checked before paying, `cancel`, `status --recheck-success`, and the same
//! payment under a new reference. The sandbox's ledger shows what was really sent.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{Sandbox, Workdir, code, read_csv, stderr};
use payu_bulk::journal::{Journal, Key, State};

/// The results file as one map per row, by header.
fn results(path: &Path) -> Vec<HashMap<String, String>> {
    let rows = read_csv(path, b',');
    let (header, data) = rows.split_first().expect("a header");
    data.iter()
        .map(|r| header.iter().cloned().zip(r.iter().cloned()).collect())
        .collect()
}

/// Runs `payu-bulk COMMAND ARGS… --base-url SANDBOX --journal journal.sqlite` in the work
/// folder, with no terminal on stdin.
fn run(w: &Workdir, sb: &Sandbox, command: &str, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_payu-bulk"));
    c.arg(command)
        .args(args)
        .args(["--base-url", &sb.url, "--journal", "journal.sqlite"]);
    if command == "submit" {
        c.arg("--quiet");
    }
    c.current_dir(w.path(""))
        .stdin(Stdio::null())
        .output()
        .expect("run payu-bulk")
}

fn references(sb: &Sandbox) -> Vec<String> {
    let mut refs: Vec<String> = sb
        .ledger()
        .iter()
        .map(|e| e["reference"].as_str().unwrap().to_owned())
        .collect();
    refs.sort();
    refs
}

const PAYOUT_HEADER: &str =
    "Reference,Payment Mode,Account No,IFSC Code,Beneficiary Name,Amount,Purpose\n";

/// Payout rows: (reference, amount), each to the sandbox's paying test account by NEFT.
fn payouts(rows: &[(&str, &str)]) -> String {
    let mut s = PAYOUT_HEADER.to_owned();
    for (reference, amount) in rows {
        s.push_str(&format!(
            "{reference},NEFT,51234567890,HDFC0000001,Asha Verma,{amount},Salary November\n"
        ));
    }
    s
}

/// The sandbox's state of each reference (its ledger, in PayU's words).
fn states(sb: &Sandbox) -> HashMap<String, String> {
    sb.ledger()
        .iter()
        .map(|e| {
            (
                e["reference"].as_str().unwrap().to_owned(),
                e["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn journal_key(reference: &str, kind: &str) -> Key {
    Key {
        env: "sandbox".into(),
        merchant: payu_bulk::sandbox::INDIA_MERCHANT_ID.into(),
        kind: kind.into(),
        reference: reference.into(),
    }
}

/// The journal's code for a row that ended FAILED.
fn ended(w: &Workdir, reference: &str, kind: &str) -> Option<String> {
    let j = Journal::open(&w.path("journal.sqlite")).unwrap();
    let entry = j.get(&journal_key(reference, kind)).unwrap()?;
    (entry.state == State::Failed)
        .then_some(entry.details.code)
        .flatten()
}

/// The sandbox account opens with INR 1,00,00,000; these two rows ask for 1,20,00,000.
const BIG: [(&str, &str); 2] = [("BIG-1", "6000000.00"), ("BIG-2", "6000000.00")];

#[test]
fn a_shortfall_sends_nothing_a_dry_run_says_so_and_allow_queue_lets_payu_queue() {
    let w = Workdir::new();
    w.write("big.csv", payouts(&BIG));
    // Settled at once: what the balance covers is paid, the rest waits QUEUED.
    let sb = Sandbox::start(&["--settle-ms", "0", "--balance", "10000000.00"]);

    let out = run(&w, &sb, "submit", &["big.csv"]);
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "{err}");
    for said in [
        "INR 12000000.00",
        "INR 10000000.00",
        "INR 2000000.00 short",
        "--allow-queue",
    ] {
        assert!(err.contains(said), "{said}: {err}");
    }
    assert!(references(&sb).is_empty(), "nothing was sent");

    let out = run(&w, &sb, "submit", &["big.csv", "--dry-run"]);
    let err = stderr(&out);
    assert_eq!(code(&out), 0, "{err}");
    assert!(
        err.contains("INR 2000000.00 short") && err.contains("a real run would send nothing"),
        "{err}"
    );
    assert!(references(&sb).is_empty());

    let out = run(
        &w,
        &sb,
        "submit",
        &["big.csv", "--allow-queue", "--wait", "3s"],
    );
    let err = stderr(&out);
    assert_eq!(code(&out), 0, "{err}");
    assert_eq!(references(&sb), ["BIG-1", "BIG-2"]);
    let rows = results(&w.path("big.results.csv"));
    assert_eq!(rows[0]["result_status"], "SUCCESS");
    assert_eq!(rows[1]["result_status"], "PENDING");
    assert!(
        rows[1]["result_error_message"].contains("queued by PayU: the balance is too low"),
        "the queued row says so: {:?}",
        rows[1]
    );

    // The queued transfer is cancelled; the paid one is refused in PayU's words.
    let out = run(&w, &sb, "cancel", &["big.results.csv", "--yes"]);
    let err = stderr(&out);
    assert_eq!(code(&out), 0, "{err}");
    assert!(
        err.contains("cancel 1 row(s) totalling INR 6000000.00"),
        "{err}"
    );
    let rows = results(&w.path("big.results.csv"));
    assert_eq!(rows[0]["result_status"], "SUCCESS", "untouched");
    assert_eq!(rows[1]["result_status"], "FAILED");
    assert_eq!(rows[1]["result_error_code"], "CANCELLED");
    assert!(rows[1]["result_error_message"].contains("Payout transaction cancelled"));
    assert_eq!(ended(&w, "BIG-2", "payout").as_deref(), Some("CANCELLED"));
    assert_eq!(ended(&w, "BIG-1", "payout"), None);
    let states = states(&sb);
    assert_eq!(
        (states["BIG-1"].as_str(), states["BIG-2"].as_str()),
        ("SUCCESS", "CANCELLED")
    );
}

#[test]
fn queued_transfers_are_cancelled_by_row_and_processed_ones_refused() {
    // Slow to settle: every transfer stays QUEUED for minutes.
    let w = Workdir::new();
    w.write(
        "q.csv",
        payouts(&[("Q-1", "100.00"), ("Q-2", "200.00"), ("Q-3", "300.00")]),
    );
    let sb = Sandbox::start(&["--settle-ms", "600000"]);
    let out = run(&w, &sb, "submit", &["q.csv", "--wait", "0"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    let out = run(&w, &sb, "cancel", &["q.results.csv", "--rows", "2,4"]);
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "no terminal and no --yes: {err}");
    assert!(
        err.contains("--yes") && err.contains("nothing was cancelled"),
        "{err}"
    );
    assert!(
        results(&w.path("q.results.csv"))
            .iter()
            .all(|r| r["result_status"] == "PENDING")
    );

    let out = run(&w, &sb, "cancel", &["q.results.csv", "--rows", "9"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("has no row 9"), "{}", stderr(&out));

    let out = run(
        &w,
        &sb,
        "cancel",
        &["q.results.csv", "--rows", "2,4", "--yes"],
    );
    let err = stderr(&out);
    assert_eq!(code(&out), 0, "{err}");
    assert!(
        err.contains("cancel 2 row(s) totalling INR 400.00"),
        "{err}"
    );
    let rows = results(&w.path("q.results.csv"));
    let status: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r["result_status"].as_str(), r["result_error_code"].as_str()))
        .collect();
    assert_eq!(
        status,
        [
            ("FAILED", "CANCELLED"),
            ("PENDING", ""),
            ("FAILED", "CANCELLED")
        ]
    );
    assert_eq!(ended(&w, "Q-3", "payout").as_deref(), Some("CANCELLED"));
    let ledger = states(&sb);
    assert_eq!(
        [&ledger["Q-1"], &ledger["Q-2"], &ledger["Q-3"]],
        ["CANCELLED", "QUEUED", "CANCELLED"]
    );

    // Cancelled rows are FAILED now, so a rerun of the sheet sends nothing again.
    let out = run(&w, &sb, "submit", &["q.csv", "--wait", "0"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let ledger = sb.ledger();
    assert!(
        ledger.iter().all(|e| e["times_received"] == 1),
        "{ledger:?}"
    );
    let rows = results(&w.path("q.results.csv"));
    assert_eq!(
        (
            rows[0]["result_status"].as_str(),
            rows[0]["result_error_code"].as_str()
        ),
        ("FAILED", "CANCELLED"),
        "the journal says how it ended: {:?}",
        rows[0]
    );

    // Processed already: PayU refuses, the row keeps its state and says why.
    let w = Workdir::new();
    w.write("done.csv", payouts(&[("D-1", "150.00")]));
    let sb = Sandbox::start(&["--settle-ms", "0"]);
    let out = run(&w, &sb, "submit", &["done.csv", "--wait", "0"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(&w, &sb, "cancel", &["done.results.csv", "--yes"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let rows = results(&w.path("done.results.csv"));
    assert_eq!(rows[0]["result_status"], "PENDING");
    assert!(
        rows[0]["result_error_message"]
            .contains("PayU says \"Payout cannot be cancelled as it is already processed\""),
        "{:?}",
        rows[0]
    );
    assert_eq!(ended(&w, "D-1", "payout"), None);
}

const LINK_HEADER: &str = "Reference,Customer Name,Mobile,Amount,Description\n";

#[test]
fn a_live_link_is_cancelled_and_a_claimed_one_refused() {
    let sheet = format!("{LINK_HEADER}L-1,Ananya Rao,9845012345,250.00,Refund order 1\n");
    for (settle, cancelled) in [("600000", true), ("0", false)] {
        let w = Workdir::new();
        w.write("links.csv", &sheet);
        let sb = Sandbox::start(&["--settle-ms", settle]);
        let out = run(&w, &sb, "submit", &["links.csv", "--wait", "0"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let out = run(&w, &sb, "cancel", &["links.results.csv", "--yes"]);
        let err = stderr(&out);
        let row = results(&w.path("links.results.csv")).remove(0);
        if cancelled {
            assert_eq!(code(&out), 0, "{err}");
            assert_eq!(
                (
                    row["result_status"].as_str(),
                    row["result_error_code"].as_str()
                ),
                ("FAILED", "CANCELLED")
            );
            assert!(row["result_error_message"].contains("Smart send link cancelled"));
            assert_eq!(ended(&w, "L-1", "smart-send").as_deref(), Some("CANCELLED"));
            assert_eq!(states(&sb)["L-1"], "CANCELLED");
        } else {
            assert_eq!(code(&out), 1, "{err}");
            assert_eq!(row["result_status"], "PENDING");
            assert!(
                row["result_error_message"].contains(
                    "Payout cannot be cancelled as it is already processed or cancelled (code 1110)"
                ),
                "{row:?}"
            );
        }
    }
}

#[test]
fn a_reversal_is_found_by_recheck_success() {
    let w = Workdir::new();
    w.write("paid.csv", payouts(&[("P-1", "500.00"), ("P-2", "700.00")]));
    let sb = Sandbox::start(&["--settle-ms", "0"]);
    let out = run(&w, &sb, "submit", &["paid.csv", "--wait", "5s"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let rows = results(&w.path("paid.results.csv"));
    assert!(
        rows.iter().all(|r| r["result_status"] == "SUCCESS"),
        "{rows:?}"
    );

    let reversed = sb
        .http
        .post(format!("{}/__sandbox/reverse", sb.url))
        .json(&serde_json::json!({"merchantRefId": "P-1"}))
        .send()
        .unwrap();
    assert!(reversed.status().is_success());

    // A plain status leaves paid rows alone.
    let out = run(&w, &sb, "status", &["paid.results.csv"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        results(&w.path("paid.results.csv"))[0]["result_status"],
        "SUCCESS"
    );

    let out = run(
        &w,
        &sb,
        "status",
        &["paid.results.csv", "--recheck-success", "--since", "14d"],
    );
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(
        err.contains("2 paid row(s) asked about again; 1 reversed"),
        "{err}"
    );
    let rows = results(&w.path("paid.results.csv"));
    assert_eq!(rows[0]["result_status"], "FAILED");
    assert_eq!(rows[0]["result_error_code"], "REVERSED");
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert!(
        rows[0]["result_error_message"].contains(&today),
        "{:?}",
        rows[0]
    );
    assert_eq!(rows[1]["result_status"], "SUCCESS");
    assert_eq!(ended(&w, "P-1", "payout").as_deref(), Some("REVERSED"));

    // --since needs --recheck-success.
    let out = run(&w, &sb, "status", &["paid.results.csv", "--since", "2d"]);
    assert_eq!(code(&out), 2);
}

#[test]
fn the_same_payment_under_a_new_reference_is_held_back_across_runs() {
    let w = Workdir::new();
    let sb = Sandbox::start(&["--settle-ms", "0"]);
    w.write(
        "monday.csv",
        payouts(&[("MON-1", "1500.00"), ("MON-2", "2500.00")]),
    );
    let out = run(&w, &sb, "submit", &["monday.csv", "--wait", "0"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    // Re-exported under new references, with one new payment.
    w.write(
        "tuesday.csv",
        payouts(&[
            ("TUE-1", "1500.00"),
            ("TUE-2", "2500.00"),
            ("TUE-3", "999.00"),
        ]),
    );
    let out = run(&w, &sb, "submit", &["tuesday.csv", "--wait", "0"]);
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(err.contains("2 row(s) POSSIBLE_REPEAT"), "{err}");
    let rows = results(&w.path("tuesday.results.csv"));
    assert_eq!(rows[0]["result_status"], "INVALID");
    assert_eq!(rows[0]["result_error_code"], "POSSIBLE_REPEAT");
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let message = &rows[0]["result_error_message"];
    assert!(
        message.contains("'MON-1'") && message.contains(&today),
        "{message}"
    );
    assert!(rows[1]["result_error_message"].contains("'MON-2'"));
    assert_eq!(rows[2]["result_status"], "NOT_SENT");
    assert_eq!(
        references(&sb),
        ["MON-1", "MON-2"],
        "nothing of Tuesday was sent"
    );

    // --skip-invalid sends the new one only; --allow-repeats the rest.
    let out = run(
        &w,
        &sb,
        "submit",
        &["tuesday.csv", "--wait", "0", "--skip-invalid"],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(references(&sb), ["MON-1", "MON-2", "TUE-3"]);
    let out = run(
        &w,
        &sb,
        "submit",
        &["tuesday.csv", "--wait", "0", "--allow-repeats"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        references(&sb),
        ["MON-1", "MON-2", "TUE-1", "TUE-2", "TUE-3"]
    );
    let rows = results(&w.path("tuesday.results.csv"));
    assert!(
        rows[0]["result_error_message"].contains("sent anyway (--allow-repeats)"),
        "{:?}",
        rows[0]
    );

    // A window of 0 in the config turns the check off.
    w.write("wednesday.csv", payouts(&[("WED-1", "1500.00")]));
    w.write("off.toml", "repeat_window = \"0\"\n");
    let out = run(
        &w,
        &sb,
        "submit",
        &["wednesday.csv", "--wait", "0", "--config", "off.toml"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(references(&sb).contains(&"WED-1".to_owned()));
}

#[test]
fn two_rows_of_one_sheet_paying_the_same_get_a_warning_only() {
    let w = Workdir::new();
    let sb = Sandbox::start(&["--settle-ms", "0"]);
    w.write(
        "twice.csv",
        payouts(&[
            ("INV-1", "800.00"),
            ("INV-2", "800.00"),
            ("INV-3", "900.00"),
        ]),
    );
    let out = run(&w, &sb, "submit", &["twice.csv", "--wait", "0"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(references(&sb), ["INV-1", "INV-2", "INV-3"]);
    let rows = results(&w.path("twice.results.csv"));
    assert!(
        rows[0]["result_error_message"]
            .contains("warning: the same destination and amount as row 3 ('INV-2') of this sheet"),
        "{:?}",
        rows[0]
    );
    assert!(rows[1]["result_error_message"].contains("row 2 ('INV-1')"));
    assert!(!rows[2]["result_error_message"].contains("warning"));
}

#[test]
fn a_europe_payout_repeated_under_a_new_reference_is_held_back_too() {
    let w = Workdir::new();
    let sb = Sandbox::start(&["--settle-ms", "0"]);
    let sheet = |reference: &str| {
        format!(
            "extPayoutId,amount,currency,description,account.accountNumber,customerAddress.name\n\
             {reference},120.25,PLN,Wynagrodzenie,61109010140000071219812874,Jan Kowalski\n"
        )
    };
    w.write("first.csv", sheet("EU-1"));
    w.write("again.csv", sheet("EU-2"));
    let out = run(&w, &sb, "submit", &["first.csv", "--wait", "0"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(&w, &sb, "submit", &["again.csv", "--wait", "0"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let row = results(&w.path("again.results.csv")).remove(0);
    assert_eq!(row["result_error_code"], "POSSIBLE_REPEAT", "{row:?}");
    assert!(row["result_error_message"].contains("'EU-1'"));
    assert_eq!(references(&sb), ["EU-1"]);
}

/// PayU Europe rows from `shop`, one request each.
fn europe_rows(shop: &str, n: usize) -> String {
    let mut s =
        "extPayoutId,shopId,amount,currency,description,account.accountNumber,customerAddress.name\n"
            .to_owned();
    for i in 0..n {
        s.push_str(&format!(
            "EU-{i},{shop},{}.25,PLN,Wynagrodzenie,61109010140000071219812874,Jan Kowalski\n",
            10 + i
        ));
    }
    s
}

#[test]
fn an_account_wide_refusal_stops_the_run_and_a_rerun_after_the_fix_sends_the_rest_once() {
    let w = Workdir::new();
    let sb = Sandbox::start(&["--settle-ms", "0"]);
    // A shop this POS may not pay out from: PayU answers 8359 SHOP_NOT_ALLOWED.
    w.write("eu.csv", europe_rows("wrongShop", 5));
    let out = run(
        &w,
        &sb,
        "submit",
        &["eu.csv", "--wait", "0", "--concurrency", "1"],
    );
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(err.contains("stopped sending: PayU answered 8359"), "{err}");
    let rows = results(&w.path("eu.results.csv"));
    assert_eq!(rows[0]["result_status"], "FAILED");
    assert_eq!(rows[0]["result_error_code"], "8359");
    for r in &rows[1..] {
        assert_eq!(r["result_status"], "NOT_SENT", "{r:?}");
        assert!(r["result_error_message"].contains("8359"), "{r:?}");
    }
    assert!(references(&sb).is_empty(), "PayU took none of them");

    // Fixed: the right shop. Every row is sent, once.
    w.write("eu.csv", europe_rows(payu_bulk::sandbox::EUROPE_SHOP_ID, 5));
    let out = run(
        &w,
        &sb,
        "submit",
        &["eu.csv", "--wait", "0", "--concurrency", "1"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(references(&sb), ["EU-0", "EU-1", "EU-2", "EU-3", "EU-4"]);
    assert!(sb.ledger().iter().all(|e| e["times_received"] == 1));
}

#[test]
fn the_same_refusal_on_n_rows_in_a_row_stops_the_run_and_a_rerun_sends_the_rest_once() {
    let w = Workdir::new();
    let sb = Sandbox::start(&["--settle-ms", "0"]);
    // The sandbox's refused account: every row gets PayU's 8351, a code of the row, not of
    // the account; after --stop-after of them in a row the run stops all the same.
    let refused = "36109010149999999999999999";
    let good = "61109010140000071219812874";
    let sheet = |accounts: [&str; 5]| {
        let mut s =
            "extPayoutId,amount,currency,description,account.accountNumber,customerAddress.name\n"
                .to_owned();
        for (i, account) in accounts.iter().enumerate() {
            s.push_str(&format!(
                "EU-{i},{}.25,PLN,Wynagrodzenie,{account},Jan Kowalski\n",
                10 + i
            ));
        }
        s
    };
    w.write("eu.csv", sheet([refused; 5]));
    let args = [
        "eu.csv",
        "--wait",
        "0",
        "--concurrency",
        "1",
        "--stop-after",
        "2",
    ];
    let out = run(&w, &sb, "submit", &args);
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(err.contains("stopped sending"), "{err}");
    let rows = results(&w.path("eu.results.csv"));
    for r in &rows[..2] {
        assert_eq!(
            (r["result_status"].as_str(), r["result_error_code"].as_str()),
            ("FAILED", "8351"),
            "{r:?}"
        );
    }
    for r in &rows[2..] {
        assert_eq!(r["result_status"], "NOT_SENT", "{r:?}");
        assert!(r["result_error_message"].contains("8351"), "{r:?}");
    }
    assert!(references(&sb).is_empty(), "PayU took none of them");

    // Fixed: the rows not yet sent get a good account. The two refused rows are not sent
    // again (the journal holds them as FAILED); the rest are sent, once each.
    w.write("eu.csv", sheet([refused, refused, good, good, good]));
    let out = run(&w, &sb, "submit", &args);
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "the two FAILED rows remain: {err}");
    let rows = results(&w.path("eu.results.csv"));
    let statuses: Vec<&str> = rows.iter().map(|r| r["result_status"].as_str()).collect();
    assert_eq!(
        statuses,
        ["FAILED", "FAILED", "PENDING", "PENDING", "PENDING"]
    );
    assert_eq!(references(&sb), ["EU-2", "EU-3", "EU-4"]);
    assert!(sb.ledger().iter().all(|e| e["times_received"] == 1));
}

#[test]
fn credentials_payu_refuses_stop_the_run_and_a_rerun_with_the_right_ones_sends_every_row_once() {
    let w = Workdir::new();
    let sb = Sandbox::start(&["--settle-ms", "0"]);
    // A uat environment whose PayU Europe is this sandbox, with its secret from the
    // environment: PayU answers 401 to the wrong one, however often it is asked.
    let url = sb.url.trim_end_matches('/');
    w.write(
        "payu-bulk.toml",
        format!(
            "[environments.uat]\nrate = 50\n[environments.uat.endpoints]\neurope_host = \"{url}\"\n\
             [environments.uat.europe]\npos_id = \"300746\"\nshop_id = \"{}\"\n\
             client_secret = {{ env = \"TEST_EUROPE_SECRET\" }}\n",
            payu_bulk::sandbox::EUROPE_SHOP_ID
        ),
    );
    w.write("eu.csv", europe_rows(payu_bulk::sandbox::EUROPE_SHOP_ID, 3));
    let submit = |secret: &str| {
        Command::new(env!("CARGO_BIN_EXE_payu-bulk"))
            .args([
                "submit",
                "eu.csv",
                "--env",
                "uat",
                "--config",
                "payu-bulk.toml",
            ])
            .args(["--journal", "journal.sqlite", "--wait", "0", "--quiet"])
            .env("TEST_EUROPE_SECRET", secret)
            .current_dir(w.path(""))
            .stdin(Stdio::null())
            .output()
            .expect("run payu-bulk")
    };
    let out = submit("not-the-secret");
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(err.contains("stopped sending"), "{err}");
    let rows = results(&w.path("eu.results.csv"));
    assert_eq!(rows.len(), 3);
    for r in &rows {
        assert_eq!(r["result_status"], "NOT_SENT", "{r:?}");
        assert!(r["result_error_message"].contains("401"), "{r:?}");
    }
    assert!(
        !err.contains("not-the-secret"),
        "a secret is never printed: {err}"
    );
    assert!(references(&sb).is_empty(), "PayU took none of them");

    // The right secret: every row is sent, once.
    let out = submit(payu_bulk::sandbox::EUROPE_POS_SECRET);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(references(&sb), ["EU-0", "EU-1", "EU-2"]);
    assert!(sb.ledger().iter().all(|e| e["times_received"] == 1));
}

#[test]
fn not_enough_funds_stops_the_run_and_a_rerun_sends_the_rest_once() {
    let w = Workdir::new();
    let sb = Sandbox::start(&["--settle-ms", "0"]);
    // The sandbox's unfunded amount: PayU Europe answers 8352 NOT_ENOUGH_FUNDS, which no
    // later row of this shop can get past.
    let shop = payu_bulk::sandbox::EUROPE_SHOP_ID;
    let sheet = |later: &str| {
        let mut s = "extPayoutId,shopId,amount,currency,description,account.accountNumber,customerAddress.name\n"
            .to_owned();
        for (i, amount) in ["999999.99", later, later].iter().enumerate() {
            s.push_str(&format!(
                "EU-{i},{shop},{amount},PLN,Wynagrodzenie,61109010140000071219812874,Jan Kowalski\n"
            ));
        }
        s
    };
    w.write("eu.csv", sheet("10.25"));
    let args = ["eu.csv", "--wait", "0", "--concurrency", "1"];
    let out = run(&w, &sb, "submit", &args);
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(err.contains("stopped sending: PayU answered 8352"), "{err}");
    let rows = results(&w.path("eu.results.csv"));
    assert_eq!(
        (
            rows[0]["result_status"].as_str(),
            rows[0]["result_error_code"].as_str()
        ),
        ("FAILED", "8352")
    );
    for r in &rows[1..] {
        assert_eq!(r["result_status"], "NOT_SENT", "{r:?}");
        assert!(r["result_error_message"].contains("8352"), "{r:?}");
    }
    assert!(references(&sb).is_empty(), "PayU took none of them");

    // A rerun (after money is added) sends the rows not yet sent, once each; the refused row
    // is not sent again.
    let out = run(&w, &sb, "submit", &args);
    assert_eq!(code(&out), 1, "the refused row remains: {}", stderr(&out));
    assert_eq!(references(&sb), ["EU-1", "EU-2"]);
    assert!(sb.ledger().iter().all(|e| e["times_received"] == 1));
}

#[test]
fn a_failing_canary_holds_the_rest_back_and_a_passing_one_sends_them() {
    let w = Workdir::new();
    let sb = Sandbox::start(&["--settle-ms", "0"]);
    // The first row goes to PayU's failing test account.
    let mut sheet = PAYOUT_HEADER.to_owned();
    sheet.push_str("C-1,NEFT,41234567890,HDFC0000001,Asha Verma,101.00,Salary\n");
    for i in 2..=5 {
        sheet.push_str(&format!(
            "C-{i},NEFT,51234567890,HDFC0000001,Asha Verma,10{i}.00,Salary\n"
        ));
    }
    w.write("c.csv", &sheet);
    let out = run(
        &w,
        &sb,
        "submit",
        &["c.csv", "--canary", "1", "--wait", "5s"],
    );
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(
        err.contains("canary: not all of the first 1 row(s) ended SUCCESS")
            && err.contains("'C-1' FAILED"),
        "{err}"
    );
    let rows = results(&w.path("c.results.csv"));
    assert_eq!(rows[0]["result_status"], "FAILED");
    for r in &rows[1..] {
        assert_eq!(
            (r["result_status"].as_str(), r["result_error_code"].as_str()),
            ("NOT_SENT", "CANARY"),
            "{r:?}"
        );
    }
    assert_eq!(references(&sb), ["C-1"], "only the canary was sent");

    // A canary that stays PENDING past --wait holds the rest back too.
    let w2 = Workdir::new();
    w2.write(
        "p.csv",
        format!(
            "{PAYOUT_HEADER}P-1,NEFT,61234567890,HDFC0000001,Asha Verma,100.00,Salary\n\
             P-2,NEFT,51234567890,HDFC0000001,Asha Verma,200.00,Salary\n"
        ),
    );
    let out = run(
        &w2,
        &sb,
        "submit",
        &["p.csv", "--canary", "1", "--wait", "1s"],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let rows = results(&w2.path("p.results.csv"));
    assert_eq!(rows[0]["result_status"], "PENDING");
    assert_eq!(rows[1]["result_error_code"], "CANARY");

    // Passing: the two canary rows are paid, then the rest go; a rerun sends nothing twice.
    let w3 = Workdir::new();
    w3.write(
        "ok.csv",
        payouts(&[
            ("K-1", "11.00"),
            ("K-2", "12.00"),
            ("K-3", "13.00"),
            ("K-4", "14.00"),
        ]),
    );
    let out = run(
        &w3,
        &sb,
        "submit",
        &["ok.csv", "--canary", "2", "--wait", "5s"],
    );
    let err = stderr(&out);
    assert_eq!(code(&out), 0, "{err}");
    assert!(
        err.contains("canary: the first 2 row(s) were paid"),
        "{err}"
    );
    let rows = results(&w3.path("ok.results.csv"));
    assert!(
        rows.iter().all(|r| r["result_status"] == "SUCCESS"),
        "{rows:?}"
    );
    let ledger = sb.ledger();
    let k: Vec<&serde_json::Value> = ledger
        .iter()
        .filter(|e| e["reference"].as_str().unwrap().starts_with("K-"))
        .collect();
    assert_eq!(k.len(), 4);
    assert!(k.iter().all(|e| e["times_received"] == 1));
}
