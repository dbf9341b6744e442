//! The sheet reader against other readers' fixtures (tests/data/SOURCES.md): the text read
//! must be the text the fixture's authors expect.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use payu_bulk::Error;
use payu_bulk::sheet::{CellKind, ReadOptions, Sheet};

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(p)
}

/// Each data row as (row number, texts).
type Rows = Vec<(u64, Vec<String>)>;

/// The header, then the data rows.
fn read(p: &str, opts: ReadOptions) -> Result<(Vec<String>, Rows), Error> {
    let sheet = Sheet::open(&data(p), &opts)?;
    let headers = sheet.headers().to_vec();
    let mut rows = Vec::new();
    sheet.scan(|r| {
        rows.push((
            r.number,
            (0..r.len())
                .map(|i| r.get(i).unwrap().text.to_owned())
                .collect(),
        ));
    })?;
    Ok((headers, rows))
}

fn read_ok(p: &str) -> (Vec<String>, Rows) {
    read(p, ReadOptions::default()).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn texts(rows: &[(u64, Vec<String>)]) -> Vec<Vec<&str>> {
    rows.iter()
        .map(|(_, r)| r.iter().map(String::as_str).collect())
        .collect()
}

#[test]
fn csv_spectrum_records_match_their_json() {
    let dir = data("csv-spectrum/csvs");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let json =
            std::fs::read_to_string(data(&format!("csv-spectrum/json/{stem}.json"))).unwrap();
        // One fixture holds its single record as an object rather than an array.
        let expected: Vec<HashMap<String, String>> = match serde_json::from_str(&json).unwrap() {
            serde_json::Value::Array(records) => records
                .into_iter()
                .map(|r| serde_json::from_value(r).unwrap())
                .collect(),
            one => vec![serde_json::from_value(one).unwrap()],
        };
        let (headers, rows) = read_ok(&format!("csv-spectrum/csvs/{stem}.csv"));
        let got: Vec<HashMap<String, String>> = rows
            .iter()
            .map(|(_, cells)| headers.iter().cloned().zip(cells.iter().cloned()).collect())
            .collect();
        // csv-spectrum's empty.json keeps a record whose cells are all empty; a payout sheet
        // skips such rows, so compare the records that hold something.
        let mut expected: Vec<_> = expected
            .into_iter()
            .filter(|r| r.values().any(|v| !v.is_empty()))
            .collect();
        if stem == "location_coordinates" {
            // The fixture's JSON disagrees with its own CSV here: the CSV holds 2095257564.
            expected[0].insert("Contact Phone Number".into(), "2095257564".into());
        }
        assert_eq!(got, expected, "{stem}");
        checked += 1;
    }
    assert_eq!(checked, 12);
}

#[test]
fn csv_spectrum_row_numbers_count_records_not_lines() {
    // quotes_and_newlines.csv: the first record spans two lines.
    let (_, rows) = read_ok("csv-spectrum/csvs/quotes_and_newlines.csv");
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), vec![2, 3]);
    assert_eq!(rows[0].1[1], "ha \n\"ha\" \nha");
}

#[test]
fn csvkit_encodings() {
    let (h, rows) = read_ok("csvkit/test_utf8_bom.csv");
    assert_eq!(h, ["foo", "bar", "baz"]);
    assert_eq!(texts(&rows)[1], ["4", "5", "ʤ"]);
    for f in ["csvkit/test_utf16_little.csv", "csvkit/test_utf16_big.csv"] {
        let (h, rows) = read_ok(f);
        assert_eq!(h, ["a", "b", "c"], "{f}");
        assert_eq!(
            texts(&rows),
            [vec!["1", "2", "3"], vec!["4", "5", "ʤ"]],
            "{f}"
        );
    }
    let latin1 = ReadOptions {
        encoding: Some("latin1".into()),
        ..ReadOptions::default()
    };
    let (_, rows) = read("csvkit/test_latin1.csv", latin1).unwrap();
    assert_eq!(texts(&rows)[1], ["4", "5", "©"]);
}

#[test]
fn latin1_without_encoding_names_line_and_flag() {
    let err = read("csvkit/test_latin1.csv", ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("test_latin1.csv"), "{err}");
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("--encoding windows-1252"), "{err}");
}

#[test]
fn csvkit_line_ends_delimiters_and_blank_lines() {
    let (h, rows) = read_ok("csvkit/mac_newlines.csv");
    assert_eq!(h, ["a", "b", "c"]);
    assert_eq!(
        texts(&rows),
        [vec!["1", "2", "3"], vec!["Once upon\ra time", "5", "6"]]
    );
    let (h, rows) = read_ok("csvkit/dummy.tsv");
    assert_eq!(
        (h, texts(&rows)),
        (
            vec!["a".to_owned(), "b".into(), "c".into()],
            vec![vec!["1", "2", "3"]]
        )
    );
    let (h, rows) = read_ok("csvkit/test_skip_lines.csv");
    assert_eq!(h, ["a", "b", "c"]);
    assert_eq!(texts(&rows), [vec!["1", "2", "3"]]);
    let (_, rows) = read_ok("csvkit/test_no_leading_zeroes.csv");
    assert_eq!(texts(&rows), [vec!["01", "00.11", "0.1"]]);
    let (_, rows) = read_ok("csvkit/test_locale.csv");
    assert_eq!(texts(&rows), [vec!["1,7", "200.000.000", ""]]);
    let (_, rows) = read_ok("csvkit/optional_quote_characters.csv");
    assert_eq!(texts(&rows), [vec!["1", "2", "3"]]);
    let (h, rows) = read_ok("csvkit/blanks.csv");
    assert_eq!(h.len(), 6);
    assert_eq!(texts(&rows), [vec!["", "NA", "N/A", "NONE", "NULL", "."]]);
}

#[test]
fn csvkit_ragged_rows_keep_their_cells() {
    let (h, rows) = read_ok("csvkit/bad.csv");
    assert_eq!(h.len(), 3);
    assert_eq!(
        rows.iter().map(|r| r.1.len()).collect::<Vec<_>>(),
        vec![4, 2, 3]
    );
    assert_eq!(rows[0].1[3], "I'm too long!");
    // A row of empty cells is blank, and skipped.
    let (_, rows) = read_ok("csvkit/test_empty_columns_short_row.csv");
    assert!(rows.is_empty());
}

#[test]
fn csvkit_nul_byte_is_read_as_text() {
    let (_, rows) = read_ok("csvkit/null_byte.csv");
    assert_eq!(texts(&rows), [vec!["\0", "2", "3"]]);
}

#[test]
fn an_empty_file_has_no_header() {
    let err = read("csvkit/empty.csv", ReadOptions::default()).unwrap_err();
    assert!(matches!(err, Error::NoHeader { .. }), "{err}");
}

#[test]
fn xlsx_matches_csvkit_conversion() {
    // testxlsx_converted.csv is what csvkit's converter makes of test.xlsx.
    let (h, rows) = read_ok("xlsx/test.xlsx");
    assert_eq!(
        h,
        [
            "text",
            "date",
            "integer",
            "boolean",
            "float",
            "datetime",
            "empty_column"
        ]
    );
    let t = texts(&rows);
    assert_eq!(
        t[0],
        [
            "Chicago Reader",
            "1971-01-01",
            "40",
            "TRUE",
            "1",
            "1971-01-01 04:14:00",
            ""
        ]
    );
    assert_eq!(t[1][7], "Extra data beyond headers will be trimmed");
    assert_eq!(t[2][4], "41800000.01");
    assert_eq!(t[2][5], "1920-01-01");
    assert_eq!(t[4][0], "Unicode! Σ");
    let (_, skipped) = read_ok("xlsx/test_skip_lines.xlsx");
    assert_eq!(
        texts(&skipped),
        t,
        "junk rows above the header are not data"
    );
    assert_eq!(skipped[0].0, 5, "row numbers are Excel's");
}

#[test]
fn xlsx_sheet_choice() {
    let err = read("xlsx/sheets.xlsx", ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("sheet 'not this one' is empty") && err.contains("'data'"),
        "{err}"
    );
    let named = |n: &str| ReadOptions {
        sheet: Some(n.into()),
        ..ReadOptions::default()
    };
    let (h, rows) = read("xlsx/sheets.xlsx", named("data")).unwrap();
    assert_eq!(h[0], "text");
    assert_eq!(
        texts(&rows)[0][..5],
        ["Chicago Reader", "1971-01-01", "40", "TRUE", "1"]
    );
    let (h, rows) = read("xlsx/sheets.xlsx", named("ʤ")).unwrap();
    assert_eq!(
        (h, texts(&rows)),
        (
            vec!["a".to_owned(), "b".into(), "c".into()],
            vec![vec!["1", "2", "3"]]
        )
    );
    let err = read("xlsx/sheets.xlsx", named("nope"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("there is no sheet 'nope'") && err.contains("'ʤ'"),
        "{err}"
    );
    // Hidden, very hidden and chart sheets are passed over.
    let (h, _) = read_ok("xlsx/any_sheets.xlsx");
    assert_eq!(h, ["1", "2"]);
}

#[test]
fn xlsx_cells_as_excel_shows_them() {
    for f in ["xlsx/date.xlsx", "xlsx/date_1904.xlsx"] {
        let (h, rows) = read_ok(f);
        assert_eq!(h[0], "2021-01-01", "{f}");
        assert_eq!(rows[0].1[0], "2021-01-02", "{f}");
    }
    let (_, rows) = read_ok("xlsx/date_iso.xlsx");
    assert_eq!(rows[0].1[0], "2021-01-01 10:10:10");
    let (h, rows) = read_ok("xlsx/errors.xlsx");
    assert_eq!(h, ["#DIV/0!"]);
    assert_eq!(
        texts(&rows),
        [
            ["#NAME?"],
            ["#VALUE!"],
            ["#NULL!"],
            ["#REF!"],
            ["#NUM!"],
            ["#N/A"]
        ]
    );
    let (h, _) = read_ok("xlsx/has_x000D_.xlsx");
    assert_eq!(h, ["ABC\r\nDEF"]);
    let (_, rows) = read_ok("xlsx/string-ref.xlsx");
    assert_eq!(
        rows[0].1[0], "-8086931554011838357",
        "a large integer stored as text stays exact"
    );
    let (_, rows) = read_ok("xlsx/temperature.xlsx");
    assert_eq!(rows[0].1, ["celsius", "22.2222"]);
    let (_, rows) = read_ok("xlsx/merged_range.xlsx");
    assert_eq!(
        rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        vec![3, 4],
        "the blank row 2 is skipped"
    );
    let (_, rows) = read_ok("xlsx/issues.xlsx");
    assert_eq!(
        texts(&rows),
        [["1.5"], ["ab"], ["FALSE"], ["test"], ["2016-10-20"]]
    );
}

#[test]
fn xlsx_cell_kinds_are_kept() {
    let sheet = Sheet::open(&data("xlsx/test.xlsx"), &ReadOptions::default()).unwrap();
    let mut kinds = Vec::new();
    sheet
        .scan(|r| {
            if kinds.is_empty() {
                kinds = (0..6).map(|i| r.get(i).unwrap().kind).collect();
            }
        })
        .unwrap();
    use CellKind::*;
    assert_eq!(kinds, [Text, Date, Number, Bool, Number, Date]);
}

#[test]
fn unreadable_workbooks_say_why() {
    let err = read("xlsx/pass_protected.xlsx", ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("password-protected"), "{err}");
    let err = read("xlsx/empty_sheet.xlsx", ReadOptions::default()).unwrap_err();
    assert!(matches!(err, Error::NoHeader { .. }), "{err}");
}
