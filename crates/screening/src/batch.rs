//! Batch screening of JSON Lines queries on all cores, in chunks, preserving input order.
//!
//! Input lines: `{"id", "name", "kind"?, "birth_date"?, "countries"?, "identifiers"?}`. Output, one line per
//! non-blank input line: `{"id", "matches": [...], "warnings"?: [...]}` or `{"id", "error": "<field>: <reason>"}`.
//! Only an unusable name (or line) is an error; a malformed qualifier is a warning `{"field", "message"}` and the
//! name is screened without it.

use crate::index::{Index, Match, Options};
use crate::query::{Query, QueryInput, QueryWarning};
use rayon::prelude::*;
use serde::Serialize;
use std::io::{BufRead, Write};

/// Lines screened per parallel chunk.
pub const CHUNK_LINES: usize = 8192;
/// Longest accepted input line in bytes; longer lines are answered with an error without being parsed.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Counts of one batch run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BatchSummary {
    /// Queries answered (non-blank lines).
    pub queries: usize,
    /// Lines answered with an error.
    pub errors: usize,
    /// Queries with at least one match.
    pub with_matches: usize,
}

#[derive(Serialize)]
struct Hit<'a> {
    id: &'a serde_json::Value,
    matches: &'a [Match],
    /// Malformed qualifiers left out (the name was screened without them); absent when there are none.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    warnings: &'a [QueryWarning],
}

#[derive(Serialize)]
struct Failure<'a> {
    id: &'a serde_json::Value,
    error: String,
}

enum Outcome {
    Matches(String, bool),
    Error(String),
}

/// Screen one JSON Lines query line into its output line (without the newline).
pub fn screen_line(index: &Index, line: &str, opts: &Options) -> (String, bool, bool) {
    match screen_one(index, line, opts) {
        Outcome::Matches(s, any) => (s, false, any),
        Outcome::Error(s) => (s, true, false),
    }
}

fn screen_one(index: &Index, line: &str, opts: &Options) -> Outcome {
    let null = serde_json::Value::Null;
    let fail = |id: &serde_json::Value, error: String| {
        Outcome::Error(serde_json::to_string(&Failure { id, error }).unwrap_or_default())
    };
    if line.len() > MAX_LINE_BYTES {
        return fail(
            &null,
            format!("line: {} bytes; at most {MAX_LINE_BYTES}", line.len()),
        );
    }
    let value: serde_json::Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return fail(&null, format!("json: {e}")),
    };
    let Some(obj) = value.as_object() else {
        return fail(&null, "json: a query must be a JSON object".into());
    };
    let id = obj.get("id").unwrap_or(&null);
    let input: QueryInput = match serde_json::from_value(value.clone()) {
        Ok(i) => i,
        Err(e) => return fail(id, format!("json: {e}")),
    };
    let q = match Query::from_input(&input) {
        Ok(q) => q,
        Err(e) => return fail(id, e.to_string()),
    };
    let matches = index.screen(&q, opts);
    let any = !matches.is_empty();
    Outcome::Matches(
        serde_json::to_string(&Hit {
            id,
            matches: &matches,
            warnings: &q.warnings,
        })
        .unwrap_or_default(),
        any,
    )
}

/// Read JSON Lines queries from `input`, screen them in parallel chunks, write one line per query in input
/// order. Blank lines are skipped. I/O errors (including invalid UTF-8) end the run; per-line problems do not.
pub fn screen_jsonl<R: BufRead, W: Write>(
    index: &Index,
    mut input: R,
    mut output: W,
    opts: &Options,
) -> std::io::Result<BatchSummary> {
    let mut summary = BatchSummary::default();
    let mut chunk: Vec<String> = Vec::with_capacity(CHUNK_LINES);
    let mut done = false;
    while !done {
        chunk.clear();
        while chunk.len() < CHUNK_LINES {
            let mut buf = Vec::new();
            let n = input.read_until(b'\n', &mut buf)?;
            if n == 0 {
                done = true;
                break;
            }
            let s = match String::from_utf8(buf) {
                Ok(s) => s,
                Err(_) => "\u{0}invalid-utf8".to_string(),
            };
            if !s.trim().is_empty() {
                chunk.push(s);
            }
        }
        let results: Vec<(String, bool, bool)> = chunk
            .par_iter()
            .map(|l| {
                if l.starts_with('\u{0}') {
                    let s = r#"{"id":null,"error":"line: not valid UTF-8"}"#.to_string();
                    (s, true, false)
                } else {
                    screen_line(index, l.trim(), opts)
                }
            })
            .collect();
        for (line, err, any) in results {
            summary.queries += 1;
            summary.errors += err as usize;
            summary.with_matches += any as usize;
            output.write_all(line.as_bytes())?;
            output.write_all(b"\n")?;
        }
    }
    output.flush()?;
    Ok(summary)
}
