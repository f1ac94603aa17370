//! OFAC legacy CSV: the SDN set (`sdn.csv`, `alt.csv`, `add.csv`, `sdn_comments.csv`) or the consolidated
//! non-SDN set (`cons_prim.csv`, `cons_alt.csv`, `cons_add.csv`, `cons_comments.csv`).
//!
//! No header rows, `-0-` is null, CRLF line ends, a trailing 0x1A. The primary file is required; the others
//! are optional. Records of the optional files whose ent_num is not in the primary file are ignored.
//! The remarks (with their `*_comments.csv` continuation appended) are parsed for `DOB`, `nationality` /
//! `citizen`, identity numbers (`Passport`, `National ID No.`, `Tax ID No.`, `Registration Number`, IMO, ...)
//! and `a.k.a.`/`f.k.a.`/`n.k.a.` names (OFAC writes its weak aliases there, so they get quality Low).

use crate::archive::base_name;
use crate::common::*;
use crate::delimited::{decode_text, read_rows, Row};
use crate::model::*;
use std::collections::HashMap;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Role {
    Primary,
    Alt,
    Add,
    Comments,
}

/// Which member of the set a file name is, and whether it belongs to the SDN or the consolidated set.
fn role_of(name: &str) -> Option<(Role, bool)> {
    let b = base_name(name).to_ascii_lowercase();
    Some(match b.as_str() {
        "sdn.csv" => (Role::Primary, false),
        "alt.csv" => (Role::Alt, false),
        "add.csv" => (Role::Add, false),
        "sdn_comments.csv" => (Role::Comments, false),
        "cons_prim.csv" => (Role::Primary, true),
        "cons_alt.csv" => (Role::Alt, true),
        "cons_add.csv" => (Role::Add, true),
        "cons_comments.csv" => (Role::Comments, true),
        _ => return None,
    })
}

/// Whether an archive member is one of the set's files (other members are not even decompressed).
pub fn is_member(name: &str) -> bool {
    role_of(name).is_some()
}

/// Import a set of named files. Names are matched by base name; other files are ignored.
pub fn parse_set(label: &str, files: &[(String, &[u8])]) -> Result<ListSnapshot, ImportError> {
    let mut set: Vec<(Role, bool, &str, &[u8])> = Vec::new();
    for (name, bytes) in files {
        if let Some((role, cons)) = role_of(name) {
            if set.iter().any(|(r, c, _, _)| *r == role && *c == cons) {
                return Err(err(
                    label,
                    "file set",
                    format!("{} given twice", base_name(name)),
                ));
            }
            set.push((role, cons, name.as_str(), bytes));
        }
    }
    let has_sdn = set.iter().any(|(_, c, _, _)| !*c);
    let has_cons = set.iter().any(|(_, c, _, _)| *c);
    if has_sdn && has_cons {
        return Err(err(label, "file set", "mixes the SDN files (sdn.csv, ...) with the consolidated files (cons_*.csv); import them separately"));
    }
    if set.is_empty() {
        return Err(err(
            label,
            "file set",
            "no OFAC CSV files found (expected sdn.csv [+ alt.csv, add.csv, sdn_comments.csv] or cons_prim.csv [+ cons_alt.csv, cons_add.csv, cons_comments.csv])",
        ));
    }
    let cons = has_cons;
    let primary_name = if cons { "cons_prim.csv" } else { "sdn.csv" };
    let Some(&(_, _, pname, pbytes)) = set.iter().find(|(r, _, _, _)| *r == Role::Primary) else {
        let present: Vec<&str> = set.iter().map(|(_, _, n, _)| base_name(n)).collect();
        return Err(err(
            label,
            "file set",
            format!(
                "missing {primary_name}: it holds the primary names and types; {} alone cannot form records",
                present.join(", ")
            ),
        ));
    };
    let get = |role| {
        set.iter()
            .find(|(r, _, _, _)| *r == role)
            .map(|&(_, _, n, b)| (n, b))
    };

    // version: over the canonical members, in a fixed order, so a directory and a ZIP of it agree
    let mut canon: Vec<(String, &[u8])> = set
        .iter()
        .map(|(_, _, n, b)| (base_name(n).to_ascii_lowercase(), *b))
        .collect();
    canon.sort_by(|a, b| a.0.cmp(&b.0));
    let version = version_of_files(&canon);

    let prim = rows(pname, pbytes, 12)?;
    require_eof_marker(pname, pbytes)?;
    let mut order: Vec<String> = Vec::with_capacity(prim.len());
    let mut builders: HashMap<String, (EntryBuilder, String, u64)> =
        HashMap::with_capacity(prim.len());
    for r in &prim {
        let id = ent_num(pname, r)?;
        let kind = match non_empty(r.get(2))
            .map(|t| t.to_ascii_lowercase())
            .as_deref()
        {
            None => EntityKind::Organization,
            Some("individual") => EntityKind::Person,
            Some("vessel") => EntityKind::Vessel,
            Some("aircraft") => EntityKind::Aircraft,
            Some("entity") => EntityKind::Organization,
            Some(other) => {
                return Err(err(
                    pname,
                    format!("line {}", r.line),
                    format!("unknown SDN type {:?}", excerpt(other)),
                ))
            }
        };
        let mut b = EntryBuilder::new(id.clone(), kind);
        b.name(r.get(1), NameKind::Primary, NameQuality::Good, None);
        if b.entry.names.is_empty() {
            return Err(err(
                pname,
                format!("line {}", r.line),
                format!("record {} has no name", excerpt(&id)),
            ));
        }
        for p in programs(r.get(3)) {
            b.program(&p);
        }
        if let Some(cs) = non_empty(r.get(5)) {
            b.identifier("call-sign", &cs, None);
        }
        if let Some(flag) = non_empty(r.get(9)) {
            b.country(&flag);
        }
        let remarks = non_empty(r.get(11)).unwrap_or_default();
        if builders.insert(id.clone(), (b, remarks, r.line)).is_some() {
            return Err(err(
                pname,
                format!("line {}", r.line),
                format!("duplicate ent_num {}", excerpt(&id)),
            ));
        }
        order.push(id);
    }

    if let Some((name, bytes)) = get(Role::Comments) {
        for r in rows(name, bytes, 2)? {
            let id = ent_num(name, &r)?;
            if let Some((_, remarks, _)) = builders.get_mut(&id) {
                // the comments file continues the (truncated) remarks text
                remarks.push_str(r.get(1).trim_end());
            }
        }
    }
    if let Some((name, bytes)) = get(Role::Alt) {
        let alt = rows(name, bytes, 5)?;
        require_eof_marker(name, bytes)?;
        for r in alt {
            let id = ent_num(name, &r)?;
            let Some((b, _, _)) = builders.get_mut(&id) else {
                continue;
            };
            let kind = match non_empty(r.get(2))
                .map(|t| t.to_ascii_lowercase())
                .as_deref()
            {
                Some("fka") => NameKind::FormerName,
                _ => NameKind::Alias,
            };
            let weak =
                non_empty(r.get(4)).is_some_and(|rm| rm.to_ascii_lowercase().contains("weak"));
            let q = if weak {
                NameQuality::Low
            } else {
                NameQuality::Good
            };
            b.name(r.get(3), kind, q, None);
        }
    }
    if let Some((name, bytes)) = get(Role::Add) {
        let add = rows(name, bytes, 6)?;
        require_eof_marker(name, bytes)?;
        for r in add {
            let id = ent_num(name, &r)?;
            let Some((b, _, _)) = builders.get_mut(&id) else {
                continue;
            };
            b.address(make_address(
                non_empty(r.get(2)),
                non_empty(r.get(3)),
                None,
                non_empty(r.get(4)),
            ));
        }
    }

    let mut entries = Vec::with_capacity(order.len());
    for id in order {
        let Some((mut b, remarks, line)) = builders.remove(&id) else {
            continue;
        };
        apply_remarks(&mut b, &remarks);
        b.remark(&remarks);
        entries.push(
            b.finish()
                .map_err(|r| err(pname, format!("line {line}"), r))?,
        );
    }
    require_records(pname, &entries, primary_name)?;
    Ok(ListSnapshot {
        format: ListFormat::OfacCsv,
        source: Some(if cons { "ofac-non-sdn" } else { "ofac-sdn" }.into()),
        version,
        published: None,
        entries,
    })
}

fn rows(name: &str, bytes: &[u8], n: usize) -> Result<Vec<Row>, ImportError> {
    let text = decode_text(bytes);
    Ok(read_rows(name, &text, b',', false, Some(n))?.1)
}

/// OFAC ends each file of the set with a DOS end-of-file marker (0x1A), so a file cut short in transfer is
/// told from a whole one. Required on the primary, alias and address files (every published one has it);
/// the comments file of the 2021 SDN set was published without it, so it is not required there.
fn require_eof_marker(name: &str, bytes: &[u8]) -> Result<(), ImportError> {
    let last = bytes
        .iter()
        .rposition(|b| !matches!(b, b'\r' | b'\n' | b' ' | b'\t'));
    match last {
        Some(i) if bytes[i] == 0x1a => Ok(()),
        _ => Err(err(
            name,
            describe_offset(bytes, bytes.len()),
            "no end-of-file marker (0x1A) where the file ends: the file is truncated",
        )),
    }
}

fn ent_num(file: &str, r: &Row) -> Result<String, ImportError> {
    let id = r.get(0).trim();
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err(
            file,
            format!("line {}", r.line),
            format!("ent_num {:?} is not a number", excerpt(id)),
        ));
    }
    Ok(id.to_string())
}

/// "SDGT] [IRGC" -> ["SDGT", "IRGC"].
fn programs(s: &str) -> Vec<String> {
    s.split("] [")
        .map(|p| p.trim().trim_matches(['[', ']']).trim().to_string())
        .filter(|p| !p.is_empty() && p != "-0-")
        .collect()
}

/// Parse the remarks field into qualifiers and weak aliases.
fn apply_remarks(b: &mut EntryBuilder, remarks: &str) {
    for seg in remarks.split(';') {
        let seg = seg.trim().trim_end_matches('.').trim();
        if seg.is_empty() {
            continue;
        }
        let s = seg.strip_prefix("alt. ").unwrap_or(seg).trim();
        let lower = s.to_lowercase();
        if let Some(rest) = strip_ci(s, "a.k.a.").or_else(|| strip_ci(s, "n.k.a.")) {
            b.name(unquote(rest), NameKind::Alias, NameQuality::Low, None);
        } else if let Some(rest) = strip_ci(s, "f.k.a.") {
            b.name(unquote(rest), NameKind::FormerName, NameQuality::Low, None);
        } else if let Some(rest) = strip_ci(s, "DOB ") {
            b.birth_text(rest);
        } else if let Some(rest) = strip_ci(s, "nationality ").or_else(|| strip_ci(s, "citizen ")) {
            b.country(rest);
        } else if let Some(rest) = strip_ci(s, "Nationality of Registration ") {
            b.country(rest);
        } else if is_id_label(&lower) {
            identifier(b, s);
        }
    }
}

pub(crate) fn strip_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        s.get(prefix.len()..).map(str::trim)
    } else {
        None
    }
}

fn unquote(s: &str) -> &str {
    s.trim().trim_matches(|c| c == '\'' || c == '"').trim()
}

/// "Passport A1234567 (Iran)", "National ID No. 123-456 (Colombia)", "Vessel Registration Identification IMO 9187629".
fn identifier(b: &mut EntryBuilder, s: &str) {
    let (body, country) = match (s.rfind(" ("), s.ends_with(')')) {
        (Some(p), true) => (
            s.get(..p).unwrap_or(s),
            s.get(p + 2..s.len() - 1)
                .filter(|c| crate::countries::to_alpha2(c).is_some()),
        ),
        _ => (s, None),
    };
    let tokens: Vec<&str> = body.split_whitespace().collect();
    let Some(idx) = tokens
        .iter()
        .position(|t| t.chars().any(|c| c.is_ascii_digit()))
    else {
        return;
    };
    if idx == 0 {
        return;
    }
    let label = tokens[..idx].join(" ");
    let number = tokens[idx].trim_end_matches([',', '.', ';']);
    // a number written with a letter prefix token ("Passport RL 1234") keeps it
    b.identifier(&label, number, country);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remarks() {
        let mut b = EntryBuilder::new("1", EntityKind::Person);
        b.name("X", NameKind::Primary, NameQuality::Good, None);
        apply_remarks(
            &mut b,
            "DOB 12 Mar 1960; alt. DOB circa 1958; DOB 1950 to 1952; POB Tehran, Iran; nationality Iran; citizen Iraq; Passport A1234567 (Iran); National ID No. 55-66 (Iraq); a.k.a. 'ABU X'; f.k.a. 'OLD X'; Vessel Registration Identification IMO 9187629.",
        );
        let e = b.entry;
        assert_eq!(
            e.birth_dates,
            vec!["1960-03-12", "1958", "1950", "1951", "1952"]
        );
        assert_eq!(e.countries, vec!["IR", "IQ"]);
        assert_eq!(e.identifiers.len(), 3);
        assert_eq!(e.identifiers[0].kind, "passport");
        assert_eq!(e.identifiers[0].number, "A1234567");
        assert_eq!(e.identifiers[0].country.as_deref(), Some("IR"));
        assert_eq!(e.identifiers[1].kind, "national-id");
        assert_eq!(e.identifiers[2].kind, "imo");
        assert_eq!(e.identifiers[2].number, "9187629");
        assert!(e
            .names
            .iter()
            .any(|n| n.name == "ABU X" && n.quality == NameQuality::Low));
        assert!(e
            .names
            .iter()
            .any(|n| n.name == "OLD X" && n.kind == NameKind::FormerName));
    }

    #[test]
    fn program_split() {
        assert_eq!(programs("SDGT] [IRGC"), vec!["SDGT", "IRGC"]);
        assert_eq!(programs("-0- "), Vec::<String>::new());
    }
}
