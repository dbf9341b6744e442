//! How many requests each kind of sheet costs PayU, and how close `submit` comes to the time
//! PayU's rate allows for them (issue 13). For each kind, N rows (default 200) are submitted
//! with `--rate 5` against a sandbox of their own that answers every request after 100 ms and
//! settles a payout a few hundred ms after accepting it, with a `--wait` long enough that every
//! row ends final. Printed per kind, as a Markdown table: the rows, the requests the sandbox
//! served (its own count, `GET /__sandbox/requests`, every path but `/__sandbox/*`), requests
//! per row, the wall time of `submit`, the minimum the rate allows (requests ÷ rate) and wall ÷
//! minimum; then, per kind, the requests by path. The target is wall ≤ 1.05 × minimum + the
//! wait's idle part (after the last send, the time rows take to settle with nothing to ask):
//! the column "wall − 1.05 × minimum" is what that idle part must account for.
//!
//! ```text
//! cargo bench --bench requests                          # 200 rows of each kind, a few minutes
//! PAYU_BENCH_ROWS=1000 cargo bench --bench requests     # more rows
//! PAYU_BENCH_SETTLE_MS=200 cargo bench --bench requests # the sandbox's --settle-ms (default 300)
//! ```
//!
//! The tool and the sandbox are the real binary, each its own process, driven as a user would
//! (`payu-bulk sandbox …`, `payu-bulk submit SHEET --base-url URL …`): one run, so not a
//! criterion benchmark.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

const RATE: u32 = 5;
const LATENCY_MS: u32 = 100;

/// One kind of sheet, as `submit` is asked to send it.
struct Case {
    name: &'static str,
    /// The sheet's text for `rows` rows.
    sheet: fn(usize) -> String,
    /// `submit`'s arguments beyond the common ones.
    extra: &'static [&'static str],
    /// The sheet's delimiter, which its results keep.
    delimiter: u8,
}

const CASES: [Case; 4] = [
    Case {
        name: "payout (batches of 50)",
        sheet: payout_sheet,
        extra: &["--batch-size", "50"],
        delimiter: b',',
    },
    Case {
        name: "smart-send api",
        sheet: link_sheet,
        extra: &["--mode", "api"],
        delimiter: b',',
    },
    Case {
        name: "smart-send bulk",
        sheet: link_sheet,
        extra: &["--mode", "bulk"],
        delimiter: b',',
    },
    Case {
        name: "global-payout",
        sheet: europe_sheet,
        extra: &[],
        delimiter: b';',
    },
];

/// `n` PayU India transfers to the sandbox's paying test account.
fn payout_sheet(n: usize) -> String {
    let mut s =
        "Reference,Payment Mode,Account No,IFSC Code,Beneficiary Name,Amount,Purpose\n".to_owned();
    for i in 0..n {
        s.push_str(&format!(
            "REQ-PAY-{i:06},IMPS,50100234567891,HDFC0000001,Asha Verma,{}.50,Salary November\n",
            100 + i % 900
        ));
    }
    s
}

/// `n` Smart Send links, each to a mobile whose payee claims it.
fn link_sheet(n: usize) -> String {
    let mut s = "Reference,Customer Name,Mobile,Amount,Description\n".to_owned();
    for i in 0..n {
        s.push_str(&format!(
            "REQ-LINK-{i:06},Ananya Rao,9845012345,{}.00,Refund order {i}\n",
            200 + i % 800
        ));
    }
    s
}

/// `n` PayU Europe payouts to a Polish account.
fn europe_sheet(n: usize) -> String {
    let mut s =
        "extPayoutId;amount;currency;description;account.accountNumber;customerAddress.name\n"
            .to_owned();
    for i in 0..n {
        s.push_str(&format!(
            "REQ-EU-{i:06};{}.25;PLN;Wynagrodzenie;61109010140000071219812874;Jan Kowalski\n",
            10 + i % 500
        ));
    }
    s
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v}: not a whole number")),
        Err(_) => default,
    }
}

/// A `payu-bulk sandbox` process, stopped when dropped.
struct Sandbox {
    child: Child,
    url: String,
}

impl Sandbox {
    fn start(exe: &str, settle_ms: u64) -> Sandbox {
        let mut child = Command::new(exe)
            .args(["sandbox", "--listen", "127.0.0.1:0"])
            .args(["--latency-ms", &LATENCY_MS.to_string()])
            .args(["--settle-ms", &settle_ms.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the sandbox");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("its stdout"))
            .read_line(&mut first)
            .expect("its first line");
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the sandbox's first line: {first}"))
            .to_owned();
        Sandbox { child, url }
    }

    /// The PayU requests it served, by `"<METHOD> <path>"`, without its own `/__sandbox/*`.
    fn requests(&self) -> BTreeMap<String, u64> {
        let all: BTreeMap<String, u64> =
            reqwest::blocking::get(format!("{}/__sandbox/requests", self.url))
                .and_then(|r| r.error_for_status())
                .and_then(|r| r.json())
                .expect("GET /__sandbox/requests");
        all.into_iter()
            .filter(|(k, _)| {
                !k.split_once(' ')
                    .is_some_and(|(_, p)| p.starts_with("/__sandbox/"))
            })
            .collect()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one kind's run measured.
struct Measured {
    rows: usize,
    by_path: BTreeMap<String, u64>,
    wall: f64,
    /// Rows that ended SUCCESS or FAILED.
    final_rows: usize,
    exit: Option<i32>,
}

/// The `result_status` of every row of a results CSV.
fn statuses(results: &Path, delimiter: u8) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_path(results)
        .unwrap_or_else(|e| panic!("read {}: {e}", results.display()));
    let headers = reader.headers().expect("a header").clone();
    let col = headers
        .iter()
        .position(|h| h == "result_status")
        .expect("a result_status column");
    reader
        .records()
        .map(|r| r.expect("a results row")[col].to_owned())
        .collect()
}

fn measure(exe: &str, case: &Case, rows: usize, settle_ms: u64, wait_s: u64) -> Measured {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let sheet = dir.path().join("sheet.csv");
    std::fs::write(&sheet, (case.sheet)(rows)).expect("write the sheet");
    let results = dir.path().join("results.csv");
    let sandbox = Sandbox::start(exe, settle_ms);
    let started = Instant::now();
    let status = Command::new(exe)
        .arg("submit")
        .arg(&sheet)
        .args(["--base-url", &sandbox.url])
        .arg("--journal")
        .arg(dir.path().join("journal.sqlite"))
        .arg("-o")
        .arg(&results)
        .args(["--rate", &RATE.to_string()])
        .args(["--wait", &format!("{wait_s}s")])
        .arg("--quiet")
        .args(case.extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run submit");
    let wall = started.elapsed().as_secs_f64();
    let by_path = sandbox.requests();
    let final_rows = statuses(&results, case.delimiter)
        .iter()
        .filter(|s| matches!(s.as_str(), "SUCCESS" | "FAILED"))
        .count();
    Measured {
        rows,
        by_path,
        wall,
        final_rows,
        exit: status.code(),
    }
}

fn main() {
    let rows = env_number("PAYU_BENCH_ROWS", 200) as usize;
    let settle_ms = env_number("PAYU_BENCH_SETTLE_MS", 300);
    // Long enough for every row to end final even at one request per row per poll round;
    // `submit` returns as soon as they are, so a long wait costs nothing.
    let wait_s = env_number(
        "PAYU_BENCH_WAIT_S",
        (rows as u64 * 4 / u64::from(RATE)).max(120),
    );
    let exe = env!("CARGO_BIN_EXE_payu-bulk");
    // reqwest is built without a default TLS provider; the tool installs its own.
    payu_bulk::client::install_tls();
    println!(
        "submit --rate {RATE} --wait {wait_s}s against `payu-bulk sandbox --latency-ms {LATENCY_MS} --settle-ms {settle_ms}`, {rows} rows per kind"
    );
    println!();
    println!(
        "| kind | rows | requests | per row | wall | minimum (requests ÷ {RATE}/s) | wall ÷ minimum | wall − 1.05 × minimum | final rows |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut details = Vec::new();
    for case in &CASES {
        let m = measure(exe, case, rows, settle_ms, wait_s);
        let requests: u64 = m.by_path.values().sum();
        let minimum = requests as f64 / f64::from(RATE);
        println!(
            "| {} | {} | {} | {:.2} | {:.1} s | {:.1} s | {:.3} | {:+.1} s | {}/{}{} |",
            case.name,
            m.rows,
            requests,
            requests as f64 / m.rows as f64,
            m.wall,
            minimum,
            m.wall / minimum,
            m.wall - 1.05 * minimum,
            m.final_rows,
            m.rows,
            match m.exit {
                Some(0) => String::new(),
                Some(c) => format!(" (exit {c})"),
                None => " (killed)".to_owned(),
            }
        );
        details.push((case.name, m.by_path));
    }
    println!();
    for (name, by_path) in details {
        let mut grouped: BTreeMap<String, u64> = BTreeMap::new();
        for (path, n) in by_path {
            *grouped.entry(without_ids(&path)).or_default() += n;
        }
        let paths: Vec<String> = grouped.iter().map(|(p, n)| format!("{p} {n}")).collect();
        println!("{name}: {}", paths.join(", "));
    }
}

/// `"<METHOD> <path>"` with each id in the path (a number, or a long hexadecimal payoutId)
/// read as `{id}`, so that one endpoint counts once however many rows it was asked about.
fn without_ids(request: &str) -> String {
    request
        .split('/')
        .map(|segment| {
            let digits = !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit());
            let hex = segment.len() >= 16 && segment.bytes().all(|b| b.is_ascii_hexdigit());
            if digits || hex { "{id}" } else { segment }
        })
        .collect::<Vec<_>>()
        .join("/")
}
