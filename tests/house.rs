//! The house rules of docs/architecture.md §2.1, checked on the source: the commands in
//! `src/cmd/` lean on the library, never on each other, and the library never leans on them.
//! A command may name from `super::` only the commands' own exit type (`Exit`); nothing
//! outside `src/cmd/` and `src/main.rs` names `crate::cmd` (or, in the benchmarks,
//! `payu_bulk::cmd`).

use std::path::{Path, PathBuf};

/// What a command may take from `cmd/mod.rs`.
const ALLOWED_FROM_SUPER: [&str; 1] = ["Exit"];

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The code of a line, without its `//` comment (doc comments may name other commands).
fn code(line: &str) -> &str {
    match line.find("//") {
        Some(i) => &line[..i],
        None => line,
    }
}

/// The names a command's source takes from `super::` (a group `super::{a, b}` gives each),
/// other than the allowed ones, each with its line number.
fn foreign_supers(source: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in source.lines().enumerate() {
        let line = code(line);
        let mut rest = line;
        while let Some(i) = rest.find("super::") {
            rest = &rest[i + "super::".len()..];
            let names: Vec<&str> = match rest.strip_prefix('{') {
                Some(group) => top_level(group)
                    .into_iter()
                    .map(|s| s.split("::").next().unwrap_or("").trim())
                    .collect(),
                None => vec![
                    rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .next()
                        .unwrap_or(""),
                ],
            };
            for name in names {
                if !name.is_empty() && !ALLOWED_FROM_SUPER.contains(&name) {
                    found.push((n + 1, name.to_owned()));
                }
            }
        }
    }
    found
}

/// The items of a `{…}` group (the text after its `{`) at its own depth: `a, b::{c, d}}`
/// gives `a` and `b::{c, d}`.
fn top_level(group: &str) -> Vec<&str> {
    let (mut items, mut depth, mut from) = (Vec::new(), 0usize, 0);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(group[from..i].trim());
                return items;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(group[from..i].trim());
                from = i + 1;
            }
            _ => {}
        }
    }
    items.push(group[from..].trim());
    items
}

/// The lines of `source` whose code names `path` (e.g. `crate::cmd`), as `crate::cmd::x`,
/// `crate::cmd;` or within `crate::{cmd, …}`.
fn names_module(source: &str, root: &str, module: &str) -> Vec<usize> {
    let direct = format!("{root}::{module}");
    source
        .lines()
        .enumerate()
        .filter(|(_, line)| {
            let line = code(line);
            let direct_hit = line.match_indices(&direct).any(|(i, _)| {
                !line[i + direct.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
            });
            let grouped = line
                .find(&format!("{root}::{{"))
                .map(|i| &line[i..])
                .and_then(|g| g.split('}').next())
                .is_some_and(|g| {
                    g.trim_start_matches(&format!("{root}::{{"))
                        .split(',')
                        .any(|s| s.trim().split("::").next() == Some(module))
                });
            direct_hit || grouped
        })
        .map(|(n, _)| n + 1)
        .collect()
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_checks_see_what_they_look_for() {
    assert_eq!(
        foreign_supers("use super::Exit as Outcome;\nuse super::validate::Args;"),
        [(2, "validate".to_owned())]
    );
    assert_eq!(
        foreign_supers("use super::{Exit, session::{self, Where}};"),
        [(1, "session".to_owned())]
    );
    assert_eq!(
        foreign_supers("    let x = super::submit::load(a); // super::fine in a comment"),
        [(1, "submit".to_owned())]
    );
    assert!(foreign_supers("use super::Exit;\n// see super::submit").is_empty());
    assert_eq!(
        names_module("use crate::cmd::session::env_name;", "crate", "cmd"),
        [1]
    );
    assert_eq!(
        names_module("use crate::{Error, cmd};", "crate", "cmd"),
        [1]
    );
    assert_eq!(
        names_module("x(crate::cmd::session::parse(t))", "crate", "cmd"),
        [1]
    );
    assert!(
        names_module(
            "use crate::cmdline;\n//! crate::cmd in a doc",
            "crate",
            "cmd"
        )
        .is_empty()
    );
}

#[test]
fn no_command_imports_another() {
    let mut bad = Vec::new();
    for file in rust_files(&repo("src/cmd")) {
        let source = read(&file);
        if file.file_name().is_some_and(|n| n == "mod.rs") {
            continue;
        }
        for (line, name) in foreign_supers(&source) {
            bad.push(format!("{}:{line}: super::{name}", file.display()));
        }
        for line in names_module(&source, "crate", "cmd") {
            bad.push(format!("{}:{line}: crate::cmd", file.display()));
        }
    }
    assert!(
        bad.is_empty(),
        "commands must not import each other; move what they share into the library:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_library_and_the_benchmarks_do_not_use_the_commands() {
    let mut bad = Vec::new();
    let cmd = repo("src/cmd");
    let main = repo("src/main.rs");
    for file in rust_files(&repo("src")) {
        if file.starts_with(&cmd) || file == main {
            continue;
        }
        for line in names_module(&read(&file), "crate", "cmd") {
            bad.push(format!("{}:{line}: crate::cmd", file.display()));
        }
    }
    for file in rust_files(&repo("benches")) {
        for line in names_module(&read(&file), "payu_bulk", "cmd") {
            bad.push(format!("{}:{line}: payu_bulk::cmd", file.display()));
        }
    }
    assert!(
        bad.is_empty(),
        "only src/main.rs and src/cmd/ may use the commands:\n{}",
        bad.join("\n")
    );
}
