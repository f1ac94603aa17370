//! JSON Lines batch evaluation: one request object per line in, one determination (or error) per line out,
//! in input order. A bad line yields `{"id": ..., "error": "..."}` whose message names the field at fault,
//! and processing continues.

use crate::eval::{evaluate, Determination, Request};
use crate::model::PolicySet;
use chrono::NaiveDate;
use domain::{CountryCode, EndUserType, LicenceKind, SecurityGrade};
use serde::Serialize;
use serde_json::{Map, Value};
use std::io::{self, BufRead, Write};

const FIELDS: &[&str] = &[
    "id",
    "as_of",
    "licence",
    "control_entries",
    "security_grade",
    "destination",
    "end_user_type",
    "catch_all_notified",
    "denial_match",
    "evidence_of_misuse",
];

#[derive(Serialize)]
struct OkLine<'a> {
    id: &'a Value,
    #[serde(flatten)]
    determination: &'a Determination,
}

#[derive(Serialize)]
struct ErrLine<'a> {
    id: &'a Value,
    error: &'a str,
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn string<'a>(obj: &'a Map<String, Value>, field: &str) -> Result<&'a str, String> {
    match obj.get(field) {
        None => Err(format!("{field}: missing")),
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!("{field}: expected a string, got {}", kind(other))),
    }
}

fn parsed<T: std::str::FromStr<Err = String>>(
    obj: &Map<String, Value>,
    field: &str,
) -> Result<T, String> {
    let s = string(obj, field)?;
    s.parse::<T>().map_err(|e| format!("{field}: {e}"))
}

/// Parses one request object (without its `id`). Errors name the field.
pub fn parse_request(obj: &Map<String, Value>) -> Result<Request, String> {
    if let Some(unknown) = obj.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(format!(
            "{unknown}: unknown field (expected: {})",
            FIELDS.join(", ")
        ));
    }
    // Like the API: a request without `as_of` is evaluated as of today (UTC).
    let as_of = match obj.get("as_of") {
        None | Some(Value::Null) => chrono::Utc::now().date_naive(),
        Some(_) => {
            let as_of = string(obj, "as_of")?;
            NaiveDate::parse_from_str(as_of, "%Y-%m-%d")
                .ok()
                .filter(|_| as_of.len() == 10)
                .ok_or_else(|| format!("as_of: {as_of:?} is not a date (YYYY-MM-DD)"))?
        }
    };
    let licence: LicenceKind = parsed(obj, "licence")?;
    let control_entries = match obj.get("control_entries") {
        None => {
            return Err("control_entries: missing (use [] when the item is not listed)".to_string())
        }
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) => Ok(s.clone()),
                other => Err(format!(
                    "control_entries[{i}]: expected a string, got {}",
                    kind(other)
                )),
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(other) => {
            return Err(format!(
                "control_entries: expected an array of strings, got {}",
                kind(other)
            ))
        }
    };
    let security_grade: SecurityGrade = parsed(obj, "security_grade")?;
    let destination =
        CountryCode::parse(string(obj, "destination")?).map_err(|e| format!("destination: {e}"))?;
    let end_user_type: EndUserType = parsed(obj, "end_user_type")?;
    let catch_all_notified = match obj.get("catch_all_notified") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(format!(
                "catch_all_notified: expected a boolean, got {}",
                kind(other)
            ))
        }
    };
    let denial_match = match obj.get("denial_match") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(format!(
                "denial_match: expected a boolean, got {}",
                kind(other)
            ))
        }
    };
    let evidence_of_misuse = match obj.get("evidence_of_misuse") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(format!(
                "evidence_of_misuse: expected a boolean, got {}",
                kind(other)
            ))
        }
    };
    Ok(Request {
        as_of,
        licence,
        control_entries,
        security_grade,
        destination,
        end_user_type,
        catch_all_notified,
        denial_match,
        evidence_of_misuse,
    })
}

/// Evaluates one JSON line: `(id, determination or error message)`.
pub fn evaluate_line(line: &str, set: &PolicySet) -> (Value, Result<Determination, String>) {
    let obj = match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(o)) => o,
        Ok(other) => {
            return (
                Value::Null,
                Err(format!(
                    "line: expected a JSON object, got {}",
                    kind(&other)
                )),
            )
        }
        Err(e) => return (Value::Null, Err(format!("line: invalid JSON: {e}"))),
    };
    let id = obj.get("id").cloned().unwrap_or(Value::Null);
    let result = parse_request(&obj).and_then(|r| evaluate(&r, set).map_err(|e| e.to_string()));
    (id, result)
}

/// Reads JSON Lines requests from `input` and writes one JSON line per non-blank input line to `output`, in
/// order. Returns the number of lines that yielded an error. Blank lines are skipped.
pub fn evaluate_stream(
    input: impl BufRead,
    mut output: impl Write,
    set: &PolicySet,
) -> io::Result<usize> {
    let mut errors = 0;
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let (id, result) = evaluate_line(&line, set);
        match result {
            Ok(d) => serde_json::to_writer(
                &mut output,
                &OkLine {
                    id: &id,
                    determination: &d,
                },
            )?,
            Err(e) => {
                errors += 1;
                serde_json::to_writer(&mut output, &ErrLine { id: &id, error: &e })?;
            }
        }
        output.write_all(b"\n")?;
    }
    output.flush()?;
    Ok(errors)
}
