//! A CSV results file being written: a temporary file beside its destination, the writer
//! that fills it and the syncer that puts it on disk as it grows; renamed into place whole.

use std::borrow::Cow;
use std::fs::File;
use std::path::Path;

use tempfile::NamedTempFile;

use super::super::RESULT_COLUMNS;
use super::cell::{ColumnRole, neutralize};
use super::csv_out::{CsvOut, CsvStyle};
use super::syncer::{SYNC_EVERY, Syncer};
use crate::Error;
use crate::sheet::{Cells, RawRow};

pub(super) struct CsvFile {
    temp: NamedTempFile,
    out: CsvOut<File>,
    syncer: Syncer,
    /// How far the file must grow before the syncer is woken again.
    next_sync: u64,
}

impl CsvFile {
    /// Starts the file that will become `path`, in `style`, with its header line.
    pub(super) fn create(path: &Path, headers: &[&str], style: CsvStyle) -> Result<CsvFile, Error> {
        let dir = crate::sheet::folder_of(path);
        let temp = NamedTempFile::new_in(&dir).map_err(|e| {
            Error::write(
                path,
                format!("cannot create a file in {}: {e}", dir.display()),
            )
        })?;
        let file = temp.reopen().map_err(|e| Error::write(path, e))?;
        let syncer = Syncer::start(file.try_clone().map_err(|e| Error::write(path, e))?);
        let mut out = CsvOut::new(file, style.delimiter, style.crlf);
        if style.bom {
            out.raw(b"\xEF\xBB\xBF");
        }
        for h in headers {
            out.field(neutralize(h).as_bytes());
        }
        out.end().map_err(|e| Error::write(path, e))?;
        Ok(CsvFile {
            temp,
            out,
            syncer,
            next_sync: SYNC_EVERY,
        })
    }

    /// Writes one row: the sheet's cells (one per role, card numbers masked when `any_masked`
    /// says some column holds them), then `tail`, the tool's columns.
    pub(super) fn write_row(
        &mut self,
        path: &Path,
        raw: &RawRow,
        roles: &[ColumnRole],
        any_masked: bool,
        tail: &[&str; RESULT_COLUMNS.len()],
    ) -> Result<(), Error> {
        let out = &mut self.out;
        match &raw.cells {
            // The usual row: as wide as the header, nothing to mask. One search over the
            // row's bytes decides whether any of its fields needs quotes.
            Cells::Csv(record) if record.len() == roles.len() && !any_masked => {
                let plain = !out.needs_quotes(record.as_byte_record().as_slice());
                for f in record.iter() {
                    match neutralize(f) {
                        Cow::Borrowed(f) if plain => out.plain(f.as_bytes()),
                        f => out.field(f.as_bytes()),
                    }
                }
            }
            _ => {
                for (col, t) in raw.texts(roles.len()).enumerate() {
                    out.field(neutralize(&roles[col].shown(t)).as_bytes());
                }
            }
        }
        // The row number, the status and the advice are digits, capitals and dashes that
        // never lead: nothing to quote.
        let [number, status, rest @ .., retry] = tail;
        out.plain(number.as_bytes());
        out.plain(status.as_bytes());
        for t in rest {
            out.field(neutralize(t).as_bytes());
        }
        out.plain(retry.as_bytes());
        out.end().map_err(|e| Error::write(path, e))?;
        if out.flushed >= self.next_sync {
            self.syncer.nudge();
            self.next_sync = out.flushed + SYNC_EVERY;
        }
        Ok(())
    }

    /// Writes out the rest, waits for the disk, and renames the file to `path`.
    pub(super) fn finish(self, path: &Path) -> Result<(), Error> {
        let file = self.out.into_inner().map_err(|e| Error::write(path, e))?;
        self.syncer.stop().map_err(|e| Error::write(path, e))?;
        file.sync_all().map_err(|e| Error::write(path, e))?;
        self.temp
            .persist(path)
            .map_err(|e| Error::write(path, e.error))?;
        Ok(())
    }
}
