//! Synthetic payout sheets for benchmarks: realistic rows (IMPS, NEFT, RTGS and UPI to real
//! IFSC branches, Indian names, grouped amounts), one in fifty invalid, every reference unique.

use std::io::Write;
use std::path::Path;

const NAMES: &[&str] = &[
    "Asha Verma",
    "Rajesh Kumar Iyer",
    "Priya Nair",
    "Mohammed Irfan",
    "Anita D'Souza",
    "Karthik Subramanian",
    "Neha Gupta",
    "Sunil Mehta",
    "Lakshmi Venkatesh",
    "Gaurav Malhotra",
    "Harpreet Kaur",
    "Fatima Sheikh",
];
const IFSC: &[&str] = &[
    "HDFC0000001",
    "SBIN0001234",
    "UTIB0000004",
    "ICIC0001234",
    "YESB0000001",
    "IBKL0000001",
    "PUNB0001000",
];
pub const HEADER: [&str; 9] = [
    "merchantRefId",
    "paymentType",
    "beneficiaryName",
    "beneficiaryAccountNumber",
    "beneficiaryIfscCode",
    "vpa",
    "amount",
    "purpose",
    "beneficiaryMobile",
];

/// The cells of row `i` (0-based).
pub fn row(i: u64) -> [String; 9] {
    let name = NAMES[(i % NAMES.len() as u64) as usize];
    let mode = match i % 10 {
        0..=5 => "IMPS",
        6..=7 => "NEFT",
        8 => "UPI",
        _ => "RTGS",
    };
    let (account, ifsc, vpa) = if mode == "UPI" {
        (String::new(), String::new(), format!("payee{i}@okaxis"))
    } else {
        (
            format!("{:014}", 50_100_000_000_000 + i),
            IFSC[(i % IFSC.len() as u64) as usize].to_owned(),
            String::new(),
        )
    };
    let rupees = if mode == "RTGS" {
        200_000 + i % 100_000
    } else {
        100 + i % 90_000
    };
    let amount = if i.is_multiple_of(3) {
        format!("{},{:03}.{:02}", rupees / 1000, rupees % 1000, i % 100)
    } else {
        format!("{rupees}.{:02}", i % 100)
    };
    let amount = if rupees < 1000 {
        format!("{rupees}.{:02}", i % 100)
    } else {
        amount
    };
    // One row in fifty breaks a rule: a short account number.
    let account = if i % 50 == 49 && mode != "UPI" {
        "12345".to_owned()
    } else {
        account
    };
    let mobile = format!("9{:09}", i % 1_000_000_000);
    [
        format!("PAY-{i:010}"),
        mode.to_owned(),
        name.to_owned(),
        account,
        ifsc,
        vpa,
        amount,
        "Salary November".to_owned(),
        mobile,
    ]
}

pub fn write_csv(path: &Path, rows: u64) -> std::io::Result<()> {
    let file = std::fs::File::create(path)?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::with_capacity(1 << 20, file));
    w.write_record(HEADER)?;
    for i in 0..rows {
        w.write_record(row(i))?;
    }
    w.into_inner().map_err(|e| e.into_error())?.flush()
}

pub fn write_xlsx(path: &Path, rows: u64) -> Result<(), rust_xlsxwriter::XlsxError> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    // A normal worksheet, as Excel writes one: strings go to the shared string table.
    let sheet = wb.add_worksheet();
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *h)?;
    }
    for i in 0..rows {
        for (c, v) in row(i).iter().enumerate() {
            if c == 6 && !v.contains(',') {
                sheet.write_number(
                    i as u32 + 1,
                    c as u16,
                    v.parse::<f64>().expect("a plain amount"),
                )?;
            } else if !v.is_empty() {
                sheet.write_string(i as u32 + 1, c as u16, v)?;
            }
        }
    }
    wb.save(path)
}
