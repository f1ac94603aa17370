//! BIS Denied Persons List, tab-separated with quoted fields and a header row: `Name, Street_Address, City,
//! State, Country, Postal_Code, Effective_Date, Expiration_Date, Standard_Order, Last_Update, Action,
//! FR_Citation` (`Name` and `Effective_Date` required).
//!
//! The list has no record id, so the source id is derived: `"dpl-"` + the first 16 hex digits of the SHA-256
//! of Name, Street_Address, City, State, Country, Postal_Code and Effective_Date (as written, joined by tabs).
//! It is stable across re-publications as long as those fields do not change. Rows with the same derived id
//! (exact duplicate rows in the published file) are merged. A person listed at two addresses is two records,
//! as the list publishes them. Kind is unknown (the list mixes people and companies). The effective date is not
//! a birth date and is not mapped; Action and FR_Citation go to remarks.

use crate::common::*;
use crate::delimited::{decode_text, read_rows};
use crate::model::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

pub fn parse(file: &str, bytes: &[u8]) -> Result<ListSnapshot, ImportError> {
    let text = decode_text(bytes);
    let (headers, rows) = read_rows(file, &text, b'\t', true, None)?;
    let col = |n: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}').eq_ignore_ascii_case(n))
    };
    for req in ["Name", "Effective_Date"] {
        if col(req).is_none() {
            return Err(err(
                file,
                "line 1",
                format!(
                    "header lacks required column {req}; found {}",
                    excerpt(&format!("{headers:?}"))
                ),
            ));
        }
    }
    let get = |r: &crate::delimited::Row, n: &str| {
        col(n)
            .map(|i| r.get(i).trim().to_string())
            .unwrap_or_default()
    };
    let mut order = Vec::new();
    let mut by_id: HashMap<String, EntryBuilder> = HashMap::new();
    for r in &rows {
        let name = get(r, "Name");
        if non_empty(&name).is_none() {
            return Err(err(file, format!("line {}", r.line), "row without a Name"));
        }
        let key_fields = [
            "Name",
            "Street_Address",
            "City",
            "State",
            "Country",
            "Postal_Code",
            "Effective_Date",
        ];
        let key: Vec<String> = key_fields.iter().map(|f| get(r, f)).collect();
        let digest = Sha256::digest(key.join("\t").as_bytes());
        let id = format!("dpl-{}", hex::encode(&digest[..8]));
        let b = by_id.entry(id.clone()).or_insert_with(|| {
            order.push(id.clone());
            EntryBuilder::new(id.clone(), EntityKind::Unknown)
        });
        b.name(&name, NameKind::Primary, NameQuality::Good, None);
        let city = join_parts([
            Some(get(r, "City").as_str()),
            Some(get(r, "State").as_str()),
        ]);
        b.address(make_address(
            non_empty(&get(r, "Street_Address")),
            city,
            non_empty(&get(r, "Postal_Code")),
            non_empty(&get(r, "Country")),
        ));
        b.program("DPL");
        if let Some(s) = non_empty(&get(r, "Action")) {
            b.remark(&format!("{s}."));
        }
        if let Some(s) = non_empty(&get(r, "FR_Citation")) {
            b.remark(&format!("FR: {s}."));
        }
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
    require_records(file, &entries, "DPL")?;
    Ok(ListSnapshot {
        format: ListFormat::BisDpl,
        source: None,
        version: version_of(bytes),
        published: None,
        entries,
    })
}
