//! US Consolidated Screening List (trade.gov) CSV, plain or gzip-compressed.
//!
//! The header row names the columns (`_id, source, entity_number, type, programs, name, ..., alt_names,
//! citizenships, dates_of_birth, nationalities, places_of_birth, source_information_url, ids`); `_id`, `source`
//! and `name` are required. Multi-valued cells are separated by `;`.
//!
//! Mapping: `_id` -> source id; `type` Individual/Entity/Vessel/Aircraft (blank -> unknown); `name` -> primary;
//! `alt_names` -> aliases (Good); `source` (full text, e.g. "Entity List (EL) - Bureau of Industry and Security")
//! and `programs` -> programs; `dates_of_birth` -> birth dates; `citizenships`, `nationalities`, `vessel_flag`
//! and address countries -> countries; `addresses` (`street, city, postal, CC`) -> addresses with the last part
//! as country; `ids` (`[CC, ][issued, expires, ]NUMBER, TYPE`) -> identifiers when TYPE names an identity or
//! registration number; `remarks`, `title` -> remarks.
//!
//! The same `_id` appears on several rows when one party is on several sub-lists (e.g. SDN and SSI): such rows
//! are merged into one entry whose programs hold every source.

use crate::common::*;
use crate::delimited::{decode_text, read_rows};
use crate::model::*;
use std::collections::HashMap;

pub fn parse(file: &str, raw: &[u8]) -> Result<ListSnapshot, ImportError> {
    let version = version_of(raw);
    let unpacked;
    let bytes = if crate::archive::is_gzip(raw) {
        unpacked = crate::archive::gunzip(file, raw)?;
        unpacked.as_slice()
    } else {
        raw
    };
    if bytes.is_empty() {
        return Err(err(file, "byte 0", "empty file"));
    }
    let text = decode_text(bytes);
    let (headers, rows) = read_rows(file, &text, b',', true, None)?;
    let col = |n: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == n)
    };
    let mut missing = Vec::new();
    for req in ["_id", "source", "name"] {
        if col(req).is_none() {
            missing.push(req);
        }
    }
    if !missing.is_empty() {
        return Err(err(
            file,
            "line 1",
            format!(
                "header lacks required column(s) {}; found {}",
                missing.join(", "),
                excerpt(&format!("{headers:?}"))
            ),
        ));
    }
    let c = |n: &str| col(n);
    let (id_c, src_c, name_c) = (c("_id"), c("source"), c("name"));
    let get = |r: &crate::delimited::Row, i: Option<usize>| {
        i.map(|i| r.get(i).to_string()).unwrap_or_default()
    };

    let mut order: Vec<String> = Vec::new();
    let mut by_id: HashMap<String, EntryBuilder> = HashMap::new();
    for r in &rows {
        let id = clean(&get(r, id_c));
        if id.is_empty() {
            return Err(err(file, format!("line {}", r.line), "row without _id"));
        }
        let kind = match clean(&get(r, c("type"))).to_ascii_lowercase().as_str() {
            "individual" => EntityKind::Person,
            "entity" => EntityKind::Organization,
            "vessel" => EntityKind::Vessel,
            "aircraft" => EntityKind::Aircraft,
            _ => EntityKind::Unknown,
        };
        let b = by_id.entry(id.clone()).or_insert_with(|| {
            order.push(id.clone());
            EntryBuilder::new(id.clone(), kind)
        });
        if b.entry.kind == EntityKind::Unknown {
            b.entry.kind = kind;
        }
        let name = get(r, name_c);
        if non_empty(&name).is_none() {
            return Err(err(
                file,
                format!("line {}", r.line),
                format!("row {} has no name", excerpt(&id)),
            ));
        }
        b.name(&name, NameKind::Primary, NameQuality::Good, None);
        for a in get(r, c("alt_names")).split(';') {
            b.name(a, NameKind::Alias, NameQuality::Good, None);
        }
        b.program(&get(r, src_c));
        for p in get(r, c("programs")).split(';') {
            b.program(p);
        }
        for d in get(r, c("dates_of_birth")).split(';') {
            let d = d.trim();
            match d.split_once(" to ") {
                Some((f, t)) => match (f.trim().parse::<u32>(), t.trim().parse::<u32>()) {
                    (Ok(f), Ok(t)) => b.birth_year_range(f, t),
                    _ => {
                        b.birth_date(f);
                        b.birth_date(t);
                    }
                },
                None => b.birth_date(d.trim_start_matches("circa ")),
            }
        }
        for col_name in ["citizenships", "nationalities", "vessel_flag"] {
            for cc in get(r, c(col_name)).split(';') {
                b.country(cc);
            }
        }
        for a in get(r, c("addresses")).split(';') {
            let parts: Vec<&str> = a
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect();
            let Some((last, rest)) = parts.split_last() else {
                continue;
            };
            let (country, rest) = if crate::countries::to_alpha2(last).is_some() {
                (Some(last.to_string()), rest)
            } else {
                (None, parts.as_slice())
            };
            let street = if rest.is_empty() {
                None
            } else {
                Some(rest.join(", "))
            };
            b.address(make_address(street, None, None, country));
        }
        for id_val in get(r, c("ids")).split(';') {
            let parts: Vec<&str> = id_val.split(',').map(str::trim).collect();
            if parts.len() < 2 {
                continue;
            }
            let Some((ty, rest)) = parts.split_last() else {
                continue;
            };
            if !is_id_label(ty) {
                continue;
            }
            let Some(number) = rest.last() else { continue };
            let country = rest.first().filter(|f| {
                rest.len() >= 2 && f.len() == 2 && f.bytes().all(|b| b.is_ascii_uppercase())
            });
            b.identifier(ty, number, country.copied());
        }
        b.remark(&get(r, c("title")));
        b.remark(&get(r, c("remarks")));
    }
    let mut entries = Vec::with_capacity(order.len());
    for id in order {
        if let Some(b) = by_id.remove(&id) {
            entries.push(
                b.finish()
                    .map_err(|r| err(file, format!("record {}", excerpt(&id)), r))?,
            );
        }
    }
    require_records(file, &entries, "CSL")?;
    Ok(ListSnapshot {
        format: ListFormat::UsCslCsv,
        source: None,
        version,
        published: None,
        entries,
    })
}
