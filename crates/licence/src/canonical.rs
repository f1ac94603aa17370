//! Canonical JSON: the one byte sequence for a JSON value, so that the same licence always gives the same
//! signed bytes.
//!
//! The rules are those of RFC 8785 (JSON Canonicalization Scheme) for the subset a payload uses: no
//! whitespace; object members sorted by key (keys are ASCII here, so byte order equals RFC 8785's UTF-16 order);
//! strings as UTF-8 with only `"`, `\` and control characters escaped (`\b \f \n \r \t`, others as `\u00xx`
//! in lower-case hex); integers in plain decimal. Floating-point numbers and `null` are refused: a payload
//! carries neither, which spares a verifier RFC 8785's number formatting.
//!
//! Written here rather than taken from a crate: serde_json's own key order depends on a cargo feature
//! (`preserve_order`) that any crate in the build can switch on, and a signature must not depend on that.

use serde_json::Value;
use std::fmt::Write as _;

/// Why a value has no canonical encoding here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonicalError {
    #[error("{0}: floating-point numbers are not allowed in a payload")]
    Float(String),
    #[error("{0}: null is not allowed in a payload (leave the member out)")]
    Null(String),
}

/// The canonical encoding of `value`.
pub fn encode(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = String::new();
    write(&mut out, value, "$")?;
    Ok(out.into_bytes())
}

fn write(out: &mut String, value: &Value, path: &str) -> Result<(), CanonicalError> {
    match value {
        Value::Null => return Err(CanonicalError::Null(path.to_string())),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                let _ = write!(out, "{i}");
            } else if let Some(u) = n.as_u64() {
                let _ = write!(out, "{u}");
            } else {
                return Err(CanonicalError::Float(path.to_string()));
            }
        }
        Value::String(s) => string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(out, item, &format!("{path}[{i}]"))?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(out, k);
                out.push(':');
                write(out, v, &format!("{path}.{k}"))?;
            }
            out.push('}');
        }
    }
    Ok(())
}

fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_members_and_leaves_no_whitespace() {
        let v = json!({"b": [1, {"z": "x", "a": -2}], "a": "é\n\u{1f}\"\\", "c": true});
        assert_eq!(
            String::from_utf8(encode(&v).unwrap()).unwrap(),
            "{\"a\":\"é\\n\\u001f\\\"\\\\\",\"b\":[1,{\"a\":-2,\"z\":\"x\"}],\"c\":true}"
        );
    }

    #[test]
    fn refuses_floats_and_null_naming_the_member() {
        assert_eq!(
            encode(&json!({"a": {"b": 1.5}})),
            Err(CanonicalError::Float("$.a.b".into()))
        );
        assert_eq!(
            encode(&json!({"a": [null]})),
            Err(CanonicalError::Null("$.a[0]".into()))
        );
    }

    #[test]
    fn same_value_in_any_member_order_gives_the_same_bytes() {
        let a: Value = serde_json::from_str(r#"{"x":1,"y":{"q":2,"p":3}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{ "y" : {"p":3,"q":2}, "x" : 1 }"#).unwrap();
        assert_eq!(encode(&a).unwrap(), encode(&b).unwrap());
    }
}
