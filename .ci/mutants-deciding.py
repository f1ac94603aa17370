#!/usr/bin/env python3
"""Prints a unified diff that "touches" every line of app's deciding functions (TESTING.md, issue 18), for
`cargo mutants --in-diff`: cargo-mutants 27.1 lets "delete field" mutants of other functions through its
name filters (-F/-E), so the selection is made by line instead. The diff changes nothing; it only names
lines. Usage: python3 .ci/mutants-deciding.py > /tmp/deciding.diff
"""
import re
import sys

# (file, function names): the whole body of each named function; an `impl X` name takes the whole block.
DECIDING = [
    ("crates/app/src/access.rs", ["impl Principal"]),
    ("crates/app/src/cases.rs", ["fn date_of", "fn clock_intervals", "fn check_marketing_authorisation",
                                 "fn marketing_reference", "fn screening_complete", "fn approval_blocker_list"]),
]


def span(lines, name):
    pat = re.compile(r"^\s*(pub(\([a-z]+\))? )?(async )?" + re.escape(name) + r"\b")
    for i, line in enumerate(lines):
        if pat.match(line):
            indent = len(line) - len(line.lstrip())
            for j in range(i + 1, len(lines)):
                if lines[j].strip() == "}" and len(lines[j]) - len(lines[j].lstrip()) == indent:
                    return i + 1, j + 1
    sys.exit(f"{name} not found")


out = []
for path, names in DECIDING:
    lines = open(path).read().split("\n")
    out.append(f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n")
    for a, b in sorted(span(lines, n) for n in names):
        n = b - a + 1
        out.append(f"@@ -{a},{n} +{a},{n} @@\n")
        out += ["-" + l + "\n" for l in lines[a - 1:b]]
        out += ["+" + l + "\n" for l in lines[a - 1:b]]
sys.stdout.write("".join(out))
