//! OFAC Enhanced XML (`sanctionsData`, the schema of SDN_ENHANCED.XML and CONS_ENHANCED.XML), bare or inside
//! its ZIP.
//!
//! Mapping: `entity/@id` -> source id; `generalInfo/entityType` -> kind; every `names/name` and every one of its
//! `translations/translation` -> a name variant (`formattedFullName`, else the name parts joined), with the
//! translation's script resolved through `referenceValues` (ISO 15924 code; Hans/Hant are reported as Hani);
//! the primary translation of the primary name comes first; `aliasType` F.K.A. -> former name;
//! `isLowQuality` -> Low. `features`: Birthdate -> birth dates; Nationality Country, Citizenship Country,
//! Nationality of Registration -> countries (through the reference value's `isoCode`); SWIFT/BIC, ISIN, BIK ->
//! identifiers. `identityDocuments` -> identifiers; `addresses` -> addresses; `sanctionsPrograms` -> programs;
//! `generalInfo/remarks` -> remarks; `publicationInfo/dataAsOf` -> published.

use crate::common::*;
use crate::model::*;
use crate::xml::{self, Element};
use std::collections::HashMap;

struct RefValue {
    kind: String,
    value: String,
    code: Option<String>,
    iso: Option<String>,
}

pub fn parse(file: &str, raw: &[u8]) -> Result<ListSnapshot, ImportError> {
    let version = version_of(raw);
    let members;
    let (file_label, bytes): (String, &[u8]) = if crate::archive::is_zip(raw) {
        members = crate::archive::unzip(file, raw, &|n| n.to_ascii_lowercase().ends_with(".xml"))?;
        let xmls: Vec<&(String, Vec<u8>)> = members
            .iter()
            .filter(|(n, _)| n.to_ascii_lowercase().ends_with(".xml"))
            .collect();
        match xmls.as_slice() {
            [(n, b)] => (format!("{file}:{}", excerpt(n)), b.as_slice()),
            [] => return Err(err(file, "ZIP archive", "the ZIP holds no .xml file")),
            _ => {
                return Err(err(
                    file,
                    "ZIP archive",
                    "the ZIP holds more than one .xml file",
                ))
            }
        }
    } else {
        (file.to_string(), raw)
    };
    let file = file_label.as_str();
    let root = xml::parse(file, bytes)?;
    let at = |e: &Element| describe_offset(bytes, e.pos);
    if root.name != "sanctionsData" {
        return Err(err(
            file,
            at(&root),
            format!(
                "document element is <{}>, expected <sanctionsData>",
                excerpt(&root.name)
            ),
        ));
    }
    let mut refs: HashMap<String, RefValue> = HashMap::new();
    for rv in root.path(&["referenceValues", "referenceValue"]) {
        if let Some(id) = rv.attr("refId") {
            refs.insert(
                id.to_string(),
                RefValue {
                    kind: rv.child_text("type").unwrap_or_default(),
                    value: rv.child_text("value").unwrap_or_default(),
                    code: rv.child_text("code"),
                    iso: rv.child_text("isoCode"),
                },
            );
        }
    }
    let Some(entities) = root.child("entities") else {
        return Err(err(file, at(&root), "<sanctionsData> has no <entities>"));
    };
    let mut entries = Vec::new();
    for ent in entities.children_named("entity") {
        entries.push(entity(file, ent, &refs).map_err(|r| err(file, at(ent), r))?);
    }
    require_records(file, &entries, "entity")?;
    require_unique_ids(file, &entries)?;
    let published = root
        .child("publicationInfo")
        .and_then(|p| p.child_text("dataAsOf"))
        .and_then(|d| normalize_date(&d));
    // publicationInfo/filters/sanctionsLists names the published list: "SDN List" or "Consolidated List".
    let source = root
        .path(&[
            "publicationInfo",
            "filters",
            "sanctionsLists",
            "sanctionsList",
        ])
        .into_iter()
        .find_map(|l| match l.text().as_deref() {
            Some("SDN List") => Some("ofac-sdn".to_string()),
            Some("Consolidated List") => Some("ofac-non-sdn".to_string()),
            _ => None,
        });
    Ok(ListSnapshot {
        format: ListFormat::OfacEnhancedXml,
        source,
        version,
        published,
        entries,
    })
}

/// Country code of an element carrying a `refId` (address country, issuing country) or, failing that, its text.
fn country_of(e: &Element, refs: &HashMap<String, RefValue>) -> Option<String> {
    let by_ref = e
        .attr("refId")
        .and_then(|r| refs.get(r))
        .and_then(|rv| rv.iso.clone())
        .filter(|c| crate::countries::name_of(c).is_some());
    by_ref.or_else(|| {
        e.text()
            .and_then(|t| crate::countries::to_alpha2(&t))
            .map(str::to_string)
    })
}

fn script_of(e: Option<&Element>, refs: &HashMap<String, RefValue>) -> Option<String> {
    let e = e?;
    let rv = e.attr("refId").and_then(|r| refs.get(r));
    let candidates = [
        rv.and_then(|r| r.code.clone()),
        rv.map(|r| r.value.clone()),
        e.text(),
    ];
    candidates
        .into_iter()
        .flatten()
        .find_map(|c| script_code(&c))
}

/// ISO 15924 code for a script code or English script name; Hans/Hant become Hani.
fn script_code(s: &str) -> Option<String> {
    let l = s.trim().to_lowercase();
    let code = match l.as_str() {
        "latn" | "latin" => "Latn",
        "cyrl" | "cyrillic" => "Cyrl",
        "arab" | "arabic" => "Arab",
        "hani"
        | "hans"
        | "hant"
        | "chinese"
        | "chinese simplified"
        | "chinese traditional"
        | "han" => "Hani",
        "hebr" | "hebrew" => "Hebr",
        "grek" | "greek" => "Grek",
        "hang" | "hangul" | "korean" => "Hang",
        "armn" | "armenian" => "Armn",
        "geor" | "georgian" => "Geor",
        "jpan" | "japanese" | "kana" | "katakana" | "hiragana" => "Jpan",
        "thai" => "Thai",
        _ => return None,
    };
    Some(code.to_string())
}

fn entity(
    file: &str,
    ent: &Element,
    refs: &HashMap<String, RefValue>,
) -> Result<ListEntry, String> {
    let _ = file;
    let id = ent
        .attr("id")
        .map(clean)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| "<entity> without an id attribute".to_string())?;
    let gi = ent.child("generalInfo");
    let type_text = gi
        .and_then(|g| g.child("entityType"))
        .and_then(|t| {
            t.text().or_else(|| {
                t.attr("refId")
                    .and_then(|r| refs.get(r))
                    .map(|rv| rv.value.clone())
            })
        })
        .unwrap_or_default()
        .to_lowercase();
    let kind = match type_text.as_str() {
        "individual" => EntityKind::Person,
        "entity" => EntityKind::Organization,
        "vessel" => EntityKind::Vessel,
        "aircraft" => EntityKind::Aircraft,
        _ => EntityKind::Unknown,
    };
    let mut b = EntryBuilder::new(id.clone(), kind);

    // names: primary name's primary translation first
    let names: Vec<&Element> = ent.path(&["names", "name"]);
    let is_true = |e: &Element, n: &str| {
        e.child_text(n)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    };
    let mut ordered: Vec<(&Element, &Element, bool)> = Vec::new(); // (name, translation, primary?)
    for n in &names {
        for t in n.path(&["translations", "translation"]) {
            let primary = is_true(n, "isPrimary") && is_true(t, "isPrimary");
            ordered.push((n, t, primary));
        }
    }
    ordered.sort_by_key(|(_, _, p)| !*p);
    for (n, t, primary) in ordered {
        let full = t.child_text("formattedFullName").or_else(|| {
            let parts: Vec<String> = t
                .path(&["nameParts", "namePart"])
                .iter()
                .filter_map(|p| p.child_text("value"))
                .collect();
            if parts.is_empty() {
                None
            } else {
                Some(parts.join(" "))
            }
        });
        let Some(full) = full else { continue };
        let alias_type = n.child_text("aliasType").unwrap_or_default().to_uppercase();
        let name_kind = if primary {
            NameKind::Primary
        } else if alias_type.contains("F.K.A") {
            NameKind::FormerName
        } else {
            NameKind::Alias
        };
        let quality = if is_true(n, "isLowQuality") {
            NameQuality::Low
        } else {
            NameQuality::Good
        };
        let script = script_of(t.child("script"), refs);
        b.name(&full, name_kind, quality, script);
    }
    if b.entry.names.first().map(|n| n.kind) != Some(NameKind::Primary) {
        if let Some(first) = b.entry.names.first_mut() {
            first.kind = NameKind::Primary;
        }
    }

    for p in ent.path(&["sanctionsPrograms", "sanctionsProgram"]) {
        if let Some(t) = p.text() {
            b.program(&t);
        }
    }
    for f in ent.path(&["features", "feature"]) {
        let ftype = f.child_text("type").unwrap_or_default();
        let lower = ftype.to_lowercase();
        let value = f.child_text("value");
        if lower == "birthdate" {
            if let Some(v) = &value {
                b.birth_text(v);
            } else if let Some(vd) = f.child("valueDate") {
                if let (Some(from), Some(to)) =
                    (vd.child_text("fromDateBegin"), vd.child_text("toDateEnd"))
                {
                    let y = |d: &str| d.get(..4).and_then(|y| y.parse::<u32>().ok());
                    if let (Some(fy), Some(ty)) = (y(&from), y(&to)) {
                        b.birth_year_range(fy, ty);
                    }
                }
            }
        } else if lower.contains("nationality") || lower.contains("citizenship") {
            let by_ref = f
                .child_text("valueRefId")
                .and_then(|r| refs.get(&r))
                .filter(|rv| rv.kind.eq_ignore_ascii_case("country"))
                .and_then(|rv| rv.iso.clone());
            match by_ref {
                Some(code) => {
                    b.country(&code);
                }
                None => {
                    if let Some(v) = &value {
                        b.country(v);
                    }
                }
            }
        } else if is_id_label(&lower) || lower.starts_with("bik") {
            if let Some(v) = &value {
                b.identifier(&ftype, v, None);
            }
        }
    }
    for d in ent.path(&["identityDocuments", "identityDocument"]) {
        let Some(number) = d.child_text("documentNumber") else {
            continue;
        };
        let ty = d.child_text("type").unwrap_or_else(|| "document".into());
        let country = d.child("issuingCountry").and_then(|c| country_of(c, refs));
        b.identifier(&ty, &number, country.as_deref());
    }
    for a in ent.path(&["addresses", "address"]) {
        let country_el = a.child("country");
        let country_text = country_el.and_then(|c| c.text());
        let code = country_el.and_then(|c| country_of(c, refs));
        let translations = a.path(&["translations", "translation"]);
        let tr = translations
            .iter()
            .find(|t| is_true(t, "isPrimary"))
            .or_else(|| translations.first())
            .copied();
        let mut parts: HashMap<String, Vec<String>> = HashMap::new();
        if let Some(t) = tr {
            for p in t.path(&["addressParts", "addressPart"]) {
                if let (Some(k), Some(v)) = (p.child_text("type"), p.child_text("value")) {
                    parts.entry(k.to_uppercase()).or_default().push(v);
                }
            }
        }
        let part = |k: &str| parts.get(k).map(|v| v.join(", "));
        let street = join_parts([
            part("ADDRESS1").as_deref(),
            part("ADDRESS2").as_deref(),
            part("ADDRESS3").as_deref(),
        ]);
        let city = join_parts([
            part("CITY").as_deref(),
            part("STATE/PROVINCE").as_deref(),
            part("REGION").as_deref(),
        ]);
        let mut addr = make_address(street, city, part("POSTAL CODE"), country_text);
        if addr.country_code.is_none() {
            addr.country_code = code;
        }
        b.address(addr);
    }
    if let Some(r) = gi.and_then(|g| g.child_text("remarks")) {
        b.remark(&r);
    }
    b.finish()
}
