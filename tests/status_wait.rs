//! `status --wait D` through the binary (issue 13): rows that are not final are asked about
//! again, in spaced rounds, until they are final or D has passed; and `status` returns
//! within about D whatever PayU's pace, because the lookups still in flight at the deadline
//! are dropped. Nothing is ever sent by `status`.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{Sandbox, Workdir, code, col, read_csv, stderr};

/// Payout rows to the sandbox's paying test account, `n` of them.
fn payouts(n: usize) -> String {
    let mut s =
        "Reference,Payment Mode,Account No,IFSC Code,Beneficiary Name,Amount,Purpose\n".to_owned();
    for i in 0..n {
        s.push_str(&format!(
            "WAIT-{i:03},NEFT,51234567890,HDFC0000001,Asha Verma,{}.00,Salary November\n",
            100 + i
        ));
    }
    s
}

/// `payu-bulk COMMAND ARGS… --base-url SANDBOX --journal journal.sqlite` in the work folder.
fn command(w: &Workdir, sb: &Sandbox, command: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_payu-bulk"));
    c.arg(command)
        .args(args)
        .args(["--base-url", &sb.url, "--journal", "journal.sqlite"])
        .current_dir(w.path(""))
        .stdin(Stdio::null());
    c
}

fn run(w: &Workdir, sb: &Sandbox, name: &str, args: &[&str]) -> Output {
    command(w, sb, name, args).output().expect("run payu-bulk")
}

/// Each row's `result_status`, by reference.
fn statuses(path: &Path) -> BTreeMap<String, String> {
    let rows = read_csv(path, b',');
    let (header, data) = rows.split_first().expect("a header");
    let (reference, status) = (col(header, "Reference"), col(header, "result_status"));
    data.iter()
        .map(|r| (r[reference].clone(), r[status].clone()))
        .collect()
}

/// Every PayU request the sandbox has received, all paths together.
fn served(sb: &Sandbox) -> u64 {
    let counts: BTreeMap<String, u64> = sb
        .http
        .get(format!("{}/__sandbox/requests", sb.url))
        .send()
        .expect("ask the sandbox")
        .json()
        .expect("its counts");
    counts.values().sum()
}

/// Pays `n` rows with `submit --wait 0`, so that they are left PENDING (checked).
fn pending_results(w: &Workdir, sb: &Sandbox, n: usize) {
    w.write("pay.csv", payouts(n));
    let out = run(w, sb, "submit", &["pay.csv", "--wait", "0", "--quiet"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let all = statuses(&w.path("pay.results.csv"));
    assert_eq!(all.len(), n);
    assert!(all.values().all(|s| s == "PENDING"), "{all:?}");
}

/// 30 rows that never settle while the test runs, asked about at one request per second:
/// asking each of them once takes at least 29 s (the limiter lets one request go per
/// second, and the token takes one more), so a `status` that waited for its lookups in flight
/// instead of dropping them at the deadline could not end within the bound below. The bound
/// (12 s for a 2 s wait) leaves 10 s for starting the process, reading and writing the file
/// on a loaded machine; the sandbox's own count shows the rows not asked.
#[test]
fn a_wait_is_kept_at_a_low_rate_and_rows_that_do_not_settle_stay_pending() {
    let w = Workdir::new();
    let sb = Sandbox::start(&["--settle-ms", "600000"]);
    let rows = 30;
    pending_results(&w, &sb, rows);
    let before = served(&sb);
    let started = Instant::now();
    let out = run(
        &w,
        &sb,
        "status",
        &["pay.results.csv", "--wait", "2s", "--rate", "1"],
    );
    let took = started.elapsed();
    assert_eq!(
        code(&out),
        0,
        "PENDING rows are not bad rows: {}",
        stderr(&out)
    );
    assert!(
        took < Duration::from_secs(12),
        "status --wait 2s took {took:?}"
    );
    let all = statuses(&w.path("pay.results.csv"));
    assert_eq!(all.len(), rows, "every row keeps its line");
    assert!(all.values().all(|s| s == "PENDING"), "{all:?}");
    let asked = served(&sb) - before;
    assert!(
        asked < rows as u64,
        "{asked} requests at 1 per second within the wait: the rest were never asked"
    );
    assert_eq!(sb.ledger().len(), rows, "status sends nothing");
}

/// The same promise against a PayU that answers 429 to all but one request a second, with
/// 100 ms of latency: the tool's own pace (50 per second) is no help, the 429 pauses are.
#[test]
fn a_wait_is_kept_through_a_429_storm() {
    let w = Workdir::new();
    let sb = Sandbox::start(&[
        "--settle-ms",
        "600000",
        "--rate-limit",
        "1",
        "--latency-ms",
        "100",
    ]);
    let rows = 30;
    pending_results(&w, &sb, rows);
    let started = Instant::now();
    let out = run(&w, &sb, "status", &["pay.results.csv", "--wait", "2s"]);
    let took = started.elapsed();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        took < Duration::from_secs(12),
        "status --wait 2s took {took:?}"
    );
    let all = statuses(&w.path("pay.results.csv"));
    assert!(all.values().all(|s| s == "PENDING"), "{all:?}");
    assert_eq!(sb.ledger().len(), rows, "status sends nothing");
}

/// Rows that settle while `status --wait` is asking come back SUCCESS: the sandbox's clock is
/// moved past the settling time only once `status` has started asking (its first requests
/// have arrived), so only a later round can see them paid.
#[test]
fn rows_that_settle_during_the_wait_come_back_success() {
    let w = Workdir::new();
    let sb = Sandbox::start(&["--settle-ms", "600000"]);
    let rows = 3;
    pending_results(&w, &sb, rows);
    let before = served(&sb);
    let status = command(&w, &sb, "status", &["pay.results.csv", "--wait", "60s"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("start status");
    // The token and a first lookup have arrived: status is asking.
    let asking = Instant::now();
    while served(&sb) < before + 2 {
        assert!(
            asking.elapsed() < Duration::from_secs(60),
            "status never asked PayU"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let moved: serde_json::Value = sb
        .http
        .post(format!("{}/__sandbox/clock", sb.url))
        .json(&serde_json::json!({"advance_seconds": 601}))
        .send()
        .expect("move the sandbox's clock")
        .json()
        .expect("its answer");
    assert!(moved["ahead_seconds"].as_u64() >= Some(601), "{moved}");
    let out = status.wait_with_output().expect("status ends");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let all = statuses(&w.path("pay.results.csv"));
    assert!(all.values().all(|s| s == "SUCCESS"), "{all:?}");
    assert!(
        stderr(&out).contains(&format!("{rows} row(s) refreshed from PayU")),
        "{}",
        stderr(&out)
    );
}
