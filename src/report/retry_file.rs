//! A whole `retry`: a results file read back, its retry sheet built ([`super::retry`]) and
//! written beside it, or where asked.

use std::path::{Path, PathBuf};

use super::retry::{self, Retry};
use super::{RESULT_COLUMNS, csv_style, original_width};
use crate::Error;
use crate::rows::{HeaderMap, Kind};
use crate::sheet::{Format, RawRow, ReadOptions, Sheet};

/// What a `retry` did: the sheet it built, and where it was written (nothing is written when
/// no row needs another attempt).
#[derive(Debug)]
pub struct Retried {
    pub retry: Retry,
    pub path: PathBuf,
}

/// Reads the results file `results` and writes the sheet of the rows that need another
/// attempt to `output` (default: beside it, `<stem>.retry.<ext>`; the extension chooses the
/// format).
pub fn write_retry_sheet(
    results: &Path,
    output: Option<&Path>,
    kind: Option<Kind>,
) -> Result<Retried, Error> {
    let sheet = Sheet::open(results, &ReadOptions::default())?;
    let headers = sheet.headers().to_vec();
    let Some(width) = original_width(&headers) else {
        return Err(Error::format(
            results,
            format!(
                "is not a results file: its last columns must be {}",
                RESULT_COLUMNS.join(", ")
            ),
        ));
    };
    let map = HeaderMap::build(results, &headers[..width], kind)?;
    let format = sheet.format();
    let (out, out_format) = match output {
        Some(p) => (p.to_path_buf(), Format::from_extension(p).unwrap_or(format)),
        None => (retry::default_path(results, format), format),
    };
    let same = match (out.canonicalize(), results.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(Error::Usage(format!(
            "{}: the retry sheet would overwrite the results file; choose another path with -o",
            out.display()
        )));
    }
    let style = csv_style(&sheet);
    let mut rows: Vec<RawRow> = Vec::new();
    sheet.scan(|r| rows.push(r.clone()))?;
    let built = retry::build(results, &headers, width, &map, &rows, format == Format::Csv)?;
    if !built.rows.is_empty() {
        retry::write(&out, out_format, style, &map, &built)?;
    }
    Ok(Retried {
        retry: built,
        path: out,
    })
}
