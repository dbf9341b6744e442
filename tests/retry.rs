//! `payu-bulk retry`: from a results file, a sheet of the rows to try again, which submitted
//! pays only those rows, each once (the sandbox's ledger is the proof).

mod common;

use std::collections::HashMap;

use common::{Sandbox, Workdir, code, read_csv, read_xlsx, stderr};

const PAYOUT_HEADER: &str =
    "Reference,Payment Mode,Account No,IFSC Code,Beneficiary Name,Amount,Purpose\n";

fn submit(w: &Workdir, sb: &Sandbox, sheet: &str) -> std::process::Output {
    w.run(&[
        "submit",
        sheet,
        "--base-url",
        &sb.url,
        "--journal",
        "j.sqlite",
        "--quiet",
        "--wait",
        "10s",
    ])
}

/// reference → times_received, from the ledger.
fn ledger(sb: &Sandbox) -> HashMap<String, u64> {
    let mut out = HashMap::new();
    for e in sb.ledger() {
        let r = e["reference"].as_str().unwrap().to_owned();
        assert!(
            out.insert(r.clone(), e["times_received"].as_u64().unwrap())
                .is_none(),
            "{r} paid twice"
        );
    }
    out
}

#[test]
fn the_retry_sheet_submitted_pays_only_the_retried_rows_each_once() {
    let w = Workdir::new();
    let sb = Sandbox::start(&["--settle-ms", "50"]);
    // 41234567890 is PayU's failing test account.
    w.write(
        "pay.csv",
        format!(
            "{PAYOUT_HEADER}T-OK,IMPS,51234567890,HDFC0000001,Asha Verma,10.00,Salary\n\
             T-FAIL,IMPS,41234567890,HDFC0000001,Asha Verma,11.00,Salary\n\
             T-LOST,IMPS,51234567890,HDFC0000001,Asha Verma,12.00,Salary\n"
        ),
    );
    let out = submit(&w, &sb, "pay.csv");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let first = ledger(&sb);
    assert_eq!(first.len(), 3);

    // The run as it might have ended: T-LOST without an answer (it was paid: PayU has it),
    // and T-LATER never sent.
    let text = std::fs::read_to_string(w.path("pay.results.csv")).unwrap();
    let mut crafted = String::new();
    for line in text.lines() {
        if line.starts_with("T-LOST,") {
            let keep: Vec<&str> = line.split(',').take(7).collect();
            crafted.push_str(&format!(
                "{},4,UNKNOWN,,the run stopped before PayU answered,,,,status-first\n",
                keep.join(",")
            ));
        } else {
            crafted.push_str(line);
            crafted.push('\n');
        }
    }
    crafted.push_str("T-LATER,IMPS,51234567890,HDFC0000001,Asha Verma,13.00,Salary,5,NOT_SENT,,stopped sending,,,,rerun\n");
    w.write("pay.results.csv", &crafted);

    let out = w.run(&["retry", "pay.results.csv"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("1 FAILED with a new reference, 1 NOT_SENT"),
        "{err}"
    );
    assert!(err.contains("left out: 2 row(s)"), "{err}");
    assert!(err.contains("SUCCESS (paid)"), "{err}");
    assert!(
        err.contains("UNKNOWN (sent without a definitive answer"),
        "{err}"
    );
    let sheet = read_csv(&w.path("pay.retry.csv"), b',');
    // The input's columns, in order, and no result columns.
    assert_eq!(format!("{}\n", sheet[0].join(",")), PAYOUT_HEADER);
    let references: Vec<&str> = sheet[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(references, ["T-FAIL-R1", "T-LATER"]);
    assert_eq!(
        sheet[1][1..],
        [
            "IMPS",
            "41234567890",
            "HDFC0000001",
            "Asha Verma",
            "11.00",
            "Salary"
        ]
    );

    let out = submit(&w, &sb, "pay.retry.csv");
    assert_eq!(code(&out), 1, "T-FAIL-R1 fails again: {}", stderr(&out));
    let second = ledger(&sb);
    // The earlier rows untouched, the two retried rows sent once each, nothing else.
    for (r, n) in &first {
        assert_eq!(second[r], *n, "{r}");
    }
    assert_eq!(second.len(), first.len() + 2);
    assert_eq!(second["T-FAIL-R1"], 1);
    assert_eq!(second["T-LATER"], 1);
    let results = read_csv(&w.path("pay.retry.results.csv"), b',');
    assert_eq!(results[2][8], "SUCCESS", "{:?}", results[2]);

    // The retry of the retry: R1 becomes R2, and the paid row is left out.
    let out = w.run(&["retry", "pay.retry.results.csv", "-o", "again.csv"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let again = read_csv(&w.path("again.csv"), b',');
    assert_eq!(again.len(), 2);
    assert_eq!(again[1][0], "T-FAIL-R2");
}

#[test]
fn rows_that_must_not_be_paid_again_stay_out_and_a_long_reference_is_refused() {
    let w = Workdir::new();
    let long = "L".repeat(38);
    let tail = |status: &str, codes: &str| format!("{status},{codes},msg,,,,x");
    let rows = [
        ("C-1", tail("FAILED", "CANCELLED")),
        ("D-1", tail("FAILED", "8356")),
        ("R-1", tail("FAILED", "REVERSED")),
        ("P-1", tail("PENDING", "")),
        ("I-1", tail("INVALID", "1022")),
        (long.as_str(), tail("FAILED", "FAILED")),
        ("F-1", tail("FAILED", "1004")),
    ];
    let mut text = format!(
        "{},result_row,result_status,result_error_code,result_error_message,result_reference,result_link,result_utr,result_retry\n",
        PAYOUT_HEADER.trim_end()
    );
    for (i, (r, t)) in rows.iter().enumerate() {
        text.push_str(&format!(
            "{r},IMPS,51234567890,HDFC0000001,Asha Verma,10.00,Salary,{},{t}\n",
            i + 2
        ));
    }
    w.write("x.results.csv", text);
    let out = w.run(&["retry", "x.results.csv"]);
    assert_eq!(code(&out), 1, "a refused row: {}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("FAILED with CANCELLED (cancelled on purpose)"),
        "{err}"
    );
    assert!(
        err.contains("FAILED with 8356 (PayU says the payout exists"),
        "{err}"
    );
    assert!(err.contains("FAILED with REVERSED"), "{err}");
    assert!(err.contains("left out: 5 row(s)"), "{err}");
    assert!(
        err.contains(&format!(
            "refused: row 7: its new reference '{long}-R1' would be 41 characters, over PayU's 40"
        )),
        "{err}"
    );
    let sheet = read_csv(&w.path("x.retry.csv"), b',');
    assert_eq!(sheet.len(), 2);
    assert_eq!(sheet[1][0], "F-1-R1");

    // Nothing to retry: no sheet.
    let w = Workdir::new();
    w.write(
        "y.results.csv",
        format!(
            "{},result_row,result_status,result_error_code,result_error_message,result_reference,result_link,result_utr,result_retry\nS-1,IMPS,51234567890,HDFC0000001,Asha Verma,10.00,Salary,2,SUCCESS,,,PAYOUT1,,UTR1,no\n",
            PAYOUT_HEADER.trim_end()
        ),
    );
    let out = w.run(&["retry", "y.results.csv"]);
    assert_eq!(code(&out), 0);
    assert!(stderr(&out).contains("nothing to retry"));
    assert_eq!(w.files(), ["y.results.csv"]);

    // Not a results file: exit 2, one sentence.
    w.write("plain.csv", PAYOUT_HEADER);
    let out = w.run(&["retry", "plain.csv"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("is not a results file"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_xlsx_results_file_gives_an_xlsx_retry_sheet_with_its_columns_and_text_cells() {
    let w = Workdir::new();
    let sb = Sandbox::start(&["--settle-ms", "50"]);
    w.write(
        "pay.csv",
        format!(
            "{PAYOUT_HEADER}X-OK,IMPS,51234567890,HDFC0000001,Asha Verma,10.00,Salary\n\
             X-FAIL,IMPS,41234567890,HDFC0000001,Asha Verma,11.00,Salary\n"
        ),
    );
    let out = w.run(&[
        "submit",
        "pay.csv",
        "--base-url",
        &sb.url,
        "--journal",
        "j.sqlite",
        "--quiet",
        "--wait",
        "10s",
        "-o",
        "pay.results.xlsx",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let out = w.run(&["retry", "pay.results.xlsx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let sheet = read_xlsx(&w.path("pay.retry.xlsx"));
    let header: Vec<&str> = sheet[0].iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(format!("{}\n", header.join(",")), PAYOUT_HEADER);
    assert_eq!(sheet.len(), 2, "{sheet:?}");
    assert_eq!(sheet[1][0].0, "X-FAIL-R1");
    // An identifier stays text: the account number is a string cell.
    assert_eq!(sheet[1][2], ("41234567890".to_owned(), true));
    assert_eq!(sheet[1][5].0, "11.00");
}

#[test]
fn a_masked_card_is_refused_and_the_sheet_keeps_the_results_delimiter() {
    let w = Workdir::new();
    let result_cols = "result_row;result_status;result_error_code;result_error_message;result_reference;result_link;result_utr;result_retry";
    w.write(
        "eu.results.csv",
        format!(
            "extPayoutId;amount;currency;description;card.number;account.accountNumber;customerAddress.name;{result_cols}\n\
             EU-CARD;10.00;PLN;Zwrot;465541******3609;;Jan Kowalski;2;FAILED;8351;refused;;;;new-reference\n\
             EU-BANK;11.00;PLN;Zwrot;;61109010140000071219812874;Jan Kowalski;3;FAILED;HTTP_500;refused;;;;new-reference\n"
        ),
    );
    let out = w.run(&["retry", "eu.results.csv"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("refused: row 2: its card number is masked"),
        "{}",
        stderr(&out)
    );
    let sheet = read_csv(&w.path("eu.retry.csv"), b';');
    assert_eq!(sheet.len(), 2);
    assert_eq!(sheet[0].len(), 7);
    assert_eq!(sheet[1][0], "EU-BANK-R1");
    assert_eq!(sheet[1][5], "61109010140000071219812874");
}
