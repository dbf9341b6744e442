//! `payu-bulk validate` and `template` as a user runs them: encodings, delimiters, formats,
//! exit codes, and bad input that must stop with one sentence and leave nothing behind.

mod common;

use common::{Workdir, code, col, read_csv, read_xlsx, stderr};

const PAYOUT_HEADER: &str = "merchantRefId,paymentType,beneficiaryName,beneficiaryAccountNumber,beneficiaryIfscCode,amount,purpose";
const PAYOUT_ROW: &str = "R-1,IMPS,Asha Verma,50100234567891,HDFC0000001,1500.00,Salary";

/// Runs validate on `name` and checks it stopped with exit 2, one line naming the file that
/// contains `needle`, and wrote nothing.
fn refused(wd: &Workdir, args: &[&str], needle: &str) -> String {
    let before = wd.files();
    let out = wd.run(args);
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "{err}");
    assert!(err.contains(needle), "expected '{needle}' in: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one sentence: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(wd.files(), before, "nothing is left behind");
    err
}

#[test]
fn bad_files_stop_with_one_sentence_and_no_results() {
    let wd = Workdir::new();
    refused(
        &wd,
        &["validate", "missing.csv"],
        "missing.csv: cannot read the file",
    );
    wd.write("empty.csv", "");
    refused(
        &wd,
        &["validate", "empty.csv"],
        "empty.csv: the file is empty",
    );
    wd.write("blank.csv", "\n\n");
    refused(&wd, &["validate", "blank.csv"], "blank.csv: no header row");
    let junk: Vec<u8> = (0u32..4096).map(|i| (i * 7919 % 251) as u8).collect();
    wd.write("binary.csv", &junk);
    refused(
        &wd,
        &["validate", "binary.csv"],
        "binary.csv: the file looks binary",
    );
    wd.copy("tests/data/xlsx/pass_protected.xlsx", "locked.xlsx");
    refused(&wd, &["validate", "locked.xlsx"], "password-protected");
    wd.copy("samples/payout.xlsx", "actually-xlsx.csv");
    refused(
        &wd,
        &["validate", "actually-xlsx.csv"],
        "rename it to .xlsx",
    );
    wd.write(
        "actually-csv.xlsx",
        format!("{PAYOUT_HEADER}\n{PAYOUT_ROW}\n"),
    );
    refused(
        &wd,
        &["validate", "actually-csv.xlsx"],
        "if it is a CSV export, rename it to .csv",
    );
    wd.copy("samples/payout.xlsx", "calc.ods");
    refused(
        &wd,
        &["validate", "calc.ods"],
        "OpenDocument spreadsheets are not read",
    );
    wd.copy("samples/payout.xlsx", "pay.xlsx");
    refused(
        &wd,
        &["validate", "pay.xlsx", "--sheet", "December"],
        "there is no sheet 'December'",
    );
}

#[test]
fn header_problems_name_what_is_missing() {
    let wd = Workdir::new();
    wd.write("no-purpose.csv", "Reference,Payment Mode,Name,Account No,IFSC,Amount\nR1,IMPS,A,50100234567891,HDFC0000001,10\n");
    let err = refused(&wd, &["validate", "no-purpose.csv"], "no-purpose.csv: ");
    assert!(
        err.contains("purpose") && err.contains("'Remarks'"),
        "{err}"
    );
    wd.write("data-first.csv", "R1,IMPS,Asha,50100234567891\n");
    refused(
        &wd,
        &["validate", "data-first.csv"],
        "does not look like a header",
    );
    wd.write(
        "two-ifsc.csv",
        format!("{PAYOUT_HEADER},IFSC Code\n{PAYOUT_ROW},HDFC0000001\n"),
    );
    refused(
        &wd,
        &["validate", "two-ifsc.csv"],
        "columns 'beneficiaryIfscCode' and 'IFSC Code' both mean beneficiaryIfscCode",
    );
    wd.write("vague.csv", "Reference,Amount\nR1,10\n");
    refused(
        &wd,
        &["validate", "vague.csv"],
        "say which kind it is with --kind",
    );
}

#[test]
fn undecodable_bytes_name_the_line_and_the_flag() {
    let wd = Workdir::new();
    let mut bytes = format!("{PAYOUT_HEADER}\n{PAYOUT_ROW}\n").into_bytes();
    bytes.extend_from_slice(b"R-2,IMPS,Zo\xEB Fran\xE7ois,50100234567892,HDFC0000001,10,Salary\n");
    wd.write("latin1.csv", &bytes);
    refused(&wd, &["validate", "latin1.csv"], "latin1.csv: line 3");
    refused(&wd, &["validate", "latin1.csv"], "--encoding windows-1252");
    refused(
        &wd,
        &["validate", "latin1.csv", "--encoding", "klingon"],
        "'klingon' is not an encoding label",
    );
    let out = wd.run(&["validate", "latin1.csv", "--encoding", "windows-1252"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let results = read_csv(&wd.path("latin1.results.csv"), b',');
    assert_eq!(results[2][2], "Zoë François");
}

#[test]
fn polish_names_in_windows_1250() {
    let wd = Workdir::new();
    let text = "extPayoutId;shopId;amount;account.accountNumber;customerAddress.name\n\
                EU-1;n7Cd7y1U;150,00 zł;61109010140000071219812874;Łukasz Żółkiewski\n\
                EU-2;n7Cd7y1U;99.50;61109010140000071219812874;Zofia Wiśniewska\n";
    let (bytes, _, bad) = encoding_rs::WINDOWS_1250.encode(text);
    assert!(!bad);
    wd.write("polskie.csv", &*bytes);
    let out = wd.run(&["validate", "polskie.csv", "--encoding", "windows-1250"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let raw = std::fs::read(wd.path("polskie.results.csv")).unwrap();
    assert!(
        raw.starts_with(b"\xEF\xBB\xBF"),
        "re-encoded results carry a BOM so Excel reads UTF-8"
    );
    let results = read_csv(&wd.path("polskie.results.csv"), b';');
    assert_eq!(results[1][4], "Łukasz Żółkiewski");
    assert_eq!(results[2][4], "Zofia Wiśniewska");
    let status = col(&results[0], "result_status");
    assert_eq!(
        results[1][status], "INVALID",
        "'150,00 zł' is not an amount the tool reads"
    );
    assert_eq!(results[2][status], "VALID");
}

#[test]
fn utf16_bom_semicolons_and_crlf_are_read_and_mirrored() {
    let wd = Workdir::new();
    let text = format!(
        "{}\r\n{}\r\n",
        PAYOUT_HEADER.replace(',', ";"),
        PAYOUT_ROW.replace(',', ";")
    );
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    wd.write("utf16.csv", &bytes);
    let out = wd.run(&["validate", "utf16.csv"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let raw = String::from_utf8(std::fs::read(wd.path("utf16.results.csv")).unwrap()).unwrap();
    let raw = raw.strip_prefix('\u{feff}').expect("a BOM");
    assert!(raw.starts_with("merchantRefId;paymentType;"), "{raw}");
    assert!(raw.contains("\r\n"), "CRLF mirrored");

    wd.write(
        "bom.csv",
        format!("\u{feff}{PAYOUT_HEADER}\n{PAYOUT_ROW}\n"),
    );
    assert_eq!(code(&wd.run(&["validate", "bom.csv"])), 0);
    let results = read_csv(&wd.path("bom.results.csv"), b',');
    assert_eq!(results[0][0], "merchantRefId");
}

#[test]
fn tabs_cr_line_ends_and_quoted_newlines() {
    let wd = Workdir::new();
    wd.write(
        "pay.tsv",
        format!(
            "{}\n{}\n",
            PAYOUT_HEADER.replace(',', "\t"),
            PAYOUT_ROW.replace(',', "\t")
        ),
    );
    assert_eq!(code(&wd.run(&["validate", "pay.tsv"])), 0);
    let results = read_csv(&wd.path("pay.results.tsv"), b'\t');
    assert_eq!(results[1][col(&results[0], "result_status")], "VALID");

    wd.write("mac.csv", format!("{PAYOUT_HEADER}\r{PAYOUT_ROW}\rR-2,NEFT,\"Ravi\nKumar\",50100234567892,SBIN0000001,20,Rent\r"));
    let out = wd.run(&["validate", "mac.csv"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let results = read_csv(&wd.path("mac.results.csv"), b',');
    assert_eq!(results.len(), 3);
    assert_eq!(results[2][2], "Ravi\nKumar");
    let message = &results[2][col(&results[0], "result_error_message")];
    assert!(
        message.contains("beneficiaryName 'Ravi\nKumar' may hold only letters"),
        "{message}"
    );
}

#[test]
fn csv_in_xlsx_out_writes_identifiers_as_text() {
    let wd = Workdir::new();
    wd.write(
        "pay.csv",
        format!("{PAYOUT_HEADER},beneficiaryMobile\n{PAYOUT_ROW},09876543210\n"),
    );
    let out = wd.run(&["validate", "pay.csv", "-o", "out/../results.xlsx"]);
    assert_eq!(
        code(&out),
        2,
        "a missing folder in -o is an error: {}",
        stderr(&out)
    );
    std::fs::create_dir(wd.path("out")).unwrap();
    let out = wd.run(&["validate", "pay.csv", "-o", "out/results.xlsx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let cells = read_xlsx(&wd.path("out/results.xlsx"));
    assert_eq!(cells[1][3], ("50100234567891".to_owned(), true));
    assert_eq!(cells[1][7], ("09876543210".to_owned(), true));
    assert_eq!(
        std::fs::read_dir(wd.path("out")).unwrap().count(),
        1,
        "no temporary file left"
    );
}

#[test]
fn exit_codes_and_summary_json() {
    let wd = Workdir::new();
    wd.write("good.csv", format!("{PAYOUT_HEADER}\n{PAYOUT_ROW}\nR-2,NEFT,Ravi Kumar,50100234567892,SBIN0000001,\"1,25,000.10\",Rent\n"));
    let out = wd.run(&["validate", "good.csv", "--summary-json", "s.json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(wd.path("s.json")).unwrap()).unwrap();
    assert_eq!(s["kind"], "payout");
    assert_eq!(s["rows"], 2);
    assert_eq!(s["by_status"]["VALID"], 2);
    assert_eq!(s["amount_by_status"]["VALID"], "126500.10");
    for key in ["input", "results", "started_at", "finished_at"] {
        assert!(s[key].is_string(), "{key}");
    }
    let summary = stderr(&out);
    assert!(
        summary.contains("VALID") && summary.contains("INR 126500.10"),
        "{summary}"
    );

    wd.write(
        "bad.csv",
        format!("{PAYOUT_HEADER}\nR-1,IMPS,Asha Verma,123,HDFC0000001,10,Salary\n"),
    );
    assert_eq!(code(&wd.run(&["validate", "bad.csv"])), 1);
    refused(
        &wd,
        &[
            "validate",
            "bad.results.csv",
            "-o",
            "bad.results.csv",
            "--kind",
            "payout",
        ],
        "would overwrite the sheet itself",
    );
}

#[test]
fn xlsx_numbers_are_exact_decimals() {
    use rust_xlsxwriter::Workbook;
    let wd = Workdir::new();
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    for (c, h) in PAYOUT_HEADER.split(',').enumerate() {
        sheet.write_string(0, c as u16, h).unwrap();
    }
    for (r, amount) in [1234.12, 0.1, 0.2].iter().enumerate() {
        let r = r as u32 + 1;
        for (c, v) in PAYOUT_ROW.split(',').enumerate() {
            sheet.write_string(r, c as u16, v).unwrap();
        }
        sheet.write_string(r, 0, format!("R-{r}")).unwrap();
        sheet.write_number(r, 5, *amount).unwrap();
    }
    wb.save(wd.path("exact.xlsx")).unwrap();
    let out = wd.run(&["validate", "exact.xlsx", "--summary-json", "s.json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(wd.path("s.json")).unwrap()).unwrap();
    assert_eq!(s["amount_by_status"]["VALID"], "1234.42");
}

#[test]
fn kind_can_be_named() {
    let wd = Workdir::new();
    wd.write("pay.csv", format!("{PAYOUT_HEADER}\n{PAYOUT_ROW}\n"));
    let out = wd.run(&["validate", "pay.csv", "--kind", "smart-send"]);
    let err = stderr(&out);
    assert_eq!(code(&out), 2);
    assert!(
        err.contains("a smart-send sheet needs a column description"),
        "{err}"
    );
    // A kind the headers do not point to is obeyed, with a note.
    wd.write(
        "people.csv",
        "Reference,Payment Mode,Beneficiary Name,Account No,IFSC Code,Amount,Purpose\n\
         R1,IMPS,Asha Verma,50100234567891,HDFC0000001,10,Salary\n",
    );
    let out = wd.run(&["validate", "people.csv", "--kind", "global-payout"]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("its headers look like a payout sheet"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn template_writes_headers_every_command_recognises() {
    let wd = Workdir::new();
    for kind in ["payout", "smart-send", "global-payout"] {
        for ext in ["csv", "xlsx"] {
            let name = format!("{kind}.{ext}");
            let out = wd.run(&["template", kind, "-o", &name]);
            assert_eq!(code(&out), 0, "{}", stderr(&out));
            let out = wd.run(&["validate", &name, "--summary-json", "s.json"]);
            assert_eq!(code(&out), 0, "{name}: {}", stderr(&out));
            let s: serde_json::Value =
                serde_json::from_slice(&std::fs::read(wd.path("s.json")).unwrap()).unwrap();
            assert_eq!(s["kind"], kind);
            assert_eq!(s["rows"], 0);
        }
    }
    let header = read_csv(&wd.path("global-payout.csv"), b',').remove(0);
    assert!(header.contains(&"customerAddress.countryCode".to_owned()));
    let out = wd.run(&["template", "payout", "-o", "payout.txt.gz"]);
    assert_eq!(code(&out), 2);
}

#[test]
fn a_bad_byte_deep_in_the_file_leaves_no_results_behind() {
    // Far enough in that rows have been checked and written before the reader meets it.
    let wd = Workdir::new();
    let mut text = format!("{PAYOUT_HEADER}\n");
    for i in 0..50_000 {
        text.push_str(&format!(
            "R-{i},IMPS,Asha Verma,50100234567891,HDFC0000001,1500.00,Salary\n"
        ));
    }
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(b"R-x,IMPS,Zo\xEB,50100234567891,HDFC0000001,10,Salary\n");
    wd.write("big.csv", &bytes);
    let err = refused(
        &wd,
        &["validate", "big.csv", "--summary-json", "s.json"],
        "big.csv: line 50002",
    );
    assert!(err.contains("--encoding"), "{err}");
}

#[test]
fn repeated_references_are_found_across_the_whole_file() {
    // The first row learns it is a duplicate only from the last one.
    let wd = Workdir::new();
    let mut text = format!("{PAYOUT_HEADER}\n");
    for i in 0..20_000 {
        text.push_str(&format!(
            "R-{i},IMPS,Asha Verma,50100234567891,HDFC0000001,1500.00,Salary\n"
        ));
    }
    text.push_str("R-0,IMPS,Asha Verma,50100234567891,HDFC0000001,1500.00,Salary\n");
    wd.write("dup.csv", text);
    let out = wd.run(&["validate", "dup.csv"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let results = read_csv(&wd.path("dup.results.csv"), b',');
    let (s, c) = (
        col(&results[0], "result_status"),
        col(&results[0], "result_error_code"),
    );
    assert_eq!(
        (results[1][s].as_str(), results[1][c].as_str()),
        ("INVALID", "1002")
    );
    assert_eq!(
        (results[20_001][s].as_str(), results[20_001][c].as_str()),
        ("INVALID", "1002")
    );
    assert!(
        results[1][col(&results[0], "result_error_message")].contains("also used on row 20002")
    );
    assert_eq!(
        results[2..20_001]
            .iter()
            .filter(|r| r[s] == "VALID")
            .count(),
        19_999
    );
    assert_eq!(
        wd.files(),
        ["dup.csv", "dup.results.csv"],
        "the first attempt's file is gone"
    );
}
