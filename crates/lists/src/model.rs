//! The record model shared by every importer and by the screening index.

use serde::{Deserialize, Serialize};

/// A list file format that exportctl can import. The string forms are the CLI's `FORMAT` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ListFormat {
    /// UN Security Council consolidated list, XML.
    UnScXml,
    /// OFAC legacy CSV: a directory with sdn.csv/alt.csv/add.csv/sdn_comments.csv or the cons_*.csv set.
    OfacCsv,
    /// OFAC Enhanced XML, bare or inside its ZIP.
    OfacEnhancedXml,
    /// US Consolidated Screening List CSV, plain or gzip.
    UsCslCsv,
    /// BIS Denied Persons List, tab-separated.
    BisDpl,
    /// EU consolidated financial sanctions list (FSF XML).
    EuFsfXml,
    /// UK sanctions list.
    UkSanctions,
}

impl ListFormat {
    pub const ALL: [ListFormat; 7] = [
        ListFormat::UnScXml,
        ListFormat::OfacCsv,
        ListFormat::OfacEnhancedXml,
        ListFormat::UsCslCsv,
        ListFormat::BisDpl,
        ListFormat::EuFsfXml,
        ListFormat::UkSanctions,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ListFormat::UnScXml => "un-sc-xml",
            ListFormat::OfacCsv => "ofac-csv",
            ListFormat::OfacEnhancedXml => "ofac-enhanced-xml",
            ListFormat::UsCslCsv => "us-csl-csv",
            ListFormat::BisDpl => "bis-dpl",
            ListFormat::EuFsfXml => "eu-fsf-xml",
            ListFormat::UkSanctions => "uk-sanctions",
        }
    }

    /// Whether hits on this list are sanctions hits (which block approval when confirmed) rather than
    /// export-control denied-party hits.
    pub fn is_sanctions(self) -> bool {
        !matches!(self, ListFormat::BisDpl)
    }
}

impl std::fmt::Display for ListFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ListFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ListFormat::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown list format {s:?}; expected one of {}",
                    ListFormat::ALL.map(|f| f.as_str()).join(", ")
                )
            })
    }
}

/// What kind of party a record describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntityKind {
    Person,
    Organization,
    Vessel,
    Aircraft,
    Unknown,
}

/// Role of a name variant within its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NameKind {
    Primary,
    Alias,
    FormerName,
}

impl NameKind {
    /// Every value, in declaration order (the API document lists the same).
    pub const ALL: &'static [NameKind] =
        &[NameKind::Primary, NameKind::Alias, NameKind::FormerName];
}

/// The list's own judgement of an alias: OFAC "weak" / UN "Low" aliases are `Low`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NameQuality {
    Good,
    Low,
}

impl NameQuality {
    /// Every value, in declaration order (the API document lists the same).
    pub const ALL: &'static [NameQuality] = &[NameQuality::Good, NameQuality::Low];
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameVariant {
    pub name: String,
    pub kind: NameKind,
    pub quality: NameQuality,
    /// ISO 15924 script code when the list says (e.g. "Arab", "Cyrl", "Latn", "Hani"); None when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Country as written by the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// ISO 3166-1 alpha-2, when the importer could resolve it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identifier {
    /// e.g. "passport", "national-id", "registration-number", "imo", "swift-bic", as written by the list.
    pub kind: String,
    pub number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// One record of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListEntry {
    /// The list's own record id (UN REFERENCE_NUMBER such as "QDi.001", OFAC ent_num, CSL `_id`, ...).
    pub source_id: String,
    pub kind: EntityKind,
    /// Primary name first, then aliases and original-script names.
    pub names: Vec<NameVariant>,
    /// Birth (or incorporation) dates as "YYYY", "YYYY-MM" or "YYYY-MM-DD"; ranges expanded to their years.
    #[serde(default)]
    pub birth_dates: Vec<String>,
    /// ISO 3166-1 alpha-2 codes of nationality, citizenship, registration or address countries.
    #[serde(default)]
    pub countries: Vec<String>,
    #[serde(default)]
    pub addresses: Vec<Address>,
    #[serde(default)]
    pub identifiers: Vec<Identifier>,
    /// Sanctions programmes / regimes / list sub-sources (e.g. "SDGT", "ENTITY LIST").
    #[serde(default)]
    pub programs: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

impl ListEntry {
    /// The primary name (first name variant), or "" for a record without names.
    pub fn primary_name(&self) -> &str {
        self.names.first().map(|n| n.name.as_str()).unwrap_or("")
    }
}

/// A whole imported list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListSnapshot {
    pub format: ListFormat,
    /// Content version: "sha256:<hex>" of the bytes imported (so two imports of one file share a version).
    pub version: String,
    /// Publication date the file states about itself, when it does (YYYY-MM-DD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// The publisher's list this snapshot holds, when the file says which (`ofac-sdn` or `ofac-non-sdn` for
    /// the OFAC formats); see [`crate::split_sources`] for the source of every format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub entries: Vec<ListEntry>,
}

/// A malformed file: where and why. Nothing of the file is imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {position}: {reason}")]
pub struct ImportError {
    /// The file (or archive member) in which the error was found.
    pub file: String,
    /// Position in the file, e.g. "line 12", "line 12, column 4", "byte 40213".
    pub position: String,
    pub reason: String,
}
