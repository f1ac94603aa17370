//! The licence as a PDF for people: one A4 page with the licence's content and a QR code carrying the
//! licence number and the signed token ([`crate::qr_text`]).
//!
//! The file is a function of the payload and the token only: no clock, no random file id (the id is taken from
//! the token's SHA-256, the creation date from the issue time), so rendering the same stored licence again
//! gives the same bytes.
//!
//! For machines the token is carried twice, uncompressed: as the document information entry
//! `/ExportctlLicence (TOKEN)` (a PDF literal string; a token uses only `A-Z a-z 0-9 - _ .`, which need no
//! escaping) — [`extract_token`] reads it back with a byte search, without a PDF parser — and as the attached
//! file `licence.jws` for people who want to save it.
//!
//! Text is set in the standard Helvetica font with WinAnsi encoding; characters outside it print as `?` (the
//! signed token keeps every name exactly).

use crate::{qr_text, LicencePayload};
use pdf_writer::{Content, Date, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use qrcode::{Color, EcLevel, QrCode};
use sha2::{Digest, Sha256};

/// The document information key that carries the token.
pub const INFO_KEY: &str = "ExportctlLicence";

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 56.0;

/// The PDF of a licence.
pub fn render(payload: &LicencePayload, token: &str) -> Vec<u8> {
    let catalog = Ref::new(1);
    let pages = Ref::new(2);
    let page = Ref::new(3);
    let font = Ref::new(4);
    let bold = Ref::new(5);
    let content_id = Ref::new(6);
    let info = Ref::new(7);
    let spec = Ref::new(8);
    let file = Ref::new(9);

    let mut pdf = Pdf::new();
    let digest = Sha256::digest(token.as_bytes());
    pdf.set_file_id((digest[..16].to_vec(), digest[..16].to_vec()));

    let mut cat = pdf.catalog(catalog);
    cat.pages(pages);
    cat.names()
        .embedded_files()
        .names()
        .insert(Str(b"licence.jws"), spec);
    cat.finish();
    pdf.pages(pages).kids([page]).count(1);
    let mut p = pdf.page(page);
    p.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
    p.parent(pages);
    p.contents(content_id);
    p.resources()
        .fonts()
        .pair(Name(b"F1"), font)
        .pair(Name(b"F2"), bold);
    p.finish();
    pdf.type1_font(font)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));

    let content = page_content(payload, token);
    pdf.stream(content_id, &content);

    let mut fs = pdf.file_spec(spec);
    fs.path(Str(b"licence.jws"));
    fs.unic_file(TextStr("licence.jws"));
    fs.description(TextStr(
        "The signed licence (JWS, Ed25519); see docs/licences.md",
    ));
    fs.embedded_file(file);
    fs.finish();
    pdf.embedded_file(file, token.as_bytes())
        .subtype(Name(b"application/jose"));

    let mut di = pdf.document_info(info);
    di.title(TextStr(&format!("Licence {}", payload.number)));
    di.producer(TextStr("exportctl"));
    if let Some(d) = issue_date(&payload.issued_at) {
        di.creation_date(d);
    }
    di.pair(Name(INFO_KEY.as_bytes()), Str(token.as_bytes()));
    di.finish();
    pdf.finish()
}

/// The token a licence PDF carries (see the module documentation), if any.
pub fn extract_token(pdf: &[u8]) -> Option<String> {
    let marker = format!("/{INFO_KEY} (");
    let start = find(pdf, marker.as_bytes())? + marker.len();
    let len = pdf[start..].iter().position(|&b| b == b')')?;
    let token = std::str::from_utf8(&pdf[start..start + len]).ok()?;
    token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        .then(|| token.to_string())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `2026-01-10T09:00:00.000Z` as a PDF date in UTC.
fn issue_date(at: &str) -> Option<Date> {
    let t = chrono::DateTime::parse_from_rfc3339(at).ok()?.to_utc();
    use chrono::{Datelike, Timelike};
    Some(
        Date::new(u16::try_from(t.year()).ok()?)
            .month(t.month() as u8)
            .day(t.day() as u8)
            .hour(t.hour() as u8)
            .minute(t.minute() as u8)
            .second(t.second() as u8)
            .utc_offset_hour(0),
    )
}

/// Text in WinAnsi (Windows-1252) bytes: Latin-1 as is, a few typographic characters mapped, the rest `?`.
fn winansi(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{ff}' => c as u8,
            '\u{2013}' => 0x96,
            '\u{2014}' => 0x97,
            '\u{2018}' => 0x91,
            '\u{2019}' => 0x92,
            '\u{201c}' => 0x93,
            '\u{201d}' => 0x94,
            '\u{20ac}' => 0x80,
            _ => b'?',
        })
        .collect()
}

/// Splits `s` into lines of at most `width` characters at spaces (a longer word is cut).
fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        let mut word = word.to_string();
        while word.chars().count() > width {
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            lines.push(head);
        }
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

fn money(m: &crate::Money) -> String {
    format!("{} {}", m.amount, m.currency)
}

/// The rows of the licence's table: label and value.
fn rows(p: &LicencePayload) -> Vec<(String, String)> {
    let mut r: Vec<(String, String)> = vec![
        (
            "Licence type".into(),
            format!("{} licence", capitalise(&p.kind)),
        ),
        ("Case".into(), p.case.clone()),
        (
            "Holder".into(),
            format!("{} ({})", p.holder.name, p.holder.country),
        ),
    ];
    for (i, prod) in p.products.iter().enumerate() {
        r.push((
            if i == 0 {
                "Products".into()
            } else {
                String::new()
            },
            format!(
                "{} {} - control entries: {}",
                prod.name,
                prod.version,
                if prod.control_entries.is_empty() {
                    "none".to_string()
                } else {
                    prod.control_entries.join(", ")
                }
            ),
        ));
    }
    r.push(("Destinations".into(), p.destinations.join(", ")));
    for (i, eu) in p.end_users.iter().enumerate() {
        let mut s = eu.name.clone();
        if let Some(t) = &eu.party_type {
            s.push_str(&format!(", {t}"));
        }
        if let Some(c) = &eu.country {
            s.push_str(&format!(" ({c})"));
        }
        r.push((
            if i == 0 {
                "End users".into()
            } else {
                String::new()
            },
            s,
        ));
    }
    if let Some(c) = &p.consignee {
        r.push((
            "Consignee".into(),
            format!("{} ({})", c.name, c.country.as_deref().unwrap_or("-")),
        ));
    }
    if let Some(q) = p.quantity {
        r.push(("Quantity".into(), q.to_string()));
    }
    if let Some(v) = &p.value {
        r.push(("Value".into(), money(v)));
    }
    if let Some(q) = p.quantity_limit {
        r.push(("Quantity limit".into(), q.to_string()));
    }
    if let Some(v) = &p.value_limit {
        r.push(("Value limit".into(), money(v)));
    }
    for (i, c) in p.conditions.iter().enumerate() {
        r.push((
            if i == 0 {
                "Conditions".into()
            } else {
                String::new()
            },
            format!("{}. {c}", i + 1),
        ));
    }
    if p.conditions.is_empty() {
        r.push(("Conditions".into(), "none".into()));
    }
    r.push((
        "Valid".into(),
        format!("from {} until {} (inclusive)", p.valid_from, p.valid_until),
    ));
    r.push(("Issued".into(), p.issued_at.clone()));
    r
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn page_content(p: &LicencePayload, token: &str) -> Vec<u8> {
    let mut c = Content::new();
    let mut y = PAGE_H - MARGIN;
    let text = |c: &mut Content, font: &[u8], size: f32, x: f32, y: f32, s: &str| {
        c.begin_text();
        c.set_font(Name(font), size);
        c.next_line(x, y);
        c.show(Str(&winansi(s)));
        c.end_text();
    };
    text(
        &mut c,
        b"F2",
        18.0,
        MARGIN,
        y,
        &format!("Licence {}", p.number),
    );
    y -= 18.0;
    text(
        &mut c,
        b"F1",
        9.0,
        MARGIN,
        y,
        "Dual-use export licensing authority - issued with exportctl",
    );
    y -= 26.0;
    let value_x = MARGIN + 110.0;
    for (label, value) in rows(p) {
        let lines = wrap(&value, 70);
        if y - 12.0 * (lines.len() as f32) < 250.0 {
            text(
                &mut c,
                b"F1",
                9.0,
                value_x,
                y,
                "... (more in the signed data: see the QR code)",
            );
            break;
        }
        text(&mut c, b"F2", 10.0, MARGIN, y, &label);
        for l in lines {
            text(&mut c, b"F1", 10.0, value_x, y, &l);
            y -= 12.0;
        }
        y -= 2.0;
    }
    // The QR code, bottom left: one filled square per dark module, row runs merged.
    let qr = qr_text(&p.number, token);
    let code = QrCode::with_error_correction_level(qr.as_bytes(), EcLevel::M)
        .or_else(|_| QrCode::with_error_correction_level(qr.as_bytes(), EcLevel::L));
    let note_y = 60.0;
    match code {
        Ok(code) => {
            let n = code.width();
            let size = 180.0_f32;
            let m = size / n as f32;
            let (x0, y0) = (MARGIN, note_y + 24.0);
            let colors = code.to_colors();
            c.set_fill_gray(0.0);
            for row in 0..n {
                let mut col = 0;
                while col < n {
                    if colors[row * n + col] == Color::Dark {
                        let start = col;
                        while col < n && colors[row * n + col] == Color::Dark {
                            col += 1;
                        }
                        c.rect(
                            x0 + start as f32 * m,
                            y0 + (n - 1 - row) as f32 * m,
                            (col - start) as f32 * m,
                            m,
                        );
                    } else {
                        col += 1;
                    }
                }
            }
            c.fill_nonzero();
            text(
                &mut c,
                b"F1",
                8.0,
                MARGIN,
                note_y + 8.0,
                "The QR code carries the licence number and the licence signed by the authority (Ed25519).",
            );
        }
        Err(_) => text(
            &mut c,
            b"F1",
            8.0,
            MARGIN,
            note_y + 8.0,
            "The signed licence is too large for a QR code: verify the attached file licence.jws.",
        ),
    }
    text(
        &mut c,
        b"F1",
        8.0,
        MARGIN,
        note_y - 4.0,
        &format!(
            "Verify offline: exportctl licence verify FILE --public-key KEY. Online: /verify/{}",
            p.number
        ),
    );
    c.finish().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::tests::payload;
    use crate::{sign, Signer};

    #[test]
    fn rendering_is_byte_identical_and_carries_the_token() {
        let s = Signer::new("k1", ed25519_dalek::SigningKey::from_bytes(&[1; 32]));
        let t = sign(&payload(), &s);
        let a = render(&payload(), &t);
        let b = render(&payload(), &t);
        assert_eq!(a, b);
        assert!(a.starts_with(b"%PDF-"));
        assert_eq!(extract_token(&a).as_deref(), Some(t.as_str()));
        // The licence number is on the page, and a different licence gives a different file.
        assert!(find(&a, b"(Licence L-EL-2026-000001)").is_some());
        let mut other = payload();
        other.quantity = Some(4);
        assert_ne!(render(&other, &sign(&other, &s)), a);
    }

    #[test]
    fn no_token_in_other_files() {
        assert_eq!(extract_token(b"%PDF-1.7 nothing here"), None);
        assert_eq!(extract_token(b"/ExportctlLicence (a b)"), None);
    }

    #[test]
    fn wrap_and_winansi() {
        assert_eq!(wrap("aaa bbb ccc", 7), vec!["aaa bbb", "ccc"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(winansi("Zürich – אב"), b"Z\xfcrich \x96 ??".to_vec());
    }
}
