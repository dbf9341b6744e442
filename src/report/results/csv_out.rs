//! The CSV results writer: the input's own style (delimiter, line ends, byte-order mark),
//! fields quoted only where they need it, written out in large blocks.

use std::io::Write;

/// How the CSV results mirror the input: delimiter, line ends, byte-order mark.
#[derive(Debug, Clone, Copy)]
pub struct CsvStyle {
    pub delimiter: u8,
    pub crlf: bool,
    pub bom: bool,
}

impl Default for CsvStyle {
    fn default() -> Self {
        CsvStyle {
            delimiter: b',',
            crlf: false,
            bom: false,
        }
    }
}

/// CSV out, RFC 4180 style: a field holding the delimiter, a quote or a line break is quoted
/// and its quotes doubled. Whether a field needs that is found by a vectorised search (over a
/// whole row at once, for the usual row): the csv crate's writer decides it byte by byte,
/// which was a fifth of `validate`'s time on a large CSV. Rows are gathered in one buffer and
/// written out a few hundred kilobytes at a time.
pub(super) struct CsvOut<W: Write> {
    out: W,
    buf: Vec<u8>,
    delimiter: u8,
    terminator: &'static [u8],
    /// Which bytes make a field need quotes: the delimiter, `"`, CR and LF.
    special: [bool; 256],
    /// How many bytes went out so far.
    pub(super) flushed: u64,
    /// Whether the current row has a field already (so the next one needs a delimiter).
    started: bool,
}

/// How much the buffer gathers before it is written out.
const FLUSH_AT: usize = 256 * 1024;

impl<W: Write> CsvOut<W> {
    pub(super) fn new(out: W, delimiter: u8, crlf: bool) -> CsvOut<W> {
        let mut special = [false; 256];
        for b in [delimiter, b'"', b'\n', b'\r'] {
            special[usize::from(b)] = true;
        }
        CsvOut {
            out,
            buf: Vec::with_capacity(FLUSH_AT + 64 * 1024),
            delimiter,
            terminator: if crlf { b"\r\n" } else { b"\n" },
            special,
            flushed: 0,
            started: false,
        }
    }

    pub(super) fn needs_quotes(&self, bytes: &[u8]) -> bool {
        // A vectorised search pays from a few dozen bytes; a short field is quicker to walk.
        if bytes.len() < 32 {
            return bytes.iter().any(|&b| self.special[usize::from(b)]);
        }
        memchr::memchr3(self.delimiter, b'"', b'\n', bytes).is_some()
            || memchr::memchr(b'\r', bytes).is_some()
    }

    /// Bytes that go out as they are (a byte-order mark).
    pub(super) fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    fn separate(&mut self) {
        if self.started {
            self.buf.push(self.delimiter);
        }
        self.started = true;
    }

    /// A field known to need no quotes.
    pub(super) fn plain(&mut self, bytes: &[u8]) {
        self.separate();
        self.buf.extend_from_slice(bytes);
    }

    pub(super) fn field(&mut self, bytes: &[u8]) {
        if !self.needs_quotes(bytes) {
            return self.plain(bytes);
        }
        self.separate();
        self.buf.push(b'"');
        for (i, part) in bytes.split(|&b| b == b'"').enumerate() {
            if i > 0 {
                self.buf.extend_from_slice(b"\"\"");
            }
            self.buf.extend_from_slice(part);
        }
        self.buf.push(b'"');
    }

    /// Ends the row; writes the buffer out when it is full enough.
    pub(super) fn end(&mut self) -> std::io::Result<()> {
        self.started = false;
        self.buf.extend_from_slice(self.terminator);
        if self.buf.len() >= FLUSH_AT {
            self.out.write_all(&self.buf)?;
            self.flushed += self.buf.len() as u64;
            self.buf.clear();
        }
        Ok(())
    }

    /// Writes out what is left and hands back the destination.
    pub(super) fn into_inner(mut self) -> std::io::Result<W> {
        self.out.write_all(&self.buf)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn csv_out_reads_back_as_written(
            rows in proptest::collection::vec(proptest::collection::vec("[a-z;,\"\r\n =]{0,6}", 1..5), 1..5),
            semicolon in proptest::bool::ANY,
            crlf in proptest::bool::ANY,
        ) {
            let delimiter = if semicolon { b';' } else { b',' };
            let width = rows[0].len();
            let rows: Vec<Vec<String>> = rows.into_iter().map(|mut r| { r.resize(width, String::new()); r }).collect();
            let mut w = CsvOut::new(Vec::new(), delimiter, crlf);
            for row in &rows {
                for f in row {
                    w.field(f.as_bytes());
                }
                w.end().unwrap();
            }
            let back: Vec<Vec<String>> = csv::ReaderBuilder::new()
                .has_headers(false)
                .delimiter(delimiter)
                .from_reader(&w.into_inner().unwrap()[..])
                .records()
                .map(|r| r.unwrap().iter().map(str::to_owned).collect())
                .collect();
            // A row of one empty field is a blank line, which a reader skips.
            let expected: Vec<Vec<String>> = rows.into_iter().filter(|r| !(r.len() == 1 && r[0].is_empty())).collect();
            proptest::prop_assert_eq!(back, expected);
        }
    }
}
