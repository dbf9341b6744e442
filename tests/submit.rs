//! `payu-bulk submit`, `status` and `auth check` through the binary, against a sandbox on a
//! port the OS chose: each kind end to end, reruns, faults, kills, 429s, expiring tokens.
//! The sandbox's ledger is the proof: every reference accepted at most once, none lost.

mod common;

use std::collections::{HashMap, HashSet};
use std::process::{Command, Output, Stdio};

use common::{Sandbox, Workdir, code, read_csv, stderr};
use serde_json::Value;

/// The results file as one map per row, by header.
fn results(path: &std::path::Path, delimiter: u8) -> Vec<HashMap<String, String>> {
    let rows = read_csv(path, delimiter);
    let (header, data) = rows.split_first().expect("a header");
    data.iter()
        .map(|r| header.iter().cloned().zip(r.iter().cloned()).collect())
        .collect()
}

/// How many result rows have `status`.
fn count_status(rows: &[HashMap<String, String>], status: &str) -> usize {
    rows.iter().filter(|r| r["result_status"] == status).count()
}

/// `payu-bulk submit SHEET` against the sandbox with the work folder's journal, not started.
fn submit_command(w: &Workdir, sb: &Sandbox, sheet: &str, extra: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_payu-bulk"));
    c.args(["submit", sheet, "--base-url", &sb.url])
        .args(["--journal", "journal.sqlite", "--quiet"])
        .args(extra)
        .current_dir(w.path(""));
    c
}

fn submit(w: &Workdir, sb: &Sandbox, sheet: &str, extra: &[&str]) -> Output {
    submit_command(w, sb, sheet, extra)
        .output()
        .expect("run payu-bulk submit")
}

/// No reference was accepted twice.
fn assert_once(ledger: &[Value]) {
    let mut seen = HashSet::new();
    for e in ledger {
        let key = (
            e["api"].as_str().unwrap().to_owned(),
            e["reference"].as_str().unwrap().to_owned(),
        );
        assert!(seen.insert(key.clone()), "accepted twice: {key:?}");
    }
}

fn ledger_refs(ledger: &[Value]) -> HashMap<String, u64> {
    ledger
        .iter()
        .map(|e| {
            (
                e["reference"].as_str().unwrap().to_owned(),
                e["times_received"].as_u64().unwrap(),
            )
        })
        .collect()
}

const PAYOUT_HEADER: &str =
    "Reference,Payment Mode,Account No,IFSC Code,Beneficiary Name,Amount,Purpose\n";

/// `n` valid payout rows; every seventh goes to PayU's failing test account.
fn payout_sheet(prefix: &str, n: usize) -> String {
    let mut s = PAYOUT_HEADER.to_owned();
    for i in 0..n {
        let account = if i % 7 == 6 {
            "41234567890"
        } else {
            "50100234567891"
        };
        s.push_str(&format!(
            "{prefix}-{i:03},IMPS,{account},HDFC0000001,Asha Verma,{}.50,Salary November\n",
            100 + i
        ));
    }
    s
}

/// `n` valid PayU Europe rows to Polish accounts.
fn europe_sheet(prefix: &str, n: usize) -> String {
    let mut s =
        "extPayoutId;amount;currency;description;account.accountNumber;customerAddress.name\n"
            .to_owned();
    for i in 0..n {
        s.push_str(&format!(
            "{prefix}-{i:03};{}.25;PLN;Wynagrodzenie;61109010140000071219812874;Jan Kowalski\n",
            10 + i
        ));
    }
    s
}

/// `n` valid Smart Send rows.
fn link_sheet(prefix: &str, n: usize) -> String {
    let mut s = "Reference,Customer Name,Mobile,Amount,Description\n".to_owned();
    for i in 0..n {
        s.push_str(&format!(
            "{prefix}-{i:03},Ananya Rao,9845012345,{}.00,Refund order {i}\n",
            200 + i
        ));
    }
    s
}

/// Every row `validate` passes ends paid, failed by PayU or pending, with PayU's id, and its
/// reference is in the ledger exactly once.
fn assert_paid(
    rows: &[HashMap<String, String>],
    reference_col: &str,
    ledger: &[Value],
    links: bool,
) {
    assert_once(ledger);
    let accepted = ledger_refs(ledger);
    let mut sent = 0;
    for r in rows {
        let status = r["result_status"].as_str();
        if status == "INVALID" {
            continue;
        }
        sent += 1;
        let reference = &r[reference_col];
        assert!(
            matches!(status, "SUCCESS" | "FAILED" | "PENDING"),
            "row {}: {status} {}",
            r["result_row"],
            r["result_error_message"]
        );
        if accepted.contains_key(reference) {
            assert!(
                !r["result_reference"].is_empty(),
                "row {} has no PayU id",
                r["result_row"]
            );
            if links {
                assert!(
                    r["result_link"].starts_with("http"),
                    "row {}: no link",
                    r["result_row"]
                );
            }
        } else {
            assert_eq!(
                status, "FAILED",
                "row {} is not in the ledger",
                r["result_row"]
            );
            assert!(!r["result_error_code"].is_empty());
        }
    }
    assert!(sent > 0);
}

#[test]
fn payout_sample_is_paid_end_to_end() {
    let w = Workdir::new();
    w.copy("samples/payout.csv", "payout.csv");
    let sb = Sandbox::start(&["--settle-ms", "50"]);
    let out = submit(&w, &sb, "payout.csv", &["--skip-invalid", "--wait", "5s"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let rows = results(&w.path("payout.results.csv"), b',');
    assert_paid(&rows, "Reference", &sb.ledger(), false);
    let by_ref: HashMap<&str, &HashMap<String, String>> =
        rows.iter().map(|r| (r["Reference"].as_str(), r)).collect();
    // PayU's test accounts: 41234567890 fails, 61234567890 stays pending.
    let status_of = |account: &str| {
        rows.iter()
            .find(|r| r["Account No"] == account && r["result_status"] != "INVALID")
            .map(|r| r["result_status"].clone())
    };
    assert_eq!(status_of("41234567890").as_deref(), Some("FAILED"));
    assert_eq!(status_of("61234567890").as_deref(), Some("PENDING"));
    assert_eq!(by_ref["PAY-2611-001"]["result_status"], "SUCCESS");
    assert!(by_ref["PAY-2611-001"]["result_reference"].starts_with("PAYOUT"));
}

#[test]
fn smart_send_sample_is_paid_by_api_and_by_bulk_file() {
    for mode in ["api", "bulk"] {
        let w = Workdir::new();
        w.copy("samples/smart-send.csv", "links.csv");
        let sb = Sandbox::start(&["--settle-ms", "50"]);
        let out = submit(
            &w,
            &sb,
            "links.csv",
            &["--skip-invalid", "--mode", mode, "--wait", "5s"],
        );
        assert_eq!(code(&out), 1, "{mode}: {}", stderr(&out));
        let rows = results(&w.path("links.results.csv"), b',');
        let ledger = sb.ledger();
        assert!(ledger.iter().all(|e| e["api"] == "smart-send"));
        assert_paid(&rows, "Reference", &ledger, true);
        assert!(count_status(&rows, "SUCCESS") >= 5, "{mode}");
    }
}

#[test]
fn global_payout_sample_is_paid_end_to_end_from_xlsx() {
    let w = Workdir::new();
    w.copy("samples/global-payout.xlsx", "eu.xlsx");
    let sb = Sandbox::start(&["--settle-ms", "50"]);
    let out = submit(
        &w,
        &sb,
        "eu.xlsx",
        &["--skip-invalid", "--wait", "5s", "-o", "eu.csv"],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let rows = results(&w.path("eu.csv"), b',');
    let ledger = sb.ledger();
    assert!(ledger.iter().all(|e| e["api"] == "europe-payout"));
    assert_paid(&rows, "extPayoutId", &ledger, false);
    assert!(count_status(&rows, "SUCCESS") >= 10);
}

#[test]
fn a_rerun_sends_nothing_and_reports_what_the_journal_holds() {
    let w = Workdir::new();
    w.write("pay.csv", payout_sheet("RR", 12));
    let sb = Sandbox::start(&["--settle-ms", "20"]);
    let first = submit(&w, &sb, "pay.csv", &["--batch-size", "5"]);
    assert_eq!(code(&first), 1, "{}", stderr(&first)); // one row goes to the failing account
    let before = results(&w.path("pay.results.csv"), b',');
    let second = submit(&w, &sb, "pay.csv", &["--batch-size", "5"]);
    assert_eq!(code(&second), 1, "{}", stderr(&second));
    let after = results(&w.path("pay.results.csv"), b',');
    let ledger = sb.ledger();
    assert_eq!(ledger.len(), 12);
    assert!(
        ledger.iter().all(|e| e["times_received"] == 1),
        "{ledger:?}"
    );
    for (a, b) in before.iter().zip(&after) {
        assert_eq!(a["result_status"], b["result_status"]);
        assert!(
            b["result_error_message"].contains("not sent again"),
            "{b:?}"
        );
    }
    // An overlapping sheet: the old rows are not sent, the new ones are.
    let mut overlap = payout_sheet("RR", 12);
    overlap.push_str("RR-NEW,NEFT,50100234567891,HDFC0000001,Asha Verma,99.00,Salary November\n");
    w.write("pay2.csv", overlap);
    let third = submit(&w, &sb, "pay2.csv", &[]);
    assert_eq!(code(&third), 1, "{}", stderr(&third));
    let ledger = sb.ledger();
    assert_eq!(ledger.len(), 13);
    assert!(ledger.iter().all(|e| e["times_received"] == 1));
}

#[test]
fn nothing_is_sent_while_a_row_is_invalid_and_a_dry_run_sends_nothing() {
    let w = Workdir::new();
    let mut sheet = europe_sheet("INV", 5);
    sheet.push_str("INV-BAD;-5;PLN;x;61109010140000071219812874;Jan Kowalski\n");
    w.write("eu.csv", sheet);
    let sb = Sandbox::start(&[]);
    let out = submit(&w, &sb, "eu.csv", &[]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let rows = results(&w.path("eu.results.csv"), b';');
    assert_eq!(count_status(&rows, "NOT_SENT"), 5);
    assert!(rows[0]["result_error_message"].contains("--skip-invalid"));
    assert_eq!(rows[5]["result_status"], "INVALID");
    assert!(sb.ledger().is_empty());

    let dry = submit(&w, &sb, "eu.csv", &["--skip-invalid", "--dry-run"]);
    assert_eq!(code(&dry), 1, "{}", stderr(&dry));
    let rows = results(&w.path("eu.results.csv"), b';');
    assert_eq!(count_status(&rows, "VALID"), 5);
    assert!(sb.ledger().is_empty());
}

#[test]
fn a_reference_reused_with_another_amount_is_refused() {
    let w = Workdir::new();
    w.write("eu.csv", europe_sheet("REUSE", 3));
    let sb = Sandbox::start(&["--settle-ms", "10"]);
    let first = submit(&w, &sb, "eu.csv", &[]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    w.write("eu.csv", europe_sheet("REUSE", 3).replace("11.25", "99.99"));
    let second = submit(&w, &sb, "eu.csv", &["--skip-invalid"]);
    assert_eq!(code(&second), 1, "{}", stderr(&second));
    let rows = results(&w.path("eu.results.csv"), b';');
    assert_eq!(rows[1]["result_status"], "INVALID");
    assert_eq!(rows[1]["result_error_code"], "REF_REUSED");
    assert!(rows[1]["result_error_message"].contains("REUSE-001"));
    assert_eq!(sb.ledger().len(), 3);
    assert!(sb.ledger().iter().all(|e| e["times_received"] == 1));
}

/// Reruns `submit` until no row is UNKNOWN (as cron would the next night), or until a rerun
/// has nothing left to ask (a PayU Europe payout PayU answered 8356 to, whose payoutId was
/// in a lost answer, stays UNKNOWN: PayU cannot be asked by extPayoutId), at most 6 times.
fn submit_until_settled(w: &Workdir, sb: &Sandbox, sheet: &str, extra: &[&str]) -> Output {
    for _ in 0..6 {
        let out = submit(w, sb, sheet, extra);
        assert!(matches!(code(&out), 0 | 1 | 3), "{}", stderr(&out));
        if code(&out) != 3 || stderr(&out).contains("requests: 0 ") {
            return out;
        }
    }
    panic!("rows still UNKNOWN after 6 runs");
}

/// A row left UNKNOWN only because PayU Europe holds it (8356) and cannot be asked.
fn held_by_europe(r: &HashMap<String, String>) -> bool {
    r["result_status"] == "UNKNOWN" && r["result_error_message"].contains("8356")
}

#[test]
fn with_a_third_of_requests_failing_every_row_is_accounted_for_and_paid_once() {
    let sb = Sandbox::start(&["--settle-ms", "20", "--fault-rate", "0.3", "--seed", "11"]);
    let cases = [
        (
            "pay.csv",
            payout_sheet("F", 30),
            "Reference",
            b',',
            vec!["--batch-size", "4"],
        ),
        ("eu.csv", europe_sheet("F", 30), "extPayoutId", b';', vec![]),
        ("links.csv", link_sheet("F", 20), "Reference", b',', vec![]),
        (
            "bulk.csv",
            link_sheet("FB", 20),
            "Reference",
            b',',
            vec!["--mode", "bulk"],
        ),
    ];
    for (name, sheet, reference, delimiter, extra) in cases {
        let w = Workdir::new();
        w.write(name, sheet);
        let mut args = extra.clone();
        // The sandbox shows every payout at once: a short window lets lost rows be resent.
        args.extend(["--wait", "3s", "--visibility-window", "300ms"]);
        submit_until_settled(&w, &sb, name, &args);
        let rows = results(&w.path(&name.replace(".csv", ".results.csv")), delimiter);
        let ledger = sb.ledger();
        assert_once(&ledger);
        let accepted = ledger_refs(&ledger);
        for r in &rows {
            let status = r["result_status"].as_str();
            assert!(
                matches!(status, "SUCCESS" | "PENDING" | "FAILED") || held_by_europe(r),
                "{name}: {r:?}"
            );
            // Nothing lost: a row PayU did not refuse is in the ledger.
            if status != "FAILED" {
                assert!(accepted.contains_key(&r[reference]), "{name}: {r:?}");
            }
        }
    }
}

/// A small deterministic generator for the kill moments.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

#[test]
fn killed_at_random_moments_twenty_times_nothing_is_paid_twice_or_lost() {
    let sb = Sandbox::start(&["--settle-ms", "10", "--latency-ms", "5"]);
    let mut rng = Lcg(2026);
    for (name, sheet, reference, delimiter, extra) in [
        (
            "eu.csv",
            europe_sheet("K", 60),
            "extPayoutId",
            b';',
            vec!["--rate", "40"],
        ),
        (
            "pay.csv",
            payout_sheet("K", 60),
            "Reference",
            b',',
            vec!["--rate", "20", "--batch-size", "3"],
        ),
    ] {
        let w = Workdir::new();
        w.write(name, sheet);
        for _ in 0..20 {
            let mut args = extra.clone();
            args.extend(["--wait", "1s", "--visibility-window", "300ms"]);
            let mut child = submit_command(&w, &sb, name, &args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start submit");
            std::thread::sleep(std::time::Duration::from_millis(30 + rng.next(900)));
            let _ = child.kill(); // SIGKILL on Unix
            let _ = child.wait();
        }
        let mut args = extra.clone();
        args.extend(["--visibility-window", "300ms"]);
        let out = submit_until_settled(&w, &sb, name, &args);
        assert!(matches!(code(&out), 0 | 1 | 3), "{}", stderr(&out));
        let rows = results(&w.path(&name.replace(".csv", ".results.csv")), delimiter);
        let ledger = sb.ledger();
        assert_once(&ledger);
        let accepted = ledger_refs(&ledger);
        assert_eq!(rows.len(), 60);
        for r in &rows {
            let status = r["result_status"].as_str();
            assert!(
                matches!(status, "SUCCESS" | "PENDING" | "FAILED") || held_by_europe(r),
                "{name}: {r:?}"
            );
            if status != "FAILED" {
                assert!(accepted.contains_key(&r[reference]), "{name}: lost {r:?}");
            }
        }
    }
}

#[test]
fn a_429_storm_fails_no_row() {
    let w = Workdir::new();
    w.write("eu.csv", europe_sheet("S", 25));
    let sb = Sandbox::start(&["--settle-ms", "10", "--rate-limit", "8"]);
    let out = submit(
        &w,
        &sb,
        "eu.csv",
        &["--rate", "200", "--burst", "10", "--wait", "5s"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    let throttled: u64 = err
        .split("requests: ")
        .nth(1)
        .and_then(|s| s.split(" answered 429").next())
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| panic!("{err}"));
    assert!(throttled > 0, "{err}");
    let rows = results(&w.path("eu.results.csv"), b';');
    assert!(
        rows.iter().all(|r| r["result_status"] == "SUCCESS"),
        "{rows:?}"
    );
    assert_eq!(sb.ledger().len(), 25);
}

#[test]
fn a_token_expiring_mid_run_is_renewed() {
    let w = Workdir::new();
    w.write(
        "pay.csv",
        payout_sheet("T", 6).replace("41234567890", "50100234567891"),
    );
    w.write("eu.csv", europe_sheet("T", 12));
    // Tokens live one second; the runs take longer.
    let sb = Sandbox::start(&["--settle-ms", "10", "--token-ttl", "1"]);
    let out = submit(&w, &sb, "eu.csv", &["--rate", "5", "--wait", "5s"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = submit(
        &w,
        &sb,
        "pay.csv",
        &["--rate", "3", "--batch-size", "1", "--wait", "5s"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(sb.ledger().len(), 18);
}

#[test]
fn status_refreshes_pending_rows_and_rewrites_the_results() {
    let w = Workdir::new();
    w.write("eu.csv", europe_sheet("ST", 4));
    let sb = Sandbox::start(&["--settle-ms", "300"]);
    let out = submit(&w, &sb, "eu.csv", &["--wait", "0"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let rows = results(&w.path("eu.results.csv"), b';');
    assert!(
        rows.iter().all(|r| r["result_status"] == "PENDING"),
        "{rows:?}"
    );
    let mut last = None;
    for _ in 0..50 {
        let out = w.run(&[
            "status",
            "eu.results.csv",
            "--base-url",
            &sb.url,
            "--journal",
            "journal.sqlite",
        ]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let rows = results(&w.path("eu.results.csv"), b';');
        if rows.iter().all(|r| r["result_status"] == "SUCCESS") {
            last = Some(rows);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let rows = last.expect("every row SUCCESS after the sandbox settles");
    assert_eq!(rows.len(), 4);
    assert!(rows.iter().all(|r| !r["result_reference"].is_empty()));
    // The journal learnt it too: a rerun reports SUCCESS without asking.
    let again = submit(&w, &sb, "eu.csv", &["--wait", "0"]);
    assert_eq!(code(&again), 0);
    assert_eq!(sb.ledger().len(), 4);
}

#[test]
fn two_runs_at_once_on_one_journal_send_each_row_once() {
    let w = Workdir::new();
    w.write("eu.csv", europe_sheet("TW", 30));
    let sb = Sandbox::start(&["--settle-ms", "10", "--latency-ms", "5"]);
    let spawn = || {
        submit_command(&w, &sb, "eu.csv", &["--wait", "2s"])
            .stderr(Stdio::piped())
            .spawn()
            .expect("start submit")
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert_eq!(code(&a), 0, "{}", stderr(&a));
    assert_eq!(code(&b), 0, "{}", stderr(&b));
    let ledger = sb.ledger();
    assert_eq!(ledger.len(), 30);
    assert!(
        ledger.iter().all(|e| e["times_received"] == 1),
        "{ledger:?}"
    );
}

#[test]
fn auth_check_says_which_apis_work() {
    let w = Workdir::new();
    let sb = Sandbox::start(&[]);
    let out = w.run(&["auth", "check", "--base-url", &sb.url]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("  ok ").count(), 3, "{text}");

    // Production via a config: secrets from the environment, one of them wrong.
    w.write(
        "payu.toml",
        r#"
env = "production"
[environments.production.india]
merchant_id = "1111123"
public_client_id = "6f8bb4951e030d4d7349e64a144a534778673585f86039617c167166e9154f7e"
username = { env = "T_INDIA_USER" }
password = { env = "T_INDIA_PASSWORD" }
[environments.production.europe]
pos_id = "300746"
client_secret = { env = "T_EUROPE_SECRET" }
shop_id = "n7Cd7y1U"
"#,
    );
    let out = Command::new(env!("CARGO_BIN_EXE_payu-bulk"))
        .args([
            "auth",
            "check",
            "--config",
            "payu.toml",
            "--base-url",
            &sb.url,
        ])
        .current_dir(w.path(""))
        .env("T_INDIA_USER", "payouts@sandbox.test")
        .env("T_INDIA_PASSWORD", "sandbox")
        .env("T_EUROPE_SECRET", "not-the-secret")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(code(&out), 1, "{text}{}", stderr(&out));
    assert!(text.contains("ok      PayU India payouts"), "{text}");
    assert!(text.contains("FAILED  PayU Europe"), "{text}");
    assert!(!text.contains("not-the-secret") && !stderr(&out).contains("not-the-secret"));

    // Production without --yes and no terminal to ask on: nothing is sent.
    w.write("eu.csv", europe_sheet("PROD", 2));
    let out = Command::new(env!("CARGO_BIN_EXE_payu-bulk"))
        .args([
            "submit",
            "eu.csv",
            "--config",
            "payu.toml",
            "--base-url",
            &sb.url,
            "--journal",
            "j.sqlite",
        ])
        .current_dir(w.path(""))
        .env("T_INDIA_USER", "payouts@sandbox.test")
        .env("T_INDIA_PASSWORD", "sandbox")
        .env("T_EUROPE_SECRET", "2ee86a66e5d97e3fadc400c9f19b065d")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("about to pay 2 rows in PRODUCTION: PLN 21.50"),
        "{}",
        stderr(&out)
    );
    assert!(sb.ledger().is_empty());
}

#[test]
fn the_in_process_sandbox_needs_no_account_and_no_network() {
    let w = Workdir::new();
    w.write("eu.csv", europe_sheet("IP", 3));
    let out = w.run(&["submit", "eu.csv", "--quiet", "--wait", "5s"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let rows = results(&w.path("eu.results.csv"), b';');
    assert!(
        rows.iter().all(|r| r["result_status"] == "SUCCESS"),
        "{rows:?}"
    );
    assert!(stderr(&out).contains("journal is temporary"));
}

/// `payu-bulk status RESULTS` against the sandbox with the work folder's journal.
fn status(w: &Workdir, sb: &Sandbox, results: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "status",
        results,
        "--base-url",
        &sb.url,
        "--journal",
        "journal.sqlite",
    ];
    args.extend(extra);
    w.run(&args)
}

#[test]
fn a_rerun_with_a_new_journal_reports_paid_rows_as_paid_never_failed_by_the_duplicate() {
    let sb = Sandbox::start(&["--settle-ms", "10"]);
    for (name, sheet, delimiter, extra) in [
        (
            "pay.csv",
            payout_sheet("NJ", 8),
            b',',
            vec!["--batch-size", "3"],
        ),
        ("links.csv", link_sheet("NJ", 4), b',', vec![]),
        ("eu.csv", europe_sheet("NJ", 4), b';', vec![]),
    ] {
        let w = Workdir::new();
        w.write(name, &sheet);
        let mut args = extra.clone();
        args.extend(["--wait", "3s"]);
        let first = submit(&w, &sb, name, &args);
        assert!(matches!(code(&first), 0 | 1), "{}", stderr(&first));
        let results_name = name.replace(".csv", ".results.csv");
        let paid = results(&w.path(&results_name), delimiter);
        // The journal is lost (a new machine, a deleted file): PayU's duplicate answers say
        // it has every row.
        std::fs::remove_file(w.path("journal.sqlite")).unwrap();
        let again = submit(&w, &sb, name, &args);
        let rows = results(&w.path(&results_name), delimiter);
        for (before, after) in paid.iter().zip(&rows) {
            let was = before["result_status"].as_str();
            let is = after["result_status"].as_str();
            if name == "eu.csv" {
                // PayU Europe cannot be asked by extPayoutId: it holds them, and says so.
                assert_eq!(is, "UNKNOWN", "{after:?}");
                assert!(after["result_error_message"].contains("8356"), "{after:?}");
            } else if was == "FAILED" {
                // The failing test account's row: PayU's own FAILED, found by lookup.
                assert_eq!(is, "FAILED", "{after:?}");
            } else {
                assert_eq!(is, was, "{name}: {after:?} {}", stderr(&again));
            }
            assert!(!after["result_error_code"].contains("1002"), "{after:?}");
            assert!(!after["result_error_code"].contains("1103"), "{after:?}");
        }
        assert_once(&sb.ledger());
    }
}

#[test]
fn a_row_payu_does_not_show_yet_is_never_resent_inside_the_visibility_window() {
    // PayU shows a payout 1.5 s after it took it, and a third of requests fail (some after
    // the payout was recorded): an empty lookup before the window is no reason to resend.
    let sb = Sandbox::start(&[
        "--settle-ms",
        "50",
        "--visibility-ms",
        "1500",
        "--fault-rate",
        "0.3",
        "--seed",
        "5",
    ]);
    for (name, sheet, reference, delimiter, extra) in [
        (
            "pay.csv",
            payout_sheet("VW", 20),
            "Reference",
            b',',
            vec!["--batch-size", "2"],
        ),
        ("links.csv", link_sheet("VW", 12), "Reference", b',', vec![]),
    ] {
        let w = Workdir::new();
        w.write(name, sheet);
        let mut args = extra.clone();
        args.extend(["--wait", "6s", "--visibility-window", "3s"]);
        submit_until_settled(&w, &sb, name, &args);
        let rows = results(&w.path(&name.replace(".csv", ".results.csv")), delimiter);
        let ledger = sb.ledger();
        assert_once(&ledger);
        let accepted = ledger_refs(&ledger);
        for r in &rows {
            let status = r["result_status"].as_str();
            assert!(
                matches!(status, "SUCCESS" | "PENDING" | "FAILED"),
                "{name}: {r:?}"
            );
            if let Some(times) = accepted.get(&r[reference]) {
                // Sent again only if PayU had never received it: one request each.
                assert_eq!(*times, 1, "{name}: resent inside the window: {r:?}");
            } else {
                assert_eq!(status, "FAILED", "{name}: lost {r:?}");
            }
        }
    }
}

/// The code, reason and UTR the journal keeps for `reference`.
fn journal_details(
    w: &Workdir,
    reference: &str,
) -> (String, Option<String>, Option<String>, Option<String>) {
    let conn = rusqlite::Connection::open(w.path("journal.sqlite")).unwrap();
    conn.query_row(
        "SELECT state, code, reason, utr FROM sent WHERE reference = ?1",
        [reference],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
    .unwrap()
}

#[test]
fn a_failed_transfer_carries_payus_code_and_reason_into_the_results_the_journal_and_status() {
    let w = Workdir::new();
    // Row 7 goes to PayU's failing test account.
    w.write("pay.csv", payout_sheet("FR", 7));
    let sb = Sandbox::start(&["--settle-ms", "300"]);
    let out = submit(&w, &sb, "pay.csv", &["--wait", "0"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut rows = Vec::new();
    for _ in 0..50 {
        let out = status(&w, &sb, "pay.results.csv", &[]);
        assert!(matches!(code(&out), 0 | 1), "{}", stderr(&out));
        rows = results(&w.path("pay.results.csv"), b',');
        if rows.iter().all(|r| r["result_status"] != "PENDING") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let failed = &rows[6];
    assert_eq!(failed["result_status"], "FAILED", "{failed:?}");
    assert!(!failed["result_error_code"].is_empty(), "{failed:?}");
    assert!(
        failed["result_error_message"].starts_with("PayU: the transfer is FAILED"),
        "{failed:?}"
    );
    // PayU's own words: its responseCode and the bank's reason.
    assert_eq!(failed["result_error_code"], "ACCOUNT_CLOSED", "{failed:?}");
    assert!(
        failed["result_error_message"].contains("account closed"),
        "{failed:?}"
    );
    let (state, code_kept, reason, _) = journal_details(&w, "FR-006");
    assert_eq!(state, "FAILED");
    // A paid transfer's UTR is kept.
    let (paid, _, _, utr) = journal_details(&w, "FR-000");
    assert_eq!(paid, "SUCCESS");
    assert!(
        utr.as_deref()
            .is_some_and(|u| u.len() == 12 && u.bytes().all(|b| b.is_ascii_digit())),
        "{utr:?}"
    );
    // …and written, and written again by status, in result_utr.
    assert_eq!(Some(rows[0]["result_utr"].as_str()), utr.as_deref());
    assert_eq!(
        code_kept.as_deref(),
        Some(failed["result_error_code"].as_str())
    );
    assert_eq!(
        reason.as_deref(),
        Some(failed["result_error_message"].as_str())
    );
    // The results file rewritten from an earlier copy: status prints them again from the
    // journal, without asking PayU.
    let before = sb.ledger();
    let text = std::fs::read_to_string(w.path("pay.results.csv")).unwrap();
    let stale = text.replacen(",FAILED,", ",UNKNOWN,", 1);
    assert_ne!(stale, text);
    w.write("pay.results.csv", stale);
    let out = status(&w, &sb, "pay.results.csv", &[]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let again = results(&w.path("pay.results.csv"), b',');
    assert_eq!(again[0]["result_utr"], rows[0]["result_utr"]);
    assert_eq!(again[6]["result_status"], "FAILED");
    assert_eq!(again[6]["result_error_code"], failed["result_error_code"]);
    assert!(
        again[6]["result_error_message"].contains(failed["result_error_message"].as_str()),
        "{:?}",
        again[6]
    );
    assert_eq!(sb.ledger(), before);
}

/// POSTs `{"references": refs}` to a sandbox inspection endpoint.
fn sandbox_post(sb: &Sandbox, path: &str, body: Value) {
    let r = sb
        .http
        .post(format!("{}{path}", sb.url))
        .json(&body)
        .send()
        .unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
}

/// Runs `status` until no row of `rows` (by index) is PENDING; the last results.
fn status_until_settled(
    w: &Workdir,
    sb: &Sandbox,
    results_name: &str,
    delimiter: u8,
    rows: &[usize],
) -> Vec<HashMap<String, String>> {
    for _ in 0..60 {
        let out = status(w, sb, results_name, &[]);
        assert!(matches!(code(&out), 0 | 1 | 3), "{}", stderr(&out));
        let all = results(&w.path(results_name), delimiter);
        if rows.iter().all(|&i| all[i]["result_status"] != "PENDING") {
            return all;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("rows {rows:?} still PENDING");
}

#[test]
fn rows_held_for_approval_say_so_and_settle_when_approved_or_rejected() {
    let sb = Sandbox::start(&["--settle-ms", "50", "--approval-flow", "on"]);
    let w = Workdir::new();
    w.write(
        "pay.csv",
        payout_sheet("AP", 4).replace("41234567890", "50100234567891"),
    );
    w.write("links.csv", link_sheet("AL", 2));
    let out = submit(&w, &sb, "pay.csv", &["--wait", "1s"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("4 PENDING row(s) are waiting for approval in the PayU dashboard"),
        "{}",
        stderr(&out)
    );
    let out = submit(&w, &sb, "links.csv", &["--wait", "1s"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    for (name, n) in [("pay.results.csv", 4), ("links.results.csv", 2)] {
        let rows = results(&w.path(name), b',');
        assert_eq!(rows.len(), n);
        for r in &rows {
            assert_eq!(r["result_status"], "PENDING", "{r:?}");
            assert!(
                r["result_error_message"].contains("waiting for approval in the PayU dashboard"),
                "{r:?}"
            );
        }
    }
    sandbox_post(
        &sb,
        "/__sandbox/approve",
        serde_json::json!({"references": ["AP-000", "AP-001", "AL-000"]}),
    );
    sandbox_post(
        &sb,
        "/__sandbox/reject",
        serde_json::json!({"references": ["AP-002", "AL-001"]}),
    );
    let pay = status_until_settled(&w, &sb, "pay.results.csv", b',', &[0, 1, 2]);
    assert_eq!(pay[0]["result_status"], "SUCCESS", "{:?}", pay[0]);
    assert_eq!(pay[1]["result_status"], "SUCCESS", "{:?}", pay[1]);
    assert_eq!(pay[2]["result_status"], "FAILED", "{:?}", pay[2]);
    assert_eq!(pay[2]["result_error_code"], "REJECTED");
    // Not decided yet: still waiting, and said so.
    assert_eq!(pay[3]["result_status"], "PENDING");
    assert!(pay[3]["result_error_message"].contains("waiting for approval"));
    let links = status_until_settled(&w, &sb, "links.results.csv", b',', &[1]);
    assert_eq!(links[1]["result_status"], "FAILED", "{:?}", links[1]);
    assert_eq!(links[1]["result_error_code"], "REJECTED");
    assert_ne!(links[0]["result_status"], "FAILED", "{:?}", links[0]);
    assert!(
        !links[0]["result_error_message"].contains("waiting for approval"),
        "{:?}",
        links[0]
    );

    // approval_flow = "skip": sent with disableApprovalFlow, nothing waits.
    let w = Workdir::new();
    w.write(
        "pay.csv",
        payout_sheet("SK", 3).replace("41234567890", "50100234567891"),
    );
    w.write("skip.toml", "approval_flow = \"skip\"\n");
    let out = submit(
        &w,
        &sb,
        "pay.csv",
        &["--config", "skip.toml", "--wait", "5s"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let rows = results(&w.path("pay.results.csv"), b',');
    assert!(
        rows.iter().all(|r| r["result_status"] == "SUCCESS"),
        "{rows:?}"
    );
}

#[test]
fn rows_queued_for_funds_say_so_and_are_paid_after_a_deposit() {
    let sb = Sandbox::start(&["--settle-ms", "50", "--balance", "300.00"]);
    let w = Workdir::new();
    // In one batch, in order: 100.50 + 101.50 fit in 300.00; 102.50 and 103.50 wait for
    // funds.
    w.write(
        "pay.csv",
        payout_sheet("BQ", 4).replace("41234567890", "50100234567891"),
    );
    let out = submit(&w, &sb, "pay.csv", &["--allow-queue", "--wait", "2s"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("2 PENDING row(s) are queued by PayU because the balance is too low"),
        "{}",
        stderr(&out)
    );
    let rows = results(&w.path("pay.results.csv"), b',');
    assert_eq!(rows[0]["result_status"], "SUCCESS", "{:?}", rows[0]);
    assert_eq!(rows[1]["result_status"], "SUCCESS", "{:?}", rows[1]);
    for r in &rows[2..] {
        assert_eq!(r["result_status"], "PENDING", "{r:?}");
        assert!(
            r["result_error_message"]
                .contains("queued by PayU: the balance is too low (PayU: Insufficient balance"),
            "{r:?}"
        );
    }
    sandbox_post(
        &sb,
        "/__sandbox/deposit",
        serde_json::json!({"amount": "5000.00"}),
    );
    let rows = status_until_settled(&w, &sb, "pay.results.csv", b',', &[2, 3]);
    assert!(
        rows.iter().all(|r| r["result_status"] == "SUCCESS"),
        "{rows:?}"
    );
    assert_once(&sb.ledger());
}

#[test]
fn lifecycle_spellings_and_an_unknown_state_end_right_and_the_word_is_shown() {
    let sb = Sandbox::start(&[
        "--settle-ms",
        "8000",
        "--status-spelling",
        "lifecycle",
        "--seed",
        "3",
    ]);
    let w = Workdir::new();
    // Row 7 goes to the failing test account (FAILURE, in the lifecycle's spelling).
    w.write("pay.csv", payout_sheet("LC", 10));
    let out = submit(&w, &sb, "pay.csv", &["--batch-size", "5", "--wait", "0"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let (mut seen_word, mut warnings) = (false, Vec::new());
    let mut rows = Vec::new();
    for _ in 0..200 {
        let out = status(&w, &sb, "pay.results.csv", &[]);
        assert!(matches!(code(&out), 0 | 1), "{}", stderr(&out));
        warnings.push(stderr(&out).matches("'ON_HOLD'").count());
        rows = results(&w.path("pay.results.csv"), b',');
        for r in &rows {
            let m = &r["result_error_message"];
            assert!(!m.contains("cannot read"), "{r:?}");
            if m.contains("'ON_HOLD'") {
                assert_eq!(r["result_status"], "PENDING", "{r:?}");
                seen_word = true;
            }
        }
        if rows.iter().all(|r| r["result_status"] != "PENDING") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(seen_word, "no row was seen in ON_HOLD");
    // One warning per word and run, however many rows are in it.
    assert!(warnings.iter().all(|&n| n <= 1), "{warnings:?}");
    assert!(warnings.contains(&1), "{warnings:?}");
    for (i, r) in rows.iter().enumerate() {
        let want = if i == 6 { "FAILED" } else { "SUCCESS" };
        assert_eq!(r["result_status"], want, "{r:?}");
    }
}

#[test]
fn a_link_paid_out_to_a_failed_transfer_is_failed_with_payus_reason_and_a_refused_payout_too() {
    let sb = Sandbox::start(&["--settle-ms", "100"]);
    let w = Workdir::new();
    w.write(
        "links.csv",
        "Reference,Customer Name,Mobile,Amount,Description\n\
         LF-000,Ananya Rao,9845012345,200.00,Refund\n\
         LF-001,Ravi Kumar,9111111111,201.00,Refund\n",
    );
    let out = submit(&w, &sb, "links.csv", &["--wait", "5s"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let rows = results(&w.path("links.results.csv"), b',');
    assert_eq!(rows[0]["result_status"], "SUCCESS", "{:?}", rows[0]);
    let (_, _, _, utr) = journal_details(&w, "LF-000");
    assert!(utr.is_some(), "a paid link's UTR is kept");
    assert_eq!(Some(rows[0]["result_utr"].as_str()), utr.as_deref());
    let failed = &rows[1];
    assert_eq!(failed["result_status"], "FAILED", "{failed:?}");
    assert!(!failed["result_error_code"].is_empty(), "{failed:?}");
    assert!(
        failed["result_error_message"].starts_with("PayU: the link's transfer is FAILED: "),
        "{failed:?}"
    );
    let (_, _, reason, _) = journal_details(&w, "LF-001");
    assert_eq!(
        reason.as_deref(),
        Some(failed["result_error_message"].as_str())
    );

    let w = Workdir::new();
    w.write(
        "eu.csv",
        "extPayoutId;amount;currency;description;account.accountNumber;customerAddress.name\n\
         EF-000;10.25;PLN;Wynagrodzenie;36109010149999999999999999;Jan Kowalski\n",
    );
    let out = submit(&w, &sb, "eu.csv", &["--wait", "2s"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let rows = results(&w.path("eu.results.csv"), b';');
    assert_eq!(rows[0]["result_status"], "FAILED", "{:?}", rows[0]);
    assert_eq!(rows[0]["result_error_code"], "8351");
    assert!(
        rows[0]["result_error_message"].contains("account closed"),
        "{:?}",
        rows[0]
    );
}
