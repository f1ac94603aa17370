//! Reading delimited text (CSV/TSV) strictly: every row must have the expected number of fields, and errors
//! carry the line number.

use crate::common::{err, excerpt};
use crate::model::ImportError;

pub struct Row {
    /// 1-based line where the record starts.
    pub line: u64,
    pub fields: Vec<String>,
}

impl Row {
    pub fn get(&self, i: usize) -> &str {
        self.fields.get(i).map(String::as_str).unwrap_or("")
    }
}

/// Text of a list file: UTF-8 (BOM removed) or, when not valid UTF-8, Latin-1 (ISO 8859-1) as OFAC's older
/// files are; DOS end-of-file markers (0x1A) at the end are removed.
pub fn decode_text(bytes: &[u8]) -> String {
    let mut end = bytes.len();
    loop {
        let last = bytes[..end]
            .iter()
            .rposition(|b| !matches!(b, b'\r' | b'\n' | b' ' | b'\t'))
            .map(|p| p + 1)
            .unwrap_or(0);
        if last > 0 && bytes[last - 1] == 0x1a {
            end = last - 1;
        } else {
            break;
        }
    }
    let b = &bytes[..end];
    let b = b.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(b);
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => b.iter().map(|&c| c as char).collect(),
    }
}

/// Parse delimited text. `expected` is the exact field count each row must have (None: any, but at least one
/// field). Blank lines are skipped.
pub fn read_rows(
    file: &str,
    text: &str,
    delimiter: u8,
    has_headers: bool,
    expected: Option<usize>,
) -> Result<(Vec<String>, Vec<Row>), ImportError> {
    if let Some(start) = unterminated_quote(text.as_bytes(), delimiter) {
        let line = text.as_bytes()[..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        return Err(err(
            file,
            format!("line {line}"),
            "quoted field never closed: the file ends inside it (truncated file?)",
        ));
    }
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut headers = Vec::new();
    let mut rows = Vec::new();
    let mut rec = csv::StringRecord::new();
    let mut first = true;
    // csv's own line counter lags on CRLF input; count newlines up to each record's first byte instead
    let bytes = text.as_bytes();
    let (mut seen_byte, mut seen_line) = (0usize, 1u64);
    let mut line_at = |byte: u64| -> u64 {
        let mut b = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
        // the reported start can sit on the previous record's terminator or on skipped blank lines
        while b < bytes.len() && (bytes[b] == b'\r' || bytes[b] == b'\n') {
            b += 1;
        }
        if b >= seen_byte {
            seen_line += bytes[seen_byte..b].iter().filter(|&&c| c == b'\n').count() as u64;
            seen_byte = b;
        }
        seen_line
    };
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let pos = e
                    .position()
                    .map(|p| format!("line {}", line_at(p.byte())))
                    .unwrap_or_else(|| "unknown position".into());
                return Err(err(
                    file,
                    pos,
                    format!("malformed delimited text: {}", excerpt(&e.to_string())),
                ));
            }
        }
        let line = rec.position().map(|p| line_at(p.byte())).unwrap_or(0);
        if rec.len() == 1 && rec.get(0).is_some_and(|f| f.trim().is_empty()) {
            continue;
        }
        if first && has_headers {
            first = false;
            headers = rec.iter().map(|h| h.trim().to_string()).collect();
            continue;
        }
        first = false;
        let want = if has_headers {
            Some(headers.len())
        } else {
            expected
        };
        if let Some(n) = want {
            if rec.len() != n {
                return Err(err(
                    file,
                    format!("line {line}"),
                    format!("expected {n} fields, found {}", rec.len()),
                ));
            }
        }
        rows.push(Row {
            line,
            fields: rec.iter().map(str::to_string).collect(),
        });
    }
    Ok((headers, rows))
}

/// Byte offset of the opening quote of a quoted field that the text ends inside, if any. Follows the csv
/// crate's reading (quotes open a field only at its start; `""` inside is a literal quote), without
/// recursion, so it can run over any input.
fn unterminated_quote(bytes: &[u8], delimiter: u8) -> Option<usize> {
    #[derive(Clone, Copy)]
    enum S {
        FieldStart,
        Unquoted,
        Quoted(usize),
        QuoteInQuoted(usize),
    }
    let mut s = S::FieldStart;
    for (i, &b) in bytes.iter().enumerate() {
        let ends_field = b == delimiter || b == b'\n' || b == b'\r';
        s = match s {
            S::FieldStart if b == b'"' => S::Quoted(i),
            S::FieldStart | S::Unquoted if ends_field => S::FieldStart,
            S::FieldStart | S::Unquoted => S::Unquoted,
            S::Quoted(o) if b == b'"' => S::QuoteInQuoted(o),
            S::Quoted(o) => S::Quoted(o),
            S::QuoteInQuoted(o) if b == b'"' => S::Quoted(o),
            S::QuoteInQuoted(_) if ends_field => S::FieldStart,
            S::QuoteInQuoted(_) => S::Unquoted,
        };
    }
    match s {
        S::Quoted(o) => Some(o),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_numbers() {
        let (_, rows) =
            read_rows("t", "a,b\r\nc,d\r\n\r\ne,f\n", b',', false, Some(2)).expect("rows");
        let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![1, 2, 4]);
        let e = read_rows("t", "a,b\r\nc\r\n", b',', false, Some(2))
            .err()
            .expect("error");
        assert_eq!(e.position, "line 2");
    }

    #[test]
    fn unterminated_quotes() {
        assert_eq!(unterminated_quote(b"a,\"b\"\"c\",d\r\n", b','), None);
        assert_eq!(unterminated_quote(b"a,b\"c,d\r\n", b','), None);
        assert_eq!(unterminated_quote(b"a,\"b,\r\nc", b','), Some(2));
        assert_eq!(unterminated_quote(b"a\t\"b\"\"", b'\t'), Some(2));
        let e = read_rows("t", "a,b\r\nc,\"d\r\ne,f\r\n", b',', false, Some(2))
            .err()
            .expect("error");
        assert_eq!(e.position, "line 2");
        assert!(e.reason.contains("never closed"), "{e}");
    }
}
