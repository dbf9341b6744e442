//! Issue 13, the tool's side: `submit` makes the fewest requests PayU allows, counts them by
//! what they are, and keeps `--wait`. Driven through the binary against a `payu-bulk
//! sandbox` process, whose own count (`GET /__sandbox/requests`) is the proof: the summary's
//! `send + status + token` must equal what the sandbox served, exactly.

mod common;

use std::collections::HashMap;
use std::process::Output;

use common::{Sandbox, Workdir, code, read_csv, stderr};
use serde_json::Value;

/// `payu-bulk submit SHEET` against the sandbox, with the work folder's journal and a
/// summary JSON: the output and the summary.
fn submit(w: &Workdir, sb: &Sandbox, sheet: &str, extra: &[&str]) -> (Output, Value) {
    let mut args = vec!["submit", sheet, "--base-url", &sb.url];
    args.extend(["--journal", "journal.sqlite", "--quiet"]);
    args.extend(["--summary-json", "summary.json"]);
    args.extend(extra);
    let out = w.run(&args);
    let summary = std::fs::read_to_string(w.path("summary.json"))
        .unwrap_or_else(|e| panic!("no summary ({e}): {}", stderr(&out)));
    (
        out,
        serde_json::from_str(&summary).expect("the summary is JSON"),
    )
}

/// What the sandbox served, every PayU path together (it does not count `/__sandbox/*`).
fn served(sb: &Sandbox) -> u64 {
    let counts: HashMap<String, u64> = sb
        .http
        .get(format!("{}/__sandbox/requests", sb.url))
        .send()
        .unwrap()
        .json()
        .unwrap();
    counts.values().sum()
}

/// The summary's `requests` object, as (send, status, token, retried, throttled).
fn requests(summary: &Value) -> (u64, u64, u64, u64, u64) {
    let r = &summary["requests"];
    let n = |k: &str| {
        r[k].as_u64()
            .unwrap_or_else(|| panic!("requests.{k} in {summary}"))
    };
    (
        n("send"),
        n("status"),
        n("token"),
        n("retried"),
        n("throttled"),
    )
}

/// The results' statuses, in row order.
fn statuses(w: &Workdir, results: &str, delimiter: u8) -> Vec<String> {
    let rows = read_csv(&w.path(results), delimiter);
    let status = common::col(&rows[0], "result_status");
    rows[1..].iter().map(|r| r[status].clone()).collect()
}

fn payout_sheet(n: usize) -> String {
    let mut s =
        "Reference,Payment Mode,Account No,IFSC Code,Beneficiary Name,Amount,Purpose\n".to_owned();
    for i in 0..n {
        // Every seventh to PayU's failing test account: final too.
        let account = if i % 7 == 6 {
            "41234567890"
        } else {
            "50100234567891"
        };
        s.push_str(&format!(
            "RQ-{i:04},IMPS,{account},HDFC0000001,Asha Verma,{}.50,Salary November\n",
            100 + i
        ));
    }
    s
}

fn europe_sheet(n: usize) -> String {
    let mut s =
        "extPayoutId;amount;currency;description;account.accountNumber;customerAddress.name\n"
            .to_owned();
    for i in 0..n {
        s.push_str(&format!(
            "EQ-{i:04};{}.25;PLN;Wynagrodzenie;61109010140000071219812874;Jan Kowalski\n",
            10 + i
        ));
    }
    s
}

fn link_sheet(n: usize) -> String {
    let mut s = "Reference,Customer Name,Mobile,Amount,Description\n".to_owned();
    for i in 0..n {
        s.push_str(&format!(
            "LQ-{i:04},Ananya Rao,9845012345,{}.00,Refund order {i}\n",
            200 + i
        ));
    }
    s
}

/// Every row final (SUCCESS or FAILED), none left PENDING: the counts below are the cost of
/// a whole run.
fn assert_all_final(statuses: &[String], what: &str) {
    assert!(
        statuses.iter().all(|s| s == "SUCCESS" || s == "FAILED"),
        "{what}: {statuses:?}"
    );
}

/// One kind's run to final states: the summary's count equals the sandbox's, and the rows'
/// requests (sends and lookups, tokens apart) are within `per_row` a row plus `per_file`
/// (the file's requests, the balance read before India sends).
fn counted_as_served(kind: &str, sheet: String, extra: &[&str], per_row: u64, per_file: u64) {
    let w = Workdir::new();
    let name = "pay.csv";
    w.write(name, sheet);
    let sb = Sandbox::start(&["--settle-ms", "100"]);
    let (out, summary) = submit(&w, &sb, name, &[&["--wait", "30s"], extra].concat());
    // 1: PayU failed the rows to its failing test account.
    assert!(matches!(code(&out), 0 | 1), "{kind}: {}", stderr(&out));
    let delimiter = if kind == "global-payout" { b';' } else { b',' };
    let done = statuses(&w, "pay.results.csv", delimiter);
    assert_all_final(&done, kind);
    let rows = done.len() as u64;
    let (send, status, token, retried, throttled) = requests(&summary);
    assert_eq!(
        send + status + token,
        served(&sb),
        "{kind}: the tool's count against the sandbox's: {summary}"
    );
    assert_eq!((retried, throttled), (0, 0), "{kind}: nothing to retry");
    assert!(
        (1..=2).contains(&token),
        "{kind}: a token or two: {summary}"
    );
    assert!(
        send + status <= per_row * rows + per_file,
        "{kind}: {} requests for {rows} rows: {summary}",
        send + status
    );
    // The line on stderr says the same, with the requests per row.
    let err = stderr(&out);
    let total = send + status + token;
    assert!(
        err.contains(&format!(
            "requests: {total} (send {send}, status {status}, token {token}; "
        )) && err.contains(" per row; 0 retried, 0 answered 429)"),
        "{err}"
    );
}

#[test]
fn payout_rows_cost_a_few_requests_a_batch_and_the_count_is_the_sandboxs() {
    // 120 rows in batches of 50: three sends, the balance, and a listing page a round.
    counted_as_served("payout", payout_sheet(120), &["--batch-size", "50"], 0, 12);
}

#[test]
fn smart_send_links_cost_at_most_two_requests_a_row() {
    counted_as_served("smart-send", link_sheet(30), &["--mode", "api"], 2, 1);
}

#[test]
fn a_bulk_smart_send_file_costs_one_request_a_row_and_a_few_for_the_file() {
    counted_as_served("smart-send", link_sheet(30), &["--mode", "bulk"], 1, 6);
}

#[test]
fn europe_payouts_cost_at_most_two_requests_a_row() {
    counted_as_served("global-payout", europe_sheet(30), &[], 2, 0);
}

#[test]
fn a_thousand_payout_rows_in_batches_of_fifty_are_final_in_at_most_a_hundred_requests() {
    let w = Workdir::new();
    w.write("pay.csv", payout_sheet(1000));
    let sb = Sandbox::start(&["--settle-ms", "200"]);
    let (out, summary) = submit(&w, &sb, "pay.csv", &["--batch-size", "50", "--wait", "60s"]);
    assert_eq!(code(&out), 1, "some rows FAILED by PayU: {}", stderr(&out));
    let done = statuses(&w, "pay.results.csv", b',');
    assert_eq!(done.len(), 1000);
    assert_all_final(&done, "payout");
    let (send, status, token, _, _) = requests(&summary);
    let total = send + status + token;
    assert_eq!(total, served(&sb), "{summary}");
    assert_eq!(send, 20, "one Initiate Transfer a batch: {summary}");
    assert!(total <= 100, "{total} requests: {summary}");
}

/// The moments the sandbox recorded the last payout and the run ended: how long the run went
/// on after its last send (the ledger's `accepted_at` is at or before the tool's last send
/// was answered, so this is never less than the truth).
fn after_last_send(sb: &Sandbox, ended: chrono::DateTime<chrono::Utc>) -> std::time::Duration {
    let last = sb
        .ledger()
        .iter()
        .map(|e| {
            chrono::DateTime::parse_from_rfc3339(e["accepted_at"].as_str().unwrap())
                .unwrap()
                .with_timezone(&chrono::Utc)
        })
        .max()
        .expect("payouts in the ledger");
    (ended - last).to_std().unwrap_or_default()
}

#[test]
fn the_wait_is_kept_when_rows_never_settle_and_the_rate_is_low() {
    // PayU Europe rows are asked about one request each: at 3 requests a second, a round of
    // 24 lookups takes 8 s. The rows never settle within the run, so the run ends by the
    // wait (1 s after the last send). Without rounds bounded by the deadline, a round begun
    // before it runs to its end, 8 s and more after the last send: the bound of 5 s (the
    // wait and 4 s to spare for a loaded machine) fails then.
    let w = Workdir::new();
    w.write("eu.csv", europe_sheet(24));
    let sb = Sandbox::start(&["--settle-ms", "600000"]);
    let (out, summary) = submit(&w, &sb, "eu.csv", &["--rate", "3", "--wait", "1s"]);
    let ended = chrono::Utc::now();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let done = statuses(&w, "eu.results.csv", b';');
    assert!(done.iter().all(|s| s == "PENDING"), "{done:?}");
    let after = after_last_send(&sb, ended);
    assert!(
        after < std::time::Duration::from_secs(5),
        "the run went on {after:?} after its last send with --wait 1s: {summary}"
    );
}

#[test]
fn a_429_storm_while_polling_does_not_stretch_the_wait() {
    // The sandbox serves one request a second and answers the rest 429; the tool asks for
    // twenty. Eight rows, one lookup each: a round takes 8 s and more of 429 pauses.
    // Without rounds bounded by the deadline, the run ends that long after its last send;
    // with them, within the wait (2 s), and the bound of 5 s leaves 3 s for a loaded machine.
    let w = Workdir::new();
    w.write("eu.csv", europe_sheet(8));
    let sb = Sandbox::start(&["--settle-ms", "600000", "--rate-limit", "1"]);
    let (out, summary) = submit(
        &w,
        &sb,
        "eu.csv",
        &["--rate", "20", "--concurrency", "2", "--wait", "2s"],
    );
    let ended = chrono::Utc::now();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let done = statuses(&w, "eu.results.csv", b';');
    assert!(done.iter().all(|s| s == "PENDING"), "{done:?}");
    let (_, _, _, retried, throttled) = requests(&summary);
    assert!(throttled > 0 && retried > 0, "a storm: {summary}");
    let after = after_last_send(&sb, ended);
    assert!(
        after < std::time::Duration::from_secs(5),
        "the run went on {after:?} after its last send with --wait 2s: {summary}"
    );
}

#[test]
fn the_wait_is_kept_for_a_bulk_file_that_is_not_processed_in_time() {
    // A Bulk Smart Send file is three requests (token, upload, process) and then only lookups
    // of the file: the run's whole length is the wait (2 s) and moments. PayU processes the
    // file long after (`--settle-ms` far beyond the wait), so the rows stay UNKNOWN (sent,
    // no answer yet), each naming its file, for `status` or a re-run to follow. Before the wait was kept for bulk
    // files too, a run waited at least 30 s for its file: the bound of 8 s (the wait and 6 s
    // to spare for a loaded machine) fails then.
    let w = Workdir::new();
    w.write("links.csv", link_sheet(12));
    let sb = Sandbox::start(&["--settle-ms", "600000"]);
    let started = std::time::Instant::now();
    let (out, summary) = submit(&w, &sb, "links.csv", &["--mode", "bulk", "--wait", "2s"]);
    let took = started.elapsed();
    assert_eq!(code(&out), 3, "rows unsettled: {}", stderr(&out));
    let done = statuses(&w, "links.results.csv", b',');
    assert_eq!(done.len(), 12);
    assert!(done.iter().all(|s| s == "UNKNOWN"), "{done:?}");
    let rows = read_csv(&w.path("links.results.csv"), b',');
    let message = common::col(&rows[0], "result_error_message");
    assert!(
        rows[1..]
            .iter()
            .all(|r| r[message].contains("Bulk Smart Send file")),
        "each row names its file: {rows:?}"
    );
    assert!(
        took < std::time::Duration::from_secs(8),
        "the run took {took:?} with --wait 2s: {summary}"
    );
    let (send, _, _, _, _) = requests(&summary);
    assert!(send >= 1, "the file went out: {summary}");
}
