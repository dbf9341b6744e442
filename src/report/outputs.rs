//! Proving a run's outputs can be written before anything is done that cannot be undone.
//!
//! A results file that cannot be written after rows were paid loses the record of the
//! payment: so every output (the results, `--summary-json`, a report workbook) is checked
//! before the first request leaves, and before a long validation is wasted. An output must
//! be in a folder that exists and can be written to, must be a regular file if it exists
//! already (renaming a file over `/dev/null` or a pipe replaces it), must not be the input
//! or the journal (by file identity, not by name: a hard link or `./` prefix names the same
//! file), must not be another output, and a results file must have an extension that says
//! its format.

use std::path::{Path, PathBuf};

use crate::Error;
use crate::report::CsvStyle;
use crate::sheet::{Format, Sheet, folder_of, sibling_path};

/// What an output is, for the rules its name keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The results file: `.csv`, `.tsv`, `.txt` or `.xlsx` (the extension chooses).
    Results,
    /// The summary as JSON.
    SummaryJson,
    /// A workbook: `.xlsx` only.
    Workbook,
}

/// One file a run will write.
#[derive(Debug, Clone)]
pub struct Output<'a> {
    pub path: &'a Path,
    /// The flag that named it (`-o`, `--summary-json`), or `None` for a default path.
    pub flag: Option<&'static str>,
    pub role: Role,
}

impl Output<'_> {
    /// How the refusal names this output.
    fn name(&self) -> String {
        match self.flag {
            Some(flag) => format!("{flag} {}", self.path.display()),
            None => format!("the results file {}", self.path.display()),
        }
    }

    /// What to do about a refusal.
    fn hint(&self) -> &'static str {
        match self.flag {
            Some(_) => "choose another path",
            None => "choose another path with -o",
        }
    }
}

/// A file the outputs must never replace: the input sheet, the journal.
#[derive(Debug, Clone, Copy)]
pub struct Protected<'a> {
    pub what: &'static str,
    pub path: &'a Path,
}

/// Checks every output against the rules of the module doc; the first that breaks one is
/// refused in one sentence naming its flag and path. Nothing is written but a temporary
/// file in each output's folder, removed at once.
pub fn preflight(protected: &[Protected], outputs: &[Output]) -> Result<(), Error> {
    let mut seen: Vec<(PathBuf, Option<Identity>, String)> = Vec::new();
    for p in protected {
        seen.push((
            absolute(p.path),
            Identity::of(p.path),
            format!("the {}", p.what),
        ));
    }
    let protected_count = seen.len();
    for out in outputs {
        let folder = folder_of(out.path);
        match std::fs::metadata(&folder) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(Error::Usage(format!(
                    "{}: {} is not a folder; {}",
                    out.name(),
                    folder.display(),
                    out.hint()
                )));
            }
            Err(_) => {
                return Err(Error::Usage(format!(
                    "{}: the folder {} does not exist; create it or {}",
                    out.name(),
                    folder.display(),
                    out.hint()
                )));
            }
        }
        if let Ok(m) = std::fs::metadata(out.path)
            && !m.is_file()
        {
            return Err(Error::Usage(format!(
                "{}: is not a regular file (a folder, device or pipe), and outputs are only written as regular files; {}",
                out.name(),
                out.hint()
            )));
        }
        check_extension(out)?;
        let here = absolute(out.path);
        let identity = Identity::of(out.path);
        for (k, (path, id, what)) in seen.iter().enumerate() {
            let same = *path == here || (identity.is_some() && identity == *id);
            if same {
                let why = if k < protected_count {
                    format!("it is {what}, which it would replace")
                } else {
                    format!("{what} names the same file")
                };
                return Err(Error::Usage(format!(
                    "{}: {why}; {}",
                    out.name(),
                    out.hint()
                )));
            }
        }
        tempfile::Builder::new()
            .prefix(".payu-bulk-check")
            .tempfile_in(&folder)
            .map_err(|e| {
                Error::Usage(format!(
                    "{}: the folder {} cannot be written to ({e}); {}",
                    out.name(),
                    folder.display(),
                    out.hint()
                ))
            })?;
        seen.push((here, identity, out.name()));
    }
    Ok(())
}

/// Where the results of `input` go, and in which format: `output` when given (its extension
/// choosing the format), else beside the input as `<name>.results.<ext>`. Refused when the
/// results would overwrite the input itself.
pub fn results_path(
    input: &Path,
    input_format: Format,
    output: Option<&Path>,
) -> Result<(PathBuf, Format), Error> {
    let (path, format) = match output {
        Some(p) => (
            p.to_path_buf(),
            Format::from_extension(p).unwrap_or(input_format),
        ),
        None => {
            let ext = match input_format {
                Format::Csv => input
                    .extension()
                    .and_then(|e| e.to_str())
                    .filter(|e| {
                        Format::from_extension(Path::new(&format!("x.{e}"))) == Some(Format::Csv)
                    })
                    .unwrap_or("csv")
                    .to_owned(),
                Format::Xlsx => "xlsx".to_owned(),
            };
            (sibling_path(input, "results", &ext), input_format)
        }
    };
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    };
    if same(&path, input) {
        return Err(Error::Usage(format!(
            "{}: the results would overwrite the sheet itself; choose another path with -o",
            path.display()
        )));
    }
    Ok((path, format))
}

/// How the CSV results mirror the input: its delimiter and line ends, and a byte-order mark
/// when it had one or was not UTF-8.
pub fn csv_style(sheet: &Sheet) -> CsvStyle {
    match sheet {
        Sheet::Csv(s) => CsvStyle {
            delimiter: s.delimiter,
            crlf: s.crlf,
            // A sheet that was not UTF-8 comes back as UTF-8 with a BOM, so that Excel shows
            // its Polish or accented names right.
            bom: s.had_bom() || s.encoding() != encoding_rs::UTF_8,
        },
        Sheet::Xlsx(_) => CsvStyle::default(),
    }
}

/// Every file a run writes, `results` first (`named`: whether `-o` named it), then the
/// summary JSON and the workbook when asked: what [`preflight`] proves writable before the
/// run does anything.
pub fn of_run<'a>(
    results: &'a Path,
    named: bool,
    summary_json: Option<&'a Path>,
    workbook: Option<&'a Path>,
) -> Vec<Output<'a>> {
    let mut all = vec![Output {
        path: results,
        flag: named.then_some("-o"),
        role: Role::Results,
    }];
    if let Some(p) = summary_json {
        all.push(Output {
            path: p,
            flag: Some("--summary-json"),
            role: Role::SummaryJson,
        });
    }
    if let Some(p) = workbook {
        all.push(Output {
            path: p,
            flag: Some("--report"),
            role: Role::Workbook,
        });
    }
    all
}

fn check_extension(out: &Output) -> Result<(), Error> {
    let ext = || match out.path.extension() {
        Some(e) => format!("'.{}' is not a results format", e.to_string_lossy()),
        None => "a name without an extension says no format".to_owned(),
    };
    match out.role {
        Role::Results if Format::from_extension(out.path).is_none() => Err(Error::Usage(format!(
            "{}: {}; a results file ends in .csv, .tsv, .txt or .xlsx, and the extension chooses the format",
            out.name(),
            ext()
        ))),
        Role::Workbook
            if !out
                .path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("xlsx")) =>
        {
            Err(Error::Usage(format!(
                "{}: a workbook ends in .xlsx",
                out.name()
            )))
        }
        _ => Ok(()),
    }
}

/// `path` made absolute, with its folder's links resolved where the folder exists: two
/// spellings of one path compare equal even when the file does not exist yet.
fn absolute(path: &Path) -> PathBuf {
    let folder = folder_of(path);
    let folder = folder.canonicalize().unwrap_or(folder);
    match path.file_name() {
        Some(name) => folder.join(name),
        None => folder,
    }
}

/// Which file a path is, whatever it is called: device and inode on Unix, the resolved path
/// elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Identity {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg(not(unix))]
    Path(PathBuf),
}

impl Identity {
    fn of(path: &Path) -> Option<Identity> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let m = std::fs::metadata(path).ok()?;
            Some(Identity::Inode(m.dev(), m.ino()))
        }
        #[cfg(not(unix))]
        {
            path.canonicalize().ok().map(Identity::Path)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn results(path: &Path) -> Output<'_> {
        Output {
            path,
            flag: Some("-o"),
            role: Role::Results,
        }
    }

    #[test]
    fn outputs_are_checked_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("pay.csv");
        std::fs::write(&input, "a\n").unwrap();
        let linked = dir.path().join("linked.csv");
        std::fs::hard_link(&input, &linked).unwrap();
        let protect = [Protected {
            what: "input sheet",
            path: &input,
        }];
        let refused = |outs: &[Output]| preflight(&protect, outs).unwrap_err().to_string();

        let ok = dir.path().join("out.csv");
        preflight(&protect, &[results(&ok)]).unwrap();
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            2,
            "the check leaves nothing behind"
        );

        let err = refused(&[results(&dir.path().join("missing/out.csv"))]);
        assert!(err.contains("does not exist"), "{err}");
        let err = refused(&[results(&dir.path().join("out.pdf"))]);
        assert!(err.contains("'.pdf' is not a results format"), "{err}");
        let err = refused(&[results(&linked)]);
        assert!(err.contains("it is the input sheet"), "{err}");
        let json = Output {
            path: &linked,
            flag: Some("--summary-json"),
            role: Role::SummaryJson,
        };
        let err = refused(&[results(&ok), json]);
        assert!(err.starts_with("--summary-json"), "{err}");
        let same = Output {
            path: &ok,
            flag: Some("--summary-json"),
            role: Role::SummaryJson,
        };
        let err = refused(&[results(&ok), same]);
        assert!(err.contains("names the same file"), "{err}");
        let folder = dir.path().join("folder.csv");
        std::fs::create_dir(&folder).unwrap();
        let err = refused(&[results(&folder)]);
        assert!(err.contains("not a regular file"), "{err}");
        let book = Output {
            path: &ok,
            flag: Some("--report"),
            role: Role::Workbook,
        };
        assert!(refused(&[book]).contains("ends in .xlsx"));
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_not_an_output() {
        let dev = Path::new("/dev/null");
        let err = preflight(&[], &[results(dev)]).unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{err}");
    }
}
