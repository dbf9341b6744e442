//! Hostile input files, through the binary: one table a reviewer can read.
//!
//! Each case writes a file nobody here would make on purpose, runs `payu-bulk validate` on it
//! the way a user would, and checks the exit code, then either the one-sentence refusal
//! (exit 2, no results file) or the row's status, code and message in the results; and, in
//! every case, that the input file is unchanged and no stray or half-written file is left.

mod common;

use std::io::Write;
use std::path::Path;

use common::{Workdir, code, col, read_csv, read_xlsx, stderr};

/// A cell of an XLSX input written by a case.
#[derive(Clone)]
enum X {
    S(String),
    N(f64),
}

fn s(t: &str) -> X {
    X::S(t.to_owned())
}

/// The file a case writes.
enum Input {
    /// Bytes, written as they are (CSV, or anything else).
    Bytes(Vec<u8>),
    /// A workbook of one sheet, row by row.
    Xlsx(Vec<Vec<X>>),
    /// Made by a function (sparse files, zip bombs).
    Made(fn(&Path)),
}

/// What a case expects.
enum Expect {
    /// The run stops before any row: exit 2, one short sentence holding each needle, no
    /// results file.
    Refused(&'static [&'static str]),
    /// The results file is written: exit `exit`, and data row `row` (0 = the first) has
    /// `status`, its codes hold `code` and its message holds each of `message`.
    Row {
        exit: i32,
        row: usize,
        status: &'static str,
        code: &'static str,
        message: &'static [&'static str],
    },
    /// As `Row`, and column `column` of that row reads `text` in the results (for XLSX
    /// results, also: a string cell).
    Cell {
        exit: i32,
        row: usize,
        column: &'static str,
        text: String,
    },
}

struct Case {
    /// Issue 14's item and what is tried.
    what: &'static str,
    file: &'static str,
    input: Input,
    /// Arguments after `validate FILE`.
    args: &'static [&'static str],
    expect: Expect,
}

const PAYOUT: &str = "merchantRefId,paymentType,beneficiaryName,beneficiaryAccountNumber,beneficiaryIfscCode,amount,purpose";

fn payout_row(reference: &str, mode: &str, amount: &str) -> String {
    format!("{reference},{mode},Asha Verma,50100234567891,HDFC0000001,\"{amount}\",Salary")
}

fn payout_csv(rows: &[(&str, &str)]) -> Input {
    let mut text = format!("{PAYOUT}\n");
    for (i, (mode, amount)) in rows.iter().enumerate() {
        text.push_str(&payout_row(&format!("R-{i}"), mode, amount));
        text.push('\n');
    }
    Input::Bytes(text.into_bytes())
}

const EUROPE: &str = "shopId;extPayoutId;amount;amountMinor;currency;foreign;account.accountNumber;account.bankName;account.swiftCode;customerAddress.name;customerAddress.street;customerAddress.city;customerAddress.countryCode;bankAddress.street;bankAddress.postalCode;bankAddress.city;bankAddress.countryCode";

fn europe_csv(row: &str) -> Input {
    Input::Bytes(format!("{EUROPE}\n{row}\n").into_bytes())
}

fn xlsx_payout(amount: X) -> Input {
    let header: Vec<X> = PAYOUT.split(',').map(s).collect();
    let mut row: Vec<X> = payout_row("R-1", "NEFT", "1")
        .split(',')
        .map(|t| s(t.trim_matches('"')))
        .collect();
    row[5] = amount;
    Input::Xlsx(vec![header, row])
}

fn cases() -> Vec<Case> {
    let too_large = &["too large", "at most 15 digits before the decimal point"][..];
    let mut cases = vec![
        // 1. Amounts the i64 fast path once wrapped: each is refused, never paid as another sum.
        Case {
            what: "1: 184467440737095617.16 (was paid as ₹101)",
            file: "wrap1.csv",
            input: payout_csv(&[("NEFT", "184467440737095617.16")]),
            args: &[],
            expect: Expect::Row {
                exit: 1,
                row: 0,
                status: "INVALID",
                code: "1006",
                message: too_large,
            },
        },
        Case {
            what: "1: 184467440737095516.17 (was paid as ₹0.01)",
            file: "wrap2.csv",
            input: payout_csv(&[("NEFT", "184467440737095516.17")]),
            args: &[],
            expect: Expect::Row {
                exit: 1,
                row: 0,
                status: "INVALID",
                code: "1006",
                message: too_large,
            },
        },
        Case {
            what: "1: 184467440737095616.16 over IMPS (was ₹100, past the IMPS limit)",
            file: "wrap3.csv",
            input: payout_csv(&[("IMPS", "184467440737095616.16")]),
            args: &[],
            expect: Expect::Row {
                exit: 1,
                row: 0,
                status: "INVALID",
                code: "1006",
                message: too_large,
            },
        },
        Case {
            what: "1: 123456789012345678.00 (was negative and VALID)",
            file: "wrap4.csv",
            input: payout_csv(&[("NEFT", "123456789012345678.00")]),
            args: &[],
            expect: Expect::Row {
                exit: 1,
                row: 0,
                status: "INVALID",
                code: "1006",
                message: too_large,
            },
        },
        Case {
            what: "1: grouped, 1,844,674,407,370,956,171.60",
            file: "wrap5.csv",
            input: payout_csv(&[("NEFT", "1,844,674,407,370,956,171.60")]),
            args: &[],
            expect: Expect::Row {
                exit: 1,
                row: 0,
                status: "INVALID",
                code: "1006",
                message: too_large,
            },
        },
        // 2. A 28-digit amount once panicked (multiplication overflow) and summed wrapped.
        Case {
            what: "2: a 28-digit amount beside a valid row",
            file: "huge.csv",
            input: payout_csv(&[("NEFT", "10.00"), ("NEFT", "9999999999999999999999999999")]),
            args: &[],
            expect: Expect::Row {
                exit: 1,
                row: 1,
                status: "INVALID",
                code: "1006",
                message: too_large,
            },
        },
        // 3. Global payout: an account number in the amount column was sent with no amount.
        Case {
            what: "3: a 26-digit global-payout amount (an account number pasted in)",
            file: "eu26.csv",
            input: europe_csv(
                "S1;E1;61109010140000071219812874;;PLN;;61109010140000071219812874;;;Jan Kowalski;;;;;;;",
            ),
            args: &[],
            expect: Expect::Row {
                exit: 1,
                row: 0,
                status: "INVALID",
                code: "8350",
                message: too_large,
            },
        },
        Case {
            what: "3: a 20-digit amountMinor",
            file: "eu-minor.csv",
            input: europe_csv(
                "S1;E1;;12345678901234567890;PLN;;61109010140000071219812874;;;Jan Kowalski;;;;;;;",
            ),
            args: &[],
            expect: Expect::Row {
                exit: 1,
                row: 0,
                status: "INVALID",
                code: "8350",
                message: &["amountMinor", "at most 17 digits"],
            },
        },
        Case {
            what: "3: past the per-row ceiling (PLN 5,000,000)",
            file: "eu-ceiling.csv",
            input: europe_csv(
                "S1;E1;5000000.01;;PLN;;61109010140000071219812874;;;Jan Kowalski;;;;;;;",
            ),
            args: &[],
            expect: Expect::Row {
                exit: 1,
                row: 0,
                status: "INVALID",
                code: "AMOUNT_CEILING",
                message: &["PLN 5000000.00", "max_row_amount"],
            },
        },
        Case {
            what: "3: amountMinor past the per-row ceiling",
            file: "eu-ceiling-minor.csv",
            input: europe_csv(
                "S1;E1;;500000001;PLN;;61109010140000071219812874;;;Jan Kowalski;;;;;;;",
            ),
            args: &[],
            expect: Expect::Row {
                exit: 1,
                row: 0,
                status: "INVALID",
                code: "AMOUNT_CEILING",
                message: &["amountMinor '500000001'"],
            },
        },
        Case {
            what: "3: payout past the per-row ceiling (₹10 crore)",
            file: "in-ceiling.csv",
            input: payout_csv(&[("NEFT", "100000000.01")]),
            args: &[],
            expect: Expect::Row {
                exit: 1,
                row: 0,
                status: "INVALID",
                code: "AMOUNT_CEILING",
                message: &["INR 100000000.00"],
            },
        },
        // 4. An IBAN country iban_validate's registry lacks, at the wrong length.
        Case {
            what: "4: a Pakistani IBAN of 22 characters (PK IBANs have 24)",
            file: "pk.csv",
            input: europe_csv(
                "S1;E1;10.00;;EUR;yes;PK36SCBL00000011234567;Bank;SCBLPKKX;Ali Khan;Main 1;Karachi;PK;Main 2;74000;Karachi;PK",
            ),
            args: &[],
            expect: Expect::Row {
                exit: 1,
                row: 0,
                status: "INVALID",
                code: "8351",
                message: &["an IBAN of PK has 24 characters, this has 22"],
            },
        },
        // 5. A recipient with no account number is not a payout to the shop's own account.
        Case {
            what: "5: a recipient named, the account number blank",
            file: "no-account.csv",
            input: europe_csv("S1;E1;10.00;;PLN;;;;;Jan Kowalski;;;;;;;"),
            args: &[],
            expect: Expect::Row {
                exit: 1,
                row: 0,
                status: "INVALID",
                code: "8301",
                message: &["account.accountNumber is empty"],
            },
        },
        // 6. A number cell has no thousands separators: 12.345 is three decimals.
        Case {
            what: "6: an XLSX number cell 12.345 in the amount column",
            file: "num.xlsx",
            input: xlsx_payout(X::N(12.345)),
            args: &[],
            expect: Expect::Row {
                exit: 1,
                row: 0,
                status: "INVALID",
                code: "1006",
                message: &["'12.345' has 3 decimals"],
            },
        },
        Case {
            what: "6: the same as text stays ambiguous (AMOUNT_FORMAT)",
            file: "text.xlsx",
            input: xlsx_payout(s("12.345")),
            args: &[],
            expect: Expect::Row {
                exit: 1,
                row: 0,
                status: "INVALID",
                code: "AMOUNT_FORMAT",
                message: &["thousands separator"],
            },
        },
    ];
    // 7. Full-width formula starters are guarded like ASCII ones.
    for (i, wide) in ["＝HYPERLINK(\"x\")", "＋91", "－5", "＠SUM(A1)"]
        .into_iter()
        .enumerate()
    {
        let csv = format!(
            "{PAYOUT},note\n{},{wide}\n",
            payout_row("R-1", "NEFT", "10")
        );
        cases.push(Case {
            what: "7: a full-width formula starter in a CSV cell gets a leading '",
            file: ["w0.csv", "w1.csv", "w2.csv", "w3.csv"][i],
            input: Input::Bytes(csv.into_bytes()),
            args: &[],
            expect: Expect::Cell {
                exit: 0,
                row: 0,
                column: "note",
                text: format!("'{wide}"),
            },
        });
    }
    let mut header: Vec<X> = PAYOUT.split(',').map(s).collect();
    header.push(s("note"));
    let mut row: Vec<X> = payout_row("R-1", "NEFT", "10")
        .split(',')
        .map(|t| s(t.trim_matches('"')))
        .collect();
    row.push(s("＝1+1"));
    cases.push(Case {
        what: "7: the same in XLSX is a string cell, as it was",
        file: "wide.xlsx",
        input: Input::Xlsx(vec![header, row]),
        args: &[],
        expect: Expect::Cell {
            exit: 0,
            row: 0,
            column: "note",
            text: "＝1+1".to_owned(),
        },
    });
    // 8. A cell longer than Excel takes: the row is INVALID, and the results workbook is
    // still written (the cell cut to fit).
    let long = "x".repeat(40_000);
    let csv = format!(
        "{PAYOUT},note\n{},{long}\n",
        payout_row("R-1", "NEFT", "10")
    );
    cases.push(Case {
        what: "8: a 40,000-character cell, results in XLSX",
        file: "long.csv",
        input: Input::Bytes(csv.clone().into_bytes()),
        args: &["-o", "long.results.xlsx"],
        expect: Expect::Row {
            exit: 1,
            row: 0,
            status: "INVALID",
            code: "CELL_TOO_LONG",
            message: &["column note is 40000 characters long", "at most 32767"],
        },
    });
    cases.push(Case {
        what: "8: ...and its cell in the results workbook is cut to 32,767 characters",
        file: "long2.csv",
        input: Input::Bytes(csv.into_bytes()),
        args: &["-o", "long2.results.xlsx"],
        expect: Expect::Cell {
            exit: 1,
            row: 0,
            column: "note",
            text: format!("{}…", "x".repeat(32_766)),
        },
    });
    // 9. Bounded work: what is read and what is echoed.
    cases.push(Case {
        what: "9: an XLSX zip bomb (120 MB of shared strings from a small file)",
        file: "bomb.xlsx",
        input: Input::Made(|p| zip_bomb(p, 120 << 20)),
        args: &[],
        expect: Expect::Refused(&[
            "shared strings",
            "xl/sharedStrings.xml",
            "at most 100 MiB",
            "zip bomb",
        ]),
    });
    cases.push(Case {
        what: "9: a 20 MB file of one line (was a 20 MB error message)",
        file: "oneline.csv",
        input: Input::Made(|p| std::fs::write(p, "a,".repeat(10 << 20)).unwrap()),
        args: &[],
        expect: Expect::Refused(&[
            "line 1 is longer than 1 MiB",
            "the longest row the tool reads",
        ]),
    });
    cases.push(Case {
        what: "9: a data row of 2 MB on one line",
        file: "longrow.csv",
        input: Input::Made(|p| {
            let row = payout_row("R-1", "NEFT", "10");
            std::fs::write(p, format!("{PAYOUT},note\n{row},{}\n", "x".repeat(2 << 20))).unwrap()
        }),
        args: &[],
        expect: Expect::Refused(&["line 2 is longer than 1 MiB"]),
    });
    cases.push(Case {
        what: "9: a row of 2 MB in one quoted cell of many lines",
        file: "longquoted.csv",
        input: Input::Made(|p| {
            let row = payout_row("R-1", "NEFT", "10");
            let cell = "x\n".repeat(1 << 20);
            std::fs::write(p, format!("{PAYOUT},note\n{row},\"{cell}\"\n")).unwrap()
        }),
        args: &[],
        expect: Expect::Refused(&["the row starting on line 2 is longer than 1 MiB"]),
    });
    cases.push(Case {
        what: "9: a header of 2,000 columns",
        file: "wide.csv",
        input: Input::Made(|p| {
            let header: Vec<String> = (0..2000).map(|i| format!("c{i}")).collect();
            std::fs::write(p, format!("{PAYOUT},{}\n", header.join(","))).unwrap()
        }),
        args: &[],
        expect: Expect::Refused(&["the header has 2007 columns; the tool reads at most 1024"]),
    });
    cases.push(Case {
        what: "9: a CSV file past 1 GiB (sparse)",
        file: "huge.csv",
        input: Input::Made(|p| {
            let f = std::fs::File::create(p).unwrap();
            f.set_len((1 << 30) + 1).unwrap();
        }),
        args: &[],
        expect: Expect::Refused(&["the tool reads files of at most 1 GiB"]),
    });
    cases.push(Case {
        what: "9: an XLSX value in column 20,000",
        file: "farcol.xlsx",
        input: Input::Made(|p| {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let sheet = wb.add_worksheet();
            for (c, h) in PAYOUT.split(',').enumerate() {
                sheet.write_string(0, c as u16, h).unwrap();
            }
            for (c, v) in payout_row("R-1", "NEFT", "10").split(',').enumerate() {
                sheet
                    .write_string(1, c as u16, v.trim_matches('"'))
                    .unwrap();
            }
            // Within Excel's 16,384 columns, past the tool's 1,024.
            sheet.write_string(1, 16_000, "far").unwrap();
            wb.save(p).unwrap();
        }),
        args: &[],
        expect: Expect::Refused(&[
            "has a value in row 2 column 16001, past the 1024 columns the tool reads",
        ]),
    });
    // 8. A number cell no workbook program writes (`inf`): the results workbook is still
    // written, the cell as its text.
    cases.push(Case {
        what: "8: an XLSX number cell holding inf, results in XLSX",
        file: "inf.xlsx",
        input: Input::Made(|p| {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let sheet = wb.add_worksheet();
            for (c, h) in PAYOUT.split(',').chain(["note"]).enumerate() {
                sheet.write_string(0, c as u16, h).unwrap();
            }
            for (c, v) in payout_row("R-1", "NEFT", "10").split(',').enumerate() {
                sheet
                    .write_string(1, c as u16, v.trim_matches('"'))
                    .unwrap();
            }
            sheet.write_number(1, 7, 987654.5).unwrap();
            wb.save(p).unwrap();
            edit_part(
                p,
                "xl/worksheets/sheet1.xml",
                "<v>987654.5</v>",
                "<v>inf</v>",
            );
        }),
        args: &[],
        expect: Expect::Cell {
            exit: 0,
            row: 0,
            column: "note",
            text: "inf".to_owned(),
        },
    });
    // A long value is quoted cut, so that a message stays short.
    let account = "1".repeat(5_000);
    let csv = format!("{PAYOUT}\nR-1,NEFT,Asha Verma,{account},HDFC0000001,10,Salary\n");
    cases.push(Case {
        what: "9: a 5,000-digit account number is quoted cut to 60 characters",
        file: "longacct.csv",
        input: Input::Bytes(csv.into_bytes()),
        args: &[],
        expect: Expect::Row {
            exit: 1,
            row: 0,
            status: "INVALID",
            code: "1004",
            message: &["'111111111111111111111111111111111111111111111111111111111111…'"],
        },
    });
    cases
}

/// A file's bytes; for a file too large to read in a test, its length and time.
fn fingerprint(path: &Path) -> (Vec<u8>, u64, Option<std::time::SystemTime>) {
    let meta = std::fs::metadata(path).expect("the input is there");
    if meta.len() > 64 << 20 {
        (Vec::new(), meta.len(), meta.modified().ok())
    } else {
        (
            std::fs::read(path).expect("read the input"),
            meta.len(),
            None,
        )
    }
}

/// A valid payout workbook whose shared strings part is replaced by `expanded` bytes of
/// XML (strings of `a`) that compress to almost nothing: a zip bomb.
fn zip_bomb(path: &Path, expanded: usize) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheet = wb.add_worksheet();
    for (c, h) in PAYOUT.split(',').enumerate() {
        sheet.write_string(0, c as u16, h).unwrap();
    }
    let small = wb.save_to_buffer().unwrap();
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(small)).unwrap();
    let mut zout = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .large_file(expanded > u32::MAX as usize);
    for i in 0..zin.len() {
        let name = zin.by_index(i).unwrap().name().unwrap().into_owned();
        if name == "xl/sharedStrings.xml" {
            continue;
        }
        zout.raw_copy_file(zin.by_index_raw(i).unwrap()).unwrap();
    }
    zout.start_file("xl/sharedStrings.xml", deflated).unwrap();
    let head = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">";
    zout.write_all(head).unwrap();
    let one = b"<si><t>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</t></si>";
    let block = one.repeat((1 << 20) / one.len());
    let mut written = head.len();
    while written < expanded {
        zout.write_all(&block).unwrap();
        written += block.len();
    }
    zout.write_all(b"</sst>").unwrap();
    zout.finish().unwrap();
}

/// Rewrites the workbook at `path` with `from` replaced by `to` in its part `part`: XML
/// no spreadsheet program would write.
fn edit_part(path: &Path, part: &str, from: &str, to: &str) {
    let bytes = std::fs::read(path).unwrap();
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut zout = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..zin.len() {
        let name = zin.by_index(i).unwrap().name().unwrap().into_owned();
        if name != part {
            zout.raw_copy_file(zin.by_index_raw(i).unwrap()).unwrap();
            continue;
        }
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut zin.by_index(i).unwrap(), &mut xml).unwrap();
        assert!(xml.contains(from), "{part} holds {from}");
        zout.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zout.write_all(xml.replace(from, to).as_bytes()).unwrap();
    }
    zout.finish().unwrap();
}

/// Writes the case's file, runs it, and says what is wrong, if anything.
fn run(case: &Case) -> Result<(), String> {
    let wd = Workdir::new();
    let path = wd.path(case.file);
    match &case.input {
        Input::Bytes(b) => std::fs::write(&path, b).map_err(|e| e.to_string())?,
        Input::Xlsx(rows) => {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let sheet = wb.add_worksheet();
            for (r, row) in rows.iter().enumerate() {
                for (c, cell) in row.iter().enumerate() {
                    let (r, c) = (r as u32, c as u16);
                    match cell {
                        X::S(t) => sheet.write_string(r, c, t).map(|_| ()),
                        X::N(n) => sheet.write_number(r, c, *n).map(|_| ()),
                    }
                    .map_err(|e| e.to_string())?;
                }
            }
            wb.save(&path).map_err(|e| e.to_string())?;
        }
        Input::Made(make) => make(&path),
    }
    let before = fingerprint(&path);
    let mut args = vec!["validate", case.file];
    args.extend_from_slice(case.args);
    let out = wd.run(&args);
    let err = stderr(&out);
    if fingerprint(&path) != before {
        return Err("the input file changed".into());
    }
    if err.contains("panicked") || code(&out) == 101 {
        return Err(format!("it panicked: {err}"));
    }
    let results = match case.args {
        ["-o", p] => p.to_string(),
        _ => {
            let (stem, ext) = case.file.rsplit_once('.').unwrap_or((case.file, "csv"));
            format!("{stem}.results.{ext}")
        }
    };
    let expected_files = |with_results: bool| {
        let mut f = vec![case.file.to_owned()];
        if with_results {
            f.push(results.clone());
        }
        f.sort();
        f
    };
    let (exit, row) = match &case.expect {
        Expect::Refused(needles) => {
            if code(&out) != 2 {
                return Err(format!("exit {} (not 2): {err}", code(&out)));
            }
            if err.trim().lines().count() != 1 || err.len() > 600 {
                return Err(format!(
                    "not one short sentence ({} bytes): {err:.600}",
                    err.len()
                ));
            }
            if let Some(n) = needles.iter().find(|n| !err.contains(*n)) {
                return Err(format!("the refusal does not say {n:?}: {err}"));
            }
            if wd.files() != expected_files(false) {
                return Err(format!("files left: {:?}", wd.files()));
            }
            return Ok(());
        }
        Expect::Row { exit, row, .. } | Expect::Cell { exit, row, .. } => (*exit, *row),
    };
    if code(&out) != exit {
        return Err(format!("exit {} (not {exit}): {err:.2000}", code(&out)));
    }
    if wd.files() != expected_files(true) {
        return Err(format!("files: {:?}", wd.files()));
    }
    let rp = wd.path(&results);
    let table: Vec<Vec<(String, bool)>> = if results.ends_with(".xlsx") {
        read_xlsx(&rp)
    } else {
        read_csv(
            &rp,
            if case.file.starts_with("eu")
                || case.file.starts_with("pk")
                || case.file.starts_with("no-")
            {
                b';'
            } else {
                b','
            },
        )
        .into_iter()
        .map(|r| r.into_iter().map(|c| (c, true)).collect())
        .collect()
    };
    let header: Vec<String> = table[0].iter().map(|c| c.0.clone()).collect();
    let line = table
        .get(row + 1)
        .ok_or("the row is missing from the results")?;
    let cell = |name: &str| line.get(col(&header, name)).cloned().unwrap_or_default();
    match &case.expect {
        Expect::Row {
            status,
            code: want,
            message,
            ..
        } => {
            let (st, codes, msg) = (
                cell("result_status").0,
                cell("result_error_code").0,
                cell("result_error_message").0,
            );
            if st != *status || !codes.split(';').any(|c| c == *want) {
                return Err(format!("{st} {codes} (not {status} {want}): {msg}"));
            }
            if let Some(n) = message.iter().find(|n| !msg.contains(*n)) {
                return Err(format!("the message does not say {n:?}: {msg:.2000}"));
            }
            if msg.chars().count() > 1_000 {
                return Err(format!(
                    "the message is {} characters long",
                    msg.chars().count()
                ));
            }
        }
        Expect::Cell { column, text, .. } => {
            let (got, string) = cell(column);
            if &got != text || !string {
                return Err(format!(
                    "{column} reads {:.80?} (string cell: {string}), not {:.80?}",
                    got, text
                ));
            }
        }
        Expect::Refused(_) => unreachable!("handled above"),
    }
    Ok(())
}

#[test]
fn every_hostile_file_gets_a_clear_answer_and_nothing_is_lost() {
    let failures: Vec<String> = cases()
        .iter()
        .filter_map(|c| run(c).err().map(|why| format!("{}: {why}", c.what)))
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn a_wrapped_or_huge_amount_never_reaches_the_summary() {
    let wd = Workdir::new();
    let rows = format!(
        "{PAYOUT}\n{}\n{}\n{}\n",
        payout_row("R-1", "NEFT", "10.00"),
        payout_row("R-2", "NEFT", "9999999999999999999999999999"),
        payout_row("R-3", "NEFT", "184467440737095617.16"),
    );
    wd.write("sum.csv", rows);
    let out = wd.run(&["validate", "sum.csv", "--summary-json", "s.json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(wd.path("s.json")).unwrap()).unwrap();
    assert_eq!(s["amount_by_status"]["VALID"], "10.00");
    assert!(s["amount_by_status"].get("INVALID").is_none(), "{s}");
    assert!(!stderr(&out).contains('-'), "{}", stderr(&out));
}

/// Runs `payu-bulk` in `dir` and returns its exit code, its stderr and its peak memory
/// (maximum resident set, in kilobytes), as the kernel measured it for that process alone.
// The child is reaped by `wait4`, which also gives its peak memory; `Child::wait` would not.
#[allow(clippy::zombie_processes)]
fn run_measured(dir: &Path, args: &[&str]) -> (i32, String, i64) {
    use std::io::Read;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_payu-bulk"))
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run payu-bulk");
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr is piped")
        .read_to_string(&mut err)
        .expect("read stderr");
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill in; the pid is our child's,
    // not yet reaped.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t, "wait4 reaps the child");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    (code, err, usage.ru_maxrss)
}

/// The most memory one run may take, in kilobytes. A million-row CSV takes 30 MB; the zip
/// bomb of issue 14 took 530 MB.
const MEMORY_BOUND_KB: i64 = 256 * 1024;

#[test]
fn a_zip_bomb_is_refused_before_it_takes_the_memory() {
    let wd = Workdir::new();
    zip_bomb(&wd.path("bomb.xlsx"), 512 << 20);
    let (exit, err, kb) = run_measured(&wd.path(""), &["validate", "bomb.xlsx"]);
    assert_eq!(exit, 2, "{err}");
    assert!(err.contains("at most 100 MiB"), "{err}");
    assert!(kb < 64 * 1024, "peak memory {kb} kB");
    assert_eq!(wd.files(), ["bomb.xlsx"]);
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    /// Header names: every kind's fields, names people use, and junk.
    const HEADERS: &[&str] = &[
        "merchantRefId",
        "paymentType",
        "beneficiaryName",
        "beneficiaryAccountNumber",
        "beneficiaryIfscCode",
        "amount",
        "purpose",
        "vpa",
        "custName",
        "custMobile",
        "custEmail",
        "description",
        "shopId",
        "extPayoutId",
        "amountMinor",
        "payoutAll",
        "currency",
        "foreign",
        "account.accountNumber",
        "customerAddress.name",
        "card.number",
        "Reference",
        "Amount",
        "note",
        "",
        "＝x",
    ];

    /// Cell values that have broken things, and ordinary ones.
    fn cell() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            Just(" ".to_owned()),
            Just("R-1".to_owned()),
            Just("IMPS".to_owned()),
            Just("UPI".to_owned()),
            Just("HDFC0000001".to_owned()),
            Just("50100234567891".to_owned()),
            Just("Asha Verma".to_owned()),
            Just("10.00".to_owned()),
            Just("1,23,456.00".to_owned()),
            Just("184467440737095617.16".to_owned()),
            Just("9999999999999999999999999999".to_owned()),
            Just("12.345".to_owned()),
            Just("-5".to_owned()),
            Just("＝1+1".to_owned()),
            Just("=HYPERLINK(\"x\")".to_owned()),
            Just("61109010140000071219812874".to_owned()),
            Just("PK36SCBL0000001123456702".to_owned()),
            Just("EUR".to_owned()),
            Just("yes".to_owned()),
            Just("x".repeat(300)),
            "\\PC{0,12}",
            "[0-9.,]{0,30}",
            "[ -~\n\"]{0,20}",
        ]
    }

    #[derive(Debug, Clone)]
    enum Made {
        /// Any bytes, named .csv.
        Bytes(Vec<u8>),
        /// A CSV: header, rows, delimiter, CRLF, BOM, and a 40,000-character cell or not.
        Csv(Vec<String>, Vec<Vec<String>>, u8, bool, bool, bool),
        /// A workbook: header, rows (numbers where a cell reads as one, if `numbers`).
        Xlsx(Vec<String>, Vec<Vec<String>>, bool),
        /// A workbook with some of its bytes overwritten, or cut short.
        Broken(
            Vec<String>,
            Vec<Vec<String>>,
            Vec<(usize, u8)>,
            Option<usize>,
        ),
    }

    const SMART_SEND: &str = "merchantRefId,amount,custName,custMobile,custEmail,description";

    /// A header of one kind's columns with a few more, and rows mostly as wide as it.
    fn sheet() -> impl Strategy<Value = (Vec<String>, Vec<Vec<String>>)> {
        (
            proptest::sample::select(&[PAYOUT, EUROPE, SMART_SEND][..]),
            proptest::collection::vec(proptest::sample::select(HEADERS), 0..3),
            proptest::collection::vec(
                (
                    proptest::collection::vec(cell(), 0..30),
                    proptest::bool::weighted(0.85),
                ),
                0..8,
            ),
        )
            .prop_map(|(base, extra, rows)| {
                let delimiter = if base.contains(';') { ';' } else { ',' };
                let mut h: Vec<String> = base.split(delimiter).map(str::to_owned).collect();
                h.extend(extra.into_iter().map(str::to_owned));
                let rows = rows
                    .into_iter()
                    .map(|(mut r, fit)| {
                        if fit {
                            r.resize(h.len(), String::new());
                        }
                        r
                    })
                    .collect();
                (h, rows)
            })
    }

    fn made() -> impl Strategy<Value = Made> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..2048).prop_map(Made::Bytes),
            (
                sheet(),
                proptest::sample::select(&b",;\t"[..]),
                any::<bool>(),
                any::<bool>(),
                proptest::bool::weighted(0.1)
            )
                .prop_map(|((h, r), d, crlf, bom, long)| Made::Csv(h, r, d, crlf, bom, long)),
            (sheet(), any::<bool>()).prop_map(|((h, r), n)| Made::Xlsx(h, r, n)),
            (
                sheet(),
                proptest::collection::vec((any::<usize>(), any::<u8>()), 0..8),
                proptest::option::of(any::<usize>())
            )
                .prop_map(|((h, r), flips, cut)| Made::Broken(h, r, flips, cut)),
        ]
    }

    fn xlsx(header: &[String], rows: &[Vec<String>], numbers: bool) -> Vec<u8> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let sheet = wb.add_worksheet();
        for (r, row) in std::iter::once(header)
            .chain(rows.iter().map(Vec::as_slice))
            .enumerate()
        {
            for (c, t) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match t.parse::<f64>() {
                    Ok(n) if numbers && r > 0 && n.is_finite() => {
                        sheet.write_number(r, c, n).map(|_| ())
                    }
                    _ => sheet.write_string(r, c, t).map(|_| ()),
                }
                .expect("write a cell");
            }
        }
        wb.save_to_buffer().expect("a workbook")
    }

    fn blank(row: &[String]) -> bool {
        row.iter().all(|c| c.trim().is_empty())
    }

    /// The file's name and bytes, and how many data rows the results must have (when the
    /// file is well formed enough to know).
    fn write(made: &Made) -> (&'static str, Vec<u8>, Option<usize>) {
        match made {
            Made::Bytes(b) => ("in.csv", b.clone(), None),
            Made::Csv(h, rows, d, crlf, bom, long) => {
                let mut w = csv::WriterBuilder::new()
                    .delimiter(*d)
                    .flexible(true)
                    .terminator(if *crlf {
                        csv::Terminator::CRLF
                    } else {
                        csv::Terminator::Any(b'\n')
                    })
                    .from_writer(Vec::new());
                w.write_record(h).expect("a header");
                let mut rows = rows.clone();
                if *long && let Some(r) = rows.first_mut() {
                    r.push("y".repeat(40_000));
                }
                for r in &rows {
                    w.write_record(r).expect("a row");
                }
                let mut bytes = if *bom {
                    b"\xEF\xBB\xBF".to_vec()
                } else {
                    Vec::new()
                };
                bytes.extend(w.into_inner().expect("the CSV"));
                let data = rows.iter().filter(|r| !blank(r)).count();
                ("in.csv", bytes, Some(data))
            }
            Made::Xlsx(h, rows, numbers) => {
                let data = rows.iter().filter(|r| !blank(r)).count();
                ("in.xlsx", xlsx(h, rows, *numbers), Some(data))
            }
            Made::Broken(h, rows, flips, cut) => {
                let mut b = xlsx(h, rows, false);
                for (at, byte) in flips {
                    let i = at % b.len();
                    b[i] = *byte;
                }
                if let Some(cut) = cut {
                    b.truncate(cut % (b.len() + 1));
                }
                ("in.xlsx", b, None)
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

        /// Whatever the file, `validate` never panics, stays within the memory bound, and
        /// writes a complete results file (exit 0 or 1: one row per data row, each with a
        /// status; exit 1 exactly when one is INVALID) or none at all (exit 2); the input
        /// is never touched and nothing else is left behind.
        #[test]
        fn validate_never_panics_and_writes_all_or_nothing(made in made(), xlsx_out in any::<bool>()) {
            let wd = Workdir::new();
            let (name, bytes, rows) = write(&made);
            std::fs::write(wd.path(name), &bytes).expect("write the input");
            let out = if xlsx_out { "r.xlsx" } else { "r.csv" };
            let (exit, err, kb) = run_measured(&wd.path(""), &["validate", name, "-o", out]);
            prop_assert!(!err.contains("panicked"), "{}", err);
            prop_assert!(kb < MEMORY_BOUND_KB, "peak memory {} kB", kb);
            prop_assert_eq!(std::fs::read(wd.path(name)).expect("the input"), bytes);
            match exit {
                2 => {
                    prop_assert_eq!(wd.files(), vec![name.to_owned()]);
                    prop_assert!(err.trim().lines().count() == 1 && err.len() < 2000, "{}", err);
                }
                0 | 1 => {
                    let mut files = vec![name.to_owned(), out.to_owned()];
                    files.sort();
                    prop_assert_eq!(wd.files(), files);
                    let table: Vec<Vec<String>> = if xlsx_out {
                        read_xlsx(&wd.path(out)).into_iter().map(|r| r.into_iter().map(|c| c.0).collect()).collect()
                    } else {
                        let delimiter = match &made { Made::Csv(h, _, d, ..) if h.len() > 1 => *d, _ => b',' };
                        read_csv(&wd.path(out), delimiter)
                    };
                    let header = &table[0];
                    let (n, st) = (col(header, "result_row"), col(header, "result_status"));
                    let mut last = 0u64;
                    let mut invalid = false;
                    for row in &table[1..] {
                        let number: u64 = row[n].parse().expect("a row number");
                        prop_assert!(number > last, "rows in order");
                        last = number;
                        prop_assert!(row[st] == "VALID" || row[st] == "INVALID", "{:?}", row[st]);
                        invalid |= row[st] == "INVALID";
                    }
                    prop_assert_eq!(exit == 1, invalid);
                    if let Some(rows) = rows {
                        prop_assert_eq!(table.len() - 1, rows, "one result per data row");
                    }
                }
                other => prop_assert!(false, "exit {}: {}", other, err),
            }
        }
    }
}

/// Through `submit` against the sandbox, with a config whose ceiling is PLN 100: the
/// account number in the amount column and the row past the ceiling are INVALID and never
/// sent; the one valid row is sent with its amount, in grosz.
#[test]
fn submit_sends_no_row_without_its_exact_amount() {
    let wd = Workdir::new();
    let sb = common::Sandbox::start(&[]);
    wd.write(
        "payu.toml",
        r#"
env = "production"
[max_row_amount]
PLN = 100
[environments.production.europe]
pos_id = "300746"
client_secret = { env = "T_EUROPE_SECRET" }
shop_id = "n7Cd7y1U"
"#,
    );
    let sheet = "extPayoutId;amount;currency;account.accountNumber;customerAddress.name\n\
                 H-1;10.25;PLN;61109010140000071219812874;Jan Kowalski\n\
                 H-2;61109010140000071219812874;PLN;61109010140000071219812874;Jan Kowalski\n\
                 H-3;100.01;PLN;61109010140000071219812874;Jan Kowalski\n\
                 H-4;20.00;PLN;;Jan Kowalski\n";
    wd.write("eu.csv", sheet);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_payu-bulk"))
        .args([
            "submit",
            "eu.csv",
            "--config",
            "payu.toml",
            "--base-url",
            &sb.url,
        ])
        .args([
            "--journal",
            "j.sqlite",
            "--yes",
            "--skip-invalid",
            "--quiet",
            "--wait",
            "5s",
        ])
        .current_dir(wd.path(""))
        .env("T_EUROPE_SECRET", "2ee86a66e5d97e3fadc400c9f19b065d")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run payu-bulk submit");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(wd.path("eu.csv")).unwrap(), sheet);
    let table = read_csv(&wd.path("eu.results.csv"), b';');
    let (st, cd) = (
        col(&table[0], "result_status"),
        col(&table[0], "result_error_code"),
    );
    let got: Vec<(&str, &str)> = table[1..]
        .iter()
        .map(|r| (r[st].as_str(), r[cd].as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("SUCCESS", ""),
            ("INVALID", "8350"),
            ("INVALID", "AMOUNT_CEILING"),
            ("INVALID", "8301"),
        ]
    );
    let ledger = sb.ledger();
    assert_eq!(ledger.len(), 1, "{ledger:?}");
    assert_eq!(ledger[0]["reference"], "H-1");
    assert_eq!(ledger[0]["amount"], "1025");
}
