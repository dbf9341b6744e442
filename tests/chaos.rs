//! Chaos: `submit` against a sandbox as unkind as PayU's documents allow (a third of
//! requests failing, some after the payout was recorded; payouts shown only 1.5 s after
//! they are taken; a repeat inside 1 s recorded as a second payout), killed with SIGKILL at
//! seeded random moments and resumed, with `status` between, until every row is final.
//! The sandbox's ledger is the proof: every valid reference paid exactly once (a double
//! payment would be a second ledger entry), and every results row says what the ledger
//! holds.
//!
//! `CHAOS_CYCLES` (default 25 per kind, 100 in all) sets the kills per kind; the soak script
//! (`scripts/soak.sh`) runs 250 per kind.

mod common;

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Sandbox, Workdir, read_csv, stderr};
use serde_json::Value;

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

fn cycles() -> usize {
    std::env::var("CHAOS_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(25)
}

/// The results file as one map per row, by header.
fn results(path: &std::path::Path, delimiter: u8) -> Vec<HashMap<String, String>> {
    let rows = read_csv(path, delimiter);
    let (header, data) = rows.split_first().expect("a header");
    data.iter()
        .map(|r| header.iter().cloned().zip(r.iter().cloned()).collect())
        .collect()
}

struct Case {
    name: &'static str,
    sheet: String,
    reference: &'static str,
    delimiter: u8,
    extra: Vec<&'static str>,
    seed: u64,
}

const WINDOW: &str = "2s";

fn command(w: &Workdir, sb: &Sandbox, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_payu-bulk"));
    c.args(args)
        .args(["--base-url", &sb.url, "--journal", "journal.sqlite"])
        .args(["--visibility-window", WINDOW])
        .current_dir(w.path(""))
        .stdout(Stdio::null());
    c
}

/// Whether a row is where the tool leaves it for good: paid, failed, or (PayU Europe) held
/// by PayU under an 8356 whose payoutId was in a lost answer, which PayU cannot be asked for.
fn is_final(r: &HashMap<String, String>) -> bool {
    match r["result_status"].as_str() {
        "SUCCESS" | "FAILED" => true,
        "UNKNOWN" => r["result_error_message"].contains("PayU cannot be asked by extPayoutId"),
        _ => false,
    }
}

fn chaos(case: Case) {
    let seed = case.seed.to_string();
    let sb = Sandbox::start(&[
        "--fault-rate",
        "0.3",
        "--visibility-ms",
        "1500",
        "--dedupe-lag-ms",
        "1000",
        "--settle-ms",
        "200",
        "--seed",
        &seed,
    ]);
    let w = Workdir::new();
    w.write(case.name, &case.sheet);
    let results_name = case.name.replace(".csv", ".results.csv");
    let mut rng = Lcg(case.seed);
    let started = Instant::now();
    let submit_args: Vec<&str> = ["submit", case.name, "--quiet", "--wait", "3s"]
        .into_iter()
        .chain(case.extra.iter().copied())
        .collect();
    for _ in 0..cycles() {
        let mut child = command(&w, &sb, &submit_args)
            .stderr(Stdio::null())
            .spawn()
            .expect("start submit");
        std::thread::sleep(Duration::from_millis(30 + rng.next(1500)));
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();
        if w.path(&results_name).exists() {
            let out = command(&w, &sb, &["status", &results_name])
                .output()
                .expect("run status");
            assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));
        }
    }
    // Resumed without kills, as cron would, until every row is final.
    let mut rows = Vec::new();
    for _ in 0..12 {
        let out = command(&w, &sb, &submit_args).output().expect("run submit");
        assert!(
            matches!(out.status.code(), Some(0 | 1 | 3)),
            "{}",
            stderr(&out)
        );
        let out = command(&w, &sb, &["status", &results_name])
            .output()
            .expect("run status");
        assert!(
            matches!(out.status.code(), Some(0 | 1 | 3)),
            "{}",
            stderr(&out)
        );
        rows = results(&w.path(&results_name), case.delimiter);
        if rows.iter().all(is_final) {
            break;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    let ledger = sb.ledger();
    let mut entries: HashMap<String, Vec<&Value>> = HashMap::new();
    for e in &ledger {
        entries
            .entry(e["reference"].as_str().unwrap().to_owned())
            .or_default()
            .push(e);
    }
    for (reference, e) in &entries {
        assert_eq!(
            e.len(),
            1,
            "{}: {reference} paid {} times",
            case.name,
            e.len()
        );
    }
    assert!(!rows.is_empty());
    for r in &rows {
        assert!(is_final(r), "{}: not final: {r:?}", case.name);
        let in_ledger = entries.get(&r[case.reference]).map(|e| e[0]);
        match (r["result_status"].as_str(), in_ledger) {
            ("SUCCESS", Some(e)) => {
                let state = e["state"].as_str().unwrap_or("");
                assert!(
                    matches!(state, "SUCCESS" | "REALIZED"),
                    "{}: SUCCESS but the ledger says {state}: {r:?}",
                    case.name
                );
                assert!(!r["result_reference"].is_empty(), "{r:?}");
            }
            ("FAILED", Some(e)) => {
                let state = e["state"].as_str().unwrap_or("");
                assert!(
                    !matches!(state, "SUCCESS" | "REALIZED"),
                    "{}: FAILED but paid: {r:?}",
                    case.name
                );
                assert!(!r["result_error_code"].is_empty(), "{r:?}");
            }
            // Refused by PayU: never in the ledger, with PayU's code.
            ("FAILED", None) => assert!(!r["result_error_code"].is_empty(), "{r:?}"),
            ("UNKNOWN", Some(_)) => {}
            (status, e) => panic!("{}: {status} and ledger {e:?}: {r:?}", case.name),
        }
    }
    eprintln!(
        "{}: {} kills, {} rows, {} ledger entries, {:.1} s",
        case.name,
        cycles(),
        rows.len(),
        ledger.len(),
        started.elapsed().as_secs_f64()
    );
}

const PAYOUT_HEADER: &str =
    "Reference,Payment Mode,Account No,IFSC Code,Beneficiary Name,Amount,Purpose\n";

fn payout_sheet(n: usize) -> String {
    let mut s = PAYOUT_HEADER.to_owned();
    for i in 0..n {
        let account = if i % 7 == 6 {
            "41234567890"
        } else {
            "50100234567891"
        };
        s.push_str(&format!(
            "CH-{i:03},IMPS,{account},HDFC0000001,Asha Verma,{}.50,Salary November\n",
            100 + i
        ));
    }
    s
}

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

fn europe_sheet(n: usize) -> String {
    let mut s =
        "extPayoutId;amount;currency;description;account.accountNumber;customerAddress.name\n"
            .to_owned();
    for i in 0..n {
        s.push_str(&format!(
            "CE-{i:03};{}.25;PLN;Wynagrodzenie;61109010140000071219812874;Jan Kowalski\n",
            10 + i
        ));
    }
    s
}

#[test]
fn chaos_payout() {
    chaos(Case {
        name: "pay.csv",
        sheet: payout_sheet(30),
        reference: "Reference",
        delimiter: b',',
        extra: vec!["--batch-size", "3", "--rate", "40"],
        seed: 101,
    });
}

#[test]
fn chaos_smart_send_api() {
    chaos(Case {
        name: "links.csv",
        sheet: link_sheet("CL", 20),
        reference: "Reference",
        delimiter: b',',
        extra: vec!["--rate", "40"],
        seed: 202,
    });
}

#[test]
fn chaos_smart_send_bulk() {
    chaos(Case {
        name: "bulk.csv",
        sheet: link_sheet("CB", 20),
        reference: "Reference",
        delimiter: b',',
        extra: vec!["--mode", "bulk", "--rate", "40"],
        seed: 303,
    });
}

#[test]
fn chaos_global_payout() {
    chaos(Case {
        name: "eu.csv",
        sheet: europe_sheet(20),
        reference: "extPayoutId",
        delimiter: b';',
        extra: vec!["--rate", "40"],
        seed: 404,
    });
}
