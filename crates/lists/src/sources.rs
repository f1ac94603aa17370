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

/// The source id of the licensing authority's own list of parties its end-use checks could not verify
/// (`app::monitoring::checks`): not imported from a file, built from the authority's records.
pub const AUTHORITY_UNVERIFIED: &str = "authority-unverified";

/// Whether `id` has the shape of a source id this crate produces (used to check configured source ids).
pub fn is_source_id(id: &str) -> bool {
    matches!(
        id,
        "un-sc"
            | "ofac-sdn"
            | "ofac-non-sdn"
            | "ofac-enhanced-xml"
            | "bis-dpl"
            | "eu-fsf"
            | "uk"
            | AUTHORITY_UNVERIFIED
    ) || id.strip_prefix("us-csl-").is_some_and(|c| {
        !c.is_empty()
            && c.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    })
}

/// What a confirmed hit on a list means for the case: configuration per list source and programme, over the
/// reference choices (docs/screening.md, "What a hit means").
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum HitConsequence {
    /// A confirmed hit blocks approval.
    Block,
    /// A confirmed hit requires an end-use check of the party; it does not block approval by itself.
    EndUseCheck,
}

impl HitConsequence {
    /// Every value, in declaration order (the API document lists the same).
    pub const ALL: &'static [HitConsequence] =
        &[HitConsequence::Block, HitConsequence::EndUseCheck];

    pub fn as_str(self) -> &'static str {
        match self {
            HitConsequence::Block => "block",
            HitConsequence::EndUseCheck => "end-use-check",
        }
    }

    pub fn parse(s: &str) -> Result<HitConsequence, String> {
        HitConsequence::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s.trim())
            .ok_or_else(|| format!("{s:?} is not a hit consequence; one of: block, end-use-check"))
    }
}

/// The reference deployment's consequence of a confirmed hit on `source`: every sanctions programme and the BIS
/// Denied Persons List (directly, `bis-dpl`, or through the CSL, `us-csl-dpl`) block approval; the BIS Unverified
/// List (`us-csl-uvl`), whose parties BIS could not verify rather than found to be in breach, requires an end-use
/// check instead, and so does the authority's own list of parties its end-use checks could not verify
/// ([`AUTHORITY_UNVERIFIED`]). A configuration entry for the source, or for one of the entry's programmes,
/// overrides it.
pub fn reference_consequence(source: &str) -> HitConsequence {
    match source {
        "us-csl-uvl" | AUTHORITY_UNVERIFIED => HitConsequence::EndUseCheck,
        _ => HitConsequence::Block,
    }
}

/// The consequence of a confirmed hit on an entry of `source` with `programmes`: a configured
/// `source/programme` entry first (the first of the entry's programmes that has one), then a configured `source`
/// entry, then the reference choice.
pub fn hit_consequence(
    configured: &BTreeMap<String, HitConsequence>,
    source: &str,
    programmes: &[String],
) -> HitConsequence {
    programmes
        .iter()
        .find_map(|p| configured.get(&format!("{source}/{p}")))
        .or_else(|| configured.get(source))
        .copied()
        .unwrap_or_else(|| reference_consequence(source))
}

/// Whether hits on this source are sanctions hits (which block approval when confirmed) rather than
/// export-control denied-party hits (the BIS Denied Persons List, directly or through the CSL).
pub fn source_is_sanctions(source: &str) -> bool {
    !matches!(source, "bis-dpl" | "us-csl-dpl" | AUTHORITY_UNVERIFIED)
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

#[cfg(test)]
mod consequence_tests {
    use super::*;

    #[test]
    fn reference_choices_and_configuration_per_source_and_programme() {
        let none = BTreeMap::new();
        // The Denied Persons List blocks, directly and through the CSL; the Unverified List asks for an
        // end-use check; sanctions programmes block.
        for s in ["bis-dpl", "us-csl-dpl", "ofac-sdn", "un-sc", "us-csl-el"] {
            assert_eq!(hit_consequence(&none, s, &[]), HitConsequence::Block, "{s}");
        }
        assert_eq!(
            hit_consequence(&none, "us-csl-uvl", &[]),
            HitConsequence::EndUseCheck
        );
        // A source entry overrides the reference; a programme entry overrides the source's.
        let mut c = BTreeMap::new();
        c.insert("us-csl-el".to_string(), HitConsequence::EndUseCheck);
        c.insert("ofac-sdn/CYBER2".to_string(), HitConsequence::EndUseCheck);
        assert_eq!(
            hit_consequence(&c, "us-csl-el", &[]),
            HitConsequence::EndUseCheck
        );
        assert_eq!(
            hit_consequence(&c, "ofac-sdn", &["SDGT".into(), "CYBER2".into()]),
            HitConsequence::EndUseCheck
        );
        assert_eq!(
            hit_consequence(&c, "ofac-sdn", &["SDGT".into()]),
            HitConsequence::Block
        );
        assert_eq!(
            HitConsequence::parse("end-use-check"),
            Ok(HitConsequence::EndUseCheck)
        );
        assert!(HitConsequence::parse("warn")
            .unwrap_err()
            .contains("block, end-use-check"));
    }
}
