//! CSV sheets: encoding and delimiter detection, streaming records in order.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use csv::{ReaderBuilder, StringRecord};
use encoding_rs::Encoding;

use super::decode::{DecodeFailure, DecodingReader, Detected, encoding_for_label};
use super::limits::{LineLimit, LineTooLong, ROW_MAX_BYTES};
use super::{Cells, Chunk, RawRow, ReadOptions, read_in_chunks};
use crate::Error;

/// How much of the file is looked at to choose the delimiter and line ending.
const SNIFF_BYTES: u64 = 64 * 1024;

/// A CSV file whose header has been read.
pub struct CsvSheet {
    pub path: PathBuf,
    pub headers: Vec<String>,
    pub detected: Detected,
    pub delimiter: u8,
    /// Whether the header line ended in CRLF (the results file mirrors it).
    pub crlf: bool,
    /// The header's row number (1 unless blank records came before it).
    header_number: u64,
}

impl CsvSheet {
    pub fn open(path: &Path, opts: &ReadOptions) -> Result<CsvSheet, Error> {
        let label = match opts.encoding.as_deref() {
            None => None,
            Some(l) => Some(encoding_for_label(l).ok_or_else(|| {
                Error::Usage(format!(
                    "--encoding '{l}' is not an encoding label; use for example utf-8, \
                     windows-1250 (Polish), windows-1252 (Western European) or utf-16le"
                ))
            })?),
        };
        super::limits::file_size(path, super::limits::CSV_FILE_MAX)?;
        let mut start = Vec::new();
        open_file(path)?
            .take(SNIFF_BYTES)
            .read_to_end(&mut start)
            .map_err(|source| Error::Open {
                path: path.to_path_buf(),
                source,
            })?;
        let detected = Detected::from_start(&start, label);
        if !detected.is_utf16() && looks_binary(&start) {
            return Err(Error::format(
                path,
                "the file looks binary, not like a CSV export (it is full of control bytes)",
            ));
        }
        // Lossy decoding is fine here: this text only chooses the delimiter.
        let (sample, _) = detected
            .encoding
            .decode_without_bom_handling(&start[detected.bom_len..]);
        let (delimiter, crlf) = sniff(&sample);
        let mut sheet = CsvSheet {
            path: path.to_path_buf(),
            headers: Vec::new(),
            detected,
            delimiter,
            crlf,
            header_number: 0,
        };
        let mut reader = sheet.reader()?;
        let mut record = StringRecord::new();
        let mut number = 0u64;
        loop {
            if !sheet.read_record(&mut reader, &mut record)? {
                return Err(Error::NoHeader {
                    path: path.to_path_buf(),
                });
            }
            number += 1;
            if record.iter().any(|c| !c.trim().is_empty()) {
                break;
            }
        }
        super::limits::columns(path, record.len())?;
        sheet.headers = record.iter().map(str::to_owned).collect();
        sheet.header_number = number;
        Ok(sheet)
    }

    pub fn encoding(&self) -> &'static Encoding {
        self.detected.encoding
    }

    pub fn had_bom(&self) -> bool {
        self.detected.bom_len > 0
    }

    fn reader(&self) -> Result<csv::Reader<Box<dyn Read + Send>>, Error> {
        let mut file = open_file(&self.path)?;
        let bom = self.detected.bom_len as u64;
        file.seek(SeekFrom::Start(bom))
            .map_err(|source| Error::Open {
                path: self.path.clone(),
                source,
            })?;
        let input: Box<dyn Read + Send> = if self.detected.is_utf8() {
            Box::new(LineLimit::new(file))
        } else {
            Box::new(LineLimit::new(DecodingReader::new(
                BufReader::with_capacity(0, file),
                self.detected.encoding,
                bom,
            )))
        };
        Ok(ReaderBuilder::new()
            .delimiter(self.delimiter)
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(256 * 1024)
            .from_reader(input))
    }

    /// Reads one record, turning reader errors into errors that name the file and line.
    fn read_record<R: Read>(
        &self,
        reader: &mut csv::Reader<R>,
        record: &mut StringRecord,
    ) -> Result<bool, Error> {
        reader.read_record(record).map_err(|e| self.reader_error(e))
    }

    fn reader_error(&self, e: csv::Error) -> Error {
        let encoding = self.detected.encoding.name().to_owned();
        match e.into_kind() {
            csv::ErrorKind::Utf8 { pos, err } => {
                let (line, offset) = pos.map(|p| (p.line(), p.byte())).unwrap_or((0, 0));
                Error::Decode {
                    path: self.path.clone(),
                    line,
                    offset: offset + self.detected.bom_len as u64,
                    encoding,
                    hint: format!(
                        "field {} holds bytes that are not UTF-8; if the file was saved in a \
                         legacy code page, run again with --encoding windows-1250 (Polish, \
                         Central European) or --encoding windows-1252 (Western European)",
                        err.field() + 1
                    ),
                }
            }
            csv::ErrorKind::Io(io) if line_too_long(&io).is_some() => {
                let long = line_too_long(&io).unwrap_or(LineTooLong { line: 0 });
                Error::format(&self.path, long.to_string())
            }
            csv::ErrorKind::Io(io) => match decode_failure(&io) {
                Some(f) => Error::Decode {
                    path: self.path.clone(),
                    line: f.line,
                    offset: f.offset,
                    encoding,
                    hint: if self.detected.is_utf16() {
                        "the file is damaged; export it again".to_owned()
                    } else {
                        "check that --encoding names the code page the file was saved in".to_owned()
                    },
                },
                None => Error::Open {
                    path: self.path.clone(),
                    source: io,
                },
            },
            other => Error::format(&self.path, format!("cannot read the CSV: {other:?}")),
        }
    }

    /// Reads the next data row into `record`, skipping the header and blank rows; `number`
    /// counts records. False at the end of the file.
    fn next_row<R: Read>(
        &self,
        reader: &mut csv::Reader<R>,
        number: &mut u64,
        record: &mut StringRecord,
    ) -> Result<bool, Error> {
        loop {
            if !self.read_record(reader, record)? {
                return Ok(false);
            }
            *number += 1;
            // A row of many lines (quoted line breaks) is bounded as a whole too.
            if record.as_slice().len() > ROW_MAX_BYTES {
                let line = record.position().map_or(0, |p| p.line());
                return Err(Error::format(
                    &self.path,
                    format!(
                        "the row starting on line {line} is longer than {} (the longest row the tool reads); is a quote left open?",
                        super::limits::size(ROW_MAX_BYTES as u64)
                    ),
                ));
            }
            if *number > self.header_number && !is_blank(record) {
                return Ok(true);
            }
        }
    }

    pub fn scan(&self, mut f: impl FnMut(&RawRow)) -> Result<(), Error> {
        let mut reader = self.reader()?;
        let mut row = RawRow {
            number: 0,
            cells: Cells::Csv(StringRecord::with_capacity(1024, self.headers.len())),
        };
        loop {
            let Cells::Csv(record) = &mut row.cells else {
                unreachable!("a CSV row holds a CSV record")
            };
            if !self.next_row(&mut reader, &mut row.number, record)? {
                return Ok(());
            }
            f(&row);
        }
    }

    pub fn into_chunks(
        self,
        chunk: usize,
        f: impl FnMut(Chunk) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let width = self.headers.len();
        read_in_chunks(
            chunk,
            |filler| {
                let mut reader = self.reader()?;
                let mut number = 0u64;
                loop {
                    let row = filler.slot(|| RawRow {
                        number: 0,
                        cells: Cells::Csv(StringRecord::with_capacity(256, width)),
                    });
                    let Cells::Csv(record) = &mut row.cells else {
                        unreachable!("a CSV sheet's rows hold CSV records")
                    };
                    if !self.next_row(&mut reader, &mut number, record)? {
                        return Ok(());
                    }
                    row.number = number;
                    if !filler.keep() {
                        return Ok(());
                    }
                }
            },
            f,
        )
    }
}

/// Whether every field is empty or white space. A visible ASCII byte anywhere settles it for
/// the usual row without looking at each field.
fn is_blank(record: &StringRecord) -> bool {
    !record.as_slice().bytes().any(|b| b.is_ascii_graphic())
        && record.iter().all(|c| c.trim().is_empty())
}

fn open_file(path: &Path) -> Result<File, Error> {
    File::open(path).map_err(|source| Error::Open {
        path: path.to_path_buf(),
        source,
    })
}

fn line_too_long(e: &io::Error) -> Option<LineTooLong> {
    e.get_ref()?.downcast_ref::<LineTooLong>().copied()
}

fn decode_failure(e: &io::Error) -> Option<DecodeFailure> {
    e.get_ref()?.downcast_ref::<DecodeFailure>().copied()
}

/// A text file has few control bytes besides tab, CR, LF and form feed; a binary one has many.
fn looks_binary(start: &[u8]) -> bool {
    let sample = &start[..start.len().min(8192)];
    let controls = sample
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C))
        .count();
    controls >= 4 && controls * 20 > sample.len()
}

/// Chooses the delimiter (`,`, `;` or tab, the one the header line uses most outside quotes)
/// and whether lines end in CRLF.
fn sniff(sample: &str) -> (u8, bool) {
    let mut counts = [0usize; 3];
    let mut in_quotes = false;
    let mut seen_text = false;
    let mut crlf = false;
    let mut chars = sample.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => in_quotes = !in_quotes,
            '\r' | '\n' if !in_quotes && seen_text => {
                crlf = c == '\r' && chars.peek() == Some(&'\n');
                break;
            }
            ',' if !in_quotes => counts[0] += 1,
            ';' if !in_quotes => counts[1] += 1,
            '\t' if !in_quotes => counts[2] += 1,
            c if !c.is_whitespace() => seen_text = true,
            _ => {}
        }
        if matches!(c, ',' | ';' | '\t') {
            seen_text = true;
        }
    }
    let delimiters = [b',', b';', b'\t'];
    let best = (0..3).max_by_key(|&i| (counts[i], 3 - i)).unwrap_or(0);
    let delimiter = if counts[best] == 0 {
        b','
    } else {
        delimiters[best]
    };
    (delimiter, crlf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_delimiters_outside_quotes() {
        assert_eq!(sniff("a,b,c\n1,2,3\n"), (b',', false));
        assert_eq!(sniff("a;b;\"c,d,e,f\"\r\n"), (b';', true));
        assert_eq!(sniff("\n\na\tb\tc\n"), (b'\t', false));
        assert_eq!(sniff("single\n"), (b',', false));
    }

    #[test]
    fn a_single_nul_is_not_binary_but_a_zip_body_is() {
        assert!(!looks_binary(b"a,b,c\n\0,2,3\n"));
        let junk: Vec<u8> = (0u8..=255).cycle().take(4096).collect();
        assert!(looks_binary(&junk));
    }
}
