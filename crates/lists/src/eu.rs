//! EU consolidated financial sanctions list, FSF XML (`export/sanctionEntity`, namespace
//! `http://eu.europa.ec/fpi/fsd/export`; the "xmlFullSanctionsList_1_1" file).
//!
//! Written from the published schema: no real copy is shipped, tests use a synthetic fixture.
//!
//! Mapping: source id = `@euReferenceNumber` (e.g. "EU.27.28"), or `@logicalId` when the entity has none;
//! `subjectType/@code` person -> person, enterprise -> organization (`@classificationCode` P/E as fallback);
//! `nameAlias` (`@wholeName`, else first/middle/last joined): the first is the primary name, the others aliases,
//! `@strong="false"` -> Low; the script is detected from the characters (`@nameLanguage` is a language, not a
//! script); `birthdate` (`@birthdate`, else `@year`/`@monthOfYear`/`@dayOfMonth`, or `@yearRangeFrom`..`@yearRangeTo`)
//! -> birth dates; `citizenship/@countryIso2Code` -> countries ("00" = unknown is skipped); `identification`
//! (`@number` or `@latinNumber`, `@identificationTypeCode`/`@identificationTypeDescription`, `@countryIso2Code`)
//! -> identifiers; `address` (street, poBox, city, zipCode, region, place, countryIso2Code/countryDescription)
//! -> addresses; `regulation/@programme` -> programs; `remark` -> remarks; `export/@generationDate` -> published.

use crate::common::*;
use crate::model::*;
use crate::xml::{self, Element};

pub fn parse(file: &str, bytes: &[u8]) -> Result<ListSnapshot, ImportError> {
    let root = xml::parse(file, bytes)?;
    let at = |e: &Element| describe_offset(bytes, e.pos);
    if root.name != "export" {
        return Err(err(
            file,
            at(&root),
            format!(
                "document element is <{}>, expected <export>",
                excerpt(&root.name)
            ),
        ));
    }
    let mut entries = Vec::new();
    for se in root.children_named("sanctionEntity") {
        entries.push(entity(se).map_err(|r| err(file, at(se), r))?);
    }
    require_records(file, &entries, "sanctionEntity")?;
    require_unique_ids(file, &entries)?;
    Ok(ListSnapshot {
        format: ListFormat::EuFsfXml,
        source: None,
        version: version_of(bytes),
        published: root.attr("generationDate").and_then(normalize_date),
        entries,
    })
}

fn a(e: &Element, name: &str) -> Option<String> {
    e.attr(name).and_then(non_empty)
}

fn iso2(e: &Element) -> Option<String> {
    a(e, "countryIso2Code")
        .filter(|c| c != "00")
        .or_else(|| a(e, "countryDescription"))
}

fn entity(se: &Element) -> Result<ListEntry, String> {
    let id = a(se, "euReferenceNumber")
        .or_else(|| a(se, "logicalId"))
        .ok_or("<sanctionEntity> has neither euReferenceNumber nor logicalId")?;
    let st = se.child("subjectType");
    let code = st
        .and_then(|s| a(s, "code"))
        .unwrap_or_default()
        .to_lowercase();
    let class = st
        .and_then(|s| a(s, "classificationCode"))
        .unwrap_or_default()
        .to_uppercase();
    let kind = match (code.as_str(), class.as_str()) {
        ("person", _) | (_, "P") => EntityKind::Person,
        ("enterprise", _) | (_, "E") => EntityKind::Organization,
        _ => EntityKind::Unknown,
    };
    let mut b = EntryBuilder::new(id, kind);
    for (i, na) in se.children_named("nameAlias").enumerate() {
        let whole = a(na, "wholeName").or_else(|| {
            let parts: Vec<String> = ["firstName", "middleName", "lastName"]
                .iter()
                .filter_map(|p| a(na, p))
                .collect();
            if parts.is_empty() {
                None
            } else {
                Some(parts.join(" "))
            }
        });
        let Some(whole) = whole else { continue };
        let weak = a(na, "strong").is_some_and(|s| s.eq_ignore_ascii_case("false"));
        let q = if weak {
            NameQuality::Low
        } else {
            NameQuality::Good
        };
        let k = if i == 0 || b.entry.names.is_empty() {
            NameKind::Primary
        } else {
            NameKind::Alias
        };
        b.name(&whole, k, q, None);
    }
    for bd in se.children_named("birthdate") {
        if let Some(d) = a(bd, "birthdate") {
            b.birth_date(&d);
        } else if let Some(y) = a(bd, "year") {
            let date = match (a(bd, "monthOfYear"), a(bd, "dayOfMonth")) {
                (Some(m), Some(d)) => format!("{y}-{m:0>2}-{d:0>2}"),
                (Some(m), None) => format!("{y}-{m:0>2}"),
                _ => y,
            };
            b.birth_date(&date);
        } else if let (Some(f), Some(t)) = (a(bd, "yearRangeFrom"), a(bd, "yearRangeTo")) {
            if let (Ok(f), Ok(t)) = (f.parse(), t.parse()) {
                b.birth_year_range(f, t);
            }
        }
    }
    for c in se.children_named("citizenship") {
        if let Some(cc) = iso2(c) {
            b.country(&cc);
        }
    }
    for idn in se.children_named("identification") {
        let Some(num) = a(idn, "number").or_else(|| a(idn, "latinNumber")) else {
            continue;
        };
        let ty = a(idn, "identificationTypeCode")
            .filter(|t| t != "other")
            .or_else(|| a(idn, "identificationTypeDescription"))
            .unwrap_or_else(|| "document".into());
        let ty = if ty == "id" {
            "national-id".to_string()
        } else {
            ty
        };
        b.identifier(&ty, &num, iso2(idn).as_deref());
    }
    for ad in se.children_named("address") {
        let street = join_parts([
            a(ad, "street").as_deref(),
            a(ad, "poBox").map(|p| format!("PO Box {p}")).as_deref(),
        ]);
        let city = join_parts([
            a(ad, "city").as_deref(),
            a(ad, "region").as_deref(),
            a(ad, "place").as_deref(),
        ]);
        let country_desc = a(ad, "countryDescription");
        let code = a(ad, "countryIso2Code")
            .filter(|c| c != "00" && crate::countries::name_of(c).is_some());
        let mut addr = make_address(
            street,
            city,
            a(ad, "zipCode"),
            country_desc.or_else(|| code.clone()),
        );
        if code.is_some() {
            addr.country_code = code;
        }
        b.address(addr);
    }
    for r in se.children_named("regulation") {
        if let Some(p) = a(r, "programme") {
            b.program(&p);
        }
    }
    for r in se.children_named("remark") {
        if let Some(t) = r.text() {
            b.remark(&t);
        }
    }
    b.finish()
}
