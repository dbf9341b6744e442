//! A work folder for end-to-end tests: write input files, run the real binary in it, read
//! what it wrote.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

use calamine::{Data, Reader, Xlsx, open_workbook};

pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("a temporary folder"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).expect("write a test file");
        p
    }

    /// Copies a file of the repository (path from its top folder) into the work folder.
    pub fn copy(&self, from_repo: &str, name: &str) -> PathBuf {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(from_repo);
        let p = self.path(name);
        std::fs::copy(&src, &p).unwrap_or_else(|e| panic!("copy {}: {e}", src.display()));
        p
    }

    /// Runs `payu-bulk` with `args` in the work folder.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_payu-bulk"))
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("run payu-bulk")
    }

    /// The names of the files in the work folder, sorted.
    pub fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .expect("list the work folder")
            .map(|e| {
                e.expect("a folder entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().expect("an exit code, not a signal")
}

/// Reads a results CSV (with or without BOM) as rows of text, header first.
pub fn read_csv(path: &Path, delimiter: u8) -> Vec<Vec<String>> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes)
        .records()
        .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
        .collect()
}

/// Reads the first sheet of a results XLSX: each cell as (text, was it a string cell).
pub fn read_xlsx(path: &Path) -> Vec<Vec<(String, bool)>> {
    let mut wb: Xlsx<_> = open_workbook(path).expect("open the results workbook");
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).expect("read the results sheet");
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Data::String(s) => (s.clone(), true),
                    Data::Empty => (String::new(), false),
                    Data::Float(f) => (f.to_string(), false),
                    Data::Int(i) => (i.to_string(), false),
                    other => (other.to_string(), false),
                })
                .collect()
        })
        .collect()
}

/// Column index of `name` in a header row.
pub fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

/// An HTTP client for tests (with the TLS provider the tool uses installed).
pub fn client() -> reqwest::blocking::Client {
    payu_bulk::client::install_tls();
    reqwest::blocking::Client::new()
}

/// A `payu-bulk sandbox` process on a port the OS chose; killed when dropped.
pub struct Sandbox {
    pub child: Child,
    pub url: String,
    pub http: reqwest::blocking::Client,
}

impl Sandbox {
    pub fn start(args: &[&str]) -> Sandbox {
        let mut child = Command::new(env!("CARGO_BIN_EXE_payu-bulk"))
            .args(["sandbox", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the sandbox");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("its stdout"))
            .read_line(&mut first)
            .expect("its first line");
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("first line: {first}"))
            .to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        Sandbox {
            child,
            url,
            http: client(),
        }
    }

    pub fn ledger(&self) -> Vec<Value> {
        let v: Value = self
            .http
            .get(format!("{}/__sandbox/ledger", self.url))
            .send()
            .unwrap()
            .json()
            .unwrap();
        v.as_array().expect("an array").clone()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
