//! How close `submit` comes to PayU's rate: 10,000 PayU Europe payouts (one request each)
//! against a sandbox answering every request after 100 ms, at `--rate 50`. The ideal is
//! rows ÷ rate = 200 s; the report gives the wall time against it and the tool's CPU time per
//! row. One run (it takes minutes), so not a criterion benchmark:
//!
//! ```text
//! cargo bench --bench submit                 # 10,000 rows
//! PAYU_BENCH_ROWS=1000 cargo bench --bench submit
//! ```
//!
//! The sandbox runs as its own process (`payu-bulk sandbox --latency-ms 100`), so the CPU
//! time measured here is the tool's alone; the run is `submit --wait 0`, so that the status
//! polls after the last send (which PayU's limit also counts) do not blur the sending rate.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    assert_eq!(rc, 0, "getrusage");
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

fn main() {
    let rows: usize = std::env::var("PAYU_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let rate = 50;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let sheet = dir.path().join("payouts.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&sheet).expect("the sheet"));
    writeln!(
        f,
        "extPayoutId;amount;currency;description;account.accountNumber;customerAddress.name"
    )
    .unwrap();
    for i in 0..rows {
        writeln!(
            f,
            "BENCH-{i:06};{}.{:02};PLN;Wynagrodzenie;61109010140000071219812874;Jan Kowalski",
            10 + i % 500,
            i % 100
        )
        .unwrap();
    }
    drop(f);

    let exe = env!("CARGO_BIN_EXE_payu-bulk");
    let mut sandbox = Command::new(exe)
        .args(["sandbox", "--listen", "127.0.0.1:0", "--latency-ms", "100"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the sandbox");
    let mut first = String::new();
    BufReader::new(sandbox.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first.trim().trim_start_matches("listening on ").to_owned();

    let args = payu_bulk::submit::Submission {
        input: payu_bulk::validate::Input {
            sheet: sheet.clone(),
            kind: None,
            sheet_name: None,
            encoding: None,
            output: Some(dir.path().join("results.csv")),
            summary_json: None,
            report: None,
        },
        at: payu_bulk::session::Where {
            env: None,
            config: None,
            base_url: Some(url),
        },
        rate: Some(rate),
        burst: None,
        concurrency: Some(16),
        batch_size: 50,
        mode: payu_bulk::submit::Mode::Api,
        journal: Some(dir.path().join("journal.sqlite")),
        wait: std::time::Duration::ZERO,
        visibility_window: None,
        skip_invalid: false,
        dry_run: false,
        yes: false,
        allow_queue: false,
        allow_repeats: false,
        stop_after: 10,
        canary: 0,
        plan: None,
        quiet: true,
    };
    let cpu = cpu_seconds();
    let started = Instant::now();
    let done = payu_bulk::submit::run(&args).expect("the run");
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu;
    let _ = sandbox.kill();
    let _ = sandbox.wait();

    let ideal = rows as f64 / f64::from(rate);
    println!("submit: {rows} PayU Europe payouts, --rate {rate}, sandbox latency 100 ms");
    println!(
        "  rows          {:?} ({} requests)",
        done.summary.ending(done.interrupted.is_some()),
        done.requests.total()
    );
    println!(
        "  wall time     {wall:.2} s (ideal {ideal:.2} s, {:+.2}%)",
        (wall / ideal - 1.0) * 100.0
    );
    println!(
        "  CPU time      {cpu:.2} s, {:.0} µs per row",
        cpu / rows as f64 * 1e6
    );
}
