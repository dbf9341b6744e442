//! Reading a sheet file: CSV or XLSX in, raw rows of text cells out.
//!
//! This module knows nothing of PayU or of the sheet kinds. It promises:
//! - every data row comes out once, in file order, with the row number a person sees;
//! - fully blank rows (above the header or inside the data) are skipped, not returned;
//! - a cell's text is exactly what the file holds (CSV) or what Excel shows (XLSX), and its
//!   [`CellKind`] says whether it arrived as text, a number, a date, a boolean or an error;
//! - anything that makes the file unreadable (encoding, format, emptiness) is an
//!   [`Error`] naming the file and the line or byte, before any row is handed out.

mod csv;
mod decode;
pub mod limits;
mod xlsx;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::Error;

pub use self::csv::CsvSheet;
pub use self::xlsx::{XlsxSheet, number_text};

/// How a cell arrived in the file. CSV cells are always [`CellKind::Text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    Text,
    /// An XLSX number cell; its text is the number as Excel shows it (15 significant digits).
    Number,
    Bool,
    /// An XLSX date cell; its text is an ISO date (`2026-01-31`) or date-time
    /// (`2026-01-31 14:05:00`).
    Date,
    /// An XLSX error cell (`#N/A`, `#REF!`…); its text is the error as Excel shows it.
    Error,
}

/// A borrowed view of one cell, whatever the file format.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellRef<'a> {
    pub text: &'a str,
    pub kind: CellKind,
}

/// The cells of one row, each format in one buffer for all its cells.
#[derive(Debug, Clone)]
pub enum Cells {
    Csv(::csv::StringRecord),
    Xlsx(XlsxCells),
}

/// The cells of an XLSX row: their texts one after another, and each cell's end and kind.
#[derive(Debug, Clone, Default)]
pub struct XlsxCells {
    text: String,
    ends: Vec<(usize, CellKind)>,
}

impl XlsxCells {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<CellRef<'_>> {
        let &(end, kind) = self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1].0 };
        Some(CellRef {
            text: &self.text[start..end],
            kind,
        })
    }

    pub fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    /// Appends a cell whose text `write` puts at the end of the buffer.
    pub fn push_with(&mut self, kind: CellKind, write: impl FnOnce(&mut String)) {
        write(&mut self.text);
        self.ends.push((self.text.len(), kind));
    }

    /// Drops cells past `n`, or adds empty ones up to it.
    pub fn set_len(&mut self, n: usize) {
        if n < self.ends.len() {
            self.ends.truncate(n);
            self.text.truncate(self.ends.last().map_or(0, |e| e.0));
        } else {
            let end = self.text.len();
            self.ends.resize(n, (end, CellKind::Text));
        }
    }

    /// How many cells there are up to the last one that holds something.
    pub fn filled_len(&self) -> usize {
        (0..self.len())
            .rev()
            .find(|&i| self.get(i).is_some_and(|c| !c.text.trim().is_empty()))
            .map_or(0, |i| i + 1)
    }
}

/// One data row of the sheet.
#[derive(Debug, Clone)]
pub struct RawRow {
    /// The row's number as a person sees it: the Excel row number for XLSX; for CSV the
    /// record's position counting the header as row 1.
    pub number: u64,
    pub cells: Cells,
}

impl RawRow {
    pub fn len(&self) -> usize {
        match &self.cells {
            Cells::Csv(r) => r.len(),
            Cells::Xlsx(c) => c.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> Option<CellRef<'_>> {
        match &self.cells {
            Cells::Csv(r) => r.get(i).map(|text| CellRef {
                text,
                kind: CellKind::Text,
            }),
            Cells::Xlsx(c) => c.get(i),
        }
    }

    /// Every cell, in order: a walk through the row, cheaper than looking each cell up.
    pub fn cells(&self) -> impl Iterator<Item = CellRef<'_>> + '_ {
        let (csv, xlsx) = match &self.cells {
            Cells::Csv(r) => (Some(r.iter()), None),
            Cells::Xlsx(c) => (None, Some((0..c.len()).filter_map(|i| c.get(i)))),
        };
        let text = |text| CellRef {
            text,
            kind: CellKind::Text,
        };
        csv.into_iter()
            .flatten()
            .map(text)
            .chain(xlsx.into_iter().flatten())
    }

    /// The texts of the first `width` cells, in order, with empty ones for cells the row
    /// lacks.
    pub fn texts(&self, width: usize) -> impl Iterator<Item = &str> + '_ {
        self.cells()
            .map(|c| c.text)
            .chain(std::iter::repeat(""))
            .take(width)
    }

    /// True when every cell is empty or white space.
    pub fn is_blank(&self) -> bool {
        self.cells().all(|c| c.text.trim().is_empty())
    }
}

/// A run of consecutive data rows. For CSV its rows return to the reader when it is dropped,
/// and the next records are read into their buffers: reading allocates nothing per row.
pub struct Chunk {
    rows: Vec<RawRow>,
    pool: Option<std::sync::mpsc::Sender<Vec<RawRow>>>,
}

impl Chunk {
    pub fn new(rows: Vec<RawRow>) -> Chunk {
        Chunk { rows, pool: None }
    }

    fn pooled(rows: Vec<RawRow>, pool: std::sync::mpsc::Sender<Vec<RawRow>>) -> Chunk {
        Chunk {
            rows,
            pool: Some(pool),
        }
    }
}

impl std::ops::Deref for Chunk {
    type Target = [RawRow];

    fn deref(&self) -> &[RawRow] {
        &self.rows
    }
}

impl Drop for Chunk {
    fn drop(&mut self) {
        if let Some(pool) = &self.pool {
            // The reader may be gone (it finished, or failed): then the rows are just freed.
            let _ = pool.send(std::mem::take(&mut self.rows));
        }
    }
}

/// The file formats a sheet can come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// The format an output path asks for by its extension, if it names one.
    pub fn from_extension(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "tsv" | "txt" => Some(Format::Csv),
            "xlsx" | "xlsm" => Some(Format::Xlsx),
            _ => None,
        }
    }
}

/// Options that say how to read the input.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The XLSX sheet to read; the first visible worksheet when `None`.
    pub sheet: Option<String>,
    /// A WHATWG encoding label for CSV files without a BOM (`windows-1250`, `windows-1252`…).
    pub encoding: Option<String>,
}

/// An opened sheet: its header is read; its rows are read on demand.
pub enum Sheet {
    Csv(CsvSheet),
    Xlsx(XlsxSheet),
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE2_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0";

impl Sheet {
    /// Opens `path`, decides its format from its content and name, and reads its header.
    pub fn open(path: &Path, opts: &ReadOptions) -> Result<Sheet, Error> {
        let mut head = Vec::with_capacity(8);
        File::open(path)
            .and_then(|f| f.take(8).read_to_end(&mut head))
            .map_err(|source| Error::Open {
                path: path.to_path_buf(),
                source,
            })?;
        if head.is_empty() {
            return Err(Error::Empty {
                path: path.to_path_buf(),
            });
        }
        let named = Format::from_extension(path);
        if head.starts_with(OLE2_MAGIC) {
            return Err(Error::format(
                path,
                "this is a password-protected workbook or an old .xls file; open it in Excel, \
                 remove the password and save it as .xlsx (or CSV)",
            ));
        }
        let is_zip = head.starts_with(ZIP_MAGIC);
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if is_zip && ext.as_deref() == Some("ods") {
            return Err(Error::format(
                path,
                "OpenDocument spreadsheets are not read; save it as .xlsx or CSV",
            ));
        }
        match (is_zip, named) {
            (true, Some(Format::Xlsx)) => Ok(Sheet::Xlsx(XlsxSheet::open(path, opts)?)),
            (true, _) => Err(Error::format(
                path,
                "the file is an XLSX workbook (a zip archive) but its name does not end in .xlsx; \
                 rename it to .xlsx",
            )),
            (false, Some(Format::Xlsx)) => Err(Error::format(
                path,
                "the name ends in .xlsx but the file is not an XLSX workbook; \
                 if it is a CSV export, rename it to .csv",
            )),
            (false, _) => {
                if opts.sheet.is_some() {
                    return Err(Error::Usage(format!(
                        "{}: --sheet applies to XLSX workbooks, and this is a CSV file",
                        path.display()
                    )));
                }
                Ok(Sheet::Csv(CsvSheet::open(path, opts)?))
            }
        }
    }

    pub fn path(&self) -> &Path {
        match self {
            Sheet::Csv(s) => &s.path,
            Sheet::Xlsx(s) => &s.path,
        }
    }

    pub fn format(&self) -> Format {
        match self {
            Sheet::Csv(_) => Format::Csv,
            Sheet::Xlsx(_) => Format::Xlsx,
        }
    }

    /// The header cells exactly as the file spells them.
    pub fn headers(&self) -> &[String] {
        match self {
            Sheet::Csv(s) => &s.headers,
            Sheet::Xlsx(s) => &s.headers,
        }
    }

    /// Calls `f` on every data row in order, without keeping the rows: a look, e.g. for
    /// references that repeat. Each call reads the file from disk again.
    pub fn scan(&self, f: impl FnMut(&RawRow)) -> Result<(), Error> {
        match self {
            Sheet::Csv(s) => s.scan(f),
            Sheet::Xlsx(s) => s.scan(f),
        }
    }

    /// Hands every data row to `f`, in order, in chunks of about `chunk` rows, read on a
    /// second thread while `f` works on the previous chunk.
    pub fn into_chunks(
        self,
        chunk: usize,
        f: impl FnMut(Chunk) -> Result<(), Error>,
    ) -> Result<(), Error> {
        match self {
            Sheet::Csv(s) => s.into_chunks(chunk, f),
            Sheet::Xlsx(s) => s.into_chunks(chunk, f),
        }
    }
}

/// The folder a file is in (`.` for a bare file name): where its temporary twin is made, so
/// that renaming it into place is atomic.
pub fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Where a reader thread puts the rows it reads: into row buffers recycled from chunks the
/// consumer has dropped, a chunk at a time.
pub(crate) struct Filler {
    chunk: usize,
    rows: Vec<RawRow>,
    filled: usize,
    tx: std::sync::mpsc::SyncSender<Result<Chunk, Error>>,
    pool_tx: std::sync::mpsc::Sender<Vec<RawRow>>,
    pool_rx: std::sync::mpsc::Receiver<Vec<RawRow>>,
    /// The consumer stopped (on an error of its own): reading can stop too.
    gone: bool,
}

impl Filler {
    /// The buffer to read the next row into: a recycled one when there is one, else `new`.
    pub(crate) fn slot(&mut self, new: impl FnOnce() -> RawRow) -> &mut RawRow {
        if self.filled == self.rows.len() {
            self.rows.push(new());
        }
        &mut self.rows[self.filled]
    }

    /// Keeps the row just read into [`Filler::slot`], and sends the chunk when it is full.
    /// False when nobody listens any more.
    pub(crate) fn keep(&mut self) -> bool {
        self.filled += 1;
        if self.filled == self.chunk {
            let fresh = self
                .pool_rx
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(self.chunk));
            let full = std::mem::replace(&mut self.rows, fresh);
            self.filled = 0;
            self.gone = self
                .tx
                .send(Ok(Chunk::pooled(full, self.pool_tx.clone())))
                .is_err();
        }
        !self.gone
    }
}

/// How many chunks one thread may hand on before it waits for the next thread to take them:
/// a little slack for a thread that falls behind for a moment.
pub const CHUNKS_AHEAD: usize = 4;

/// Runs `read` on a thread of its own, handing the chunks it fills to `consume` in order on
/// this one. An error of either side stops both; `consume`'s comes first.
pub(crate) fn read_in_chunks(
    chunk: usize,
    read: impl FnOnce(&mut Filler) -> Result<(), Error> + Send,
    mut consume: impl FnMut(Chunk) -> Result<(), Error>,
) -> Result<(), Error> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Chunk, Error>>(CHUNKS_AHEAD);
    let (pool_tx, pool_rx) = std::sync::mpsc::channel::<Vec<RawRow>>();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut filler = Filler {
                chunk,
                rows: Vec::with_capacity(chunk),
                filled: 0,
                tx,
                pool_tx,
                pool_rx,
                gone: false,
            };
            let result = read(&mut filler);
            let last = match result {
                Ok(()) if filler.filled == 0 || filler.gone => return,
                Ok(()) => {
                    filler.rows.truncate(filler.filled);
                    Ok(Chunk::pooled(
                        std::mem::take(&mut filler.rows),
                        filler.pool_tx.clone(),
                    ))
                }
                Err(e) => Err(e),
            };
            // The consumer may have stopped on an error of its own; then nobody needs this.
            let _ = filler.tx.send(last);
        });
        for message in rx {
            consume(message?)?;
        }
        Ok(())
    })
}

/// The path of a file beside `input` with the extension replaced: `pay.csv` → `pay.results.csv`.
pub fn sibling_path(input: &Path, infix: &str, ext: &str) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sheet".to_owned());
    input.with_file_name(format!("{stem}.{infix}.{ext}"))
}
