//! The errors that stop a run before or while its rows are read: each names the file and,
//! where there is one, the row, column or byte that is wrong. Problems of single rows are
//! not errors: they are [`crate::validate::Problem`]s written into the results file.

use std::path::PathBuf;

/// Something that stops the whole run (exit code 2): nothing useful can be written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: cannot read the file: {source}", path.display())]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: the file is empty", path.display())]
    Empty { path: PathBuf },
    #[error("{}: {what}", path.display())]
    Format { path: PathBuf, what: String },
    #[error(
        "{}: line {line} (byte offset {offset}) is not valid {encoding}; {hint}",
        path.display()
    )]
    Decode {
        path: PathBuf,
        line: u64,
        offset: u64,
        encoding: String,
        hint: String,
    },
    #[error("{}: no header row: the file has no cells", path.display())]
    NoHeader { path: PathBuf },
    #[error("{}: {what}", path.display())]
    Headers { path: PathBuf, what: String },
    #[error("{}: {what}", path.display())]
    Write { path: PathBuf, what: String },
    #[error("{0}")]
    Usage(String),
}

impl Error {
    pub fn format(path: &std::path::Path, what: impl Into<String>) -> Error {
        Error::Format {
            path: path.to_path_buf(),
            what: what.into(),
        }
    }

    pub fn write(path: &std::path::Path, what: impl std::fmt::Display) -> Error {
        Error::Write {
            path: path.to_path_buf(),
            what: what.to_string(),
        }
    }
}
