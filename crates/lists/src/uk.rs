//! UK Sanctions List (FCDO), CSV variant ("UK_Sanctions_List.csv").
//!
//! Written from the published layout: no real copy is shipped, tests use a synthetic fixture.
//! The file may start with a "Report Date: 02-Oct-2026" line before the header row; the header row is the
//! first row with a "Unique ID" cell. One row per name: rows sharing a Unique ID form one record.
//! Required columns: "Unique ID", "Name 6", "Name type". Column names are matched case-insensitively, with the
//! older spellings accepted ("Designation Type" or "Individual, Entity, Ship"; "Regime Name" or "Regime";
//! "D.O.B" or "DOB"; "Nationality(/ies)" or "Nationality").
//!
//! Mapping: Unique ID (e.g. "RUS0001") -> source id; Name 1..Name 5 then Name 6 -> name; Name type
//! "Primary name" -> primary, "Primary name variation" -> alias (Good), "Alias" -> alias with "Alias strength"
//! ("Low quality" -> Low); "Name non-latin script" -> alias with the script from "Non-latin script type" (else
//! detected); Designation Type Individual/Entity/Ship -> person/organization/vessel; D.O.B "dd/mm/yyyy" with
//! 00 for unknown parts -> birth dates; Nationality(/ies), Current believed flag of ship -> countries;
//! Address Line 1..6, Address Postal Code, Address Country -> address; Passport number, National Identifier
//! number, Business registration number (s), IMO number -> identifiers; Regime Name -> programs; Other
//! Information -> remarks; the Report Date line -> published. Multi-valued cells written "(1) X (2) Y" or
//! "X; Y" are split.

use crate::common::*;
use crate::delimited::{decode_text, read_rows};
use crate::model::*;
use std::collections::HashMap;

pub fn parse(file: &str, bytes: &[u8]) -> Result<ListSnapshot, ImportError> {
    let text = decode_text(bytes);
    let (_, rows) = read_rows(file, &text, b',', false, None)?;
    let is_header = |r: &crate::delimited::Row| {
        r.fields
            .iter()
            .any(|f| f.trim().eq_ignore_ascii_case("Unique ID"))
    };
    let Some(hpos) = rows.iter().position(is_header) else {
        return Err(err(
            file,
            "line 1",
            "no header row with a \"Unique ID\" column",
        ));
    };
    let mut published = None;
    for r in &rows[..hpos] {
        for f in &r.fields {
            if let Some(d) = f.trim().strip_prefix("Report Date:") {
                published = normalize_date(d);
            }
        }
    }
    let header_line = rows[hpos].line;
    let headers: Vec<String> = rows[hpos]
        .fields
        .iter()
        .map(|h| clean(h).to_lowercase())
        .collect();
    let col = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| headers.iter().position(|h| h == &n.to_lowercase()))
    };
    for (req, alts) in [
        ("Unique ID", &["Unique ID"][..]),
        ("Name 6", &["Name 6"][..]),
        ("Name type", &["Name type"][..]),
    ] {
        if col(alts).is_none() {
            return Err(err(
                file,
                format!("line {header_line}"),
                format!("header lacks required column {req:?}"),
            ));
        }
    }
    let c_id = col(&["Unique ID"]);
    let c_names: Vec<Option<usize>> = (1..=6).map(|i| col(&[&format!("Name {i}")])).collect();
    let c_type = col(&["Name type"]);
    let c_strength = col(&["Alias strength", "Alias quality"]);
    let c_nonlatin = col(&["Name non-latin script", "Name Non-Latin Script"]);
    let c_script = col(&["Non-latin script type"]);
    let c_kind = col(&[
        "Designation Type",
        "Individual, Entity, Ship",
        "Entity type",
    ]);
    let c_regime = col(&["Regime Name", "Regime"]);
    let c_dob = col(&["D.O.B", "DOB", "Date of birth"]);
    let c_nat = col(&["Nationality(/ies)", "Nationality", "Nationalities"]);
    let c_flag = col(&["Current believed flag of ship"]);
    let c_addr: Vec<Option<usize>> = (1..=6)
        .map(|i| col(&[&format!("Address Line {i}")]))
        .collect();
    let c_post = col(&["Address Postal Code"]);
    let c_country = col(&["Address Country"]);
    let c_other = col(&["Other Information"]);
    let id_cols: Vec<(&str, Option<usize>)> = vec![
        ("passport", col(&["Passport number", "Passport Number"])),
        (
            "national-id",
            col(&[
                "National Identifier number",
                "National Identification Number",
            ]),
        ),
        (
            "registration-number",
            col(&[
                "Business registration number (s)",
                "Business registration number",
            ]),
        ),
        ("imo", col(&["IMO number"])),
    ];

    let mut order = Vec::new();
    let mut by_id: HashMap<String, EntryBuilder> = HashMap::new();
    for r in &rows[hpos + 1..] {
        if r.fields.len() != headers.len() {
            return Err(err(
                file,
                format!("line {}", r.line),
                format!(
                    "expected {} fields, found {}",
                    headers.len(),
                    r.fields.len()
                ),
            ));
        }
        let get = |c: Option<usize>| c.map(|i| r.get(i).to_string()).unwrap_or_default();
        let id = clean(&get(c_id));
        if id.is_empty() {
            return Err(err(
                file,
                format!("line {}", r.line),
                "row without a Unique ID",
            ));
        }
        let kind = match clean(&get(c_kind)).to_lowercase().as_str() {
            "individual" => EntityKind::Person,
            "entity" => EntityKind::Organization,
            "ship" => EntityKind::Vessel,
            _ => EntityKind::Unknown,
        };
        let b = by_id.entry(id.clone()).or_insert_with(|| {
            order.push(id.clone());
            EntryBuilder::new(id.clone(), kind)
        });
        if b.entry.kind == EntityKind::Unknown {
            b.entry.kind = kind;
        }
        let mut parts: Vec<String> = c_names[..5]
            .iter()
            .filter_map(|c| non_empty(&get(*c)))
            .collect();
        if let Some(n6) = non_empty(&get(c_names[5])) {
            parts.push(n6);
        }
        let name = parts.join(" ");
        let ntype = clean(&get(c_type)).to_lowercase();
        let strength = clean(&get(c_strength)).to_lowercase();
        let quality = if strength.contains("low") || strength.contains("weak") {
            NameQuality::Low
        } else {
            NameQuality::Good
        };
        let nkind = if ntype == "primary name" || ntype == "primary" {
            NameKind::Primary
        } else {
            NameKind::Alias
        };
        if !name.is_empty() {
            if nkind == NameKind::Primary {
                // primary first, whatever row order the file has
                b.name(&name, NameKind::Primary, NameQuality::Good, None);
                if let Some(pos) = b.entry.names.iter().position(|n| n.name == clean(&name)) {
                    let mut v = b.entry.names.remove(pos);
                    v.kind = NameKind::Primary;
                    v.quality = NameQuality::Good;
                    for other in b
                        .entry
                        .names
                        .iter_mut()
                        .filter(|n| n.kind == NameKind::Primary)
                    {
                        other.kind = NameKind::Alias;
                    }
                    b.entry.names.insert(0, v);
                }
            } else {
                b.name(&name, NameKind::Alias, quality, None);
            }
        }
        let script = script_code(&get(c_script));
        for nl in split_multi(&get(c_nonlatin)) {
            b.name(&nl, NameKind::Alias, NameQuality::Good, script.clone());
        }
        for p in split_multi(&get(c_regime)) {
            b.program(&p);
        }
        for d in split_multi(&get(c_dob)) {
            b.birth_date(&uk_date(&d));
        }
        for n in split_multi(&get(c_nat))
            .into_iter()
            .chain(split_multi(&get(c_flag)))
        {
            b.country(&n);
        }
        let street = join_parts(c_addr.iter().map(|c| c.map(|i| r.get(i))));
        b.address(make_address(
            street,
            None,
            non_empty(&get(c_post)),
            non_empty(&get(c_country)),
        ));
        for (kind, c) in &id_cols {
            for v in split_multi(&get(*c)) {
                // "123456 (Iran)" or "123456"
                let (num, country) = match (v.rfind(" ("), v.ends_with(')')) {
                    (Some(p), true) => (
                        v.get(..p).unwrap_or(&v).to_string(),
                        v.get(p + 2..v.len() - 1).map(str::to_string),
                    ),
                    _ => (v.clone(), None),
                };
                b.identifier(kind, &num, country.as_deref());
            }
        }
        b.remark(&get(c_other));
    }
    if order.is_empty() && rows.len() <= hpos + 1 {
        return Err(err(
            file,
            format!("line {header_line}"),
            "header row but no records",
        ));
    }
    let mut entries = Vec::with_capacity(order.len());
    for id in order {
        if let Some(mut b) = by_id.remove(&id) {
            if let Some(first) = b.entry.names.first_mut() {
                first.kind = NameKind::Primary;
            }
            entries.push(
                b.finish()
                    .map_err(|r| err(file, format!("record {}", excerpt(&id)), r))?,
            );
        }
    }
    require_records(file, &entries, "UK sanctions")?;
    Ok(ListSnapshot {
        format: ListFormat::UkSanctions,
        source: None,
        version: version_of(bytes),
        published,
        entries,
    })
}

/// "(1) X (2) Y" and "X; Y" -> ["X", "Y"].
fn split_multi(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    let mut buf = String::new();
    while !rest.is_empty() {
        // a "(n)" marker with digits only
        if rest.starts_with('(') {
            if let Some(close) = rest.find(')') {
                let inner = rest.get(1..close).unwrap_or("");
                if !inner.is_empty()
                    && inner.len() <= 3
                    && inner.bytes().all(|b| b.is_ascii_digit())
                {
                    out.push(std::mem::take(&mut buf));
                    rest = rest.get(close + 1..).unwrap_or("");
                    continue;
                }
            }
        }
        let mut chars = rest.chars();
        let Some(ch) = chars.next() else { break };
        if ch == ';' {
            out.push(std::mem::take(&mut buf));
        } else {
            buf.push(ch);
        }
        rest = chars.as_str();
    }
    out.push(buf);
    out.into_iter().filter_map(|v| non_empty(&v)).collect()
}

/// "dd/mm/yyyy" with 00 for unknown day or month.
fn uk_date(s: &str) -> String {
    let p: Vec<&str> = s.trim().split('/').collect();
    match p.as_slice() {
        [d, m, y] if *d == "00" && *m == "00" => y.to_string(),
        [d, m, y] if *d == "00" => format!("{y}-{m}"),
        _ => s.to_string(),
    }
}

fn script_code(s: &str) -> Option<String> {
    let code = match clean(s).to_lowercase().as_str() {
        "arabic" => "Arab",
        "cyrillic" => "Cyrl",
        "chinese" | "han" => "Hani",
        "hebrew" => "Hebr",
        "greek" => "Grek",
        "korean" | "hangul" => "Hang",
        "latin" => "Latn",
        _ => return None,
    };
    Some(code.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_values() {
        assert_eq!(split_multi("(1) Iran (2) Iraq"), vec!["Iran", "Iraq"]);
        assert_eq!(split_multi("Iran; Iraq"), vec!["Iran", "Iraq"]);
        assert_eq!(
            split_multi("Syria (Arab Republic)"),
            vec!["Syria (Arab Republic)"]
        );
        assert_eq!(split_multi(""), Vec::<String>::new());
        assert_eq!(uk_date("00/00/1960"), "1960");
        assert_eq!(uk_date("00/06/1960"), "1960-06");
        assert_eq!(uk_date("05/06/1960"), "05/06/1960");
    }
}
