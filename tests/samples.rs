//! Every sample sheet through the real binary: each row's status and codes are what
//! `samples/README.md` says, the original cells come back unchanged, and the summary adds up.

mod common;

use common::{Workdir, code, col, read_csv, read_xlsx, stderr};

type Expect = (u64, &'static str, &'static str, &'static str);

/// Every row of `samples/payout.csv`: (row, reference, status, codes).
const PAYOUT: &[Expect] = &[
    (2, "PAY-2611-001", "VALID", ""),
    (3, "PAY-2611-002", "VALID", ""),
    (4, "PAY-2611-003", "VALID", ""),
    (5, "PAY-2611-004", "VALID", ""),
    (6, "PAY-2611-005", "VALID", ""),
    (7, "PAY-2611-006", "VALID", ""),
    (8, "PAY-2611-007", "VALID", ""),
    (9, "PAY-2611-008", "VALID", ""),
    (10, "PAY-2611-009", "VALID", ""),
    (11, "PAY-2611-010", "VALID", ""),
    (12, "PAY-2611-011", "VALID", ""),
    (14, "PAY/2611/012", "INVALID", "1001"),
    (
        15,
        "PAY-2611-013-THIS-REFERENCE-IS-TOO-LONG-FOR-PAYU",
        "INVALID",
        "1001;1003",
    ),
    (16, "PAY-2611-014", "INVALID", "1011"),
    (17, "PAY-2611-015", "INVALID", "1004;1022"),
    (18, "PAY-2611-016", "INVALID", "1005;1007;1009;1008"),
    (19, "PAY-2611-017", "INVALID", "1014;1006"),
    (20, "PAY-2611-018", "INVALID", "1006"),
    (21, "PAY-2611-019", "INVALID", "1006"),
    (22, "PAY-2611-020", "INVALID", "AMOUNT_FORMAT;1010"),
    (23, "PAY-2611-021", "INVALID", "1006;1018"),
    (24, "PAY-2611-022", "INVALID", "1006;1019;1026"),
    (25, "PAY-2611-023", "INVALID", "EXCEL_NUMBER"),
    (26, "PAY-2611-024", "INVALID", "1002"),
    (27, "PAY-2611-024", "INVALID", "1002"),
    (28, "PAY-2611-025", "INVALID", "ROW_SHAPE"),
    (29, "PAY-2611-026", "INVALID", "1007;1006;1010"),
    (30, "", "INVALID", "1001;1011"),
];

/// Every row of `samples/smart-send.csv`: (row, reference, status, codes).
const SMART_SEND: &[Expect] = &[
    (2, "LINK-2611-001", "VALID", ""),
    (3, "LINK-2611-002", "VALID", ""),
    (4, "LINK-2611-003", "VALID", ""),
    (5, "LINK-2611-004", "VALID", ""),
    (6, "LINK-2611-005", "VALID", ""),
    (7, "LINK-2611-006", "VALID", ""),
    (8, "LINK-2611-007", "VALID", ""),
    (9, "LINK-2611-008", "VALID", ""),
    (10, "LINK-2611-009", "VALID", ""),
    (11, "LINK-2611-010", "VALID", ""),
    (12, "LINK-2611-011", "INVALID", "AMOUNT_FORMAT"),
    (13, "LINK#2611#012", "INVALID", "1101"),
    (
        14,
        "LINK-2611-013-REFERENCE-THAT-IS-FAR-TOO-LONG",
        "INVALID",
        "1102",
    ),
    (15, "LINK-2611-014", "INVALID", "1108"),
    (16, "LINK-2611-015", "INVALID", "1105;1106"),
    (17, "LINK-2611-016", "INVALID", "1104;1007"),
    (18, "LINK-2611-017", "INVALID", "1104;1114"),
    (19, "LINK-2611-018", "INVALID", "AMOUNT_FORMAT;1114"),
    (20, "LINK-2611-019", "INVALID", "1121"),
    (21, "LINK-2611-020", "INVALID", "1121"),
    (22, "LINK-2611-021", "INVALID", "1103"),
    (23, "LINK-2611-021", "INVALID", "1103"),
    (24, "LINK-2611-022", "INVALID", "1007"),
    (25, "LINK-2611-023", "INVALID", "EXCEL_NUMBER"),
    (26, "LINK-2611-024", "INVALID", "ROW_SHAPE"),
    (27, "", "INVALID", "1101"),
];

/// Every row of `samples/global-payout.csv`: (row, reference, status, codes).
const GLOBAL_PAYOUT: &[Expect] = &[
    (2, "EU-2611-001", "VALID", ""),
    (3, "EU-2611-002", "VALID", ""),
    (4, "EU-2611-003", "VALID", ""),
    (5, "EU-2611-004", "VALID", ""),
    (6, "EU-2611-005", "VALID", ""),
    (7, "EU-2611-006", "VALID", ""),
    (8, "EU-2611-007", "VALID", ""),
    (9, "EU-2611-008", "VALID", ""),
    (10, "EU-2611-009", "VALID", ""),
    (11, "EU-2611-010", "VALID", ""),
    (12, "EU-2611-011", "VALID", ""),
    (13, "EU-2611-012", "VALID", ""),
    (14, "EU-2611-013", "VALID", ""),
    (15, "EU-2611-014", "VALID", ""),
    (16, "EU-2611-015", "VALID", ""),
    (17, "EU-2611-016", "INVALID", "8361;8351"),
    (18, "", "INVALID", "EXT_PAYOUT_ID;8300"),
    (19, "EU-2611-018", "INVALID", "8336;8316"),
    (
        20,
        "EU-2611-019",
        "INVALID",
        "8302;8351;8303;8319;8309;8310;8323;8304",
    ),
    (
        21,
        "EU-2611-020",
        "INVALID",
        "8326;8318;8308;8320;8311;8305;8306;8307",
    ),
    (22, "EU-2611-021", "INVALID", "8322;8328;8329;8332;8333"),
    (23, "EU-2611-022", "INVALID", "8355"),
    (24, "EU-2611-023", "INVALID", "8355;8309;8310;8312"),
    (25, "EU-2611-024", "INVALID", "8302;8362"),
    (26, "EU-2611-025", "INVALID", "CARD_NUMBER;CARD_EXPIRY"),
    (27, "EU-2611-026", "INVALID", "8350"),
    (28, "EU-2611-027", "INVALID", "8300"),
    (29, "EU-2611-028", "INVALID", "VARIABLE_SYMBOL"),
    (30, "EU-2611-029", "INVALID", "FLAG_VALUE"),
    (31, "EU-2611-030", "INVALID", "8356"),
    (32, "EU-2611-030", "INVALID", "8356"),
    (
        33,
        "EU-2611-031-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "INVALID",
        "EXT_PAYOUT_ID",
    ),
    (34, "EU-2611-032", "INVALID", "8317"),
    (35, "EU-2611-033", "INVALID", "8351"),
    (36, "EU-2611-034", "INVALID", "8334"),
    (37, "EU-2611-035", "INVALID", "AMOUNT_FORMAT"),
    (38, "EU-2611-036", "INVALID", "8304"),
    (39, "EU-2611-037", "INVALID", "8307"),
    (40, "EU-2611-038", "INVALID", "8321"),
    (41, "EU-2611-039", "INVALID", "8301"),
    (42, "EU-2611-041", "INVALID", "8351"),
    (43, "EU-2611-040", "INVALID", "8350"),
];

/// In the XLSX samples the header is on row 3 (two blank rows above it), and some cells hold
/// what only a workbook can: these rows read differently from their CSV twins.
const XLSX_DIFFERENCES: &[(&str, &str, &str)] = &[
    ("PAY-2611-010", "INVALID", "CELL_ERROR"),
    ("LINK-2611-010", "INVALID", "CELL_ERROR"),
    ("EU-2611-001", "INVALID", "EXCEL_NUMBER"),
    ("EU-2611-010", "INVALID", "EXCEL_NUMBER"),
    ("EU-2611-014", "INVALID", "CELL_ERROR"),
];

fn xlsx_expectations(csv: &[Expect]) -> Vec<Expect> {
    csv.iter()
        .map(|&(row, reference, status, codes)| {
            match XLSX_DIFFERENCES
                .iter()
                .find(|d| d.0 == reference && !reference.is_empty())
            {
                Some(&(_, s, c)) => (row + 2, reference, s, c),
                None => (row + 2, reference, status, codes),
            }
        })
        .collect()
}

/// (row, status, codes) of every results row.
fn outcomes(rows: &[Vec<String>]) -> Vec<(u64, String, String)> {
    let header = &rows[0];
    let (r, s, c) = (
        col(header, "result_row"),
        col(header, "result_status"),
        col(header, "result_error_code"),
    );
    rows[1..]
        .iter()
        .map(|row| (row[r].parse().unwrap(), row[s].clone(), row[c].clone()))
        .collect()
}

fn expected(table: &[Expect]) -> Vec<(u64, String, String)> {
    table
        .iter()
        .map(|&(n, _, s, c)| (n, s.to_owned(), c.to_owned()))
        .collect()
}

fn check_csv(sample: &str, delimiter: u8, table: &[Expect]) {
    let wd = Workdir::new();
    wd.copy(&format!("samples/{sample}.csv"), "sheet.csv");
    let out = wd.run(&["validate", "sheet.csv", "--summary-json", "summary.json"]);
    assert_eq!(
        code(&out),
        1,
        "some sample rows are invalid: {}",
        stderr(&out)
    );
    let results = read_csv(&wd.path("sheet.results.csv"), delimiter);
    assert_eq!(outcomes(&results), expected(table), "{sample}.csv");

    // The original cells come back as they were, under their original headers.
    let input = read_csv(&wd.path("sheet.csv"), delimiter);
    let width = input[0].len();
    assert_eq!(results[0][..width], input[0][..]);
    let data: Vec<&Vec<String>> = input[1..]
        .iter()
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
        .collect();
    assert_eq!(data.len(), results.len() - 1);
    for (original, result) in data.iter().zip(&results[1..]) {
        assert_eq!(
            result.len(),
            width + payu_bulk::report::RESULT_COLUMNS.len()
        );
        for c in 0..width {
            let was = original.get(c).map_or("", String::as_str);
            let now = &result[c];
            let masked = input[0][c] == "card.number" && !was.is_empty();
            let neutralized = was.starts_with(['=', '+', '-', '@']);
            if masked {
                assert_eq!(now.len(), was.len());
                assert_eq!(now[..6], was[..6]);
                assert!(now[6..now.len() - 4].chars().all(|ch| ch == '*'), "{now}");
            } else if neutralized {
                assert_eq!(*now, format!("'{was}"));
            } else {
                assert_eq!(now, was);
            }
        }
    }

    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(wd.path("summary.json")).unwrap()).unwrap();
    let valid = table.iter().filter(|e| e.2 == "VALID").count() as u64;
    assert_eq!(summary["rows"], table.len() as u64);
    assert_eq!(summary["by_status"]["VALID"], valid);
    assert_eq!(summary["by_status"]["INVALID"], table.len() as u64 - valid);
    assert_eq!(summary["input"], "sheet.csv");
    assert_eq!(summary["results"], "sheet.results.csv");
}

fn check_xlsx(sample: &str, table: &[Expect]) {
    let wd = Workdir::new();
    wd.copy(&format!("samples/{sample}.xlsx"), "sheet.xlsx");
    let out = wd.run(&["validate", "sheet.xlsx"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let cells = read_xlsx(&wd.path("sheet.results.xlsx"));
    let rows: Vec<Vec<String>> = cells
        .iter()
        .map(|r| r.iter().map(|c| c.0.clone()).collect())
        .collect();
    assert_eq!(
        outcomes(&rows),
        expected(&xlsx_expectations(table)),
        "{sample}.xlsx"
    );
    // Identifier columns are text cells, never numbers, even where the input held a number.
    let header = &rows[0];
    for name in [
        "merchantRefId",
        "extPayoutId",
        "beneficiaryAccountNumber",
        "beneficiaryMobile",
        "custMobile",
        "account.accountNumber",
        "card.number",
    ] {
        let Some(c) = header.iter().position(|h| h == name) else {
            continue;
        };
        for row in &cells[1..] {
            if !row[c].0.is_empty() {
                assert!(
                    row[c].1,
                    "{sample}.xlsx: {name} '{}' is not a text cell",
                    row[c].0
                );
            }
        }
    }
}

#[test]
fn payout_csv() {
    check_csv("payout", b',', PAYOUT);
}

#[test]
fn payout_xlsx() {
    check_xlsx("payout", PAYOUT);
}

#[test]
fn smart_send_csv() {
    check_csv("smart-send", b',', SMART_SEND);
}

#[test]
fn smart_send_xlsx() {
    check_xlsx("smart-send", SMART_SEND);
}

#[test]
fn global_payout_csv() {
    check_csv("global-payout", b';', GLOBAL_PAYOUT);
}

#[test]
fn global_payout_xlsx() {
    check_xlsx("global-payout", GLOBAL_PAYOUT);
}

#[test]
fn the_samples_break_every_rule() {
    // Every code docs/rules.md names appears in some sample row.
    let all: Vec<&str> = [PAYOUT, SMART_SEND, GLOBAL_PAYOUT]
        .iter()
        .flat_map(|t| t.iter())
        .flat_map(|e| e.3.split(';'))
        .chain(XLSX_DIFFERENCES.iter().map(|d| d.2))
        .collect();
    let rules = [
        "1001",
        "1002",
        "1003",
        "1004",
        "1005",
        "1006",
        "1007",
        "1008",
        "1009",
        "1010",
        "1011",
        "1014",
        "1018",
        "1019",
        "1022",
        "1026",
        "1101",
        "1102",
        "1103",
        "1104",
        "1105",
        "1106",
        "1108",
        "1114",
        "1121",
        "8300",
        "8301",
        "8302",
        "8303",
        "8304",
        "8305",
        "8306",
        "8307",
        "8308",
        "8309",
        "8310",
        "8311",
        "8312",
        "8316",
        "8317",
        "8318",
        "8319",
        "8320",
        "8321",
        "8322",
        "8323",
        "8326",
        "8328",
        "8329",
        "8332",
        "8333",
        "8334",
        "8336",
        "8350",
        "8351",
        "8355",
        "8356",
        "8361",
        "8362",
        "EXT_PAYOUT_ID",
        "VARIABLE_SYMBOL",
        "CARD_NUMBER",
        "CARD_EXPIRY",
        "AMOUNT_FORMAT",
        "EXCEL_NUMBER",
        "CELL_ERROR",
        "ROW_SHAPE",
        "FLAG_VALUE",
    ];
    let missing: Vec<&&str> = rules.iter().filter(|r| !all.contains(r)).collect();
    assert!(missing.is_empty(), "no sample row breaks {missing:?}");
}
