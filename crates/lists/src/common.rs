//! Helpers shared by the importers: error construction, content versions, text clean-up, script detection,
//! date normalisation and record assembly.

use crate::model::*;
use sha2::{Digest, Sha256};

/// `"sha256:<hex>"` of the bytes.
pub fn version_of(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// Version of a multi-file input: the hash of each file's name and hash, in the order given.
pub fn version_of_files(files: &[(String, &[u8])]) -> String {
    let mut h = Sha256::new();
    for (name, bytes) in files {
        h.update(name.as_bytes());
        h.update([0u8]);
        h.update(Sha256::digest(bytes));
    }
    format!("sha256:{}", hex::encode(h.finalize()))
}

/// Longest piece of the input (a header, a value, an element name) quoted in an error message.
pub const EXCERPT_CHARS: usize = 80;
/// Longest error field kept: a backstop so that no error can carry the input at length, whatever built it.
const ERROR_FIELD_CHARS: usize = 400;

/// At most [`EXCERPT_CHARS`] characters of `s` (control characters escaped), with "… (N chars)" when cut:
/// every piece of input an error quotes goes through here, so a hostile file cannot make a huge error.
pub fn excerpt(s: &str) -> String {
    bounded(s, EXCERPT_CHARS)
}

fn bounded(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (n, c) in s.chars().enumerate() {
        if n == max {
            return format!("{out}… ({} chars)", s.chars().count());
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

pub fn err(file: &str, position: impl Into<String>, reason: impl Into<String>) -> ImportError {
    let cap = |s: String| {
        if s.chars().count() > ERROR_FIELD_CHARS {
            bounded(&s, ERROR_FIELD_CHARS)
        } else {
            s
        }
    };
    ImportError {
        file: cap(file.to_string()),
        position: cap(position.into()),
        reason: cap(reason.into()),
    }
}

/// "line L, column C (byte B)" for a byte offset into `bytes`. Columns count characters, 1-based.
pub fn describe_offset(bytes: &[u8], offset: usize) -> String {
    let offset = offset.min(bytes.len());
    let before = &bytes[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map(|p| p + 1)
        .unwrap_or(0);
    let col = String::from_utf8_lossy(&bytes[line_start..offset])
        .chars()
        .count()
        + 1;
    format!("line {line}, column {col} (byte {offset})")
}

/// Collapse runs of whitespace (including newlines inside XML text) to single spaces and trim.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for part in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

/// Cleaned text, or None when empty (or OFAC's `-0-` null marker).
pub fn non_empty(s: &str) -> Option<String> {
    let c = clean(s);
    if c.is_empty() || c == "-0-" {
        None
    } else {
        Some(c)
    }
}

/// ISO 15924 code of the script a name is written in: the non-Latin script with most letters when there is
/// one, "Latn" for Latin-only names, None for names without letters.
pub fn detect_script(s: &str) -> Option<String> {
    let mut counts = [0usize; 9];
    const CODES: [&str; 9] = [
        "Latn", "Arab", "Cyrl", "Hani", "Hebr", "Grek", "Hang", "Kana", "Thai",
    ];
    for c in s.chars() {
        if !c.is_alphabetic() {
            continue;
        }
        let u = c as u32;
        let idx = match u {
            0x0041..=0x024F | 0x1E00..=0x1EFF => 0,
            0x0600..=0x06FF
            | 0x0750..=0x077F
            | 0x08A0..=0x08FF
            | 0xFB50..=0xFDFF
            | 0xFE70..=0xFEFF => 1,
            0x0400..=0x052F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => 2,
            0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F => 3,
            0x0590..=0x05FF | 0xFB1D..=0xFB4F => 4,
            0x0370..=0x03FF | 0x1F00..=0x1FFF => 5,
            0xAC00..=0xD7AF | 0x1100..=0x11FF | 0x3130..=0x318F => 6,
            0x3040..=0x30FF => 7,
            0x0E00..=0x0E7F => 8,
            _ => continue,
        };
        counts[idx] += 1;
    }
    let best_non_latin = (1..counts.len())
        .max_by_key(|&i| counts[i])
        .filter(|&i| counts[i] > 0);
    match best_non_latin {
        Some(i) => Some(CODES[i].to_string()),
        None if counts[0] > 0 => Some("Latn".to_string()),
        None => None,
    }
}

/// Normalise a date written as "YYYY-MM-DD", "YYYY-MM", "YYYY", "YYYY/MM/DD", "DD Mon YYYY", "Mon YYYY",
/// "DD/MM/YYYY" or "YYYYMMDD" to "YYYY[-MM[-DD]]". None when it is not a plausible date.
pub fn normalize_date(s: &str) -> Option<String> {
    let t = clean(s);
    let t = t.trim_end_matches('Z');
    let t = t.split('T').next().unwrap_or("");
    let t = t.trim();
    if t.is_empty() {
        return None;
    }
    let parts: Vec<&str> = t
        .split(['-', '/', ' ', '.', ','])
        .filter(|p| !p.is_empty())
        .collect();
    let num = |p: &str| -> Option<u32> {
        if !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()) {
            p.parse().ok()
        } else {
            None
        }
    };
    let ymd = |y: u32, m: Option<u32>, d: Option<u32>| -> Option<String> {
        if !(1000..=2999).contains(&y) {
            return None;
        }
        match (m, d) {
            (None, _) => Some(format!("{y:04}")),
            (Some(m), None) if (1..=12).contains(&m) => Some(format!("{y:04}-{m:02}")),
            (Some(m), Some(d)) if (1..=12).contains(&m) && (1..=31).contains(&d) => {
                Some(format!("{y:04}-{m:02}-{d:02}"))
            }
            _ => None,
        }
    };
    match parts.as_slice() {
        [y] if y.len() == 4 => ymd(num(y)?, None, None),
        [x] if x.len() == 8 && x.bytes().all(|b| b.is_ascii_digit()) => {
            let y = x.get(0..4)?.parse().ok()?;
            let m = x.get(4..6)?.parse().ok()?;
            let d = x.get(6..8)?.parse().ok()?;
            ymd(y, Some(m), Some(d))
        }
        [a, b] => {
            if a.len() == 4 {
                ymd(num(a)?, Some(num(b).or_else(|| month(b))?), None)
            } else if b.len() == 4 {
                ymd(num(b)?, Some(num(a).or_else(|| month(a))?), None)
            } else {
                None
            }
        }
        [a, b, c] => {
            if a.len() == 4 {
                ymd(num(a)?, Some(num(b).or_else(|| month(b))?), Some(num(c)?))
            } else if c.len() == 4 {
                // "DD Mon YYYY", "DD/MM/YYYY", "Mon DD YYYY"
                if let Some(m) = month(b) {
                    ymd(num(c)?, Some(m), Some(num(a)?))
                } else if let Some(m) = month(a) {
                    ymd(num(c)?, Some(m), Some(num(b)?))
                } else {
                    ymd(num(c)?, Some(num(b)?), Some(num(a)?))
                }
            } else {
                None
            }
        }
        _ => None,
    }
}

fn month(s: &str) -> Option<u32> {
    let l = s.to_ascii_lowercase();
    let l = l.get(0..3)?;
    let m = match l {
        "jan" => 1,
        "feb" => 2,
        "mar" => 3,
        "apr" => 4,
        "may" => 5,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" => 9,
        "oct" => 10,
        "nov" => 11,
        "dec" => 12,
        _ => return None,
    };
    Some(m)
}

/// Years of an inclusive range, at most 100 of them (longer ranges keep their endpoints only).
pub fn year_range(from: u32, to: u32) -> Vec<String> {
    if from > to || !(1000..=2999).contains(&from) || !(1000..=2999).contains(&to) {
        return Vec::new();
    }
    if to - from > 100 {
        return vec![format!("{from:04}"), format!("{to:04}")];
    }
    (from..=to).map(|y| format!("{y:04}")).collect()
}

/// Identifier kind in the canonical vocabulary where one applies ("passport", "national-id", ...), otherwise
/// the list's own wording, lower case.
pub fn identifier_kind(s: &str) -> String {
    let l = clean(s).to_lowercase();
    let l = l.trim_end_matches([':', '.']).trim();
    let words: Vec<&str> = l
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.contains(&w);
    if l.contains("passport") || l.contains("passeport") || l.contains("pasaporte") {
        "passport".into()
    } else if has("tax")
        || has("inn")
        || has("vat")
        || has("tin")
        || l.contains("fiscal code")
        || l.contains("v.a.t.")
    {
        "tax-id".into()
    } else if has("swift") || has("bic") || l.contains("swift/bic") {
        "swift-bic".into()
    } else if has("imo") {
        "imo".into()
    } else if l.contains("registration")
        || l.contains("company number")
        || l.contains("business number")
        || l.contains("registry number")
        || l.contains("incorporation")
    {
        "registration-number".into()
    } else if l.contains("national id")
        || l.contains("national identification")
        || has("id")
        || has("nid")
        || l.contains("identity card")
        || l.contains("identification number")
        || has("cedula")
        || has("cédula")
        || l.contains("d.n.i.")
    {
        "national-id".into()
    } else {
        l.to_string()
    }
}

/// Labels that introduce an identity number in OFAC remarks (compared case-insensitively as prefixes).
pub const ID_LABELS: &[&str] = &[
    "passport",
    "diplomatic passport",
    "national id",
    "national foreign id",
    "cedula",
    "nit #",
    "ruc #",
    "vessel registration identification",
    "identification number",
    "c.u.r.p.",
    "curp",
    "r.f.c.",
    "rfc",
    "registration number",
    "registration id",
    "tax id",
    "folio mercantil",
    "company number",
    "uk company number",
    "matricula mercantil",
    "commercial registry number",
    "aircraft tail number",
    "aircraft manufacturer's serial number",
    "mmsi",
    "d.n.i.",
    "d-u-n-s number",
    "c.r. no.",
    "v.a.t. number",
    "business registration",
    "swift/bic",
    "driver's license",
    "trade license",
    "italian fiscal code",
    "credencial electoral",
    "electoral registry",
    "personal id card",
    "chamber of commerce number",
    "ssn",
    "public registration number",
    "us fein",
    "residency number",
    "i.f.e.",
    "birth certificate number",
    "registered charity",
    "c.u.i.t.",
    "le number",
    "legal entity number",
    "certificate of incorporation",
    "isin",
    "stateless person",
    "refugee id",
    "travel document",
    "kenyan id",
    "immigration no",
    "public security and immigration",
    "citizen's card",
    "pasaporte",
    "military registration",
    "turkish identification",
    "identity card",
    "id no",
    "digital currency address",
];

/// Whether a label (any case) names an identity or registration number.
pub fn is_id_label(label: &str) -> bool {
    let l = label.trim().to_lowercase();
    ID_LABELS.iter().any(|p| l.starts_with(p))
}

/// Builder for one entry that drops empty and duplicate values.
#[derive(Debug)]
pub struct EntryBuilder {
    pub entry: ListEntry,
}

impl EntryBuilder {
    pub fn new(source_id: impl Into<String>, kind: EntityKind) -> Self {
        EntryBuilder {
            entry: ListEntry {
                source_id: source_id.into(),
                kind,
                names: Vec::new(),
                birth_dates: Vec::new(),
                countries: Vec::new(),
                addresses: Vec::new(),
                identifiers: Vec::new(),
                programs: Vec::new(),
                remarks: None,
            },
        }
    }

    /// Add a name; the script is detected from its characters unless given. Duplicate (name, kind) pairs
    /// are dropped; a duplicate with better quality upgrades the earlier one.
    pub fn name(
        &mut self,
        name: &str,
        kind: NameKind,
        quality: NameQuality,
        script: Option<String>,
    ) {
        let Some(n) = non_empty(name) else { return };
        if let Some(existing) = self.entry.names.iter_mut().find(|v| v.name == n) {
            if existing.quality == NameQuality::Low && quality == NameQuality::Good {
                existing.quality = NameQuality::Good;
            }
            return;
        }
        let script = script.or_else(|| detect_script(&n));
        self.entry.names.push(NameVariant {
            name: n,
            kind,
            quality,
            script,
        });
    }

    pub fn birth_date(&mut self, d: &str) {
        if let Some(d) = normalize_date(d) {
            if !self.entry.birth_dates.contains(&d) {
                self.entry.birth_dates.push(d);
            }
        }
    }

    /// A birth date as OFAC writes it: "12 Mar 1960", "1960", "circa 1960", "1960 to 1962",
    /// "12 Mar 1960 to 14 Mar 1961".
    pub fn birth_text(&mut self, s: &str) {
        let s = s.trim();
        let s = s
            .get(..6)
            .filter(|h| h.eq_ignore_ascii_case("circa "))
            .and_then(|_| s.get(6..))
            .unwrap_or(s)
            .trim();
        if let Some((from, to)) = s.split_once(" to ") {
            match (from.trim().parse::<u32>(), to.trim().parse::<u32>()) {
                (Ok(f), Ok(t)) => self.birth_year_range(f, t),
                _ => {
                    self.birth_date(from);
                    self.birth_date(to);
                }
            }
        } else {
            self.birth_date(s);
        }
    }

    pub fn birth_year_range(&mut self, from: u32, to: u32) {
        for y in year_range(from, to) {
            if !self.entry.birth_dates.contains(&y) {
                self.entry.birth_dates.push(y);
            }
        }
    }

    /// Add a country by name or code; unknown names are ignored (they stay in the address/remarks text).
    pub fn country(&mut self, name: &str) -> Option<&'static str> {
        let code = crate::countries::to_alpha2(name)?;
        if !self.entry.countries.iter().any(|c| c == code) {
            self.entry.countries.push(code.to_string());
        }
        Some(code)
    }

    pub fn address(&mut self, a: Address) {
        let empty = a.street.is_none()
            && a.city.is_none()
            && a.postal_code.is_none()
            && a.country.is_none();
        if empty || self.entry.addresses.contains(&a) {
            return;
        }
        if let Some(cc) = &a.country_code {
            if !self.entry.countries.contains(cc) {
                self.entry.countries.push(cc.clone());
            }
        }
        self.entry.addresses.push(a);
    }

    pub fn identifier(&mut self, kind: &str, number: &str, country: Option<&str>) {
        let Some(number) = non_empty(number) else {
            return;
        };
        let kind = identifier_kind(kind);
        let country = country
            .and_then(non_empty)
            .map(|c| match crate::countries::to_alpha2(&c) {
                Some(code) => code.to_string(),
                None => c,
            });
        let id = Identifier {
            kind,
            number,
            country,
        };
        if !self.entry.identifiers.contains(&id) {
            self.entry.identifiers.push(id);
        }
    }

    pub fn program(&mut self, p: &str) {
        let Some(p) = non_empty(p) else { return };
        if !self.entry.programs.contains(&p) {
            self.entry.programs.push(p);
        }
    }

    pub fn remark(&mut self, r: &str) {
        let Some(r) = non_empty(r) else { return };
        match &mut self.entry.remarks {
            Some(existing) => {
                if !existing.contains(&r) {
                    existing.push(' ');
                    existing.push_str(&r);
                }
            }
            None => self.entry.remarks = Some(r),
        }
    }

    /// The finished entry; an error reason when it has no usable name or id.
    pub fn finish(self) -> Result<ListEntry, String> {
        if self.entry.source_id.trim().is_empty() {
            return Err("record without an id".into());
        }
        if self.entry.names.is_empty() {
            return Err(format!(
                "record {} has no name",
                excerpt(&self.entry.source_id)
            ));
        }
        Ok(self.entry)
    }
}

/// Build an [`Address`] from parts, resolving the country code.
pub fn make_address(
    street: Option<String>,
    city: Option<String>,
    postal_code: Option<String>,
    country: Option<String>,
) -> Address {
    let country_code = country
        .as_deref()
        .and_then(crate::countries::to_alpha2)
        .map(str::to_string);
    Address {
        street,
        city,
        postal_code,
        country,
        country_code,
    }
}

/// Join non-empty parts with ", ".
pub fn join_parts<'a>(parts: impl IntoIterator<Item = Option<&'a str>>) -> Option<String> {
    let v: Vec<String> = parts.into_iter().flatten().filter_map(non_empty).collect();
    if v.is_empty() {
        None
    } else {
        Some(v.join(", "))
    }
}

/// Reject an import that produced no records.
pub fn require_records(file: &str, entries: &[ListEntry], what: &str) -> Result<(), ImportError> {
    if entries.is_empty() {
        return Err(err(file, "end of file", format!("no {what} records found")));
    }
    Ok(())
}

/// Reject duplicate source ids (the service keys hits by them).
pub fn require_unique_ids(file: &str, entries: &[ListEntry]) -> Result<(), ImportError> {
    let mut seen = std::collections::HashSet::new();
    for e in entries {
        if !seen.insert(e.source_id.as_str()) {
            return Err(err(
                file,
                format!("record {}", excerpt(&e.source_id)),
                format!("duplicate record id {:?}", excerpt(&e.source_id)),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(normalize_date("1971").as_deref(), Some("1971"));
        assert_eq!(normalize_date("1971-03-05").as_deref(), Some("1971-03-05"));
        assert_eq!(normalize_date("05 Mar 1971").as_deref(), Some("1971-03-05"));
        assert_eq!(normalize_date("Mar 1971").as_deref(), Some("1971-03"));
        assert_eq!(normalize_date("05/03/1971").as_deref(), Some("1971-03-05"));
        assert_eq!(
            normalize_date("2026-02-27T00:00:09.554Z").as_deref(),
            Some("2026-02-27")
        );
        assert_eq!(normalize_date("19710305").as_deref(), Some("1971-03-05"));
        assert_eq!(normalize_date("1971-13-05"), None);
        assert_eq!(normalize_date("ééé"), None);
        assert_eq!(normalize_date("circa"), None);
    }

    #[test]
    fn scripts() {
        assert_eq!(detect_script("عبد الله").as_deref(), Some("Arab"));
        assert_eq!(detect_script("Иван Петров").as_deref(), Some("Cyrl"));
        assert_eq!(detect_script("王小明").as_deref(), Some("Hani"));
        assert_eq!(detect_script("משה").as_deref(), Some("Hebr"));
        assert_eq!(detect_script("Αλέξανδρος").as_deref(), Some("Grek"));
        assert_eq!(detect_script("John Smith").as_deref(), Some("Latn"));
        assert_eq!(detect_script("123 -"), None);
    }

    #[test]
    fn offsets() {
        assert_eq!(describe_offset(b"ab\ncd", 4), "line 2, column 2 (byte 4)");
        assert_eq!(describe_offset(b"ab", 99), "line 1, column 3 (byte 2)");
    }
}
