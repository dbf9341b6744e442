//! The documents in `docs/` and the code that cites them agree: every `§` reference in
//! `src/`, `tests/`, `benches/` and `examples/` names a heading that exists (the convention is
//! in docs/architecture.md §9), and the links between the documents lead somewhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The documents a reference may name, and the one a bare `§N` means.
const DOCS: [&str; 3] = ["architecture.md", "payu.md", "rules.md"];
const BARE: &str = "payu.md";

/// Each document's numbered headings ("12.2" for `### 12.2 Smart Send v2`, "1" for
/// `## 1. Bird's-eye view`) and the anchors of all its headings.
#[derive(Debug, Default)]
struct Doc {
    numbers: Vec<String>,
    anchors: BTreeSet<String>,
}

/// Reads a document's headings, leaving out fenced code blocks.
fn parse_doc(markdown: &str) -> Doc {
    let mut doc = Doc::default();
    let mut fenced = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        let Some(title) = heading(line).filter(|_| !fenced) else {
            continue;
        };
        doc.anchors.insert(anchor(title));
        let first = title.split_whitespace().next().unwrap_or("");
        let number = first.strip_suffix('.').unwrap_or(first);
        if is_number(number) {
            doc.numbers.push(number.to_owned());
        }
    }
    doc
}

/// The text of a Markdown heading line (`## Text`).
fn heading(line: &str) -> Option<&str> {
    let hashes = line.bytes().take_while(|&b| b == b'#').count();
    let rest = &line[hashes..];
    (1..=6)
        .contains(&hashes)
        .then_some(rest)
        .and_then(|r| r.strip_prefix(' '))
        .map(str::trim)
}

/// The anchor a heading gets where the documents are read (GitHub's rule: lower case, spaces
/// to `-`, punctuation other than `-` and `_` dropped).
fn anchor(title: &str) -> String {
    title
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_number(s: &str) -> bool {
    !s.is_empty()
        && s.split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}

/// One `§` found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reference {
    line: usize,
    /// The document it names (`None`: a document that is not in `docs/`, named in `text`).
    doc: Option<&'static str>,
    /// The section number; empty when the `§` is followed by none.
    section: String,
    /// What the reference says, for a message.
    text: String,
}

/// The word just before byte `at` of `text`, skipping spaces and, when `at` starts a comment
/// line, the comment marker and the end of the line before (a name may end one line of a
/// comment and its sections start the next).
fn word_before(text: &str, at: usize) -> &str {
    let mut before = text[..at].trim_end_matches([' ', '\t']);
    for marker in ["//!", "///", "//", "*"] {
        if let Some(rest) = before.strip_suffix(marker)
            && rest.trim_end_matches([' ', '\t']).ends_with('\n')
        {
            before = rest.trim_end();
            break;
        }
    }
    let start = before
        .rfind(|c: char| c.is_whitespace() || c == '(' || c == '[')
        .map_or(0, |i| i + 1);
    before[start..].trim_matches(|c: char| c == '`' || c == '*' || c == '"')
}

/// The document a name stands for: `Some(Ok(doc))` for one of `docs/`, `Some(Err(()))` for a
/// name that looks like a document but is none of them, `None` for an ordinary word.
fn document(word: &str) -> Option<Result<&'static str, ()>> {
    let name = word.strip_prefix("docs/").unwrap_or(word);
    if let Some(doc) = DOCS.iter().find(|d| **d == name) {
        return Some(Ok(doc));
    }
    let lower = word.to_ascii_lowercase();
    (lower.ends_with(".md") || lower == "design").then_some(Err(()))
}

/// Every `§` reference in `text`. A list (`§4.1, §4.3`, `architecture.md §1 and §3.1`) keeps
/// the document of its first entry.
fn references(text: &str) -> Vec<Reference> {
    let mut found: Vec<Reference> = Vec::new();
    // Where the previous reference ended, and its document.
    let mut previous: Option<(usize, Option<&'static str>)> = None;
    for (at, _) in text.match_indices('§') {
        let after = &text[at + '§'.len_utf8()..];
        let digits = after.trim_start_matches(' ');
        let skipped = after.len() - digits.len();
        let mut len = 0;
        let bytes = digits.as_bytes();
        while len < bytes.len() {
            let b = bytes[len];
            let dot_then_digit =
                b == b'.' && len > 0 && bytes.get(len + 1).is_some_and(u8::is_ascii_digit);
            if b.is_ascii_digit() || dot_then_digit {
                len += 1;
            } else {
                break;
            }
        }
        let section = digits[..len].to_owned();
        let end = at + '§'.len_utf8() + skipped + len;
        let listed = previous.filter(|(prev_end, _)| {
            let between = text[*prev_end..at].trim();
            matches!(between, "," | "/" | "and" | ", and" | "or")
        });
        let word = word_before(text, at);
        let doc = match (listed, document(word)) {
            (Some((_, doc)), _) => doc,
            (None, Some(Ok(doc))) => Some(doc),
            (None, Some(Err(()))) => None,
            (None, None) => Some(BARE),
        };
        let line = text[..at].matches('\n').count() + 1;
        let shown = match (listed, document(word)) {
            (None, Some(_)) => format!("{word} §{section}"),
            _ => format!("§{section}"),
        };
        found.push(Reference {
            line,
            doc,
            section,
            text: shown,
        });
        previous = Some((end, doc));
    }
    found
}

/// What is wrong with the references of one file: one line each, empty when all resolve.
fn check(file: &str, text: &str, docs: &BTreeMap<&str, Doc>) -> Vec<String> {
    let mut problems = Vec::new();
    for r in references(text) {
        let place = format!("{file}:{}: `{}`", r.line, r.text);
        match r.doc {
            _ if r.section.is_empty() => {
                problems.push(format!("{place}: a § names no section number"))
            }
            None => problems.push(format!(
                "{place}: names a document that is not in docs/ ({}); run python3 docs/rewrite-refs.py, or write payu.md §N, architecture.md §N or rules.md §N",
                DOCS.join(", ")
            )),
            Some(doc) => {
                let known = docs.get(doc).is_some_and(|d| d.numbers.contains(&r.section));
                if !known {
                    problems.push(format!(
                        "{place}: docs/{doc} has no heading numbered {}",
                        r.section
                    ));
                }
            }
        }
    }
    problems
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load_docs() -> BTreeMap<&'static str, Doc> {
    DOCS.iter()
        .map(|name| {
            let path = root().join("docs").join(name);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            (*name, parse_doc(&text))
        })
        .collect()
}

/// The `.rs` files under `dir`, sorted.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_section_reference_in_the_code_names_a_heading_in_docs() {
    let docs = load_docs();
    let mut files = Vec::new();
    for dir in ["src", "tests", "benches", "examples"] {
        rust_files(&root().join(dir), &mut files);
    }
    // This file's own made-up references are checked by the tests below, not here.
    let this = root().join("tests").join("docs.rs");
    let mut problems = Vec::new();
    let mut count = 0;
    for path in files.iter().filter(|p| **p != this) {
        let text = std::fs::read_to_string(path).expect("a source file");
        let name = path
            .strip_prefix(root())
            .unwrap_or(path)
            .display()
            .to_string();
        count += references(&text).len();
        problems.extend(check(&name, &text, &docs));
    }
    assert!(
        count > 0,
        "no § reference found at all: is the scan looking in the right place?"
    );
    assert!(
        problems.is_empty(),
        "{} of {count} § references point nowhere:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_resolver_refuses_references_that_point_nowhere() {
    let docs = load_docs();
    let good = "\
//! PayU's codes (§4.3) and Smart Send (payu.md §12.2, §13); the journal
//! (docs/architecture.md §3.1, §3.4 and §1); rules (`docs/rules.md` §4), and
/// see architecture.md
/// §9 for the convention.";
    assert_eq!(check("good.rs", good, &docs), Vec::<String>::new());

    let bad = "\
// A section PayU's page does not have (§99.9), one the architecture does not have
// (architecture.md §16.7), a list that keeps its document (architecture.md §1, §42),
// the old names (design §5, payu-api.md §4.1, validation-rules.md §2), and a bare §.";
    let problems = check("bad.rs", bad, &docs);
    let expected = [
        "bad.rs:1: `§99.9`: docs/payu.md has no heading numbered 99.9",
        "bad.rs:2: `architecture.md §16.7`: docs/architecture.md has no heading numbered 16.7",
        "bad.rs:2: `§42`: docs/architecture.md has no heading numbered 42",
        "bad.rs:3: `design §5`: names a document that is not in docs/",
        "bad.rs:3: `payu-api.md §4.1`: names a document that is not in docs/",
        "bad.rs:3: `validation-rules.md §2`: names a document that is not in docs/",
        "bad.rs:3: `§`: a § names no section number",
    ];
    assert_eq!(problems.len(), expected.len(), "{problems:#?}");
    for (problem, want) in problems.iter().zip(expected) {
        assert!(
            problem.starts_with(want),
            "{problem}\n  should start {want}"
        );
    }
}

#[test]
fn headings_are_numbered_once_each() {
    for (name, doc) in load_docs() {
        assert!(
            !doc.numbers.is_empty(),
            "docs/{name} has no numbered heading"
        );
        let mut seen = BTreeSet::new();
        for n in &doc.numbers {
            assert!(seen.insert(n), "docs/{name}: two headings are numbered {n}");
        }
    }
}

#[test]
fn links_between_the_documents_lead_to_a_heading() {
    let docs = load_docs();
    let mut problems = Vec::new();
    for name in DOCS {
        let text = std::fs::read_to_string(root().join("docs").join(name)).unwrap();
        for (at, _) in text.match_indices("](") {
            let target = &text[at + 2..];
            let Some(target) = target.split(')').next() else {
                continue;
            };
            if target.contains("://") {
                continue;
            }
            let (file, fragment) = target.split_once('#').unwrap_or((target, ""));
            let file = if file.is_empty() { name } else { file };
            match docs.get(file) {
                None => problems.push(format!("docs/{name}: a link to {target}: no such document")),
                Some(d) if !fragment.is_empty() && !d.anchors.contains(fragment) => {
                    problems.push(format!("docs/{name}: a link to {target}: no such heading"))
                }
                Some(_) => {}
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
