//! The results a person acts on (architecture.md §4.2): the XLSX workbook read back (its autofilter,
//! frozen header, fitted widths, status fills and Summary sheet), `--report`, and the
//! `result_utr` and `result_retry` columns for every status against the sandbox.

mod common;

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::{Sandbox, Workdir, code, col, read_csv, read_xlsx, stderr};

/// The text of one part of an XLSX file (`xl/worksheets/sheet1.xml`, `xl/styles.xml`).
fn part(path: &Path, name: &str) -> String {
    let file = std::fs::File::open(path).expect("open the workbook");
    let mut zip = zip::ZipArchive::new(file).expect("an XLSX is a zip");
    let mut text = String::new();
    zip.by_name(name)
        .unwrap_or_else(|_| panic!("no {name} in {}", path.display()))
        .read_to_string(&mut text)
        .expect("a text part");
    text
}

/// The value of `attr` in an XML start tag's text.
fn attr<'a>(tag: &'a str, attr: &str) -> Option<&'a str> {
    let key = format!(" {attr}=\"");
    let at = tag.find(&key)? + key.len();
    tag[at..].split('"').next()
}

/// Every start tag named `name` in `xml`, as the text between `<` and `>`.
fn tags<'a>(xml: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name}");
    xml.match_indices(&open)
        .filter(|(i, _)| matches!(xml.as_bytes().get(i + open.len()), Some(b' ' | b'>' | b'/')))
        .map(|(i, _)| {
            let rest = &xml[i..];
            &rest[..rest.find('>').unwrap() + 1]
        })
        .collect()
}

/// The inner text of the first element `name` in `xml`.
fn element<'a>(xml: &'a str, name: &str) -> &'a str {
    let start = xml
        .find(&format!("<{name}>"))
        .or_else(|| xml.find(&format!("<{name} ")))
        .unwrap_or_else(|| panic!("no <{name}>"));
    let body = &xml[start..];
    let end = body.find(&format!("</{name}>")).unwrap();
    &body[..end]
}

/// The styles of a workbook: for each cell format (`s` of a cell), its fill colour (ARGB,
/// none for no fill) and whether its font is bold.
fn cell_styles(book: &Path) -> Vec<(Option<String>, bool)> {
    let styles = part(book, "xl/styles.xml");
    let fills: Vec<Option<String>> = element(&styles, "fills")
        .split("<fill>")
        .skip(1)
        .map(|f| {
            tags(f, "fgColor")
                .first()
                .and_then(|t| attr(t, "rgb"))
                .map(str::to_owned)
        })
        .collect();
    let fonts: Vec<bool> = element(&styles, "fonts")
        .split("<font>")
        .skip(1)
        .map(|f| f.contains("<b/>"))
        .collect();
    tags(element(&styles, "cellXfs"), "xf")
        .iter()
        .map(|xf| {
            let fill = attr(xf, "fillId").map_or(0, |n| n.parse().unwrap());
            let font = attr(xf, "fontId").map_or(0, |n| n.parse().unwrap());
            (fills[fill].clone(), fonts[font])
        })
        .collect()
}

/// The differential formats of a workbook (what conditional formats apply): each one's fill
/// colour (ARGB) and whether its font is bold.
fn dxf_fills(book: &Path) -> Vec<(String, bool)> {
    let styles = part(book, "xl/styles.xml");
    element(&styles, "dxfs")
        .split("<dxf>")
        .skip(1)
        .map(|d| {
            let fill = tags(d, "bgColor")
                .first()
                .and_then(|t| attr(t, "rgb"))
                .unwrap_or("")
                .to_owned();
            (fill, d.contains("<b/>"))
        })
        .collect()
}

/// The style index of every cell of a sheet's XML, by reference (`P2`).
fn cell_style_ids(sheet: &str) -> HashMap<String, usize> {
    tags(sheet, "c")
        .iter()
        .map(|c| {
            (
                attr(c, "r").unwrap().to_owned(),
                attr(c, "s").map_or(0, |s| s.parse().unwrap()),
            )
        })
        .collect()
}

/// A column's letters (0 → A, 26 → AA).
fn letters(mut col: usize) -> String {
    let mut s = String::new();
    loop {
        s.insert(0, (b'A' + (col % 26) as u8) as char);
        if col < 26 {
            return s;
        }
        col = col / 26 - 1;
    }
}

/// The widths `<cols>` gives each column (0-based).
fn widths(sheet: &str) -> HashMap<usize, f64> {
    let mut out = HashMap::new();
    for c in tags(element(sheet, "cols"), "col") {
        let min: usize = attr(c, "min").unwrap().parse().unwrap();
        let max: usize = attr(c, "max").unwrap().parse().unwrap();
        let w: f64 = attr(c, "width").unwrap().parse().unwrap();
        for i in min..=max {
            out.insert(i - 1, w);
        }
    }
    out
}

/// The Summary sheet as rows of text.
fn summary_sheet(book: &Path) -> Vec<Vec<String>> {
    let mut wb: Xlsx<_> = open_workbook(book).expect("open the workbook");
    assert_eq!(wb.sheet_names(), ["results", "Summary"]);
    let range = wb.worksheet_range("Summary").expect("a Summary sheet");
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    Data::Float(f) => f.to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

/// The row of the Summary sheet whose first cell is `label`, and those after it.
fn from_label<'a>(summary: &'a [Vec<String>], label: &str) -> &'a [Vec<String>] {
    let at = summary
        .iter()
        .position(|r| r.first().is_some_and(|c| c == label))
        .unwrap_or_else(|| panic!("no {label} in the Summary: {summary:?}"));
    &summary[at..]
}

#[test]
fn an_xlsx_results_file_is_a_workbook_to_act_on() {
    let w = Workdir::new();
    w.copy("samples/payout.csv", "payout.csv");
    let out = w.run(&[
        "validate",
        "payout.csv",
        "-o",
        "results.xlsx",
        "--summary-json",
        "summary.json",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let book = w.path("results.xlsx");
    let rows: Vec<Vec<String>> = read_xlsx(&book)
        .into_iter()
        .map(|r| r.into_iter().map(|(t, _)| t).collect())
        .collect();
    let header = &rows[0];
    let n_cols = header.len();
    assert_eq!(
        header[n_cols - 8..],
        payu_bulk::report::RESULT_COLUMNS.map(str::to_owned)
    );
    let last = format!("{}{}", letters(n_cols - 1), rows.len());
    let sheet = part(&book, "xl/worksheets/sheet1.xml");

    // The header is frozen, and the filter covers every column and row.
    let pane = tags(&sheet, "pane");
    assert_eq!(pane.len(), 1, "{sheet:.600}");
    assert_eq!(attr(pane[0], "ySplit"), Some("1"));
    assert_eq!(attr(pane[0], "state"), Some("frozen"));
    let filter = tags(&sheet, "autoFilter");
    assert_eq!(filter.len(), 1);
    assert_eq!(attr(filter[0], "ref"), Some(format!("A1:{last}").as_str()));
    // Printed landscape, one page across.
    let setup = tags(&sheet, "pageSetup");
    assert_eq!(attr(setup[0], "orientation"), Some("landscape"));
    assert_eq!(attr(setup[0], "fitToHeight"), Some("0"));

    // Widths fit the content: every column at least as wide as its header and its widest
    // cell, capped; the messages reach the cap.
    let widths = widths(&sheet);
    let cap = f64::from(payu_bulk::report::MAX_WIDTH) + 1.0;
    for (c, h) in header.iter().enumerate() {
        let widest = rows
            .iter()
            .map(|r| r.get(c).map_or(0, |t| t.chars().count()))
            .max()
            .unwrap();
        let w = widths[&c];
        assert!(w <= cap, "{h}: {w}");
        assert!(
            w >= (widest as f64).min(cap - 1.0),
            "{h}: width {w} for {widest} characters"
        );
    }
    let message = col(header, "result_error_message");
    assert!(widths[&message] > cap - 1.0, "{}", widths[&message]);
    assert!(widths[&col(header, "result_row")] < 20.0);

    // The header is bold.
    let styles = cell_styles(&book);
    let ids = cell_style_ids(&sheet);
    for c in 0..n_cols {
        assert!(
            styles[ids[&format!("{}1", letters(c))]].1,
            "header {c} bold"
        );
    }
    // Each status cell is filled by its status: one conditional format per status over the
    // whole result_status column, each a light fill with dark bold text.
    let status = col(header, "result_status");
    let s_col = letters(status);
    let formatting = tags(&sheet, "conditionalFormatting");
    assert_eq!(formatting.len(), 1, "{sheet:.3000}");
    assert_eq!(
        attr(formatting[0], "sqref"),
        Some(format!("{s_col}2:{s_col}{}", rows.len()).as_str())
    );
    let dxfs = dxf_fills(&book);
    let rules = element(&sheet, "conditionalFormatting");
    let fill_of: HashMap<String, (String, bool)> = rules
        .split("<cfRule ")
        .skip(1)
        .map(|rule| {
            let dxf: usize = attr(&format!(" {rule}"), "dxfId").unwrap().parse().unwrap();
            assert_eq!(attr(&format!(" {rule}"), "operator"), Some("equal"));
            let value = element(rule, "formula")
                .trim_start_matches("<formula>")
                .trim_matches('"')
                .to_owned();
            (value, dxfs[dxf].clone())
        })
        .collect();
    let want = [
        ("SUCCESS", "FFC6EFCE"),
        ("VALID", "FFC6EFCE"),
        ("FAILED", "FFFFC7CE"),
        ("INVALID", "FFFFC7CE"),
        ("PENDING", "FFFFEB9C"),
        ("UNKNOWN", "FFFFEB9C"),
        ("NOT_SENT", "FFD9D9D9"),
    ];
    assert_eq!(fill_of.len(), want.len());
    for (st, fill) in want {
        assert_eq!(fill_of[st], (fill.to_owned(), true), "{st}");
    }
    let mut seen = HashMap::new();
    for r in &rows[1..] {
        assert!(fill_of.contains_key(&r[status]), "{}", r[status]);
        *seen.entry(r[status].clone()).or_insert(0u64) += 1;
    }
    assert_eq!(seen.len(), 2, "both statuses in the sample");
    // An identifier column is Text, its cells strings.
    let account = col(header, "Account No");
    let cols_xml = tags(element(&sheet, "cols"), "col");
    let account_col = cols_xml
        .iter()
        .find(|c| attr(c, "min").unwrap().parse::<usize>().unwrap() == account + 1)
        .unwrap();
    assert!(attr(account_col, "style").is_some());

    // The Summary sheet's figures are the rows'.
    let summary = summary_sheet(&book);
    let value = |label: &str| from_label(&summary, label)[0][1].clone();
    assert_eq!(value("Rows"), (rows.len() - 1).to_string());
    assert_eq!(value("Kind"), "payout");
    assert_eq!(value("Input file"), "payout.csv");
    assert_eq!(value("Environment"), "none: validate sends nothing");
    assert_eq!(value("Requests made"), "0");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path("summary.json")).unwrap()).unwrap();
    assert_eq!(value("Started (UTC)"), json["started_at"]);
    let by_status = from_label(&summary, "Status");
    for (st, n) in &seen {
        let line = by_status
            .iter()
            .find(|r| &r[0] == st)
            .unwrap_or_else(|| panic!("{st} in the Summary"));
        assert_eq!(line[1], n.to_string(), "{st}");
        assert_eq!(line[2], json["amount_by_status"][st], "{st}");
        assert_eq!(line[3], "INR");
    }
    let total = by_status.iter().find(|r| r[0] == "Total").unwrap();
    assert_eq!(total[1], (rows.len() - 1).to_string());

    // The most frequent codes, counted once per row, with their meaning.
    let codes_col = col(header, "result_error_code");
    let mut counts: HashMap<String, u64> = HashMap::new();
    for r in &rows[1..] {
        let mut row_codes: Vec<&str> = r[codes_col].split(';').filter(|c| !c.is_empty()).collect();
        row_codes.sort_unstable();
        row_codes.dedup();
        for c in row_codes {
            *counts.entry(c.to_owned()).or_default() += 1;
        }
    }
    let mut expected: Vec<(String, u64)> = counts.into_iter().collect();
    expected.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    expected.truncate(10);
    let listed: Vec<(String, u64)> = from_label(&summary, "Code")[1..]
        .iter()
        .take_while(|r| !r[0].is_empty())
        .map(|r| (r[0].clone(), r[1].parse().unwrap()))
        .collect();
    assert_eq!(listed, expected);
    for r in &from_label(&summary, "Code")[1..=listed.len()] {
        assert_eq!(r[2], payu_bulk::report::codes::meaning(&r[0]));
        assert!(!r[2].is_empty(), "{}", r[0]);
    }
    assert_eq!(listed[0], ("1006".to_owned(), 6), "the sample's amounts");
    assert_eq!(from_label(&summary, "1006")[0][2], "invalid amount");
}

#[test]
fn report_writes_the_workbook_beside_csv_results_and_refuses_other_names() {
    let w = Workdir::new();
    w.copy("samples/payout.csv", "payout.csv");
    let out = w.run(&["validate", "payout.csv", "--report", "report.xlsx"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let csv = read_csv(&w.path("payout.results.csv"), b',');
    let book: Vec<Vec<String>> = read_xlsx(&w.path("report.xlsx"))
        .into_iter()
        .map(|r| r.into_iter().map(|(t, _)| t).collect())
        .collect();
    assert_eq!(csv.len(), book.len());
    for (a, b) in csv.iter().zip(&book) {
        // A CSV guards a formula-like cell with a `'`; in XLSX it is a string cell as it is.
        let a: Vec<&str> = a
            .iter()
            .map(|c| match c.strip_prefix('\'') {
                Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
                _ => c.as_str(),
            })
            .collect();
        // Trailing empty cells do not exist in a sheet.
        assert_eq!(
            a[..b.len()],
            b.iter().map(String::as_str).collect::<Vec<_>>()[..]
        );
        assert!(a[b.len()..].iter().all(|c| c.is_empty()));
    }
    assert!(summary_sheet(&w.path("report.xlsx")).len() > 10);

    // XLSX results and a report: the same workbook twice.
    let out = w.run(&[
        "validate",
        "payout.csv",
        "-o",
        "r.xlsx",
        "--report",
        "copy.xlsx",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(
        std::fs::read(w.path("r.xlsx")).unwrap(),
        std::fs::read(w.path("copy.xlsx")).unwrap()
    );

    // Not a workbook's name, or the results' own: one sentence, exit 2, nothing written.
    let w = Workdir::new();
    w.copy("samples/payout.csv", "payout.csv");
    for bad in ["report.csv", "report", "payout.results.csv"] {
        let out = w.run(&["validate", "payout.csv", "--report", bad]);
        assert_eq!(code(&out), 2, "{bad}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("--report"), "{err}");
        assert_eq!(w.files(), ["payout.csv"], "{bad}");
    }
    let out = w.run(&[
        "validate",
        "payout.csv",
        "-o",
        "x.xlsx",
        "--report",
        "x.xlsx",
    ]);
    assert_eq!(code(&out), 2);
    assert_eq!(w.files(), ["payout.csv"]);

    // submit refuses before anything is sent.
    let sb = Sandbox::start(&["--settle-ms", "50"]);
    w.write(
        "pay.csv",
        "Reference,Payment Mode,Account No,IFSC Code,Beneficiary Name,Amount,Purpose\nREP-1,IMPS,50100234567891,HDFC0000001,Asha Verma,10.00,Salary\n",
    );
    let out = w.run(&[
        "submit",
        "pay.csv",
        "--base-url",
        &sb.url,
        "--journal",
        "j.sqlite",
        "--report",
        "r.ods",
        "--quiet",
    ]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains(".xlsx"), "{}", stderr(&out));
    assert!(sb.ledger().is_empty());
    assert!(!w.path("pay.results.csv").exists());
}

/// The results of a CSV as maps by header.
fn by_reference(path: &Path, reference: &str) -> HashMap<String, HashMap<String, String>> {
    let rows = read_csv(path, b',');
    let (header, data) = rows.split_first().unwrap();
    data.iter()
        .map(|r| {
            let m: HashMap<String, String> =
                header.iter().cloned().zip(r.iter().cloned()).collect();
            (m[reference].clone(), m)
        })
        .collect()
}

const PAYOUT_HEADER: &str =
    "Reference,Payment Mode,Account No,IFSC Code,Beneficiary Name,Amount,Purpose\n";

#[test]
fn utr_and_retry_say_what_was_paid_and_what_to_do_for_every_status() {
    let w = Workdir::new();
    let sb = Sandbox::start(&["--settle-ms", "50"]);
    // PayU's test accounts: 51234567890 pays, 41234567890 fails, 61234567890 stays pending;
    // the last row's IFSC is invalid.
    w.write(
        "pay.csv",
        format!(
            "{PAYOUT_HEADER}U-OK,IMPS,51234567890,HDFC0000001,Asha Verma,10.00,Salary\n\
             U-FAIL,IMPS,41234567890,HDFC0000001,Asha Verma,11.00,Salary\n\
             U-WAIT,IMPS,61234567890,HDFC0000001,Asha Verma,12.00,Salary\n\
             U-BAD,IMPS,50100234567891,HDFC0000002X,Asha Verma,13.00,Salary\n"
        ),
    );
    let submit = |sheet: &str, extra: &[&str]| {
        let mut args = vec![
            "submit",
            sheet,
            "--base-url",
            &sb.url,
            "--journal",
            "j.sqlite",
            "--quiet",
            "--wait",
            "10s",
        ];
        args.extend_from_slice(extra);
        w.run(&args)
    };
    // Without --skip-invalid nothing is sent: the valid rows are NOT_SENT, to rerun.
    let out = submit("pay.csv", &[]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let rows = by_reference(&w.path("pay.results.csv"), "Reference");
    for r in ["U-OK", "U-FAIL", "U-WAIT"] {
        assert_eq!(rows[r]["result_status"], "NOT_SENT");
        assert_eq!(rows[r]["result_retry"], "rerun");
        assert_eq!(rows[r]["result_utr"], "");
    }
    assert_eq!(rows["U-BAD"]["result_retry"], "fix-and-rerun");
    assert!(sb.ledger().is_empty());

    let out = submit("pay.csv", &["--skip-invalid"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let rows = by_reference(&w.path("pay.results.csv"), "Reference");
    let expect = [
        ("U-OK", "SUCCESS", "no"),
        ("U-FAIL", "FAILED", "new-reference"),
        ("U-WAIT", "PENDING", "no"),
        ("U-BAD", "INVALID", "fix-and-rerun"),
    ];
    for (r, status, retry) in expect {
        assert_eq!(rows[r]["result_status"], status, "{r}");
        assert_eq!(rows[r]["result_retry"], retry, "{r}");
    }
    // The paid transfer carries its bank reference; the others none.
    assert!(
        rows["U-OK"]["result_utr"].starts_with("UTR"),
        "{:?}",
        rows["U-OK"]
    );
    for r in ["U-FAIL", "U-WAIT", "U-BAD"] {
        assert_eq!(rows[r]["result_utr"], "", "{r}");
    }

    // An UNKNOWN row that PayU does not know stays UNKNOWN through `status`: status first.
    // `status` keeps the UTR of the paid row, and the workbook it reports has it too.
    let mut text = std::fs::read_to_string(w.path("pay.results.csv")).unwrap();
    text.push_str("U-LOST,IMPS,51234567890,HDFC0000001,Asha Verma,14.00,Salary,6,UNKNOWN,,the run stopped before PayU answered,,,,status-first\n");
    w.write("pay.results.csv", text);
    let out = w.run(&[
        "status",
        "pay.results.csv",
        "--base-url",
        &sb.url,
        "--journal",
        "j.sqlite",
        "--report",
        "status.xlsx",
    ]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let after = by_reference(&w.path("pay.results.csv"), "Reference");
    assert_eq!(after["U-LOST"]["result_status"], "UNKNOWN");
    assert_eq!(after["U-LOST"]["result_retry"], "status-first");
    assert_eq!(after["U-OK"]["result_utr"], rows["U-OK"]["result_utr"]);
    let book = read_xlsx(&w.path("status.xlsx"));
    let header: Vec<String> = book[0].iter().map(|(t, _)| t.clone()).collect();
    let utr = col(&header, "result_utr");
    let ok = book.iter().find(|r| r[0].0 == "U-OK").unwrap();
    assert_eq!(ok[utr].0, rows["U-OK"]["result_utr"]);
    let summary = summary_sheet(&w.path("status.xlsx"));
    assert_eq!(from_label(&summary, "Environment")[0][1], "sandbox");
    let made: u64 = from_label(&summary, "Requests made")[0][1].parse().unwrap();
    assert!(made >= 2, "a token and the lookups: {made}");

    // A results file from before the two columns is read, and rewritten with them.
    let legacy: String = std::fs::read_to_string(w.path("pay.results.csv"))
        .unwrap()
        .lines()
        .map(|l| {
            let mut cells: Vec<&str> = l.rsplitn(3, ',').collect();
            cells.reverse();
            format!("{}\n", cells[0])
        })
        .collect();
    w.write("legacy.results.csv", legacy);
    let out = w.run(&[
        "status",
        "legacy.results.csv",
        "--base-url",
        &sb.url,
        "--journal",
        "j.sqlite",
    ]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let again = read_csv(&w.path("legacy.results.csv"), b',');
    assert_eq!(
        again[0][again[0].len() - 2..],
        ["result_utr".to_owned(), "result_retry".to_owned()]
    );
    let lost = again.iter().find(|r| r[0] == "U-LOST").unwrap();
    assert_eq!(lost.last().unwrap(), "status-first");

    // validate: a VALID row was never tried, so there is nothing to retry.
    w.write(
        "ok.csv",
        format!("{PAYOUT_HEADER}V-1,IMPS,51234567890,HDFC0000001,Asha Verma,10.00,Salary\n"),
    );
    assert_eq!(code(&w.run(&["validate", "ok.csv"])), 0);
    let v = by_reference(&w.path("ok.results.csv"), "Reference");
    assert_eq!(v["V-1"]["result_status"], "VALID");
    assert_eq!(v["V-1"]["result_retry"], "");
    assert_eq!(v["V-1"]["result_utr"], "");
}

#[test]
fn a_paid_smart_send_link_carries_its_utr() {
    let w = Workdir::new();
    let sb = Sandbox::start(&["--settle-ms", "50"]);
    w.write(
        "links.csv",
        "Reference,Customer Name,Mobile,Amount,Description\nL-1,Ananya Rao,9845012345,20.00,Refund order 1\n",
    );
    let out = w.run(&[
        "submit",
        "links.csv",
        "--base-url",
        &sb.url,
        "--journal",
        "j.sqlite",
        "--quiet",
        "--wait",
        "10s",
        "-o",
        "links.results.xlsx",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let book = read_xlsx(&w.path("links.results.xlsx"));
    let header: Vec<String> = book[0].iter().map(|(t, _)| t.clone()).collect();
    let row = &book[1];
    assert_eq!(row[col(&header, "result_status")].0, "SUCCESS");
    assert!(
        row[col(&header, "result_utr")].0.starts_with("UTR"),
        "{row:?}"
    );
    assert_eq!(row[col(&header, "result_retry")].0, "no");
    assert!(row[col(&header, "result_link")].0.starts_with("http"));
    let summary = summary_sheet(&w.path("links.results.xlsx"));
    assert_eq!(from_label(&summary, "Environment")[0][1], "sandbox");
    assert_eq!(from_label(&summary, "Code")[1][0], "none");
}
