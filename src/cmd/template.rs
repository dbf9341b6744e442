//! Write an empty sheet with the canonical headers of a kind.
//!
//! The headers are PayU's own field names, which every command recognises. In XLSX, every
//! column is formatted as Text, so that account numbers, IFSC codes and mobiles typed into
//! it keep their leading zeros and all their digits.

use std::path::PathBuf;

use rust_xlsxwriter::{Format as XlsxFormat, Workbook};

use super::Exit;
use crate::Error;
use crate::rows::Kind;
use crate::sheet::Format;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The kind of sheet.
    #[arg(value_enum)]
    pub kind: Kind,
    /// The file to write: .csv or .xlsx.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
}

pub fn run(args: &Args) -> Result<Exit, Error> {
    let path = &args.output;
    let headers: Vec<&str> = args.kind.fields().iter().map(|f| f.name).collect();
    let format = Format::from_extension(path).ok_or_else(|| {
        Error::Usage(format!(
            "{}: the template's name must end in .csv or .xlsx",
            path.display()
        ))
    })?;
    let dir = crate::sheet::folder_of(path);
    let temp = tempfile::Builder::new()
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| Error::write(path, e))?;
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(temp.as_file());
            w.write_record(&headers)
                .map_err(|e| Error::write(path, e))?;
            w.flush().map_err(|e| Error::write(path, e))?;
        }
        Format::Xlsx => {
            let mut workbook = Workbook::new();
            let sheet = workbook.add_worksheet();
            let bold = XlsxFormat::new().set_bold().set_num_format("@");
            let text = XlsxFormat::new().set_num_format("@");
            let xerr = |e: rust_xlsxwriter::XlsxError| Error::write(path, e);
            sheet.set_name(args.kind.name()).map_err(xerr)?;
            for (col, h) in headers.iter().enumerate() {
                let col = col as u16;
                sheet
                    .write_string_with_format(0, col, *h, &bold)
                    .map_err(xerr)?;
                sheet.set_column_format(col, &text).map_err(xerr)?;
                sheet
                    .set_column_width(col, (h.len() as f64 + 4.0).max(14.0))
                    .map_err(xerr)?;
            }
            sheet.set_freeze_panes(1, 0).map_err(xerr)?;
            workbook.save(temp.path()).map_err(xerr)?;
        }
    }
    temp.persist(path)
        .map_err(|e| Error::write(path, e.error))?;
    eprintln!("wrote an empty {} sheet: {}", args.kind, path.display());
    Ok(Exit::AllGood)
}
