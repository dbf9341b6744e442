//! A results file put on disk while it is still being written.

use std::fs::File;

/// How much of a CSV results file is written between two nudges of its [`Syncer`].
pub(super) const SYNC_EVERY: u64 = 16 * 1024 * 1024;

/// Puts a results file on disk while it is still being written, on a thread of its own that
/// mostly waits for the disk: the sync before the rename then has only the last few megabytes
/// left, where it had the whole file (a tenth of `validate`'s time on a million rows).
pub(super) struct Syncer {
    wake: Option<std::sync::mpsc::SyncSender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl Syncer {
    pub(super) fn start(file: File) -> Syncer {
        let (wake, woken) = std::sync::mpsc::sync_channel::<()>(1);
        let thread = std::thread::spawn(move || {
            for () in woken {
                file.sync_data()?;
            }
            Ok(())
        });
        Syncer {
            wake: Some(wake),
            thread: Some(thread),
        }
    }

    /// Asks for a sync of what is written so far; never waits (a sync already asked for
    /// covers this too).
    pub(super) fn nudge(&self) {
        if let Some(wake) = &self.wake {
            let _ = wake.try_send(());
        }
    }

    /// Waits for the sync under way, and reports the first that failed: a failed sync's error
    /// is not reported a second time by the next one.
    pub(super) fn stop(mut self) -> std::io::Result<()> {
        drop(self.wake.take());
        match self.thread.take() {
            Some(thread) => thread
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the sync thread stopped"))),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::results::csv_out::CsvOut;
    use tempfile::NamedTempFile;

    #[test]
    fn the_syncer_syncs_while_the_file_grows_and_stops_cleanly() {
        let temp = NamedTempFile::new().unwrap();
        let syncer = Syncer::start(temp.reopen().unwrap());
        let mut out = CsvOut::new(temp.reopen().unwrap(), b',', false);
        for i in 0..3 {
            out.plain(format!("row {i}").as_bytes());
            out.end().unwrap();
            syncer.nudge();
            syncer.nudge();
        }
        out.into_inner().unwrap();
        syncer.stop().unwrap();
        assert_eq!(
            std::fs::read_to_string(temp.path()).unwrap(),
            "row 0\nrow 1\nrow 2\n"
        );
    }
}
