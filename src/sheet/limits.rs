//! How much of a file the tool reads: bounds on the work and memory a hostile file can cost,
//! each refused with the limit named (the README's validate section lists them).
//!
//! The bounds are far past any payout sheet (a million rows is a 100 MB CSV or a 50 MB
//! workbook) and close enough that a file made to exhaust the machine stops at once.

use std::io::{self, Read};
use std::path::Path;

use crate::Error;

/// The largest CSV file read.
pub const CSV_FILE_MAX: u64 = 1 << 30;
/// The largest XLSX file read (compressed, as it is on disk).
pub const XLSX_FILE_MAX: u64 = 256 << 20;
/// The longest line of a CSV file, and the largest row (all its cells together).
pub const ROW_MAX_BYTES: usize = 1 << 20;
/// The most columns a sheet may have (a payout sheet has about 30).
pub const MAX_COLUMNS: usize = 1024;
/// The largest worksheet part of a workbook, expanded (it is streamed, never held).
pub const XLSX_SHEET_PART_MAX: u64 = 1 << 30;
/// The largest shared-strings part, expanded: calamine holds every shared string in memory.
pub const XLSX_SHARED_STRINGS_MAX: u64 = 100 << 20;
/// The largest other part of a workbook (styles, workbook, relationships…), expanded.
pub const XLSX_OTHER_PART_MAX: u64 = 64 << 20;
/// The most parts a workbook may have.
pub const XLSX_PARTS_MAX: usize = 10_000;

/// Megabytes or gigabytes, as the limits are written.
pub fn size(bytes: u64) -> String {
    if bytes >= 1 << 30 && bytes.is_multiple_of(1 << 30) {
        format!("{} GiB", bytes >> 30)
    } else {
        format!("{} MiB", bytes >> 20)
    }
}

/// Refuses a file larger than `max`.
pub fn file_size(path: &Path, max: u64) -> Result<(), Error> {
    let len = std::fs::metadata(path)
        .map_err(|source| Error::Open {
            path: path.to_path_buf(),
            source,
        })?
        .len();
    if len > max {
        return Err(Error::format(
            path,
            format!(
                "the file is {} bytes; the tool reads files of at most {} (split the sheet)",
                len,
                size(max)
            ),
        ));
    }
    Ok(())
}

/// Refuses a header of more than [`MAX_COLUMNS`] cells.
pub fn columns(path: &Path, n: usize) -> Result<(), Error> {
    if n > MAX_COLUMNS {
        return Err(Error::format(
            path,
            format!("the header has {n} columns; the tool reads at most {MAX_COLUMNS}"),
        ));
    }
    Ok(())
}

/// Checks every part of a workbook against its limit before calamine expands any, from the
/// sizes the zip's directory declares: the zip crate refuses to expand a part past its
/// declared size, so a part cannot claim to be small and turn out large.
pub fn xlsx_parts(path: &Path) -> Result<(), Error> {
    file_size(path, XLSX_FILE_MAX)?;
    let file = std::fs::File::open(path).map_err(|source| Error::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let mut zip = zip::ZipArchive::new(io::BufReader::new(file))
        .map_err(|e| Error::format(path, format!("cannot open the workbook: {e}")))?;
    if zip.len() > XLSX_PARTS_MAX {
        return Err(Error::format(
            path,
            format!(
                "the workbook has {} parts; the tool reads workbooks of at most {XLSX_PARTS_MAX}",
                zip.len()
            ),
        ));
    }
    for i in 0..zip.len() {
        let part = zip
            .by_index_raw(i)
            .map_err(|e| Error::format(path, format!("cannot open the workbook: {e}")))?;
        let raw_name = part.name().map(|n| n.into_owned()).unwrap_or_default();
        let name = raw_name.to_ascii_lowercase();
        let (max, what) = if name.ends_with("sharedstrings.xml") {
            (XLSX_SHARED_STRINGS_MAX, "its shared strings")
        } else if name.starts_with("xl/worksheets/") {
            (XLSX_SHEET_PART_MAX, "a worksheet")
        } else {
            (XLSX_OTHER_PART_MAX, "a part")
        };
        if part.size() > max {
            return Err(Error::format(
                path,
                format!(
                    "{what} ({}) expands to {} bytes; the tool expands at most {} (is it a zip bomb?)",
                    crate::text::quoted(&raw_name),
                    part.size(),
                    size(max)
                ),
            ));
        }
    }
    Ok(())
}

/// What [`LineLimit`] reports, inside an `io::Error`, for a line past [`ROW_MAX_BYTES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineTooLong {
    /// The line (1-based).
    pub line: u64,
}

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {} is longer than {} (the longest row the tool reads)",
            self.line,
            size(ROW_MAX_BYTES as u64)
        )
    }
}

impl std::error::Error for LineTooLong {}

/// Stops reading at a line longer than [`ROW_MAX_BYTES`] (CR, LF or CRLF ends a line), so a
/// file of one endless line is refused after a megabyte, not held whole. One vectorised
/// search per buffer: the usual file pays next to nothing.
pub struct LineLimit<R> {
    inner: R,
    /// Bytes since the last line end.
    run: usize,
    /// Line ends seen.
    lines: u64,
    /// Whether the last byte read was a CR.
    after_cr: bool,
}

impl<R> LineLimit<R> {
    pub fn new(inner: R) -> LineLimit<R> {
        LineLimit {
            inner,
            run: 0,
            lines: 0,
            after_cr: false,
        }
    }
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let got = &buf[..n];
        let mut last_end = None;
        for i in memchr::memchr2_iter(b'\n', b'\r', got) {
            // A gap between two line ends longer than the limit is a long line too.
            let since = match last_end {
                None => self.run + i,
                Some(j) => i - j - 1,
            };
            if since > ROW_MAX_BYTES {
                return Err(self.too_long());
            }
            // CRLF is one line end: its CR is counted, its LF not (even across two reads).
            let after_cr = if i == 0 {
                self.after_cr
            } else {
                got[i - 1] == b'\r'
            };
            if got[i] == b'\r' || !after_cr {
                self.lines += 1;
            }
            last_end = Some(i);
        }
        if n > 0 {
            self.after_cr = got[n - 1] == b'\r';
        }
        self.run = match last_end {
            None => self.run + n,
            Some(j) => n - j - 1,
        };
        if self.run > ROW_MAX_BYTES {
            return Err(self.too_long());
        }
        Ok(n)
    }
}

impl<R> LineLimit<R> {
    fn too_long(&self) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            LineTooLong {
                line: self.lines + 1,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8], chunk: usize) -> Result<usize, u64> {
        struct Chunks<'a>(&'a [u8], usize);
        impl Read for Chunks<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut r = LineLimit::new(Chunks(bytes, chunk));
        let mut out = Vec::new();
        r.read_to_end(&mut out).map_err(|e| {
            e.get_ref()
                .and_then(|e| e.downcast_ref::<LineTooLong>())
                .map(|l| l.line)
                .unwrap_or(0)
        })
    }

    #[test]
    fn a_long_line_is_refused_with_its_number_whatever_the_reads() {
        let mut file = b"a,b\r\nc,d\re,f\n".to_vec();
        file.extend(std::iter::repeat_n(b'x', ROW_MAX_BYTES + 1));
        file.extend(b"\nlast\n");
        for chunk in [1, 7, 4096, 1 << 22] {
            assert_eq!(read_all(&file, chunk), Err(4), "chunk {chunk}");
        }
        let ok = [b"x".repeat(ROW_MAX_BYTES), b"\n".to_vec()]
            .concat()
            .repeat(3);
        for chunk in [1000, 1 << 22] {
            assert_eq!(read_all(&ok, chunk), Ok(ok.len()));
        }
    }
}
