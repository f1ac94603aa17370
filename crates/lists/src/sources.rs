//! List sources: the publisher's lists that each have their own active version in the service.
//!
//! A file format can carry one source (the UN consolidated list), one of two (OFAC's SDN or non-SDN
//! consolidated list, in either OFAC format) or many (the US Consolidated Screening List bundles the SDN list,
//! BIS's Entity List, Denied Persons List, ...). [`split_sources`] turns a parsed snapshot into one snapshot per
//! source, so that importing one source never replaces another.
//!
//! Source ids: `un-sc`, `ofac-sdn`, `ofac-non-sdn`, `us-csl-<code>` (one per CSL sub-list, `<code>` the
//! abbreviation the CSL gives in parentheses, lower case: `us-csl-sdn`, `us-csl-el`, `us-csl-dpl`, `us-csl-ssi`,
//! `us-csl-uvl`, `us-csl-isn`, `us-csl-dtc`, `us-csl-plc`, `us-csl-meu`, `us-csl-cmic`, `us-csl-cap`,
//! `us-csl-ns-mbs`, `us-csl-fse`), `bis-dpl`, `eu-fsf`, `uk`. An OFAC Enhanced XML file that does not say which
//! list it holds is source `ofac-enhanced-xml`.

use crate::model::*;
use std::collections::BTreeMap;

/// The source of every single-source format; None for the formats that carry several.
fn single_source(format: ListFormat) -> Option<&'static str> {
    match format {
        ListFormat::UnScXml => Some("un-sc"),
        ListFormat::BisDpl => Some("bis-dpl"),
        ListFormat::EuFsfXml => Some("eu-fsf"),
        ListFormat::UkSanctions => Some("uk"),
        ListFormat::OfacCsv | ListFormat::OfacEnhancedXml | ListFormat::UsCslCsv => None,
    }
}

/// Whether `id` has the shape of a source id this crate produces (used to check configured source ids).
pub fn is_source_id(id: &str) -> bool {
    matches!(
        id,
        "un-sc" | "ofac-sdn" | "ofac-non-sdn" | "ofac-enhanced-xml" | "bis-dpl" | "eu-fsf" | "uk"
    ) || id.strip_prefix("us-csl-").is_some_and(|c| {
        !c.is_empty()
            && c.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    })
}

/// Whether hits on this source are sanctions hits (which block approval when confirmed) rather than
/// export-control denied-party hits (the BIS Denied Persons List, directly or through the CSL).
pub fn source_is_sanctions(source: &str) -> bool {
    !matches!(source, "bis-dpl" | "us-csl-dpl")
}

/// The CSL sub-list code in a CSL `source` cell, e.g. "Entity List (EL) - Bureau of Industry and Security" ->
/// "el", "Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department" -> "ns-mbs".
pub fn csl_code(source_text: &str) -> Option<String> {
    let (head, agency) = source_text.rsplit_once(" - ")?;
    if agency.trim().is_empty() {
        return None;
    }
    let open = head.find('(')?;
    let close = open + head[open..].find(')')?;
    let code = head[open + 1..close].trim();
    let code = code.strip_suffix(" List").unwrap_or(code);
    let code: String = code
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let code = code.trim_matches('-').to_string();
    (!code.is_empty()).then_some(code)
}

/// One snapshot per source held by `snap`, each with `source` set. Single-source formats give `snap` back;
/// a CSL file gives one snapshot per sub-list (an entry on several sub-lists is in each of them; an entry whose
/// sub-list cannot be read goes to `us-csl-other`), all sharing the file's version.
pub fn split_sources(mut snap: ListSnapshot) -> Vec<ListSnapshot> {
    if let Some(s) = single_source(snap.format) {
        snap.source = Some(s.to_string());
        return vec![snap];
    }
    match snap.format {
        ListFormat::UsCslCsv => {
            let mut by: BTreeMap<String, Vec<ListEntry>> = BTreeMap::new();
            for e in snap.entries {
                let mut codes: Vec<String> =
                    e.programs.iter().filter_map(|p| csl_code(p)).collect();
                codes.sort();
                codes.dedup();
                if codes.is_empty() {
                    codes.push("other".into());
                }
                for c in codes {
                    by.entry(format!("us-csl-{c}")).or_default().push(e.clone());
                }
            }
            by.into_iter()
                .map(|(source, entries)| ListSnapshot {
                    format: snap.format,
                    version: snap.version.clone(),
                    published: snap.published.clone(),
                    source: Some(source),
                    entries,
                })
                .collect()
        }
        _ => {
            if snap.source.is_none() {
                snap.source = Some(snap.format.as_str().to_string());
            }
            vec![snap]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csl_codes() {
        assert_eq!(
            csl_code("Entity List (EL) - Bureau of Industry and Security").as_deref(),
            Some("el")
        );
        assert_eq!(
            csl_code("Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department")
                .as_deref(),
            Some("ns-mbs")
        );
        assert_eq!(
            csl_code("Military End User (MEU) List - Bureau of Industry and Security").as_deref(),
            Some("meu")
        );
        assert_eq!(csl_code("SDGT"), None);
        assert_eq!(csl_code("IRAN-EO13846"), None);
        assert!(is_source_id("us-csl-ns-mbs"));
        assert!(!is_source_id("us-csl-"));
        assert!(!is_source_id("ofac-csv"));
    }
}
