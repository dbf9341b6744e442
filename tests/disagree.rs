//! The tool against the sandbox (issue 11): every row of every sample sheet is judged twice,
//! by `payu-bulk validate` (its results file) and by a `payu-bulk sandbox` process, whose
//! rules are its own, written from PayU's documents (src/sandbox/rules.rs). Each row, passed
//! or refused, goes to the sandbox as the PayU request the tool would build from its cells.
//! Where the two verdicts differ, the row must be in [`EXPLAINED`] with the reason, and where
//! both refuse it with different PayU codes, in [`EXPLAINED_CODES`]; a new disagreement, or an
//! explanation no row needs any more, fails the test.
//!
//! The requests are built here from the cells, not through the tool's planner: the planner
//! takes only rows that passed, and drops what it cannot read (an unreadable mobile is left
//! out), which would hide from PayU exactly what made the tool refuse the row. So each value
//! goes as the tool would send it where the tool can read it (an amount in the sheet's
//! notations as a number, a mobile without its `+91`, an IFSC in upper case, minor units for
//! PayU Europe), and otherwise as written, for PayU to judge.

mod common;
#[path = "disagree/explained.rs"]
mod explained;
#[path = "disagree/payu.rs"]
mod payu;
#[path = "disagree/requests.rs"]
mod requests;

use common::{Workdir, code, col, read_csv, stderr};

use explained::{EXPLAINED, EXPLAINED_CODES};
use payu::{Payu, Verdict};
use requests::{Kind, link, payout, read_rows, transfer};

/// The held-in sheets of each kind (tests/data/ holds reader fixtures, no payout sheets).
const SHEETS: &[&str] = &[
    "samples/payout.csv",
    "samples/payout.xlsx",
    "samples/smart-send.csv",
    "samples/smart-send.xlsx",
    "samples/global-payout.csv",
    "samples/global-payout.xlsx",
];

/// One row the two judge differently.
#[derive(Debug)]
struct Disagreement {
    sheet: String,
    row: u64,
    reference: String,
    /// The tool's status and codes.
    tool: String,
    sandbox: Verdict,
    /// Both refuse it, with different codes.
    codes_only: bool,
}

/// A row of the tool's results file: its number in the sheet, status and codes.
struct Judged {
    row: u64,
    status: String,
    codes: String,
}

impl Judged {
    fn passes(&self) -> bool {
        self.status == "VALID"
    }

    /// Its codes when every one is PayU's (none of the tool's own, like `AMOUNT_FORMAT`).
    fn payu_codes(&self) -> Option<Vec<&str>> {
        let codes: Vec<&str> = self.codes.split(';').filter(|c| !c.is_empty()).collect();
        let numeric = |c: &&str| c.bytes().all(|b| b.is_ascii_digit());
        codes.iter().all(numeric).then_some(codes)
    }
}

/// `payu-bulk validate` on the sheet in `dir`: each row's verdict.
fn validate(dir: &Workdir, name: &str) -> Vec<Judged> {
    let out = dir.run(&["validate", name, "-o", "results.csv"]);
    assert!(matches!(code(&out), 0 | 1), "{name}: {}", stderr(&out));
    let results = dir.path("results.csv");
    // The results file keeps the sheet's delimiter.
    let text = std::fs::read_to_string(&results).expect("the results file");
    let first = text.lines().next().unwrap_or("");
    let semicolons = first.matches(';').count() > first.matches(',').count();
    let table = read_csv(&results, if semicolons { b';' } else { b',' });
    let header = &table[0];
    let [row, status, codes] =
        ["result_row", "result_status", "result_error_code"].map(|c| col(header, c));
    table[1..]
        .iter()
        .map(|line| Judged {
            row: line[row].parse().expect("a row number"),
            status: line[status].clone(),
            codes: line[codes].clone(),
        })
        .collect()
}

/// Whether the sandbox's codes for a row both refuse agree with the tool's PayU codes: the
/// same set for PayU India (which lists every problem), the sandbox's one code among the
/// tool's for PayU Europe (which answers one).
fn codes_agree(kind: Kind, tool: &[&str], sandbox: &[String]) -> bool {
    let mut theirs: Vec<&str> = sandbox.iter().map(String::as_str).collect();
    if kind == Kind::GlobalPayout {
        return theirs.iter().all(|c| tool.contains(c));
    }
    let mut ours = tool.to_vec();
    for codes in [&mut theirs, &mut ours] {
        codes.sort_unstable();
        codes.dedup();
    }
    theirs == ours
}

/// Every row of `sheet`, judged by the tool and by the sandbox; the rows they disagree on.
/// The rows the tool passes are then sent by `submit --skip-invalid` too (see [`submitted`]).
fn compare(payu: &mut Payu, sheet: &str) -> (usize, Vec<Disagreement>) {
    let dir = Workdir::new();
    let name = sheet.rsplit('/').next().expect("a file name");
    let kind = Kind::of(sheet);
    let rows = read_rows(&dir.copy(sheet, name), kind);
    let judged = validate(&dir, name);
    let mut disagreements = Vec::new();
    let mut passed = Vec::new();
    for tool in &judged {
        let cells = rows
            .get(&tool.row)
            .expect("the results' row is in the sheet");
        let body = match kind {
            Kind::Payout => transfer(cells),
            Kind::SmartSend => link(cells),
            Kind::GlobalPayout => payout(cells),
        };
        let verdict = payu.send(kind, &body);
        let reference = cells.reference().to_owned();
        if tool.passes() {
            passed.push(reference.clone());
        }
        let codes_differ = match (&verdict, tool.payu_codes()) {
            (Verdict::Refused(theirs), Some(ours)) if !tool.passes() && !theirs.is_empty() => {
                !codes_agree(kind, &ours, theirs)
            }
            _ => false,
        };
        let verdicts_differ = tool.passes() != (verdict == Verdict::Accepted);
        for codes_only in [false, true] {
            if (codes_only && codes_differ) || (!codes_only && verdicts_differ) {
                disagreements.push(Disagreement {
                    sheet: name.to_owned(),
                    row: tool.row,
                    reference: reference.clone(),
                    tool: format!("{} {}", tool.status, tool.codes),
                    sandbox: verdict.clone(),
                    codes_only,
                });
            }
        }
    }
    submitted(payu, &dir, name, &passed, &disagreements);
    (judged.len(), disagreements)
}

/// Sends the sheet in `dir` with `submit --skip-invalid` to a sandbox emptied first: every
/// row the tool `passed` and the sandbox took as built here must be accepted again, paying
/// the same amount to the same destination (so the requests built here are the tool's).
fn submitted(
    payu: &mut Payu,
    dir: &Workdir,
    name: &str,
    passed: &[String],
    listed: &[Disagreement],
) {
    let built = payu.paid();
    payu.reset();
    let url = payu.sandbox.url.clone();
    let out = dir.run(&[
        "submit",
        name,
        "--base-url",
        &url,
        "--journal",
        "journal.sqlite",
        "--quiet",
        "--skip-invalid",
        // One transfer a request: PayU refuses a batch whole for one bad item.
        "--batch-size",
        "1",
        "--wait",
        "0",
    ]);
    // 0, 1 or 3 (some rows failed or are unsettled): a run that ended with its results.
    assert!(matches!(code(&out), 0 | 1 | 3), "{name}: {}", stderr(&out));
    let sent = payu.paid();
    assert!(
        passed.len() >= 9,
        "{name}: only {} rows passed",
        passed.len()
    );
    for reference in passed {
        // A passed row the sandbox refused as built here is listed, for EXPLAINED to judge.
        if listed
            .iter()
            .any(|d| d.reference == *reference && !d.codes_only)
        {
            continue;
        }
        let tools = sent.get(reference);
        assert!(
            tools.is_some(),
            "{name}: the sandbox refused the tool's own request for {reference}, a row it \
             passed and took as built here: {}",
            stderr(&out)
        );
        assert_eq!(
            built.get(reference),
            tools,
            "{name} {reference}: the request built here pays otherwise than the tool's"
        );
    }
}

#[test]
fn the_tool_and_the_sandbox_judge_every_sample_row_alike_or_the_difference_is_explained() {
    let mut payu = Payu::start();
    let mut compared = 0;
    let mut unexplained = Vec::new();
    let mut explained_used = vec![false; EXPLAINED.len()];
    let mut codes_used = vec![false; EXPLAINED_CODES.len()];
    for sheet in SHEETS {
        payu.reset();
        let (rows, found) = compare(&mut payu, sheet);
        assert!(rows > 20, "{sheet}: only {rows} rows judged");
        compared += rows;
        for d in found {
            let (list, used) = if d.codes_only {
                (EXPLAINED_CODES, &mut codes_used)
            } else {
                (EXPLAINED, &mut explained_used)
            };
            let known = list
                .iter()
                .position(|(s, r, _)| *s == d.sheet && *r == d.reference);
            match known {
                Some(i) => used[i] = true,
                None => unexplained.push(d),
            }
        }
    }
    let listed: Vec<String> = unexplained
        .iter()
        .map(|d| {
            format!(
                "{} row {} ({}): the tool says {}, the sandbox {:?}{}",
                d.sheet,
                d.row,
                d.reference,
                d.tool,
                d.sandbox,
                if d.codes_only {
                    " (EXPLAINED_CODES)"
                } else {
                    ""
                }
            )
        })
        .collect();
    assert!(
        listed.is_empty(),
        "{} of {compared} rows judged differently, without an explanation:\n{}",
        listed.len(),
        listed.join("\n")
    );
    let stale: Vec<_> = EXPLAINED
        .iter()
        .zip(&explained_used)
        .chain(EXPLAINED_CODES.iter().zip(&codes_used))
        .filter(|(_, used)| !**used)
        .map(|(e, _)| (e.0, e.1))
        .collect();
    assert!(
        stale.is_empty(),
        "explained, but the tool and the sandbox now agree on these rows (remove them): {stale:?}"
    );
}
