//! Hostile flags, URLs, outputs, faults and signals, tried through the binary as a user in a
//! hurry (or an attacker) would (issue 14, the run side).
//!
//! The refusals are one table, [`REFUSED`]: each case is run in a folder that already holds
//! a paid sheet, its results file and its journal, and must exit 2 with its sentence on
//! stderr, send nothing (the sandbox's ledger does not grow) and change no file of the folder
//! (the input, the journal and the earlier results byte for byte). The faults that come
//! after sending has started are tests of their own, below the table:
//!
//! | fault | test | what must happen |
//! |---|---|---|
//! | the SQLite journal locked by another process mid-run | `a_journal_locked_mid_run_still_writes_the_results` | exit 3, a results line for every row, every paid row with its state or UNKNOWN |
//! | SIGTERM while rows are in flight | `sigterm_mid_run_writes_the_results_and_exits_3` | the same |
//! | a PayU that answers every request 429 | `a_payu_that_lets_nothing_through_is_given_up` | exit 1, rows NOT_SENT, the 429s named |
//! | idle connections opened at the sandbox | `idle_connections_do_not_silence_the_sandbox` | it still answers |
//! | `sandbox --listen 0.0.0.0:0` | `a_sandbox_on_every_interface_says_so` | a warning on stderr |
//! | no `--journal` | `the_default_journal_is_in_the_data_folder` | the journal in the data folder |

mod common;

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::{Sandbox, Workdir, code, read_csv, stderr};

const HEADER: &str =
    "Reference,Payment Mode,Account No,IFSC Code,Beneficiary Name,Amount,Purpose\n";

/// `n` valid payout rows.
fn payout_sheet(prefix: &str, n: usize) -> String {
    let mut s = HEADER.to_owned();
    for i in 0..n {
        s.push_str(&format!(
            "{prefix}-{i:03},IMPS,50100234567891,HDFC0000001,Asha Verma,{}.50,Salary November\n",
            100 + i
        ));
    }
    s
}

/// One refusal: the arguments (`{url}` is the sandbox's address), an optional config file
/// written as `hostile.toml`, and what stderr must and must not say.
struct Case {
    what: &'static str,
    args: &'static [&'static str],
    config: Option<&'static str>,
    says: &'static [&'static str],
    never_says: &'static [&'static str],
}

/// Every hostile flag, URL and output that must be refused before anything is sent.
const REFUSED: &[Case] = &[
    // Transport: plain http only to a loopback literal or localhost, as the URL really reads.
    Case {
        what: "userinfo that makes localhost look like the host",
        args: &[
            "submit",
            "new.csv",
            "--base-url",
            "http://localhost:80@evil.example/",
        ],
        config: None,
        says: &["--base-url", "user name or password"],
        never_says: &[],
    },
    Case {
        what: "userinfo hiding a remote IP",
        args: &[
            "submit",
            "new.csv",
            "--base-url",
            "http://localhost:80@192.0.2.2/",
        ],
        config: None,
        says: &["--base-url", "user name or password"],
        never_says: &[],
    },
    Case {
        what: "an IPv6 loopback as userinfo",
        args: &[
            "submit",
            "new.csv",
            "--base-url",
            "http://[::1]@192.0.2.2:8080/",
        ],
        config: None,
        says: &["--base-url", "user name or password"],
        never_says: &[],
    },
    Case {
        what: "plain http to a remote host",
        args: &["submit", "new.csv", "--base-url", "http://192.0.2.2/"],
        config: None,
        says: &[
            "--base-url",
            "plain http only to 127.0.0.0/8, [::1] or localhost",
        ],
        never_says: &[],
    },
    Case {
        what: "a password in the URL is refused and never printed",
        args: &[
            "submit",
            "new.csv",
            "--base-url",
            "https://user:SECRET@127.0.0.1:1/",
        ],
        config: None,
        says: &["--base-url", "user name or password"],
        never_says: &["SECRET"],
    },
    Case {
        what: "userinfo hiding a remote host, in a config URL",
        args: &[
            "submit",
            "new.csv",
            "--config",
            "hostile.toml",
            "--env",
            "uat",
        ],
        config: Some(
            "[environments.uat.endpoints]\nindia_token = \"http://localhost:80@192.0.2.2/oauth/token\"\n",
        ),
        says: &["hostile.toml", "india_token", "user name or password"],
        never_says: &[],
    },
    Case {
        what: "an IPv6 loopback as userinfo, in a config URL",
        args: &[
            "submit",
            "new.csv",
            "--config",
            "hostile.toml",
            "--env",
            "uat",
        ],
        config: Some(
            "[environments.uat.endpoints]\neurope_host = \"http://[::1]@192.0.2.2:8080/\"\n",
        ),
        says: &["hostile.toml", "europe_host"],
        never_says: &[],
    },
    Case {
        what: "a password in a config URL is never printed",
        args: &[
            "submit",
            "new.csv",
            "--config",
            "hostile.toml",
            "--env",
            "uat",
        ],
        config: Some(
            "[environments.uat.endpoints]\nindia_payment = \"https://u:SECRET@uatoneapi.payu.in/payout/v2/payment\"\n",
        ),
        says: &["india_payment", "user name or password"],
        never_says: &["SECRET"],
    },
    // Durations and counts.
    Case {
        what: "a wait that overflows in hours",
        args: &[
            "submit",
            "new.csv",
            "--base-url",
            "{url}",
            "--wait",
            "6000000000000000h",
        ],
        config: None,
        says: &[
            "--wait",
            "longer than the longest wait the tool takes, 7 days",
        ],
        never_says: &[],
    },
    Case {
        what: "a wait that overflows in minutes",
        args: &[
            "submit",
            "new.csv",
            "--base-url",
            "{url}",
            "--wait",
            "3381903080180084463m",
        ],
        config: None,
        says: &["--wait", "7 days"],
        never_says: &[],
    },
    Case {
        what: "a batch of nothing",
        args: &[
            "submit",
            "new.csv",
            "--base-url",
            "{url}",
            "--batch-size",
            "0",
        ],
        config: None,
        says: &["--batch-size", "must be at least 1"],
        never_says: &[],
    },
    Case {
        what: "a sandbox that lets nothing through",
        args: &["sandbox", "--rate-limit", "0"],
        config: None,
        says: &["--rate-limit", "at least 1 request per second"],
        never_says: &[],
    },
    // Outputs, proven writable before anything leaves.
    Case {
        what: "results in a folder that does not exist",
        args: &[
            "submit",
            "new.csv",
            "--base-url",
            "{url}",
            "-o",
            "missing/out.csv",
        ],
        config: None,
        says: &["-o missing/out.csv", "does not exist"],
        never_says: &[],
    },
    Case {
        what: "the summary over the input sheet",
        args: &[
            "submit",
            "new.csv",
            "--base-url",
            "{url}",
            "--summary-json",
            "new.csv",
        ],
        config: None,
        says: &["--summary-json new.csv", "input sheet"],
        never_says: &[],
    },
    Case {
        what: "the summary over a hard link to the input sheet",
        args: &[
            "submit",
            "new.csv",
            "--base-url",
            "{url}",
            "--summary-json",
            "link.json",
        ],
        config: None,
        says: &["--summary-json link.json", "input sheet"],
        never_says: &[],
    },
    Case {
        what: "the results over the journal",
        args: &[
            "submit",
            "new.csv",
            "--base-url",
            "{url}",
            "-o",
            "journal.sqlite",
        ],
        config: None,
        says: &["-o journal.sqlite"],
        never_says: &[],
    },
    Case {
        what: "results and summary in one file",
        args: &[
            "submit",
            "new.csv",
            "--base-url",
            "{url}",
            "-o",
            "out.csv",
            "--summary-json",
            "out.csv",
        ],
        config: None,
        says: &["--summary-json out.csv", "names the same file"],
        never_says: &[],
    },
    Case {
        what: "results into a device",
        args: &[
            "submit",
            "new.csv",
            "--base-url",
            "{url}",
            "-o",
            "/dev/null",
        ],
        config: None,
        says: &["-o /dev/null", "not a regular file"],
        never_says: &[],
    },
    Case {
        what: "results into a folder",
        args: &["validate", "new.csv", "-o", "sub.csv"],
        config: None,
        says: &["-o sub.csv", "not a regular file"],
        never_says: &[],
    },
    Case {
        what: "results with an extension that is no results format",
        args: &["validate", "new.csv", "-o", "out.pdf"],
        config: None,
        says: &["-o out.pdf", "'.pdf' is not a results format"],
        never_says: &[],
    },
    Case {
        what: "validate's summary over its input",
        args: &["validate", "new.csv", "--summary-json", "new.csv"],
        config: None,
        says: &["--summary-json new.csv", "input sheet"],
        never_says: &[],
    },
];

/// Every file of the folder (not its subfolders) and its bytes.
fn snapshot(w: &Workdir) -> BTreeMap<String, Vec<u8>> {
    w.files()
        .into_iter()
        .filter(|name| w.path(name).is_file())
        .map(|name| {
            let bytes = std::fs::read(w.path(&name)).unwrap();
            (name, bytes)
        })
        .collect()
}

#[test]
fn hostile_flags_urls_and_outputs_are_refused_with_nothing_sent_and_nothing_changed() {
    let sb = Sandbox::start(&["--settle-ms", "0"]);
    let w = Workdir::new();
    w.write("paid.csv", payout_sheet("PAID", 3));
    let first = w.run(&[
        "submit",
        "paid.csv",
        "--base-url",
        &sb.url,
        "--journal",
        "journal.sqlite",
        "--quiet",
        "--wait",
        "5s",
    ]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    w.write("new.csv", payout_sheet("NEW", 3));
    std::fs::hard_link(w.path("new.csv"), w.path("link.json")).unwrap();
    std::fs::create_dir(w.path("sub.csv")).unwrap();
    let paid = sb.ledger().len();
    assert_eq!(paid, 3);
    let before = snapshot(&w);
    assert!(before.contains_key("paid.results.csv") && before.contains_key("journal.sqlite"));

    for case in REFUSED {
        let mut files = before.clone();
        if let Some(text) = case.config {
            w.write("hostile.toml", text);
            files.insert("hostile.toml".into(), text.as_bytes().to_vec());
        }
        let args: Vec<String> = case
            .args
            .iter()
            .map(|a| a.replace("{url}", &sb.url))
            .collect();
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        if args[0] == "submit" {
            args.extend(["--journal", "journal.sqlite"]);
        }
        let out = w.run(&args);
        let err = stderr(&out);
        assert_eq!(code(&out), 2, "{}: {err}", case.what);
        for s in case.says {
            assert!(err.contains(s), "{}: stderr lacks {s:?}: {err}", case.what);
        }
        for s in case.never_says {
            assert!(!err.contains(s), "{}: stderr shows {s:?}: {err}", case.what);
        }
        let sentences = err.lines().filter(|l| l.starts_with("error:")).count();
        assert_eq!(sentences, 1, "{}: one sentence: {err}", case.what);
        assert_eq!(sb.ledger().len(), paid, "{}: something was sent", case.what);
        assert_eq!(snapshot(&w), files, "{}: a file changed", case.what);
        assert!(!w.path("missing").exists(), "{}", case.what);
        let _ = std::fs::remove_file(w.path("hostile.toml"));
    }
}

/// The results file as one map per row, by header.
fn results(path: &Path) -> Vec<HashMap<String, String>> {
    let rows = read_csv(path, b',');
    let (header, data) = rows.split_first().expect("a header");
    data.iter()
        .map(|r| header.iter().cloned().zip(r.iter().cloned()).collect())
        .collect()
}

/// Every row the sandbox accepted is in the results with what is known of it (never
/// NOT_SENT); every row of the sheet has its line.
fn assert_every_sent_row_accounted_for(w: &Workdir, sb: &Sandbox, rows: usize) {
    let results = results(&w.path("out.csv"));
    assert_eq!(results.len(), rows);
    let by_ref: HashMap<&str, &str> = results
        .iter()
        .map(|r| (r["Reference"].as_str(), r["result_status"].as_str()))
        .collect();
    let ledger = sb.ledger();
    assert!(!ledger.is_empty());
    for e in &ledger {
        let reference = e["reference"].as_str().unwrap();
        let status = by_ref[reference];
        assert!(
            ["SUCCESS", "PENDING", "FAILED", "UNKNOWN"].contains(&status),
            "{reference} was sent and is {status}"
        );
    }
    assert!(
        results
            .iter()
            .all(|r| r["result_status"] != "VALID" && r["result_status"] != "INVALID")
    );
}

/// `payu-bulk submit` of `sheet` against `sb`, started, with results to `out.csv`.
fn start_submit(w: &Workdir, sb: &Sandbox, sheet: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_payu-bulk"))
        .args([
            "submit",
            sheet,
            "--base-url",
            &sb.url,
            "--journal",
            "journal.sqlite",
        ])
        .args([
            "--quiet",
            "-o",
            "out.csv",
            "--batch-size",
            "1",
            "--concurrency",
            "1",
        ])
        .args(["--wait", "0"])
        .current_dir(w.path(""))
        .stderr(Stdio::piped())
        .spawn()
        .expect("start payu-bulk submit")
}

/// Waits, by looking, until the sandbox has accepted at least one row.
fn until_a_row_is_sent(sb: &Sandbox, child: &mut Child) {
    loop {
        if !sb.ledger().is_empty() {
            return;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "submit ended before any row was sent"
        );
        std::thread::yield_now();
    }
}

fn finish(mut child: Child) -> (i32, String) {
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    (status.code().expect("an exit code, not a signal"), err)
}

#[test]
fn a_journal_locked_mid_run_still_writes_the_results() {
    let sb = Sandbox::start(&["--latency-ms", "100", "--settle-ms", "0"]);
    let w = Workdir::new();
    w.write("pay.csv", payout_sheet("LOCK", 40));
    let mut child = start_submit(&w, &sb, "pay.csv");
    until_a_row_is_sent(&sb, &mut child);
    // Another process takes the journal's write lock and keeps it until the run ends.
    let locker = rusqlite::Connection::open(w.path("journal.sqlite")).unwrap();
    locker
        .busy_timeout(std::time::Duration::from_secs(60))
        .unwrap();
    locker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let (code, err) = finish(child);
    locker.execute_batch("ROLLBACK").unwrap();
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("locked") || err.contains("busy"), "{err}");
    assert_every_sent_row_accounted_for(&w, &sb, 40);
    let rows = results(&w.path("out.csv"));
    assert!(rows.iter().any(|r| r["result_status"] == "NOT_SENT"));
}

#[cfg(unix)]
#[test]
fn sigterm_mid_run_writes_the_results_and_exits_3() {
    let sb = Sandbox::start(&["--latency-ms", "200", "--settle-ms", "0"]);
    let w = Workdir::new();
    w.write("pay.csv", payout_sheet("TERM", 30));
    let mut child = start_submit(&w, &sb, "pay.csv");
    until_a_row_is_sent(&sb, &mut child);
    // SAFETY: a signal to the child this test started and has not yet waited for.
    let sent = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    assert_eq!(sent, 0);
    let (code, err) = finish(child);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("SIGTERM"), "{err}");
    assert_every_sent_row_accounted_for(&w, &sb, 30);
    let rows = results(&w.path("out.csv"));
    assert!(rows.iter().any(|r| r["result_status"] == "NOT_SENT"));
}

/// A server on loopback that answers every request `429` with `Retry-After: 0`.
fn always_429() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let lower = line.to_ascii_lowercase();
                    if let Some(v) = lower.strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    if line == "\r\n" {
                        break;
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let _ = stream.write_all(
                    b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
            });
        }
    });
    format!("http://{addr}")
}

#[test]
fn a_payu_that_lets_nothing_through_is_given_up() {
    let url = always_429();
    let w = Workdir::new();
    w.write("pay.csv", payout_sheet("NONE", 3));
    let out = w.run(&[
        "submit",
        "pay.csv",
        "--base-url",
        &url,
        "--journal",
        "journal.sqlite",
        // Past the balance check (its read gets the same 429s), to the sends themselves.
        "--allow-queue",
        "--quiet",
        "--wait",
        "0",
        "-o",
        "out.csv",
    ]);
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(err.contains("429"), "{err}");
    let rows = results(&w.path("out.csv"));
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter().all(|r| r["result_status"] == "NOT_SENT"),
        "{rows:?}"
    );
}

/// The sandbox binary started with at most `files` open file descriptors.
#[cfg(unix)]
fn sandbox_with_few_files(files: u64) -> (Child, String) {
    use std::os::unix::process::CommandExt;
    let mut command = Command::new(env!("CARGO_BIN_EXE_payu-bulk"));
    command
        .args(["sandbox", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe, and the closure touches nothing else.
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: files as libc::rlim_t,
                rlim_max: files as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = command.spawn().expect("start the sandbox");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    (child, url)
}

#[cfg(unix)]
#[test]
fn idle_connections_do_not_silence_the_sandbox() {
    // More idle connections than the sandbox has file descriptors: without a header-read
    // timeout they would hold every descriptor for as long as their client likes.
    let (mut child, url) = sandbox_with_few_files(64);
    let addr = url.strip_prefix("http://").unwrap().to_owned();
    let idle: Vec<std::net::TcpStream> = (0..80)
        .map(|_| {
            let mut s = std::net::TcpStream::connect(&addr).unwrap();
            s.write_all(b"GET /__sandbox/ledger HTTP/1.1\r\n").unwrap();
            s
        })
        .collect();
    let http = reqwest::blocking::Client::builder()
        // Only so that a regression fails instead of hanging the test run.
        .timeout(std::time::Duration::from_secs(120))
        .build()
        .unwrap();
    let answer = http.get(format!("{url}/__sandbox/ledger")).send();
    drop(idle);
    let _ = child.kill();
    let _ = child.wait();
    let answer = answer.expect("the sandbox answered");
    assert!(answer.status().is_success());
}

#[test]
fn a_sandbox_on_every_interface_says_so() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_payu-bulk"))
        .args(["sandbox", "--listen", "0.0.0.0:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the sandbox");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("listening on http://0.0.0.0:"), "{first}");
    let _ = child.kill();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let _ = child.wait();
    assert!(
        err.contains("WARNING")
            && err.contains("EVERY network interface")
            && err.contains("credentials are public"),
        "{err}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn the_default_journal_is_in_the_data_folder() {
    let sb = Sandbox::start(&["--settle-ms", "0"]);
    let w = Workdir::new();
    w.write("pay.csv", payout_sheet("HOME", 2));
    let data = w.path("data");
    std::fs::create_dir(&data).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_payu-bulk"))
        .args([
            "submit",
            "pay.csv",
            "--base-url",
            &sb.url,
            "--quiet",
            "--wait",
            "5s",
        ])
        .env("XDG_DATA_HOME", &data)
        .current_dir(w.path(""))
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(data.join("payu-bulk").join("journal.sqlite").is_file());
    let help = w.run(&["submit", "--help"]);
    // As one line: the help is wrapped to the terminal's width.
    let help = String::from_utf8_lossy(&help.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        help.contains("data folder") && help.contains("Application Support"),
        "{help}"
    );
    assert!(help.contains("at most 7 days"), "{help}");
}
