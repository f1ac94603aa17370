//! UN Security Council consolidated list (XML, `CONSOLIDATED_LIST`).
//!
//! Mapping: `INDIVIDUALS/INDIVIDUAL` -> person, `ENTITIES/ENTITY` -> organization; `REFERENCE_NUMBER` -> source id;
//! `FIRST_NAME`..`FOURTH_NAME` joined -> primary name; `*_ALIAS` (QUALITY Good/a.k.a. -> Good, Low -> Low,
//! f.k.a. -> former name); `NAME_ORIGINAL_SCRIPT` -> alias with the detected script; `INDIVIDUAL_DATE_OF_BIRTH`
//! (DATE, YEAR, FROM_YEAR..TO_YEAR) and alias `DATE_OF_BIRTH` -> birth dates; `NATIONALITY/VALUE` and address
//! countries -> alpha-2 countries; `INDIVIDUAL_DOCUMENT` -> identifiers; `*_ADDRESS` -> addresses;
//! `UN_LIST_TYPE` -> programme; `COMMENTS1` -> remarks; `dateGenerated` -> published.

use crate::common::*;
use crate::model::*;
use crate::xml::{self, Element};

pub fn parse(file: &str, bytes: &[u8]) -> Result<ListSnapshot, ImportError> {
    let root = xml::parse(file, bytes)?;
    if root.name != "CONSOLIDATED_LIST" {
        return Err(err(
            file,
            describe_offset(bytes, root.pos),
            format!(
                "document element is <{}>, expected <CONSOLIDATED_LIST>",
                excerpt(&root.name)
            ),
        ));
    }
    let individuals = root.path(&["INDIVIDUALS", "INDIVIDUAL"]);
    let entities = root.path(&["ENTITIES", "ENTITY"]);
    if root.child("INDIVIDUALS").is_none() && root.child("ENTITIES").is_none() {
        return Err(err(
            file,
            describe_offset(bytes, root.pos),
            "<CONSOLIDATED_LIST> has neither <INDIVIDUALS> nor <ENTITIES>",
        ));
    }
    let mut entries = Vec::with_capacity(individuals.len() + entities.len());
    for el in individuals {
        entries.push(record(file, bytes, el, EntityKind::Person)?);
    }
    for el in entities {
        entries.push(record(file, bytes, el, EntityKind::Organization)?);
    }
    require_records(file, &entries, "INDIVIDUAL or ENTITY")?;
    require_unique_ids(file, &entries)?;
    Ok(ListSnapshot {
        format: ListFormat::UnScXml,
        source: None,
        version: version_of(bytes),
        published: root.attr("dateGenerated").and_then(normalize_date),
        entries,
    })
}

fn record(
    file: &str,
    bytes: &[u8],
    el: &Element,
    kind: EntityKind,
) -> Result<ListEntry, ImportError> {
    let at = || describe_offset(bytes, el.pos);
    let id = el.child_text("REFERENCE_NUMBER").ok_or_else(|| {
        err(
            file,
            at(),
            format!("<{}> without <REFERENCE_NUMBER>", excerpt(&el.name)),
        )
    })?;
    let mut b = EntryBuilder::new(id, kind);
    let full: Vec<String> = ["FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"]
        .iter()
        .filter_map(|n| el.child_text(n))
        .collect();
    b.name(&full.join(" "), NameKind::Primary, NameQuality::Good, None);
    if b.entry.names.is_empty() {
        return Err(err(
            file,
            at(),
            format!(
                "<{}> {} has no FIRST_NAME",
                excerpt(&el.name),
                excerpt(&b.entry.source_id)
            ),
        ));
    }
    for orig in el.children_named("NAME_ORIGINAL_SCRIPT") {
        if let Some(n) = orig.text() {
            b.name(&n, NameKind::Alias, NameQuality::Good, None);
        }
    }
    let alias_tag = if kind == EntityKind::Person {
        "INDIVIDUAL_ALIAS"
    } else {
        "ENTITY_ALIAS"
    };
    for a in el.children_named(alias_tag) {
        let Some(name) = a.child_text("ALIAS_NAME") else {
            continue;
        };
        let q = a.child_text("QUALITY").unwrap_or_default().to_lowercase();
        let (kind, quality) = match q.as_str() {
            "low" => (NameKind::Alias, NameQuality::Low),
            "f.k.a." | "fka" => (NameKind::FormerName, NameQuality::Good),
            _ => (NameKind::Alias, NameQuality::Good),
        };
        let (plain, original) = split_original_script(&name);
        b.name(&plain, kind, quality, None);
        if let Some(o) = original {
            b.name(&o, kind, quality, None);
        }
        if let Some(d) = a.child_text("DATE_OF_BIRTH") {
            b.birth_date(&d);
        }
    }
    for d in el.children_named("INDIVIDUAL_DATE_OF_BIRTH") {
        if let Some(date) = d.child_text("DATE") {
            b.birth_date(&date);
        }
        if let Some(y) = d.child_text("YEAR") {
            b.birth_date(&y);
        }
        let from = d
            .child_text("FROM_YEAR")
            .and_then(|y| y.parse::<u32>().ok());
        let to = d.child_text("TO_YEAR").and_then(|y| y.parse::<u32>().ok());
        match (from, to) {
            (Some(f), Some(t)) => b.birth_year_range(f, t),
            (Some(y), None) | (None, Some(y)) => b.birth_date(&y.to_string()),
            _ => {}
        }
    }
    for n in el.children_named("NATIONALITY") {
        for v in n.children_named("VALUE") {
            if let Some(c) = v.text() {
                b.country(&c);
            }
        }
    }
    let addr_tag = if kind == EntityKind::Person {
        "INDIVIDUAL_ADDRESS"
    } else {
        "ENTITY_ADDRESS"
    };
    for a in el.children_named(addr_tag) {
        let city = join_parts([
            a.child_text("CITY").as_deref(),
            a.child_text("STATE_PROVINCE").as_deref(),
        ]);
        b.address(make_address(
            a.child_text("STREET"),
            city,
            a.child_text("ZIP_CODE"),
            a.child_text("COUNTRY"),
        ));
    }
    for d in el.children_named("INDIVIDUAL_DOCUMENT") {
        let Some(number) = d.child_text("NUMBER") else {
            continue;
        };
        let kind = d
            .child_text("TYPE_OF_DOCUMENT")
            .unwrap_or_else(|| "document".into());
        let country = d
            .child_text("ISSUING_COUNTRY")
            .or_else(|| d.child_text("COUNTRY_OF_ISSUE"));
        b.identifier(&kind, &number, country.as_deref());
    }
    if let Some(p) = el.child_text("UN_LIST_TYPE") {
        b.program(&p);
    }
    if let Some(c) = el.child_text("COMMENTS1") {
        b.remark(&c);
    }
    b.finish().map_err(|r| err(file, at(), r))
}

/// "Jin Tiesan (金铁三)" and "Abu Muhammad (original script: Абу Мухаммад)" hold two names: the romanised one
/// and, in brackets, the original-script one. Returns them separately; other names are returned unchanged.
fn split_original_script(name: &str) -> (String, Option<String>) {
    let t = name.trim();
    if let (Some(open), true) = (t.rfind('('), t.ends_with(')')) {
        let inner = t.get(open + 1..t.len() - 1).unwrap_or("");
        let inner = inner.trim();
        let inner = inner
            .strip_prefix("original script:")
            .unwrap_or(inner)
            .trim();
        let outer = t.get(..open).unwrap_or("").trim();
        let non_latin = |s: &str| detect_script(s).is_some_and(|sc| sc != "Latn");
        if !outer.is_empty() && non_latin(inner) && !non_latin(outer) {
            return (outer.to_string(), Some(inner.to_string()));
        }
    }
    (t.to_string(), None)
}
