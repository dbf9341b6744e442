//! Character encodings of CSV files: which one a file is in, and a reader that turns a
//! legacy or UTF-16 file into UTF-8 while remembering where each byte came from, so that an
//! undecodable byte is reported with its line and offset instead of becoming mojibake.

use std::io::{self, Read};

use encoding_rs::{Decoder, DecoderResult, Encoding, UTF_8, UTF_16BE, UTF_16LE};

/// The encoding a CSV file is read in, and whether it began with a byte-order mark.
#[derive(Debug, Clone, Copy)]
pub struct Detected {
    pub encoding: &'static Encoding,
    /// Length of the byte-order mark at the start of the file (0 when there is none).
    pub bom_len: usize,
}

impl Detected {
    /// Decides from the first bytes of the file and the `--encoding` label. A byte-order mark
    /// wins over the label, as in every browser and in Excel.
    pub fn from_start(start: &[u8], label: Option<&'static Encoding>) -> Detected {
        if let Some((encoding, bom_len)) = Encoding::for_bom(start) {
            return Detected { encoding, bom_len };
        }
        Detected {
            encoding: label.unwrap_or(UTF_8),
            bom_len: 0,
        }
    }

    /// UTF-8 files are handed to the CSV reader as they are (it checks UTF-8 itself, fast);
    /// every other encoding goes through [`DecodingReader`].
    pub fn is_utf8(&self) -> bool {
        self.encoding == UTF_8
    }

    pub fn is_utf16(&self) -> bool {
        self.encoding == UTF_16LE || self.encoding == UTF_16BE
    }
}

/// Resolves a `--encoding` label (`windows-1250`, `cp1252`, `latin1`, `utf-16le`…).
pub fn encoding_for_label(label: &str) -> Option<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes())
}

/// What the decoding reader reports, inside an `io::Error`, for a byte sequence that is not
/// valid in the encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeFailure {
    /// Offset of the first bad byte from the start of the file (the byte-order mark included).
    pub offset: u64,
    /// The line (1-based) the bad byte is on.
    pub line: u64,
}

impl std::fmt::Display for DecodeFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "undecodable bytes at line {} (byte offset {})",
            self.line, self.offset
        )
    }
}

impl std::error::Error for DecodeFailure {}

/// Turns bytes in any encoding into UTF-8, failing at the first malformed sequence.
pub struct DecodingReader<R> {
    inner: R,
    decoder: Decoder,
    input: Box<[u8]>,
    in_start: usize,
    in_end: usize,
    output: Box<[u8]>,
    out_start: usize,
    out_end: usize,
    /// Input bytes handed to the decoder so far, counted from the start of the file.
    consumed: u64,
    /// Line feeds produced so far.
    newlines: u64,
    eof: bool,
    done: bool,
}

impl<R: Read> DecodingReader<R> {
    /// `skipped` is how many bytes of the file were already read past (the byte-order mark),
    /// so that offsets count from the start of the file.
    pub fn new(inner: R, encoding: &'static Encoding, skipped: u64) -> Self {
        DecodingReader {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            input: vec![0; 64 * 1024].into_boxed_slice(),
            in_start: 0,
            in_end: 0,
            output: vec![0; 3 * 64 * 1024 + 16].into_boxed_slice(),
            out_start: 0,
            out_end: 0,
            consumed: skipped,
            newlines: 0,
            eof: false,
            done: false,
        }
    }
}

impl<R: Read> Read for DecodingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.out_start < self.out_end {
                let n = buf.len().min(self.out_end - self.out_start);
                buf[..n].copy_from_slice(&self.output[self.out_start..self.out_start + n]);
                self.out_start += n;
                return Ok(n);
            }
            if self.done {
                return Ok(0);
            }
            if self.in_start == self.in_end && !self.eof {
                self.in_start = 0;
                self.in_end = 0;
                let n = self.inner.read(&mut self.input)?;
                if n == 0 {
                    self.eof = true;
                } else {
                    self.in_end = n;
                }
            }
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.input[self.in_start..self.in_end],
                &mut self.output,
                self.eof,
            );
            self.in_start += read;
            self.consumed += read as u64;
            self.out_start = 0;
            self.out_end = written;
            match result {
                DecoderResult::InputEmpty if self.eof => self.done = true,
                DecoderResult::InputEmpty | DecoderResult::OutputFull => {}
                DecoderResult::Malformed(bad, after) => {
                    let before_bad = u64::from(bad) + u64::from(after);
                    let lines_before = memchr_count(&self.output[..written]);
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        DecodeFailure {
                            offset: self.consumed.saturating_sub(before_bad),
                            line: self.newlines + lines_before + 1,
                        },
                    ));
                }
            }
            self.newlines += memchr_count(&self.output[..written]);
        }
    }
}

fn memchr_count(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::WINDOWS_1250;

    fn decode_all(bytes: &[u8], enc: &'static Encoding) -> Result<String, DecodeFailure> {
        let mut out = String::new();
        DecodingReader::new(bytes, enc, 0)
            .read_to_string(&mut out)
            .map_err(|e| *e.into_inner().unwrap().downcast::<DecodeFailure>().unwrap())?;
        Ok(out)
    }

    #[test]
    fn decodes_windows_1250_polish_letters() {
        // "Łódź" in windows-1250.
        let bytes = [0xA3, 0xF3, 0x64, 0x9F];
        assert_eq!(decode_all(&bytes, WINDOWS_1250).unwrap(), "Łódź");
    }

    #[test]
    fn reports_line_and_offset_of_a_bad_utf16_sequence() {
        // "a\nb\n" then an unpaired high surrogate, in UTF-16LE.
        let mut bytes = Vec::new();
        for u in "a\nb\n".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        bytes.extend_from_slice(&0xD800u16.to_le_bytes());
        bytes.extend_from_slice(&u16::from(b'c').to_le_bytes());
        let err = decode_all(&bytes, UTF_16LE).unwrap_err();
        assert_eq!(err.line, 3);
        assert_eq!(err.offset, 8);
    }

    #[test]
    fn bom_decides_over_label() {
        let d = Detected::from_start(b"\xFF\xFEa\0", Some(WINDOWS_1250));
        assert!(d.is_utf16());
        assert_eq!(d.bom_len, 2);
        let d = Detected::from_start(b"abc", Some(WINDOWS_1250));
        assert_eq!(d.encoding, WINDOWS_1250);
    }
}
