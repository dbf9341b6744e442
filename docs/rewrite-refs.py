#!/usr/bin/env python3
"""Rewrites section references to the documents outside the repository into references to
docs/ (see docs/architecture.md §9), in place:

    payu-api.md §4.1        -> payu.md §4.1               (the numbers are the same)
    design §2, §5           -> architecture.md §1, §3.1   (the design's sections mapped)
    `payu-api.md`           -> `docs/payu.md`
    validation-rules.md     -> docs/rules.md

Idempotent: what it writes never matches what it looks for, so a second run changes nothing.
Usage, from the repository's top folder:

    python3 docs/rewrite-refs.py [PATH ...]     # default: src tests benches examples

Then `cargo test --test docs` says whether every reference names a heading.
"""

import pathlib
import re
import sys

# design.md's sections -> docs/architecture.md's headings.
DESIGN = {
    "1": "2.3",
    "2": "1",
    "3": "4.1",
    "4": "4.2",
    "5": "3.1",
    "6": "3.4",
    "7": "3.3",
    "8": "4.3",
    "9": "8",
    "10": "7.2",
    "11": "7.3",
}

NUMBER = r"\d+(?:\.\d+)*"
# A document name, then one or more sections: `design §2, §5 and §6`. The name may end one
# comment line and the sections start the next.
GROUP = re.compile(
    r"(?P<doc>\bdesign(?:\.md)?|\bpayu-api\.md)(?P<sep>`?\s+(?://[/!]?\s+)?)"
    r"(?P<refs>§" + NUMBER + r"(?:(?:,\s*|\s+and\s+|\s*/\s*)§" + NUMBER + r")*)"
)
ONE = re.compile(r"§(" + NUMBER + r")")


def top(section):
    return section.split(".")[0]


def group(m):
    doc, sep, refs = m.group("doc"), m.group("sep"), m.group("refs")
    if doc.startswith("payu-api"):
        return "payu.md" + sep + refs
    if any(top(s) not in DESIGN for s in ONE.findall(refs)):
        # A section the design does not have: left as it is for the docs test to report.
        return m.group(0)
    mapped = ONE.sub(lambda n: "§" + DESIGN[top(n.group(1))], refs)
    return "architecture.md" + sep + mapped


def rewrite(text):
    text = GROUP.sub(group, text)
    text = text.replace("`payu-api.md`", "`docs/payu.md`")
    text = re.sub(r"(?<![\w/.-])validation-rules\.md", "docs/rules.md", text)
    return text


def main(args):
    roots = [pathlib.Path(a) for a in (args or ["src", "tests", "benches", "examples"])]
    changed = 0
    for root in roots:
        files = [root] if root.is_file() else sorted(root.rglob("*.rs"))
        # tests/docs.rs holds made-up old forms on purpose, to check the checker.
        for path in (p for p in files if p.parts[-2:] != ("tests", "docs.rs")):
            before = path.read_text(encoding="utf-8")
            after = rewrite(before)
            if after != before:
                path.write_text(after, encoding="utf-8")
                changed += 1
                print(f"rewrote {path}")
    print(f"{changed} file(s) changed")


if __name__ == "__main__":
    main(sys.argv[1:])
