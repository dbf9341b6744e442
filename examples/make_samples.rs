//! Builds the XLSX samples in `samples/` from the CSV samples beside them.
//!
//! The XLSX sheets hold the same rows as the CSVs, with PayU's field names as headers, plain
//! amounts as number cells, and the damage only a workbook can carry: identifiers typed as
//! numbers, formulas whose cached value is an error, date cells, a formula with a cached
//! value, blank rows above the header, and (for payouts) a hidden first sheet.
//!
//! Run `cargo run --example make_samples` from the repository's top folder after changing a
//! CSV sample; `samples/README.md` says what each row shows.

use std::error::Error;
use std::path::Path;

use payu_bulk::rows::{HeaderMap, Kind};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook, Worksheet};

/// A cell of the CSV that the workbook holds differently.
enum Special {
    Number(f64),
    /// A formula, and the value Excel cached for it.
    Formula(&'static str, &'static str),
    DateTime(&'static str),
    /// A value typed past the sheet's last column.
    Stray(&'static str),
}

struct Override {
    reference: &'static str,
    /// PayU's name of the column (ignored for `Stray`).
    field: &'static str,
    special: Special,
}

const fn o(reference: &'static str, field: &'static str, special: Special) -> Override {
    Override {
        reference,
        field,
        special,
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    use Special::*;
    build(
        Kind::Payout,
        true,
        &[
            o("PAY-2611-001", "beneficiaryMobile", Number(9876543210.0)),
            o(
                "PAY-2611-005",
                "scheduledTime",
                DateTime("2099-12-01T10:00:00"),
            ),
            o(
                "PAY-2611-010",
                "beneficiaryIfscCode",
                Formula("=VLOOKUP(\"IBKL\",Lookup!A:B,2,FALSE)", "#N/A"),
            ),
            o("PAY-2611-011", "amount", Number(9999.99)),
            o(
                "PAY-2611-023",
                "beneficiaryAccountNumber",
                Number(50100234567803.0),
            ),
            o("PAY-2611-025", "", Stray("see note")),
        ],
    )?;
    build(
        Kind::SmartSend,
        false,
        &[
            o(
                "LINK-2611-001",
                "expiryDate",
                DateTime("2099-12-31T00:00:00"),
            ),
            o("LINK-2611-005", "custMobile", Number(7012345678.0)),
            o("LINK-2611-007", "amount", Formula("=100+20", "120")),
            o(
                "LINK-2611-010",
                "description",
                Formula("=Sheet2!A1", "#REF!"),
            ),
        ],
    )?;
    build(
        Kind::GlobalPayout,
        false,
        &[
            o(
                "EU-2611-001",
                "account.accountNumber",
                Number(61109010140000071219812874.0),
            ),
            o("EU-2611-010", "card.number", Number(4655413107713609.0)),
            o("EU-2611-011", "amountMinor", Number(250000.0)),
            o(
                "EU-2611-014",
                "customerAddress.name",
                Formula("=VLOOKUP(A16,Payees!A:B,2,FALSE)", "#N/A"),
            ),
        ],
    )?;
    Ok(())
}

fn build(
    kind: Kind,
    hidden_first_sheet: bool,
    overrides: &[Override],
) -> Result<(), Box<dyn Error>> {
    let csv_path = format!("samples/{}.csv", kind.name());
    let xlsx_path = format!("samples/{}.xlsx", kind.name());
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(if kind == Kind::GlobalPayout {
            b';'
        } else {
            b','
        })
        .from_path(&csv_path)?;
    let mut records = reader.records();
    let headers: Vec<String> = records
        .next()
        .ok_or("empty sample")??
        .iter()
        .map(str::to_owned)
        .collect();
    let map = HeaderMap::build(Path::new(&csv_path), &headers, Some(kind))?;
    let api_headers: Vec<&str> = (0..headers.len())
        .map(|c| {
            map.field_of_column(c)
                .map_or(headers[c].as_str(), |f| kind.fields()[f].name)
        })
        .collect();
    let amount_col = api_headers.iter().position(|h| *h == "amount");
    let ref_col = map
        .column(kind.reference_field())
        .ok_or("no reference column")?;

    let mut workbook = Workbook::new();
    if hidden_first_sheet {
        let lookup = workbook.add_worksheet();
        lookup.set_name("Lookup")?;
        lookup.write_string(0, 0, "HDFC")?;
        lookup.write_string(0, 1, "HDFC0000001")?;
        lookup.set_hidden(true);
    }
    let sheet = workbook.add_worksheet();
    sheet.set_name(kind.name())?;
    sheet.set_active(true);
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    // Two blank rows above the header, as exports with a title area leave them.
    let header_row = 2u32;
    for (c, h) in api_headers.iter().enumerate() {
        sheet.write_string_with_format(header_row, c as u16, *h, &bold)?;
    }
    let mut row = header_row;
    for record in records {
        let record = record?;
        row += 1;
        let reference = record.get(ref_col).unwrap_or("");
        for (c, text) in record.iter().enumerate() {
            let c16 = c as u16;
            let special = overrides.iter().find(|o| {
                o.reference == reference
                    && !o.field.is_empty()
                    && api_headers.get(c) == Some(&o.field)
            });
            match special.map(|o| &o.special) {
                Some(Special::Number(v)) => {
                    sheet.write_number(row, c16, *v)?;
                }
                Some(Special::Formula(f, cached)) => {
                    sheet.write_formula(row, c16, Formula::new(*f).set_result(*cached))?;
                }
                Some(Special::DateTime(t)) => {
                    sheet.write_datetime_with_format(
                        row,
                        c16,
                        ExcelDateTime::parse_from_str(t)?,
                        &date,
                    )?;
                }
                Some(Special::Stray(_)) | None => {
                    write_plain(sheet, row, c16, text, Some(c) == amount_col)?
                }
            }
        }
        for o in overrides.iter().filter(|o| o.reference == reference) {
            if let Special::Stray(text) = o.special {
                sheet.write_string(row, headers.len() as u16 + 1, text)?;
            }
        }
    }
    workbook.save(&xlsx_path)?;
    println!("wrote {xlsx_path}");
    Ok(())
}

/// Text as text; a plain amount (digits and one point) as the number Excel would store.
fn write_plain(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    text: &str,
    amount: bool,
) -> Result<(), Box<dyn Error>> {
    if text.is_empty() {
        return Ok(());
    }
    let plain = text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && text.bytes().filter(|&b| b == b'.').count() <= 1;
    match text.parse::<f64>() {
        Ok(v) if amount && plain => sheet.write_number(row, col, v)?,
        _ => sheet.write_string(row, col, text)?,
    };
    Ok(())
}
